"""Forms of the plan registries: each asks ``checks`` (the rules the API and the import ask too)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from talentportal import metrics
from talentportal.orgs.forms import ScopedFormMixin

from . import checks
from .models import Plan, PlanActual, PlanIndicator, PlanTarget


def add_errors(form: forms.BaseForm, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        form.add_error(name if name in form.fields else None, message)


def metric_choices() -> list[tuple[str, Any]]:
    return [("", _("None (entered or imported)")), *((c, str(m.label)) for c, m in sorted(metrics.METRICS.items()))]


class PlanForm(ScopedFormMixin, forms.ModelForm[Plan]):
    class Meta:
        model = Plan
        fields = ["name", "org_unit", "start_year", "end_year", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        add_errors(self, checks.plan_errors(data.get("start_year"), data.get("end_year"), self.instance))
        return data


class PlanIndicatorForm(ScopedFormMixin, forms.ModelForm[PlanIndicator]):
    metric = forms.ChoiceField(label=_("registry metric"), required=False, choices=())

    class Meta:
        model = PlanIndicator
        fields = [
            "plan", "code", "group", "name", "unit", "category", "direction", "baseline_year", "baseline_value",
            "target_year", "target_value", "metric", "metric_params", "jump_share", "order", "note",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = cast(Any, self.fields)
        # Indicators go into a plan the user may change.
        fields["plan"].queryset = Plan.objects.editable_by(self.user).select_related("org_unit")
        if self.instance.pk is not None:
            # Its actuals and targets belong to the plan's years and units: the plan is fixed once it exists.
            fields["plan"].disabled = True
        fields["metric"].choices = metric_choices()
        fields["metric_params"].required = False

    def clean_metric_params(self) -> Any:
        return self.cleaned_data.get("metric_params") or {}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        add_errors(self, checks.clean_indicator(data))
        add_errors(self, checks.category_errors(self.instance if self.instance.pk else None, data.get("category")))
        return data


class PlanTargetForm(ScopedFormMixin, forms.ModelForm[PlanTarget]):
    class Meta:
        model = PlanTarget
        fields = ["indicator", "org_unit", "baseline_value", "target_value", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["indicator"]).queryset = PlanIndicator.objects.for_user(self.user).select_related(
            "plan__org_unit"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        indicator = data.get("indicator")
        add_errors(self, checks.target_errors(indicator, data.get("baseline_value"), data.get("target_value")))
        if indicator is not None and (error := checks.unit_error(indicator, data.get("org_unit"))):
            self.add_error("org_unit", error)
        return data


class PlanActualForm(ScopedFormMixin, forms.ModelForm[PlanActual]):
    class Meta:
        model = PlanActual
        fields = ["indicator", "org_unit", "year", "value", "numerator", "denominator", "source", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["indicator"]).queryset = PlanIndicator.objects.for_user(self.user).select_related(
            "plan__org_unit"
        )
        # A rate given as numerator and denominator takes its value from them.
        self.fields["value"].required = False
        self.fields["value"].help_text = _("For a rate, leave it empty and give the numerator and the denominator.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        indicator = data.get("indicator")
        if indicator is None or any(name in self.errors for name in ("year", "value", "numerator", "denominator")):
            return data
        cleaned, errors = checks.clean_actual(
            indicator, data.get("year"), data.get("value"), data.get("numerator"), data.get("denominator")
        )
        if error := checks.unit_error(indicator, data.get("org_unit")):
            errors["org_unit"] = error
        add_errors(self, errors)
        if not errors:
            data.update(cleaned)
            for name, value in cleaned.items():
                setattr(self.instance, name, value)
        return data
