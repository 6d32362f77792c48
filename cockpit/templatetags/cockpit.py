"""How the cockpit writes its numbers: counts whole, money (10k yuan) with two decimals, both grouped by
thousands; a change with its sign; a missing figure as a dash."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def amount(value: Decimal | int | None, money: bool = False) -> str:
    if value is None:
        return "—"
    return number_format(value, 2 if money else 0, force_grouping=True)


@register.filter
def signed(value: Decimal | int | None, money: bool = False) -> str:
    if value is None:
        return "—"
    text = amount(-value if value < 0 else value, money)
    return f"+{text}" if value > 0 else f"−{text}" if value < 0 else text
