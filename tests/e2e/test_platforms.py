"""A lead opens the platform overview, reads the chart and table, clicks a number and lands on that list."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from platforms.models import Platform
from talentportal.orgs.demo import seed
from talentportal.orgs.models import OrgUnit

from ..platforms import factories
from .conftest import NetworkLog

pytestmark = pytest.mark.browser


def test_lead_clicks_a_number_and_sees_the_matching_list(
    page: Page, network_log: NetworkLog, screenshots, transactional_db
) -> None:
    seed()
    nanhu, xiuzhou = OrgUnit.objects.get(code="330402"), OrgUnit.objects.get(code="330411")
    for n in range(3):
        factories.platform(nanhu, kind="academician_station", level="provincial", name=f"院士专家工作站{n}")
    factories.platform(xiuzhou, kind="academician_station", level="national", name="国家级工作站")
    factories.platform(nanhu, kind="enclave", level="municipal", location="domestic", city="上海", country="CN")

    page.goto("/accounts/login/")
    page.fill("#id_username", "leader")
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("#login-button")
    page.goto("/platforms/overview/")
    expect(page.locator("[data-chart] canvas").first).to_be_visible()
    row = page.locator("#kind-level tbody tr", has_text=str(Platform.Kind.ACADEMICIAN_STATION.label))
    page.wait_for_timeout(1500)  # let the bars finish growing before the screenshot
    page.screenshot(path=str(screenshots / "platform-overview.png"), full_page=True)
    row.get_by_role("link", name="3", exact=True).click()
    expect(page).to_have_url(re.compile(r"kind=academician_station.*level=provincial"))
    expect(page.locator("#results tbody tr")).to_have_count(3)
    expect(page.locator("#results")).not_to_contain_text("国家级工作站")
    assert network_log.problems() == []
