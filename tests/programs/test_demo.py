"""`seed_demo` builds the demo talent programs: idempotent, every status present, and every rule of the
lifecycle and of the money kept."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from programs.demo import build_plan, seed_programs
from programs.models import (
    NEEDS_REASON,
    Batch,
    Level,
    Program,
    Selection,
    SelectionEvent,
    Status,
    Tranche,
    transition_error,
)
from talentportal.audit.models import AuditEntry
from talentportal.orgs.models import OrgUnit
from talents.models import Talent

MODELS = (Program, Batch, Selection, SelectionEvent, Tranche)
FUNDED = {Status.SELECTED, Status.LANDED, Status.MIDTERM_PASSED, Status.MIDTERM_FAILED, Status.COMPLETED}
OPEN = [Tranche.Status.PLANNED, Tranche.Status.APPROVED]
GRANTED = [Tranche.Status.APPROVED, Tranche.Status.PAID]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def seeded(demo_city: None, db: None) -> dict[str, int]:
    return counts()


def test_seed_demo_twice_creates_nothing_new(seeded: dict[str, int]) -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert counts() == seeded
    assert "0 new talent programs (0 batches, 0 selections" in out.getvalue()
    assert seeded["Program"] >= 5 and seeded["Selection"] >= 600 and seeded["Tranche"] >= 300
    # Another day draws other dates and money, never other applications.
    later = timezone.localdate() + datetime.timedelta(days=45)
    assert set(seed_programs(today=later).values()) == {0}
    assert counts() == seeded


def test_the_applications_do_not_depend_on_the_day() -> None:
    def outline(today: datetime.date) -> list[tuple[str, int, object, list[str]]]:
        return [(p.program.code, p.batch.ordinal, p.applicant, p.path) for p in build_plan(today)]

    assert outline(datetime.date(2026, 12, 1)) == outline(datetime.date(2028, 3, 15))


def test_created_rows_are_in_the_audit_log(seeded: dict[str, int]) -> None:
    created = AuditEntry.objects.filter(action="create", source="system")
    for model in (Program, Batch, Selection, Tranche):
        assert created.filter(content_type__model=model._meta.model_name).count() == seeded[model.__name__]


def test_programs_at_every_level_with_their_offices(seeded: dict[str, int]) -> None:
    assert set(Program.objects.values_list("level", flat=True)) == set(Level.values)
    assert set(Program.objects.values_list("category", flat=True)) >= {"innovation", "team", "youth", "flexible"}
    offices = set(Program.objects.values_list("level", "org_unit__code"))
    assert {("national", "330400"), ("provincial", "330400"), ("municipal", "330400"), ("county", "330402")} <= offices
    assert Program.objects.get(level="county").category == "youth"
    assert set(Batch.objects.values_list("status", flat=True)) == set(Batch.Status.values)


def test_batches_run_over_the_years_up_to_now(seeded: dict[str, int]) -> None:
    today = timezone.localdate()
    elite = Program.objects.get(code="JX-JYYL")
    assert "精英引领" in elite.name
    batches = list(elite.batches.annotate(n=Count("selections")).order_by("ordinal"))
    assert [b.year for b in batches] == list(range(today.year - len(batches) + 1, today.year + 1))
    assert len(batches) >= 6
    assert {b.status for b in batches[:-1]} == {"closed"} and batches[-1].status in ("reviewing", "open")
    assert [b.n for b in batches] == sorted(b.n for b in batches)  # more applicants every year
    newest = set(batches[-1].selections.values_list("status", flat=True))
    assert newest == {"applied", "screened", "reviewed", "defended", "publicized", "rejected"}
    # Some rounds take applications now, one is planned for next year, every past one is closed.
    open_now = Batch.objects.filter(status="open", opens_on__lte=today, closes_on__gte=today)
    assert open_now.count() >= 2
    assert not Batch.objects.filter(status="open").exclude(id__in=open_now).exists()
    assert Batch.objects.filter(status="planned", opens_on__gt=today).exists()
    assert not Batch.objects.filter(status="closed", closes_on__gte=today).exists()
    assert Batch.objects.filter(status="reviewing", closes_on__lt=today).count() >= 2
    assert len(set(Batch.objects.values_list("year", flat=True))) >= 6


def test_funnels_narrow_at_every_stage(seeded: dict[str, int]) -> None:
    stages = ["applied", "screened", "reviewed", "defended", "publicized", "selected"]
    closed = Batch.objects.filter(status="closed", program__code="JX-JYYL").order_by("-year")
    reached = {
        (row["selection__batch"], row["to_status"]): row["n"]
        for row in SelectionEvent.objects.filter(to_status__in=stages)
        .values("selection__batch", "to_status")
        .annotate(n=Count("id"))
    }
    latest = closed[0]
    funnel = [reached.get((latest.pk, stage), 0) for stage in stages]
    assert funnel == sorted(funnel, reverse=True) and len(set(funnel)) == len(funnel), funnel
    assert funnel[0] >= 100 and 5 <= funnel[0] / funnel[-1] <= 9, funnel  # like 852 → 123
    assert funnel[-1] == latest.quota
    for batch in Batch.objects.filter(status="closed"):
        funnel = [reached.get((batch.pk, stage), 0) for stage in stages]
        assert funnel == sorted(funnel, reverse=True) and funnel[0] > funnel[-1] > 0, (batch, funnel)


def test_every_status_occurs_and_tranches_are_paid_due_and_cancelled(seeded: dict[str, int]) -> None:
    today = timezone.localdate()
    assert set(Selection.objects.values_list("status", flat=True)) == set(Status.values)
    assert Selection.objects.filter(team__isnull=False).exists()
    tranches = Tranche.objects.all()
    assert set(tranches.values_list("status", flat=True)) == set(Tranche.Status.values)
    assert set(tranches.values_list("condition", flat=True)) == set(Tranche.Condition.values)
    due = Tranche.objects.due_within(90).filter(planned_on__gte=today)
    assert due.filter(status="planned").exists() and due.filter(status="approved").exists()
    assert tranches.filter(status__in=OPEN, planned_on__lt=today).exists()  # overdue
    assert not tranches.filter(condition="milestone", milestone_note="").exists()


def test_applicants_come_from_their_county(seeded: dict[str, int]) -> None:
    counties = {u.pk: u for u in OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY)}
    for selection in Selection.objects.select_related("talent__org_unit", "team__org_unit"):
        applicant = selection.applicant
        assert applicant is not None
        assert selection.org_unit_id in counties
        assert applicant.org_unit.path.startswith(counties[selection.org_unit_id].path)
        assert selection.employer_id == applicant.employer_id
    youth = Selection.objects.filter(batch__program__code="NH-QNYC")
    assert set(youth.values_list("org_unit__code", flat=True)) == {"330402"}


def test_decisions_awards_and_reasons(seeded: dict[str, int]) -> None:
    today = timezone.localdate()
    funded = Selection.objects.filter(status__in=[*FUNDED, Status.EXITED])
    assert not funded.filter(
        Q(award_amount__isnull=True) | Q(award_amount__lte=0) | Q(decided_on__isnull=True)
    ).exists()
    assert not Selection.objects.exclude(id__in=funded).filter(award_amount__isnull=False).exists()
    decided = Selection.objects.filter(decided_on__isnull=False)
    assert set(decided.values_list("status", flat=True)) == set(Status.values) - {*Status.values[:5]}
    assert not decided.filter(decided_on__gt=today).exists()
    assert not Selection.objects.filter(applied_on__gt=today).exists()
    assert not Selection.objects.filter(status__in=NEEDS_REASON, exit_reason="").exists()
    assert not Selection.objects.exclude(status__in=NEEDS_REASON).exclude(exit_reason="").exists()
    awards = {
        row["batch__program__code"]: (row["low"], row["high"])
        for row in funded.values("batch__program__code").annotate(low=Min("award_amount"), high=Max("award_amount"))
    }
    assert Decimal(20) <= awards["NH-QNYC"][0] <= awards["NH-QNYC"][1] <= Decimal(50)
    assert Decimal(100) <= awards["JX-JYYL"][0] < awards["JX-JYYL"][1] <= Decimal(1000)


def test_the_money_keeps_the_rules(seeded: dict[str, int]) -> None:
    today = timezone.localdate()
    committed = (
        Selection.objects.annotate(
            committed=Sum("tranches__amount", filter=~Q(tranches__status=Tranche.Status.CANCELLED))
        )
        .filter(committed__isnull=False)
        .values_list("award_amount", "committed")
    )
    assert committed and all(award is not None and total <= award for award, total in committed)
    assert not Tranche.objects.exclude(selection__status__in=[*FUNDED, Status.EXITED]).exists()
    paid = Tranche.objects.filter(status="paid").select_related("selection")
    assert paid and all(t.paid_on and t.voucher_no.strip() for t in paid)
    assert all(t.selection.decided_on <= t.paid_on <= today for t in paid)
    passed = SelectionEvent.objects.filter(to_status=Status.MIDTERM_PASSED).values("selection_id")
    landed = SelectionEvent.objects.filter(to_status=Status.LANDED).values("selection_id")
    granted = Tranche.objects.filter(status__in=GRANTED)
    assert granted.filter(condition="midterm_pass").exists()
    assert not granted.filter(condition="midterm_pass").exclude(selection_id__in=passed).exists()
    assert not granted.filter(condition="on_landing").exclude(selection_id__in=landed).exists()
    assert not Tranche.objects.filter(selection__status=Status.EXITED, status__in=OPEN).exists()
    assert Tranche.objects.filter(selection__status=Status.EXITED, status="cancelled").exists()
    assert not Tranche.objects.filter(status="cancelled", cancel_reason="").exists()


def test_every_history_is_a_valid_path_to_the_current_status(seeded: dict[str, int]) -> None:
    now = timezone.now()
    selections = Selection.objects.prefetch_related("events")
    for selection in selections:
        events = sorted(selection.events.all(), key=lambda e: (e.at, e.id))
        assert [e.id for e in events] == sorted(e.id for e in events)  # ``at`` orders them as they were made
        first, *moves = events
        assert (first.from_status, first.to_status) == ("", Status.APPLIED)
        assert timezone.localdate(first.at) == selection.applied_on
        current = Status.APPLIED
        for event in moves:
            assert event.from_status == current
            assert transition_error(current, event.to_status, event.reason) is None, (selection, event)
            current = event.to_status
        assert current == selection.status
        assert all(e.at <= now for e in events)
        assert len({e.at for e in events}) == len(events)
        if selection.decided_on:
            decision = next(e for e in events if e.to_status in (Status.SELECTED, Status.REJECTED))
            assert timezone.localdate(decision.at) == selection.decided_on


def test_talents_landed_when_their_projects_did(seeded: dict[str, int]) -> None:
    first_landing = (
        SelectionEvent.objects.filter(to_status=Status.LANDED, selection__talent__isnull=False)
        .values_list("selection__talent")
        .annotate(first=Min("at"))
    )
    landed_on = dict(Talent.objects.values_list("id", "landed_on"))
    agree = [landed_on[talent] == timezone.localdate(at) for talent, at in first_landing]
    assert len(agree) >= 50 and sum(agree) >= 0.9 * len(agree)
