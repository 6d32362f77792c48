"""ECharts options for every chart of the portal, built in one place so each has the same defaults.

A page puts the dict in ``{{ chart|json_script:"ID" }}`` beside ``<div data-chart="ID">``; ``static/js/portal.js``
draws it as it is. The defaults fix what hand-built options kept getting wrong:

- a count axis ticks in whole numbers (``minInterval: 1``): “0.5 platforms” means nothing; money keeps decimals;
  bars start at zero, and so do lines unless they draw a level (``scale``), whose change would look flat from zero;
- a zero in a stacked bar is no segment at all (``None``), not an empty sliver with a “0” on it;
- numbers read as leads write them (``portalFormat``: ``count`` or ``number``, formatted by portal.js): 12.5万 for
  large numbers in Chinese, the axis's unit (万元) beside the tooltip's values;
- category labels are never cut off the canvas (the grid contains them, long names wrap), and the legend sits
  above the grid so it never covers the bars or the labels.

A point may carry the link of the list that shows exactly what it counts: clicking it opens that list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

Number = int | float | Decimal

# Category labels wrap at this width (px): about twelve Chinese characters a line.
LABEL_WIDTH = 144
# Labels are slanted when the categories times their longest label pass this many characters: about what a phone
# shows side by side. Fewer, shorter ones stay level (and wrap when long).
CROWDED_CHARACTERS = 24


@dataclass(frozen=True)
class Series:
    """One named row of figures; ``links[i]``, when given, is the list behind ``values[i]``."""

    name: str
    values: Sequence[Number | None]
    links: Sequence[str | None] = ()


# Figures from this size on are drawn in 万 (the unit leads read: 12.3万人 rather than 123,456 人).
WAN_FROM = 100_000


def in_wan(rows: Sequence[Sequence[Number | None]], unit: str) -> tuple[list[list[Number | None]], str]:
    """The rows as drawn, and their axis unit: in 万 (``万人``) when the largest figure reaches ``WAN_FROM`` and the
    unit is not in 万, 亿 or a share already; as they are otherwise."""
    largest = max((abs(float(v)) for row in rows for v in row if v is not None), default=0.0)
    if largest < WAN_FROM or unit.startswith(("万", "亿", "%")):
        return [list(row) for row in rows], unit
    scaled: list[list[Number | None]] = [
        [None if v is None else round(float(v) / 10_000, 2) for v in row] for row in rows
    ]
    return scaled, f"万{unit}"


def bar_chart(
    categories: Sequence[str], series: Sequence[Series], *, stacked: bool = False, money: bool = False, unit: str = ""
) -> dict[str, Any]:
    """Bars per category, one colour per series; ``stacked`` piles the series on one bar."""
    return _chart("bar", categories, series, stacked=stacked, money=money, unit=unit)


def line_chart(
    categories: Sequence[str], series: Sequence[Series], *, money: bool = False, unit: str = "", level: bool = False
) -> dict[str, Any]:
    """Lines over ``categories`` (usually years). A ``level`` (a total such as 32–39 万人, a rate) is drawn on an axis
    that fits its figures, not one from zero, where its change would look flat."""
    chart = _chart("line", categories, series, stacked=False, money=money, unit=unit)
    if level:
        chart["yAxis"]["scale"] = True
    return chart


def _slant_room(labels: Sequence[str]) -> int:
    """Pixels a label slanted by 30° reaches left of its anchor, at 12 px a character (half of it is inside the axis)."""
    return round(0.5 * min(LABEL_WIDTH, 12 * max(map(len, labels), default=0)))


def _chart(
    kind: str, categories: Sequence[str], series: Sequence[Series], *, stacked: bool, money: bool, unit: str
) -> dict[str, Any]:
    labels = [str(c) for c in categories]
    crowded = len(labels) * max(map(len, labels), default=0) > CROWDED_CHARACTERS
    value_axis: dict[str, Any] = {"type": "value"}
    if not money:
        value_axis["minInterval"] = 1
    if unit:
        value_axis["name"] = unit
    return {
        "portalFormat": "number" if money else "count",
        "tooltip": {"trigger": "axis", "renderMode": "richText", "axisPointer": {"type": "shadow"}},
        "legend": {"type": "scroll", "top": 0},
        # ECharts' containLabel leaves out how far a slanted first label reaches left of its bar: make room for it.
        "grid": {
            "left": 8 + (_slant_room(labels) if crowded else 0),
            "right": 24,
            "top": 48,
            "bottom": 8,
            "containLabel": True,
        },
        "xAxis": {
            "type": "category",
            "data": labels,
            "axisLabel": {
                "interval": 0,
                "rotate": 30 if crowded else 0,
                "width": LABEL_WIDTH,
                "overflow": "break",
            },
        },
        "yAxis": value_axis,
        "series": [_series(kind, s, stacked) for s in series],
    }


def _series(kind: str, series: Series, stacked: bool) -> dict[str, Any]:
    links = list(series.links) or [None] * len(series.values)
    data = [_point(value, link, stacked) for value, link in zip(series.values, links, strict=True)]
    options: dict[str, Any] = {"name": str(series.name), "type": kind, "data": data}
    if kind == "bar":
        options["barMaxWidth"] = 48
    if stacked:
        options["stack"] = "total"
        options["emphasis"] = {"focus": "series"}
    return options


def _point(value: Number | None, link: str | None, stacked: bool) -> Any:
    # A stacked zero is no segment: ECharts draws nothing for a null, and the tooltip shows “-”.
    if value is None or (stacked and value == 0):
        return None
    number = float(value) if isinstance(value, Decimal) else value
    return {"value": number, "link": link} if link else number


def radar_chart(axes: Sequence[tuple[str, Number]], series: Sequence[Series]) -> dict[str, Any]:
    """One polygon per series over ``axes`` (name, maximum): one assessee's figures beside a group's mean."""
    return {
        "tooltip": {"trigger": "item", "renderMode": "richText"},
        "legend": {"type": "scroll", "top": 0},
        "radar": {
            "indicator": [{"name": str(name), "max": float(maximum)} for name, maximum in axes],
            "center": ["50%", "56%"],
            "radius": "62%",
            "axisName": {"width": LABEL_WIDTH, "overflow": "break"},
        },
        "series": [
            {
                "type": "radar",
                "data": [
                    {"name": str(s.name), "value": [float(v) if v is not None else 0 for v in s.values]} for s in series
                ],
            }
        ],
    }
