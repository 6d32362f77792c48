"""The leads' cockpit: the unit's figures this year against last year, the county comparison, the plan's
indicators and the assessment rankings, for a year and a unit chosen in the URL (``?year=&org_unit=CODE``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plans.charts import indicator_chart
from plans.labels import STATUS_LABELS
from talentportal.charts import Series, bar_chart
from talentportal.jobs.reports.services import recent_reports
from talentportal.orgs.models import OrgUnit, unit_of
from talentportal.years import BadYear, parse_year

from . import figures as cockpit
from .sections import PlanSection, plan_section, rankings

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser

MONEY_UNIT = _("10k yuan")


def unit_in_scope(user: AnyUser, code: str | None) -> OrgUnit:
    """The unit asked for (the user's own when none is); 404 for a unit outside the user's scope."""
    scope = OrgUnit.objects.for_user(user)
    if not code:
        unit = unit_of(user) or scope.filter(parent=None).order_by("code").first()
    elif len(code) > 40 or not code.isprintable():
        unit = None
    else:
        unit = scope.filter(code=code).first()
    if unit is None:
        raise Http404
    return unit


def unit_choices(user: AnyUser, selected: OrgUnit) -> list[tuple[OrgUnit, str]]:
    """The units the selector offers, indented by depth: the user's scope down to two levels below its top."""
    units = list(OrgUnit.objects.for_user(user).order_by("path")[:500])
    if not units:
        return [(selected, "")]
    top = min(u.path.count("/") for u in units)
    depths = [(u, u.path.count("/") - top) for u in units]
    return [(u, "\u3000" * depth) for u, depth in depths if depth <= 2 or u.pk == selected.pk]


def year_choices(year: int) -> list[int]:
    this_year = timezone.localdate().year
    return sorted({*range(this_year - 6, this_year + 1), year}, reverse=True)


def comparison_charts(found: cockpit.Figures) -> dict[str, Any]:
    """The county comparison: talents landed by tier (stacked, a zero is no segment) and the funding."""
    names = [child.name for child in found.areas]
    tiers = [
        Series(str(cockpit.BY_KEY[key].label), [f.this_year.value for f in found.row(key)],
               [f.this_year.url for f in found.row(key)])
        for key in cockpit.TIERS
        if any(f.this_year.value for f in found.row(key))
    ]  # fmt: skip
    funds = [
        Series(str(cockpit.BY_KEY[key].label), [f.this_year.value for f in found.row(key)],
               [f.this_year.url for f in found.row(key)])
        for key in cockpit.FUNDS
    ]  # fmt: skip
    return {
        "tiers_chart": bar_chart(names, tiers, stacked=True) if tiers else None,
        "funds_chart": bar_chart(names, funds, money=True, unit=str(MONEY_UNIT))
        if any(any(s.values) for s in funds)
        else None,
    }


def plan_charts(section: PlanSection | None) -> list[dict[str, Any]]:
    """One small chart per indicator, drawn as on the indicator's page: the actuals against the expected path."""
    if section is None:
        return []
    shown = []
    for figure in section.figures:
        status = figure.status
        shown.append(
            {
                "figure": figure,
                "chart": indicator_chart(figure, figure.standing.year, judged=figure.judged),
                "status": status,
                "label": STATUS_LABELS[status],
                "chart_id": f"plan-chart-{figure.indicator.pk}",
            }
        )
    return shown


def headlines_of(found: cockpit.Figures, child: OrgUnit) -> list[cockpit.Figure]:
    return [found.by_child[child.pk][key] for key in cockpit.HEADLINES]


def selection(request: HttpRequest) -> tuple[OrgUnit, int | None, str]:
    """The unit (404 outside scope) and the year (``None`` and a message when it is not one)."""
    unit = unit_in_scope(request.user, request.GET.get("org_unit"))
    try:
        return unit, parse_year(request.GET.get("year")), ""
    except BadYear as error:
        return unit, None, str(error)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The cockpit's page; the rankings come as a fragment of their own (``rankings_fragment``)."""
    unit, year, error = selection(request)
    context: dict[str, Any] = {
        "unit": unit,
        "year": year,
        "error": error,
        "units": unit_choices(request.user, unit),
        "years": year_choices(year or timezone.localdate().year),
        "section": "cockpit",
        "recent_reports": recent_reports(request.user),
    }
    if year is None:
        return render(request, "cockpit/dashboard.html", context, status=400)
    found = cockpit.cockpit_figures(unit, year)
    plan = plan_section(request.user, unit, year)
    context.update(
        {
            "figures": found,
            "headlines": [found.own[key] for key in cockpit.HEADLINES],
            "columns": [cockpit.BY_KEY[key] for key in cockpit.HEADLINES],
            "comparison": [(child, headlines_of(found, child)) for child in found.children],
            "cards": [(child, headlines_of(found, child)) for child in found.areas],
            "plan": plan,
            "plan_charts": plan_charts(plan),
            "behind": sum(1 for f in plan.figures if f.status == "behind") if plan else 0,
            "query": f"year={year}&org_unit={unit.code}",
            **comparison_charts(found),
        }
    )
    return render(request, "cockpit/dashboard.html", context)


@login_required
def rankings_fragment(request: HttpRequest) -> HttpResponse:
    """The current assessment's provisional ranking and the last published one (the slow part of the page)."""
    _unit, year, error = selection(request)
    if year is None:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    current, published = rankings(request.user, year)
    return render(request, "cockpit/_rankings.html", {"current": current, "published": published, "year": year})
