"""A lead opens the plan's indicator table, changes the year, spots a behind-target indicator and opens its page
with the chart and the breakdown by county. Screenshots at 1366×768 and on a phone."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from plans.demo import PLAN_14, TABLE_14
from plans.models import Plan

from .conftest import NetworkLog
from .test_assessment import sign_in

pytestmark = pytest.mark.browser


def test_lead_reads_the_plan_table_changes_the_year_and_opens_an_indicator(
    page: Page, network_log: NetworkLog, screenshots, transactional_db
) -> None:
    call_command("seed_demo", stdout=StringIO())
    plan = Plan.objects.get(name=PLAN_14)

    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, "leader")
    page.goto("/plans/")
    expect(page).to_have_url(re.compile(r"/plans/\d+/table/"))
    page.locator("#plan-picker").get_by_role("link", name=PLAN_14).click()
    expect(page).to_have_url(re.compile(rf"/plans/{plan.pk}/table/"))
    rows = page.locator("#plan-table tbody tr")
    expect(rows).to_have_count(len(TABLE_14))
    expect(page.locator("#plan-table thead")).to_contain_text("2020年基期数")

    page.wait_for_load_state()  # the choice re-queries through the page's script, loaded with the page
    page.locator("#plan-choice select[name=year]").select_option("2023")
    expect(page).to_have_url(re.compile(r"year=2023"))
    expect(page.locator("#plan-view")).to_contain_text("2023年")
    expect(page.locator("#plan-table tr[data-indicator='1.7'] td[data-year='2023']")).to_contain_text("缺数")
    expect(page.locator("#plan-table tr[data-indicator='4.2'] .plan-jump").first).to_be_visible()
    page.screenshot(path=str(screenshots / "plan-table.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366, "the table page overflows sideways"
    card = page.locator("#plan-table").locator("xpath=..")
    assert card.evaluate("e => e.scrollWidth <= e.clientWidth"), "the table does not fit its card at 1366×768"

    # 专业技术人才高级职称比例: kept by county, behind its path in 2023.
    behind = page.locator("#plan-table tr[data-indicator='3.2']")
    expect(behind).to_have_attribute("data-status", "behind")
    expect(behind).to_have_class(re.compile("plan-behind"))
    name = behind.locator("th.plan-name a").inner_text()
    behind.locator("th.plan-name a").click()
    expect(page).to_have_url(re.compile(r"/plans/indicators/\d+/\?org_unit=330400&year=2023"))
    expect(page.locator("h1")).to_contain_text(name)
    expect(page.locator("[data-chart='indicator-chart'] canvas")).to_be_visible()
    expect(page.locator("#breakdown-table tbody tr")).to_have_count(7)
    expect(page.locator("[data-chart='breakdown-chart'] canvas")).to_be_visible()
    expect(page.locator("#years-table")).to_contain_text("由下级单位汇总")
    page.wait_for_timeout(1500)  # let the lines finish drawing before the screenshot
    page.screenshot(path=str(screenshots / "plan-indicator.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366, "the indicator page overflows sideways"

    # Printed on A4 landscape (277 mm wide inside its margins, 1047 px): the table alone, whole, no menus.
    page.goto(f"/plans/{plan.pk}/table/?org_unit=330400&year=2025")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 1047, "height": 740})
    expect(page.locator("#sidebar")).to_be_hidden()
    expect(page.locator("#plan-choice")).to_be_hidden()
    expect(page.locator("#plan-view")).to_contain_text("2025年")
    card = page.locator("#plan-table").locator("xpath=..")
    assert card.evaluate("e => e.scrollWidth <= e.clientWidth"), "the printed table is cut at the right"
    page.screenshot(path=str(screenshots / "plan-table-print.png"), full_page=True)
    page.emulate_media(media="screen")

    # On a phone the table scrolls inside its card; the page itself does not.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/plans/{plan.pk}/table/?org_unit=330400&year=2025")
    expect(rows).to_have_count(len(TABLE_14))
    page.screenshot(path=str(screenshots / "plan-table-phone.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the phone page overflows sideways"
    assert network_log.problems() == []
