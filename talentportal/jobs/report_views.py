"""The reports pages: choose a kind and its parameters, watch it build, download it or print it; the history of the
reports generated; the office's Word templates and the schedules (admins)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from talentportal import charts
from talentportal.access import get_for_user
from talentportal.audit.models import Action, Source
from talentportal.audit.services import Actor, record
from talentportal.orgs.models import OrgUnit, User, has_role, is_admin, unit_of

from .models import Job, ReportSchedule, ReportTemplate
from .reports.document import LINE, MONEY, PIE, STACKED, Document, chart_series
from .reports.kinds import DOCX, REPORTS, OutOfScope, ReportForm, kinds_for, runnable, shown_value
from .reports.services import (
    ParamsRefused,
    bound_form,
    document_of,
    next_run_at,
    report_jobs,
    report_start,
)

PERIOD_FIELDS = ("year", "quarter")


def unit_choices(form: ReportForm) -> None:
    """The ``org_unit`` field as a list of the units in the user's scope (by code), for the page."""
    if "org_unit" in form.fields:
        units = OrgUnit.objects.for_user(form.user).order_by("path").only("code", "name", "path")
        form.fields["org_unit"].widget = forms.Select(choices=[(u.code, u.name) for u in units])


def kind_title(code: str) -> str:
    kind = REPORTS.get(code)
    return str(kind.title) if kind else code


@login_required
def report_home(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, "viewer"):
        raise PermissionDenied
    kinds = kinds_for(request.user)
    posting = request.method == "POST"
    asked = runnable(request.user, (request.POST if posting else request.GET).get("kind"))
    if posting and asked is None:  # never run another kind than the one asked for
        messages.error(request, _("Choose one of the report kinds you may run."))
    chosen = asked or (kinds[0] if kinds else None)
    form = chosen.form(user=request.user) if chosen else None
    if posting and asked is not None:
        try:
            job = report_start(kind=asked.code, params=request.POST.dict(), acting_user=request.user)
        except ParamsRefused:
            form = asked.form(data=request.POST, user=request.user)
            form.is_valid()
        else:
            if job.status == Job.Status.FAILED:  # the broker did not take it; the job says why
                messages.error(request, job.message)
            return HttpResponseRedirect(job.get_absolute_url())
    if form is not None:
        unit_choices(form)
    page = Paginator(report_jobs(request.user), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/home.html",
        {"kinds": kinds, "chosen": chosen, "form": form, "page": page, "section": "reports"},
    )


@login_required
def report_print(request: HttpRequest, pk: int) -> HttpResponse:
    """A generated report as an A4 page the browser prints (or saves as PDF), drawn from what the job keeps."""
    job = get_object_or_404(report_jobs(request.user), pk=pk)
    document = document_of(job)
    if document is None:
        return render(request, "reports/not_ready.html", {"job": job, "section": "reports"}, status=404)
    return render(
        request,
        "reports/print.html",
        {"job": job, "document": document, "charts": chart_options(document), "section": "reports"},
    )


def chart_options(document: Document) -> dict[str, dict[str, Any]]:
    """ECharts options for every chart of the document, by ``<section>-<chart>`` id."""
    options = {}
    for section in document.sections:
        for chart in section.charts:
            table = section.table(chart.table)
            categories, series = chart_series(table, chart)
            drawn = [charts.Series(name, values) for name, values in series]
            money = any(table.formats[i] == MONEY for i in chart.values)
            if chart.kind == LINE:
                option = charts.line_chart(categories, drawn, money=money)
            else:
                option = charts.bar_chart(categories, drawn[:1] if chart.kind == PIE else drawn,
                                          stacked=chart.kind == STACKED, money=money)  # fmt: skip
            options[f"chart-{section.key}-{chart.key}"] = option
    return options


# The office's Word templates (admins).


class TemplateForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Report kind"))
    file = forms.FileField(label=gettext_lazy("Word template (.docx)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            (k.code, k.title) for k in REPORTS.values() if k.output == DOCX
        ]

    def clean_file(self) -> Any:
        from .reports.docx import TemplateRefused, check_template

        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".docx"):
            raise forms.ValidationError(_("Upload a Word document (.docx)."))
        try:
            check_template(upload)
        except TemplateRefused as exc:
            raise forms.ValidationError(str(exc)) from None
        upload.seek(0)
        return upload


def _admin(request: HttpRequest) -> tuple[User, OrgUnit]:
    """The signed-in admin and their unit; anyone else is refused (403)."""
    user, unit = request.user, unit_of(request.user)
    if not isinstance(user, User) or not is_admin(user) or unit is None:
        raise PermissionDenied
    return user, unit


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    user, unit = _admin(request)
    form = TemplateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        template = ReportTemplate(
            kind=form.cleaned_data["kind"], org_unit=unit, file_name=upload.name[:255], uploaded_by=user
        )
        template.file.save(upload.name, upload, save=True)
        record(Actor.from_request(request, Source.FORM), Action.CREATE, template, {"kind": template.kind})
        messages.success(request, _("The template was uploaded: the next reports of this kind use it."))
        return redirect("reports:templates")
    templates = list(ReportTemplate.objects.for_user(request.user).select_related("org_unit", "uploaded_by"))
    for template in templates:
        template.kind_title = kind_title(template.kind)
    return render(
        request,
        "reports/templates.html",
        {"form": form, "templates": templates, "kinds": REPORTS, "section": "reports"},
    )


@login_required
def template_download(request: HttpRequest, pk: int) -> FileResponse:
    _admin(request)
    template = get_for_user(ReportTemplate.objects, request.user, pk)
    return FileResponse(template.file.open("rb"), as_attachment=True, filename=template.file_name)


@login_required
def default_template_download(request: HttpRequest, code: str) -> FileResponse:
    """The portal's own template of a kind: the office starts its own from it."""
    from .reports.docx import default_template

    _admin(request)
    kind = runnable(request.user, code)
    if kind is None or kind.output != DOCX:
        raise Http404
    path = default_template(kind.template or "generic.docx")
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"{kind.code}.docx")


@login_required
@require_POST
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _admin(request)
    template = get_for_user(ReportTemplate.objects, request.user, pk, write=True)
    record(Actor.from_request(request, Source.FORM), Action.DELETE, template, {"kind": template.kind})
    template.file.delete(save=False)
    template.delete()
    messages.success(request, _("The template was deleted: reports of this kind use the one above it again."))
    return redirect("reports:templates")


# Schedules (admins).


class ScheduleForm(forms.ModelForm[ReportSchedule]):
    class Meta:
        model = ReportSchedule
        fields = ["every", "day", "active"]


def shown_params(schedules: list[ReportSchedule]) -> list[list[tuple[str, str]]]:
    """Each schedule's kept parameters as its form names them: (所属单位, 嘉兴市), not org_unit=330400. The units of
    all the schedules are fetched in one query."""
    codes = {s.params["org_unit"] for s in schedules if s.params.get("org_unit")}
    units = dict(OrgUnit.objects.filter(code__in=codes).values_list("code", "name"))
    shown = []
    for schedule in schedules:
        kind = REPORTS.get(schedule.kind)
        fields = kind.form.base_fields if kind else {}
        row = []
        for name, value in schedule.params.items():
            field = fields.get(name)
            if name == "org_unit":
                text = str(units.get(value, value))
            else:
                text = shown_value(field, value) if field is not None else str(value)
            row.append((str(field.label if field is not None else name), text))
        shown.append(row)
    return shown


@login_required
def schedule_list(request: HttpRequest) -> HttpResponse:
    user, unit = _admin(request)
    kinds = kinds_for(request.user)
    posting = request.method == "POST"
    asked = runnable(request.user, (request.POST if posting else request.GET).get("kind"))
    chosen = asked or (kinds[0] if kinds else None)
    schedule_form = ScheduleForm(request.POST or None)
    if posting and asked is None:  # never schedule another kind than the one asked for
        schedule_form.add_error(None, _("Choose one of the report kinds you may run."))
    params_form = chosen.form(data=request.POST or None, user=request.user) if chosen else None
    for name in PERIOD_FIELDS:  # a schedule reports on the period that has just ended
        if params_form is not None and name in params_form.fields:
            params_form.fields.pop(name)
    if posting and chosen is not None and schedule_form.is_valid():
        every, day = schedule_form.cleaned_data["every"], schedule_form.cleaned_data["day"]
        first = next_run_at(every, day)
        params = {k: v for k, v in request.POST.dict().items() if k in (params_form.fields if params_form else {})}
        try:
            checked = bound_form(chosen, request.user, params)  # with the last period that has ended
        except ParamsRefused as refused:
            for name, errors in refused.message_dict.items():
                field = chosen.form.base_fields.get(name)
                label = str(field.label) if field is not None and field.label else name
                schedule_form.add_error(None, _("%(label)s: %(value)s") % {"label": label, "value": " ".join(errors)})
        else:
            kept = {k: v for k, v in checked.params().items() if k not in PERIOD_FIELDS}
            schedule = schedule_form.save(commit=False)
            schedule.kind, schedule.params, schedule.org_unit = chosen.code, kept, unit
            schedule.created_by, schedule.next_run_at = user, first
            schedule.save()
            record(
                Actor.from_request(request, Source.FORM),
                Action.CREATE,
                schedule,
                {"kind": chosen.code, "every": every, "day": day, "params": kept, "active": schedule.active},
            )
            messages.success(request, _("The report is scheduled."))
            return redirect("reports:schedules")
    if params_form is not None and params_form.is_bound:
        try:  # the form is shown with its errors: a unit or scheme out of scope is not found, as when it is valid
            params_form.is_valid()
        except OutOfScope:
            raise Http404 from None
    if params_form is not None:
        unit_choices(params_form)
    schedules = list(ReportSchedule.objects.for_user(request.user).select_related("created_by", "last_job"))
    shown = shown_params(schedules)
    for schedule, labelled in zip(schedules, shown, strict=True):
        schedule.kind_title, schedule.shown_params = kind_title(schedule.kind), labelled
    return render(
        request,
        "reports/schedules.html",
        {
            "kinds": kinds,
            "chosen": chosen,
            "schedule_form": schedule_form,
            "params_form": params_form,
            "schedules": schedules,
            "section": "reports",
        },
    )


@login_required
@require_POST
def schedule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _admin(request)
    schedule = get_for_user(ReportSchedule.objects, request.user, pk, write=True)
    record(Actor.from_request(request, Source.FORM), Action.DELETE, schedule, {"kind": schedule.kind})
    schedule.delete()
    messages.success(request, _("The schedule was deleted."))
    return redirect("reports:schedules")
