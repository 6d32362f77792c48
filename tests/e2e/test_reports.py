"""A city admin generates the annual talent development report in a real browser: chooses it, fills in the year and
the unit, watches a real worker build it, downloads the Word file, and prints the A4 view with its charts drawn."""

from __future__ import annotations

import re
import time
from io import BytesIO

import docx
import pytest
from playwright.sync_api import Page, expect

from talentportal.jobs.models import Job
from talentportal.jobs.reports.kinds import REPORTS
from talentportal.jobs.reports.services import document_of
from talentportal.orgs.demo import seed
from talentportal.orgs.models import OrgUnit
from talents.models import Talent

from ..jobs.conftest import celery_worker, worker  # noqa: F401 - fixtures: a real Celery worker
from .conftest import NetworkLog
from .test_cockpit import YEAR, registry, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.worker]

A4_WIDTH, A4_HEIGHT = 794, 1123  # px at 96 dpi
# The printed area of an A4 page in px, between the print view's margins (@page report: 18 mm by 16 mm).
PRINTED_WIDTH, PRINTED_HEIGHT = round((210 - 32) / 25.4 * 96), round((297 - 36) / 25.4 * 96)


def follow_progress(page: Page, timeout: float = 60) -> list[tuple[str, int]]:
    """The job page's status and progress bar, read as the page updates itself, until the job has finished."""
    seen: list[tuple[str, int]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, percent = page.evaluate(
            "() => { const s = document.querySelector('#job-progress');"
            " return [s.dataset.status, Number(s.querySelector('.progress-bar').dataset.percent)]; }"
        )
        if not seen or seen[-1] != (status, percent):
            seen.append((status, percent))
        if status in ("succeeded", "failed"):
            return seen
        page.wait_for_timeout(100)
    pytest.fail(f"the report did not finish in {timeout}s: {seen}")


def test_city_admin_generates_downloads_and_prints_the_annual_report(
    page: Page,
    network_log: NetworkLog,
    screenshots,
    worker,  # noqa: F811 - the fixture imported above
    monkeypatch,
) -> None:
    for code in [code for code in REPORTS if code.startswith("test_")]:  # the test settings' own kinds
        monkeypatch.delitem(REPORTS, code)  # the page lists the portal's kinds only, as in production
    seed()
    registry(OrgUnit.objects.get(code="330400"))
    landed = Talent.objects.filter(landed_on__year=YEAR).count()
    sign_in(page, "admin")

    page.goto("/reports/")
    page.click("#report-kinds [data-kind='annual']")
    form = page.locator("#report-form")
    expect(form.locator("h2")).to_have_text("年度人才发展报告")
    page.fill("#id_year", str(YEAR))
    page.select_option("#id_org_unit", "330400")
    expect(form).to_contain_text("报告统计该单位及其全部下级单位")  # the unit's help speaks of the list, not a code
    page.click("#generate-report")

    # The worker builds it; the job page follows it without reloading, the bar only ever moving forward.
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    seen = follow_progress(page)
    assert seen[-1] == ("succeeded", 100), seen
    percents = [percent for _status, percent in seen]
    assert percents == sorted(percents), seen
    expect(page.locator("#job-message")).to_have_text("报告已生成。")
    expect(page.locator("h1")).to_have_text(f"年度人才发展报告 · {YEAR} · 嘉兴市")
    job = Job.objects.get(pk=int(re.search(r"/jobs/(\d+)/", page.url).group(1)))  # type: ignore[union-attr]
    built = document_of(job)
    assert built is not None

    with page.expect_download() as download:
        page.click("#download-result")
    assert download.value.suggested_filename.endswith(".docx")
    word = docx.Document(BytesIO(download.value.path().read_bytes()))
    assert word.paragraphs[0].text == "年度人才发展报告"
    # The first table of the report is a real Word table with the figures the job computed.
    figures = built.sections[0].tables[0]
    table = next(t for t in word.tables if [c.text for c in t.rows[0].cells] == [str(c) for c in figures.columns])
    assert len(table.rows) == len(figures.rows) + 1
    talents_row = next(row for row in table.rows if row.cells[0].text == "落地人才")
    assert talents_row.cells[1].text == str(landed)

    # The print view, on a window about as wide as an A4 sheet: every chart drawn, the first page saved.
    page.set_viewport_size({"width": 900, "height": A4_HEIGHT})
    page.click("#print-view")
    expect(page.locator("#report-doc h1")).to_have_text("年度人才发展报告")
    charts = page.locator("#report-doc [data-chart]")
    assert charts.count() >= 2
    expect(page.locator("#report-doc [data-chart] canvas")).to_have_count(charts.count())
    page.wait_for_timeout(1200)  # the charts' drawing animation
    sheet = page.locator("#report-doc").bounding_box()
    assert sheet is not None and abs(sheet["width"] - A4_WIDTH) <= 2, sheet
    page.screenshot(
        path=str(screenshots / "report-print.png"),
        full_page=True,
        clip={"x": sheet["x"], "y": sheet["y"], "width": sheet["width"], "height": sheet["width"] * 297 / 210},
    )
    expect(page.locator("#report-doc table").first).to_contain_text(str(landed))

    # Printed on A4 portrait: each table and chart is kept whole on one page, charts drawn at the printed width.
    page.set_viewport_size({"width": PRINTED_WIDTH, "height": PRINTED_HEIGHT})
    page.emulate_media(media="print")
    page.wait_for_timeout(500)  # the charts follow their element's new width
    figures_in_print = page.evaluate(
        "() => Array.from(document.querySelectorAll('#report-doc figure')).map(f => ({"
        " breakInside: getComputedStyle(f).breakInside, height: f.getBoundingClientRect().height,"
        " right: f.getBoundingClientRect().right,"
        " widest: Math.max(0, ...Array.from(f.querySelectorAll('canvas, table')).map(e => e.getBoundingClientRect().right))"
        " }))"
    )
    assert len(figures_in_print) == sum(len(s.tables) + len(s.charts) for s in built.sections)
    for figure in figures_in_print:
        assert figure["breakInside"] == "avoid", figure
        assert figure["height"] < PRINTED_HEIGHT, figure  # short enough to be moved whole to the next page
        assert figure["widest"] <= figure["right"] + 1, figure  # nothing sticks out on the right
    pdf = page.pdf(format="A4")
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert pages > 1, pages
    sizes = {tuple(float(n) for n in box.split()[2:]) for box in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", pdf)}
    assert all(width < height for width, height in sizes), sizes  # portrait, where other pages print landscape
    page.emulate_media(media="screen")

    # The reports page lists it with its download and print view.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/reports/?kind=annual")
    history = page.locator("#report-history")
    expect(history).to_contain_text(f"年度人才发展报告 · {YEAR} · 嘉兴市")
    expect(history.locator("a", has_text="打印视图")).to_have_count(1)
    expect(page.locator("#report-kinds [data-kind]")).to_have_count(len(REPORTS))
    page.screenshot(path=str(screenshots / "reports.png"), full_page=True)
    assert not network_log.problems(), network_log.problems()
