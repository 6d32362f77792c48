"""A record deleted by someone else while a write waits for it: every door that changes or deletes one record (the
API's PATCH and DELETE, the edit and delete pages) waits for the other transaction, then answers 404 and logs
nothing. It never answers 500 on a record half gone, nor 204 for a deletion it did not make. Needs PostgreSQL:
SQLite lets one writer in at a time, so there nothing can go between a write's read and its change."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from rest_framework.test import APIClient

from plans import registries
from plans.models import PlanIndicator, PlanTarget
from talentportal.audit.models import AuditEntry

from ..plans import factories

pytestmark = pytest.mark.django_db(transaction=True)


def api_delete(user: Any, target: PlanTarget) -> int:
    client = APIClient()
    client.force_authenticate(user)
    return client.delete(f"/api/v1/plan-targets/{target.pk}/").status_code


def api_patch(user: Any, target: PlanTarget) -> int:
    client = APIClient()
    client.force_authenticate(user)
    return client.patch(f"/api/v1/plan-targets/{target.pk}/", {"note": "改"}, format="json").status_code


def page_delete(user: Any, target: PlanTarget) -> int:
    client = Client()
    client.force_login(user)
    return client.post(registries.targets.url("delete", target)).status_code


def page_edit(user: Any, target: PlanTarget) -> int:
    client = Client()
    client.force_login(user)
    return client.post(registries.targets.url("edit", target), {"target_value": "12", "note": "改"}).status_code


def others_waiting() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return bool(cursor.fetchone()[0])


@pytest.mark.parametrize("write", [api_delete, api_patch, page_delete, page_edit], ids=lambda w: w.__name__)
def test_a_write_on_a_record_deleted_meanwhile_waits_and_answers_404(units, people, write) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite lets one writer in at a time")
    indicator = factories.indicator(factories.plan(units["330400"]), "1")
    target = factories.target(indicator, units["330400"])
    deleting, seen_waiting = threading.Event(), threading.Event()

    def delete_the_indicator() -> None:  # another clerk deletes the indicator, and with it its targets
        try:
            with transaction.atomic():
                PlanIndicator.objects.get(pk=indicator.pk).delete()
                deleting.set()
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline and not others_waiting():
                    time.sleep(0.02)
                if others_waiting():
                    seen_waiting.set()
        finally:
            connection.close()

    other = threading.Thread(target=delete_the_indicator, daemon=True)
    other.start()
    assert deleting.wait(timeout=10)
    status = write(people["city_admin"], target)
    other.join(timeout=20)

    assert seen_waiting.is_set(), "the write never waited for the deletion to end"
    assert status == 404
    assert not PlanTarget.objects.filter(pk=target.pk).exists()
    assert not AuditEntry.objects.for_object(target).exists()
