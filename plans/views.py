"""The plan's pages: the indicator table and an indicator's page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse


@login_required
def plan_table(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


@login_required
def indicator_page(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404
