from __future__ import annotations

from decimal import Decimal
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, Sum
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

from . import services
from .filters import TrancheFilterSet
from .forms import BulkTransitionForm, PaymentForm, TrancheForm, TransitionForm
from .models import SELECTED_OR_LATER, Batch, Selection, Status, Tranche, TrancheQuerySet
from .registries import refuse, tranche_draft_key, tranches


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
    selection: Selection = get_object_or_404(Selection.objects.for_user(request.user), pk=pk)
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
    scoped = cast(TrancheQuerySet, visible if not base else filterset.qs if filterset.is_valid() else visible.none())
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
