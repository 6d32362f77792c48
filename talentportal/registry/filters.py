"""FilterSet base shared by list pages and the API: scoped choices, free-text search, subtree filter."""

from __future__ import annotations

import re
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from talentportal.orgs.models import OrgScopedQuerySet, OrgUnit

from .masking import could_be, may_reveal, personal_match, search_term

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser

# The largest id a database key holds (a bigint); larger numbers in a query are bad input, not a lookup.
MAX_ID = 2**63 - 1
# A phone or ID number, however it was grouped with spaces.
LONG_NUMBER = re.compile(r"[0-9]{10,17}[0-9X]")


class FastSelect(forms.Select):
    """A select rendered in one pass: Django's per-option templates cost ~0.15 ms an option, which adds up
    when a filter lists every org unit of a province."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        chosen = {str(v) for v in (value if isinstance(value, list | tuple) else [value]) if v not in (None, "")}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((key, " selected" if str(key) in chosen else "", label) for key, label in self.choices),
        )
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}</select>', name, attributes, options)


class AnyOfSelect(FastSelect):
    """A select that reads every value given for its name (``?tier=a&tier=b``: the links the assessment's
    figures lead to) and shows them chosen; one value, as the filter bar sends it, reads as before."""

    allow_multiple_selected = True

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        getter = getattr(data, "getlist", None)
        chosen = getter(name) if getter else [data.get(name)]
        return [value for value in chosen if value not in (None, "")]

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        several = isinstance(value, list | tuple) and len(value) > 1
        return super().render(name, value, {**(attrs or {}), **({"multiple": True} if several else {})}, renderer)


class AnyOfFilter(django_filters.MultipleChoiceFilter):
    """Records whose field takes any of the values given (one value or several)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.STR)
class OrgUnitSubtreeFilter(django_filters.ModelChoiceFilter):
    """``org_unit=CODE``: the unit and everything below it, along the model's own path to its unit (its
    QuerySet's ``org_path_field``). Choices are limited to the user's scope."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("queryset", OrgUnit.objects.none())
        kwargs.setdefault("label", _("org unit (incl. sub-units)"))
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet[Any], value: OrgUnit | None) -> QuerySet[Any]:
        assert isinstance(qs, OrgScopedQuerySet), f"{qs.model.__name__} is not scoped by org unit"
        return qs.in_subtree(value) if value else qs


class ScopedFilterSet(django_filters.FilterSet):
    """Subclasses set ``search_fields``; every ModelChoiceFilter on an org-owned model is scoped to the user."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    # The rows one roster import created or changed (the import page links here).
    import_job = django_filters.NumberFilter(
        method="touched_by_import", label=_("import"), widget=forms.HiddenInput, min_value=1, max_value=MAX_ID
    )
    search_fields: tuple[str, ...] = ()
    # Personal fields the search reaches (path → ``masking.ID``, ``PHONE`` or ``EMAIL``), matched by
    # ``personal_match``: by what the mask shows, unless the user may reveal them.
    personal_search_fields: dict[str, str] = {}

    def __init__(
        self,
        data: Any = None,
        queryset: Any = None,
        *,
        request: Any = None,
        prefix: Any = None,
        user: AnyUser | None = None,
    ) -> None:
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.user = user if user is not None else getattr(request, "user", None)
        for f in self.filters.values():
            # A form field built on the class's own filters (the OpenAPI schema reads ``base_filters[…].field``)
            # is copied into every instance: it would carry that request's language, "---------" and unscoped
            # choices into every later page. Each filterset builds its fields afresh.
            f.__dict__.pop("_field", None)
            if isinstance(f, django_filters.NumberFilter) and (f.field_name or "").endswith("_id"):
                # Filters by a record's id come from links ("this batch's tranches"), not from typing; an id no
                # database key can hold is refused as bad input.
                f.extra.update(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
            if isinstance(f, django_filters.NumberFilter) and f.lookup_expr == "year":
                f.extra.update(min_value=1, max_value=9999)  # the years a date can have
            if isinstance(f, django_filters.BooleanFilter):
                f.extra["widget"] = forms.Select(choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))])
            if isinstance(f, django_filters.ChoiceFilter | django_filters.ModelChoiceFilter):
                f.extra["empty_label"] = _("All")
                f.extra["widget"] = FastSelect
            if isinstance(f, AnyOfFilter):
                f.extra["choices"] = [("", _("All")), *f.extra["choices"]]
                f.extra["widget"] = AnyOfSelect
            if isinstance(f, django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter):
                manager = f.extra.get("queryset")
                model = getattr(manager, "model", None)
                if model is not None and hasattr(model.objects, "for_user") and self.user is not None:
                    f.extra["queryset"] = model.objects.for_user(self.user)
                    if hasattr(f, "queryset"):
                        f.queryset = f.extra["queryset"]

    def touched_by_import(self, qs: QuerySet[Any], name: str, value: int) -> QuerySet[Any]:
        from django.contrib.contenttypes.models import ContentType
        from django.db.models import BigIntegerField
        from django.db.models.functions import Cast

        from talentportal.audit.models import AuditEntry
        from talentportal.jobs.models import Import

        imports = Import.objects.for_user(self.user) if self.user is not None else Import.objects.none()
        job = imports.filter(pk=value).values_list("apply_job_id", flat=True).first()
        if job is None:
            return qs.none()
        touched = (
            AuditEntry.objects.filter(job_id=job, content_type=ContentType.objects.get_for_model(qs.model))
            .annotate(record=Cast("object_id", BigIntegerField()))
            .values("record")
        )
        return qs.filter(pk__in=touched)

    def search_terms(self, value: str) -> list[str]:
        """The words searched for (five at most); a number typed in groups (``330402 19850601 1234``) is one."""
        compact = search_term(value)
        if len(value.split()) > 1 and LONG_NUMBER.fullmatch(compact):
            return [compact]
        return value.split()[:5]

    def personal_matches(self, term: str, fields: dict[str, str] | None = None) -> Q:
        full = self.user is not None and may_reveal(self.user)
        found = Q(pk__in=[])
        for path, kind in (self.personal_search_fields if fields is None else fields).items():
            if fields is None and not could_be(kind, term):
                continue  # the free-text search: only what the term could be part of
            found |= personal_match(path, kind, term, full)
        return found

    def filter_personal(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        """A filter on one personal field (``?id_number=``): the search's rule for that field alone."""
        field = self.filters[name].field_name or name
        return qs.filter(self.personal_matches(value, {field: self.personal_search_fields[field]}))

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        for term in self.search_terms(value):
            text = [Q(**{f"{field}__icontains": term}) for field in self.search_fields]
            qs = qs.filter(reduce(or_, text, self.personal_matches(term)))
        return qs
