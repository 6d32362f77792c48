"""An import's stage on its page while python-calamine builds the sheet, when no row can be counted yet: it shows
within a second of the start, with the time it has lasted to the half second, and never stands still a second."""

from __future__ import annotations

import datetime
import itertools
import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from talentportal.jobs.importing import services
from talentportal.jobs.importing.engine import ProgressWriter
from talentportal.jobs.importing.reading import open_sheet
from talentportal.jobs.models import Import, Job
from talents.validators import make_resident_id

from .test_imports import person, upload
from .test_imports import roster as small_roster

ROWS = 40_000


def roster(path: Path) -> Path:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["姓名", "证件号码", "人才类别", "人才层次", "所属区域", "落地日期"])
    for n in range(ROWS):
        birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=n // 900)
        ws.append([f"人才{n}", make_resident_id("330402", birth, n % 900), "专业技术人才", "青年人才", "南湖区", n])
    wb.save(path)
    return path


def test_reading_shows_its_stage_every_half_second(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = roster(tmp_path / "roster.xlsx")
    shown: list[tuple[float, str]] = []

    def store(self: Any, done: int, total: int, message: str) -> None:
        shown.append((time.monotonic(), message))

    monkeypatch.setattr(ProgressWriter, "store", store)
    progress = ProgressWriter(Job(pk=1))  # what it would write is recorded instead
    progress.threaded = True  # as on PostgreSQL
    with translation.override("zh-hans"):
        progress.start()
        began = time.monotonic()
        progress.stage(_("Reading the file…"))
        rows = sum(1 for _row in open_sheet(path).numbered())
        lasted = time.monotonic() - began
        progress.stop()
    assert rows == ROWS + 1
    assert shown[-1][1] == ""  # once stopped, the progress alone
    staged = [(at, message) for at, message in shown if message]
    assert staged[0][1] == "正在读取文件…（已用 0.0 秒）"
    assert staged[0][0] - began < 1
    ticks = [float(re.sub(r"正在读取文件…（已用 ([\d.]+) 秒）", r"\1", message)) for _at, message in staged]
    assert ticks == sorted(set(ticks)) and all(tick * 2 == int(tick * 2) for tick in ticks)  # half seconds, in turn
    assert len(ticks) >= int(lasted)
    gaps = [later - earlier for (earlier, _m), (later, _n) in itertools.pairwise(staged)]
    assert max(gaps, default=0) < 1  # the page never stood still a second


@pytest.mark.django_db
def test_import_page_shows_the_stage_while_it_runs(tmp_path: Path, people: dict[str, Any], client: Any) -> None:
    client.force_login(people["a_admin"])
    upload(client, small_roster(tmp_path / "r.xlsx", [person(1)]))
    imp = Import.objects.get()
    assert imp.job is not None
    Job.objects.filter(pk=imp.job.pk).update(status=Job.Status.RUNNING, message="正在读取文件…（已用 3.5 秒）")
    page = client.get(imp.get_absolute_url()).content.decode()
    assert '<p class="small text-muted mb-0" id="import-stage">正在读取文件…（已用 3.5 秒）</p>' in page
    assert 'hx-trigger="every 500ms"' in page  # the page asks again as often as the stage moves
    services.run(imp, services.CHECK, imp.job)
    imp.refresh_from_db()
    page = client.get(imp.get_absolute_url()).content.decode()
    assert 'id="import-stage"' not in page and 'hx-trigger="every' not in page


def test_a_stage_named_with_braces_and_percent_signs_shows_as_written() -> None:
    """A stage's label may hold what users typed (an assessee's name): it is shown, never read as a pattern."""
    progress = ProgressWriter(None)
    with translation.override("en"):
        progress.stage("南湖区{0}{seconds} 100%")
    assert progress.message() == "南湖区{0}{seconds} 100% (0.0 s)"
