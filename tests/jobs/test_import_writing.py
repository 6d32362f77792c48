"""How an apply writes: new records and audit entries in batches (``COPY`` on PostgreSQL, sent once the batch
has made its queries, while the import builds records and reads on), text that COPY must escape, ids that match
the audit entries and the undo log, and a write the database refuses part-way (every row rolled back, the
database's own error raised)."""

from __future__ import annotations

import contextlib
import csv
import gc
import json
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from talentportal.audit.models import Action, AuditEntry, Source
from talentportal.jobs.importing import checking, engine, saving, services, writing
from talentportal.jobs.importing.engine import BATCH
from talentportal.jobs.importing.undo import read_undo_log, undo
from talentportal.jobs.importing.writing import Writer, new_objects
from talentportal.jobs.models import Import
from talents.models import Talent

from ..talents import factories
from .test_imports import HEADER, person, roster

pytestmark = pytest.mark.django_db


def start(path: Path, user, keep_valid: bool = False) -> Import:
    with path.open("rb") as stream:
        return services.import_start(
            kind="talents",
            upload=stream,
            name=path.name,
            size=path.stat().st_size,
            keep_valid=keep_valid,
            acting_user=user,
            queue=False,
        )


def test_text_copy_must_escape_is_stored_as_typed(tmp_path, people) -> None:
    notes = "第一行\n第二行\r\n制表符\t C:\\人才\\名册 \\N 末尾\r"
    path = tmp_path / "r.csv"  # a CSV keeps the carriage return that XML turns into a line feed
    with path.open("w", newline="", encoding="utf-8") as stream:
        # COPY's text is written a column at a time: one cell to escape among others that need nothing.
        csv.writer(stream).writerows([[*HEADER, "备注"], [*person(1), notes], [*person(2), "普通备注"], person(3)])
    imp = start(path, people["a_admin"])
    with translation.override("en"):
        services.run(imp, services.CHECK_APPLY)
    imp.refresh_from_db()
    assert imp.status == Import.Status.APPLIED, imp.message
    assert dict(Talent.objects.values_list("name", "notes")) == {
        "人才1": notes.strip(),
        "人才2": "普通备注",
        "人才3": "",
    }
    talent = Talent.objects.get(name="人才1")
    assert talent.notes == notes.strip()  # cells are trimmed, what is inside stays
    entry = AuditEntry.objects.get(source="import", object_id=str(talent.pk))
    assert entry.object_id == str(talent.pk) and entry.object_repr == "人才1"
    assert entry.changes["notes"] == [None, notes.strip()]
    assert entry.changes["org_unit"] == [None, "南湖区"] and entry.changes["category"] == [
        None,
        "Professional and technical talent",
    ]
    logged = read_undo_log(imp)["rows"][0]
    assert (logged["id"], logged["a"], logged["f"]["notes"]) == (talent.pk, "c", notes.strip())


def test_a_new_records_audit_entry_leaves_out_what_the_row_leaves_unset(tmp_path, people) -> None:
    """As for a record created in a form: a field the row leaves empty is no change, and is not listed."""
    path = tmp_path / "r.csv"
    with path.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows([HEADER, person(1, 落地日期="")])
    imp = start(path, people["a_admin"])
    services.run(imp, services.CHECK_APPLY)
    imp.refresh_from_db()
    assert imp.status == Import.Status.APPLIED, imp.message
    assert Talent.objects.get().landed_on is None
    entry = AuditEntry.objects.get(source="import")
    assert "landed_on" not in entry.changes and [None, None] not in entry.changes.values()
    assert entry.changes["name"] == [None, "人才1"]


def test_batches_keep_ids_audit_and_undo_log_in_step(tmp_path, people) -> None:
    count = BATCH * 2 + 17
    path = roster(tmp_path / "r.xlsx", [person(i) for i in range(count)])
    imp = start(path, people["a_admin"])
    with CaptureQueriesContext(connection) as queries:
        services.run(imp, services.CHECK_APPLY)
    if connection.vendor == "postgresql":  # the records' ids come from the sequence, for the rows COPY sends
        assert sum("SELECT nextval(" in q["sql"] for q in queries.captured_queries) == 3
        assert not any(q["sql"].startswith('INSERT INTO "talents_talent"') for q in queries.captured_queries)
    imp.refresh_from_db()
    assert imp.counts["created"] == count
    names = dict(Talent.objects.values_list("pk", "name"))
    entries = dict(AuditEntry.objects.filter(job=imp.apply_job).values_list("object_id", "object_repr"))
    assert entries == {str(pk): name for pk, name in names.items()}
    logged = read_undo_log(imp)["rows"]
    assert {r["id"]: r["f"]["name"] for r in logged} == names
    assert undo(imp) == [] and Talent.objects.count() == 0


def postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the COPYs, and a second connection for the reads beside them, are PostgreSQL's")


def entries(*names: str) -> dict[str, list[object]]:
    """Audit entries by field, for ``Writer.add``."""
    count = len(names)
    return {
        "username": list(names),
        "source": [Source.IMPORT] * count,
        "action": [Action.CREATE] * count,
        "object_repr": list(names),
    }


def test_a_value_met_again_reads_as_before_whatever_the_type_of_the_cells_around_it(tmp_path, people) -> None:
    """A column's values are remembered across batches: by their text where a batch holds only text, with their
    type otherwise. 1, 1.0 and True are equal in Python but not the same cell."""
    header = [*HEADER, "毕业院校"]
    cells = ["1"] * BATCH + [True, 1, 1.0, "1", "是", 2.5]  # a batch of text, then one of mixed types
    path = roster(tmp_path / "r.xlsx", [[*person(i), cell] for i, cell in enumerate(cells)], header)
    imp = start(path, people["a_admin"])
    services.run(imp, services.CHECK_APPLY)
    imp.refresh_from_db()
    assert imp.status == Import.Status.APPLIED and imp.counts["errors"] == 0, imp.errors
    stored = dict(Talent.objects.values_list("name", "graduated_from"))
    assert {stored[f"人才{i}"] for i in range(BATCH)} == {"1"}
    assert [stored[f"人才{BATCH + i}"] for i in range(6)] == ["是", "1", "1", "1", "是", "2.5"]


def test_a_key_field_the_file_leaves_out_is_given_as_a_cell_would_give_it(tmp_path, people, monkeypatch) -> None:
    """No 证件类型 column: every row is a resident ID card, as the text a cell gives (``resident_id``), not the
    model's choices' member, which the audit log's JSON and COPY would write value by value."""
    made: list[Any] = []
    batch = checking.Checker.batch
    monkeypatch.setattr(checking.Checker, "batch", lambda self, rows: made.append(found := batch(self, rows)) or found)
    imp = start(roster(tmp_path / "r.xlsx", [person(1), person(2)]), people["a_admin"])
    services.run(imp, services.CHECK_APPLY)
    imp.refresh_from_db()
    assert imp.status == Import.Status.APPLIED, imp.message
    assert [type(values["id_type"]) for _number, values in made[0][0]] == [str, str]
    assert set(Talent.objects.values_list("id_type", flat=True)) == {"resident_id"}
    entry = AuditEntry.objects.filter(source="import").first()
    assert entry is not None and entry.changes["id_type"] == [None, "居民身份证"]


def test_copies_are_sent_when_flushed_and_the_next_query_waits_for_them() -> None:
    """What the writer is given is kept until ``flush`` (so the next batch's queries do not wait for it); a query
    after the flush sees it written, and leaving the writer sends what is still kept."""
    postgresql_only()  # other databases save at once, with bulk_create

    with transaction.atomic():
        with Writer(AuditEntry) as writer:
            writer.add(AuditEntry, entries("甲", "乙"), 2)
            assert not AuditEntry.objects.filter(source=Source.IMPORT).exists()
            writer.flush()
            writer.add(AuditEntry, entries("丙"), 1)
            assert sorted(AuditEntry.objects.values_list("username", flat=True)) == ["乙", "甲"]
        assert sorted(AuditEntry.objects.values_list("username", flat=True)) == ["丙", "乙", "甲"]


def test_ids_are_taken_with_the_sequence_looked_up_once() -> None:
    """The sequence is found once for the batch, not in the call for each id (the planner would pull a plain
    subquery up into it, and the lookup cost eight times the ``nextval``)."""
    postgresql_only()
    writer = Writer(Talent)
    with CaptureQueriesContext(connection) as queries:
        ids = writer.ids(Talent, 50)
    assert ids is not None and len(set(ids)) == 50
    (query,) = [q["sql"] for q in queries.captured_queries if "nextval" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON) {query}")
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)

    def nodes(node: dict) -> list[dict]:
        return [node, *(n for child in node.get("Plans", []) for n in nodes(child))]

    # A node of its own looks the sequence up, once; the node calling ``nextval`` only refers to what it found.
    (lookup,) = [n for n in nodes(plan[0]["Plan"]) if n["Node Type"] == "Result"]
    assert "pg_get_serial_sequence" in " ".join(lookup["Output"])
    assert lookup["Actual Rows"] * lookup["Actual Loops"] == 1


def test_the_writer_runs_no_further_ahead_of_the_database_than_the_copies_just_handed_over() -> None:
    """Once ``flush`` returns, every COPY handed over before it is written: the import never builds batch after
    batch whose text only waits, in memory, for the database."""
    postgresql_only()
    with transaction.atomic():
        with Writer(AuditEntry) as writer:
            handed: list[Future[None]] = []
            for names in ("甲", "乙丙", "丁", "戊己"):
                writer.add(AuditEntry, entries(*names), len(names))
                writer.add(AuditEntry, entries(*names), len(names))
                before = handed
                writer.flush()
                handed = list(writer.pending)
                assert len(handed) <= 2 and all(copy.done() for copy in before)
        assert AuditEntry.objects.filter(source=Source.IMPORT).count() == 12


@pytest.mark.parametrize("fails", [False, True])
def test_copies_are_sent_with_the_gil_handed_over_often_and_the_interval_put_back(fails: bool) -> None:
    """While the writer sends COPYs, a thread wanting the GIL (the COPYs' own, after each call into the driver)
    gets it within ``COPY_SWITCH_SECONDS``; the interpreter's interval is put back afterwards, failed or not."""
    postgresql_only()
    before = sys.getswitchinterval()
    with pytest.raises(IntegrityError) if fails else contextlib.nullcontext(), transaction.atomic():
        with Writer(AuditEntry) as writer:
            assert sys.getswitchinterval() == pytest.approx(writing.COPY_SWITCH_SECONDS)
            with Writer():  # another writer, left first: the interval is the process's, kept for the one still in
                pass
            assert sys.getswitchinterval() == pytest.approx(writing.COPY_SWITCH_SECONDS)
            writer.add(AuditEntry, {**entries("甲"), "user_id": [10**9] if fails else [None]}, 1)
    assert sys.getswitchinterval() == before


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


@pytest.mark.parametrize("batch", [0, 1, 2])
def test_a_write_refused_part_way_rolls_every_row_back(batch, tmp_path, people) -> None:
    """Whichever batch the database refuses, its own error is what the apply raises (not the aborted transaction
    of the writes after it), and nothing stays written, the foreign keys deferred again: no rows, and none of the
    files the apply stores (undo log, error report), though the last batch's are written before its COPYs end."""
    rows = [person(i) for i in range(BATCH * 2 + 500)]
    rows[BATCH * batch + 100][0] = "拒收"
    rows[7][0] = ""  # a row with an error: an apply that skipped the check writes the error report
    path = roster(tmp_path / "r.xlsx", rows)
    imp = start(path, people["a_admin"], keep_valid=True)
    media = Path(settings.MEDIA_ROOT)
    files = set(media.rglob("*"))
    refuse_name("拒收")
    with pytest.raises(IntegrityError, match="refused_name"):
        services.run(imp, services.CHECK_APPLY)
    assert Talent.objects.count() == 0
    assert not AuditEntry.objects.filter(source="import").exists()
    imp.refresh_from_db()
    assert not imp.undo_log and not imp.error_report
    assert set(media.rglob("*")) == files


def test_the_error_report_of_many_wrong_rows_reads_them_again(tmp_path, people, monkeypatch) -> None:
    """Past the rows with errors kept in memory, the report reads the others from the file: the same report."""
    rows = [person(i, 人才类别="外星人才" if i % 2 else "专业技术人才") for i in range(12)]
    reports = []
    for kept in (100, 2):
        monkeypatch.setattr(checking, "KEPT_ROWS", kept)
        imp = start(roster(tmp_path / f"r{kept}.xlsx", rows), people["a_admin"])
        services.run(imp, services.CHECK)
        imp.refresh_from_db()
        assert imp.counts["errors"] == 6
        sheet = load_workbook(imp.error_report.path).active
        reports.append([[c.value for c in row] for row in sheet.iter_rows()])
    assert reports[0] == reports[1] and len(reports[0]) == 7


def backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


def closed_down_to(count: int) -> bool:
    """Whether the database's connections are back to ``count`` (a closed one's server process ends a moment
    after the client leaves)."""
    for _ in range(50):
        if backends() == count:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_an_apply_of_its_own_makes_its_queries_beside_the_copies(tmp_path, people, units) -> None:
    """An apply that is its own transaction reads (stored records, references, ids) on a second connection, so
    that no query waits for the COPYs on the first; what it writes is what a single connection wrote: created and
    updated records, their audit entries, errors in every language. The second connection is closed after."""
    postgresql_only()
    rows = [person(i) for i in range(BATCH + 30)]
    stored = factories.talent(units["330402"], id_number=rows[BATCH + 5][1], name="旧名字")
    rows[BATCH + 7][4] = "火星区"  # a region that is no org unit
    imp = start(roster(tmp_path / "r.xlsx", rows), people["a_admin"], keep_valid=True)
    before = backends()
    with CaptureQueriesContext(connection) as queries, translation.override("en"):  # not the default language
        services.run(imp, services.CHECK_APPLY)
    assert closed_down_to(before)
    imp.refresh_from_db()
    assert imp.status == Import.Status.APPLIED, imp.message
    assert (imp.counts["created"], imp.counts["updated"], imp.counts["errors"]) == (BATCH + 28, 1, 1)
    on_the_apply = [q["sql"] for q in queries.captured_queries]
    assert not [q for q in on_the_apply if q.startswith("SELECT") and '"talents_talent"."id_number" IN' in q]
    assert not [q for q in on_the_apply if "nextval(" in q]
    stored.refresh_from_db()
    assert stored.name == f"人才{BATCH + 5}"
    assert Talent.objects.count() == BATCH + 29
    assert AuditEntry.objects.filter(job=imp.apply_job).count() == BATCH + 29
    (error,) = imp.errors
    assert error["row"] == BATCH + 7 + 3 and set(error["messages"]) == {"zh-hans", "en"}
    assert error["message"] == error["messages"]["en"] and "org unit" in error["message"]  # read in English
    assert "不是已有的组织单位" in error["messages"]["zh-hans"]


@pytest.mark.django_db(transaction=True)
def test_an_apply_of_its_own_stops_at_a_copy_the_database_refuses(tmp_path, people, monkeypatch) -> None:
    """The database's own error, raised a batch or two after the COPY it refused, not once the file is read."""
    postgresql_only()
    rows = [person(i) for i in range(BATCH * 6)]
    rows[100][0] = "拒收"
    imp = start(roster(tmp_path / "r.xlsx", rows), people["a_admin"], keep_valid=True)  # one pass: the apply's
    refuse_name("拒收")
    checked = []
    batch = checking.Checker.batch
    monkeypatch.setattr(checking.Checker, "batch", lambda self, rows: checked.append(1) or batch(self, rows))
    before = backends()
    try:
        with pytest.raises(IntegrityError, match="refused_name"):
            services.run(imp, services.CHECK_APPLY)
        assert len(checked) <= 4  # of 6
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE talents_talent DROP CONSTRAINT refused_name")
    assert closed_down_to(before)
    assert Talent.objects.count() == 0 and not AuditEntry.objects.filter(source="import").exists()


@pytest.mark.parametrize("collecting", [True, False])
def test_a_pass_collects_every_few_batches_and_leaves_the_collector_as_it_was(
    tmp_path, people, monkeypatch, collecting
) -> None:
    """The young collections no longer scan each batch's rows while they live: the pass collects every
    ``COLLECT_EVERY`` batches, and gives automatic collection back as the caller had it."""
    monkeypatch.setattr(engine, "COLLECT_EVERY", 2)
    rows = [person(n) for n in range(1, 4 * BATCH + 2)]
    imp = start(roster(tmp_path / "r.xlsx", rows), people["a_admin"], keep_valid=True)
    collections: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and not gc.isenabled():  # the pass's own (automatic ones run before and after it)
            collections.append(info["generation"])

    was = gc.isenabled()
    (gc.enable if collecting else gc.disable)()
    gc.callbacks.append(seen)
    try:
        services.run(imp, services.CHECK_APPLY)
        assert gc.isenabled() is collecting
    finally:
        gc.callbacks.remove(seen)
        (gc.enable if was else gc.disable)()
    imp.refresh_from_db()
    assert imp.status == Import.Status.APPLIED, imp.message
    assert imp.counts["created"] == 4 * BATCH + 1
    assert collections == [0, 0]  # after the 2nd and 4th of 5 batches; automatic collection would run hundreds


def test_row_errors_keep_no_frames_for_the_collector(tmp_path, people) -> None:
    """A cell or row refused by a validator (a ``ValidationError``, which refers to itself) leaves no frame to the
    cycle collector: its traceback would keep the frames that read the batch, and the batch's rows, alive."""
    rows = [person(n) for n in range(1, 201)]
    for row in rows[::2]:
        row[1] = row[1][:-1] + ("0" if row[1][-1] != "0" else "1")  # the ID number's check digit
    for row in rows[1::2]:
        row[6] = "1800-01-01"  # a landing date out of range
    for row in rows[::4]:
        row[1] = row[1][:10] + "13" + row[1][12:]  # a birth month 13: raised from the date's own error
    imp = start(roster(tmp_path / "r.xlsx", rows), people["a_admin"])
    was = gc.isenabled()
    gc.disable()
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        services.run(imp, services.CHECK)
        gc.collect()
        frames = [o for o in gc.garbage if type(o).__name__ in ("frame", "traceback")]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        (gc.enable if was else gc.disable)()
    imp.refresh_from_db()
    assert imp.counts["errors"] == 200, imp.counts
    assert frames == []


def test_new_records_are_made_as_django_makes_them(people) -> None:
    """``new_objects`` fills each record's values without ``Model.__init__``'s call per field: the records are
    the ones Django makes, defaults and all; anything listening for their making still hears of each."""
    unit = people["a_admin"].membership.org_unit
    rows = [{"name": "甲", "id_number": "330402198001011236", "org_unit_id": unit.pk}, {"name": "乙", "notes": "备注"}]
    made = new_objects(Talent, rows)
    expected = [Talent(**row) for row in rows]
    stamped = {"created_at", "updated_at"}  # set as saving sets them
    names = [f.attname for f in Talent._meta.concrete_fields if f.attname not in stamped]
    for record, django_made in zip(made, expected, strict=True):
        assert type(record) is Talent and record._state.adding and record._state.db is None
        assert record.created_at == record.updated_at == made[0].created_at is not None
        assert {n: getattr(record, n) for n in names} == {n: getattr(django_made, n) for n in names}
    assert made[0].org_unit == unit and str(made[1]) == "乙"

    heard: list[str] = []

    def listener(sender, instance, **kwargs) -> None:
        heard.append(instance.name)

    post_init.connect(listener, sender=Talent)
    try:
        assert [t.name for t in new_objects(Talent, rows)] == heard == ["甲", "乙"]
    finally:
        post_init.disconnect(listener, sender=Talent)


@pytest.mark.django_db(transaction=True)
def test_an_apply_of_its_own_checks_the_next_batch_while_it_writes_one(tmp_path, people, monkeypatch) -> None:
    """Each batch is checked on the reads' connection while the one before is written: the check of the next
    begins before the write of the one before ends, and the records still take the ids the audit log names."""
    postgresql_only()
    rows = [person(i) for i in range(BATCH * 2 + 10)]
    imp = start(roster(tmp_path / "r.xlsx", rows), people["a_admin"], keep_valid=True)
    spans: dict[str, list[tuple[float, float, str]]] = {"check": [], "save": []}

    def timed(name: str, work):
        def run(*args):
            began = time.monotonic()
            try:
                return work(*args)
            finally:
                spans[name].append((began, time.monotonic(), threading.current_thread().name))

        return run

    save = saving.Saver.save
    monkeypatch.setattr(checking.Checker, "batch", timed("check", checking.Checker.batch))
    monkeypatch.setattr(saving.Saver, "save", timed("save", lambda *args: time.sleep(0.3) or save(*args)))
    services.run(imp, services.CHECK_APPLY)
    imp.refresh_from_db()
    assert imp.status == Import.Status.APPLIED and imp.counts["created"] == BATCH * 2 + 10
    assert len(spans["check"]) == len(spans["save"]) == 3
    for (begun, _e, thread), (_b, saved, _t) in zip(spans["check"][1:], spans["save"], strict=False):
        assert begun < saved and thread != threading.main_thread().name
    entries = dict(AuditEntry.objects.filter(job=imp.apply_job).values_list("object_id", "object_repr"))
    assert entries == {str(pk): name for pk, name in Talent.objects.values_list("pk", "name")}
