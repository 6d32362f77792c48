"""Writing .xlsx workbooks: the cell values every workbook the portal writes goes through, and one streamed sheet of
a header and rows (registry exports, an import's error report)."""

from __future__ import annotations

import datetime
import decimal
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

import xlsxwriter
from django.utils import timezone

from talentportal.registry.base import yes_no
from talentportal.validators import printable

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
RED = "#C00000"
FLAGGED_FILL = "#FFC7CE"
# How dates show, as openpyxl showed them.
DATE_FORMATS = {datetime.date: "yyyy-mm-dd", datetime.datetime: "yyyy-mm-dd h:mm:ss"}
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


class _Sheet:
    """One XlsxWriter sheet, streamed (``constant_memory``: each row goes to a temporary file once the next one
    begins), with a format made once for each way a cell is shown."""

    def __init__(self, book: Any, title: str) -> None:
        self.book = book
        self.sheet = book.add_worksheet(title[:31].strip("'") or "Sheet")  # Excel's limits for a sheet's name
        self.formats: dict[tuple[bool, bool, bool, bool, str], Any] = {}

    def write(self, row: int, column: int, value: Any, header: bool = False, red: bool = False) -> None:
        """The cell as typed: text always as text, never run as a formula (``=``, ``+``, ``-``, ``@`` kept as typed
        when the cell is edited); dates as dates; a number no cell holds (NaN, infinity) as its text; a ``Flagged``
        value filled red, with its comment. A ``header`` cell is bold, and ``red`` too."""
        flagged = value if isinstance(value, Flagged) else None
        value = excel_value(flagged.value if flagged else value)
        if isinstance(value, float | decimal.Decimal) and not _finite(value):
            value = str(value)
        quoted = isinstance(value, str) and value.startswith(FORMULA_PREFIXES)
        shown = DATE_FORMATS.get(type(value), "")
        key = (header, red, flagged is not None, quoted, shown)
        style = self.formats.get(key)
        if style is None and any(key):
            style = self.formats[key] = self.book.add_format(
                {
                    **({"bold": True} if header else {}),
                    **({"font_color": RED} if red else {}),
                    **({"bg_color": FLAGGED_FILL} if flagged is not None else {}),
                    **({"quote_prefix": True} if quoted else {}),
                    **({"num_format": shown} if shown else {}),
                }
            )
        if value is None or value == "":  # an empty cell, as Excel leaves one
            if style is not None:
                self.sheet.write_blank(row, column, None, style)
        elif isinstance(value, str):
            self.sheet.write_string(row, column, value, style)
        elif shown:
            self.sheet.write_datetime(row, column, value, style)
        else:
            self.sheet.write_number(row, column, value, style)
        if flagged is not None:
            self.sheet.write_comment(row, column, printable(flagged.comment), {"author": "portal"})


def _finite(number: float | decimal.Decimal) -> bool:
    """Whether a cell holds the number (a double: no NaN, no infinity, no decimal beyond a double's range)."""
    try:
        return math.isfinite(number)
    except ValueError:  # a signalling NaN
        return False


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
    cell as typed (``_Sheet.write``; a ``Flagged`` value is filled red). ``progress(count)`` is told every
    ``PROGRESS_EVERY`` rows. Answers how many rows were written.

    Written with XlsxWriter, which writes a cell in a fifth of openpyxl's time (docs/performance.md)."""
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = _Sheet(book, title)
    for index, value in enumerate(headers):
        sheet.write(0, index, value, header=True, red=index in red_headers)
    count = 0
    for count, row in enumerate(rows, 1):
        for index, value in enumerate(row):
            sheet.write(count, index, value)
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    book.close()
    return count
