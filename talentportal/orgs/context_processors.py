from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import can_write, is_admin, role_of, unit_of


def access(request: HttpRequest) -> dict[str, Any]:
    """What the layout needs to know about the user: their unit, role and what they may do."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role = role_of(user)
    return {
        "user_unit": unit_of(user),
        "user_role": role,
        "user_can_write": can_write(user),
        "user_is_admin": is_admin(user),
    }
