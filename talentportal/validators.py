"""Bounds every door shares (forms, API, imports): dates within a sensible range, text an .xlsx can carry.

A date field of a registry model takes ``validate_sensible_date`` and a free-text field
``validate_printable_text`` through the model field's ``validators``, so ModelForms and ModelSerializers run
them, and the import engine runs a column's model-field validators on every cell. Forms and the API refuse
text with a control character and say which one; the import cleans it (``printable``), as rosters pasted from
other systems carry them by the thousand and nobody can see them in Excel.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Dates a talent office records: births, landings, decisions and payments. Far dates (0001-01-01,
# 9999-12-31) are typing errors, and date arithmetic on them overflows.
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)

DATE_OUT_OF_RANGE = _("Enter a date between %(earliest)s and %(latest)s; %(value)s is outside that range.")
CONTROL_CHARACTER = _(
    "The text contains an invisible control character (%(code)s at position %(position)d); remove it."
)

# What XML 1.0 (and so an .xlsx) cannot carry: C0 controls but tab, line feed and carriage return; the
# non-characters U+FFFE and U+FFFF; and surrogates, which are only ever halves of a broken character.
_NOT_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def first_message(error: ValidationError) -> str:
    """The error's first message, its traceback (and the error it was raised from, with that one's) dropped: a
    ``ValidationError`` refers to itself (its ``error_list``), so only the cycle collector frees it, and a
    traceback would keep every frame that led to it alive until then (an import's whole batch of rows)."""
    error.__traceback__ = error.__context__ = error.__cause__ = None
    return str(error.messages[0])


def validate_sensible_date(value: Any) -> None:
    """A date between 1900-01-01 and 2100-12-31 (``None`` and non-dates are the field's business)."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date) and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            DATE_OUT_OF_RANGE,
            code="date_out_of_range",
            params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat(), "value": value},
        )


def validate_printable_text(value: Any) -> None:
    """Text without the characters XML cannot carry: they break every Excel export of the record."""
    if not isinstance(value, str) or value.isprintable():  # a C-speed test first: no printable text is refused
        return
    found = _NOT_PRINTABLE.search(value)
    if found:
        raise ValidationError(
            CONTROL_CHARACTER,
            code="control_character",
            params={"code": f"U+{ord(found.group()):04X}", "position": found.start() + 1},
        )


def printable(value: str) -> str:
    """``value`` without the characters ``validate_printable_text`` refuses."""
    return _NOT_PRINTABLE.sub("", value)


DATE = [validate_sensible_date]
TEXT = [validate_printable_text]
