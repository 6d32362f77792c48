"""Declaring an import kind: which columns a roster has, how each cell becomes a field, what identifies a row.

An app's ``imports.py`` declares its kinds with ``register(ImportSpec(...))``. Columns are derived from the
model's fields (Chinese header from ``verbose_name``, type, choices, validators), so a kind is mostly a list
of field names; references to other records (an org unit by name or code, an enterprise by credit code) are
``Ref`` columns resolved in bulk, one query per batch of rows. A record some cells name together (a batch: its
program's code and its ordinal) is a ``Ref`` ``over`` those cells; a cell listing several records (a team's
members) is a ``Ref`` with ``many``. Cells that only help name a record are read as another model's ``field``
and are not stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import F, Lookup, Q
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from talentportal.orgs.models import org_unit_lookup
from talentportal.validators import first_message

from . import cells
from .vocabulary import ORG_UNIT_SUFFIXES, choice_code, header_key

# A row's values by field name; a row's problems by field name; what a reference column's lookup answers.
Values = dict[str, Any]
Problems = dict[str, str]
Resolved = dict[Any, tuple[int, str] | str]
# Several records in one cell: 张三、李四 / 330402…，330411… / one per line.
LIST_SEPARATORS = re.compile(r"[、，,;；/\s]+")


def _labels(text: Any) -> set[str]:
    """The ways a header may name a column: its Chinese and English wording, without case or spaces."""
    found = set()
    for language in ("zh-hans", "en"):
        with translation.override(language):
            found.add(header_key(str(text)))
    return found


@dataclass
class Column:
    """One column of a roster, mapped to one model field (``name``) or to a reference (``Ref``)."""

    name: str
    header: str | Promise | None = None  # the Chinese header; the field's verbose_name when None
    aliases: tuple[str | Promise, ...] = ()
    required: bool | None = None  # None: required when the model field is
    normalize: Callable[[str], str] | None = None  # applied to text values before validation
    help: str | Promise = ""  # what the column takes, for the template's instructions
    # Other ways rosters spell a choice (博士研究生 for 博士), by the code they stand for; labels and codes are
    # understood anyway.
    spellings: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # A date column that also takes a year and month alone (出生年月), as ``cells.YearMonth``: the kind's rules
    # make a date of it or refuse it.
    months: bool = False
    # An empty cell leaves the stored value as it is (a new record takes the model's default), for values a
    # roster seldom repeats: a selection's status, a tranche's payment.
    keep_blank: bool = False
    # The model field the cell is read as when it is not one of the kind's own: such a cell only helps name a
    # record (a tranche roster's program code and batch ordinal) and is not stored.
    read_as: Any = None
    # Filled from the model field by ``ImportSpec``.
    kind: str = ""
    choices: dict[str, str] = field(default_factory=dict)
    choice_labels: list[str] = field(default_factory=list)
    validators: list[Callable[[Any], None]] = field(default_factory=list)
    default: Any = None
    places: int = 2
    max_digits: int = 14
    max_length: int | None = None
    example: Any = None

    @property
    def label(self) -> str:
        return str(self.header)

    @property
    def stored(self) -> bool:
        return self.read_as is None

    @property
    def in_sheet(self) -> bool:
        """Whether a sheet column feeds it (a reference over other cells has none of its own)."""
        return True

    def names(self) -> set[str]:
        keys = _labels(self.header) | {header_key(self.name)}
        for alias in self.aliases:
            keys |= _labels(alias)
        return keys

    def parse(self, raw: Any) -> Any:
        """The cell's value for the field; raises ``cells.CellError`` with the reason."""
        if self.kind == "code":
            value: Any = cells.code_text(raw)
            return self.normalize(value) if self.normalize and value else value
        if self.kind == "date":
            value = cells.date_or_month(raw) if self.months else cells.date(raw)
        elif self.kind == "bool":
            value = cells.boolean(raw)
        elif self.kind == "decimal":
            value = cells.decimal(raw, self.places, self.max_digits)
        elif self.kind == "int":
            value = cells.integer(raw)
        else:
            value = cells.text(raw)
            if self.normalize and value:
                value = self.normalize(value)
            if self.kind == "choice" and value:
                code = choice_code(self.choices, value)
                if code is None:
                    raise cells.CellError(
                        cells.NOT_A_CHOICE % {"value": value, "choices": "、".join(self.choice_labels)}
                    )
                value = code
            if self.max_length and len(value) > self.max_length:
                raise cells.CellError(cells.TOO_LONG % {"count": len(value), "max": self.max_length})
        return value

    def empty(self, value: Any) -> bool:
        return value is None or value == "" or value == ()


@dataclass
class Ref(Column):
    """A column naming another record; ``resolve(user, raw values)`` maps each raw value to an id or a message.

    ``resolve`` answers ``{raw: (id, label)}`` for the values it found in the user's scope and ``{raw: message}``
    for the others (unknown, or registered by another county: the message then names only that county).

    With ``over`` the reference has no cell of its own: the values of the columns it names (declared before
    it; a reference among them gives its id) make one tuple per row, resolved in bulk like a cell's value, once
    those columns are. Its message is shown on the last of them. With ``many`` the cell lists several values;
    the field is a many-to-many one.
    """

    resolve: Callable[[Any, set[Any]], Resolved] | None = None
    over: tuple[str, ...] = ()
    many: bool = False
    # What an admin may map a value the column does not know to: (user) -> [(the value resolved, its label)].
    # A reference to org units offers the units in the importer's scope.
    options: Callable[[Any], list[tuple[str, str]]] | None = None

    @property
    def in_sheet(self) -> bool:
        return not self.over

    def parse(self, raw: Any) -> Any:
        value = cells.code_text(raw) if self.kind == "code" else cells.text(raw)
        if self.many:
            return tuple(dict.fromkeys(part for part in LIST_SEPARATORS.split(value) if part))
        return value


@dataclass
class ImportSpec:
    kind: str
    model: type[models.Model]
    label: str | Promise
    columns: list[Column]
    key: tuple[str, ...]  # field names (``_id`` for references) that identify a row
    # Row-level checks beyond single cells: (values, user) -> {field: message}.
    clean: Callable[[Values, Any], Problems] | None = None
    # Changes to a row's values once the existing record is known (e.g. to keep a linked employer's name); the
    # values still hold the cells that are not stored. (values, the stored record or None, label(attname, id)
    # naming a linked record).
    adjust: Callable[[Values, Values | None, Callable[[str, Any], Any]], None] | None = None
    # Rules that need other records, checked a batch of rows at a time once each row's stored record is known:
    # (rows as [(values, the stored record or None)], user, memo) -> {position in rows: problems}. ``memo`` is
    # the same dict for every batch of one file, for rules across rows (what earlier batches already planned).
    check: Callable[[list[tuple[Values, Values | None]], Any, dict[str, Any]], dict[int, Problems]] | None = None
    # The relations ``str(record)`` reads, fetched in bulk before records are named in the audit log.
    repr_related: tuple[str, ...] = ()
    # Who owns a record: the lookup to its org unit, for scoping and for naming the owner in conflicts; the
    # model's own path to its unit (its QuerySet's ``org_path_field``) unless the kind names another.
    org_field: str = ""
    list_url: str = ""  # the registry list page, filterable by ``import_job``
    order: int = 100

    def __post_init__(self) -> None:
        self.org_field = self.org_field or org_unit_lookup(self.model)
        declared: set[str] = set()
        for column in self.columns:
            if isinstance(column, Ref) and column.over:
                missing = [name for name in column.over if name not in declared]
                assert not missing, f"{self.kind}.{column.name}: declare {missing} before it"
            declared.add(column.name)
            self._fill(column)

    def _fill(self, column: Column) -> None:
        model_field: Any = column.read_as if column.read_as is not None else self.model._meta.get_field(column.name)
        if column.header is None:
            column.header = model_field.verbose_name
        if column.required is None:
            column.required = not (model_field.blank or model_field.has_default() or model_field.null)
        if isinstance(column, Ref):
            column.kind = column.kind or "text"
            if column.resolve is resolve_org_units and column.options is None:
                column.options = org_unit_options
            column.default = [] if column.many else None
            return
        if model_field.choices:
            column.kind = "choice"
            for code, label in model_field.flatchoices:
                column.choices[header_key(code)] = code
                for key in _labels(label):
                    column.choices[key] = code
                with translation.override("zh-hans"):
                    column.choice_labels.append(str(label))
            for code, spellings in column.spellings.items():
                for spelling in spellings:
                    column.choices.setdefault(header_key(spelling), code)
        elif isinstance(model_field, models.DateField):
            column.kind = "date"
        elif isinstance(model_field, models.BooleanField):
            column.kind = "bool"
        elif isinstance(model_field, models.DecimalField):
            column.kind = "decimal"
            column.places, column.max_digits = model_field.decimal_places, model_field.max_digits
        elif isinstance(model_field, models.IntegerField):
            column.kind = "int"
        else:
            column.kind = column.kind or "text"
            column.max_length = model_field.max_length
        column.validators = [
            *column.validators,
            *(v for v in model_field.validators if not type(v).__name__.startswith(("MaxLength", "ProhibitNull"))),
        ]
        column.default = (
            model_field.get_default() if model_field.has_default() else ("" if not model_field.null else None)
        )

    @property
    def refs(self) -> list[Ref]:
        return [c for c in self.columns if isinstance(c, Ref)]

    @property
    def sheet_columns(self) -> list[Column]:
        """The columns a sheet has (a reference over other cells has none)."""
        return [c for c in self.columns if c.in_sheet]

    @property
    def many(self) -> list[Ref]:
        """The many-to-many columns (written after the records, one table of links each)."""
        return [c for c in self.refs if c.many]

    def attname(self, column: Column) -> str:
        return f"{column.name}_id" if isinstance(column, Ref) and not column.many else column.name

    def existing(self, keys: Iterable[tuple[Any, ...]]) -> models.QuerySet[Any]:
        """Every stored record that may carry one of ``keys`` (a superset; the engine matches exactly).

        A key part may be empty where its field is nullable (a residency names a talent or an enterprise)."""
        keys = list(keys)
        condition = Q()
        for position, name in enumerate(self.key):
            wanted = {k[position] for k in keys}
            values = wanted - {None}
            if connection.vendor == "postgresql" and values and {type(v) for v in values} <= {str, int}:
                part = Q(_Among(F(name), _array_literal(values)))
            else:
                part = Q(**{f"{name}__in": values})
            if None in wanted:
                part |= Q(**{f"{name}__isnull": True})
            condition &= part
        return self.model._default_manager.filter(condition)

    def validate(self, column: Column, value: Any) -> str | None:
        for validator in column.validators:
            try:
                validator(value)
            except ValidationError as error:
                return first_message(error)
        return None


class _Among(Lookup):
    """``field = ANY('{…}')``: the values as one array literal. An ``IN`` of a batch's two thousand placeholders
    cost PostgreSQL several times the lookups themselves to parse and plan."""

    lookup_name = "among"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::{self.lhs.output_field.db_type(connection)}[])", (*params, self.rhs)


def _array_literal(values: Iterable[str | int]) -> str:
    """PostgreSQL's text of an array of these values: numbers as they are, text quoted."""
    quoted = (str(v) if isinstance(v, int) else '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return "{" + ",".join(quoted) + "}"


SPECS: dict[str, ImportSpec] = {}


def register(spec: ImportSpec) -> ImportSpec:
    SPECS[spec.kind] = spec
    return spec


def load_specs() -> dict[str, ImportSpec]:
    """Every kind, once each app's ``imports.py`` has registered its own."""
    from django.apps import apps

    for config in apps.get_app_configs():
        try:
            __import__(f"{config.name}.imports")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.imports":
                raise
    return SPECS


def get_spec(kind: str) -> ImportSpec | None:
    return load_specs().get(kind)


def all_specs() -> list[ImportSpec]:
    return sorted(load_specs().values(), key=lambda s: (s.order, s.kind))


# -- references ----------------------------------------------------------------------------------------------


def resolve_org_units(user: Any, raws: set[str]) -> Resolved:
    """Org units by code or name, within the importer's scope; a name two units share must be given as a code. A
    name without its suffix (南湖 for 南湖区) names the one unit in scope it can stand for."""
    from talentportal.orgs.models import OrgUnit, unit_of

    unit = unit_of(user)
    prefix = unit.path if unit is not None else "/"
    names = raws | {raw + suffix for raw in raws for suffix in ORG_UNIT_SUFFIXES}
    found = list(OrgUnit.objects.filter(Q(code__in=raws) | Q(name__in=names)).values("id", "code", "name", "path"))
    by_code: dict[str, list[dict[str, Any]]] = {}
    by_name: dict[str, list[dict[str, Any]]] = {}
    for found_unit in found:
        by_code.setdefault(found_unit["code"], []).append(found_unit)
        by_name.setdefault(found_unit["name"], []).append(found_unit)
    answers: Resolved = {}
    for raw in raws:
        matches = by_code.get(raw) or by_name.get(raw) or []
        shortened = not matches
        if shortened:
            matches = [u for suffix in ORG_UNIT_SUFFIXES for u in by_name.get(raw + suffix, ())]
        inside = [u for u in matches if u["path"].startswith(prefix)]
        if len(inside) == 1:
            answers[raw] = (inside[0]["id"], inside[0]["name"])
        elif inside and shortened:
            answers[raw] = _("“%(value)s” may be %(units)s; write the unit's full name or code.") % {
                "value": raw,
                "units": "、".join(sorted(u["name"] for u in inside)),
            }
        elif inside:
            answers[raw] = _("Several units are called “%(value)s”; give the unit's code instead.") % {"value": raw}
        elif matches:
            answers[raw] = _("“%(value)s” is outside your scope; you can import rows of your own units only.") % {
                "value": raw
            }
        else:
            answers[raw] = _("“%(value)s” is not an org unit; give its name or code.") % {"value": raw}
    return answers


def org_unit_options(user: Any) -> list[tuple[str, str]]:
    """The units an importer may name, by code, as a mapping of a unit name the roster spells its own way."""
    from talentportal.orgs.models import OrgUnit

    return list(OrgUnit.objects.for_user(user).filter(is_active=True).values_list("code", "name"))


def lookup(
    model: type[models.Model], field_name: str, what: str | Promise, normalize: Callable[[str], str] | None = None
) -> Callable[[Any, set[str]], Resolved]:
    """A resolver finding ``model`` records by ``field_name`` in the importer's scope. A record of another county
    is answered with that county's name and nothing else about it."""

    def resolve(user: Any, raws: set[str]) -> Resolved:
        wanted = {(normalize(raw) if normalize else raw): raw for raw in raws}
        manager: Any = model._default_manager
        rows = {getattr(obj, field_name): obj for obj in manager.filter(**{f"{field_name}__in": list(wanted)})}
        visible = set(manager.for_user(user).filter(pk__in=[o.pk for o in rows.values()]).values_list("pk", flat=True))
        answers: Resolved = {}
        for value, raw in wanted.items():
            obj = rows.get(value)
            if obj is None:
                answers[raw] = _("No %(what)s “%(value)s” is registered; register it first.") % {
                    "what": what,
                    "value": raw,
                }
            elif obj.pk in visible:
                answers[raw] = (obj.pk, str(obj))
            else:
                county = _owner_unit(obj).registering_county().name
                answers[raw] = _("%(what)s “%(value)s” is registered by %(county)s, outside your scope.") % {
                    "what": what,
                    "value": raw,
                    "county": county,
                }
        return answers

    return resolve


def _owner_unit(obj: Any) -> Any:
    unit = getattr(obj, "org_unit", None)
    if unit is None:  # a child record: its parent's unit
        for related in obj._meta.concrete_fields:
            if related.is_relation and hasattr(getattr(obj, related.name, None), "org_unit"):
                return getattr(obj, related.name).org_unit
    return unit


def link_table(model: type[models.Model], name: str) -> tuple[Any, str, str]:
    """A many-to-many field's link table and its two columns: to the record, and to the linked record."""
    many: Any = model._meta.get_field(name)
    return many.remote_field.through, many.m2m_column_name(), many.m2m_reverse_name()
