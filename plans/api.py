"""The plans' API: plans, their indicators (with ``?year=`` each indicator's figures for that year), the units'
own targets and the yearly actuals. Writes ask ``checks``, the rules the forms and the import ask: a refusal is
a 400 naming the field; a record outside the caller's scope is a 404."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from talentportal.orgs.api import ScopedUnitField
from talentportal.orgs.models import OrgUnit, unit_of
from talentportal.registry.api import EditableRelatedField, ScopedModelViewSet
from talentportal.validators import validate_printable_text

from . import checks, registries
from .figures import COUNTED, ENTERED, ROLLED_UP, STATUS_CHOICES, Figure, figures
from .filters import PlanActualFilterSet, PlanFilterSet, PlanIndicatorFilterSet, PlanTargetFilterSet
from .models import VALUE, YEARS, Plan, PlanActual, PlanIndicator, PlanTarget

FIGURE: dict[str, Any] = {"max_digits": 30, "decimal_places": 4, "read_only": True, "allow_null": True}
# The figures of ``?year=`` an indicator carries (``Figure.shown``), null without it.
FIGURE_FIELDS = (
    "actual", "progress", "expected", "status", "required_growth", "gap", "jump", "source", "cumulative_actual",
    "cumulative_expected", "units_reported", "units_to_report",
)  # fmt: skip


def refuse(errors: dict[str, str]) -> None:
    if errors:
        raise serializers.ValidationError({name: [message] for name, message in errors.items()})


# --- plans --------------------------------------------------------------------------------------------------------


class PlanSerializer(serializers.ModelSerializer[Plan]):
    org_unit = ScopedUnitField()

    class Meta:
        model = Plan
        fields = ["id", "name", "org_unit", "start_year", "end_year", "description"]

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        def current(name: str) -> Any:
            return data[name] if name in data else getattr(self.instance, name, None)

        refuse(checks.plan_errors(current("start_year"), current("end_year"), self.instance))
        return data


class PlanViewSet(ScopedModelViewSet):
    """Plans: a county reads the city's plan as well as its own; the plan's office changes it."""

    registry = registries.plans
    queryset = Plan.objects.all()
    serializer_class = PlanSerializer
    filterset_class = PlanFilterSet
    ordering = ["-start_year", "org_unit__path", "id"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("org_unit")


# --- indicators ---------------------------------------------------------------------------------------------------

YEAR = OpenApiParameter(
    "year",
    OpenApiTypes.INT,
    description=gettext_lazy(
        "Each indicator also carries its figures of this year (else they are null): a year from the indicators' "
        "baseline year to the end of their plan."
    ),
)
UNIT = OpenApiParameter(
    "org_unit",
    OpenApiTypes.STR,
    description=gettext_lazy(
        "A unit's code in the caller's scope: the indicators of the plans covering it, with ?year= its figures. "
        "By default the figures are the plan's own unit's when it is in the caller's scope, else the caller's unit's."
    ),
)


class PlanIndicatorSerializer(serializers.ModelSerializer[PlanIndicator]):
    plan = EditableRelatedField(Plan, help_text=gettext_lazy("The plan; fixed once the indicator exists."))
    metric = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        validators=[validate_printable_text],
        help_text=gettext_lazy("A registry metric's code, or empty."),
    )
    # The figures of ``?year=`` (null without it), for the plan's unit or the one asked for.
    actual = serializers.DecimalField(
        **FIGURE,
        help_text=gettext_lazy("The year's value (entered, counted, or rolled up; a partial sum while some units "
                               "have not reported)."),
    )  # fmt: skip
    progress = serializers.DecimalField(
        **FIGURE,
        help_text=gettext_lazy("(actual − baseline) / (target − baseline), held within 0–1; null when undefined."),
    )
    expected = serializers.DecimalField(**FIGURE, help_text=gettext_lazy("The expected path's value in the year."))
    status = serializers.ChoiceField(
        choices=STATUS_CHOICES,
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("not_judged: the unit has no target of its own; missing: no (complete) value."),
    )
    required_growth = serializers.DecimalField(
        **FIGURE, help_text=gettext_lazy("The yearly growth (a share) still needed to reach the target.")
    )
    gap = serializers.DecimalField(
        **FIGURE,
        help_text=gettext_lazy("Actual − expected, positive when better; for a flow, cumulative_actual − "
                               "cumulative_expected."),
    )  # fmt: skip
    jump = serializers.BooleanField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("A typed value that moved by more than jump_share of last year's (a likely typo)."),
    )
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=[(s, s) for s in (ENTERED, COUNTED, ROLLED_UP)], read_only=True, allow_null=True
    )
    cumulative_actual = serializers.DecimalField(
        **FIGURE, help_text=gettext_lazy("A flow's actuals summed since the baseline year; null if one is missing.")
    )
    cumulative_expected = serializers.DecimalField(
        **FIGURE, help_text=gettext_lazy("A flow's expected path summed since the baseline year.")
    )
    units_reported = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=gettext_lazy("A rolled-up value: the units that reported.")
    )
    units_to_report = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=gettext_lazy("A rolled-up value: the units that report it.")
    )

    class Meta:
        model = PlanIndicator
        fields = [
            "id", "plan", "code", "group", "name", "unit", "category", "baseline_year", "baseline_value",
            "target_year", "target_value", "direction", "metric", "metric_params", "jump_share", "order", "note",
            *FIGURE_FIELDS,
        ]  # fmt: skip

    def to_representation(self, instance: PlanIndicator) -> Any:
        data = super().to_representation(instance)
        figure: Figure | None = self.context.get("figures", {}).get(instance.pk)
        shown = figure.shown() if figure else {}
        for name in FIGURE_FIELDS:
            value = shown.get(name)
            data[name] = None if value is None else self.fields[name].to_representation(value)
        return data

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        names = ("plan", "category", "baseline_year", "baseline_value", "target_year", "target_value", "metric",
                 "metric_params")  # fmt: skip
        merged = {name: data[name] if name in data else getattr(self.instance, name, None) for name in names}
        refuse(checks.clean_indicator(merged))
        refuse(checks.moved_plan_errors(self.instance, data.get("plan")))
        refuse(checks.category_errors(self.instance, data.get("category")))
        return data


@extend_schema_view(list=extend_schema(parameters=[YEAR, UNIT]), retrieve=extend_schema(parameters=[YEAR, UNIT]))
class PlanIndicatorViewSet(ScopedModelViewSet):
    """A plan's indicators; with ``?year=`` each carries that year's actual, progress, expected value, status and
    required growth (the figures of a page in a fixed number of queries)."""

    registry = registries.indicators
    queryset = PlanIndicator.objects.all()
    serializer_class = PlanIndicatorSerializer
    filterset_class = PlanIndicatorFilterSet
    ordering = ["plan", "order", "code"]

    def get_queryset(self) -> Any:
        queryset = super().get_queryset().select_related("plan__org_unit")
        unit = self.asked_unit()
        if unit is not None:  # the plans whose area covers the unit
            queryset = queryset.filter(plan__org_unit__path__in=[*unit.ancestor_paths(), unit.path])
        return queryset

    _asked_unit: OrgUnit | None

    def asked_unit(self) -> OrgUnit | None:
        """The unit of ``?org_unit=``: one in the caller's scope, else 404."""
        if not hasattr(self, "_asked_unit"):
            code = self.request.query_params.get("org_unit")
            unit = None
            if code is not None:
                if not (code.isprintable() and len(code) <= 20):  # a NUL is no code, not a database error
                    raise Http404
                unit = OrgUnit.objects.for_user(self.request.user).filter(code=code).first()
                if unit is None:
                    raise Http404
            self._asked_unit = unit
        return self._asked_unit

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        data = self.get_serializer(rows, many=True, context=self.figures_context(rows)).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        return Response(self.get_serializer(obj, context=self.figures_context([obj])).data)

    def get_serializer(self, *args: Any, context: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        serializer = super().get_serializer(*args, **kwargs)
        if context:
            serializer.context.update(context)
        return serializer

    def figures_context(self, indicators: Sequence[PlanIndicator]) -> dict[str, Any]:
        """Each indicator's figure of ``?year=``, for ``?org_unit=`` or else its plan's unit when the caller sees
        it, else the caller's own unit: all of the page's at once. The year is one of the indicators' (from their
        baseline year to their plan's end): an indicator whose years it is not has no figures."""
        raw = self.request.query_params.get("year")
        if raw is None:
            return {}
        first = min((i.baseline_year for i in indicators), default=YEARS[0].limit_value)
        last = max((i.plan.end_year for i in indicators), default=YEARS[1].limit_value)
        try:
            year = checks.figures_year(raw, first, last)
        except ValueError as error:
            raise exceptions.ValidationError({"year": [str(error)]}) from error
        shown = [i for i in indicators if i.baseline_year <= year <= i.plan.end_year]
        own = unit_of(self.request.user)
        chosen = self.asked_unit()

        def unit_for(indicator: PlanIndicator) -> OrgUnit:
            if chosen is not None:
                return chosen
            plan_unit = indicator.plan.org_unit
            return plan_unit if own is None or plan_unit.path.startswith(own.path) else own

        wanted = {i.pk: unit_for(i) for i in shown}
        units = list({u.pk: u for u in wanted.values()}.values())
        found = figures(shown, units, year)
        return {"figures": {pk: found[(pk, unit.pk)] for pk, unit in wanted.items()}}


# --- targets and actuals ------------------------------------------------------------------------------------------


class UnitFigureSerializer(serializers.ModelSerializer[Any]):
    """A target or an actual: its indicator and unit are fixed once it exists; a pair (or a year) given twice is a
    400, not a database error."""

    org_unit = ScopedUnitField(
        required=False,
        help_text=gettext_lazy("Default: the plan's unit if the caller writes it, else the caller's unit."),
    )
    unique_fields: tuple[str, ...] = ("indicator", "org_unit")

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["indicator"].read_only = fields["org_unit"].read_only = True
        return fields

    def place(self, data: dict[str, Any]) -> tuple[PlanIndicator, OrgUnit | None]:
        """The record's indicator and unit (the default unit filled in), refused where the plan has no such unit."""
        indicator: PlanIndicator = data.get("indicator") or self.instance.indicator  # type: ignore[union-attr]
        if self.instance is None:
            data.setdefault("org_unit", checks.default_unit(self.context["request"].user, indicator))
        unit = data.get("org_unit") or getattr(self.instance, "org_unit", None)
        if error := checks.unit_error(indicator, unit):
            refuse({"org_unit": error})
        return indicator, unit

    def refuse_duplicate(self, data: dict[str, Any], indicator: PlanIndicator, unit: OrgUnit | None) -> None:
        key = {"indicator": indicator, "org_unit": unit}
        for name in self.unique_fields[2:]:
            key[name] = data.get(name, getattr(self.instance, name, None))
        model: Any = self.Meta.model
        if model.objects.filter(**key).exclude(pk=getattr(self.instance, "pk", None)).exists():
            field = self.unique_fields[-1]
            refuse({field: _("This unit has a %(what)s of this indicator already; change that one.")
                    % {"what": model._meta.verbose_name}})  # fmt: skip


class PlanTargetSerializer(UnitFigureSerializer):
    class Meta:
        model = PlanTarget
        fields = ["id", "indicator", "org_unit", "baseline_value", "target_value", "note"]
        validators: list[Any] = []

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        indicator, unit = self.place(data)

        def current(name: str) -> Any:
            return data[name] if name in data else getattr(self.instance, name, None)

        refuse(checks.target_errors(indicator, current("baseline_value"), current("target_value")))
        self.refuse_duplicate(data, indicator, unit)
        return data


class PlanActualSerializer(UnitFigureSerializer):
    value = serializers.DecimalField(
        **VALUE,
        required=False,
        allow_null=True,
        help_text=gettext_lazy("For a rate: left out when numerator and denominator are given."),
    )
    unique_fields = ("indicator", "org_unit", "year")

    class Meta:
        model = PlanActual
        fields = ["id", "indicator", "org_unit", "year", "value", "numerator", "denominator", "source", "note"]
        validators: list[Any] = []

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        indicator, unit = self.place(data)
        parts: dict[str, Any] = {name: data[name] for name in ("value", "numerator", "denominator") if name in data}
        if self.instance is not None and "value" in parts and not {"numerator", "denominator"} & set(parts):
            parts.update(numerator=None, denominator=None)  # a value given alone replaces a rate's parts
        stored = {name: getattr(self.instance, name, None) for name in ("year", "value", "numerator", "denominator")}
        given = {**stored, **parts, "year": data.get("year", stored["year"])}
        cleaned, errors = checks.clean_actual(
            indicator, given["year"], given["value"], given["numerator"], given["denominator"]
        )
        refuse(errors)
        data.update(cleaned)
        self.refuse_duplicate(data, indicator, unit)
        return data


class PlanTargetViewSet(ScopedModelViewSet):
    """A unit's own baseline and target of an indicator (a county's share of the city's target)."""

    registry = registries.targets
    queryset = PlanTarget.objects.all()
    serializer_class = PlanTargetSerializer
    filterset_class = PlanTargetFilterSet
    ordering = ["indicator__plan", "indicator__order", "indicator__code", "org_unit__path"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("org_unit")


class PlanActualViewSet(ScopedModelViewSet):
    """The yearly actuals of the units in the caller's scope; a county never sees another county's."""

    registry = registries.actuals
    queryset = PlanActual.objects.all()
    serializer_class = PlanActualSerializer
    filterset_class = PlanActualFilterSet
    ordering = ["indicator__plan", "indicator__order", "indicator__code", "-year", "org_unit__path"]

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("org_unit")
