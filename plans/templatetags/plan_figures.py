"""How a plan's figures read on a page: the way office tables write them."""

from __future__ import annotations

from decimal import Decimal

from django import template

from talentportal.charts import in_wan

register = template.Library()

CENT = Decimal("0.01")


def plain(value: Decimal) -> str:
    """At most two decimals, no trailing zeros, thousands grouped: ``1,234.5``, ``0.42``, ``37``."""
    rounded = value.quantize(CENT)
    text = f"{rounded:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def figure(value: Decimal | int | float | None, unit: str = "") -> str:
    """A figure with its unit (``32.2万人``, ``37%``, ``12.35万人`` for 123,456 人: in 万 as ``charts.in_wan`` draws
    it); empty for no figure. A unit that is already in 万 or 亿, or a share, is never scaled again."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value))
    if not number.is_finite():
        return ""
    [[shown]], shown_unit = in_wan([[number]], unit or "")
    return f"{plain(Decimal(str(shown)))}{shown_unit}"


@register.filter
def percent(share: Decimal | None, places: int = 1) -> str:
    """A share (0.253) as a percentage (25.3%; with ``places`` 0: 25%)."""
    if share is None:
        return ""
    return f"{plain((Decimal(share) * 100).quantize(Decimal(1).scaleb(-int(places))))}%"
