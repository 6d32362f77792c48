from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from talentportal.registry.filters import AnyOfFilter, OrgUnitSubtreeFilter, ScopedFilterSet
from talentportal.registry.masking import ID

from .models import LANDED_OR_LATER, SELECTED_OR_LATER, Batch, Level, Program, Selection, Tranche


class ProgramFilterSet(ScopedFilterSet):
    search_fields = ("name", "short_name", "code")
    org_unit = OrgUnitSubtreeFilter(label=_("administering office (incl. sub-units)"))

    class Meta:
        model = Program
        fields = ["org_unit", "level", "category", "is_active"]


class BatchFilterSet(ScopedFilterSet):
    search_fields = ("program__name", "program__short_name", "program__code")
    program = django_filters.ModelChoiceFilter(queryset=Program.objects.all(), label=_("program"))

    class Meta:
        model = Batch
        fields = ["program", "year", "status"]


class SelectionFilterSet(ScopedFilterSet):
    search_fields = ("talent__name", "team__name", "employer__name")
    personal_search_fields = {"talent__id_number": ID, "team__leader__id_number": ID}
    org_unit = OrgUnitSubtreeFilter(label=_("recommending unit (incl. sub-units)"))
    program = django_filters.ModelChoiceFilter(
        field_name="batch__program", queryset=Program.objects.all(), label=_("program")
    )
    batch = django_filters.NumberFilter(field_name="batch_id", label=_("batch"))
    year = django_filters.NumberFilter(field_name="batch__year", label=_("batch year"))
    level = AnyOfFilter(field_name="batch__program__level", choices=Level.choices, label=_("level"))
    category = AnyOfFilter(
        field_name="batch__program__category", choices=Program.Category.choices, label=_("program category")
    )
    decided_year = django_filters.NumberFilter(field_name="decided_on", lookup_expr="year", label=_("decided in year"))
    exited_year = django_filters.NumberFilter(
        method="filter_exited_year", label=_("exited in year"), min_value=1, max_value=9999
    )
    talent = django_filters.NumberFilter(field_name="talent_id", label=_("talent"))
    team = django_filters.NumberFilter(field_name="team_id", label=_("team"))
    reached = django_filters.ChoiceFilter(
        method="filter_reached",
        label=_("reached"),
        choices=[
            ("selected", _("Selected (incl. later stages and exits)")),
            ("landed", _("Landed (incl. later stages)")),
        ],
    )

    class Meta:
        model = Selection
        fields = [
            "program",
            "batch",
            "year",
            "level",
            "category",
            "status",
            "reached",
            "decided_year",
            "exited_year",
            "org_unit",
            "talent",
            "team",
        ]

    def filter_exited_year(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return qs.exited_in(int(value)) if value is not None else qs  # type: ignore[attr-defined]

    def filter_reached(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return qs.filter(status__in={"selected": SELECTED_OR_LATER, "landed": LANDED_OR_LATER}.get(value, []))


class TrancheFilterSet(ScopedFilterSet):
    search_fields = ("selection__talent__name", "selection__team__name", "voucher_no")
    personal_search_fields = {"selection__talent__id_number": ID}
    org_unit = OrgUnitSubtreeFilter(label=_("recommending unit (incl. sub-units)"))
    program = django_filters.ModelChoiceFilter(
        field_name="selection__batch__program", queryset=Program.objects.all(), label=_("program")
    )
    batch = django_filters.NumberFilter(field_name="selection__batch_id", label=_("batch"))
    selection = django_filters.NumberFilter(field_name="selection_id", label=_("selection"))
    recommender = django_filters.NumberFilter(
        field_name="selection__org_unit_id", label=_("recommending unit (this unit only)")
    )
    cancelled = django_filters.BooleanFilter(method="filter_cancelled", label=_("cancelled"))
    year = django_filters.NumberFilter(field_name="selection__batch__year", label=_("batch year"))
    paid_year = django_filters.NumberFilter(field_name="paid_on", lookup_expr="year", label=_("paid in year"))
    planned_year = django_filters.NumberFilter(field_name="planned_on", lookup_expr="year", label=_("planned for year"))
    approved = django_filters.BooleanFilter(method="filter_approved", label=_("approved or paid"))
    due_within = django_filters.NumberFilter(
        method="filter_due", label=_("due within (days)"), min_value=0, max_value=36500
    )

    class Meta:
        model = Tranche
        fields = [
            "program",
            "batch",
            "year",
            "status",
            "condition",
            "org_unit",
            "paid_year",
            "planned_year",
            "approved",
            "due_within",
            "cancelled",
            "selection",
            "recommender",
        ]

    def filter_cancelled(self, qs: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if value is None:
            return qs
        cancelled = Q(status=Tranche.Status.CANCELLED)
        return qs.filter(cancelled) if value else qs.exclude(cancelled)

    def filter_approved(self, qs: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if value is None:
            return qs
        approved = Q(status__in=[Tranche.Status.APPROVED, Tranche.Status.PAID])
        return qs.filter(approved) if value else qs.exclude(approved)

    def filter_due(self, qs: QuerySet[Any], name: str, value: int | None) -> QuerySet[Any]:
        return qs.due_within(int(value)) if value is not None else qs  # type: ignore[attr-defined]
