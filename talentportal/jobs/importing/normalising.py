"""A batch of rows read into field values: each cell parsed and checked by its column, references resolved (one
lookup per reference for the batch), the kind's own row rules applied. A roster's closing totals row is noted
and skipped rather than reported."""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import Enum
from itertools import chain, repeat
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy

from . import cells
from .header import Layout
from .mapping import ValueMap
from .spec import Column, ImportSpec, Ref

# A row as read: its number in the sheet, its values by attribute name, its problems by column name.
Row = tuple[int, dict[str, Any], dict[str, str]]

MEMO_SIZE = 5000  # distinct values of a column remembered while reading it
REQUIRED = gettext_lazy("This column is required; the cell is empty.")
# A roster's closing row of totals, not a record: 合计 8人 / 总计：12 / 小计（共3家） in one of its first cells, or
# only counts (8, 8人, 共8人) where a record has its name and number.
_COUNT = r"共?[\d,.]+(人次|人|个|家|项|条|名|户|位|笔|次|万元|元)?"
TOTALS = re.compile(rf"(合计|总计|小计|共计|总合计):?\(?({_COUNT})?\)?")
COUNT = re.compile(_COUNT)
TOTALS_CELLS = 3  # how many first cells may say 合计
TOTALS_ROW = gettext_lazy("Row %(row)d was skipped: it is a totals row (%(text)s), not a record.")


class RowReader:
    """Reads the rows of one file, batch after batch, remembering the outcome of the values a column repeats."""

    def __init__(
        self,
        spec: ImportSpec,
        user: Any,
        layout: Layout,
        labels: dict[str, dict[Any, str]],
        notes: list[Any],
        value_map: ValueMap | None = None,
    ) -> None:
        self.spec, self.user, self.layout = spec, user, layout
        # The saved mappings of values no column knows, consulted before such a value becomes an error.
        self.value_map = value_map or ValueMap()
        self.labels = labels  # reference name -> {id: label}, for the preview and the audit log
        self.notes = notes  # rows skipped, and why
        fields: list[Any] = [spec.model._meta.get_field(k) for k in spec.key]
        self.key_attnames = [f.attname for f in fields]
        mapped = {spec.attname(c) for _i, c in layout.columns}
        # A key field the file leaves out takes its default (no 证件类型 column: resident ID cards), as the value a
        # cell gives (``resident_id``, not the choices' member, which COPY and the audit log would write one by one).
        self.key_defaults = {f.attname: _plain(f.get_default()) for f in fields if f.attname not in mapped}
        self.memos: dict[str, dict[Any, tuple[str | None, Any, bool]] | None] = {c.name: {} for _i, c in layout.columns}

    def rows(self, batch: list[tuple[int, list[Any]]], remember: bool = True) -> tuple[list[Row], dict[int, list[str]]]:
        """The rows as the kind stores them, checked by its rules; and, by row, the columns left blank.

        ``remember``: reuse the outcome of a value seen before in the column (off when reading rows again in
        another language)."""
        parsed, blanks = self.parse(batch, remember)
        return self.rules(parsed), blanks

    def parse(self, batch: list[tuple[int, list[Any]]], remember: bool) -> tuple[list[Row], dict[int, list[str]]]:
        """The rows' cells read and checked, their references resolved (one lookup per reference for the batch).

        Read a column at a time: most cells are a value the column has met before, looked up in one pass over the
        column, and a row whose cells all read well is made in one call. Only the cells with a problem or left
        blank are looked at one by one."""
        parsed: list[Row] = []
        blanks: dict[int, list[str]] = {}
        raw_refs: dict[str, set[Any]] = {ref.name: set() for ref in self.spec.refs}
        columns = self.layout.columns
        rows = [row for _number, row in batch]
        reach = max((index for index, _c in columns), default=-1) + 1
        if rows and min(map(len, rows)) < reach:  # a short row (CSV) reads as blank where it stops
            rows = [row if len(row) >= reach else [*row, *[""] * (reach - len(row))] for row in rows]
        sheet = list(zip(*rows, strict=False)) if rows else []  # every row reaches the last column read
        names = [column.name for _i, column in columns]
        read: list[list[Any]] = []  # by column: each cell's value
        odd: dict[int, list[tuple[Column, tuple[str | None, Any, bool]]]] = {}  # by row: cells failed or blank
        for index, column in columns:
            outcomes = self.outcomes(column, sheet[index] if rows else (), remember)
            failed, read_values, filled = (list(map(itemgetter(i), outcomes)) for i in range(3))
            read.append(read_values)
            refs = raw_refs.get(column.name)
            if failed.count(None) == len(failed) and all(filled):  # the usual column: every cell read well
                if refs is not None:
                    refs.update(
                        chain.from_iterable(read_values) if isinstance(column, Ref) and column.many else read_values
                    )
                continue
            for position, outcome in enumerate(outcomes):
                if outcome[0] is not None or not outcome[2]:
                    odd.setdefault(position, []).append((column, outcome))
                elif refs is not None:
                    refs.update(outcome[1] if isinstance(column, Ref) and column.many else (outcome[1],))
        by_row = zip(*read, strict=True) if read else repeat((), len(batch))
        for position, (number, cells_read) in enumerate(zip([n for n, _r in batch], by_row, strict=True)):
            values = dict(zip(names, cells_read, strict=True))
            if position not in odd:  # every cell read well: most rows
                parsed.append((number, values, {}))
                continue
            problems: dict[str, str] = {}
            blank: list[str] = []
            for column, (problem, value, _filled) in odd[position]:
                if problem is None:
                    blank.append(column.name)
                    continue
                del values[column.name]
                if problem:
                    problems[column.name] = problem
                    if remember and value is not None:  # an unknown choice: its text, to group for mapping
                        self.value_map.met(column, value)
            if blank:
                blanks[number] = blank
            # Only a row that fails can be a totals row: checking it costs the valid rows nothing.
            if problems and remember and is_totals(rows[position], problems):
                self.notes.append(in_every_language(TOTALS_ROW, row=number, text=_first_text(rows[position])))
                continue
            parsed.append((number, values, problems))
        # In the order declared: a reference over other cells comes after the references among them.
        for ref in self.spec.refs:
            if ref.over:
                self.resolve_over(ref, parsed)
                continue
            found = raw_refs[ref.name]
            # What saved mappings name in place of these values is looked up with them.
            answers = (
                ref.resolve(self.user, found | self.value_map.targets(ref, found)) if ref.resolve and found else {}
            )
            attname, known = self.spec.attname(ref), self.labels.setdefault(ref.name, {})
            for _number, values, problems in parsed:
                # A single value the lookup found, as most are, put in place as ``substitute`` puts it; any other
                # value through ``substitute``.
                answer = None if ref.many or ref.name not in values else answers.get(values[ref.name])
                if isinstance(answer, tuple):
                    del values[ref.name]
                    values[attname] = answer[0]
                    known[answer[0]] = answer[1]
                else:
                    self.substitute(ref, values, problems, answers, remember)
        return parsed, blanks

    def outcomes(self, column: Column, raws: Sequence[Any], remember: bool) -> list[tuple[str | None, Any, bool]]:
        """Each cell's outcome (``read``). Most columns repeat a few values (a region, a tier, 男/女): each is read
        and checked once, and found again by a lookup."""
        memo = self.memos.get(column.name) if remember else None
        if memo is None:
            return [self.read(column, raw) for raw in raws]
        # 1, 1.0 and True are equal keys, but not the same cell: a value is known with its type, unless the column
        # holds only text (no tuple to make and hash; a text key never equals a tuple key).
        keys = raws if set(map(type, raws)) == {str} else list(zip(map(type, raws), raws, strict=True))
        outcomes: list[Any] = list(map(memo.get, keys))
        if None not in outcomes:  # every value met before: the usual batch after the first
            return outcomes
        for position, outcome in enumerate(outcomes):
            if outcome is not None:
                continue
            key = keys[position]
            outcome = memo.get(key) if memo is not None else None  # met earlier in this batch
            if outcome is None:
                outcome = self.read(column, raws[position])
                if memo is not None:
                    memo[key] = outcome
                    if len(memo) > MEMO_SIZE:  # a column of names or ID numbers: no use remembering
                        self.memos[column.name] = memo = None
            outcomes[position] = outcome
        return outcomes

    def rules(self, parsed: list[Row]) -> list[Row]:
        """The rows checked by the kind's own rules (which still see the cells read only to name a record or to
        be put elsewhere; they are dropped once the stored record is known)."""
        for _number, values, problems in parsed:
            for attname, default in self.key_defaults.items():
                values.setdefault(attname, default)
            # The row's own rules run whatever its cells said: a row reports every error it has in one pass. A
            # field whose cell failed is not in ``values``; a rule that needs it is skipped by ``clean``.
            if self.spec.clean:
                for name, message in self.spec.clean(values, self.user).items():
                    problems.setdefault(name, message)
        return parsed

    def read(self, column: Column, raw: Any) -> tuple[str | None, Any, bool]:
        """One cell: (the problem, or "" to leave the field out, or None; the value; whether the cell was filled)."""
        try:
            value = column.parse(raw)
        except cells.CellError as error:
            # A choice no label, code or spelling names: a mapping saved for it, or its text kept for grouping.
            text = cells.text(raw) if column.kind == "choice" else None
            value = self.value_map.target(column, text) if text else None
            if value is None:
                return str(error.message), text, False
        if column.empty(value):
            if column.required:
                return str(REQUIRED), None, False
            return ("", None, False) if column.keep_blank else (None, column.default, False)
        if not isinstance(column, Ref) and column.validators:
            message = self.spec.validate(column, value)
            if message:
                return message, None, True
        return None, value, True

    def substitute(
        self, ref: Ref, values: dict[str, Any], problems: dict[str, str], answers: dict[Any, Any], remember: bool = True
    ) -> None:
        """A reference cell's value replaced by the id it names (ids, for a list), or a problem; a value it does not
        name may be mapped to one it does (``value_map``)."""
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
            if not isinstance(answer, tuple) and not ref.many:
                target = self.value_map.target(ref, raw)
                mapped = answers.get(target) if target else None
                if isinstance(mapped, tuple):
                    answer = mapped
                elif remember:
                    self.value_map.met(ref, raw)
            if isinstance(answer, tuple):
                found.append(answer[0])
                known[answer[0]] = answer[1]
            else:
                wrong.append(str(answer))
        if wrong:
            problems[ref.name] = " ".join(wrong)
        else:
            values[attname] = sorted(set(found)) if ref.many else found[0]

    def resolve_over(self, ref: Ref, parsed: list[Row]) -> None:
        """A reference named by several cells: their values as one tuple per row, resolved in one call."""
        parts = [next(c for c in self.spec.columns if c.name == name) for name in ref.over]
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


def is_totals(row: list[Any], problems: dict[str, str]) -> bool:
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


def in_every_language(message: Any, row: int, **params: Any) -> dict[str, Any]:
    """A note on a row, worded in the active language and kept in every language the portal speaks."""
    messages: dict[str, str] = {}
    for code in [translation.get_language(), *(code for code, _name in settings.LANGUAGES)]:
        with translation.override(code):
            messages.setdefault(code, str(message) % {"row": row, **params})
    return {"row": row, "message": messages[translation.get_language()], "messages": messages}


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _squeezed(cell: Any) -> str:
    """A cell's text without spaces, full-width forms made half-width (：→:, （→()."""
    return cells.text(cell).replace(" ", "").replace("，", ",")


def _first_text(row: list[Any]) -> str:
    return next((text for cell in row if (text := cells.text(cell))), "")[:40]
