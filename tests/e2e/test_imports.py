"""An admin imports a county's roster in a real browser: upload, watch the check, read an error, download the
rows to fix, apply the valid rows, undo — with a real worker doing the work."""

from __future__ import annotations

import datetime
import re
from io import BytesIO

import pytest
from django.conf import settings
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Page, expect

from talentportal.orgs.demo import seed
from talents.models import Talent
from talents.validators import make_resident_id

from ..jobs.conftest import celery_worker, worker  # noqa: F401 - fixtures: a real Celery worker
from .conftest import NetworkLog

pytestmark = [pytest.mark.browser, pytest.mark.worker]


def test_admin_uploads_reads_an_error_applies_and_undoes(
    page: Page,
    network_log: NetworkLog,
    screenshots,
    worker,  # noqa: F811 - the fixture imported above
    tmp_path,
) -> None:
    seed()
    before = Talent.objects.count()
    path = tmp_path / "南湖区人才名册.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["南湖区2026年高层次人才名册"])
    ws.append(["姓名", "证件号码", "人才类别", "人才层次", "所属区域", "落地日期"])
    for i in range(3):
        birth = datetime.date(1988, 1, 1) + datetime.timedelta(days=i)
        ws.append(
            [f"导入人才{i}", make_resident_id("330402", birth, 7), "专业技术人才", "青年人才", "南湖区", "2025/6/1"]
        )
    valid = make_resident_id("330402", datetime.date(1990, 5, 6), 9)
    typo = valid[:-1] + ("0" if valid[-1] != "0" else "1")  # the check digit no longer fits
    ws.append(["填错的人", typo, "专业技术人才", "青年人才", "南湖区", "2025-06-01"])
    wb.save(path)

    page.goto("/accounts/login/")
    page.fill("#id_username", "nanhu_admin")
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("#login-button")
    page.goto("/jobs/imports/")
    page.click("#new-import")
    page.select_option("#id_kind", "talents")
    page.set_input_files("#id_file", str(path))
    page.click("#upload-button")

    # The check runs in the worker; the page follows it without reloading.
    state = page.locator("#import-state")
    expect(state).to_have_attribute("data-status", "checked", timeout=30_000)
    expect(page.locator("#count-created")).to_have_text("3")
    expect(page.locator("#count-errors")).to_have_text("1")
    expect(page.locator("#import-errors")).to_contain_text("校验位")
    page.screenshot(path=str(screenshots / "import-checked.png"), full_page=True)

    with page.expect_download() as download:
        page.click("#error-report")
    assert download.value.suggested_filename.endswith(".xlsx")
    report = load_workbook(BytesIO(download.value.path().read_bytes())).active
    rows = list(report.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[0][-1] == "错误说明"  # the header and the row to fix
    assert rows[-1][0] == "填错的人" and "校验位" in rows[-1][-1]

    assert Talent.objects.count() == before
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#apply-valid-button")
    expect(page.locator("#import-state")).to_have_attribute("data-status", "applied", timeout=30_000)
    assert Talent.objects.count() == before + 3
    page.click("#touched-rows")
    expect(page.locator("#results tbody tr")).to_have_count(3)
    page.go_back()

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#undo-button")
    expect(page.locator("#import-state")).to_have_attribute("data-status", "undone", timeout=30_000)
    assert Talent.objects.count() == before
    expect(page.locator("#import-message")).to_contain_text(re.compile("3"))
    page.screenshot(path=str(screenshots / "import-undone.png"), full_page=True)
    assert not network_log.problems(), network_log.problems()
