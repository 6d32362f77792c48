"""The tab the assessment adds to the scheme's registry page: its workflow bar, its submissions and the way to
its results and targets (the registry itself knows nothing of the workflow)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from talentportal.registry.base import Tab, add_tab

from .models import Scheme, Submission
from .views import workflow


def scheme_workflow(request: HttpRequest, scheme: Scheme) -> dict[str, Any]:
    submissions = (
        Submission.objects.for_user(request.user)
        .filter(assessee__scheme=scheme)
        .select_related("assessee")
        .order_by("assessee__order", "assessee__id")
    )
    return {**workflow(request, scheme), "submissions": list(submissions)}


add_tab(
    "assessments.scheme",
    Tab("workflow", _("Workflow and submissions"), "assessments/_scheme_tab.html", scheme_workflow),
)
