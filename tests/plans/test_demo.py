"""``seed_demo`` makes the demo city's plans: the 十四五 indicator table of 诸暨's plan with five years of actuals,
and the 十五五 plan counted live from the registry. Running it again adds nothing."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from plans import progress
from plans.demo import PLAN_14, PLAN_15, seed_plans
from plans.figures import COUNTED, ROLLED_UP, figures
from plans.models import Plan, PlanActual, PlanIndicator, PlanTarget
from talentportal.audit.models import AuditEntry
from talentportal.orgs.models import OrgUnit
from talents.models import Talent

pytestmark = pytest.mark.django_db

# The indicator table of the seed: 一级指标, 二级指标, 单位, 2020 基期数 (None: “/”), 2025 目标.
SEED_TABLE = [
    ("人才总量", "人才资源总量", "万人", "32.2", "39"),
    ("人才总量", "党政人才", "万人", "0.42", "0.46"),
    ("人才总量", "经营管理人才", "万人", "7.04", "8.63"),
    ("人才总量", "专业技术人才", "万人", "10.75", "12.2"),
    ("人才总量", "高技能人才", "万人", "10.04", "13.5"),
    ("人才总量", "农村实用人才", "万人", "3.87", "3.88"),
    ("人才总量", "社会工作专业人才", "万人", "0.08", "0.33"),
    ("人才引育", "引进培育国家和省级领军人才", "人", "147", "247"),
    ("人才引育", "引进领军型创新创业团队", "个", "4", "19"),
    ("人才引育", "年均新增就业大学生", "万人", "1.39", "2"),
    ("人才引育", "新引进博士后", "人", "27", "65"),
    ("人才结构", "每万名劳动力中研发人员数", "人年", "115", "185"),
    ("人才结构", "专业技术人才高级职称比例", "%", "9.5", "12"),
    ("人才结构", "高技能人才占技能劳动者比例", "%", "33", "37"),
    ("人才效能", "科技贡献率", "%", "65", "70"),
    ("人才效能", "每万人高价值发明专利拥有量", "件", "4.63", "10"),
    ("人才效能", "高新技术产业增加值占规上工业比重", "%", "43.6", "52"),
    ("人才效能", "全员劳动生产率年均增长", "%", "5.13", "6.5"),
    ("人才效能", "人力资本投资占地区生产总值比例", "%", None, "20"),
]
MODELS = (Plan, PlanIndicator, PlanTarget, PlanActual, AuditEntry)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def seeded(demo_city: None, db: None) -> dict[str, int]:
    return counts()


def test_the_14th_plan_is_the_seed_table_with_five_years_of_actuals(seeded: dict[str, int]) -> None:
    plan = Plan.objects.get(name=PLAN_14, org_unit__code="330400")
    assert (plan.start_year, plan.end_year) == (2021, 2025)
    indicators = list(plan.indicators.order_by("order"))
    table = [
        (i.group, i.name, i.unit, None if i.baseline_value is None else f"{i.baseline_value.normalize():f}",
         f"{i.target_value.normalize():f}")
        for i in indicators
    ]  # fmt: skip
    assert table == SEED_TABLE
    assert {(i.baseline_year, i.target_year) for i in indicators} == {(2020, 2025)}
    assert {i.category for i in indicators} == {"total", "flow", "cumulative", "rate"}
    rates = PlanActual.objects.filter(indicator__plan=plan, indicator__category="rate")
    assert rates.exists() and all(Decimal(0) <= a.value <= Decimal(100) for a in rates)
    by_county = rates.filter(org_unit__kind=OrgUnit.Kind.COUNTY)
    assert by_county.exists() and not by_county.filter(numerator__isnull=True).exists()
    assert PlanTarget.objects.filter(indicator__plan=plan).values("indicator").distinct().count() >= 3


def test_the_14th_plan_reads_like_a_real_table(seeded: dict[str, int]) -> None:
    """Some indicators ahead, some behind, one year missing, one likely typing error; a city figure rolled up
    from the counties (its rate from their numerators)."""
    plan = Plan.objects.get(name=PLAN_14)
    city = plan.org_unit
    indicators = list(plan.indicators.select_related("plan"))
    found = figures(indicators, [city], 2025, range(2021, 2026))
    statuses = {found[(i.pk, city.pk)].standing.status for i in indicators}
    assert {progress.AHEAD, progress.BEHIND, progress.ON_TRACK} <= statuses
    missing = [(i.code, t) for i in indicators for t in range(2021, 2026) if found[(i.pk, city.pk)].values[t] is None]
    assert len(missing) == 1
    jumps = {
        i.code
        for i in indicators
        for t in range(2022, 2026)
        if progress.is_jump(found[(i.pk, city.pk)].values[t], found[(i.pk, city.pk)].values[t - 1], i.jump_share)
    }
    assert len(jumps) == 1
    share = plan.indicators.get(name="高技能人才占技能劳动者比例")
    assert found[(share.pk, city.pk)].sources[2023] == ROLLED_UP
    parts = PlanActual.objects.filter(indicator=share, year=2023)
    numerator = sum(p.numerator for p in parts if p.numerator is not None)
    denominator = sum(p.denominator for p in parts if p.denominator is not None)
    assert found[(share.pk, city.pk)].values[2023] == progress.rate(numerator, denominator)


def test_the_15th_plan_is_counted_from_the_registry(seeded: dict[str, int]) -> None:
    plan = Plan.objects.get(name=PLAN_15)
    assert (plan.start_year, plan.end_year) == (2026, 2030)
    bound = {i.metric for i in plan.indicators.exclude(metric="")}
    assert {"talents.landed", "programs.selected", "platforms.recognized", "enterprises.revenue_at_least"} <= bound
    year = max(plan.start_year, min(timezone.localdate().year, plan.end_year))
    landed = plan.indicators.select_related("plan").get(metric="talents.landed", metric_params={})
    city = plan.org_unit
    figure = figures([landed], [city], year, [year])[(landed.pk, city.pk)]
    assert figure.sources[year] == COUNTED
    assert figure.values[year] == Talent.objects.landed_in(year).count()
    if timezone.localdate().year >= plan.start_year:
        assert PlanActual.objects.filter(indicator__plan=plan, year=plan.start_year).exists()


def test_seed_demo_twice_adds_nothing(seeded: dict[str, int]) -> None:
    call_command("seed_demo", stdout=StringIO())
    assert counts() == seeded
    assert seed_plans(timezone.localdate()) == {"plans": 0, "plan_indicators": 0, "plan_targets": 0, "plan_actuals": 0}
    assert counts() == seeded


def test_every_demo_row_is_in_the_audit_log(seeded: dict[str, int]) -> None:
    logged = AuditEntry.objects.filter(content_type__app_label="plans").count()
    made = sum(model.objects.count() for model in (Plan, PlanIndicator, PlanTarget, PlanActual))
    assert logged == made
