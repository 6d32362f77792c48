"""Starting imports from the pages, the API and the command line; the worker task that runs them."""

from __future__ import annotations

from typing import IO, Any

from celery import shared_task
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from talentportal.orgs.models import is_admin, unit_of

from ..models import Import, Job
from ..services import job_start
from ..tasks import JobTask
from . import engine
from .reading import FileRefused, check_upload
from .spec import get_spec

CHECK, APPLY, CHECK_APPLY, UNDO = "check", "apply", "check_apply", "undo"
BUSY = {CHECK: Import.Status.CHECKING, APPLY: Import.Status.APPLYING, CHECK_APPLY: Import.Status.CHECKING}


@transaction.atomic  # the job is queued once the import points at it (and gets its status back if it cannot be)
def _start(imp: Import, action: str, acting_user: Any) -> Job:
    titles = {
        CHECK: _("Check %(file)s"),
        CHECK_APPLY: _("Check and apply %(file)s"),
        APPLY: _("Apply %(file)s"),
        UNDO: _("Undo %(file)s"),
    }
    job = job_start(
        task=run_import,
        kind="import",
        title=titles[action] % {"file": imp.file_name},
        params={"import_id": imp.pk, "action": action, "language": translation.get_language()},
        acting_user=acting_user,
    )
    imp.job = job
    imp.status = Import.Status.UNDOING if action == UNDO else BUSY[action]
    imp.message = ""
    imp.save(update_fields=["job", "status", "message"])
    return job


@transaction.atomic
def import_start(
    *,
    kind: str,
    upload: IO[bytes],
    name: str,
    size: int,
    apply: bool = False,
    keep_valid: bool = False,
    clear_blanks: bool = False,
    acting_user: Any,
    queue: bool = True,
) -> Import:
    """Store the uploaded roster and queue its dry run (and its application, when asked for).

    ``clear_blanks``: a blank cell clears the stored value (by default it leaves it as it is); the dry run counts
    the values that clears either way, and the application keeps the choice made here.

    ``queue=False`` (the command line) only stores it; the caller then calls ``run`` itself.
    """
    if not is_admin(acting_user):
        raise PermissionDenied
    if get_spec(kind) is None:
        raise FileRefused(_("“%(kind)s” is not an import kind.") % {"kind": kind})
    check_upload(name, size)
    imp = Import(
        kind=kind,
        file_name=name[:255],
        file_size=size,
        keep_valid=keep_valid,
        clear_blanks=clear_blanks,
        created_by=acting_user,
        org_unit=unit_of(acting_user),
    )
    imp.file.save(name, File(upload), save=False)
    imp.save()
    if queue:
        _start(imp, CHECK_APPLY if apply else CHECK, acting_user)
    else:  # the caller runs it here and now; the job row still records it, as for the worker
        imp.job = Job.objects.create(
            kind="import",
            title=imp.file_name,
            params={"import_id": imp.pk},
            created_by=acting_user,
            org_unit=imp.org_unit,
            status=Job.Status.RUNNING,
            started_at=timezone.now(),
        )
        imp.save(update_fields=["job"])
    return imp


def import_apply(*, imp: Import, keep_valid: bool, acting_user: Any) -> Job:
    if imp.status != Import.Status.CHECKED or imp.is_busy:
        raise FileRefused(_("Only a checked import that has not been applied can be applied."))
    if imp.counts.get("errors") and not keep_valid:
        raise FileRefused(
            _("%(count)d rows have errors: fix the file and upload it again, or apply keeping only the valid rows.")
            % {"count": imp.counts["errors"]}
        )
    imp.keep_valid = keep_valid
    imp.save(update_fields=["keep_valid"])
    return _start(imp, APPLY, acting_user)


def import_undo(*, imp: Import, acting_user: Any) -> Job:
    if not imp.can_undo:
        raise FileRefused(_("Only an applied import can be undone."))
    return _start(imp, UNDO, acting_user)


def run(imp: Import, action: str, job: Job | None = None) -> None:
    """Carry out ``action`` on ``imp`` here and now (the worker's task body, and the command line's).

    The job (by default the import's own) tags the audit entries, which is what undo and the list filter use.
    """
    job = job or imp.job
    if action == UNDO:
        engine.undo(imp, job)
        return
    # Keeping the valid rows, the apply itself reports the others: a dry run first would only read the file twice.
    if action == CHECK or (action == CHECK_APPLY and not imp.keep_valid):
        engine.check(imp, job)
        if action == CHECK or imp.status != Import.Status.CHECKED or (imp.counts.get("errors") and not imp.keep_valid):
            return
    imp.status = Import.Status.APPLYING
    imp.save(update_fields=["status"])
    engine.apply(imp, job)


@shared_task(base=JobTask, name="talentportal.jobs.importing.run_import")
def run_import(job: Job) -> None:
    imp = Import.objects.select_related("created_by", "org_unit").get(pk=job.params["import_id"])
    # The audit entries name their model by content type: ids a long-running worker cached may be out of date
    # (a database restored or rebuilt since), and a stale one would fail the whole apply at its commit.
    ContentType.objects.clear_cache()
    with translation.override(job.params.get("language") or None):
        try:
            run(imp, job.params["action"], job)
        except BaseException:
            recover(imp)
            raise
    job.counts = imp.counts
    job.message = imp.message
    job.save(update_fields=["counts", "message"])


def recover(imp: Import) -> None:
    """After a crash the import returns to where it was before: nothing of the failed step was kept."""
    Import.objects.filter(pk=imp.pk).recover()
