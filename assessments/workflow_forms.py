"""The forms of the workflow pages (submission, review, scheme moves, targets): they only parse; every rule is
checked by ``services``, whose refusals the views put beside the field they name."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .models import MAX_VALUE, POINTS, VALUE, YEAR, Event, Indicator
from .services import Refused


def check_size(upload: Any) -> Any:
    """Evidence files are held to the import's upload limit."""
    if upload is not None and upload.size > settings.IMPORT_MAX_FILE_BYTES:
        raise ValidationError(
            _("The file is %(size)s; at most %(limit)s is accepted.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(settings.IMPORT_MAX_FILE_BYTES)}
        )
    return upload


def show_refusal(form: forms.BaseForm, refused: Refused) -> None:
    """A service's refusal beside the field it names, or above the form."""
    form.add_error(refused.field if refused.field in form.fields else None, refused.message)


class EntriesForm(forms.Form):
    """A value and a note per indicator the assessee enters."""

    def __init__(self, indicators: Iterable[Indicator], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        for indicator in self.indicators:
            self.fields[f"value_{indicator.pk}"] = forms.DecimalField(
                label=str(indicator),
                required=False,
                max_digits=VALUE["max_digits"],
                decimal_places=VALUE["decimal_places"],
                max_value=MAX_VALUE,
                min_value=-MAX_VALUE,
            )
            self.fields[f"note_{indicator.pk}"] = forms.CharField(label=_("note"), required=False, max_length=500)

    def rows(self) -> list[tuple[Indicator, forms.BoundField, forms.BoundField]]:
        return [(i, self[f"value_{i.pk}"], self[f"note_{i.pk}"]) for i in self.indicators]

    def entries(self) -> list[dict[str, Any]]:
        return [
            {
                "indicator": i,
                "value": self.cleaned_data[f"value_{i.pk}"],
                "note": self.cleaned_data[f"note_{i.pk}"],
            }
            for i in self.indicators
        ]


class EvidenceForm(forms.Form):
    indicator = forms.ModelChoiceField(label=_("indicator"), queryset=Indicator.objects.none())
    file = forms.FileField(label=_("file"), validators=[check_size])

    def __init__(self, indicators: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = indicators  # type: ignore[attr-defined]


class EventForm(forms.Form):
    indicator = forms.ModelChoiceField(label=_("indicator"), queryset=Indicator.objects.none())
    level = forms.ChoiceField(label=_("level"), choices=[("", "—"), *Event.Level.choices], required=False)
    key = forms.CharField(
        label=_("key"),
        max_length=100,
        required=False,
        help_text=_("The same achievement claimed twice (one key) counts once, at its highest level."),
    )
    occurred_on = forms.DateField(label=_("occurred on"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("description"), max_length=500)
    evidence = forms.FileField(label=_("evidence file"), required=False, validators=[check_size])

    def __init__(self, indicators: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = indicators  # type: ignore[attr-defined]


class ReturnForm(forms.Form):
    comment = forms.CharField(label=_("what to correct"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class MarkForm(forms.Form):
    points = forms.DecimalField(
        label=_("points"), max_digits=POINTS["max_digits"], decimal_places=POINTS["decimal_places"]
    )
    comment = forms.CharField(label=_("comment"), max_length=500, required=False)


class DecisionForm(forms.Form):
    verified = forms.TypedChoiceField(
        choices=[("1", _("Verify")), ("0", _("Reject"))], coerce=lambda value: value == "1"
    )
    comment = forms.CharField(label=_("comment"), max_length=500, required=False)


class TransitionForm(forms.Form):
    to = forms.CharField(max_length=10)
    reason = forms.CharField(label=_("reason"), max_length=500, required=False)


class CopyForm(forms.Form):
    year = forms.IntegerField(label=_("year"), validators=YEAR)
    name = forms.CharField(label=_("name"), max_length=200)
    with_targets = forms.BooleanField(label=_("with the targets"), required=False)


def parse_target(raw: str) -> Decimal:
    """A target cell's text as a number, or ``ValidationError`` in the user's language."""
    field = forms.DecimalField(
        max_digits=VALUE["max_digits"], decimal_places=VALUE["decimal_places"], min_value=0, max_value=MAX_VALUE
    )
    value = field.clean(raw)
    assert isinstance(value, Decimal)
    return value
