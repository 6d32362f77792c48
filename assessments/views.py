"""The assessment's workflow and results pages: the leads' dashboard, one assessee's result, the submission
page (filling in, reviewing), the scheme's moves and its targets grid.

Each view is parse → scoped fetch → ``services`` → render. Who reads what follows the querysets' ``for_user``
(out of scope: 404); who may act is asked of ``services`` (``answers_for``, ``reviews``) and the rules of each
step are the services' own: a refusal comes back as a form error or a message and writes nothing.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from talentportal.access import get_for_user
from talentportal.audit.models import AuditEntry, Source
from talentportal.audit.services import Actor

from . import dashboard as figures
from . import rules, services
from .models import Assessee, Entry, Event, Evidence, Indicator, Mark, Scheme, Submission, Target
from .scoring import AssesseeResult, Line, results_of, results_seen_by, score_scheme
from .workflow_forms import (
    CopyForm,
    DecisionForm,
    EntriesForm,
    EventForm,
    EvidenceForm,
    MarkForm,
    ReturnForm,
    TransitionForm,
    parse_target,
    show_refusal,
)

Status = Scheme.Status


def dashboard_url(scheme: Scheme) -> str:
    return f"{reverse('assessments:dashboard')}?scheme={scheme.pk}"


def back_to(request: HttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(default)


def plain(value: Decimal | None) -> str:
    """``7``, ``0.25``: a stored value as people type it."""
    return "" if value is None else f"{value.normalize():f}"


def workflow(request: HttpRequest, scheme: Scheme) -> dict[str, Any]:
    """What the scheme's workflow bar shows: the moves its admins may make from here, and the copy form."""
    manages = Scheme.objects.editable_by(request.user).filter(pk=scheme.pk).exists()
    moves = sorted(services.MOVES[scheme.status], key=Status.values.index) if manages else []
    return {
        "scheme": scheme,
        "manages": manages,
        "moves": [(to, Status(to).label, (scheme.status, to) in services.REOPENING) for to in moves],
        "copy_form": CopyForm(initial={"year": scheme.year + 1, "name": scheme.name}) if manages else None,
        "here": request.get_full_path(),
    }


# --- the leads' dashboard -----------------------------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The ranking of one scheme with its charts: totals by level-1 indicator, one assessee against the mean,
    grades, the spread per indicator, points lost and points within reach. Every name opens its result."""
    schemes = list(Scheme.objects.for_user(request.user).order_by("-year", "-id"))
    context: dict[str, Any] = {"schemes": schemes, "section": "assessments"}
    chosen = request.GET.get("scheme", "")
    scheme = next((s for s in schemes if str(s.pk) == chosen), None)
    if chosen and scheme is None:
        raise Http404
    if not schemes:
        return render(request, "assessments/dashboard.html", context)
    scheme = scheme or schemes[0]
    seen = results_seen_by(scheme, request.user)
    shown, whole, visible = seen.results, seen.whole, seen.visible
    last_scheme = Scheme.objects.for_user(request.user).last_published_before(scheme)
    last_year = results_of(last_scheme) if last_scheme else []
    groups = figures.groups_of(list(scheme.indicators.all()))

    def link(result: AssesseeResult) -> str | None:
        return scheme.result_url(result.assessee.pk) if result.assessee.pk in visible else None

    picked = request.GET.get("assessee", "")
    focus = next((r for r in shown if str(r.assessee.pk) == picked), shown[0] if shown else None)
    distribution = figures.grade_distribution(shown, scheme.grades or rules.DEFAULT_GRADES)
    context.update(
        {
            "scheme": scheme,
            "whole": whole,
            "provisional": scheme.status != Status.PUBLISHED,
            "rows": [(row, link(row.result)) for row in figures.ranking(shown, last_year)],
            "last_scheme": last_scheme,
            "totals_chart": figures.totals_chart(shown, groups, link) if shown else None,
            "focus": focus,
            "radar": figures.radar(focus, shown if whole else [focus], groups, _("Group mean")) if focus else None,
            "distribution": distribution if whole else [],
            "grade_chart": figures.grade_chart(distribution, _("Assessees")) if whole and shown else None,
            "spread": figures.spread(shown) if whole else [],
            "lost": [(r, link(r)) for r in figures.points_lost(shown)],
            "reach": [(reach, link(reach.result)) for reach in figures.within_reach(shown)],
            **workflow(request, scheme),
        }
    )
    return render(request, "assessments/dashboard.html", context)


# --- one assessee's result ----------------------------------------------------------------------------------


@login_required
def result_detail(request: HttpRequest, pk: int, assessee_id: int) -> HttpResponse:
    """Total, rank, grade and veto reasons, and per level-1 indicator the lines with their explanation; for a
    published scheme, the live total when the registry has moved since."""
    scheme = get_for_user(Scheme.objects, request.user, pk)
    assessee = get_object_or_404(Assessee.objects.for_user(request.user).filter(scheme=scheme), pk=assessee_id)
    seen = results_seen_by(scheme, request.user)
    result = next((r for r in seen.results if r.assessee.pk == assessee.pk), None)
    live_total = None
    if result is not None and scheme.status == Status.PUBLISHED:
        live = next((r for r in score_scheme(scheme) if r.assessee.pk == assessee.pk), None)
        if live is not None and live.total != result.total:
            live_total = live.total
    indicators = list(scheme.indicators.all())
    groups = figures.groups_of(indicators)
    group_of = figures.group_of_lines(indicators)
    sections: list[tuple[figures.Group | None, Decimal | None, list[Line]]] = []
    if result is not None:
        for group in groups:
            lines = [line for line in result.lines if group_of.get(line.indicator) == group.code]
            if lines:
                sections.append((group, result.subtotals.get(group.code), lines))
        known = {g.code for g in groups}
        stray = [line for line in result.lines if group_of.get(line.indicator) not in known]
        if stray:  # a published line whose indicator has since been removed from the tree
            sections.append((None, None, stray))
    submission = Submission.objects.for_user(request.user).filter(assessee=assessee).first()
    context = {
        "scheme": scheme,
        "assessee": assessee,
        "result": result,
        "sections": sections,
        "live_total": live_total,
        "show_rank": seen.whole,
        "submission": submission,
        "section": "assessments",
    }
    return render(request, "assessments/result.html", context)


# --- the submission page ------------------------------------------------------------------------------------

FILLING = {"entries", "evidence", "event", "submit"}
REVIEWING = {"return", "accept", "mark", "decide"}


def history_of(submission: Submission, records: dict[type[Any], list[int]]) -> list[AuditEntry]:
    """The submission's audit entries and those of its entries, marks, events and evidence, newest first."""
    found = Q(content_type=ContentType.objects.get_for_model(Submission), object_id=str(submission.pk))
    for model, ids in records.items():
        if ids:
            found |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=[str(i) for i in ids])
    return list(AuditEntry.objects.filter(found).select_related("user", "content_type")[:200])


@login_required
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The assessee's users fill in values, evidence and events, see the provisional score and submit;
    reviewers and the office read it and return, accept, mark and verify. Every step goes through services."""
    submission = get_object_or_404(
        Submission.objects.for_user(request.user).select_related("assessee__scheme__org_unit", "assessee__org_unit"),
        pk=pk,
    )
    assessee = submission.assessee
    scheme = assessee.scheme
    user = request.user
    fills = services.answers_for(user, assessee)
    reviews = services.reviews(user, scheme) and not services.is_own_unit(user, assessee)
    indicators = list(scheme.indicators.filter(rule__isnull=False).order_by("order", "code"))
    entered = [i for i in indicators if i.source == Indicator.Source.ENTERED]
    reviewed = [i for i in indicators if i.source == Indicator.Source.REVIEWED]
    entered_ids = Indicator.objects.filter(pk__in=[i.pk for i in entered])
    event_ids = Indicator.objects.filter(pk__in=[i.pk for i in indicators if i.source == Indicator.Source.EVENTS])
    entries = {e.indicator_id: e for e in Entry.objects.filter(submission=submission)}
    initial = {}
    for indicator_id, entry in entries.items():
        initial[f"value_{indicator_id}"], initial[f"note_{indicator_id}"] = entry.value, entry.note

    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action and not ((action in FILLING and fills) or (action in REVIEWING and reviews)):
        raise PermissionDenied
    forms: dict[str, Any] = {
        "entries": EntriesForm(entered, request.POST if action == "entries" else None, initial=initial),
        "evidence": EvidenceForm(entered_ids, *([request.POST, request.FILES] if action == "evidence" else [])),
        "event": EventForm(event_ids, *([request.POST, request.FILES] if action == "event" else [])),
        "return": ReturnForm(request.POST if action == "return" else None),
    }
    can_fill = fills and scheme.status == Status.OPEN and submission.status in services.FILLABLE
    if not can_fill:
        for field in forms["entries"].fields.values():
            field.disabled = True
    actor = Actor.from_request(request, Source.FORM)
    mark_forms = {}
    my_marks = {m.indicator_id: m for m in Mark.objects.filter(submission=submission, reviewer_id=user.pk)}
    for indicator in reviewed:
        posted = action == "mark" and request.POST.get("indicator") == str(indicator.pk)
        mine = my_marks.get(indicator.pk)
        mark_forms[indicator.pk] = MarkForm(
            request.POST if posted else None,
            prefix=f"mark{indicator.pk}",
            initial={"points": mine.points, "comment": mine.comment} if mine else None,
        )
    if action:
        done = act(request, action, submission, forms, mark_forms, reviewed, actor)
        if done:
            messages.success(request, done)
            return HttpResponseRedirect(request.path)
    events = list(Event.objects.filter(assessee=assessee).select_related("indicator").order_by("occurred_on", "id"))
    evidence = list(Evidence.objects.filter(submission=submission).select_related("indicator", "event"))
    provisional = next((r for r in score_scheme(scheme) if r.assessee.pk == assessee.pk), None)
    context = {
        "submission": submission,
        "assessee": assessee,
        "scheme": scheme,
        "fills": fills,
        "can_fill": can_fill,
        "reviews": reviews and not scheme.is_frozen,
        "forms": forms,
        "entry_rows": forms["entries"].rows(),
        "marks": [(i, mark_forms[i.pk]) for i in reviewed],
        "events": [(e, DecisionForm(prefix=f"event{e.pk}")) for e in events],
        "evidence": evidence,
        "provisional": provisional,
        "history": history_of(
            submission,
            {
                Entry: [e.pk for e in entries.values()],
                Mark: list(Mark.objects.filter(submission=submission).values_list("pk", flat=True)),
                Event: [e.pk for e in events],
                Evidence: [e.pk for e in evidence],
            },
        ),
        "section": "assessments",
    }
    return render(request, "assessments/submission.html", context, status=400 if action else 200)


def act(
    request: HttpRequest,
    action: str,
    submission: Submission,
    forms: dict[str, Any],
    mark_forms: dict[int, MarkForm],
    reviewed: list[Indicator],
    actor: Actor,
) -> str | None:
    """Run one posted step; the success message, or None with the refusal put on its form (or in a message)."""
    form = forms.get(action)
    try:
        if action == "submit":
            services.submit(submission, actor)
            return _("The submission was sent to the assessing office.")
        if action == "accept":
            services.accept(submission, actor)
            return _("The submission was accepted.")
        if action == "decide":
            event = get_object_or_404(Event.objects.filter(assessee=submission.assessee), pk=request.POST.get("event"))
            form = DecisionForm(request.POST, prefix=f"event{event.pk}")
            if form.is_valid():
                services.decide_event(event, form.cleaned_data["verified"], form.cleaned_data["comment"], actor)
                return _("The event was decided.")
        elif action == "mark":
            indicator = next((i for i in reviewed if str(i.pk) == request.POST.get("indicator")), None)
            if indicator is None:
                raise Http404
            form = mark_forms[indicator.pk]
            if form.is_valid():
                services.save_mark(
                    submission, indicator, form.cleaned_data["points"], form.cleaned_data["comment"], actor
                )
                return _("Your points for %(code)s were saved.") % {"code": indicator.code}
        elif form is not None and form.is_valid():
            data = form.cleaned_data
            if action == "entries":
                services.save_entries(submission, form.entries(), actor)
                return _("The values were saved.")
            if action == "evidence":
                services.attach_evidence(submission, data["indicator"], data["file"], actor)
                return _("The file was attached.")
            if action == "event":
                files = [data["evidence"]] if data["evidence"] else []
                fields = {k: data[k] for k in ("indicator", "level", "key", "occurred_on", "description")}
                services.claim_event({**fields, "assessee": submission.assessee}, files, actor)
                return _("The event was claimed; a reviewer will verify it.")
            if action == "return":
                services.return_submission(submission, data["comment"], actor)
                return _("The submission was returned to the assessee.")
    except services.Refused as refused:
        if form is not None:
            show_refusal(form, refused)
        messages.error(request, refused.message)
        return None
    messages.error(request, _("Nothing was saved; the form below says why."))
    return None


@login_required
def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    """An evidence file, for those who see its submission (the assessee and the office); others get 404."""
    evidence = get_object_or_404(Evidence.objects.for_user(request.user), pk=pk)
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.name)


# --- the scheme: moves, copy, targets -----------------------------------------------------------------------


@login_required
@require_POST
def scheme_transition(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = get_for_user(Scheme.objects, request.user, pk, write=True)
    form = TransitionForm(request.POST)
    if form.is_valid():
        to, reason = form.cleaned_data["to"], form.cleaned_data["reason"]
        try:
            scheme = services.transition(scheme, to, Actor.from_request(request, Source.FORM), reason)
        except services.Refused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, _("The scheme is now “%(status)s”.") % {"status": scheme.get_status_display()})
    return back_to(request, dashboard_url(scheme))


@login_required
@require_POST
def scheme_copy(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = get_for_user(Scheme.objects, request.user, pk, write=True)
    form = CopyForm(request.POST)
    if not form.is_valid():
        for name, errors in form.errors.items():
            messages.error(request, f"{form.fields[name].label}: {' '.join(str(e) for e in errors)}")
        return back_to(request, dashboard_url(scheme))
    data = form.cleaned_data
    copy = services.copy_scheme(
        scheme, data["year"], data["name"], Actor.from_request(request, Source.FORM), data["with_targets"]
    )
    messages.success(request, _("“%(scheme)s” was created as a draft.") % {"scheme": copy})
    return HttpResponseRedirect(dashboard_url(copy))


@login_required
def targets_grid(request: HttpRequest, pk: int) -> HttpResponse:
    """Assessees × the indicators that take a target, one cell each; saving stores the changed cells through
    ``services.set_target`` (all or none: a cell in error keeps every other cell unsaved)."""
    scheme = get_for_user(Scheme.objects, request.user, pk)
    manages = Scheme.objects.editable_by(request.user).filter(pk=scheme.pk).exists()
    indicators = [
        i for i in scheme.indicators.filter(rule__isnull=False) if (i.rule or {}).get("kind") in rules.NEEDS_TARGET
    ]
    assessees = list(Assessee.objects.for_user(request.user).filter(scheme=scheme).order_by("order", "id"))
    values = {
        (t.indicator_id, t.assessee_id): t.value
        for t in Target.objects.filter(indicator__scheme=scheme, assessee__in=assessees)
    }
    editable = manages and not scheme.is_frozen
    errors: dict[tuple[int, int], str] = {}
    posted: dict[tuple[int, int], str] = {}
    if request.method == "POST":
        if not manages:
            raise PermissionDenied
        changed: list[tuple[Indicator, Assessee, Decimal]] = []
        for assessee in assessees:
            for indicator in indicators:
                pair = (indicator.pk, assessee.pk)
                raw = request.POST.get(f"cell-{indicator.pk}-{assessee.pk}", "").strip()
                posted[pair] = raw
                if not raw:
                    continue  # an empty cell changes nothing
                try:
                    value = parse_target(raw)
                except (ValidationError, InvalidOperation) as error:
                    errors[pair] = " ".join(getattr(error, "messages", [str(error)]))
                    continue
                if value != values.get(pair):
                    changed.append((indicator, assessee, value))
        if not errors:
            actor = Actor.from_request(request, Source.FORM)
            try:
                with transaction.atomic():
                    for indicator, assessee, value in changed:
                        try:
                            services.set_target(indicator, assessee, value, actor)
                        except services.Refused as refused:
                            errors[(indicator.pk, assessee.pk)] = refused.message
                            raise
            except services.Refused as refused:
                messages.error(request, refused.message)
            else:
                messages.success(request, _("%(count)s targets were saved.") % {"count": len(changed)})
                return HttpResponseRedirect(request.path)
        else:
            messages.error(request, _("Nothing was saved: correct the cells marked below."))
    rows = [
        (
            assessee,
            [
                (
                    indicator,
                    f"cell-{indicator.pk}-{assessee.pk}",
                    posted.get((indicator.pk, assessee.pk)) or plain(values.get((indicator.pk, assessee.pk))),
                    errors.get((indicator.pk, assessee.pk)),
                )
                for indicator in indicators
            ],
        )
        for assessee in assessees
    ]
    context = {
        "scheme": scheme,
        "indicators": indicators,
        "rows": rows,
        "editable": editable,
        "section": "assessments",
        **workflow(request, scheme),
    }
    return render(request, "assessments/targets.html", context, status=400 if errors else 200)
