"""How an import names values for people: a unit or enterprise by its name, a choice by its label, personal data
masked in the preview. The check and the writes (audit entries) share one ``Display`` per file, so each linked
record is named once."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

import orjson

from talentportal.audit.services import plain
from talentportal.orgs.models import OrgUnit
from talentportal.registry.masking import PERSONAL_FIELDS, mask_text

from .spec import ImportSpec
from .writing import EXACT_TYPES

AS_IS = {str, int, float, bool}  # what ``plain`` returns unchanged
_JSON_ESCAPE = re.compile(r'["\\\x00-\x1f]')  # what JSON text escapes


class Display:
    def __init__(self, spec: ImportSpec) -> None:
        self.spec = spec
        self.model = spec.model
        self.units = {u.pk: u for u in OrgUnit.objects.only("id", "name", "code", "kind", "parent_id", "path")}
        self.many = [ref.name for ref in spec.many]
        self.labels: dict[str, dict[Any, str]] = {}  # reference name -> {id: how the record is named}
        self.shows: dict[str, tuple[str, Any]] = {}  # attname -> (field name, how its values are shown)

    def label(self, name: str) -> str:
        """A field's column label (its verbose name when the kind has no column for it)."""
        name = name.removesuffix("_id")
        column = next((c for c in self.spec.columns if c.name == name), None)
        if column is not None:
            return column.label
        model_field: Any = self.model._meta.get_field(name)
        return str(model_field.verbose_name)

    def shown(self, attname: str, value: Any) -> Any:
        """A value as the preview shows it: personal data masked, as on the record's page (the preview is read
        by whoever opens the import, and reveals nothing)."""
        mask = PERSONAL_FIELDS.get(attname)
        shown = self.display(attname, value)
        return mask(shown) if mask is not None and shown not in (None, "") else mask_text(shown)

    def display(self, attname: str, value: Any) -> Any:
        """A value as people read it: a unit or enterprise by its name, a choice by its label; linked records
        by name and id, as the record's own history shows them."""
        if value is None or value == "":
            return value
        return self._how(attname)[1](value)

    def changes(self, rows: Sequence[dict[str, Any]]) -> list[str]:
        """New records' values as their audit entries keep them, as JSON text: by field name, ``[null, shown]`` for
        each value that is not None.

        Made a field at a time for the rows that have the same fields, where a dict and a list per value made and
        encoded row by row cost a tenth of an apply: a column of plain text with nothing to escape is quoted as it
        is, a column of codes or ids shows each distinct value once."""
        texts = [""] * len(rows)
        groups: dict[tuple[str, ...], list[int]] = {}
        for at, values in enumerate(rows):
            groups.setdefault(tuple(values), []).append(at)
        for names, where in groups.items():
            group = rows if len(where) == len(rows) else [rows[at] for at in where]
            pieces = [self._json_pieces(name, list(map(itemgetter(name), group))) for name in names]
            made = (
                ["{" + ",".join(filter(None, row)) + "}" for row in zip(*pieces, strict=True)]
                if pieces
                else ["{}"] * len(where)
            )
            for at, text in zip(where, made, strict=True):
                texts[at] = text
        return texts

    def _json_pieces(self, attname: str, values: list[Any]) -> list[str]:
        """Each value's ``"name":[null,shown]`` in JSON, "" for None."""
        name, show = self._how(attname)
        head = f"{orjson.dumps(name).decode()}:[null,"
        kinds = set(map(type, values)) - {type(None)}
        if show is plain and kinds <= {str} and not _JSON_ESCAPE.search("".join(filter(None, values))):
            return ["" if v is None else f'{head}"{v}"]' for v in values]
        if show is plain and kinds <= {int}:
            return ["" if v is None else f"{head}{v}]" for v in values]
        if show is plain and kinds <= {datetime.date}:
            return ["" if v is None else f'{head}"{v.isoformat()}"]' for v in values]

        def piece(value: Any) -> str:
            if value is None:
                return ""
            shown = value if (show is plain and value.__class__ in AS_IS) or value == "" else show(value)
            return f"{head}{orjson.dumps(shown, default=plain).decode()}]"

        if len(kinds) == 1 and kinds <= EXACT_TYPES:  # a code or an id repeats: each shown once
            table = {value: piece(value) for value in set(values)}
            return list(map(table.__getitem__, values))
        return list(map(piece, values))

    def _how(self, attname: str) -> tuple[str, Any]:
        how = self.shows.get(attname)
        if how is None:
            how = self.shows[attname] = (attname.removesuffix("_id"), self._show(attname))
        return how

    def _show(self, attname: str) -> Any:
        """How ``display`` shows the values of one field (worked out once per field, used for every row)."""
        if attname in self.many:
            known = self.labels.setdefault(attname, {})
            return lambda value: sorted(f"{known.get(pk, '')} (#{pk})" for pk in value)
        if attname.endswith("_id"):
            name = attname.removesuffix("_id")
            related = self.model._meta.get_field(name).related_model
            known = self.labels.setdefault(name, {})

            def linked(value: Any) -> str:
                label = known.get(value)
                if label is None:
                    if related is OrgUnit and value in self.units:
                        return str(self.units[value].name)
                    found = related._default_manager.filter(pk=value).first() if related else None
                    label = known[value] = str(found) if found else f"#{value}"
                return label

            return linked
        model_field: Any = self.model._meta.get_field(attname)
        if model_field.choices:
            labels = {code: str(label) for code, label in model_field.flatchoices}
            return lambda value: labels.get(value) or str(value)
        return plain

    def county_of(self, unit_id: int) -> str:
        unit = self.units.get(unit_id)
        chain = []
        while unit is not None:
            chain.append(unit)
            unit = self.units.get(unit.parent_id) if unit.parent_id else None
        for candidate in reversed(chain):
            if candidate.kind == OrgUnit.Kind.COUNTY:
                return str(candidate.name)
        return chain[-2].name if len(chain) > 1 else (chain[0].name if chain else "?")

    def name_linked(self, records: Any) -> None:
        """Labels of the records the stored rows link to, one query per reference (for previews and audit).

        The key's references need none: a stored row matched on them links to what this file's rows name."""
        records = list(records)
        for ref in self.spec.refs:
            if not ref.stored or ref.name in self.spec.key:
                continue
            related = self.model._meta.get_field(ref.name).related_model
            if related is OrgUnit or related is None:
                continue
            known = self.labels.setdefault(ref.name, {})
            wanted = {i for r in records for i in (r[ref.name] if ref.many else [r[f"{ref.name}_id"]])}
            for obj in related._default_manager.filter(pk__in=wanted - set(known) - {None}):
                known[obj.pk] = str(obj)
