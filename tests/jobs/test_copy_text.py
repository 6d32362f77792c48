"""COPY's text written a column at a time (``_copy_lines``) is the text written a value at a time (``_copy_text``),
whatever the columns hold: mixed types, NULLs, cells to escape among plain ones, values repeated, times that are
equal but written apart (the hour a clock is set back, or two zones)."""

from __future__ import annotations

import datetime
import decimal
import random
from zoneinfo import ZoneInfo

from talentportal.jobs.importing.writing import _copy_lines, _copy_text

SHANGHAI = ZoneInfo("Asia/Shanghai")
TWICE = datetime.datetime(1986, 9, 14, 1, 30, tzinfo=SHANGHAI)  # the clock went back: 01:30 came twice
NOW = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC)
VALUES = [
    None, "", "plain", "中文", "tab\there", "line\nbreak", "back\\slash", "\r", "\\N", "\x0b",
    0, 1, -7, 10**20, True, False, 0.0, -0.0, 2.5, decimal.Decimal("1.0"), decimal.Decimal("1.00"),
    datetime.date(2020, 2, 29), datetime.date(1949, 10, 1), datetime.time(9, 30), datetime.time(9, 30, tzinfo=SHANGHAI),
    NOW, NOW.astimezone(SHANGHAI), TWICE, TWICE.replace(fold=1), datetime.datetime(2026, 1, 1, 8),
]  # fmt: skip


def by_value(rows: list[list[object]]) -> str:
    return "".join("\t".join(_copy_text(v) for v in row) + "\n" for row in rows)


def copy_lines(rows: list[list[object]]) -> str:
    """``_copy_lines`` of the rows, given to it as columns."""
    return _copy_lines([list(column) for column in zip(*rows, strict=True)])


def test_random_columns_are_written_as_value_by_value() -> None:
    rng = random.Random(2026)
    for _ in range(3000):
        pools = [rng.sample(VALUES, rng.randint(1, 4)) for _ in range(rng.randint(1, 5))]
        rows = [[rng.choice(pool) for pool in pools] for _ in range(rng.randint(1, 8))]
        assert copy_lines(rows) == by_value(rows), rows


def test_equal_times_written_apart_stay_apart() -> None:
    rows = [[TWICE], [TWICE.replace(fold=1)], [NOW], [NOW.astimezone(SHANGHAI)]]
    assert copy_lines(rows).splitlines() == [
        "1986-09-14T01:30:00+09:00",
        "1986-09-14T01:30:00+08:00",
        "2026-12-07T10:00:00+00:00",
        "2026-12-07T18:00:00+08:00",
    ]


def test_one_cell_to_escape_among_plain_ones_and_the_batchs_time() -> None:
    rows = [["甲", NOW, 3, None], ["乙\t丙", NOW, 3, None], ["丁\\", NOW, 4, True]]
    assert copy_lines(rows) == (
        "甲\t2026-12-07T10:00:00+00:00\t3\t\\N\n"
        "乙\\t丙\t2026-12-07T10:00:00+00:00\t3\t\\N\n"
        "丁\\\\\t2026-12-07T10:00:00+00:00\t4\tt\n"
    )
    assert _copy_lines([]) == "" and _copy_lines([[], []]) == ""


def test_every_line_ends_with_the_columns_written_once() -> None:
    rows = [["甲", 1], ["乙\t", None]]
    assert _copy_lines([list(column) for column in zip(*rows, strict=True)], "\tt\t\\N") == (
        "甲\t1\tt\t\\N\n乙\\t\t\\N\tt\t\\N\n"
    )
