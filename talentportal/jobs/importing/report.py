"""What a pass tells: its findings stored on the import, and read back in the reader's language with personal data
masked (the pages and the API show them; the error report workbook is ``workbooks.write_error_report``)."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from talentportal.registry.masking import PERSONAL_FIELDS, mask_text

from ..models import Import
from .checking import MAX_ERRORS_KEPT, Findings
from .spec import get_spec


def store_findings(imp: Import, found: Findings, status: str, message: str = "") -> None:
    """The pass's counts, first errors, preview and notes on the import (saved by the caller)."""
    imp.counts = {k: found.counts[k] for k in ("rows", "created", "updated", "unchanged", "errors")}
    imp.errors = found.errors
    imp.preview = found.preview
    imp.columns = {
        "header_row": found.layout.header_row,
        "mapped": [c.label for _i, c in found.layout.columns],
        "unknown": found.layout.unknown,
        "hidden_sheets": found.hidden_skipped,
    }
    imp.notes = found.notes[:MAX_ERRORS_KEPT]
    imp.blank_values = found.blank_values
    spec = get_spec(imp.kind)
    imp.unknown_values = found.value_map.groups(spec, imp.created_by) if spec else []
    imp.applied_mappings = found.value_map.applied_list()
    imp.status = status
    imp.message = message


def for_reader(imp: Import) -> dict[str, list[dict[str, Any]]]:
    """The import's errors and notes in the reader's language (the active one): each message as the check worded
    it in that language, and the column named in it; an entry stored before both were kept stays as it was."""
    language = translation.get_language()
    spec = get_spec(imp.kind)
    labels = {c.name: c.label for c in spec.columns} if spec else {}

    def label(name: str | None, stored: str) -> str:
        if not name or spec is None:
            return stored
        if name in labels:
            return labels[name]
        try:
            model_field: Any = spec.model._meta.get_field(name.removesuffix("_id"))
            return str(model_field.verbose_name)
        except Exception:  # a field renamed since the import
            return stored

    def masked(error: dict[str, Any]) -> dict[str, Any]:
        # Personal data stays masked on the page and in the API; the error report (its download audited) has it.
        value, message = error["value"], error.get("messages", {}).get(language, error["message"])
        mask = PERSONAL_FIELDS.get((error.get("field") or "").removesuffix("_id"))
        if mask is not None and value not in (None, ""):
            message = message.replace(str(value), mask(value))
            value = mask(value)
        return {
            **error,
            "column": label(error.get("field"), error["column"]),
            "value": mask_text(value),
            "message": mask_text(message),
        }

    errors = [masked(e) for e in imp.errors]
    notes = [{**n, "message": mask_text(n.get("messages", {}).get(language, n["message"]))} for n in imp.notes]
    return {"errors": errors, "notes": notes}
