"""Roster imports at scale: a 100,000-row talent roster applied through a real Celery worker, against
python-calamine reading the same file (the floor) and django-import-export importing it (the usual way).

Everything runs in one scratch database. The rosters are generated with ``talents.scale`` (names, resident ID
numbers with their check digits, employers, tiers by age) and written with openpyxl in write-only mode; 1% of
the rows carry the mistakes counties send in. Our apply runs as users get it: ``import_start(apply=True,
keep_valid=True)`` queues the job, a ``celery worker --pool=solo`` started here for each file runs it, and this
process polls the job's progress every 100 ms. The worker's peak resident memory is read from ``/proc`` before
it stops (and from ``getrusage(RUSAGE_CHILDREN)`` once it has exited).
"""

from __future__ import annotations

import cProfile
import datetime
import io
import itertools
import os
import pstats
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

OUT = Path("var/bench-imports")
CELERY = Path(sys.prefix) / "bin" / "celery"
POLL_SECONDS = 0.1
# The roster's 15 columns, by model field; the headers are the spec's own (as the template shows them).
COLUMNS = (
    "name", "id_number", "gender", "birth_date", "nationality", "highest_degree", "graduated_from",
    "position_title", "category", "tier", "recruitment_mode", "industry", "org_unit", "employer_name", "phone",
)  # fmt: skip
ERROR_EVERY = 100  # one row in a hundred is wrong
MISTAKES = (
    "ID number with a wrong check digit",
    "region that is no org unit",
    "date of birth that does not exist",
    "name missing",
    "mobile number two digits short",
    "ID number of an earlier row again",
)


# -- the rosters -----------------------------------------------------------------------------------------------


def headers() -> dict[str, str]:
    from django.utils import translation

    from talentportal.jobs.importing.spec import get_spec

    spec = get_spec("talents")
    assert spec is not None
    with translation.override("zh-hans"):
        labels = {c.name: c.label for c in spec.columns}
    return {name: labels[name] for name in COLUMNS}


class Collector:
    """Stands in for ``talents.scale.Writer``: keeps the generated rows instead of copying them into the table."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []

    def write(self, model: Any, fields: Sequence[str], rows: Sequence[tuple[str, ...]]) -> None:
        self.rows.extend(rows)

    def wait(self) -> None:
        pass

    def close(self) -> None:
        pass


def roster_rows(count: int, seed: int = 2026) -> list[list[Any]]:
    """``count`` roster rows (cells as a clerk's workbook has them), every ``ERROR_EVERY``-th one wrong."""
    from django.utils import translation

    from talentportal.orgs.models import OrgUnit
    from talents import demo
    from talents.models import Talent
    from talents.scale import COUNTY_CODES, TALENT_FIELDS, ScaleRegistry

    registry = ScaleRegistry(seed=seed, log=lambda message: None, writers=0)
    collector = Collector()
    registry.writer = collector  # type: ignore[assignment]
    rng = registry.rng
    # Enterprises for the managers and technicians to work at, named as ``seed_scale`` names them (not stored:
    # the roster gives the employer's name in 工作单位).
    brands = [a + b for a in demo.BRAND_FIRST for b in demo.BRAND_SECOND if a != b]
    employer_names: dict[str, str] = {}
    employers: dict[str, list[tuple[str, str]]] = {}
    for code in COUNTY_CODES:
        employers[code] = []
        for number in range(max(20, count // 20 // len(COUNTY_CODES))):
            industry = rng.choice(registry.industry_pools[code])
            key = f"{code}-{number}"
            employer_names[key] = (
                f"{rng.choice(demo.NAME_PREFIXES[code])}{rng.choice(brands)}"
                f"{rng.choice(demo.INDUSTRY_SUFFIXES[industry])}有限公司"
            )
            employers[code].append((key, industry))
    registry.talents(count, 20_000, employers)
    unit_names = {str(pk): name for pk, name in OrgUnit.objects.values_list("pk", "name")}
    with translation.override("zh-hans"):
        labels = {
            name: {code: str(label) for code, label in Talent._meta.get_field(name).flatchoices}  # type: ignore[union-attr]
            for name in ("gender", "highest_degree", "category", "tier", "recruitment_mode", "industry")
        }
    rows: list[list[Any]] = []
    for number, generated in enumerate(collector.rows):
        values = dict(zip(TALENT_FIELDS, generated, strict=True))
        birth = datetime.date.fromisoformat(values["birth_date"])
        employer = employer_names.get(values["employer_id"], values["employer_name"])
        row: list[Any] = [
            values["name"],
            values["id_number"],
            labels["gender"][values["gender"]],
            # Most birth dates are date cells; some clerks type them as text.
            birth if number % 7 else birth.isoformat(),
            values["nationality"],
            labels["highest_degree"][values["highest_degree"]],
            values["graduated_from"],
            values["position_title"],
            labels["category"][values["category"]],
            labels["tier"][values["tier"]],
            labels["recruitment_mode"][values["recruitment_mode"]],
            labels["industry"][values["industry"]],
            unit_names[values["org_unit_id"]],
            employer,
            values["phone"],
        ]
        if number % ERROR_EVERY == ERROR_EVERY // 2:
            spoil(row, (number // ERROR_EVERY) % len(MISTAKES), rows)
        rows.append(row)
    return rows


def spoil(row: list[Any], mistake: int, before: list[list[Any]]) -> None:
    where = {name: i for i, name in enumerate(COLUMNS)}
    if mistake == 0:
        number = row[where["id_number"]]
        row[where["id_number"]] = number[:-1] + ("0" if number[-1] != "0" else "1")
    elif mistake == 1:
        row[where["org_unit"]] = "嘉兴经济技术开发区"
    elif mistake == 2:
        birth = row[where["birth_date"]]
        year = birth.year if isinstance(birth, datetime.date) else int(birth[:4])
        row[where["birth_date"]] = f"{year}-02-30"
    elif mistake == 3:
        row[where["name"]] = ""
    elif mistake == 4:
        row[where["phone"]] = row[where["phone"]][:-2]
    else:
        row[where["id_number"]] = before[-1][where["id_number"]]


def write_roster(path: Path, rows: Sequence[list[Any]]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("人才名单")
    ws.append(list(headers().values()))
    birth_at = COLUMNS.index("birth_date")
    for row in rows:
        cells: list[Any] = list(row)
        if isinstance(row[birth_at], datetime.date):
            cell = WriteOnlyCell(ws, value=row[birth_at])
            cell.number_format = "yyyy-mm-dd"
            cells[birth_at] = cell
        ws.append(cells)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


# -- the floor: python-calamine alone --------------------------------------------------------------------------


def calamine_read(path: Path) -> int:
    import python_calamine

    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    rows = workbook.get_sheet_by_index(0).to_python()
    return len(rows)


def median_seconds(fn: Callable[[], Any], repeat: int = 3) -> float:
    """Median seconds of ``repeat`` calls."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


# -- our apply, in a real worker -------------------------------------------------------------------------------


def proc_kb(pid: int, key: str) -> int:
    """A ``/proc/<pid>/status`` figure in kB (``VmRSS``, ``VmHWM``: the peak), 0 where there is no /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Worker:
    """``celery -A talentportal worker --pool=solo`` (or ``pool``, one process) on this run's queue and broker,
    pointed at the scratch database."""

    def __init__(self, name: str, pool: str = "solo", out: Path = OUT) -> None:
        from django.conf import settings

        from talentportal.dburl import database_url

        self.log_path = out / f"worker-{name}.log"
        self.log_file = self.log_path.open("wb")
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "talentportal.settings.test", "DATABASE_URL": database_url()}
        self.process = subprocess.Popen(
            [
                *(str(CELERY), "-A", "talentportal", "worker", f"--pool={pool}", "--concurrency=1", "--loglevel=INFO"),
                *("-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "-n", f"bench-{name}-{os.getpid()}@%h"),
                *("--without-mingle", "--without-gossip", "--without-heartbeat"),
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while " ready." not in self.log_path.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start:\n{self.log_path.read_text(errors='replace')}")
            time.sleep(0.1)
        time.sleep(0.5)  # let the start settle before reading its size
        self.idle_kb = proc_kb(self.process.pid, "VmRSS")

    def stop(self) -> int:
        """Stop the worker; its peak resident memory in kB."""
        peak = proc_kb(self.process.pid, "VmHWM")
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
        self.log_file.close()
        return peak


@dataclass
class Applied:
    rows: int
    seconds: float  # from creating the Import to the job finished
    queued: float  # from creating the Import to the worker starting the job
    rows_seconds: float  # from the worker starting the job to the progress showing every row done
    tail_seconds: float  # from then to the job finished (undo log, error cells, error report, commit)
    counts: dict[str, int]
    idle_kb: int
    peak_kb: int
    children_kb: int
    progress: list[tuple[float, int, int]] = field(default_factory=list)  # (seconds, done, total) when it changed
    longest_gap: float = 0.0
    gap_at: str = ""


def clear_talents() -> None:
    """No talents and no audit entries. On PostgreSQL the tables are emptied and a checkpoint is taken, so that each
    timed write (an apply, the floor) starts alike, not beside a checkpoint the WAL of the one before set off (each
    writes hundreds of megabytes of WAL; at the default ``max_wal_size`` a checkpoint starts every 530 MB or so)."""
    from django.db import DatabaseError, connection

    from talentportal.audit.models import AuditEntry
    from talents.models import Talent

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE talents_talent RESTART IDENTITY CASCADE")
            cursor.execute("TRUNCATE audit_auditentry")
            cursor.execute("VACUUM ANALYZE talents_talent")
            try:
                cursor.execute("CHECKPOINT")
            except DatabaseError:  # a role that may not take one: the rounds are only noisier
                pass
    else:
        Talent.objects.all().delete()
        AuditEntry.objects.all().delete()


def apply_in_worker(path: Path, rows: int, admin: Any) -> Applied:
    from django.utils import timezone

    from talentportal.jobs.importing.services import import_start
    from talentportal.jobs.models import Import, Job

    clear_talents()
    worker = Worker(f"{rows}")
    try:
        started = time.perf_counter()
        created = timezone.now()
        with path.open("rb") as stream:
            imp = import_start(
                kind="talents",
                upload=stream,
                name=path.name,
                size=path.stat().st_size,
                apply=True,
                keep_valid=True,
                acting_user=admin,
            )
        assert imp.job is not None
        job_id = imp.job.pk
        progress: list[tuple[float, int, int]] = []
        last: tuple[int, int, str] | None = None
        while True:
            status, done, total, message = Job.objects.values_list(
                "status", "progress_done", "progress_total", "message"
            ).get(pk=job_id)
            now = time.perf_counter() - started
            # What the page shows moves when the numbers or the stage (with its seconds) change.
            if status == Job.Status.RUNNING and (done, total, message) != last:
                progress.append((now, done, total))
                last = (done, total, message)
            if status in (Job.Status.SUCCEEDED, Job.Status.FAILED):
                break
            if now > 3600:
                raise RuntimeError("the import took more than an hour")
            time.sleep(POLL_SECONDS)
        job = Job.objects.get(pk=job_id)
        imp.refresh_from_db()
        assert job.status == Job.Status.SUCCEEDED, (job.status, job.message)
        assert imp.status == Import.Status.APPLIED, (imp.status, imp.message)
    finally:
        peak = worker.stop()
    assert job.started_at is not None and job.finished_at is not None
    seconds = (job.finished_at - created).total_seconds()
    running_at = (job.started_at - created).total_seconds()
    all_done = next((t for t, done, total in reversed(progress) if total and done == total), seconds)
    marks = [(running_at, -1, -1), *progress, (seconds, -2, -2)]
    gaps = [(later[0] - earlier[0], earlier, later) for earlier, later in itertools.pairwise(marks)]
    gap, earlier, later = max(gaps, key=lambda g: g[0])
    result = Applied(
        rows=rows,
        seconds=seconds,
        queued=running_at,
        rows_seconds=all_done - running_at,
        tail_seconds=seconds - all_done,
        counts=dict(imp.counts),
        idle_kb=worker.idle_kb,
        peak_kb=peak,
        children_kb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        progress=progress,
        longest_gap=gap,
        gap_at=f"{describe(earlier)} → {describe(later)}",
    )
    for stored in (imp.file, imp.error_report, imp.undo_log):
        if stored:
            stored.delete(save=False)
    return result


def describe(mark: tuple[float, int, int]) -> str:
    at, done, total = mark
    if done == -1:
        return f"job started ({at:.1f} s)"
    if done == -2:
        return f"job finished ({at:.1f} s)"
    return f"{done:,}/{total:,} ({at:.1f} s)"


def database_floor() -> tuple[int, int, float]:
    """Seconds PostgreSQL alone takes to write the talents and audit entries an apply left, with every index:
    the rows are copied aside, the tables emptied, and the rows inserted back in one transaction."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_talents AS SELECT * FROM talents_talent")
        cursor.execute("CREATE TEMP TABLE bench_audit AS SELECT * FROM audit_auditentry")
        cursor.execute("SELECT (SELECT count(*) FROM bench_talents), (SELECT count(*) FROM bench_audit)")
        talents, entries = cursor.fetchone()
        clear_talents()
        started = time.perf_counter()
        with transaction.atomic():
            cursor.execute("INSERT INTO talents_talent SELECT * FROM bench_talents")
            cursor.execute("INSERT INTO audit_auditentry SELECT * FROM bench_audit")
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_talents, bench_audit")
    return talents, entries, seconds


# -- django-import-export --------------------------------------------------------------------------------------


def talent_resource() -> Any:
    """A ``ModelResource`` for talents with the roster's 15 columns, as a project using django-import-export would
    write it: Chinese headers mapped with ``Field(column_name=...)``, the region through a ``ForeignKeyWidget`` on
    the org unit's name, choice labels through a small widget. Everything else is the library's default."""
    from django.utils import translation
    from import_export import fields, resources, widgets

    from talentportal.orgs.models import OrgUnit
    from talents.models import Talent

    class ChoiceWidget(widgets.CharWidget):
        def __init__(self, name: str) -> None:
            super().__init__()
            with translation.override("zh-hans"):
                self.codes = {
                    str(label): code
                    for code, label in Talent._meta.get_field(name).flatchoices  # type: ignore[union-attr]
                }

        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
            if value in (None, ""):
                return ""
            if value not in self.codes:
                raise ValueError(f"“{value}” is not one of {'、'.join(self.codes)}")
            return self.codes[value]

    class RegionWidget(widgets.ForeignKeyWidget):
        # The default raises DoesNotExist, which import_data counts as an error and rolls the whole import back;
        # a ValueError makes the row invalid and keeps the others, as our keep_valid does.
        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
            try:
                return super().clean(value, row, **kwargs)
            except OrgUnit.DoesNotExist:
                raise ValueError(f"“{value}” is not an org unit") from None

    names = headers()
    choices = ("gender", "highest_degree", "category", "tier", "recruitment_mode", "industry")
    declared: dict[str, Any] = {}
    for name in COLUMNS:
        widget: Any = widgets.CharWidget()  # what ModelResource picks for a CharField
        if name in choices:
            widget = ChoiceWidget(name)
        elif name == "birth_date":
            widget = widgets.DateWidget()
        elif name == "org_unit":
            widget = RegionWidget(OrgUnit, field="name")
        declared[name] = fields.Field(attribute=name, column_name=names[name], widget=widget)
    meta = type("Meta", (), {"model": Talent, "fields": COLUMNS, "import_id_fields": ("id_number",)})
    return type("TalentResource", (resources.ModelResource,), {**declared, "Meta": meta})


@dataclass
class Imported:
    rows: int
    seconds: float
    load_seconds: float
    new: int
    invalid: int
    errors: int
    stored: int


def import_export(path: Path, rows: int) -> Imported:
    import tablib

    from talents.models import Talent

    clear_talents()
    resource = talent_resource()()
    started = time.perf_counter()
    dataset = tablib.Dataset().load(path.read_bytes(), format="xlsx")
    loaded = time.perf_counter() - started
    result = resource.import_data(dataset, dry_run=False)
    seconds = time.perf_counter() - started
    return Imported(
        rows=rows,
        seconds=seconds,
        load_seconds=loaded,
        new=result.totals.get("new", 0),
        invalid=len(result.invalid_rows),
        errors=len(result.row_errors()),
        stored=Talent.objects.count(),
    )


# -- the run ---------------------------------------------------------------------------------------------------


def city_admin() -> Any:
    """The demo city's units and an admin of the city (whose scope is everything), who does the imports."""
    from talentportal.orgs.demo import seed_org_units
    from talentportal.orgs.models import Membership, OrgUnit, Role, User

    seed_org_units()
    admin = User.objects.create_superuser("bench-imports", "bench@example.org", "Bench-pass-2026x")
    Membership.objects.create(user=admin, org_unit=OrgUnit.objects.get(code="330400"), role=Role.ADMIN)
    admin = User.objects.select_related("membership__org_unit").get(pk=admin.pk)
    return admin


def mb(kb: int) -> str:
    return f"{kb / 1024:,.0f} MB"


def bench_imports(
    large: int = 100_000, small: int = 10_000, iex_sizes: Sequence[int] = (1_000, 10_000), runs: int = 3
) -> list[str]:
    """Every size applied once, then ``runs`` rounds of what varies with the shared machine, each compared within
    itself: our apply of ``large`` rows against the database floor, and of the largest ``iex_sizes`` against
    django-import-export."""
    from django.db import connection

    admin = city_admin()
    notes: list[str] = []

    started = time.perf_counter()
    rows = roster_rows(large)
    sizes = sorted({large, small, *iex_sizes})
    paths = {size: OUT / f"talents-{size}.xlsx" for size in sizes}
    for size, path in paths.items():
        write_roster(path, rows[:size])
    notes.append(
        f"Rosters (generated with `talents.scale`, written with openpyxl write-only): {time.perf_counter() - started:.0f} s; "
        f"{large:,} rows are {paths[large].stat().st_size / 1e6:.1f} MB"
    )
    del rows

    floor = {size: median_seconds(partial(calamine_read, paths[size])) for size in sizes}
    best_iex = max(iex_sizes)
    ours: dict[int, Applied] = {size: apply_in_worker(paths[size], size, admin) for size in sizes if size != large}
    rounds: list[tuple[Applied, float, Applied, Imported]] = []  # (large apply, database floor, best_iex apply, iex)
    talents = entries = 0
    for _round in range(runs):
        big = apply_in_worker(paths[large], large, admin)
        talents, entries, database = database_floor() if connection.vendor == "postgresql" else (0, 0, float("nan"))
        mine = apply_in_worker(paths[best_iex], best_iex, admin)
        rounds.append((big, database, mine, import_export(paths[best_iex], best_iex)))
    ours[large] = rounds[-1][0]
    theirs = {size: import_export(paths[size], size) for size in iex_sizes if size != best_iex}
    theirs[best_iex] = rounds[-1][3]
    ours[best_iex] = rounds[-1][2]
    clear_talents()

    big, little = ours[large], ours[small]
    lines = [
        f"| run | database floor: PostgreSQL alone writes the {talents:,} talents and {entries:,} audit entries | "
        f"our apply of {large:,} rows (upload → job finished) | apply / floor (goal ≤ 1.5) | "
        f"django-import-export at {best_iex:,} rows | our apply at {best_iex:,} | speed-up (goal ≥ 20) | "
        f"worker's peak RSS at {large:,} (goal < 400 MB) | progress stood still at most (goal ≤ 1 s) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for number, (run, database, mine, iex) in enumerate(rounds, 1):
        lines.append(
            f"| {number} | {database:.1f} s | {run.seconds:.1f} s | {run.seconds / database:.2f} | {iex.seconds:.1f} s | "
            f"{mine.seconds:.2f} s | {iex.seconds / mine.seconds:.1f} × | {mb(run.peak_kb)} | {run.longest_gap:.2f} s |"
        )
    lines += [
        "",
        "| figure | measured |",
        "|---|---|",
        f"| python-calamine reading {large:,} rows to Python lists (median of 3) | {floor[large]:.2f} s |",
        f"| apply / calamine read | {big.seconds / floor[large]:.1f} |",
        f"| worker's peak RSS at {small:,} / {large:,} rows | {mb(little.peak_kb)} / {mb(big.peak_kb)} |",
        f"| peak growth, {large:,} vs {small:,} rows (ratio of peaks; of increases over idle) | "
        f"{big.peak_kb / little.peak_kb:.2f} × ; {(big.peak_kb - big.idle_kb) / max(1, little.peak_kb - little.idle_kb):.1f} × |",
    ]
    lines += [
        "",
        "| rows | calamine read s | our job s (queued / rows / after the last row) | µs per row | "
        "rows with errors | worker RSS idle → peak (increase) | longest progress gap |",
        "|---|---|---|---|---|---|---|",
    ]
    for size in sizes:
        run = ours[size]
        lines.append(
            f"| {size:,} | {floor[size]:.2f} | {run.seconds:.1f} ({run.queued:.1f} / {run.rows_seconds:.1f} / "
            f"{run.tail_seconds:.1f}) | {run.seconds / size * 1e6:,.0f} | {run.counts.get('errors', 0):,} | "
            f"{mb(run.idle_kb)} → {mb(run.peak_kb)} (+{mb(run.peak_kb - run.idle_kb)}) | "
            f"{run.longest_gap:.2f} s ({run.gap_at}) |"
        )
    lines += [
        "",
        "| rows | django-import-export s (of which tablib load) | µs per row | new / invalid / errors | stored | "
        "our job s | µs per row | speed-up |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for size in iex_sizes:
        iex, run = theirs[size], ours[size]
        lines.append(
            f"| {size:,} | {iex.seconds:.1f} ({iex.load_seconds:.1f}) | {iex.seconds / size * 1e6:,.0f} | "
            f"{iex.new:,} / {iex.invalid:,} / {iex.errors:,} | {iex.stored:,} | {run.seconds:.1f} | "
            f"{run.seconds / size * 1e6:,.0f} | {iex.seconds / run.seconds:.1f} × |"
        )
    notes.append(
        f"Peak RSS after the workers exited (`getrusage(RUSAGE_CHILDREN)`, the largest child so far): "
        f"{mb(max(r.children_kb for r in ours.values()))}"
    )
    return [*lines, "", *(f"- {note}" for note in notes)]


def profile_apply(rows: int, top: int = 40) -> list[str]:
    """``services.run(imp, CHECK_APPLY)`` in this process under cProfile: where the apply's time goes."""
    from talentportal.jobs.importing.services import CHECK_APPLY, import_start, run

    admin = city_admin()
    path = OUT / f"talents-{rows}.xlsx"
    write_roster(path, roster_rows(rows))
    with path.open("rb") as stream:
        imp = import_start(
            kind="talents",
            upload=stream,
            name=path.name,
            size=path.stat().st_size,
            keep_valid=True,
            acting_user=admin,
            queue=False,
        )
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    run(imp, CHECK_APPLY)
    profiler.disable()
    seconds = time.perf_counter() - started
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    stats.dump_stats(str(OUT / f"apply-{rows}.prof"))
    return [f"services.run(CHECK_APPLY) of {rows:,} rows in-process: {seconds:.1f} s", "", out.getvalue()]
