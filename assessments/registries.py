"""The assessment's registries: schemes, indicators, assessees and targets are kept through the generic pages
and the API; submissions, marks and events move only through the workflow (``services``), so their pages list
and show them and the API writes them through its own actions."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, gettext_lazy

from talentportal import metrics
from talentportal.orgs.models import is_admin, role_of
from talentportal.registry.base import API, Column, Registry, register

from . import rules
from .filters import (
    AssesseeFilterSet,
    EventFilterSet,
    IndicatorFilterSet,
    MarkFilterSet,
    SchemeFilterSet,
    SubmissionFilterSet,
    TargetFilterSet,
)
from .forms import AssesseeForm, IndicatorForm, ReadOnlyForm, SchemeForm, TargetForm, frozen_error
from .models import Assessee, Event, Indicator, Mark, Scheme, Submission, Target


def scheme_delete_error(scheme: Scheme) -> str | None:
    """Only a draft goes: once opened, a scheme has submissions and a history to keep."""
    if scheme.status == Scheme.Status.DRAFT:
        return None
    return gettext("Only a draft scheme can be deleted; this one is %(status)s.") % {
        "status": scheme.get_status_display()
    }


def assessee_delete_error(assessee: Assessee) -> str | None:
    return gettext("Assessees are fixed when the scheme opens: exclude it, with a reason, instead.")


def part_delete_error(obj: Any) -> str | None:
    """Indicators and targets of a final or published scheme stay as they were scored."""
    scheme = obj.scheme if isinstance(obj, Indicator) else obj.indicator.scheme
    return frozen_error(scheme)


def scheme_url(obj: Any) -> str | None:
    return Scheme(pk=obj.scheme_id).get_absolute_url() if getattr(obj, "scheme_id", None) else None


def members(user: Any) -> bool:
    return role_of(user) is not None


schemes = register(
    Registry(
        model=Scheme,
        namespace="assessments",
        url_prefix="schemes",
        name="scheme",
        section="assessments",
        filterset_class=SchemeFilterSet,
        form_class=SchemeForm,
        columns=[
            Column("name", link=True),
            Column("year"),
            Column("group"),
            Column("org_unit__name", label=gettext_lazy("assessing office"), order_by="org_unit__path"),
            Column("status"),
            Column("due_on"),
            Column("excellent_share"),
            Column("description", sortable=False),
        ],
        list_columns=["name", "year", "group", "org_unit__name", "status", "due_on"],
        default_ordering=("-year", "group", "id"),
        select_related=("org_unit",),
        can_create=is_admin,
        delete_error=scheme_delete_error,
    )
)


def rule_label(indicator: Indicator) -> str:
    """The rule's kind as people call it (the parameters are on the edit form)."""
    kind = (indicator.rule or {}).get("kind", "")
    return str(rules.KIND_LABELS.get(kind, kind))


def metric_label(indicator: Indicator) -> str:
    """The bound metric's label, “(growth)” when taken as growth over the previous year."""
    binding = indicator.metric or {}
    metric = metrics.METRICS.get(binding.get("code", ""))
    if metric is None:
        return str(binding.get("code", ""))
    return f"{metric.label}（{gettext('growth')}）" if binding.get("growth") else str(metric.label)


indicators = register(
    Registry(
        model=Indicator,
        namespace="assessments",
        url_prefix="indicators",
        name="indicator",
        section="assessments",
        filterset_class=IndicatorFilterSet,
        form_class=IndicatorForm,
        columns=[
            Column("code", link=True),
            Column("name"),
            Column("scheme__name", label=gettext_lazy("scheme"), url=scheme_url),
            Column("level"),
            Column("parent__code", label=gettext_lazy("parent indicator")),
            Column("max_points"),
            Column("source"),
            Column("unit", sortable=False),
            Column("evidence_required"),
            Column("order"),
            Column("rule", sortable=False, value=rule_label),
            Column("metric", sortable=False, value=metric_label),
        ],
        list_columns=["code", "name", "scheme__name", "level", "max_points", "source", "rule"],
        default_ordering=("scheme", "order", "code"),
        select_related=("scheme", "parent"),
        can_create=is_admin,
        delete_error=part_delete_error,
    )
)

assessees = register(
    Registry(
        model=Assessee,
        namespace="assessments",
        url_prefix="assessees",
        name="assessee",
        section="assessments",
        filterset_class=AssesseeFilterSet,
        form_class=AssesseeForm,
        columns=[
            Column("name", link=True),
            Column("key"),
            Column("scheme__name", label=gettext_lazy("scheme"), url=scheme_url),
            Column("kind"),
            Column("org_unit__name", label=gettext_lazy("org unit"), order_by="org_unit__path"),
            Column("due_on"),
            Column("excluded"),
            Column("exclusion_reason", sortable=False),
        ],
        list_columns=["name", "key", "scheme__name", "org_unit__name", "due_on", "excluded"],
        default_ordering=("scheme", "order", "id"),
        select_related=("scheme", "org_unit"),
        # Opening a scheme creates its assessees; the office extends their deadlines or excludes them.
        can_create=lambda user: False,
        delete_error=assessee_delete_error,
    )
)

targets = register(
    Registry(
        model=Target,
        namespace="assessments",
        url_prefix="targets",
        name="target",
        section="assessments",
        filterset_class=TargetFilterSet,
        form_class=TargetForm,
        columns=[
            Column("assessee__name", label=gettext_lazy("assessee"), link=True),
            Column("indicator__code", label=gettext_lazy("indicator")),
            Column("indicator__name", label=gettext_lazy("indicator name")),
            Column("indicator__scheme__name", label=gettext_lazy("scheme")),
            Column("value"),
        ],
        default_ordering=("indicator__scheme", "assessee__order", "indicator__order", "id"),
        select_related=("assessee", "indicator__scheme"),
        can_create=is_admin,
        delete_error=part_delete_error,
    )
)

submissions = register(
    Registry(
        model=Submission,
        namespace="assessments",
        url_prefix="submissions",
        name="submission",
        section="assessments",
        filterset_class=SubmissionFilterSet,
        form_class=ReadOnlyForm,
        columns=[
            Column("assessee__name", label=gettext_lazy("assessee"), link=True),
            Column("assessee__scheme__name", label=gettext_lazy("scheme")),
            Column("status"),
            Column("submitted_at"),
            Column("comment", sortable=False),
            Column("updated_at"),
        ],
        default_ordering=("assessee__scheme", "assessee__order", "id"),
        select_related=("assessee__scheme",),
        can_view=members,
        # Created when the scheme opens; the assessee fills it in and reviewers return or accept it, each step
        # through the workflow (the API's entries and actions, the submission page).
        can_create=lambda user: False,
        # Its own editors and administrators fill it in (the assessee's unit, or one above it).
        editable=lambda user: Submission.objects.filter(assessee__in=Assessee.objects.own_of(user)),
        written_through=(API,),
    )
)

marks = register(
    Registry(
        model=Mark,
        namespace="assessments",
        url_prefix="marks",
        name="mark",
        section="assessments",
        filterset_class=MarkFilterSet,
        form_class=ReadOnlyForm,
        columns=[
            Column("submission__assessee__name", label=gettext_lazy("assessee"), link=True),
            Column("indicator__code", label=gettext_lazy("indicator")),
            Column("indicator__name", label=gettext_lazy("indicator name")),
            Column("reviewer__username", label=gettext_lazy("reviewer")),
            Column("points"),
            Column("comment", sortable=False),
            Column("updated_at"),
        ],
        default_ordering=("submission", "indicator", "id"),
        select_related=("submission__assessee", "indicator", "reviewer"),
        can_create=members,
        # A reviewer changes their own marks only.
        editable=lambda user: Mark.objects.for_user(user).filter(reviewer_id=int(user.pk or 0)),
        written_through=(API,),
    )
)

events = register(
    Registry(
        model=Event,
        namespace="assessments",
        url_prefix="events",
        name="event",
        section="assessments",
        filterset_class=EventFilterSet,
        form_class=ReadOnlyForm,
        columns=[
            Column("description", link=True),
            Column("assessee__name", label=gettext_lazy("assessee")),
            Column("indicator__code", label=gettext_lazy("indicator")),
            Column("scheme__name", label=gettext_lazy("scheme"), url=scheme_url),
            Column("level"),
            Column("key"),
            Column("occurred_on"),
            Column("status"),
            Column("decision_comment", sortable=False),
        ],
        default_ordering=("-occurred_on", "-id"),
        select_related=("assessee", "indicator", "scheme"),
        written_through=(API,),
    )
)
