"""Running a report: checking its parameters before anything is queued, building it as the requesting user in a
job, keeping what it says on the job and drawing the file; and the schedules that run reports by themselves."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ..importing.engine import ProgressWriter
from ..models import Job, ReportSchedule, ReportTemplate
from ..services import job_start
from .document import Document
from .kinds import DOCX, REPORTS, OutOfScope, ReportForm, ReportKind, last_ended, runnable, shown_value
from .workbook import write_workbook

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser

log = logging.getLogger(__name__)
KIND = "report"  # the Job.kind of every report; the report's own kind is in its params


class ParamsRefused(ValidationError):
    """The parameters were refused: ``message_dict`` maps each field (or ``kind``) to its messages."""


def kind_for(user: AnyUser, code: Any) -> ReportKind:
    """The report kind ``code`` if the user may run it; unknown kinds and kinds the user may not run alike are a
    parameter error (the list of kinds a user sees is the list they may run)."""
    kind = runnable(user, code)
    if kind is None:
        raise ParamsRefused({"kind": [_("Choose one of the report kinds you may run.")]})
    return kind


def bound_form(kind: ReportKind, user: AnyUser, params: Any) -> ReportForm:
    """The kind's form bound to ``params`` and checked: ``OutOfScope`` becomes a 404, as the record's own page
    answers; other problems are ``ParamsRefused``."""
    if not isinstance(params, dict):
        raise ParamsRefused({"params": [_("The parameters must be an object of names and values.")]})
    data = {name: value for name, value in params.items() if isinstance(name, str)}
    # A form field reads an empty list or object as no value (the user's own unit): refuse them rather.
    several = {
        name: [_("Give one value, not a list or an object.")] for name, v in data.items() if isinstance(v, (list, dict))
    }
    if several:
        raise ParamsRefused(several)
    # A period not given is the one the page proposes: the last quarter (or year) that has ended.
    form = kind.form(data={**last_ended(kind.form, timezone.localdate()), **data}, user=user)
    try:
        valid = form.is_valid()
    except OutOfScope:
        raise Http404 from None
    if not valid:
        raise ParamsRefused({name: [str(m) for m in messages] for name, messages in form.errors.items()})
    return form


def report_title(kind: ReportKind, form: ReportForm) -> str:
    """The kind and its parameters as the form shows them (第3季度, not 3)."""
    values = [(field, form.cleaned_data.get(name)) for name, field in form.fields.items()]
    shown = [shown_value(field, value) for field, value in values if value not in (None, "")]
    return " · ".join([str(kind.title), *shown])[:200]


@transaction.atomic
def report_start(*, kind: Any, params: Any, acting_user: AnyUser) -> Job:
    """Check the parameters as ``acting_user`` and queue the report of ``kind`` (its code); nothing is queued
    when they are refused."""
    from ..tasks import run_report

    report = kind_for(acting_user, kind)
    form = bound_form(report, acting_user, params)
    return job_start(
        task=run_report,
        kind=KIND,
        title=report_title(report, form),
        params={"report": report.code, "params": form.params(), "language": translation.get_language()},
        acting_user=acting_user,
    )


def report_file_name(kind: ReportKind, job: Job) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{slugify(kind.code) or 'report'}-{job.pk}-{stamp}.{kind.output}"


def render(kind: ReportKind, document: Document, user: AnyUser, chart_drawn: Callable[[], None] | None = None) -> bytes:
    """The report's file: a Word document drawn with the office's template (or the default), or a workbook.
    ``chart_drawn`` is told of each chart a Word document draws (they take most of its time)."""
    if kind.output == DOCX:
        from .docx import default_template, render_docx

        uploaded = ReportTemplate.objects.applying_to(user, kind.code)
        if uploaded is None:
            return render_docx(document, default_template(kind.template or "generic.docx"), chart_drawn)
        with uploaded.file.open("rb") as template:
            return render_docx(document, template, chart_drawn)
    return write_workbook(document)


def run(job: Job) -> None:
    """The job's report, built as the user who asked for it (scoped as their pages are). The file is saved only
    once whole: a job stopped half-way keeps no file."""
    user = job.created_by
    if user is None or not user.is_active:
        raise PermissionDenied("the report's requester is gone")
    kind = kind_for(user, job.params.get("report"))
    form = bound_form(kind, user, job.params.get("params"))

    # Each step is shown with the time it has lasted, written as it ticks (as an import's stages are): the page
    # moves twice a second even while one aggregate query runs for long on a large registry.
    writer = ProgressWriter(job)
    writer.start()

    def progress(done: int, total: int, message: str) -> None:
        writer.update(done, total + 1)  # the last step is drawing the file
        writer.stage(message)

    try:
        progress(0, 1, _("Collecting the figures…"))
        document = kind.build(user, form.cleaned_data, progress)
        data = document.to_data()
        stored = Document.from_data(data)  # the file is drawn from exactly what the job keeps for the print view
        writer.update(max(writer.total - 1, 0))
        writer.stage(_("Writing the file…"))
        charts = sum(len(section.charts) for section in stored.sections)
        drawn = iter(range(1, charts + 1))

        def chart_drawn() -> None:
            writer.stage(
                _("Drawing the charts: %(done)s of %(total)s…") % {"done": next(drawn, charts), "total": charts}
            )

        content = render(kind, stored, user, chart_drawn)
    finally:
        writer.stop()
        # The writer's thread wrote the progress from its own connection: the job row saved below keeps it.
        job.progress_done, job.progress_total = min(writer.done, writer.total), writer.total
    job.result = {"report": kind.code, "output": kind.output, "document": data}
    job.result_file.save(report_file_name(kind, job), ContentFile(content), save=False)
    job.message = _("The report is ready.")
    job.save(update_fields=["result", "result_file", "message"])


def report_jobs(user: AnyUser) -> Any:
    """The generated reports the user may see (their own; an admin's, those of their scope)."""
    return Job.objects.for_user(user).filter(kind=KIND).select_related("created_by", "org_unit")


def recent_reports(user: AnyUser, count: int = 5) -> list[Job]:
    """The last reports the user asked for (scheduled ones included): their home page lists them."""
    if not user.is_authenticated:
        return []
    return list(report_jobs(user).filter(created_by=user)[:count])


def document_of(job: Job) -> Document | None:
    data = job.result.get("document") if isinstance(job.result, dict) else None
    return Document.from_data(data) if data else None


# Schedules: a report runs ``day`` days into the period after the one it reports on.


def period_start(day: datetime.date, every: str) -> datetime.date:
    """The first day of the period (month, quarter, year) holding ``day``."""
    if every == ReportSchedule.Every.YEAR:
        return day.replace(month=1, day=1)
    if every == ReportSchedule.Every.QUARTER:
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(day=1)


def next_period(start: datetime.date, every: str) -> datetime.date:
    months = {ReportSchedule.Every.YEAR: 12, ReportSchedule.Every.QUARTER: 3}.get(every, 1)  # type: ignore[call-overload]
    month = start.month - 1 + months
    return start.replace(year=start.year + month // 12, month=month % 12 + 1, day=1)


def next_run_at(every: str, day: int, after: datetime.datetime | None = None) -> datetime.datetime:
    """The first run after ``after`` (now): ``day`` days into a period, at 06:00 local time."""
    after = timezone.localtime(after or timezone.now())
    start = period_start(after.date(), every)
    while True:
        run_day = start + datetime.timedelta(days=day - 1)
        at = timezone.make_aware(datetime.datetime.combine(run_day, datetime.time(6, 0)))
        if at > after:
            return at
        start = next_period(start, every)


def reported_period(kind: ReportKind, run_at: datetime.datetime) -> dict[str, int]:
    """What a report of ``kind`` run at ``run_at`` by its schedule covers: the last quarter (or year) that has
    ended, whatever the schedule's rhythm, never a period still running."""
    return last_ended(kind.form, timezone.localtime(run_at).date())


def run_due_schedules(now: datetime.datetime | None = None) -> list[Job]:
    """Start every report whose schedule is due, as the admin who scheduled it, and move each schedule on."""
    now = now or timezone.now()
    started = []
    for schedule in ReportSchedule.objects.due(now).select_related("created_by"):
        with transaction.atomic():
            claimed = ReportSchedule.objects.filter(pk=schedule.pk, next_run_at=schedule.next_run_at).update(
                next_run_at=next_run_at(schedule.every, schedule.day, max(now, schedule.next_run_at))
            )
            if not claimed:
                continue  # another scheduler run took it
            kind = REPORTS.get(schedule.kind)
            # The latest period that has ended (after a scheduler stopped for a while, not the oldest missed).
            params = {**schedule.params, **(reported_period(kind, now) if kind else {})}
            with translation.override(settings.LANGUAGE_CODE):  # the portal's language, as no request tells one
                try:
                    job = report_start(kind=schedule.kind, params=params, acting_user=schedule.created_by)
                except (ParamsRefused, Http404) as refusal:
                    # The admin moved, the unit left their scope, the kind is gone: paused, saying why, rather
                    # than failing unseen every period.
                    errors = getattr(refusal, "message_dict", {}).values()
                    reason = " ".join(str(m) for messages in errors for m in messages) or _(
                        "The report's unit or scheme is no longer in the scope of the admin who scheduled it."
                    )
                    ReportSchedule.objects.filter(pk=schedule.pk).update(active=False, message=reason[:500])
                    log.warning("report schedule %s paused: %s", schedule.pk, reason)
                    continue
            ReportSchedule.objects.filter(pk=schedule.pk).update(last_job=job, message="")
            started.append(job)
    return started
