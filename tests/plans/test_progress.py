"""The plan arithmetic against hand-computed cases: progress, the expected path, status and gap, the growth still
needed, jumps, and the roll-up of rates from their numerators (never an average of percentages).

The first rows are 诸暨's 十四五 table: 人才资源总量 32.2 万人 in 2020, 39 万人 by 2025, so the expected path
climbs 6.8 / 5 = 1.36 万人 a year: 33.56 (2021), 34.92, 36.28, 37.64, 39 (2025)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from plans import progress
from plans.progress import AHEAD, BEHIND, MISSING, ON_TRACK, Indicator, standing

TOTAL = Indicator("total", "higher", 2020, D("32.2"), 2025, D("39"))


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2020, "32.2"), (2021, "33.56"), (2022, "34.92"), (2023, "36.28"), (2024, "37.64"), (2025, "39"), (2027, "39")],
)
def test_the_expected_path_of_the_talent_total(year: int, expected: str) -> None:
    assert progress.expected(D("32.2"), D("39"), 2020, 2025, year) == D(expected)


@pytest.mark.parametrize(
    ("year", "actual", "share", "status", "gap", "growth"),
    [
        # 4.3 of the 6.8 to go: 63.24 %; 0.22 above the path, within the band (5 % of 6.8 = 0.34): on track;
        # (39 / 36.5)^(1/2) − 1 = 3.37 % a year still needed.
        (2023, "36.5", "0.6324", ON_TRACK, "0.2200", "0.0337"),
        # 1.28 below the path of 36.28: behind; (39 / 35)^(1/2) − 1 = 5.56 %.
        (2023, "35", "0.4118", BEHIND, "-1.2800", "0.0556"),
        # 0.72 above: ahead; (39 / 37)^(1/2) − 1 = 2.67 %.
        (2023, "37", "0.7059", AHEAD, "0.7200", "0.0267"),
        # 2021: 33.56 expected, 33.8 reached: 0.24 within the band; (39 / 33.8)^(1/4) − 1 = 3.64 %.
        (2021, "33.8", "0.2353", ON_TRACK, "0.2400", "0.0364"),
        # The target year: reached; nothing left to grow.
        (2025, "39.2", "1.0294", ON_TRACK, "0.2000", None),
    ],
)
def test_the_talent_total_s_standing(year, actual, share, status, gap, growth) -> None:
    found = standing(TOTAL, year, {year: D(actual)})
    assert found.progress == D(share)
    assert found.status == status and found.gap == D(gap)
    assert found.required_growth == (None if growth is None else D(growth))
    assert found.progress_share == min(D(share), D(1))


def test_a_year_without_an_actual_is_missing() -> None:
    found = standing(TOTAL, 2024, {2023: D("36.5")})
    assert (found.status, found.actual, found.progress, found.gap) == (MISSING, None, None, None)
    assert found.expected == D("37.64")


def test_lower_is_better() -> None:
    # 10 → 6 over 2020–2025: 7.6 expected in 2023; 7 is 0.6 better (band 0.2): ahead; progress 3 of 4.
    found = standing(Indicator("total", "lower", 2020, D(10), 2025, D(6)), 2023, {2023: D(7)})
    assert (found.status, found.gap, found.progress) == (AHEAD, D("0.6000"), D("0.7500"))
    behind = standing(Indicator("total", "lower", 2020, D(10), 2025, D(6)), 2023, {2023: D(8)})
    assert (behind.status, behind.gap) == (BEHIND, D("-0.4000"))


@pytest.mark.parametrize(("actual", "status"), [("5", ON_TRACK), ("4", BEHIND), ("6", AHEAD)])
def test_a_target_equal_to_the_baseline_has_no_progress_and_no_error(actual: str, status: str) -> None:
    found = standing(Indicator("total", "higher", 2020, D(5), 2025, D(5)), 2023, {2023: D(actual)})
    assert found.progress is None and found.progress_share is None
    assert found.expected == D(5) and found.status == status


FLOW = Indicator("flow", "higher", 2020, D(100), 2025, D(200))


def test_a_flow_is_judged_on_its_running_sum() -> None:
    # 100 a year in 2020, 200 a year by 2025: expected 120 (2021) + 140 (2022) = 260; 130 + 110 = 240 is 20 short,
    # beyond the band of two summed years (2 × 5 % of 100 = 10): behind, though 2021 alone was ahead.
    first = standing(FLOW, 2021, {2021: D(130)})
    assert (first.status, first.gap, first.cumulative_expected) == (AHEAD, D("10.0000"), D("120.0000"))
    second = standing(FLOW, 2022, {2021: D(130), 2022: D(110)})
    assert (second.cumulative_actual, second.cumulative_expected) == (D(240), D("260.0000"))
    assert (second.status, second.gap) == (BEHIND, D("-20.0000"))
    assert second.required_per_year == D("30.0000")  # (200 − 110) / 3 years left


@pytest.mark.parametrize(
    ("year", "values", "status", "gap"),
    [
        # One year: 126 against 120, 6 above, beyond one year's band of 5: ahead.
        (2021, {2021: 126}, AHEAD, "6.0000"),
        # Three years summed: 120 + 140 + 160 = 420 expected; 412 is 8 short, within three years' band (15): on
        # track, where one year's band (5) would call it behind.
        (2023, {2021: 120, 2022: 140, 2023: 152}, ON_TRACK, "-8.0000"),
        # 16 short over three years: beyond 15, behind.
        (2023, {2021: 120, 2022: 140, 2023: 144}, BEHIND, "-16.0000"),
    ],
)
def test_a_running_sum_s_band_grows_with_the_years_summed(year, values, status, gap) -> None:
    found = standing(FLOW, year, {t: D(v) for t, v in values.items()})
    assert (found.status, found.gap) == (status, D(gap))


def test_a_flow_with_a_year_missing_is_missing_not_counted_as_nothing() -> None:
    # 2022 not entered: the running sum is unknown, not 130 + 0 + 160 (which would read behind).
    found = standing(FLOW, 2023, {2021: D(130), 2023: D(160)})
    assert (found.status, found.cumulative_actual, found.gap) == (MISSING, None, None)
    assert found.actual == D(160) and found.cumulative_expected == D("420.0000")


@pytest.mark.parametrize(
    ("actual", "target", "years", "growth"),
    [("36.5", "39", 2, "0.0337"), ("10", "20", 1, "1.0000"), ("0", "20", 2, None), ("-3", "20", 2, None),
     ("10", "20", 0, None), ("10", "0", 3, None)],
)  # fmt: skip
def test_required_growth(actual: str, target: str, years: int, growth: str | None) -> None:
    found = progress.required_growth(D(actual), D(target), years)
    assert (None if found is None else found.quantize(D("0.0001"))) == (None if growth is None else D(growth))


@pytest.mark.parametrize(
    ("previous", "actual", "jump"), [("100", "160", True), ("100", "140", False), ("100", "40", True),
                                     ("0", "0", False), ("0", "1", True), (None, "5", False)],
)  # fmt: skip
def test_a_jump_against_last_year(previous: str | None, actual: str, jump: bool) -> None:
    assert progress.is_jump(D(actual), None if previous is None else D(previous), D("0.5")) is jump


def test_rates_roll_up_from_their_numerators_never_by_averaging() -> None:
    # 1 of 2 (50 %) and 1 of 4 (25 %): 2 of 6 = 33.33 %, not the 37.5 % of the average.
    assert progress.roll_up("rate", [(D(50), D(1), D(2)), (D(25), D(1), D(4))]) == D("33.3333")
    # 300 of 1000 and 10 of 10: 310 of 1010 = 30.69 %, where the average would be 65 %.
    assert progress.roll_up("rate", [(D(30), D(300), D(1000)), (D(100), D(10), D(10))]) == D("30.6931")
    # A part without its numerator cannot be summed: no value rather than a wrong one.
    assert progress.roll_up("rate", [(D(50), D(1), D(2)), (D(25), None, None)]) is None
    assert progress.roll_up("total", [(D("1.5"), None, None), (D("2.25"), None, None)]) == D("3.75")
    assert progress.roll_up("total", []) is None
