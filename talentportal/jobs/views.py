from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from talentportal.audit.models import Action, Source
from talentportal.audit.services import Actor, record
from talentportal.orgs.models import is_admin
from talentportal.registry.http import HtmxHttpRequest

from .models import Job
from .services import job_start
from .tasks import count_down


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = Job.objects.for_user(request.user).select_related("created_by", "org_unit")
    status = request.GET.get("status", "")
    if status in Job.Status.values:
        jobs = jobs.filter(status=status)
    page = Paginator(jobs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "jobs/job_list.html",
        {"page": page, "status": status, "statuses": Job.Status.choices, "section": "jobs"},
    )


@login_required
def job_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.for_user(request.user).select_related("created_by", "org_unit"), pk=pk)
    template = "jobs/job_detail.html#progress" if request.htmx else "jobs/job_detail.html"
    section = "reports" if job.kind == "report" else "jobs"  # a report's page is one of the reports pages
    return render(request, template, {"job": job, "section": section})


@login_required
def job_download(request: HttpRequest, pk: int, which: str) -> FileResponse:
    job = get_object_or_404(Job.objects.for_user(request.user), pk=pk)
    file = job.result_file if which == "result" else job.error_file
    if not file:
        raise Http404
    if which == "result" and job.result.get("revealed"):
        # An export with personal data in full: every download shows it again, and is audited as a reveal.
        record(
            Actor.from_request(request, Source.FORM),
            Action.REVEAL,
            job,
            {"revealed": job.result["revealed"], "rows": job.counts.get("rows")},
        )
    return FileResponse(file.open("rb"), as_attachment=True, filename=file.name.rsplit("/", 1)[-1])


@login_required
@require_POST
def job_check_workers(request: HttpRequest) -> HttpResponse:
    """Admins start a tiny job to see that background workers are running."""
    if not is_admin(request.user):
        raise PermissionDenied
    job = job_start(
        task=count_down,
        kind="check",
        title=_("Worker check"),
        params={"steps": 5, "delay": 0.3},
        acting_user=request.user,
    )
    if job.status == Job.Status.FAILED:  # the broker did not take it; the job says why
        messages.error(request, job.message)
    else:
        messages.info(request, _("A check job was queued; it finishes in a few seconds when a worker is running."))
    return HttpResponseRedirect(job.get_absolute_url())
