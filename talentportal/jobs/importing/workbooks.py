"""Workbooks the import writes with openpyxl: the error report a clerk fixes, and each kind's blank template."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from talentportal.excel import RED, Flagged, excel_value, write_xlsx

from ..models import Import
from .checking import Findings
from .header import ERROR_COLUMN
from .reading import open_sheet
from .spec import Column, ImportSpec, Ref

# The template's header, written with openpyxl (its drop-down lists and number formats)
HEADER = Font(bold=True)
RED_HEADER = Font(bold=True, color=RED[1:])


def write_error_report(imp: Import, found: Findings) -> None:
    """The rows that have errors, as they are in the file, with the bad cells filled red (the reason in a comment)
    and a 错误说明 column naming the row of the uploaded file and what is wrong.

    Fixed, the report itself can be uploaded again: its extra column is ignored, and rows imported already are
    left unchanged by a second import. Rows without errors are not repeated, so a large roster's report stays
    small and quick to write.
    """
    layout = found.layout
    width = max(len(layout.header), max((i for i, _c in layout.columns), default=0) + 1)
    labels = {i: c.label for i, c in layout.columns}

    def rows() -> Iterator[list[Any]]:
        for number, row in _bad_rows(imp, found):
            marks = found.bad_rows[number]
            problems = "；".join(f"{labels.get(i, _('row'))}：{m.rstrip('。.')}" for i, m in marks.items())
            yield [
                *(
                    Flagged(value, marks[index]) if index in marks else value
                    for index, value in enumerate(_padded(row, width))
                ),
                _("Row %(row)d: %(problems)s") % {"row": number, "problems": problems},
            ]

    out = BytesIO()
    write_xlsx(
        out,
        title=_("Rows to fix"),
        headers=[*_padded(layout.header, width), str(ERROR_COLUMN)],
        rows=rows(),
        red_headers=[width],
    )
    name = imp.file_name.rsplit(".", 1)[0]
    imp.error_report.save(f"{name}-{_('errors')}.xlsx", ContentFile(out.getvalue()), save=False)


def _padded(row: list[Any], width: int) -> list[Any]:
    """The row's cells, with empty ones up to ``width`` (the report's columns line up with the header's)."""
    return [*row, *[""] * (width - len(row))]


def _bad_rows(imp: Import, found: Findings) -> Iterator[tuple[int, list[Any]]]:
    """The rows with errors as the pass kept them, or (past ``KEPT_ROWS`` of them) as the file has them."""
    if len(found.bad_cells) == len(found.bad_rows):
        yield from found.bad_cells.items()
        return
    left = len(found.bad_rows)
    for number, row in open_sheet(Path(imp.file.path), checked=True).numbered():
        if number in found.bad_rows:
            yield number, row
            left -= 1
            if not left:
                return


def template_workbook(spec: ImportSpec) -> bytes:
    """A blank roster for ``spec``: Chinese headers (required ones starred and red), ID columns as text, drop-down
    lists for choices, one example row, and a sheet of instructions."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = str(spec.label)[:31]
    lists = wb.create_sheet(_("Lists"))
    lists.sheet_state = "hidden"
    for index, column in enumerate(spec.sheet_columns, 1):
        letter = get_column_letter(index)
        head = ws.cell(row=1, column=index, value=excel_value(f"{column.label}*" if column.required else column.label))
        head.font = RED_HEADER if column.required else HEADER
        head.alignment = Alignment(horizontal="center")
        ws.column_dimensions[letter].width = max(12, len(column.label) * 2 + 4)
        example = ws.cell(row=2, column=index, value=excel_value(column.example))
        if column.kind in ("code", "text") or isinstance(column, Ref):
            for row in range(2, 1002):  # typed digits stay digits: no 3.30402E+17
                ws.cell(row=row, column=index).number_format = "@"
            example.value = "" if column.example is None else excel_value(str(column.example))
            example.data_type = "s"
        if column.kind == "date":
            for row in range(2, 1002):
                ws.cell(row=row, column=index).number_format = "yyyy-mm-dd"
        if column.kind in ("choice", "bool"):
            options = column.choice_labels if column.kind == "choice" else ["是", "否"]
            for position, option in enumerate(options, 1):
                lists.cell(row=position, column=index, value=excel_value(option))
            check = DataValidation(
                type="list", formula1=f"'{lists.title}'!${letter}$1:${letter}${len(options)}", allow_blank=True
            )
            check.error = _("Pick a value from the list.")
            ws.add_data_validation(check)
            check.add(f"{letter}2:{letter}1001")
    ws.freeze_panes = "A2"
    help_sheet = wb.create_sheet(_("Instructions"), 1)
    help_sheet.column_dimensions["A"].width = 24
    help_sheet.column_dimensions["B"].width = 90
    help_sheet.append([_("How to fill in this roster")])
    help_sheet["A1"].font = HEADER
    for line in (
        _("One row per record, below the header. Columns marked * are required; the order of columns is free."),
        _("ID numbers and credit codes must be typed into cells formatted as text, or Excel drops their digits."),
        _("Dates as 2015-03-01 (2015/3/1, 2015.3.1, 2015年3月1日 and 20150301 are understood too)."),
        _("Choice columns take the label from the drop-down list or its code; yes/no columns take 是 or 否."),
        _("Delete the example row before importing. Upload the file; the portal checks it before anything is saved."),
    ):
        help_sheet.append(["", line])
    help_sheet.append([])
    help_sheet.append([_("Column"), _("What it takes")])
    for column in spec.sheet_columns:
        help_sheet.append([column.label, _describe(column)])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _describe(column: Column) -> str:
    """What a column takes, and the other headers and spellings the import understands for it."""
    required = _("required") if column.required else _("optional")
    if column.kind == "choice":
        what = _("one of: %(choices)s") % {"choices": "、".join(column.choice_labels)}
    elif column.kind == "bool":
        what = _("是 or 否")
    elif column.kind == "date" and column.months:
        what = _("a date; the year and month alone (1985.06) when the ID number gives the day")
    elif column.kind == "date":
        what = _("a date")
    elif column.kind in ("decimal", "int"):
        what = _("a number")
    elif isinstance(column, Ref):
        what = str(column.help) if column.help else _("a reference")
    else:
        what = _("text")
    parts = [required, what]
    spellings = [spelling for words in column.spellings.values() for spelling in words]
    if column.kind == "bool":
        spellings = ["Y/N", "√/×", "有/无", "1/0"]
    if spellings:
        parts.append(_("also understood: %(words)s") % {"words": "、".join(spellings)})
    # The other headers in the language of the roster (English field names are understood too, but not listed).
    headers = [str(alias) for alias in column.aliases if not str(alias).isascii()]
    if headers:
        parts.append(_("the header may also be: %(headers)s") % {"headers": "、".join(headers)})
    return "; ".join(parts)
