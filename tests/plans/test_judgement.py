"""One judgement of a plan figure wherever it is shown: the plans' API (``?year=``), the cockpit's API and the
plan's pages agree on a county without a target of its own (not judged), a roll-up some counties have not
reported yet (partial: missing), a flow with a year missing (missing), a likely typo (typed values only, the first
year against the baseline) and on progress held within 0–1 with the growth still needed."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from plans.figures import figures
from talentportal.orgs.models import OrgUnit

from ..talents import factories as talent_factories
from . import factories

pytestmark = pytest.mark.django_db

CITY, NANHU = "330400", "330402"


@pytest.fixture
def plan(units: dict[str, Any]) -> dict[str, Any]:
    """The city's 2021–2025 plan: the talent total (32.2 → 39 万人), a rate, a flow entered yearly, and the talents
    landed counted from the registry."""
    city_plan = factories.plan(units[CITY], name="十四五人才发展规划")

    def flow(code: str, name: str, baseline: int, target: int, **fields: Any) -> Any:
        return factories.indicator(city_plan, code, name=name, unit="人", category="flow",
                                   baseline_value=Decimal(baseline), target_value=Decimal(target), **fields)  # fmt: skip

    return {
        "plan": city_plan,
        "total": factories.indicator(city_plan, "1"),
        "rate": factories.rate(city_plan, "2"),
        "flow": flow("3", "新引进大学生", 100, 200),
        "landed": flow("4", "新落地人才", 0, 10, metric="talents.landed"),
    }


def indicators(api_client: Any, **query: Any) -> dict[str, dict[str, Any]]:
    response = api_client.get("/api/v1/plan-indicators/", query)
    assert response.status_code == 200, response.content
    return {row["code"]: row for row in response.json()["results"]}


def dashboard(api_client: Any, **query: Any) -> dict[str, dict[str, Any]]:
    response = api_client.get("/api/v1/dashboard/", query)
    assert response.status_code == 200, response.content
    return {row["code"]: row for row in response.json()["plan"]["indicators"]}


def county_areas(units: dict[str, Any]) -> list[OrgUnit]:
    return [u for u in units.values() if u.parent_id == units[CITY].pk and u.kind == OrgUnit.Kind.COUNTY]


def test_a_county_without_its_own_target_is_not_judged_against_the_city_s(api_client, people, units, plan) -> None:
    # 5.2 万人 in 南湖 against the city's 39 would read “behind” with progress −3.97.
    factories.actual(plan["total"], units[NANHU], 2023, "5.2")
    api_client.force_authenticate(people["a_viewer"])
    for row in (indicators(api_client, year=2023)["1"], dashboard(api_client, year=2023)["1"]):
        assert row["actual"] == "5.2000" and row["status"] == "not_judged"
        assert row["progress"] is None and row["expected"] is None and row["gap"] is None
        assert row["required_growth"] is None
    # With a target of its own, the county is judged against it: 4 → 6 by 2025 expects 5.2 in 2023.
    factories.target(plan["total"], units[NANHU], "6", baseline_value=Decimal(4))
    for row in (indicators(api_client, year=2023)["1"], dashboard(api_client, year=2023)["1"]):
        assert row["status"] == "on_track" and row["progress"] == "0.6000" and row["expected"] == "5.2000"


def test_a_roll_up_some_areas_have_not_reported_is_partial_and_missing(api_client, people, units, plan) -> None:
    factories.actual(plan["total"], units[NANHU], 2023, "3")
    factories.actual(plan["rate"], units[NANHU], 2023, "50", numerator=1, denominator=2)
    factories.actual(plan["total"], units["330400-ZZB"], 2023, "1000")  # a department keeps no area figure
    api_client.force_authenticate(people["city_viewer"])
    areas = county_areas(units)
    for row in (indicators(api_client, year=2023), dashboard(api_client, year=2023)):
        total, rate = row["1"], row["2"]
        assert total["actual"] == "3.0000" and total["source"] == "rolled_up"
        assert (total["units_reported"], total["units_to_report"]) == (1, len(areas)) == (1, 7)
        assert total["status"] == "missing" and total["progress"] is None and total["gap"] is None
        assert rate["actual"] == "50.0000" and rate["status"] == "missing"  # not 南湖's 50 % as the city's
    figure = figures([plan["total"]], [units[CITY]], 2023)[(plan["total"].pk, units[CITY].pk)]
    with translation.override("en"):
        assert figure.reported_text(2023) == "1 of 7 units reported"
    with translation.override("zh-hans"):
        assert figure.reported_text(2023) == "7个单位中已有1个报送"
    # Every area reported: the sum is the city's figure, judged (36.5 on a path at 36.28: on track).
    for area in areas:
        if area.code != NANHU:
            factories.actual(plan["total"], area, 2023, "5.5")
    total = indicators(api_client, year=2023)["1"]
    assert total["actual"] == "36.0000" and total["status"] == "on_track"
    assert (total["units_reported"], total["units_to_report"]) == (7, 7)


def test_the_dashboard_holds_progress_within_0_to_1_and_answers_the_growth_still_needed(
    api_client, people, units, plan
) -> None:
    factories.actual(plan["total"], units[CITY], 2023, "20")  # below the baseline of 32.2: progress −1.79
    api_client.force_authenticate(people["city_viewer"])
    api_row, dash_row = indicators(api_client, year=2023)["1"], dashboard(api_client, year=2023)["1"]
    assert dash_row["progress"] == api_row["progress"] == "0.0000"
    assert dash_row["required_growth"] == api_row["required_growth"] == "0.3964"  # (39 / 20)^(1/2) − 1
    assert {name: dash_row[name] for name in api_row if name in dash_row} == {
        name: api_row[name] for name in dash_row if name in api_row and name not in ("id", "unit")
    } | {"id": dash_row["id"], "unit": dash_row["unit"]}


def test_a_flow_answers_its_running_sums_and_a_missing_year_leaves_it_missing(api_client, people, units, plan) -> None:
    city = units[CITY]
    factories.actual(plan["flow"], city, 2021, "130")
    factories.actual(plan["flow"], city, 2022, "110")
    api_client.force_authenticate(people["city_viewer"])
    row = indicators(api_client, year=2022)["3"]
    # 120 + 140 = 260 expected, 240 reached: the gap is on the running sums, as the two sums say.
    assert (row["cumulative_actual"], row["cumulative_expected"]) == ("240.0000", "260.0000")
    assert row["gap"] == "-20.0000" and row["status"] == "behind" and row["expected"] == "140.0000"
    # 2023 without 2022's figure: missing, not 130 + 0 + 170 against 420.
    factories.actual(plan["flow"], city, 2023, "170")
    plan["flow"].actuals.filter(year=2022).delete()
    row = indicators(api_client, year=2023)["3"]
    assert row["actual"] == "170.0000" and row["status"] == "missing" and row["cumulative_actual"] is None
    assert dashboard(api_client, year=2023)["3"]["status"] == "missing"


def test_a_jump_is_flagged_on_typed_values_only_and_the_first_year_against_the_baseline(
    api_client, people, units, plan
) -> None:
    city = units[CITY]
    factories.actual(plan["total"], city, 2021, "61.5")  # a lost decimal point: 6.15 × 10 against 32.2
    for day in ("2022-03-01", "2022-04-01", "2022-05-01"):  # none landed in 2021, three in 2022
        talent_factories.talent(units[NANHU], landed_on=datetime.date.fromisoformat(day))
    api_client.force_authenticate(people["city_viewer"])
    assert indicators(api_client, year=2021)["1"]["jump"] is True
    counted = indicators(api_client, year=2022)["4"]
    assert counted["actual"] == "3.0000" and counted["source"] == "counted" and counted["jump"] is False
    assert dashboard(api_client, year=2021)["1"]["jump"] is True


def test_the_plan_pages_say_a_partial_sum_is_partial(client, people, units, plan) -> None:
    factories.actual(plan["total"], units[NANHU], 2023, "3")
    client.force_login(people["city_viewer"])
    table = client.get(reverse("plans:plan_table", args=[plan["total"].plan_id]), {"year": 2023})
    assert table.status_code == 200
    assert table.content.decode().count("plan-partial") == 1 and "7个单位中已有1个报送" in table.content.decode()
    page = client.get(plan["total"].get_absolute_url(), {"year": 2023})
    assert "7个单位中已有1个报送" in page.content.decode()
    factories.actual(plan["total"], units[NANHU], 2022, "2.9")  # a single unit's own year: not partial for 南湖
    county = client.get(plan["total"].get_absolute_url(), {"year": 2023, "org_unit": NANHU})
    assert "已有" not in county.content.decode()
