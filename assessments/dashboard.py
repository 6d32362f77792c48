"""The figures of the leads' results dashboard, as pure functions over a scheme's results (``scoring``).

The page scores the scheme once (a number of queries fixed by its metric-bound indicators), reads last year's
frozen results in one query, and everything here works on those lists in memory: nothing adds a query per
assessee. Each function keeps the assessee's result beside its figure, so the page can link every number.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from talentportal.charts import Series, bar_chart, radar_chart

from . import rules
from .models import Indicator
from .scoring import ZERO, AssesseeResult, Line

REACH = 3  # indicators shown per assessee under "points within reach"


@dataclass(frozen=True)
class Group:
    """A level-1 indicator: one segment of the stacked bar, one axis of the radar."""

    code: str
    name: str
    max_points: Decimal
    scored: bool  # it holds lines that score (not only bonus, penalty or veto)


@dataclass(frozen=True)
class RankingRow:
    result: AssesseeResult
    rank_change: int | None  # places moved up since last year (negative: down); None when not ranked then
    total_change: Decimal | None


@dataclass(frozen=True)
class Spread:
    code: str
    name: str
    max_points: Decimal
    least: Decimal
    median: Decimal
    most: Decimal


@dataclass(frozen=True)
class Reach:
    result: AssesseeResult
    lines: list[Line]  # the scored lines with a target, most points missed first

    @property
    def gain(self) -> Decimal:
        return sum((line.lost for line in self.lines), ZERO)


def groups_of(indicators: Sequence[Indicator]) -> list[Group]:
    """The level-1 indicators in their order, each knowing whether a scored line sits below it."""
    children: dict[int | None, list[Indicator]] = defaultdict(list)
    for indicator in indicators:
        children[indicator.parent_id].append(indicator)

    def scores(node: Indicator) -> bool:
        if node.rule is not None:
            return (node.rule or {}).get("kind") in rules.SCORED
        return any(scores(child) for child in children[node.pk])

    return [Group(n.code, n.name, n.max_points, scores(n)) for n in children[None]]


def group_of_lines(indicators: Sequence[Indicator]) -> dict[str, str]:
    """Each indicator's code → the code of the level-1 indicator above it (itself for a level-1 one)."""
    by_pk = {i.pk: i for i in indicators}
    found = {}
    for indicator in indicators:
        node = indicator
        while node.parent_id is not None and node.parent_id in by_pk:
            node = by_pk[node.parent_id]
        found[indicator.code] = node.code
    return found


def ranking(results: Sequence[AssesseeResult], last_year: Sequence[AssesseeResult]) -> list[RankingRow]:
    """The results in rank order with their change against last year's result of the same assessee (by key)."""
    before = {r.assessee.key: r for r in last_year}
    rows = []
    for result in results:
        previous = before.get(result.assessee.key)
        rank_change = None
        if previous is not None and previous.rank is not None and result.rank is not None:
            rank_change = previous.rank - result.rank
        rows.append(RankingRow(result, rank_change, None if previous is None else result.total - previous.total))
    return rows


def totals_chart(
    results: Sequence[AssesseeResult], groups: Sequence[Group], link: Callable[[AssesseeResult], str | None]
) -> dict[str, Any]:
    """Every assessee's total as a bar stacked by level-1 indicator; a group nobody scored in is left out, and
    a zero is no segment. Clicking a segment opens the assessee's result."""
    shown = [g for g in groups if any(r.subtotals.get(g.code) for r in results)]
    links = [link(r) for r in results]
    return bar_chart(
        [r.assessee.name for r in results],
        [Series(g.name, [r.subtotals.get(g.code, ZERO) for r in results], links) for g in shown],
        stacked=True,
        money=True,
    )


def radar(result: AssesseeResult, results: Sequence[AssesseeResult], groups: Sequence[Group], mean_label: str) -> Any:
    """One assessee's level-1 subtotals against the group's mean, on the axes that score (max points > 0)."""
    axes = [g for g in groups if g.scored and g.max_points > 0]
    if not axes:
        return None
    mine = [max(ZERO, result.subtotals.get(g.code, ZERO)) for g in axes]
    series = [Series(result.assessee.name, mine)]
    if len(results) > 1:
        mean = [sum((max(ZERO, r.subtotals.get(g.code, ZERO)) for r in results), ZERO) / len(results) for g in axes]
        series.append(Series(mean_label, [m.quantize(Decimal("0.01")) for m in mean]))
    if len(axes) < 3:  # a radar of one or two axes is a line: bars say the same plainly
        return bar_chart([g.name for g in axes], series, money=True)
    return radar_chart([(g.name, g.max_points) for g in axes], series)


def grade_distribution(results: Sequence[AssesseeResult], grades: Sequence[dict[str, Any]]) -> list[tuple[str, int]]:
    """How many assessees got each grade, in the scheme's band order (a veto's own grade label at the end)."""
    counts = Counter(r.grade for r in results)
    labels = [str(band["label"]) for band in grades]
    labels += sorted(label for label in counts if label not in labels)
    return [(label, counts.get(label, 0)) for label in labels]


def grade_chart(distribution: Sequence[tuple[str, int]], label: str) -> dict[str, Any]:
    return bar_chart([grade for grade, _n in distribution], [Series(label, [n for _grade, n in distribution])])


def spread(results: Sequence[AssesseeResult]) -> list[Spread]:
    """Per scored indicator, the least, median and most points the group got."""
    points: dict[str, list[Decimal]] = defaultdict(list)
    first: dict[str, Line] = {}
    for result in results:
        for line in result.lines:
            if line.effect == "score":
                points[line.indicator].append(line.points)
                first.setdefault(line.indicator, line)
    return [
        Spread(code, first[code].name, first[code].max_points, min(p), Decimal(statistics.median(p)), max(p))
        for code, p in points.items()
    ]


def points_lost(results: Sequence[AssesseeResult]) -> list[AssesseeResult]:
    """The assessees, most points missed on scored lines first."""
    return sorted(results, key=lambda r: (-r.lost, r.rank or 0))


def within_reach(results: Sequence[AssesseeResult], top: int = REACH) -> list[Reach]:
    """Per assessee, the ``top`` indicators where reaching the target would gain most, and how much."""
    found = []
    for result in results:
        lines = [line for line in result.lines if line.effect == "score" and line.target is not None and line.lost > 0]
        lines.sort(key=lambda line: line.lost, reverse=True)
        found.append(Reach(result, lines[:top]))
    return found
