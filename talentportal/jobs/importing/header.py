"""Where a roster's header is: the row among the first ones that names the most columns, and which sheet column
feeds which import column (title rows above the header are skipped)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import cells
from .reading import FileRefused
from .spec import Column, ImportSpec, _labels
from .vocabulary import header_keys

HEADER_SEARCH_ROWS = 30
# The error report's own column: uploaded again, the report is read like the roster it came from.
ERROR_COLUMN = gettext_lazy("What is wrong")


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
        hits = len({column.name for column in (_named(names, c) for c in row) if column is not None})
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
        key = header_keys(cell)[0]
        if not key or key in ignored:
            continue
        found = _named(names, cell)
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


def _named(names: dict[str, Column], cell: Any) -> Column | None:
    """The column a header cell names, by its whole text or else without the note closing it."""
    return next((names[key] for key in header_keys(cell) if key in names), None)
