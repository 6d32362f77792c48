"""The program, batch, selection and tranche registries: their pages, API and exports."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from talentportal.registry.base import API, Column, Registry, Tab, add_tab, register

from . import services
from .filters import BatchFilterSet, ProgramFilterSet, SelectionFilterSet, TrancheFilterSet
from .forms import BatchForm, ProgramForm, SelectionForm, TrancheForm
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
        batch.figures = {**figures.get(batch.pk, {}), "paid": paid.get(batch.pk)}
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
            tranche.waits_for = selection.money_waits_for(tranche.condition)
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
    return applicant.get_absolute_url() if applicant is not None else None


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
        own_tabs=[Tab("batches", gettext_lazy("Batches"), "programs/_program_batches.html", program_batches_context)],
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
        own_tabs=[Tab("pipeline", gettext_lazy("Pipeline"), "programs/_batch_pipeline.html", pipeline_context)],
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
        own_tabs=[
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


def tranche_draft_key(selection_id: int) -> str:
    return f"programs:tranche-draft:{selection_id}"


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


# The talent and team pages show the applicant's programs; their registries know nothing of programs.
for label, field in (("talents.talent", "talent"), ("talents.team", "team")):
    add_tab(
        label,
        Tab(
            "programs", gettext_lazy("Talent programs"), "programs/_applicant_programs.html", applicant_programs(field)
        ),
    )
