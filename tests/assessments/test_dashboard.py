"""The leads' dashboard: a fixed number of queries whatever the number of assessees, and its figures (the stacked
totals without empty segments, the radar against the mean, grades, spread, points lost and within reach)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import dashboard
from assessments.models import Assessee, Indicator
from assessments.scoring import AssesseeResult, Line
from talentportal.orgs.models import OrgUnit

from .test_pages import NANHU, XIUZHOU, county_scheme, landed, open_scheme, publish


def scheme_of(units, admin, counties: int):
    """A scheme of the first ``counties`` counties (the others inactive when it opens), two talents landed each."""
    keep = [NANHU, XIUZHOU, "330421", "330424", "330481", "330482", "330483"][:counties]
    OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY).exclude(code__in=keep).update(is_active=False)
    for code in keep:
        landed(units[code], 2)
    scheme = open_scheme(county_scheme(units["330400"]), admin)
    OrgUnit.objects.update(is_active=True)
    return scheme


@pytest.mark.parametrize("published", [False, True])
def test_dashboard_queries_do_not_grow_with_the_assessees(client, people, units, published) -> None:
    admin = people["city_admin"]
    counts = []
    for counties in (3, 7):
        scheme = scheme_of(units, admin, counties)
        if published:
            publish(scheme, admin)
        client.force_login(admin)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("assessments:dashboard"), {"scheme": scheme.pk})
        assert response.status_code == 200
        assert len(response.context["rows"]) == counties
        counts.append(len(queries))
    assert counts[0] == counts[1]


def line(code: str, points: str, max_points: str, target: str | None = "10", effect: str = "score") -> Line:
    return Line(
        indicator=code, name=f"指标{code}", actual=Decimal(5), target=None if target is None else Decimal(target),
        points=Decimal(points), max_points=Decimal(max_points), effect=effect, note="", facts={},
    )  # fmt: skip


def result(pk: int, name: str, subtotals: dict[str, str], lines: list[Line], rank: int, grade: str) -> AssesseeResult:
    assessee = Assessee(pk=pk, name=name, key=f"K{pk}")
    return AssesseeResult(
        assessee=assessee, total=sum((Decimal(v) for v in subtotals.values()), Decimal(0)),
        subtotals={k: Decimal(v) for k, v in subtotals.items()}, lines=lines, rank=rank, grade=grade,
    )  # fmt: skip


RESULTS = [
    result(
        1,
        "南湖区",
        {"1": "8", "2": "0"},
        [line("1.1", "5", "6"), line("1.2", "3", "4"), line("2.1", "0", "5", None)],
        1,
        "优秀",
    ),
    result(
        2,
        "秀洲区",
        {"1": "4", "2": "2"},
        [line("1.1", "1", "6"), line("1.2", "3", "4"), line("2.1", "2", "5")],
        2,
        "良好",
    ),
    result(
        3,
        "嘉善县",
        {"1": "2", "2": "1"},
        [line("1.1", "0", "6"), line("1.2", "2", "4"), line("2.1", "1", "5"), line("3.1", "1", "3", effect="bonus")],
        3,
        "合格",
    ),
]
GROUPS = [
    dashboard.Group("1", "人才引育", Decimal(10), True),
    dashboard.Group("2", "人才服务", Decimal(5), True),
    dashboard.Group("3", "扣分项", Decimal(2), False),
]


def test_stacked_totals_leave_out_zero_segments_and_empty_groups_and_link_each_assessee() -> None:
    chart = dashboard.totals_chart(RESULTS, GROUPS, lambda r: f"/r/{r.assessee.pk}/")
    assert [s["name"] for s in chart["series"]] == ["人才引育", "人才服务"]
    service = chart["series"][1]["data"]
    assert service[0] is None  # 南湖区 scored 0 in 人才服务: no segment
    assert service[1] == {"value": 2.0, "link": "/r/2/"}
    assert chart["xAxis"]["data"] == ["南湖区", "秀洲区", "嘉善县"]


def test_radar_puts_one_assessee_against_the_mean_on_the_scored_groups() -> None:
    groups = [*GROUPS, dashboard.Group("4", "平台建设", Decimal(5), True)]
    chart = dashboard.radar(RESULTS[1], RESULTS, groups, "组内平均")
    assert [axis["name"] for axis in chart["radar"]["indicator"]] == ["人才引育", "人才服务", "平台建设"]
    mine, mean = chart["series"][0]["data"]
    assert mine == {"name": "秀洲区", "value": [4.0, 2.0, 0]}
    assert mean == {"name": "组内平均", "value": [4.67, 1.0, 0]}
    alone = dashboard.radar(RESULTS[1], [RESULTS[1]], groups, "组内平均")
    assert len(alone["series"][0]["data"]) == 1  # no mean of one
    # Two scored groups make no polygon: the same figures as bars.
    bars = dashboard.radar(RESULTS[1], RESULTS, GROUPS, "组内平均")
    assert [s["name"] for s in bars["series"]] == ["秀洲区", "组内平均"] and bars["xAxis"]["data"] == [
        "人才引育",
        "人才服务",
    ]


def test_grades_spread_lost_and_within_reach() -> None:
    grades = [
        {"min": 90, "label": "优秀"},
        {"min": 75, "label": "良好"},
        {"min": 60, "label": "合格"},
        {"min": 0, "label": "不合格"},
    ]
    assert dashboard.grade_distribution(RESULTS, grades) == [("优秀", 1), ("良好", 1), ("合格", 1), ("不合格", 0)]
    spread = {s.code: (s.least, s.median, s.most) for s in dashboard.spread(RESULTS)}
    assert spread["1.1"] == (Decimal(0), Decimal(1), Decimal(5))
    assert "3.1" not in spread  # a bonus is no scored line
    assert [r.assessee.name for r in dashboard.points_lost(RESULTS)] == ["嘉善县", "秀洲区", "南湖区"]
    reach = {r.result.assessee.name: r for r in dashboard.within_reach(RESULTS)}
    # 南湖区's 2.1 has no target: out of reach by this measure; its 1.1 and 1.2 miss one point each.
    assert [(x.indicator, x.lost) for x in reach["南湖区"].lines] == [("1.1", Decimal(1)), ("1.2", Decimal(1))]
    assert [x.indicator for x in reach["嘉善县"].lines] == ["1.1", "2.1", "1.2"]
    assert reach["嘉善县"].gain == Decimal(12)


def test_ranking_compares_with_last_year_by_key() -> None:
    last = [result(7, "南湖区", {"1": "6"}, [], 2, "良好"), result(8, "秀洲区", {"1": "9"}, [], 1, "优秀")]
    last[0].assessee.key, last[1].assessee.key = "K1", "K2"
    rows = {row.result.assessee.name: row for row in dashboard.ranking(RESULTS, last)}
    assert (rows["南湖区"].rank_change, rows["南湖区"].total_change) == (1, Decimal(2))
    assert (rows["秀洲区"].rank_change, rows["秀洲区"].total_change) == (-1, Decimal(-3))
    assert rows["嘉善县"].rank_change is None and rows["嘉善县"].total_change is None


def test_groups_know_which_hold_scored_lines(units) -> None:
    scheme = county_scheme(units["330400"])
    groups = dashboard.groups_of(list(scheme.indicators.all()))
    assert [(g.code, g.scored) for g in groups] == [("1", True), ("2", True), ("3", False), ("4", False)]
    assert dashboard.group_of_lines(list(Indicator.objects.filter(scheme=scheme)))["1.2"] == "1"
