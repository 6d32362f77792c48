"""The plan's pages: the indicator table and an indicator's page, for every role, inside and outside its scope,
with hostile years and units, and in a fixed number of queries whatever the number of actuals."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plans.models import Plan, PlanActual, PlanIndicator, PlanTarget
from talentportal.orgs.models import OrgUnit, User
from tests.conftest import PERSONAS
from tests.talents.factories import talent
from tests.test_charts import embedded

pytestmark = pytest.mark.django_db

CITY, A, B = "330400", "330402", "330411"
CITY_ROLES = [p for p, (code, _role) in PERSONAS.items() if code == CITY]
A_ROLES = [p for p, (code, _role) in PERSONAS.items() if code == A]
# Figures no other figure of the plan can be mistaken for.
A_VALUE, B_VALUE, CITY_SUM = "111.11", "222.22", "333.33"
D3 = Decimal("33.3333")


def make_plan(units: dict[str, OrgUnit]) -> Plan:
    """The city's 2021–2025 plan: a total kept by county (the city's figure rolls up), a rate kept by county from
    numerators, a city-only total with a missing year and a typing error, one whose target is its baseline, and
    one counted live from the registry."""
    city, a, b = units[CITY], units[A], units[B]
    plan = Plan.objects.create(name="十四五人才发展规划", org_unit=city, start_year=2021, end_year=2025)

    def indicator(code: str, name: str, **fields: object) -> PlanIndicator:
        values: dict[str, object] = {
            "group": "人才总量", "unit": "万人", "category": "total", "baseline_year": 2020,
            "baseline_value": Decimal("100"), "target_year": 2025, "target_value": Decimal("400"), **fields,
        }  # fmt: skip
        return PlanIndicator.objects.create(plan=plan, code=code, name=name, order=int(code), **values)

    total = indicator("1", "人才资源总量")
    PlanTarget.objects.create(indicator=total, org_unit=a, baseline_value=50, target_value=200)
    PlanTarget.objects.create(indicator=total, org_unit=b, baseline_value=50, target_value=200)
    PlanActual.objects.create(indicator=total, org_unit=a, year=2023, value=Decimal(A_VALUE))
    PlanActual.objects.create(indicator=total, org_unit=b, year=2023, value=Decimal(B_VALUE))
    share = indicator(
        "2", "高技能人才占比", group="人才结构", unit="%", category="rate",
        baseline_value=Decimal("30"), target_value=Decimal("40"),
    )  # fmt: skip
    PlanActual.objects.create(indicator=share, org_unit=a, year=2023, value=50, numerator=1, denominator=2)
    PlanActual.objects.create(indicator=share, org_unit=b, year=2023, value=25, numerator=1, denominator=4)
    # The other counties report too (the city's figures are no partial sums): nothing to the total, and a third
    # each to the rate, which keeps the city's at 2 of 6 = 7 of 21.
    for other in OrgUnit.objects.filter(parent=city, kind=OrgUnit.Kind.COUNTY).exclude(pk__in=[a.pk, b.pk]):
        PlanActual.objects.create(indicator=total, org_unit=other, year=2023, value=0)
        PlanActual.objects.create(indicator=share, org_unit=other, year=2023, value=D3, numerator=1, denominator=3)
    patents = indicator("3", "每万人发明专利拥有量", group="人才效能", unit="件", baseline_value=Decimal("4"),
                        target_value=Decimal("10"))  # fmt: skip
    for year, value in [(2021, "5.2"), (2022, "61.5"), (2024, "7.3")]:  # 2022 a lost decimal point, 2023 missing
        PlanActual.objects.create(indicator=patents, org_unit=city, year=year, value=Decimal(value))
    flat = indicator("4", "农村实用人才", group="人才效能", baseline_value=Decimal("3.87"),
                     target_value=Decimal("3.87"))  # fmt: skip
    PlanActual.objects.create(indicator=flat, org_unit=city, year=2023, value=Decimal("3.9"))
    indicator("5", "新落地人才", group="人才引育", unit="人", category="flow", baseline_value=Decimal(0),
              target_value=Decimal(20), metric="talents.landed")  # fmt: skip
    return plan


@pytest.fixture
def plan(units: dict[str, OrgUnit]) -> Plan:
    return make_plan(units)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def table(client: Client, plan: Plan, query: str = "year=2023") -> str:
    response = client.get(f"/plans/{plan.pk}/table/?{query}")
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def indicator_page(client: Client, plan: Plan, code: str, query: str = "year=2023") -> str:
    indicator = plan.indicators.get(code=code)
    response = client.get(f"/plans/indicators/{indicator.pk}/?{query}")
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def units_listed(html: str) -> list[str]:
    return re.findall(r'<tr data-unit="([^"]+)"', html)


@pytest.mark.parametrize("persona", CITY_ROLES)
def test_city_roles_read_the_city_table_rolled_up_from_the_counties(plan: Plan, people, persona: str) -> None:
    html = table(signed_in(people[persona]), plan)
    assert html.count("<tr data-indicator=") == 5
    row = re.search(r'<tr data-indicator="1".*?</tr>', html, re.S)
    assert row and CITY_SUM in row.group(0)  # 111.11 + 222.22, rolled up
    share = re.search(r'<tr data-indicator="2".*?</tr>', html, re.S)
    assert share and "33.33" in share.group(0)  # 2 of 6, never the mean of 50% and 25%
    assert 'rowspan="2"' in html  # 人才效能 spans its two rows


@pytest.mark.parametrize("persona", A_ROLES)
def test_a_county_sees_its_own_figures_and_never_another_countys(plan: Plan, people, persona: str) -> None:
    client = signed_in(people[persona])
    html = table(client, plan)
    assert A_VALUE in html and B_VALUE not in html and CITY_SUM not in html
    assert '<option value="330402" selected>' in html and 'value="330411"' not in html
    page = indicator_page(client, plan, "1")
    assert units_listed(page) == [A]
    assert A_VALUE in page and B_VALUE not in page and CITY_SUM not in page


def test_the_other_county_sees_only_its_own(plan: Plan, people) -> None:
    client = signed_in(people["b_editor"])
    html = table(client, plan)
    assert B_VALUE in html and A_VALUE not in html
    assert units_listed(indicator_page(client, plan, "1")) == [B]


def test_the_city_breakdown_lists_the_counties_with_their_own_targets(plan: Plan, people, units) -> None:
    page = indicator_page(signed_in(people["city_viewer"]), plan, "1")
    counties = sorted(u.code for u in units.values() if u.kind == OrgUnit.Kind.COUNTY)
    assert units_listed(page) == counties
    row = re.search(rf'<tr data-unit="{A}".*?</tr>', page, re.S)
    assert row and A_VALUE in row.group(0) and "200" in row.group(0)
    assert 'data-chart="breakdown-chart"' in page and 'data-chart="indicator-chart"' in page
    assert "由下级单位汇总" in page  # where the city's figure came from


def test_a_city_lead_may_look_at_one_county(plan: Plan, people) -> None:
    html = table(signed_in(people["city_viewer"]), plan, f"org_unit={B}&year=2023")
    assert B_VALUE in html and A_VALUE not in html


@pytest.mark.parametrize("code", [B, CITY, "nowhere", "330402\x00", "x" * 5000])
def test_a_unit_outside_the_scope_is_not_found(plan: Plan, people, code: str) -> None:
    client = signed_in(people["a_viewer"])
    indicator = plan.indicators.get(code="1")
    assert client.get(f"/plans/{plan.pk}/table/", {"org_unit": code}).status_code == 404
    assert client.get(f"/plans/indicators/{indicator.pk}/", {"org_unit": code}).status_code == 404


def test_another_countys_plan_is_not_found(units, people) -> None:
    plan = Plan.objects.create(name="秀洲区人才规划", org_unit=units[B], start_year=2021, end_year=2025)
    indicator = PlanIndicator.objects.create(
        plan=plan, code="1", group="总量", name="人才资源总量", baseline_year=2020, target_year=2025, target_value=1
    )
    client = signed_in(people["a_admin"])
    assert client.get(f"/plans/{plan.pk}/table/").status_code == 404
    assert client.get(f"/plans/indicators/{indicator.pk}/").status_code == 404
    assert signed_in(people["b_editor"]).get(f"/plans/{plan.pk}/table/").status_code == 200


def test_anonymous_users_are_sent_to_sign_in(plan: Plan) -> None:
    response = Client().get(f"/plans/{plan.pk}/table/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "year", ["abc", "1800", "2026", "99999999999999999999", "2023\x00", "-2023", "２０２３x", "1" * 5000, "20.5"]
)
def test_a_year_outside_the_plan_gets_a_clear_message(plan: Plan, people, year: str) -> None:
    client = signed_in(people["city_viewer"])
    indicator = plan.indicators.get(code="1")
    for url in (f"/plans/{plan.pk}/table/", f"/plans/indicators/{indicator.pk}/"):
        response = client.get(url, {"year": year})
        assert response.status_code == 400
        assert "年份须为 2021 至 2025 之间的整数" in response.content.decode()


def test_a_year_of_the_plan_not_yet_begun_gets_the_message_too(units, people) -> None:
    now = timezone.localdate().year
    plan = Plan.objects.create(name="十五五规划", org_unit=units[CITY], start_year=now, end_year=now + 4)
    response = signed_in(people["city_viewer"]).get(f"/plans/{plan.pk}/table/", {"year": now + 2})
    assert response.status_code == 400 and f"{now} 至 {now}" in response.content.decode()


def test_missing_years_jumps_and_undefined_progress_are_flagged(plan: Plan, people) -> None:
    html = table(signed_in(people["city_viewer"]), plan, "year=2024")
    patents = re.search(r'<tr data-indicator="3".*?</tr>', html, re.S)
    assert patents is not None
    assert re.search(r'data-year="2023">.*?缺数', patents.group(0))
    assert re.search(r'data-year="2022">61.5 <i class="bi bi-exclamation-triangle-fill', patents.group(0))
    assert re.search(r'data-year="2021">5.2</td>', patents.group(0))  # 4 → 5.2 is no typing error
    flat = re.search(r'<tr data-indicator="4".*?</tr>', table(signed_in(people["city_viewer"]), plan), re.S)
    assert flat and 'title="目标值与基期数相同，无法计算进度。"' in flat.group(0)


def test_statuses_and_the_growth_still_needed(plan: Plan, people) -> None:
    html = table(signed_in(people["city_viewer"]), plan)
    # 人才资源总量: 333.33 in 2023 on a path 100 → 400 that expects 280: ahead; (400 / 333.33)^(1/2) − 1 = +9.55%.
    row = re.search(r'<tr data-indicator="1" data-status="ahead">.*?</tr>', html, re.S)
    assert row and "+9.55%" in row.group(0) and "超前" in row.group(0)
    share = re.search(r'<tr data-indicator="2" data-status="behind" class="plan-behind">.*?</tr>', html, re.S)
    assert share and "+3.33个百分点" in share.group(0)  # (40 − 33.33) / 2 years


def test_metric_bound_figures_are_counted_and_link_to_their_records(plan: Plan, people, units) -> None:
    for n in range(3):
        talent(units[A], landed_on=datetime.date(2023, 3, n + 1))
    talent(units[B], landed_on=datetime.date(2023, 5, 1))
    page = indicator_page(signed_in(people["city_viewer"]), plan, "5")
    row = re.search(r'<tr data-year="2023".*?</tr>', page, re.S)
    assert row and "4人" in row.group(0) and "登记数据实时统计" in row.group(0)
    assert "landed_year=2023" in row.group(0) and "org_unit=330400" in row.group(0)
    a_page = indicator_page(signed_in(people["a_viewer"]), plan, "5")
    a_row = re.search(r'<tr data-year="2023".*?</tr>', a_page, re.S)
    assert a_row and "3人" in a_row.group(0)


def test_plans_home_opens_the_running_plan(plan: Plan, people, units) -> None:
    now = timezone.localdate().year
    running = Plan.objects.create(name="当期规划", org_unit=units[CITY], start_year=now - 1, end_year=now + 3)
    response = signed_in(people["a_viewer"]).get("/plans/")
    assert response.status_code == 302 and response["Location"] == f"/plans/{running.pk}/table/"


def test_plans_home_without_a_plan(people) -> None:
    response = signed_in(people["a_viewer"]).get("/plans/")
    assert response.status_code == 200 and 'id="no-plan"' in response.content.decode()


def grow(plan: Plan, units: dict[str, OrgUnit]) -> None:
    """Many more actuals, targets and registry records, in every unit and year."""
    indicators = list(plan.indicators.exclude(metric="talents.landed"))
    rows = []
    for unit in units.values():
        if unit.code in (A, B, CITY):
            continue
        for indicator in indicators:
            for year in range(2021, 2026):
                rows.append(
                    PlanActual(indicator=indicator, org_unit=unit, year=year, value=10, numerator=1, denominator=10)
                )
    PlanActual.objects.bulk_create(rows, ignore_conflicts=True)  # the counties' 2023 figures are there already
    for code in (A, B, "330421"):
        for n in range(5):
            talent(units[code], landed_on=datetime.date(2021 + n, 6, 1))


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("persona", ["city_viewer", "a_editor"])
def test_the_pages_make_a_fixed_number_of_queries(plan: Plan, people, units, persona: str) -> None:
    client = signed_in(people[persona])
    indicator = plan.indicators.get(code="5")
    urls = [f"/plans/{plan.pk}/table/?year=2025", f"/plans/indicators/{indicator.pk}/?year=2025"]
    client.get(urls[0])  # the session and the caches warm
    small = [queries(client, url) for url in urls]
    grow(plan, units)
    assert [queries(client, url) for url in urls] == small
    assert small[0] <= 30 and small[1] <= 30


def test_a_county_without_its_own_target_is_not_judged_against_the_citys(plan: Plan, people, units) -> None:
    for n in range(2):
        talent(units[A], landed_on=datetime.date(2023, 4, n + 1))
    html = table(signed_in(people["a_viewer"]), plan)
    landed = re.search(r'<tr data-indicator="5".*?</tr>', html, re.S)
    # 2 landed against the city's 20 would read “behind”: a county's share has no target unless it is given one.
    assert landed and 'data-status="not_judged"' in landed.group(0) and "无本级目标" in landed.group(0)
    own = re.search(r'<tr data-indicator="1".*?</tr>', html, re.S)
    assert own and 'data-status="behind"' in own.group(0)  # 111.11 against its own path 50 → 200 (140)
    share = re.search(r'<tr data-indicator="2".*?</tr>', html, re.S)
    assert share and 'data-status="ahead"' in share.group(0)  # a rate is judged against the plan's rate: 50% ≥ 36%


def test_big_figures_read_in_wan_and_counts_are_never_typing_errors(plan: Plan, people, units) -> None:
    big = PlanIndicator.objects.create(
        plan=plan, code="6", group="人才效能", name="技术合同成交额", unit="元", baseline_year=2020,
        baseline_value=Decimal(1_000_000), target_year=2025, target_value=Decimal(3_000_000), order=6,
    )  # fmt: skip
    PlanActual.objects.create(indicator=big, org_unit=units[CITY], year=2023, value=Decimal("1234567.89"))
    talent(units[A], landed_on=datetime.date(2023, 4, 1))  # 0 → 1 landed: a jump, but a count
    html = table(signed_in(people["city_viewer"]), plan)
    row = re.search(r'<tr data-indicator="6".*?</tr>', html, re.S)
    assert row and "123.46万" in row.group(0) and "300万" in row.group(0)
    landed = re.search(r'<tr data-indicator="5".*?</tr>', html, re.S)
    assert landed and 'data-year="2023">1</td>' in landed.group(0) and "plan-jump" not in landed.group(0)


@pytest.mark.urls("tests.plans.entry_urls")
def test_editors_enter_or_correct_a_years_actual_and_viewers_do_not(plan: Plan, people, units) -> None:
    share = plan.indicators.get(code="2")
    own = PlanActual.objects.get(indicator=share, org_unit=units[A], year=2023)
    page = indicator_page(signed_in(people["a_editor"]), plan, "2")
    row = re.search(r'<tr data-year="2023".*?</tr>', page, re.S)
    assert row and f'href="/plans/stand-in/actuals/{own.pk}/edit/"' in row.group(0)
    row = re.search(r'<tr data-year="2022".*?</tr>', page, re.S)
    entry = f"/plans/stand-in/actuals/new/?indicator={share.pk}&amp;org_unit={units[A].pk}&amp;year=2022"
    assert row and entry in row.group(0)
    assert "/stand-in/" not in indicator_page(signed_in(people["a_viewer"]), plan, "2")
    # A figure counted from the registry is corrected in the registry, not entered over.
    for n in range(2):
        talent(units[A], landed_on=datetime.date(2023, 4, n + 1))
    counted = indicator_page(signed_in(people["a_editor"]), plan, "5")
    row = re.search(r'<tr data-year="2023".*?</tr>', counted, re.S)
    assert row and "/stand-in/" not in row.group(0)


def test_the_cockpit_draws_and_writes_an_indicator_as_its_page_does(plan: Plan, people, units) -> None:
    for n in range(2):
        talent(units[A], landed_on=datetime.date(2025, 3, n + 1))
    client = signed_in(people["city_viewer"])
    cockpit = client.get("/dashboard/", {"year": 2025, "org_unit": CITY}).content.decode()
    charts = {}
    for code in ("1", "5"):
        indicator = plan.indicators.get(code=code)
        charts[code] = embedded(indicator_page(client, plan, code, "year=2025"), "indicator-chart")
        assert embedded(cockpit, f"plan-chart-{indicator.pk}") == charts[code], code
    total, landed = charts["1"]["yAxis"], charts["5"]["yAxis"]
    # 人才资源总量 (万人, 333.33 rolled up in 2023): a level on an axis that fits it, decimals kept.
    assert total["scale"] is True and "minInterval" not in total and total["name"] == "万人"
    assert charts["1"]["series"][0]["data"][:4] == [100.0, None, None, 333.33]  # the baseline year drawn too
    # 新落地人才 (a yearly count): from zero, ticking in whole people.
    assert "scale" not in landed and landed["minInterval"] == 1 and landed["name"] == "人"
    assert charts["5"]["series"][0]["data"][-1] == 2


def test_the_cockpit_writes_figures_and_statuses_as_the_plans_table_does(plan: Plan, people) -> None:
    client = signed_in(people["city_viewer"])
    cockpit = client.get("/dashboard/", {"year": 2024, "org_unit": CITY}).content.decode()
    card = re.search(r'data-indicator="3" data-status="behind".*?</div></div></div>', cockpit, re.S)
    # 7.3 against the path 4 → 10 that expects 8.8 in 2024: behind, written 8.8件 and not 8.8000.
    assert card and "实际值 7.3件 · 预期 8.8件 · 目标值 10件" in card.group(0)
    assert '<span class="badge plan-status plan-status-behind">滞后</span>' in card.group(0)
    row = re.search(r'<tr data-indicator="3".*?</tr>', table(client, plan, "year=2024"), re.S)
    assert row and '<span class="badge plan-status plan-status-behind">滞后</span>' in row.group(0)
    assert ".0000" not in cockpit
