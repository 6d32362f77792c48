"""A full media disk: the job fails with a message that says so, and no half-written file is left behind."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import IO, Any
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.utils import translation

from talentportal.jobs.models import Job
from talentportal.registry.tasks import export_registry
from talentportal.storage import MediaStorage, copy_chunks
from talents.models import Talent
from tests.talents.factories import talent


def disk_fills_up(content: Any, out: IO[bytes]) -> None:
    """What a full disk does to a write: part of the file goes out, then ENOSPC."""
    out.write(b"PK\x03\x04 half a workbook")
    out.flush()
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def test_a_saved_file_appears_whole_under_its_name(tmp_path: Path) -> None:
    storage = MediaStorage(location=tmp_path)
    first = storage.save("jobs/report.xlsx", ContentFile(b"x" * 100_000))
    second = storage.save("jobs/report.xlsx", ContentFile("文本"))
    assert first == "jobs/report.xlsx" and second != first
    assert (tmp_path / first).read_bytes() == b"x" * 100_000
    assert (tmp_path / second).read_text(encoding="utf-8") == "文本"
    assert sorted(files_under(tmp_path)) == sorted([tmp_path / first, tmp_path / second])
    assert (tmp_path / first).stat().st_mode & 0o777 == 0o644


def test_a_full_disk_leaves_no_partial_file(tmp_path: Path) -> None:
    storage = MediaStorage(location=tmp_path)
    with mock.patch("talentportal.storage.copy_chunks", disk_fills_up), pytest.raises(OSError) as raised:
        storage.save("jobs/report.xlsx", ContentFile(b"x" * 100_000))
    assert raised.value.errno == errno.ENOSPC
    assert files_under(tmp_path) == []
    assert copy_chunks is not disk_fills_up


@pytest.mark.django_db(transaction=True)
def test_an_export_on_a_full_disk_fails_with_a_clear_message_and_no_file(
    tmp_path: Path, units: dict, people: dict
) -> None:
    admin = people["city_admin"]
    for _ in range(3):
        talent(units["330402"])
    job = Job.objects.create(
        kind="export",
        title="Export",
        created_by=admin,
        params={"model": Talent._meta.label_lower, "user_id": admin.pk, "query": "", "language": "en"},
    )
    with (
        override_settings(MEDIA_ROOT=tmp_path),
        mock.patch("talentportal.storage.copy_chunks", disk_fills_up),
        translation.override("en"),
    ):
        export_registry.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "disk that keeps the portal's files is full" in job.message and "nothing was saved" in job.message
    assert not job.result_file
    assert files_under(tmp_path) == []
    # Space freed, the same export started again succeeds.
    again = Job.objects.create(kind="export", title="Export", created_by=admin, params=job.params)
    with override_settings(MEDIA_ROOT=tmp_path):
        export_registry.apply(args=[again.pk])
    again.refresh_from_db()
    assert again.status == Job.Status.SUCCEEDED and again.counts == {"rows": 3}
    assert files_under(tmp_path) == [tmp_path / again.result_file.name]
