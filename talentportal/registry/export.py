"""Writing a registry list to .xlsx: in the request for small lists, as a job (``tasks.export_registry``) for
large ones."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from talentportal.audit.services import Actor, record_reveal
from talentportal.excel import write_xlsx
from talentportal.jobs.models import Job

from .base import Registry
from .masking import may_reveal

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser

BATCH = 2000


def write_registry(
    registry: Registry,
    rows: Iterable[Any],
    out: IO[bytes],
    total: int = 0,
    job: Job | None = None,
    reveal: bool = False,
) -> int:
    """The records as the list shows them (personal data in full when ``reveal``), one column per list column."""
    return write_xlsx(
        out,
        title=str(registry.verbose_name_plural),
        headers=[column.header(registry.model) for column in registry.columns],
        rows=([column.shown(obj, reveal) for column in registry.columns] for obj in rows),
        progress=None if job is None else lambda count: job.report(count, total),
    )


def in_batches(qs: QuerySet[Any], size: int = BATCH) -> Iterator[Any]:
    """The rows of ``qs`` in its order, read ``size`` at a time, each batch a query of its own.

    No read stays open while the job writes its progress: on SQLite (WAL) a write from a connection whose read
    began before another connection's write (the job's heartbeat) fails with "database is locked".
    """
    pks = list(dict.fromkeys(qs.values_list("pk", flat=True)))
    for start in range(0, len(pks), size):
        batch = pks[start : start + size]
        found = {obj.pk: obj for obj in qs.order_by().filter(pk__in=batch)}
        yield from (found[pk] for pk in batch if pk in found)


def export_filename(registry: Registry) -> str:
    return f"{registry.model._meta.model_name}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"


def may_export_personal_data(registry: Registry, user: AnyUser) -> bool:
    """Editors and admins export their scope in full; viewers and reviewers get masked personal data."""
    return bool(registry.personal_columns) and may_reveal(user)


def record_export_reveal(registry: Registry, actor: Actor, rows: int) -> None:
    record_reveal(
        actor,
        registry.model,
        [c.name for c in registry.personal_columns],
        rows=rows,
        object_repr=_("Export of %(name)s") % {"name": registry.verbose_name_plural},
    )
