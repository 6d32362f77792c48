from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from celery import Task
from django.db import transaction
from django.utils.translation import gettext as _

from talentportal.orgs.models import User, unit_of

from .models import Import, Job

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser

log = logging.getLogger(__name__)


def job_start(
    *, task: Task[Any, Any], kind: str, title: str, params: dict[str, Any] | None = None, acting_user: AnyUser | None
) -> Job:
    """Create the job row and enqueue its task once the row is committed.

    When the broker cannot take the task, the job (the same object the caller holds) ends failed with a message
    saying so: callers check ``job.status`` after their transaction and tell the user, instead of leaving a job
    queued that no worker will ever see.

    ``acting_user`` may be None for jobs started from the command line (``manage.py check_worker``).
    """
    user = acting_user if isinstance(acting_user, User) else None
    org_unit = unit_of(user) if user is not None else None
    job = Job.objects.create(kind=kind, title=title, params=params or {}, created_by=user, org_unit=org_unit)
    transaction.on_commit(lambda: job_enqueue(job, task))
    return job


def job_enqueue(job: Job, task: Task[Any, Any]) -> None:
    # Publishing retries are bounded by CELERY_BROKER_CONNECTION_TIMEOUT and CELERY_TASK_PUBLISH_RETRY_POLICY, so a
    # broker that is down answers within seconds, and the request with it.
    try:
        task.delay(job.pk)
    except Exception:
        log.warning("job %s could not be queued: the broker did not take it", job.pk, exc_info=True)
        message = _(
            "The job could not be started: the background job service cannot be reached. Try again in a few "
            "minutes; if it keeps failing, ask the administrator to check the broker (Redis)."
        )
        job.finish(Job.Status.FAILED, message)
        # An import waiting for this job goes back to where it was, with the same explanation.
        Import.objects.filter(job=job, status__in=Import.BUSY).recover(message)
