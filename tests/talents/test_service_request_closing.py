"""A service request closes only with its result (resolved) or its reason (declined), through every door."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction

from talentportal.audit.models import AuditEntry
from talents.models import ServiceRequest

from ..conftest import choose_language
from . import factories


def request_form(person, **changes) -> dict:
    data = {
        "talent": person.pk,
        "kind": "housing",
        "status": "submitted",
        "submitted_on": "2026-01-05",
        "description": "申请人才公寓",
    }
    return {**data, **changes}


@pytest.mark.parametrize("status", ["resolved", "rejected"])
def test_the_form_refuses_to_close_without_a_result(client, people, units, status):
    person = factories.talent(units["330402"])
    client.force_login(people["a_editor"])
    choose_language(client, "en")
    response = client.post("/registry/service-requests/new/", request_form(person, status=status, resolution="  "))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "resolution" in errors
    assert ("reason" if status == "rejected" else "result") in " ".join(errors["resolution"])
    assert not ServiceRequest.objects.exists()


def test_the_form_needs_a_handler_to_resolve_but_not_to_decline(client, people, units):
    person = factories.talent(units["330402"])
    client.force_login(people["a_editor"])
    resolved = client.post(
        "/registry/service-requests/new/", request_form(person, status="resolved", resolution="已办")
    )
    assert "handler" in resolved.context["form"].errors and not ServiceRequest.objects.exists()
    declined = client.post(
        "/registry/service-requests/new/", request_form(person, status="rejected", resolution="不符合条件")
    )
    assert declined.status_code == 302
    done = client.post(
        "/registry/service-requests/new/",
        request_form(person, status="resolved", resolution="已安排", handler=people["a_editor"].pk),
    )
    assert done.status_code == 302
    closed = ServiceRequest.objects.get(status="resolved")
    assert closed.handler == people["a_editor"] and closed.resolved_on is not None


def test_editing_an_open_request_to_closed_needs_the_result_too(client, people, units):
    request = factories.service_request(factories.talent(units["330402"]), status="in_progress")
    client.force_login(people["a_editor"])
    page = client.get(f"/registry/service-requests/{request.pk}/edit/")
    html = page.content.decode()
    assert "办理结果" in html and "不予办理" in html  # the field says it holds the reason for declining too
    form = {**request_form(request.talent, status="rejected"), "_version": page.context["version"]}
    response = client.post(f"/registry/service-requests/{request.pk}/edit/", form)
    assert "resolution" in response.context["form"].errors
    request.refresh_from_db()
    assert request.status == "in_progress"


@pytest.mark.parametrize("status", ["resolved", "rejected"])
def test_the_queue_shows_why_a_quick_close_without_a_note_is_refused(client, people, units, status):
    request = factories.service_request(factories.talent(units["330402"]))
    client.force_login(people["a_editor"])
    response = client.post(
        f"/registry/service-requests/{request.pk}/status/",
        {"status": status, "note": "", "next": "/registry/service-queue/"},
        follow=True,
    )
    assert response.status_code == 200 and response.redirect_chain[-1][0] == "/registry/service-queue/"
    shown = [str(m) for m in response.context["messages"]]
    assert any(("不予办理的理由" if status == "rejected" else "办理结果") in m for m in shown), shown
    assert "alert-danger" in response.content.decode() or "alert-error" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "submitted" and request.resolution == "" and request.resolved_on is None
    assert not AuditEntry.objects.filter(object_id=str(request.pk), action="update").exists()


def test_a_quick_close_with_a_note_makes_the_clerk_the_handler(client, people, units):
    request = factories.service_request(factories.talent(units["330402"]))
    client.force_login(people["a_editor"])
    client.post(f"/registry/service-requests/{request.pk}/status/", {"status": "resolved", "note": "已协调房源"})
    request.refresh_from_db()
    assert request.status == "resolved" and "已协调房源" in request.resolution
    assert request.handler == people["a_editor"] and request.resolved_on == datetime.date.today()


def test_the_api_answers_400_naming_the_resolution(api_client, people, units):
    person = factories.talent(units["330402"])
    api_client.force_authenticate(people["a_editor"])
    payload = {"talent": person.pk, "kind": "housing", "description": "x", "submitted_on": "2026-01-05"}
    for status in ("resolved", "rejected"):
        response = api_client.post("/api/v1/service-requests/", {**payload, "status": status}, format="json")
        assert response.status_code == 400 and "resolution" in response.json()
    open_request = factories.service_request(person)
    patch = api_client.patch(f"/api/v1/service-requests/{open_request.pk}/", {"status": "resolved"}, format="json")
    assert patch.status_code == 400 and "resolution" in patch.json()
    assert ServiceRequest.objects.get().status == "submitted"


def test_closing_through_the_api_records_the_acting_user_as_handler(api_client, people, units):
    request = factories.service_request(factories.talent(units["330402"]))
    api_client.force_authenticate(people["a_editor"])
    response = api_client.patch(
        f"/api/v1/service-requests/{request.pk}/", {"status": "resolved", "resolution": "已办"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["handler"] == "a_editor" and response.json()["resolved_on"] is not None
    named = api_client.patch(f"/api/v1/service-requests/{request.pk}/", {"handler": "a_admin"}, format="json")
    assert named.status_code == 200 and named.json()["handler"] == "a_admin"
    outside = api_client.patch(f"/api/v1/service-requests/{request.pk}/", {"handler": "b_editor"}, format="json")
    assert outside.status_code == 400 and "handler" in outside.json()


def test_the_database_refuses_a_closed_request_without_a_resolution(units):
    person = factories.talent(units["330402"])
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRequest.objects.create(
            talent=person, kind="housing", description="x", status="resolved", resolved_on=datetime.date.today()
        )
