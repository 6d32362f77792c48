from __future__ import annotations

import datetime
from functools import lru_cache
from typing import Any

from django import forms, template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from ..base import yes_no
from ..forms import prompt_empty_choice

register = template.Library()


@register.simple_tag(takes_context=True)
def nav(context: template.Context) -> SafeString:
    """The sidebar (``partials/nav.html``). It depends only on the page's name and section, the user's role and
    the language, and is the same for all of them alike: it is rendered once per process for each and kept
    (it cost a few milliseconds, on every page)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    return _nav(
        get_language(),
        get_urlconf(),  # what each request resolves with: the URLconf in force, or its own
        get_script_prefix(),
        *((match.app_name, match.url_name, match.view_name) if match else ("", "", "")),
        context.get("section", ""),
        bool(context.get("user_can_write")),
        bool(context.get("user_is_admin")),
    )


@lru_cache(maxsize=1024)
def _nav(
    language: str,
    urlconf: Any,
    prefix: str,
    app: str,
    name: str,
    view_name: str,
    section: str,
    write: bool,
    admin: bool,
) -> SafeString:
    return render_to_string(
        "partials/nav.html",
        {
            "app": app,
            "name": name,
            "view_name": view_name,
            "section": section,
            "user_can_write": write,
            "user_is_admin": admin,
        },
    )


# What the sidebar's links and words are made from; a test that changes one of these starts afresh.
NAV_SETTINGS = {
    "ROOT_URLCONF",
    "LANGUAGES",
    "LANGUAGE_CODE",
    "USE_I18N",
    "LOCALE_PATHS",
    "TEMPLATES",
    "INSTALLED_APPS",
    "FORCE_SCRIPT_NAME",
}


@receiver(setting_changed)
def forget_sidebars(setting: str, **kwargs: Any) -> None:
    if setting in NAV_SETTINGS:
        _nav.cache_clear()


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
