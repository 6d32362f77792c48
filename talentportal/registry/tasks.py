"""The registry's background jobs: a large list export."""

from __future__ import annotations

from io import BytesIO

from celery import shared_task
from django.core.files.base import ContentFile
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import override

from talentportal.audit.models import Source
from talentportal.audit.services import Actor
from talentportal.jobs.models import Job
from talentportal.jobs.tasks import JobTask
from talentportal.orgs.models import User

from .base import REGISTRIES, filtered_queryset
from .export import export_filename, in_batches, may_export_personal_data, record_export_reveal, write_registry


@shared_task(base=JobTask, name="talentportal.registry.export")
def export_registry(job: Job) -> None:
    """Export a filtered registry list for the user who asked, with that user's scope and masking."""
    registry = REGISTRIES[job.params["model"]]
    user = User.objects.get(pk=job.params["user_id"])
    with override(job.params.get("language")):
        qs = filtered_queryset(registry, user, QueryDict(job.params.get("query", "")))
        total = qs.count()
        job.report(0, total, _("Writing %(count)s rows…") % {"count": total}, force=True)
        buffer = BytesIO()
        reveal = may_export_personal_data(registry, user)
        count = write_registry(registry, in_batches(qs), buffer, total, job, reveal=reveal)
        if reveal:
            record_export_reveal(registry, Actor(user=user, source=Source.JOB, job_id=job.pk), count)
            job.result = {"revealed": [c.name for c in registry.personal_columns]}  # its downloads are audited
        job.result_file.save(export_filename(registry), ContentFile(buffer.getvalue()), save=False)
        job.counts = {"rows": count}
        job.message = _("%(count)s rows exported.") % {"count": count}
        job.report(count, count, job.message, force=True)
        job.save(update_fields=["result_file", "counts", "message", "result"])
