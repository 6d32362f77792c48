"""Writing .xlsx workbooks: the cell values every workbook the portal writes goes through, and one streamed sheet of
a header and rows (registry exports, an import's error report)."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from talentportal.registry.base import yes_no
from talentportal.validators import printable

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
HEADER = Font(bold=True)
RED_HEADER = Font(bold=True, color="C00000")
FLAGGED = PatternFill("solid", fgColor="FFC7CE")
PROGRESS_EVERY = 2000  # rows between two calls of ``write_xlsx``'s ``progress``


@dataclass(frozen=True)
class Flagged:
    """A cell filled red, with a comment saying what is wrong with it."""

    value: Any
    comment: str


def excel_value(value: Any) -> Any:
    """The value as a cell holds it. Every workbook the portal writes goes through here, so text is cleaned of
    what XML cannot carry (a record stored before text was checked, a cell of an uploaded roster): openpyxl
    refuses some of it and writes files Excel cannot open with the rest."""
    if isinstance(value, bool):
        return yes_no(value)  # 是 / 否, as rosters write it (and the import reads it back)
    if value is None or isinstance(value, bool | int | float | decimal.Decimal | datetime.date):
        if isinstance(value, datetime.datetime):
            return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
        return value
    return printable(str(value))


def text_cell(ws: Any, value: Any) -> Any:
    """A cell whose text Excel shows as typed, never running it as a formula (``=``, ``+``, ``-``, ``@``)."""
    flagged = value if isinstance(value, Flagged) else None
    cell = WriteOnlyCell(ws, value=excel_value(flagged.value if flagged else value))
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    if flagged is not None:
        cell.fill = FLAGGED
        cell.comment = Comment(printable(flagged.comment), "portal")
    return cell


def write_xlsx(
    out: IO[bytes],
    *,
    title: str,
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    red_headers: Sequence[int] = (),
    progress: Callable[[int], None] | None = None,
) -> int:
    """One sheet, written as it streams: a bold header (the columns at ``red_headers`` in red) and the rows, every
    cell as typed (``text_cell``; a ``Flagged`` value is filled red). ``progress(count)`` is told every
    ``PROGRESS_EVERY`` rows. Answers how many rows were written."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    header = []
    for index, value in enumerate(headers):
        cell = text_cell(ws, value)
        cell.font = RED_HEADER if index in red_headers else HEADER
        header.append(cell)
    ws.append(header)
    count = 0
    for row in rows:
        ws.append([text_cell(ws, value) for value in row])
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    wb.save(out)
    return count
