"""An imported record's audit entry keeps its values as people read them, as JSON text made a field at a time for
the batch (``Display.changes``): the same text as encoding each row's ``{name: [null, shown]}`` on its own, whatever
the rows hold (text to escape among plain text, codes, ids of units and of records not found, yes/no, dates,
numbers of several types in one column, links) and whichever fields each row has, in whatever order."""

from __future__ import annotations

import datetime
import decimal
import random

import orjson
import pytest

from talentportal.audit.services import plain
from talentportal.jobs.importing.display import Display
from talentportal.jobs.importing.spec import get_spec

pytestmark = pytest.mark.django_db

TEXT = ["张三", "", 'say "hi"', "C:\\名册", "tab\there", "行\n行", "\x1f", "e\u2028", "\\N", "1"]
NUMBERS = [0, 1, -7, 2**40, True, False, 0.0, -0.0, 2.5, float("nan"), decimal.Decimal("1.0"), decimal.Decimal("1.00")]
DATES = [
    datetime.date(1985, 6, 1),
    datetime.date(2000, 2, 29),
    datetime.datetime(2026, 12, 7, 8, 30, tzinfo=datetime.UTC),
]


def one_by_one(display: Display, values: dict) -> str:
    shown = {k.removesuffix("_id"): [None, display.display(k, v)] for k, v in values.items() if v is not None}
    return orjson.dumps(shown, default=plain).decode()


def random_rows(rng: random.Random, pools: dict[str, list], count: int) -> list[dict]:
    shapes = [rng.sample(sorted(pools), rng.randint(0, len(pools))) for _ in range(3)]
    return [{name: rng.choice(pools[name]) for name in rng.choice(shapes)} for _ in range(count)]


def test_talents_changes_are_each_rows_own(units) -> None:
    display = Display(get_spec("talents"))
    unit_ids = [unit.pk for unit in units.values()]
    pools = {
        "name": [None, *TEXT],
        "notes": [None, *TEXT, *NUMBERS, *DATES],
        "gender": [None, "male", "female", "", "不知道"],
        "id_type": ["resident_id", "passport"],
        "is_returnee": [None, True, False],
        "birth_date": [None, *DATES[:2]],
        "org_unit_id": [*unit_ids, 987654321],
        "employer_id": [None, 987654321],
    }
    rng = random.Random(2026)
    for _ in range(300):
        rows = random_rows(rng, {k: rng.sample(v, rng.randint(1, len(v))) for k, v in pools.items()}, rng.randint(1, 9))
        assert display.changes(rows) == [one_by_one(display, row) for row in rows], rows


def test_a_teams_members_and_a_row_without_values() -> None:
    display = Display(get_spec("teams"))
    rows = [{"name": "甲团队", "members": [3, 1]}, {}, {"members": []}, {"name": None}]
    texts = display.changes(rows)
    assert texts == [one_by_one(display, row) for row in rows]
    assert orjson.loads(texts[0]) == {"name": [None, "甲团队"], "members": [None, [" (#1)", " (#3)"]]}
    assert texts[1] == texts[3] == "{}"
