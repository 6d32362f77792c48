"""A clerk of the city office ticks three publicised applicants, moves them to 入选 in one action, and watches
the pipeline counts change: the move list offers only what every ticked row can do, and a fourth applicant,
whose award is not set yet, is refused with the rule that stopped it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from programs.models import Selection
from talentportal.orgs.demo import seed
from talentportal.orgs.models import OrgUnit

from ..programs import factories
from .conftest import NetworkLog

pytestmark = pytest.mark.browser


def sign_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("#login-button")


def test_bulk_move_from_publicity_to_selected(
    page: Page, network_log: NetworkLog, screenshots, transactional_db
) -> None:
    seed()
    city, nanhu = OrgUnit.objects.get(code="330400"), OrgUnit.objects.get(code="330402")
    program = factories.program(city, name="创新嘉兴·精英引领计划", short_name="精英引领计划")
    batch = factories.batch(program, ordinal=6, year=2025)
    awarded = [factories.selection(batch, nanhu, status="publicized", award_amount=Decimal("100")) for _ in range(3)]
    no_award = factories.selection(batch, nanhu, status="publicized")
    screened = factories.selection(batch, nanhu, status="screened")

    sign_in(page, "admin")
    page.goto(f"/programs/batches/{batch.pk}/")
    count = page.locator("#pipeline .count")
    expect(count.and_(page.locator("[data-status=publicized]"))).to_have_text("4")
    expect(count.and_(page.locator("[data-status=selected]"))).to_have_text("0")

    # Nothing ticked: nothing to move, and the page says so.
    expect(page.locator("#bulk-to")).to_be_disabled()
    expect(page.locator("#bulk-submit")).to_be_disabled()
    expect(page.locator("#bulk-hint")).not_to_be_empty()
    # A publicised and a screened row have only the rejection in common.
    row = {
        s.pk: page.get_by_role("checkbox", name=str(s.applicant), exact=True) for s in [*awarded, no_award, screened]
    }
    row[awarded[0].pk].check()
    row[screened.pk].check()
    expect(page.locator("#bulk-to option[value=selected]")).to_be_disabled()
    expect(page.locator("#bulk-to option[value=rejected]")).to_be_enabled()
    expect(page.locator("#bulk-to option[value=completed]")).to_have_count(0)
    row[screened.pk].uncheck()
    for chosen in [*awarded[1:], no_award]:
        row[chosen.pk].check()
    expect(page.locator("#bulk-to option[value=selected]")).to_be_enabled()
    expect(page.locator("#bulk-to option[value=reviewed]")).to_be_disabled()
    page.select_option("#bulk-to", "selected")
    page.fill("#bulk-comment", "市人才工作领导小组审定")
    page.screenshot(path=str(screenshots / "batch-pipeline.png"), full_page=True)
    page.click("#bulk-submit")

    expect(count.and_(page.locator("[data-status=selected]"))).to_have_text("3")
    expect(count.and_(page.locator("[data-status=publicized]"))).to_have_text("1")
    expect(count.and_(page.locator("[data-status=screened]"))).to_have_text("1")
    expect(page.locator(".alert-warning")).to_contain_text(str(no_award.applicant))
    expect(page.locator(".alert-warning")).to_contain_text("资助金额")
    assert Selection.objects.filter(batch=batch, status="selected").count() == 3

    # The stage links filter the table to that stage.
    page.locator("#pipeline a", has=page.locator("[data-status=selected]")).click()
    expect(page.locator("#selection-table tbody tr")).to_have_count(3)
    page.screenshot(path=str(screenshots / "batch-pipeline-after-move.png"), full_page=True)
    assert network_log.problems() == []


def test_the_award_is_set_with_the_move_to_selected(page: Page, network_log: NetworkLog, transactional_db) -> None:
    seed()
    city, nanhu = OrgUnit.objects.get(code="330400"), OrgUnit.objects.get(code="330402")
    batch = factories.batch(factories.program(city, short_name="精英引领计划"), ordinal=4)
    item = factories.selection(batch, nanhu, status="publicized")
    sign_in(page, "admin")
    page.goto(f"/programs/selections/{item.pk}/")
    form = page.locator("#transition-form")
    form.locator("button[value=selected]").click()  # refused in the page: the award is asked for first
    assert Selection.objects.get(pk=item.pk).status == "publicized"
    form.locator("#id_award_amount").fill("150")
    form.locator("button[value=selected]").click()
    expect(page.locator("#funding-summary")).to_contain_text("150")
    item.refresh_from_db()
    assert (item.status, item.award_amount) == ("selected", Decimal("150"))
    assert network_log.problems() == []


def test_plan_approve_and_pay_a_tranche(page: Page, network_log: NetworkLog, screenshots, transactional_db) -> None:
    seed()
    city, nanhu = OrgUnit.objects.get(code="330400"), OrgUnit.objects.get(code="330402")
    batch = factories.batch(factories.program(city, name="创新嘉兴·精英引领计划", short_name="精英引领计划"), ordinal=5)
    chosen = factories.selected(batch, nanhu, award="200", status="landed")

    sign_in(page, "admin")
    page.goto(f"/programs/selections/{chosen.pk}/")
    form = page.locator("#tranche-form")
    form.locator("[name=amount]").fill("250")
    form.locator("[name=condition]").select_option("on_landing")
    form.get_by_role("button").click()
    expect(form.locator(".invalid-feedback")).to_contain_text("200")  # more than the award: refused, kept as typed
    expect(page.locator("#tranches")).to_have_count(0)
    form.locator("[name=amount]").fill("80")
    form.locator("[name=condition]").select_option("on_landing")
    form.locator("[name=planned_on]").fill("2025-09-01")
    form.get_by_role("button").click()
    page.locator("#tranches button[value=approve]").click()
    row = page.locator("#tranches tbody tr").first
    row.locator("[name=paid_on]").fill("2025-09-10")
    row.locator("[name=voucher_no]").fill("JXCZ-2025-0088")
    row.locator("button[value=pay]").click()
    expect(row).to_contain_text("JXCZ-2025-0088")
    expect(page.locator("#funding-summary")).to_contain_text("120.00")  # left to plan
    page.screenshot(path=str(screenshots / "selection-progress.png"), full_page=True)

    page.goto("/programs/funding/?by=county")
    expect(page.locator("#funding-table")).to_contain_text("80.00")
    expect(page.locator("[data-chart] canvas").first).to_be_visible()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(screenshots / "funding-overview.png"), full_page=True)
    assert network_log.problems() == []


def test_county_clerk_applies_and_picks_the_employer_by_name(page: Page, transactional_db) -> None:
    from ..talents import factories as talent_factories

    seed()
    city, nanhu = OrgUnit.objects.get(code="330400"), OrgUnit.objects.get(code="330402")
    batch = factories.batch(factories.program(city, short_name="精英引领计划"), ordinal=7, status="open")
    company = talent_factories.enterprise(nanhu, name="嘉兴南湖光电科技有限公司")
    applicant = talent_factories.talent(nanhu, name="林申报")

    sign_in(page, "nanhu_editor")
    page.goto(f"/programs/selections/new/?batch={batch.pk}")
    expect(page.locator("#id_award_amount")).to_have_count(0)  # the award is the city office's to set
    page.select_option("#id_talent", str(applicant.pk))
    page.locator("#id_employer").press_sequentially("南湖光电", delay=50)
    expect(page.locator("#employer-options option")).to_have_count(1)
    page.fill("#id_employer", company.credit_code)  # what picking the suggestion puts in the field
    page.fill("#id_applied_on", "2025-04-01")
    page.click("#save-button")
    expect(page.locator("#applicant")).to_contain_text("林申报")
    created = Selection.objects.get(talent=applicant)
    assert (created.batch_id, created.employer_id, created.status) == (batch.pk, company.pk, "applied")
