"""Who is asking, and how often: the client address behind the trusted proxies, the API throttles and the
sign-in lock-outs that key on it."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from functools import lru_cache
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext
from rest_framework import throttling
from rest_framework.settings import api_settings

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def client_ip(request: Any) -> str:
    """The address that sent the request: REMOTE_ADDR, unless that is one of ``TRUSTED_PROXIES``; then the
    right-most X-Forwarded-For entry that is not a trusted proxy. Entries further left were written by the
    client itself and prove nothing, so a client rotating the header stays one address. Works on Django's and
    DRF's requests (both have ``META``). Empty when there is no address (a Unix socket)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if not _trusted(remote):
        return _valid(remote) or remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    nearest = remote
    for hop in reversed(hops):
        if not _trusted(hop):
            # A trusted proxy wrote this entry; if it is not an address, the proxy before it is the best we know.
            return _valid(hop) or nearest
        nearest = hop
    return nearest


class ClientThrottle(throttling.SimpleRateThrottle):
    """Keys anonymous callers on ``client_ip`` (DRF's own ``get_ident`` believes anyone's X-Forwarded-For), and
    reads the rates when a throttle is made rather than when DRF was imported, so a changed setting applies."""

    def get_ident(self, request: Any) -> str:
        return client_ip(request)

    def get_rate(self) -> str | None:
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES  # type: ignore[assignment]
        return super().get_rate()


class AnonRateThrottle(ClientThrottle, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(ClientThrottle, throttling.UserRateThrottle):
    pass


# --- Sign-in lock-outs (django-axes) ----------------------------------------------------------------------


class AxesHandler(AxesDatabaseHandler):
    """Two limits on failed sign-ins within the cool-off period: ``AXES_FAILURE_LIMIT`` for one user name from
    one address (AXES_LOCKOUT_PARAMETERS), and ``AXES_ADDRESS_FAILURE_LIMIT`` for one address whatever the user
    names (password spraying). Axes compares one number with one limit, so an address over its own limit
    counts as having reached the per-name limit. The address limit is kept outside AXES_LOCKOUT_PARAMETERS on
    purpose: there, a successful sign-in would wipe every counter of its address, so an attacker with one valid
    account, or a colleague behind the same gateway, would reset the count."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        failures: int = super().get_failures(request, credentials)
        from_address = (
            AccessAttempt.objects.filter(
                ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
            ).aggregate(total=Sum("failures_since_start"))["total"]
            or 0
        )
        if from_address >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return max(failures, int(get_failure_limit(request, credentials)))
        return failures


def lockout_message() -> str:
    """The one sentence a locked-out user reads, on the sign-in page and from the token endpoint."""
    cool_off = get_cool_off() or timedelta()
    minutes = max(1, round(cool_off.total_seconds() / 60))
    return gettext(
        "Sign-in is locked for %(minutes)s minutes after too many failed attempts. Try again later, or ask your "
        "administrator to reset your password."
    ) % {"minutes": minutes}


def lockout_seconds() -> int:
    return int((get_cool_off() or timedelta()).total_seconds())


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the lock-out page (429), or JSON for a script."""
    if request.headers.get("x-requested-with") == "XMLHttpRequest" or request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": lockout_message()}, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"lockout_message": lockout_message()}, status=429)
    response["Retry-After"] = str(lockout_seconds())
    return response
