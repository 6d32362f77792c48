"""A long-lived worker survives the content types being re-created (a restored or flushed database): the audit
entry an export writes names its records by content type, and a stale cached id used to fail every later export
of an admin (``IntegrityError`` on the audit entry). Each test flushes the database, so the second and third
run on the same shared worker after its content types were re-created."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse

from talentportal.audit.models import AuditEntry
from talentportal.jobs.models import Job
from tests.talents.factories import talent

from .conftest import Worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("attempt", [1, 2, 3])
def test_an_admins_export_on_the_shared_worker_after_the_content_types_were_recreated(
    attempt: int, worker: Worker, people: dict[str, Any], units: Any, client: Any
) -> None:
    for _ in range(3):
        talent(units["330402"])
    client.force_login(people["a_admin"])
    with override_settings(EXPORT_INLINE_MAX_ROWS=1):
        assert client.get(reverse("talents:talent_export")).status_code == 302
    export = Job.objects.get(kind="export")
    wait_for(lambda: (export.refresh_from_db(), export.is_finished)[1], timeout=30, what="the export")
    if export.status != Job.Status.SUCCEEDED:
        pytest.fail(f"the export failed: {export.message}\nworker log:\n{worker.log()[-4000:]}")
    assert AuditEntry.objects.filter(job_id=export.pk).exists()  # the reveal it wrote, with a valid content type
