from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from talentportal.jobs.models import Job
from talentportal.jobs.services import job_start
from talentportal.jobs.tasks import count_down
from talentportal.orgs.models import User


class Command(BaseCommand):
    help = "Queue a small job and wait until a worker has finished it (exit code 1 if none does in time)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--wait", type=float, default=60, help="seconds to wait for the job")
        parser.add_argument("--user", default="", help="account that owns the job (default: none)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first() if options["user"] else None
        job = job_start(
            task=count_down, kind="check", title="Worker check", params={"steps": 3, "delay": 0.1}, acting_user=user
        )
        if job.status == Job.Status.FAILED:  # the broker did not take it
            raise CommandError(f"job {job.pk} could not be queued: {job.message}")
        deadline = time.monotonic() + options["wait"]
        seen = set()
        while time.monotonic() < deadline:
            job.refresh_from_db()
            seen.add(job.progress_done)
            if job.is_finished:
                break
            time.sleep(0.2)
        if job.status != Job.Status.SUCCEEDED:
            raise CommandError(f"job {job.pk} is {job.status} after {options['wait']} s: is a worker running?")
        self.stdout.write(
            self.style.SUCCESS(f"job {job.pk} succeeded through a worker (progress seen: {sorted(seen)})")
        )
