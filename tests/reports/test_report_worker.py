"""Reports through a real Celery worker process: built as the requester with progress, stopped by their time
limit, and a worker killed mid-report leaves the job failed with no file offered."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import override_settings

from talentportal.jobs.models import Job
from talentportal.jobs.reports import services
from talentportal.jobs.tasks import fail_stale_jobs, run_report
from talentportal.orgs.models import unit_of

from ..jobs.conftest import stale_messages, wait_for

NANHU = "330402"


def finished(job: Job, worker: Any) -> Job:
    def done() -> bool:
        job.refresh_from_db()
        return job.is_finished

    wait_for(done, timeout=60, what=lambda: f"the report to finish; worker log:\n{worker.log()}")
    return job


def slow_job(owner: Any, steps: int, delay: float) -> Job:
    """A slow report's job, as ``report_start`` writes it, for a test to send to a worker of its choice."""
    return Job.objects.create(
        kind=services.KIND,
        title="Slow",
        params={"report": "test_slow", "params": {"steps": steps, "delay": delay}},
        created_by=owner,
        org_unit=unit_of(owner),
    )


def test_a_worker_builds_the_report_as_the_requester(worker: Any, people: dict[str, Any]) -> None:
    params = {"year": 2025, "quarter": 1, "org_unit": ""}
    job = finished(services.report_start(kind="test_units", params=params, acting_user=people["a_viewer"]), worker)
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert job.progress_done == job.progress_total > 0
    assert job.result_file.name.endswith(".xlsx")
    names = [row[0] for row in services.document_of(job).section("units").table("units").rows]  # type: ignore[union-attr]
    assert names and all(not name.startswith("秀洲") for name in names)


def test_the_time_limit_stops_a_report_without_a_file(worker_factory: Any, people: dict[str, Any]) -> None:
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-limited"
    limited = worker_factory("limited", queue, pool="prefork")
    job = slow_job(people["a_viewer"], steps=10, delay=1)
    # The limits travel with the message (the portal sends REPORT_SOFT_TIME_LIMIT): here a short one.
    run_report.apply_async((job.pk,), queue=limited.queue, soft_time_limit=2, time_limit=10)
    job = finished(job, limited)
    assert job.status == Job.Status.FAILED
    assert "took too long" in job.message or "超时" in job.message
    assert not job.result_file
    assert 0 < job.progress_done < job.progress_total


def test_a_killed_worker_leaves_the_report_failed_and_no_file(
    worker_factory: Any, people: dict[str, Any], client: Any
) -> None:
    doomed = worker_factory("doomed-report", f"{settings.CELERY_TASK_DEFAULT_QUEUE}-doomed-report")
    owner = people["a_viewer"]
    job = slow_job(owner, steps=20, delay=2)
    run_report.apply_async((job.pk,), queue=doomed.queue)

    def running() -> bool:
        job.refresh_from_db()
        return job.status == Job.Status.RUNNING and job.progress_done >= 1

    wait_for(running, timeout=30, what=lambda: f"the report to run; worker log:\n{doomed.log()}")
    doomed.kill()
    media = Path(settings.MEDIA_ROOT)
    before = {p for p in media.rglob("*") if p.is_file()} if media.exists() else set()
    with override_settings(JOB_STALE_SECONDS=1):
        time.sleep(1.5)

        def failed() -> bool:
            fail_stale_jobs()
            job.refresh_from_db()
            return job.status == Job.Status.FAILED

        wait_for(failed, timeout=15, interval=0.5, what="the sweep to fail the dead report")
    assert job.message in stale_messages()
    assert not job.result_file and job.progress_done < job.progress_total
    after = {p for p in media.rglob("*") if p.is_file()} if media.exists() else set()
    assert after == before  # nothing half-written left behind
    client.force_login(owner)
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'id="download-result"' not in page and 'id="print-view"' not in page
    assert client.get(f"/reports/{job.pk}/print/").status_code == 404
