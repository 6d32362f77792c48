"""The plans' API: its contract, the figures of ``?year=`` (equal to independent counts), the refusals (400 naming
the field, never a 500) and the scope (another county's rows never appear)."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plans.models import PlanActual
from talents.models import Talent

from ..talents import factories as talent_factories
from . import factories

pytestmark = pytest.mark.django_db

INDICATOR_FIELDS = {
    "id", "plan", "code", "group", "name", "unit", "category", "baseline_year", "baseline_value", "target_year",
    "target_value", "direction", "metric", "metric_params", "jump_share", "order", "note",
}  # fmt: skip
FIGURE_FIELDS = {"actual", "progress", "expected", "status", "required_growth", "gap", "jump", "source",
                 "cumulative_actual", "cumulative_expected", "units_reported", "units_to_report"}  # fmt: skip


@pytest.fixture
def plan(units: dict[str, Any]) -> dict[str, Any]:
    """The city's 2021–2025 plan: the talent total (entered by the city), a rate (entered by the counties as
    numerator and denominator) and the talents landed (counted from the registry)."""
    city, nanhu, xiuzhou = units["330400"], units["330402"], units["330411"]
    plan = factories.plan(city, name="嘉兴市十四五人才发展规划")
    total = factories.indicator(plan, "1")
    rate = factories.rate(plan, "2")
    landed = factories.indicator(plan, "3", name="新引进人才", unit="人", category="flow", baseline_value=0,
                                 target_value=10, metric="talents.landed")  # fmt: skip
    factories.actual(total, city, 2023, "36.5")
    factories.actual(total, city, 2022, "35")
    factories.actual(rate, nanhu, 2023, "50", numerator=1, denominator=2)
    factories.actual(rate, xiuzhou, 2023, "25", numerator=1, denominator=4)
    for unit, landed_on in ((nanhu, "2023-03-01"), (units["330402001"], "2023-06-01"), (xiuzhou, "2023-09-09"),
                            (nanhu, "2022-12-31"), (xiuzhou, "2024-01-01")):  # fmt: skip
        talent_factories.talent(unit, landed_on=datetime.date.fromisoformat(landed_on))
    return {"plan": plan, "total": total, "rate": rate, "landed": landed}


def by_code(response: Any) -> dict[str, dict[str, Any]]:
    assert response.status_code == 200, response.content
    return {row["code"]: row for row in response.json()["results"]}


def test_the_contract_s_field_names(api_client, people, plan) -> None:
    api_client.force_authenticate(people["city_admin"])
    plans = api_client.get("/api/v1/plans/").json()["results"]
    assert set(plans[0]) == {"id", "name", "org_unit", "start_year", "end_year", "description"}
    assert plans[0]["org_unit"] == "330400"
    rows = by_code(api_client.get("/api/v1/plan-indicators/"))
    assert set(rows["1"]) == INDICATOR_FIELDS | FIGURE_FIELDS
    assert all(rows["1"][name] is None for name in FIGURE_FIELDS)  # no year asked
    assert rows["3"]["metric"] == "talents.landed" and rows["1"]["metric"] == ""
    assert rows["1"]["baseline_value"] == "32.2000"  # decimals as strings, like the API's other values
    actual = api_client.get("/api/v1/plan-actuals/").json()["results"][0]
    assert set(actual) == {"id", "indicator", "org_unit", "year", "value", "numerator", "denominator", "source",
                           "note"}  # fmt: skip
    factories.target(plan["total"], people["a_admin"].membership.org_unit, "4")
    target = api_client.get("/api/v1/plan-targets/").json()["results"][0]
    assert set(target) == {"id", "indicator", "org_unit", "baseline_value", "target_value", "note"}


def test_the_figures_of_a_year_for_the_city(api_client, people, plan) -> None:
    api_client.force_authenticate(people["city_viewer"])
    rows = by_code(api_client.get("/api/v1/plan-indicators/", {"year": 2023}))
    total = rows["1"]
    assert total["actual"] == "36.5000" and total["expected"] == "36.2800" and total["progress"] == "0.6324"
    assert total["status"] == "on_track" and total["gap"] == "0.2200" and total["required_growth"] == "0.0337"
    assert total["source"] == "entered" and total["jump"] is False
    # The city's rate from the counties' numerators: 2 of 6, not the average of 50 % and 25 %.
    assert rows["2"]["actual"] == "33.3333" and rows["2"]["source"] == "rolled_up"
    counted = Talent.objects.filter(landed_on__year=2023).count()
    assert counted == 3 and Decimal(rows["3"]["actual"]) == counted and rows["3"]["source"] == "counted"
    missing = by_code(api_client.get("/api/v1/plan-indicators/", {"year": 2024}))["1"]
    assert missing["status"] == "missing" and missing["actual"] is None and missing["expected"] == "37.6400"


def test_a_county_reads_the_city_s_plan_with_its_own_figures(api_client, people, units, plan) -> None:
    api_client.force_authenticate(people["a_viewer"])
    rows = by_code(api_client.get("/api/v1/plan-indicators/", {"year": 2023}))
    assert rows["2"]["actual"] == "50.0000" and rows["2"]["source"] == "entered"
    nanhu = Talent.objects.filter(org_unit__path__startswith=units["330402"].path, landed_on__year=2023).count()
    assert nanhu == 2 and Decimal(rows["3"]["actual"]) == nanhu
    assert rows["1"]["actual"] is None and rows["1"]["status"] == "missing"  # the city's own total is not A's
    detail = api_client.get(f"/api/v1/plan-indicators/{plan['rate'].pk}/", {"year": 2023}).json()
    assert detail["actual"] == "50.0000"
    # Another county's figures are out of scope, as a code that does not exist.
    for code in ("330411", "330400", "999999", "x" * 500):
        assert api_client.get("/api/v1/plan-indicators/", {"year": 2023, "org_unit": code}).status_code == 404
    api_client.force_authenticate(people["city_viewer"])
    chosen = by_code(api_client.get("/api/v1/plan-indicators/", {"year": 2023, "org_unit": "330411"}))
    assert chosen["2"]["actual"] == "25.0000" and Decimal(chosen["3"]["actual"]) == 1


@pytest.mark.parametrize("year", ["abc", "99999", "1800", "-1", "2023.5", "", "２０２３", "2023\x00", "1e3"])
def test_a_bad_year_is_a_400_with_a_message(api_client, people, plan, year) -> None:
    api_client.force_authenticate(people["city_viewer"])
    for url in ("/api/v1/plan-indicators/", f"/api/v1/plan-indicators/{plan['total'].pk}/"):
        response = api_client.get(url, {"year": year})
        assert response.status_code == 400 and response.json()["year"]


def test_the_figures_take_a_fixed_number_of_queries(api_client, people, units, plan) -> None:
    api_client.force_authenticate(people["city_viewer"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api_client.get("/api/v1/plan-indicators/", {"year": 2023}).status_code == 200
        return len(queries.captured_queries)

    count()  # once to warm what a process caches (the content types)
    before = count()
    for n in range(6):
        more = factories.indicator(plan["plan"], f"9.{n}", metric="talents.landed" if n % 2 else "")
        factories.actual(more, units["330400"], 2023, "3")
        county = factories.plan(units["330411"])  # a county's plan: its figures are the county's
        factories.actual(factories.rate(county), units["330411"], 2023, "10", numerator=1, denominator=10)
    assert count() == before


def post_actual(api_client: Any, indicator: Any, **fields: Any) -> Any:
    return api_client.post("/api/v1/plan-actuals/", {"indicator": indicator.pk, "year": 2024, **fields}, format="json")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"year": 2026, "value": "1"}, "year"),
        ({"year": 2020, "value": "1"}, "year"),
        ({"year": 99999, "value": "1"}, "year"),
        ({"value": "abc"}, "value"),
        ({"value": "-1"}, "value"),
        ({"value": "NaN"}, "value"),
        ({"value": "Infinity"}, "value"),
        ({"value": "-Infinity"}, "value"),
        ({"value": "1e400"}, "value"),
        ({"value": "9" * 40}, "value"),
        ({"value": True}, "value"),
        ({}, "value"),
        ({"value": "1", "note": "备注\x00"}, "note"),
        ({"value": "1", "source": "来源\x1b[31m"}, "source"),
        ({"value": "1", "numerator": "1", "denominator": "2"}, "numerator"),
    ],
)
def test_an_actual_refused_names_its_field_and_writes_nothing(api_client, people, plan, fields, field) -> None:
    api_client.force_authenticate(people["city_admin"])
    before = PlanActual.objects.count()
    response = post_actual(api_client, plan["total"], **fields)
    assert response.status_code == 400 and field in response.json(), response.json()
    assert PlanActual.objects.count() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"value": "120"}, "value"),
        ({"value": "-1"}, "value"),
        ({"numerator": "3", "denominator": "2"}, "numerator"),
        ({"numerator": "1", "denominator": "0"}, "denominator"),
        ({"numerator": "1"}, "denominator"),
        ({"numerator": "-1", "denominator": "2"}, "numerator"),
    ],
)
def test_a_rate_is_a_percentage_from_0_to_100(api_client, people, plan, fields, field) -> None:
    api_client.force_authenticate(people["city_admin"])
    response = post_actual(api_client, plan["rate"], **fields)
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not PlanActual.objects.filter(year=2024).exists()


def test_a_rate_takes_its_value_from_numerator_and_denominator(api_client, people, plan) -> None:
    api_client.force_authenticate(people["city_admin"])
    response = post_actual(api_client, plan["rate"], numerator="1", denominator="3", org_unit="330402")
    assert response.status_code == 201, response.json()
    assert response.json()["value"] == "33.3333" and response.json()["org_unit"] == "330402"
    # A value given alone replaces the parts.
    changed = api_client.patch(f"/api/v1/plan-actuals/{response.json()['id']}/", {"value": "40"}, format="json")
    assert changed.status_code == 200 and changed.json()["numerator"] is None and changed.json()["value"] == "40.0000"


def test_a_duplicate_is_a_400_not_a_500(api_client, people, plan) -> None:
    api_client.force_authenticate(people["city_admin"])
    assert post_actual(api_client, plan["total"], value="1").status_code == 201
    again = post_actual(api_client, plan["total"], value="2")
    assert again.status_code == 400 and "year" in again.json()
    assert PlanActual.objects.filter(year=2024).count() == 1
    existing = PlanActual.objects.get(year=2024)
    moved = api_client.patch(f"/api/v1/plan-actuals/{existing.pk}/", {"year": 2023}, format="json")
    assert moved.status_code == 400 and "year" in moved.json()  # 2023 has the city's value already


def test_the_unit_defaults_to_the_plan_s_when_the_caller_writes_it(api_client, people, plan) -> None:
    api_client.force_authenticate(people["city_admin"])
    assert post_actual(api_client, plan["total"], value="1").json()["org_unit"] == "330400"
    api_client.force_authenticate(people["a_editor"])
    assert post_actual(api_client, plan["total"], value="1").json()["org_unit"] == "330402"
    # A county never writes the city's own figure, nor another county's.
    for code in ("330400", "330411"):
        assert post_actual(api_client, plan["total"], year=2025, value="1", org_unit=code).status_code == 400
    assert not PlanActual.objects.filter(year=2025).exists()


def test_a_figure_of_a_unit_outside_the_plan_is_refused(api_client, people, units) -> None:
    county_plan = factories.plan(units["330411"])
    api_client.force_authenticate(people["city_admin"])
    response = post_actual(api_client, factories.indicator(county_plan), value="1", org_unit="330402")
    assert response.status_code == 400 and "org_unit" in response.json()


def test_another_county_s_rows_never_appear(api_client, people, plan) -> None:
    api_client.force_authenticate(people["b_editor"])
    rows = api_client.get("/api/v1/plan-actuals/", {"page_size": 500}).json()["results"]
    assert {row["org_unit"] for row in rows} == {"330411"}
    nanhu = PlanActual.objects.get(org_unit__code="330402")
    assert api_client.get(f"/api/v1/plan-actuals/{nanhu.pk}/").status_code == 404
    assert api_client.patch(f"/api/v1/plan-actuals/{nanhu.pk}/", {"note": "改"}, format="json").status_code == 404
    api_client.force_authenticate(people["a_viewer"])
    assert api_client.patch(f"/api/v1/plan-actuals/{nanhu.pk}/", {"note": "改"}, format="json").status_code == 403
    nanhu.refresh_from_db()
    assert nanhu.note == ""


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"target_year": 2030}, "target_year"),
        ({"target_year": 2019}, "target_year"),
        ({"metric": "no.such"}, "metric"),
        ({"metric_params": {"tier": ["top"]}}, "metric_params"),
        ({"metric": "talents.landed", "metric_params": {"colour": "red"}}, "metric_params"),
        ({"metric": "talents.landed", "metric_params": ["tier"]}, "metric_params"),
        ({"metric": "talents.landed", "metric_params": "top"}, "metric_params"),
        ({"category": "rate", "target_value": "180"}, "target_value"),
        ({"baseline_value": "NaN"}, "baseline_value"),
        ({"target_value": "1" * 30}, "target_value"),
        ({"baseline_year": 10**30}, "baseline_year"),
        ({"name": "指标\x07"}, "name"),
    ],
)
def test_an_indicator_refused_names_its_field(api_client, people, plan, fields, field) -> None:
    api_client.force_authenticate(people["city_admin"])
    payload = {"plan": plan["plan"].pk, "code": "8", "group": "人才总量", "name": "人才资源总量", "category": "total",
               "baseline_year": 2020, "baseline_value": "1", "target_year": 2025, "target_value": "2"}  # fmt: skip
    response = api_client.post("/api/v1/plan-indicators/", {**payload, **fields}, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()


def test_a_target_equal_to_the_baseline_is_accepted_and_shown_without_progress(api_client, people, plan) -> None:
    api_client.force_authenticate(people["city_admin"])
    payload = {"plan": plan["plan"].pk, "code": "8", "group": "人才总量", "name": "持平指标", "category": "total",
               "baseline_year": 2020, "baseline_value": "5", "target_year": 2025, "target_value": "5"}  # fmt: skip
    created = api_client.post("/api/v1/plan-indicators/", payload, format="json")
    assert created.status_code == 201, created.json()
    assert post_actual(api_client, plan["plan"].indicators.get(code="8"), year=2023, value="5").status_code == 201
    row = api_client.get(f"/api/v1/plan-indicators/{created.json()['id']}/", {"year": 2023}).json()
    assert row["progress"] is None and row["status"] == "on_track" and row["actual"] == "5.0000"


def test_a_plan_s_last_year_comes_after_its_first(api_client, people) -> None:
    api_client.force_authenticate(people["city_admin"])
    response = api_client.post(
        "/api/v1/plans/", {"name": "倒置", "org_unit": "330400", "start_year": 2025, "end_year": 2021}, format="json"
    )
    assert response.status_code == 400 and "end_year" in response.json()


def test_the_answers_match_the_schema(schema, api_client, people, plan) -> None:
    from ..registry.test_schema import check

    api_client.force_authenticate(people["city_viewer"])
    for params in ({}, {"year": 2023}, {"year": 2024}):
        check(schema, "/api/v1/plan-indicators/", "get", 200, api_client.get("/api/v1/plan-indicators/", params).json())
    detail = api_client.get(f"/api/v1/plan-indicators/{plan['total'].pk}/", {"year": 2023}).json()
    check(schema, "/api/v1/plan-indicators/{id}/", "get", 200, detail)
    parameters = {p["name"] for p in schema["paths"]["/api/v1/plan-indicators/"]["get"]["parameters"]}
    assert {"year", "org_unit"} <= parameters
    fields = schema["components"]["schemas"]["PlanIndicator"]["properties"]
    assert fields["progress"]["nullable"] and fields["actual"]["type"] == "string"
    for path in ("/api/v1/plans/", "/api/v1/plan-actuals/", "/api/v1/plan-targets/"):
        check(schema, path, "get", 200, api_client.get(path).json())
    bad = api_client.get("/api/v1/plan-indicators/", {"year": "abc"})
    check(schema, "/api/v1/plan-indicators/", "get", 400, bad.json())


def test_a_plan_s_years_keep_its_stored_actuals_and_targets(api_client, people, plan) -> None:
    api_client.force_authenticate(people["city_admin"])
    url = f"/api/v1/plans/{plan['plan'].pk}/"
    # 2022 and 2023 hold the city's and the counties' actuals; the indicators aim at 2025.
    for fields, field, years in (
        ({"end_year": 2022}, "end_year", "2023"),
        ({"start_year": 2023}, "start_year", "2022"),
        ({"end_year": 2024}, "end_year", "2025"),
    ):
        response = api_client.patch(url, fields, format="json")
        assert response.status_code == 400 and years in response.json()[field][0], response.json()
    plan["plan"].refresh_from_db()
    assert (plan["plan"].start_year, plan["plan"].end_year) == (2021, 2025)
    assert api_client.patch(url, {"end_year": 2026}, format="json").status_code == 200  # nothing falls outside


def test_an_indicator_stays_in_its_plan(api_client, people, units, plan) -> None:
    other = factories.plan(units["330400"], name="另一规划")
    api_client.force_authenticate(people["city_admin"])
    url = f"/api/v1/plan-indicators/{plan['total'].pk}/"
    response = api_client.patch(url, {"plan": other.pk}, format="json")
    assert response.status_code == 400 and "plan" in response.json()
    assert api_client.patch(url, {"plan": plan["plan"].pk, "note": "同一规划"}, format="json").status_code == 200
    plan["total"].refresh_from_db()
    assert plan["total"].plan_id == plan["plan"].pk and plan["total"].actuals.count() == 2


def test_a_category_change_its_stored_figures_break_is_refused(api_client, people, units, plan) -> None:
    api_client.force_authenticate(people["city_admin"])
    factories.actual(plan["total"], units["330400"], 2024, "150")
    response = api_client.patch(f"/api/v1/plan-indicators/{plan['total'].pk}/", {"category": "rate"}, format="json")
    assert response.status_code == 400 and "category" in response.json()
    # The rate's actuals are numerators and denominators: no longer a rate, they would mean nothing.
    response = api_client.patch(f"/api/v1/plan-indicators/{plan['rate'].pk}/", {"category": "total"}, format="json")
    assert response.status_code == 400 and "category" in response.json()
    plan["total"].refresh_from_db()
    plan["rate"].refresh_from_db()
    assert (plan["total"].category, plan["rate"].category) == ("total", "rate")
    plan["total"].actuals.filter(year=2024).delete()  # 35 and 36.5 are shares as well: the change is allowed
    response = api_client.patch(f"/api/v1/plan-indicators/{plan['total'].pk}/", {"category": "rate"}, format="json")
    assert response.status_code == 200, response.json()


@pytest.mark.parametrize("year", ["2100", "2026", "2019", "1949"])
def test_a_year_outside_the_indicators_years_is_a_400(api_client, people, plan, year) -> None:
    """Only the years from the baseline to the plan's end are read: a far year costs no query per year."""
    api_client.force_authenticate(people["city_viewer"])
    for url in ("/api/v1/plan-indicators/", f"/api/v1/plan-indicators/{plan['total'].pk}/"):
        response = api_client.get(url, {"year": year})
        assert (
            response.status_code == 400
            and "2020" in response.json()["year"][0]
            and "2025" in response.json()["year"][0]
        )


def test_the_years_of_the_plan_and_its_baseline_are_answered(api_client, people, units, plan) -> None:
    api_client.force_authenticate(people["city_viewer"])
    assert by_code(api_client.get("/api/v1/plan-indicators/", {"year": 2020}))["1"]["status"] == "missing"
    assert by_code(api_client.get("/api/v1/plan-indicators/", {"year": 2025}))["1"]["expected"] == "39.0000"
    # Beside the next plan (baseline 2025), a year of this one leaves the next one's figures null.
    later = factories.indicator(factories.plan(units["330400"], start=2026, end=2030), "N1", baseline_year=2025,
                                target_year=2030)  # fmt: skip
    rows = by_code(api_client.get("/api/v1/plan-indicators/", {"year": 2023, "page_size": 100}))
    assert rows["1"]["status"] == "on_track" and rows["N1"]["status"] is None
    assert api_client.get(f"/api/v1/plan-indicators/{later.pk}/", {"year": 2027}).status_code == 200
    assert api_client.get(f"/api/v1/plan-indicators/{plan['total'].pk}/", {"year": 2027}).status_code == 400


def test_org_unit_is_limited_to_the_scope_and_the_plan_s_area_with_or_without_a_year(
    api_client, people, units, plan
) -> None:
    xiuzhou_plan = factories.plan(units["330411"], name="秀洲区规划")
    xiuzhou = factories.indicator(xiuzhou_plan, "X1")
    api_client.force_authenticate(people["a_viewer"])
    for query in ({}, {"year": 2023}):
        for code in ("330411", "999999", "330402\x00", "3" * 21):
            response = api_client.get("/api/v1/plan-indicators/", {**query, "org_unit": code})
            assert response.status_code == 404, (query, code)
    api_client.force_authenticate(people["city_viewer"])
    for query in ({}, {"year": 2023}):
        # 南湖 is in the city's plan's area, not in 秀洲's: 秀洲's indicators are not listed for it.
        rows = by_code(api_client.get("/api/v1/plan-indicators/", {**query, "org_unit": "330402"}))
        assert "X1" not in rows and {"1", "2", "3"} <= set(rows)
        detail = api_client.get(f"/api/v1/plan-indicators/{xiuzhou.pk}/", {**query, "org_unit": "330402"})
        assert detail.status_code == 404
        assert "X1" in by_code(api_client.get("/api/v1/plan-indicators/", {**query, "org_unit": "330411"}))


def test_the_status_is_one_named_enum_in_both_apis(schema) -> None:
    components = schema["components"]["schemas"]
    assert not [name for name in components if re.search(r"[0-9a-f]{3}Enum$", name)]
    assert components["PlanStatusEnum"]["enum"] == ["ahead", "on_track", "behind", "missing", "not_judged"]
    for owner in ("PlanIndicator", "IndicatorStanding"):
        status = components[owner]["properties"]["status"]
        assert "PlanStatusEnum" in json.dumps(status), (owner, status)
