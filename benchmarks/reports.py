"""Reports at registry scale: the annual report (.docx), its statistics workbook (.xlsx) and the quarterly form,
for the city's admin, at a small and a large registry (``seed_scale``) in one run; and the workbook writer
(XlsxWriter) against the same workbook written with openpyxl.

Each report is asked for as users ask (``report_start``) and built by a real ``celery worker --pool=prefork
--concurrency=1`` started here for each report and size, while this process polls the job every 100 ms: the job's
running time (worker start to finish), the longest time its progress stood still, and the peak resident memory
of the pool's child that built it (``VmHWM`` in ``/proc``). The queries are counted once in this process, through
the same runner body (``services.run``).
"""

from __future__ import annotations

import gc
import itertools
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from benchmarks.assessments import county_scheme
from benchmarks.harness import grown
from benchmarks.imports import POLL_SECONDS, Worker, mb, proc_kb

OUT = Path("var/bench-reports")


@dataclass
class Built:
    seconds: list[float]  # the job running in the worker, each run
    queries: int
    sql: float  # seconds of SQL in the counted run
    slowest: tuple[float, str]  # its slowest query: seconds, the start of its text
    idle_kb: int  # the pool's child before its first report
    peak_kb: int  # the pool's child's peak over every run
    longest_gap: float
    gap_at: str
    size: int  # bytes of the file


def pool_child(pid: int) -> int:
    """The prefork worker's (only) pool process."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    assert len(children) == 1, children
    return children[0]


def run_in_worker(user: Any, code: str, params: dict[str, Any]) -> tuple[float, float, str, Any]:
    """Start the report as ``user`` and wait for the worker: (running seconds, longest progress gap, where, job)."""
    from django.db import transaction

    from talentportal.jobs.models import Job
    from talentportal.jobs.reports.services import report_start

    with transaction.atomic():
        job = report_start(kind=code, params=params, acting_user=user)
    # Each write of the progress stamps the job's heartbeat (the worker's clock, as its start and finish are): a
    # change seen by a poll is dated by it. A write missed between two polls makes a gap look longer, never shorter.
    changes: list[tuple[Any, str]] = []
    last: tuple[int, int, str] | None = None
    started = time.perf_counter()
    while True:
        status, done, total, message, beat = Job.objects.values_list(
            "status", "progress_done", "progress_total", "message", "heartbeat_at"
        ).get(pk=job.pk)
        if status == Job.Status.RUNNING and (done, total, message) != last:
            changes.append((beat, f"{done}/{total} {message}"))
            last = (done, total, message)
        if status in (Job.Status.SUCCEEDED, Job.Status.FAILED):
            break
        if time.perf_counter() - started > 1800:
            raise RuntimeError(f"{code} took more than half an hour")
        time.sleep(POLL_SECONDS)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, (job.status, job.message)
    assert job.started_at is not None and job.finished_at is not None
    seconds = (job.finished_at - job.started_at).total_seconds()
    marks = [(job.started_at, "started"), *changes, (job.finished_at, "finished")]
    gaps = [((b[0] - a[0]).total_seconds(), f"{a[1]} → {b[1]}") for a, b in itertools.pairwise(marks)]
    gap, where = max(gaps)
    return seconds, gap, where, job


def count_queries(user: Any, code: str, params: dict[str, Any]) -> tuple[int, float, tuple[float, str]]:
    """The runner body in this process (as ``run_report`` calls it), its queries counted on the second run (the
    first fills the process's caches, as a worker's first report does)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from talentportal.jobs.models import Job
    from talentportal.jobs.reports.services import report_start, run

    captured: list[dict[str, str]] = []
    for _ in range(2):
        with transaction.atomic():
            job = report_start(kind=code, params=params, acting_user=user)
            # The worker started later skips it: it is no longer queued.
            Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
        with translation.override(job.params.get("language") or None), CaptureQueriesContext(connection) as queries:
            run(job)
        job.result_file.delete(save=False)
        captured = queries.captured_queries
    times = [(float(q["time"]), q["sql"][:100]) for q in captured]
    return len(times), sum(t for t, _sql in times), max(times)


def bench_kind(user: Any, code: str, params: dict[str, Any], runs: int) -> tuple[Built, Any]:
    queries, sql, slowest = count_queries(user, code, params)
    OUT.mkdir(parents=True, exist_ok=True)
    worker = Worker(f"{code}-{time.monotonic_ns()}", pool="prefork", out=OUT)
    try:
        child = pool_child(worker.process.pid)
        idle = proc_kb(child, "VmRSS")
        # The first report of a worker also imports and loads what it draws with (python-docx, matplotlib, fonts):
        # it counts for the memory and the progress, not the time.
        results = [run_in_worker(user, code, params) for _ in range(runs + 1)]
        peak = proc_kb(child, "VmHWM")
    finally:
        worker.stop()
    gap, where = max((r[1], r[2]) for r in results)
    job = results[-1][3]
    size = job.result_file.size
    for result in results:
        result[3].result_file.delete(save=False)
    return Built([r[0] for r in results], queries, sql, slowest, idle, peak, gap, where, size), job


def warm(seconds: list[float]) -> float:
    """The median running time after the worker's first report."""
    return statistics.median(seconds[1:])


# -- the workbook writer against openpyxl ------------------------------------------------------------------------


def write_openpyxl(document: Any, write_only: bool = True) -> bytes:
    """``workbook.write_workbook``'s workbook written with openpyxl: the same sheets, rows, styles, number formats,
    frozen panes, column widths and native charts (write-only mode streams the rows as XlsxWriter does)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.chart import BarChart, LineChart, PieChart, Reference
    from openpyxl.chart.series import SeriesLabel
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    from talentportal.excel import excel_value
    from talentportal.jobs.reports.document import BAR, LINE, PIE, STACKED, TEXT
    from talentportal.jobs.reports.workbook import NUMBER_FORMATS, sheet_name, width

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    book = Workbook(write_only=write_only)
    if not write_only:
        book.remove(book.worksheets[0])
    taken: set[str] = set()

    def cell(sheet: Any, value: Any, **style: Any) -> Any:
        made = WriteOnlyCell(sheet, value=value)
        for name, shown in style.items():
            setattr(made, name, shown)
        return made

    def line(sheet: Any, table: Any, values: list[Any], bold: bool) -> list[Any]:
        cells = []
        for col, value in enumerate(values):
            fmt = table.formats[col] if col < len(table.formats) else TEXT
            number = isinstance(value, (int, float)) and fmt != TEXT
            shown = value if value is None or number else str(excel_value(value))
            cells.append(
                cell(sheet, shown, border=border, number_format=NUMBER_FORMATS.get(fmt, "#,##0"), font=Font(bold=bold))
            )
        return cells

    for section in document.sections:
        name = sheet_name(section.heading, taken)
        sheet = book.create_sheet(name)
        # Widths and the frozen row first: a write-only sheet takes them before its rows.
        widths: dict[int, int] = {}
        for table in section.tables:
            for col, header in enumerate(table.columns):
                widths[col] = max(widths.get(col, 0), min(width(header), 40))
            for values in [*table.rows, *([table.total] if table.total is not None else [])]:
                for col, value in enumerate(values):
                    widths[col] = max(widths.get(col, 0), min(width(value), 40))
        for col, chars in widths.items():
            sheet.column_dimensions[get_column_letter(col + 1)].width = max(8, chars + 2)
        # The rows above the first table: the heading, the subtitle, the paragraphs and a blank row.
        row = 1 + (1 if document.subtitle else 0) + len(section.text) + 1
        if section.tables:
            sheet.freeze_panes = f"B{row + 3}"  # below the first table's header
        sheet.append([cell(sheet, section.heading, font=Font(bold=True, size=14))])
        if document.subtitle:
            sheet.append([cell(sheet, document.subtitle, font=Font(italic=True, color="555555"))])
        for paragraph in section.text:
            sheet.append([paragraph])
        sheet.append([])
        anchors: dict[str, tuple[int, int]] = {}
        for table in section.tables:
            sheet.append([cell(sheet, table.caption, font=Font(bold=True, size=11))])
            sheet.append(
                [
                    cell(
                        sheet,
                        header,
                        font=Font(bold=True),
                        fill=PatternFill("solid", fgColor="DCE6F1"),
                        border=border,
                        alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
                    )
                    for header in table.columns
                ]
            )
            row += 2
            first = row + 1
            for values in table.rows:
                sheet.append(line(sheet, table, values, False))
                row += 1
            anchors[table.key] = (first, row)
            if table.total is not None:
                sheet.append(line(sheet, table, table.total, True))
                row += 1
            if table.note:
                sheet.append([cell(sheet, table.note, font=Font(italic=True, color="555555"))])
                row += 1
            sheet.append([])
            row += 1
        for chart in section.charts:
            table = section.table(chart.table)
            first, last = anchors[table.key]
            if last < first:
                continue
            native: Any = PieChart() if chart.kind == PIE else LineChart() if chart.kind == LINE else BarChart()
            if chart.kind in (BAR, STACKED):
                native.type = "col"
            if chart.kind == STACKED:
                native.grouping, native.overlap = "stacked", 100
            for col in chart.values[:1] if chart.kind == PIE else chart.values:
                values = Reference(sheet, min_col=col + 1, min_row=first, max_row=last)
                native.add_data(values, titles_from_data=False)
                native.series[-1].tx = SeriesLabel(v=table.columns[col])
            native.set_categories(Reference(sheet, min_col=chart.category + 1, min_row=first, max_row=last))
            native.title = chart.title
            native.width, native.height = 19, 9.5  # cm: XlsxWriter's 720 × 360 px
            sheet.add_chart(native, f"A{row + 1}")
            row += 20
    book.properties.title = document.title
    book.properties.subject = document.subtitle
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_xlsxwriter_on_disk(document: Any) -> bytes:
    """The project's writer in XlsxWriter's constant-memory mode (rows flushed to temporary files) instead of
    ``in_memory``."""
    from unittest import mock

    import xlsxwriter

    from talentportal.jobs.reports.workbook import write_workbook

    original = xlsxwriter.Workbook

    def on_disk(target: Any, options: dict[str, Any]) -> Any:
        return original(target, {**options, "in_memory": False, "constant_memory": True})

    with mock.patch.object(xlsxwriter, "Workbook", on_disk):
        return write_workbook(document)


def synthetic(cells: int = 50_000) -> Any:
    """A document of about ``cells`` cells: ten sections, each a table of 10 columns (a name, counts, money and a
    percentage) with a bar chart."""
    from talentportal.jobs.reports.document import BAR, COUNT, MONEY, PERCENT, TEXT, Chart, Document, Section, Table

    rows = cells // 10 // 10
    sections = []
    for s in range(10):
        columns = ["单位", *(f"计数{c}" for c in range(6)), "金额（万元）", "占比（%）", "备注"]
        table = Table(
            "t",
            f"第{s}张表",
            columns,
            [[f"单位{s}-{r}", *(r * c for c in range(6)), r * 12.34, r % 100 + 0.5, "—"] for r in range(rows)],
            [TEXT, *[COUNT] * 6, MONEY, PERCENT, TEXT],
        )
        sections.append(Section(f"s{s}", f"第{s}节", ["说明文字。"], [table], [Chart("c", "图", "t", [1, 2], BAR)]))
    return Document("synthetic", "合成文档", "基准", [], sections)


def measured(write: Callable[[Any], bytes], document: Any, repeat: int) -> tuple[float, int, int]:
    """Median seconds of ``repeat`` writes, then the peak of Python's allocations (tracemalloc) in one more, and
    the file's size."""
    samples = []
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        content = write(document)
        samples.append(time.perf_counter() - started)
    gc.collect()
    tracemalloc.start()
    write(document)
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(samples), peak, len(content)


def compare_writers(documents: dict[str, Any], repeat: int = 5) -> list[str]:
    from talentportal.jobs.reports.workbook import write_workbook

    writers: dict[str, Callable[[Any], bytes]] = {
        "XlsxWriter (the project's, in_memory)": write_workbook,
        "XlsxWriter, constant_memory on disk": write_xlsxwriter_on_disk,
        "openpyxl write-only": write_openpyxl,
        "openpyxl, ordinary workbook": lambda document: write_openpyxl(document, write_only=False),
    }
    lines = [
        "| document | cells | writer | ms (median of 5) | peak Python memory (tracemalloc) | file | time / XlsxWriter "
        "| memory / XlsxWriter |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, document in documents.items():
        cells = sum(
            len(t.columns) * (len(t.rows) + 1 + (t.total is not None)) for s in document.sections for t in s.tables
        )
        base: tuple[float, int, int] | None = None
        for name, write in writers.items():
            seconds, peak, size = measured(write, document, repeat)
            base = base or (seconds, peak, size)
            lines.append(
                f"| {label} | {cells:,} | {name} | {seconds * 1000:,.1f} | {peak / 1e6:,.1f} MB | {size / 1e3:,.0f} kB "
                f"| {seconds / base[0]:.2f} | {peak / base[1]:.2f} |"
            )
    return lines


# -- the run -----------------------------------------------------------------------------------------------------


def bench_reports(small: int = 10_000, large: int = 1_000_000, runs: int = 3) -> list[str]:
    from django.utils import timezone

    from assessments import services
    from assessments.models import Scheme
    from talentportal.audit.models import Source
    from talentportal.audit.services import Actor
    from talentportal.jobs.reports.document import Document
    from talentportal.orgs.demo import seed_org_units
    from talentportal.orgs.models import Membership, OrgUnit, Role, User

    seed_org_units()
    city = OrgUnit.objects.get(code="330400")
    root = User.objects.create_superuser("bench-reports-root", "root@example.org", "Bench-pass-2026x")
    Membership.objects.create(user=root, org_unit=city, role=Role.ADMIN)
    admin = User.objects.create_user("bench-reports", "bench@example.org", "Bench-pass-2026x")
    Membership.objects.create(user=admin, org_unit=city, role=Role.ADMIN)
    admin = User.objects.select_related("membership__org_unit").get(pk=admin.pk)
    year = timezone.localdate().year - 1  # the year seed_scale fills
    # The annual report's assessment section ranks an open scheme live, as the cockpit does.
    services.transition(county_scheme(year, root), Scheme.Status.OPEN, Actor(user=root, source=Source.SYSTEM))
    reports: dict[str, dict[str, Any]] = {
        "annual": {"year": year},
        "annual_workbook": {"year": year},
        "quarterly": {"year": year, "quarter": 4, "org_unit": city.code},
    }
    built: dict[str, dict[int, Built]] = {code: {} for code in reports}
    documents: dict[str, Any] = {}
    timings: list[str] = []
    for size in grown((small, large), timings):
        for code, params in reports.items():
            built[code][size], job = bench_kind(admin, code, params, runs)
            documents[code] = Document.from_data(job.result["document"])
    lines = [
        f"| report | s @ {small:,} | s @ {large:,} | ratio (goal ≤ 5) | queries @ {small:,} → {large:,} | "
        f"worker child's RSS idle → peak @ {small:,} | @ {large:,} (goal < 300 MB) | "
        f"progress stood still at most @ {large:,} (goal ≤ 1 s) | file @ {large:,} |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for code, by_size in built.items():
        s, big = by_size[small], by_size[large]
        s_sec, l_sec = warm(s.seconds), warm(big.seconds)
        lines.append(
            f"| {code} | {s_sec:.2f} | {l_sec:.2f} | {l_sec / s_sec:.2f} | {s.queries} → {big.queries} | "
            f"{mb(s.idle_kb)} → {mb(s.peak_kb)} | {mb(big.idle_kb)} → {mb(big.peak_kb)} | "
            f"{big.longest_gap:.2f} s ({big.gap_at}) | {big.size / 1e3:,.0f} kB |"
        )
    lines += ["", "Each run's seconds (the job running in the worker; the first is the worker's first report):", ""]
    for code, by_size in built.items():
        for size, b in by_size.items():
            gaps = f"longest progress gap {b.longest_gap:.2f} s ({b.gap_at})"
            sql = f"SQL {b.sql:.2f} s, the slowest query {b.slowest[0]:.3f} s: `{b.slowest[1]}…`"
            lines.append(f"- {code} @ {size:,}: {', '.join(f'{x:.2f}' for x in b.seconds)} s; {gaps}; {sql}")
    writers = compare_writers(
        {
            f"annual workbook @ {large:,}": documents["annual_workbook"],
            f"quarterly form, the city's {len(documents['quarterly'].sections)} sheets": documents["quarterly"],
            "synthetic": synthetic(),
        }
    )
    return [*lines, "", *timings, "", "#### The workbook writer: XlsxWriter against openpyxl", "", *writers]
