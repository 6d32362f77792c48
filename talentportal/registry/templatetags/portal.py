from __future__ import annotations

import datetime
from typing import Any

from django import forms, template
from django.utils import timezone
from django.utils.safestring import mark_safe

from ..base import yes_no
from ..forms import prompt_empty_choice

register = template.Library()


@register.filter
def bs(field: forms.BoundField) -> Any:
    """Render a bound field's widget with the Bootstrap class it needs (and the invalid state)."""
    widget = field.field.widget
    prompt_empty_choice(field.field)
    if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.NullBooleanSelect):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    attrs: dict[str, str | bool] = {"class": f"{widget.attrs.get('class', '')} {css}".strip()}
    if field.errors:
        attrs["aria-describedby"] = f"{field.auto_id}_error"
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def display(value: Any) -> Any:
    """A table cell: dashes for nothing, Yes / No (是 / 否) for booleans, local dates."""
    if value is None or value == "":
        return mark_safe('<span class="text-muted">—</span>')
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, datetime.datetime):
        # ISO dates, as every office spreadsheet writes them, whatever the language.
        return (timezone.localtime(value) if timezone.is_aware(value) else value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


@register.simple_tag
def url_for(registry: Any, action: str, obj: Any = None, *extra: Any) -> str:
    return str(registry.url(action, obj, *extra))
