"""How an apply writes: new records and audit entries in batches (``COPY`` on PostgreSQL, sent while the next
batch is checked), text that COPY must escape, ids that match the audit entries and the undo log, and a write the
database refuses part-way (every row rolled back, the database's own error raised)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import IntegrityError, connection
from django.utils import translation

from talentportal.audit.models import AuditEntry
from talentportal.jobs.importing import engine, services
from talentportal.jobs.importing.engine import BATCH
from talentportal.jobs.models import Import
from talents.models import Talent

from .test_imports import HEADER, person, roster

pytestmark = pytest.mark.django_db


def start(path: Path, user) -> Import:
    with path.open("rb") as stream:
        return services.import_start(
            kind="talents",
            upload=stream,
            name=path.name,
            size=path.stat().st_size,
            keep_valid=False,
            acting_user=user,
            queue=False,
        )


def test_text_copy_must_escape_is_stored_as_typed(tmp_path, people) -> None:
    notes = "第一行\n第二行\t制表符 C:\\人才\\名册 \\N 末尾\r"
    path = roster(tmp_path / "r.xlsx", [[*person(1), notes]], header=[*HEADER, "备注"])
    imp = start(path, people["a_admin"])
    with translation.override("en"):
        services.run(imp, services.CHECK_APPLY)
    imp.refresh_from_db()
    assert imp.status == Import.Status.APPLIED, imp.message
    talent = Talent.objects.get()
    assert talent.notes == notes.strip()  # cells are trimmed, what is inside stays
    entry = AuditEntry.objects.get(source="import")
    assert entry.object_id == str(talent.pk) and entry.object_repr == "人才1"
    assert entry.changes["notes"] == [None, notes.strip()]
    assert entry.changes["org_unit"] == [None, "南湖区"] and entry.changes["category"] == [
        None,
        "Professional and technical talent",
    ]
    [logged] = engine.read_undo_log(imp)["rows"]
    assert (logged["id"], logged["a"], logged["f"]["notes"]) == (talent.pk, "c", notes.strip())


def test_batches_keep_ids_audit_and_undo_log_in_step(tmp_path, people) -> None:
    count = BATCH * 2 + 17
    path = roster(tmp_path / "r.xlsx", [person(i) for i in range(count)])
    imp = start(path, people["a_admin"])
    services.run(imp, services.CHECK_APPLY)
    imp.refresh_from_db()
    assert imp.counts["created"] == count
    names = dict(Talent.objects.values_list("pk", "name"))
    entries = dict(AuditEntry.objects.filter(job=imp.apply_job).values_list("object_id", "object_repr"))
    assert entries == {str(pk): name for pk, name in names.items()}
    logged = engine.read_undo_log(imp)["rows"]
    assert {r["id"]: r["f"]["name"] for r in logged} == names
    assert engine.undo(imp) == [] and Talent.objects.count() == 0


def refuse_name(name: str) -> None:
    """Make the database itself refuse a talent named ``name`` (what no check of the import knows about)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE talents_talent ADD CONSTRAINT refused_name CHECK (name <> '{name}')")
        else:
            cursor.execute(
                "CREATE TRIGGER refused_name BEFORE INSERT ON talents_talent "
                f"WHEN NEW.name = '{name}' BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: refused_name'); END"
            )


def test_a_write_refused_part_way_rolls_every_row_back(tmp_path, people) -> None:
    rows = [person(i) for i in range(BATCH + 500)]
    rows[BATCH + 100][0] = "拒收"  # in the second batch: the first one is written already
    path = roster(tmp_path / "r.xlsx", rows)
    imp = start(path, people["a_admin"])
    refuse_name("拒收")
    with pytest.raises(IntegrityError, match="refused_name"):
        services.run(imp, services.CHECK_APPLY)
    assert Talent.objects.count() == 0
    assert not AuditEntry.objects.filter(source="import").exists()
    imp.refresh_from_db()
    assert not imp.undo_log
