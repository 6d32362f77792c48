from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from talentportal.registry.filters import OrgUnitSubtreeFilter, ScopedFilterSet
from talentportal.registry.masking import EMAIL, ID, PHONE

from .models import Enterprise, EnterpriseYear, Industry, ServiceRequest, Talent, Team

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

    class Meta:
        model = Enterprise
        fields = ["org_unit", "industry", "listing", "is_talent_enterprise", "contact_phone"]


class EnterpriseYearFilterSet(ScopedFilterSet):
    search_fields = ("enterprise__name", "enterprise__credit_code")
    org_unit = OrgUnitSubtreeFilter()
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("enterprise"))
    industry = django_filters.ChoiceFilter(
        field_name="enterprise__industry", choices=Industry.choices, label=_("industry")
    )

    class Meta:
        model = EnterpriseYear
        fields = ["org_unit", "year", "enterprise", "industry"]


class TeamFilterSet(ScopedFilterSet):
    search_fields = ("name", "leader__name", "employer__name")
    personal_search_fields = {"leader__id_number": ID}
    org_unit = OrgUnitSubtreeFilter()

    class Meta:
        model = Team
        fields = ["org_unit", "industry"]


class ServiceRequestFilterSet(ScopedFilterSet):
    search_fields = ("talent__name", "description")
    org_unit = OrgUnitSubtreeFilter()
    talent = django_filters.NumberFilter(field_name="talent_id", label=_("talent"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("overdue"))

    class Meta:
        model = ServiceRequest
        fields = ["org_unit", "status", "kind", "talent", "overdue"]

    def filter_overdue(self, qs: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if value is None:
            return qs
        overdue = ServiceRequest.objects.overdue_condition()
        return qs.filter(overdue) if value else qs.exclude(overdue)
