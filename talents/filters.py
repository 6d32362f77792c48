from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.apps import apps
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from talentportal.registry.filters import AnyOfFilter, OrgUnitSubtreeFilter, ScopedFilterSet
from talentportal.registry.masking import EMAIL, ID, PHONE

from .models import Enterprise, EnterpriseYear, Industry, ServiceRequest, ServiceRequestQuerySet, Talent, Team

# Programs build on the talents (a selection names a talent): their models are named here, not imported.
Program: Any = apps.get_model("programs", "Program")
Selection: Any = apps.get_model("programs", "Selection")

ID_SUFFIX = re.compile(r"^[0-9Xx]{4,18}$")
TALENT_PERSONAL_FIELDS = {"id_number": ID, "phone": PHONE, "email": EMAIL}


def personal_filter(name: str, label: Any) -> django_filters.CharFilter:
    """``?id_number=``, ``?phone=``…: matched as the search matches that field (see ``personal_match``)."""
    return django_filters.CharFilter(field_name=name, method="filter_personal", label=label, widget=forms.HiddenInput)


CREDIT_CODE = re.compile(r"^[0-9A-Za-z]{18}$")


EMPLOYER_IDS_INLINE = 5000


def employer_matches(term: str) -> Q:
    """Talents whose employing enterprise matches by name or credit code.

    The matching enterprises are looked up first and passed as a list: inside an OR, PostgreSQL can then
    combine the index on ``employer_id`` with the name indexes (a sub-select there forces a scan of every
    talent). Very broad terms fall back to the sub-select.
    """
    by_name = Q(name__icontains=term) if len(term) >= 3 else Q(name__startswith=term)
    enterprises = Enterprise.objects.filter(by_name | Q(credit_code=term.upper())).values_list("id", flat=True)
    ids = list(enterprises[: EMPLOYER_IDS_INLINE + 1])
    if len(ids) > EMPLOYER_IDS_INLINE:
        return Q(employer_id__in=enterprises)
    return Q(employer_id__in=ids) if ids else Q(pk__in=[])


class TalentFilterSet(ScopedFilterSet):
    personal_search_fields = TALENT_PERSONAL_FIELDS
    org_unit = OrgUnitSubtreeFilter()
    id_number = personal_filter("id_number", _("ID number"))
    phone = personal_filter("phone", _("mobile phone"))
    email = personal_filter("email", _("e-mail"))
    category = AnyOfFilter(choices=Talent.Category.choices, label=_("talent category"))
    tier = AnyOfFilter(choices=Talent.Tier.choices, label=_("talent tier"))
    recruitment_mode = AnyOfFilter(choices=Talent.RecruitmentMode.choices, label=_("recruitment mode"))
    landed_year = django_filters.NumberFilter(field_name="landed_on", lookup_expr="year", label=_("landed in year"))
    program = django_filters.ModelChoiceFilter(
        queryset=Program.objects.all(), method="filter_selection", label=_("talent program")
    )
    selection_status = django_filters.ChoiceFilter(
        choices=Selection._meta.get_field("status").choices, method="filter_selection", label=_("status in the program")
    )

    class Meta:
        model = Talent
        fields = [
            "org_unit",
            "category",
            "tier",
            "industry",
            "highest_degree",
            "recruitment_mode",
            "is_returnee",
            "landed_year",
            "program",
            "selection_status",
            "id_number",
            "phone",
            "email",
        ]

    def filter_selection(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        """Talents with a selection matching both the program and the status asked for (the same selection)."""
        data = self.form.cleaned_data
        if self.user is None:
            return qs.none()
        matching = Selection.objects.for_user(self.user).filter(talent__isnull=False)
        if data.get("program"):
            matching = matching.filter(batch__program=data["program"])
        if data.get("selection_status"):
            matching = matching.filter(status=data["selection_status"])
        return qs.filter(id__in=matching.values("talent_id"))

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        """Name (from its start), an employer's name or credit code; the ID number, phone or e-mail address as
        ``personal_match`` allows the user (a number by its last four characters or in full, for readers)."""
        for term in self.search_terms(value):
            personal = self.personal_matches(term)
            if ID_SUFFIX.match(term):
                qs = qs.filter(personal)
            elif CREDIT_CODE.match(term):
                qs = qs.filter(employer_matches(term) | personal)
            else:
                text = Q(employer_name__icontains=term) if len(term) >= 3 else Q(employer_name__startswith=term)
                qs = qs.filter(Q(name__startswith=term) | text | employer_matches(term) | personal)
        return qs


class EnterpriseFilterSet(ScopedFilterSet):
    search_fields = ("name", "credit_code", "contact_name")
    personal_search_fields = {"contact_phone": PHONE}
    org_unit = OrgUnitSubtreeFilter()
    contact_phone = personal_filter("contact_phone", _("contact phone"))
    listed = django_filters.BooleanFilter(field_name="listing", method="filter_listed", label=_("listed (any market)"))

    class Meta:
        model = Enterprise
        fields = ["org_unit", "industry", "listing", "is_talent_enterprise", "listed", "contact_phone"]

    def filter_listed(self, qs: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if value is None:
            return qs
        unlisted = Q(listing=Enterprise.Listing.NONE)
        return qs.exclude(unlisted) if value else qs.filter(unlisted)


class EnterpriseYearFilterSet(ScopedFilterSet):
    search_fields = ("enterprise__name", "enterprise__credit_code")
    org_unit = OrgUnitSubtreeFilter()
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("enterprise"))
    industry = django_filters.ChoiceFilter(
        field_name="enterprise__industry", choices=Industry.choices, label=_("industry")
    )
    talent_enterprise = django_filters.BooleanFilter(
        field_name="enterprise__is_talent_enterprise", label=_("talent-founded enterprise")
    )
    min_revenue = django_filters.NumberFilter(
        field_name="revenue", lookup_expr="gte", label=_("revenue at least (10k yuan)"), min_value=0
    )

    class Meta:
        model = EnterpriseYear
        fields = ["org_unit", "year", "enterprise", "industry", "talent_enterprise", "min_revenue"]


class TeamFilterSet(ScopedFilterSet):
    search_fields = ("name", "leader__name", "employer__name")
    personal_search_fields = {"leader__id_number": ID}
    org_unit = OrgUnitSubtreeFilter()
    landed_year = django_filters.NumberFilter(
        field_name="leader__landed_on", lookup_expr="year", label=_("leader landed in year")
    )

    class Meta:
        model = Team
        fields = ["org_unit", "industry", "landed_year"]


class ServiceRequestFilterSet(ScopedFilterSet):
    search_fields = ("talent__name", "description")
    org_unit = OrgUnitSubtreeFilter()
    talent = django_filters.NumberFilter(field_name="talent_id", label=_("talent"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("overdue"))
    resolved_year = django_filters.NumberFilter(
        field_name="resolved_on", lookup_expr="year", label=_("resolved or declined in year")
    )
    overdue_year = django_filters.NumberFilter(
        method="filter_overdue_year", label=_("overdue in year"), min_value=1, max_value=9998
    )
    open_year = django_filters.NumberFilter(
        method="filter_open_year", label=_("open at the end of year"), min_value=1, max_value=9998
    )
    due_days = django_filters.NumberFilter(
        method="filter_overdue_year", label=_("days allowed to resolve"), min_value=0, max_value=36500
    )

    class Meta:
        model = ServiceRequest
        fields = [
            "org_unit",
            "status",
            "kind",
            "talent",
            "overdue",
            "resolved_year",
            "open_year",
            "overdue_year",
            "due_days",
        ]

    def filter_overdue_year(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        """Overdue in the year (``ServiceRequestQuerySet.overdue_in``), against ``due_days`` when given."""
        data = self.form.cleaned_data
        if name != "overdue_year" or data.get("overdue_year") is None:
            return qs
        days = data.get("due_days")
        year = int(data["overdue_year"])
        assert isinstance(qs, ServiceRequestQuerySet)
        return qs.overdue_in(year, settings.SERVICE_REQUEST_DUE_DAYS if days is None else int(days))

    def filter_open_year(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        assert isinstance(qs, ServiceRequestQuerySet)
        return qs.open_at_end_of(int(value)) if value is not None else qs

    def filter_overdue(self, qs: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if value is None:
            return qs
        overdue = ServiceRequest.objects.overdue_condition()
        return qs.filter(overdue) if value else qs.exclude(overdue)
