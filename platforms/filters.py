from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from talentportal.registry.filters import AnyOfFilter, OrgUnitSubtreeFilter, ScopedFilterSet
from talentportal.registry.masking import ID

from .models import Platform, PlatformYear, Residency


class PlatformFilterSet(ScopedFilterSet):
    search_fields = ("name", "code", "host_name", "host_enterprise__name", "city")
    org_unit = OrgUnitSubtreeFilter()
    recognized_year = django_filters.NumberFilter(
        field_name="recognized_on", lookup_expr="year", label=_("recognised in year")
    )
    kind = AnyOfFilter(choices=Platform.Kind.choices, label=_("kind"))
    level_at_least = django_filters.ChoiceFilter(
        method="filter_level_at_least", choices=Platform.Level.choices, label=_("level at or above")
    )
    active_year = django_filters.NumberFilter(
        method="filter_active_year", label=_("active at the end of year"), min_value=1, max_value=9999
    )

    class Meta:
        model = Platform
        fields = [
            "org_unit",
            "kind",
            "level",
            "level_at_least",
            "active_year",
            "location",
            "status",
            "star_rating",
            "recognized_year",
            "country",
            "city",
        ]

    def filter_level_at_least(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return qs.at_least(value) if value else qs  # type: ignore[attr-defined]

    def filter_active_year(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return qs.active_at(datetime.date(int(value), 12, 31)) if value is not None else qs  # type: ignore[attr-defined]


class PlatformYearFilterSet(ScopedFilterSet):
    search_fields = ("platform__name", "platform__code")
    org_unit = OrgUnitSubtreeFilter()
    platform = django_filters.NumberFilter(field_name="platform_id", label=_("platform"))

    class Meta:
        model = PlatformYear
        fields = ["org_unit", "year", "platform"]


class ResidencyFilterSet(ScopedFilterSet):
    search_fields = ("platform__name", "talent__name", "enterprise__name")
    personal_search_fields = {"talent__id_number": ID}
    org_unit = OrgUnitSubtreeFilter()
    platform = django_filters.NumberFilter(field_name="platform_id", label=_("platform"))
    talent = django_filters.NumberFilter(field_name="talent_id", label=_("talent"))
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("enterprise"))
    platform_kind = django_filters.ChoiceFilter(
        field_name="platform__kind", choices=Platform.Kind.choices, label=_("platform kind")
    )
    resident_type = django_filters.ChoiceFilter(
        method="filter_resident_type",
        choices=[("talent", _("talent")), ("enterprise", _("enterprise"))],
        label=_("resident"),
    )
    ended = django_filters.BooleanFilter(field_name="until", lookup_expr="isnull", exclude=True, label=_("ended"))

    class Meta:
        model = Residency
        fields = ["org_unit", "platform", "talent", "enterprise", "platform_kind", "resident_type", "ended"]

    def filter_resident_type(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return qs.filter(**{f"{value}__isnull": False}) if value in ("talent", "enterprise") else qs
