"""An admin maps a value the system does not know in a real browser: the check groups it with its row count and
closest options, the admin picks one, the page follows the second check to no errors, the rows are applied with
the canonical code, and the saved mapping is listed — with a real worker doing the work."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from openpyxl import Workbook
from playwright.sync_api import Page, expect

from talentportal.jobs.models import ValueMapping
from talentportal.orgs.demo import seed
from talents.models import Talent
from talents.validators import make_resident_id

from ..jobs.conftest import celery_worker, worker  # noqa: F401 - fixtures: a real Celery worker
from .conftest import NetworkLog

pytestmark = [pytest.mark.browser, pytest.mark.worker]

CATEGORY = "专业技术类人才"  # a category written as its group's name: no option's label or code
ROWS = 3


def test_admin_maps_an_unknown_value_checks_again_applies_and_finds_the_mapping(
    page: Page,
    network_log: NetworkLog,
    screenshots,
    worker,  # noqa: F811 - the fixture imported above
    tmp_path,
) -> None:
    seed()
    before = Talent.objects.count()
    path = tmp_path / "南湖区人才名册（类别待对应）.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "证件号码", "人才类别", "人才层次", "所属区域", "落地日期"])
    ids = [make_resident_id("330402", datetime.date(1991, 3, 1) + datetime.timedelta(days=i), 5) for i in range(ROWS)]
    for i, resident_id in enumerate(ids):
        ws.append([f"对应人才{i}", resident_id, CATEGORY, "青年人才", "南湖区", "2025-06-01"])
    wb.save(path)

    page.goto("/accounts/login/")
    page.fill("#id_username", "nanhu_admin")
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("#login-button")
    page.goto("/jobs/imports/new/")
    page.select_option("#id_kind", "talents")
    page.set_input_files("#id_file", str(path))
    page.click("#upload-button")

    # The check groups the unknown value: one line, with its row count and the closest options first.
    expect(page.locator("#import-state")).to_have_attribute("data-status", "checked", timeout=60_000)
    expect(page.locator("#count-errors")).to_have_text(str(ROWS))
    card = page.locator("#unknown-values")
    row = card.locator("#unknown-value-table tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(0)).to_have_text("人才类别")
    expect(row.locator("td").nth(1)).to_have_text(CATEGORY)
    expect(row.locator("td").nth(2)).to_have_text(str(ROWS))
    closest = row.locator("select[name=target-0] optgroup").first.locator("option").first
    expect(closest).to_have_attribute("value", "professional")
    expect(row).to_contain_text("专业技术人才")
    card.screenshot(path=str(screenshots / "import-mapping.png"))

    page.select_option("select[name=target-0]", "professional")
    page.click("#map-button")

    # Checked again in the worker; the page follows it and the rows now pass, with the mapping shown.
    expect(page.locator("#import-state")).to_have_attribute("data-status", "checked", timeout=60_000)
    expect(page.locator("#count-errors")).to_have_text("0")
    expect(page.locator("#count-created")).to_have_text(str(ROWS))
    expect(page.locator("#unknown-values")).to_have_count(0)
    expect(page.locator("#applied-mappings")).to_contain_text(CATEGORY)

    page.click("#apply-button")
    expect(page.locator("#import-state")).to_have_attribute("data-status", "applied", timeout=60_000)
    assert Talent.objects.count() == before + ROWS
    stored = Talent.objects.filter(name__startswith="对应人才")
    assert stored.count() == ROWS and set(stored.values_list("category", flat=True)) == {"professional"}
    mapping = ValueMapping.objects.get(value=CATEGORY)
    assert (mapping.org_unit.code, mapping.kind, mapping.column, mapping.target) == (
        "330402",
        "talents",
        "category",
        "professional",
    )

    page.goto("/jobs/imports/mappings/")
    listed = page.locator("#mapping-list tbody tr")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text(CATEGORY)
    expect(listed).to_contain_text("专业技术人才")
    expect(listed).to_contain_text("人才类别")
    expect(listed).to_contain_text("南湖区管理员")
    page.screenshot(path=str(screenshots / "import-mappings-list.png"), full_page=True)
    assert not network_log.problems(), network_log.problems()
