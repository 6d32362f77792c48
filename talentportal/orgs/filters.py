from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from talentportal.registry.filters import OrgUnitSubtreeFilter, ScopedFilterSet

from .models import OrgUnit, Role, User


class OrgUnitFilterSet(ScopedFilterSet):
    search_fields = ("name", "code")
    org_unit = OrgUnitSubtreeFilter()

    class Meta:
        model = OrgUnit
        fields = ["kind", "is_active"]


class UserFilterSet(ScopedFilterSet):
    search_fields = ("username", "display_name", "email")
    org_unit = OrgUnitSubtreeFilter()
    role = django_filters.ChoiceFilter(field_name="membership__role", choices=Role.choices, label=_("role"))

    class Meta:
        model = User
        fields = ["is_active"]
