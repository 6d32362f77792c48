"""How every form field is presented: a prompt instead of dashes in selects, personal data masked in edit forms."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models.fields import BLANK_CHOICE_DASH
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from .base import Registry

# What Django puts in an optional select (and an unset required one) before anything is chosen.
DASHES = BLANK_CHOICE_DASH[0][1]
SELECT_PROMPT = _("Select…")


def prompt_empty_choice(field: forms.Field) -> None:
    """Show “Select…” (请选择) instead of Django's “---------” as a select's empty choice. A filter's empty choice
    means “any” and keeps its own label, as does an empty choice a form labelled on purpose."""
    if type(field).__module__.startswith("django_filters"):
        return
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label == DASHES:
            field.empty_label = SELECT_PROMPT
    elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.MultipleChoiceField):
        choices: list[Any] = list(field.widget.choices)
        if any(value == "" and label == DASHES for value, label in choices):
            field.choices = [("", SELECT_PROMPT) if value == "" else (value, label) for value, label in choices]


def mask_personal_fields(form: forms.BaseForm, registry: Registry, obj: Any) -> None:
    """Show the record's personal data masked in its edit form, as on its page, with the same audited reveal.

    A masked value sent back untouched keeps the stored value (the mask is never saved); anything else typed in
    the field is cleaned as usual, so the value can still be changed or cleared. Opening the form reveals
    nothing, so it is not audited; the reveal button is."""
    for column in registry.personal_columns:
        field = form.fields.get(column.name)
        stored = getattr(obj, column.name, None)
        if field is None or column.mask is None or stored in (None, ""):
            continue
        masked = column.mask(column.cell(obj))
        form.initial[column.name] = masked
        if getattr(field.widget, "input_type", "") == "date":
            # A date input cannot hold 1985-**-**: the mask is shown as text until revealed or retyped.
            field.widget = forms.TextInput(attrs={k: v for k, v in field.widget.attrs.items() if k != "type"})
        field.masked = masked  # type: ignore[attr-defined]
        field.reveal_url = f"{registry.url('reveal', obj, column.name)}?into=form"  # type: ignore[attr-defined]
        field.clean = partial(_keep_if_masked, field.clean, masked, stored)  # type: ignore[method-assign]


def _keep_if_masked(clean: Callable[[Any], Any], masked: str, stored: Any, value: Any) -> Any:
    return stored if isinstance(value, str) and value.strip() == masked else clean(value)
