"""The portal's own error pages in every mode, debug included."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import Resolver404, get_resolver, resolve

log = logging.getLogger("django.request")


class ErrorPagesMiddleware:
    """With DEBUG on (as `make run` has it), Django answers a 404 or 500 with its English technical page,
    listing the URLconf or the settings. A user following a link to a record outside their scope must see the
    portal's page in their language whatever the mode, so in debug the URLconf's handlers answer as they do in
    production, and the traceback of a 500 goes to the log for the developer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.DEBUG:
            # An address no URL pattern matches fails before any view runs, so process_exception never sees it.
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exc:
                return error_page(request, 404, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not settings.DEBUG:
            return None  # Django calls the same handlers itself
        if isinstance(exception, Http404):
            return error_page(request, 404, exception)
        if isinstance(exception, PermissionDenied):
            return error_page(request, 403, exception)
        if isinstance(exception, BadRequest | SuspiciousOperation | MultiPartParserError):
            log.warning("Bad request: %s", request.path, exc_info=exception, extra={"request": request})
            return error_page(request, 400, exception)
        log.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"status_code": 500, "request": request},
        )
        return error_page(request, 500, exception)


def error_page(request: HttpRequest, status: int, exception: Exception) -> HttpResponse:
    """The answer of the URLconf's ``handler<status>``, as Django gives it when DEBUG is off."""
    handler: Callable[..., HttpResponse] = get_resolver(getattr(request, "urlconf", None)).resolve_error_handler(status)
    return handler(request) if status == 500 else handler(request, exception)


class ContentSecurityPolicyMiddleware:
    """Sends ``SECURE_CSP`` as the Content-Security-Policy of every HTML page. Django 5.2 has no CSP of its own;
    the setting has the shape of Django 6.0's ``SECURE_CSP`` (directive → sources), so its middleware can take
    over on upgrade. Every script and style is a file under static/ (government intranets load nothing from
    elsewhere), so the policy allows no inline script, no inline style and no other host."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy: dict[str, list[str]] = settings.SECURE_CSP
        if policy and response.get("Content-Type", "").startswith("text/html"):
            response.headers.setdefault(
                "Content-Security-Policy",
                "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items()),
            )
        return response
