"""How far a plan indicator has come: pure arithmetic on baseline, target and the yearly actuals.

For an indicator with baseline B in year t0 and target T in year t1, and the actual A of year t:
- progress (A − B) / (T − B): 0 at the baseline, 1 at the target (a lower-is-better indicator has T < B and the
  same formula); undefined (``None``) when T = B or B is unknown;
- the expected path E(t) = B + (T − B)·(t − t0)/(t1 − t0);
- a flow indicator (added in each year) is judged on its running sums since the baseline year: the actuals
  summed against the expected path summed, year by year, so a weak year can be made up by a strong one; a year
  without its actual leaves the sum unknown (``missing``), never counted as 0;
- the status: ``ahead``, ``on_track`` or ``behind`` by the gap between actual and expected (in the direction that
  is better), ``on_track`` within ``ON_TRACK_BAND`` of the whole distance T − B (for a running sum, of that
  distance once per year summed); ``missing`` without an actual;
- the yearly growth still needed, (T / A)^(1 / years left) − 1, and for a flow the amount still needed a year;
- a jump: the actual moved by more than ``jump_share`` of last year's (likely a typing error; ``figures`` says
  which values can be mistyped and what last year's is).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

AHEAD, ON_TRACK, BEHIND, MISSING = "ahead", "on_track", "behind", "missing"
STATUSES = (AHEAD, ON_TRACK, BEHIND, MISSING)
HIGHER, LOWER = "higher", "lower"
FLOW, RATE = "flow", "rate"
# Within this share of the distance from baseline to target, an actual is on track.
ON_TRACK_BAND = Decimal("0.05")
PLACES = Decimal("0.0001")


def _q(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(PLACES)


def progress(actual: Decimal | None, baseline: Decimal | None, target: Decimal) -> Decimal | None:
    """(A − B) / (T − B); ``None`` when the actual or the baseline is unknown or the target is the baseline."""
    if actual is None or baseline is None or target == baseline:
        return None
    return (actual - baseline) / (target - baseline)


def expected(baseline: Decimal | None, target: Decimal, start: int, end: int, year: int) -> Decimal | None:
    """B + (T − B)·(t − t0)/(t1 − t0), held at T after the target year and at B before the baseline year."""
    if baseline is None or end <= start:
        return None
    t = min(max(year, start), end)
    return baseline + (target - baseline) * Decimal(t - start) / Decimal(end - start)


def expected_sum(baseline: Decimal | None, target: Decimal, start: int, end: int, year: int) -> Decimal | None:
    """The expected path summed over the years after the baseline year up to ``year`` (flow indicators)."""
    if baseline is None:
        return None
    total = Decimal(0)
    for t in range(start + 1, min(year, end) + 1):
        total += expected(baseline, target, start, end, t) or Decimal(0)
    return total


def required_growth(actual: Decimal | None, target: Decimal, years_left: int) -> Decimal | None:
    """(T / A)^(1 / years left) − 1: the yearly growth that reaches the target; ``None`` when it has no meaning
    (no years left, or a value that is not positive)."""
    if actual is None or years_left <= 0 or actual <= 0 or target <= 0:
        return None
    try:
        return Decimal(str((float(target) / float(actual)) ** (1 / years_left) - 1))
    except (OverflowError, ZeroDivisionError, InvalidOperation):
        return None


def is_jump(actual: Decimal | None, previous: Decimal | None, share: Decimal) -> bool:
    """Whether the actual moved by more than ``share`` of last year's value (from zero, any move is one)."""
    if actual is None or previous is None:
        return False
    if previous == 0:
        return actual != 0
    return abs(actual - previous) > share * abs(previous)


def status(
    actual: Decimal | None,
    expected_value: Decimal | None,
    baseline: Decimal | None,
    target: Decimal,
    direction: str,
    years: int = 1,
) -> tuple[str, Decimal | None]:
    """The status and the gap (actual − expected, signed so that positive is better); ``years`` is the number of
    years a running sum adds up (its band is that many times one year's)."""
    if actual is None:
        return MISSING, None
    sign = -1 if direction == LOWER else 1
    if expected_value is None:
        # Without a baseline there is no path: only whether the target is reached.
        gap = sign * (actual - target)
        return (AHEAD if gap > 0 else ON_TRACK if gap == 0 else BEHIND), gap
    gap = sign * (actual - expected_value)
    band = ON_TRACK_BAND * abs(target - baseline) * max(years, 1) if baseline is not None else Decimal(0)
    if abs(gap) <= band:
        return ON_TRACK, gap
    return (AHEAD if gap > 0 else BEHIND), gap


@dataclass(frozen=True)
class Indicator:
    """What the arithmetic needs of a plan indicator (a unit's own baseline and target where it has them)."""

    category: str
    direction: str
    baseline_year: int
    baseline: Decimal | None
    target_year: int
    target: Decimal


@dataclass(frozen=True)
class Standing:
    """An indicator in a year: the figures the table, the charts and the API show."""

    year: int
    actual: Decimal | None
    previous: Decimal | None
    expected: Decimal | None
    progress: Decimal | None
    status: str
    gap: Decimal | None
    required_growth: Decimal | None
    required_per_year: Decimal | None
    cumulative_actual: Decimal | None
    cumulative_expected: Decimal | None

    @property
    def progress_share(self) -> Decimal | None:
        """Progress held within 0–1 (a bar's fill)."""
        return None if self.progress is None else min(max(self.progress, Decimal(0)), Decimal(1))


def standing(indicator: Indicator, year: int, actuals: Mapping[int, Decimal | None]) -> Standing:
    """The indicator's standing in ``year`` from its actuals by year (years without one may be left out)."""
    i = indicator
    actual = actuals.get(year)
    previous = actuals.get(year - 1)
    expected_value = expected(i.baseline, i.target, i.baseline_year, i.target_year, year)
    years_left = i.target_year - year
    cumulative_actual = cumulative_expected = None
    if i.category == FLOW:
        done = [actuals.get(t) for t in range(i.baseline_year + 1, year + 1)]
        if done and all(v is not None for v in done):
            cumulative_actual = sum((v for v in done if v is not None), Decimal(0))
        cumulative_expected = expected_sum(i.baseline, i.target, i.baseline_year, i.target_year, year)
        summed_years = min(year, i.target_year) - i.baseline_year
        state, gap = status(cumulative_actual, cumulative_expected, i.baseline, i.target, i.direction, summed_years)
        if cumulative_expected is None and cumulative_actual is not None:
            state, gap = status(actual, None, i.baseline, i.target, i.direction)
    else:
        state, gap = status(actual, expected_value, i.baseline, i.target, i.direction)
    per_year = None
    if actual is not None and years_left > 0:
        per_year = (i.target - actual) / years_left
    return Standing(
        year=year,
        actual=actual,
        previous=previous,
        expected=_q(expected_value),
        progress=_q(progress(actual, i.baseline, i.target)),
        status=state,
        gap=_q(gap),
        required_growth=_q(required_growth(actual, i.target, years_left)),
        required_per_year=_q(per_year),
        cumulative_actual=cumulative_actual,
        cumulative_expected=_q(cumulative_expected),
    )


def rate(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """100 · numerator / denominator, ``None`` for a zero denominator."""
    return None if not denominator else (100 * numerator / denominator).quantize(PLACES)


def roll_up(category: str, parts: list[tuple[Decimal | None, Decimal | None, Decimal | None]]) -> Decimal | None:
    """A unit's value from its parts' (value, numerator, denominator): rates from the summed numerators and
    denominators (``None`` if any part lacks them), everything else summed; ``None`` without parts."""
    if not parts:
        return None
    if category == RATE:
        if any(n is None or d is None for _v, n, d in parts):
            return None
        return rate(sum((n for _v, n, _d in parts if n is not None), Decimal(0)),
                    sum((d for _v, _n, d in parts if d is not None), Decimal(0)))  # fmt: skip
    if any(v is None for v, _n, _d in parts):
        return None
    return sum((v for v, _n, _d in parts if v is not None), Decimal(0))
