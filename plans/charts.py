"""A plan indicator's charts, drawn alike on its own page and on the cockpit (built with ``talentportal.charts``).

The numbers read as the plan's table writes them: figures from 10万 on are drawn in 万 (``charts.in_wan``, the
axis's unit becoming 万人); an indicator of whole numbers (a count: 人, 家, 项) ticks in whole numbers; a level (a
total, a cumulative figure, a rate) is drawn on an axis that fits its figures rather than one from zero, where
32.2 → 39 万人 would look flat; a yearly flow keeps its axis from zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from talentportal.charts import Series, bar_chart, in_wan, line_chart
from talentportal.orgs.models import OrgUnit

from .figures import Figure
from .models import PlanIndicator


def whole_numbers(values: Sequence[Decimal | None]) -> bool:
    """Whether every figure is a whole number (its axis then ticks in whole numbers)."""
    return all(v is None or v == v.to_integral_value() for v in values)


def indicator_chart(figure: Figure, last_year: int, *, judged: bool = True) -> dict[str, Any]:
    """The actuals (up to ``last_year``) against the expected path, from the baseline year to the target year or
    the plan's end, whichever is later. A figure that is not ``judged`` (a unit without a target of its own) has
    no baseline and no path drawn: they would be the plan's."""
    indicator = figure.indicator
    years = list(range(indicator.baseline_year, max(indicator.target_year, indicator.plan.end_year) + 1))
    actual = [
        (figure.baseline if judged else None)
        if t == indicator.baseline_year
        else figure.values.get(t)
        if t <= last_year
        else None
        for t in years
    ]
    expected = figure.expected_path(years) if judged else [None] * len(years)
    (actual_shown, expected_shown), unit = in_wan([actual, expected], indicator.unit)
    # The path between whole-number ends (20 → 30 people) passes fractions; the axis of a count stays whole.
    ends = [figure.baseline, figure.target] if judged else []
    return line_chart(
        [str(t) for t in years],
        [Series(gettext("Actual"), actual_shown), Series(gettext("Expected path"), expected_shown)],
        money=unit != indicator.unit or not whole_numbers([*actual, *ends]),
        unit=unit,
        level=indicator.category != PlanIndicator.Category.FLOW,
    )


def breakdown_chart(lines: Sequence[tuple[OrgUnit, Figure, str | None]]) -> dict[str, Any]:
    """Each unit's actual (opening the records behind it) beside its own target where it has one."""
    if not lines:
        return bar_chart([], [])
    unit = lines[0][1].indicator.unit
    actual = [figure.standing.actual for _unit, figure, _url in lines]
    targets = [figure.target if figure.own_target else None for _unit, figure, _url in lines]
    rows = [actual, targets] if any(t is not None for t in targets) else [actual]
    shown, shown_unit = in_wan(rows, unit)
    series = [Series(gettext("Actual"), shown[0], [url for _unit, _figure, url in lines])]
    if len(shown) > 1:
        series.append(Series(gettext("Own target"), shown[1]))
    return bar_chart(
        [org_unit.name for org_unit, _figure, _url in lines],
        series,
        money=shown_unit != unit or not whole_numbers([*actual, *targets]),
        unit=shown_unit,
    )
