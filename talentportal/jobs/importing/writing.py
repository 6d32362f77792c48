"""Writing what an apply makes: its new records and audit entries, and its undo log.

Django's ``bulk_create`` compiles an ``INSERT`` with a placeholder and a ``get_db_prep_save`` call per value, which
costs more than PostgreSQL's own work for the row. ``COPY … FROM STDIN`` sends the rows as text instead; their
ids are taken from the table's sequence first, so the records (and the audit entries naming them) know their
ids without ``RETURNING``. The COPYs run on a thread of their own over the apply's connection (the same
transaction), sent once the batch has made its queries: PostgreSQL writes them while the import builds the
batch's audit entries and reads the next batch. Other databases get ``bulk_create``, at once. The batch's
queries themselves go over a second connection (``Reads``), so that they need not wait for those COPYs.
"""

from __future__ import annotations

import datetime
import decimal
import gzip
import io
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import repeat
from operator import is_, itemgetter
from typing import Any, TypeVar

import orjson
from django.core.files import File
from django.db import DatabaseError, connection, connections, models
from django.db.models.base import ModelState
from django.db.models.fields import AutoFieldMixin
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.utils import timezone, translation

from talentportal.audit.services import plain

from .threads import lower_priority

BATCH = 2000  # rows read, checked and written at a time
NULL = "\\N"  # COPY's text format for NULL
COPY_SWITCH_SECONDS = 0.0005  # how long a thread holds the GIL while another wants it, as COPYs are sent (``Writer``)
COPY_CHUNK = 1 << 20  # characters handed to the driver at a time (its default, 8,192, costs a call per 8 kB)


def filled(model: type[models.Model], given: Mapping[str, Sequence[Any]], count: int) -> list[list[Any]]:
    """``count`` rows of the model, a list of values for each field in their order, as saving would make them: the
    values ``given`` for the field (by attribute name), else the field's default, and the current time for
    ``auto_now`` fields."""
    now = timezone.now()
    columns: list[list[Any]] = []
    for f in model._meta.concrete_fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            columns.append([now] * count)
        elif f.attname in given:
            columns.append(list(given[f.attname]))
        elif f.has_default() and callable(f.default):  # made afresh for each row
            columns.append([f.get_default() for _ in range(count)])
        else:
            columns.append([None if f.primary_key else f.get_default()] * count)
    return columns


def by_field(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    """The rows' values by field, for ``filled``: a row without a value the others have takes the field's
    default."""
    given: dict[str, list[Any]] = {}
    for f in model._meta.concrete_fields:
        name = f.attname
        try:
            given[name] = list(map(itemgetter(name), rows))
        except KeyError:
            if any(name in row for row in rows):
                default = f.get_default
                given[name] = [row[name] if name in row else default() for row in rows]
    return given


def new_objects(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> list[models.Model]:
    """Unsaved records, every field filled in (``filled``).

    Made as ``Model.__init__`` makes them from values in field order, without its call per field, unless
    something listens for their making (``pre_init``, ``post_init``) or a field sets itself otherwise than by
    its value (a file)."""
    return _records(model, filled(model, by_field(model, rows), len(rows)))


def _records(model: type[models.Model], columns: list[list[Any]], saved_in: str | None = None) -> list[models.Model]:
    """Records of the model from ``filled``'s columns (``new_objects``): unsaved, or saved in the database
    ``saved_in``."""
    fields = model._meta.concrete_fields
    if (
        pre_init.has_listeners(model)
        or post_init.has_listeners(model)
        or model.__init__ is not models.Model.__init__
        or model.__setattr__ is not object.__setattr__
        or any(type(model.__dict__.get(f.attname)) not in _PLAIN_ATTRIBUTES for f in fields)
    ):
        made = [model(*values) for values in zip(*columns, strict=True)]
    else:
        names = [f.attname for f in fields]
        made = []
        make = model.__new__
        for values in zip(*columns, strict=True):
            obj = make(model)
            obj.__dict__ = dict(zip(names, values, strict=True), _state=ModelState())
            made.append(obj)
    if saved_in is not None:
        for obj in made:
            obj._state.adding, obj._state.db = False, saved_in
    return made


_PLAIN_ATTRIBUTES = {DeferredAttribute, ForeignKeyDeferredAttribute}


T = TypeVar("T")


class Reads:
    """Where an apply makes its queries: on a connection of their own (a thread's), beside the apply's connection,
    which is busy with the COPYs the writer sends; otherwise each query would first wait for them.

    What the queries read was there before the apply began (records, references, sequences): nothing the apply
    wrote, as the dry run that writes nothing reads it too (rows repeated in the file are caught before they are
    looked up, and the kinds' rules take the file's earlier rows from the file). Another connection sees the
    same. Given ``separate=False`` (SQLite, or an apply inside a transaction of its caller, whose own writes no
    other connection sees) they run here, on the apply's connection."""

    def __init__(self, separate: bool) -> None:
        self.pool = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-reads", initializer=lower_priority)
            if separate
            else None
        )

    def run(self, read: Callable[..., T], *args: Any) -> T:
        """``read(*args)`` on the reads' connection, in this thread's language and time zone."""
        return self.submit(read, *args).result()

    def submit(self, read: Callable[..., T], *args: Any) -> Future[T]:
        """``read(*args)`` begun on the reads' connection, its outcome to come; the reads run one after the other,
        in the order they were submitted. Where there is no such connection it is done at once (and what it
        raises, raised here)."""
        if self.pool is None:
            done: Future[T] = Future()
            done.set_result(read(*args))
            return done
        language, zone = translation.get_language(), timezone.get_current_timezone()
        return self.pool.submit(_as_here, language, zone, read, *args)

    def close(self) -> None:
        """Close the reads' connection once the read under way (if any) is done, and let the thread end."""
        if self.pool is not None:
            pool, self.pool = self.pool, None
            try:
                pool.submit(lambda: connection.close()).result()  # the thread's own connection
            finally:
                pool.shutdown(wait=False)  # a time limit striking here leaves the thread to close it


def _as_here(language: str, zone: Any, read: Callable[..., T], *args: Any) -> T:
    with translation.override(language), timezone.override(zone):
        return read(*args)


class Writer:
    """Inserts new records of one model at a time, of their field values (``insert``), and rows whose ids nobody
    needs (``add``).

    On PostgreSQL the ids come from the table's sequence at once and the COPY is kept until ``flush`` hands it to a
    thread that sends it over the same connection while this one goes on with the import's Python work. A
    connection runs one thing at a time, so while the writer is entered (``with writer:``) every query of this
    thread first waits for the COPYs handed over: an import flushes after a batch's queries, never before them
    (what it reads needs nothing it wrote: rows repeated in the file are caught before, and the kinds' rules
    take the file's earlier rows from the file, as a dry run that writes nothing does). Leaving the writer sends
    what is kept and waits, and raises what failed.
    """

    def __init__(self, *written: type[models.Model], reads: Reads | None = None) -> None:
        copy = connection.vendor == "postgresql"
        self.reads = reads or Reads(separate=False)  # where the ids are taken from the sequence
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-copy") if copy else None
        self.pending: list[Future[None]] = []
        self.kept: list[tuple[str, str]] = []  # COPYs not yet handed over: (statement, text)
        self.hook = connection.execute_wrapper(self._after_copies)
        self.written = written
        self.immediate: list[str] = []

    def __enter__(self) -> Writer:
        """Inside the transaction: start sending COPYs, with the foreign keys of the tables written checked as each
        COPY ends rather than all at the commit (PostgreSQL then checks them while the next batch is read)."""
        if self.pool is not None and self.written:
            with connection.cursor() as cursor:
                # Only keys to other tables: a record may name one that a later batch of the same import writes.
                cursor.execute(
                    "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.conname) FROM pg_constraint c"
                    " JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.contype = 'f' AND c.condeferrable"
                    " AND c.condeferred AND c.conrelid = ANY(%s::regclass[]) AND c.confrelid <> c.conrelid",
                    [[m._meta.db_table for m in self.written]],
                )
                self.immediate = [name for (name,) in cursor.fetchall()]
                if self.immediate:
                    cursor.execute(f"SET CONSTRAINTS {', '.join(self.immediate)} IMMEDIATE")
        if self.pool is not None:
            _hand_gil_over_often(True)
        self.hook.__enter__()
        return self

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        """Wait for every COPY (the thread never writes on after this), then put the keys back as they were.

        A COPY that failed raises its error, the first cause of what the database answered since; an error of
        another kind (a time limit) is left to propagate."""
        try:
            if kind is None:
                self.flush()
            self.wait(raising=kind is None or issubclass(kind, DatabaseError))
        finally:
            self.hook.__exit__(kind, error, traceback)
            if self.pool is not None:
                try:
                    self.pool.shutdown(wait=True, cancel_futures=True)
                finally:
                    _hand_gil_over_often(False)
        if kind is None and self.immediate:  # an outer transaction goes on with its keys deferred
            with connection.cursor() as cursor:
                cursor.execute(f"SET CONSTRAINTS {', '.join(self.immediate)} DEFERRED")

    def _after_copies(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.wait()
        return execute(sql, params, many, context)

    def _copies(self, model: type[models.Model]) -> bool:
        """Whether new records of the model are sent by COPY, with ids taken from the sequence first."""
        return self.pool is not None and _copyable(model) and isinstance(model._meta.pk, AutoFieldMixin)

    def ids(self, model: type[models.Model], count: int) -> list[int] | None:
        """``count`` ids for new records of the model, taken from its table's sequence on this thread's connection
        (any may take them: a sequence is not transactional); None where they are saved otherwise."""
        meta = model._meta
        if not self._copies(model):
            return None
        with connection.cursor() as cursor:
            # The sequence found once, not for each id: that lookup cost eight times the ``nextval`` itself, and
            # without ``OFFSET 0`` the planner pulls the subquery up into the call for each id.
            cursor.execute(
                "SELECT nextval(s.id) FROM (SELECT pg_get_serial_sequence(%s, %s)::regclass AS id OFFSET 0) s,"
                " generate_series(1, %s)",
                [meta.db_table, meta.pk.column, count],
            )
            return [new_id for (new_id,) in cursor.fetchall()]

    def insert(
        self, model: type[models.Model], rows: Sequence[dict[str, Any]], ids: list[int] | None = None
    ) -> list[models.Model]:
        """Save new records of the model from ``rows`` of field values by attribute name, the other fields filled
        in as saving would (``filled``), and return them with their primary keys: ``ids`` when those were taken
        ahead (``Writer.ids``)."""
        if not rows:
            return []
        if not self._copies(model):
            made = new_objects(model, rows)
            model._default_manager.bulk_create(made, batch_size=2000)
            return made
        if ids is None:
            ids = self.reads.run(self.ids, model, len(rows))
        assert ids is not None
        fields = model._meta.concrete_fields
        columns = filled(model, by_field(model, rows), len(rows))
        columns[next(i for i, f in enumerate(fields) if f.primary_key)] = ids
        self._keep(model, fields, columns)
        return _records(model, columns, saved_in=connection.alias)

    def add(
        self, model: type[models.Model], given: Mapping[str, Sequence[Any]], count: int, encoded: Set[str] = frozenset()
    ) -> None:
        """Save ``count`` new rows given by field (``filled``), whose ids nobody needs to know (audit entries): the
        database numbers them. The JSON fields named ``encoded`` are given as JSON text."""
        columns = filled(model, given, count)
        fields = model._meta.concrete_fields
        if self.pool is None or not _copyable(model):
            for i, f in enumerate(fields):
                if f.attname in encoded:
                    columns[i] = list(map(orjson.loads, columns[i]))
            model._default_manager.bulk_create(_records(model, columns), batch_size=2000)
            return
        keep = [i for i, f in enumerate(fields) if not f.primary_key]
        self._keep(model, [fields[i] for i in keep], [columns[i] for i in keep], encoded)

    def _keep(
        self,
        model: type[models.Model],
        fields: Sequence[Any],
        columns: list[list[Any]],
        encoded: Set[str] = frozenset(),
    ) -> None:
        """Keep the rows, as COPY's text, for the writer's thread (``flush``)."""
        assert self.pool is not None
        columns = _for_copy(fields, columns, encoded)
        if not columns or not columns[0]:
            return
        # A column of one value throughout (a default, the batch's time stamp, the importer) is written once, named
        # last: every line ends with the same text. An audit entry has four columns of its own out of thirteen.
        same = list(map(_one_object, columns))
        if all(same):  # one row, or rows alike: the first column is written line by line all the same
            same[0] = False
        order = sorted(range(len(columns)), key=same.__getitem__)
        ending = "".join("\t" + _copy_text(columns[i][0]) for i in order if same[i])
        text = _copy_lines([columns[i] for i in order if not same[i]], ending)
        quote = connection.ops.quote_name
        names = ", ".join(quote(str(fields[i].column)) for i in order)
        self.kept.append((f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN", text))

    def flush(self) -> None:
        """Hand the COPYs kept to the writer's thread, in the order they were made, once those handed over before
        are written."""
        if self.pool is None or not self.kept:
            return
        if any(done.done() and done.exception() is not None for done in self.pending):
            self.wait()  # a COPY was refused: the apply stops here, not at its end, with the database's own error
        connection.ensure_connection()
        handed = [self.pool.submit(_copy, connections[connection.alias], sql, text) for sql, text in self.kept]
        self.pending += handed
        self.kept = []
        # No further ahead of the database than the COPYs just handed over: those built earlier would only wait, in
        # memory, while the checks and the next batch took the cores their writing needs (and the last of them
        # were written alone, after the last row was read).
        while len(self.pending) > len(handed):
            if self.pending[0].exception() is not None:  # done, and refused
                self.wait()
            self.pending.pop(0)

    def wait(self, raising: bool = True) -> None:
        """Until every COPY handed over is done; raises the first that failed (those after it fail only because
        the transaction is aborted)."""
        failed: BaseException | None = None
        while self.pending:
            try:
                self.pending.pop(0).result()
            except Exception as error:
                failed = failed or error
        if failed is not None and raising:
            raise failed


_WRITERS = threading.Lock()
_writing: list[float] = []  # the interpreter's own switch interval, once for each writer sending COPYs


def _hand_gil_over_often(entering: bool) -> None:
    """While any writer sends COPYs, a thread wanting the GIL gets it within ``COPY_SWITCH_SECONDS``: the COPYs'
    thread takes it back after each call into the driver (a COPY begun, its data sent, its end awaited) while
    the checks and the writes of the next batch keep it busy, and at the default 5 ms each the database sat idle
    a fifth of the apply. The interval is the process's: the first writer in sets it, the last out puts it back."""
    with _WRITERS:
        if entering:
            _writing.append(sys.getswitchinterval() if not _writing else _writing[0])
            sys.setswitchinterval(COPY_SWITCH_SECONDS)
        else:
            interval = _writing.pop()
            if not _writing:
                sys.setswitchinterval(interval)


# The field types whose values COPY takes as ``_copy_text`` writes them (JSON and IP addresses as ``_for_copy``
# prepares them); a model with any other (arrays, ranges, a database default, a generated column) is saved with
# ``bulk_create``.
COPYABLE = {
    "AutoField", "BigAutoField", "SmallAutoField", "CharField", "TextField", "SlugField", "EmailField", "URLField",
    "IntegerField", "SmallIntegerField", "BigIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
    "PositiveBigIntegerField", "BooleanField", "DateField", "DateTimeField", "DecimalField", "FloatField",
    "ForeignKey", "OneToOneField", "JSONField", "GenericIPAddressField",
}  # fmt: skip


def _copyable(model: type[models.Model]) -> bool:
    meta = model._meta
    return not meta.parents and all(
        f.get_internal_type() in COPYABLE and f.db_default is models.NOT_PROVIDED and not getattr(f, "generated", False)
        for f in meta.concrete_fields
    )


def _for_copy(fields: Sequence[Any], given: list[list[Any]], encoded: Set[str] = frozenset()) -> list[list[Any]]:
    """The columns with what Django itself converts on saving done as it would: JSON encoded (a string or a number
    is JSON too; the fields named ``encoded`` are JSON text already), an empty IP address stored as NULL. ``given``
    is left as it is (its records' values)."""
    columns = list(given)
    for i, f in enumerate(fields):
        kind = f.get_internal_type()
        if kind == "JSONField" and f.attname not in encoded:
            columns[i] = [None if v is None else orjson.dumps(v, default=str).decode() for v in columns[i]]
        elif kind == "GenericIPAddressField":
            columns[i] = [v or None for v in columns[i]]
    return columns


def _copy(wrapper: Any, sql: str, text: str) -> None:
    """On the writer's thread: the COPY over the apply's own connection (psycopg2 lets threads share one, each with
    a cursor of its own), its errors raised as Django's (``IntegrityError`` and the like), as a query's would be."""
    with wrapper.wrap_database_errors, wrapper.connection.cursor() as cursor:
        cursor.copy_expert(sql, io.StringIO(text), size=COPY_CHUNK)


class UndoLog:
    """What an apply did to each row, compressed as the batches are written, so that a large import's log is never
    whole in memory: ``{"model": …, "rows": [...]}`` in a gzip file."""

    def __init__(self, model: type[models.Model]) -> None:
        self.file = tempfile.TemporaryFile()
        self.gzip = gzip.GzipFile(fileobj=self.file, mode="wb", compresslevel=1)
        self.gzip.write(b'{"model": ' + orjson.dumps(model._meta.label_lower) + b', "rows": [')
        self.empty = True

    def extend(self, rows: Iterable[dict[str, Any]]) -> None:
        """Add rows of field values: dates and times as ISO text (orjson's own), anything else as the audit log
        keeps it."""
        data = orjson.dumps(list(rows), default=plain)[1:-1]  # the list's items, in one call
        if data:
            self.gzip.write(data if self.empty else b"," + data)
            self.empty = False

    def save(self, field: Any, name: str) -> None:
        self.gzip.write(b"]}")
        self.gzip.close()
        self.file.seek(0)
        field.save(name, File(self.file, name=name), save=False)
        self.close()

    def close(self) -> None:
        """Drop the log (an apply that wrote nothing, or failed); nothing happens once it is saved."""
        self.gzip.close()
        self.file.close()


def _copy_lines(columns: Sequence[Sequence[Any]], ending: str = "") -> str:
    """Rows given as columns, in COPY's text format, a line each, every line ending with ``ending`` (the text of
    further columns, each after its tab).

    Written a column at a time: a column's values are mostly of one type, converted by one call each (``str``,
    ``isoformat``) and checked for what needs escaping in one scan, where the same work a value at a time took a
    tenth of an apply."""
    if not columns or not columns[0]:
        return ""
    end = ending + "\n"
    return end.join(map("\t".join, zip(*map(_copy_column, columns), strict=True))) + end


def _copy_column(values: Sequence[Any]) -> Sequence[str]:
    kinds = set(map(type, values))
    nulls = type(None) in kinds
    kinds.discard(type(None))
    if not kinds:
        return [NULL] * len(values)
    kind = kinds.pop() if len(kinds) == 1 else None
    convert = _CONVERT.get(kind)  # type: ignore[arg-type]
    if convert is None or (kind is str and _needs_escape("".join(filter(None, values)))):
        return list(map(_copy_text, values))
    if kind is str:
        return [NULL if v is None else v for v in values] if nulls else values
    if kind in EXACT_TYPES:  # a column repeats its values (a unit, a tier): each converted once
        table = {v: NULL if v is None else convert(v) for v in set(values)}
        return list(map(table.__getitem__, values))
    return [NULL if v is None else convert(v) for v in values]


def _one_object(values: Sequence[Any]) -> bool:
    """Whether the values are one object throughout (a default, a time stamp, the importer's id), found at the first
    other."""
    return all(map(is_, values, repeat(values[0])))


# How a value of each type is written when no value of its column needs escaping (the text of a number, a date or a
# time never does); a column of any other type, or of several, is written a value at a time (``_copy_text``).
_CONVERT: dict[type, Callable[[Any], str]] = {
    str: str,
    int: str,
    float: str,
    decimal.Decimal: str,
    bool: lambda value: "t" if value else "f",
    datetime.date: datetime.date.isoformat,
    datetime.datetime: datetime.datetime.isoformat,
    datetime.time: datetime.time.isoformat,
}
# Types whose equal values are written alike: not so 1 and True, 1.0 and 1.00, nor times (equal across a fold, or
# zones). COPY's text and the audit log's JSON (``Display.changes``) write each distinct value of these once.
EXACT_TYPES = {str, int, bool, datetime.date}


def _needs_escape(text: str) -> bool:
    """Whether the text holds what COPY's text format escapes (four searches for a character are a tenth of a
    regular expression's class)."""
    return "\\" in text or "\t" in text or "\n" in text or "\r" in text


def _copy_text(value: Any) -> str:
    """A value in COPY's text format."""
    if value is None:
        return NULL
    if isinstance(value, str):
        return _escaped(value) if not value.isprintable() or "\\" in value else value
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float | decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.time):  # datetimes too; aware ones carry their offset
        return value.isoformat()
    return _escaped(str(value))


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
