"""The import of plan actuals (kind ``plan_actuals``) through ``import_roster``: Chinese headers and English
aliases, the unit by name or code or by default, upsert on (indicator, unit, year), and every row
``checks.clean_actual`` refuses, with its message, writing nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from plans.models import PlanActual
from talentportal.audit.models import AuditEntry
from talentportal.jobs.models import Import

from ..assessments.test_imports import run as assessment_run
from ..assessments.test_imports import sheet as assessment_sheet
from . import factories

pytestmark = pytest.mark.django_db

HEADER = ["规划", "指标代码", "所属区域", "年度", "实际值", "分子", "分母", "数据来源", "备注"]
PLAN = "嘉兴市十四五人才发展规划"


@pytest.fixture
def plan(units: dict[str, Any]) -> dict[str, Any]:
    plan = factories.plan(units["330400"], name=PLAN)
    return {"plan": plan, "total": factories.indicator(plan, "1"), "rate": factories.rate(plan, "2")}


def sheet(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    return assessment_sheet(path, header, rows)


def run(path: Path, user: str, *flags: str) -> Import:
    return assessment_run(path, user, "plan_actuals", *flags)


def test_apply_then_reimport_updates_in_place(tmp_path, people, plan) -> None:
    rows = [
        [PLAN, "1", "", 2021, 33.8, None, None, "统计年鉴", ""],
        [PLAN, "1", "嘉兴市", 2022, "35", None, None, "", "初步数"],
        [PLAN, "2", "南湖区", 2023, None, 1, 2, "", ""],
        [PLAN, "2", "330411", 2023, "25", 1, 4, "", ""],
    ]
    imp = run(sheet(tmp_path / "a.xlsx", rows), "city_admin", "--apply")
    assert imp.status == Import.Status.APPLIED and imp.counts["created"] == 4, imp.errors
    stored = {(a.indicator.code, a.org_unit.code, a.year): a for a in PlanActual.objects.select_related("org_unit")}
    assert stored[("1", "330400", 2021)].value == Decimal("33.8") and stored[("1", "330400", 2021)].source == "统计年鉴"
    assert stored[("2", "330402", 2023)].value == Decimal("50")  # from its numerator and denominator
    assert AuditEntry.objects.filter(source="import").count() == 4
    again = [[PLAN, "1", "330400", 2021, "34", None, None, "统计年鉴", ""], rows[1]]
    imp = run(sheet(tmp_path / "b.xlsx", again), "city_admin", "--apply")
    assert (imp.counts["updated"], imp.counts["unchanged"], imp.counts["created"]) == (1, 1, 0), imp.errors
    assert PlanActual.objects.get(year=2021).value == Decimal("34") and PlanActual.objects.count() == 4


def test_english_headers_are_aliases(tmp_path, people, plan) -> None:
    header = ["plan", "indicator", "org_unit", "year", "value", "numerator", "denominator", "source", "note"]
    imp = run(sheet(tmp_path / "e.xlsx", [[PLAN, "1", "", 2023, 36.5, None, None, "", ""]], header), "city_admin",
              "--apply")  # fmt: skip
    assert imp.counts["created"] == 1, imp.errors


def test_a_county_s_rows_default_to_its_own_unit(tmp_path, people, plan) -> None:
    imp = run(sheet(tmp_path / "c.xlsx", [[PLAN, "1", "", 2023, 3.6, None, None, "", ""]]), "a_admin", "--apply")
    assert imp.counts["created"] == 1, imp.errors
    assert PlanActual.objects.get().org_unit.code == "330402"


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ([PLAN, "1", "", 2026, 1], "year", "The plan runs from 2021 to 2025"),
        ([PLAN, "1", "", 1900, 1], "year", ""),
        ([PLAN, "1", "", 2023, "面议"], "actual", ""),
        ([PLAN, "1", "", 2023, "NaN"], "actual", ""),
        ([PLAN, "1", "", 2023, "1e400"], "actual", ""),
        ([PLAN, "1", "", 2023, None], "actual", "Enter a number"),
        ([PLAN, "2", "", 2023, 120], "actual", "A rate is a percentage from 0 to 100."),
        ([PLAN, "2", "", 2023, None, 3, 2], "numerator", "A rate is a percentage from 0 to 100."),
        ([PLAN, "2", "", 2023, None, 1, 0], "denominator", "greater than 0"),
        ([PLAN, "1", "", 2023, 1, 1, 2], "numerator", "Only a rate"),
        ([PLAN, "9", "", 2023, 1], "indicator code", "has no indicator with code “9”"),
        (["别的规划", "1", "", 2023, 1], "indicator code", "No plan called “别的规划”"),
        ([PLAN, "1", "秀洲区", 2023, 1], "region", "outside your scope"),
        ([PLAN, "1", "火星", 2023, 1], "region", "not an org unit"),
        ([PLAN, "1", "", "２０２３年", 1], "year", ""),
        ([PLAN, "1", "", 10**20, 1], "year", ""),
    ],
)
def test_a_row_refused_names_its_column_and_nothing_is_written(tmp_path, people, plan, row, column, message) -> None:
    imp = run(sheet(tmp_path / "r.xlsx", [row]), "a_admin", "--apply")
    assert imp.counts["errors"] == 1 and imp.status != Import.Status.APPLIED
    assert [e["column"] for e in imp.errors] == [column], imp.errors
    assert message in imp.errors[0]["message"]
    assert not PlanActual.objects.exists()


def test_the_same_indicator_unit_and_year_twice_is_a_row_error(tmp_path, people, plan) -> None:
    rows = [[PLAN, "1", "", 2023, 1], [PLAN, "1", "嘉兴市", 2023, 2]]
    imp = run(sheet(tmp_path / "d.xlsx", rows), "city_admin", "--apply")
    assert imp.counts["errors"] == 1 and "Duplicates row 2" in imp.errors[0]["message"]
    assert not PlanActual.objects.exists()


def test_another_county_s_stored_actual_is_not_overwritten(tmp_path, people, units, plan) -> None:
    factories.actual(plan["total"], units["330411"], 2023, "5")
    imp = run(sheet(tmp_path / "o.xlsx", [[PLAN, "1", "330411", 2023, 9]]), "a_admin", "--apply")
    assert imp.counts["errors"] == 1
    assert PlanActual.objects.get().value == Decimal("5")
