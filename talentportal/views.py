"""Pages that belong to no single app: home, health and the error pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

from programs.models import Tranche
from talentportal.jobs.models import Job
from talentportal.orgs.models import OrgUnit, User, can_write, is_admin, unit_of
from talents.models import ServiceRequest, Talent


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    unit = unit_of(user)
    units = OrgUnit.objects.for_user(user)
    context: dict[str, Any] = {
        "unit": unit,
        "ancestors": list(unit.ancestors()) if unit else [],
        "unit_total": units.count(),
        "child_units": units.filter(parent=unit).order_by("code") if unit else units.filter(parent=None),
        "recent_jobs": Job.objects.for_user(user).select_related("created_by")[:5],
        "user_total": User.objects.for_user(user).count() if is_admin(user) else None,
        "talent_total": Talent.objects.for_user(user).count(),
        "leading_total": Talent.objects.for_user(user).leading().count(),
        "open_requests": ServiceRequest.objects.for_user(user).open().count() if can_write(user) else None,
        "overdue_requests": ServiceRequest.objects.for_user(user).overdue().count() if can_write(user) else None,
        "due_tranches": Tranche.objects.for_user(user).due_within(90).count(),
        "overdue_tranches": Tranche.objects.for_user(user).overdue().count(),
    }
    return render(request, "home.html", context)


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def error_500(request: HttpRequest) -> HttpResponse:
    # No context processors: the database may be the reason for the error.
    return HttpResponse(loader.get_template("errors/500.html").render({}), status=500)


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/403_csrf.html", status=403)
