"""Job pages and API: who sees which job, the htmx progress fragment, downloads, the worker-check button.

No worker is needed here: the jobs are rows made by the test, and ``job_start``'s enqueue (an on-commit hook)
never fires inside a test transaction. What a worker does with a job is in ``test_worker.py``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from talentportal.jobs.models import Job
from talentportal.jobs.tasks import fail_stale_jobs
from talentportal.orgs.models import unit_of

from ..conftest import PERSONAS
from .conftest import stale_messages

OWNERS = ("city_admin", "a_admin", "a_editor", "a_viewer", "b_editor")
# persona -> owners of the jobs it may see: admins the jobs of their scope, everyone else only their own.
VISIBLE: dict[str, set[str]] = {
    "city_admin": set(OWNERS),
    "city_viewer": set(),
    "reviewer": set(),
    "a_admin": {"a_admin", "a_editor", "a_viewer"},
    "a_editor": {"a_editor"},
    "a_viewer": {"a_viewer"},
    "b_editor": {"b_editor"},
}


def make_job(user: Any, **fields: Any) -> Job:
    defaults = {"kind": "count_down", "title": f"Job of {user.username}", "created_by": user, "org_unit": unit_of(user)}
    return Job.objects.create(**{**defaults, **fields})


@pytest.fixture
def jobs(people: dict[str, Any]) -> dict[str, Job]:
    return {owner: make_job(people[owner]) for owner in OWNERS}


def test_visibility_covers_every_persona() -> None:
    assert set(VISIBLE) == set(PERSONAS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_list_page_shows_own_jobs_or_the_scope_for_admins(client, people, jobs, persona) -> None:
    client.force_login(people[persona])
    response = client.get(reverse("jobs:list"))
    assert response.status_code == 200
    shown = {job.pk for job in response.context["page"].object_list}
    assert shown == {jobs[owner].pk for owner in VISIBLE[persona]}
    html = response.content.decode()
    for owner, job in jobs.items():
        assert (f'href="{job.get_absolute_url()}"' in html) == (owner in VISIBLE[persona]), owner


@pytest.mark.parametrize("persona", PERSONAS)
def test_detail_page_and_api_answer_404_outside_what_the_user_may_see(
    client, api_client, people, jobs, persona
) -> None:
    client.force_login(people[persona])
    api_client.force_authenticate(people[persona])
    for owner, job in jobs.items():
        expected = 200 if owner in VISIBLE[persona] else 404
        assert client.get(job.get_absolute_url()).status_code == expected, owner
        assert api_client.get(reverse("job-detail", args=[job.pk])).status_code == expected, owner
        assert client.get(reverse("jobs:download", args=[job.pk, "result"])).status_code == 404, owner  # no file
    listed = {row["id"] for row in api_client.get(reverse("job-list")).json()["results"]}
    assert listed == {jobs[owner].pk for owner in VISIBLE[persona]}


def test_api_reports_progress(api_client, people) -> None:
    job = make_job(people["a_editor"], status=Job.Status.RUNNING, progress_done=3, progress_total=12)
    api_client.force_authenticate(people["a_editor"])
    body = api_client.get(reverse("job-detail", args=[job.pk])).json()
    assert body["status"] == "running"
    assert body["progress"] == {"done": 3, "total": 12, "percent": 25}
    assert (body["created_by"], body["org_unit"], body["result_file"]) == ("a_editor", "330402", None)


def test_htmx_request_gets_only_the_progress_fragment(client, people) -> None:
    running = make_job(people["a_editor"], status=Job.Status.RUNNING, progress_done=2, progress_total=8)
    done = make_job(people["a_editor"], status=Job.Status.SUCCEEDED, progress_done=8, progress_total=8)
    client.force_login(people["a_editor"])

    full = client.get(running.get_absolute_url()).content.decode()
    assert "<html" in full and 'id="job-progress"' in full

    fragment = client.get(running.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div class="card card-body" id="job-progress"')
    assert "<html" not in fragment and "<nav" not in fragment
    assert 'data-status="running"' in fragment and "2 / 8" in fragment and "25%" in fragment
    assert 'hx-trigger="every 500ms"' in fragment  # keeps polling while the job runs

    finished = client.get(done.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="succeeded"' in finished and "100%" in finished
    assert "hx-trigger" not in finished  # and stops once it is done


def test_result_download_is_scoped(client, people) -> None:
    job = make_job(people["a_editor"], status=Job.Status.SUCCEEDED)
    job.result_file.save("result.xlsx", ContentFile(b"xlsx bytes"), save=True)
    try:
        url = reverse("jobs:download", args=[job.pk, "result"])
        for persona, expected in [("a_editor", 200), ("a_admin", 200), ("a_viewer", 404), ("b_editor", 404)]:
            client.force_login(people[persona])
            response = client.get(url)
            assert response.status_code == expected, persona
            if expected == 200:
                assert b"".join(response.streaming_content) == b"xlsx bytes"
                assert response["Content-Disposition"].startswith("attachment;")
        client.force_login(people["a_editor"])
        assert client.get(reverse("jobs:download", args=[job.pk, "error"])).status_code == 404
        page = client.get(job.get_absolute_url()).content.decode()
        assert f'href="{url}"' in page
    finally:
        job.result_file.delete(save=False)


@pytest.mark.parametrize("persona", PERSONAS)
def test_worker_check_button_is_for_admins_only(client, people, persona, django_capture_on_commit_callbacks) -> None:
    client.force_login(people[persona])
    admin = persona in ("city_admin", "a_admin")
    list_page = client.get(reverse("jobs:list")).content.decode()
    assert ('id="check-workers"' in list_page) == admin
    with django_capture_on_commit_callbacks() as enqueued:
        response = client.post(reverse("jobs:check"))
    if not admin:
        assert response.status_code == 403
        assert not Job.objects.exists() and not enqueued
        return
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.kind, job.created_by, job.org_unit) == ("check", people[persona], unit_of(people[persona]))
    assert len(enqueued) == 1  # the task is sent once the row is committed


def test_worker_check_needs_post(client, people) -> None:
    client.force_login(people["city_admin"])
    assert client.get(reverse("jobs:check")).status_code == 405
    assert not Job.objects.exists()


def test_anonymous_is_sent_to_login(client, api_client, people, jobs) -> None:
    for url in (reverse("jobs:list"), jobs["a_editor"].get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(reverse("jobs:check")).status_code == 302
    assert api_client.get(reverse("job-list")).status_code in (401, 403)
    assert not Job.objects.filter(kind="check").exists()


def test_the_sweep_fails_jobs_whose_worker_went_silent(client, people, settings) -> None:
    settings.JOB_STALE_SECONDS = 60
    owner = people["a_editor"]
    now = timezone.now()
    silent = make_job(owner, status=Job.Status.RUNNING, heartbeat_at=now - timedelta(seconds=61))
    alive = make_job(owner, status=Job.Status.RUNNING, heartbeat_at=now - timedelta(seconds=30))
    waiting = make_job(owner)  # queued: no worker has taken it, so it has no heartbeat to miss
    assert fail_stale_jobs() == 1  # the scheduler's minutely task
    client.force_login(owner)
    for job in (silent, alive, waiting):
        job.refresh_from_db()
    assert silent.status == Job.Status.FAILED and silent.finished_at is not None
    assert silent.message in stale_messages()
    assert (alive.status, waiting.status) == (Job.Status.RUNNING, Job.Status.QUEUED)
    html = client.get(silent.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="failed"' in html and "bg-danger" in html


def test_jobs_no_worker_took_for_too_long_end_as_failed(client, people, settings) -> None:
    settings.JOB_QUEUED_STALE_SECONDS = 3600
    owner = people["a_editor"]
    lost = make_job(owner)
    recent = make_job(owner)
    Job.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(seconds=3601))
    assert fail_stale_jobs() == 1
    lost.refresh_from_db()
    recent.refresh_from_db()
    assert lost.status == Job.Status.FAILED
    assert "worker" in lost.message.lower() or "后台" in lost.message
    assert recent.status == Job.Status.QUEUED


def test_reading_jobs_and_imports_writes_nothing(client, api_client, people, settings) -> None:
    """Pages and API answers only read: a job gone stale stays as it is until the scheduler's sweep ends it."""
    settings.JOB_STALE_SECONDS = 60
    settings.JOB_QUEUED_STALE_SECONDS = 60
    admin = people["a_admin"]
    long_ago = timezone.now() - timedelta(seconds=3600)
    silent = make_job(admin, status=Job.Status.RUNNING, heartbeat_at=long_ago)
    lost = make_job(admin)
    Job.objects.filter(pk=lost.pk).update(created_at=long_ago)
    client.force_login(admin)
    api_client.force_authenticate(admin)
    urls = [reverse("jobs:list"), silent.get_absolute_url(), reverse("jobs:import_list")]
    with CaptureQueriesContext(connection) as queries:
        for url in urls:
            assert client.get(url).status_code == 200, url
        for url in (reverse("job-list"), reverse("job-detail", args=[silent.pk]), reverse("import-list")):
            assert api_client.get(url).status_code == 200, url
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]
    assert not [w for w in writes if "jobs_" in w], writes
    silent.refresh_from_db()
    lost.refresh_from_db()
    assert (silent.status, lost.status) == (Job.Status.RUNNING, Job.Status.QUEUED)


def test_list_filters_by_status(client, people) -> None:
    owner = people["a_editor"]
    failed = make_job(owner, status=Job.Status.FAILED)
    make_job(owner, status=Job.Status.SUCCEEDED)
    client.force_login(owner)
    response = client.get(reverse("jobs:list"), {"status": "failed"})
    assert [job.pk for job in response.context["page"].object_list] == [failed.pk]
