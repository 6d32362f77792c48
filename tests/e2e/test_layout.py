"""Layout in a real browser: a phone (390 px) gets the menu behind a button, tables that scroll inside their
card and pages of a sane height; the English talent list fits a 1440 px screen; the audit log stays short."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from programs.models import Tranche
from talentportal.audit.models import Action, Source
from talentportal.audit.services import Actor, diff, entry, record_bulk, snapshot
from talentportal.orgs.demo import seed
from talentportal.orgs.models import OrgUnit, User

from ..programs import factories as program_factories
from ..talents import factories as talent_factories
from .conftest import NetworkLog

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
OVERFLOW = "document.documentElement.scrollWidth"
HEIGHT = "document.documentElement.scrollHeight"


def sign_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("#login-button")
    expect(page.locator("#user-menu")).to_have_count(1)


def test_phone_menu_hides_behind_its_button(page: Page, network_log: NetworkLog, screenshots, transactional_db):
    seed()
    page.set_viewport_size(PHONE)
    sign_in(page, "nanhu_admin")
    sidebar = page.locator("#sidebar")
    expect(sidebar).to_be_hidden()
    assert page.evaluate(OVERFLOW) <= PHONE["width"]
    page.screenshot(path=str(screenshots / "phone-home.png"), full_page=True)
    page.click("#sidebar-toggle")
    expect(sidebar).to_be_visible()
    expect(page.locator("#sidebar.show:not(.showing)")).to_have_count(1)  # slid in
    expect(sidebar.get_by_role("link", name="人才", exact=False).first).to_be_visible()
    page.wait_for_timeout(400)  # the transition's last frames
    page.screenshot(path=str(screenshots / "phone-sidebar.png"))
    sidebar.locator(".btn-close").click()
    expect(sidebar).to_be_hidden()
    # Every page of the registry and the admin's pages fit the width: wide tables scroll inside their card.
    talent_factories.talent(OrgUnit.objects.get(code="330402"), name="欧阳明远", employer_name="嘉兴学院电子信息学院")
    for url in ("/registry/talents/", "/registry/enterprises/", "/programs/funding/", "/audit/", "/jobs/"):
        page.goto(url)
        assert page.evaluate(OVERFLOW) <= PHONE["width"], url
    page.goto("/registry/talents/")
    first = page.locator("#results tbody tr").first.locator("td").first
    assert first.evaluate("el => getComputedStyle(el).position") == "sticky"
    assert network_log.problems() == []


def test_wide_screen_keeps_the_sidebar_in_place(page: Page, transactional_db):
    seed()
    page.set_viewport_size(DESKTOP)
    sign_in(page, "nanhu_admin")
    expect(page.locator("#sidebar")).to_be_visible()
    expect(page.locator("#sidebar-toggle")).to_be_hidden()
    box = page.locator("#sidebar").bounding_box()
    assert box is not None and box["x"] == 0 and box["width"] < 320


def test_phone_pipeline_table_keeps_its_header_on_a_few_lines(page: Page, screenshots, transactional_db):
    seed()
    city, nanhu = OrgUnit.objects.get(code="330400"), OrgUnit.objects.get(code="330402")
    program = program_factories.program(city, name="创新嘉兴·精英引领计划")
    batch = program_factories.batch(program, ordinal=6, year=2025)
    company = talent_factories.enterprise(nanhu, name="嘉兴市南湖区智能装备研究院有限公司")
    for _ in range(6):
        program_factories.selection(batch, nanhu, status="publicized", employer=company, award_amount=100)
    page.set_viewport_size(PHONE)
    sign_in(page, "admin")
    page.goto(f"/programs/batches/{batch.pk}/?tab=pipeline")
    headers = page.locator("#selection-table thead th")
    expect(headers.first).to_be_visible()
    line = float(headers.first.evaluate("el => parseFloat(getComputedStyle(el).lineHeight) || 24"))
    for height in headers.evaluate_all("cells => cells.map(c => c.getBoundingClientRect().height)"):
        assert height <= 3 * line + 16
    for height in page.locator("#selection-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.getBoundingClientRect().height)"
    ):
        assert height <= 3 * line + 16
    assert page.evaluate(OVERFLOW) <= PHONE["width"]
    page.screenshot(path=str(screenshots / "phone-pipeline.png"), full_page=True)


def test_phone_funding_overview_has_a_sane_height(page: Page, screenshots, transactional_db):
    seed()
    city = OrgUnit.objects.get(code="330400")
    counties = list(OrgUnit.objects.filter(kind="county"))
    today = datetime.date.today()
    for p in range(8):
        program = program_factories.program(city, name=f"嘉兴市高层次人才创业创新计划第{p + 1}类")
        batch = program_factories.batch(program, year=2021 + p % 4)
        for n in range(12):
            chosen = program_factories.selected(batch, counties[n % len(counties)], award="300")
            for number in (1, 2):
                program_factories.tranche(
                    chosen,
                    number,
                    amount="100",
                    planned_on=today + datetime.timedelta(days=n * 5 + number),
                    status=Tranche.Status.PLANNED if n % 3 else Tranche.Status.APPROVED,
                )
    page.set_viewport_size(PHONE)
    sign_in(page, "admin")
    for by in ("program", "batch", "org_unit", "year"):
        page.goto(f"/programs/funding/?by={by}")
        expect(page.locator("#funding-table")).to_be_visible()
        assert page.evaluate(HEIGHT) < 4000, by
        assert page.evaluate(OVERFLOW) <= PHONE["width"], by
    page.goto("/programs/funding/?by=batch")
    page.wait_for_timeout(500)  # the chart draws after ECharts loads
    page.screenshot(path=str(screenshots / "phone-funding.png"), full_page=True)


def test_english_talent_list_fits_a_1440_screen(page: Page, screenshots, transactional_db):
    seed()
    nanhu = OrgUnit.objects.get(code="330402")
    company = talent_factories.enterprise(nanhu, name="嘉兴市南湖区智能装备研究院有限公司")
    for tier in ("top", "national_leading", "provincial_leading", "municipal_leading", "youth", "other"):
        talent_factories.talent(nanhu, tier=tier, category="social_work", employer=company, landed_on="2024-05-01")
    talent_factories.talent(
        nanhu, name="Alexander Konstantinopoulos", employer_name="University of Science and Technology"
    )
    page.set_viewport_size(DESKTOP)
    sign_in(page, "nanhu_admin")
    page.click("#language-form button[value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/registry/talents/")
    container = page.locator("#results .table-responsive")
    expect(container).to_be_visible()
    sizes = container.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert sizes[0] <= sizes[1], sizes
    assert page.evaluate(OVERFLOW) <= DESKTOP["width"]
    page.screenshot(path=str(screenshots / "talents-en-1440.png"), full_page=True)


def test_audit_log_of_200_new_records_stays_short(page: Page, network_log: NetworkLog, screenshots, transactional_db):
    seed()
    nanhu = OrgUnit.objects.get(code="330402")
    editor = User.objects.get(username="nanhu_editor")
    people = [talent_factories.talent(nanhu, employer_name="嘉兴学院", notes="2024 年引进") for _ in range(200)]
    record_bulk(
        [entry(Actor(user=editor, source=Source.FORM), Action.CREATE, t, diff(None, snapshot(t))) for t in people]
    )
    page.set_viewport_size(DESKTOP)
    sign_in(page, "admin")
    page.goto("/audit/")
    rows = page.locator("#audit-log > tbody > tr")
    expect(rows).to_have_count(50)
    assert page.evaluate(HEIGHT) < 3000
    details = page.locator("#audit-log details").first  # the first row is the admin's own sign-in
    diff_table = details.locator(".audit-diff")
    expect(diff_table).to_be_hidden()
    page.screenshot(path=str(screenshots / "audit-log.png"), full_page=True)
    details.locator("summary").click()
    expect(diff_table).to_be_visible()
    expect(diff_table).not_to_contain_text(people[-1].id_number)  # masked as before
    page.screenshot(path=str(screenshots / "audit-log-diff.png"))
    page.get_by_role("link", name="下一页").first.click()
    expect(page).to_have_url(re.compile(r"[?&]page=2"))
    expect(rows).to_have_count(50)
    assert network_log.problems() == []


def test_missing_record_in_debug_is_the_portals_page(page: Page, settings, screenshots, transactional_db):
    seed()
    settings.DEBUG = True
    xiuzhou = talent_factories.talent(OrgUnit.objects.get(code="330411"))
    page.set_viewport_size(DESKTOP)
    sign_in(page, "nanhu_editor")
    response = page.goto(f"/registry/talents/{xiuzhou.pk}/")
    assert response is not None and response.status == 404
    expect(page.locator("#error-page")).to_contain_text("页面不存在")
    expect(page.locator("body")).not_to_contain_text("URLconf")
    page.screenshot(path=str(screenshots / "error-404.png"))
