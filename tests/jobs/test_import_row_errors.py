"""A row reports every error it has in one pass, and the error report lists them cleanly."""

from __future__ import annotations

import datetime

import pytest
from openpyxl import load_workbook

from talentportal.jobs.models import Import
from talents.validators import make_resident_id

from .test_imports import roster, run_cli

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "证件号码", "人才类别", "人才层次", "所属区域", "出生日期", "手机号码", "落地日期"]


def test_every_error_of_a_row_is_reported_at_once(tmp_path, people) -> None:
    good = make_resident_id("330402", datetime.date(1980, 1, 1), 123)
    wrong_check_digit = good[:-1] + ("0" if good[-1] != "0" else "1")
    row = ["张伟", wrong_check_digit, "专业技术人才", "外星人才", "南湖区", "1980-01-01", "13800", "2024-13-45"]
    imp = run_cli(roster(tmp_path / "r.xlsx", [row], header=HEADER), "a_admin")
    assert imp.status == Import.Status.CHECKED
    assert imp.counts["errors"] == 1
    assert sorted(e["column"] for e in imp.errors) == sorted(["ID number", "talent tier", "mobile phone", "landed on"])
    assert any("check digit" in e["message"] for e in imp.errors)
    report = load_workbook(imp.error_report.path).active
    explanation = list(report.iter_rows(values_only=True))[1][-1]
    assert explanation.startswith("Row 3: ") and explanation.count("；") == 3
    assert "。；" not in explanation and ".；" not in explanation


def test_a_duplicate_is_reported_beside_the_row_s_other_errors(tmp_path, people) -> None:
    number = make_resident_id("330402", datetime.date(1980, 1, 1), 7)
    rows = [
        ["张伟", number, "专业技术人才", "市级领军人才", "南湖区", "1980-01-01", "", ""],
        ["张伟", number, "专业技术人才", "外星人才", "南湖区", "1980-01-01", "", ""],
    ]
    imp = run_cli(roster(tmp_path / "r.xlsx", rows, header=HEADER), "a_admin")
    messages = {e["column"]: e["message"] for e in imp.errors if e["row"] == 4}
    assert set(messages) == {"talent tier", "ID number"}
    assert messages["ID number"].startswith("Duplicates row 3")
    assert imp.counts == {"rows": 2, "created": 1, "updated": 0, "unchanged": 0, "errors": 1}


def test_a_resident_id_is_not_checked_against_a_type_that_failed(tmp_path, people) -> None:
    header = [*HEADER, "证件类型"]
    row = ["张伟", "E12345678", "专业技术人才", "市级领军人才", "南湖区", "", "", "", "飞船证"]
    imp = run_cli(roster(tmp_path / "r.xlsx", [row], header=header), "a_admin")
    assert [e["column"] for e in imp.errors] == ["ID type"]
