"""A plan's figures for some units and a year: the actuals (entered, imported, or counted live from the registry
metric an indicator is bound to), rolled up from the areas below where a unit has none of its own, and each
indicator's standing (``progress``), judged as the pages, the plans' API and the cockpit all show it.

A roll-up reads the areas that report (the counties or towns right below, never the municipal departments, which
keep no area figures): while only some of them have reported, the sum is partial, shown with how many did and
judged ``missing`` rather than behind.

Whatever the number of records, the figures take a fixed number of queries: one for the entered actuals, one for
the units' own targets, one for the units below, and per year of the plan one for each registry metric the
indicators use (years after a plan's end are not read). Callers pass units inside the user's scope; everything
here reads that unit's own subtree only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from talentportal import metrics
from talentportal.orgs.models import OrgUnit

from . import progress
from .models import PlanActual, PlanIndicator, PlanTarget

ENTERED, COUNTED, ROLLED_UP = "entered", "counted", "rolled_up"
# A unit below the plan's own with no target of its own: its total is a share of the plan's, so it is not judged
# against the plan's target (a rate is: the plan's rate is every unit's).
NOT_JUDGED = "not_judged"
STATUSES = (*progress.STATUSES, NOT_JUDGED)
STATUS_CHOICES = [(s, s) for s in STATUSES]  # the APIs' ``status`` (one enum in the schema: PlanStatusEnum)
# The units whose figures add up to their parent's: areas, not the municipal departments.
REPORTING_KINDS = (OrgUnit.Kind.COUNTY, OrgUnit.Kind.TOWN)


@dataclass(frozen=True)
class Figure:
    """One indicator for one unit: its yearly values (and where each came from) and its standing in the year."""

    indicator: PlanIndicator
    unit: OrgUnit
    baseline: Decimal | None
    target: Decimal
    values: dict[int, Decimal | None]
    sources: dict[int, str]
    standing: progress.Standing
    records_url: str | None = None
    own_target: bool = False
    notes: dict[int, str] = field(default_factory=dict)
    # A rolled-up year's (units that reported, units that report): partial while the first is the smaller.
    reported: dict[int, tuple[int, int]] = field(default_factory=dict)

    def expected_path(self, years: Iterable[int]) -> list[Decimal | None]:
        i = self.indicator
        return [progress.expected(self.baseline, self.target, i.baseline_year, i.target_year, t) for t in years]

    @property
    def judged(self) -> bool:
        """Whether the figure is measured against a target: the plan's unit's, a unit's own, or a rate."""
        return self.own_target or self.unit.pk == self.indicator.plan.org_unit_id or self.indicator.is_rate

    @property
    def status(self) -> str:
        """The standing's status, or ``not_judged`` for a unit's value that has no target to be judged against."""
        if self.judged or self.standing.actual is None:
            return self.standing.status
        return NOT_JUDGED

    def partial(self, year: int) -> bool:
        """Whether the year's value is the sum of only some of the units that report it."""
        done, due = self.reported.get(year, (0, 0))
        return done < due and year in self.values and self.values[year] is not None

    def reported_text(self, year: int) -> str:
        """“3 of 7 units reported” for a partial roll-up, else empty."""
        if not self.partial(year):
            return ""
        done, due = self.reported[year]
        return gettext("%(done)s of %(due)s units reported") % {"done": done, "due": due}

    def previous(self, year: int) -> Decimal | None:
        """Last year's value the year's is compared with: the baseline in the first year after it."""
        previous = self.values.get(year - 1)
        if previous is None and year - 1 == self.indicator.baseline_year and self.judged:
            previous = self.baseline
        return previous

    def jump(self, year: int) -> bool:
        """A likely typing error: a typed value (not a count from the registry, nor a partial sum) that moved by
        more than the indicator's ``jump_share`` against last year's."""
        if self.sources.get(year) == COUNTED or self.partial(year) or self.partial(year - 1):
            return False
        return progress.is_jump(self.values.get(year), self.previous(year), self.indicator.jump_share)

    def shown(self) -> dict[str, Any]:
        """The figures of the standing's year the APIs answer: the judged ones null where nothing is judged.
        For a flow the gap is on the running sums (``cumulative_actual`` against ``cumulative_expected``)."""
        s, judged = self.standing, self.judged
        done, due = self.reported.get(s.year, (None, None))
        return {
            "actual": self.values.get(s.year),
            "progress": s.progress_share if judged else None,
            "expected": s.expected if judged else None,
            "status": self.status,
            "required_growth": s.required_growth if judged else None,
            "gap": s.gap if judged else None,
            "jump": self.jump(s.year) if s.year in self.values else None,
            "source": self.sources.get(s.year),
            "cumulative_actual": s.cumulative_actual,
            "cumulative_expected": s.cumulative_expected if judged else None,
            "units_reported": done,
            "units_to_report": due,
        }


def figures(
    indicators: Sequence[PlanIndicator], units: Sequence[OrgUnit], year: int, years: Iterable[int] | None = None
) -> dict[tuple[int, int], Figure]:
    """Each indicator's figure for each unit, keyed by (indicator id, unit id). ``years`` are the years whose
    values are read (by default from the earliest baseline year to ``year``; never after the plans' end); the
    standing is ``year``'s."""
    if not indicators or not units:
        return {}
    wanted = sorted(set(years or ()) | {year, year - 1})
    if years is None:
        first = min(min(i.baseline_year + 1 for i in indicators), year - 1)
        wanted = list(range(first, year + 1))
    last = max(i.plan.end_year for i in indicators)
    wanted = [t for t in wanted if t <= last]
    children = _children(units)
    entered = _entered(indicators, [*units, *(c for cs in children.values() for c in cs)], wanted)
    counted = _counted(indicators, units, wanted)
    targets = {
        (t.indicator_id, t.org_unit_id): t
        for t in PlanTarget.objects.filter(indicator__in=indicators, org_unit__in=units)
    }
    result: dict[tuple[int, int], Figure] = {}
    for indicator in indicators:
        for unit in units:
            values: dict[int, Decimal | None] = {}
            sources: dict[int, str] = {}
            notes: dict[int, str] = {}
            reported: dict[int, tuple[int, int]] = {}
            below = children.get(unit.pk, [])
            for t in wanted:
                own = entered.get((indicator.pk, unit.pk, t))
                if own is not None:
                    values[t], sources[t], notes[t] = own[0], ENTERED, own[3]
                elif (indicator.pk, unit.pk, t) in counted:
                    values[t], sources[t] = counted[(indicator.pk, unit.pk, t)], COUNTED
                else:
                    parts = [entered[key] for c in below if (key := (indicator.pk, c.pk, t)) in entered]
                    values[t] = progress.roll_up(indicator.category, [p[:3] for p in parts])
                    if values[t] is not None:
                        sources[t] = ROLLED_UP
                        # A unit closed since reports no more: it is due only where it did report.
                        due = sum(1 for c in below if c.is_active or (indicator.pk, c.pk, t) in entered)
                        reported[t] = (len(parts), due)
            own_target = targets.get((indicator.pk, unit.pk))
            baseline = own_target.baseline_value if own_target else indicator.baseline_value
            target = own_target.target_value if own_target else indicator.target_value
            shape = progress.Indicator(
                indicator.category, indicator.direction, indicator.baseline_year, baseline,
                indicator.target_year, target,
            )  # fmt: skip
            # A partial sum is no figure to judge: the year stands as missing.
            complete = {t: v for t, v in values.items() if t not in reported or reported[t][0] == reported[t][1]}
            url = None
            if indicator.metric in metrics.METRICS:
                url = metrics.records_url(
                    indicator.metric, metrics.unit_subject(unit), year, indicator.metric_params or {}
                )
            result[(indicator.pk, unit.pk)] = Figure(
                indicator, unit, baseline, target, values, sources, progress.standing(shape, year, complete), url,
                own_target is not None, notes, reported,
            )  # fmt: skip
    return result


def _children(units: Sequence[OrgUnit]) -> dict[int, list[OrgUnit]]:
    """The units right below each unit whose figures add up to it (areas; not the departments)."""
    found: dict[int, list[OrgUnit]] = defaultdict(list)
    for child in OrgUnit.objects.filter(parent__in=units, kind__in=REPORTING_KINDS).order_by("code"):
        if child.parent_id is not None:
            found[child.parent_id].append(child)
    return found


Entered = tuple[Decimal | None, Decimal | None, Decimal | None, str]


def _entered(
    indicators: Sequence[PlanIndicator], units: Sequence[OrgUnit], years: Sequence[int]
) -> dict[tuple[int, int, int], Entered]:
    rows = PlanActual.objects.filter(indicator__in=indicators, org_unit__in=units, year__in=years).values_list(
        "indicator_id", "org_unit_id", "year", "value", "numerator", "denominator", "note"
    )
    return {(i, u, y): (v, n, d, note) for i, u, y, v, n, d, note in rows}


def _counted(
    indicators: Sequence[PlanIndicator], units: Sequence[OrgUnit], years: Sequence[int]
) -> dict[tuple[int, int, int], Decimal | None]:
    """Live values of the metric-bound indicators: per year, one call per metric for all its indicators (their
    ``plan`` loaded with them)."""
    bound: dict[str, list[PlanIndicator]] = defaultdict(list)
    for indicator in indicators:
        if indicator.metric in metrics.METRICS:
            bound[indicator.metric].append(indicator)
    subjects = [metrics.unit_subject(unit) for unit in units]
    found: dict[tuple[int, int, int], Decimal | None] = {}
    for code, group in bound.items():
        params: list[dict[str, Any]] = [i.metric_params or {} for i in group]
        for t in [t for t in years if any(i.plan.start_year <= t <= i.plan.end_year for i in group)]:
            for indicator, by_unit in zip(group, metrics.values_many(code, subjects, t, params), strict=True):
                if not indicator.plan.start_year <= t <= indicator.plan.end_year:
                    continue  # before the plan, the registry may not hold the records: the baseline stands
                for unit in units:
                    found[(indicator.pk, unit.pk, t)] = by_unit.get(unit.pk)
    return found
