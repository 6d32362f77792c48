from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from talentportal.orgs.models import is_admin
from talentportal.registry.http import HtmxHttpRequest

from .filters import AuditFilterSet
from .models import AuditEntry


@login_required
def audit_search(request: HtmxHttpRequest) -> HttpResponse:
    """Admins search the change log of their scope: who changed what, when, through which door."""
    if not is_admin(request.user):
        raise PermissionDenied
    entries = AuditEntry.objects.for_user(request.user).select_related("user", "content_type", "org_unit")
    filterset = AuditFilterSet(request.GET or None, queryset=entries, request=request)
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else entries
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {"filterset": filterset, "page": page, "query": params.urlencode(), "section": "admin"}
    template = "audit/audit_search.html#results" if request.htmx else "audit/audit_search.html"
    return render(request, template, context)
