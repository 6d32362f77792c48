"""A lead opens the assessment results, reads the ranking, clicks a county, sees where it lost points, and follows
one actual to the registry list behind it, whose count equals the actual. Screenshots at 1366×768."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from assessments import services
from assessments.models import Submission
from talentportal.audit.models import Source
from talentportal.audit.services import Actor
from talentportal.orgs.demo import seed
from talentportal.orgs.models import OrgUnit, User

from ..assessments.test_pages import NANHU, YEAR, county_scheme, landed, open_scheme, publish
from .conftest import NetworkLog

pytestmark = pytest.mark.browser


def sign_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("#login-button")


def test_lead_reads_the_ranking_and_follows_a_countys_lost_points_to_the_records(
    page: Page, network_log: NetworkLog, screenshots, transactional_db
) -> None:
    seed()
    city = OrgUnit.objects.get(code="330400")
    admin = User.objects.get(username="admin")
    counties = {u.code: u for u in OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY)}
    for n, code in enumerate(sorted(counties)):
        landed(counties[code], 3 + n, YEAR - 1)
        landed(counties[code], 4 + (n * 5) % 7)
    publish(open_scheme(county_scheme(city, YEAR - 1, "县（市、区）人才工作考核"), admin), admin)
    scheme = open_scheme(county_scheme(city, YEAR, "县（市、区）人才工作考核"), admin)
    reviewer = Actor(user=User.objects.get(username="reviewer"), source=Source.FORM)
    apartments, innovation = scheme.indicators.get(code="2.1"), scheme.indicators.get(code="1.2")
    for n, submission in enumerate(Submission.objects.filter(assessee__scheme=scheme).order_by("assessee__key")):
        entry = {"indicator": apartments, "value": Decimal(n % 4), "note": ""}
        services.set_target(apartments, submission.assessee, Decimal(2), Actor(user=admin, source=Source.FORM))
        services.save_entries(submission, [entry], Actor(user=admin, source=Source.FORM))
        services.save_mark(submission, innovation, Decimal(4 - n % 3), "", reviewer)
    scheme = publish(scheme, admin)
    nanhu_landed = 4 + (sorted(counties).index(NANHU) * 5) % 7

    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, "leader")
    page.goto("/assessments/")
    ranking = page.locator("#ranking tbody tr")
    expect(ranking).to_have_count(len(counties))
    expect(page.locator("#ranking")).to_contain_text("秀洲区")
    expect(page.locator("[data-chart='totals-chart'] canvas")).to_be_visible()
    page.wait_for_timeout(1500)  # let the bars finish growing before the screenshot
    page.screenshot(path=str(screenshots / "assessment-dashboard.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366, "the dashboard overflows sideways"

    page.locator("#ranking").get_by_role("link", name="南湖区", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/assessments/schemes/{scheme.pk}/results/\d+/"))
    expect(page.locator("#lost")).to_contain_text("−")
    landed_line = page.locator("tr[data-indicator='1.1']")
    expect(landed_line.locator(".lost")).to_contain_text("−")
    expect(landed_line).to_contain_text("目标")  # the explanation, in Chinese
    page.screenshot(path=str(screenshots / "assessment-result.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366, "the result page overflows sideways"

    landed_line.locator(".actual a").click()
    expect(page).to_have_url(re.compile(rf"landed_year={YEAR}"))
    expect(page.locator("#results tbody tr")).to_have_count(nanhu_landed)
    expect(page.locator("#result-count")).to_contain_text(str(nanhu_landed))
    assert network_log.problems() == []
