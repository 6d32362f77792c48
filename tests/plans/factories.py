"""Plans, indicators, targets and actuals for the plans' tests."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from plans.models import Plan, PlanActual, PlanIndicator, PlanTarget

_numbers = itertools.count(1)


def plan(unit: Any, name: str = "", start: int = 2021, end: int = 2025) -> Plan:
    return Plan.objects.create(name=name or f"规划{next(_numbers)}", org_unit=unit, start_year=start, end_year=end)


def indicator(in_plan: Plan, code: str = "", **fields: Any) -> PlanIndicator:
    """人才资源总量 (32.2 → 39 万人, 2020 → 2025) unless ``fields`` say otherwise."""
    values: dict[str, Any] = {
        "group": "人才总量", "name": "人才资源总量", "unit": "万人", "category": "total", "baseline_year": 2020,
        "baseline_value": Decimal("32.2"), "target_year": 2025, "target_value": Decimal("39"),
    }  # fmt: skip
    return PlanIndicator.objects.create(plan=in_plan, code=code or str(next(_numbers)), **{**values, **fields})


def rate(in_plan: Plan, code: str = "", **fields: Any) -> PlanIndicator:
    values = {"group": "人才结构", "name": "高技能人才占技能人才比例", "unit": "%", "category": "rate",
              "baseline_value": Decimal("33"), "target_value": Decimal("37")}  # fmt: skip
    return indicator(in_plan, code, **{**values, **fields})


def target(of: PlanIndicator, unit: Any, value: str = "10", **fields: Any) -> PlanTarget:
    return PlanTarget.objects.create(indicator=of, org_unit=unit, target_value=Decimal(value), **fields)


def actual(of: PlanIndicator, unit: Any, year: int, value: str, **fields: Any) -> PlanActual:
    return PlanActual.objects.create(indicator=of, org_unit=unit, year=year, value=Decimal(value), **fields)
