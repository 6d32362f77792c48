"""Forms of the assessment's registries, and the checks the forms and the API share: a scheme's grade bands, an
indicator's place in its tree, its rule and its metric binding, and the frozen scheme that refuses edits."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from talentportal import metrics
from talentportal.orgs.forms import ScopedFormMixin
from talents.forms import DATE

from . import rules, services
from .models import Assessee, Indicator, Scheme, Target

Source = Indicator.Source

# A JSON parameter text longer than this is a pasting accident, not a rule.
MAX_JSON = 5000


def frozen_error(scheme: Scheme) -> str | None:
    """Why the scheme's tree, targets and particulars cannot change now (the workflow's message), or None."""
    try:
        services.refuse_if_frozen(scheme)
    except services.Refused as exc:
        return exc.message
    return None


# --- grade bands ------------------------------------------------------------------------------------------------


def grades_text(grades: list[dict[str, Any]]) -> str:
    """Grade bands as a clerk types them: one band a line, “90 优秀”, highest first."""
    return "\n".join(f"{band['min']} {band['label']}" for band in grades)


def parse_grades(text: str) -> list[dict[str, Any]]:
    """Lines “90 优秀” back into [{min, label}], checked by the rule engine; ``RuleError`` under ``grades``."""
    bands: list[dict[str, Any]] = []
    for number, line in enumerate((line for line in text.splitlines() if line.strip()), 1):
        least, _space, label = line.strip().partition(" ")
        if not label.strip():
            raise rules.RuleError(
                {
                    "grades": gettext("Line %(line)s: write the lowest score and the grade, e.g. “90 优秀”.")
                    % {"line": number}
                }
            )
        bands.append({"min": least, "label": label.strip()})
    return rules.clean_grades(bands)


class SchemeForm(ScopedFormMixin, forms.ModelForm[Scheme]):
    grades = forms.CharField(
        label=_("grade bands"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
        help_text=_("One band a line, highest first: the lowest total of the grade and its name, e.g. “90 优秀”."),
    )

    class Meta:
        model = Scheme
        fields = ["year", "name", "group", "org_unit", "due_on", "grades", "excellent_share", "description"]
        widgets = {"due_on": DATE, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["grades"] = grades_text(self.instance.grades or rules.DEFAULT_GRADES)

    def clean_grades(self) -> list[dict[str, Any]]:
        try:
            return parse_grades(self.cleaned_data.get("grades") or "")
        except rules.RuleError as exc:
            raise forms.ValidationError(exc.errors["grades"]) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk and (error := frozen_error(self.instance)):
            raise forms.ValidationError(error)
        return data


# --- indicators -------------------------------------------------------------------------------------------------


def clean_indicator(
    scheme: Scheme | None,
    parent: Indicator | None,
    max_points: Decimal | None,
    source: str,
    rule: dict[str, Any] | None,
    metric: dict[str, Any] | None,
    instance: Indicator | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The derived and normalised values of an indicator (``level``, ``rule``, ``source``, ``metric``) and the
    errors by field. A leaf has a rule; its source follows from the rule's kind where only one fits (manual:
    reviewers' marks; bonus, penalty, veto: events), else it is a registry metric or an entered value."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"level": 1, "rule": None, "source": "", "metric": None}
    if scheme is not None and (error := frozen_error(scheme)):
        errors["scheme"] = error
    if parent is not None:
        values["level"] = parent.level + 1
        if scheme is not None and parent.scheme_id != scheme.pk:
            errors["parent"] = gettext("The parent indicator belongs to another scheme.")
        elif parent.level >= 3:
            errors["parent"] = gettext("Indicators have three levels at most: choose a level-1 or level-2 parent.")
        elif parent.rule is not None:
            errors["parent"] = gettext("The parent indicator is scored by a rule; a scored line has no children.")
        elif instance is not None and instance.pk and _below(parent, instance):
            errors["parent"] = gettext("An indicator cannot be placed below itself.")
    if rule is None:
        if source or metric:
            errors["rule"] = gettext("Give the rule that scores this line, or leave its source and metric empty.")
        return values, errors
    try:
        values["rule"] = rules.clean_rule(rule, max_points if max_points is not None else Decimal(0))
    except rules.RuleError as exc:
        errors["rule"] = " ".join(f"{name}: {message}" for name, message in exc.errors.items())
        return values, errors
    kind = values["rule"]["kind"]
    fitting = {"manual": Source.REVIEWED, **dict.fromkeys(rules.EVENT_KINDS, Source.EVENTS)}.get(kind)
    source = source or fitting or (Source.METRIC if metric else Source.ENTERED)
    if (fitting and source != fitting) or (not fitting and source not in (Source.METRIC, Source.ENTERED)):
        errors["source"] = gettext("A rule of kind %(kind)s takes its input from: %(source)s.") % {
            "kind": kind,
            "source": Source(fitting).label if fitting else f"{Source.METRIC.label} / {Source.ENTERED.label}",
        }
    values["source"] = source
    if source == Source.METRIC:
        values["metric"], metric_errors = clean_metric(metric)
        errors.update(metric_errors)
    elif metric:
        errors["metric"] = gettext("Only an indicator whose source is a registry metric names a metric.")
    return values, errors


def _below(parent: Indicator, instance: Indicator) -> bool:
    node: Indicator | None = parent
    while node is not None:
        if node.pk == instance.pk:
            return True
        node = node.parent
    return False


def clean_metric(metric: dict[str, Any] | None) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """A metric binding {code, growth, params…} checked against the registry's metrics, as stored."""
    if not isinstance(metric, dict) or not metric.get("code"):
        return None, {"metric": gettext("Choose the registry metric this indicator counts.")}
    params = {k: v for k, v in metric.items() if k not in ("code", "growth")}
    code = str(metric["code"])
    try:
        cleaned = metrics.clean_params(code, params)
    except metrics.MetricError as exc:
        return None, {"metric": " ".join(f"{name}: {message}" for name, message in exc.errors.items())}
    growth = metric.get("growth", False)
    if not isinstance(growth, bool):
        return None, {"metric": gettext("“growth” is true or false.")}
    plain = {k: str(v) if isinstance(v, Decimal) else v for k, v in cleaned.items()}
    return {"code": code, "growth": growth, **plain}, {}


def json_object(text: str, field: str) -> dict[str, Any]:
    """A JSON object typed in a textarea (empty: no parameters)."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text, parse_float=Decimal)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise forms.ValidationError(
            _("Write the parameters as a JSON object, e.g. %(example)s."), params={"example": '{"floor": 0.5}'}
        )
    return value


def _json_example(*examples: str) -> SafeString:
    codes = format_html_join(" ", "<code>{}</code>", ((example,) for example in examples))
    return format_html(gettext("JSON (parameter names as in the API), e.g. {examples}"), examples=codes)


json_example = lazy(_json_example, SafeString)


def metric_choices() -> list[tuple[str, str]]:
    return [("", "—"), *((code, str(metric.label)) for code, metric in sorted(metrics.METRICS.items()))]


class IndicatorForm(ScopedFormMixin, forms.ModelForm[Indicator]):
    rule_kind = forms.ChoiceField(
        label=_("rule"),
        required=False,
        choices=[("", _("None (a level-1 or level-2 heading)")), *rules.KIND_LABELS.items()],
    )
    rule_params = forms.CharField(
        label=_("rule parameters"),
        required=False,
        max_length=MAX_JSON,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=json_example('{"floor": 0.5}', '{"levels": {"national": 3, "provincial": 2, "municipal": 1}}'),
    )
    metric_code = forms.ChoiceField(label=_("registry metric"), required=False, choices=())
    metric_params = forms.CharField(
        label=_("metric parameters"),
        required=False,
        max_length=MAX_JSON,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=json_example('{"tier": ["national_leading", "provincial_leading"]}'),
    )
    metric_growth = forms.BooleanField(label=_("as growth over the previous year"), required=False)

    class Meta:
        model = Indicator
        fields = [
            "scheme", "code", "name", "parent", "max_points", "unit", "description", "evidence_required", "order",
            "source",
        ]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = cast(Any, self.fields)
        fields["scheme"].queryset = Scheme.objects.editable_by(self.user)
        fields["parent"].queryset = Indicator.objects.editable_by(self.user).filter(level__lt=3, rule__isnull=True)
        fields["metric_code"].choices = metric_choices()
        fields["source"].required = False
        rule = dict(self.instance.rule or {})
        metric = dict(self.instance.metric or {})
        self.initial.update(
            rule_kind=rule.pop("kind", ""),
            rule_params=json.dumps(rule, ensure_ascii=False) if rule else "",
            metric_code=metric.pop("code", ""),
            metric_growth=metric.pop("growth", False),
            metric_params=json.dumps(metric, ensure_ascii=False) if metric else "",
        )

    def clean_rule_params(self) -> dict[str, Any]:
        return json_object(self.cleaned_data.get("rule_params") or "", "rule_params")

    def clean_metric_params(self) -> dict[str, Any]:
        return json_object(self.cleaned_data.get("metric_params") or "", "metric_params")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk and (error := frozen_error(self.instance.scheme)):
            raise forms.ValidationError(error)
        kind = data.get("rule_kind")
        rule = {**(data.get("rule_params") or {}), "kind": kind} if kind else None
        code = data.get("metric_code")
        metric = {"code": code, "growth": bool(data.get("metric_growth")), **(data.get("metric_params") or {})}
        values, errors = clean_indicator(
            data.get("scheme"),
            data.get("parent"),
            data.get("max_points"),
            data.get("source") or "",
            rule,
            metric if code else None,
            self.instance,
        )
        fields = {"rule": "rule_params" if kind else "rule_kind", "metric": "metric_params" if code else "metric_code"}
        for name, message in errors.items():
            self.add_error(fields.get(name, name), message)
        if not errors:
            data.update(values)
            for name, value in values.items():
                setattr(self.instance, name, value)
        return data


# --- assessees and targets --------------------------------------------------------------------------------------


def exclusion_errors(excluded: bool, reason: str) -> dict[str, str]:
    if excluded and not reason.strip():
        return {"exclusion_reason": gettext("Say why the assessee is excluded.")}
    return {}


class AssesseeForm(forms.ModelForm[Assessee]):
    """Created when the scheme opens; its office extends the deadline or excludes it, with a reason."""

    class Meta:
        model = Assessee
        fields = ["due_on", "excluded", "exclusion_reason"]
        widgets = {"due_on": DATE}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk and (error := frozen_error(self.instance.scheme)):
            raise forms.ValidationError(error)
        for name, message in exclusion_errors(bool(data.get("excluded")), data.get("exclusion_reason") or "").items():
            self.add_error(name, message)
        return data


def target_errors(indicator: Indicator | None, assessee: Assessee | None) -> dict[str, str]:
    """The rules ``services.set_target`` applies, for the form that shows them beside the fields."""
    if indicator is None or assessee is None:
        return {}
    try:
        services.refuse_unless_pair(indicator, assessee)
    except services.Refused as exc:
        return {"assessee" if exc.field == "assessee" else "indicator": exc.message}
    return {}


class TargetForm(ScopedFormMixin, forms.ModelForm[Target]):
    class Meta:
        model = Target
        fields = ["indicator", "assessee", "value"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any pair the user can see; setting it is the office admins' (refused with 403 after the save, as the
        # API refuses it), so the two doors answer alike.
        indicator = cast(Any, self.fields["indicator"])
        indicator.queryset = indicator.queryset.filter(rule__isnull=False).select_related("scheme")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, message in target_errors(data.get("indicator"), data.get("assessee")).items():
            self.add_error(name, message)
        return data


class ReadOnlyForm(forms.Form):
    """The workflow's records (submissions, marks, events) change through their services, never a generic form."""

    def __init__(self, *args: Any, user: Any = None, instance: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance = instance
