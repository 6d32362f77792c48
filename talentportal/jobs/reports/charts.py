"""A report chart as a PNG picture, for the Word file (the workbook draws native Excel charts instead).

Drawn with matplotlib's Agg canvas on a ``Figure`` of its own (no pyplot, so nothing is shared between charts
or threads), in the CJK font shipped with the portal: a worker on a fresh server has no Chinese font, and
matplotlib would draw every Chinese character as an empty box.
"""

from __future__ import annotations

import io
from pathlib import Path

from django.utils.translation import gettext as _
from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .document import BAR, LINE, PIE, STACKED, Chart, Table, chart_series

FONT_FILE = Path(__file__).parent / "fonts" / "NotoSansSC-Regular.ttf"
font_manager.fontManager.addfont(str(FONT_FILE))
FONT_NAME = font_manager.FontProperties(fname=FONT_FILE).get_name()
SIZE_CM = (16, 8)
DPI = 150
# Print-friendly colours that stay apart in grey too.
COLOURS = ["#2f5597", "#c55a11", "#548235", "#7f6000", "#7030a0", "#1f9eb5", "#a50021", "#595959"]


def chart_png(table: Table, chart: Chart) -> bytes:
    """``chart`` drawn from ``table`` (its section's table), as PNG bytes; the title is left to the document."""
    categories, series = chart_series(table, chart)
    # Every text of the figure (ticks, legend, labels) in the shipped font; minus signs as "-", which it has,
    # rather than U+2212.
    with rc_context({"font.family": FONT_NAME, "font.size": 9, "axes.unicode_minus": False}):
        figure = Figure(figsize=(SIZE_CM[0] / 2.54, SIZE_CM[1] / 2.54), dpi=DPI, layout="constrained")
        axes = figure.add_subplot()
        if not categories or not series or (chart.kind == PIE and not any(v > 0 for v in series[0][1])):
            axes.set_axis_off()
            axes.text(0.5, 0.5, _("No data"), ha="center", va="center", color="#595959")
        elif chart.kind == PIE:
            _pie(axes, categories, series[0][1])
        else:
            _bars_or_lines(axes, chart.kind, categories, series)
        buffer = io.BytesIO()
        FigureCanvasAgg(figure)
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _pie(axes: Axes, categories: list[str], values: list[float]) -> None:
    shown = [(c, v) for c, v in zip(categories, values, strict=True) if v > 0]
    _wedges, _labels, percentages = axes.pie(
        [v for _c, v in shown],
        labels=[c for c, _v in shown],
        colors=[COLOURS[i % len(COLOURS)] for i in range(len(shown))],
        autopct="%1.1f%%",
        startangle=90,
        counterclock=False,
        wedgeprops={"linewidth": 1, "edgecolor": "white"},
        textprops={"fontsize": 8},
    )
    for text in percentages:
        text.set_color("white")
    axes.set_aspect("equal")


def _bars_or_lines(axes: Axes, kind: str, categories: list[str], series: list[tuple[str, list[float]]]) -> None:
    positions = list(range(len(categories)))
    width = 0.8 / len(series) if kind == BAR else 0.6
    bottoms = [0.0] * len(categories)
    for number, (name, values) in enumerate(series):
        colour = COLOURS[number % len(COLOURS)]
        if kind == LINE:
            axes.plot(positions, values, marker="o", markersize=3, color=colour, label=name)
        elif kind == STACKED:
            axes.bar(positions, values, width, bottom=bottoms, color=colour, label=name)
            bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
        else:
            offset = (number - (len(series) - 1) / 2) * width
            bars = axes.bar([p + offset for p in positions], values, width, color=colour, label=name)
            if len(series) == 1 and len(categories) <= 12:
                axes.bar_label(bars, fmt="%g", fontsize=7, padding=1)
    axes.set_xticks(positions, categories)
    if len(categories) > 6 or max(len(c) for c in categories) > 6:
        axes.tick_params(axis="x", labelrotation=30)
        for label in axes.get_xticklabels():
            label.set_horizontalalignment("right")
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="#d9d9d9", linewidth=0.5)
    axes.set_axisbelow(True)
    axes.margins(y=0.1)
    if len(series) > 1 or kind == STACKED:
        axes.legend(frameon=False, fontsize=8)
