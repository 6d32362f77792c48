"""The scoring-rule engine: how one indicator's line scores one assessee, and how totals become grades.

Pure functions over plain values (no models, no queries), so that the live provisional view, the frozen results
and the tests score with the same code, and a rule can be tried without a database. The module reads top to
bottom: the kinds and their parameters, ``clean_rule`` (what an admin may save), ``score`` (one line),
``explain`` (that line in the reader's language), then ranking, subtotals and grades.

A county contests a hundredth of a point, so every number is a ``Decimal`` and every line is clamped to
[0, max points] and rounded half-up to two places once, at the end; a total is the sum of the rounded lines.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from itertools import groupby
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

KINDS: tuple[str, ...] = (
    "threshold",
    "proportional",
    "control",
    "step",
    "deduct",
    "bands",
    "rank",
    "relative_to_best",
    "manual",
    "bonus",
    "penalty",
    "veto",
)
# What each kind is called where people choose one.
KIND_LABELS: dict[str, Promise] = {
    "threshold": gettext_lazy("Threshold (full points once the target is reached)"),
    "proportional": gettext_lazy("Proportional to the target reached"),
    "control": gettext_lazy("Control (lower is better)"),
    "step": gettext_lazy("Steps above or below the target"),
    "deduct": gettext_lazy("Deduct per unit short of the target"),
    "bands": gettext_lazy("Bands (points by value, linear between)"),
    "rank": gettext_lazy("Rank among the assessees"),
    "relative_to_best": gettext_lazy("Relative to the best"),
    "manual": gettext_lazy("Reviewers' marks"),
    "bonus": gettext_lazy("Bonus item"),
    "penalty": gettext_lazy("Penalty item"),
    "veto": gettext_lazy("One-vote veto"),
}
EVENT_KINDS = frozenset({"bonus", "penalty", "veto"})  # scored from verified events, not from an actual
PEER_KINDS = frozenset({"rank", "relative_to_best"})  # need every assessee's actual
SCORED = frozenset(KINDS) - EVENT_KINDS  # their points are a line of the total
LEVELS = ("national", "provincial", "municipal")  # highest first: a key claimed twice counts at the first

MAX_NUMBER = Decimal(1_000_000_000)  # no target, threshold or points of a real scheme comes near it
MAX_LIST = 100  # bands or ranks: a longer list is a typing accident, not a scoring rule
MAX_LABEL = 20
MAX_GRADE_MIN = 1000

_ZERO = Decimal(0)
_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)


class RuleError(ValueError):
    """A rule (or a scheme's grade bands) that cannot be saved. ``errors`` maps each faulty parameter, or
    ``kind``, to a message in the user's language, so a form or a serializer puts it beside the right field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


class _Invalid(Exception):
    """One parameter's value is wrong; ``clean_rule`` files the message under the parameter's name."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------------------------------------------
# Parameters: what each kind takes, and how a value is checked and normalised
# ---------------------------------------------------------------------------------------------------------------


def _plain(number: Decimal) -> str:
    """``7``, ``0.5``, ``1000``: a number as people write it (no exponent, no trailing zeros)."""
    return "0" if number == 0 else format(number.normalize(), "f")


def _json(number: Decimal) -> int | str:
    """A whole number stays a JSON number; any other stays an exact decimal string (a float would drift)."""
    return int(number) if number == number.to_integral_value() else _plain(number)


def _dec(value: Any) -> Decimal:
    """A number of a cleaned rule (int, decimal string, or a float from hand-written JSON) as a ``Decimal``."""
    return Decimal(str(value))


def _number(value: Any) -> Decimal:
    if isinstance(value, bool):  # True is an int to Python, never a number to an admin
        raise _Invalid(_("Enter a number, not true or false."))
    if isinstance(value, int) and abs(value) > MAX_NUMBER:
        raise _Invalid(_("Enter a number between -1,000,000,000 and 1,000,000,000."))
    if isinstance(value, float) and not math.isfinite(value):
        raise _Invalid(_("Enter a finite number."))
    if not isinstance(value, int | float | Decimal | str):
        raise _Invalid(_("Enter a number."))
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise _Invalid(_("Enter a number.")) from None
    if not number.is_finite():
        raise _Invalid(_("Enter a finite number."))
    if abs(number) > MAX_NUMBER:
        raise _Invalid(_("Enter a number between -1,000,000,000 and 1,000,000,000."))
    return number


def _non_negative(value: Any) -> Decimal:
    number = _number(value)
    if number < 0:
        raise _Invalid(_("Enter a number of 0 or more."))
    return number


def _amount(value: Any) -> int | str:
    return _json(_non_negative(value))


def _ratio(value: Any) -> int | str:
    number = _non_negative(value)
    if number > 1:
        raise _Invalid(_("Enter a share of the target between 0 and 1 (0.6 means 60%)."))
    return _json(number)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(_("Enter true or false."))
    return value


def _label(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > MAX_LABEL:
        raise _Invalid(_("Enter a grade label of 1 to %(limit)s characters.") % {"limit": MAX_LABEL})
    return value.strip()


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list | tuple) or not value:
        raise _Invalid(_("Enter a list of at least one item."))
    if len(value) > MAX_LIST:
        raise _Invalid(_("Enter at most %(limit)s items.") % {"limit": MAX_LIST})
    return list(value)


def _item_error(position: int, invalid: _Invalid) -> _Invalid:
    return _Invalid(_("Item %(position)s: %(error)s") % {"position": position, "error": invalid.message})


def _bands(value: Any) -> list[list[int | str]]:
    cleaned: list[list[int | str]] = []
    previous: Decimal | None = None
    for position, band in enumerate(_list(value), 1):
        try:
            if not isinstance(band, list | tuple) or len(band) != 2:
                raise _Invalid(_("Enter a pair [value, points]."))
            at, points = _number(band[0]), _non_negative(band[1])
            if previous is not None and at <= previous:
                raise _Invalid(
                    _("The values must rise from band to band: %(value)s follows %(previous)s.")
                    % {"value": _plain(at), "previous": _plain(previous)}
                )
        except _Invalid as invalid:
            raise _item_error(position, invalid) from None
        cleaned.append([_json(at), _json(points)])
        previous = at
    return cleaned


def _rank_points(value: Any) -> list[int | str]:
    cleaned: list[int | str] = []
    for position, points in enumerate(_list(value), 1):
        try:
            cleaned.append(_amount(points))
        except _Invalid as invalid:
            raise _item_error(position, invalid) from None
    return cleaned


def _levels(value: Any) -> dict[str, int | str]:
    if not isinstance(value, dict) or not set(value) <= set(LEVELS):
        raise _Invalid(_("Enter the points per level as {national, provincial, municipal}."))
    cleaned: dict[str, int | str] = {}
    for level in LEVELS:
        try:
            cleaned[level] = _amount(value.get(level, 0))
        except _Invalid as invalid:
            raise _Invalid(f"{level}: {invalid.message}") from None
    return cleaned


@dataclass(frozen=True)
class _Param:
    clean: Callable[[Any], Any]
    required: bool = False
    default: Any = None  # what an omitted optional parameter means, written into the cleaned rule


_LOWER_BETTER = _Param(_flag, default=False)

PARAMETERS: dict[str, dict[str, _Param]] = {
    "threshold": {"lower_better": _LOWER_BETTER},
    "proportional": {"floor": _Param(_ratio)},
    "control": {},
    "step": {"base": _Param(_amount, required=True), "per_unit": _Param(_amount, required=True)},
    "deduct": {"per_unit": _Param(_amount, required=True)},
    "bands": {"points": _Param(_bands, required=True)},
    "rank": {"lower_better": _LOWER_BETTER, "points": _Param(_rank_points), "step": _Param(_amount)},
    "relative_to_best": {"lower_better": _LOWER_BETTER},
    "manual": {"drop_extremes": _Param(_flag, default=False)},
    "bonus": {"levels": _Param(_levels, required=True)},
    "penalty": {"per_event": _Param(_amount, required=True)},
    "veto": {"grade": _Param(_label)},  # None: the scheme's lowest grade
}


def _unknown_kind() -> RuleError:
    return RuleError({"kind": _("Choose the rule's kind, one of: %(kinds)s.") % {"kinds": ", ".join(KINDS)}})


def clean_rule(rule: dict[str, Any], max_points: Decimal) -> dict[str, Any]:
    """Check a rule {"kind": …, parameters…} for an indicator worth ``max_points``, and return it normalised:
    every parameter of its kind present (defaults filled), numbers as JSON numbers when whole and exact decimal
    strings otherwise. Raise ``RuleError`` naming every faulty parameter."""
    kind = rule.get("kind") if isinstance(rule, dict) else None
    if not isinstance(kind, str) or kind not in PARAMETERS:
        raise _unknown_kind()
    params = PARAMETERS[kind]
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {"kind": kind}
    for name in sorted(str(name) for name in rule if name != "kind" and name not in params):
        errors[name] = _("A rule of kind %(kind)s takes no parameter “%(name)s”.") % {"kind": kind, "name": name}
    for name, param in params.items():
        value = rule.get(name)
        if value is None:
            if param.required:
                errors[name] = _("Enter this parameter.")
            cleaned[name] = param.default
            continue
        try:
            cleaned[name] = param.clean(value)
        except _Invalid as invalid:
            errors[name] = invalid.message
    try:
        points = _non_negative(max_points)
        if points != points.quantize(_CENT):
            raise _Invalid(_("Enter the maximum points with at most two decimals."))
        if kind == "veto" and points != 0:
            raise _Invalid(_("A veto carries no points: set the maximum points to 0."))
    except _Invalid as invalid:
        errors["max_points"] = invalid.message
    if kind == "rank" and not errors.keys() & {"points", "step"}:
        if cleaned["points"] is not None and cleaned["step"] is not None:
            errors["points"] = _("Give either the points by rank or a step between ranks, not both.")
        elif cleaned["points"] is None and cleaned["step"] is None:
            errors["points"] = _("Give the points by rank, or a step between ranks.")
    if errors:
        raise RuleError(errors)
    return cleaned


# ---------------------------------------------------------------------------------------------------------------
# Scoring one line
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """What one indicator knows about one assessee."""

    actual: Decimal | None = None
    target: Decimal | None = None
    peers: tuple[Decimal | None, ...] = ()  # every assessee's actual, this one's included (rank, relative_to_best)
    marks: tuple[Decimal, ...] = ()  # reviewers' marks (manual)
    events: tuple[tuple[str, str], ...] = ()  # verified events as (level, key) (bonus, penalty, veto)


@dataclass(frozen=True)
class Outcome:
    """One scored line. ``note`` and ``facts`` are all ``explain`` needs, so a frozen result that stores them
    explains itself in whatever language its reader uses, years later."""

    points: Decimal  # clamped to [0, max points], rounded half-up to 2 places
    effect: str  # "score" | "bonus" | "penalty" (the caller subtracts it) | "veto"
    vetoed: bool
    note: str  # which case applied: "proportional", "no_actual", "below_floor", …
    facts: dict[str, str]  # the numbers the explanation quotes, as strings


@dataclass(frozen=True)
class _Line:
    """What a kind's scorer found, before the common clamping and rounding."""

    points: Decimal
    note: str
    facts: dict[str, str] = field(default_factory=dict)


def _percent(ratio: Decimal) -> str:
    return _plain((ratio * _HUNDRED).quantize(_CENT, rounding=ROUND_HALF_UP))


# Rules against the assessee's target: f(rule, M, A, T). Results may leave [0, M]; ``score`` clamps them.


def _threshold(rule: dict[str, Any], m: Decimal, a: Decimal, t: Decimal) -> _Line:
    if rule.get("lower_better"):
        return _Line(m, "within_limit") if a <= t else _Line(_ZERO, "over_limit")
    return _Line(m, "target_met") if a >= t else _Line(_ZERO, "target_missed")


def _proportional(rule: dict[str, Any], m: Decimal, a: Decimal, t: Decimal) -> _Line:
    if a < 0:
        return _Line(_ZERO, "negative_actual")
    if t == 0:
        return _Line(m, "target_zero")
    ratio = a / t
    facts = {"ratio": _percent(ratio)}
    floor = rule.get("floor")
    if floor is not None and ratio < _dec(floor):
        return _Line(_ZERO, "below_floor", facts | {"floor": _percent(_dec(floor))})
    return _Line(m * min(ratio, Decimal(1)), "proportional", facts)


def _control(rule: dict[str, Any], m: Decimal, a: Decimal, t: Decimal) -> _Line:
    if t == 0:  # nothing may exceed a zero limit; at or under it the line is full
        return _Line(m if a <= 0 else _ZERO, "target_zero")
    ratio = a / t
    return _Line(m * (2 - ratio), "control", {"ratio": _percent(ratio)})


def _step(rule: dict[str, Any], m: Decimal, a: Decimal, t: Decimal) -> _Line:
    base, per_unit = _dec(rule["base"]), _dec(rule["per_unit"])
    return _Line(base + per_unit * (a - t), "step", {"base": _plain(base), "per_unit": _plain(per_unit)})


def _deduct(rule: dict[str, Any], m: Decimal, a: Decimal, t: Decimal) -> _Line:
    per_unit, gap = _dec(rule["per_unit"]), max(_ZERO, t - a)
    return _Line(m - per_unit * gap, "deduct", {"gap": _plain(gap), "per_unit": _plain(per_unit)})


_TARGET_RULES: dict[str, Callable[[dict[str, Any], Decimal, Decimal, Decimal], _Line]] = {
    "threshold": _threshold,
    "proportional": _proportional,
    "control": _control,
    "step": _step,
    "deduct": _deduct,
}
NEEDS_TARGET = frozenset(_TARGET_RULES)


# Rules on the actual alone, or against the other assessees' actuals: f(rule, M, A, peers).

Peers = tuple[Decimal | None, ...]


def _bands_score(rule: dict[str, Any], m: Decimal, a: Decimal, peers: Peers) -> _Line:
    bands = [(_dec(at), _dec(points)) for at, points in rule["points"]]
    above = bisect_right([at for at, _points in bands], a)  # bands[above - 1].at <= a < bands[above].at
    if above == 0:
        return _Line(bands[0][1], "bands")
    if above == len(bands):
        return _Line(bands[-1][1], "bands")
    (low_at, low_points), (high_at, high_points) = bands[above - 1], bands[above]
    return _Line(low_points + (high_points - low_points) * (a - low_at) / (high_at - low_at), "bands")


@lru_cache(maxsize=64)
def _ascending(peers: Peers) -> tuple[Decimal, ...]:
    """The known actuals in order. Cached: every assessee of a scheme passes the same peers, and sorting them
    once per line would make a 2,000-platform scheme quadratic."""
    return tuple(sorted(peer for peer in peers if peer is not None))


def _rank_in(value: Decimal, ascending: Sequence[Decimal], lower_better: bool) -> int:
    """Competition ranking: one more than the number of strictly better values, so ties share the better rank."""
    better = bisect_left(ascending, value) if lower_better else len(ascending) - bisect_right(ascending, value)
    return better + 1


def _rank(rule: dict[str, Any], m: Decimal, a: Decimal, peers: Peers) -> _Line:
    ascending = _ascending(peers)
    rank = _rank_in(a, ascending, bool(rule.get("lower_better")))
    facts = {"rank": str(rank), "ranked": str(max(len(ascending), rank))}
    by_rank = rule.get("points")
    if by_rank is not None:
        return _Line(_dec(by_rank[rank - 1]) if rank <= len(by_rank) else _ZERO, "rank", facts)
    return _Line(m - (rank - 1) * _dec(rule["step"]), "rank", facts)


def _relative_to_best(rule: dict[str, Any], m: Decimal, a: Decimal, peers: Peers) -> _Line:
    ascending = _ascending(peers)
    if rule.get("lower_better"):
        best = min(ascending[0], a) if ascending else a
        facts = {"best": _plain(best)}
        return _Line(m if a <= 0 else m * best / a, "relative_to_best", facts)
    best = max(ascending[-1], a) if ascending else a
    facts = {"best": _plain(best)}
    if best <= 0:  # nobody achieved anything to measure against
        return _Line(_ZERO, "best_zero", facts)
    return _Line(m * a / best, "relative_to_best", facts)


_ACTUAL_RULES: dict[str, Callable[[dict[str, Any], Decimal, Decimal, Peers], _Line]] = {
    "bands": _bands_score,
    "rank": _rank,
    "relative_to_best": _relative_to_best,
}


# Reviewers' marks.


def _manual(rule: dict[str, Any], m: Decimal, marks: tuple[Decimal, ...]) -> _Line:
    outside = [mark for mark in marks if not 0 <= mark <= m]
    if outside:  # the caller refuses such marks when they are entered; one here is a bug, not a zero
        raise ValueError(f"marks {outside} are outside [0, {m}]")
    if not marks:
        return _Line(_ZERO, "no_marks")
    used = sorted(marks)
    facts = {"count": str(len(marks))}
    note = "manual"
    if rule.get("drop_extremes") and len(used) >= 3:
        facts |= {"lowest": _plain(used[0]), "highest": _plain(used[-1])}
        used, note = used[1:-1], "manual_trimmed"
    return _Line(sum(used, _ZERO) / len(used), note, facts)


# Verified events: f(rule, M, events).

Events = tuple[tuple[str, str], ...]


def _bonus(rule: dict[str, Any], m: Decimal, events: Events) -> _Line:
    highest: dict[str, str] = {}  # key -> the highest level it was verified at
    for level, key in events:
        if level not in LEVELS:
            raise ValueError(f"event level {level!r} is not one of {LEVELS}")
        if key not in highest or LEVELS.index(level) < LEVELS.index(highest[key]):
            highest[key] = level
    if not highest:
        return _Line(_ZERO, "no_events")
    levels = rule["levels"]
    total = sum((_dec(levels.get(level, 0)) for level in highest.values()), _ZERO)
    counts = Counter(highest.values())
    facts = {"count": str(len(highest)), "sum": _points_text(total)} | {level: str(counts[level]) for level in LEVELS}
    return _Line(total, "bonus", facts)


def _penalty(rule: dict[str, Any], m: Decimal, events: Events) -> _Line:
    if not events:
        return _Line(_ZERO, "no_events")
    per_event = _dec(rule["per_event"])
    return _Line(len(events) * per_event, "penalty", {"count": str(len(events)), "per_event": _plain(per_event)})


def _veto(rule: dict[str, Any], m: Decimal, events: Events) -> _Line:
    if not events:
        return _Line(_ZERO, "no_events")
    return _Line(_ZERO, "vetoed", {"count": str(len(events)), "grade": rule.get("grade") or ""})


_EVENT_RULES: dict[str, Callable[[dict[str, Any], Decimal, Events], _Line]] = {
    "bonus": _bonus,
    "penalty": _penalty,
    "veto": _veto,
}


def _round(points: Decimal) -> Decimal:
    return points.quantize(_CENT, rounding=ROUND_HALF_UP)


def _points_text(points: Decimal) -> str:
    return format(_round(points), "f")


def score(rule: dict[str, Any], max_points: Decimal, inputs: Inputs) -> Outcome:
    """Score one line: ``rule`` as ``clean_rule`` returns it, for an indicator worth ``max_points``.

    A missing actual or target scores 0 and says so (the county sees what it still has to supply); every
    result is clamped to [0, max points], then rounded half-up to two places."""
    kind = rule.get("kind")
    facts = {"max_points": _plain(max_points)}
    if kind in _TARGET_RULES or kind in _ACTUAL_RULES:
        if inputs.target is not None and kind in _TARGET_RULES:
            facts["target"] = _plain(inputs.target)
        if inputs.actual is None:
            line = _Line(_ZERO, "no_actual")
        elif kind in _ACTUAL_RULES:
            facts["actual"] = _plain(inputs.actual)
            line = _ACTUAL_RULES[kind](rule, max_points, inputs.actual, inputs.peers)
        elif inputs.target is None:
            facts["actual"] = _plain(inputs.actual)
            line = _Line(_ZERO, "no_target")
        else:
            facts["actual"] = _plain(inputs.actual)
            line = _TARGET_RULES[kind](rule, max_points, inputs.actual, inputs.target)
    elif kind == "manual":
        line = _manual(rule, max_points, inputs.marks)
    elif kind in _EVENT_RULES:
        line = _EVENT_RULES[kind](rule, max_points, inputs.events)
    else:
        raise _unknown_kind()
    points = _round(min(max(line.points, _ZERO), max_points))
    effect = kind if kind in EVENT_KINDS else "score"
    facts |= line.facts | {"points": _points_text(points)}
    return Outcome(points=points, effect=effect, vetoed=line.note == "vetoed", note=line.note, facts=facts)


# ---------------------------------------------------------------------------------------------------------------
# Explanations: one message per note, filled from the stored facts in the reader's language
# ---------------------------------------------------------------------------------------------------------------

EXPLANATIONS: dict[str, Promise] = {
    "no_actual": gettext_lazy("No actual value yet: %(points)s points (of %(max_points)s)."),
    "no_growth_base": gettext_lazy(
        "No figure for the previous year, so no growth rate can be computed: %(points)s points (of %(max_points)s)."
    ),
    "no_target": gettext_lazy("Actual %(actual)s, but no target is set: %(points)s points (of %(max_points)s)."),
    "target_met": gettext_lazy(
        "Target %(target)s, actual %(actual)s: target reached, %(points)s points (of %(max_points)s)."
    ),
    "target_missed": gettext_lazy(
        "Target %(target)s, actual %(actual)s: target not reached, %(points)s points (of %(max_points)s)."
    ),
    "within_limit": gettext_lazy(
        "Limit %(target)s, actual %(actual)s: within the limit, %(points)s points (of %(max_points)s)."
    ),
    "over_limit": gettext_lazy(
        "Limit %(target)s, actual %(actual)s: over the limit, %(points)s points (of %(max_points)s)."
    ),
    "proportional": gettext_lazy(
        "Target %(target)s, actual %(actual)s: %(points)s points in proportion to completion (of %(max_points)s)."
    ),
    "below_floor": gettext_lazy(
        "Target %(target)s, actual %(actual)s: %(ratio)s%% of the target, below the %(floor)s%% that scores, "
        "%(points)s points (of %(max_points)s)."
    ),
    "negative_actual": gettext_lazy(
        "Target %(target)s, actual %(actual)s: a negative actual scores %(points)s points (of %(max_points)s)."
    ),
    "target_zero": gettext_lazy(
        "Target %(target)s, actual %(actual)s: against a zero target, %(points)s points (of %(max_points)s)."
    ),
    "control": gettext_lazy(
        "Limit %(target)s, actual %(actual)s (%(ratio)s%% of the limit): %(points)s points (of %(max_points)s); "
        "points fall to 0 at twice the limit."
    ),
    "step": gettext_lazy(
        "Target %(target)s, actual %(actual)s: %(base)s points at the target, %(per_unit)s more for each unit "
        "above it and %(per_unit)s less for each unit below, %(points)s points (of %(max_points)s)."
    ),
    "deduct": gettext_lazy(
        "Target %(target)s, actual %(actual)s: %(gap)s short, %(per_unit)s points off for each unit short, "
        "%(points)s points (of %(max_points)s)."
    ),
    "bands": gettext_lazy("Actual %(actual)s: %(points)s points by the indicator's bands (of %(max_points)s)."),
    "rank": gettext_lazy("Actual %(actual)s: rank %(rank)s of %(ranked)s, %(points)s points (of %(max_points)s)."),
    "relative_to_best": gettext_lazy(
        "Actual %(actual)s, best %(best)s: %(points)s points in proportion to the best (of %(max_points)s)."
    ),
    "best_zero": gettext_lazy(
        "Actual %(actual)s, best %(best)s: nobody reached more than 0, %(points)s points (of %(max_points)s)."
    ),
    "no_marks": gettext_lazy("No reviewer's mark yet: %(points)s points (of %(max_points)s)."),
    "manual": gettext_lazy("Mean of %(count)s reviewers' marks: %(points)s points (of %(max_points)s)."),
    "manual_trimmed": gettext_lazy(
        "Mean of %(count)s reviewers' marks without the highest (%(highest)s) and the lowest (%(lowest)s): "
        "%(points)s points (of %(max_points)s)."
    ),
    "no_events": gettext_lazy("No verified events: %(points)s points."),
    "bonus": gettext_lazy(
        "Verified achievements: %(count)s (national %(national)s, provincial %(provincial)s, municipal "
        "%(municipal)s), worth %(sum)s points: %(points)s points added (at most %(max_points)s)."
    ),
    "penalty": gettext_lazy(
        "Verified penalty events: %(count)s at %(per_event)s points each: %(points)s points deducted "
        "(at most %(max_points)s)."
    ),
    "vetoed": gettext_lazy("One-vote veto: %(count)s verified events; the grade is overridden."),
}
_FALLBACK = gettext_lazy("%(points)s points (of %(max_points)s).")
_IN_UNITS = frozenset({"actual", "target", "best", "gap"})  # the facts that are amounts of the indicator's unit


class _Facts(dict[str, str]):
    """Facts stored by an older engine may lack a number a newer message quotes; show "?" rather than fail."""

    def __missing__(self, key: str) -> str:
        return "?"


def _with_unit(value: str, unit: str) -> str:
    if not unit:
        return value
    return f"{value}{unit}" if unit[0] in "%‰" else f"{value} {unit}"


def explain(outcome_note: str, facts: dict[str, str], unit: str = "") -> str:
    """The line's explanation in the active language, e.g. "目标 10 人，完成 7 人，按完成比例得 2.10 分（满分 3 分）"."""
    values = _Facts({name: _with_unit(value, unit) if name in _IN_UNITS else value for name, value in facts.items()})
    return str(EXPLANATIONS.get(outcome_note, _FALLBACK)) % values


# ---------------------------------------------------------------------------------------------------------------
# Ranks, subtotals and grades
# ---------------------------------------------------------------------------------------------------------------


def rank_positions(values: Sequence[Decimal | None], lower_better: bool = False) -> list[int | None]:
    """Competition ranking (1, 2, 2, 4), highest first unless ``lower_better``; a missing value is unranked."""
    ascending = sorted(value for value in values if value is not None)
    return [None if value is None else _rank_in(value, ascending, lower_better) for value in values]


def subtotal(points: Iterable[Decimal], cap: Decimal) -> Decimal:
    """A level-1 or level-2 subtotal: its lines' signed sum (penalties count negative), its size capped at its
    own max points either way."""
    return max(-cap, min(sum(points, _ZERO), cap))


# Labels are the scheme's editable data (an office renames 合格 to 基本合格), so they are stored, not translated.
DEFAULT_GRADES: list[dict[str, Any]] = [
    {"min": 90, "label": "优秀"},
    {"min": 75, "label": "良好"},
    {"min": 60, "label": "合格"},
    {"min": 0, "label": "不合格"},
]


def _grade_band(band: Any, previous: Decimal | None) -> tuple[Decimal, str]:
    if not isinstance(band, dict) or set(band) != {"min", "label"}:
        raise _Invalid(_("Enter the band as {min, label}."))
    least = _non_negative(band["min"])
    if least > MAX_GRADE_MIN:
        raise _Invalid(_("Enter a minimum of at most %(limit)s.") % {"limit": MAX_GRADE_MIN})
    if previous is not None and least >= previous:
        raise _Invalid(
            _("The minimums must fall from band to band, highest first: %(value)s follows %(previous)s.")
            % {"value": _plain(least), "previous": _plain(previous)}
        )
    return least, _label(band["label"])


def clean_grades(grades: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Check a scheme's grade bands [{min, label}, …] (highest first) and return them normalised; raise
    ``RuleError`` with the first fault under ``grades``."""
    try:
        bands = _list(grades)
        cleaned: list[dict[str, Any]] = []
        previous: Decimal | None = None
        for position, band in enumerate(bands, 1):
            try:
                least, label = _grade_band(band, previous)
                if label in {other["label"] for other in cleaned}:
                    raise _Invalid(_("The label “%(label)s” is already used by another band.") % {"label": label})
            except _Invalid as invalid:
                raise _item_error(position, invalid) from None
            cleaned.append({"min": _json(least), "label": label})
            previous = least
    except _Invalid as invalid:
        raise RuleError({"grades": invalid.message}) from None
    return cleaned


def assign_grades(
    totals: Sequence[Decimal],
    grades: list[dict[str, Any]],
    excellent_share: Decimal | None,
    forced: Sequence[str | None] = (),
) -> list[str]:
    """Grade every assessee: the highest band whose minimum its total reaches (the last band otherwise).

    With ``excellent_share`` s, at most ⌊s·n⌋ assessees get the top band, best totals first; a tie that would
    overflow the quota is never split: the whole tie, and everyone below it, falls to the next band. Only the
    top band is limited. ``forced[i]`` (a veto's grade label, or "" for the lowest band) overrides assessee i,
    who then takes no place in the quota."""
    if forced and len(forced) != len(totals):
        raise ValueError("forced must give one entry per total, or none")
    labels = [str(band["label"]) for band in grades]
    minimums = [_dec(band["min"]) for band in grades]
    bands = [next((i for i, least in enumerate(minimums) if least <= total), len(grades) - 1) for total in totals]
    if excellent_share is not None:
        quota = int((excellent_share * len(totals)).to_integral_value(rounding=ROUND_FLOOR))
        top = sorted(
            (i for i, band in enumerate(bands) if band == 0 and not (forced and forced[i] is not None)),
            key=lambda i: totals[i],
            reverse=True,
        )
        taken = 0
        ties = [list(tie) for _total, tie in groupby(top, key=lambda i: totals[i])]
        for number, tie in enumerate(ties):
            if taken + len(tie) > quota:
                for demoted in (i for later in ties[number:] for i in later):
                    bands[demoted] = min(1, len(grades) - 1)
                break
            taken += len(tie)
    graded = [labels[band] for band in bands]
    for i, label in enumerate(forced):
        if label is not None:
            graded[i] = label or labels[-1]
    return graded
