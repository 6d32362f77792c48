from __future__ import annotations

from typing import Any

from celery import Task
from django.db import transaction

from talentportal.orgs.models import unit_of

from .models import Job


def job_start(*, task: Task, kind: str, title: str, params: dict[str, Any] | None = None, acting_user: Any) -> Job:
    """Create the job row and enqueue its task once the row is committed.

    ``acting_user`` may be None for jobs started from the command line (``manage.py check_worker``).
    """
    org_unit = unit_of(acting_user) if acting_user is not None else None
    job = Job.objects.create(kind=kind, title=title, params=params or {}, created_by=acting_user, org_unit=org_unit)
    transaction.on_commit(lambda: task.delay(job.pk))
    return job
