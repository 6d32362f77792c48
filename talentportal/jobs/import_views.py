"""The import pages: upload a roster, watch its dry run, read its errors, apply it, undo it; and the history."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from talentportal.audit.models import Action, Source
from talentportal.audit.services import Actor, delete_with_audit, record
from talentportal.orgs.models import is_admin
from talentportal.registry.http import HtmxHttpRequest

from .importing.mapping import applied_for_reader, describer, mapping_step
from .importing.reading import FileRefused
from .importing.report import for_reader
from .importing.services import (
    ImportStateError,
    MappingRefused,
    import_apply,
    import_map_values,
    import_start,
    import_undo,
)
from .importing.spec import all_specs, get_spec
from .importing.workbooks import template_workbook
from .models import Import, Job, ValueMapping


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the roster holds"))
    file = forms.FileField(
        label=gettext_lazy("Roster file"),
        help_text=gettext_lazy(".xlsx, .xls, .ods or .csv (UTF-8 or GBK); the header may sit below title rows."),
    )
    keep_valid = forms.BooleanField(
        label=gettext_lazy("When some rows have errors, still import the valid ones"), required=False
    )
    clear_blanks = forms.BooleanField(
        label=gettext_lazy("Clear values where the file is blank"),
        help_text=gettext_lazy(
            "Off: a blank cell leaves the stored value as it is. On: it clears it. The check shows how many stored "
            "values that concerns."
        ),
        required=False,
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        kind = cast("forms.ChoiceField", self.fields["kind"])
        kind.choices = [(s.kind, str(s.label)) for s in all_specs()]
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.xlsm,.xls,.ods,.csv"


def _admin_only(request: HttpRequest) -> None:
    if not is_admin(request.user):
        raise PermissionDenied


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    imports = Import.objects.for_user(request.user).select_related("created_by").defer("errors", "preview")
    page = Paginator(imports, 25).get_page(request.GET.get("page"))
    labels = {s.kind: s.label for s in all_specs()}
    for imp in page.object_list:
        imp.kind_label = labels.get(imp.kind, imp.kind)
    return render(request, "jobs/import_list.html", {"page": page, "section": "imports"})


@login_required
def import_new(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form = ImportForm(request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            imp = import_start(
                kind=form.cleaned_data["kind"],
                upload=upload,
                name=upload.name,
                size=upload.size,
                keep_valid=form.cleaned_data["keep_valid"],
                clear_blanks=form.cleaned_data["clear_blanks"],
                acting_user=request.user,
            )
        except FileRefused as refusal:
            form.add_error("file", refusal.message)
        else:
            _tell_if_not_queued(request, imp.job)
            return HttpResponseRedirect(imp.get_absolute_url())
    return render(
        request,
        "jobs/import_new.html",
        {"form": form, "specs": all_specs(), "section": "imports"},
        status=400 if form.errors else 200,
    )


@login_required
def import_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    imp = get_object_or_404(Import.objects.for_user(request.user).select_related("created_by", "job"), pk=pk)
    spec = get_spec(imp.kind)
    touched = ""
    if imp.status == Import.Status.APPLIED and spec and spec.list_url and imp.apply_job_id:
        touched = f"{reverse(spec.list_url)}?{urlencode({'import_job': imp.pk})}"
    context = {
        "imp": imp,
        "job": imp.job,
        "spec": spec,
        "touched_url": touched,
        "section": "imports",
        "unknown_values": mapping_step(imp, request.user) if imp.status == Import.Status.CHECKED else [],
        "applied_mappings": applied_for_reader(imp, request.user),
        **for_reader(imp),
    }
    template = "jobs/import_detail.html#state" if request.htmx else "jobs/import_detail.html"
    return render(request, template, context)


def _tell_if_not_queued(request: HttpRequest, job: Job | None) -> None:
    if job is not None and job.status == Job.Status.FAILED:  # the broker did not take it; the job says why
        messages.error(request, job.message)


def _scoped(request: HttpRequest, pk: int) -> Import:
    _admin_only(request)
    imp: Import = get_object_or_404(Import.objects.for_user(request.user), pk=pk)
    return imp


@login_required
@require_POST
def import_apply_view(request: HttpRequest, pk: int) -> HttpResponse:
    imp = _scoped(request, pk)
    try:
        _tell_if_not_queued(
            request, import_apply(imp=imp, keep_valid=request.POST.get("keep_valid") == "1", acting_user=request.user)
        )
    except ImportStateError as refusal:
        messages.error(request, refusal.message)
    return HttpResponseRedirect(imp.get_absolute_url())


@login_required
@require_POST
def import_undo_view(request: HttpRequest, pk: int) -> HttpResponse:
    imp = _scoped(request, pk)
    try:
        _tell_if_not_queued(request, import_undo(imp=imp, acting_user=request.user))
    except ImportStateError as refusal:
        messages.error(request, refusal.message)
    return HttpResponseRedirect(imp.get_absolute_url())


@login_required
@require_POST
def import_map_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The mapping form: ``column-N``, ``value-N`` and ``target-N`` for each unknown value (no target: it stays an
    error); the mappings are saved and the import is checked again."""
    imp = _scoped(request, pk)
    targets = {}
    for index in range(len(imp.unknown_values)):
        target = request.POST.get(f"target-{index}", "")
        if target:
            targets[(request.POST.get(f"column-{index}", ""), request.POST.get(f"value-{index}", ""))] = target
    try:
        _tell_if_not_queued(
            request, import_map_values(imp=imp, targets=targets, actor=Actor.from_request(request, Source.FORM))
        )
    except (MappingRefused, ImportStateError) as refusal:
        messages.error(request, refusal.message)
    return HttpResponseRedirect(imp.get_absolute_url())


@login_required
def mapping_list(request: HttpRequest) -> HttpResponse:
    """The value mappings of the admin's scope: what each maps, for which kind and column, who saved it and when."""
    _admin_only(request)
    mappings = ValueMapping.objects.for_user(request.user).select_related("org_unit", "created_by")
    page = Paginator(mappings, 50).get_page(request.GET.get("page"))
    describe = describer(request.user)
    kinds = {s.kind: s.label for s in all_specs()}
    for mapping in page.object_list:
        mapping.kind_label = kinds.get(mapping.kind, mapping.kind)
        mapping.column_label, mapping.target_label = describe(mapping.kind, mapping.column, mapping.target)
    return render(request, "jobs/mapping_list.html", {"page": page, "section": "imports"})


@login_required
@require_POST
def mapping_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a mapping of the admin's scope: later imports report its value as unknown again."""
    _admin_only(request)
    mapping = get_object_or_404(ValueMapping.objects.for_user(request.user), pk=pk)
    delete_with_audit(Actor.from_request(request, Source.FORM), mapping)
    messages.success(request, _("The mapping of “%(value)s” was deleted.") % {"value": mapping.value})
    return HttpResponseRedirect(reverse("jobs:mapping_list"))


@login_required
def import_download(request: HttpRequest, pk: int) -> FileResponse:
    """The error report: the failed rows as the file had them, to fix and upload again. Their personal data is
    in full (the page shows it masked), so each download is audited as a reveal."""
    imp = _scoped(request, pk)
    if not imp.error_report:
        raise Http404
    record(Actor.from_request(request, Source.FORM), Action.REVEAL, imp, {"revealed": ["error_report"]})
    return FileResponse(
        imp.error_report.open("rb"), as_attachment=True, filename=(imp.error_report.name or "").rsplit("/", 1)[-1]
    )


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    _admin_only(request)
    spec = get_spec(kind)
    if spec is None:
        raise Http404
    response = HttpResponse(
        template_workbook(spec), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = _("%(kind)s roster template") % {"kind": spec.label}
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}.xlsx"
    return response


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)
