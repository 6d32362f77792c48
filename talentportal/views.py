"""Pages that belong to no single app: home, health and the error pages."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static

from programs.models import Tranche
from talentportal.celery import app as celery_app
from talentportal.jobs.models import Job, WorkerHeartbeat
from talentportal.jobs.reports.services import recent_reports
from talentportal.orgs.models import OrgUnit, Role, User, can_write, is_admin, role_of, unit_of
from talents.models import ServiceRequest, Talent


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The clerk's home page; leads (viewers) land on the cockpit instead."""
    user = request.user
    unit = unit_of(user)
    if unit is not None and role_of(user) == Role.VIEWER:
        return redirect("cockpit:dashboard")
    units = OrgUnit.objects.for_user(user)
    context: dict[str, Any] = {
        "unit": unit,
        "ancestors": list(unit.ancestors()) if unit else [],
        "unit_total": units.count(),
        "child_units": units.filter(parent=unit).order_by("code") if unit else units.filter(parent=None),
        "recent_jobs": Job.objects.for_user(user).select_related("created_by")[:5],
        "recent_reports": recent_reports(user),
        "user_total": User.objects.for_user(user).count() if is_admin(user) else None,
        "talent_total": Talent.objects.for_user(user).count(),
        "leading_total": Talent.objects.for_user(user).leading().count(),
        "open_requests": ServiceRequest.objects.for_user(user).open().count() if can_write(user) else None,
        "overdue_requests": ServiceRequest.objects.for_user(user).overdue().count() if can_write(user) else None,
        "due_tranches": Tranche.objects.for_user(user).due_within(90).count(),
        "overdue_tranches": Tranche.objects.for_user(user).overdue().count(),
    }
    return render(request, "home.html", context)


log = logging.getLogger(__name__)

UP, DOWN, UNKNOWN = "ok", "down", "unknown"


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return UP


def _cache() -> str:
    # The cache fails open (a miss instead of an error), so it is up only if a value written reads back.
    token = secrets.token_hex(8)
    cache.set("health-check", token, 30)
    return UP if cache.get("health-check") == token else DOWN


def _broker() -> str:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
    return UP


def _worker() -> str:
    return UP if WorkerHeartbeat.objects.recent().exists() else DOWN


def favicon(request: HttpRequest) -> HttpResponse:
    """Where browsers and tools look for the icon when a page (a download, a JSON answer) names none."""
    return redirect(static("img/favicon.svg"), permanent=True)


def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring, without sign-in: each part's state and 200 when all are up, else 503.

    ``worker`` is up when a worker reported in within WORKER_SEEN_SECONDS (at its start, then every minute through
    the scheduler). Each check is bounded by a connect timeout; reasons go to the log, not into the answer.
    """
    checks = {"database": _database, "cache": _cache, "broker": _broker, "worker": _worker}
    states: dict[str, str] = {}
    for name, check in checks.items():
        if name == "worker" and states["database"] != UP:
            states[name] = UNKNOWN  # read from the database
            continue
        try:
            states[name] = check()
        except Exception as exc:
            log.warning("health: %s is down: %s", name, exc)
            states[name] = DOWN
    healthy = all(state == UP for state in states.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", **states}, status=200 if healthy else 503)


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
