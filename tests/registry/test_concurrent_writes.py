"""Writes that meet other writes. A record deleted by someone else while a write waits for it: every door that
changes or deletes one record (the API's PATCH and DELETE, the edit and delete pages) waits for the other
transaction, then answers 404 and logs nothing; it never answers 500 on a record half gone, nor 204 for a deletion
it did not make. A create linking to a record deleted meanwhile is refused (400), and a write the database ends to
break a deadlock runs again. Needs PostgreSQL: SQLite lets one writer in at a time, so there nothing can go between
a write's read and its change."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from rest_framework.test import APIClient

from plans import registries
from plans.models import Plan, PlanIndicator, PlanTarget
from talentportal.access import lock_row, retried
from talentportal.audit.models import AuditEntry
from talentportal.orgs.models import OrgUnit

from ..plans import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite lets one writer in at a time")


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


@contextmanager
def deleted_meanwhile(indicator: PlanIndicator) -> Iterator[threading.Event]:
    """Another clerk deletes ``indicator`` (and with it its targets) in a transaction that stays open until the
    body's write waits for it, then commits. Yields an event set once the write was seen waiting."""
    deleting, seen_waiting = threading.Event(), threading.Event()

    def delete_the_indicator() -> None:
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
    yield seen_waiting
    other.join(timeout=20)


@pytest.mark.parametrize("write", [api_delete, api_patch, page_delete, page_edit], ids=lambda w: w.__name__)
def test_a_write_on_a_record_deleted_meanwhile_waits_and_answers_404(units, people, write) -> None:
    indicator = factories.indicator(factories.plan(units["330400"]), "1")
    target = factories.target(indicator, units["330400"])
    with deleted_meanwhile(indicator) as seen_waiting:
        status = write(people["city_admin"], target)

    assert seen_waiting.is_set(), "the write never waited for the deletion to end"
    assert status == 404
    assert not PlanTarget.objects.filter(pk=target.pk).exists()
    assert not AuditEntry.objects.for_object(target).exists()


def test_a_create_linking_to_a_record_deleted_meanwhile_answers_400(units, people) -> None:
    """The new target's indicator passes the checks, then goes before the row is written: the write is tried
    again and refused as any link to a missing record is (400 naming the field), not a 500 on the foreign key."""
    indicator = factories.indicator(factories.plan(units["330400"]), "1")
    client = APIClient()
    client.force_authenticate(people["city_admin"])
    with deleted_meanwhile(indicator) as seen_waiting:
        response = client.post(
            "/api/v1/plan-targets/",
            {"indicator": indicator.pk, "org_unit": "330400", "target_value": "10"},
            format="json",
        )

    assert seen_waiting.is_set(), "the insert never waited for the deletion to end"
    assert response.status_code == 400, response.content
    assert "indicator" in response.json()
    assert not PlanTarget.objects.exists()


def test_the_lock_holds_the_row_alone(units) -> None:
    """A target is sorted by its indicator and plan: the lock must not take those with it (two writes locking each
    other's plan and indicator deadlocked)."""
    indicator = factories.indicator(factories.plan(units["330400"]), "1")
    target = factories.target(indicator, units["330400"])
    locked, done = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                lock_row(PlanTarget, target.pk)
                locked.set()
                done.wait(timeout=10)
        finally:
            connection.close()

    other = threading.Thread(target=hold, daemon=True)
    other.start()
    assert locked.wait(timeout=10)
    try:
        with transaction.atomic():  # NOWAIT: an error at once if another transaction holds the row
            for model, pk in ((Plan, indicator.plan_id), (PlanIndicator, indicator.pk), (OrgUnit, target.org_unit_id)):
                assert list(model.objects.select_for_update(nowait=True).filter(pk=pk).order_by()) != []
            with pytest.raises(DatabaseError):
                list(PlanTarget.objects.select_for_update(nowait=True).filter(pk=target.pk).order_by())
    finally:
        done.set()
        other.join(timeout=20)


def test_a_write_the_database_ends_to_break_a_deadlock_runs_again(units) -> None:
    """Two transactions lock two rows in opposite orders; the database ends the first that waited. ``retried``
    runs that one again once the other has committed, and both writes land."""
    first, second = (factories.plan(units["330400"], name=name) for name in ("甲", "乙"))
    holds_first, holds_second = threading.Event(), threading.Event()
    tries: list[int] = []
    results: dict[str, Any] = {}

    def lock(plan: Plan) -> None:
        list(Plan.objects.select_for_update().filter(pk=plan.pk).order_by())

    def retried_write() -> None:  # first, then second
        tries.append(1)
        lock(first)
        holds_first.set()
        holds_second.wait(timeout=10)
        lock(second)  # waits for the other transaction: the first to wait, so the one the database ends
        Plan.objects.filter(pk=second.pk).update(description="甲写")

    def other_write() -> None:  # second, then first
        with transaction.atomic():
            lock(second)
            holds_second.set()
            holds_first.wait(timeout=10)
            time.sleep(0.3)  # the retried write waits first
            lock(first)
            Plan.objects.filter(pk=first.pk).update(description="乙写")

    def run(name: str, write: Any) -> None:
        try:
            results[name] = write()
        except Exception as error:  # reported by the test
            results[name] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=("retried", lambda: retried(retried_write)), daemon=True),
        threading.Thread(target=run, args=("other", other_write), daemon=True),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert results == {"retried": None, "other": None}
    assert len(tries) >= 2  # a second deadlock, should the retry take the first row back before the other
    assert dict(Plan.objects.filter(pk__in=[first.pk, second.pk]).values_list("name", "description")) == {
        "甲": "乙写",
        "乙": "甲写",
    }


def test_a_tranche_changed_through_the_api_is_locked_after_its_selection(units, people) -> None:
    """Every funding write locks a tranche's selection before the tranche; the API's PATCH keeps that order
    (locking the tranche first could deadlock with a page's approve or pay)."""
    from programs.models import Selection, Tranche

    from ..programs import factories as program_factories

    city = units["330400"]
    selection = program_factories.selected(program_factories.batch(program_factories.program(city)), city)
    tranche = program_factories.tranche(selection, amount="50")
    held, seen = threading.Event(), []

    def hold_the_selection() -> None:
        try:
            with transaction.atomic():
                lock_row(Selection, selection.pk)
                held.set()
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline and not others_waiting():
                    time.sleep(0.02)
                seen.append(others_waiting())
                # the waiting PATCH has not taken the tranche: it is free to lock at once
                seen.append(bool(list(Tranche.objects.select_for_update(nowait=True).filter(pk=tranche.pk).order_by())))
        finally:
            connection.close()

    client = APIClient()
    client.force_authenticate(people["city_admin"])
    other = threading.Thread(target=hold_the_selection, daemon=True)
    other.start()
    assert held.wait(timeout=10)
    response = client.patch(f"/api/v1/tranches/{tranche.pk}/", {"milestone_note": "改"}, format="json")
    other.join(timeout=20)

    assert seen == [True, True]
    assert response.status_code == 200, response.content
