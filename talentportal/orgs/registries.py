"""The org unit and user registries: their pages, API and exports."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from talentportal.audit.services import snapshot
from talentportal.registry.base import Column, Registry, Tab, register

from .filters import OrgUnitFilterSet, UserFilterSet
from .forms import OrgUnitForm, UserForm
from .models import OrgUnit, User, is_admin


def user_snapshot(user: User) -> dict[str, Any]:
    """The account as audited: its own fields plus where it belongs and with which role."""
    data = snapshot(user)
    membership = getattr(user, "membership", None)
    data["org_unit"] = str(membership.org_unit) if membership else None
    data["role"] = membership.get_role_display() if membership else None
    return data


def units_context(request: HttpRequest, unit: OrgUnit) -> dict[str, Any]:
    return {
        "children": OrgUnit.objects.for_user(request.user).filter(parent=unit),
        "members": User.objects.for_user(request.user).filter(membership__org_unit=unit).select_related("membership"),
    }


org_units = register(
    Registry(
        model=OrgUnit,
        namespace="orgs",
        url_prefix="units",
        name="orgunit",
        section="admin",
        filterset_class=OrgUnitFilterSet,
        form_class=OrgUnitForm,
        columns=[
            Column("code", link=True, order_by="path"),
            Column("name", link=True),
            Column("kind"),
            Column("parent__name", label=gettext_lazy("parent unit"), order_by="parent__name"),
            Column("is_active"),
        ],
        detail_fields=["code", "name", "kind", "parent__name", "path", "is_active", "created_at", "updated_at"],
        own_tabs=[Tab("structure", gettext_lazy("Sub-units and members"), "orgs/_unit_structure.html", units_context)],
        default_ordering=("path",),
        select_related=("parent",),
        can_create=is_admin,
    )
)


def user_role(user: User) -> str:
    membership = getattr(user, "membership", None)
    return membership.get_role_display() if membership else ""


users = register(
    Registry(
        model=User,
        namespace="orgs",
        url_prefix="users",
        name="user",
        section="admin",
        filterset_class=UserFilterSet,
        form_class=UserForm,
        columns=[
            Column("username", link=True),
            Column("display_name"),
            Column("membership__org_unit__name", label=gettext_lazy("org unit"), order_by="membership__org_unit__path"),
            Column("membership__role", label=gettext_lazy("role"), value=user_role),
            Column("email"),
            Column("is_active"),
            Column("last_login"),
        ],
        detail_fields=[
            "username",
            "display_name",
            "email",
            "phone",
            "membership__org_unit__name",
            "membership__role",
            "is_active",
            "last_login",
            "date_joined",
        ],
        default_ordering=("username",),
        select_related=("membership__org_unit",),
        can_view=is_admin,
        can_create=is_admin,
        snapshot=user_snapshot,
        actions=[(gettext_lazy("Reset password"), "orgs:user_password", "bi-key")],
    )
)
