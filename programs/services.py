"""Workflows of the program office: moving selections through their lifecycle and managing their funding.

Every door (pages, bulk actions, the API, imports) comes through here, so the rules of ``models`` are checked
once, rows are locked while they are checked, and every change lands in the audit log.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from talentportal.audit.models import Action
from talentportal.audit.services import Actor, delete_with_audit, diff, entry, record_bulk, record_change, snapshot

from .models import DECIDED, FUNDED, NEEDS_REASON, Selection, SelectionEvent, Status, Tranche


class RuleError(Exception):
    """A rule refused the change; the message names the rule and nothing was saved."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class RowResult:
    id: int
    label: str
    moved: bool
    message: str = ""
    cancelled_tranches: int = 0
    field: str = "to"  # what the refusal is about, for the API's error


# Money is Decimal(14, 2): below a trillion (10k yuan).
AWARD_LIMIT = Decimal(10) ** 12
SELECTION_RELATED = ("batch__program", "talent", "team", "org_unit", "employer")


def selections_transition(
    *,
    ids: Iterable[int],
    to: str,
    comment: str = "",
    reason: str = "",
    award_amount: Decimal | None = None,
    actor: Actor,
) -> list[RowResult]:
    """Move each selection to ``to`` where the lifecycle allows it; report the others with the rule that
    stopped them. Rows the user may not see are reported as not found, rows they may see but not decide on
    as such. One transaction: the rows are locked, checked, moved, logged.

    A selection is selected (and goes on from there) only with its award: ``award_amount``, when given, is set
    on the rows as they move; without it a row that has no award stays where it is, with the reason."""
    wanted = list(dict.fromkeys(int(i) for i in ids))
    today = timezone.localdate()
    results: list[RowResult] = []
    with transaction.atomic():
        visible = Selection.objects.for_user(actor.scope_user).filter(id__in=wanted)
        managed = set(Selection.objects.managed_by(actor.scope_user).filter(id__in=wanted).values_list("id", flat=True))
        rows = {
            s.pk: s for s in visible.select_related(*SELECTION_RELATED).select_for_update(of=("self",)).order_by("id")
        }
        committed = _committed(rows) if award_amount is not None else {}
        moving: list[tuple[Selection, dict[str, Any]]] = []
        for pk in wanted:
            selection = rows.get(pk)
            if selection is None:
                results.append(RowResult(pk, f"#{pk}", False, _("No such selection.")))
                continue
            label = str(selection.applicant)
            error, field = selection.transition_error(to, reason), "to"
            if pk not in managed:
                error = _("Only the office that runs the program decides on its selections.")
            elif error is None and to in DECIDED and today < selection.applied_on:
                error = _("A decision cannot be dated before the application (%(date)s).") % {
                    "date": selection.applied_on.isoformat()
                }
            elif error is None:
                error, field = _award_refusal(award_amount, selection, committed.get(pk), to), "award_amount"
            if error:
                results.append(RowResult(pk, label, False, error, field=field))
                continue
            before = snapshot(selection)
            moving.append((selection, before))
            results.append(RowResult(pk, label, True))
        if not moving:
            return results
        # Every moved row takes the same values: one UPDATE, not a CASE per row (the rows are locked above).
        values: dict[str, Any] = {"status": to, "updated_at": timezone.now()}
        if award_amount is not None:
            values["award_amount"] = award_amount
        if to in DECIDED:
            values["decided_on"] = today
        if to in NEEDS_REASON:
            values["exit_reason"] = reason.strip()[:500]
        events = [
            SelectionEvent(
                selection=selection,
                from_status=selection.status,
                to_status=to,
                by=actor.user,
                comment=comment.strip()[:500],
                reason=values.get("exit_reason", ""),
            )
            for selection, _before in moving
        ]
        for selection, _before in moving:
            for field, value in values.items():
                setattr(selection, field, value)
        Selection.objects.filter(pk__in=[s.pk for s, _b in moving]).update(**values)
        SelectionEvent.objects.bulk_create(events, batch_size=500)
        logs = [entry(actor, Action.UPDATE, s, diff(b, snapshot(s))) for s, b in moving]
        if to == Status.EXITED:
            cancelled = cancel_unpaid(
                [s.pk for s, _b in moving], _("Cancelled on exit: %(reason)s") % {"reason": reason.strip()}, actor
            )
            for result in results:
                result.cancelled_tranches = cancelled.get(result.id, 0)
        record_bulk(logs)
    return results


def award_missing(to: str) -> str:
    """Why a selection without an award cannot become ``to`` (selected, or a stage after it)."""
    return _("%(field)s is missing: set the award before the selection becomes “%(to)s”.") % {
        "field": capfirst(Selection._meta.get_field("award_amount").verbose_name),
        "to": dict(Status.choices).get(to, to),
    }


def _award_refusal(award: Decimal | None, selection: Selection, committed: Decimal | None, to: str) -> str | None:
    """Why the award given with a move (or, without one, the award the selection has) does not allow it."""
    if award is not None:
        try:
            _check_amount(award)
        except RuleError as exc:
            return exc.message
        if award >= AWARD_LIMIT:
            return _("The award is too large.")
        if committed is not None and award < committed:
            return _("The award cannot be less than the tranches already planned (%(total)s).") % {"total": committed}
    if to in FUNDED and (award or selection.award_amount) is None:
        return award_missing(to)
    return None


def _committed(rows: dict[int, Selection]) -> dict[int, Decimal]:
    """What each selection's tranches (not cancelled) add up to."""
    totals = (
        Tranche.objects.filter(selection_id__in=list(rows))
        .exclude(status=Tranche.Status.CANCELLED)
        .order_by()
        .values_list("selection_id")
        .annotate(total=Sum("amount"))
    )
    return {pk: Decimal(total).quantize(Decimal("0.01")) for pk, total in totals}


def cancel_unpaid(selection_ids: list[int], why: str, actor: Actor) -> dict[int, int]:
    """Cancel the tranches of these selections that were not paid yet; how many per selection."""
    open_tranches = list(
        Tranche.objects.filter(
            selection_id__in=selection_ids, status__in=[Tranche.Status.PLANNED, Tranche.Status.APPROVED]
        ).select_related("selection__batch__program", "selection__talent", "selection__team")
    )
    counts: dict[int, int] = {}
    logs = []
    values = {"status": Tranche.Status.CANCELLED, "cancel_reason": why[:300], "updated_at": timezone.now()}
    for tranche in open_tranches:
        before = snapshot(tranche)
        for field, value in values.items():
            setattr(tranche, field, value)
        logs.append(entry(actor, Action.UPDATE, tranche, diff(before, snapshot(tranche))))
        counts[tranche.selection_id] = counts.get(tranche.selection_id, 0) + 1
    Tranche.objects.filter(pk__in=[t.pk for t in open_tranches]).update(**values)
    record_bulk(logs)
    return counts


def selection_transition(
    *,
    selection: Selection,
    to: str,
    comment: str = "",
    reason: str = "",
    award_amount: Decimal | None = None,
    actor: Actor,
) -> RowResult:
    """One selection's move; raises ``RuleError`` when the lifecycle refuses it."""
    (result,) = selections_transition(
        ids=[selection.pk], to=to, comment=comment, reason=reason, award_amount=award_amount, actor=actor
    )
    if not result.moved:
        raise RuleError(result.message, result.field)
    selection.refresh_from_db()
    return result


# --- funding ---------------------------------------------------------------------------------------------
# A tranche's terms: what is set when it is planned, and may be corrected while it is only planned.
TERMS = ("amount", "condition", "milestone_note", "planned_on")


def _locked_selection(selection_id: int, actor: Actor) -> Selection:
    """The selection row, locked: whoever adds or resizes a tranche waits here, so two clerks cannot both
    fit a tranche into the same remaining award."""
    selection: Selection | None = (
        Selection.objects.managed_by(actor.scope_user)
        .select_for_update(of=("self",))
        .select_related(*SELECTION_RELATED)
        .filter(pk=selection_id)
        .first()
    )
    if selection is None:
        raise RuleError(_("Only the office that runs the program manages its funding."))
    return selection


def selection_id_of(tranche_id: Any) -> int | None:
    """The selection a tranche belongs to, unlocked: what a write locks first, before the tranche itself."""
    return Tranche.objects.filter(pk=tranche_id).values_list("selection_id", flat=True).first()


def _locked_tranche(tranche_id: int, actor: Actor) -> Tranche:
    """The tranche, locked after its selection (the same order as adding one, so no two writers deadlock)."""
    selection_id = selection_id_of(tranche_id)
    if selection_id is None:
        raise RuleError(_("No such tranche."))
    selection = _locked_selection(selection_id, actor)
    tranche: Tranche = Tranche.objects.select_for_update().get(pk=tranche_id)
    tranche.selection = selection
    return tranche


def _check_fits(
    selection: Selection, amount: Decimal, replacing: Decimal = Decimal(0), committed: Decimal | None = None
) -> None:
    """``committed``: what the selection's tranches add up to, when the caller summed them for many selections."""
    if selection.award_amount is None:
        raise RuleError(_("Set the selection's award before planning its tranches."), "amount")
    others = (selection.committed_amount() if committed is None else committed) - replacing
    if others + amount > selection.award_amount:
        raise RuleError(
            _(
                "The tranches would add up to %(total)s (10k yuan), more than the award of %(award)s; "
                "at most %(left)s is left to plan."
            )
            % {"total": others + amount, "award": selection.award_amount, "left": selection.award_amount - others},
            "amount",
        )


def _check_amount(amount: Decimal | None) -> None:
    if amount is None or amount <= 0:
        raise RuleError(_("The amount must be more than zero."), "amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise RuleError(_("Amounts are in 10k yuan with at most two decimals."), "amount")


def _check_terms(condition: str, milestone_note: str) -> None:
    if condition not in Tranche.Condition.values:
        raise RuleError(_("“%(value)s” is not a tranche condition.") % {"value": condition}, "condition")
    if condition == Tranche.Condition.MILESTONE and not milestone_note.strip():
        raise RuleError(_("Name the milestone a milestone tranche is tied to."), "milestone_note")


def tranche_add(
    *,
    selection_id: int,
    amount: Decimal,
    condition: str,
    planned_on: datetime.date | None = None,
    milestone_note: str = "",
    actor: Actor,
) -> Tranche:
    with transaction.atomic():
        selection = _locked_selection(selection_id, actor)
        if selection.status not in FUNDED:
            raise RuleError(
                _("Tranches are planned for selected talents; this selection is “%(status)s”.")
                % {"status": selection.get_status_display()}
            )
        _check_amount(amount)
        _check_terms(condition, milestone_note)
        _check_fits(selection, amount)
        last = selection.tranches.order_by("-number").values_list("number", flat=True).first() or 0
        tranche = Tranche.objects.create(
            selection=selection,
            number=last + 1,
            amount=amount,
            condition=condition,
            planned_on=planned_on,
            milestone_note=milestone_note.strip(),
        )
        record_change(actor, tranche, None, snapshot(tranche))
    return tranche


# Which status a tranche may take next.
TRANCHE_MOVES = {
    Tranche.Status.PLANNED: {Tranche.Status.APPROVED, Tranche.Status.CANCELLED},
    Tranche.Status.APPROVED: {Tranche.Status.PAID, Tranche.Status.CANCELLED},
    Tranche.Status.PAID: set(),
    Tranche.Status.CANCELLED: set(),
}


def tranche_change(*, tranche_id: int, changes: dict[str, Any], actor: Actor) -> Tranche:
    """Change a tranche's terms (while planned) or move it: approve, pay (date and voucher), cancel."""
    with transaction.atomic():
        tranche = _locked_tranche(tranche_id, actor)
        selection = tranche.selection
        before = snapshot(tranche)
        if tranche.status == Tranche.Status.PAID:
            raise RuleError(_("A paid tranche is never changed."))
        if tranche.status == Tranche.Status.CANCELLED:
            raise RuleError(_("A cancelled tranche is not changed any more."))
        terms = {k: changes[k] for k in TERMS if k in changes and changes[k] != getattr(tranche, k)}
        if terms:
            if tranche.status != Tranche.Status.PLANNED:
                raise RuleError(_("Only a planned tranche's terms can be changed."))
            for key, value in terms.items():
                setattr(tranche, key, value)
            _check_amount(tranche.amount)
            _check_terms(tranche.condition, tranche.milestone_note)
            _check_fits(selection, tranche.amount, replacing=Decimal(before["amount"]))
        to = changes.get("status", tranche.status)
        if to != tranche.status:
            _move_tranche(tranche, selection, to, changes)
        elif any(changes.get(k) for k in ("paid_on", "voucher_no")):
            raise RuleError(_("A payment date and voucher are recorded when the tranche is paid."), "paid_on")
        tranche.save()
        record_change(actor, tranche, before, snapshot(tranche))
    return tranche


def _move_tranche(
    tranche: Tranche, selection: Selection, to: str, changes: dict[str, Any], history: Collection[str] | None = None
) -> None:
    labels = dict(Tranche.Status.choices)
    if to not in labels:
        raise RuleError(_("“%(to)s” is not a tranche status.") % {"to": to}, "status")
    if to not in TRANCHE_MOVES[Tranche.Status(tranche.status)]:
        if to == Tranche.Status.PAID:
            raise RuleError(_("A tranche is approved before it is paid."), "status")
        raise RuleError(
            _("A tranche that is “%(from)s” cannot become “%(to)s”.")
            % {"from": labels[tranche.status], "to": labels[to]},
            "status",
        )
    if to == Tranche.Status.CANCELLED:
        tranche.status = to
        tranche.cancel_reason = str(changes.get("cancel_reason") or "").strip()[:300]
        return
    waiting = selection.money_waits_for(tranche.condition, history)
    if waiting:
        raise RuleError(waiting, "status")
    if to == Tranche.Status.PAID:
        paid_on, voucher = changes.get("paid_on"), str(changes.get("voucher_no") or "").strip()
        if not paid_on or not voucher:
            raise RuleError(
                _("A payment needs its date and its voucher number."), "paid_on" if not paid_on else "voucher_no"
            )
        if paid_on > timezone.localdate():
            raise RuleError(_("The payment date cannot be in the future."), "paid_on")
        if selection.decided_on and paid_on < selection.decided_on:
            raise RuleError(
                _("The payment date cannot be before the selection was decided (%(date)s).")
                % {"date": selection.decided_on.isoformat()},
                "paid_on",
            )
        tranche.paid_on, tranche.voucher_no = paid_on, voucher[:60]
    tranche.status = to


def tranche_delete_error(tranche: Tranche) -> str | None:
    """Only a planned tranche (a mistake) may be deleted; the others stay as the record of what happened."""
    if tranche.status == Tranche.Status.PAID:
        return _("A paid tranche is never deleted.")
    if tranche.status != Tranche.Status.PLANNED:
        return _("Only a planned tranche can be deleted; cancel it instead.")
    return None


def tranche_delete(*, tranche_id: int, actor: Actor) -> None:
    with transaction.atomic():
        tranche = _locked_tranche(tranche_id, actor)
        error = tranche_delete_error(tranche)
        if error:
            raise RuleError(error)
        delete_with_audit(actor, tranche)
