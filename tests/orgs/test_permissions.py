"""Permission matrices of org units and user accounts, pages and API."""

from __future__ import annotations

import itertools
from typing import Any

from talentportal.orgs.models import OrgUnit, Role, User
from talentportal.orgs.registries import org_units, users

from ..factories import persona
from ..matrix import RegistryMatrix, Rights

ALL = {"own", "other", "parent"}
SEQUENCE = itertools.count(200)  # the records' codes and names, unique however many a test makes


class TestOrgUnitMatrix(RegistryMatrix):
    registry = org_units
    api_basename = "orgunit"
    changed_field = "name"
    queries = {
        "list": 7,
        "create_page": 16,
        "update_page": 22,
        "delete_page": 65,
        "api_create": 8,
        "api_update": 9,
        "api_delete": 43,
    }
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
        n = next(SEQUENCE)
        return OrgUnit.objects.create(code=f"{parent.code}{n}", name=f"测试镇{which}{n}", kind="town", parent=parent)

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
    queries = {
        "list": 8,
        "create_page": 18,
        "update_page": 20,
        "delete_page": 45,
        "api_create": 12,
        "api_update": 7,
        "api_delete": 33,
    }
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
        return persona(f"{which}_user{next(SEQUENCE)}", units[code], Role.VIEWER)

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
