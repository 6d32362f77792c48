from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from talentportal.orgs.models import is_admin
from talentportal.registry.base import REGISTRIES
from talentportal.registry.http import HtmxHttpRequest
from talentportal.registry.views import CappedPaginator, link_filters

from .filters import AuditFilterSet
from .models import Action, AuditEntry

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser

PAGE_SIZE = 50
# Field names an update's summary lists before the rest is left to the folded diff.
SUMMARY_FIELDS = 3


@login_required
def audit_search(request: HtmxHttpRequest) -> HttpResponse:
    """Admins search the change log of their scope: who changed what, when, through which door. One line per
    entry; the field-level diff (a created record lists every field) unfolds on request."""
    if not is_admin(request.user):
        raise PermissionDenied
    entries = AuditEntry.objects.for_user(request.user).select_related("user", "content_type", "org_unit")
    filterset = AuditFilterSet(request.GET or None, queryset=entries, request=request)
    # An invalid filter (a far date, a unit outside the scope) matches nothing; the form says why.
    rows = entries if not filterset.is_bound else filterset.qs if filterset.is_valid() else entries.none()
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    links = record_links(request.user, page.object_list)
    for item in page.object_list:
        item.summary = summary(item)
        item.record_url = links.get((item.content_type_id, item.object_id))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "filterset": filterset,
        "page": page,
        "query": params.urlencode(),
        "link_filters": link_filters(filterset, params),
        "section": "admin",
    }
    template = "audit/audit_search.html#results" if request.htmx else "audit/audit_search.html"
    return render(request, template, context)


def record_links(user: AnyUser, entries: Any) -> dict[tuple[int, str], str]:
    """The detail page of each entry's record that still exists and is in the user's scope: one query per kind
    of record on the page, whatever the number of entries."""
    wanted: dict[int, set[int]] = defaultdict(set)
    kinds = {}
    for item in entries:
        if item.content_type_id and item.object_id.isdigit():
            wanted[item.content_type_id].add(int(item.object_id))
            kinds[item.content_type_id] = item.content_type
    links = {}
    for type_id, ids in wanted.items():
        model = kinds[type_id].model_class()
        registry = REGISTRIES.get(model._meta.label_lower) if model is not None else None
        if registry is None:
            continue
        found = registry.for_user(user).filter(pk__in=ids).prefetch_related(None).values_list("pk", flat=True)
        for pk in found:
            links[(type_id, str(pk))] = reverse(registry.url_name("detail"), args=[pk])
    return links


def summary(item: AuditEntry) -> str:
    """What the entry changed, in a few words: "Changed 3 fields: name, phone, tier", "New record, 12 fields"."""
    if item.action == Action.REVEAL:
        text = "{}: {}".format(_("Shown in full"), "、".join(item.revealed_labels()))
        rows = item.changes.get("rows")
        if isinstance(rows, int) and rows:
            text += " · " + ngettext("%(counter)s row", "%(counter)s rows", rows) % {"counter": rows}
        return text
    if not item.changes:
        return ""
    count = len(item.changes)
    if item.action == Action.CREATE:
        return ngettext("New record, %(count)d field", "New record, %(count)d fields", count) % {"count": count}
    if item.action == Action.DELETE:
        return ngettext("Removed, %(count)d field", "Removed, %(count)d fields", count) % {"count": count}
    model = item.content_type.model_class() if item.content_type else None
    labels = [field_label(model, name) for name in list(item.changes)[:SUMMARY_FIELDS]]
    more = "…" if count > SUMMARY_FIELDS else ""
    return ngettext("Changed %(count)d field: %(fields)s", "Changed %(count)d fields: %(fields)s", count) % {
        "count": count,
        "fields": pgettext("list separator", ", ").join(labels) + more,
    }


def field_label(model: Any, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name) if model is not None else name
    except (FieldDoesNotExist, AttributeError):  # a field removed since, or a relation without a label
        return name
