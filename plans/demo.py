"""The demo city's plans: the 十四五 talent-development indicator table (the 18 indicators of 诸暨's plan, as the
demo city's own) with its yearly actuals for 2021–2025, and the 十五五 plan whose indicators are mostly bound to
registry metrics, so that its figures of this year are counted live.

The actuals follow the straight path from baseline to target, each indicator at its own pace (some ahead, some
behind), with what real tables have: one year missing and one likely typing error (a decimal point lost). Some
indicators are kept by county (the city's figure rolls up from them; rates from their numerators and
denominators) with each county's own share of the target. Everything is made once: running it again adds nothing.
"""

from __future__ import annotations

import datetime
import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction

from talentportal import metrics
from talentportal.audit.models import Action, Source
from talentportal.audit.services import Actor, entry, record_bulk, snapshot
from talentportal.orgs.models import OrgUnit

from . import progress
from .models import Plan, PlanActual, PlanIndicator, PlanTarget

CITY_CODE = "330400"
SEED = 2026
D = Decimal
Category = PlanIndicator.Category
TOTAL, FLOW, CUMULATIVE, RATE = Category.TOTAL, Category.FLOW, Category.CUMULATIVE, Category.RATE

PLAN_14 = "嘉兴市人才发展“十四五”规划主要指标"
PLAN_15 = "嘉兴市人才发展“十五五”规划主要指标"

# Each county's share of the city (talent stock, workers): what its own targets and figures are drawn from.
SHARES = {
    "330402": D("0.16"),
    "330411": D("0.13"),
    "330421": D("0.12"),
    "330424": D("0.10"),
    "330481": D("0.18"),
    "330482": D("0.14"),
    "330483": D("0.17"),
}
# How fast each county moves along its path (1 = exactly on it).
COUNTY_PACE = {
    "330402": D("1.10"),
    "330411": D("0.78"),
    "330421": D("1.00"),
    "330424": D("0.92"),
    "330481": D("1.18"),
    "330482": D("0.85"),
    "330483": D("1.05"),
}

# code, level-1 group, name, unit, category, baseline (2020; None: “/”), target (2025), pace, places, by county
Row = tuple[str, str, str, str, str, str | None, str, str, int, bool]
# fmt: off
TABLE_14: list[Row] = [
    ("1.1", "人才总量", "人才资源总量", "万人", TOTAL, "32.2", "39", "1.02", 2, True),
    ("1.2", "人才总量", "党政人才", "万人", TOTAL, "0.42", "0.46", "1.00", 2, False),
    ("1.3", "人才总量", "经营管理人才", "万人", TOTAL, "7.04", "8.63", "0.96", 2, False),
    ("1.4", "人才总量", "专业技术人才", "万人", TOTAL, "10.75", "12.2", "1.04", 2, False),
    ("1.5", "人才总量", "高技能人才", "万人", TOTAL, "10.04", "13.5", "1.12", 2, False),
    ("1.6", "人才总量", "农村实用人才", "万人", TOTAL, "3.87", "3.88", "1.00", 2, False),
    ("1.7", "人才总量", "社会工作专业人才", "万人", TOTAL, "0.08", "0.33", "0.62", 2, False),
    ("2.1", "人才引育", "引进培育国家和省级领军人才", "人", CUMULATIVE, "147", "247", "1.08", 0, False),
    ("2.2", "人才引育", "引进领军型创新创业团队", "个", CUMULATIVE, "4", "19", "0.66", 0, False),
    ("2.3", "人才引育", "年均新增就业大学生", "万人", FLOW, "1.39", "2", "0.97", 2, False),
    ("2.4", "人才引育", "新引进博士后", "人", CUMULATIVE, "27", "65", "0.90", 0, True),
    ("3.1", "人才结构", "每万名劳动力中研发人员数", "人年", TOTAL, "115", "185", "1.03", 0, False),
    ("3.2", "人才结构", "专业技术人才高级职称比例", "%", RATE, "9.5", "12", "0.88", 1, True),
    ("3.3", "人才结构", "高技能人才占技能劳动者比例", "%", RATE, "33", "37", "1.10", 1, True),
    ("4.1", "人才效能", "科技贡献率", "%", RATE, "65", "70", "1.00", 1, False),
    ("4.2", "人才效能", "每万人高价值发明专利拥有量", "件", TOTAL, "4.63", "10", "1.06", 2, False),
    ("4.3", "人才效能", "高新技术产业增加值占规上工业比重", "%", RATE, "43.6", "52", "0.93", 1, False),
    ("4.4", "人才效能", "全员劳动生产率年均增长", "%", RATE, "5.13", "6.5", "0.95", 2, False),
    ("4.5", "人才效能", "人力资本投资占地区生产总值比例", "%", RATE, None, "20", "1.00", 1, False),
]
# fmt: on
MISSING = ("1.7", 2023)  # the office never received that year's figure
TYPO = ("4.2", 2023)  # entered ten times too large: a decimal point lost
# A rate kept by county: what the share is of (万人), per unit of the county's share.
RATE_BASES = {"3.2": D("10.75"), "3.3": D("27.0")}
NOTES = {
    ("1.1", None): "人才资源总量由各县（市、区）年报汇总。",
    ("4.5", None): "基期无统计口径，自2021年起按新口径测算。",
    ("2.2", 2024): "2家团队因落地延期顺延至次年认定。",
}

# The 十五五 plan: code, group, name, unit, category, metric and its parameters (None: entered), baseline (2025;
# for a metric: counted from the registry), target (2030), or the growth of the baseline it targets.
Row15 = tuple[str, str, str, str, str, dict[str, Any] | None, str | None, str]
# fmt: off
TABLE_15: list[Row15] = [
    ("1.1", "人才引育", "新引进落地人才", "人", FLOW, {"code": "talents.landed"}, None, "1.5"),
    ("1.2", "人才引育", "新引进省级以上领军人才", "人", FLOW,
     {"code": "talents.landed", "tier": ["top", "national_leading", "provincial_leading"]}, None, "1.6"),
    ("1.3", "人才引育", "入选省级以上人才计划", "人", FLOW,
     {"code": "programs.selected", "level": ["national", "provincial"]}, None, "1.5"),
    ("2.1", "人才平台", "新认定省级以上创新平台", "家", FLOW,
     {"code": "platforms.recognized", "level": "provincial"}, None, "1.4"),
    ("2.2", "人才平台", "在运行创新平台", "家", TOTAL, {"code": "platforms.active"}, None, "1.3"),
    ("2.3", "人才平台", "营收超亿元人才企业", "家", TOTAL,
     {"code": "enterprises.revenue_at_least", "amount": 10000}, None, "1.5"),
    ("3.1", "人才总量", "人才资源总量", "万人", TOTAL, None, "39.6", "46"),
    ("3.2", "人才总量", "高技能人才占技能劳动者比例", "%", RATE, None, "37.4", "42"),
    ("3.3", "人才服务", "人才关键小事按时办结率", "%", RATE,
     {"code": "talents.requests_resolved_on_time", "days": 30}, None, "95"),
]
# fmt: on
# The figures of the plan's first year that the office enters: (value, source, note). An entered figure stands
# in for a count the registry cannot make yet (this year's revenues come with next year's reports).
ENTERED_15 = {
    "3.1": (D("40.86"), "市统计局快报", "快报数，待年报核定。"),
    "3.2": (D("38.3"), "市人力社保局快报", "快报数，待年报核定。"),
    "2.3": (D("2"), "市税务局快报", "企业年报未出，按税务部门快报填报。"),
}


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(D(1).scaleb(-places), ROUND_HALF_UP)


def _path(baseline: Decimal, target: Decimal, year: int, pace: Decimal, rng: random.Random) -> Decimal:
    """Where an indicator stands in ``year`` moving at ``pace`` along its 2020→2025 path, with a little noise."""
    share = D(year - 2020) / 5 * pace
    noise = D(str(rng.uniform(-0.012, 0.012))) * abs(target - baseline)
    return baseline + (target - baseline) * share + noise


def _created(actor: Actor, obj: Any) -> Any:
    return entry(actor, Action.CREATE, obj, {k: [None, v] for k, v in snapshot(obj).items()})


class Seeder:
    """Creates what is missing, keeping the new rows for one audit insert at the end."""

    def __init__(self) -> None:
        self.actor = Actor(source=Source.SYSTEM)
        self.audit: list[Any] = []
        self.counts = {"plans": 0, "plan_indicators": 0, "plan_targets": 0, "plan_actuals": 0}

    def plan(self, city: OrgUnit, name: str, start: int, end: int, description: str) -> Plan:
        plan, created = Plan.objects.get_or_create(
            org_unit=city, name=name, defaults={"start_year": start, "end_year": end, "description": description}
        )
        if created:
            self.counts["plans"] += 1
            self.audit.append(_created(self.actor, plan))
        return plan

    def indicator(self, plan: Plan, code: str, **fields: Any) -> PlanIndicator:
        indicator, created = PlanIndicator.objects.get_or_create(plan=plan, code=code, defaults=fields)
        if created:
            self.counts["plan_indicators"] += 1
            self.audit.append(_created(self.actor, indicator))
        return indicator

    def targets(self, rows: list[PlanTarget]) -> None:
        self._insert(PlanTarget, rows, ("indicator_id", "org_unit_id"), "plan_targets")

    def actuals(self, rows: list[PlanActual]) -> None:
        self._insert(PlanActual, rows, ("indicator_id", "org_unit_id", "year"), "plan_actuals")

    def _insert(self, model: Any, rows: list[Any], key: tuple[str, ...], count: str) -> None:
        if not rows:
            return
        indicators = {row.indicator_id for row in rows}
        existing = set(model.objects.filter(indicator_id__in=indicators).values_list(*key))
        new = [row for row in rows if tuple(getattr(row, name) for name in key) not in existing]
        model.objects.bulk_create(new)
        self.counts[count] += len(new)
        self.audit += [_created(self.actor, row) for row in new]


def _plan_14(seeder: Seeder, city: OrgUnit, counties: list[OrgUnit]) -> None:
    plan = seeder.plan(city, PLAN_14, 2021, 2025, "“十四五”时期人才发展主要指标（2020年基期，2025年目标）。")
    rng = random.Random(SEED)
    actuals: list[PlanActual] = []
    targets: list[PlanTarget] = []
    for order, (code, group, name, unit, category, base, goal, pace, places, by_county) in enumerate(TABLE_14):
        baseline, target = (D(base) if base else None), D(goal)
        indicator = seeder.indicator(
            plan, code, group=group, name=name, unit=unit, category=category, baseline_year=2020,
            baseline_value=baseline, target_year=2025, target_value=target, order=order,
            note=NOTES.get((code, None), ""),
        )  # fmt: skip
        start = baseline if baseline is not None else target * D("0.78")
        if not by_county:
            for year in range(2021, 2026):
                if (code, year) == MISSING:
                    continue
                value = _round(_path(start, target, year, D(pace), rng), places)
                if (code, year) == TYPO:
                    value *= 10
                if category == RATE:
                    value = min(max(value, D(0)), D(100))
                actuals.append(
                    PlanActual(
                        indicator=indicator, org_unit=city, year=year, value=value, source="市统计局年报",
                        note=NOTES.get((code, year), ""),
                    )
                )  # fmt: skip
            continue
        for county in counties:
            share, county_pace = SHARES[county.code], COUNTY_PACE[county.code] * D(pace)
            if category == RATE:
                # The county's rate moves along the city's path at its own pace; the base (what the share is of)
                # grows a little each year.
                targets.append(PlanTarget(indicator=indicator, org_unit=county, baseline_value=baseline,
                                          target_value=target))  # fmt: skip
                for year in range(2021, 2026):
                    share_now = _path(start, target, year, county_pace, rng)
                    denominator = _round(RATE_BASES[code] * share * (1 + D("0.02") * (year - 2020)), 3)
                    numerator = _round(denominator * share_now / 100, 3)
                    value = progress.rate(numerator, denominator) or D(0)
                    actuals.append(
                        PlanActual(
                            indicator=indicator, org_unit=county, year=year, value=value, numerator=numerator,
                            denominator=denominator, source="县（市、区）年报",
                        )
                    )  # fmt: skip
                continue
            own_base, own_target = _round(start * share, places), _round(target * share, places)
            targets.append(PlanTarget(indicator=indicator, org_unit=county, baseline_value=own_base,
                                      target_value=own_target))  # fmt: skip
            for year in range(2021, 2026):
                value = _round(_path(own_base, own_target, year, county_pace, rng), places)
                actuals.append(
                    PlanActual(indicator=indicator, org_unit=county, year=year, value=value, source="县（市、区）年报")
                )
    seeder.targets(targets)
    seeder.actuals(actuals)


def _plan_15(seeder: Seeder, city: OrgUnit, today: datetime.date) -> None:
    plan = seeder.plan(
        city, PLAN_15, 2026, 2030, "“十五五”时期人才发展主要指标：引育、平台、服务类指标按登记数据实时统计。"
    )
    actuals: list[PlanActual] = []
    for order, (code, group, name, unit, category, binding, base, goal) in enumerate(TABLE_15):
        params = {k: v for k, v in (binding or {}).items() if k != "code"}
        metric = (binding or {}).get("code", "")
        if metric:
            # The baseline is what the registry holds for the year before the plan; the target a growth of it.
            counted = metrics.values(metric, [metrics.unit_subject(city)], 2025, params).get(city.pk) or D(0)
            baseline = _round(D(counted), 2)
            target = D(goal) if category == RATE else _round(max(baseline, D(4)) * D(goal), 0)
        else:
            baseline, target = D(base or 0), D(goal)
        indicator = seeder.indicator(
            plan, code, group=group, name=name, unit=unit, category=category, baseline_year=2025,
            baseline_value=baseline, target_year=2030, target_value=target, metric=metric, metric_params=params,
            order=order,
        )  # fmt: skip
        if code in ENTERED_15 and today.year >= plan.start_year:
            value, source, note = ENTERED_15[code]
            actuals.append(
                PlanActual(indicator=indicator, org_unit=city, year=plan.start_year, value=value, source=source,
                           note=note)
            )  # fmt: skip
    seeder.actuals(actuals)


def seed_plans(today: datetime.date) -> dict[str, int]:
    """Make the demo plans and whatever of their indicators, targets and actuals is missing; answers how many of
    each were made."""
    city = OrgUnit.objects.get(code=CITY_CODE)
    counties = list(OrgUnit.objects.filter(code__in=SHARES).order_by("code"))
    seeder = Seeder()
    with transaction.atomic():
        _plan_14(seeder, city, counties)
        _plan_15(seeder, city, today)
        record_bulk(seeder.audit)
    return seeder.counts
