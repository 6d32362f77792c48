"""The plan's pages: the indicator table leads know from the printed plan, and an indicator's page with its chart,
its breakdown by county and where each figure came from.

Both read the plan's figures for one unit and one year, chosen in the URL (``?org_unit=CODE&year=YYYY``) so that a
lead can bookmark and share the view. The unit is one inside the user's scope (another one answers 404); a year
outside the plan, or not yet begun, gets a clear message and the page of the latest year.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from talentportal import metrics
from talentportal.orgs.models import OrgUnit, can_write, unit_of
from talentportal.years import BadYear, parse_year

from . import progress
from .charts import breakdown_chart, indicator_chart
from .figures import COUNTED, ENTERED, NOT_JUDGED, ROLLED_UP, Figure, figures
from .labels import STATUS_LABELS
from .models import Plan, PlanActual, PlanIndicator

SOURCE_LABELS = {
    ENTERED: _("Entered or imported"),
    COUNTED: _("Counted live from the registry"),
    ROLLED_UP: _("Rolled up from the units below"),
}


# --- the unit and the year a page shows ----------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """The unit and year a plan page shows, the ones it offers, and what was wrong with the request."""

    plan: Plan
    unit: OrgUnit
    units: list[OrgUnit]
    year: int
    years: list[int]
    error: str = ""

    @property
    def last_year(self) -> int:
        return self.years[-1]

    def query(self, **changes: Any) -> str:
        """The page's query string, with ``changes``."""
        return urlencode({"org_unit": self.unit.code, "year": self.year, **changes})

    @property
    def unit_query(self) -> str:
        return urlencode({"org_unit": self.unit.code})


def latest_year(plan: Plan) -> int:
    """The last year with figures to show: this year, held within the plan."""
    return min(plan.end_year, max(timezone.localdate().year, plan.start_year))


def choose(request: HttpRequest, plan: Plan) -> Choice:
    """The unit (``?org_unit=CODE``, inside the user's scope and the plan's area, else 404) and the year
    (``?year=``, a year of the plan up to this year) the page shows."""
    user = request.user
    area = OrgUnit.objects.for_user(user).filter(path__startswith=plan.org_unit.path)
    code = request.GET.get("org_unit", "").strip()
    if code:
        if not code.isprintable():  # PostgreSQL refuses a NUL in a query: no such unit, rather than an error
            raise Http404
        unit = get_object_or_404(area, code=code)
    else:
        own = unit_of(user)
        unit = area.filter(pk=plan.org_unit_id).first() or area.filter(pk=getattr(own, "pk", None)).first()
        if unit is None:
            raise Http404
    # The plan's unit and the units just below it, and the user's own unit: the ones a table is read for.
    depth = plan.org_unit.depth + 1
    units = [u for u in area.exclude(kind=OrgUnit.Kind.DEPARTMENT) if u.depth <= depth or u.pk == unit.pk]
    years = list(range(plan.start_year, latest_year(plan) + 1))
    try:
        year = parse_year(request.GET.get("year"), default=years[-1], first=years[0], last=years[-1])
        return Choice(plan, unit, units, year, years)
    except BadYear as error:
        return Choice(plan, unit, units, years[-1], years, str(error))


def records_url(indicator: PlanIndicator, unit: OrgUnit, year: int) -> str | None:
    if indicator.metric not in metrics.METRICS:
        return None
    try:
        return metrics.records_url(indicator.metric, metrics.unit_subject(unit), year, indicator.metric_params or {})
    except metrics.MetricError:
        return None


def registry_url(name: str, *args: Any) -> str | None:
    """A page of the plans' registries, where the project serves them."""
    try:
        return reverse(f"plans:{name}", args=args)
    except NoReverseMatch:
        return None


# --- what a row of the table shows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One year's actual in a row: missing (a year that has begun without a figure) or a likely typo (jump)."""

    year: int
    value: Decimal | None
    missing: bool
    jump: bool
    change: Decimal | None
    later: bool
    partial: str = ""  # “3 of 7 units reported”: a sum of the units below that is not whole yet


class Judged:
    """A figure shown with its progress bar (measured against a target, or not: ``judged``)."""

    figure: Figure

    @property
    def judged(self) -> bool:
        return self.figure.judged

    @property
    def progress_percent(self) -> int:
        return percent_of(self.figure)


@dataclass(frozen=True)
class Row(Judged):
    indicator: PlanIndicator
    figure: Figure
    cells: list[Cell]
    group_rows: int  # the number of rows of the indicator's level-1 group, on its first row; 0 on the others
    status: str
    status_label: str
    undefined_reason: str
    required: str

    @property
    def standing(self) -> progress.Standing:
        return self.figure.standing


def percent_of(figure: Figure) -> int:
    """The progress bar's fill, 0–100."""
    share = figure.standing.progress_share
    return 0 if share is None else round(share * 100)


def cells_of(figure: Figure, years: list[int], year: int) -> list[Cell]:
    cells = []
    for t in years:
        value = figure.values.get(t)
        previous = figure.previous(t)
        jump = figure.jump(t)
        change = (value - previous) / abs(previous) if jump and value is not None and previous else None
        cells.append(Cell(t, value, value is None and t <= year, jump, change, t > year, figure.reported_text(t)))
    return cells


def undefined_reason(figure: Figure) -> str:
    """Why the progress cannot be computed (a dash with this as its tooltip)."""
    if not figure.judged:
        return gettext("This unit has no target of its own for this indicator.")
    if figure.baseline is None:
        return gettext("No baseline value: progress cannot be computed.")
    if figure.target == figure.baseline:
        return gettext("The target equals the baseline: progress is undefined.")
    return ""


def required_text(figure: Figure) -> str:
    """The yearly growth still needed: percentage points a year for a rate, else the growth rate."""
    standing = figure.standing
    indicator = figure.indicator
    if standing.actual is None or not figure.judged:
        return ""
    sign = -1 if indicator.direction == PlanIndicator.Direction.LOWER else 1
    if sign * (standing.actual - figure.target) >= 0:
        return gettext("Reached")
    if indicator.target_year <= standing.year:
        return ""
    if indicator.is_rate:
        if standing.required_per_year is None:
            return ""
        points = standing.required_per_year.quantize(Decimal("0.01")).normalize()
        return gettext("%(points)s points") % {"points": f"{points:+f}"}
    if standing.required_growth is None:
        return ""
    # The growth is kept to four places (a share): shown in full, rounding it again would round twice.
    growth = (standing.required_growth * 100).quantize(Decimal("0.01"))
    return f"{growth:+f}%"


def table_rows(indicators: list[PlanIndicator], found: dict[tuple[int, int], Figure], choice: Choice) -> list[Row]:
    """A row per indicator in the table's order; the first row of each level-1 group spans the group."""
    rows: list[Row] = []
    for n, indicator in enumerate(indicators):
        figure = found[(indicator.pk, choice.unit.pk)]
        first = n == 0 or indicators[n - 1].group != indicator.group
        span = 0
        if first:
            span = 1
            while n + span < len(indicators) and indicators[n + span].group == indicator.group:
                span += 1
        rows.append(
            Row(
                indicator,
                figure,
                cells_of(figure, list(choice.plan.years), choice.year),
                span,
                figure.status,
                str(STATUS_LABELS[figure.status]),
                undefined_reason(figure) if figure.standing.actual is not None else "",
                required_text(figure),
            )
        )
    return rows


def years_read(indicators: list[PlanIndicator], choice: Choice) -> list[int]:
    """From the first year after the earliest baseline to the last year with figures."""
    first = min([choice.plan.start_year, *(i.baseline_year + 1 for i in indicators)])
    return list(range(first, choice.last_year + 1))


# --- the pages ------------------------------------------------------------------------------------------------


def current_plan(plans: list[Plan]) -> Plan | None:
    """The plan running this year (the latest one, if none is)."""
    year = timezone.localdate().year
    running = [p for p in plans if p.start_year <= year <= p.end_year]
    return next(iter(running or plans), None)


@login_required
def plans_home(request: HttpRequest) -> HttpResponse:
    """The plan running now, as its indicator table; a page saying there is none otherwise."""
    plan = current_plan(list(Plan.objects.for_user(request.user).select_related("org_unit")))
    if plan is None:
        return render(request, "plans/plan_table.html", {"plan": None, "section": "plans"})
    return redirect("plans:plan_table", pk=plan.pk)


@login_required
def plan_table(request: HttpRequest, pk: int) -> HttpResponse:
    """The indicator table: 一级指标 / 二级指标 / 单位 / 基期数 / 目标 / each year's actual / progress / status / the
    yearly growth still needed, for one unit and one year."""
    plans = list(Plan.objects.for_user(request.user).select_related("org_unit"))
    plan = next((p for p in plans if p.pk == pk), None)
    if plan is None:
        raise Http404
    choice = choose(request, plan)
    indicators = list(plan.indicators.select_related("plan").order_by("order", "code"))
    found = figures(indicators, [choice.unit], choice.year, years_read(indicators, choice))
    rows = table_rows(indicators, found, choice)
    counts = {status: sum(1 for r in rows if r.status == status) for status in STATUS_LABELS}
    context = {
        "section": "plans",
        "plans": plans,
        "plan": plan,
        "choice": choice,
        "rows": rows,
        "plan_years": list(plan.years),
        "baseline_years": sorted({i.baseline_year for i in indicators}),
        "target_years": sorted({i.target_year for i in indicators}),
        "counts": [
            (status, STATUS_LABELS[status], counts[status])
            for status in STATUS_LABELS
            if status != NOT_JUDGED or counts[status]
        ],
        "detail_url": registry_url("plan_detail", plan.pk),
    }
    return render(request, "plans/plan_table.html", context, status=400 if choice.error else 200)


@dataclass(frozen=True)
class YearLine:
    """An indicator's figure in one year for the unit shown: where it came from, and how an editor changes it."""

    year: int
    value: Decimal | None
    expected: Decimal | None
    source: str
    source_label: str
    detail: str
    records_url: str | None
    note: str
    edit_url: str | None
    enter_url: str | None


@dataclass(frozen=True)
class UnitLine(Judged):
    """One unit below the plan's unit in the breakdown."""

    unit: OrgUnit
    figure: Figure
    url: str  # the records behind the unit's actual, else the unit's own view of the indicator
    page_url: str
    status: str
    status_label: str


def year_lines(request: HttpRequest, figure: Figure, choice: Choice) -> list[YearLine]:
    indicator, unit = figure.indicator, choice.unit
    entered = {
        year: (pk, source)
        for year, pk, source in PlanActual.objects.for_user(request.user)
        .filter(indicator=indicator, org_unit=unit)
        .values_list("year", "pk", "source")
    }
    create = registry_url("planactual_create") if can_write(request.user) else None
    lines = []
    for t in choice.years:
        source = figure.sources.get(t, "")
        pk, detail = entered.get(t, (None, ""))
        edit = registry_url("planactual_edit", pk) if pk is not None and create else None
        enter = f"{create}?indicator={indicator.pk}&org_unit={unit.pk}&year={t}" if create and pk is None else None
        lines.append(
            YearLine(
                year=t,
                value=figure.values.get(t),
                expected=figure.expected_path([t])[0] if figure.judged else None,
                source=source,
                source_label=str(SOURCE_LABELS.get(source, "")),
                detail=detail or figure.reported_text(t),
                records_url=records_url(indicator, unit, t) if source == COUNTED else None,
                note=figure.notes.get(t, ""),
                edit_url=edit,
                enter_url=enter if source != COUNTED else None,
            )
        )
    return lines


@login_required
def indicator_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One indicator: its line chart, the breakdown by the units below the plan's unit (those in the user's
    scope), where each year's figure came from, its notes, and for editors the way to enter or correct one."""
    indicator = get_object_or_404(
        PlanIndicator.objects.for_user(request.user).select_related("plan", "plan__org_unit"), pk=pk
    )
    plan = indicator.plan
    choice = choose(request, plan)
    below = [
        u
        for u in OrgUnit.objects.for_user(request.user).filter(parent=plan.org_unit).order_by("code")
        if u.kind != OrgUnit.Kind.DEPARTMENT
    ]
    units = [choice.unit, *(u for u in below if u.pk != choice.unit.pk)]
    found = figures([indicator], units, choice.year, years_read([indicator], choice))
    figure = found[(indicator.pk, choice.unit.pk)]
    page = reverse("plans:indicator_page", args=[indicator.pk])
    lines = []
    for unit in below:
        of_unit = found[(indicator.pk, unit.pk)]
        own_page = f"{page}?{choice.query(org_unit=unit.code)}"
        url = records_url(indicator, unit, choice.year) or own_page
        status = of_unit.status
        lines.append(UnitLine(unit, of_unit, url, own_page, status, str(STATUS_LABELS[status])))
    # An indicator kept for the whole area only has no breakdown to show.
    by_unit = any(line.figure.standing.actual is not None or line.figure.own_target for line in lines)
    context = {
        "section": "plans",
        "plan": plan,
        "indicator": indicator,
        "choice": choice,
        "figure": figure,
        "judged": figure.judged,
        "status": figure.status,
        "status_label": STATUS_LABELS[figure.status],
        "figure_percent": percent_of(figure),
        "undefined_reason": undefined_reason(figure) if figure.standing.actual is not None else "",
        "required": required_text(figure),
        "chart": indicator_chart(figure, choice.last_year, judged=figure.judged),
        "lines": lines if by_unit else [],
        "kept_whole": bool(lines) and not by_unit,
        "breakdown_chart": breakdown_chart([(line.unit, line.figure, line.url) for line in lines]) if by_unit else None,
        "years": year_lines(request, figure, choice),
        "table_url": reverse("plans:plan_table", args=[plan.pk]) + f"?{choice.query()}",
    }
    return render(request, "plans/indicator.html", context, status=400 if choice.error else 200)
