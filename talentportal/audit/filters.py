from __future__ import annotations

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from talentportal.registry.filters import OrgUnitSubtreeFilter, ScopedFilterSet

from .models import Action, AuditEntry, Source


class AuditFilterSet(ScopedFilterSet):
    search_fields = ("object_repr", "username", "request_id")
    org_unit = OrgUnitSubtreeFilter()
    action = django_filters.ChoiceFilter(choices=Action.choices, label=_("action"))
    source = django_filters.ChoiceFilter(choices=Source.choices, label=_("source"))
    content_type = django_filters.ModelChoiceFilter(
        queryset=ContentType.objects.filter(
            app_label__in=["orgs", "talents", "programs", "platforms", "assessments", "plans"]
        ).exclude(app_label="talents", model="talenttally"),  # kept by the database, never written by a user
        label=_("record type"),
    )
    since = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label=_("from"))
    until = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label=_("to"))

    class Meta:
        model = AuditEntry
        fields = ["username"]

    def touched_by_import(self, qs: QuerySet[AuditEntry], name: str, value: int) -> QuerySet[AuditEntry]:
        """On the log itself, an import's link means the entries its apply wrote."""
        from talentportal.jobs.models import Import

        return qs.filter(job__in=Import.objects.filter(pk=value).values("apply_job"))
