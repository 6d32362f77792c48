"""An import's apply in a real worker that is killed half-way: the database keeps none of the rows, the job ends
as failed, and the import can be applied again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files import File
from django.db import connection
from django.test import override_settings

from talentportal.audit.models import AuditEntry
from talentportal.jobs.importing import engine
from talentportal.jobs.importing.services import APPLY, import_apply
from talentportal.jobs.models import Import, Job
from talentportal.jobs.tasks import run_import
from talentportal.orgs.models import unit_of
from talents.models import Talent

from .conftest import Worker, roster, stale_messages, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROWS = 30_000


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite shows no progress until the apply commits, so there is no half-way to kill it at",
)
def test_worker_killed_mid_apply_keeps_none_of_the_rows(
    worker: Worker, worker_factory: Any, people: dict[str, Any], tmp_path: Path
) -> None:
    admin = people["a_admin"]
    path = roster(tmp_path / "南湖区人才名册.xlsx", ROWS)
    with path.open("rb") as stream:
        imp = Import(kind="talents", file_name=path.name, file_size=path.stat().st_size, created_by=admin)
        imp.org_unit = unit_of(admin)
        imp.file.save(path.name, File(stream))
    engine.check(imp)
    assert (imp.status, imp.counts["created"], imp.counts["errors"]) == (Import.Status.CHECKED, ROWS, 0)
    audit_before = AuditEntry.objects.count()

    # The apply goes to a worker of its own, the one to be killed (as ``import_apply`` would start it).
    doomed = worker_factory("doomed-import", f"{settings.CELERY_TASK_DEFAULT_QUEUE}-doomed-import")
    job = Job.objects.create(
        kind="import",
        title=f"Apply {imp.file_name}",
        params={"import_id": imp.pk, "action": APPLY, "language": "en"},
        created_by=admin,
        org_unit=imp.org_unit,
    )
    Import.objects.filter(pk=imp.pk).update(job=job, status=Import.Status.APPLYING)
    run_import.apply_async((job.pk,), queue=doomed.queue)

    def half_way() -> bool:
        job.refresh_from_db()
        return 0 < job.progress_done < job.progress_total

    wait_for(half_way, timeout=60, interval=0.02, what="the apply to be half-way")
    # Rows are being written inside the apply's transaction, where no one else can see them yet.
    assert Talent.objects.count() == 0
    doomed.kill()

    assert Talent.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before
    with override_settings(JOB_STALE_SECONDS=2):
        wait_for(lambda: Job.objects.fail_stale() or None, timeout=15, interval=0.5, what="the job to go stale")
    job.refresh_from_db()
    imp.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.message in stale_messages()
    assert imp.status == Import.Status.CHECKED  # ready to be applied again
    assert not imp.undo_log
    assert Talent.objects.count() == 0

    # Applied again, by the running worker: all of the rows.
    again = import_apply(imp=imp, keep_valid=False, acting_user=admin)
    wait_for(lambda: Job.objects.get(pk=again.pk).is_finished, timeout=120, interval=0.5, what="the second apply")
    imp.refresh_from_db()
    assert imp.status == Import.Status.APPLIED, (imp.message, Job.objects.get(pk=again.pk).message)
    assert Talent.objects.count() == ROWS
    assert AuditEntry.objects.filter(job=again).count() == ROWS
