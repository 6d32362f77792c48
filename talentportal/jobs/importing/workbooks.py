"""Workbooks the import writes with openpyxl: the error report a clerk fixes, and each kind's blank template."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from talentportal.registry.export import excel_value, text_cell
from talentportal.validators import printable

from .engine import ERROR_COLUMN
from .reading import open_sheet
from .spec import Column, ImportSpec, Ref

if TYPE_CHECKING:
    from ..models import Import
    from .engine import Run

BAD = PatternFill("solid", fgColor="FFC7CE")
HEADER = Font(bold=True)
REQUIRED_HEADER = Font(bold=True, color="C00000")


def write_error_report(imp: Import, run: Run) -> None:
    """The rows that have errors, as they are in the file, with the bad cells filled red (the reason in a comment)
    and a 错误说明 column naming the row of the uploaded file and what is wrong.

    Fixed, the report itself can be uploaded again: its extra column is ignored, and rows imported already are
    left unchanged by a second import. Rows without errors are not repeated, so a large roster's report stays
    small and quick to write.
    """
    assert run.layout is not None
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=_("Rows to fix")[:31])
    last = max((i for i, _c in run.layout.columns), default=0)
    width = max(len(run.layout.header), last + 1)
    header = _padded(run.layout.header, width)
    ws.append([*(_styled(ws, value, font=HEADER) for value in header), _styled(ws, str(ERROR_COLUMN), REQUIRED_HEADER)])
    for number, row in _bad_rows(imp, run):
        marks = run.bad_rows[number]
        cells = []
        for index, value in enumerate(_padded(row, width)):
            cell = text_cell(ws, value if not isinstance(value, datetime.timedelta) else str(value))
            if index in marks:
                cell.fill = BAD
                cell.comment = Comment(printable(marks[index]), "portal")
            cells.append(cell)
        problems = "；".join(f"{_column(run, i)}：{m.rstrip('。.')}" for i, m in marks.items())
        cells.append(text_cell(ws, _("Row %(row)d: %(problems)s") % {"row": number, "problems": problems}))
        ws.append(cells)
    out = BytesIO()
    wb.save(out)
    name = imp.file_name.rsplit(".", 1)[0]
    imp.error_report.save(f"{name}-{_('errors')}.xlsx", ContentFile(out.getvalue()), save=False)


def _padded(row: list[Any], width: int) -> list[Any]:
    """The row's cells, with empty ones up to ``width`` (the report's columns line up with the header's)."""
    return [*row, *[""] * (width - len(row))]


def _bad_rows(imp: Import, run: Run) -> Iterator[tuple[int, list[Any]]]:
    """The rows with errors as the pass kept them, or (past ``KEPT_ROWS`` of them) as the file has them."""
    if len(run.bad_cells) == len(run.bad_rows):
        yield from run.bad_cells.items()
        return
    left = len(run.bad_rows)
    for number, row in open_sheet(Path(imp.file.path), checked=True).numbered():
        if number in run.bad_rows:
            yield number, row
            left -= 1
            if not left:
                return


def _column(run: Run, index: int) -> str:
    assert run.layout is not None
    return next((c.label for i, c in run.layout.columns if i == index), _("row"))


def _styled(ws: Any, value: Any, font: Font) -> Any:
    cell = text_cell(ws, value)
    cell.font = font
    return cell


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
        head.font = REQUIRED_HEADER if column.required else HEADER
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
    required = _("required") if column.required else _("optional")
    if column.kind == "choice":
        what = _("one of: %(choices)s") % {"choices": "、".join(column.choice_labels)}
    elif column.kind == "bool":
        what = _("是 or 否")
    elif column.kind == "date":
        what = _("a date")
    elif column.kind in ("decimal", "int"):
        what = _("a number")
    elif isinstance(column, Ref):
        what = str(column.help) if column.help else _("a reference")
    else:
        what = _("text")
    return f"{required}; {what}"
