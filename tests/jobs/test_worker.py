"""Jobs through a real Celery worker process: progress, the export job, a killed worker, the filesystem broker."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from talentportal.jobs.models import Import, Job, WorkerHeartbeat
from talentportal.jobs.services import job_start
from talentportal.jobs.tasks import count_down, fail_stale_jobs, run_import, worker_heartbeat
from talentportal.orgs.models import OrgUnit, unit_of
from talentportal.orgs.registries import org_units
from talents.models import Talent

from .conftest import STALE_MESSAGE, Worker, stale_messages, wait_for, worker_environ

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def finished(job: Job) -> Job | None:
    job.refresh_from_db()
    return job if job.is_finished else None


def test_progress_moves_from_zero_to_done(worker: Worker, people: dict[str, Any], api_client: Any) -> None:
    owner = people["a_editor"]
    api_client.force_authenticate(owner)
    seen_rows: list[tuple[str, int, int]] = []
    seen_api: list[tuple[str, int, int]] = []
    # The task is enqueued when the transaction commits: the first look, at 0, happens before any worker could run.
    with transaction.atomic():
        job = job_start(
            task=count_down, kind="count_down", title="Count", params={"steps": 10, "delay": 0.3}, acting_user=owner
        )
        url = reverse("job-detail", args=[job.pk])
        job.refresh_from_db()
        seen_rows.append((job.status, job.progress_done, job.progress_total))
        body = api_client.get(url).json()
        seen_api.append((body["status"], body["progress"]["done"], body["progress"]["total"]))
    # The worker talks to the same broker as this process (Redis when REDIS_URL is set, else the filesystem).
    assert f"transport:   {settings.CELERY_BROKER_URL.split('://')[0]}://" in worker.log()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job.refresh_from_db()
        seen_rows.append((job.status, job.progress_done, job.progress_total))
        response = api_client.get(url)
        assert response.status_code == 200
        body = response.json()
        seen_api.append((body["status"], body["progress"]["done"], body["progress"]["total"]))
        if job.is_finished and body["status"] == job.status:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"job never finished; worker log:\n{worker.log()}")

    for seen in (seen_rows, seen_api):
        statuses = [status for status, _, _ in seen]
        done = [d for _, d, _ in seen]
        assert statuses[-1] == Job.Status.SUCCEEDED, seen
        assert Job.Status.RUNNING in statuses, seen
        assert done[0] == 0 and done[-1] == 10, seen
        assert done == sorted(done), f"progress went backwards: {seen}"
        intermediate = {d for status, d, total in seen if status == Job.Status.RUNNING and total == 10 and 0 < d < 10}
        assert len(intermediate) >= 3, seen
    assert body["progress"] == {"done": 10, "total": 10, "percent": 100}
    assert body["created_by"] == "a_editor" and body["org_unit"] == "330402"
    assert job.result == {"steps": 10}
    assert job.started_at is not None and job.finished_at is not None and job.finished_at > job.started_at

    # The same job through other people's eyes: the county's admin sees it, nobody else does.
    api_client.force_authenticate(people["a_admin"])
    assert api_client.get(url).status_code == 200
    for outsider in ("b_editor", "a_viewer"):
        api_client.force_authenticate(people[outsider])
        assert api_client.get(url).status_code == 404, outsider


@pytest.mark.parametrize("persona", ["city_admin", "a_admin"])
def test_large_export_runs_as_job_and_serves_xlsx(
    worker: Worker, people: dict[str, Any], client: Any, persona: str
) -> None:
    user = people[persona]
    client.force_login(user)
    with override_settings(EXPORT_INLINE_MAX_ROWS=1):
        response = client.get(org_units.url("export"))
    assert response.status_code == 302
    match = re.fullmatch(r"/jobs/(\d+)/", response["Location"])
    assert match, response["Location"]
    job = Job.objects.get(pk=int(match.group(1)))
    # The request only enqueues; a fast worker may already have taken the job.
    assert (job.kind, job.created_by) == ("export", user)
    assert job.status in (Job.Status.QUEUED, Job.Status.RUNNING, Job.Status.SUCCEEDED), job.message

    wait_for(lambda: finished(job), what=f"the export job; worker log:\n{worker.log()}")
    assert job.status == Job.Status.SUCCEEDED, job.message
    try:
        expected = set(OrgUnit.objects.for_user(user).values_list("name", flat=True))
        assert job.counts == {"rows": len(expected)}
        page = client.get(job.get_absolute_url())
        assert page.status_code == 200
        link = re.search(r'id="download-result" href="([^"]+)"', page.content.decode())
        assert link, page.content.decode()

        download = client.get(link.group(1))
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith("attachment;")
        assert ".xlsx" in download["Content-Disposition"]
        sheet = load_workbook(BytesIO(b"".join(download.streaming_content))).active
        rows = list(sheet.iter_rows(values_only=True))
        names = {row[1] for row in rows[1:]}
        assert names == expected  # every unit in the user's scope, and nothing outside it
        assert len(rows) - 1 == len(expected)
        if persona == "a_admin":
            assert "秀洲区" not in names and "嘉兴市" not in names

        # The file belongs to the job: another county cannot fetch it.
        client.force_login(people["b_editor"])
        assert client.get(link.group(1)).status_code == 404
    finally:
        job.result_file.delete(save=False)


def test_worker_check_button_runs_a_job(worker: Worker, people: dict[str, Any], client: Any) -> None:
    client.force_login(people["a_admin"])
    response = client.post(reverse("jobs:check"))
    assert response.status_code == 302
    job = Job.objects.get(kind="check")
    assert response["Location"] == job.get_absolute_url()
    wait_for(lambda: finished(job), what=f"the check job; worker log:\n{worker.log()}")
    assert (job.status, job.progress_done, job.progress_total) == (Job.Status.SUCCEEDED, 5, 5)
    page = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert 'data-status="succeeded"' in page.content.decode()


@pytest.mark.parametrize("owner", ["", "a_admin"])
def test_check_worker_command_waits_for_a_worker(worker: Worker, people: dict[str, Any], owner: str) -> None:
    out = StringIO()
    call_command("check_worker", "--wait", "20", *(["--user", owner] if owner else []), stdout=out)
    job = Job.objects.get(kind="check")
    assert (job.status, job.progress_done, job.progress_total) == (Job.Status.SUCCEEDED, 3, 3)
    assert job.created_by == (people[owner] if owner else None)
    assert f"job {job.pk} succeeded through a worker" in out.getvalue()


def test_killed_worker_ends_failed_only_after_staleness(
    worker_factory: Any, people: dict[str, Any], client: Any
) -> None:
    owner = people["a_editor"]
    doomed = worker_factory("doomed", f"{settings.CELERY_TASK_DEFAULT_QUEUE}-doomed")
    # job_start routes to the default queue, where the shared worker listens; this job must reach the worker
    # that is about to be killed. Each step sleeps longer than the staleness window, so between steps only the
    # heartbeat thread keeps the job alive.
    job = Job.objects.create(
        kind="count_down",
        title="Long count",
        params={"steps": 20, "delay": 3},
        created_by=owner,
        org_unit=unit_of(owner),
    )
    count_down.apply_async((job.pk,), queue=doomed.queue)
    client.force_login(owner)

    def running() -> bool:
        job.refresh_from_db()
        return job.status == Job.Status.RUNNING and job.progress_total == 20

    wait_for(running, timeout=20, what=f"the job to start; worker log:\n{doomed.log()}")
    with override_settings(JOB_STALE_SECONDS=2):
        heartbeats = set()
        alive_until = time.monotonic() + 3.5  # longer than the staleness window
        while time.monotonic() < alive_until:
            assert Job.objects.fail_stale() == 0
            page = client.get(job.get_absolute_url())
            assert 'data-status="running"' in page.content.decode()
            job.refresh_from_db()
            assert job.status == Job.Status.RUNNING
            if job.progress_done == 0:
                heartbeats.add(job.heartbeat_at)
            time.sleep(0.2)
        assert len(heartbeats) >= 2, "no heartbeat while the first step was running"

        doomed.kill()
        # Not failed the moment the worker is gone: only once its last heartbeat is older than the window.
        assert Job.objects.fail_stale() == 0
        job.refresh_from_db()
        last_heartbeat = job.heartbeat_at
        assert job.status == Job.Status.RUNNING

        def failed_by_sweep() -> str | None:
            fail_stale_jobs()  # the scheduler's minutely task
            html = client.get(job.get_absolute_url()).content.decode()
            return html if 'data-status="failed"' in html else None

        html = wait_for(failed_by_sweep, timeout=10, interval=0.5, what="the job page to report the dead job")
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.message in stale_messages(), job.message
    assert job.message in html
    assert job.heartbeat_at == last_heartbeat  # nothing wrote after the kill
    assert (job.finished_at - last_heartbeat).total_seconds() > 2
    assert job.progress_done < job.progress_total == 20  # it died mid-way


def test_filesystem_broker_even_with_redis_configured(
    worker_factory: Any, people: dict[str, Any], tmp_path: Path
) -> None:
    broker_dir = tmp_path / "broker"
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-fs"
    fs_env = {"REDIS_URL": None, "TALENTPORTAL_BROKER_DIR": str(broker_dir), "CELERY_QUEUE": queue}
    fs_worker = worker_factory("filesystem", queue, **{k: v for k, v in fs_env.items() if k != "CELERY_QUEUE"})
    assert "transport:   filesystem://" in fs_worker.log()

    # Enqueue from a separate process configured exactly like a portal without Redis, through job_start.
    script = (
        "from talentportal.jobs.services import job_start\n"
        "from talentportal.jobs.tasks import count_down\n"
        "from talentportal.orgs.models import User\n"
        "from django.conf import settings\n"
        "assert settings.CELERY_BROKER_URL == 'filesystem://', settings.CELERY_BROKER_URL\n"
        "job = job_start(task=count_down, kind='count_down', title='Filesystem broker',"
        " params={'steps': 3, 'delay': 0.1}, acting_user=User.objects.get(username='b_editor'))\n"
        "print('JOB', job.pk)\n"
    )
    enqueue = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=settings.BASE_DIR,
        env=worker_environ(**fs_env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert enqueue.returncode == 0, enqueue.stderr
    job = Job.objects.get(pk=int(re.search(r"^JOB (\d+)$", enqueue.stdout, re.M).group(1)))  # type: ignore[union-attr]

    wait_for(lambda: finished(job), what=f"the job; worker log:\n{fs_worker.log()}")
    assert (job.status, job.progress_done, job.progress_total) == (Job.Status.SUCCEEDED, 3, 3)
    assert job.created_by == people["b_editor"]
    assert "count_down[" in fs_worker.log()
    assert list((broker_dir / "out").iterdir()) == []  # the message went through this folder and was consumed


def test_a_worker_reports_in_and_health_counts_it(worker_factory: Any, client: Any) -> None:
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-heartbeat"
    assert client.get("/health/").json()["worker"] == "down"
    beating = worker_factory("heartbeat", queue)
    started = wait_for(
        lambda: WorkerHeartbeat.objects.filter(name__startswith=beating.name + "@").first(),
        what=f"the worker's start to be recorded; worker log:\n{beating.log()}",
    )
    response = client.get("/health/")
    assert response.status_code == 200, response.json()
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok", "worker": "ok"}

    # The scheduler's minutely task, run by whichever worker takes it, moves the heartbeat on.
    worker_heartbeat.apply_async(queue=queue)
    wait_for(
        lambda: WorkerHeartbeat.objects.get(pk=started.pk).seen_at > started.seen_at,
        what=f"the heartbeat task; worker log:\n{beating.log()}",
    )
    assert settings.CELERY_BEAT_SCHEDULE["worker-heartbeat"]["task"] == worker_heartbeat.name


def failed_job(owner: Any, **fields: Any) -> Job:
    """A job as the stale-job sweep leaves it after its worker was killed."""
    return Job.objects.create(
        created_by=owner,
        org_unit=unit_of(owner),
        status=Job.Status.FAILED,
        message=STALE_MESSAGE,
        finished_at=timezone.now(),
        **fields,
    )


def test_redelivered_message_for_a_failed_job_changes_nothing(worker_factory: Any, people: dict[str, Any]) -> None:
    """After the visibility timeout, Redis hands a killed worker's message to another worker: the job it names
    was marked failed long before, so the task must not run again."""
    owner = people["a_editor"]
    job = failed_job(owner, kind="count_down", title="Count", params={"steps": 3, "delay": 0.1})
    before = Job.objects.filter(pk=job.pk).values().get()
    # A worker of its own: the shared one may still be busy with what an earlier test left on its queue.
    taker = worker_factory("redelivery", f"{settings.CELERY_TASK_DEFAULT_QUEUE}-redelivery")

    sent = count_down.apply_async((job.pk,), queue=taker.queue)  # the redelivered message, to a real worker
    # A loaded machine may take a while to deliver: wait as long as the other worker tests' slowest step.
    wait_for(
        lambda: re.search(rf"count_down\[{sent.id}\] succeeded", taker.log()),
        timeout=60,
        what=lambda: f"the worker to take message {sent.id}; its log:\n{taker.log()}",
    )
    count_down.apply((job.pk,))  # and once more through the task's entry point in this process
    assert Job.objects.filter(pk=job.pk).values().get() == before  # not started, no progress, same message
    assert "is not queued any more; skipped" in taker.log()


def test_redelivered_apply_of_a_failed_import_writes_nothing(people: dict[str, Any], transactional_db: None) -> None:
    owner = people["a_admin"]
    job = failed_job(owner, kind="import", title="Apply", params={"import_id": 0, "action": "apply"})
    imp = Import.objects.create(
        kind="talents",
        status=Import.Status.CHECKED,
        file_name="r.xlsx",
        job=job,
        created_by=owner,
        org_unit=unit_of(owner),
        counts={"rows": 3, "created": 3, "errors": 0},
    )
    job.params["import_id"] = imp.pk
    job.save(update_fields=["params"])

    run_import.apply((job.pk,))
    imp.refresh_from_db()
    job.refresh_from_db()
    assert (imp.status, imp.applied_at) == (Import.Status.CHECKED, None)
    assert (job.status, job.message, job.started_at) == (Job.Status.FAILED, STALE_MESSAGE, None)
    assert not Talent.objects.exists()
