"""The selection lifecycle: every move the design allows works and is logged, every other move is refused with a
reason and changes nothing; only the program's office decides; bulk moves report row by row; an exit stops the
money that was not paid yet."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from programs.models import Selection, SelectionEvent, Tranche, transition_error
from programs.services import RuleError, selection_transition, selections_transition
from talentportal.audit.models import Action, AuditEntry, Source
from talentportal.audit.services import Actor
from talentportal.orgs.models import Membership, Role, User

from . import factories

# Written from DESIGN.md ("programs"), not copied from programs.models, so that a wrong table fails here.
PIPELINE = ["applied", "screened", "reviewed", "defended", "publicized"]
FUNDED = ["selected", "landed", "midterm_passed", "midterm_failed"]
FINAL = ["completed", "rejected", "exited"]
STATUSES = [*PIPELINE, *FUNDED, *FINAL]
ALLOWED = {
    ("applied", "screened"),
    ("screened", "reviewed"),
    ("reviewed", "defended"),
    ("defended", "publicized"),
    ("publicized", "selected"),
    ("selected", "landed"),
    ("landed", "midterm_passed"),
    ("landed", "midterm_failed"),
    ("midterm_passed", "completed"),
    ("midterm_failed", "completed"),
    *((state, "rejected") for state in PIPELINE),
    *((state, "exited") for state in FUNDED),
}
PAIRS = list(itertools.product(STATUSES, STATUSES))


def refusal_fragment(current: str, to: str) -> str:
    """The part of the refusal that names the rule which stops ``current`` → ``to``."""
    if current == to:
        return "already"
    if current in FINAL:
        return "final"
    if to == "rejected":
        return "exits instead"
    if to == "exited":
        return "rejected instead"
    return "moves only to"


@pytest.fixture
def city_program(units):
    return factories.batch(factories.program(units["330400"]))


@pytest.fixture
def county_program(units):
    return factories.batch(factories.program(units["330402"], level="county"))


def actor(user: User) -> Actor:
    return Actor(user=user, source=Source.FORM)


def in_state(batch, unit, status: str) -> Selection:
    """A selection of ``unit`` that has reached ``status`` (decided and awarded once it is selected)."""
    if status == "publicized":  # the award proposed with the publicity, set when selected
        item = factories.selection(batch, unit, status=status, award_amount=Decimal("100"))
    elif status in PIPELINE or status == "rejected":
        item = factories.selection(batch, unit, status=status)
    else:
        item = factories.selected(batch, unit, status=status)
    item.refresh_from_db()  # dates as dates
    return item


def selection_entries(selection: Selection):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Selection), object_id=str(selection.pk)
    )


def test_the_expected_table_has_twelve_states_and_nineteen_moves():
    # Guards the test's own table: 10 steps forward, 5 rejections, 4 exits.
    assert len(STATUSES) == len(set(STATUSES)) == 12 and set(STATUSES) == set(Selection.Status.values)
    assert len(ALLOWED) == 19 and len(PAIRS) == 144


@pytest.mark.parametrize(("current", "to"), sorted(ALLOWED))
def test_allowed_move_works_and_is_logged(current, to, city_program, units, people):
    assert transition_error(current, to, reason="理由") is None
    item = in_state(city_program, units["330402"], current)
    decided_before = item.decided_on
    (result,) = selections_transition(
        ids=[item.pk], to=to, comment="第三次会议", reason="理由", actor=actor(people["city_admin"])
    )
    assert (result.id, result.moved, result.message) == (item.pk, True, "")
    item.refresh_from_db()
    assert item.status == to
    (event,) = SelectionEvent.objects.filter(selection=item)
    assert (event.from_status, event.to_status, event.by, event.comment) == (
        current,
        to,
        people["city_admin"],
        "第三次会议",
    )
    (log,) = selection_entries(item)
    assert log.action == Action.UPDATE and log.user == people["city_admin"] and log.source == Source.FORM
    assert log.changes["status"] == [current, to]
    if to in ("selected", "rejected"):
        assert item.decided_on == timezone.localdate()
    else:
        assert item.decided_on == decided_before


@pytest.mark.parametrize(("current", "to"), [pair for pair in PAIRS if pair not in ALLOWED])
def test_refused_move_names_the_rule_and_changes_nothing(current, to, city_program, units, people):
    fragment = refusal_fragment(current, to)
    message = transition_error(current, to, reason="理由")
    assert message is not None and fragment in message, message
    if fragment == "moves only to":
        labels = dict(Selection.Status.choices)
        allowed_labels = {str(labels[s]) for (c, s) in ALLOWED if c == current}
        assert all(f"“{label}”" in message for label in allowed_labels), message
        assert message.endswith(f"not to “{labels[to]}”."), message

    item = in_state(city_program, units["330402"], current)
    entries = AuditEntry.objects.count()
    (result,) = selections_transition(ids=[item.pk], to=to, reason="理由", actor=actor(people["city_admin"]))
    assert (result.moved, result.message) == (False, message)
    with pytest.raises(RuleError) as refused:
        selection_transition(selection=item, to=to, reason="理由", actor=actor(people["city_admin"]))
    assert refused.value.message == message
    item.refresh_from_db()
    assert item.status == current
    assert not SelectionEvent.objects.filter(selection=item).exists()
    assert AuditEntry.objects.count() == entries


def test_unknown_status_is_refused(city_program, units, people):
    item = in_state(city_program, units["330402"], "applied")
    assert "not a selection status" in transition_error("applied", "approved")
    (result,) = selections_transition(ids=[item.pk], to="approved", actor=actor(people["city_admin"]))
    assert not result.moved and "not a selection status" in result.message
    item.refresh_from_db()
    assert item.status == "applied"


@pytest.mark.parametrize(("current", "to"), [("applied", "rejected"), ("publicized", "rejected"), ("landed", "exited")])
@pytest.mark.parametrize("reason", ["", "   "])
def test_rejection_and_exit_need_a_reason(current, to, reason, city_program, units, people):
    assert "needs a reason" in transition_error(current, to, reason=reason)
    item = in_state(city_program, units["330402"], current)
    with pytest.raises(RuleError, match="needs a reason"):
        selection_transition(selection=item, to=to, reason=reason, actor=actor(people["city_admin"]))
    item.refresh_from_db()
    assert (item.status, item.exit_reason) == (current, "")
    assert not SelectionEvent.objects.filter(selection=item).exists()
    assert not selection_entries(item).exists()


@pytest.mark.parametrize(("current", "to"), [("screened", "rejected"), ("midterm_passed", "exited")])
def test_reason_is_kept_on_the_selection_and_the_event(current, to, city_program, units, people):
    item = in_state(city_program, units["330402"], current)
    selection_transition(selection=item, to=to, reason="  材料不实  ", actor=actor(people["city_admin"]))
    item.refresh_from_db()
    assert (item.status, item.exit_reason) == (to, "材料不实")
    event = SelectionEvent.objects.get(selection=item)
    assert event.reason == "材料不实"
    assert selection_entries(item).get().changes["exit_reason"] == ["", "材料不实"]


def test_other_moves_keep_no_reason(city_program, units, people):
    item = in_state(city_program, units["330402"], "applied")
    selection_transition(selection=item, to="screened", reason="无关", actor=actor(people["city_admin"]))
    item.refresh_from_db()
    assert item.exit_reason == "" and SelectionEvent.objects.get(selection=item).reason == ""


def test_decision_date_is_today_on_selection_and_rejection_only(city_program, units, people):
    today = timezone.localdate()
    admin = actor(people["city_admin"])
    chosen = in_state(city_program, units["330402"], "publicized")
    turned_down = in_state(city_program, units["330402"], "defended")
    screened = in_state(city_program, units["330402"], "applied")
    landed = in_state(city_program, units["330402"], "selected")
    selection_transition(selection=chosen, to="selected", actor=admin)
    selection_transition(selection=turned_down, to="rejected", reason="未通过答辩", actor=admin)
    selection_transition(selection=screened, to="screened", actor=admin)
    selection_transition(selection=landed, to="landed", actor=admin)
    assert chosen.decided_on == today and turned_down.decided_on == today
    assert screened.decided_on is None
    assert landed.decided_on == datetime.date(2025, 6, 1)  # the decision stays the day it was taken


def test_audit_entry_records_the_status_change(city_program, units, people):
    item = in_state(city_program, units["330402"], "publicized")
    selection_transition(selection=item, to="selected", actor=actor(people["city_admin"]))
    log = selection_entries(item).get()
    assert (log.action, log.user, log.username, log.source) == (
        Action.UPDATE,
        people["city_admin"],
        "city_admin",
        Source.FORM,
    )
    assert log.changes["status"] == ["publicized", "selected"]
    assert log.changes["decided_on"] == [None, timezone.localdate().isoformat()]
    assert log.org_unit_id == units["330402"].pk


def test_a_decision_is_not_dated_before_the_application(city_program, units, people):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    item = factories.selection(city_program, units["330402"], status="publicized", applied_on=tomorrow)
    (result,) = selections_transition(ids=[item.pk], to="selected", actor=actor(people["city_admin"]))
    assert not result.moved and tomorrow.isoformat() in result.message and "before the application" in result.message
    item.refresh_from_db()
    assert (item.status, item.decided_on) == ("publicized", None)
    assert not SelectionEvent.objects.exists() and not AuditEntry.objects.exists()


def test_a_move_stamps_the_rows_it_changes(city_program, units, people):
    item = in_state(city_program, units["330402"], "landed")
    tranche = factories.tranche(item, 1)
    long_ago = datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC)
    Selection.objects.filter(pk=item.pk).update(updated_at=long_ago)
    Tranche.objects.filter(pk=tranche.pk).update(updated_at=long_ago)
    selection_transition(selection=item, to="exited", reason="离职", actor=actor(people["city_admin"]))
    tranche.refresh_from_db()
    assert item.updated_at > long_ago and tranche.updated_at > long_ago


# --- who may move a selection ------------------------------------------------------------------------------


@pytest.fixture
def city_editor(units):
    user = User.objects.create_user(username="city_editor", password="x", display_name="city_editor")
    Membership.objects.create(user=user, org_unit=units["330400"], role=Role.EDITOR)
    return user


@pytest.mark.parametrize("persona", ["a_editor", "a_admin"])
def test_county_cannot_decide_on_a_city_program_it_recommended_into(persona, city_program, units, people):
    item = in_state(city_program, units["330402"], "applied")
    (result,) = selections_transition(ids=[item.pk], to="screened", actor=actor(people[persona]))
    assert not result.moved and "Only the office that runs the program" in result.message
    with pytest.raises(RuleError, match="Only the office that runs the program"):
        selection_transition(selection=item, to="rejected", reason="不符合条件", actor=actor(people[persona]))
    item.refresh_from_db()
    assert item.status == "applied"
    assert not SelectionEvent.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.parametrize("persona", ["city_editor", "city_admin"])
def test_city_office_decides_on_its_program(persona, city_program, units, people, city_editor):
    user = city_editor if persona == "city_editor" else people[persona]
    item = in_state(city_program, units["330402"], "applied")
    selection_transition(selection=item, to="screened", actor=actor(user))
    assert item.status == "screened"
    assert SelectionEvent.objects.get(selection=item).by == user


def test_county_decides_on_its_own_program(county_program, units, people):
    item = in_state(county_program, units["330402"], "applied")
    selection_transition(selection=item, to="screened", actor=actor(people["a_editor"]))
    assert item.status == "screened"


def test_selection_of_another_county_does_not_exist_for_it(city_program, county_program, units, people):
    recommended_by_a = in_state(city_program, units["330402"], "applied")
    in_a_program = in_state(county_program, units["330402"], "applied")
    results = selections_transition(
        ids=[recommended_by_a.pk, in_a_program.pk], to="screened", actor=actor(people["b_editor"])
    )
    assert [(r.id, r.moved, r.message, r.label) for r in results] == [
        (recommended_by_a.pk, False, "No such selection.", f"#{recommended_by_a.pk}"),
        (in_a_program.pk, False, "No such selection.", f"#{in_a_program.pk}"),
    ]
    with pytest.raises(RuleError, match="No such selection"):
        selection_transition(selection=recommended_by_a, to="screened", actor=actor(people["b_editor"]))
    assert set(Selection.objects.values_list("status", flat=True)) == {"applied"}
    assert not SelectionEvent.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.parametrize("persona", ["city_viewer", "reviewer", "a_viewer"])
def test_viewers_and_reviewers_move_nothing(persona, city_program, county_program, units, people):
    rows = [
        in_state(city_program, units["330402"], "applied"),
        in_state(city_program, units["330402"], "publicized"),
        in_state(county_program, units["330402"], "applied"),
        in_state(city_program, units["330402"], "landed"),
    ]
    for to, reason in (("screened", ""), ("selected", ""), ("rejected", "不符合条件"), ("exited", "离职")):
        results = selections_transition(ids=[r.pk for r in rows], to=to, reason=reason, actor=actor(people[persona]))
        assert len(results) == len(rows) and not any(r.moved for r in results)
        assert all(
            r.message in ("No such selection.", "Only the office that runs the program decides on its selections.")
            for r in results
        ), [r.message for r in results]
    assert [Selection.objects.get(pk=r.pk).status for r in rows] == ["applied", "publicized", "applied", "landed"]
    assert not SelectionEvent.objects.exists() and not AuditEntry.objects.exists()


# --- bulk moves ----------------------------------------------------------------------------------------------


def test_bulk_move_moves_what_it_can_and_reports_the_rest(city_program, county_program, units, people):
    first = in_state(city_program, units["330402"], "applied")
    second = in_state(city_program, units["330411"], "applied")
    already = in_state(city_program, units["330402"], "screened")
    final = in_state(city_program, units["330402"], "rejected")
    selected = in_state(city_program, units["330402"], "selected")
    missing = Selection.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    ids = [first.pk, already.pk, first.pk, missing, second.pk, final.pk, str(selected.pk), second.pk]
    results = selections_transition(ids=ids, to="screened", comment="批量", actor=actor(people["city_admin"]))
    assert [r.id for r in results] == [first.pk, already.pk, missing, second.pk, final.pk, selected.pk]
    report = {r.id: r for r in results}
    assert report[first.pk].moved and report[second.pk].moved
    assert report[first.pk].label == str(first.talent) and report[first.pk].message == ""
    assert not report[already.pk].moved and "already" in report[already.pk].message
    assert not report[final.pk].moved and "final" in report[final.pk].message
    assert not report[selected.pk].moved and "moves only to" in report[selected.pk].message
    assert (report[missing].moved, report[missing].message) == (False, "No such selection.")
    statuses = dict(Selection.objects.values_list("pk", "status"))
    assert statuses == {
        first.pk: "screened",
        second.pk: "screened",
        already.pk: "screened",
        final.pk: "rejected",
        selected.pk: "selected",
    }
    # Each moved row once, however often it was asked for.
    assert sorted(SelectionEvent.objects.values_list("selection_id", flat=True)) == sorted([first.pk, second.pk])
    assert selection_entries(first).count() == 1 and selection_entries(second).count() == 1
    assert AuditEntry.objects.count() == 2


def test_bulk_move_for_a_county_editor_mixes_rights_and_rules(city_program, county_program, units, people):
    own = in_state(county_program, units["330402"], "applied")
    own_done = in_state(county_program, units["330402"], "completed")
    recommended = in_state(city_program, units["330402"], "applied")
    other_county = in_state(city_program, units["330411"], "applied")
    results = selections_transition(
        ids=[own.pk, own_done.pk, recommended.pk, other_county.pk], to="screened", actor=actor(people["a_editor"])
    )
    assert [r.moved for r in results] == [True, False, False, False]
    assert "final" in results[1].message
    assert "Only the office that runs the program" in results[2].message
    assert results[3].message == "No such selection."
    assert list(SelectionEvent.objects.values_list("selection_id", flat=True)) == [own.pk]


def test_bulk_move_costs_the_same_queries_for_two_rows_or_twenty(city_program, units, people):
    def queries_to_move(count: int) -> int:
        rows = [in_state(city_program, units["330402"], "applied") for _ in range(count)]
        with CaptureQueriesContext(connection) as captured:
            results = selections_transition(ids=[r.pk for r in rows], to="screened", actor=actor(people["city_admin"]))
        assert all(r.moved for r in results)
        return len(captured.captured_queries)

    queries_to_move(1)  # warms the content-type cache
    assert queries_to_move(20) == queries_to_move(2)


# --- an exit stops the money ---------------------------------------------------------------------------------


def test_exit_cancels_the_tranches_not_yet_paid(city_program, units, people):
    item = in_state(city_program, units["330402"], "landed")
    paid = factories.tranche(
        item, 1, status=Tranche.Status.PAID, paid_on=datetime.date(2025, 7, 1), voucher_no="记-2025-0701"
    )
    approved = factories.tranche(item, 2, status=Tranche.Status.APPROVED, condition=Tranche.Condition.ON_LANDING)
    planned = factories.tranche(item, 3, condition=Tranche.Condition.MIDTERM_PASS, amount=Decimal("40"))
    other = in_state(city_program, units["330411"], "selected")
    other_planned = factories.tranche(other, 1)

    results = selections_transition(
        ids=[item.pk, other.pk], to="exited", reason="本人离职", actor=actor(people["city_admin"])
    )
    assert [(r.id, r.moved, r.cancelled_tranches) for r in results] == [(item.pk, True, 2), (other.pk, True, 1)]
    for tranche in (paid, approved, planned, other_planned):
        tranche.refresh_from_db()
    assert (paid.status, paid.paid_on, paid.voucher_no, paid.cancel_reason) == (
        "paid",
        datetime.date(2025, 7, 1),
        "记-2025-0701",
        "",
    )
    for tranche in (approved, planned, other_planned):
        assert tranche.status == "cancelled"
        assert "本人离职" in tranche.cancel_reason
    tranche_type = ContentType.objects.get_for_model(Tranche)
    logged = AuditEntry.objects.filter(content_type=tranche_type, action=Action.UPDATE)
    assert sorted(int(e.object_id) for e in logged) == sorted([approved.pk, planned.pk, other_planned.pk])
    assert all(e.changes["status"][1] == "cancelled" for e in logged)


def test_refused_exit_cancels_nothing(city_program, units, people):
    item = in_state(city_program, units["330402"], "landed")
    planned = factories.tranche(item, 1)
    (result,) = selections_transition(ids=[item.pk], to="exited", reason="", actor=actor(people["city_admin"]))
    assert not result.moved and result.cancelled_tranches == 0
    (result,) = selections_transition(ids=[item.pk], to="exited", reason="离职", actor=actor(people["a_editor"]))
    assert not result.moved and result.cancelled_tranches == 0
    planned.refresh_from_db()
    assert planned.status == "planned" and planned.cancel_reason == ""
    assert not AuditEntry.objects.exists()


# --- the award before 入选 ----------------------------------------------------------------------------------------


def test_no_selection_without_its_award(city_program, units, people):
    bare = factories.selection(city_program, units["330402"], status="publicized")
    (result,) = selections_transition(ids=[bare.pk], to="selected", actor=actor(people["city_admin"]))
    assert not result.moved and result.field == "award_amount"
    assert "Award (10k yuan) is missing" in result.message and "“Selected”" in result.message
    assert result.label == str(bare.applicant)
    bare.refresh_from_db()
    assert (bare.status, bare.decided_on) == ("publicized", None)
    assert not SelectionEvent.objects.exists() and not AuditEntry.objects.exists()
    with pytest.raises(RuleError) as refused:
        selection_transition(selection=bare, to="selected", actor=actor(people["city_admin"]))
    assert refused.value.field == "award_amount"
    with translation.override("zh-hans"):
        (result,) = selections_transition(ids=[bare.pk], to="selected", actor=actor(people["city_admin"]))
    assert "资助金额" in result.message and "入选" in result.message


@pytest.mark.parametrize(("current", "to"), [("selected", "landed"), ("landed", "midterm_passed")])
def test_no_later_stage_without_the_award_either(current, to, city_program, units, people):
    """A selection entered before the rule, selected without an award, gets one before it goes on."""
    item = factories.selection(city_program, units["330402"], status=current, decided_on="2025-06-01")
    (result,) = selections_transition(ids=[item.pk], to=to, actor=actor(people["city_admin"]))
    assert not result.moved and "is missing" in result.message
    (result,) = selections_transition(
        ids=[item.pk], to=to, award_amount=Decimal("30"), actor=actor(people["city_admin"])
    )
    assert result.moved


def test_exit_and_rejection_need_no_award(city_program, units, people):
    turned_down = factories.selection(city_program, units["330402"], status="publicized")
    leaving = factories.selection(city_program, units["330402"], status="selected", decided_on="2025-06-01")
    admin = actor(people["city_admin"])
    assert selections_transition(ids=[turned_down.pk], to="rejected", reason="答辩未通过", actor=admin)[0].moved
    assert selections_transition(ids=[leaving.pk], to="exited", reason="离职", actor=admin)[0].moved


def test_the_award_is_set_with_the_move_and_audited_with_it(city_program, units, people):
    item = factories.selection(city_program, units["330402"], status="publicized")
    selection_transition(
        selection=item, to="selected", award_amount=Decimal("80.50"), actor=actor(people["city_admin"])
    )
    item.refresh_from_db()
    assert (item.status, item.award_amount) == ("selected", Decimal("80.50"))
    (log,) = selection_entries(item)
    assert log.changes["award_amount"] == [None, "80.50"] and log.changes["status"] == ["publicized", "selected"]


@pytest.mark.parametrize("award", ["0", "-5", "0.001", "1000000000000"])
def test_a_wrong_award_moves_nothing(award, city_program, units, people):
    item = factories.selection(city_program, units["330402"], status="publicized")
    (result,) = selections_transition(
        ids=[item.pk], to="selected", award_amount=Decimal(award), actor=actor(people["city_admin"])
    )
    assert not result.moved and result.field == "award_amount"
    item.refresh_from_db()
    assert (item.status, item.award_amount) == ("publicized", None)


def test_the_award_given_with_a_move_covers_the_planned_tranches(city_program, units, people):
    item = factories.selected(city_program, units["330402"], award="100")
    factories.tranche(item, 1, amount=Decimal("60"))
    (result,) = selections_transition(
        ids=[item.pk], to="landed", award_amount=Decimal("50"), actor=actor(people["city_admin"])
    )
    assert not result.moved and "already planned (60.00)" in result.message


def test_bulk_move_to_selected_moves_the_awarded_and_names_the_others(city_program, units, people):
    awarded = [
        factories.selection(city_program, units["330402"], status="publicized", award_amount=Decimal("50"))
        for _ in range(2)
    ]
    bare = factories.selection(city_program, units["330402"], status="publicized")
    results = selections_transition(
        ids=[*(s.pk for s in awarded), bare.pk], to="selected", actor=actor(people["city_admin"])
    )
    assert [r.moved for r in results] == [True, True, False]
    assert results[2].label == str(bare.applicant) and "is missing" in results[2].message
    assert Selection.objects.filter(status="selected").count() == 2
