"""The programs API as a client uses it: moving selections (one or many), planning, paying and cancelling
tranches, applying into batches, filtering the lists, token auth and the OpenAPI schema.

Permission matrices for plain CRUD live in ``test_permissions``; the rules themselves are tested through the
services in ``test_lifecycle`` and ``test_funding``. Here every rule is seen through the API's door: the status
code, the field the message is filed under, and that a refusal saves nothing.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from rest_framework.test import APIClient

from programs.models import Batch, Selection, SelectionEvent, Tranche, transition_error
from talentportal.audit.models import AuditEntry

from ..conftest import PASSWORD
from ..talents import factories as talent_factories
from . import factories

TODAY = datetime.date.today()
DECIDED = datetime.date(2025, 6, 1)  # factories.selected's decision date
NO_SUCH = "No such selection."
NOT_THE_OFFICE = "Only the office that runs the program decides on its selections."


@pytest.fixture
def api(api_client: APIClient) -> APIClient:
    """The API client, asking for English answers so that messages can be compared."""
    api_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return api_client


@pytest.fixture
def city_batch(units: dict[str, Any]) -> Batch:
    return factories.batch(factories.program(units["330400"]))


@pytest.fixture
def a_batch(units: dict[str, Any]) -> Batch:
    """A batch of county A's own program."""
    return factories.batch(factories.program(units["330402"], level="county"))


@pytest.fixture
def b_batch(units: dict[str, Any]) -> Batch:
    """A batch of county B's own program."""
    return factories.batch(factories.program(units["330411"], level="county"))


def in_state(batch: Batch, unit: Any, status: str, award: str = "100") -> Selection:
    """A selection recommended by ``unit`` that has reached ``status`` (decided and awarded once selected)."""
    if status == "publicized":  # the award proposed with the publicity, set when selected
        item = factories.selection(batch, unit, status=status, award_amount=Decimal(award))
    elif status in ("applied", "screened", "reviewed", "defended", "rejected"):
        item = factories.selection(batch, unit, status=status)
    else:
        item = factories.selected(batch, unit, award=award, status=status)
    item.refresh_from_db()  # dates as dates
    return item


def rule(current: str, to: str, reason: str = "") -> str:
    with translation.override("en"):
        message = transition_error(current, to, reason)
    assert message is not None
    return message


def move(api: APIClient, selection: Selection | int, to: str, **fields: str) -> Any:
    pk = selection if isinstance(selection, int) else selection.pk
    return api.post(f"/api/v1/selections/{pk}/transition/", {"to": to, **fields}, format="json")


def bulk(api: APIClient, ids: list[int], to: str, **fields: Any) -> Any:
    return api.post("/api/v1/selections/transition/", {"ids": ids, "to": to, **fields}, format="json")


def unused_id(model: Any) -> int:
    return (model.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1000


def paid(selection: Selection, number: int, amount: str = "30") -> Tranche:
    return factories.tranche(
        selection,
        number,
        amount=Decimal(amount),
        status=Tranche.Status.PAID,
        paid_on=datetime.date(2025, 7, 1),
        voucher_no="记-2025-0701",
    )


def ids_of(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- one selection: POST /api/v1/selections/ID/transition/ ---------------------------------------------------


@pytest.mark.parametrize(
    ("current", "to", "reason", "decided"),
    [
        ("applied", "screened", "", False),
        ("publicized", "selected", "", True),
        ("reviewed", "rejected", "材料不全", True),
        ("selected", "landed", "", False),
    ],
)
def test_transition_answers_the_moved_selection(api, people, units, city_batch, current, to, reason, decided):
    item = in_state(city_batch, units["330402"], current)
    before = item.decided_on
    api.force_authenticate(people["city_admin"])
    response = move(api, item, to, comment="第三次评审会", reason=reason)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"]) == (item.pk, to)
    expected_date = TODAY if decided else before
    assert body["decided_on"] == (expected_date.isoformat() if expected_date else None)
    assert body["exit_reason"] == reason
    assert body["cancelled_tranches"] == 0
    item.refresh_from_db()
    assert (item.status, item.decided_on) == (to, expected_date)
    (event,) = SelectionEvent.objects.filter(selection=item)
    assert (event.from_status, event.to_status, event.by, event.comment, event.reason) == (
        current,
        to,
        people["city_admin"],
        "第三次评审会",
        reason,
    )


@pytest.mark.parametrize(
    ("current", "to", "reason"),
    [
        ("applied", "selected", ""),  # skips the pipeline
        ("applied", "rejected", ""),  # rejection needs a reason
        ("defended", "rejected", "   "),  # blanks are no reason
        ("landed", "exited", ""),  # so does an exit
        ("selected", "rejected", "不符合条件"),  # a selected talent exits instead
        ("publicized", "exited", "离职"),  # an application is rejected instead
        ("completed", "exited", "离职"),  # final
        ("screened", "screened", ""),  # already there
    ],
)
def test_refused_transition_names_the_rule_under_to_and_saves_nothing(
    api, people, units, city_batch, current, to, reason
):
    item = in_state(city_batch, units["330402"], current)
    planned = factories.tranche(item, 1) if current in ("landed", "selected", "completed") else None
    entries = AuditEntry.objects.count()
    api.force_authenticate(people["city_admin"])
    response = move(api, item, to, reason=reason)
    assert response.status_code == 400, response.content
    assert response.json() == {"to": [rule(current, to, reason)]}
    item.refresh_from_db()
    assert (item.status, item.exit_reason) == (current, "")
    assert not SelectionEvent.objects.exists()
    assert AuditEntry.objects.count() == entries
    if planned is not None:
        planned.refresh_from_db()
        assert planned.status == "planned"


@pytest.mark.parametrize("payload", [{"to": "approved"}, {"to": ""}, {}, {"comment": "只有备注"}])
def test_transition_without_a_known_status_is_refused_under_to(api, people, units, city_batch, payload):
    item = in_state(city_batch, units["330402"], "applied")
    api.force_authenticate(people["city_admin"])
    response = api.post(f"/api/v1/selections/{item.pk}/transition/", payload, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["to"]
    item.refresh_from_db()
    assert item.status == "applied" and not SelectionEvent.objects.exists()


@pytest.mark.parametrize("persona", ["a_editor", "a_admin"])
@pytest.mark.parametrize(("current", "to", "reason"), [("applied", "screened", ""), ("publicized", "rejected", "x")])
def test_county_does_not_decide_on_the_city_program_it_recommended_into(
    api, people, units, city_batch, persona, current, to, reason
):
    item = in_state(city_batch, units["330402"], current)
    api.force_authenticate(people[persona])
    assert api.get(f"/api/v1/selections/{item.pk}/").status_code == 200  # it sees its recommendation
    response = move(api, item, to, reason=reason)
    assert response.status_code == 403, response.content
    if current == "applied":  # still its own application: the answer says who decides
        assert response.json()["detail"] == NOT_THE_OFFICE
    item.refresh_from_db()
    assert item.status == current and item.decided_on is None
    assert not SelectionEvent.objects.exists() and not AuditEntry.objects.exists()


def test_county_decides_on_its_own_program(api, people, units, a_batch):
    item = in_state(a_batch, units["330402"], "publicized")
    api.force_authenticate(people["a_editor"])
    response = move(api, item, "selected")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["decided_on"]) == ("selected", TODAY.isoformat())


@pytest.mark.parametrize("persona", ["city_viewer", "reviewer", "a_viewer"])
def test_viewers_and_reviewers_move_nothing(api, people, units, city_batch, a_batch, persona):
    rows = [in_state(city_batch, units["330402"], "applied"), in_state(a_batch, units["330402"], "applied")]
    api.force_authenticate(people[persona])
    for item in rows:
        assert move(api, item, "screened").status_code == 403
        assert move(api, item, "rejected", reason="不符合条件").status_code == 403
    assert set(Selection.objects.values_list("status", flat=True)) == {"applied"}
    assert not SelectionEvent.objects.exists() and not AuditEntry.objects.exists()


def test_another_countys_selection_is_not_found(api, people, units, city_batch, a_batch):
    recommended_by_a = in_state(city_batch, units["330402"], "applied")
    in_a_program = in_state(a_batch, units["330402"], "applied")
    api.force_authenticate(people["b_editor"])
    answers = [move(api, item, "screened") for item in (recommended_by_a, in_a_program, unused_id(Selection))]
    assert [a.status_code for a in answers] == [404, 404, 404]
    # Nothing tells an existing row from a missing one.
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert set(Selection.objects.values_list("status", flat=True)) == {"applied"}
    assert not SelectionEvent.objects.exists()


def test_exit_answers_the_tranches_it_cancelled(api, people, units, city_batch):
    item = in_state(city_batch, units["330402"], "landed")
    done = paid(item, 1)
    approved = factories.tranche(item, 2, status="approved", condition="on_landing", amount=Decimal("20"))
    planned = factories.tranche(item, 3, condition="midterm_pass", amount=Decimal("10"))
    earlier = factories.tranche(item, 4, status="cancelled", amount=Decimal("5"), cancel_reason="重复录入")
    other = in_state(city_batch, units["330402"], "landed")
    untouched = factories.tranche(other, 1)
    api.force_authenticate(people["city_admin"])
    response = move(api, item, "exited", reason="本人离职", comment="单位来函")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["exit_reason"], body["cancelled_tranches"]) == ("exited", "本人离职", 2)
    assert body["decided_on"] == DECIDED.isoformat()  # an exit is not a new decision
    for tranche in (done, approved, planned, earlier, untouched):
        tranche.refresh_from_db()
    assert (done.status, done.paid_on, done.voucher_no) == ("paid", datetime.date(2025, 7, 1), "记-2025-0701")
    assert approved.status == planned.status == "cancelled"
    assert "本人离职" in approved.cancel_reason and "本人离职" in planned.cancel_reason
    assert (earlier.status, earlier.cancel_reason) == ("cancelled", "重复录入")
    assert untouched.status == "planned"


def test_refused_exit_cancels_nothing(api, people, units, city_batch):
    item = in_state(city_batch, units["330402"], "landed")
    planned = factories.tranche(item, 1)
    api.force_authenticate(people["city_admin"])
    response = move(api, item, "exited")
    assert response.status_code == 400 and response.json() == {"to": [rule("landed", "exited")]}
    planned.refresh_from_db()
    item.refresh_from_db()
    assert (planned.status, planned.cancel_reason, item.status) == ("planned", "", "landed")
    assert not AuditEntry.objects.exists()


# --- many selections: POST /api/v1/selections/transition/ ----------------------------------------------------


def test_bulk_move_answers_row_by_row(api, people, units, city_batch, a_batch, b_batch):
    movable = in_state(a_batch, units["330402"], "applied")
    stuck = in_state(a_batch, units["330402"], "selected")
    not_ours_to_decide = in_state(city_batch, units["330402"], "applied")
    in_b_program = in_state(b_batch, units["330411"], "applied")
    recommended_by_b = in_state(city_batch, units["330411"], "applied")
    missing = unused_id(Selection)
    ids = [stuck.pk, in_b_program.pk, movable.pk, missing, not_ours_to_decide.pk, recommended_by_b.pk]
    api.force_authenticate(people["a_editor"])
    response = bulk(api, ids, "screened", comment="形式审查")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["moved"], body["refused"]) == (1, 5)
    assert [(r["id"], r["moved"], r["message"]) for r in body["results"]] == [
        (stuck.pk, False, rule("selected", "screened")),
        (in_b_program.pk, False, NO_SUCH),
        (movable.pk, True, ""),
        (missing, False, NO_SUCH),
        (not_ours_to_decide.pk, False, NOT_THE_OFFICE),
        (recommended_by_b.pk, False, NO_SUCH),
    ]
    # Another county's rows answer exactly like a missing one: nothing about them leaks.
    rows = {r["id"]: {k: v for k, v in r.items() if k != "id"} for r in body["results"]}
    assert rows[in_b_program.pk] == rows[recommended_by_b.pk] == rows[missing]
    assert dict(Selection.objects.values_list("id", "status")) == {
        movable.pk: "screened",
        stuck.pk: "selected",
        not_ours_to_decide.pk: "applied",
        in_b_program.pk: "applied",
        recommended_by_b.pk: "applied",
    }
    (event,) = SelectionEvent.objects.all()
    assert (event.selection_id, event.to_status, event.comment, event.by) == (
        movable.pk,
        "screened",
        "形式审查",
        people["a_editor"],
    )


def test_bulk_exit_answers_the_cancelled_tranches_per_row(api, people, units, city_batch):
    first = in_state(city_batch, units["330402"], "landed")
    factories.tranche(first, 1)
    factories.tranche(first, 2, status="approved")
    second = in_state(city_batch, units["330411"], "selected")
    paid(second, 1)
    third = in_state(city_batch, units["330402"], "applied")
    api.force_authenticate(people["city_admin"])
    response = bulk(api, [first.pk, second.pk, third.pk], "exited", reason="合同终止")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["moved"], body["refused"]) == (2, 1)
    assert [(r["id"], r["moved"], r["cancelled_tranches"]) for r in body["results"]] == [
        (first.pk, True, 2),
        (second.pk, True, 0),
        (third.pk, False, 0),
    ]
    assert body["results"][2]["message"] == rule("applied", "exited", "合同终止")
    assert list(Tranche.objects.order_by("selection_id", "number").values_list("status", flat=True)) == [
        "cancelled",
        "cancelled",
        "paid",
    ]


def test_bulk_move_without_reason_moves_nothing_that_needs_one(api, people, units, city_batch):
    rows = [in_state(city_batch, units["330402"], "applied") for _ in range(2)]
    api.force_authenticate(people["city_admin"])
    body = bulk(api, [r.pk for r in rows], "rejected").json()
    assert (body["moved"], body["refused"]) == (0, 2)
    assert {r["message"] for r in body["results"]} == {rule("applied", "rejected")}
    assert set(Selection.objects.values_list("status", flat=True)) == {"applied"}
    assert not SelectionEvent.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.parametrize("persona", ["city_viewer", "reviewer", "a_viewer"])
def test_bulk_move_is_forbidden_to_viewers(api, people, units, city_batch, a_batch, persona):
    rows = [in_state(city_batch, units["330402"], "applied"), in_state(a_batch, units["330402"], "applied")]
    api.force_authenticate(people[persona])
    response = bulk(api, [r.pk for r in rows], "screened")
    assert response.status_code == 403, response.content
    assert set(Selection.objects.values_list("status", flat=True)) == {"applied"}
    assert not SelectionEvent.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"ids": [], "to": "screened"}, "ids"),
        ({"to": "screened"}, "ids"),
        ({"ids": ["x"], "to": "screened"}, "ids"),
        ({"ids": "PLACEHOLDER"}, "to"),
        ({"ids": "PLACEHOLDER", "to": "approved"}, "to"),
    ],
)
def test_bulk_move_with_bad_input_is_400_naming_the_field(api, people, units, city_batch, payload, field):
    item = in_state(city_batch, units["330402"], "applied")
    if payload.get("ids") == "PLACEHOLDER":
        payload = {**payload, "ids": [item.pk]}
    api.force_authenticate(people["city_admin"])
    response = api.post("/api/v1/selections/transition/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    item.refresh_from_db()
    assert item.status == "applied" and not SelectionEvent.objects.exists()


def test_bulk_move_with_an_id_beyond_any_row_reports_it_missing(api, people, units, city_batch):
    item = in_state(city_batch, units["330402"], "applied")
    huge = 2**63  # past the largest id the database can hold
    api.force_authenticate(people["city_admin"])
    response = bulk(api, [item.pk, huge], "screened")
    assert response.status_code in (200, 400), response.content
    if response.status_code == 200:
        assert [(r["id"], r["moved"], r["message"]) for r in response.json()["results"]] == [
            (item.pk, True, ""),
            (huge, False, NO_SUCH),
        ]
    else:
        assert "ids" in response.json()
        item.refresh_from_db()
        assert item.status == "applied"


# --- tranches: POST, PATCH, DELETE /api/v1/tranches/ ---------------------------------------------------------


@pytest.fixture
def chosen(units: dict[str, Any], city_batch: Batch) -> Selection:
    """A selected talent of the city program, recommended by county A, awarded 100 (10k yuan)."""
    return in_state(city_batch, units["330402"], "selected")


def plan(api: APIClient, selection: Selection, amount: str, condition: str = "on_signing", **fields: Any) -> Any:
    return api.post(
        "/api/v1/tranches/",
        {"selection": selection.pk, "amount": amount, "condition": condition, **fields},
        format="json",
    )


def patch(api: APIClient, tranche: Tranche, **fields: Any) -> Any:
    return api.patch(f"/api/v1/tranches/{tranche.pk}/", fields, format="json")


def test_planning_numbers_the_tranches_in_order(api, people, chosen):
    api.force_authenticate(people["city_admin"])
    first = plan(api, chosen, "30", planned_on="2025-09-01")
    second = plan(api, chosen, "70", "milestone", milestone_note="建成中试线")
    assert (first.status_code, second.status_code) == (201, 201), (first.content, second.content)
    assert [(r.json()["number"], r.json()["status"], Decimal(r.json()["amount"])) for r in (first, second)] == [
        (1, "planned", Decimal("30")),
        (2, "planned", Decimal("70")),
    ]
    assert first.json()["planned_on"] == "2025-09-01" and second.json()["milestone_note"] == "建成中试线"
    assert list(chosen.tranches.values_list("number", "amount")) == [(1, Decimal("30")), (2, Decimal("70"))]


def test_the_client_does_not_choose_the_number(api, people, chosen):
    api.force_authenticate(people["city_admin"])
    response = plan(api, chosen, "30", number=7)
    assert response.status_code == 201, response.content
    assert response.json()["number"] == 1


def test_planning_past_the_award_is_refused_under_amount(api, people, chosen):
    factories.tranche(chosen, 1, amount=Decimal("60"))
    api.force_authenticate(people["city_admin"])
    response = plan(api, chosen, "40.01")
    assert response.status_code == 400, response.content
    (message,) = response.json()["amount"]
    assert "100" in message and "40" in message  # names the award and what is left
    assert chosen.tranches.count() == 1
    assert plan(api, chosen, "40").status_code == 201


@pytest.mark.parametrize("status", ["approved", "paid", "cancelled"])
def test_a_new_tranche_starts_as_planned(api, people, chosen, status):
    api.force_authenticate(people["city_admin"])
    response = plan(api, chosen, "30", status=status, paid_on=TODAY.isoformat(), voucher_no="记-1")
    assert response.status_code == 400, response.content
    assert "status" in response.json()
    assert not Tranche.objects.exists()


def test_approve_then_pay(api, people, chosen):
    tranche = factories.tranche(chosen, 1)
    api.force_authenticate(people["city_admin"])
    approved = patch(api, tranche, status="approved")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    done = patch(api, tranche, status="paid", paid_on=TODAY.isoformat(), voucher_no="记-2026-0001")
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["paid_on"], done.json()["voucher_no"]) == (
        "paid",
        TODAY.isoformat(),
        "记-2026-0001",
    )
    tranche.refresh_from_db()
    assert (tranche.status, tranche.paid_on, tranche.voucher_no) == ("paid", TODAY, "记-2026-0001")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "paid_on"),
        ({"voucher_no": "记-1"}, "paid_on"),
        ({"paid_on": TODAY.isoformat()}, "voucher_no"),
        ({"paid_on": TODAY.isoformat(), "voucher_no": "  "}, "voucher_no"),
        ({"paid_on": (TODAY + datetime.timedelta(days=1)).isoformat(), "voucher_no": "记-1"}, "paid_on"),
        ({"paid_on": "2025-05-31", "voucher_no": "记-1"}, "paid_on"),  # before the decision
    ],
)
def test_payment_needs_its_date_and_voucher(api, people, chosen, fields, field):
    tranche = factories.tranche(chosen, 1, status="approved")
    api.force_authenticate(people["city_admin"])
    response = patch(api, tranche, status="paid", **fields)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    tranche.refresh_from_db()
    assert (tranche.status, tranche.paid_on, tranche.voucher_no) == ("approved", None, "")


def test_a_planned_tranche_is_not_paid_directly(api, people, chosen):
    tranche = factories.tranche(chosen, 1)
    api.force_authenticate(people["city_admin"])
    response = patch(api, tranche, status="paid", paid_on=TODAY.isoformat(), voucher_no="记-1")
    assert response.status_code == 400, response.content
    assert response.json() == {"status": ["A tranche is approved before it is paid."]}
    tranche.refresh_from_db()
    assert (tranche.status, tranche.paid_on) == ("planned", None)


def test_midterm_tranche_waits_for_the_midterm_pass(api, people, units, city_batch):
    landed = in_state(city_batch, units["330402"], "landed")
    waiting = factories.tranche(landed, 1, condition="midterm_pass")
    passed = in_state(city_batch, units["330402"], "midterm_passed")
    due = factories.tranche(passed, 1, condition="midterm_pass")
    api.force_authenticate(people["city_admin"])
    refused = patch(api, waiting, status="approved")
    assert refused.status_code == 400, refused.content
    assert list(refused.json()) == ["status"] and "mid-term" in refused.json()["status"][0]
    waiting.refresh_from_db()
    assert waiting.status == "planned"
    assert patch(api, due, status="approved").status_code == 200
    done = patch(api, due, status="paid", paid_on=TODAY.isoformat(), voucher_no="记-9")
    assert done.status_code == 200 and done.json()["status"] == "paid"


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "cancelled"},
        {"status": "approved"},
        {"amount": "10"},
        {"voucher_no": "记-2025-0999"},
        {"paid_on": "2025-07-02"},
        {"planned_on": "2025-08-01"},
    ],
)
def test_a_paid_tranche_never_changes(api, people, chosen, fields):
    tranche = paid(chosen, 1)
    entries = AuditEntry.objects.count()
    api.force_authenticate(people["city_admin"])
    response = patch(api, tranche, **fields)
    assert response.status_code == 400, response.content
    assert "paid tranche" in json.dumps(response.json(), ensure_ascii=False)
    tranche.refresh_from_db()
    assert (tranche.status, tranche.amount, tranche.paid_on, tranche.voucher_no, tranche.planned_on) == (
        "paid",
        Decimal("30"),
        datetime.date(2025, 7, 1),
        "记-2025-0701",
        None,
    )
    assert AuditEntry.objects.count() == entries


def test_changing_a_planned_amount_checks_the_award_again(api, people, chosen):
    factories.tranche(chosen, 1, amount=Decimal("30"), status="approved")
    second = factories.tranche(chosen, 2, amount=Decimal("50"))
    api.force_authenticate(people["city_admin"])
    over = patch(api, second, amount="70.01")
    assert over.status_code == 400, over.content
    assert list(over.json()) == ["amount"]
    second.refresh_from_db()
    assert second.amount == Decimal("50")
    fits = patch(api, second, amount="70")
    assert fits.status_code == 200, fits.content
    assert Decimal(fits.json()["amount"]) == Decimal("70")


def test_an_approved_tranches_terms_are_fixed(api, people, chosen):
    tranche = factories.tranche(chosen, 1, status="approved")
    api.force_authenticate(people["city_admin"])
    response = patch(api, tranche, amount="20")
    assert response.status_code == 400, response.content
    tranche.refresh_from_db()
    assert tranche.amount == Decimal("30")


@pytest.mark.parametrize("status", ["planned", "approved"])
def test_cancelling_frees_the_amount(api, people, chosen, status):
    tranche = factories.tranche(chosen, 1, amount=Decimal("100"), status=status)
    api.force_authenticate(people["city_admin"])
    response = patch(api, tranche, status="cancelled", cancel_reason="协议变更")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["cancel_reason"]) == ("cancelled", "协议变更")
    assert plan(api, chosen, "100").status_code == 201
    again = patch(api, tranche, status="approved")
    assert again.status_code == 400
    tranche.refresh_from_db()
    assert tranche.status == "cancelled"


def test_deleting_a_planned_tranche_and_not_the_others(api, people, chosen):
    planned = factories.tranche(chosen, 1, amount=Decimal("10"))
    approved = factories.tranche(chosen, 2, amount=Decimal("10"), status="approved")
    done = paid(chosen, 3, amount="10")
    api.force_authenticate(people["city_admin"])
    assert api.delete(f"/api/v1/tranches/{planned.pk}/").status_code == 204
    for kept in (done, approved):
        response = api.delete(f"/api/v1/tranches/{kept.pk}/")
        assert response.status_code == 409, response.content
        assert response.json()["detail"]
    assert sorted(Tranche.objects.values_list("number", flat=True)) == [2, 3]


def test_only_the_office_deletes_a_tranche(api, people, chosen):
    planned = factories.tranche(chosen, 1)
    api.force_authenticate(people["a_editor"])  # recommended it, sees it, does not manage the money
    assert api.delete(f"/api/v1/tranches/{planned.pk}/").status_code == 403
    api.force_authenticate(people["b_editor"])
    assert api.delete(f"/api/v1/tranches/{planned.pk}/").status_code == 404
    assert Tranche.objects.filter(pk=planned.pk).exists()


# --- applying: POST /api/v1/selections/ ----------------------------------------------------------------------


def application(batch: Batch, applicant: Any, **fields: Any) -> dict[str, Any]:
    key = "team" if applicant.__class__.__name__ == "Team" else "talent"
    return {"batch": batch.pk, key: applicant.pk, "org_unit": "330402", "applied_on": "2025-04-01", **fields}


@pytest.fixture
def applicant(units: dict[str, Any]) -> Any:
    return talent_factories.talent(units["330402"])


def test_county_applies_into_an_open_city_batch(api, people, units, applicant):
    open_batch = factories.batch(factories.program(units["330400"]), status="open")
    api.force_authenticate(people["a_editor"])
    response = api.post("/api/v1/selections/", application(open_batch, applicant), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["batch"], body["talent"], body["org_unit"], body["status"]) == (
        open_batch.pk,
        applicant.pk,
        "330402",
        "applied",
    )
    assert Selection.objects.get(pk=body["id"]).status == "applied"


@pytest.mark.parametrize("status", ["closed", "planned", "reviewing"])
def test_county_does_not_apply_into_a_batch_that_is_not_open(api, people, units, applicant, status):
    batch = factories.batch(factories.program(units["330400"]), status=status)
    api.force_authenticate(people["a_editor"])
    response = api.post("/api/v1/selections/", application(batch, applicant), format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["batch"]
    assert not Selection.objects.exists()


def test_the_city_office_adds_a_late_application(api, people, units, applicant):
    closed = factories.batch(factories.program(units["330400"]), status="closed")
    api.force_authenticate(people["city_admin"])
    response = api.post("/api/v1/selections/", application(closed, applicant), format="json")
    assert response.status_code == 201, response.content


def test_a_county_does_not_move_its_application_into_a_closed_batch(api, people, units, applicant):
    program = factories.program(units["330400"])
    open_batch = factories.batch(program, status="open")
    closed = factories.batch(program, status="closed")
    item = factories.selection(open_batch, units["330402"], talent=applicant)
    api.force_authenticate(people["a_editor"])
    response = api.patch(f"/api/v1/selections/{item.pk}/", {"batch": closed.pk}, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["batch"]
    item.refresh_from_db()
    assert item.batch_id == open_batch.pk


def test_an_applicant_is_once_in_a_batch(api, people, units, applicant):
    open_batch = factories.batch(factories.program(units["330400"]), status="open")
    factories.selection(open_batch, units["330402"], talent=applicant)
    team = talent_factories.team(units["330402"], applicant)
    factories.selection(open_batch, units["330402"], team=team)
    api.force_authenticate(people["a_editor"])
    for payload in (application(open_batch, applicant), application(open_batch, team)):
        response = api.post("/api/v1/selections/", payload, format="json")
        assert response.status_code == 400, response.content
        assert list(response.json()) == ["batch"]
    assert Selection.objects.count() == 2
    other_batch = factories.batch(open_batch.program, status="open")
    assert api.post("/api/v1/selections/", application(other_batch, applicant), format="json").status_code == 201


def test_an_application_names_a_talent_or_a_team(api, people, units, applicant):
    open_batch = factories.batch(factories.program(units["330400"]), status="open")
    team = talent_factories.team(units["330402"], applicant)
    api.force_authenticate(people["a_editor"])
    both = application(open_batch, applicant, team=team.pk)
    neither = {k: v for k, v in application(open_batch, applicant).items() if k != "talent"}
    for payload in (both, neither):
        response = api.post("/api/v1/selections/", payload, format="json")
        assert response.status_code == 400, response.content
        assert list(response.json()) == ["talent"]
    assert not Selection.objects.exists()
    assert api.post("/api/v1/selections/", application(open_batch, team), format="json").status_code == 201


def test_status_and_decision_are_not_set_by_the_payload(api, people, units, applicant):
    open_batch = factories.batch(factories.program(units["330400"]), status="open")
    payload = application(open_batch, applicant, status="selected", decided_on="2025-05-01", exit_reason="x")
    api.force_authenticate(people["city_admin"])
    response = api.post("/api/v1/selections/", payload, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["decided_on"], response.json()["exit_reason"]) == (
        "applied",
        None,
        "",
    )
    item = Selection.objects.get(pk=response.json()["id"])
    assert (item.status, item.decided_on) == ("applied", None)
    changed = api.patch(f"/api/v1/selections/{item.pk}/", {"status": "selected", "notes": "补充"}, format="json")
    assert changed.status_code == 200, changed.content
    item.refresh_from_db()
    assert (item.status, item.notes) == ("applied", "补充")
    assert not SelectionEvent.objects.exists()


# --- filters -------------------------------------------------------------------------------------------------


def test_selection_filters(api, people, units, city_batch):
    other_batch = factories.batch(city_batch.program)
    other_program = factories.batch(factories.program(units["330400"]))
    chosen_a = in_state(city_batch, units["330402"], "selected")
    chosen_town = in_state(other_batch, units["330402001"], "selected")
    applied_a = in_state(city_batch, units["330402"], "applied")
    chosen_b = in_state(city_batch, units["330411"], "selected")
    elsewhere = in_state(other_program, units["330402"], "selected")
    api.force_authenticate(people["city_admin"])
    url = "/api/v1/selections/"
    assert ids_of(api.get(url, {"program": city_batch.program_id, "status": "selected"})) == {
        chosen_a.pk,
        chosen_town.pk,
        chosen_b.pk,
    }
    assert ids_of(api.get(url, {"batch": city_batch.pk})) == {chosen_a.pk, applied_a.pk, chosen_b.pk}
    assert ids_of(api.get(url, {"org_unit": "330402"})) == {chosen_a.pk, chosen_town.pk, applied_a.pk, elsewhere.pk}
    assert ids_of(api.get(url, {"org_unit": "330402001"})) == {chosen_town.pk}
    assert ids_of(api.get(url, {"org_unit": "330402", "status": "applied"})) == {applied_a.pk}
    # A county filters within what it sees.
    api.force_authenticate(people["b_editor"])
    assert ids_of(api.get(url, {"batch": city_batch.pk})) == {chosen_b.pk}


def test_tranche_filters(api, people, units, city_batch):
    a = in_state(city_batch, units["330402"], "landed", award="500")
    b = in_state(city_batch, units["330411"], "landed", award="500")
    days = datetime.timedelta

    def make(owner: Selection, number: int, status: str = "planned", planned_on: Any = None) -> Tranche:
        extra: dict[str, Any] = {"status": status, "planned_on": planned_on}
        if status == "paid":
            extra.update(paid_on=datetime.date(2025, 7, 1), voucher_no=f"记-{number}")
        return factories.tranche(owner, number, **extra)

    soon = make(a, 1, planned_on=TODAY + days(30))
    approved_soon = make(a, 2, "approved", TODAY + days(90))
    overdue = make(b, 1, planned_on=TODAY - days(10))
    later = make(a, 3, planned_on=TODAY + days(91))
    undated = make(a, 4)
    paid_soon = make(a, 5, "paid", TODAY + days(5))
    cancelled_soon = make(b, 2, "cancelled", TODAY + days(5))
    paid_b = make(b, 3, "paid", TODAY - days(100))
    api.force_authenticate(people["city_admin"])
    url = "/api/v1/tranches/"
    assert ids_of(api.get(url, {"due_within": 90})) == {soon.pk, approved_soon.pk, overdue.pk}
    assert ids_of(api.get(url, {"status": "paid"})) == {paid_soon.pk, paid_b.pk}
    assert ids_of(api.get(url, {"status": "paid", "org_unit": "330411"})) == {paid_b.pk}
    assert ids_of(api.get(url, {"due_within": 90, "org_unit": "330402"})) == {soon.pk, approved_soon.pk}
    assert later.pk in ids_of(api.get(url, {"due_within": 91}))
    assert undated.pk not in ids_of(api.get(url, {"due_within": 3650}))
    assert cancelled_soon.pk not in ids_of(api.get(url, {"due_within": 90}))


@pytest.mark.parametrize(("url", "field"), [("/api/v1/selections/", "batch"), ("/api/v1/tranches/", "selection")])
def test_an_id_filter_past_any_row_finds_nothing(api, people, chosen, url, field):
    factories.tranche(chosen, 1)
    api.force_authenticate(people["city_admin"])
    response = api.get(url, {field: 2**70})
    if response.status_code == 400:
        assert list(response.json()) == [field]
    else:
        assert response.status_code == 200 and response.json()["results"] == [], response.content


def test_due_within_a_very_long_time_gets_a_clean_answer(api, people, chosen):
    due = factories.tranche(chosen, 1, planned_on=TODAY)
    api.force_authenticate(people["city_admin"])
    response = api.get("/api/v1/tranches/", {"due_within": 99_999_999})
    if response.status_code == 400:
        assert list(response.json()) == ["due_within"]
    else:  # read as "at any time"
        assert ids_of(response) == {due.pk}


def test_lists_cost_the_same_queries_for_two_rows_or_twenty(api, people, units, city_batch):
    api.force_authenticate(people["city_admin"])

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(url).status_code == 200
        return len(ctx.captured_queries)

    def grow(n: int) -> None:
        for _ in range(n):
            item = in_state(city_batch, units["330402"], "selected")
            item.employer = talent_factories.enterprise(units["330402"])
            item.save()
            factories.tranche(item, 1)

    grow(2)
    queries("/api/v1/selections/")  # the first request also caches the user's scope
    few = (queries("/api/v1/selections/"), queries("/api/v1/tranches/"))
    grow(18)
    assert (queries("/api/v1/selections/"), queries("/api/v1/tranches/")) == few


# --- token auth ----------------------------------------------------------------------------------------------


def test_token_auth_drives_the_workflow(people, units, city_batch, chosen):
    client = APIClient(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    item = in_state(city_batch, units["330402"], "applied")
    assert move(client, item, "screened").status_code in (401, 403)
    token = client.post("/api/v1/auth/token/", {"username": "city_admin", "password": PASSWORD})
    assert token.status_code == 200, token.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert move(client, item, "screened").json()["status"] == "screened"
    assert bulk(client, [item.pk], "reviewed").json()["moved"] == 1
    tranche = plan(client, chosen, "30")
    assert tranche.status_code == 201, tranche.content
    approved = client.patch(f"/api/v1/tranches/{tranche.json()['id']}/", {"status": "approved"}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert item.pk in ids_of(client.get("/api/v1/selections/", {"status": "reviewed"}))
    event = SelectionEvent.objects.filter(selection=item).last()
    assert event is not None and event.by == people["city_admin"]


def test_a_viewers_token_does_not_move_anything(people, units, city_batch):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    item = in_state(city_batch, units["330402"], "applied")
    token = client.post("/api/v1/auth/token/", {"username": "city_viewer", "password": PASSWORD}).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(f"/api/v1/selections/{item.pk}/").status_code == 200
    assert move(client, item, "screened").status_code == 403
    assert bulk(client, [item.pk], "screened").status_code == 403
    item.refresh_from_db()
    assert item.status == "applied"


# --- the OpenAPI schema --------------------------------------------------------------------------------------


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def test_schema_lists_the_transition_endpoints(schema):
    one = schema["paths"]["/api/v1/selections/{id}/transition/"]["post"]
    many = schema["paths"]["/api/v1/selections/transition/"]["post"]
    one_body = resolve(schema, one["requestBody"]["content"]["application/json"]["schema"])
    many_body = resolve(schema, many["requestBody"]["content"]["application/json"]["schema"])
    assert {"to", "comment", "reason"} <= set(one_body["properties"]) and "to" in one_body["required"]
    assert {"ids", "to", "comment", "reason"} <= set(many_body["properties"])
    assert {"ids", "to"} <= set(many_body["required"])
    answer = resolve(schema, one["responses"]["200"]["content"]["application/json"]["schema"])
    assert {"id", "status", "decided_on"} <= set(answer["properties"])
    assert one["operationId"] != many["operationId"]


def test_schema_describes_the_answers_of_the_transitions(schema):
    """A client generated from the schema must find what the endpoints answer."""
    one = schema["paths"]["/api/v1/selections/{id}/transition/"]["post"]
    many = schema["paths"]["/api/v1/selections/transition/"]["post"]
    one_answer = resolve(schema, one["responses"]["200"]["content"]["application/json"]["schema"])
    assert "cancelled_tranches" in one_answer["properties"]
    many_answer = resolve(schema, many["responses"]["200"]["content"]["application/json"]["schema"])
    assert {"moved", "refused", "results"} <= set(many_answer["properties"])
    row = resolve(schema, many_answer["properties"]["results"]["items"])
    assert {"id", "moved", "message", "cancelled_tranches"} <= set(row["properties"])


# --- the award before 入选 ----------------------------------------------------------------------------------------


def test_selected_only_with_an_award_through_the_api(api, people, units, city_batch):
    item = factories.selection(city_batch, units["330402"], status="publicized")
    api.force_authenticate(people["city_admin"])
    refused = move(api, item, "selected")
    assert refused.status_code == 400 and "is missing" in refused.json()["award_amount"][0]
    assert Selection.objects.get(pk=item.pk).status == "publicized"
    assert move(api, item, "selected", award_amount="abc").status_code == 400
    assert move(api, item, "selected", award_amount="0").status_code == 400
    moved = move(api, item, "selected", award_amount="75.5")
    assert moved.status_code == 200, moved.content
    assert (moved.json()["status"], moved.json()["award_amount"]) == ("selected", "75.50")


def test_bulk_move_through_the_api_names_the_rows_without_an_award(api, people, units, city_batch):
    awarded = in_state(city_batch, units["330402"], "publicized")
    bare = factories.selection(city_batch, units["330402"], status="publicized")
    api.force_authenticate(people["city_admin"])
    response = api.post(
        "/api/v1/selections/transition/", {"ids": [awarded.pk, bare.pk], "to": "selected"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["moved"], body["refused"]) == (1, 1)
    refusal = next(row for row in body["results"] if row["id"] == bare.pk)
    assert not refusal["moved"] and "Award (10k yuan) is missing" in refusal["message"]
