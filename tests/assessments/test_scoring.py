"""Scoring a whole scheme: a small county scheme built through the workflow services, its totals against sums
worked out by hand, the subtotal caps, bonus, penalty and veto, exclusions, and the number of queries scoring
takes (it follows the metric-bound indicators, never the assessees or the records)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import rules, services
from assessments.models import Assessee, Group, Indicator, Scheme, Submission
from assessments.scoring import results_of, score_scheme
from talentportal.audit.models import Source
from talentportal.audit.services import Actor
from talentportal.orgs.models import OrgUnit, User

from ..talents import factories

pytestmark = pytest.mark.django_db

YEAR = 2025
NANHU, XIUZHOU, JIASHAN = "330402", "330411", "330421"
D = Decimal


def node(scheme: Scheme, code: str, max_points: Any, parent: Indicator | None = None, **leaf: Any) -> Indicator:
    """An indicator of the tree: a leaf when it has a ``rule`` (with its ``source`` and ``metric``)."""
    if leaf.get("rule") is not None:
        leaf["rule"] = rules.clean_rule(leaf["rule"], D(str(max_points)))
    return Indicator.objects.create(
        scheme=scheme,
        code=code,
        name=leaf.pop("name", f"指标{code}"),
        parent=parent,
        level=code.count(".") + 1,
        max_points=D(str(max_points)),
        order=Indicator.objects.filter(scheme=scheme).count(),
        **leaf,
    )


def county_scheme(units: dict[str, OrgUnit], metric_leaves: int = 0) -> Scheme:
    """A scheme of the city's counties, in draft, with every kind of source:

    1 人才引育 (max 6)  1.1 landed talents, proportional, 4 · 1.2 top talents landed, threshold, 4 (so 1 caps at 6)
                        1.3 reviewers' marks, manual, 3 · 1.4… ``metric_leaves`` more metric-bound lines
    2 体制机制 (max 5)  2.1 entered value, proportional, 5
    3 加分项 (max 2)    3.1 bonus: national 2, provincial 1, municipal 0.5, capped at 3 (the level-1 caps at 2)
    4 扣分项 (max 3)    4.1 penalty 1.5 per event, capped at 3
    5 一票否决 (max 0)   5.1 veto
    """
    scheme = Scheme.objects.create(year=YEAR, name="测试考核", group=Group.COUNTY, org_unit=units["330400"])
    one = node(scheme, "1", 6, name="人才引育")
    metric = Indicator.Source.METRIC
    node(scheme, "1.1", 4, one, rule={"kind": "proportional"}, source=metric, metric={"code": "talents.landed"})
    top = {"code": "talents.landed", "tier": ["top"]}
    node(scheme, "1.2", 4, one, rule={"kind": "threshold"}, source=metric, metric=top)
    node(scheme, "1.3", 3, one, rule={"kind": "manual"}, source=Indicator.Source.REVIEWED)
    others = ["talents.teams_landed", "programs.funds_paid", "programs.exits"]  # at most 3 more lines
    for n in range(metric_leaves):  # each a metric of its own (bindings of one metric are counted together)
        binding = {"code": others[n]}
        node(scheme, f"1.{4 + n}", 1, one, rule={"kind": "proportional"}, source=metric, metric=binding)
    two = node(scheme, "2", 5, name="体制机制")
    node(scheme, "2.1", 5, two, rule={"kind": "proportional"}, source=Indicator.Source.ENTERED)
    events = Indicator.Source.EVENTS
    three = node(scheme, "3", 2, name="加分项")
    levels = {"national": 2, "provincial": 1, "municipal": "0.5"}
    node(scheme, "3.1", 3, three, rule={"kind": "bonus", "levels": levels}, source=events)
    four = node(scheme, "4", 3, name="扣分项")
    node(scheme, "4.1", 3, four, rule={"kind": "penalty", "per_event": "1.5"}, source=events)
    five = node(scheme, "5", 0, name="一票否决")
    node(scheme, "5.1", 0, five, rule={"kind": "veto"}, source=events)
    return scheme


def actor(user: User) -> Actor:
    return Actor(user=user, source=Source.FORM)


def landed(unit: OrgUnit, count: int, **fields: Any) -> None:
    for n in range(count):
        birth = datetime.date(1980, 1, 1) + datetime.timedelta(days=37 * n)
        factories.talent(unit, landed_on=datetime.date(YEAR, 3, 1), birth_date=birth, **fields)


def opened(scheme: Scheme, admin: User) -> dict[str, Assessee]:
    services.transition(scheme, Scheme.Status.OPEN, actor(admin))
    return {a.key: a for a in scheme.assessees.select_related("submission")}


def leaf(scheme: Scheme, code: str) -> Indicator:
    return scheme.indicators.get(code=code)


@pytest.fixture
def scheme(units: dict[str, OrgUnit], people: dict[str, User]) -> Scheme:
    return county_scheme(units)


def by_key(scheme: Scheme) -> dict[str, Any]:
    return {r.assessee.key: r for r in score_scheme(scheme)}


def test_totals_are_the_sums_worked_out_by_hand(scheme, units, people) -> None:
    admin, reviewer = people["city_admin"], people["reviewer"]
    landed(units[NANHU], 7)
    landed(units[NANHU], 1, tier="top")
    landed(units[XIUZHOU], 12)
    assessees = opened(scheme, admin)
    nanhu, xiuzhou = assessees[NANHU], assessees[XIUZHOU]
    for code, value in [("1.1", 10), ("1.2", 1), ("2.1", 4)]:
        services.set_target(leaf(scheme, code), nanhu, D(value), actor(admin))
        services.set_target(leaf(scheme, code), xiuzhou, D(value), actor(admin))
    services.save_entries(
        nanhu.submission,
        [{"indicator": leaf(scheme, "2.1"), "value": D(3), "note": "3 项改革"}],
        actor(people["a_admin"]),
    )
    services.save_mark(nanhu.submission, leaf(scheme, "1.3"), D("2.5"), "", actor(reviewer))
    services.save_mark(xiuzhou.submission, leaf(scheme, "1.3"), D(3), "", actor(reviewer))

    results = by_key(scheme)
    # 南湖: 1.1 8 of 10 → 3.20; 1.2 1 ≥ 1 → 4; 1.3 2.50; level 1 is 9.70, capped at 6. 2.1 3 of 4 → 3.75.
    assert results[NANHU].subtotals == {"1": D(6), "2": D("3.75"), "3": D(0), "4": D(0), "5": D(0)}
    assert results[NANHU].total == D("9.75")
    lines = {line.indicator: line.points for line in results[NANHU].lines}
    assert lines == {"1.1": D("3.20"), "1.2": D(4), "1.3": D("2.50"), "2.1": D("3.75"), "3.1": 0, "4.1": 0, "5.1": 0}
    # 秀洲: 1.1 12 of 10 → 4; 1.2 0 of 1 → 0; 1.3 3; level 1 is 7, capped at 6. 2.1 nothing entered → 0.
    assert results[XIUZHOU].total == D(6) and results[XIUZHOU].subtotals["2"] == 0
    # A county with nothing at all scores 0 and ranks last.
    assert results[JIASHAN].total == 0
    assert results[NANHU].rank == 1 and results[XIUZHOU].rank == 2 and results[JIASHAN].rank == 3


def test_level_two_subtotals_are_capped_too(units, people) -> None:
    scheme = Scheme.objects.create(year=YEAR, name="二级封顶", group=Group.COUNTY, org_unit=units["330400"])
    one = node(scheme, "1", 10)
    two = node(scheme, "1.1", 3, one)
    for code in ("1.1.1", "1.1.2"):
        node(scheme, code, 2, two, rule={"kind": "manual"}, source=Indicator.Source.REVIEWED)
    node(scheme, "1.2", 2, one, rule={"kind": "manual"}, source=Indicator.Source.REVIEWED)
    nanhu = opened(scheme, people["city_admin"])[NANHU]
    for code in ("1.1.1", "1.1.2", "1.2"):
        services.save_mark(nanhu.submission, leaf(scheme, code), D(2), "", actor(people["reviewer"]))
    # 1.1 is 2 + 2 capped at 3; with 1.2's 2 the level-1 node holds 5.
    assert by_key(scheme)[NANHU].subtotals == {"1": D(5)}
    assert by_key(scheme)[NANHU].total == D(5)


def claim(scheme: Scheme, assessee: Assessee, code: str, people: dict[str, User], **data: Any) -> None:
    event = services.claim_event(
        {
            "assessee": assessee,
            "indicator": leaf(scheme, code),
            "occurred_on": datetime.date(YEAR, 6, 1),
            "description": data.pop("description", f"事件{code}"),
            **data,
        },
        [],
        actor(people["city_admin"]),
    )
    services.decide_event(event, True, "", actor(people["reviewer"]))


@pytest.mark.parametrize(
    ("bonus", "penalties", "marks", "total", "bonus_line"),
    [
        # 3 + (2 national, the same key again at provincial counts once) = 5
        ([("national", "A"), ("provincial", "A")], 0, 3, D(5), D(2)),
        # bonus 2 + 1 + 0.5 = 3.5, line capped at 3, level-1 node at 2
        ([("national", "A"), ("provincial", "B"), ("municipal", "C")], 0, 3, D(5), D(3)),
        # 3 − 1.5 = 1.5
        ([], 1, 3, D("1.5"), D(0)),
        # 1 − 3 (two penalties): never below 0
        ([], 2, 1, D(0), D(0)),
    ],
)
def test_bonus_adds_penalty_subtracts_never_below_zero(scheme, people, bonus, penalties, marks, total, bonus_line):
    nanhu = opened(scheme, people["city_admin"])[NANHU]
    services.save_mark(nanhu.submission, leaf(scheme, "1.3"), D(marks), "", actor(people["reviewer"]))
    for level, key in bonus:
        claim(scheme, nanhu, "3.1", people, level=level, key=key)
    for n in range(penalties):
        claim(scheme, nanhu, "4.1", people, description=f"安全事故{n}")
    result = by_key(scheme)[NANHU]
    assert result.total == total
    assert {line.indicator: line.points for line in result.lines}["3.1"] == bonus_line


def test_a_veto_forces_the_grade_and_keeps_the_score_with_its_reason(units, people) -> None:
    scheme = Scheme.objects.create(year=YEAR, name="否决", group=Group.COUNTY, org_unit=units["330400"])
    one = node(scheme, "1", 100)
    node(scheme, "1.1", 100, one, rule={"kind": "manual"}, source=Indicator.Source.REVIEWED)
    five = node(scheme, "5", 0)
    node(scheme, "5.1", 0, five, name="一票否决", rule={"kind": "veto"}, source=Indicator.Source.EVENTS)
    assessees = opened(scheme, people["city_admin"])
    for key in (NANHU, XIUZHOU):
        services.save_mark(assessees[key].submission, leaf(scheme, "1.1"), D(95), "", actor(people["reviewer"]))
    claim(scheme, assessees[NANHU], "5.1", people, description="发生重大人才安全事件")
    results = by_key(scheme)
    assert results[NANHU].total == D(95) and results[NANHU].vetoed
    assert results[NANHU].grade == "不合格" and results[XIUZHOU].grade == "优秀"
    assert results[NANHU].veto_reasons == ["一票否决：发生重大人才安全事件"]
    assert not results[XIUZHOU].vetoed and results[XIUZHOU].veto_reasons == []


def test_excluded_assessees_are_not_ranked(scheme, people) -> None:
    assessees = opened(scheme, people["city_admin"])
    Assessee.objects.filter(pk=assessees[JIASHAN].pk).update(excluded=True, exclusion_reason="行政区划调整")
    results = score_scheme(scheme)
    assert JIASHAN not in {r.assessee.key for r in results}
    assert len(results) == scheme.assessees.count() - 1
    assert sorted(r.rank for r in results) == [1] * len(results)  # all tied at 0, sharing the first rank


def test_published_results_stay_when_the_registry_changes(scheme, units, people) -> None:
    admin = people["city_admin"]
    assessees = opened(scheme, admin)
    services.set_target(leaf(scheme, "1.1"), assessees[NANHU], D(4), actor(admin))
    landed(units[NANHU], 2)
    services.transition(scheme, Scheme.Status.REVIEW, actor(admin))
    Submission.objects.filter(assessee__scheme=scheme).update(status=Submission.Status.ACCEPTED)
    services.transition(scheme, Scheme.Status.FINAL, actor(admin))
    services.transition(scheme, Scheme.Status.PUBLISHED, actor(admin))
    landed(units[NANHU], 2)
    scheme.refresh_from_db()
    frozen = {r.assessee.key: r.total for r in results_of(scheme)}
    assert frozen[NANHU] == D(2) and not results_of(scheme)[0].provisional
    assert by_key(scheme)[NANHU].total == D(4)  # the live view shows the drift


def queries(scheme: Scheme) -> int:
    with CaptureQueriesContext(connection) as captured:
        score_scheme(scheme)
    return len(captured)


def test_queries_follow_the_metric_bound_indicators_only(units, people) -> None:
    admin = people["city_admin"]
    base = county_scheme(units)
    opened(base, admin)
    few = queries(base)
    # 200 talents instead of 10: the same queries.
    for code in (NANHU, XIUZHOU):
        landed(units[code], 5)
    assert queries(base) == few
    landed(units[NANHU], 190)
    assert queries(base) == few
    # 2 assessees instead of 7: the same queries.
    Assessee.objects.filter(scheme=base).exclude(key__in=[NANHU, XIUZHOU]).update(excluded=True, exclusion_reason="x")
    assert queries(base) == few
    # Each metric-bound indicator of another metric adds the same few queries (the grouped count, and the units'
    # paths it sums up the tree with); taken as growth, twice as many (this year's and last year's).
    one_more = county_scheme(units, metric_leaves=1)
    opened(one_more, admin)
    each = queries(one_more) - few
    assert 1 <= each <= 2
    wider = county_scheme(units, metric_leaves=3)
    opened(wider, admin)
    assert queries(wider) == few + 3 * each
    grow = wider.indicators.get(code="1.4")
    grow.metric = {**grow.metric, "growth": True}
    grow.save()
    assert queries(wider) == few + 4 * each
    # A line binding a metric another line binds, with other parameters, is counted in the same query.
    same = wider.indicators.get(code="1.5")
    same.metric = {"code": "talents.landed", "tier": ["youth"], "recruitment_mode": ["flexible"]}
    same.save()
    assert queries(wider) == few + 3 * each
