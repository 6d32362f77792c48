"""Values a roster writes that a column does not know (after its labels, codes and spellings), grouped for an admin
to map each once to one of the column's options. A mapping is saved for the admin's org unit and applied by every
later pass of the same kind whose importer is in that unit or below it (``ValueMapping.objects.applying_to``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from difflib import SequenceMatcher
from typing import Any

from django.conf import settings
from django.utils import translation

from ..models import Import, ValueMapping
from .spec import Column, ImportSpec, Ref, get_spec
from .vocabulary import header_key

MAX_GROUPS = 100  # distinct unknown values kept per column, the most frequent first
MAX_COUNTED = 2000  # distinct unknown values counted per column (a column of free text stops being counted)
MAX_VALUE = 200  # the longest value a mapping keeps (``ValueMapping.value``)
SUGGESTIONS = 3
CLOSE_ENOUGH = 0.3  # SequenceMatcher ratio: 专技人才 ~ 专业技术人才 is 0.8, unrelated words stay below 0.3


def mappable(column: Column) -> bool:
    """Whether the column's unknown values can be mapped: a choice, or a single reference that offers options."""
    if isinstance(column, Ref):
        return column.options is not None and not column.over and not column.many
    return column.kind == "choice"


def value_key(column: Column, text: str) -> str:
    """A cell's text as mappings are keyed: a choice as choices are compared (no spaces, no case); a reference's
    text as the cell gives it."""
    return header_key(text) if column.kind == "choice" else text


def column_options(spec: ImportSpec, column: Column, user: Any) -> list[tuple[str, str]]:
    """What a value of the column may be mapped to, as (target, label in the active language)."""
    if isinstance(column, Ref):
        return column.options(user) if column.options else []
    model_field: Any = column.read_as if column.read_as is not None else spec.model._meta.get_field(column.name)
    return [(str(code), str(label)) for code, label in model_field.flatchoices]


def names_of_options(spec: ImportSpec, column: Column, user: Any) -> dict[str, set[str]]:
    """Each option's target with its code and its label in every language the portal speaks."""
    names: dict[str, set[str]] = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for target, label in column_options(spec, column, user):
                names.setdefault(target, {target.lower()}).add(label)
    return names


def suggest(typed: str, names: dict[str, set[str]]) -> list[str]:
    """The targets of the options closest to ``typed`` by a label or the code, the closest first."""
    scored = []
    for target, spellings in names.items():
        score = max(SequenceMatcher(None, typed, name).ratio() for name in spellings)
        if score >= CLOSE_ENOUGH:
            scored.append((score, target))
    scored.sort(key=lambda pair: -pair[0])  # stable: equally close options keep their declared order
    return [target for _score, target in scored[:SUGGESTIONS]]


def mappable_columns(spec: ImportSpec) -> dict[str, Column]:
    return {c.name: c for c in spec.columns if mappable(c)}


class ValueMap:
    """The saved mappings one pass applies, and the unknown values it meets (counted by rows)."""

    def __init__(self, saved: dict[tuple[str, str], tuple[int, str]] | None = None) -> None:
        self.saved = saved or {}  # (column, value key) -> (mapping id, target)
        self.applied: set[tuple[str, str]] = set()
        self.counts: dict[str, Counter[str]] = {}  # column -> value key -> rows
        self.typed: dict[tuple[str, str], str] = {}  # (column, value key) -> the text as first met

    @classmethod
    def load(cls, user: Any, kind: str) -> ValueMap:
        """The mappings an import of ``kind`` by ``user`` applies (one query per pass); the nearest unit's wins."""
        mappings = ValueMapping.objects.applying_to(user, kind).values_list("pk", "column", "value", "target")
        return cls({(column, value): (pk, target) for pk, column, value, target in mappings})

    def target(self, column: Column, text: str) -> str | None:
        """The target a saved mapping gives the text, or None; noted as applied."""
        key = (column.name, value_key(column, text))
        found = self.saved.get(key)
        if found is None:
            return None
        self.applied.add(key)
        return found[1]

    def targets(self, column: Column, texts: set[str]) -> set[str]:
        """The targets saved mappings give any of ``texts`` (not noted as applied: the texts may be known)."""
        saved = (self.saved.get((column.name, value_key(column, text))) for text in texts)
        return {found[1] for found in saved if found is not None}

    def met(self, column: Column, text: str) -> None:
        """One row naming a value the column does not know."""
        if not mappable(column) or not text or len(text) > MAX_VALUE:
            return
        counts = self.counts.setdefault(column.name, Counter())
        key = value_key(column, text)
        if key in counts or len(counts) < MAX_COUNTED:
            counts[key] += 1
            self.typed.setdefault((column.name, key), text)

    def groups(self, spec: ImportSpec, user: Any) -> list[dict[str, Any]]:
        """The unknown values by column (in the roster's order), the most frequent first, with the closest options."""
        found = []
        for column in spec.columns:
            counts = self.counts.get(column.name)
            if not counts:
                continue
            options = names_of_options(spec, column, user)
            for key, rows in counts.most_common(MAX_GROUPS):
                typed = self.typed[(column.name, key)]
                found.append(
                    {
                        "column": column.name,
                        "value": key,
                        "typed": typed,
                        "rows": rows,
                        "suggestions": suggest(typed, options),
                    }
                )
        return found

    def applied_list(self) -> list[dict[str, Any]]:
        return [
            {"id": self.saved[key][0], "column": key[0], "value": key[1], "target": self.saved[key][1]}
            for key in sorted(self.applied)
        ]


def mapping_step(imp: Import, user: Any) -> list[dict[str, Any]]:
    """The import's unknown values as the mapping form shows them to ``user``: the column's label, the options the
    user may map to (the suggested ones first) in the active language."""
    spec = get_spec(imp.kind)
    if spec is None or not imp.unknown_values:
        return []
    columns = mappable_columns(spec)
    options: dict[str, list[tuple[str, str]]] = {}
    step = []
    for group in imp.unknown_values:
        column = columns.get(group["column"])
        if column is None:  # the kind changed since the check
            continue
        if column.name not in options:
            options[column.name] = column_options(spec, column, user)
        labels = dict(options[column.name])
        suggested = [(t, labels[t]) for t in group["suggestions"] if t in labels]
        step.append(
            {
                **group,
                "label": column.label,
                "suggested": suggested,
                "options": [o for o in options[column.name] if o not in suggested],
            }
        )
    return step


def describer(user: Any) -> Callable[[str, str, str], tuple[str, str]]:
    """``(kind, column, target) -> (the column's label, the target's label)``, each column's options looked up once;
    what no longer exists reads as stored."""
    known: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}

    def describe(kind: str, column_name: str, target: str) -> tuple[str, str]:
        if (kind, column_name) not in known:
            spec = get_spec(kind)
            column = mappable_columns(spec).get(column_name) if spec else None
            if spec is None or column is None:
                known[(kind, column_name)] = (column_name, {})
            else:
                known[(kind, column_name)] = (column.label, dict(column_options(spec, column, user)))
        label, options = known[(kind, column_name)]
        return label, options.get(target, target)

    return describe


def applied_for_reader(imp: Import, user: Any) -> list[dict[str, Any]]:
    """The mappings the import's last pass applied, with the column's and the target's labels."""
    describe = describer(user)
    return [
        {**m, **dict(zip(("label", "target_label"), describe(imp.kind, m["column"], m["target"]), strict=True))}
        for m in imp.applied_mappings
    ]
