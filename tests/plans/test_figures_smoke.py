"""The figures of a plan read entered, rolled-up and counted actuals in a fixed number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plans.figures import COUNTED, ENTERED, ROLLED_UP, figures
from plans.models import Plan, PlanActual, PlanIndicator
from talents.models import Talent
from tests.factories import org_tree

pytestmark = pytest.mark.django_db


def test_entered_rolled_up_and_counted_figures() -> None:
    units = org_tree()
    city, nanhu, xiuzhou = units["330400"], units["330402"], units["330411"]
    plan = Plan.objects.create(name="十四五", org_unit=city, start_year=2021, end_year=2025)
    total = PlanIndicator.objects.create(
        plan=plan, code="1", group="人才总量", name="人才资源总量", unit="万人", category="total",
        baseline_year=2020, baseline_value=Decimal("32.2"), target_year=2025, target_value=Decimal("39"),
    )  # fmt: skip
    share = PlanIndicator.objects.create(
        plan=plan, code="2", group="人才结构", name="高技能人才占比", unit="%", category="rate",
        baseline_year=2020, baseline_value=Decimal("33"), target_year=2025, target_value=Decimal("37"),
    )  # fmt: skip
    landed = PlanIndicator.objects.create(
        plan=plan, code="3", group="人才引育", name="新落地人才", unit="人", category="flow",
        baseline_year=2020, baseline_value=Decimal("0"), target_year=2025, target_value=Decimal("10"),
        metric="talents.landed",
    )  # fmt: skip
    PlanActual.objects.create(indicator=total, org_unit=city, year=2023, value=Decimal("36.5"))
    PlanActual.objects.create(indicator=share, org_unit=nanhu, year=2023, value=50, numerator=1, denominator=2)
    PlanActual.objects.create(indicator=share, org_unit=xiuzhou, year=2023, value=25, numerator=1, denominator=4)
    assert Talent.objects.count() == 0
    indicators = list(PlanIndicator.objects.select_related("plan"))
    found = figures(indicators, [city], 2023)
    assert found[(total.pk, city.pk)].sources[2023] == ENTERED
    assert found[(total.pk, city.pk)].standing.expected == Decimal("36.2800")
    rate = found[(share.pk, city.pk)]
    assert rate.sources[2023] == ROLLED_UP and rate.values[2023] == Decimal("33.3333")  # 2 of 6, not (50+25)/2
    assert found[(landed.pk, city.pk)].sources[2023] == COUNTED
    assert found[(landed.pk, city.pk)].values[2023] == 0
