"""Demo talent programs of 嘉兴市: a national and a provincial program the city tracks, seven yearly batches of
“创新嘉兴·精英引领计划” whose funnels narrow as that program's did (852 applicants, 123 selected in 2015; here
about a sixth), 南湖区's youth program, a flexible-recruitment program and the human resources bureau's skills
program, with applications from the demo registry, their whole history (one event per move) and their funding
tranches. Batches are dated from today: past years' rounds, this year's under review or open now, next year's
planned.

The plan is drawn from one ``random.Random(2026)`` in two passes. The first decides who applied where and what
became of each application; it never looks at the clock or the database, so every run asks for the same
selections (keyed by batch and talent or team) and a run inserts only those missing. The second dates the
history and the money: events and payments clamp to today, and the tranches still open are due around today
(some overdue, some in the coming weeks, some later), so the due-tranche pages always have rows. A selection's
events and tranches are written together with it; a selection that exists is left as it is, since the office
may have moved it on since.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from talentportal.audit.models import Action, Source
from talentportal.audit.services import Actor, entry, record_bulk, snapshot
from talentportal.orgs.models import OrgUnit, User
from talents.demo import TEAM_TOPICS, build_specs, weighted
from talents.models import Talent, Team

from .models import PIPELINE, Batch, Program, Selection, SelectionEvent, Status, Tranche

SEED = 2026
CITY = "330400"
NANHU = "330402"
HRSS = "330400-RSJ"  # the municipal human resources and social security bureau

APPLIED, SCREENED, REVIEWED, DEFENDED, PUBLICIZED = PIPELINE
SELECTED, LANDED = Status.SELECTED, Status.LANDED
MIDTERM_PASSED, MIDTERM_FAILED = Status.MIDTERM_PASSED, Status.MIDTERM_FAILED
COMPLETED, REJECTED, EXITED = Status.COMPLETED, Status.REJECTED, Status.EXITED
STAGES: list[str] = [*PIPELINE]
LINE: list[str] = [*PIPELINE, SELECTED, LANDED]

ON_SIGNING, ON_LANDING = Tranche.Condition.ON_SIGNING, Tranche.Condition.ON_LANDING
MIDTERM_PASS, MILESTONE = Tranche.Condition.MIDTERM_PASS, Tranche.Condition.MILESTONE


@dataclass(frozen=True)
class BatchSpec:
    ordinal: int
    age: int  # years before this one: 0 is this year's round, -1 next year's
    status: str
    quota: int
    applications: int
    # Closed batches: what became of the funded applicants (apportioned, then shuffled), and where the ones
    # who exited left from. Batches still running: where each application stands now.
    funded: Mapping[str, int] = field(default_factory=dict)
    exits: Mapping[str, int] = field(default_factory=dict)
    pipeline: Mapping[str, int] = field(default_factory=dict)
    rejected_at: Mapping[str, int] | None = None

    def window(self, today: datetime.date) -> tuple[int, datetime.date, datetime.date]:
        """(year, opens on, closes on). Past and planned rounds take applications in March and April; this
        year's open round opened a month ago and closes in two, the one under review closed three months ago."""
        year = today.year - self.age
        if self.status == Batch.Status.OPEN:
            return year, today - datetime.timedelta(days=30), today + datetime.timedelta(days=60)
        if self.status == Batch.Status.REVIEWING:
            return year, today - datetime.timedelta(days=160), today - datetime.timedelta(days=100)
        return year, datetime.date(year, 3, 1), datetime.date(year, 4, 30)


@dataclass(frozen=True)
class ProgramSpec:
    code: str
    name: str
    short_name: str
    level: str
    category: str
    office: str
    description: str
    applicants: str  # which pool of the demo registry applies
    awards: Sequence[int]  # 10k yuan
    tranches: Sequence[tuple[str, int, str]]  # condition, per cent of the award, milestone
    voucher: str  # prefix of the treasury's payment vouchers
    midterm_months: int
    term_months: int
    batches: Sequence[BatchSpec]


CLOSED, REVIEWING, OPEN, PLANNED = Batch.Status.CLOSED, Batch.Status.REVIEWING, Batch.Status.OPEN, Batch.Status.PLANNED

# fmt: off
PROGRAMS: Sequence[ProgramSpec] = (
    ProgramSpec(
        code="GJ-LJRC", name="国家级领军人才计划（嘉兴入选者跟踪）", short_name="国家级领军人才",
        level="national", category="innovation", office=CITY,
        description="国家级重大人才工程入选者，由市委人才办建档跟踪、提供服务，并兑现市级配套资助。",
        applicants="national", awards=(200, 300, 300, 500), voucher="JXCZ", midterm_months=24, term_months=36,
        tranches=((ON_LANDING, 50, ""), (MIDTERM_PASS, 50, "")),
        batches=(
            BatchSpec(1, 3, CLOSED, 4, 6, funded={COMPLETED: 1, MIDTERM_PASSED: 2, EXITED: 1}, exits={LANDED: 1}),
            BatchSpec(2, 2, CLOSED, 5, 7, funded={MIDTERM_PASSED: 2, MIDTERM_FAILED: 1, LANDED: 2}),
            BatchSpec(3, 1, CLOSED, 5, 8, funded={SELECTED: 2, LANDED: 3}),
        ),
    ),
    ProgramSpec(
        code="ZJ-LJTD", name="浙江省领军型创新创业团队", short_name="省领军型团队",
        level="provincial", category="team", office=CITY,
        description="省级人才计划。市委人才办组织推荐、跟踪管理，按协议分期拨付省、市两级资助资金。",
        applicants="teams", awards=(500, 600, 800, 1000), voucher="ZJCZ", midterm_months=24, term_months=48,
        tranches=((ON_SIGNING, 30, ""), (MILESTONE, 40, "中试线建成并实现首台（套）产品下线"), (MIDTERM_PASS, 30, "")),
        batches=(
            BatchSpec(1, 4, CLOSED, 3, 6, funded={COMPLETED: 1, MIDTERM_PASSED: 1, EXITED: 1},
                      exits={MIDTERM_FAILED: 1}),
            BatchSpec(2, 3, CLOSED, 3, 7, funded={MIDTERM_PASSED: 1, MIDTERM_FAILED: 1, LANDED: 1}),
            BatchSpec(3, 2, CLOSED, 4, 8, funded={LANDED: 3, SELECTED: 1}),
            BatchSpec(4, 1, CLOSED, 4, 8, funded={LANDED: 2, SELECTED: 2}),
            BatchSpec(5, 0, REVIEWING, 4, 9,
                      pipeline={SCREENED: 1, REVIEWED: 2, DEFENDED: 1, PUBLICIZED: 1, REJECTED: 4}),
        ),
    ),
    ProgramSpec(
        code="JX-JYYL", name="“创新嘉兴·精英引领计划”", short_name="精英引领计划",
        level="municipal", category="innovation", office=CITY,
        description=(
            "面向海内外高层次人才的市级领军人才计划，分创新类、创业类。入选项目分期拨付资助，"
            "设初期、中期评估和退出机制。"
        ),
        applicants="leading", awards=(100, 100, 100, 150, 150, 200, 200, 300, 500, 800, 1000), voucher="JXCZ",
        midterm_months=36, term_months=60,
        tranches=((ON_SIGNING, 30, ""), (ON_LANDING, 40, ""), (MIDTERM_PASS, 30, "")),
        # The funnel of 第六批 in 2015 (852 applicants, 123 selected), at about a sixth, and growing year by year.
        batches=(
            BatchSpec(1, 6, CLOSED, 8, 48, funded={COMPLETED: 6, EXITED: 2},
                      exits={SELECTED: 1, LANDED: 2, MIDTERM_PASSED: 1, MIDTERM_FAILED: 2}),
            BatchSpec(2, 5, CLOSED, 10, 60, funded={COMPLETED: 7, MIDTERM_PASSED: 1, EXITED: 2},
                      exits={LANDED: 2, MIDTERM_FAILED: 1}),
            BatchSpec(3, 4, CLOSED, 12, 72, funded={MIDTERM_PASSED: 8, MIDTERM_FAILED: 2, EXITED: 2},
                      exits={SELECTED: 1, LANDED: 2, MIDTERM_FAILED: 1}),
            BatchSpec(4, 3, CLOSED, 14, 90, funded={MIDTERM_PASSED: 6, LANDED: 5, MIDTERM_FAILED: 2, EXITED: 1},
                      exits={SELECTED: 1, LANDED: 2}),
            BatchSpec(5, 2, CLOSED, 17, 110, funded={LANDED: 12, SELECTED: 3, EXITED: 2}, exits={SELECTED: 1}),
            BatchSpec(6, 1, CLOSED, 21, 142, funded={LANDED: 13, SELECTED: 8}),
            BatchSpec(7, 0, REVIEWING, 24, 150, pipeline={
                APPLIED: 8, SCREENED: 14, REVIEWED: 12, DEFENDED: 8, PUBLICIZED: 22, REJECTED: 86,
            }),
        ),
    ),
    ProgramSpec(
        code="NH-QNYC", name="南湖区青年英才培育计划", short_name="南湖青年英才",
        level="county", category="youth", office=NANHU,
        description="南湖区面向 35 周岁以下青年人才的培育计划，入选者给予两年培育资助，期中考核合格后拨付第二笔。",
        applicants="nanhu_youth", awards=(20, 30, 30, 50), voucher="NHCZ", midterm_months=12, term_months=24,
        tranches=((ON_SIGNING, 50, ""), (MIDTERM_PASS, 50, "")),
        batches=(
            BatchSpec(1, 3, CLOSED, 4, 12, funded={COMPLETED: 3, EXITED: 1}, exits={LANDED: 1}),
            BatchSpec(2, 2, CLOSED, 5, 15, funded={COMPLETED: 3, MIDTERM_PASSED: 1, MIDTERM_FAILED: 1}),
            BatchSpec(3, 1, CLOSED, 5, 16, funded={MIDTERM_PASSED: 2, LANDED: 2, SELECTED: 1}),
            BatchSpec(4, 0, OPEN, 6, 12, pipeline={APPLIED: 8, SCREENED: 3, REJECTED: 1}, rejected_at={APPLIED: 1}),
        ),
    ),
    ProgramSpec(
        code="JX-HSRC", name="沪上人才柔性引进计划", short_name="沪上柔性引才",
        level="municipal", category="flexible", office=CITY,
        description="柔性引进上海等地高层次人才，每年在嘉工作不少于两个月，按年度服务绩效分期资助。",
        applicants="flexible", awards=(30, 50, 50, 80, 100), voucher="JXCZ", midterm_months=18, term_months=36,
        tranches=((ON_LANDING, 40, ""), (MILESTONE, 30, "完成年度柔性服务考核（在嘉工作满两个月）"),
                  (MIDTERM_PASS, 30, "")),
        batches=(
            BatchSpec(1, 3, CLOSED, 5, 14, funded={COMPLETED: 3, MIDTERM_PASSED: 1, EXITED: 1},
                      exits={LANDED: 1}),
            BatchSpec(2, 2, CLOSED, 5, 16, funded={MIDTERM_PASSED: 3, LANDED: 1, EXITED: 1},
                      exits={SELECTED: 1}),
            BatchSpec(3, 1, CLOSED, 6, 18, funded={LANDED: 4, SELECTED: 2}),
            BatchSpec(4, 0, REVIEWING, 6, 16, pipeline={APPLIED: 2, SCREENED: 3, REVIEWED: 3, REJECTED: 8}),
            BatchSpec(5, -1, PLANNED, 8, 0),
        ),
    ),
    ProgramSpec(
        code="JX-HCGJ", name="“禾城工匠”技能人才培育计划", short_name="禾城工匠",
        level="municipal", category="skills", office=HRSS,
        description="面向重点产业一线高技能人才的培育计划，入选者给予两年培育资助，期中考核合格后拨付第二笔。",
        applicants="skilled", awards=(5, 10, 10, 15, 20), voucher="JXCZ", midterm_months=12, term_months=24,
        tranches=((ON_SIGNING, 50, ""), (MIDTERM_PASS, 50, "")),
        batches=(
            BatchSpec(1, 2, CLOSED, 8, 30, funded={COMPLETED: 6, MIDTERM_PASSED: 1, EXITED: 1}, exits={LANDED: 1}),
            BatchSpec(2, 1, CLOSED, 10, 36, funded={MIDTERM_PASSED: 4, LANDED: 5, SELECTED: 1}),
            BatchSpec(3, 0, OPEN, 12, 20, pipeline={APPLIED: 14, SCREENED: 4, REJECTED: 2}, rejected_at={APPLIED: 1}),
        ),
    ),
)

# Where rejected applications stopped, unless a batch says otherwise.
REJECTED_AT: dict[str, int] = {APPLIED: 30, SCREENED: 35, REVIEWED: 22, DEFENDED: 10, PUBLICIZED: 3}
REJECTION_REASONS: dict[str, tuple[str, ...]] = {
    APPLIED: ("申报材料不全，形式审查未通过", "不符合申报条件（全职来嘉工作时间不足）", "申报单位不符合申报条件"),
    SCREENED: ("专家评审得分未进入答辩名单", "项目创新性不足，专家评审未通过", "产业化前景论证不充分"),
    REVIEWED: ("答辩未通过", "答辩综合得分未达入选线"),
    DEFENDED: ("综合排名未进入拟入选名单",),
    PUBLICIZED: ("公示期间收到实名反映，经核查不予入选", "本人书面申请放弃入选"),
}
EXIT_REASONS: dict[str, tuple[str, ...]] = {
    SELECTED: ("未在规定期限内来嘉落地，按规定退出", "本人申请放弃资助"),
    LANDED: ("项目企业注销，项目终止", "人才离嘉，项目终止", "企业迁出嘉兴，按协议终止资助"),
    MIDTERM_PASSED: ("人才离职，项目终止", "企业经营困难，双方协商终止协议"),
    MIDTERM_FAILED: ("中期评估不合格且整改未达标，按规定退出", "核查发现资助资金使用不规范，撤销入选资格"),
}
EVENT_COMMENTS: dict[str, str] = {
    SCREENED: "形式审查通过", REVIEWED: "专家评审通过", DEFENDED: "答辩通过", PUBLICIZED: "拟入选名单公示7天",
    SELECTED: "公示无异议，正式入选", LANDED: "项目落地，人才到岗", MIDTERM_PASSED: "中期评估合格",
    MIDTERM_FAILED: "中期评估不合格，限期整改", COMPLETED: "期满考核合格",
}
# Days from one step to the next (the first step counts from the batch closing).
STEP_DAYS: dict[str, tuple[int, int]] = {
    SCREENED: (8, 25), REVIEWED: (20, 40), DEFENDED: (15, 30), PUBLICIZED: (10, 20), SELECTED: (8, 12),
    LANDED: (40, 200),
}
# fmt: on
FAILED_MIDTERM_CANCEL = "中期评估不合格，该笔资助不予拨付"
MISSED_MILESTONE_CANCEL = "资助期内未完成约定里程碑，该笔资助不予拨付"


@dataclass
class Plan:
    """One application: who, where, what became of it; the dates and the money come in the second pass."""

    program: ProgramSpec
    batch: BatchSpec
    applicant: tuple[str, Any]  # ("talent", (id_type, id_number)) or ("team", name)
    path: list[str]
    award: Decimal | None = None
    reason: str = ""
    notes: str = ""
    dates: list[datetime.date] = field(default_factory=list)
    tranches: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.path[-1]

    def reached(self, status: str) -> datetime.date | None:
        return self.dates[self.path.index(status)] if status in self.path else None


def apportion(weights: Mapping[str, int], total: int) -> list[str]:
    """``total`` statuses in the proportions of ``weights`` (largest remainder), so every weighted one shows."""
    whole = sum(weights.values())
    counts = {key: total * weight // whole for key, weight in weights.items()}
    order = sorted(weights, key=lambda key: -(total * weights[key] % whole))
    for key in order[: total - sum(counts.values())]:
        counts[key] += 1
    return [key for key in weights for _ in range(counts[key])]


def path_to(rng: random.Random, final: str, batch: BatchSpec) -> list[str]:
    if final == REJECTED:
        stage = weighted(rng, batch.rejected_at or REJECTED_AT)
        return [*STAGES[: STAGES.index(stage) + 1], REJECTED]
    if final == EXITED:
        return [*path_to(rng, weighted(rng, batch.exits), batch), EXITED]
    if final == COMPLETED:
        return [*LINE, MIDTERM_PASSED if rng.random() < 0.8 else MIDTERM_FAILED, COMPLETED]
    if final in (MIDTERM_PASSED, MIDTERM_FAILED):
        return [*LINE, final]
    return LINE[: LINE.index(final) + 1]


def pools(specs: dict[str, list[dict[str, Any]]]) -> dict[str, list[tuple[str, Any]]]:
    """Who applies to which program, in the registry's own order."""
    talents = specs["talents"]

    def pick(test: Any) -> list[tuple[str, Any]]:
        return [("talent", t["key"]) for t in talents if test(t["fields"], t["county"])]

    return {
        "national": pick(lambda f, _c: f["tier"] in ("top", "national_leading")),
        "leading": pick(lambda f, _c: f["category"] in ("professional", "management") and f["tier"] != "other"),
        "nanhu_youth": pick(lambda f, c: f["tier"] == "youth" and c == NANHU),
        "flexible": pick(lambda f, _c: f["recruitment_mode"] == "flexible"),
        "skilled": pick(lambda f, _c: f["category"] == "skilled"),
        "teams": [("team", t["key"]) for t in specs["teams"]],
    }


def plan_applications(rng: random.Random, specs: dict[str, list[dict[str, Any]]]) -> list[Plan]:
    """First pass: the applications and their outcomes, independent of the clock."""
    fields = {t["key"]: t["fields"] for t in specs["talents"]}
    by_pool = pools(specs)
    plans: list[Plan] = []
    for program in PROGRAMS:
        funded_before: set[tuple[str, Any]] = set()
        for batch in program.batches:
            pool = [a for a in by_pool[program.applicants] if a not in funded_before]
            applicants = rng.sample(pool, min(batch.applications, len(pool)))
            if batch.pipeline:
                finals = apportion(batch.pipeline, len(applicants))
            else:
                funded = min(batch.quota, len(applicants))
                finals = apportion(batch.funded, funded) + [REJECTED] * (len(applicants) - funded)
            rng.shuffle(finals)
            for applicant, final in zip(applicants, finals, strict=True):
                plan = Plan(program, batch, applicant, path_to(rng, final, batch))
                if SELECTED in plan.path:
                    plan.award = Decimal(rng.choice(program.awards))
                    funded_before.add(applicant)
                if final == REJECTED:
                    plan.reason = rng.choice(REJECTION_REASONS[plan.path[-2]])
                elif final == EXITED:
                    plan.reason = rng.choice(EXIT_REASONS[plan.path[-2]])
                if applicant[0] == "talent" and program.applicants == "leading":
                    talent = fields[applicant[1]]
                    kind = "创业类" if talent["category"] == "management" else "创新类"
                    plan.notes = f"{kind}项目：{rng.choice(TEAM_TOPICS[talent['industry']])}研发及产业化"
                plans.append(plan)
    return plans


class DueDates:
    """Dates for the tranches still open, around today: overdue, due within the coming 90 days, or later."""

    CYCLE = ("overdue", "due", "due", "later", "due", "overdue")

    def __init__(self, rng: random.Random, today: datetime.date) -> None:
        self.rng, self.today, self.turn = rng, today, 0

    def __call__(self, earliest: datetime.date) -> datetime.date:
        kind = self.CYCLE[self.turn % len(self.CYCLE)]
        self.turn += 1
        days = {"overdue": (-150, -5), "due": (3, 85), "later": (100, 365)}[kind]
        return max(earliest, self.today + datetime.timedelta(days=self.rng.randint(*days)))


def date_history(rng: random.Random, plan: Plan, today: datetime.date) -> None:
    """Second pass, part one: a date for every step, in order and never after today."""
    batch, program = plan.batch, plan.program
    _year, opens_on, closes_on = batch.window(today)
    last_day = min(closes_on, today)
    applied = opens_on + datetime.timedelta(days=rng.randint(0, max(0, (last_day - opens_on).days)))
    applied = min(applied, today)
    dates = [applied]
    decided = applied
    for previous, status in zip(plan.path, plan.path[1:], strict=False):
        start = dates[-1]
        if status == REJECTED:
            low, high = STEP_DAYS.get(LINE[LINE.index(previous) + 1], (10, 30))
        elif status == EXITED:
            low, high = (120, 365) if previous == SELECTED else (60, 300)
        elif status in (MIDTERM_PASSED, MIDTERM_FAILED):
            start, low, high = decided, program.midterm_months * 30 - 15, program.midterm_months * 30 + 20
        elif status == COMPLETED:
            start, low, high = decided, program.term_months * 30 + 10, program.term_months * 30 + 60
        else:
            low, high = STEP_DAYS[status]
            if status == SCREENED and batch.status != OPEN:
                start = max(start, closes_on)
        day = min(today, max(dates[-1], start + datetime.timedelta(days=rng.randint(low, high))))
        dates.append(day)
        if status == SELECTED:
            decided = day
    plan.dates = dates


def plan_tranches(rng: random.Random, plan: Plan, today: datetime.date, due: DueDates) -> None:
    """Second pass, part two: the tranches of a funded selection, each as far along as the selection is."""
    if plan.award is None:
        return
    decided = plan.reached(SELECTED)
    assert decided is not None
    landed = plan.reached(LANDED)
    midterm = plan.reached(MIDTERM_PASSED)
    exited = plan.reached(EXITED)
    finished = plan.status in (COMPLETED, EXITED)
    horizon = exited or today
    amounts: list[Decimal] = []
    for n, (condition, share, note) in enumerate(plan.program.tranches):
        last = n == len(plan.program.tranches) - 1
        amount = plan.award - sum(amounts) if last else (plan.award * share / 100).quantize(Decimal("0.01"))
        amounts.append(amount)
        milestone_day = landed + datetime.timedelta(days=rng.randint(200, 500)) if landed else None
        triggers: dict[str, datetime.date | None] = {
            ON_SIGNING: decided,
            ON_LANDING: landed,
            MIDTERM_PASS: midterm,
            MILESTONE: milestone_day if milestone_day and milestone_day <= horizon else None,
        }
        expectations: dict[str, datetime.date] = {
            ON_SIGNING: decided + datetime.timedelta(days=30),
            ON_LANDING: decided + datetime.timedelta(days=180),
            MIDTERM_PASS: decided + datetime.timedelta(days=plan.program.midterm_months * 30 + 30),
            MILESTONE: milestone_day or decided + datetime.timedelta(days=540),
        }
        trigger, expected = triggers[condition], expectations[condition]
        row: dict[str, Any] = {
            "number": n + 1,
            "amount": amount,
            "condition": condition,
            "milestone_note": note,
            "planned_on": expected,
        }
        pay_day = min(today, horizon, max(decided, (trigger or decided) + datetime.timedelta(rng.randint(15, 75))))
        settle = rng.random() < 0.8
        if trigger and (finished or (settle and pay_day <= today - datetime.timedelta(days=20))):
            row |= {"status": Tranche.Status.PAID, "paid_on": pay_day}
        elif finished:
            why = plan.reason and f"因退出取消：{plan.reason}"
            if not why:
                why = FAILED_MIDTERM_CANCEL if condition == MIDTERM_PASS else MISSED_MILESTONE_CANCEL
            row |= {"status": Tranche.Status.CANCELLED, "cancel_reason": why}
        elif trigger:
            row |= {"status": Tranche.Status.APPROVED, "planned_on": due(decided)}
        else:
            row["status"] = Tranche.Status.PLANNED
            if condition == MIDTERM_PASS and MIDTERM_FAILED in plan.path:
                row["planned_on"] = None  # held back until the rectification is reviewed
            elif expected <= today:
                row["planned_on"] = due(decided)
        plan.tranches.append(row)


def number_vouchers(plans: list[Plan]) -> None:
    """Voucher numbers run per treasury and year in the order of payment."""
    paid = sorted(
        ((row["paid_on"], plan.program.voucher, row) for plan in plans for row in plan.tranches if "paid_on" in row),
        key=lambda item: (item[0], item[1]),
    )
    counters: dict[tuple[str, int], int] = defaultdict(lambda: 100)
    for paid_on, prefix, row in paid:
        counters[prefix, paid_on.year] += 1
        row["voucher_no"] = f"{prefix}-{paid_on.year}-{counters[prefix, paid_on.year]:04d}"


def build_plan(today: datetime.date) -> list[Plan]:
    rng = random.Random(SEED)
    plans = plan_applications(rng, build_specs(today))
    due = DueDates(rng, today)
    for plan in plans:
        date_history(rng, plan, today)
    for plan in plans:
        plan_tranches(rng, plan, today, due)
    number_vouchers(plans)
    return plans


def landings(today: datetime.date) -> dict[Any, datetime.date]:
    """The day each talent who came with a funded project landed (落地), the first one for a talent funded twice:
    the registry's landing dates agree with the programs' histories."""
    days: dict[Any, datetime.date] = {}
    for plan in build_plan(today):
        kind, key = plan.applicant
        day = plan.reached(LANDED)
        if kind == "talent" and day is not None and day < days.get(key, datetime.date.max):
            days[key] = day
    return days


# ---------------------------------------------------------------------------------------------------------------
# Writing what is missing
# ---------------------------------------------------------------------------------------------------------------


def county_of(unit: OrgUnit, units: Mapping[str, OrgUnit]) -> OrgUnit:
    """The county-level unit a unit belongs to (the unit itself for a county)."""
    for code in unit.path.strip("/").split("/"):
        candidate = units.get(code)
        if candidate is not None and candidate.kind == OrgUnit.Kind.COUNTY:
            return candidate
    return unit


def moment(day: datetime.date, step: int, now: datetime.datetime) -> datetime.datetime:
    """When an event happened: office hours of its day, later steps of the same day a few minutes later."""
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30)))
    return min(at + datetime.timedelta(minutes=7 * step), now - datetime.timedelta(seconds=60 - step))


def _created(actor: Actor, obj: Any) -> Any:
    return entry(actor, Action.CREATE, obj, {k: [None, v] for k, v in snapshot(obj).items()})


@transaction.atomic
def seed_programs(today: datetime.date | None = None) -> dict[str, int]:
    """Create the demo programs, batches and selections that do not exist yet (with the history and tranches of
    each new selection); returns how many of each were created."""
    today = today or timezone.localdate()
    now = timezone.now()
    plans = build_plan(today)
    units = {u.code: u for u in OrgUnit.objects.all()}
    missing = {p.office for p in PROGRAMS} - set(units)
    if missing:
        raise LookupError(f"org units {sorted(missing)} are missing: seed the demo org units first")
    actor = Actor(source=Source.SYSTEM)
    users = {u.username: u for u in User.objects.filter(username__in=["admin", "nanhu_admin"])}
    office_user = {NANHU: users.get("nanhu_admin") or users.get("admin")}

    # Programs and their batches, by code and by number.
    existing_programs = {p.code: p for p in Program.objects.filter(code__in=[s.code for s in PROGRAMS])}
    new_programs = [
        Program(
            code=spec.code,
            name=spec.name,
            short_name=spec.short_name,
            level=spec.level,
            category=spec.category,
            org_unit=units[spec.office],
            description=spec.description,
        )
        for spec in PROGRAMS
        if spec.code not in existing_programs
    ]
    Program.objects.bulk_create(new_programs)
    programs = existing_programs | {p.code: p for p in new_programs}
    have_batches = {(b.program_id, b.ordinal): b for b in Batch.objects.filter(program__in=list(programs.values()))}
    new_batches = [
        Batch(
            program=programs[spec.code],
            ordinal=b.ordinal,
            year=year,
            opens_on=opens_on,
            closes_on=closes_on,
            quota=b.quota,
            status=b.status,
        )
        for spec in PROGRAMS
        for b in spec.batches
        if (programs[spec.code].pk, b.ordinal) not in have_batches
        for year, opens_on, closes_on in [b.window(today)]
    ]
    Batch.objects.bulk_create(new_batches)
    batches = {(b.program.code, b.ordinal): b for b in new_batches}
    for batch in have_batches.values():
        batch.program = next(p for p in programs.values() if p.pk == batch.program_id)
        batches[batch.program.code, batch.ordinal] = batch

    # Selections whose applicant is in the registry and has no application in that batch yet.
    talent_keys = [p.applicant[1] for p in plans if p.applicant[0] == "talent"]
    talents = {
        (t.id_type, t.id_number): t
        for t in Talent.objects.filter(id_number__in={key[1] for key in talent_keys}).select_related(
            "org_unit", "employer"
        )
    }
    teams: dict[str, Team] = {}
    team_names = {p.applicant[1] for p in plans if p.applicant[0] == "team"}
    for team in Team.objects.filter(name__in=team_names).select_related("org_unit", "employer").order_by("-id"):
        teams[team.name] = team  # the oldest of namesakes wins
    have_selections: set[tuple[int, int | None, int | None]] = set(
        Selection.objects.filter(batch__in=list(batches.values())).values_list("batch_id", "talent_id", "team_id")
    )
    new: list[tuple[Selection, Plan]] = []
    for plan in plans:
        kind, key = plan.applicant
        applicant: Talent | Team | None = talents.get(key) if kind == "talent" else teams.get(key)
        if applicant is None:
            continue
        batch = batches[plan.program.code, plan.batch.ordinal]
        natural = (batch.pk, applicant.pk, None) if kind == "talent" else (batch.pk, None, applicant.pk)
        if natural in have_selections:
            continue
        have_selections.add(natural)
        decided = plan.reached(SELECTED) or plan.reached(REJECTED)
        selection = Selection(
            batch=batch,
            org_unit=county_of(applicant.org_unit, units),
            employer=applicant.employer,
            status=plan.status,
            award_amount=plan.award,
            applied_on=plan.dates[0],
            decided_on=decided,
            exit_reason=plan.reason,
            notes=plan.notes,
            **{kind: applicant},
        )
        new.append((selection, plan))
    Selection.objects.bulk_create([s for s, _plan in new], batch_size=500)

    # Their history: one event per move, from the application on.
    events: list[SelectionEvent] = []
    moments: list[datetime.datetime] = []
    for selection, plan in new:
        by = office_user.get(plan.program.office, users.get("admin"))
        county = selection.org_unit.name
        for step, (previous, status) in enumerate(zip(["", *plan.path[:-1]], plan.path, strict=True)):
            needs_reason = status in (REJECTED, EXITED)
            events.append(
                SelectionEvent(
                    selection=selection,
                    from_status=previous,
                    to_status=status,
                    by=by,
                    comment=f"{county}推荐申报" if status == APPLIED else EVENT_COMMENTS.get(status, ""),
                    reason=plan.reason if needs_reason else "",
                )
            )
            moments.append(moment(plan.dates[step], step, now))
    SelectionEvent.objects.bulk_create(events, batch_size=1000)
    # ``at`` is stamped on insert; the history keeps the day each move was made.
    for event, at in zip(events, moments, strict=True):
        event.at = at
    SelectionEvent.objects.bulk_update(events, ["at"], batch_size=500)

    tranches = [Tranche(selection=selection, **row) for selection, plan in new for row in plan.tranches]
    Tranche.objects.bulk_create(tranches, batch_size=1000)

    # The events are the selections' own history: the log records the rows they belong to.
    audit = [_created(actor, obj) for obj in [*new_programs, *new_batches]]
    audit += [_created(actor, selection) for selection, _plan in new]
    audit += [_created(actor, tranche) for tranche in tranches]
    record_bulk(audit)
    return {
        "programs": len(new_programs),
        "batches": len(new_batches),
        "selections": len(new),
        "selection_events": len(events),
        "tranches": len(tranches),
    }
