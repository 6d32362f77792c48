"""Permission matrices of programs, batches, selections and tranches (pages and API).

Programs are seen by their office, the units below it (counties recommend into the city's programs) and the
units above it. Selections are seen by the program's office and by the recommending unit; the office decides,
the recommending county changes its own applications until screening starts. Money is the office's alone.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from programs import registries
from programs.models import Tranche

from ..matrix import WHICH, RegistryMatrix, Rights
from ..talents import factories as talent_factories
from ..talents.test_permissions import ALL, REGISTRY_RIGHTS, UNIT_OF
from . import factories

# The city's own program (``parent``) is seen by every county below it, changed only by the city.
PROGRAM_RIGHTS = {
    "city_admin": Rights(see=ALL, edit=ALL, create=True),
    "city_viewer": Rights(see=ALL),
    "reviewer": Rights(see=ALL),
    "a_admin": Rights(see={"own", "parent"}, edit={"own"}, create=True),
    "a_editor": Rights(see={"own", "parent"}, edit={"own"}, create=True),
    "a_viewer": Rights(see={"own", "parent"}),
    "b_editor": Rights(see={"other", "parent"}, edit={"other"}, create="out_of_scope"),
}


class TestProgramMatrix(RegistryMatrix):
    registry = registries.programs
    api_basename = "program"
    changed_field = "name"
    rights = PROGRAM_RIGHTS
    queries = {
        "list": 9,
        "create_page": 14,
        "update_page": 20,
        "delete_page": 15,
        "api_create": 6,
        "api_update": 8,
        "api_delete": 12,
    }

    def make(self, which: str, units: dict[str, Any]) -> Any:
        return factories.program(units[UNIT_OF[which]], name=f"计划{which}")

    def create_form(self, units: dict[str, Any]) -> dict[str, Any]:
        return {"code": "NEW-P", "name": "南湖青年人才计划", "level": "county", "category": "youth",
                "org_unit": units["330402"].pk, "is_active": "on"}  # fmt: skip

    def api_create(self, units: dict[str, Any]) -> dict[str, Any]:
        return {
            "code": "NEW-Q",
            "name": "南湖青年人才计划",
            "level": "county",
            "category": "youth",
            "org_unit": "330402",
        }

    def update_form(self, obj: Any) -> dict[str, Any]:
        return {"code": obj.code, "name": "已修改", "level": obj.level, "category": obj.category,
                "org_unit": obj.org_unit_id}  # fmt: skip


class TestBatchMatrix(RegistryMatrix):
    registry = registries.batches
    api_basename = "batch"
    changed_field = "quota"
    rights = PROGRAM_RIGHTS
    queries = {
        "list": 10,
        "create_page": 18,
        "update_page": 23,
        "delete_page": 15,
        "api_create": 7,
        "api_update": 9,
        "api_delete": 13,
    }

    def make(self, which: str, units: dict[str, Any]) -> Any:
        return factories.batch(factories.program(units[UNIT_OF[which]]), ordinal=1)

    def create_form(self, units: dict[str, Any]) -> dict[str, Any]:
        owner = factories.program(units["330402001"])
        return {"program": owner.pk, "ordinal": 1, "year": 2026, "status": "planned", "quota": 20}

    api_create = create_form

    def update_form(self, obj: Any) -> dict[str, Any]:
        return {"program": obj.program_id, "ordinal": obj.ordinal, "year": obj.year, "status": obj.status, "quota": 99}

    def api_update(self, obj: Any) -> dict[str, Any]:
        return {"quota": 99}


class TestSelectionMatrix(RegistryMatrix):
    """Applications (still ``applied``) to a city program, recommended by county A, county B or the city."""

    registry = registries.selections
    api_basename = "selection"
    changed_field = "notes"
    rights = REGISTRY_RIGHTS
    queries = {
        "list": 10,
        "create_page": 27,
        "update_page": 30,
        "delete_page": 17,
        "api_create": 13,
        "api_update": 15,
        "api_delete": 15,
    }

    @pytest.fixture
    def city_batch(self, units: dict[str, Any]) -> Any:
        return factories.batch(factories.program(units["330400"]), status="open")

    @pytest.fixture
    def records(self, units: dict[str, Any], people: dict[str, Any], city_batch: Any) -> dict[str, Any]:
        self.city_batch = city_batch
        return {which: self.make(which, units) for which in WHICH}

    def make(self, which: str, units: dict[str, Any]) -> Any:
        return factories.selection(self.city_batch, units[UNIT_OF[which]])

    def payload(self, units: dict[str, Any], unit_value: Any) -> dict[str, Any]:
        applicant = talent_factories.talent(units["330402001"])
        return {"batch": self.city_batch.pk, "talent": applicant.pk, "org_unit": unit_value, "applied_on": "2025-04-01"}

    def create_form(self, units: dict[str, Any]) -> dict[str, Any]:
        return self.payload(units, units["330402"].pk)

    def api_create(self, units: dict[str, Any]) -> dict[str, Any]:
        return self.payload(units, "330402")

    def update_form(self, obj: Any) -> dict[str, Any]:
        return {"batch": obj.batch_id, "talent": obj.talent_id, "org_unit": obj.org_unit_id,
                "applied_on": obj.applied_on, "notes": "已修改"}  # fmt: skip


# --- tranches: read through the registry, changed only under the funding rules --------------------------------
@pytest.fixture
def money(units: dict[str, Any]) -> dict[str, Tranche]:
    """A tranche of a city-program selection recommended by county A, and one recommended by county B."""
    batch = factories.batch(factories.program(units["330400"]))
    result = {}
    for which in ("own", "other"):
        chosen = factories.selected(batch, units[UNIT_OF[which]], award="100")
        result[which] = factories.tranche(chosen, amount=Decimal("20"))
    return result


TRANCHE_SEE = {
    "city_admin": {"own", "other"},
    "city_viewer": {"own", "other"},
    "reviewer": {"own", "other"},
    "a_admin": {"own"},
    "a_editor": {"own"},
    "a_viewer": {"own"},
    "b_editor": {"other"},
}


@pytest.mark.parametrize("persona", list(TRANCHE_SEE))
def test_tranche_pages_show_the_scope_and_change_nothing(client, people, money, persona) -> None:
    client.force_login(people[persona])
    listed = {t.pk for t in client.get(reverse("programs:tranche_list")).context["page"].object_list}
    for which, tranche in money.items():
        visible = which in TRANCHE_SEE[persona]
        assert (tranche.pk in listed) == visible
        assert client.get(reverse("programs:tranche_detail", args=[tranche.pk])).status_code == (
            200 if visible else 404
        )
        # Terms and deletion never go through the generic pages.
        assert client.post(reverse("programs:tranche_delete", args=[tranche.pk])).status_code == (
            403 if visible else 404
        )
    assert client.get(reverse("programs:tranche_create")).status_code == 403
    assert Tranche.objects.count() == 2


@pytest.mark.parametrize("persona", list(TRANCHE_SEE))
def test_tranche_api(api_client, people, money, persona) -> None:
    api_client.force_authenticate(people[persona])
    listed = {row["id"] for row in api_client.get(reverse("tranche-list")).json()["results"]}
    assert listed == {money[w].pk for w in TRANCHE_SEE[persona]}
    manages = persona == "city_admin"
    for which, tranche in money.items():
        url = reverse("tranche-detail", args=[tranche.pk])
        visible = which in TRANCHE_SEE[persona]
        response = api_client.patch(url, {"status": "approved"}, format="json")
        assert response.status_code == (200 if manages else 403 if visible else 404), response.content
        tranche.refresh_from_db()
        assert (tranche.status == "approved") == manages
    created = api_client.post(
        reverse("tranche-list"), {"selection": money["own"].selection_id, "amount": "10", "condition": "on_signing"}
    )
    expected = 201 if manages else 400 if "own" not in TRANCHE_SEE[persona] else 403
    assert created.status_code == expected, created.content
    assert Tranche.objects.count() == (3 if manages else 2)
