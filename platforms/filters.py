from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from talentportal.registry.filters import OrgUnitSubtreeFilter, ScopedFilterSet

from .models import Platform, PlatformYear, Residency


class PlatformFilterSet(ScopedFilterSet):
    search_fields = ("name", "code", "host_name", "host_enterprise__name", "city")
    org_unit = OrgUnitSubtreeFilter()
    recognized_year = django_filters.NumberFilter(
        field_name="recognized_on", lookup_expr="year", label=_("recognised in year")
    )

    class Meta:
        model = Platform
        fields = ["org_unit", "kind", "level", "location", "status", "star_rating", "recognized_year", "country"]


class PlatformYearFilterSet(ScopedFilterSet):
    search_fields = ("platform__name", "platform__code")
    org_unit = OrgUnitSubtreeFilter(path_field="platform__org_unit__path")
    platform = django_filters.NumberFilter(field_name="platform_id", label=_("platform"))

    class Meta:
        model = PlatformYear
        fields = ["org_unit", "year", "platform"]


class ResidencyFilterSet(ScopedFilterSet):
    search_fields = ("platform__name", "talent__name", "enterprise__name")
    org_unit = OrgUnitSubtreeFilter(path_field="platform__org_unit__path")
    platform = django_filters.NumberFilter(field_name="platform_id", label=_("platform"))
    talent = django_filters.NumberFilter(field_name="talent_id", label=_("talent"))
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("enterprise"))

    class Meta:
        model = Residency
        fields = ["org_unit", "platform", "talent", "enterprise"]
