"""FilterSets of the assessment's registries, shared by the list pages and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from talentportal.registry.filters import OrgUnitSubtreeFilter, ScopedFilterSet

from .models import Assessee, Event, Group, Indicator, Mark, Scheme, Submission, Target


class SchemeFilterSet(ScopedFilterSet):
    search_fields = ("name", "description")
    org_unit = OrgUnitSubtreeFilter(label=_("assessing office (incl. sub-units)"))
    group = django_filters.ChoiceFilter(choices=Group.choices, label=_("assessee group"))

    class Meta:
        model = Scheme
        fields = ["year", "group", "status", "org_unit"]


class IndicatorFilterSet(ScopedFilterSet):
    search_fields = ("code", "name")
    scheme = django_filters.NumberFilter(field_name="scheme_id", label=_("scheme"))
    parent = django_filters.NumberFilter(field_name="parent_id", label=_("parent indicator"))

    class Meta:
        model = Indicator
        fields = ["scheme", "level", "source", "parent", "evidence_required"]


class AssesseeFilterSet(ScopedFilterSet):
    search_fields = ("name", "key")
    scheme = django_filters.NumberFilter(field_name="scheme_id", label=_("scheme"))
    org_unit = OrgUnitSubtreeFilter(label=_("org unit (incl. sub-units)"))

    class Meta:
        model = Assessee
        fields = ["scheme", "kind", "excluded", "org_unit"]


class TargetFilterSet(ScopedFilterSet):
    search_fields = ("assessee__name", "indicator__code", "indicator__name")
    scheme = django_filters.NumberFilter(field_name="indicator__scheme_id", label=_("scheme"))
    indicator = django_filters.NumberFilter(field_name="indicator_id", label=_("indicator"))
    assessee = django_filters.NumberFilter(field_name="assessee_id", label=_("assessee"))

    class Meta:
        model = Target
        fields = ["scheme", "indicator", "assessee"]


class SubmissionFilterSet(ScopedFilterSet):
    search_fields = ("assessee__name", "assessee__key")
    scheme = django_filters.NumberFilter(field_name="assessee__scheme_id", label=_("scheme"))
    assessee = django_filters.NumberFilter(field_name="assessee_id", label=_("assessee"))

    class Meta:
        model = Submission
        fields = ["scheme", "status", "assessee"]


class MarkFilterSet(ScopedFilterSet):
    search_fields = ("submission__assessee__name", "indicator__code", "indicator__name")
    scheme = django_filters.NumberFilter(field_name="indicator__scheme_id", label=_("scheme"))
    submission = django_filters.NumberFilter(field_name="submission_id", label=_("submission"))
    indicator = django_filters.NumberFilter(field_name="indicator_id", label=_("indicator"))

    class Meta:
        model = Mark
        fields = ["scheme", "submission", "indicator"]


class EventFilterSet(ScopedFilterSet):
    search_fields = ("description", "key", "assessee__name")
    scheme = django_filters.NumberFilter(field_name="scheme_id", label=_("scheme"))
    assessee = django_filters.NumberFilter(field_name="assessee_id", label=_("assessee"))
    indicator = django_filters.NumberFilter(field_name="indicator_id", label=_("indicator"))

    class Meta:
        model = Event
        fields = ["scheme", "assessee", "indicator", "level", "status"]
