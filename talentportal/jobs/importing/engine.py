"""The import loop: file → header → cells → references → checks → (writes, audit, undo log), a batch at a time.

One loop serves the dry run (writes nothing) and the application (one transaction; all-or-nothing unless the
valid rows are kept). References and existing records are resolved in bulk per batch; no query per row. The
engine builds no Form per row: cells go through the model fields' own validators and the spec's row check.
Many-to-many links (a team's members) are written after the records, one DELETE and one INSERT per batch, and
the undo log keeps the links each record had before.
"""

from __future__ import annotations

import gc
import gzip
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any

import orjson
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, router, transaction
from django.db.models import F, ProtectedError, RestrictedError, prefetch_related_objects
from django.db.models.deletion import Collector
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from talentportal.audit.models import Action, AuditEntry, Source
from talentportal.audit.services import _plain
from talentportal.orgs.models import OrgUnit, unit_of
from talentportal.registry.masking import PERSONAL_FIELDS, mask_text

from ..models import Import, Job
from . import cells
from .reading import FileRefused, Sheet, open_sheet
from .spec import Column, ImportSpec, Ref, _labels, get_spec, header_key
from .writing import UndoLog, Writer, new_objects

BATCH = 2000
HEADER_SEARCH_ROWS = 30
MAX_ERRORS_KEPT = 500
PREVIEW_ROWS = 50
MEMO_SIZE = 5000  # distinct values of a column remembered while reading it
KEPT_ROWS = 20_000  # rows with errors kept for the error report; beyond them the report reads the file again

REQUIRED = gettext_lazy("This column is required; the cell is empty.")
# A roster's closing row of totals, not a record: 合计 8人 / 总计：12 / 小计（共3家） in one of its first cells, or
# only counts (8, 8人, 共8人) where a record has its name and number.
_COUNT = r"共?[\d,.]+(人次|人|个|家|项|条|名|户|位|笔|次|万元|元)?"
TOTALS = re.compile(rf"(合计|总计|小计|共计|总合计):?\(?({_COUNT})?\)?")
COUNT = re.compile(_COUNT)
TOTALS_CELLS = 3  # how many first cells may say 合计
TOTALS_ROW = gettext_lazy("Row %(row)d was skipped: it is a totals row (%(text)s), not a record.")
# The error report's own column: uploaded again, the report is read like the roster it came from.
ERROR_COLUMN = gettext_lazy("What is wrong")


class Rollback(Exception):
    """Raised inside the apply transaction to undo every write when rows had errors."""


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class Layout:
    """Where the header is and which sheet column feeds which import column."""

    header_row: int
    columns: list[tuple[int, Column]]
    unknown: list[str]
    header: list[Any] = field(default_factory=list)  # the header row's cells, as the error report repeats them


def find_header(
    spec: ImportSpec, rows: Iterator[tuple[int, list[Any]]], first_column: int = 0
) -> tuple[Layout, list[tuple[int, list[Any]]]]:
    """The header row among the first rows (title rows above it are skipped), and the data rows read past it."""
    names: dict[str, Column] = {}
    for column in spec.sheet_columns:
        for key in column.names():
            names.setdefault(key, column)
    seen = list(islice(rows, HEADER_SEARCH_ROWS))
    best, best_hits = -1, 0
    for position, (_number, row) in enumerate(seen):
        hits = len({names[k].name for k in (header_key(c) for c in row) if k in names})
        if hits > best_hits:
            best, best_hits = position, hits
    if best < 0:
        raise FileRefused(
            _("No header row found: the first rows name none of the columns of %(kind)s (such as %(examples)s).")
            % {"kind": spec.label, "examples": "、".join(c.label for c in spec.sheet_columns[:3])}
        )
    header_number, header = seen[best]
    mapped: list[tuple[int, Column]] = []
    where: dict[str, str] = {}
    unknown: list[str] = []
    ignored = _labels(ERROR_COLUMN)
    for index, cell in enumerate(header):
        key = header_key(cell)
        if not key or key in ignored:
            continue
        found = names.get(key)
        if found is None:
            unknown.append(f"{column_letter(index + first_column)}: {cells.text(cell)}")
            continue
        column = found
        if column.name in where:
            raise FileRefused(
                _("The column “%(column)s” appears twice (columns %(first)s and %(second)s); keep one.")
                % {"column": column.label, "first": where[column.name], "second": column_letter(index + first_column)}
            )
        where[column.name] = column_letter(index + first_column)
        mapped.append((index, column))
    missing = [c.label for c in spec.sheet_columns if c.required and c.name not in where]
    if missing:
        raise FileRefused(
            _("Required columns are missing: %(columns)s. Row %(row)d was taken as the header.")
            % {"columns": "、".join(missing), "row": header_number}
        )
    return Layout(header_number, mapped, unknown, header), seen[best + 1 :]


class ProgressWriter(threading.Thread):
    """Writes a job's progress from its own connection, so it shows while the apply transaction is open.

    SQLite has one writer at a time: there the progress is written on the job's own connection instead (it
    shows during a dry run, and once an apply commits).
    """

    def __init__(self, job: Job | None) -> None:
        super().__init__(daemon=True, name="import-progress")
        self.job = job
        self.done = 0
        self.total = 0
        self.stopped = threading.Event()
        self.written = (-1, -1)
        self.threaded = job is not None and connection.vendor != "sqlite"

    def update(self, done: int, total: int | None = None) -> None:
        self.done = done
        self.total = self.total if total is None else total
        if self.job is not None and not self.threaded:
            self.job.report(min(done, self.total), self.total)

    def start(self) -> None:
        if self.threaded:
            super().start()

    def stop(self) -> None:
        self.stopped.set()
        if self.threaded:
            self.join(timeout=5)

    def run(self) -> None:
        try:
            while not self.stopped.wait(0.5):
                self.write()
            self.write()
        finally:
            connection.close()

    def write(self) -> None:
        if self.job is None or (self.done, self.total) == self.written:
            return
        self.written = (self.done, self.total)
        try:
            Job.objects.filter(pk=self.job.pk).update(
                progress_done=min(self.done, self.total), progress_total=self.total, heartbeat_at=timezone.now()
            )
        except Exception:  # SQLite while the apply holds the write lock: progress shows once it commits
            connection.close()


@dataclass
class Run:
    """What one pass over the file found (and, when applying, did)."""

    imp: Import
    spec: ImportSpec
    user: Any
    write: bool
    job: Job | None = None
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)
    bad_rows: dict[int, dict[int, str]] = field(default_factory=dict)  # row -> {sheet column: message}
    bad_cells: dict[int, list[Any]] = field(default_factory=dict)  # row -> its cells, for the error report
    preview: list[dict[str, Any]] = field(default_factory=list)
    writer: Writer | None = None  # when applying: what writes the new records, and the log to undo them with
    undo_log: UndoLog | None = None
    seen: dict[tuple[Any, ...], int] = field(default_factory=dict)
    memo: dict[str, Any] = field(default_factory=dict)  # the spec's rules across the batches of one file
    layout: Layout | None = None
    hidden_skipped: int = 0
    notes: list[dict[str, Any]] = field(default_factory=list)  # rows skipped, and why
    # Stored values the file's blank cells would clear: kept unless the import clears them (``clear_blanks``).
    blank_values: int = 0

    def __post_init__(self) -> None:
        self.model = self.spec.model
        self.units = {u.pk: u for u in OrgUnit.objects.only("id", "name", "code", "kind", "parent_id", "path")}
        unit = unit_of(self.user)
        self.scope = None if unit is None else set(unit.subtree_ids())
        self.key_attnames = [self.field(k).attname for k in self.spec.key]
        # A row without these has no key (a nullable part may be empty: a residency's talent or enterprise).
        self.required_key = [self.field(k).attname for k in self.spec.key if not self.field(k).null]
        self.many = [ref.name for ref in self.spec.many]
        self.content_type = ContentType.objects.get_for_model(self.model)
        self.concrete = [f.attname for f in self.model._meta.concrete_fields]
        self.labels: dict[str, dict[Any, str]] = {}
        self.shows: dict[str, Any] = {}
        if self.write:
            self.writer, self.undo_log = Writer(self.model, AuditEntry), UndoLog(self.model)

    def field(self, name: str) -> Any:
        return _field(self.model, name)

    # -- the loop ------------------------------------------------------------------------------------------
    def process(self, sheet: Sheet, progress: ProgressWriter) -> None:
        rows = sheet.numbered()
        self.layout, head = find_header(self.spec, rows, sheet.first_column)
        mapped = {self.spec.attname(c) for _i, c in self.layout.columns}
        # A key field the file leaves out takes its default (no 证件类型 column: resident ID cards).
        self.key_defaults = {
            a: self.field(k).get_default()
            for k, a in zip(self.spec.key, self.key_attnames, strict=True)
            if a not in mapped
        }
        self.hidden_skipped = sheet.hidden_skipped
        self.memos: dict[str, dict[tuple[type, Any], tuple[str | None, Any, bool]] | None] = {
            c.name: {} for _i, c in self.layout.columns
        }
        # The columns whose blank cell stands for "no change" on a stored record: (field, the value blank reads as).
        self.blankable = {
            c.name: (self.spec.attname(c), c.default) for _i, c in self.layout.columns if c.stored and not c.keep_blank
        }
        progress.update(0, max(sheet.height - (self.layout.header_row - sheet.first_row), 0))
        data = chain(head, rows)
        try:
            while batch := list(islice(data, BATCH)):
                self.batch(batch)
                # What the batches keep (undo log, keys seen) lives to the end of the file. Each batch's objects
                # outlive the young collections, so nearly every batch ended in a full one that scanned all of it
                # again: a sixth of a 100,000-row apply. Frozen, it is not scanned until the pass is over.
                gc.freeze()
                progress.update(batch[-1][0] - self.layout.header_row)
                if self.counts["rows"] > settings.IMPORT_MAX_ROWS:
                    raise FileRefused(
                        _("The sheet has more than %(limit)s rows; split it into several files.")
                        % {"limit": f"{settings.IMPORT_MAX_ROWS:,}"}
                    )
        finally:
            gc.unfreeze()
        progress.update(progress.total)

    def batch(self, batch: list[tuple[int, list[Any]]]) -> None:
        self.cells = dict(batch)  # what a failing row keeps of itself (errors are few; the rows are not kept)
        self.blanks: dict[int, list[str]] = {}  # row -> the columns left blank
        self.failed: dict[int, list[dict[str, Any]]] = {}  # row -> its errors kept, to be put in other languages
        self.deferred: dict[tuple[int, str], Any] = {}  # (row, field) -> the engine's own message, to put again
        self.match(self.rules(self.parse(batch)))
        if self.failed:
            self.translate()

    def parse(
        self, batch: list[tuple[int, list[Any]]], remember: bool = True
    ) -> list[tuple[int, dict[str, Any], dict[str, str]]]:
        """The rows' cells read and checked, their references resolved (one lookup per reference for the batch).

        ``remember``: reuse the outcome of a value seen before in the column (off when reading rows again in
        another language)."""
        assert self.layout is not None
        parsed: list[tuple[int, dict[str, Any], dict[str, str]]] = []
        raw_refs: dict[str, set[Any]] = {ref.name: set() for ref in self.spec.refs}
        for number, row in batch:
            values: dict[str, Any] = {}
            problems: dict[str, str] = {}
            blank: list[str] = []
            width = len(row)
            for index, column in self.layout.columns:
                raw = row[index] if index < width else ""
                # Most columns repeat a few values (a region, a tier, 男/女): each is read and checked once.
                memo = self.memos.get(column.name) if remember else None
                key = (raw.__class__, raw)  # 1, 1.0 and True are equal keys, but not the same cell
                outcome = memo.get(key) if memo is not None else None
                if outcome is None:
                    outcome = self.read(column, raw)
                    if memo is not None:
                        memo[key] = outcome
                        if len(memo) > MEMO_SIZE:  # a column of names or ID numbers: no use remembering
                            self.memos[column.name] = None
                problem, value, filled = outcome
                if problem is not None:
                    if problem:
                        problems[column.name] = problem
                    continue
                if not filled:
                    blank.append(column.name)
                elif column.name in raw_refs:
                    raw_refs[column.name].update(value if column.many else (value,))  # type: ignore[attr-defined]
                values[column.name] = value
            if blank:
                self.blanks[number] = blank
            # Only a row that fails can be a totals row: checking it costs the valid rows nothing.
            if problems and remember and self.is_totals(row, problems):
                self.notes.append(_in_every_language(TOTALS_ROW, row=number, text=_first_text(row)))
                continue
            parsed.append((number, values, problems))
        # In the order declared: a reference over other cells comes after the references among them.
        for ref in self.spec.refs:
            if ref.over:
                self.resolve_over(ref, parsed)
                continue
            found = raw_refs[ref.name]
            answers = ref.resolve(self.user, found) if ref.resolve and found else {}
            for _number, values, problems in parsed:
                self.substitute(ref, values, problems, answers)
        return parsed

    def rules(
        self, parsed: list[tuple[int, dict[str, Any], dict[str, str]]]
    ) -> list[tuple[int, dict[str, Any], dict[str, str]]]:
        """The rows as the kind stores them, checked by the kind's own rules."""
        unstored = [self.spec.attname(c) for c in self.spec.columns if not c.stored]
        rows: list[tuple[int, dict[str, Any], dict[str, str]]] = []
        for number, values, problems in parsed:
            for attname in unstored:
                values.pop(attname, None)
            for attname, default in self.key_defaults.items():
                values.setdefault(attname, default)
            # The row's own rules run whatever its cells said: a row reports every error it has in one pass. A
            # field whose cell failed is not in ``values``; a rule that needs it is skipped by ``clean``.
            if self.spec.clean:
                for name, message in self.spec.clean(values, self.user).items():
                    problems.setdefault(name, message)
            rows.append((number, values, problems))
        return rows

    def translate(self) -> None:
        """The errors kept of this batch's failed rows, in each other language the portal speaks, so that every
        reader reads them in their own. The rows are read again in that language (a few rows, one lookup per
        reference); a rule across records that cannot be asked again keeps the words of the first reading."""
        own = translation.get_language()
        rows = [(number, self.cells[number]) for number in self.failed]
        for code, _name in settings.LANGUAGES:
            if code == own:
                continue
            with translation.override(code):
                again = {number: problems for number, _values, problems in self.rules(self.parse(rows, False))}
                for number, errors in self.failed.items():
                    for error in errors:
                        name = error["field"]
                        deferred = self.deferred.get((number, name))
                        message = deferred() if deferred else again.get(number, {}).get(name)
                        error["messages"][code] = str(message) if message else error["message"]

    def is_totals(self, row: list[Any], problems: dict[str, str]) -> bool:
        """Whether a failed row is the roster's totals: 合计 (总计, 小计) in one of its first cells, or nothing but
        counts in a row whose required cells are empty."""
        for cell in row[:TOTALS_CELLS]:
            if isinstance(cell, str) and "计" in cell and TOTALS.fullmatch(_squeezed(cell)):
                return True
        if str(REQUIRED) not in problems.values():
            return False
        filled = [cell for cell in row if cell is not None and cells.text(cell) != ""]
        return bool(filled) and all(
            (isinstance(cell, int | float) and not isinstance(cell, bool)) or COUNT.fullmatch(_squeezed(cell))
            for cell in filled
        )

    def read(self, column: Column, raw: Any) -> tuple[str | None, Any, bool]:
        """One cell: (the problem, or "" to leave the field out, or None; the value; whether the cell was filled)."""
        try:
            value = column.parse(raw)
        except cells.CellError as error:
            return str(error.message), None, False
        if column.empty(value):
            if column.required:
                return str(REQUIRED), None, False
            return ("", None, False) if column.keep_blank else (None, column.default, False)
        if not isinstance(column, Ref) and column.validators:
            message = self.spec.validate(column, value)
            if message:
                return message, None, True
        return None, value, True

    def substitute(self, ref: Ref, values: dict[str, Any], problems: dict[str, str], answers: dict[Any, Any]) -> None:
        """A reference cell's value replaced by the id it names (ids, for a list), or a problem."""
        if ref.name not in values:
            return
        value = values.pop(ref.name)
        attname = self.spec.attname(ref)
        if value is None:
            values[attname] = None
            return
        known = self.labels.setdefault(ref.name, {})
        found, wrong = [], []
        for raw in value if ref.many else (value,):
            answer = answers.get(raw)
            if isinstance(answer, tuple):
                found.append(answer[0])
                known[answer[0]] = answer[1]
            else:
                wrong.append(str(answer))
        if wrong:
            problems[ref.name] = " ".join(wrong)
        else:
            values[attname] = sorted(set(found)) if ref.many else found[0]

    def resolve_over(self, ref: Ref, parsed: list[tuple[int, dict[str, Any], dict[str, str]]]) -> None:
        """A reference named by several cells: their values as one tuple per row, resolved in one call."""
        parts = [self.column(name) for name in ref.over]
        attname = self.spec.attname(ref)
        pending = []
        for _number, values, problems in parsed:
            # A part with a problem, or a reference over other cells that could not be resolved, names nothing.
            if any(
                p.name in problems or (isinstance(p, Ref) and p.over and self.spec.attname(p) not in values)
                for p in parts
            ):
                continue
            key = tuple(None if (v := values.get(self.spec.attname(p))) == "" else v for p in parts)
            if all(v is None for v in key):
                values[attname] = None
                continue
            pending.append((values, problems, key))
        answers = ref.resolve(self.user, {k for _v, _p, k in pending}) if ref.resolve and pending else {}
        known = self.labels.setdefault(ref.name, {})
        for values, problems, key in pending:
            answer = answers.get(key)
            if isinstance(answer, tuple):
                values[attname] = answer[0]
                known[answer[0]] = answer[1]
            else:
                problems.setdefault(self.blamed(parts, values), str(answer))

    def blamed(self, parts: list[Column], values: dict[str, Any]) -> str:
        """The cell a reference over several cells shows its problem on: the last of them that is filled in."""
        cells_ = [p for p in parts if p.in_sheet]
        filled = [p for p in cells_ if values.get(self.spec.attname(p)) not in (None, "")]
        return (filled or cells_ or parts)[-1].name

    def column(self, name: str) -> Column:
        return next(c for c in self.spec.columns if c.name == name)

    def match(self, rows: list[tuple[int, dict[str, Any], dict[str, str]]]) -> None:
        keys = {}
        for number, values, problems in rows:
            # A row whose key is known is matched even when other cells failed: a duplicate or a record of
            # another county is reported beside them.
            if any(a not in values for a in self.key_attnames) or any(
                values.get(a) in (None, "") for a in self.required_key
            ):
                continue
            key = tuple(values.get(a) for a in self.key_attnames)
            first = self.seen.get(key)
            if first is not None:
                self.say(number, problems, self.spec.key[-1], self.duplicate, first)
                continue
            if not problems:
                self.seen[key] = number
            keys[number] = key
        existing = {}
        if keys:
            owner = self.spec.org_field.replace(".", "__")
            for found in self.spec.existing(keys.values()).annotate(_owner=F(owner)).values(*self.concrete, "_owner"):
                existing[tuple(found[a] for a in self.key_attnames)] = found
            self.load_links(existing.values())
            self.name_linked(existing.values())
        pending = []
        clears: dict[int, int] = {}
        for number, values, problems in rows:
            current = existing.get(keys.get(number, ()))
            if current is not None and number in self.blanks:
                clears[number] = self.blank_cells(self.blanks[number], values, current)
            if current is not None and self.scope is not None and current["_owner"] not in self.scope:
                self.say(number, problems, self.spec.key[-1], self.registered_elsewhere, current["_owner"])
            if not problems and self.spec.adjust:
                self.spec.adjust(values, current, self.display)
            pending.append((number, values, problems, current))
        if self.spec.check:
            ready = [i for i, (_n, _v, problems, _c) in enumerate(pending) if not problems]
            if ready:
                found_problems = self.spec.check([(pending[i][1], pending[i][3]) for i in ready], self.user, self.memo)
                for position, problems in found_problems.items():
                    pending[ready[position]][2].update(problems)
        creates, updates = [], []
        for number, values, problems, current in pending:
            if problems:
                self.fail(number, problems)
                continue
            if current is None:
                self.counts["created"] += 1
                creates.append((number, values))
                self.show(number, "create", {k: [None, v] for k, v in values.items()})
                continue
            self.blank_values += clears.get(number, 0)
            changed = {k: [current[k], v] for k, v in values.items() if current.get(k) != v}
            if not changed:
                self.counts["unchanged"] += 1
                continue
            self.counts["updated"] += 1
            updates.append((number, current, values, changed))
            self.show(number, "update", changed)
        self.counts["rows"] += len(rows)
        if self.write:
            self.save(creates, updates)

    def say(self, number: int, problems: dict[str, str], name: str, message: Any, *args: Any) -> None:
        """A problem the engine finds itself, unless the field has one: ``message(*args)`` words it, in whichever
        language is active when it is asked again."""
        if name not in problems:
            problems[name] = message(*args)
            self.deferred[(number, name)] = lambda: message(*args)

    def duplicate(self, first: int) -> str:
        return _("Duplicates row %(row)d of this file (the same %(key)s).") % {
            "row": first,
            "key": "、".join(self._label(k) for k in self.spec.key),
        }

    def registered_elsewhere(self, owner: int) -> str:
        return _("Already registered by %(county)s; ask them to change it.") % {"county": self.county_of(owner)}

    def blank_cells(self, blank: list[str], values: dict[str, Any], current: dict[str, Any]) -> int:
        """A stored record's blank cells mean "no change": their fields are left out of the row's values, unless
        the import clears blanks. Answers how many stored values they clear (or would clear)."""
        clears = 0
        for name in blank:
            attname, default = self.blankable.get(name, (None, None))
            if attname is None or attname not in values:
                continue
            value = values[attname]
            # Still blank (not filled in by the row's rules, as a birth date read from the ID number), and the
            # stored value differs.
            if value != default or current.get(attname) == value:
                continue
            clears += 1
            if not self.imp.clear_blanks:
                del values[attname]
        return clears

    def name_linked(self, records: Any) -> None:
        """Labels of the records the stored rows link to, one query per reference (for previews and audit).

        The key's references need none: a stored row matched on them links to what this file's rows name."""
        records = list(records)
        for ref in self.spec.refs:
            if not ref.stored or ref.name in self.spec.key:
                continue
            related = self.field(ref.name).related_model
            if related is OrgUnit or related is None:
                continue
            known = self.labels.setdefault(ref.name, {})
            wanted = {i for r in records for i in (r[ref.name] if ref.many else [r[f"{ref.name}_id"]])}
            for obj in related._default_manager.filter(pk__in=wanted - set(known) - {None}):  # type: ignore[attr-defined]
                known[obj.pk] = str(obj)

    def load_links(self, records: Any) -> None:
        """The many-to-many links of the stored rows (sorted ids under the field's name), one query per field."""
        by_id = {r[self.model._meta.pk.attname]: r for r in records}
        for name in self.many:
            through, source, target = _links(self.model, name)
            for record in by_id.values():
                record[name] = []
            pairs = through.objects.filter(**{f"{source}__in": list(by_id)}).order_by(source, target)
            for owner, linked in pairs.values_list(source, target):
                by_id[owner][name].append(linked)

    # -- outcomes ------------------------------------------------------------------------------------------
    def fail(self, number: int, problems: dict[str, str]) -> None:
        assert self.layout is not None
        self.counts["errors"] += 1
        where = {c.name: (i, c) for i, c in self.layout.columns}
        marks = self.bad_rows.setdefault(number, {})
        row = self.cells[number]
        if len(self.bad_cells) < KEPT_ROWS:
            self.bad_cells[number] = row
        for name, message in problems.items():
            index, column = where.get(name, (-1, None))
            marks[index] = message
            if len(self.errors) < MAX_ERRORS_KEPT:
                error = {
                    "row": number,
                    "column": column.label if column else self._label(name),
                    "value": cells.text(row[index]) if 0 <= index < len(row) else "",
                    "message": message,
                    # What rebuilds the error in the reader's language: the field and the message in each language.
                    "field": name,
                    "messages": {translation.get_language(): message},
                }
                self.errors.append(error)
                self.failed.setdefault(number, []).append(error)

    def show(self, number: int, action: str, changes: dict[str, list[Any]]) -> None:
        if len(self.preview) < PREVIEW_ROWS:
            self.preview.append(
                {
                    "row": number,
                    "action": action,
                    "changes": {self._label(k): [self.shown(k, b), self.shown(k, a)] for k, (b, a) in changes.items()},
                }
            )

    def _label(self, name: str) -> str:
        name = name.removesuffix("_id")
        column = next((c for c in self.spec.columns if c.name == name), None)
        if column is not None:
            return column.label
        return str(self.field(name).verbose_name)

    def shown(self, attname: str, value: Any) -> Any:
        """A value as the preview shows it: personal data masked, as on the record's page (the preview is read
        by whoever opens the import, and reveals nothing)."""
        mask = PERSONAL_FIELDS.get(attname)
        shown = self.display(attname, value)
        return mask(shown) if mask is not None and shown not in (None, "") else mask_text(shown)

    def display(self, attname: str, value: Any) -> Any:
        """A value as people read it: a unit or enterprise by its name, a choice by its label; linked records
        by name and id, as the record's own history shows them."""
        if value is None or value == "":
            return value
        show = self.shows.get(attname)
        if show is None:
            show = self.shows[attname] = self._show(attname)
        return show(value)

    def _show(self, attname: str) -> Any:
        """How ``display`` shows the values of one field (worked out once per field, used for every row)."""
        if attname in self.many:
            known = self.labels.setdefault(attname, {})
            return lambda value: sorted(f"{known.get(pk, '')} (#{pk})" for pk in value)
        if attname.endswith("_id"):
            name = attname.removesuffix("_id")
            related = self.field(name).related_model
            known = self.labels.setdefault(name, {})

            def linked(value: Any) -> str:
                label = known.get(value)
                if label is None:
                    if related is OrgUnit and value in self.units:
                        return self.units[value].name
                    found = related._default_manager.filter(pk=value).first() if related else None  # type: ignore[union-attr]
                    label = known[value] = str(found) if found else f"#{value}"
                return label

            return linked
        model_field = self.field(attname)
        if model_field.choices:
            labels = {code: str(label) for code, label in model_field.flatchoices}
            return lambda value: labels.get(value) or str(value)
        return _plain

    def county_of(self, unit_id: int) -> str:
        unit = self.units.get(unit_id)
        chain = []
        while unit is not None:
            chain.append(unit)
            unit = self.units.get(unit.parent_id) if unit.parent_id else None
        for candidate in reversed(chain):
            if candidate.kind == OrgUnit.Kind.COUNTY:
                return candidate.name
        return chain[-2].name if len(chain) > 1 else (chain[0].name if chain else "?")

    # -- writing -------------------------------------------------------------------------------------------
    def save(self, creates: list[tuple[int, dict[str, Any]]], updates: list[Any]) -> None:
        assert self.writer is not None and self.undo_log is not None
        model = self.model
        undo: list[dict[str, Any]] = []
        stamp = {"updated_at": timezone.now()} if any(f == "updated_at" for f in self.concrete) else {}
        audit: list[dict[str, Any]] = []
        if creates:
            objects = new_objects(
                model, [{k: v for k, v in values.items() if k not in self.many} for _n, values in creates]
            )
            self.writer.insert(objects)
            self.prefetch_for_names(objects)
            linked = []
            for obj, (_n, values) in zip(objects, creates, strict=True):
                row: dict[str, Any] = {
                    "id": obj.pk,
                    "a": "c",
                    "f": {k: _plain(v) for k, v in values.items() if k not in self.many},
                }
                if links := {k: [None, values[k]] for k in self.many if k in values}:
                    row["m"] = links
                    linked.append((obj.pk, links))
                undo.append(row)
                audit.append(self.entry(Action.CREATE, obj, {k: [None, v] for k, v in values.items()}))
            self.link(linked, replace=False)
        if updates:
            objects = []
            fields: set[str] = set()
            relinked = []
            for _n, current, values, changed in updates:
                data = {k: v for k, v in current.items() if k != "_owner" and k not in self.many}
                data.update({k: v for k, v in values.items() if k not in self.many}, **stamp)
                objects.append(model(**data))
                plain = {k: c for k, c in changed.items() if k not in self.many}
                fields |= set(plain)
                row = {
                    "id": current["id"],
                    "a": "u",
                    "b": {k: _plain(b) for k, (b, _a) in plain.items()},
                    "f": {k: _plain(a) for k, (_b, a) in plain.items()},
                }
                if links := {k: c for k, c in changed.items() if k in self.many}:
                    row["m"] = links
                    relinked.append((current["id"], links))
                undo.append(row)
            update_fields = [_field(model, f.removesuffix("_id")).name if f.endswith("_id") else f for f in fields]
            if update_fields or stamp:
                # Keyed on the primary key: every row here was matched to its stored record already, and a
                # natural key need not be one unique index (a selection names a talent or a team).
                model._default_manager.bulk_create(
                    objects,
                    batch_size=BATCH,
                    update_conflicts=True,
                    unique_fields=[model._meta.pk.name],
                    update_fields=sorted(set(update_fields) | set(stamp)),
                )
            self.link(relinked, replace=True)
            self.prefetch_for_names(objects)
            for obj, (_n, _current, _values, changed) in zip(objects, updates, strict=True):
                audit.append(self.entry(Action.UPDATE, obj, changed))
        self.writer.add(AuditEntry, audit)
        self.undo_log.extend(undo)

    def link(self, records: list[tuple[int, dict[str, list[Any]]]], replace: bool) -> None:
        """Set the many-to-many links of these records to the file's: one DELETE and one INSERT per field."""
        for name in self.many:
            through, source, target = _links(self.model, name)
            owners = [(pk, links[name][1]) for pk, links in records if name in links]
            if replace:
                ids = [pk for pk, _linked in owners]
                for start in range(0, len(ids), 5000):
                    through.objects.filter(**{f"{source}__in": ids[start : start + 5000]}).delete()
            through.objects.bulk_create(
                [through(**{source: pk, target: other}) for pk, linked in owners for other in linked], batch_size=BATCH
            )

    def prefetch_for_names(self, objects: list[models.Model]) -> None:
        """What naming the records in the audit log reads, in one query per relation instead of one per record."""
        if self.spec.repr_related and self.spec.org_field == "org_unit":
            prefetch_related_objects(objects, *self.spec.repr_related)

    def entry(self, action: str, obj: models.Model, changes: dict[str, list[Any]]) -> dict[str, Any]:
        """The audit entry of one record's change, as field values (``Writer.add`` saves them)."""
        top_level = self.spec.org_field == "org_unit"
        display = self.display
        return {
            "user_id": self.user.pk,
            "username": self.user.username,
            "source": Source.IMPORT,
            "action": action,
            "job_id": self.job.pk if self.job else None,
            "content_type_id": self.content_type.pk,
            "object_id": str(obj.pk),
            # A child record (a year's figures) is named and scoped without loading its parent for each row.
            "object_repr": str(obj)[:200] if top_level else f"#{obj.pk}",
            "org_unit_id": getattr(obj, "org_unit_id", None) if top_level else self.imp.org_unit_id,
            "changes": {k.removesuffix("_id"): [display(k, b), display(k, a)] for k, (b, a) in changes.items()},
        }


def _in_every_language(message: Any, row: int, **params: Any) -> dict[str, Any]:
    """A note on a row, worded in the active language and kept in every language the portal speaks."""
    messages: dict[str, str] = {}
    for code in [translation.get_language(), *(code for code, _name in settings.LANGUAGES)]:
        with translation.override(code):
            messages.setdefault(code, str(message) % {"row": row, **params})
    return {"row": row, "message": messages[translation.get_language()], "messages": messages}


def for_reader(imp: Import) -> dict[str, list[dict[str, Any]]]:
    """The import's errors and notes in the reader's language (the active one): each message as the check worded
    it in that language, and the column named in it; an entry stored before both were kept stays as it was."""
    language = translation.get_language()
    spec = get_spec(imp.kind)
    labels = {c.name: c.label for c in spec.columns} if spec else {}

    def label(name: str | None, stored: str) -> str:
        if not name or spec is None:
            return stored
        if name in labels:
            return labels[name]
        try:
            return str(_field(spec.model, name.removesuffix("_id")).verbose_name)
        except Exception:  # a field renamed since the import
            return stored

    def masked(error: dict[str, Any]) -> dict[str, Any]:
        # Personal data stays masked on the page and in the API; the error report (its download audited) has it.
        value, message = error["value"], error.get("messages", {}).get(language, error["message"])
        mask = PERSONAL_FIELDS.get((error.get("field") or "").removesuffix("_id"))
        if mask is not None and value not in (None, ""):
            message = message.replace(str(value), mask(value))
            value = mask(value)
        return {
            **error,
            "column": label(error.get("field"), error["column"]),
            "value": mask_text(value),
            "message": mask_text(message),
        }

    errors = [masked(e) for e in imp.errors]
    notes = [{**n, "message": mask_text(n.get("messages", {}).get(language, n["message"]))} for n in imp.notes]
    return {"errors": errors, "notes": notes}


def _squeezed(cell: Any) -> str:
    """A cell's text without spaces, full-width forms made half-width (：→:, （→()."""
    return cells.text(cell).replace(" ", "").replace("，", ",")


def _first_text(row: list[Any]) -> str:
    return next((text for cell in row if (text := cells.text(cell))), "")[:40]


def _field(model: type[models.Model], name: str) -> Any:
    return model._meta.get_field(name)


def _links(model: type[models.Model], name: str) -> tuple[Any, str, str]:
    """A many-to-many field's link table and its two columns: to the record, and to the linked record."""
    many: Any = _field(model, name)
    return many.remote_field.through, many.m2m_column_name(), many.m2m_reverse_name()


def _current_links(model: type[models.Model], name: str, ids: list[int]) -> dict[int, list[int]]:
    through, source, target = _links(model, name)
    found: dict[int, list[int]] = defaultdict(list)
    for start in range(0, len(ids), 5000):
        pairs = through.objects.filter(**{f"{source}__in": ids[start : start + 5000]}).order_by(source, target)
        for owner, linked in pairs.values_list(source, target):
            found[owner].append(linked)
    return found


def relinked_since(model: type[models.Model], rows: list[dict[str, Any]]) -> set[int]:
    """Records whose many-to-many links are no longer what the import left them (changed by any door)."""
    changed: set[int] = set()
    for name in sorted({k for r in rows for k in r.get("m", {})}):
        left = {r["id"]: sorted(r["m"][name][1]) for r in rows if name in r.get("m", {})}
        now = _current_links(model, name, list(left))
        changed |= {pk for pk, linked in left.items() if sorted(now.get(pk, [])) != linked}
    return changed


def restore_links(model: type[models.Model], rows: list[dict[str, Any]], audit: list[AuditEntry]) -> None:
    """Give the updated records back the many-to-many links they had before the import, and add that to the
    undo's audit entry of each (records the import created take their links with them when deleted)."""
    entries = {e.object_id: e for e in audit if e.action == Action.UPDATE}
    for name in sorted({k for r in rows for k in r.get("m", {})}):
        through, source, target = _links(model, name)
        before = {r["id"]: r["m"][name] for r in rows if name in r.get("m", {})}
        ids = list(before)
        for start in range(0, len(ids), 5000):
            through.objects.filter(**{f"{source}__in": ids[start : start + 5000]}).delete()
        through.objects.bulk_create(
            [through(**{source: pk, target: other}) for pk, (old, _new) in before.items() for other in old or []],
            batch_size=BATCH,
        )
        for pk, (old, new) in before.items():
            if (entry := entries.get(str(pk))) is not None:
                entry.changes[name] = [new, old]


def _summary(run: Run) -> dict[str, int]:
    return {k: run.counts[k] for k in ("rows", "created", "updated", "unchanged", "errors")}


def _finish(imp: Import, run: Run, status: str, message: str = "") -> None:
    imp.counts = _summary(run)
    imp.errors = run.errors
    imp.preview = run.preview
    assert run.layout is not None
    imp.columns = {
        "header_row": run.layout.header_row,
        "mapped": [c.label for _i, c in run.layout.columns],
        "unknown": run.layout.unknown,
        "hidden_sheets": run.hidden_skipped,
    }
    imp.notes = run.notes[:MAX_ERRORS_KEPT]
    imp.blank_values = run.blank_values
    imp.status = status
    imp.message = message


def check(imp: Import, job: Job | None = None) -> Run:
    """The dry run: every row read and checked, nothing written; counts, first errors, preview, error report."""
    return _pass(imp, job, write=False)


def apply(imp: Import, job: Job | None = None) -> Run:
    """Write the file's rows in one transaction: all of them, or none when rows have errors (unless kept)."""
    return _pass(imp, job, write=True)


def _pass(imp: Import, job: Job | None, write: bool) -> Run:
    spec = get_spec(imp.kind)
    assert spec is not None, imp.kind
    run = Run(imp=imp, spec=spec, user=imp.created_by, write=write, job=job)
    progress = ProgressWriter(job)
    progress.start()
    try:
        sheet = open_sheet(Path(imp.file.path))
        if write:
            assert run.writer is not None and run.undo_log is not None
            try:
                with transaction.atomic():
                    with run.writer:  # a COPY that failed raises its own error, the first cause
                        run.process(sheet, progress)
                    if run.counts["errors"] and not imp.keep_valid:
                        raise Rollback
                    run.undo_log.save(imp.undo_log, f"undo-{imp.pk}.json.gz")
            except Rollback:
                _finish(imp, run, Import.Status.CHECKED, _not_applied(run))
                imp.save()
                return run
            _finish(imp, run, Import.Status.APPLIED)
            imp.applied_at = timezone.now()
            imp.apply_job = job
        else:
            run.process(sheet, progress)
            _finish(imp, run, Import.Status.CHECKED)
        if run.counts["errors"] and not imp.error_report:  # the check's, or an apply's that skipped the check
            from .workbooks import write_error_report

            write_error_report(imp, run)
    except FileRefused as refusal:
        imp.status = Import.Status.CHECKED if write and imp.counts else Import.Status.REFUSED
        imp.message = refusal.message
    finally:
        progress.stop()
        if run.undo_log is not None:
            run.undo_log.close()
    imp.save()
    return run


def _not_applied(run: Run) -> str:
    return _("Nothing was written: %(count)d rows have errors. Fix them, or apply keeping only the valid rows.") % {
        "count": run.counts["errors"]
    }


def read_undo_log(imp: Import) -> dict[str, Any]:
    with imp.undo_log.open("rb") as stream:
        return orjson.loads(gzip.decompress(stream.read()))


def undo_conflicts(imp: Import) -> list[dict[str, Any]]:
    """The rows that changed after the import (by anyone, by any door), which undoing would overwrite or lose.

    When there are some, they are stored on the import with a message, and nothing else happens.
    """
    spec = get_spec(imp.kind)
    assert spec is not None
    model = spec.model
    content_type = ContentType.objects.get_for_model(model)
    rows = read_undo_log(imp)["rows"]
    ids = [r["id"] for r in rows]
    last = AuditEntry.objects.filter(job=imp.apply_job).order_by("-id").values_list("id", flat=True).first() or 0
    fields = sorted({k for r in rows for k in r["f"]})
    later: set[str] = set()
    current: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        later |= set(
            AuditEntry.objects.filter(content_type=content_type, object_id__in=[str(i) for i in chunk], id__gt=last)
            .exclude(action=Action.REVEAL)
            .values_list("object_id", flat=True)
        )
        for found in model._default_manager.filter(pk__in=chunk).values("pk", *fields):
            current[found["pk"]] = found
    conflicts = []
    for row in rows:
        now = current.get(row["id"])
        if now is None and row["a"] == "c":
            continue  # deleted since: nothing left to undo
        if now is None or str(row["id"]) in later or any(_plain(now[k]) != v for k, v in row["f"].items()):
            conflicts.append({"id": row["id"], "row": row.get("r"), "deleted": now is None})
    relinked = relinked_since(model, rows) - {c["id"] for c in conflicts}
    conflicts += [{"id": r["id"], "row": r.get("r"), "deleted": False} for r in rows if r["id"] in relinked]
    if conflicts:
        names = {
            o.pk: str(o) for o in model._default_manager.filter(pk__in=[c["id"] for c in conflicts[:MAX_ERRORS_KEPT]])
        }
        for conflict in conflicts:
            conflict["record"] = names.get(conflict["id"], f"#{conflict['id']}")
        imp.conflicts = conflicts[:MAX_ERRORS_KEPT]
        imp.message = _(
            "Not undone: %(count)d rows were changed after this import; undoing would overwrite those changes. "
            "Nothing was changed."
        ) % {"count": len(conflicts)}
        imp.save(update_fields=["conflicts", "message"])
    return conflicts


def _dependents(model: type[models.Model], ids: list[int]) -> tuple[int, Any] | None:
    """How many records outside the rows would be deleted with them, changed, or would forbid their deletion
    (yearly figures of an imported enterprise, say), and one of them; None when deleting the rows touches nothing
    else. The rows' own many-to-many links go with them."""
    own = {f.remote_field.through for f in model._meta.many_to_many}  # type: ignore[union-attr]
    count, example = 0, None
    for start in range(0, len(ids), 5000):
        collector = Collector(using=router.db_for_write(model), origin=None)
        try:
            collector.collect(model._default_manager.filter(pk__in=ids[start : start + 5000]))
        except (ProtectedError, RestrictedError) as error:
            found = error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
            count, example = count + len(found), example or next(iter(found))
            continue
        groups: list[Any] = [objs for other, objs in collector.data.items() if other is not model and other not in own]
        groups += [qs for qs in collector.fast_deletes if qs.model is not model and qs.model not in own]
        groups += [objs for updates in collector.field_updates.values() for objs in updates]
        for group in groups:
            first = list(group[:1]) if isinstance(group, models.QuerySet) else list(group)[:1]
            if first:
                size = group.count() if isinstance(group, models.QuerySet) else len(group)
                count, example = count + size, example or first[0]
    return (count, example) if count else None


def undo(imp: Import, job: Job | None = None) -> list[dict[str, Any]]:
    """Delete the rows the import created and restore the ones it updated, unless later changes touched them.

    Answers the conflicts (nothing changed then), or an empty list when the import was undone.
    """
    conflicts = undo_conflicts(imp)
    if conflicts:
        imp.status = Import.Status.APPLIED
        imp.save(update_fields=["status"])
        return conflicts
    spec = get_spec(imp.kind)
    assert spec is not None
    model = spec.model
    content_type = ContentType.objects.get_for_model(model)
    rows = read_undo_log(imp)["rows"]
    current = set()
    ids = [r["id"] for r in rows]
    for start in range(0, len(ids), 5000):
        current |= set(model._default_manager.filter(pk__in=ids[start : start + 5000]).values_list("pk", flat=True))
    actor_job = job.pk if job else None

    def entry(action: str, pk: int, changes: dict[str, Any]) -> AuditEntry:
        return AuditEntry(
            user=imp.created_by,
            username=imp.created_by.username if imp.created_by else "",
            source=Source.IMPORT,
            action=action,
            job_id=actor_job,
            content_type=content_type,
            object_id=str(pk),
            object_repr=f"#{pk}",
            org_unit_id=imp.org_unit_id,
            changes=changes,
        )

    with transaction.atomic():
        created = [r["id"] for r in rows if r["a"] == "c" and r["id"] in current]
        dependents = _dependents(model, created)
        if dependents:
            imp.status = Import.Status.APPLIED
            imp.message = ngettext(
                "Not undone: %(count)d other record now refers to rows this import created (for example %(example)s)."
                " Nothing was changed.",
                "Not undone: %(count)d other records now refer to rows this import created (for example %(example)s)."
                " Nothing was changed.",
                dependents[0],
            ) % {"count": dependents[0], "example": dependents[1]}
            imp.save(update_fields=["status", "message"])
            return [{"id": None, "record": imp.message}]
        audit = [entry(Action.DELETE, pk, {"undo": [imp.pk, None]}) for pk in created]
        for start in range(0, len(created), 5000):
            model._default_manager.filter(pk__in=created[start : start + 5000]).delete()
        restore = [r for r in rows if r["a"] == "u"]
        for row in restore:
            values = {
                k: _field(model, k.removesuffix("_id") if k.endswith("_id") else k).to_python(v)
                for k, v in row["b"].items()
            }
            model._default_manager.filter(pk=row["id"]).update(**values)
            changes = {k.removesuffix("_id"): [row["f"].get(k), b] for k, b in row["b"].items()}
            audit.append(entry(Action.UPDATE, row["id"], changes))
        restore_links(model, restore, audit)
        AuditEntry.objects.bulk_create(audit, batch_size=BATCH)
    imp.status = Import.Status.UNDONE
    imp.undone_at = timezone.now()
    imp.conflicts = []
    imp.message = _("Undone: %(created)d rows deleted, %(updated)d rows restored.") % {
        "created": len(created),
        "updated": len(restore),
    }
    imp.save()
    return []
