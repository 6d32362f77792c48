"""What a report says, apart from how it looks: sections of paragraphs, tables and charts, as plain data.

A report kind's ``build`` returns a ``Document``; the runner stores it on the job (``Document.to_data``) and every
output reads that stored copy: the Word file, the workbook and the print view show the same numbers because they
render the same data. A chart draws columns of one of its section's tables, so a chart can never disagree with the
table beside it, and the workbook's charts are native Excel charts over the sheet's own cells.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

# How a column's cells are written: text; a count; money in 10k yuan (two decimals); a percentage (0–100, one
# decimal); any other number.
TEXT, COUNT, MONEY, PERCENT, NUMBER = "text", "count", "money", "percent", "number"
FORMATS = (TEXT, COUNT, MONEY, PERCENT, NUMBER)
# Chart kinds: bars (one bar per series for each category), bars stacked, a line per series, a pie of one series.
BAR, STACKED, LINE, PIE = "bar", "stacked", "line", "pie"

Cell = str | int | float | None


def plain(value: Any) -> Cell:
    """A cell as JSON keeps it: Decimals become floats (money is shown with two decimals anyway), the rest
    stays; anything else is shown as its text."""
    if value is None or (isinstance(value, (str, int, float)) and not isinstance(value, bool)):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    return str(value)


@dataclass
class Table:
    """A table: ``columns`` are the headers, ``formats`` how each column's cells are written (``TEXT`` …)."""

    key: str
    caption: str
    columns: list[str]
    rows: list[list[Cell]]
    formats: list[str] = field(default_factory=list)
    # A last row that adds the rows up (or says something else about them); shown in bold.
    total: list[Cell] | None = None
    note: str = ""

    def __post_init__(self) -> None:
        self.columns = [str(c) for c in self.columns]
        self.caption = str(self.caption)
        self.note = str(self.note)
        self.formats = list(self.formats) or [TEXT] + [COUNT] * (len(self.columns) - 1)
        if len(self.formats) != len(self.columns):
            raise ValueError(f"table {self.key}: {len(self.formats)} formats for {len(self.columns)} columns")
        self.rows = [[plain(v) for v in row] for row in self.rows]
        if self.total is not None:
            self.total = [plain(v) for v in self.total]


@dataclass
class Chart:
    """A chart of ``table``'s rows: the category is column ``category`` (the first by default), one series per
    column of ``values`` (indexes into the table's columns)."""

    key: str
    title: str
    table: str
    values: list[int]
    kind: str = BAR
    category: int = 0

    def __post_init__(self) -> None:
        self.title = str(self.title)


@dataclass
class Section:
    key: str
    heading: str
    text: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.heading = str(self.heading)
        self.text = [str(t) for t in self.text]
        known = {t.key for t in self.tables}
        for chart in self.charts:
            if chart.table not in known:
                raise ValueError(f"chart {chart.key} draws table {chart.table}, which section {self.key} lacks")

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


@dataclass
class Document:
    """A whole report. ``facts`` are the parameters as shown (年度: 2025, 区域: 南湖区)."""

    kind: str
    title: str
    subtitle: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.title = str(self.title)
        self.subtitle = str(self.subtitle)
        self.facts = [(str(k), str(v)) for k, v in self.facts]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def to_data(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Document:
        sections = [
            Section(
                key=s["key"],
                heading=s["heading"],
                text=s["text"],
                tables=[Table(**t) for t in s["tables"]],
                charts=[Chart(**c) for c in s["charts"]],
            )
            for s in data["sections"]
        ]
        facts = [(k, v) for k, v in data.get("facts", [])]
        return cls(data["kind"], data["title"], data.get("subtitle", ""), facts, sections)


def chart_series(table: Table, chart: Chart) -> tuple[list[str], list[tuple[str, list[float]]]]:
    """A chart's categories and its series (name, values) read off its table; empty cells count as 0."""
    categories = [str(row[chart.category]) for row in table.rows]
    series = [
        (table.columns[i], [float(v) if isinstance(v := row[i], (int, float)) else 0.0 for row in table.rows])
        for i in chart.values
    ]
    return categories, series


def format_cell(value: Cell, fmt: str) -> str:
    """A cell as a page or a Word table shows it: counts with thousands separators, money with two decimals,
    percentages with one decimal and a % sign; an empty cell as a dash."""
    if value is None or value == "":
        return "—"
    if not isinstance(value, (int, float)) or fmt == TEXT:
        return str(value)
    if fmt == MONEY:
        return f"{value:,.2f}"
    if fmt == PERCENT:
        return f"{value:.1f}%"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"  # a count of people is whole; a figure in a mixed column is money or a rate
