"""Permission matrices of org units and user accounts, pages and API."""

from __future__ import annotations

from typing import Any

from talentportal.orgs.models import Membership, OrgUnit, Role, User
from talentportal.orgs.registries import org_units, users

from ..matrix import RegistryMatrix, Rights

ALL = {"own", "other", "parent"}


class TestOrgUnitMatrix(RegistryMatrix):
    registry = org_units
    api_basename = "orgunit"
    changed_field = "name"
    rights = {
        # The city's own unit (``parent``) is changed by nobody below the superuser: it is the scope's root.
        "city_admin": Rights(see=ALL, edit={"own", "other"}, create=True),
        "city_viewer": Rights(see=ALL),
        "reviewer": Rights(see=ALL),
        "a_admin": Rights(see={"own"}, edit={"own"}, create=True),
        "a_editor": Rights(see={"own"}),
        "a_viewer": Rights(see={"own"}),
        "b_editor": Rights(see={"other"}),
    }

    def make(self, which: str, units: dict[str, Any]) -> OrgUnit:
        if which == "parent":
            return units["330400"]
        parent = units["330402"] if which == "own" else units["330411"]
        return OrgUnit.objects.create(code=f"{parent.code}199", name=f"测试镇{which}", kind="town", parent=parent)

    def create_form(self, units: dict[str, Any]) -> dict[str, Any]:
        return {
            "code": "330402188",
            "name": "新设街道",
            "kind": "town",
            "parent": units["330402"].pk,
            "is_active": "on",
        }

    def update_form(self, obj: Any) -> dict[str, Any]:
        return {"code": obj.code, "name": "已修改", "kind": obj.kind, "parent": obj.parent_id or "", "is_active": "on"}

    def api_create(self, units: dict[str, Any]) -> dict[str, Any]:
        return {"code": "330402177", "name": "新设镇", "kind": "town", "parent": "330402"}


class TestUserMatrix(RegistryMatrix):
    registry = users
    api_basename = "user"
    changed_field = "display_name"
    closed = Rights(pages=False)
    rights = {
        "city_admin": Rights(see=ALL, edit=ALL, create=True),
        "city_viewer": closed,
        "reviewer": closed,
        "a_admin": Rights(see={"own"}, edit={"own"}, create=True),
        "a_editor": closed,
        "a_viewer": closed,
        "b_editor": closed,
    }

    def make(self, which: str, units: dict[str, Any]) -> User:
        code = {"own": "330402001", "other": "330411", "parent": "330400"}[which]
        user = User.objects.create_user(username=f"{which}_user", password="x-Long-pass-1", display_name=f"用户{which}")
        Membership.objects.create(user=user, org_unit=units[code], role=Role.VIEWER)
        return user

    def create_form(self, units: dict[str, Any]) -> dict[str, Any]:
        return {
            "username": "newbie",
            "display_name": "新同事",
            "email": "newbie@example.org",
            "phone": "",
            "org_unit": units["330402"].pk,
            "role": Role.EDITOR,
            "is_active": "on",
            "password": "Strong-pass-2026x",
        }

    def update_form(self, obj: Any) -> dict[str, Any]:
        return {
            "username": obj.username,
            "display_name": "已修改",
            "email": "",
            "phone": "",
            "org_unit": obj.membership.org_unit_id,
            "role": obj.membership.role,
            "is_active": "on",
        }

    def api_create(self, units: dict[str, Any]) -> dict[str, Any]:
        return {
            "username": "api_newbie",
            "display_name": "接口用户",
            "org_unit": "330402",
            "role": "viewer",
            "password": "Strong-pass-2026x",
        }
