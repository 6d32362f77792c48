"""Funding tranches: never more than the award, paid only when their condition is met and with a date and
voucher, never changed once paid; the database holds the same invariants; two clerks cannot both fit a tranche
into the same remaining award."""

from __future__ import annotations

import datetime
import threading
import time
from decimal import Decimal

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone, translation

from programs.models import Batch, Program, Selection, SelectionEvent, Tranche
from programs.services import RuleError, tranche_add, tranche_change, tranche_delete_error
from talentportal.audit.models import AuditEntry, Source
from talentportal.audit.services import Actor
from talentportal.orgs.models import User

from ..talents import factories as talent_factories
from . import factories

DECIDED = datetime.date(2025, 6, 1)  # factories.selected's decision date
TODAY = "today"  # in the office's time zone, looked up when used (a run may cross midnight)


@pytest.fixture
def batch(units):
    return factories.batch(factories.program(units["330400"]))


@pytest.fixture
def admin(people):
    return Actor(user=people["city_admin"], source=Source.FORM)


def chosen(batch, units, status: str = "selected", award: str = "100", **fields) -> Selection:
    item = factories.selected(batch, units["330402"], award=award, status=status, **fields)
    item.refresh_from_db()
    return item


def committed(selection: Selection) -> Decimal:
    return sum((t.amount for t in Tranche.objects.filter(selection=selection).exclude(status="cancelled")), Decimal(0))


def add(selection: Selection, actor: Actor, amount: str, condition: str = "on_signing", **fields) -> Tranche:
    return tranche_add(selection_id=selection.pk, amount=Decimal(amount), condition=condition, actor=actor, **fields)


def approved(selection: Selection, actor: Actor, amount: str = "30", condition: str = "on_signing") -> Tranche:
    tranche = add(selection, actor, amount, condition)
    return tranche_change(tranche_id=tranche.pk, changes={"status": "approved"}, actor=actor)


def pay(tranche: Tranche, actor: Actor, paid_on=TODAY, voucher_no="记-001") -> Tranche:
    paid_on = timezone.localdate() if paid_on == TODAY else paid_on
    return tranche_change(
        tranche_id=tranche.pk, changes={"status": "paid", "paid_on": paid_on, "voucher_no": voucher_no}, actor=actor
    )


# --- never more than the award -------------------------------------------------------------------------------


def test_tranches_fill_the_award_and_not_a_yuan_more(batch, units, admin):
    item = chosen(batch, units)
    tranches = [add(item, admin, amount) for amount in ("33.33", "33.33", "33.34")]
    assert [t.number for t in tranches] == [1, 2, 3] and committed(item) == Decimal("100")
    entries = AuditEntry.objects.count()
    with pytest.raises(RuleError) as refused:
        add(item, admin, "0.01")
    assert "award of 100" in refused.value.message and refused.value.field == "amount"
    assert Tranche.objects.filter(selection=item).count() == 3 and AuditEntry.objects.count() == entries


def test_tranche_over_the_remaining_amount_is_refused_naming_the_award(batch, units, admin):
    item = chosen(batch, units, award="100")
    add(item, admin, "60")
    entries = AuditEntry.objects.count()
    with pytest.raises(RuleError) as refused:
        add(item, admin, "50")
    assert "award of 100" in refused.value.message and "40" in refused.value.message
    assert committed(item) == Decimal("60") and Tranche.objects.filter(selection=item).count() == 1
    assert AuditEntry.objects.count() == entries


def test_refusal_states_the_amounts_as_money(batch, units, admin):
    """The totals in the answer read like the office's spreadsheets: 110.10, not 110.1000000000000."""
    item = chosen(batch, units, award="100")
    add(item, admin, "60.1")
    with pytest.raises(RuleError) as refused:
        add(item, admin, "50")
    message = refused.value.message
    assert "add up to 110.10 " in message and "award of 100.00" in message and "at most 39.90 is left" in message
    assert str(item.committed_amount()) == "60.10"


def test_adding_a_tranche_is_audited(batch, units, admin, people):
    item = chosen(batch, units)
    tranche = add(item, admin, "25", "milestone", milestone_note="  产品上市  ", planned_on=datetime.date(2027, 1, 1))
    assert (tranche.amount, tranche.milestone_note, tranche.status) == (Decimal("25"), "产品上市", "planned")
    log = AuditEntry.objects.get(object_id=str(tranche.pk), content_type__model="tranche")
    assert log.action == "create" and log.user == people["city_admin"] and log.changes["amount"] == [None, "25"]


def test_cancelled_tranches_free_their_amount(batch, units, admin):
    item = chosen(batch, units)
    tranche = add(item, admin, "80")
    with pytest.raises(RuleError):
        add(item, admin, "30")
    tranche_change(tranche_id=tranche.pk, changes={"status": "cancelled", "cancel_reason": "计划调整"}, actor=admin)
    again = add(item, admin, "100")
    assert again.number == 2 and committed(item) == Decimal("100")
    tranche.refresh_from_db()
    assert (tranche.status, tranche.cancel_reason) == ("cancelled", "计划调整")


def test_changing_a_planned_amount_checks_the_award_again(batch, units, admin):
    item = chosen(batch, units)
    first = add(item, admin, "30")
    add(item, admin, "50")
    with pytest.raises(RuleError, match="award of 100"):
        tranche_change(tranche_id=first.pk, changes={"amount": Decimal("60")}, actor=admin)
    first.refresh_from_db()
    assert first.amount == Decimal("30")
    # The tranche's own old amount is not counted twice: 50 + 50 fills the award exactly.
    tranche_change(tranche_id=first.pk, changes={"amount": Decimal("50")}, actor=admin)
    first.refresh_from_db()
    assert first.amount == Decimal("50") and committed(item) == Decimal("100")


def test_award_must_be_set_before_planning(batch, units, admin):
    item = factories.selection(batch, units["330402"], status="selected", decided_on="2025-06-01")
    with pytest.raises(RuleError, match="award"):
        add(item, admin, "10")
    assert not Tranche.objects.exists()


# --- what a tranche needs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["0", "-5"])
def test_amount_must_be_positive(amount, batch, units, admin):
    item = chosen(batch, units)
    with pytest.raises(RuleError, match="more than zero"):
        add(item, admin, amount)
    tranche = add(item, admin, "10")
    with pytest.raises(RuleError, match="more than zero"):
        tranche_change(tranche_id=tranche.pk, changes={"amount": Decimal(amount)}, actor=admin)
    tranche.refresh_from_db()
    assert tranche.amount == Decimal("10") and Tranche.objects.count() == 1


@pytest.mark.parametrize("note", ["", "   "])
def test_milestone_tranche_names_its_milestone(note, batch, units, admin):
    item = chosen(batch, units)
    with pytest.raises(RuleError, match="Name the milestone") as refused:
        add(item, admin, "10", "milestone", milestone_note=note)
    assert refused.value.field == "milestone_note"
    tranche = add(item, admin, "10")
    with pytest.raises(RuleError, match="Name the milestone"):
        tranche_change(tranche_id=tranche.pk, changes={"condition": "milestone"}, actor=admin)
    tranche.refresh_from_db()
    assert tranche.condition == "on_signing" and Tranche.objects.count() == 1


@pytest.mark.parametrize("status", ["applied", "screened", "publicized", "rejected"])
def test_no_tranches_before_selection(status, batch, units, admin):
    item = factories.selection(batch, units["330402"], status=status, award_amount=Decimal("100"))
    with pytest.raises(RuleError, match="Tranches are planned for selected talents"):
        add(item, admin, "10")
    assert not Tranche.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.parametrize("status", ["selected", "landed", "midterm_passed", "midterm_failed", "completed"])
def test_tranches_for_selected_and_later(status, batch, units, admin):
    assert add(chosen(batch, units, status=status), admin, "10").status == "planned"


def test_no_tranches_after_exit(batch, units, admin):
    item = chosen(batch, units, status="exited")
    with pytest.raises(RuleError, match="Tranches are planned for selected talents"):
        add(item, admin, "10")
    assert not Tranche.objects.exists()


def test_no_approval_after_exit(batch, units, admin):
    item = chosen(batch, units)
    tranche = factories.tranche(item)
    Selection.objects.filter(pk=item.pk).update(status="exited")
    with pytest.raises(RuleError, match="money has stopped"):
        tranche_change(tranche_id=tranche.pk, changes={"status": "approved"}, actor=admin)
    tranche.refresh_from_db()
    assert tranche.status == "planned"


def test_county_does_not_fund_a_city_program(batch, units, people):
    item = chosen(batch, units)
    county = Actor(user=people["a_editor"], source=Source.FORM)
    with pytest.raises(RuleError, match="Only the office that runs the program"):
        add(item, county, "10")
    tranche = factories.tranche(item)
    with pytest.raises(RuleError, match="Only the office that runs the program"):
        tranche_change(tranche_id=tranche.pk, changes={"status": "approved"}, actor=county)
    tranche.refresh_from_db()
    assert tranche.status == "planned" and Tranche.objects.count() == 1


def test_unknown_condition_or_status_is_refused(batch, units, admin):
    item = chosen(batch, units)
    with pytest.raises(RuleError) as refused:
        add(item, admin, "10", "whenever")
    assert refused.value.field == "condition"
    tranche = add(item, admin, "10")
    with pytest.raises(RuleError) as refused:
        tranche_change(tranche_id=tranche.pk, changes={"condition": "whenever"}, actor=admin)
    assert refused.value.field == "condition"
    with pytest.raises(RuleError, match="not a tranche status"):
        tranche_change(tranche_id=tranche.pk, changes={"status": "refunded"}, actor=admin)
    tranche.refresh_from_db()
    assert (tranche.condition, tranche.status) == ("on_signing", "planned") and Tranche.objects.count() == 1


@pytest.mark.parametrize("amount", ["0.001", "10.005"])
def test_amount_has_at_most_two_decimals(amount, batch, units, admin):
    """Money is Decimal(14, 2) in 10k yuan: a third decimal is bad input with a clear answer, not a database
    error (0.001 would be stored as 0.00) nor a silent rounding."""
    item = chosen(batch, units)
    with pytest.raises(RuleError) as refused:
        add(item, admin, amount)
    assert refused.value.field == "amount"
    assert not Tranche.objects.exists()


# --- conditions ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["selected", "landed", "midterm_failed"])
def test_midterm_tranche_waits_for_the_midterm_pass(status, batch, units, admin):
    item = chosen(batch, units, status=status)
    tranche = add(item, admin, "40", "midterm_pass")
    with pytest.raises(RuleError, match="after the mid-term review"):
        tranche_change(tranche_id=tranche.pk, changes={"status": "approved"}, actor=admin)
    # Nor can it be slipped through as approved already.
    Tranche.objects.filter(pk=tranche.pk).update(status="approved")
    with pytest.raises(RuleError, match="after the mid-term review"):
        pay(tranche, admin)
    tranche.refresh_from_db()
    assert (tranche.status, tranche.paid_on, tranche.voucher_no) == ("approved", None, "")


def test_midterm_tranche_is_paid_once_the_midterm_passed(batch, units, admin):
    item = chosen(batch, units, status="midterm_passed")
    tranche = approved(item, admin, "40", "midterm_pass")
    paid = pay(tranche, admin, paid_on=DECIDED, voucher_no="  记-2025-088  ")
    paid.refresh_from_db()
    assert (paid.status, paid.paid_on, paid.voucher_no) == ("paid", DECIDED, "记-2025-088")


def test_completed_after_passing_the_midterm_pays_the_midterm_tranche(batch, units, admin):
    item = chosen(batch, units, status="completed", passed=["landed", "midterm_passed", "completed"])
    tranche = approved(item, admin, "40", "midterm_pass")
    assert pay(tranche, admin).status == "paid"


def test_completed_after_failing_the_midterm_does_not(batch, units, admin):
    item = chosen(batch, units, status="completed", passed=["landed", "midterm_failed", "completed"])
    tranche = add(item, admin, "40", "midterm_pass")
    with pytest.raises(RuleError, match="after the mid-term review"):
        tranche_change(tranche_id=tranche.pk, changes={"status": "approved"}, actor=admin)


def test_landing_tranche_waits_for_landing(batch, units, admin):
    item = chosen(batch, units, status="selected")
    tranche = add(item, admin, "20", "on_landing")
    with pytest.raises(RuleError, match="due on landing"):
        tranche_change(tranche_id=tranche.pk, changes={"status": "approved"}, actor=admin)
    tranche.refresh_from_db()
    assert tranche.status == "planned"
    Selection.objects.filter(pk=item.pk).update(status="landed")
    SelectionEvent.objects.create(selection=item, from_status="selected", to_status="landed")
    tranche_change(tranche_id=tranche.pk, changes={"status": "approved"}, actor=admin)
    assert pay(tranche, admin).status == "paid"


@pytest.mark.parametrize("status", ["midterm_passed", "midterm_failed", "completed"])
def test_landing_tranche_after_landing(status, batch, units, admin):
    item = chosen(batch, units, status=status)
    tranche = approved(item, admin, "20", "on_landing")
    assert tranche.status == "approved"


# --- paying ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paid_on", "voucher_no", "field"),
    [(None, "记-001", "paid_on"), (TODAY, "", "voucher_no"), (TODAY, "  ", "voucher_no")],
)
def test_payment_needs_date_and_voucher(paid_on, voucher_no, field, batch, units, admin):
    tranche = approved(chosen(batch, units), admin)
    with pytest.raises(RuleError, match="date and its voucher") as refused:
        pay(tranche, admin, paid_on=paid_on, voucher_no=voucher_no)
    assert refused.value.field == field
    tranche.refresh_from_db()
    assert (tranche.status, tranche.paid_on, tranche.voucher_no) == ("approved", None, "")


def test_payment_cannot_be_dated_in_the_future(batch, units, admin):
    tranche = approved(chosen(batch, units), admin)
    with pytest.raises(RuleError, match="future"):
        pay(tranche, admin, paid_on=timezone.localdate() + datetime.timedelta(days=1))
    tranche.refresh_from_db()
    assert tranche.status == "approved"
    assert pay(tranche, admin).paid_on == timezone.localdate()


def test_payment_cannot_precede_the_decision(batch, units, admin):
    tranche = approved(chosen(batch, units), admin)
    with pytest.raises(RuleError, match="before the selection was decided") as refused:
        pay(tranche, admin, paid_on=DECIDED - datetime.timedelta(days=1))
    assert "2025-06-01" in refused.value.message
    tranche.refresh_from_db()
    assert tranche.status == "approved"
    assert pay(tranche, admin, paid_on=DECIDED).paid_on == DECIDED


def test_planned_tranche_is_approved_before_it_is_paid(batch, units, admin):
    tranche = add(chosen(batch, units), admin, "30")
    with pytest.raises(RuleError, match="approved before it is paid"):
        pay(tranche, admin)
    tranche.refresh_from_db()
    assert (tranche.status, tranche.paid_on) == ("planned", None)


def test_payment_details_come_only_with_the_payment(batch, units, admin):
    tranche = approved(chosen(batch, units), admin)
    with pytest.raises(RuleError, match="recorded when the tranche is paid"):
        tranche_change(tranche_id=tranche.pk, changes={"voucher_no": "记-009"}, actor=admin)
    tranche.refresh_from_db()
    assert tranche.voucher_no == ""


def test_approved_terms_are_fixed(batch, units, admin):
    tranche = approved(chosen(batch, units), admin)
    with pytest.raises(RuleError, match="Only a planned tranche"):
        tranche_change(tranche_id=tranche.pk, changes={"amount": Decimal("10")}, actor=admin)
    tranche.refresh_from_db()
    assert tranche.amount == Decimal("30")


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"amount": Decimal("10")},
        {"planned_on": datetime.date(2027, 1, 1)},
        {"status": "cancelled", "cancel_reason": "退回"},
        {"status": "approved"},
        {"voucher_no": "记-999"},
        {"paid_on": DECIDED},
    ],
)
def test_paid_tranche_is_never_changed(changes, batch, units, admin):
    tranche = pay(approved(chosen(batch, units), admin), admin, paid_on=DECIDED, voucher_no="记-001")
    entries = AuditEntry.objects.count()
    with pytest.raises(RuleError, match="never changed"):
        tranche_change(tranche_id=tranche.pk, changes=changes, actor=admin)
    tranche.refresh_from_db()
    assert (tranche.status, tranche.amount, tranche.paid_on, tranche.voucher_no, tranche.planned_on) == (
        "paid",
        Decimal("30"),
        DECIDED,
        "记-001",
        None,
    )
    assert AuditEntry.objects.count() == entries


def test_cancelled_tranche_stays_cancelled(batch, units, admin):
    tranche = add(chosen(batch, units), admin, "30")
    tranche_change(tranche_id=tranche.pk, changes={"status": "cancelled"}, actor=admin)
    with pytest.raises(RuleError, match="not changed any more"):
        tranche_change(tranche_id=tranche.pk, changes={"status": "planned"}, actor=admin)


def test_only_planned_tranches_may_be_deleted(batch, units, admin):
    item = chosen(batch, units)
    planned = add(item, admin, "10")
    approved_one = approved(item, admin, "10")
    paid = pay(approved(item, admin, "10"), admin)
    cancelled = add(item, admin, "10")
    tranche_change(tranche_id=cancelled.pk, changes={"status": "cancelled"}, actor=admin)
    cancelled.refresh_from_db()
    assert tranche_delete_error(planned) is None
    assert "never deleted" in tranche_delete_error(paid)
    assert "cancel it instead" in tranche_delete_error(approved_one)
    assert tranche_delete_error(cancelled) is not None


# --- the database holds the same invariants ------------------------------------------------------------------


def test_database_refuses_a_tranche_of_nothing(batch, units):
    item = chosen(batch, units)
    for amount in ("0", "-1"):
        with pytest.raises(IntegrityError), transaction.atomic():
            Tranche.objects.create(selection=item, number=1, amount=Decimal(amount), condition="on_signing")
    assert not Tranche.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "paid"},
        {"status": "paid", "paid_on": DECIDED},
        {"status": "paid", "voucher_no": "记-001"},
        {"status": "approved", "paid_on": DECIDED, "voucher_no": "记-001"},
    ],
)
def test_database_refuses_a_payment_without_date_and_voucher(fields, batch, units):
    item = chosen(batch, units)
    with pytest.raises(IntegrityError), transaction.atomic():
        Tranche.objects.create(selection=item, number=1, amount=Decimal("10"), condition="on_signing", **fields)
    Tranche.objects.create(
        selection=item,
        number=1,
        amount=Decimal("10"),
        condition="on_signing",
        status="paid",
        paid_on=DECIDED,
        voucher_no="记-001",
    )


def test_database_refuses_two_tranches_with_one_number(batch, units):
    item = chosen(batch, units)
    factories.tranche(item, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.tranche(item, 1)


def test_database_wants_exactly_one_applicant(batch, units):
    unit = units["330402"]
    person = talent_factories.talent(unit)
    team = talent_factories.team(unit, person)
    with pytest.raises(IntegrityError), transaction.atomic():
        Selection.objects.create(batch=batch, org_unit=unit, talent=person, team=team, applied_on=DECIDED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Selection.objects.create(batch=batch, org_unit=unit, applied_on=DECIDED)
    assert not Selection.objects.exists()
    Selection.objects.create(batch=batch, org_unit=unit, team=team, applied_on=DECIDED)


def test_database_takes_a_talent_once_per_batch(batch, units):
    unit = units["330402"]
    person = talent_factories.talent(unit)
    factories.selection(batch, unit, talent=person)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.selection(batch, units["330411"], talent=person)
    assert Selection.objects.count() == 1
    factories.selection(factories.batch(batch.program), unit, talent=person)  # the next batch is another matter


def test_database_takes_a_team_once_per_batch(batch, units):
    unit = units["330402"]
    team = talent_factories.team(unit, talent_factories.talent(unit))
    factories.selection(batch, unit, team=team)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.selection(batch, unit, team=team)


def test_database_numbers_batches_once_per_program(units):
    program = factories.program(units["330400"])
    factories.batch(program, 3)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.batch(program, 3)
    factories.batch(factories.program(units["330400"]), 3)
    assert Batch.objects.filter(ordinal=3).count() == 2


def test_database_keeps_program_codes_unique(units):
    factories.program(units["330400"], code="JXRC-2025")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.program(units["330402"], code="JXRC-2025")
    assert Program.objects.filter(code="JXRC-2025").count() == 1


# --- two clerks at once (PostgreSQL: SQLite serialises writers anyway) ------------------------------------------


def in_thread(target, results: dict, key: str, user_id: int) -> threading.Thread:
    """Run ``target(actor)`` on a connection of its own; keep what it returned or raised under ``key``."""

    def run() -> None:
        close_old_connections()
        try:
            with translation.override("en"):
                actor = Actor(user=User.objects.get(pk=user_id), source=Source.FORM)
                results[key] = target(actor)
        except Exception as error:  # reported by the test
            results[key] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=key, daemon=True)
    thread.start()
    return thread


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers")


@pytest.mark.django_db(transaction=True)
def test_two_clerks_cannot_both_fit_a_tranche_into_the_award(units, people):
    needs_postgresql()
    batch = factories.batch(factories.program(units["330400"]))
    for _round in range(3):
        item = chosen(batch, units, award="100")
        start = threading.Barrier(2, timeout=10)
        results: dict = {}

        def clerk(actor: Actor, item: Selection = item, start: threading.Barrier = start) -> Tranche:
            start.wait()
            return tranche_add(selection_id=item.pk, amount=Decimal("60"), condition="on_signing", actor=actor)

        threads = [in_thread(clerk, results, name, people["city_admin"].pk) for name in ("one", "two")]
        for thread in threads:
            thread.join(timeout=20)
        assert not any(thread.is_alive() for thread in threads)
        outcomes = sorted(type(r).__name__ for r in results.values())
        assert outcomes == ["RuleError", "Tranche"], results
        refusal = next(r for r in results.values() if isinstance(r, RuleError))
        assert "award of 100" in refusal.message
        assert committed(item) == Decimal("60") and Tranche.objects.filter(selection=item).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_clerk_waits_for_the_lock_and_is_then_refused(units, people):
    """The first clerk holds the selection's lock; the second one's tranche_add must wait for it (PostgreSQL shows
    it waiting on a lock), and once the first commits it sees the first tranche and is refused."""
    needs_postgresql()
    item = chosen(factories.batch(factories.program(units["330400"])), units, award="100")
    locked, released = threading.Event(), threading.Event()
    seen_waiting = threading.Event()
    results: dict = {}
    times: dict[str, float] = {}

    def holder(actor: Actor) -> Tranche:
        with transaction.atomic():
            Selection.objects.select_for_update().get(pk=item.pk)
            locked.set()
            time.sleep(0.5)
            seen_waiting.wait(timeout=5)  # never proceed before the other clerk is seen queuing
            tranche = tranche_add(selection_id=item.pk, amount=Decimal("60"), condition="on_signing", actor=actor)
            times["committing"] = time.monotonic()
        released.set()
        return tranche

    def waiter(actor: Actor) -> Tranche:
        locked.wait(timeout=10)
        times["asked"] = time.monotonic()
        try:
            return tranche_add(selection_id=item.pk, amount=Decimal("60"), condition="on_signing", actor=actor)
        finally:
            times["answered"] = time.monotonic()

    threads = [in_thread(holder, results, "holder", people["city_admin"].pk)]
    assert locked.wait(timeout=10)
    threads.append(in_thread(waiter, results, "waiter", people["city_admin"].pk))

    # From a third connection: the waiter's backend is blocked on a lock while the holder keeps it.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not released.is_set():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                seen_waiting.set()
                break
        time.sleep(0.02)
    for thread in threads:
        thread.join(timeout=20)
    assert not any(thread.is_alive() for thread in threads)

    assert seen_waiting.is_set(), "the second clerk never waited for the selection's lock"
    assert isinstance(results["holder"], Tranche), results
    assert isinstance(results["waiter"], RuleError), results
    assert "award of 100" in results["waiter"].message
    assert times["answered"] - times["asked"] >= 0.4
    assert times["answered"] > times["committing"]
    assert committed(item) == Decimal("60")
    assert list(Tranche.objects.filter(selection=item).values_list("pk", flat=True)) == [results["holder"].pk]
