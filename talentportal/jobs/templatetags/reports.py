from __future__ import annotations

from django import template

from talentportal.jobs.reports.document import Cell, Table, format_cell

register = template.Library()


@register.simple_tag
def report_cells(table: Table, row: list[Cell]) -> list[tuple[str, bool]]:
    """A row's cells as shown, each with whether it is a number (right-aligned)."""
    return [(format_cell(value, fmt), fmt != "text") for value, fmt in zip(row, table.formats, strict=False)]
