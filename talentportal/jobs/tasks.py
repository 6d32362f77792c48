"""The Celery side of jobs: a task base that keeps the Job row up to date, and the job kinds of this app (the
worker check, the sweep of stale jobs, the worker heartbeat, an import's steps)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_ready
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import close_old_connections, connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from talentportal.storage import is_disk_full

from .importing.services import recover, run
from .models import Import, Job, WorkerHeartbeat
from .reports import services as reports

log = logging.getLogger(__name__)


class _Heartbeat(threading.Thread):
    """Touches the job's heartbeat while the task runs, so a dead worker is told apart from a slow step."""

    def __init__(self, job_id: int) -> None:
        super().__init__(daemon=True, name=f"job-{job_id}-heartbeat")
        self.job_id = job_id
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(settings.JOB_HEARTBEAT_SECONDS):
                Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(heartbeat_at=timezone.now())
        finally:
            connection.close()


class JobTask(Task[Any, Any]):
    """Base for tasks called as ``task.delay(job_id, ...)``; the task body receives the Job itself.

    A job runs once: a redelivered message for a job that is no longer queued is ignored. Failures and time
    limits end the job as failed with a message the user can read.
    """

    def __call__(self, job_id: int, *args: Any, **kwargs: Any) -> Any:
        close_old_connections()
        # A worker lives for weeks; the content types it cached (the audit log names records by them) are
        # re-created with new ids when the database is restored or flushed, and a stale id would fail the job.
        ContentType.objects.clear_cache()
        claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
            status=Job.Status.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
        )
        if not claimed:
            log.info("job %s is not queued any more; skipped", job_id)
            return None
        job = Job.objects.get(pk=job_id)
        heartbeat = _Heartbeat(job_id)
        heartbeat.start()
        try:
            self.run(job, *args, **kwargs)
        except SoftTimeLimitExceeded:
            job.finish(Job.Status.FAILED, _("The job took too long and was stopped."))
        except Exception as exc:
            if is_disk_full(exc):
                log.error("job %s failed: the disk of %s is full", job_id, settings.MEDIA_ROOT)
                message = _(
                    "The disk that keeps the portal's files is full, so nothing was saved. Ask the administrator "
                    "to free space, then start the job again."
                )
            else:
                # The details (which may quote personal data) go to the log, not to the page.
                log.exception("job %s failed: %s", job_id, type(exc).__name__)
                message = _("The job failed because of an internal error (reference %(id)s).") % {"id": job_id}
            job.finish(Job.Status.FAILED, message)
        else:
            job.finish(Job.Status.SUCCEEDED)
        finally:
            heartbeat.stopped.set()
            heartbeat.join(timeout=5)
            close_old_connections()
        return None


@shared_task(name="talentportal.jobs.tasks.fail_stale_jobs")
def fail_stale_jobs() -> int:
    return Job.objects.fail_stale()


@shared_task(bind=True, name="talentportal.jobs.tasks.worker_heartbeat")
def worker_heartbeat(self: Task[Any, Any]) -> None:
    """Sent every minute by the scheduler: whichever worker runs it is alive and consuming the queue."""
    WorkerHeartbeat.objects.seen(self.request.hostname or "unknown")


@worker_ready.connect
def _worker_started(sender: Any, **kwargs: Any) -> None:
    try:
        WorkerHeartbeat.objects.seen(sender.hostname)
    except Exception:  # a worker that cannot write yet still works; the minutely heartbeat catches up
        log.warning("could not record the worker's start", exc_info=True)
    finally:
        connection.close()  # the main process keeps no connection its pool's children might share


@shared_task(base=JobTask, name="talentportal.jobs.tasks.count_down")
def count_down(job: Job) -> None:
    """A tiny job that counts through its steps; used to check that workers are alive and to test jobs."""
    import time

    steps = int(job.params.get("steps", 5))
    delay = float(job.params.get("delay", 0.2))
    job.report(0, steps)
    for step in range(1, steps + 1):
        time.sleep(delay)
        job.report(step, steps, force=True)
    job.result = {"steps": steps}
    job.save(update_fields=["result"])


@shared_task(base=JobTask, name="talentportal.jobs.importing.run_import")
def run_import(job: Job) -> None:
    """An import's step (its check, apply or undo), in the language of the request that started it."""
    imp = Import.objects.select_related("created_by", "org_unit").get(pk=job.params["import_id"])
    # The audit entries name their model by content type: ids a long-running worker cached may be out of date
    # (a database restored or rebuilt since), and a stale one would fail the whole apply at its commit.
    ContentType.objects.clear_cache()
    with translation.override(job.params.get("language") or None):
        try:
            run(imp, job.params["action"], job)
        except BaseException:
            recover(imp)
            raise
    job.counts = imp.counts
    job.message = imp.message
    job.save(update_fields=["counts", "message"])


@shared_task(
    base=JobTask,
    name="talentportal.jobs.reports.run_report",
    soft_time_limit=settings.REPORT_SOFT_TIME_LIMIT,
    time_limit=settings.REPORT_SOFT_TIME_LIMIT + 30,
)
def run_report(job: Job) -> None:
    """A report, built as the user who asked for it, in the language of their request."""
    with translation.override(job.params.get("language") or None):
        reports.run(job)


@shared_task(name="talentportal.jobs.reports.run_due_schedules")
def run_due_report_schedules() -> int:
    """Sent by the scheduler: start the reports whose schedules are due."""
    return len(reports.run_due_schedules())
