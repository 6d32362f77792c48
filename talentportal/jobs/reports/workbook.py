"""A report as an Excel workbook: one sheet per section, its tables one below the other with styled headers, frozen
panes, column widths and number formats, and each chart a native Excel chart over the sheet's own cells.

Written with XlsxWriter: docs/performance.md compares it with openpyxl on the same workbooks (XlsxWriter is several
times faster, and its charts are native).
"""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_range_abs
from xlsxwriter.worksheet import Worksheet

from talentportal.excel import excel_value

from .document import BAR, COUNT, LINE, MONEY, NUMBER, PERCENT, PIE, STACKED, TEXT, Document, Section, Table

NUMBER_FORMATS = {COUNT: "#,##0", MONEY: "#,##0.00", PERCENT: '0.0"%"', NUMBER: "#,##0.00", TEXT: "@"}
CHART_TYPES = {BAR: ("column", None), STACKED: ("column", "stacked"), LINE: ("line", None), PIE: ("pie", None)}
# Characters a sheet name may not hold, and its length limit.
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_name(heading: str, taken: set[str]) -> str:
    base = SHEET_NAME_BAD.sub(" ", heading).strip("'") or "Sheet"
    name, n = base[:31], 1
    while name.lower() in taken:
        n += 1
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
    taken.add(name.lower())
    return name


def width(value: Any) -> int:
    """Display width of a cell: CJK characters take two columns."""
    text = str(value if value is not None else "")
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


class _Writer:
    def __init__(self, buffer: BytesIO) -> None:
        # In memory, not ``constant_memory``: a report's workbook is a few thousand cells, and a chart's categories
        # are written as text only when XlsxWriter has kept the cells they refer to (else Excel numbers them 1, 2…).
        self.book = xlsxwriter.Workbook(buffer, {"in_memory": True})
        book = self.book
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.caption = book.add_format({"bold": True, "font_size": 11})
        self.note = book.add_format({"italic": True, "font_color": "#555555"})
        self.header = book.add_format(
            {
                "bold": True,
                "bg_color": "#DCE6F1",
                "border": 1,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
            }
        )
        self.cells = {fmt: book.add_format({"border": 1, "num_format": NUMBER_FORMATS.get(fmt, "#,##0")})
                      for fmt in NUMBER_FORMATS}  # fmt: skip
        self.totals = {fmt: book.add_format({"border": 1, "bold": True, "num_format": NUMBER_FORMATS.get(fmt, "#,##0")})
                       for fmt in NUMBER_FORMATS}  # fmt: skip

    def section(self, sheet: Worksheet, name: str, document: Document, section: Section) -> None:
        widths: dict[int, int] = {}
        row = 0
        sheet.write_string(row, 0, section.heading, self.title)
        row += 1
        if document.subtitle:
            sheet.write_string(row, 0, document.subtitle, self.note)
            row += 1
        for paragraph in section.text:
            sheet.write_string(row, 0, paragraph)
            row += 1
        row += 1
        frozen = False
        anchors: dict[str, tuple[int, int]] = {}  # table key → (first data row, last data row)
        for table in section.tables:
            sheet.write_string(row, 0, table.caption, self.caption)
            row += 1
            for col, header in enumerate(table.columns):
                sheet.write_string(row, col, header, self.header)
                widths[col] = max(widths.get(col, 0), min(width(header), 40))
            if not frozen:
                sheet.freeze_panes(row + 1, 1)
                frozen = True
            row += 1
            first = row
            for values in table.rows:
                self._row(sheet, row, table, values, self.cells, widths)
                row += 1
            anchors[table.key] = (first, row - 1)
            if table.total is not None:
                self._row(sheet, row, table, table.total, self.totals, widths)
                row += 1
            if table.note:
                sheet.write_string(row, 0, table.note, self.note)
                row += 1
            row += 1
        for col, chars in widths.items():
            sheet.set_column(col, col, max(8, chars + 2))
        for chart in section.charts:
            table = section.table(chart.table)
            first, last = anchors[table.key]
            if last < first:
                continue  # no rows, nothing to draw
            self._chart(sheet, name, table, chart, first, last, row)
            row += 20

    def _row(self, sheet: Worksheet, row: int, table: Table, values: list[Any], formats: dict[str, Any],
             widths: dict[int, int]) -> None:  # fmt: skip
        for col, value in enumerate(values):
            fmt = table.formats[col] if col < len(table.formats) else TEXT
            cell = formats[fmt]
            if value is None:
                sheet.write_blank(row, col, None, cell)
            elif isinstance(value, (int, float)) and fmt != TEXT:
                if fmt == NUMBER:  # a column of counts and money: whole numbers as counts, others with two decimals
                    cell = formats[COUNT if float(value).is_integer() else MONEY]
                sheet.write_number(row, col, value, cell)
            else:
                sheet.write_string(row, col, str(excel_value(value)), cell)
            widths[col] = max(widths.get(col, 0), min(width(value), 40))

    def _chart(self, sheet: Worksheet, name: str, table: Table, chart: Any, first: int, last: int, at: int) -> None:
        chart_type, subtype = CHART_TYPES[chart.kind]
        options = {"type": chart_type, **({"subtype": subtype} if subtype else {})}
        native = self.book.add_chart(options)
        quoted = "'" + name.replace("'", "''") + "'"
        for col in chart.values[:1] if chart.kind == PIE else chart.values:
            native.add_series(
                {
                    "name": table.columns[col],
                    "categories": f"={quoted}!{xl_range_abs(first, chart.category, last, chart.category)}",
                    "values": f"={quoted}!{xl_range_abs(first, col, last, col)}",
                }
            )
        native.set_title({"name": chart.title})
        native.set_size({"width": 720, "height": 360})
        sheet.insert_chart(at, 0, native)


def write_workbook(document: Document) -> bytes:
    buffer = BytesIO()
    writer = _Writer(buffer)
    taken: set[str] = set()
    for section in document.sections:
        name = sheet_name(section.heading, taken)
        writer.section(writer.book.add_worksheet(name), name, document, section)
    writer.book.set_properties({"title": document.title, "subject": document.subtitle})
    writer.book.close()
    return buffer.getvalue()
