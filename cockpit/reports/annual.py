"""The annual talent development report (.docx) and its statistics workbook (.xlsx): one build, two outputs.

Every number is one the pages show: the cockpit's figures (``cockpit_figures``, the registry metrics), the plan's
indicators (``plan_section``) and the assessment's ranking (``rankings``); the breakdowns the cockpit has no
figure for (talents by category and tier, batches, platforms by kind, funding by program, service requests) are
grouped aggregates over the user's scoped querysets, ``for_user(user).in_subtree(unit)``. The number of queries
is fixed whatever the number of records: nothing loops over talents, and no name of a person is read.

The Word template addresses sections and tables by key: ``SECTIONS`` and each table's ``key`` are a contract.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plans.labels import STATUS_LABELS
from platforms.models import Platform
from programs.models import Batch, Level, Program, Selection, Tranche, TrancheQuerySet
from talentportal import metrics
from talentportal.jobs.reports.document import (
    COUNT,
    MONEY,
    NUMBER,
    PERCENT,
    STACKED,
    TEXT,
    Chart,
    Document,
    Section,
    Table,
)
from talentportal.jobs.reports.kinds import (
    DOCX,
    XLSX,
    OutOfScope,
    Progress,
    ReportForm,
    ReportKind,
    not_in_future,
    org_unit_field,
    register,
    year_field,
)
from talentportal.orgs.models import OrgUnit, unit_of
from talents.metrics import on_time_share, resolved_counts
from talents.models import EnterpriseYear, ServiceRequest, Talent, TalentTally

from .. import figures as cockpit
from ..sections import plan_section, rankings

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser

ANNUAL, WORKBOOK = "annual", "annual_workbook"
SECTIONS = ["overview", "talents", "programs", "enterprises", "platforms", "funding", "services", "plans", "assessment"]
ZERO = Decimal(0)
Row = list[Any]  # a table's row: texts, counts and Decimals (the table makes them plain)
ENTERPRISE_BANDS = [
    "enterprises_revenue_1m",
    "enterprises_revenue_10m",
    "enterprises_revenue_100m",
    "enterprises_listed",
]
PROGRAM_LEVELS = [f"selections_{level}" for level in Level.values]
# Platforms outside the city: the enclaves (offshore incubators) and the recruitment stations abroad.
OUTSIDE = [Platform.Kind.ENCLAVE, Platform.Kind.OVERSEAS_STATION]


class AnnualForm(ReportForm):
    year = year_field()
    org_unit = org_unit_field()

    def clean_year(self) -> int:
        year: int = self.cleaned_data["year"]
        not_in_future(year)
        return year


def change_text(now: Decimal | None, before: Decimal | None) -> str:
    """How this year's figure compares with last year's, as a clause of a sentence."""
    now, before = now or ZERO, before or ZERO
    if now == before:
        return _("the same as the year before")
    if not before:
        return _("against none the year before")
    percent = (abs(now - before) * 100 / before).quantize(Decimal("0.1"), ROUND_HALF_UP)
    if now > before:
        return _("up %(percent)s%% on the year before") % {"percent": percent}
    return _("down %(percent)s%% on the year before") % {"percent": percent}


def growth(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    """(now − before) / before in percent; none where last year's is 0 or unknown."""
    if now is None or not before:
        return None
    return ((now - before) * 100 / before).quantize(Decimal("0.1"), ROUND_HALF_UP)


def money(value: Decimal | None) -> str:
    return f"{(value or ZERO).quantize(Decimal('0.01'))}"


class Areas:
    """The rows of a table by county: the areas below the unit, and the rest of the unit's figure (the unit's
    own records and its departments') when there is any, so that the rows add up to the total row."""

    def __init__(self, found: cockpit.Figures) -> None:
        self.found = found
        self.units = found.areas

    def rows(self, columns: Sequence[Any], value: Any, shares: Collection[Any] = ()) -> tuple[list[Row], Row]:
        """``value(unit, column)`` for each area and column; the total is ``value`` of the unit itself. Columns
        in ``shares`` are no sums: the rest row leaves them empty."""
        rows: list[Row] = [[u.name, *(value(u, c) for c in columns)] for u in self.units]
        total = [value(self.found.unit, c) for c in columns]
        sums = [sum((Decimal(str(r[i + 1] or 0)) for r in rows), ZERO) for i in range(len(columns))]
        rest: Row = [
            None if c in shares else Decimal(str(t or 0)) - s for c, t, s in zip(columns, total, sums, strict=True)
        ]
        if self.units and any(rest):
            rows.append([_("The unit itself and its other units"), *rest])
        return rows, [_("Total"), *total]

    def note(self) -> str:
        return "" if self.units else _("No units below.")

    def figure(self, unit: OrgUnit, key: str) -> Decimal | None:
        own = self.found.own if unit.pk == self.found.unit.pk else self.found.by_child[unit.pk]
        return own[key].this_year.value


def no_records(rows: Sequence[Any]) -> str:
    return "" if rows else _("No records.")


def comparison(found: cockpit.Figures, keys: Sequence[str], key: str, caption: str, headline: bool = False) -> Table:
    """The unit's figures of ``keys``: this year, last year, the change and the growth (named as on the
    cockpit's headline cards with ``headline``, else as in its sections)."""
    rows: list[Row] = []
    money = {cockpit.BY_KEY[k].money for k in keys}
    shown = MONEY if money == {True} else COUNT if money == {False} else NUMBER  # a mixed table: as they come
    for measure_key in keys:
        figure = found.own[measure_key]
        rows.append(
            [
                str(figure.measure.heading if headline else figure.measure.label),
                figure.this_year.value,
                figure.last_year.value,
                figure.change,
                growth(figure.this_year.value, figure.last_year.value),
            ]
        )
    return Table(
        key,
        caption,
        [_("Measure"), str(found.year), str(found.year - 1), _("Change on the year before"), _("Change (%)")],
        rows,
        [TEXT, shown, shown, shown, PERCENT],
    )


def by_area_table(areas: Areas, keys: Sequence[str], key: str, caption: str, headline: bool = False) -> Table:
    """The cockpit's figures of ``keys`` for each area below the unit (named as ``comparison`` names them)."""
    rows, total = areas.rows(keys, areas.figure)
    formats = [TEXT, *(MONEY if cockpit.BY_KEY[k].money else COUNT for k in keys)]
    measures = [cockpit.BY_KEY[k] for k in keys]
    columns = [_("Org unit"), *(str(m.heading if headline else m.label) for m in measures)]
    return Table(key, caption, columns, rows, formats, total, areas.note())


# The sections. Each takes what it needs and returns its Section; the figures are read before.


def overview(found: cockpit.Figures, platforms: dict[str, Any], services: dict[str, Any]) -> Section:
    own = found.own

    def now(key: str) -> Decimal:
        return own[key].this_year.value or ZERO

    def change(key: str) -> str:
        return change_text(own[key].this_year.value, own[key].last_year.value)

    year, unit = found.year, found.unit.name
    text = [
        _(
            "In %(year)s, %(unit)s brought in %(landed)s talents, %(change)s, among them %(leading)s leading "
            "talents (municipal level and above); %(teams)s teams landed."
        )
        % {
            "year": year,
            "unit": unit,
            "landed": now("talents_landed"),
            "change": change("talents_landed"),
            "leading": now("leading_talents"),
            "teams": now("teams_landed"),
        },
        _(
            "%(selected)s talents and teams were selected into talent programs, %(change)s; %(paid)s (10k yuan) of "
            "program funding was paid, against %(planned)s (10k yuan) planned for the year."
        )
        % {
            "selected": now("selections"),
            "change": change("selections"),
            "paid": money(now("funds_paid")),
            "planned": money(now("funds_planned")),
        },
        _(
            "Of the talent enterprises, %(m1)s had a revenue of 1 million yuan or more, %(m10)s of 10 million yuan "
            "or more and %(m100)s of 100 million yuan or more; %(listed)s are listed."
        )
        % {
            "m1": now("enterprises_revenue_1m"),
            "m10": now("enterprises_revenue_10m"),
            "m100": now("enterprises_revenue_100m"),
            "listed": now("enterprises_listed"),
        },
        _(
            "%(recognized)s platforms were newly recognised, %(change)s; %(active)s platforms were active at the "
            "end of the year, %(outside)s of them enclaves or overseas stations."
        )
        % {
            "recognized": now("platforms_recognized"),
            "change": change("platforms_recognized"),
            "active": platforms["active"],
            "outside": platforms["outside"],
        },
        _(
            "The service desk received %(received)s service requests and resolved %(resolved)s, %(on_time)s of them "
            "within %(days)s days; %(open)s were still open at the end of the year, %(overdue)s overdue."
        )
        % {
            "received": services["received"],
            "resolved": services["resolved"],
            "on_time": services["on_time"],
            "days": settings.SERVICE_REQUEST_DUE_DAYS,
            "open": now("requests_open"),
            "overdue": now("requests_overdue"),
        },
    ]
    table = comparison(found, cockpit.HEADLINES, "headlines", _("The year at a glance"), headline=True)
    return Section("overview", _("Overview"), text, [table])


def talents_section(found: cockpit.Figures, areas: Areas, tally: Iterable[dict[str, Any]]) -> Section:
    counts: dict[tuple[str, str], int] = {(row["category"], row["tier"]): row["n"] for row in tally}
    tiers = Talent.Tier.choices
    by_category: list[Row] = [
        [str(label), *(counts.get((category, tier), 0) for tier, _l in tiers),
         sum(counts.get((category, tier), 0) for tier, _l in tiers)]
        for category, label in Talent.Category.choices
    ]  # fmt: skip
    total: Row = [_("Total"), *(sum(counts.get((c, t), 0) for c in Talent.Category.values) for t, _l in tiers)]
    total.append(sum(counts.values()))
    tier_columns = [str(label) for _t, label in tiers]
    county_tiers_rows, county_tiers_total = areas.rows(cockpit.TIERS, areas.figure)
    tables = [
        Table(
            "by_category",
            _("Talents landed in %(year)s by category and tier") % {"year": found.year},
            [_("Category"), *tier_columns, _("Total")],
            by_category,
            total=total,
        ),
        comparison(found, ["talents_landed", *cockpit.TIERS, "leading_talents", "teams_landed"], "by_tier",
                   _("Talents landed by tier")),
        by_area_table(areas, cockpit.HEADLINES, "by_county", _("The units below"), headline=True),
        Table(
            "county_tiers",
            _("Talents landed by unit and tier"),
            [_("Org unit"), *tier_columns],
            county_tiers_rows,
            total=county_tiers_total,
            note=areas.note(),
        ),
    ]  # fmt: skip
    charts = [Chart("county_tiers", _("Talents landed by unit and tier"), "county_tiers",
                    list(range(1, len(tiers) + 1)), STACKED)]  # fmt: skip
    return Section("talents", _("Talents"), [], tables, charts)


def programs_section(
    found: cockpit.Figures, batches: Sequence[Batch], summary: dict[int, dict[str, Any]], paid: dict[int, Decimal]
) -> Section:
    keys = ["applied", "selected", "landed", "exited"]
    rows: list[Row] = []
    for batch in batches:
        figures = summary.get(batch.pk, {})
        rows.append(
            [
                str(batch),
                batch.program.get_level_display(),
                *(figures.get(k, 0) for k in keys),
                figures.get("awarded") or ZERO,
                paid.get(batch.pk, ZERO),
            ]
        )
    total: Row = [_("Total"), ""]
    total += [sum((Decimal(str(r[i] or 0)) for r in rows), ZERO) for i in range(2, 8)]
    columns = [_("Program and batch"), _("Level"), _("Applied"), _("Selected"), _("Landed"), _("Exited"),
               _("Awarded (10k yuan)"), _("Paid in the year (10k yuan)")]  # fmt: skip
    table = Table(
        "batches",
        _("Batches of %(year)s") % {"year": found.year},
        columns,
        rows,
        [TEXT, TEXT, COUNT, COUNT, COUNT, COUNT, MONEY, MONEY],
        total,
        no_records(rows),
    )
    levels = comparison(found, ["selections", *PROGRAM_LEVELS], "by_level", _("Selected into programs by level"))
    charts = [Chart("batches", _("Applied and selected by batch"), "batches", [2, 3])]
    return Section("programs", _("Talent programs"), [], [table, levels], charts)


def enterprises_section(found: cockpit.Figures, areas: Areas, sums: dict[str, Any]) -> Section:
    year = found.year
    fields = ["reported", "revenue", "tax_paid", "rd_expense", "employees", "invention_patents"]
    rows: list[Row] = [[str(y), *(sums[f"{f}_{y}"] or 0 for f in fields)] for y in (year, year - 1)]
    figures = Table(
        "figures",
        _("Talent enterprises' figures"),
        [_("Year"), _("Enterprises reporting"), _("Revenue (10k yuan)"), _("Tax paid (10k yuan)"),
         _("R&D expense (10k yuan)"), _("Employees"), _("Invention patents")],
        rows,
        [TEXT, COUNT, MONEY, MONEY, MONEY, COUNT, COUNT],
    )  # fmt: skip
    tables = [
        comparison(found, ENTERPRISE_BANDS, "bands", _("Talent enterprises by revenue and listing")),
        by_area_table(areas, ENTERPRISE_BANDS, "by_county", _("Talent enterprises by unit")),
        figures,
    ]
    note = _("Revenue bands count the enterprises at or above each amount; listing is as the registry keeps it now.")
    return Section("enterprises", _("Talent enterprises"), [note], tables)


def platforms_section(found: cockpit.Figures, active: dict[tuple[str, str, str], int],
                      new: dict[tuple[str, str, str], int]) -> Section:  # fmt: skip
    levels = Platform.Level.choices

    def total(counts: dict[tuple[str, str, str], int], **match: str) -> int:
        names = ("kind", "level", "location")
        return sum(n for key, n in counts.items() if all(key[names.index(k)] == v for k, v in match.items()))

    by_kind: list[Row] = [
        [str(label), *(total(active, kind=kind, level=level) for level, _l in levels), total(active, kind=kind),
         total(new, kind=kind)]
        for kind, label in Platform.Kind.choices
    ]  # fmt: skip
    kind_total: Row = [_("Total"), *(total(active, level=level) for level, _l in levels)]
    kind_total += [total(active), total(new)]
    by_location: list[Row] = [
        [str(label), total(active, location=location), total(new, location=location),
         *(total(active, location=location, kind=kind) for kind in OUTSIDE)]
        for location, label in Platform.Location.choices
    ]  # fmt: skip
    location_total: Row = [
        _("Total"),
        total(active),
        total(new),
        *(total(active, kind=kind) for kind in OUTSIDE),
    ]
    tables = [
        Table(
            "by_kind",
            _("Platforms active at the end of %(year)s by kind and level") % {"year": found.year},
            [_("Kind"), *(str(label) for _l, label in levels), _("Active at the end of the year"), _("Newly recognised")],
            by_kind,
            total=kind_total,
        ),
        Table(
            "by_location",
            _("Platforms by location"),
            [_("Location"), _("Active at the end of the year"), _("Newly recognised"), *(str(Platform.Kind(kind).label) for kind in OUTSIDE)],
            by_location,
            total=location_total,
        ),
        comparison(found, ["platforms_recognized", *(f"platforms_recognized_{lv}" for lv, _l in levels)],
                   "recognized", _("Platforms newly recognised by level")),
    ]  # fmt: skip
    return Section("platforms", _("Platforms"), [], tables)


def funding_section(found: cockpit.Figures, areas: Areas, programs: list[tuple[str, list[Decimal]]]) -> Section:
    by_program: list[Row] = [[name, *amounts] for name, amounts in programs]
    total: Row = [_("Total"), *(sum((a[i] for _n, a in programs), ZERO) for i in range(3))]
    columns = [str(cockpit.BY_KEY[k].label) for k in cockpit.FUNDS]
    tables = [
        comparison(found, cockpit.FUNDS, "totals", _("Program funding (10k yuan)")),
        by_area_table(areas, cockpit.FUNDS, "by_county", _("Program funding by unit (10k yuan)")),
        Table("by_program", _("Program funding by program (10k yuan)"), [_("Program"), *columns], by_program,
              [TEXT, MONEY, MONEY, MONEY], total, no_records(by_program)),
    ]  # fmt: skip
    charts = [Chart("by_county", _("Program funding by unit (10k yuan)"), "by_county", [1, 2, 3])]
    return Section("funding", _("Program funding"), [], tables, charts)


def services_section(found: cockpit.Figures, areas: Areas, counts: dict[int, dict[str, Decimal]]) -> Section:
    keys = ["received", "resolved", "on_time", "on_time_share", "requests_open", "requests_overdue"]

    def value(unit: OrgUnit, key: str) -> Decimal | None:
        if key in ("requests_open", "requests_overdue"):
            return areas.figure(unit, key)
        numbers = counts[unit.pk]
        if key == "on_time_share":
            return on_time_share(numbers)
        return numbers[key]

    rows, total = areas.rows(keys, value, shares={"on_time_share"})
    days = settings.SERVICE_REQUEST_DUE_DAYS
    columns = [_("Org unit"), _("Received"), _("Resolved"), _("Resolved within %(days)s days") % {"days": days},
               _("Resolved on time (%)"), _("Open at the end of the year"), _("Overdue")]  # fmt: skip
    table = Table("requests", _("Service requests of %(year)s") % {"year": found.year}, columns, rows,
                  [TEXT, COUNT, COUNT, COUNT, PERCENT, COUNT, COUNT], total)  # fmt: skip
    return Section("services", _("Service requests"), [], [table])


def plans_section(user: AnyUser, unit: OrgUnit, year: int) -> Section:
    found = plan_section(user, unit, year)
    columns = [
        _("Indicator"),
        _("Unit of measure"),
        _("Baseline"),
        _("Target"),
        _("Actual"),
        _("Progress (%)"),
        _("Status"),
    ]
    formats = [TEXT, TEXT, NUMBER, NUMBER, NUMBER, PERCENT, TEXT]
    if found is None:
        text = [_("No plan covers %(year)s for %(unit)s or the units above it.") % {"year": year, "unit": unit.name}]
        return Section("plans", _("Plan indicators"), text, [Table("indicators", _("Plan indicators"), columns, [],
                                                                   formats, note=_("No records."))])  # fmt: skip
    rows: list[Row] = []
    for figure in found.figures:
        share = figure.standing.progress_share if figure.judged else None
        rows.append([figure.indicator.name, figure.indicator.unit, figure.baseline, figure.target,
                     figure.values.get(year), None if share is None else share * 100,
                     str(STATUS_LABELS[figure.status])])  # fmt: skip
    plan = found.plan
    text = [_("%(plan)s, %(start)s–%(end)s.") % {"plan": plan.name, "start": plan.start_year, "end": plan.end_year}]
    table = Table("indicators", _("Plan indicators"), columns, rows, formats, note=no_records(rows))
    return Section("plans", _("Plan indicators"), text, [table])


def assessment_section(user: AnyUser, year: int) -> Section:
    current, published = rankings(user, year)
    ranking = current or (published if published and published.scheme.year == year else None)
    columns = [_("Rank"), _("Assessee"), _("Total"), _("Grade")]
    if ranking is None:
        text = [_("There is no assessment scheme of %(year)s in your scope.") % {"year": year}]
        return Section("assessment", _("Annual assessment"), text, [])
    state = _("provisional results, computed from today's registry") if ranking.provisional else _("published")
    rows: list[Row] = [
        [row.result.rank if ranking.whole else None, row.result.assessee.name, row.result.total, row.result.grade]
        for row in ranking.rows
    ]
    table = Table("ranking", ranking.scheme.name, columns, rows, [COUNT, TEXT, NUMBER, TEXT], note=no_records(rows))
    return Section("assessment", _("Annual assessment"), [f"{ranking.scheme.name}（{state}）"], [table])


# The grouped reads the cockpit's figures do not cover.


def platform_counts(platforms: QuerySet[Platform]) -> dict[tuple[str, str, str], int]:
    rows = platforms.order_by().values("kind", "level", "location").annotate(n=Count("id"))
    return {(r["kind"], r["level"], r["location"]): r["n"] for r in rows}


def funding_by_program(tranches: TrancheQuerySet, year: int) -> list[tuple[str, list[Decimal]]]:
    """Planned, approved and paid per program, as the cockpit's funding metrics count them."""
    program = "selection__batch__program"
    parts = [tranches.planned_for(year), tranches.planned_for(year).approved(), tranches.paid_in(year)]
    amounts: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
    for i, part in enumerate(parts):
        for row in part.order_by().values(program).annotate(total=Sum("amount")):
            amounts[row[program]][i] = row["total"] or ZERO
    names = {p.pk: str(p) for p in Program.objects.filter(pk__in=list(amounts)).order_by("code")}
    return [(names[pk], amounts[pk]) for pk in names]


def enterprise_sums(user: AnyUser, unit: OrgUnit, year: int) -> dict[str, Any]:
    """The talent enterprises' yearly figures added up, this year and last."""
    figures = EnterpriseYear.objects.for_user(user).in_subtree(unit).filter(enterprise__is_talent_enterprise=True)
    totals: dict[str, Any] = {}
    for y in (year, year - 1):
        of_year = Q(year=y)
        totals[f"reported_{y}"] = Count("id", filter=of_year)
        for field in ("revenue", "tax_paid", "rd_expense", "employees", "invention_patents"):
            totals[f"{field}_{y}"] = Sum(field, filter=of_year)
    return figures.filter(year__in=[year, year - 1]).aggregate(**totals)


def service_counts(user: AnyUser, unit: OrgUnit, areas: Sequence[OrgUnit], year: int) -> dict[int, dict[str, Any]]:
    """Requests received and resolved (and resolved in time) per unit, as the on-time metric counts them."""
    subjects = [metrics.unit_subject(u) for u in [unit, *areas]]
    requests = ServiceRequest.objects.for_user(user).in_subtree(unit)
    resolved = resolved_counts(subjects, year, settings.SERVICE_REQUEST_DUE_DAYS, requests)
    received = metrics.by_org_unit(
        subjects, requests.submitted_between(datetime.date(year, 1, 1), metrics.year_end(year))
    )
    return {pk: {**numbers, "received": received[pk]} for pk, numbers in resolved.items()}


def build(user: AnyUser, cleaned: dict[str, Any], progress: Progress, kind: str = ANNUAL) -> Document:
    year: int = cleaned["year"]
    # The form gives the user's own unit when none is chosen; a superuser without one gets the whole tree.
    unit = cleaned.get("org_unit") or unit_of(user) or OrgUnit.objects.filter(parent=None).order_by("code").first()
    if unit is None or not OrgUnit.objects.for_user(user).filter(pk=unit.pk).exists():
        raise OutOfScope(getattr(unit, "code", ""))
    steps = len(SECTIONS) + 1
    progress(0, steps, _("Reading the figures"))
    found = cockpit.cockpit_figures(unit, year)
    areas = Areas(found)
    end = metrics.year_end(year)
    platforms = Platform.objects.for_user(user).in_subtree(unit)
    active, new = platform_counts(platforms.active_at(end)), platform_counts(platforms.recognized_in(year))
    outside = sum(n for (k, _l, _c), n in active.items() if k in OUTSIDE)
    services = service_counts(user, unit, areas.units, year)
    progress(1, steps, _("Overview"))
    sections = [overview(found, {"active": sum(active.values()), "outside": outside}, services[unit.pk])]

    progress(2, steps, _("Talents"))
    tally = TalentTally.objects.for_user(user).in_subtree(unit).landed_in(year)
    sections.append(talents_section(found, areas, tally.order_by().values("category", "tier").annotate(n=Sum("n"))))

    progress(3, steps, _("Talent programs"))
    selections = Selection.objects.for_user(user).in_subtree(unit).filter(batch__year=year)
    summary = selections.summary_by("batch_id")
    tranches = Tranche.objects.for_user(user).in_subtree(unit)
    paid_rows = tranches.paid_in(year).filter(selection__batch__year=year).order_by().values("selection__batch_id")
    paid = {r["selection__batch_id"]: r["total"] for r in paid_rows.annotate(total=Sum("amount"))}
    # The batches of the programs run by the unit, the units below it or above it (as a county user sees them),
    # and any other batch the unit's recommendations went to.
    run_here = Q(program__org_unit__path__startswith=unit.path) | Q(program__org_unit__path__in=unit.ancestor_paths())
    in_scope = Batch.objects.for_user(user).filter(run_here, year=year).values("pk")
    shown = Q(pk__in=list(summary)) | Q(pk__in=in_scope)
    batches = list(Batch.objects.filter(shown).select_related("program").order_by("program__code", "ordinal"))
    sections.append(programs_section(found, batches, summary, paid))

    progress(4, steps, _("Talent enterprises"))
    sections.append(enterprises_section(found, areas, enterprise_sums(user, unit, year)))
    progress(5, steps, _("Platforms"))
    sections.append(platforms_section(found, active, new))
    progress(6, steps, _("Program funding"))
    sections.append(funding_section(found, areas, funding_by_program(tranches, year)))
    progress(7, steps, _("Service requests"))
    sections.append(services_section(found, areas, services))
    progress(8, steps, _("Plan indicators"))
    sections.append(plans_section(user, unit, year))
    progress(9, steps, _("Annual assessment"))
    sections.append(assessment_section(user, year))
    progress(steps, steps, _("Done"))
    title = KINDS[kind].title
    subtitle = _("%(unit)s, %(year)s") % {"unit": unit.name, "year": year}
    return Document(kind, str(title), subtitle, [(_("Year"), str(year)), (_("Org unit"), unit.name)], sections)


KINDS: dict[str, ReportKind] = {}
for code, title, description, output, template in [
    (
        ANNUAL,
        gettext_lazy("Annual talent development report"),
        gettext_lazy("The year's talents, programs, enterprises, platforms, funding, services, plan and assessment."),
        DOCX,
        "annual.docx",
    ),
    (
        WORKBOOK,
        gettext_lazy("Annual talent statistics workbook"),
        gettext_lazy("The annual report's tables, one sheet per section."),
        XLSX,
        "",
    ),
]:
    KINDS[code] = register(
        ReportKind(
            code,
            title,
            description,
            AnnualForm,
            partial(build, kind=code),
            output,
            template=template,
            order=10 * (len(KINDS) + 1),
        )
    )
