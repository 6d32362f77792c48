"""Rosters of the program office: selections and their funding tranches.

A county enters applications (status 申报) into batches that take them. The office that runs a program may
also enter records already further on (a past batch's selected talents, their payments), each checked by the
rules the lifecycle actions would have applied; an import never moves a stored selection through its
lifecycle, since those moves have consequences of their own (decisions dated, tranches cancelled on exit).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from functools import partial
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from talentportal.jobs.importing.spec import Column, ImportSpec, Ref, Resolved, lookup, register, resolve_org_units
from talentportal.jobs.importing.vocabulary import ORG_UNIT_HEADERS
from talentportal.orgs.models import OrgUnit
from talents.imports import ID_NUMBER_ALIASES, ORG_UNIT_HELP, enterprise_column, talent_column, team_columns
from talents.models import Talent, Team

from .forms import application_errors
from .models import (
    DECIDED,
    FUNDED,
    NEEDS_REASON,
    SELECTED_OR_LATER,
    Batch,
    Program,
    Selection,
    SelectionEvent,
    Status,
    Tranche,
)
from .services import TERMS, RuleError, _check_fits, _check_terms, _move_tranche

Values = dict[str, Any]
Rows = list[tuple[Values, Values | None]]
Problems = dict[int, dict[str, str]]

# Statuses that carry a decision date: selected (and everything after) or not selected.
DECIDED_OR_LATER = {*SELECTED_OR_LATER, *DECIDED}


def _stored(model: Any, current: Values | None) -> Any:
    """The stored record as an (unsaved) instance, so that the model's own rules can read it."""
    return model(**{k: v for k, v in (current or {}).items() if not k.startswith("_")})


def _planned(committed: dict[int, Decimal], pk: int | None) -> Decimal:
    return (committed.get(pk or 0) or Decimal(0)).quantize(Decimal("0.01"))


def resolve_batches(user: Any, raws: set[Any]) -> Resolved:
    """Batches by (program id, ordinal); the program was found in the importer's scope already."""
    found = {
        (batch.program_id, batch.ordinal): batch
        for batch in Batch.objects.filter(
            program_id__in={p for p, _o in raws}, ordinal__in={o for _p, o in raws}
        ).select_related("program")
    }
    missing = {p for p, o in raws if (p, o) not in found}
    programs = {p.pk: str(p) for p in Program.objects.filter(pk__in=missing)} if missing else {}
    answers: Resolved = {}
    for raw in raws:
        batch = found.get(raw)
        if batch is None:
            answers[raw] = gettext("%(program)s has no batch %(ordinal)s.") % {
                "program": programs.get(raw[0], raw[0]),
                "ordinal": raw[1],
            }
        else:
            answers[raw] = (batch.pk, str(batch))
    return answers


def batch_columns(read_as: Any = None) -> list[Column]:
    """A batch named by its program's code and its ordinal (two cells)."""
    return [
        Ref(
            "program",
            read_as=Program._meta.get_field("code"),
            aliases=("项目代码", "计划代码", "人才计划编号"),
            kind="code",
            resolve=lookup(Program, "code", _("program with code")),
            help=_("the program's code, e.g. JX-JYYL"),
            example="JX-JYYL",
        ),
        Column("batch_ordinal", read_as=Batch._meta.get_field("ordinal"), aliases=("批次", "第几批"), example=1),
        Ref("batch", over=("program", "batch_ordinal"), resolve=resolve_batches, read_as=read_as),
    ]


# -- selections ----------------------------------------------------------------------------------------------


def clean_selection(values: Values, user: Any) -> dict[str, str]:
    decided, applied = values.get("decided_on"), values.get("applied_on")
    if decided and applied and decided < applied:
        return {
            "decided_on": gettext("A decision cannot be dated before the application (%(date)s).")
            % {"date": applied.isoformat()}
        }
    if decided and decided > timezone.localdate():
        return {"decided_on": gettext("A decision cannot be dated in the future.")}
    return {}


def check_selections(rows: Rows, user: Any, memo: dict[str, Any]) -> Problems:
    """The rules of an application (as the form and the API apply them), and those of entering a selection
    that is further on: only the program's office does, with the reason and decision date its status needs."""
    batches = Batch.objects.in_bulk({values["batch_id"] for values, _c in rows})
    managed = set(
        Program.objects.editable_by(user)
        .filter(pk__in={b.program_id for b in batches.values()})
        .values_list("pk", flat=True)
    )
    talents = Talent.objects.select_related("org_unit").in_bulk({v.get("talent_id") for v, _c in rows} - {None})
    teams = Team.objects.select_related("org_unit").in_bulk({v.get("team_id") for v, _c in rows} - {None})
    units = OrgUnit.objects.in_bulk({values["org_unit_id"] for values, _c in rows})
    stored_ids = [current["id"] for _v, current in rows if current is not None]
    committed = {
        row["selection_id"]: row["total"]
        for row in Tranche.objects.filter(selection_id__in=stored_ids)
        .exclude(status=Tranche.Status.CANCELLED)
        .values("selection_id")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    labels = dict(Status.choices)
    problems: Problems = {}
    for position, (values, current) in enumerate(rows):
        instance: Selection = _stored(Selection, current)
        batch = batches[values["batch_id"]]
        manages = batch.program_id in managed
        data = {
            "batch": batch,
            "talent": talents.get(values.get("talent_id")),
            "team": teams.get(values.get("team_id")),
            "org_unit": units.get(values["org_unit_id"]),
            "applied_on": values.get("applied_on"),
        }
        if "award_amount" in values:
            data["award_amount"] = values["award_amount"]
        if "status" in values:
            data["status"] = values["status"]
        found = application_errors(data, instance, manages=manages, committed=partial(_planned, committed, instance.pk))
        status = values.get("status", instance.status)
        names = {"status": labels[status], "stored": labels[instance.status]}
        changed = [k for k, v in values.items() if current is not None and current.get(k) != v]
        if current is None and status != Status.APPLIED and not manages:
            found["status"] = gettext(
                "Only the office that runs the program enters selections past the application; "
                "a county enters applications (“%(applied)s”)."
            ) % {"applied": labels[Status.APPLIED]}
        elif current is not None and status != instance.status:
            found["status"] = (
                gettext(
                    "The selection is “%(stored)s”: an import does not move it to “%(status)s”; "
                    "use the selection's lifecycle actions."
                )
                % names
            )
        elif changed and not manages and instance.status != Status.APPLIED:
            found.setdefault(
                changed[0].removesuffix("_id"),
                gettext("Only the office that runs the program changes a selection once it is under way."),
            )
        if status in NEEDS_REASON and not values.get("exit_reason", instance.exit_reason).strip():
            found["exit_reason"] = gettext("A selection that is “%(status)s” needs its reason.") % names
        if values.get("decided_on", instance.decided_on) and status not in DECIDED_OR_LATER:
            found["decided_on"] = (
                gettext("Only a decided selection has a decision date; “%(status)s” is not decided yet.") % names
            )
        if found:
            problems[position] = found
    return problems


register(
    ImportSpec(
        kind="selections",
        model=Selection,
        label=_("selections"),
        order=60,
        # A talent (or a team) applies to a batch once.
        key=("batch", "team", "talent"),
        list_url="programs:selection_list",
        clean=clean_selection,
        check=check_selections,
        repr_related=("talent", "team", "batch__program"),
        columns=[
            *batch_columns(),
            talent_column("talent", _("ID number"), aliases=ID_NUMBER_ALIASES),
            *team_columns(),
            Ref(
                "org_unit",
                aliases=(_("region"), "推荐地区", *ORG_UNIT_HEADERS),
                resolve=resolve_org_units,
                help=ORG_UNIT_HELP,
                example="南湖区",
            ),
            enterprise_column("employer", _("employer credit code")),
            Column("status", keep_blank=True, aliases=("申报状态", "当前状态"), example="申报"),
            Column("award_amount", keep_blank=True, aliases=("资助金额", "资助额度（万元）"), example=""),
            Column("applied_on", required=True, aliases=("申报时间",), example="2025-03-01"),
            Column("decided_on", aliases=("入选日期", "入选时间")),
            Column("exit_reason", aliases=("退出原因", "未入选原因")),
            Column("notes"),
        ],
    )
)


# -- tranches ------------------------------------------------------------------------------------------------


def resolve_selections(user: Any, raws: set[Any]) -> Resolved:
    """Selections by (batch, team, talent), for the office that runs their program (who manages the money)."""
    found = {
        (s.batch_id, s.team_id, s.talent_id): s
        for s in Selection.objects.filter(batch_id__in={b for b, _team, _talent in raws})
        .filter(
            Q(talent_id__in={t for _b, _team, t in raws} - {None})
            | Q(team_id__in={t for _b, t, _talent in raws} - {None})
        )
        .select_related("batch__program", "talent", "team")
    }
    ids = [s.pk for s in found.values()]
    managed = set(Selection.objects.managed_by(user).filter(pk__in=ids).values_list("pk", flat=True))
    visible = set(Selection.objects.for_user(user).filter(pk__in=ids).values_list("pk", flat=True))
    answers: Resolved = {}
    for raw in raws:
        selection = found.get(raw)
        if raw[1] is not None and raw[2] is not None:
            answers[raw] = gettext("Choose either a talent or a team, not both.")
        elif raw[1] is None and raw[2] is None:
            answers[raw] = gettext("Name the applicant: the talent's ID number, or the team's name and leader.")
        elif selection is None or selection.pk not in visible:
            answers[raw] = gettext(
                "This applicant has no selection in this batch; import the selection before its tranches."
            )
        elif selection.pk not in managed:
            answers[raw] = gettext("Only the office that runs the program manages its funding.")
        else:
            answers[raw] = (selection.pk, str(selection))
    return answers


def check_tranches(rows: Rows, user: Any, memo: dict[str, Any]) -> Problems:
    """What planning, approving, paying and cancelling a tranche checks, for the tranches this file enters or
    changes; and the tranches of a selection (stored and in this file) never add up to more than its award."""
    selections = Selection.objects.in_bulk({values["selection_id"] for values, _c in rows})
    history: dict[int, set[str]] = defaultdict(set)
    for selection_id, status in SelectionEvent.objects.filter(selection_id__in=list(selections)).values_list(
        "selection_id", "to_status"
    ):
        history[selection_id].add(status)
    stored: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for selection_id, number, amount in (
        Tranche.objects.filter(selection_id__in=list(selections))
        .exclude(status=Tranche.Status.CANCELLED)
        .values_list("selection_id", "number", "amount")
    ):
        stored[selection_id][number] = amount
    # What this file's accepted rows commit, by selection and tranche number (0 for a cancelled one). Earlier
    # batches' rows are stored once applied; the file's figure stands for the stored one either way.
    in_file: dict[int, dict[int, Decimal]] = memo.setdefault("committed", {})
    problems: Problems = {}
    for position, (values, current) in enumerate(rows):
        selection = selections[values["selection_id"]]
        before: Tranche | None = _stored(Tranche, current) if current is not None else None
        after: Tranche = _stored(Tranche, {**(current or {}), **values})
        kept = in_file.setdefault(selection.pk, {})
        others = sum(
            (a for n, a in stored[selection.pk].items() if n not in kept and n != after.number), Decimal(0)
        ) + sum((a for n, a in kept.items() if n != after.number), Decimal(0))
        try:
            if before is None:
                _check_new_tranche(selection, after, others, history[selection.pk])
            elif any(current.get(k) != v for k, v in values.items()):  # type: ignore[union-attr]
                _check_changed_tranche(selection, before, after, others, history[selection.pk])
        except RuleError as refusal:
            problems[position] = {refusal.field or "status": refusal.message}
            continue
        kept[after.number] = after.amount if after.status != Tranche.Status.CANCELLED else Decimal(0)
    return problems


def _check_new_tranche(selection: Selection, tranche: Tranche, others: Decimal, history: set[str]) -> None:
    """A tranche entered in the status it has reached: planned (within the award), then approved, paid or
    cancelled as those moves would be checked."""
    if selection.status not in FUNDED:
        raise RuleError(
            gettext("Tranches are planned for selected talents; this selection is “%(status)s”.")
            % {"status": selection.get_status_display()},
            "selection",
        )
    _check_terms(tranche.condition, tranche.milestone_note)
    if tranche.status != Tranche.Status.CANCELLED:
        _check_fits(selection, tranche.amount, committed=others)
    _check_payment_cells(tranche)
    moving = Tranche(**{f.attname: getattr(tranche, f.attname) for f in Tranche._meta.concrete_fields})
    moving.status = Tranche.Status.PLANNED
    path = {
        Tranche.Status.APPROVED: [Tranche.Status.APPROVED],
        Tranche.Status.PAID: [Tranche.Status.APPROVED, Tranche.Status.PAID],
        Tranche.Status.CANCELLED: [Tranche.Status.CANCELLED],
    }.get(Tranche.Status(tranche.status), [])
    payment = {"paid_on": tranche.paid_on, "voucher_no": tranche.voucher_no, "cancel_reason": tranche.cancel_reason}
    for to in path:
        _move_tranche(moving, selection, to, payment, history)


def _check_changed_tranche(
    selection: Selection, before: Tranche, after: Tranche, others: Decimal, history: set[str]
) -> None:
    """A stored tranche changed as the funding page changes one: terms while planned, one move at a time."""
    if before.status == Tranche.Status.PAID:
        raise RuleError(gettext("A paid tranche is never changed."), "status")
    if before.status == Tranche.Status.CANCELLED:
        raise RuleError(gettext("A cancelled tranche is not changed any more."), "status")
    if any(getattr(before, k) != getattr(after, k) for k in TERMS):
        if before.status != Tranche.Status.PLANNED:
            raise RuleError(gettext("Only a planned tranche's terms can be changed."), "amount")
        _check_terms(after.condition, after.milestone_note)
        _check_fits(selection, after.amount, committed=others)
    if after.status != before.status:
        payment = {"paid_on": after.paid_on, "voucher_no": after.voucher_no, "cancel_reason": after.cancel_reason}
        _move_tranche(before, selection, after.status, payment, history)
    else:
        _check_payment_cells(after)


def _check_payment_cells(tranche: Tranche) -> None:
    if tranche.status != Tranche.Status.PAID and (tranche.paid_on or tranche.voucher_no):
        raise RuleError(
            gettext("A payment date and voucher are recorded when the tranche is paid."),
            "paid_on" if tranche.paid_on else "voucher_no",
        )


register(
    ImportSpec(
        kind="tranches",
        model=Tranche,
        label=_("funding tranches"),
        order=70,
        # A selection's tranches are numbered.
        key=("selection", "number"),
        # The money is the program office's: it owns its selections' tranches.
        org_field="selection__batch__program__org_unit",
        list_url="programs:tranche_list",
        check=check_tranches,
        columns=[
            *batch_columns(read_as=Selection._meta.get_field("batch")),
            talent_column(
                "talent", _("ID number"), aliases=ID_NUMBER_ALIASES, read_as=Selection._meta.get_field("talent")
            ),
            *team_columns(read_as=Selection._meta.get_field("team")),
            Ref("selection", over=("batch", "team", "talent"), resolve=resolve_selections),
            Column("number", aliases=("第几笔", "拨付批次"), example=1),
            Column("amount", aliases=("拨付金额", "金额（万元）"), example=30),
            Column("condition", example="签约后拨付"),
            Column("milestone_note", aliases=("节点说明",)),
            Column("planned_on", aliases=("计划拨付时间",), example="2025-09-01"),
            Column("status", keep_blank=True, aliases=("拨付状态",), example="待审批"),
            Column("paid_on", keep_blank=True, aliases=("拨付日期", "实际拨付日期")),
            Column("voucher_no", keep_blank=True, aliases=("凭证编号",)),
            Column("cancel_reason"),
        ],
    )
)
