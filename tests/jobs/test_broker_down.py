"""The portal with its broker and cache (Redis) down: starting a job says so and fails it, nothing answers 500.

The portal runs in a separate process configured like a production one whose ``REDIS_URL`` points at a closed
port, so both the Celery broker and the cache are unreachable; it is driven through the pages and the API with
Django's test clients, and its database is this test's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation

from talentportal.jobs.models import Import, Job

from .conftest import worker_environ
from .test_imports import person, roster

pytestmark = pytest.mark.django_db(transaction=True)

CLOSED_PORT = "redis://127.0.0.1:1/0"
NOT_QUEUED = (
    "The job could not be started: the background job service cannot be reached. Try again in a few "
    "minutes; if it keeps failing, ask the administrator to check the broker (Redis)."
)

# Runs inside the portal process; prints one JSON line of what each door answered.
PORTAL_SCRIPT = """
import json, os, time
from django.conf import settings
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from talentportal.orgs.models import User
from talentportal.orgs.registries import org_units

out = {"broker": settings.CELERY_BROKER_URL, "cache": settings.CACHES["default"]["LOCATION"]}

def timed(name, call):
    start = time.monotonic()
    response = call()
    out[name] = {"status": response.status_code, "seconds": time.monotonic() - start,
                 "location": response.get("Location", "")}
    return response

admin = User.objects.get(username="a_admin")
web = Client()
web.force_login(admin)
check = timed("check", lambda: web.post("/jobs/check/"))
out["check"]["page"] = web.get(check["Location"]).content.decode()
timed("export", lambda: web.get(org_units.url("export")))

api = APIClient()
api.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.create(user=admin).key, HTTP_ACCEPT_LANGUAGE="en")
with open(os.environ["ROSTER"], "rb") as roster:
    upload = timed("import", lambda: api.post("/api/v1/imports/", {"kind": "talents", "file": roster, "apply": "true"}))
out["import"]["body"] = upload.json()
for n in range(3):  # reads go through the throttle, whose counters live in the unreachable cache
    timed(f"list{n}", lambda: api.get("/api/v1/talents/"))
health = timed("health", lambda: Client().get("/health/"))
out["health"]["body"] = health.json()
print("RESULT " + json.dumps(out))
"""


def run_portal(tmp_path: Path, **env: str) -> tuple[dict[str, Any], str]:
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PORTAL_SCRIPT],
        cwd=settings.BASE_DIR,
        env=worker_environ(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT ")), done.stderr


def in_language(message: str, language: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


def test_starting_jobs_with_the_broker_down_fails_them_with_a_message(people: Any, tmp_path: Path) -> None:
    path = roster(tmp_path / "roster.xlsx", [person(i) for i in range(3)])
    result, log = run_portal(tmp_path, REDIS_URL=CLOSED_PORT, ROSTER=str(path), EXPORT_INLINE_MAX_ROWS="1")
    assert result["broker"] == CLOSED_PORT and result["cache"].startswith("redis://127.0.0.1:1/")

    # Every door answered, quickly, and none with a server error.
    for door, answer in result.items():
        if isinstance(answer, dict):
            assert answer["status"] != 500, (door, answer)
            assert answer["seconds"] < 15, (door, answer)

    # The page: back to the job, failed, with the reason as a message and on the job itself.
    zh = in_language(NOT_QUEUED, "zh-hans")
    assert zh != NOT_QUEUED
    check = Job.objects.get(kind="check")
    assert result["check"]["status"] == 302 and result["check"]["location"] == check.get_absolute_url()
    assert (check.status, check.message) == (Job.Status.FAILED, zh)
    assert check.finished_at is not None and check.started_at is None
    assert result["check"]["page"].count(zh) == 2  # the page's message and the job's own
    assert 'data-status="failed"' in result["check"]["page"]

    export = Job.objects.get(kind="export")
    assert result["export"]["status"] == 302 and result["export"]["location"] == export.get_absolute_url()
    assert (export.status, export.message) == (Job.Status.FAILED, zh)

    # The API: 503 with the reason; the import failed and says why; its job is failed, not queued.
    assert result["import"]["status"] == 503
    body = result["import"]["body"]
    assert body["detail"] == NOT_QUEUED
    imp = Import.objects.get(pk=body["id"])
    assert (imp.status, imp.message) == (Import.Status.FAILED, NOT_QUEUED)
    assert body["status"] == "failed" and body["job"]["status"] == "failed"
    assert (imp.job.status, imp.job.message) == (Job.Status.FAILED, NOT_QUEUED)
    assert not Job.objects.filter(status=Job.Status.QUEUED).exists()

    # Reads through the throttle whose cache is down pass, and the log says the cache is unreachable (once).
    assert [result[f"list{n}"]["status"] for n in range(3)] == [200, 200, 200]
    assert log.count("cache unreachable") == 1, log

    # Health names what is down.
    assert result["health"]["status"] == 503
    health = result["health"]["body"]
    assert health == {"status": "degraded", "database": "ok", "cache": "down", "broker": "down", "worker": "down"}
