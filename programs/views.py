from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from talentportal.access import get_for_user
from talentportal.audit.models import Source
from talentportal.audit.services import Actor
from talentportal.charts import Series, bar_chart
from talentportal.orgs.models import role_of
from talentportal.registry.base import API, Column, Registry, Tab, register

from . import services
from .filters import BatchFilterSet, ProgramFilterSet, SelectionFilterSet, TrancheFilterSet
from .forms import BatchForm, BulkTransitionForm, PaymentForm, ProgramForm, SelectionForm, TrancheForm, TransitionForm
from .models import FUNDED, PIPELINE, SELECTED_OR_LATER, TRANSITIONS, Batch, Program, Selection, Status, Tranche

STAGES = [*PIPELINE, *FUNDED]


def program_batches_context(request: HttpRequest, program: Program) -> dict[str, Any]:
    batches = list(Batch.objects.filter(program=program).order_by("-ordinal"))
    figures = Selection.objects.for_user(request.user).filter(batch__program=program).summary_by("batch_id")
    paid = dict(
        Tranche.objects.for_user(request.user)
        .filter(selection__batch__program=program, status=Tranche.Status.PAID)
        .order_by()
        .values_list("selection__batch_id")
        .annotate(total=Sum("amount"))
    )
    for batch in batches:
        batch.figures = {**figures.get(batch.pk, {}), "paid": paid.get(batch.pk)}  # type: ignore[attr-defined]
    return {
        "batches": batches,
        "can_add_batch": Program.objects.editable_by(request.user).filter(pk=program.pk).exists(),
    }


def pipeline_context(request: HttpRequest, batch: Batch) -> dict[str, Any]:
    rows = Selection.objects.for_user(request.user).filter(batch=batch)
    counts = dict(rows.order_by().values_list("status").annotate(n=Count("id")))
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    shown = (rows.filter(status=status) if status else rows).select_related("talent", "team", "org_unit", "employer")
    page = Paginator(shown.order_by("id"), 100).get_page(request.GET.get("page"))
    labels = dict(Status.choices)
    # The moves some row on this page can make; as rows are ticked, the page narrows them to those every ticked
    # row can make (each row's checkbox carries its own). The bulk move checks every row again.
    allowed = {s for row in page.object_list for s in TRANSITIONS[row.status]}
    moves = [s for s in Status.values if s in allowed]
    return {
        "stages": [(s, labels[s], counts.get(s, 0)) for s in STAGES],
        "outcomes": [(s, labels[s], counts.get(s, 0)) for s in (Status.REJECTED, Status.EXITED)],
        "total": sum(counts.values()),
        "chosen": sum(counts.get(s, 0) for s in SELECTED_OR_LATER),
        "status": status,
        "page": page,
        "moves": [(s, labels[s]) for s in moves],
        "can_decide": Program.objects.editable_by(request.user).filter(pk=batch.program_id).exists(),
    }


def progress_context(request: HttpRequest, selection: Selection) -> dict[str, Any]:
    tranches = list(selection.tranches.order_by("number"))
    for tranche in tranches:
        if tranche.status in (Tranche.Status.PLANNED, Tranche.Status.APPROVED):
            tranche.waits_for = selection.money_waits_for(tranche.condition)  # type: ignore[attr-defined]
    counted = [t for t in tranches if t.status != Tranche.Status.CANCELLED]
    committed = sum((t.amount for t in counted), Decimal(0))
    labels = dict(Status.choices)
    events = list(selection.events.select_related("by").order_by("at", "id"))
    return {
        "events": events,
        "opened_by_event": any(e.from_status == "" for e in events),
        "applied_label": labels[Status.APPLIED],
        "tranches": tranches,
        "committed": committed,
        "paid": sum((t.amount for t in counted if t.status == Tranche.Status.PAID), Decimal(0)),
        "left": (selection.award_amount - committed) if selection.award_amount is not None else None,
        "next_steps": [(s, labels[s]) for s in selection.next_statuses],
        "can_decide": Selection.objects.managed_by(request.user).filter(pk=selection.pk).exists(),
        "fundable": selection.status in FUNDED,
        "tranche_form": tranche_draft(request, selection),
        "award_step": award_step(selection),
    }


def award_step(selection: Selection) -> bool:
    """Whether the move form asks for the award: on the way to “selected”, or on from it without one."""
    ahead = set(selection.next_statuses)
    return Status.SELECTED in ahead or (selection.award_amount is None and bool(ahead & set(FUNDED)))


def applicant_programs(field: str) -> Callable[[HttpRequest, Any], dict[str, Any]]:
    """The talent or team page's programs tab: every selection of the applicant the user may see, with its
    money. ``field`` is ``talent`` or ``team``."""

    def context(request: HttpRequest, applicant: Any) -> dict[str, Any]:
        selections = list(
            Selection.objects.for_user(request.user)
            .filter(**{field: applicant})
            .select_related("batch__program", "org_unit")
            .prefetch_related("tranches")
            .order_by("-batch__year", "-id")
        )
        return {"selections": selections, "applicant_field": field}

    return context


def applicant_url(selection: Selection) -> str | None:
    applicant = selection.applicant
    return applicant.get_absolute_url() if applicant is not None else None  # type: ignore[union-attr]


programs = register(
    Registry(
        model=Program,
        namespace="programs",
        url_prefix="programs",
        name="program",
        section="programs",
        filterset_class=ProgramFilterSet,
        form_class=ProgramForm,
        columns=[
            Column("name", link=True),
            Column("short_name"),
            Column("code"),
            Column("level"),
            Column("category"),
            Column("org_unit__name", label=gettext_lazy("administering office"), order_by="org_unit__path"),
            Column("is_active"),
            Column("description", sortable=False),
        ],
        list_columns=["name", "code", "level", "category", "org_unit__name", "is_active"],
        tabs=[Tab("batches", gettext_lazy("Batches"), "programs/_program_batches.html", program_batches_context)],
        default_tab="batches",
        default_ordering=("-is_active", "code"),
        select_related=("org_unit",),
    )
)

batches = register(
    Registry(
        model=Batch,
        namespace="programs",
        url_prefix="batches",
        name="batch",
        section="programs",
        filterset_class=BatchFilterSet,
        form_class=BatchForm,
        columns=[
            Column("program__name", label=gettext_lazy("program"), link=True, order_by="program__name"),
            Column("ordinal"),
            Column("year"),
            Column("opens_on"),
            Column("closes_on"),
            Column("quota"),
            Column("status"),
        ],
        tabs=[Tab("pipeline", gettext_lazy("Pipeline"), "programs/_batch_pipeline.html", pipeline_context)],
        default_tab="pipeline",
        default_ordering=("-year", "program__code", "-ordinal"),
        select_related=("program",),
    )
)

selections = register(
    Registry(
        model=Selection,
        namespace="programs",
        url_prefix="selections",
        name="selection",
        section="programs",
        filterset_class=SelectionFilterSet,
        form_class=SelectionForm,
        columns=[
            Column(
                "talent__name",
                label=gettext_lazy("applicant"),
                value=lambda s: str(s.applicant or ""),
                link=True,
                order_by="talent__name",
            ),
            Column(
                "applicant",
                label=gettext_lazy("applicant's record"),
                value=lambda s: str(s.applicant or ""),
                url=applicant_url,
                sortable=False,
            ),
            Column("batch__program__name", label=gettext_lazy("program"), order_by="batch__program__name"),
            Column("batch__ordinal", label=gettext_lazy("batch number"), url=lambda s: s.batch.get_absolute_url()),
            Column("batch__year", label=gettext_lazy("year")),
            Column("org_unit__name", label=gettext_lazy("recommending unit"), order_by="org_unit__path"),
            Column(
                "employer__name",
                label=gettext_lazy("employer"),
                url=lambda s: s.employer.get_absolute_url() if s.employer_id else None,
            ),
            Column("status"),
            Column("award_amount"),
            Column("applied_on"),
            Column("decided_on"),
            Column("exit_reason", sortable=False),
            Column("notes", sortable=False),
        ],
        list_columns=[
            "talent__name",
            "batch__program__name",
            "batch__ordinal",
            "org_unit__name",
            "employer__name",
            "status",
            "award_amount",
            "applied_on",
        ],
        detail_fields=[
            "applicant",
            "batch__program__name",
            "batch__ordinal",
            "batch__year",
            "org_unit__name",
            "employer__name",
            "status",
            "award_amount",
            "applied_on",
            "decided_on",
            "exit_reason",
            "notes",
        ],
        tabs=[
            Tab("progress", gettext_lazy("Progress and funding"), "programs/_selection_progress.html", progress_context)
        ],
        default_tab="progress",
        delete_error=lambda selection: selection.delete_error(),
        default_ordering=("-id",),
        select_related=("batch__program", "talent", "team", "org_unit", "employer"),
    )
)

tranches = register(
    Registry(
        model=Tranche,
        namespace="programs",
        url_prefix="tranches",
        name="tranche",
        section="programs",
        filterset_class=TrancheFilterSet,
        form_class=TrancheForm,
        columns=[
            Column(
                "selection__talent__name",
                label=gettext_lazy("applicant"),
                value=lambda t: str(t.selection.applicant or ""),
                link=True,
                order_by="selection__talent__name",
            ),
            Column(
                "selection",
                label=gettext_lazy("selection"),
                value=lambda t: str(t.selection),
                url=lambda t: t.selection.get_absolute_url(),
                sortable=False,
            ),
            Column("selection__batch__program__name", label=gettext_lazy("program")),
            Column("selection__org_unit__name", label=gettext_lazy("recommending unit")),
            Column("number"),
            Column("amount"),
            Column("condition"),
            Column("milestone_note", sortable=False),
            Column("planned_on"),
            Column("status"),
            Column("paid_on"),
            Column("voucher_no"),
            Column("cancel_reason", sortable=False),
        ],
        list_columns=[
            "selection__talent__name",
            "selection__batch__program__name",
            "selection__org_unit__name",
            "number",
            "amount",
            "condition",
            "planned_on",
            "status",
            "paid_on",
            "voucher_no",
        ],
        default_ordering=("planned_on", "id"),
        select_related=(
            "selection__batch__program",
            "selection__talent",
            "selection__team",
            "selection__org_unit",
        ),
        # Tranches are added, approved, paid and cancelled on their selection's page and through the API, under
        # the funding rules, never through the generic form: these pages only list and show them.
        written_through=(API,),
    )
)


def refuse(form: Any, exc: services.RuleError) -> None:
    """Show a rule's refusal at the field it names (or above the form)."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def form_errors(form: Any) -> list[str]:
    """A form's errors as sentences naming their field, for pages that answer with messages."""
    lines = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = " ".join(str(e) for e in errors)
        lines.append(f"{label}: {text}" if label else text)
    return lines


def back_to(request: HttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(default)


def report_moves(request: HttpRequest, results: list[services.RowResult], to: str) -> None:
    moved = [r for r in results if r.moved]
    label = dict(Status.choices)[to] if to in Status.values else to
    if moved:
        messages.success(request, _("%(count)s moved to “%(status)s”.") % {"count": len(moved), "status": label})
    cancelled = sum(r.cancelled_tranches for r in results)
    if cancelled:
        messages.info(request, _("%(count)s unpaid tranches were cancelled.") % {"count": cancelled})
    for result in [r for r in results if not r.moved][:20]:
        messages.warning(request, f"{result.label}: {result.message}")
    refused = len(results) - len(moved)
    if refused > 20:
        messages.warning(request, _("…and %(count)s more not moved.") % {"count": refused - 20})


@login_required
@require_POST
def batch_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """Bulk move: the ticked selections of a batch go to one status with one comment; the others are listed
    with the rule that stopped them."""
    # A batch is changed by the office that runs its program (``Batch.objects.editable_by``).
    batch = get_for_user(Batch.objects, request.user, pk, write=True)
    form = BulkTransitionForm(request.POST)
    if not form.is_valid():
        for error in form_errors(form):
            messages.error(request, error)
        return back_to(request, batch.get_absolute_url())
    ids = Selection.objects.filter(batch=batch, id__in=form.cleaned_data["ids"]).values_list("id", flat=True)
    results = services.selections_transition(
        ids=list(ids),
        to=form.cleaned_data["to"],
        comment=form.cleaned_data["comment"],
        reason=form.cleaned_data["reason"],
        actor=Actor.from_request(request, Source.FORM),
    )
    report_moves(request, results, form.cleaned_data["to"])
    chosen = Selection.objects.filter(batch=batch, status__in=SELECTED_OR_LATER).count()
    if batch.quota is not None and chosen > batch.quota:
        messages.warning(
            request,
            _("%(chosen)s selected in this batch, more than its quota of %(quota)s.")
            % {"chosen": chosen, "quota": batch.quota},
        )
    return back_to(request, batch.get_absolute_url())


def managed_selection(request: HttpRequest, pk: int) -> Selection:
    selection = get_object_or_404(Selection.objects.for_user(request.user), pk=pk)
    if not Selection.objects.managed_by(request.user).filter(pk=pk).exists():
        raise PermissionDenied
    return selection


@login_required
@require_POST
def selection_transition(request: HttpRequest, pk: int) -> HttpResponse:
    selection = managed_selection(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        for error in form_errors(form):
            messages.error(request, error)
        return HttpResponseRedirect(selection.get_absolute_url())
    try:
        result = services.selection_transition(
            selection=selection, **form.cleaned_data, actor=Actor.from_request(request, Source.FORM)
        )
    except services.RuleError as exc:
        messages.error(request, exc.message)
    else:
        report_moves(request, [result], form.cleaned_data["to"])
    return HttpResponseRedirect(selection.get_absolute_url())


def tranche_draft_key(selection_id: int) -> str:
    return f"programs:tranche-draft:{selection_id}"


@login_required
@require_POST
def tranche_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Plan a tranche from the selection page. A refused one goes back to that page (its own address, tabs and
    menu entry), where the form shows the values as typed and the reason at its field."""
    selection = managed_selection(request, pk)
    form = TrancheForm(request.POST)
    refusal: services.RuleError | None = None
    if form.is_valid():
        try:
            tranche = services.tranche_add(
                selection_id=selection.pk,
                **{f: form.cleaned_data[f] for f in services.TERMS},
                actor=Actor.from_request(request, Source.FORM),
            )
        except services.RuleError as exc:
            refusal = exc
        else:
            messages.success(request, _("Tranche %(number)s was added.") % {"number": tranche.number})
            return HttpResponseRedirect(selection.get_absolute_url())
    request.session[tranche_draft_key(selection.pk)] = {
        "data": {f: request.POST.get(f, "")[:300] for f in services.TERMS},
        "refusal": [refusal.field, refusal.message] if refusal else None,
    }
    messages.error(request, _("The tranche was not added; the form below says why."))
    return HttpResponseRedirect(f"{selection.get_absolute_url()}?tab=progress#tranche-form")


def tranche_draft(request: HttpRequest, selection: Selection) -> TrancheForm:
    """The tranche form of the selection page: empty, or the one just refused with its reasons."""
    draft = request.session.pop(tranche_draft_key(selection.pk), None)
    if not isinstance(draft, dict):
        return TrancheForm()
    form = TrancheForm(draft.get("data") or {})
    form.is_valid()
    if draft.get("refusal"):
        field, message = draft["refusal"]
        refuse(form, services.RuleError(message, field))
    return form


@login_required
@require_POST
def tranche_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve, pay (date and voucher), cancel or delete one tranche, under the funding rules."""
    tranche = get_object_or_404(Tranche.objects.for_user(request.user), pk=pk)
    selection = managed_selection(request, tranche.selection_id)
    actor = Actor.from_request(request, Source.FORM)
    action = request.POST.get("action", "")
    done = {
        "approve": _("Tranche %(number)s was approved."),
        "pay": _("Tranche %(number)s was recorded as paid."),
        "cancel": _("Tranche %(number)s was cancelled."),
        "delete": _("Tranche %(number)s was deleted."),
    }
    try:
        if action == "delete":
            services.tranche_delete(tranche_id=tranche.pk, actor=actor)
        elif action == "pay":
            payment = PaymentForm(request.POST)
            if not payment.is_valid():
                raise services.RuleError(_("A payment needs its date and its voucher number."))
            services.tranche_change(
                tranche_id=tranche.pk, changes={"status": "paid", **payment.cleaned_data}, actor=actor
            )
        elif action in ("approve", "cancel"):
            changes = {"status": "approved" if action == "approve" else "cancelled"}
            services.tranche_change(
                tranche_id=tranche.pk, changes={**changes, "cancel_reason": request.POST.get("reason", "")}, actor=actor
            )
        else:
            raise services.RuleError(_("Unknown action."))
    except services.RuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done[action] % {"number": tranche.number})
    return HttpResponseRedirect(selection.get_absolute_url())


@login_required
def tranche_terms(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a planned tranche's amount, condition, milestone or date, under the same rules as adding one."""
    tranche = get_object_or_404(Tranche.objects.for_user(request.user).select_related("selection"), pk=pk)
    selection = managed_selection(request, tranche.selection_id)
    if tranche.status != Tranche.Status.PLANNED:
        messages.error(request, _("Only a planned tranche's terms can be changed."))
        return HttpResponseRedirect(selection.get_absolute_url())
    form = TrancheForm(request.POST or None, instance=Tranche(**{f: getattr(tranche, f) for f in services.TERMS}))
    if request.method == "POST" and form.is_valid():
        try:
            services.tranche_change(
                tranche_id=tranche.pk,
                changes={f: form.cleaned_data[f] for f in services.TERMS},
                actor=Actor.from_request(request, Source.FORM),
            )
        except services.RuleError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("Tranche %(number)s was changed.") % {"number": tranche.number})
            return HttpResponseRedirect(selection.get_absolute_url())
    context = {"form": form, "object": tranche, "selection": selection, "section": "programs"}
    return render(request, "programs/tranche_terms.html", context)


GROUPS: dict[str, tuple[str, ...]] = {
    "program": ("selection__batch__program_id", "selection__batch__program__name"),
    "batch": ("selection__batch_id", "selection__batch__program__name", "selection__batch__ordinal"),
    "county": ("selection__org_unit_id", "selection__org_unit__name"),
    "year": ("selection__batch__year",),
}
# The list filter that opens exactly the tranches a row adds up (the recommending unit itself, not its subtree).
GROUP_FILTER = {"program": "program", "batch": "batch", "county": "recommender", "year": "year"}
FUNDING_FILTERS = ("program", "year", "org_unit")
GROUP_LABELS = [
    ("program", gettext_lazy("program")),
    ("batch", gettext_lazy("batch")),
    ("county", gettext_lazy("recommending unit")),
    ("year", gettext_lazy("batch year")),
]


@login_required
def funding(request: HttpRequest) -> HttpResponse:
    """Finance staff's page: planned, approved and paid money by program, batch, county or year, and the
    tranches falling due in the next 90 days. Every figure links to the tranches it adds up."""
    if role_of(request.user) is None:
        raise PermissionDenied
    by = request.GET.get("by", "program")
    by = by if by in GROUPS else "program"
    base = {k: v for k, v in request.GET.items() if k in FUNDING_FILTERS and v}
    visible = Tranche.objects.for_user(request.user)
    filterset = TrancheFilterSet(base or None, queryset=visible, user=request.user)
    # An invalid filter (e.g. a unit outside the scope) sums nothing, like the lists its figures link to.
    scoped = visible if not base else filterset.qs if filterset.is_valid() else visible.none()
    keys = GROUPS[by]
    sums = {
        status: Sum("amount", filter=Q(status=status))
        for status in (Tranche.Status.PLANNED, Tranche.Status.APPROVED, Tranche.Status.PAID)
    }
    rows = list(scoped.order_by().values(*keys).annotate(**sums).order_by(*keys))
    table: list[dict[str, Any]] = []
    for row in rows:
        key = row[keys[0]]
        if by == "batch":
            label = _("%(program)s · batch %(ordinal)s") % {
                "program": row["selection__batch__program__name"],
                "ordinal": row["selection__batch__ordinal"],
            }
        else:
            label = str(row[keys[-1]])
        figures = [row[s] or Decimal(0) for s in sums]
        query = {**base, GROUP_FILTER[by]: key}
        table.append(
            {
                "label": label,
                "cells": [(f, urlencode({**query, "status": s})) for f, s in zip(figures, sums, strict=True)],
                "total": sum(figures, Decimal(0)),
                "query": urlencode({**query, "cancelled": "false"}),
            }
        )
    totals = [sum((r["cells"][i][0] for r in table), Decimal(0)) for i in range(3)]
    status_labels = dict(Tranche.Status.choices)
    tranche_list = reverse("programs:tranche_list")
    chart = bar_chart(
        [r["label"] for r in table],
        [
            Series(
                str(status_labels[s]),
                [r["cells"][i][0] for r in table],
                [f"{tranche_list}?{r['cells'][i][1]}" for r in table],
            )
            for i, s in enumerate(sums)
        ],
        stacked=True,
        money=True,
        unit=_("10k yuan"),
    )
    due = scoped.due_within(90).select_related(*tranches.select_related).order_by("planned_on", "id")
    context = {
        "by": by,
        "groups": GROUP_LABELS,
        "filterset": filterset,
        "table": table,
        "totals": [(t, urlencode({**base, "status": s})) for t, s in zip(totals, sums, strict=True)],
        "grand_total": sum(totals, Decimal(0)),
        "base_query": urlencode(base),
        "group_label": dict(GROUP_LABELS)[by],
        "status_labels": [status_labels[s] for s in sums],
        "chart": chart,
        "due": list(due[:100]),
        "due_count": due.count(),
        "section": "programs",
    }
    return render(request, "programs/funding.html", context)
