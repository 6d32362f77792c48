"""Starting imports from the pages, the API and the command line, and carrying out their steps (the worker's
``tasks.run_import`` calls ``run``)."""

from __future__ import annotations

from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from talentportal.audit.models import Action
from talentportal.audit.services import Actor, record, record_change, snapshot
from talentportal.orgs.models import is_admin, unit_of

from ..models import Import, Job, ValueMapping
from ..services import job_start
from . import engine
from .mapping import column_options, mappable_columns
from .reading import FileRefused, check_upload
from .spec import get_spec
from .undo import undo, undo_conflicts

CHECK, APPLY, CHECK_APPLY, UNDO = "check", "apply", "check_apply", "undo"
BUSY = {CHECK: Import.Status.CHECKING, APPLY: Import.Status.APPLYING, CHECK_APPLY: Import.Status.CHECKING}


class ImportStateError(Exception):
    """The import is not where the step asked for can start (another request may have started it first):
    ``message`` says why, ``conflicts`` lists the rows changed since, when they are what stops an undo."""

    def __init__(self, message: str, conflicts: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.conflicts = conflicts or []


def _claim(imp: Import, expected: str, busy: str, message: str, **changes: Any) -> None:
    """Move the import from ``expected`` to ``busy`` in one conditional UPDATE, so that of two requests that both
    saw it ``expected`` (two clicks, two API calls) only one goes on; the other is told ``message``."""
    if not Import.objects.filter(pk=imp.pk, status=expected).update(status=busy, message="", **changes):
        raise ImportStateError(message)
    imp.status, imp.message = busy, ""
    for name, value in changes.items():
        setattr(imp, name, value)


@transaction.atomic  # the job is queued once the import points at it (and gets its status back if it cannot be)
def _start(imp: Import, action: str, acting_user: Any) -> Job:
    from ..tasks import run_import  # the task calls ``run`` here: imported when used, the two import one way

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


@transaction.atomic
def import_apply(*, imp: Import, keep_valid: bool, acting_user: Any) -> Job:
    """Queue the application of a checked import; ``ImportStateError`` when it is not (or no longer) checked."""
    if imp.counts.get("errors") and not keep_valid:
        raise ImportStateError(
            _("%(count)d rows have errors: fix the file and upload it again, or apply keeping only the valid rows.")
            % {"count": imp.counts["errors"]}
        )
    refusal = _("Only a checked import that has not been applied can be applied.")
    _claim(imp, Import.Status.CHECKED, Import.Status.APPLYING, refusal, keep_valid=keep_valid)
    return _start(imp, APPLY, acting_user)


def import_undo(*, imp: Import, acting_user: Any) -> Job:
    """Queue the undoing of an applied import; ``ImportStateError`` when it is not (or no longer) applied, or when
    rows it wrote were changed since (stored on the import as its conflicts)."""
    refusal = _("Only an applied import can be undone.")
    if not imp.can_undo:
        raise ImportStateError(refusal)
    if undo_conflicts(imp):
        raise ImportStateError(imp.message, imp.conflicts)  # kept on the import: outside the transaction below
    with transaction.atomic():
        _claim(imp, Import.Status.APPLIED, Import.Status.UNDOING, refusal)
        return _start(imp, UNDO, acting_user)


class MappingRefused(Exception):
    """A value mapping that cannot be saved; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def import_map_values(*, imp: Import, targets: dict[tuple[str, str], str], actor: Actor) -> Job:
    """Save the admin's mappings of values the check did not know (``(column, value) -> target``; a value left out
    stays an error) for the admin's org unit, and check the import again with them.

    Each value must be one the check grouped, each target one of the column's options in the admin's scope:
    ``MappingRefused`` otherwise; ``ImportStateError`` when the import is not (or no longer) checked."""
    user = actor.scope_user
    if not is_admin(user):
        raise PermissionDenied
    unit = unit_of(user)
    if unit is None:
        raise MappingRefused(_("Only a member of an org unit can map values; the mapping is saved for the unit."))
    spec = get_spec(imp.kind)
    columns = mappable_columns(spec) if spec else {}
    unknown = {(g["column"], g["value"]) for g in imp.unknown_values}
    if not targets:
        raise MappingRefused(_("Choose what at least one value stands for."))
    options: dict[str, set[str]] = {}
    for (column, value), target in targets.items():
        if (column, value) not in unknown or column not in columns:
            raise MappingRefused(_("“%(value)s” is not a value this check left unknown.") % {"value": value})
        if column not in options:
            options[column] = {t for t, _label in column_options(spec, columns[column], user)}  # type: ignore[arg-type]
        if target not in options[column]:
            raise MappingRefused(
                _("“%(target)s” is not an option of %(column)s.") % {"target": target, "column": columns[column].label}
            )
    with transaction.atomic():
        _claim(imp, Import.Status.CHECKED, Import.Status.CHECKING, _("Only a checked import can be checked again."))
        saved = []
        for (column, value), target in sorted(targets.items()):
            mapping = ValueMapping.objects.filter(org_unit=unit, kind=imp.kind, column=column, value=value).first()
            before = snapshot(mapping) if mapping else None
            if mapping is None:
                mapping = ValueMapping(org_unit=unit, kind=imp.kind, column=column, value=value)
            mapping.target, mapping.created_by = target, actor.user
            mapping.save()
            record_change(actor, mapping, before, snapshot(mapping))
            saved.append(f"{columns[column].label}: {value} → {target}")
        record(actor, Action.UPDATE, imp, {"value_mappings": [None, saved]})
        return _start(imp, CHECK, user)


def run(imp: Import, action: str, job: Job | None = None) -> None:
    """Carry out ``action`` on ``imp`` here and now (the worker's task body, and the command line's).

    The job (by default the import's own) tags the audit entries, which is what undo and the list filter use.
    """
    job = job or imp.job
    if action == UNDO:
        undo(imp, job)
        return
    # Keeping the valid rows, the apply itself reports the others: a dry run first would only read the file twice.
    if action == CHECK or (action == CHECK_APPLY and not imp.keep_valid):
        engine.check(imp, job)
        if action == CHECK or imp.status != Import.Status.CHECKED or (imp.counts.get("errors") and not imp.keep_valid):
            return
    imp.status = Import.Status.APPLYING
    imp.save(update_fields=["status"])
    engine.apply(imp, job)


def recover(imp: Import) -> None:
    """After a crash the import returns to where it was before: nothing of the failed step was kept."""
    Import.objects.filter(pk=imp.pk).recover()
