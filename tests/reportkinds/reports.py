"""Throw-away report kinds for the runner's tests: the units of a subtree (a figure per unit a test can predict),
and a slow report whose steps a test can interrupt."""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from talentportal.jobs.reports.document import BAR, COUNT, MONEY, PERCENT, TEXT, Chart, Document, Section, Table
from talentportal.jobs.reports.kinds import (
    ReportForm,
    ReportKind,
    not_in_future,
    org_unit_field,
    quarter_field,
    register,
    year_field,
)
from talentportal.orgs.models import OrgUnit, is_admin


class UnitsForm(ReportForm):
    year = year_field()
    quarter = quarter_field()
    org_unit = org_unit_field()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("year") and data.get("quarter"):
            try:
                not_in_future(data["year"], data["quarter"])
            except ValidationError as error:
                self.add_error("quarter", error)
        return data


def build_units(user: Any, params: dict[str, Any], progress: Any) -> Document:
    unit: OrgUnit = params["org_unit"]
    progress(0, 1, "units")
    units = list(OrgUnit.objects.for_user(user).in_subtree(unit).order_by("code"))
    rows = [[u.name, len(u.code), len(u.code) * 1.5, 12.345] for u in units]
    table = Table("units", "单位", ["单位", "代码长度", "金额（万元）", "比例"], rows, [TEXT, COUNT, MONEY, PERCENT])
    chart = Chart("bars", "代码长度", "units", [1], BAR)
    section = Section("units", "各单位", ["说明文字"], [table], [chart])
    subtitle = f"{params['year']}年第{params['quarter']}季度"
    return Document("test_units", "测试报表", subtitle, [("单位", unit.name)], [section])


class SlowForm(ReportForm):
    steps = forms.IntegerField(min_value=1, max_value=100)
    delay = forms.FloatField(min_value=0, max_value=10)


def build_slowly(user: Any, params: dict[str, Any], progress: Any) -> Document:
    steps = params["steps"]
    for step in range(steps):
        progress(step, steps, f"step {step + 1}")
        time.sleep(params["delay"])
    table = Table("steps", "步骤", ["步骤", "次数"], [["全部", steps]])
    return Document("test_slow", "慢报表", sections=[Section("steps", "步骤", tables=[table])])


register(ReportKind("test_units", "Test units", "The units of a subtree.", UnitsForm, build_units))
register(ReportKind("test_admin", "Admins only", "", UnitsForm, build_units, can_run=is_admin))
register(ReportKind("test_slow", "Slow", "Sleeps between steps.", SlowForm, build_slowly))
