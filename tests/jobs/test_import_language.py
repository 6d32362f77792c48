"""Import errors in the reader's language: a check run in Chinese reads in English for an English reader, and
the other way round, on the page and through the API."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.utils import translation

from talentportal.jobs.importing import services
from talentportal.jobs.models import Import
from talents.validators import make_resident_id

from ..conftest import choose_language
from .test_imports import roster

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "证件号码", "人才类别", "人才层次", "所属区域", "落地日期"]


def rows() -> list[list[object]]:
    good = make_resident_id("330402", datetime.date(1980, 1, 1), 5)
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    return [
        ["张伟", good, "专业技术人才", "市级领军人才", "南湖区", "2024-03-01"],
        ["李四", wrong, "专业技术人才", "外星人才", "火星区", "2024-13-45"],
        ["王五", good, "专业技术人才", "市级领军人才", "南湖区", ""],
    ]


ENGLISH = {
    ("ID number", "The check digit"),
    ("talent tier", "“外星人才” is not one of"),
    ("region", "“火星区” is not an org unit"),
    ("landed on", "“2024-13-45” is not a date"),
    ("ID number", "Duplicates row 3"),
}
CHINESE_COLUMNS = {"证件号码", "人才层次", "所属区域", "落地日期"}


def started(tmp_path, people, api_client, language: str) -> Import:
    """An upload through the API in ``language``, checked the way the worker runs it (in the upload's language)."""
    api_client.force_authenticate(people["a_admin"])
    api_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with roster(tmp_path / "r.xlsx", rows(), header=HEADER).open("rb") as stream:
        response = api_client.post("/api/v1/imports/", {"kind": "talents", "file": stream}, format="multipart")
    imp = Import.objects.get(pk=response.json()["id"])
    assert imp.job.params["language"] == language
    with translation.override(imp.job.params["language"]):
        services.run(imp, services.CHECK)
    return imp


def english(errors: list[dict]) -> set[tuple[str, str]]:
    found = set()
    for error in errors:
        prefix = next((p for c, p in ENGLISH if c == error["column"] and error["message"].startswith(p)), None)
        if prefix:
            found.add((error["column"], prefix))
    return found


@pytest.mark.parametrize("started_in", ["en", "zh-hans"])
def test_errors_read_in_the_reader_s_language(started_in, tmp_path, people, api_client, client) -> None:
    imp = started(tmp_path, people, api_client, started_in)
    assert imp.counts["errors"] == 2
    api_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    errors = api_client.get(f"/api/v1/imports/{imp.pk}/").json()["errors"]
    assert english(errors) == ENGLISH and len(errors) == len(ENGLISH)
    api_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = api_client.get(f"/api/v1/imports/{imp.pk}/").json()["errors"]
    assert {e["column"] for e in chinese} == CHINESE_COLUMNS
    assert any(e["message"].startswith("“火星区”不是") for e in chinese)
    assert not english(chinese)
    client.force_login(people["a_admin"])
    choose_language(client, "en")
    page = client.get(imp.get_absolute_url()).content.decode()
    assert "is not an org unit" in page and "Duplicates row 3" in page
    choose_language(client, "zh-hans")
    page = client.get(imp.get_absolute_url()).content.decode()
    assert "is not an org unit" not in page and "火星区" in page


def test_a_note_reads_in_the_reader_s_language(tmp_path, people, api_client) -> None:
    api_client.force_authenticate(people["a_admin"])
    path = roster(tmp_path / "r.xlsx", [rows()[0], ["合计 1人", "", "", "", "", ""]], header=HEADER)
    with path.open("rb") as stream:
        imp = Import.objects.get(
            pk=api_client.post("/api/v1/imports/", {"kind": "talents", "file": stream}, format="multipart").json()["id"]
        )
    with translation.override("zh-hans"):
        services.run(imp, services.CHECK)
    api_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    notes = api_client.get(f"/api/v1/imports/{imp.pk}/").json()["notes"]
    assert notes[0]["message"] == "Row 4 was skipped: it is a totals row (合计 1人), not a record."
    api_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    notes = api_client.get(f"/api/v1/imports/{imp.pk}/").json()["notes"]
    assert notes[0]["message"] == "第 4 行已跳过：这是合计行（合计 1人），不是一条记录。"
