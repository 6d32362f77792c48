"""The demo city's assessments: last year's county scheme (published), this year's (open, a few submissions in),
a platform scheme and a talent-enterprise growth-index scheme of last year (both published).

Everything goes through the workflow services, so the demo follows the rules a real year follows: the office
opens a scheme, sets targets, the counties enter values and claim events, reviewers mark and verify, the office
finalises and publishes. Targets are drawn around each county's own figures (a believable spread of completion),
marks and entries from one ``random.Random`` per scheme. A scheme already there (by year, group, name and
office) is left alone: running it again adds nothing.
"""

from __future__ import annotations

import datetime
import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction

from talentportal import metrics
from talentportal.audit.models import Source
from talentportal.audit.services import Actor
from talentportal.orgs.models import OrgUnit, User

from . import rules, services
from .models import Assessee, Event, Group, Indicator, Scheme, Submission
from .scoring import metric_binding, subject_of

CITY_CODE = "330400"
SEED = 2026
D = Decimal
METRIC, ENTERED, REVIEWED, EVENTS = (
    Indicator.Source.METRIC,
    Indicator.Source.ENTERED,
    Indicator.Source.REVIEWED,
    Indicator.Source.EVENTS,
)
COUNTY_SCHEME = "县（市、区）人才工作目标责任制考核"
PLATFORM_SCHEME = "创新平台绩效评价"
ENTERPRISE_SCHEME = "人才企业成长指数评价"

# (code, name, max points, unit, rule, source, metric); a node without a rule is a branch of the tree.
Node = tuple[str, str, Any, str, dict[str, Any] | None, str, dict[str, Any] | None]

# fmt: off
COUNTY_TREE: list[Node] = [
    ("1", "人才引育", 40, "", None, "", None),
    ("1.1", "高层次人才引进", 25, "", None, "", None),
    ("1.1.1", "新引进落地人才数", 8, "人", {"kind": "proportional", "floor": "0.3"}, METRIC,
     {"code": "talents.landed"}),
    ("1.1.2", "新引进省级以上领军人才", 8, "人", {"kind": "proportional"}, METRIC,
     {"code": "talents.landed", "tier": ["top", "national_leading", "provincial_leading"]}),
    ("1.1.3", "全职引进人才数", 4, "人", {"kind": "threshold"}, METRIC,
     {"code": "talents.landed", "recruitment_mode": ["full_time"]}),
    ("1.1.4", "新落地创新创业团队", 5, "个", {"kind": "step", "base": 3, "per_unit": 1}, METRIC,
     {"code": "talents.teams_landed"}),
    ("1.2", "人才计划入选", 15, "", None, "", None),
    ("1.2.1", "入选省级以上人才计划", 8, "人", {"kind": "proportional"}, METRIC,
     {"code": "programs.selected", "level": ["national", "provincial"]}),
    ("1.2.2", "入选市级人才计划", 7, "人", {"kind": "relative_to_best"}, METRIC,
     {"code": "programs.selected", "level": ["municipal"]}),
    ("2", "平台建设", 25, "", None, "", None),
    ("2.1", "新认定省级以上创新平台", 10, "家", {"kind": "proportional"}, METRIC,
     {"code": "platforms.recognized", "level": "provincial"}),
    ("2.2", "在运行创新平台", 8, "家", {"kind": "rank", "step": 1}, METRIC, {"code": "platforms.active"}),
    ("2.3", "营收超亿元人才企业", 7, "家", {"kind": "deduct", "per_unit": 2}, METRIC,
     {"code": "enterprises.revenue_at_least", "amount": 10000}),
    ("3", "人才服务", 20, "", None, "", None),
    ("3.1", "人才关键小事按时办结率", 8, "%", {"kind": "bands", "points": [[60, 0], [80, 5], [95, 8]]}, METRIC,
     {"code": "talents.requests_resolved_on_time", "days": 30}),
    ("3.2", "超期未办结事项", 4, "件", {"kind": "control"}, METRIC, {"code": "talents.requests_overdue"}),
    ("3.3", "人才专项资金兑现", 8, "万元", {"kind": "proportional"}, METRIC, {"code": "programs.funds_paid"}),
    ("4", "体制机制", 15, "", None, "", None),
    ("4.1", "党委（党组）书记人才工作述职评议", 6, "分", {"kind": "manual", "drop_extremes": True}, REVIEWED, None),
    ("4.2", "人才政策创新与落实", 5, "分", {"kind": "manual"}, REVIEWED, None),
    ("4.3", "人才发展专项资金投入", 4, "万元", {"kind": "proportional"}, ENTERED, None),
    ("5", "加分项", 5, "", None, "", None),
    ("5.1", "人才工作获上级表彰或创新做法推广", 5, "分",
     {"kind": "bonus", "levels": {"national": 3, "provincial": "1.5", "municipal": "0.5"}}, EVENTS, None),
    ("6", "扣分项", 5, "", None, "", None),
    ("6.1", "人才项目资金违规或督查通报", 5, "分", {"kind": "penalty", "per_event": 1}, EVENTS, None),
    ("7", "一票否决", 0, "", None, "", None),
    ("7.1", "发生重大人才安全事件", 0, "", {"kind": "veto"}, EVENTS, None),
]

PLATFORM_TREE: list[Node] = [
    ("1", "人才集聚", 40, "", None, "", None),
    ("1.1", "入驻人才数", 20, "人", {"kind": "bands", "points": [[0, 0], [5, 6], [20, 12], [80, 17], [150, 20]]}, METRIC,
     {"code": "platform.resident_talents"}),
    ("1.2", "入驻企业数", 20, "家", {"kind": "bands", "points": [[0, 0], [2, 6], [20, 14], [60, 20]]}, METRIC,
     {"code": "platform.resident_enterprises"}),
    ("2", "孵化成效", 40, "", None, "", None),
    ("2.1", "在孵企业数", 15, "家", {"kind": "bands", "points": [[0, 0], [5, 7], [20, 12], [40, 15]]}, METRIC,
     {"code": "platform.incubated_enterprises"}),
    ("2.2", "毕业企业数", 10, "家", {"kind": "bands", "points": [[0, 0], [2, 5], [6, 10]]}, METRIC,
     {"code": "platform.graduated_enterprises"}),
    ("2.3", "新立项目数", 15, "项", {"kind": "bands", "points": [[0, 0], [3, 5], [10, 10], [30, 15]]}, METRIC,
     {"code": "platform.new_projects"}),
    ("3", "投入与活跃度", 20, "", None, "", None),
    ("3.1", "研发投入", 12, "万元", {"kind": "bands", "points": [[0, 0], [500, 5], [3000, 9], [15000, 12]]}, METRIC,
     {"code": "platform.rd_investment"}),
    ("3.2", "举办活动场次", 8, "场", {"kind": "bands", "points": [[0, 0], [4, 3], [12, 6], [30, 8]]}, METRIC,
     {"code": "platform.events_held"}),
]

ENTERPRISE_TREE: list[Node] = [
    ("1", "成长性", 50, "", None, "", None),
    ("1.1", "营业收入增长率", 30, "%", {"kind": "bands", "points": [[0, 0], [15, 10], [40, 22], [80, 30]]},
     METRIC, {"code": "enterprise.revenue_growth"}),
    ("1.2", "纳税额增长", 20, "", {"kind": "bands", "points": [[0, 0], [0.2, 8], [0.6, 16], [1, 20]]}, METRIC,
     {"code": "enterprise.tax_paid", "growth": True}),
    ("2", "创新能力", 50, "", None, "", None),
    ("2.1", "研发投入强度", 25, "%", {"kind": "bands", "points": [[3, 0], [8, 10], [15, 20], [25, 25]]}, METRIC,
     {"code": "enterprise.rd_intensity"}),
    ("2.2", "发明专利", 25, "件", {"kind": "bands", "points": [[0, 0], [5, 10], [20, 20], [50, 25]]}, METRIC,
     {"code": "enterprise.invention_patents"}),
]
# fmt: on

# Values the counties enter, and what reviewers give (a share of the line's points), drawn per county.
Claim = tuple[str, str, str, str, str, bool | None]
EVENTS_LAST_YEAR: list[Claim] = [
    # (county, indicator, level, key, description, the reviewer's decision: True, False or None for none yet)
    ("330402", "5.1", "national", "award-nanhu", "南湖区人才工作创新案例获全国人才工作创新案例表彰", True),
    ("330481", "5.1", "provincial", "award-haining", "海宁市“人才飞地”做法获省委人才办推广", True),
    ("330421", "5.1", "provincial", "award-jiashan", "嘉善县人才服务综合体获评省级示范", True),
    ("330421", "5.1", "municipal", "award-jiashan", "嘉善县人才服务综合体获评市级示范", True),
    ("330483", "5.1", "municipal", "forum-tongxiang", "桐乡市承办全市人才工作现场会", True),
    ("330424", "6.1", "", "", "海盐县一人才项目资金拨付滞后，被市专项督查通报", True),
    ("330411", "6.1", "", "", "秀洲区人才公寓分配不规范被审计指出", False),
]
EVENTS_THIS_YEAR: list[Claim] = [
    ("330402", "5.1", "provincial", "case-nanhu", "南湖区“揭榜挂帅”引才机制入选省级改革案例", True),
    ("330482", "5.1", "municipal", "forum-pinghu", "平湖市承办长三角人才交流会", None),
]


def _actor(user: User) -> Actor:
    return Actor(user=user, source=Source.SYSTEM)


def _build_tree(scheme: Scheme, tree: list[Node]) -> None:
    nodes: dict[str, Indicator] = {}
    for order, (code, name, points, unit, rule, source, metric) in enumerate(tree):
        parent = nodes.get(code.rsplit(".", 1)[0]) if "." in code else None
        nodes[code] = Indicator.objects.create(
            scheme=scheme,
            code=code,
            name=name,
            parent=parent,
            level=code.count(".") + 1,
            max_points=D(str(points)),
            unit=unit,
            order=order,
            rule=None if rule is None else rules.clean_rule(rule, D(str(points))),
            source=source,
            metric=metric,
        )


def _answering(assessee: Assessee, users: dict[str, User]) -> User:
    """Who fills in a county's submission: its own editor in the demo logins, else the city's admin."""
    own = {"330402": "nanhu_editor", "330411": "xiuzhou_editor"}.get(assessee.key)
    return users[own] if own in users else users["admin"]


def _users() -> dict[str, User]:
    return {
        u.username: u for u in User.objects.filter(username__in=["admin", "reviewer", "nanhu_editor", "xiuzhou_editor"])
    }


def _round(value: Decimal) -> Decimal:
    return value.quantize(D(1), ROUND_HALF_UP)


def _set_targets(scheme: Scheme, rng: random.Random, admin: User) -> int:
    """Targets around each county's own figures of the year: most counties within reach, some short."""
    assessees = list(scheme.assessees.select_related("org_unit").order_by("order"))
    subjects = [subject_of(a) for a in assessees]
    count = 0
    for leaf in scheme.indicators.filter(rule__isnull=False, source__in=[METRIC, ENTERED]).order_by("order"):
        kind = (leaf.rule or {}).get("kind")
        if kind not in {"proportional", "threshold", "step", "deduct", "control"}:
            continue
        if leaf.source == METRIC:
            code, params, growth_of = metric_binding(leaf)
            actuals = metrics.values(code, subjects, scheme.year - 1, params, growth=growth_of)
        else:
            actuals = {a.pk: D(rng.randint(200, 800)) for a in assessees}
        for assessee in assessees:
            base = actuals.get(assessee.pk) or D(0)
            # A threshold is met or missed whole: the office sets it within most counties' reach.
            stretch = rng.uniform(0.6, 1.1) if kind == "threshold" else rng.uniform(0.8, 1.5)
            target = max(D(1), _round(base * D(str(stretch))))
            if kind == "control":
                target = D(rng.randint(1, 3))
            services.set_target(leaf, assessee, target, _actor(admin))
            count += 1
    return count


def _fill(scheme: Scheme, rng: random.Random, users: dict[str, User], keys: set[str] | None = None) -> None:
    """The counties' entered values and the reviewers' marks (the office's admin marks beside the reviewer)."""
    entered = list(scheme.indicators.filter(source=ENTERED))
    reviewed = list(scheme.indicators.filter(source=REVIEWED))
    for assessee in scheme.assessees.select_related("submission").order_by("order"):
        if keys is not None and assessee.key not in keys:
            continue
        targets = {t.indicator_id: t.value for t in assessee.targets.all()}
        values = [
            {
                "indicator": i,
                "value": _round(targets.get(i.pk, D(500)) * D(str(rng.uniform(0.6, 1.25)))),
                "note": "财政专项资金决算数",
            }
            for i in entered
        ]
        services.save_entries(assessee.submission, values, _actor(_answering(assessee, users)))
        skill = rng.uniform(0.55, 0.95)
        for indicator in reviewed:
            for marker in ("reviewer", "admin"):
                share = min(1.0, max(0.3, skill + rng.uniform(-0.1, 0.1)))
                points = (indicator.max_points * D(str(share))).quantize(D("0.1"), ROUND_HALF_UP)
                services.save_mark(assessee.submission, indicator, points, "", _actor(users[marker]))


def _events(scheme: Scheme, claims: list[Claim], users: dict[str, User]) -> None:
    """Bonus items claimed by the counties, penalties recorded by the office; each decided by the reviewer."""
    assessees = {a.key: a for a in scheme.assessees.all()}
    for key, code, level, event_key, description, verified in claims:
        assessee = assessees[key]
        indicator = scheme.indicators.get(code=code)
        claimer = _answering(assessee, users) if (indicator.rule or {}).get("kind") == "bonus" else users["admin"]
        data = {
            "assessee": assessee,
            "indicator": indicator,
            "level": level,
            "key": event_key,
            "occurred_on": datetime.date(scheme.year, 9, 1),
            "description": description,
        }
        event = services.claim_event(data, [], _actor(claimer))
        if verified is not None:
            comment = "" if verified else "材料不足以证明，不予认定"
            services.decide_event(event, verified, comment, _actor(users["reviewer"]))


def _submit_and_accept(scheme: Scheme, users: dict[str, User], keys: set[str] | None = None) -> None:
    for assessee in scheme.assessees.select_related("submission").order_by("order"):
        if keys is not None and assessee.key not in keys:
            continue
        services.submit(assessee.submission, _actor(_answering(assessee, users)))
        if keys is None:
            services.accept(assessee.submission, _actor(users["reviewer"]))


def _publish(scheme: Scheme, admin: User) -> Scheme:
    for step in (Scheme.Status.REVIEW, Scheme.Status.FINAL, Scheme.Status.PUBLISHED):
        scheme = services.transition(scheme, step, _actor(admin))
    return scheme


def _new_scheme(year: int, group: str, name: str, city: OrgUnit, tree: list[Node], **fields: Any) -> Scheme | None:
    """A new draft scheme with its tree, or None when the demo made it already."""
    if Scheme.objects.filter(year=year, group=group, name=name, org_unit=city).exists():
        return None
    scheme = Scheme.objects.create(year=year, group=group, name=name, org_unit=city, **fields)
    _build_tree(scheme, tree)
    return scheme


def _published_year(year: int, city: OrgUnit, users: dict[str, User]) -> Scheme | None:
    scheme = _new_scheme(year, Group.COUNTY, f"{year}年度{COUNTY_SCHEME}", city, COUNTY_TREE)
    if scheme is None:
        return None
    rng = random.Random(SEED + year)
    admin = users["admin"]
    scheme = services.transition(scheme, Scheme.Status.OPEN, _actor(admin))
    _set_targets(scheme, rng, admin)
    _fill(scheme, rng, users)
    _events(scheme, EVENTS_LAST_YEAR, users)
    _submit_and_accept(scheme, users)
    scheme = _publish(scheme, admin)
    # The deadline the counties had (set afterwards: the demo fills the year in today).
    Scheme.objects.filter(pk=scheme.pk).update(due_on=datetime.date(year + 1, 1, 20))
    return scheme


def _open_year(year: int, last: Scheme | None, city: OrgUnit, users: dict[str, User], today: datetime.date) -> None:
    name = f"{year}年度{COUNTY_SCHEME}"
    if last is None or Scheme.objects.filter(year=year, group=Group.COUNTY, name=name, org_unit=city).exists():
        return
    admin = users["admin"]
    scheme = services.copy_scheme(last, year, name, _actor(admin), with_targets=True)
    Scheme.objects.filter(pk=scheme.pk).update(due_on=max(datetime.date(year + 1, 1, 20), today))
    scheme.refresh_from_db()
    rng = random.Random(SEED + year)
    # This year's targets: last year's, raised by a tenth.
    for assessee in scheme.assessees.prefetch_related("targets__indicator"):
        for target in assessee.targets.all():
            services.set_target(target.indicator, assessee, _round(target.value * D("1.1")), _actor(admin))
    scheme = services.transition(scheme, Scheme.Status.OPEN, _actor(admin))
    # Some counties have filled in and submitted, some are filling in, 秀洲区's was returned.
    _fill(scheme, rng, users, keys={"330402", "330411", "330421", "330481"})
    _submit_and_accept(scheme, users, keys={"330402", "330411", "330481"})
    xiuzhou = Submission.objects.get(assessee__scheme=scheme, assessee__key="330411")
    services.return_submission(
        xiuzhou, "人才发展专项资金投入数与财政决算不一致，请核实后重新提交。", _actor(users["reviewer"])
    )
    _events(scheme, EVENTS_THIS_YEAR, users)


def _group_scheme(year: int, group: str, name: str, tree: list[Node], city: OrgUnit, users: dict[str, User]) -> None:
    """A scheme scored from the assessees' own yearly figures, published as a whole."""
    scheme = _new_scheme(year, group, f"{year}年度{name}", city, tree)
    if scheme is None:
        return
    admin = users["admin"]
    scheme = services.transition(scheme, Scheme.Status.OPEN, _actor(admin))
    _submit_and_accept(scheme, users)
    _publish(scheme, admin)


def seed_assessments(today: datetime.date) -> dict[str, int]:
    """Make the demo schemes that are missing; answers how many schemes were made."""
    city = OrgUnit.objects.get(code=CITY_CODE)
    users = _users()
    before = Scheme.objects.count()
    last_year = today.year - 1
    with transaction.atomic():
        published = _published_year(last_year, city, users)
        if published is None:
            published = Scheme.objects.filter(
                year=last_year, group=Group.COUNTY, name=f"{last_year}年度{COUNTY_SCHEME}", org_unit=city
            ).first()
        _open_year(today.year, published, city, users, today)
        _group_scheme(last_year, Group.PLATFORM, PLATFORM_SCHEME, PLATFORM_TREE, city, users)
        _group_scheme(last_year, Group.ENTERPRISE, ENTERPRISE_SCHEME, ENTERPRISE_TREE, city, users)
    return {"assessment_schemes": Scheme.objects.count() - before, "assessment_events": Event.objects.count()}
