"""The quarterly talent work form (季度人才工作报表): one sheet per county and a city summary.

The form's layout is fixed (the province's rows and columns); each number counts the records the matching registry
metric counts, dated in the quarter, the year to its end and the same months of last year, with the metric's own
filters (``landed_filter``, ``program_filter``, ``platform_filter``) and its app's dated queryset (``*_between``,
the year's queryset of the metric over any period). In the fourth quarter the year-to-date column is the metric's
year, the cockpit's figure. Each source and period is one query grouped by unit for every county at once, so the
queries are fixed whatever the number of records or counties.

The sheets are the areas right below the chosen unit (counties, or towns below a county), then the records kept at
the unit itself and by its departments (本级), so that the summary, their sum, is the unit's whole figure. The plan
indicators' actuals of the year close each sheet as the plan's pages show them (``plans.figures``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cockpit.figures import LEADING
from cockpit.reports.annual import growth
from cockpit.sections import plan_for
from plans.figures import REPORTING_KINDS, figures
from platforms.metrics import platform_filter
from platforms.models import Platform
from programs.metrics import program_filter
from programs.models import Level, Selection, Tranche
from talentportal import metrics
from talentportal.jobs.reports.document import NUMBER, PERCENT, TEXT, Document, Section, Table
from talentportal.jobs.reports.kinds import (
    XLSX,
    Progress,
    ReportForm,
    ReportKind,
    not_in_future,
    org_unit_field,
    quarter_field,
    register,
    year_field,
)
from talentportal.orgs.models import OrgUnit
from talents.metrics import landed_filter
from talents.models import ServiceRequest, Talent, Team

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser

Dated = Callable[[datetime.date, datetime.date], QuerySet[Any]]


def requests_overdue(start: datetime.date, end: datetime.date) -> QuerySet[ServiceRequest]:
    # The queue's own deadline, as the ``talents.requests_overdue`` metric takes by default.
    return ServiceRequest.objects.overdue_between(start, end, settings.SERVICE_REQUEST_DUE_DAYS)


# Each source: the records of a period (its metric's dated queryset) and, for money, the field added up.
SOURCES: dict[str, tuple[Dated, str | None]] = {
    "talents": (Talent.objects.landed_between, None),
    "teams": (Team.objects.landed_between, None),
    "selections": (Selection.objects.selected_between, None),
    "funds": (Tranche.objects.paid_between, "amount"),
    "platforms": (Platform.objects.recognized_between, None),
    "requests_submitted": (ServiceRequest.objects.submitted_between, None),
    "requests_resolved": (ServiceRequest.objects.resolved_between, None),
    "requests_overdue": (requests_overdue, None),
}


@dataclass(frozen=True)
class Row:
    """One line of the form: a source's records, filtered (``where``) as its metric filters them."""

    key: str
    label: str | Promise
    source: str
    where: dict[str, Any] = field(default_factory=dict)
    part: bool = False  # a part of the line above it ("of which: …")

    @property
    def shown(self) -> str:
        return _("of which: %(item)s") % {"item": self.label} if self.part else str(self.label)


ROWS: list[Row] = [
    Row("talents", gettext_lazy("New talents introduced"), "talents"),
    *(
        Row(f"talents_{tier}", label, "talents", landed_filter({"tier": [tier]}), part=True)
        for tier, label in Talent.Tier.choices
    ),
    Row(
        "talents_leading",
        gettext_lazy("Leading talents (municipal level and above)"),
        "talents",
        landed_filter({"tier": LEADING}),
        part=True,
    ),
    Row("teams", gettext_lazy("New teams introduced"), "teams"),
    Row("selections", gettext_lazy("Selected into talent programs"), "selections"),
    *(
        Row(f"selections_{level}", label, "selections", program_filter({"level": [level]}), part=True)
        for level, label in Level.choices
    ),
    Row("funds_paid", gettext_lazy("Funds paid (10k yuan)"), "funds"),
    Row("platforms", gettext_lazy("Platforms newly recognised"), "platforms"),
    *(
        Row(f"platforms_{level}", label, "platforms", platform_filter({"exact_level": level}), part=True)
        for level, label in Platform.Level.choices
    ),
    Row("requests_submitted", gettext_lazy("Talent service requests accepted"), "requests_submitted"),
    Row("requests_resolved", gettext_lazy("Talent service requests resolved"), "requests_resolved"),
    Row("requests_overdue", gettext_lazy("Talent service requests overdue"), "requests_overdue"),
]
THIS_QUARTER, YEAR_TO_DATE, LAST_YEAR = "quarter", "year", "last_year"


def periods(year: int, quarter: int) -> dict[str, tuple[datetime.date, datetime.date]]:
    """The quarter, the year up to the quarter's end, and the same months of last year."""
    first_month = 3 * quarter - 2
    end = (
        datetime.date(year, 12, 31) if quarter == 4 else datetime.date(year, first_month + 3, 1) - datetime.timedelta(1)
    )
    return {
        THIS_QUARTER: (datetime.date(year, first_month, 1), end),
        YEAR_TO_DATE: (datetime.date(year, 1, 1), end),
        LAST_YEAR: (datetime.date(year - 1, 1, 1), end.replace(year=year - 1)),
    }


Counts = dict[tuple[str, str, int], Decimal]  # (row key, period, unit id) -> value


def counts(units: Sequence[OrgUnit], year: int, quarter: int) -> Counts:
    """Every row's value for every unit's subtree and period: one grouped query per source and period."""
    subjects = [metrics.unit_subject(unit) for unit in units]
    found: Counts = {}
    for source, (dated, summed) in SOURCES.items():
        rows = [row for row in ROWS if row.source == source]
        for period, (start, end) in periods(year, quarter).items():
            records = dated(start, end)
            totals = {
                row.key: Sum(summed, filter=Q(**row.where) or None)
                if summed
                else Count(metrics.unit_count(records.model), filter=Q(**row.where) or None)
                for row in rows
            }
            for unit_id, sums in metrics.sums_by_org_unit(subjects, records, **totals).items():
                for key, value in sums.items():
                    found[(key, period, unit_id)] = value
    return found


def area_units(unit: OrgUnit) -> list[OrgUnit]:
    """The areas right below the unit (counties, towns); the unit itself when it has none."""
    return list(OrgUnit.objects.filter(parent=unit, kind__in=REPORTING_KINDS).order_by("code")) or [unit]


class QuarterlyForm(ReportForm):
    year = year_field()
    quarter = quarter_field()
    org_unit = org_unit_field()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("year") and cleaned.get("quarter"):
            not_in_future(cleaned["year"], cleaned["quarter"])
        return cleaned


def build(user: AnyUser, params: dict[str, Any], progress: Progress) -> Document:
    unit: OrgUnit = params["org_unit"]
    year, quarter = int(params["year"]), int(params["quarter"])
    areas = area_units(unit)
    split = areas != [unit]  # the unit's own records (本级) are a sheet of their own beside its areas'
    steps = len(areas) + 3
    progress(0, steps, _("Counting the quarter's records"))
    found = counts([unit, *areas] if split else areas, year, quarter)
    plan = plan_for(user, unit, year)
    indicators = list(plan.indicators.select_related("plan").order_by("order", "code")) if plan else []
    plan_figures = figures(indicators, [unit, *areas] if split else areas, year)
    progress(1, steps, _("Writing the county sheets"))

    def values(key: str, of: Sequence[OrgUnit], minus: Sequence[OrgUnit] = ()) -> dict[str, Decimal]:
        return {
            period: sum((found[(key, period, u.pk)] for u in of), Decimal(0))
            - sum((found[(key, period, u.pk)] for u in minus), Decimal(0))
            for period in (THIS_QUARTER, YEAR_TO_DATE, LAST_YEAR)
        }

    def table(by_row: dict[str, dict[str, Decimal]], of: OrgUnit | None) -> Table:
        rows: list[list[Any]] = []
        for row in ROWS:
            v = by_row[row.key]
            rows.append([row.shown, v[THIS_QUARTER], v[YEAR_TO_DATE], v[LAST_YEAR],
                         growth(v[YEAR_TO_DATE], v[LAST_YEAR])])  # fmt: skip
        for indicator in indicators:
            figure = plan_figures.get((indicator.pk, of.pk)) if of is not None else None
            now = figure.values.get(year) if figure else None
            before = figure.values.get(year - 1) if figure else None
            name = f"{indicator.name}（{indicator.unit}）" if indicator.unit else indicator.name
            rows.append([name, None, now, before, growth(now, before)])
        return Table(
            key="form",
            caption=_("Quarterly talent work form"),
            columns=[
                _("Indicator"),
                _("This quarter"),
                _("Year to date"),
                _("Same period last year"),
                _("Year-on-year growth (%)"),
            ],
            rows=rows,
            formats=[TEXT, NUMBER, NUMBER, NUMBER, PERCENT],
            note=_(
                "Money in 10k yuan. Plan indicators (the last rows) give the year's actual and last year's, as the "
                "plan's pages show them."
            )
            if indicators
            else _("Money in 10k yuan."),
        )

    sheets: list[tuple[str, str, dict[str, dict[str, Decimal]], OrgUnit | None]] = [
        (f"county_{area.code}", area.name, {row.key: values(row.key, [area]) for row in ROWS}, area) for area in areas
    ]
    if split:
        own = {row.key: values(row.key, [unit], areas) for row in ROWS}
        heading = _("%(unit)s (own and departments)") % {"unit": unit.name}
        sheets.append((f"own_{unit.code}", heading, own, None))
    summary = {
        row.key: {
            p: sum((sheet[2][row.key][p] for sheet in sheets), Decimal(0))
            for p in (THIS_QUARTER, YEAR_TO_DATE, LAST_YEAR)
        }
        for row in ROWS
    }
    sections = [Section("summary", _("%(unit)s summary") % {"unit": unit.name}, tables=[table(summary, unit)])]
    for i, (key, heading, by_row, of) in enumerate(sheets, start=2):
        sections.append(Section(key, heading, tables=[table(by_row, of)]))
        progress(i, steps, heading)
    progress(steps, steps, _("The form is complete"))
    period = _("Quarter %(quarter)s of %(year)s") % {"quarter": quarter, "year": year}
    return Document(
        kind="quarterly",
        title=_("Quarterly talent work form"),
        subtitle=period,
        facts=[(_("Reporting period"), period), (_("Org unit"), unit.name)],
        sections=sections,
    )


register(
    ReportKind(
        code="quarterly",
        order=30,
        title=gettext_lazy("Quarterly talent work form"),
        description=gettext_lazy(
            "The province's quarterly form: talents, teams, program selections, funds paid, platforms and service "
            "requests of the quarter, the year to date and the same period last year, one sheet per county and a "
            "summary."
        ),
        form=QuarterlyForm,
        build=build,
        output=XLSX,
    )
)
