"""Scoring a scheme: gather every input in a fixed number of queries, run the rule engine line by line, add the
lines up the indicator tree, rank and grade.

The queries depend on the number of metric-bound indicators (one grouped query each, two with ``growth``), never
on the number of assessees or records. A published scheme is read from its frozen ``Result`` rows instead.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from talentportal import metrics
from talentportal.metrics import Subject

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser

from . import rules
from .models import Assessee, Entry, Event, Indicator, Mark, Result, Scheme, Target

ZERO = Decimal("0")
SIGN = {"score": 1, "bonus": 1, "penalty": -1, "veto": 0}


@dataclass
class Line:
    """One indicator of one assessee: what went in, what came out, and why."""

    indicator: str  # code
    name: str
    actual: Decimal | None
    target: Decimal | None
    points: Decimal
    max_points: Decimal
    effect: str
    note: str
    facts: dict[str, str]
    unit: str = ""
    records_url: str | None = None
    vetoed: bool = False
    rule: dict[str, Any] = field(default_factory=dict)  # the parameters it was scored with

    @property
    def explanation(self) -> str:
        """In the reader's language, from the stored note and facts."""
        return rules.explain(self.note, self.facts, self.unit)

    @property
    def lost(self) -> Decimal:
        """Points a scored line missed (bonus, penalty and veto lines lose nothing)."""
        return self.max_points - self.points if self.effect == "score" else ZERO

    def as_json(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "name": self.name,
            "actual": _str(self.actual),
            "target": _str(self.target),
            "points": str(self.points),
            "max_points": str(self.max_points),
            "effect": self.effect,
            "note": self.note,
            "facts": self.facts,
            "unit": self.unit,
            "records_url": self.records_url,
            "vetoed": self.vetoed,
            "rule": self.rule,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Line:
        return cls(
            **{
                **data,
                "actual": _dec(data["actual"]),
                "target": _dec(data["target"]),
                "points": Decimal(data["points"]),
                "max_points": Decimal(data["max_points"]),
            }
        )


@dataclass
class AssesseeResult:
    assessee: Assessee
    total: Decimal
    subtotals: dict[str, Decimal]
    lines: list[Line]
    vetoed: bool = False
    veto_reasons: list[str] = field(default_factory=list)
    forced_grade: str | None = None
    rank: int | None = None
    grade: str = ""
    provisional: bool = True

    @property
    def lost(self) -> Decimal:
        return sum((line.lost for line in self.lines), ZERO)


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def subject_of(assessee: Assessee) -> Subject:
    object_id = {
        Assessee.Kind.PLATFORM: assessee.platform_id,
        Assessee.Kind.ENTERPRISE: assessee.enterprise_id,
    }.get(Assessee.Kind(assessee.kind), assessee.org_unit_id)
    path = assessee.org_unit.path if assessee.kind == Assessee.Kind.ORG_UNIT else ""
    return Subject(id=assessee.pk, kind=assessee.kind, object_id=int(object_id or 0), path=path, code=assessee.key)


def metric_binding(indicator: Indicator) -> tuple[str, dict[str, Any], bool]:
    """The metric code, its parameters and whether it is taken as growth over the previous year."""
    binding = dict(indicator.metric or {})
    code = str(binding.pop("code"))
    growth = bool(binding.pop("growth", False))
    return code, binding, growth


def score_scheme(scheme: Scheme) -> list[AssesseeResult]:
    """Every included assessee's live (provisional) result, ranked and graded."""
    assessees = list(scheme.assessees.filter(excluded=False).select_related("org_unit").order_by("order", "id"))
    indicators = list(scheme.indicators.order_by("order", "code"))
    leaves = [i for i in indicators if i.rule is not None]
    by_pair: dict[str, dict[tuple[int, int], Any]] = {
        "target": {(t.indicator_id, t.assessee_id): t.value for t in Target.objects.filter(indicator__scheme=scheme)},
        "entry": {
            (e.indicator_id, e.submission.assessee_id): e.value
            for e in Entry.objects.filter(indicator__scheme=scheme).select_related("submission")
        },
    }
    marks: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    for indicator_id, assessee_id, points in Mark.objects.filter(indicator__scheme=scheme).values_list(
        "indicator_id", "submission__assessee_id", "points"
    ):
        marks[(indicator_id, assessee_id)].append(points)
    events: dict[tuple[int, int], list[tuple[str, str]]] = defaultdict(list)
    descriptions: dict[tuple[int, int], list[str]] = defaultdict(list)
    for event in Event.objects.filter(scheme=scheme, status=Event.Status.VERIFIED).order_by("occurred_on", "id"):
        events[(event.indicator_id, event.assessee_id)].append((event.level, event.key or f"#{event.pk}"))
        descriptions[(event.indicator_id, event.assessee_id)].append(event.description)

    subjects = [subject_of(a) for a in assessees]
    actuals: dict[int, dict[int, Decimal | None]] = {}
    urls: dict[int, dict[int, str | None]] = {}
    # Every binding of the scheme computed once; a metric's bindings that differ only in their parameters are
    # counted together (one grouped query for all of them, ``metrics.values_many``).
    binding_of = {
        leaf.pk: json.dumps(leaf.metric, sort_keys=True, default=str)
        for leaf in leaves
        if leaf.source == Indicator.Source.METRIC and leaf.metric
    }
    bindings: dict[str, tuple[str, dict[str, Any], bool]] = {}
    for leaf in leaves:
        if leaf.pk in binding_of:
            bindings.setdefault(binding_of[leaf.pk], metric_binding(leaf))
    together: dict[str, list[str]] = defaultdict(list)
    for key, (code, _params, _growth) in bindings.items():
        together[code].append(key)
    computed: dict[str, tuple[dict[int, Decimal | None], dict[int, str | None]]] = {}
    for code, keys in together.items():
        # This year's values of every binding in one go, last year's of those taken as growth in another.
        growing = [k for k in keys if bindings[k][2]]
        now = of_year(code, subjects, scheme.year, [bindings[k][1] for k in keys], keys)
        before = of_year(code, subjects, scheme.year - 1, [bindings[k][1] for k in growing], growing)
        for key in keys:
            params, growth = bindings[key][1], bindings[key][2]
            found = metrics.growth_of(subjects, now[key], before[key]) if growth else now[key]
            links = {s.id: None if growth else metrics.records_url(code, s, scheme.year, params) for s in subjects}
            computed[key] = (found, links)
    for leaf in leaves:
        if leaf.pk in binding_of:
            actuals[leaf.pk], urls[leaf.pk] = computed[binding_of[leaf.pk]]
        elif leaf.source == Indicator.Source.ENTERED:
            actuals[leaf.pk] = {a.pk: by_pair["entry"].get((leaf.pk, a.pk)) for a in assessees}

    # Every assessee's actuals of a leaf, built once per leaf (not once per assessee: 2,000 platforms made that
    # four million lookups a leaf).
    peer_values = {leaf.pk: tuple(actuals.get(leaf.pk, {}).get(a.pk) for a in assessees) for leaf in leaves}
    results = []
    for assessee in assessees:
        lines = []
        for leaf in leaves:
            pair = (leaf.pk, assessee.pk)
            peers = actuals.get(leaf.pk, {})
            inputs = rules.Inputs(
                actual=peers.get(assessee.pk),
                target=by_pair["target"].get(pair),
                peers=peer_values[leaf.pk],
                marks=tuple(marks.get(pair, ())),
                events=tuple(events.get(pair, ())),
            )
            outcome = rules.score(dict(leaf.rule or {}), leaf.max_points, inputs)
            if outcome.note == "no_actual" and (leaf.metric or {}).get("growth"):
                outcome = replace(outcome, note="no_growth_base")  # the line says why growth is missing
            lines.append(
                Line(
                    indicator=leaf.code,
                    name=leaf.name,
                    actual=inputs.actual,
                    target=inputs.target,
                    points=outcome.points,
                    max_points=leaf.max_points,
                    effect=outcome.effect,
                    note=outcome.note,
                    facts=outcome.facts,
                    unit=leaf.unit,
                    records_url=urls.get(leaf.pk, {}).get(assessee.pk),
                    vetoed=outcome.vetoed,
                    rule=dict(leaf.rule or {}),
                )
            )
        result = _add_up(assessee, indicators, lines)
        for leaf, line in zip(leaves, lines, strict=True):
            if line.vetoed:
                result.vetoed = True
                result.forced_grade = (leaf.rule or {}).get("grade") or ""
                result.veto_reasons += [f"{leaf.name}：{d}" for d in descriptions[(leaf.pk, assessee.pk)]]
        results.append(result)
    rank_and_grade(scheme, results)
    return results


def of_year(
    code: str, subjects: list[Subject], year: int, params: list[dict[str, Any]], keys: list[str]
) -> dict[str, dict[int, Decimal | None]]:
    """The metric's values of ``year`` for each parameter set, by ``keys``; nothing asked, no query."""
    if not keys:
        return {}
    return dict(zip(keys, metrics.values_many(code, subjects, year, params), strict=True))


def _add_up(assessee: Assessee, indicators: list[Indicator], lines: list[Line]) -> AssesseeResult:
    """Subtotals up the tree: a node's is the signed sum of its children, its size capped at its max points;
    the total is the sum of the level-1 subtotals, never below 0."""
    signed = {line.indicator: line.points * SIGN[line.effect] for line in lines}
    children: dict[int | None, list[Indicator]] = defaultdict(list)
    for indicator in indicators:
        children[indicator.parent_id].append(indicator)

    def subtotal(node: Indicator) -> Decimal:
        if node.rule is not None:
            return signed.get(node.code, ZERO)
        return rules.subtotal((subtotal(child) for child in children[node.pk]), node.max_points)

    subtotals = {node.code: subtotal(node) for node in children[None]}
    total = max(ZERO, sum(subtotals.values(), ZERO))
    return AssesseeResult(assessee=assessee, total=total, subtotals=subtotals, lines=lines)


def rank_and_grade(scheme: Scheme, results: list[AssesseeResult]) -> None:
    totals = [r.total for r in results]
    for result, rank in zip(results, rules.rank_positions(totals), strict=True):
        result.rank = rank
    grades = scheme.grades or rules.DEFAULT_GRADES
    forced = [r.forced_grade if r.vetoed else None for r in results]
    for result, grade in zip(results, rules.assign_grades(totals, grades, scheme.excellent_share, forced), strict=True):
        result.grade = grade


def published_results(scheme: Scheme) -> list[AssesseeResult]:
    """The frozen results of a published scheme, in rank order."""
    rows = Result.objects.filter(assessee__scheme=scheme).select_related("assessee__org_unit")
    results = [
        AssesseeResult(
            assessee=row.assessee,
            total=row.total,
            subtotals={code: Decimal(value) for code, value in row.subtotals.items()},
            lines=[Line.from_json(line) for line in row.lines],
            vetoed=row.vetoed,
            veto_reasons=list(row.veto_reasons),
            rank=row.rank,
            grade=row.grade,
            provisional=False,
        )
        for row in rows
    ]
    return sorted(results, key=lambda r: (r.rank or 10**9, r.assessee.order, r.assessee.pk))


def results_of(scheme: Scheme) -> list[AssesseeResult]:
    """What the scheme's results are today: frozen once published, live before."""
    if scheme.status == Scheme.Status.PUBLISHED:
        return published_results(scheme)
    return sorted(score_scheme(scheme), key=lambda r: (r.rank or 10**9, r.assessee.order, r.assessee.pk))


@dataclass
class Seen:
    """What one user sees of a scheme's results: the rows, whether that is the whole ranking, and the
    assessees whose results they may open."""

    results: list[AssesseeResult]
    whole: bool
    visible: set[int]


def results_seen_by(scheme: Scheme, user: AnyUser, results: list[AssesseeResult] | None = None) -> Seen:
    """Everyone who sees the scheme sees its ranking once published; before, only those who see every assessee
    (the office, its reviewers) see every row, anyone else (a county) their own rows. Pages and API both ask;
    ``results`` are the scheme's results when the caller has them already (``results_of``)."""
    results = results_of(scheme) if results is None else results
    visible = set(Assessee.objects.for_user(user).filter(scheme=scheme).values_list("pk", flat=True))
    whole = scheme.status == Scheme.Status.PUBLISHED or all(r.assessee.pk in visible for r in results)
    return Seen(results if whole else [r for r in results if r.assessee.pk in visible], whole, visible)


def freeze(scheme: Scheme, results: Iterable[AssesseeResult]) -> None:
    """Store the results with their inputs and the rule parameters used: the published year never moves."""
    now = timezone.now()
    with transaction.atomic():
        Result.objects.filter(assessee__scheme=scheme).delete()
        Result.objects.bulk_create(
            Result(
                assessee=r.assessee,
                total=r.total,
                subtotals={code: str(value) for code, value in r.subtotals.items()},
                rank=r.rank,
                grade=r.grade,
                vetoed=r.vetoed,
                veto_reasons=r.veto_reasons,
                lines=[line.as_json() for line in r.lines],
                published_at=now,
            )
            for r in results
        )
