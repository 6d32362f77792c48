"""``/health/``: each part's state for monitoring, 200 only when all are up; the API carries on without its cache."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from talentportal import cache as fail_open_cache
from talentportal.jobs.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db

ALL_UP = {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok", "worker": "ok"}
CLOSED_CACHE = {
    "default": {
        "BACKEND": "talentportal.cache.FailOpenRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


def test_without_a_worker_health_is_503_naming_it(client: Any) -> None:
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {**ALL_UP, "status": "degraded", "worker": "down"}


def test_a_worker_counts_while_its_heartbeat_is_recent(client: Any, settings: Any) -> None:
    WorkerHeartbeat.objects.seen("celery@host-a")
    response = client.get("/health/")  # no sign-in needed
    assert response.status_code == 200 and response.json() == ALL_UP
    # Nothing else is told: no address, host or reason.
    assert b"host-a" not in response.content and b"redis" not in response.content.lower()

    WorkerHeartbeat.objects.update(seen_at=timezone.now() - timedelta(seconds=settings.WORKER_SEEN_SECONDS + 1))
    response = client.get("/health/")
    assert response.status_code == 503 and response.json()["worker"] == "down"


def test_cache_down_is_reported_and_the_api_still_answers(
    client: Any, api_client: Any, people: Any, caplog: Any, monkeypatch: Any
) -> None:
    WorkerHeartbeat.objects.seen("celery@host-a")
    monkeypatch.setattr(fail_open_cache, "_last_warning", 0.0)  # the warning is written once a minute
    api_client.force_authenticate(people["a_viewer"])
    with override_settings(CACHES=CLOSED_CACHE), caplog.at_level("WARNING", logger="talentportal.cache"):
        health = client.get("/health/")
        # The throttles keep their counters in the cache: reads pass, unthrottled, instead of failing.
        lists = [api_client.get("/api/v1/talents/").status_code for _ in range(3)]
        api_client.force_authenticate(None)
        anonymous = api_client.get("/api/v1/talents/")
    assert health.status_code == 503
    assert health.json() == {**ALL_UP, "status": "degraded", "cache": "down"}
    assert lists == [200, 200, 200]
    assert anonymous.status_code in (401, 403)
    warnings = [r.getMessage() for r in caplog.records if r.name == "talentportal.cache"]
    assert len(warnings) == 1 and warnings[0].startswith("cache unreachable"), warnings
