"""The plan registries: plans, their indicators, the units' own targets and the yearly actuals, each with its list,
page, forms, export and history (the generic registry). Plans and indicators are changed by the editors and
administrators of the plan's unit; targets and actuals by the editors of the unit they belong to, in their
scope (a county enters its own actuals of the city's plan, never the city's)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from talentportal import metrics
from talentportal.registry.base import Column, Registry, register

from .filters import PlanActualFilterSet, PlanFilterSet, PlanIndicatorFilterSet, PlanTargetFilterSet
from .forms import PlanActualForm, PlanForm, PlanIndicatorForm, PlanTargetForm
from .models import Plan, PlanActual, PlanIndicator, PlanTarget

SECTION = "plans"


def plan_url(obj: Any) -> str | None:
    plan_id = getattr(obj, "plan_id", None) or getattr(getattr(obj, "indicator", None), "plan_id", None)
    return Plan(pk=plan_id).get_absolute_url() if plan_id else None


def indicator_url(obj: Any) -> str | None:
    return indicators.url("detail", PlanIndicator(pk=obj.indicator_id)) if obj.indicator_id else None


def metric_label(indicator: PlanIndicator) -> str:
    metric = metrics.METRICS.get(indicator.metric)
    return str(metric.label) if metric else indicator.metric


plans = register(
    Registry(
        model=Plan,
        namespace="plans",
        url_prefix="plans",
        name="plan",
        section=SECTION,
        filterset_class=PlanFilterSet,
        form_class=PlanForm,
        columns=[
            Column("name", link=True),
            Column("org_unit__name", label=gettext_lazy("drawn up by"), order_by="org_unit__path"),
            Column("start_year"),
            Column("end_year"),
            Column("description", sortable=False),
        ],
        list_columns=["name", "org_unit__name", "start_year", "end_year"],
        default_ordering=("-start_year", "org_unit__path", "id"),
        select_related=("org_unit",),
    )
)

indicators = register(
    Registry(
        model=PlanIndicator,
        namespace="plans",
        url_prefix="indicators",
        name="indicator",
        section=SECTION,
        filterset_class=PlanIndicatorFilterSet,
        form_class=PlanIndicatorForm,
        columns=[
            Column("code", link=True),
            Column("name"),
            Column("group"),
            Column("plan__name", label=gettext_lazy("plan"), url=plan_url),
            Column("unit", sortable=False),
            Column("category"),
            Column("direction"),
            Column("baseline_year"),
            Column("baseline_value"),
            Column("target_year"),
            Column("target_value"),
            Column("metric", sortable=False, value=metric_label),
            Column("jump_share", sortable=False),
            Column("order"),
            Column("note", sortable=False),
        ],
        list_columns=["code", "name", "group", "plan__name", "unit", "category", "baseline_value", "target_value"],
        default_ordering=("plan", "order", "code"),
        select_related=("plan",),
    )
)

targets = register(
    Registry(
        model=PlanTarget,
        namespace="plans",
        url_prefix="targets",
        name="target",
        section=SECTION,
        filterset_class=PlanTargetFilterSet,
        form_class=PlanTargetForm,
        columns=[
            Column("indicator__name", label=gettext_lazy("indicator"), link=True),
            Column("indicator__code", label=gettext_lazy("indicator code"), url=indicator_url),
            Column("indicator__plan__name", label=gettext_lazy("plan"), url=plan_url),
            Column("org_unit__name", label=gettext_lazy("org unit"), order_by="org_unit__path"),
            Column("baseline_value"),
            Column("target_value"),
            Column("note", sortable=False),
        ],
        default_ordering=("indicator__plan", "indicator__order", "indicator__code", "org_unit__path"),
        select_related=("indicator__plan", "org_unit"),
    )
)

actuals = register(
    Registry(
        model=PlanActual,
        namespace="plans",
        url_prefix="actuals",
        name="actual",
        section=SECTION,
        filterset_class=PlanActualFilterSet,
        form_class=PlanActualForm,
        columns=[
            Column("indicator__name", label=gettext_lazy("indicator"), link=True),
            Column("indicator__code", label=gettext_lazy("indicator code"), url=indicator_url),
            Column("indicator__plan__name", label=gettext_lazy("plan"), url=plan_url),
            Column("org_unit__name", label=gettext_lazy("org unit"), order_by="org_unit__path"),
            Column("year"),
            Column("value"),
            Column("numerator", sortable=False),
            Column("denominator", sortable=False),
            Column("source", sortable=False),
            Column("note", sortable=False),
            Column("updated_at"),
        ],
        list_columns=["indicator__name", "indicator__code", "org_unit__name", "year", "value", "source"],
        default_ordering=("indicator__plan", "indicator__order", "indicator__code", "-year", "org_unit__path"),
        select_related=("indicator__plan", "org_unit"),
    )
)
