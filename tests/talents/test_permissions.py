"""Permission matrices of the talent registry: talents, enterprises, yearly figures, teams, service requests."""

from __future__ import annotations

import datetime
from typing import Any

from talents import registries

from ..matrix import RegistryMatrix, Rights
from . import factories

ALL = {"own", "other", "parent"}
# Registry records: everyone reads their scope; editors and admins write it. The city's own records
# (``parent``) are outside every county's scope.
REGISTRY_RIGHTS = {
    "city_admin": Rights(see=ALL, edit=ALL, create=True),
    "city_viewer": Rights(see=ALL),
    "reviewer": Rights(see=ALL),
    "a_admin": Rights(see={"own"}, edit={"own"}, create=True),
    "a_editor": Rights(see={"own"}, edit={"own"}, create=True),
    "a_viewer": Rights(see={"own"}),
    "b_editor": Rights(see={"other"}, edit={"other"}, create="out_of_scope"),
}
UNIT_OF = {"own": "330402001", "other": "330411", "parent": "330400"}


class TestTalentMatrix(RegistryMatrix):
    registry = registries.talents
    api_basename = "talent"
    changed_field = "position_title"
    rights = REGISTRY_RIGHTS
    queries = {
        "list": 10,
        "create_page": 13,
        "update_page": 16,
        "delete_page": 25,
        "api_create": 6,
        "api_update": 9,
        "api_delete": 19,
    }

    def make(self, which: str, units: dict[str, Any]) -> Any:
        return factories.talent(units[UNIT_OF[which]], name=f"人才{which}")

    def payload(self, unit_value: Any) -> dict[str, Any]:
        return {
            "name": "新人才",
            "id_type": "resident_id",
            "id_number": factories.resident_id(),
            "gender": "male",
            "birth_date": "1985-06-01",
            "nationality": "CN",
            "category": "professional",
            "tier": "youth",
            "recruitment_mode": "full_time",
            "industry": "digital",
            "org_unit": unit_value,
            "phone": "13900001111",
        }

    def create_form(self, units: dict[str, Any]) -> dict[str, Any]:
        return self.payload(units["330402"].pk)

    def api_create(self, units: dict[str, Any]) -> dict[str, Any]:
        return self.payload("330402")

    def update_form(self, obj: Any) -> dict[str, Any]:
        return {
            "name": obj.name,
            "id_type": obj.id_type,
            "id_number": obj.id_number,
            "gender": obj.gender,
            "birth_date": obj.birth_date.isoformat(),
            "nationality": "CN",
            "category": obj.category,
            "tier": obj.tier,
            "recruitment_mode": obj.recruitment_mode,
            "industry": obj.industry,
            "org_unit": obj.org_unit_id,
            "position_title": "已修改",
        }


class TestEnterpriseMatrix(RegistryMatrix):
    registry = registries.enterprises
    api_basename = "enterprise"
    changed_field = "address"
    rights = REGISTRY_RIGHTS
    queries = {
        "list": 8,
        "create_page": 14,
        "update_page": 18,
        "delete_page": 31,
        "api_create": 6,
        "api_update": 7,
        "api_delete": 21,
    }

    def make(self, which: str, units: dict[str, Any]) -> Any:
        return factories.enterprise(units[UNIT_OF[which]], name=f"企业{which}")

    def create_form(self, units: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": "新企业",
            "credit_code": factories.credit_code(),
            "org_unit": units["330402"].pk,
            "industry": "digital",
            "listing": "none",
        }

    def api_create(self, units: dict[str, Any]) -> dict[str, Any]:
        return {"name": "新企业", "credit_code": factories.credit_code(), "org_unit": "330402", "industry": "digital"}

    def update_form(self, obj: Any) -> dict[str, Any]:
        return {
            "name": obj.name,
            "credit_code": obj.credit_code,
            "org_unit": obj.org_unit_id,
            "industry": obj.industry,
            "listing": obj.listing,
            "address": "已修改",
        }


class TestEnterpriseYearMatrix(RegistryMatrix):
    registry = registries.enterprise_years
    api_basename = "enterpriseyear"
    changed_field = "employees"
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
        return factories.enterprise_year(factories.enterprise(units[UNIT_OF[which]], name=f"年报企业{which}"))

    def create_form(self, units: dict[str, Any]) -> dict[str, Any]:
        company = factories.enterprise(units["330402001"])
        return {
            "enterprise": company.pk,
            "year": 2024,
            "revenue": "10",
            "tax_paid": "1",
            "rd_expense": "1",
            "employees": 3,
            "invention_patents": 0,
            "financing_raised": "0",
        }

    api_create = create_form

    def update_form(self, obj: Any) -> dict[str, Any]:
        return {
            "enterprise": obj.enterprise_id,
            "year": obj.year,
            "revenue": "1",
            "tax_paid": "0",
            "rd_expense": "0",
            "employees": 77,
            "invention_patents": 0,
            "financing_raised": "0",
        }

    def api_update(self, obj: Any) -> dict[str, Any]:
        return {"employees": 77}


class TestTeamMatrix(RegistryMatrix):
    registry = registries.teams
    api_basename = "team"
    changed_field = "name"
    rights = REGISTRY_RIGHTS
    queries = {
        "list": 9,
        "create_page": 16,
        "update_page": 21,
        "delete_page": 17,
        "api_create": 10,
        "api_update": 10,
        "api_delete": 13,
    }

    def make(self, which: str, units: dict[str, Any]) -> Any:
        unit = units[UNIT_OF[which]]
        return factories.team(unit, factories.talent(unit), name=f"团队{which}")

    def create_form(self, units: dict[str, Any]) -> dict[str, Any]:
        leader = factories.talent(units["330402001"])
        return {"name": "新团队", "leader": leader.pk, "org_unit": units["330402"].pk, "industry": "digital"}

    def api_create(self, units: dict[str, Any]) -> dict[str, Any]:
        leader = factories.talent(units["330402001"])
        return {"name": "新团队", "leader": leader.pk, "org_unit": "330402", "industry": "digital"}

    def update_form(self, obj: Any) -> dict[str, Any]:
        return {"name": "已修改", "leader": obj.leader_id, "org_unit": obj.org_unit_id, "industry": obj.industry}


class TestServiceRequestMatrix(RegistryMatrix):
    registry = registries.service_requests
    api_basename = "servicerequest"
    changed_field = "description"
    rights = REGISTRY_RIGHTS
    queries = {
        "list": 8,
        "create_page": 21,
        "update_page": 24,
        "delete_page": 11,
        "api_create": 6,
        "api_update": 7,
        "api_delete": 9,
    }

    def make(self, which: str, units: dict[str, Any]) -> Any:
        return factories.service_request(factories.talent(units[UNIT_OF[which]], name=f"申请人{which}"))

    def create_form(self, units: dict[str, Any]) -> dict[str, Any]:
        person = factories.talent(units["330402001"])
        return {
            "talent": person.pk,
            "kind": "schooling",
            "status": "submitted",
            "submitted_on": datetime.date.today().isoformat(),
            "description": "子女入学",
        }

    api_create = create_form

    def update_form(self, obj: Any) -> dict[str, Any]:
        return {
            "talent": obj.talent_id,
            "kind": obj.kind,
            "status": obj.status,
            "submitted_on": obj.submitted_on.isoformat(),
            "description": "已修改",
        }
