"""A plan's figures for some units and a year: the actuals (entered, imported, or counted live from the registry
metric an indicator is bound to), rolled up from the units below where a unit has none of its own, and each
indicator's standing (``progress``).

Whatever the number of records, the figures take a fixed number of queries: one for the entered actuals, one for
the units' own targets, one for the units below, and per year one for each registry metric the indicators use.
Callers pass units inside the user's scope; everything here reads that unit's own subtree only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from talentportal import metrics
from talentportal.orgs.models import OrgUnit

from . import progress
from .models import PlanActual, PlanIndicator, PlanTarget

ENTERED, COUNTED, ROLLED_UP = "entered", "counted", "rolled_up"


def subject(unit: OrgUnit) -> metrics.Subject:
    return metrics.Subject(id=unit.pk, kind=metrics.ORG_UNIT, object_id=unit.pk, path=unit.path, code=unit.code)


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

    def expected_path(self, years: Iterable[int]) -> list[Decimal | None]:
        i = self.indicator
        return [progress.expected(self.baseline, self.target, i.baseline_year, i.target_year, t) for t in years]


def figures(
    indicators: Sequence[PlanIndicator], units: Sequence[OrgUnit], year: int, years: Iterable[int] | None = None
) -> dict[tuple[int, int], Figure]:
    """Each indicator's figure for each unit, keyed by (indicator id, unit id). ``years`` are the years whose
    values are read (by default from the earliest baseline year to ``year``); the standing is ``year``'s."""
    if not indicators or not units:
        return {}
    wanted = sorted(set(years or ()) | {year, year - 1})
    if years is None:
        first = min(min(i.baseline_year + 1 for i in indicators), year - 1)
        wanted = list(range(first, year + 1))
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
            for t in wanted:
                own = entered.get((indicator.pk, unit.pk, t))
                if own is not None:
                    values[t], sources[t], notes[t] = own[0], ENTERED, own[3]
                elif (indicator.pk, unit.pk, t) in counted:
                    values[t], sources[t] = counted[(indicator.pk, unit.pk, t)], COUNTED
                else:
                    parts = [
                        entered[key] for c in children.get(unit.pk, []) if (key := (indicator.pk, c.pk, t)) in entered
                    ]
                    values[t] = progress.roll_up(indicator.category, [p[:3] for p in parts])
                    if values[t] is not None:
                        sources[t] = ROLLED_UP
            own_target = targets.get((indicator.pk, unit.pk))
            baseline = own_target.baseline_value if own_target else indicator.baseline_value
            target = own_target.target_value if own_target else indicator.target_value
            shape = progress.Indicator(
                indicator.category, indicator.direction, indicator.baseline_year, baseline,
                indicator.target_year, target, indicator.jump_share,
            )  # fmt: skip
            url = None
            if indicator.metric in metrics.METRICS:
                url = metrics.records_url(indicator.metric, subject(unit), year, indicator.metric_params or {})
            result[(indicator.pk, unit.pk)] = Figure(
                indicator, unit, baseline, target, values, sources, progress.standing(shape, year, values), url,
                own_target is not None, notes,
            )  # fmt: skip
    return result


def _children(units: Sequence[OrgUnit]) -> dict[int, list[OrgUnit]]:
    found: dict[int, list[OrgUnit]] = defaultdict(list)
    for child in OrgUnit.objects.filter(parent__in=units).order_by("code"):
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
    subjects = [subject(unit) for unit in units]
    found: dict[tuple[int, int, int], Decimal | None] = {}
    for code, group in bound.items():
        params: list[dict[str, Any]] = [i.metric_params or {} for i in group]
        for t in [t for t in years if any(t >= i.plan.start_year for i in group)]:
            for indicator, by_unit in zip(group, metrics.values_many(code, subjects, t, params), strict=True):
                if t < indicator.plan.start_year:
                    continue  # before the plan, the registry may not hold the records: the baseline stands
                for unit in units:
                    found[(indicator.pk, unit.pk, t)] = by_unit.get(unit.pk)
    return found
