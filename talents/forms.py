from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import BLANK_CHOICE_DASH
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from talentportal.countries import country_choices, country_code
from talentportal.orgs.forms import ScopedFormMixin
from talentportal.validators import validate_printable_text, validate_sensible_date

from . import validators
from .models import ENTERPRISE_FIELDS, TALENT_FIELDS, Enterprise, EnterpriseYear, ServiceRequest, Talent, Team
from .services import registration_conflict

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EmployerField(forms.ModelChoiceField[Any]):
    """An enterprise given by its credit code (typed, or picked from the suggestions the page offers)."""

    widget = forms.TextInput(
        attrs={
            "list": "employer-options",
            "autocomplete": "off",
            "placeholder": _("name or credit code"),
            "hx-get": reverse_lazy("talents:employer_lookup"),
            "hx-trigger": "input changed delay:300ms",
            "hx-target": "#employer-options",
            "hx-swap": "innerHTML",
            # The form's field wrapper re-validates with hx-select; the suggestions must not inherit it.
            "hx-select": "unset",
            "hx-include": "unset",
        }
    )

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("to_field_name", "credit_code")
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("employer (enterprise)"))
        kwargs.setdefault("help_text", _("Type the enterprise's name or credit code and pick it from the list."))
        super().__init__(Enterprise.objects.none(), **kwargs)

    def to_python(self, value: Any) -> Any:
        return super().to_python(validators.normalize_credit_code(value) if isinstance(value, str) else value)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return Enterprise.objects.filter(pk=value).values_list("credit_code", flat=True).first() or ""
        return super().prepare_value(value)


class CountryField(forms.TypedChoiceField):
    """A country picked by its name from a select that can be searched, stored as its ISO 3166 code; a name or
    code sent as text is read too."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Names in the reader's language, China first; an optional field keeps its empty choice.
        self.choices = [*([] if self.required else BLANK_CHOICE_DASH), *country_choices()]
        self.widget.attrs["data-searchable"] = _("Type to search…")

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return (country_code(value) or value) if isinstance(value, str) else value


def country_formfield(field: Any, **kwargs: Any) -> Any:
    """Form fields as usual, a nationality or country a ``CountryField`` (a model field with choices takes its form field
    from ``choices_form_class``, never from ``Meta.field_classes``)."""
    if field.name in ("nationality", "country"):
        kwargs["choices_form_class"] = CountryField
    return field.formfield(**kwargs)


class TalentForm(ScopedFormMixin, forms.ModelForm[Talent]):
    employer = EmployerField()

    class Meta:
        model = Talent
        fields = TALENT_FIELDS
        widgets = {"birth_date": DATE, "landed_on": DATE, "notes": forms.Textarea(attrs={"rows": 3})}
        formfield_callback = country_formfield

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # In the browser, a valid resident ID number fills an empty birth date and gender (static/js/portal.js).
        self.fields["id_number"].widget.attrs.update(
            {
                "data-resident-id": "resident_id",
                "data-id-type": f"#{self['id_type'].auto_id}",
                "data-birth-date": f"#{self['birth_date'].auto_id}",
                "data-gender": f"#{self['gender'].auto_id}",
            }
        )

    def clean_id_number(self) -> str:
        return validators.normalize_id_number(self.cleaned_data.get("id_number", ""))

    def clean_phone(self) -> str:
        return validators.normalize_phone(self.cleaned_data.get("phone", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        identity = (data.get("id_type", ""), data.get("id_number", ""), data.get("birth_date"), data.get("gender"))
        problems = validators.identity_errors(*identity)
        for field, message in problems.items():
            if field not in self.errors:
                self.add_error(field, message)
        if not problems and not self.has_error("id_type") and not self.has_error("id_number"):
            data.update(validators.identity_from_id(*identity))
        if "id_number" not in self.errors and data.get("id_number"):
            conflict = registration_conflict(data.get("id_type", ""), data["id_number"], self.user, self.instance.pk)
            if conflict:
                self.add_error("id_number", conflict)
        return data

    def validate_unique(self) -> None:
        # The duplicate ID number already has its own message (naming only the registering county).
        if "id_number" not in self.errors:
            super().validate_unique()


class EnterpriseForm(ScopedFormMixin, forms.ModelForm[Enterprise]):
    class Meta:
        model = Enterprise
        fields = ENTERPRISE_FIELDS
        widgets = {"founded_on": DATE}

    def clean_credit_code(self) -> str:
        return validators.normalize_credit_code(self.cleaned_data.get("credit_code", ""))

    def clean_contact_phone(self) -> str:
        return validators.normalize_phone(self.cleaned_data.get("contact_phone", ""))


class EnterpriseYearForm(ScopedFormMixin, forms.ModelForm[EnterpriseYear]):
    enterprise = forms.ModelChoiceField(Enterprise.objects.none(), label=_("enterprise"))

    class Meta:
        model = EnterpriseYear
        fields = [
            "enterprise",
            "year",
            "revenue",
            "tax_paid",
            "rd_expense",
            "employees",
            "invention_patents",
            "financing_raised",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A year's figures are added to an enterprise the user may change.
        cast("forms.ModelChoiceField[Any]", self.fields["enterprise"]).queryset = Enterprise.objects.editable_by(
            self.user
        )


class TeamForm(ScopedFormMixin, forms.ModelForm[Team]):
    employer = EmployerField()

    class Meta:
        model = Team
        fields = ["name", "leader", "org_unit", "employer", "industry", "members"]
        widgets = {"members": forms.SelectMultiple(attrs={"size": 6})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("leader", "members"):  # long lists: the names only
            field: Any = self.fields[name]
            field.queryset = field.queryset.only("id", "name")


class ServiceRequestForm(ScopedFormMixin, forms.ModelForm[ServiceRequest]):
    class Meta:
        model = ServiceRequest
        fields = ["talent", "kind", "status", "submitted_on", "description", "handler", "resolved_on", "resolution"]
        widgets = {
            "submitted_on": DATE,
            "resolved_on": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
            "resolution": forms.Textarea(attrs={"rows": 3}),
        }
        # A declined request's reason is written where a resolved one's result is.
        labels = {"resolution": _("Result, or reason for declining")}
        help_texts = {
            "resolution": _(
                "Required to close the request: what was done when it is resolved, why when it is declined."
            ),
            "handler": _("Required when the request is resolved."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A request is filed for a talent the user may change, and handled by an editor or admin of the scope.
        talent, handler = (cast("forms.ModelChoiceField[Any]", self.fields[name]) for name in ("talent", "handler"))
        talent.queryset = Talent.objects.editable_by(self.user).only("id", "name")
        handler.queryset = ServiceRequest.handler_choices(self.user)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        submitted, resolved = data.get("submitted_on"), data.get("resolved_on")
        if submitted and resolved and resolved < submitted:
            self.add_error("resolved_on", _("The resolution date cannot be before the submission date."))
        elif "status" in data:
            data["resolved_on"] = ServiceRequest.resolution_date(data["status"], submitted, resolved)
        if "status" in data:
            problems = ServiceRequest.closing_errors(data["status"], data.get("resolution"), data.get("handler"))
            for field, message in problems.items():
                if field not in self.errors:
                    self.add_error(field, message)
        return data


class StatusChangeForm(forms.Form):
    """The queue's one-line action: move a request to a new status, with a note."""

    status = forms.ChoiceField(label=_("new status"), choices=ServiceRequest.Status.choices)
    note = forms.CharField(
        label=_("note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_printable_text],
    )
    resolved_on = forms.DateField(
        label=_("resolved on"), required=False, widget=DATE, validators=[validate_sensible_date]
    )
