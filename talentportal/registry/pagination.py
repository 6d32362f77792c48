"""API pagination: ``count``, ``next``, ``previous``, ``results``, with the count capped on huge lists."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from .filters import MAX_ID


class Pagination(PageNumberPagination):
    """Page-number pagination that never counts more than ``cap`` rows.

    Counting a million rows on every request would cost more than the page itself. Up to ``cap`` the count is
    exact; beyond, ``count`` is ``cap`` and ``count_capped`` is true. ``next`` comes from fetching one row
    more than the page, so clients can still walk every page.
    """

    page_size_query_param = "page_size"
    max_page_size = 500
    cap = 10_000

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        self.request = request
        size = self.get_page_size(request) or 50
        try:
            self.number = int(request.query_params.get(self.page_query_param, 1))
            offset = (self.number - 1) * size
            # No database takes an OFFSET past a bigint (PostgreSQL: "bigint out of range").
            if self.number < 1 or offset > MAX_ID:
                raise ValueError
        except ValueError as exc:
            raise NotFound(_("Invalid page.")) from exc
        rows = list(queryset[offset : offset + size + 1])
        if not rows and self.number > 1:
            raise NotFound(_("Invalid page."))
        self.has_next = len(rows) > size
        # Past the cap the page itself proves there are more rows than the cap: no need to count.
        counted = queryset[: self.cap + 1].count() if offset < self.cap else self.cap + 1
        self.capped = counted > self.cap
        self.count = min(counted, self.cap)
        return rows[:size]

    def get_next_link(self) -> str | None:
        if not self.has_next or self.request is None:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.page_query_param, self.number + 1)

    def get_previous_link(self) -> str | None:
        if self.number <= 1 or self.request is None:
            return None
        url = self.request.build_absolute_uri()
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "count": self.count,
                "count_capped": self.capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        result = super().get_paginated_response_schema(schema)
        result["properties"]["count_capped"] = {"type": "boolean", "example": False}
        return result
