"""Sign-in events go to the audit log: successes, failures and lock-outs."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from talentportal.orgs.models import User
from talentportal.security import client_ip

from .models import Action, Source
from .services import Actor, record


def _actor(request: Any, user: User | None = None) -> Actor:
    if request is None:
        return Actor(user=user, source=Source.AUTH)
    return Actor(
        user=user,
        source=Source.AUTH,
        request_id=getattr(request, "request_id", ""),
        ip_address=client_ip(request) or None,
    )


def _user_named(username: str) -> Any:
    return get_user_model().objects.filter(username=username).select_related("membership").first()


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    record(_actor(request, user), Action.LOGIN, user)


@receiver(user_login_failed)
def on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    target = _user_named(username)
    record(_actor(request), Action.LOGIN_FAILED, target, username=username)


@receiver(user_locked_out)
def on_locked_out(sender: Any, request: Any, username: str, ip_address: str, **kwargs: Any) -> None:
    target = _user_named(username or "")
    record(_actor(request), Action.LOCKED_OUT, target, username=(username or "")[:150])
