"""FilterSets of the plan registries, shared by the list pages and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from talentportal.registry.filters import OrgUnitSubtreeFilter, ScopedFilterSet

from .models import Plan, PlanActual, PlanIndicator, PlanTarget


def year_filter(label: Any, **kwargs: Any) -> django_filters.NumberFilter:
    """A year typed or linked: a number a year can be (a far one finds nothing; a huge one is bad input)."""
    return django_filters.NumberFilter(label=label, min_value=1, max_value=9999, **kwargs)


class PlanFilterSet(ScopedFilterSet):
    search_fields = ("name", "description")
    org_unit = OrgUnitSubtreeFilter(label=_("drawn up by (incl. sub-units)"))
    year = year_filter(_("covers the year"), method="covering")

    class Meta:
        model = Plan
        fields = ["org_unit", "year"]

    def covering(self, qs: QuerySet[Any], name: str, value: int) -> QuerySet[Any]:
        return qs.filter(start_year__lte=value, end_year__gte=value)


class PlanIndicatorFilterSet(ScopedFilterSet):
    search_fields = ("code", "group", "name")
    plan = django_filters.NumberFilter(field_name="plan_id", label=_("plan"))
    bound = django_filters.BooleanFilter(method="bound_to_metric", label=_("counted from a registry metric"))

    class Meta:
        model = PlanIndicator
        fields = ["plan", "category", "direction", "bound"]

    def bound_to_metric(self, qs: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        return qs.exclude(metric="") if value else qs.filter(metric="")


class PlanTargetFilterSet(ScopedFilterSet):
    search_fields = ("indicator__code", "indicator__name", "org_unit__name")
    plan = django_filters.NumberFilter(field_name="indicator__plan_id", label=_("plan"))
    indicator = django_filters.NumberFilter(field_name="indicator_id", label=_("indicator"))
    org_unit = OrgUnitSubtreeFilter()

    class Meta:
        model = PlanTarget
        fields = ["plan", "indicator", "org_unit"]


class PlanActualFilterSet(ScopedFilterSet):
    search_fields = ("indicator__code", "indicator__name", "source", "note")
    plan = django_filters.NumberFilter(field_name="indicator__plan_id", label=_("plan"))
    indicator = django_filters.NumberFilter(field_name="indicator_id", label=_("indicator"))
    org_unit = OrgUnitSubtreeFilter()
    year = year_filter(_("year"))

    class Meta:
        model = PlanActual
        fields = ["plan", "indicator", "org_unit", "year"]
