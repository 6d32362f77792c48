"""A worker started as production starts it finds every task by itself: Django's system checks skipped
(``CELERY_SKIP_CHECKS``), so nothing but the apps' ``tasks.py`` modules registers them (the checks would load the
URLconf, and every view module with it). An import and a large export run through it: the export job finds its
registry because every process loads the apps' ``registries.py``."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from talentportal.jobs.importing.services import import_start
from talentportal.jobs.models import Import, Job
from talents.models import Talent

from .conftest import Worker, roster, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROWS = 3000


@pytest.fixture
def bare_worker(worker_factory: Any) -> Worker:
    """A worker on the run's default queue (where ``job_start`` sends), its system checks skipped."""
    return worker_factory("bare", settings.CELERY_TASK_DEFAULT_QUEUE, CELERY_SKIP_CHECKS="1")


def finished(job: Job) -> Job | None:
    job.refresh_from_db()
    return job if job.is_finished else None


def test_import_and_large_export_through_a_worker_without_checks(
    bare_worker: Worker, people: dict[str, Any], client: Any, tmp_path: Path
) -> None:
    admin = people["a_admin"]
    path = roster(tmp_path / "南湖区人才名册.xlsx", ROWS)
    with path.open("rb") as stream:
        imp = import_start(
            kind="talents", upload=stream, name=path.name, size=path.stat().st_size, apply=True, acting_user=admin
        )
    assert imp.job is not None
    job = wait_for(lambda: finished(imp.job), timeout=120, what=lambda: f"the import; worker log:\n{bare_worker.log()}")
    imp.refresh_from_db()
    if job.status != Job.Status.SUCCEEDED:
        pytest.fail(f"the import failed: {job.message}\nworker log:\n{bare_worker.log()}")
    assert (imp.status, imp.counts["created"]) == (Import.Status.APPLIED, ROWS)
    assert Talent.objects.count() == ROWS

    client.force_login(admin)
    with override_settings(EXPORT_INLINE_MAX_ROWS=100):
        response = client.get(reverse("talents:talent_export"))  # this process loads the URLconf; the worker not
    assert response.status_code == 302
    export = Job.objects.get(kind="export")
    wait_for(
        lambda: finished(export),
        timeout=60,
        what=lambda: f"the export ({export.status}, {export.message}); worker log:\n{bare_worker.log()[-3000:]}",
    )
    try:
        if export.status != Job.Status.SUCCEEDED:  # pytest.fail, unlike assert, prints the whole worker log
            pytest.fail(f"the export failed: {export.message}\nworker log:\n{bare_worker.log()}")
        assert export.counts == {"rows": ROWS}
        with export.result_file.open("rb") as stream:
            sheet = load_workbook(BytesIO(stream.read()), read_only=True).active
            assert sheet is not None
            assert sum(1 for _row in sheet.iter_rows(values_only=True)) == ROWS + 1
    finally:
        export.result_file.delete(save=False)
