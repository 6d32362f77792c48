"""A batch of read rows checked against what is stored: duplicates within the file, records of another county,
the kind's rules across records; each row counted as created, updated, unchanged or failed. What the pass finds
(counts, errors kept, preview, rows to report) gathers in ``Findings``; what is to be written is handed back."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext as _

from talentportal.orgs.models import unit_of

from ..models import Import
from . import cells
from .display import Display
from .header import Layout
from .mapping import ValueMap
from .normalising import Row, RowReader
from .spec import ImportSpec, link_table

MAX_ERRORS_KEPT = 500
PREVIEW_ROWS = 50
KEPT_ROWS = 20_000  # rows with errors kept for the error report; beyond them the report reads the file again

Creates = list[tuple[int, dict[str, Any]]]  # (row, values)
Updates = list[tuple[int, dict[str, Any], dict[str, Any], dict[str, list[Any]]]]  # (row, stored, values, changes)


@dataclass
class Findings:
    """What one pass over the file found."""

    layout: Layout
    hidden_skipped: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)
    bad_rows: dict[int, dict[int, str]] = field(default_factory=dict)  # row -> {sheet column: message}
    bad_cells: dict[int, list[Any]] = field(default_factory=dict)  # row -> its cells, for the error report
    preview: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)  # rows skipped, and why
    # Stored values the file's blank cells would clear: kept unless the import clears them (``clear_blanks``).
    blank_values: int = 0
    value_map: ValueMap = field(default_factory=ValueMap)  # mappings applied, values no column knows


class Checker:
    def __init__(self, imp: Import, spec: ImportSpec, layout: Layout, display: Display, hidden_skipped: int) -> None:
        self.imp, self.spec, self.display = imp, spec, display
        user: Any = imp.created_by
        self.user = user
        self.found = Findings(layout, hidden_skipped, value_map=ValueMap.load(user, spec.kind))
        self.reader = RowReader(spec, self.user, layout, display.labels, self.found.notes, self.found.value_map)
        self.model = spec.model
        unit = unit_of(user)
        self.scope = None if unit is None else set(unit.subtree_ids())
        self.key_attnames = self.reader.key_attnames
        # A row without these has no key (a nullable part may be empty: a residency's talent or enterprise).
        key_fields: list[Any] = [self.model._meta.get_field(k) for k in spec.key]
        self.required_key = [i for i, f in enumerate(key_fields) if not f.null]  # positions in the key
        name = self.key_attnames[0]
        self.key_of = itemgetter(*self.key_attnames) if len(spec.key) > 1 else lambda values: (values[name],)
        self.concrete = [f.attname for f in self.model._meta.concrete_fields]
        self.unstored = [spec.attname(c) for c in spec.columns if not c.stored]
        self.seen: dict[tuple[Any, ...], int] = {}
        self.memo: dict[str, Any] = {}  # the spec's rules across the batches of one file
        # The columns whose blank cell stands for "no change" on a stored record: (field, the value blank reads as).
        self.blankable = {
            c.name: (spec.attname(c), c.default) for _i, c in layout.columns if c.stored and not c.keep_blank
        }

    def batch(self, batch: list[tuple[int, list[Any]]]) -> tuple[Creates, Updates]:
        """The batch's rows checked: the valid ones handed back as records to create and to update (``translate``
        then words the batch's errors in the other languages)."""
        self.cells = dict(batch)  # what a failing row keeps of itself (errors are few; the rows are not kept)
        self.failed: dict[int, list[dict[str, Any]]] = {}  # row -> its errors kept, to be put in other languages
        self.deferred: dict[tuple[int, str], Any] = {}  # (row, field) -> the engine's own message, to put again
        rows, self.blanks = self.reader.rows(batch)
        return self.match(rows)

    def match(self, rows: list[Row]) -> tuple[Creates, Updates]:
        found = self.found
        keys = {}
        key_of, required = self.key_of, self.required_key
        for number, values, problems in rows:
            # A row whose key is known is matched even when other cells failed: a duplicate or a record of
            # another county is reported beside them.
            try:
                key = key_of(values)
            except KeyError:
                continue
            if (None in key or "" in key) and any(key[i] is None or key[i] == "" for i in required):
                continue
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
            for stored in self.spec.existing(keys.values()).annotate(_owner=F(owner)).values(*self.concrete, "_owner"):
                existing[tuple(stored[a] for a in self.key_attnames)] = stored
            self.load_links(existing.values())
            self.display.name_linked(existing.values())
        pending = []
        clears: dict[int, int] = {}
        for number, values, problems in rows:
            current = existing.get(keys.get(number, ()))
            if current is not None and number in self.blanks:
                clears[number] = self.blank_cells(self.blanks[number], values, current)
            if current is not None and self.scope is not None and current["_owner"] not in self.scope:
                self.say(number, problems, self.spec.key[-1], self.registered_elsewhere, current["_owner"])
            if not problems and self.spec.adjust:
                self.spec.adjust(values, current, self.display.display)
            for attname in self.unstored:
                values.pop(attname, None)
            pending.append((number, values, problems, current))
        if self.spec.check:
            ready = [i for i, (_n, _v, problems, _c) in enumerate(pending) if not problems]
            if ready:
                found_problems = self.spec.check([(pending[i][1], pending[i][3]) for i in ready], self.user, self.memo)
                for position, problems in found_problems.items():
                    pending[ready[position]][2].update(problems)
        creates: Creates = []
        updates: Updates = []
        for number, values, problems, current in pending:
            if problems:
                self.fail(number, problems)
                continue
            if current is None:
                found.counts["created"] += 1
                creates.append((number, values))
                if len(found.preview) < PREVIEW_ROWS:  # the first rows only: no dict made for the others
                    self.show(number, "create", {k: [None, v] for k, v in values.items()})
                continue
            found.blank_values += clears.get(number, 0)
            changed = {k: [current[k], v] for k, v in values.items() if current.get(k) != v}
            if not changed:
                found.counts["unchanged"] += 1
                continue
            found.counts["updated"] += 1
            updates.append((number, current, values, changed))
            self.show(number, "update", changed)
        found.counts["rows"] += len(rows)
        return creates, updates

    def say(self, number: int, problems: dict[str, str], name: str, message: Any, *args: Any) -> None:
        """A problem the engine finds itself, unless the field has one: ``message(*args)`` words it, in whichever
        language is active when it is asked again."""
        if name not in problems:
            problems[name] = message(*args)
            self.deferred[(number, name)] = lambda: message(*args)

    def duplicate(self, first: int) -> str:
        return _("Duplicates row %(row)d of this file (the same %(key)s).") % {
            "row": first,
            "key": "、".join(self.display.label(k) for k in self.spec.key),
        }

    def registered_elsewhere(self, owner: int) -> str:
        return _("Already registered by %(county)s; ask them to change it.") % {"county": self.display.county_of(owner)}

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

    def load_links(self, records: Any) -> None:
        """The many-to-many links of the stored rows (sorted ids under the field's name), one query per field."""
        by_id = {r[self.model._meta.pk.attname]: r for r in records}
        for name in self.display.many:
            through, source, target = link_table(self.model, name)
            for record in by_id.values():
                record[name] = []
            pairs = through.objects.filter(**{f"{source}__in": list(by_id)}).order_by(source, target)
            for owner, linked in pairs.values_list(source, target):
                by_id[owner][name].append(linked)

    def fail(self, number: int, problems: dict[str, str]) -> None:
        found = self.found
        found.counts["errors"] += 1
        where = {c.name: (i, c) for i, c in found.layout.columns}
        marks = found.bad_rows.setdefault(number, {})
        row = self.cells[number]
        if len(found.bad_cells) < KEPT_ROWS:
            found.bad_cells[number] = row
        for name, message in problems.items():
            index, column = where.get(name, (-1, None))
            marks[index] = message
            if len(found.errors) < MAX_ERRORS_KEPT:
                error = {
                    "row": number,
                    "column": column.label if column else self.display.label(name),
                    "value": cells.text(row[index]) if 0 <= index < len(row) else "",
                    "message": message,
                    # What rebuilds the error in the reader's language: the field and the message in each language.
                    "field": name,
                    "messages": {translation.get_language(): message},
                }
                found.errors.append(error)
                self.failed.setdefault(number, []).append(error)

    def show(self, number: int, action: str, changes: dict[str, list[Any]]) -> None:
        if len(self.found.preview) < PREVIEW_ROWS:
            shown = self.display.shown
            self.found.preview.append(
                {
                    "row": number,
                    "action": action,
                    "changes": {self.display.label(k): [shown(k, b), shown(k, a)] for k, (b, a) in changes.items()},
                }
            )

    def translate(self) -> None:
        """The errors kept of this batch's failed rows, in each other language the portal speaks, so that every
        reader reads them in their own. The rows are read again in that language (a few rows, one lookup per
        reference); a rule across records that cannot be asked again keeps the words of the first reading."""
        if not self.failed:
            return
        own = translation.get_language()
        rows = [(number, self.cells[number]) for number in self.failed]
        for code, _name in settings.LANGUAGES:
            if code == own:
                continue
            with translation.override(code):
                again = {number: problems for number, _values, problems in self.reader.rows(rows, False)[0]}
                for number, errors in self.failed.items():
                    for error in errors:
                        name = error["field"]
                        deferred = self.deferred.get((number, name))
                        message = deferred() if deferred else again.get(number, {}).get(name)
                        error["messages"][code] = str(message) if message else error["message"]
