"""Writing a registry list to .xlsx: in the request for small lists, as a job for large ones."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable
from io import BytesIO
from typing import IO, Any

from celery import shared_task
from django.core.files.base import ContentFile
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from talentportal.audit.models import Source
from talentportal.audit.services import Actor, record_reveal
from talentportal.jobs.models import Job
from talentportal.jobs.tasks import JobTask
from talentportal.orgs.models import User
from talentportal.validators import printable

from .base import REGISTRIES, Registry, filtered_queryset, yes_no
from .masking import may_reveal

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BATCH = 2000


def excel_value(value: Any) -> Any:
    """The value as a cell holds it. Every workbook the portal writes goes through here, so text is cleaned of
    what XML cannot carry (a record stored before text was checked, a cell of an uploaded roster): openpyxl
    refuses some of it and writes files Excel cannot open with the rest."""
    if isinstance(value, bool):
        return yes_no(value)  # 是 / 否, as rosters write it (and the import reads it back)
    if value is None or isinstance(value, bool | int | float | decimal.Decimal | datetime.date):
        if isinstance(value, datetime.datetime):
            return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
        return value
    return printable(str(value))


def text_cell(ws: Any, value: Any) -> Any:
    """A cell whose text Excel shows as typed, never running it as a formula (``=``, ``+``, ``-``, ``@``)."""
    cell = WriteOnlyCell(ws, value=excel_value(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    return cell


def write_xlsx(
    registry: Registry,
    rows: Iterable[Any],
    out: IO[bytes],
    total: int = 0,
    job: Job | None = None,
    reveal: bool = False,
) -> int:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=registry.verbose_name_plural[:31])
    bold = Font(bold=True)
    header = []
    for column in registry.columns:
        cell = text_cell(ws, column.header(registry.model))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    count = 0
    for obj in rows:
        ws.append([text_cell(ws, column.shown(obj, reveal)) for column in registry.columns])
        count += 1
        if job is not None and count % BATCH == 0:
            job.report(count, total)
    wb.save(out)
    return count


def export_filename(registry: Registry) -> str:
    return f"{registry.model._meta.model_name}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"


@shared_task(base=JobTask, name="talentportal.registry.export")
def export_registry(job: Job) -> None:
    """Export a filtered registry list for the user who asked, with that user's scope and masking."""
    registry = REGISTRIES[job.params["model"]]
    user = User.objects.get(pk=job.params["user_id"])
    with override(job.params.get("language")):
        qs = filtered_queryset(registry, user, QueryDict(job.params.get("query", "")))
        total = qs.count()
        job.report(0, total, _("Writing %(count)s rows…") % {"count": total}, force=True)
        buffer = BytesIO()
        reveal = may_export_personal_data(registry, user)
        count = write_xlsx(registry, qs.iterator(chunk_size=BATCH), buffer, total, job, reveal=reveal)
        if reveal:
            record_export_reveal(registry, Actor(user=user, source=Source.JOB, job_id=job.pk), count)
            job.result = {"revealed": [c.name for c in registry.personal_columns]}  # its downloads are audited
        job.result_file.save(export_filename(registry), ContentFile(buffer.getvalue()), save=False)
        job.counts = {"rows": count}
        job.message = _("%(count)s rows exported.") % {"count": count}
        job.report(count, count, job.message, force=True)
        job.save(update_fields=["result_file", "counts", "message", "result"])


def may_export_personal_data(registry: Registry, user: Any) -> bool:
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
