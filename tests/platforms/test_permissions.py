"""Permission matrices of platforms, their yearly figures and residencies (pages and API)."""

from __future__ import annotations

from typing import Any

from platforms import registries

from ..matrix import RegistryMatrix
from ..talents import factories as talent_factories
from ..talents.test_permissions import REGISTRY_RIGHTS, UNIT_OF
from . import factories


class TestPlatformMatrix(RegistryMatrix):
    registry = registries.platforms
    api_basename = "platform"
    changed_field = "name"
    rights = REGISTRY_RIGHTS
    queries = {
        "list": 8,
        "create_page": 15,
        "update_page": 18,
        "delete_page": 19,
        "api_create": 6,
        "api_update": 7,
        "api_delete": 13,
    }

    def make(self, which: str, units: dict[str, Any]) -> Any:
        return factories.platform(units[UNIT_OF[which]], name=f"平台{which}")

    def create_form(self, units: dict[str, Any]) -> dict[str, Any]:
        return {
            "code": "NEW-1",
            "name": "新平台",
            "kind": "maker_space",
            "level": "county",
            "org_unit": units["330402"].pk,
            "location": "local",
            "star_rating": 3,
        }

    def api_create(self, units: dict[str, Any]) -> dict[str, Any]:
        return {
            "code": "NEW-2",
            "name": "新平台",
            "kind": "maker_space",
            "level": "county",
            "org_unit": "330402",
            "location": "local",
        }

    def update_form(self, obj: Any) -> dict[str, Any]:
        return {
            "code": obj.code,
            "name": "已修改",
            "kind": obj.kind,
            "level": obj.level,
            "org_unit": obj.org_unit_id,
            "location": obj.location,
            "star_rating": 0,
        }


class TestPlatformYearMatrix(RegistryMatrix):
    registry = registries.platform_years
    api_basename = "platformyear"
    changed_field = "events_held"
    rights = REGISTRY_RIGHTS
    queries = {
        "list": 8,
        "create_page": 18,
        "update_page": 21,
        "delete_page": 11,
        "api_create": 7,
        "api_update": 7,
        "api_delete": 9,
    }

    def make(self, which: str, units: dict[str, Any]) -> Any:
        return factories.platform_year(factories.platform(units[UNIT_OF[which]]))

    def create_form(self, units: dict[str, Any]) -> dict[str, Any]:
        owner = factories.platform(units["330402001"])
        return {
            "platform": owner.pk,
            "year": 2024,
            "resident_talents": 1,
            "resident_enterprises": 1,
            "incubated_enterprises": 0,
            "graduated_enterprises": 0,
            "new_projects": 0,
            "rd_investment": "0",
            "area_m2": 100,
            "events_held": 2,
        }

    api_create = create_form

    def update_form(self, obj: Any) -> dict[str, Any]:
        return {
            "platform": obj.platform_id,
            "year": obj.year,
            "resident_talents": 1,
            "resident_enterprises": 1,
            "incubated_enterprises": 0,
            "graduated_enterprises": 0,
            "new_projects": 0,
            "rd_investment": "0",
            "area_m2": 100,
            "events_held": 9,
        }

    def api_update(self, obj: Any) -> dict[str, Any]:
        return {"events_held": 9}


class TestResidencyMatrix(RegistryMatrix):
    registry = registries.residencies
    api_basename = "residency"
    changed_field = "until"
    rights = REGISTRY_RIGHTS
    queries = {
        "list": 8,
        "create_page": 23,
        "update_page": 26,
        "delete_page": 11,
        "api_create": 8,
        "api_update": 8,
        "api_delete": 9,
    }

    def make(self, which: str, units: dict[str, Any]) -> Any:
        unit = units[UNIT_OF[which]]
        return factories.residency(factories.platform(unit), talent=talent_factories.talent(unit))

    def create_form(self, units: dict[str, Any]) -> dict[str, Any]:
        owner = factories.platform(units["330402001"])
        return {"platform": owner.pk, "talent": talent_factories.talent(units["330402001"]).pk, "since": "2025-03-01"}

    api_create = create_form

    def update_form(self, obj: Any) -> dict[str, Any]:
        return {"platform": obj.platform_id, "talent": obj.talent_id, "since": "2024-01-01", "until": "2025-12-31"}

    def api_update(self, obj: Any) -> dict[str, Any]:
        return {"until": "2025-12-31"}
