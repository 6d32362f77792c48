"""A lead signs in and lands on the cockpit, changes the year, reads the county comparison and the plan's
indicators, and follows a behind-target indicator to its page. Screenshots at 1366×768 and on a phone."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from plans.models import Plan, PlanActual, PlanIndicator
from talentportal.orgs.demo import seed
from talentportal.orgs.models import OrgUnit, User

from ..assessments.test_pages import county_scheme, open_scheme, publish
from ..platforms import factories as platform_factories
from ..programs import factories as program_factories
from ..talents import factories as talent_factories
from .conftest import NetworkLog

pytestmark = pytest.mark.browser

YEAR = 2025
TIERS = ["national_leading", "provincial_leading", "municipal_leading", "youth", "youth", "other"]


def sign_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("#login-button")


def registry(city: OrgUnit) -> None:
    """Talents, selections, funding and platforms in every county, this year and the year before."""
    counties = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY).order_by("code"))
    programs = [program_factories.program(city, level=level) for level in ("national", "provincial", "municipal")]
    batches = [program_factories.batch(p, year=YEAR) for p in programs]
    for n, county in enumerate(counties):
        for year, count in [(YEAR, 4 + (n * 5) % 7), (YEAR - 1, 3 + n % 4)]:
            for i in range(count):
                person = talent_factories.talent(
                    county, tier=TIERS[(i + n) % len(TIERS)], landed_on=datetime.date(year, 1 + i % 12, 1 + n)
                )
                if i % 3 == 0:
                    talent_factories.team(county, person)
                if i % 2 == 0:
                    selection = program_factories.selection(
                        batches[(i + n) % 3], county, talent=person, status="selected", award_amount=Decimal(100),
                        applied_on=datetime.date(year, 1, 1), decided_on=datetime.date(year, 6, 1),
                    )  # fmt: skip
                    paid = i % 4 == 0
                    program_factories.tranche(
                        selection, 1, amount=Decimal(20 + 5 * n), planned_on=datetime.date(year, 7, 1),
                        status="paid" if paid else "approved", paid_on=datetime.date(year, 8, 1) if paid else None,
                        voucher_no=f"V{year}{n}{i}" if paid else "",
                    )  # fmt: skip
            platform_factories.platform(county, level=["national", "provincial", "municipal"][n % 3],
                                        recognized_on=datetime.date(year, 5, 1))  # fmt: skip


def plan(city: OrgUnit) -> PlanIndicator:
    """The 十四五 plan with two indicators: one entered and behind target, one counted from the registry."""
    five_year = Plan.objects.create(name="嘉兴市人才发展“十四五”规划", org_unit=city, start_year=2021, end_year=2025)
    behind = PlanIndicator.objects.create(
        plan=five_year, code="1", group="人才总量", name="人才资源总量", unit="万人", category="total",
        baseline_year=2020, baseline_value=Decimal("32.2"), target_year=2025, target_value=Decimal("39"), order=1,
    )  # fmt: skip
    for year, value in [(2021, "32.9"), (2022, "33.5"), (2023, "34.0"), (2024, "34.6"), (2025, "35.1")]:
        PlanActual.objects.create(indicator=behind, org_unit=city, year=year, value=Decimal(value), source="统计年报")
    for code, value in [("330402", "4.1"), ("330411", "3.2")]:  # two counties' shares of the last year
        county = OrgUnit.objects.get(code=code)
        PlanActual.objects.create(indicator=behind, org_unit=county, year=2025, value=Decimal(value))
    PlanIndicator.objects.create(
        plan=five_year, code="2", group="人才引育", name="年度引进领军人才", unit="人", category="flow",
        baseline_year=2020, baseline_value=Decimal(20), target_year=2025, target_value=Decimal(30), order=2,
        metric="talents.landed", metric_params={"tier": ["top", "national_leading", "provincial_leading"]},
    )  # fmt: skip
    return behind


def test_lead_lands_on_the_cockpit_changes_the_year_and_follows_a_behind_target_indicator(
    page: Page, network_log: NetworkLog, screenshots, transactional_db
) -> None:
    seed()
    city = OrgUnit.objects.get(code="330400")
    admin = User.objects.get(username="admin")
    registry(city)
    behind = plan(city)
    publish(open_scheme(county_scheme(city, YEAR - 1, "县（市、区）人才工作考核"), admin), admin)
    open_scheme(county_scheme(city, YEAR, "县（市、区）人才工作考核"), admin)

    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, "leader")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.locator("h1")).to_contain_text("领导驾驶舱")
    expect(page.locator("#nav-cockpit")).to_have_class(re.compile("active"))

    page.wait_for_load_state()  # the year re-queries through the page's script, loaded with the page
    page.select_option("#cockpit-year", str(YEAR))
    expect(page).to_have_url(re.compile(rf"year={YEAR}"))
    landed = sum(4 + (n * 5) % 7 for n in range(7))
    expect(page.locator("#headlines [data-figure='talents_landed'] .stat")).to_have_text(str(landed))
    expect(page.locator("#comparison tbody tr")).to_have_count(17)  # 7 counties and 10 departments
    expect(page.locator("#county-cards .card")).to_have_count(7)
    expect(page.locator("[data-chart='tiers-chart'] canvas")).to_be_visible()
    expect(page.locator("[data-chart='funds-chart'] canvas")).to_be_visible()
    first = page.locator("#plan-indicators [data-indicator]").first
    expect(first).to_have_attribute("data-status", "behind")
    expect(page.locator("#ranking-current")).to_contain_text("县（市、区）人才工作考核")
    expect(page.locator("#ranking-published")).to_contain_text("南湖区")
    page.wait_for_timeout(1500)  # let the bars finish growing before the screenshot
    page.screenshot(path=str(screenshots / "cockpit.png"))
    page.screenshot(path=str(screenshots / "cockpit-full.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366, "the cockpit overflows sideways"

    # Printed on A4 landscape (about 1123 px at 96 dpi): the charts are drawn again at the page's width, none cut.
    page.set_viewport_size({"width": 1123, "height": 794})
    page.emulate_media(media="print")
    page.wait_for_timeout(500)
    widths = page.evaluate(
        "Array.from(document.querySelectorAll('.chart canvas')).map(c => c.getBoundingClientRect().right)"
    )
    assert widths and max(widths) <= 1123, widths
    assert not page.locator("#sidebar").is_visible()
    page.screenshot(path=str(screenshots / "cockpit-print.png"), full_page=True)
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1366, "height": 768})

    # A figure already in 万元 (or 万人, or a share) is not scaled again: 25000 万元 is never “2.5万 万元”.
    formats = page.evaluate("""() => {
      const money = portalChartFormat({portalFormat: "number", yAxis: {name: "万元"}, tooltip: {}});
      const share = portalChartFormat({portalFormat: "number", yAxis: {name: "%"}, tooltip: {}});
      const people = portalChartFormat({portalFormat: "count", yAxis: {name: "人"}, tooltip: {}});
      return [money.yAxis.axisLabel.formatter(25000), money.tooltip.valueFormatter(25000.5),
              share.yAxis.axisLabel.formatter(12000), people.yAxis.axisLabel.formatter(250000)];
    }""")
    assert formats == ["25,000", "25,000.5 万元", "12,000", "25万"]

    # The headline number opens the list it counts, with the same number of records.
    page.locator("#headlines [data-figure='talents_landed'] .stat").click()
    expect(page).to_have_url(re.compile(rf"landed_year={YEAR}"))
    expect(page.locator("#result-count")).to_contain_text(str(landed))
    page.go_back()

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator("#headlines")).to_be_visible()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(screenshots / "cockpit-phone.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the cockpit overflows a phone"

    page.set_viewport_size({"width": 1366, "height": 768})
    assert network_log.problems() == []
    page.locator(f"#plan-indicators [data-indicator='{behind.code}'][data-status='behind'] .indicator-link").click()
    expect(page).to_have_url(re.compile(rf"/plans/indicators/{behind.pk}/\?org_unit=330400&year={YEAR}"))
    expect(page.locator("h1")).to_contain_text("人才资源总量")
    breakdown = page.locator("#breakdown-table")
    expect(breakdown).to_contain_text("南湖区")
    expect(breakdown).to_contain_text("秀洲区")
    expect(page.locator("[data-chart='indicator-chart'] canvas")).to_be_visible()
    expect(page.locator("[data-chart='breakdown-chart'] canvas")).to_be_visible()
    page.wait_for_timeout(1000)  # let the lines and bars finish drawing before the screenshot
    page.screenshot(path=str(screenshots / "cockpit-indicator-breakdown.png"), full_page=True)
    assert network_log.problems() == []
