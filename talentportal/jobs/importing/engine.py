"""One pass over an uploaded roster, a batch at a time, in one direction: read (``reading``, ``header``) →
normalise and check (``normalising``, ``checking``) → write (``saving``, when applying) → report (``report``,
``workbooks``). Undoing an applied import is ``undo``'s, on its own.

One loop serves the dry run (writes nothing) and the application (one transaction; all-or-nothing unless the
valid rows are kept). References and existing records are resolved in bulk per batch; no query per row. The
engine builds no Form per row: cells go through the model fields' own validators and the spec's row check.
"""

from __future__ import annotations

import gc
import threading
import time
from itertools import chain, islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Import, Job
from .checking import Checker
from .display import Display
from .header import find_header
from .reading import FileRefused, open_sheet
from .report import store_findings
from .saving import Saver
from .spec import get_spec
from .workbooks import write_error_report
from .writing import BATCH, Reads


class Rollback(Exception):
    """Raised inside the apply transaction to undo every write when rows had errors."""


COLLECT_EVERY = 10  # batches between two collections of the youngest generation during a pass
TICK = 0.5  # seconds between two writes of a running stage: the page, polling as often, never stands still a second


class ProgressWriter(threading.Thread):
    """Writes a job's progress and stage from its own connection, so they show while the apply transaction is open.

    The stage (``stage("Reading the file…")``) is shown with the time it has lasted, to the half second, written
    as it ticks: the page moves twice a second even while python-calamine builds the sheet (it lets other threads
    run meanwhile), when no row can be counted yet. SQLite has one writer at a time: there the progress alone is
    written, on the job's own connection (it shows during a dry run, and once an apply commits).
    """

    def __init__(self, job: Job | None) -> None:
        super().__init__(daemon=True, name="import-progress")
        self.job = job
        self.done = 0
        self.total = 0
        self.stopped = threading.Event()
        self.changed = threading.Event()
        self.written: tuple[int, int, str] = (-1, -1, "")
        self.threaded = job is not None and connection.vendor != "sqlite"
        # The stage: its message's pattern in the job's language (the thread has none), its label, when it began.
        self.shown: tuple[str, str, float] | None = None

    def stage(self, label: str) -> None:
        """Show ``label`` (and the time since) from now on; the thread writes it at once."""
        self.shown = (_("%(stage)s (%(seconds)s s)"), label, time.monotonic())
        self.changed.set()

    def message(self) -> str:
        if self.shown is None:
            return ""
        pattern, label, since = self.shown
        return pattern % {"stage": label, "seconds": f"{(time.monotonic() - since) // TICK * TICK:.1f}"}

    def update(self, done: int, total: int | None = None) -> None:
        self.done = done
        self.total = self.total if total is None else total
        if self.job is not None and not self.threaded:
            self.job.report(min(done, self.total), self.total)

    def start(self) -> None:
        if self.threaded:
            super().start()

    def stop(self) -> None:
        """The stage is over: the last write shows the progress alone."""
        self.shown = None
        self.stopped.set()
        self.changed.set()
        if self.threaded:
            self.join(timeout=5)

    def run(self) -> None:
        try:
            while not self.stopped.is_set():
                self.write()
                # Just after each tick of the stage's time, at least once a tick for the progress, and at once when
                # the stage changes.
                shown = self.shown
                since = shown[2] if shown is not None else time.monotonic()
                self.changed.wait(TICK + 0.01 - (time.monotonic() - since) % TICK)
                self.changed.clear()
            self.write()
        finally:
            connection.close()

    def write(self) -> None:
        shown = (min(self.done, self.total), self.total, self.message())
        if self.job is None or shown == self.written:
            return
        self.written = shown
        done, total, message = shown
        try:
            self.store(done, total, message)
        except Exception:  # SQLite while the apply holds the write lock: progress shows once it commits
            connection.close()

    def store(self, done: int, total: int, message: str) -> None:
        assert self.job is not None
        Job.objects.filter(pk=self.job.pk).update(
            progress_done=done, progress_total=total, message=message, heartbeat_at=timezone.now()
        )


def check(imp: Import, job: Job | None = None) -> None:
    """The dry run: every row read and checked, nothing written; counts, first errors, preview, error report."""
    _pass(imp, job, write=False)


def apply(imp: Import, job: Job | None = None) -> None:
    """Write the file's rows in one transaction: all of them, or none when rows have errors (unless kept)."""
    _pass(imp, job, write=True)


def _read(imp: Import, progress: ProgressWriter, saver: Saver | None, display: Display, reads: Reads) -> Checker:
    """Every row of the file through the checks (and, given a ``saver``, its writes): the checker, with what it
    found. The checks make their queries through ``reads``, as the saver does."""
    spec = display.spec
    progress.stage(_("Reading the file…"))
    sheet = open_sheet(Path(imp.file.path))
    rows = sheet.numbered()
    layout, head = find_header(spec, rows, sheet.first_column)
    checker = Checker(imp, spec, layout, display, sheet.hidden_skipped)
    progress.stage(_("Writing the rows…") if saver is not None else _("Checking the rows…"))

    def total() -> int:  # the rows below the header, as far as they are known (a sheet read in parts learns them)
        return max(sheet.height - layout.header_row, 0)

    progress.update(0, total())
    data = chain(head, rows)
    # A batch's rows, records and audit entries are freed by their counts once written (a ``ValidationError``,
    # which refers to itself, is caught without its traceback: ``first_message``), yet the automatic young
    # collections scanned each of them twice or more while they lived: a tenth of an apply. The pass collects
    # every few batches instead, for what counts cannot free.
    collecting = gc.isenabled()
    gc.disable()
    try:
        # Each batch is checked on the reads' connection while the one before is written here: what one waits for
        # (the database's answers, the GIL) the other works through.
        first = list(islice(data, BATCH))
        checking = reads.submit(_check, checker, saver, first) if first else None
        batches = 0
        while checking is not None:
            last, creates, updates, ids = checking.result()
            batches += 1
            # Between the checks and the writes: nothing half-made is swept into an older generation and kept.
            if batches % COLLECT_EVERY == 0:
                gc.collect(0)
            following = list(islice(data, BATCH))
            checking = reads.submit(_check, checker, saver, following) if following else None
            if saver is not None:
                saver.save(creates, updates, ids)
            del creates, updates, ids
            progress.update(last - layout.header_row, total())
            if checker.found.counts["rows"] > settings.IMPORT_MAX_ROWS:
                raise FileRefused(
                    _("The sheet has more than %(limit)s rows; split it into several files.")
                    % {"limit": f"{settings.IMPORT_MAX_ROWS:,}"}
                )
    finally:
        if collecting:
            gc.enable()
    progress.stage(_("Saving the results…"))
    progress.update(progress.total)
    return checker


def _check(checker: Checker, saver: Saver | None, batch: list[tuple[int, list[Any]]]) -> tuple[Any, ...]:
    """A batch checked (its errors worded in the other languages too, reading their rows again), with the ids its
    new records will take: (its last row, records to create, records to update, their ids)."""
    creates, updates = checker.batch(batch)
    checker.translate()
    return batch[-1][0], creates, updates, saver.ids(creates) if saver is not None else None


def _pass(imp: Import, job: Job | None, write: bool) -> None:
    spec = get_spec(imp.kind)
    assert spec is not None, imp.kind
    display = Display(spec)
    # The apply's queries on a second connection while its own sends the COPYs (PostgreSQL), unless the apply runs
    # inside a transaction of its caller: the second connection would not see what that transaction wrote.
    reads = Reads(separate=write and connection.vendor == "postgresql" and not connection.in_atomic_block)
    saver = Saver(imp, spec, display, job, reads) if write else None
    checker = None
    progress = ProgressWriter(job)
    progress.start()
    stored: list[Any] = []  # the files the apply stored, dropped when its transaction is rolled back
    try:
        if saver is not None:
            try:
                with transaction.atomic():
                    with saver.writer:  # a COPY that failed raises its own error, the first cause
                        checker = _read(imp, progress, saver, display, reads)
                        if checker.found.counts["errors"] and not imp.keep_valid:
                            raise Rollback
                        # Written while PostgreSQL writes the last rows (the last batch's audit entries sent now, not
                        # on leaving the writer): the undo log, the error report.
                        saver.writer.flush()
                        saver.undo_log.save(imp.undo_log, f"undo-{imp.pk}.json.gz")
                        stored.append(imp.undo_log)
                        if checker.found.counts["errors"] and not imp.error_report:  # an apply that skipped the check
                            write_error_report(imp, checker.found)
                            stored.append(imp.error_report)
            except Rollback:
                assert checker is not None
                store_findings(imp, checker.found, Import.Status.CHECKED, _not_applied(checker.found.counts["errors"]))
                imp.save()
                return
            except BaseException:  # the last rows refused, the commit failed, a time limit: nothing of it is kept
                for file in stored:
                    file.delete(save=False)
                raise
            store_findings(imp, checker.found, Import.Status.APPLIED)
            imp.applied_at = timezone.now()
            imp.apply_job = job
        else:
            checker = _read(imp, progress, None, display, reads)
            store_findings(imp, checker.found, Import.Status.CHECKED)
            if checker.found.counts["errors"] and not imp.error_report:  # an apply writes its own, in its transaction
                write_error_report(imp, checker.found)
    except FileRefused as refusal:
        imp.status = Import.Status.CHECKED if write and imp.counts else Import.Status.REFUSED
        imp.message = refusal.message
    finally:
        progress.stop()
        reads.close()
        if saver is not None:
            saver.undo_log.close()
    imp.save()


def _not_applied(errors: int) -> str:
    return _("Nothing was written: %(count)d rows have errors. Fix them, or apply keeping only the valid rows.") % {
        "count": errors
    }
