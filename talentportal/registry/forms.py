"""How every form field is presented: a prompt instead of dashes in selects, personal data masked in edit forms."""

from __future__ import annotations

from django import forms
from django.db.models.fields import BLANK_CHOICE_DASH
from django.utils.translation import gettext_lazy as _

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
        choices = list(field.choices)
        if any(value == "" and label == DASHES for value, label in choices):
            field.choices = [("", SELECT_PROMPT) if value == "" else (value, label) for value, label in choices]
