"""Writing a registry list to .xlsx: in the request for small lists, as a job (``tasks.export_registry``) for
large ones."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from django.utils import timezone

from talentportal.excel import write_xlsx
from talentportal.jobs.models import Job

from .base import Registry

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


def export_filename(registry: Registry) -> str:
    return f"{registry.model._meta.model_name}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
