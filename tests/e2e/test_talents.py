"""An office clerk's round trip in a real browser: search, open a talent, make a mistake, fix it, save, and
find the change in the history tab."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from talentportal.orgs.demo import seed
from talentportal.orgs.models import OrgUnit

from ..talents import factories
from .conftest import NetworkLog

pytestmark = pytest.mark.browser


def test_editor_searches_edits_with_an_error_fixes_it_and_sees_the_history(
    page: Page, network_log: NetworkLog, screenshots, transactional_db
) -> None:
    seed()
    person = factories.talent(OrgUnit.objects.get(code="330402001"), name="欧阳明远", position_title="工程师")
    factories.talent(OrgUnit.objects.get(code="330402"), name="欧阳娜")
    factories.talent(OrgUnit.objects.get(code="330411"), name="欧阳秀洲")  # another county: never shown

    page.goto("/accounts/login/")
    page.fill("#id_username", "nanhu_editor")
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("#login-button")

    # Search: the list narrows as the clerk types (htmx), without a page load.
    page.goto("/registry/talents/")
    page.fill("#id_q", "欧阳")
    expect(page.locator("#results tbody tr")).to_have_count(2)
    expect(page.locator("#results")).not_to_contain_text("欧阳秀洲")
    page.screenshot(path=str(screenshots / "talent-search.png"), full_page=True)
    page.get_by_role("link", name="欧阳明远").click()
    expect(page.locator("h1")).to_contain_text("欧阳明远")
    # Personal data is masked until revealed.
    expect(page.locator("dl.record")).not_to_contain_text(person.id_number)

    # Edit with a wrong mobile number: the field says what is wrong as soon as it changes, nothing is saved.
    page.get_by_role("link", name=re.compile("编辑")).click()
    page.fill("#id_phone", "1381234")
    page.fill("#id_position_title", "高级工程师")
    expect(page.locator("#wrap-phone .invalid-feedback")).to_be_visible()
    page.click("#save-button")
    expect(page.locator("#wrap-phone .invalid-feedback, #id_phone.is-invalid").first).to_be_visible()
    person.refresh_from_db()
    assert person.position_title == "工程师"
    page.screenshot(path=str(screenshots / "talent-edit-error.png"), full_page=True)

    # Fix it and save.
    page.fill("#id_phone", "13912345678")
    page.click("#save-button")
    expect(page.locator("#messages")).to_contain_text("欧阳明远")
    person.refresh_from_db()
    assert person.position_title == "高级工程师" and person.phone == "13912345678"

    # The history tab shows who changed what.
    page.click("#history-tab")
    history = page.locator("#history")
    expect(history).to_contain_text("南湖区经办人")
    expect(history).to_contain_text("高级工程师")
    expect(history).to_contain_text("工程师")
    page.screenshot(path=str(screenshots / "talent-history.png"), full_page=True)
    assert network_log.problems() == []


def test_new_talent_form_fills_identity_from_the_id_searches_countries_and_reveals_in_place(
    page: Page, network_log: NetworkLog, transactional_db
) -> None:
    seed()
    person = factories.talent(OrgUnit.objects.get(code="330402001"), name="诸葛明", phone="13912345678")
    page.goto("/accounts/login/")
    page.fill("#id_username", "nanhu_editor")
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("#login-button")

    # Typing a valid resident ID number fills the empty birth date and gender.
    page.goto("/registry/talents/new/")
    expect(page.locator("#id_gender option").first).to_have_text("请选择")
    page.fill("#id_id_number", factories.resident_id(datetime.date(1991, 2, 3), male=False))
    expect(page.locator("#id_birth_date")).to_have_value("1991-02-03")
    expect(page.locator("#id_gender")).to_have_value("female")
    # The nationality is searched by name and stored as the code.
    page.fill("#id_nationality_search", "美国")
    expect(page.locator("#id_nationality")).to_have_value("US")

    # The edit form shows the ID number masked; the reveal button shows it in place, and it can then be edited.
    page.goto(f"/registry/talents/{person.pk}/edit/")
    expect(page.locator("#id_id_number")).not_to_have_value(person.id_number)
    page.locator("#wrap-id_number .reveal-button").click()
    expect(page.locator("#id_id_number")).to_have_value(person.id_number)
    page.fill("#id_position_title", "研究员")
    page.click("#save-button")
    expect(page.locator("#messages")).to_contain_text("诸葛明")
    person.refresh_from_db()
    assert person.position_title == "研究员" and person.phone == "13912345678"
    assert network_log.problems() == []
