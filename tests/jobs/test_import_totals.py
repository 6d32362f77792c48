"""A roster's closing totals row (合计 8人) is skipped with a note, in every kind and every file format."""

from __future__ import annotations

import csv

import pytest
from django.urls import reverse

from talentportal.jobs.importing import services
from talentportal.jobs.models import Import
from talents.models import Talent
from talents.validators import make_credit_code

from ..talents import factories
from .test_imports import HEADER, person, roster, run_cli

pytestmark = pytest.mark.django_db


def totals_ok(imp: Import, row: int, created: int) -> None:
    assert imp.counts == {"rows": created, "created": created, "updated": 0, "unchanged": 0, "errors": 0}, imp.errors
    assert [n["row"] for n in imp.notes] == [row]
    assert f"Row {row}" in imp.notes[0]["message"] and "totals row" in imp.notes[0]["message"]


@pytest.mark.parametrize(
    "totals",
    [
        ["合计 8人", "", "", "", "", "", ""],
        ["合计：8人", None, None, None, None, None, None],
        ["", "总计", "", "", "", "", ""],
        ["小计（共8人）", "", "", "", "", "", ""],
        ["共8人", "", "", "", "", "", ""],
        ["", "", "", "", "", 8, ""],
    ],
)
def test_a_totals_row_is_skipped_with_a_note(totals, tmp_path, people) -> None:
    path = roster(tmp_path / "r.xlsx", [person(1), person(2), totals])
    imp = run_cli(path, "a_admin", "--apply")
    assert imp.status == Import.Status.APPLIED
    totals_ok(imp, 5, 2)
    assert Talent.objects.count() == 2


def test_a_name_containing_totals_words_is_a_record(tmp_path, people) -> None:
    imp = run_cli(roster(tmp_path / "r.xlsx", [person(1, 姓名="王合计"), person(2, 所属区域="合计")]), "a_admin")
    assert imp.notes == []
    assert imp.counts["created"] == 1 and imp.counts["errors"] == 1
    assert imp.errors[0]["column"] == "region"


def test_a_record_with_a_failed_cell_is_not_taken_for_totals(tmp_path, people) -> None:
    imp = run_cli(roster(tmp_path / "r.xlsx", [person(1, 姓名="", 证件号码="")]), "a_admin")
    assert imp.notes == [] and imp.counts["errors"] == 1


def test_totals_in_a_csv_of_enterprise_figures(tmp_path, people, units) -> None:
    codes = [make_credit_code(f"91330402MA000000{n}") for n in (1, 2)]
    for code in codes:
        factories.enterprise(units["330402"], credit_code=code)
    path = tmp_path / "years.csv"
    with path.open("w", encoding="gbk", newline="") as stream:
        out = csv.writer(stream)
        out.writerow(["统一社会信用代码", "年份", "营业收入（万元）"])
        out.writerows([[codes[0], 2025, 100], [codes[1], 2025, 200], ["合计", "", 300]])
    imp = run_cli(path, "a_admin", kind="enterprise_years")
    totals_ok(imp, 4, 2)


def test_the_note_shows_on_the_page_and_the_api(tmp_path, people, client, api_client) -> None:
    path = roster(tmp_path / "r.xlsx", [person(1), ["合计 1人", *[""] * (len(HEADER) - 1)]])
    client.force_login(people["a_admin"])
    with path.open("rb") as stream:
        client.post(reverse("jobs:import_new"), {"kind": "talents", "file": stream})
    imp = Import.objects.get()
    services.run(imp, services.CHECK)
    page = client.get(imp.get_absolute_url()).content.decode()
    assert 'id="import-notes"' in page and "合计 1人" in page
    api_client.force_authenticate(people["a_admin"])
    body = api_client.get(f"/api/v1/imports/{imp.pk}/").json()
    assert [n["row"] for n in body["notes"]] == [4] and body["counts"]["errors"] == 0
