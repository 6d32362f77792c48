from __future__ import annotations

from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware


class PortalLocaleMiddleware(LocaleMiddleware):
    """Pages speak Chinese unless the user picked another language with the switcher (a cookie).

    Office computers often run an English browser; the portal still opens in Chinese. API clients keep
    choosing their language with Accept-Language.
    """

    def process_request(self, request: HttpRequest) -> None:
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)
