"""What a county may and may not do to an application, through the form and the API alike: the award is the
office's, the recommending unit is the applicant's own or above, a selection under way keeps its batch and
its history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from programs.models import Selection, SelectionEvent

from ..conftest import choose_language
from ..talents import factories as talent_factories
from . import factories


@pytest.fixture
def open_city_batch(units: dict[str, Any]) -> Any:
    return factories.batch(factories.program(units["330400"]), status="open")


def application(batch: Any, applicant: Any, unit: Any, **extra: Any) -> dict[str, Any]:
    return {"batch": batch.pk, "talent": applicant.pk, "org_unit": unit, "applied_on": "2025-04-01", **extra}


def test_only_the_office_sets_the_award(client, api_client, people, units, open_city_batch) -> None:
    applicant = talent_factories.talent(units["330402"])
    client.force_login(people["a_editor"])
    page = client.post(
        reverse("programs:selection_create"),
        application(open_city_batch, applicant, units["330402"].pk, award_amount="999"),
    )
    # The county's form has no award field: what it sends is ignored.
    assert page.status_code == 302 and Selection.objects.get(talent=applicant).award_amount is None
    mine = factories.selection(open_city_batch, units["330402"])
    api_client.force_authenticate(people["a_editor"])
    answer = api_client.patch(reverse("selection-detail", args=[mine.pk]), {"award_amount": "5000"}, format="json")
    assert answer.status_code == 400 and "award_amount" in answer.json()
    assert Selection.objects.get(pk=mine.pk).award_amount is None
    api_client.force_authenticate(people["city_admin"])
    office = api_client.patch(reverse("selection-detail", args=[mine.pk]), {"award_amount": "500"}, format="json")
    assert office.status_code == 200
    # The county still edits its application (the award it did not touch travels unchanged).
    api_client.force_authenticate(people["a_editor"])
    notes = api_client.patch(
        reverse("selection-detail", args=[mine.pk]), {"notes": "补充材料", "award_amount": "500.00"}, format="json"
    )
    assert notes.status_code == 200, notes.json()


def test_the_recommending_unit_is_the_applicants_own_or_above(api_client, people, units, open_city_batch) -> None:
    nanhu_talent = talent_factories.talent(units["330402001"])
    api_client.force_authenticate(people["city_admin"])
    url = reverse("selection-list")
    elsewhere = api_client.post(url, application(open_city_batch, nanhu_talent, "330411"), format="json")
    assert elsewhere.status_code == 400 and "org_unit" in elsewhere.json()
    for unit in ("330402001", "330402", "330400"):
        other_batch = factories.batch(open_city_batch.program, status="open")
        answer = api_client.post(url, application(other_batch, nanhu_talent, unit), format="json")
        assert answer.status_code == 201, (unit, answer.json())
    # So no county ever sees another county's talent through a selection.
    api_client.force_authenticate(people["b_editor"])
    assert api_client.get(url).json()["count"] == 0


def test_a_selection_under_way_keeps_its_batch(client, api_client, people, units, open_city_batch) -> None:
    county_batch = factories.batch(factories.program(units["330402"]), status="closed")
    landed = factories.selected(county_batch, units["330402"], status="landed")
    api_client.force_authenticate(people["a_editor"])
    answer = api_client.patch(
        reverse("selection-detail", args=[landed.pk]), {"batch": open_city_batch.pk}, format="json"
    )
    assert answer.status_code == 400 and "batch" in answer.json()
    assert Selection.objects.get(pk=landed.pk).batch_id == county_batch.pk
    # An application may still move to another open batch.
    applied = factories.selection(factories.batch(open_city_batch.program, status="open"), units["330402"])
    moved = api_client.patch(
        reverse("selection-detail", args=[applied.pk]), {"batch": open_city_batch.pk}, format="json"
    )
    assert moved.status_code == 200, moved.json()


def test_a_selection_under_way_is_never_deleted(client, api_client, people, units, open_city_batch) -> None:
    decided = factories.selected(open_city_batch, units["330402"], status="completed", passed=["selected"])
    client.force_login(people["city_admin"])
    choose_language(client, "en")
    page = client.post(reverse("programs:selection_delete", args=[decided.pk]))
    assert page.status_code == 409 and "keeps its history" in page.content.decode()
    api_client.force_authenticate(people["city_admin"])
    answer = api_client.delete(reverse("selection-detail", args=[decided.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 409 and "keeps its history" in answer.json()["detail"]
    assert (
        Selection.objects.filter(pk=decided.pk).exists() and SelectionEvent.objects.filter(selection=decided).exists()
    )
    fresh = factories.selection(open_city_batch, units["330402"])
    assert api_client.delete(reverse("selection-detail", args=[fresh.pk])).status_code == 204


def test_the_award_is_rechecked_under_the_lock(api_client, people, units, open_city_batch) -> None:
    chosen = factories.selected(open_city_batch, units["330402"], award="100")
    factories.tranche(chosen, amount=Decimal("80"))
    api_client.force_authenticate(people["city_admin"])
    answer = api_client.patch(reverse("selection-detail", args=[chosen.pk]), {"award_amount": "50"}, format="json")
    assert answer.status_code == 400 and "award_amount" in answer.json()
    assert Selection.objects.get(pk=chosen.pk).award_amount == Decimal("100")


def test_a_new_tranche_records_no_payment(api_client, people, units, open_city_batch) -> None:
    chosen = factories.selected(open_city_batch, units["330402"], award="100")
    api_client.force_authenticate(people["city_admin"])
    payload = {"selection": chosen.pk, "amount": "10", "condition": "on_signing", "voucher_no": "V-1"}
    answer = api_client.post(reverse("tranche-list"), payload, format="json")
    assert answer.status_code == 400 and "voucher_no" in answer.json()
    assert not chosen.tranches.exists()


def test_django_admin_shows_selections_and_tranches_but_changes_nothing(client, people, units, open_city_batch):
    from talentportal.orgs.models import User

    chosen = factories.selected(open_city_batch, units["330402"], award="100")
    tranche = factories.tranche(chosen)
    root = User.objects.create_superuser("root", "root@example.org", "Root-pass-2026x")
    client.force_login(root)
    assert client.get(reverse("admin:programs_selection_changelist")).status_code == 200
    change = client.post(reverse("admin:programs_selection_change", args=[chosen.pk]), {"award_amount": "10"})
    assert change.status_code in (200, 403)
    assert Selection.objects.get(pk=chosen.pk).award_amount == Decimal("100")
    assert client.post(reverse("admin:programs_tranche_delete", args=[tranche.pk]), {"post": "yes"}).status_code == 403
    assert client.post(reverse("admin:programs_selection_delete", args=[chosen.pk]), {"post": "yes"}).status_code == 403
