"""Permission matrices of the plan registries (pages and API, tests/matrix.py).

Plans and their indicators belong to the office that drew them up: ``own`` is a plan of a town of county A,
``other`` one of county B, ``parent`` the city's. A county reads the plans of its own subtree and the city's
plan above it, never another county's; the office's editors and admins change them. Targets and actuals are
those of the city's plan for a town of A (``own``), for county B (``other``) and for the city itself
(``parent``): a county sees and writes its own only, never the city's nor another county's.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from plans import registries

from ..matrix import WHICH, RegistryMatrix, Rights
from ..talents.test_permissions import ALL, REGISTRY_RIGHTS, UNIT_OF
from . import factories

PLAN_RIGHTS = {
    "city_admin": Rights(see=ALL, edit=ALL, create=True),
    "city_viewer": Rights(see=ALL),
    "reviewer": Rights(see=ALL),
    "a_admin": Rights(see={"own", "parent"}, edit={"own"}, create=True),
    "a_editor": Rights(see={"own", "parent"}, edit={"own"}, create=True),
    "a_viewer": Rights(see={"own", "parent"}),
    "b_editor": Rights(see={"other", "parent"}, edit={"other"}, create="out_of_scope"),
}
numbers = itertools.count(1)


class TestPlanMatrix(RegistryMatrix):
    registry = registries.plans
    api_basename = "plan"
    changed_field = "name"
    rights = PLAN_RIGHTS
    queries = {"list": 8, "create_page": 17, "update_page": 19, "delete_page": 14, "api_create": 8, "api_update": 9,
               "api_delete": 11}  # fmt: skip

    def make(self, which: str, units: dict[str, Any]) -> Any:
        return factories.plan(units[UNIT_OF[which]], name=f"规划{which}{next(numbers)}")

    def create_form(self, units: dict[str, Any]) -> dict[str, Any]:
        return {"name": "南湖区十五五人才规划", "org_unit": units["330402"].pk, "start_year": 2026, "end_year": 2030}

    def api_create(self, units: dict[str, Any]) -> dict[str, Any]:
        return {"name": "南湖区十五五人才规划", "org_unit": "330402", "start_year": 2026, "end_year": 2030}

    def update_form(self, obj: Any) -> dict[str, Any]:
        return {"name": "已修改", "org_unit": obj.org_unit_id, "start_year": obj.start_year, "end_year": obj.end_year}


class TestPlanIndicatorMatrix(RegistryMatrix):
    registry = registries.indicators
    api_basename = "planindicator"
    changed_field = "name"
    rights = PLAN_RIGHTS
    queries = {"list": 7, "create_page": 17, "update_page": 19, "delete_page": 17, "api_create": 8, "api_update": 8,
               "api_delete": 13}  # fmt: skip

    @pytest.fixture
    def records(self, units: dict[str, Any], people: dict[str, Any]) -> dict[str, Any]:
        self.a_plan_of(units)  # made before any count is taken
        return {which: self.make(which, units) for which in WHICH}

    def a_plan_of(self, units: dict[str, Any]) -> Any:
        """County A's own plan, which the new indicators go into."""
        if not hasattr(self, "a_plan"):
            self.a_plan = factories.plan(units["330402"], name="南湖区十四五人才规划")
        return self.a_plan

    def make(self, which: str, units: dict[str, Any]) -> Any:
        plan = factories.plan(units[UNIT_OF[which]], name=f"规划{which}{next(numbers)}")
        return factories.indicator(plan, code=f"{which}{next(numbers)}")

    def create_form(self, units: dict[str, Any]) -> dict[str, Any]:
        return {"plan": self.a_plan_of(units).pk, "code": "9", "group": "人才总量", "name": "人才资源总量",
                "unit": "万人", "category": "total", "direction": "higher", "baseline_year": 2020, "baseline_value": "3.2",
                "target_year": 2025, "target_value": "3.9", "metric": "", "metric_params": "", "jump_share": "0.5",
                "order": 1}  # fmt: skip

    def api_create(self, units: dict[str, Any]) -> dict[str, Any]:
        return {"plan": self.a_plan_of(units).pk, "code": "9", "group": "人才总量", "name": "人才资源总量",
                "unit": "万人", "category": "total", "baseline_year": 2020, "baseline_value": "3.2", "target_year": 2025,
                "target_value": "3.9"}  # fmt: skip

    def update_form(self, obj: Any) -> dict[str, Any]:
        return {"plan": obj.plan_id, "code": obj.code, "group": obj.group, "name": "已修改", "unit": obj.unit,
                "category": obj.category, "direction": obj.direction, "baseline_year": obj.baseline_year,
                "baseline_value": obj.baseline_value, "target_year": obj.target_year,
                "target_value": obj.target_value, "metric": "", "metric_params": "{}", "jump_share": "0.5",
                "order": 0}  # fmt: skip


class UnitFigureMatrix(RegistryMatrix):
    """Targets and actuals of the city's plan, one unit per record."""

    rights = REGISTRY_RIGHTS

    @pytest.fixture
    def records(self, units: dict[str, Any], people: dict[str, Any]) -> dict[str, Any]:
        self.city_indicator(units)  # made before any count is taken
        return {which: self.make(which, units) for which in WHICH}

    def city_indicator(self, units: dict[str, Any]) -> Any:
        """An indicator of the city's plan, which the new records are figures of."""
        if not hasattr(self, "first"):
            self.first = factories.indicator(factories.plan(units["330400"], name="嘉兴市十四五人才规划"), code="city")
        return self.first

    def indicator(self, which: str, units: dict[str, Any]) -> Any:
        plan = self.city_indicator(units).plan
        return factories.indicator(plan, code=str(next(numbers)), name=f"指标{which}{next(numbers)}")


class TestPlanTargetMatrix(UnitFigureMatrix):
    registry = registries.targets
    api_basename = "plantarget"
    changed_field = "note"
    queries = {"list": 8, "create_page": 16, "update_page": 18, "delete_page": 11, "api_create": 11, "api_update": 12,
               "api_delete": 10}  # fmt: skip

    def make(self, which: str, units: dict[str, Any]) -> Any:
        return factories.target(self.indicator(which, units), units[UNIT_OF[which]], "5")

    def create_form(self, units: dict[str, Any]) -> dict[str, Any]:
        return {"indicator": self.city_indicator(units).pk, "org_unit": units["330402"].pk, "baseline_value": "4",
                "target_value": "6"}  # fmt: skip

    def api_create(self, units: dict[str, Any]) -> dict[str, Any]:
        return {
            "indicator": self.city_indicator(units).pk,
            "org_unit": "330402",
            "baseline_value": "4",
            "target_value": "6",
        }

    def update_form(self, obj: Any) -> dict[str, Any]:
        return {"indicator": obj.indicator_id, "org_unit": obj.org_unit_id, "target_value": obj.target_value,
                "note": "已修改"}  # fmt: skip


class TestPlanActualMatrix(UnitFigureMatrix):
    registry = registries.actuals
    api_basename = "planactual"
    changed_field = "note"
    queries = {"list": 8, "create_page": 19, "update_page": 21, "delete_page": 11, "api_create": 11, "api_update": 12,
               "api_delete": 10}  # fmt: skip

    def make(self, which: str, units: dict[str, Any]) -> Any:
        return factories.actual(self.indicator(which, units), units[UNIT_OF[which]], 2023, "36.5")

    def create_form(self, units: dict[str, Any]) -> dict[str, Any]:
        return {"indicator": self.city_indicator(units).pk, "org_unit": units["330402"].pk, "year": 2023, "value": "3.6",
                "source": "统计年鉴"}  # fmt: skip

    def api_create(self, units: dict[str, Any]) -> dict[str, Any]:
        return {"indicator": self.city_indicator(units).pk, "org_unit": "330402", "year": 2023, "value": "3.6"}

    def update_form(self, obj: Any) -> dict[str, Any]:
        return {"indicator": obj.indicator_id, "org_unit": obj.org_unit_id, "year": obj.year, "value": obj.value,
                "note": "已修改"}  # fmt: skip
