"""Turning one spreadsheet cell into a clean Python value, or a message saying why it cannot be one.

Every cell is untrusted: it may be ``None`` or ``''``, a float where text was meant (``2018.0``), an Excel
serial where a date was meant, full-width digits typed with a Chinese input method, or ``面议`` in a number
column. Converters never raise anything but ``CellError``; the engine turns that into a row error.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from talentportal.validators import EARLIEST_DATE, LATEST_DATE, first_message, printable, validate_sensible_date


class CellError(Exception):
    """The cell's value cannot be used; ``message`` says why in the user's language."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message


# Excel counts days from 1899-12-30 (its 1900 leap-year bug included); 2958465 is 9999-12-31.
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_MAX_SERIAL = 2958465
_SPACES = "\u00a0\u2002\u2003\u2009\u200b\u3000\ufeff"
_DATE_PATTERNS = [
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
]
# A year and month alone, as 出生年月 is written: 1985.06, 1985-06, 1985/6, 1985年6月, 198506.
_MONTH_PATTERNS = [re.compile(r"(\d{4})[-/.年](\d{1,2})月?"), re.compile(r"(\d{4})(\d{2})")]
_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
# What Excel shows (and writes to CSV) for a long number it keeps as a float: 3.30402E+17.
_SCIENTIFIC = re.compile(r"[+-]?\d+(\.\d+)?[eE][+-]?\d+")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")

NOT_A_DATE = _("“%(value)s” is not a date; write it as 2015-03-01.")
NOT_A_NUMBER = _("“%(value)s” is not a number.")
NOT_WHOLE = _("“%(value)s” is not a whole number.")
NOT_YES_NO = _("“%(value)s” is not 是 or 否.")
NOT_A_CHOICE = _("“%(value)s” is not one of: %(choices)s.")
DIGITS_LOST = _(
    "“%(value)s” was stored by Excel as a number, so its digits were lost; format the column as text "
    "and enter the number again."
)
TOO_MANY_DECIMALS = _("“%(value)s” has more than %(places)d decimal places.")
TOO_LARGE = _("“%(value)s” is too large.")
TOO_LONG = _("The text has %(count)d characters; at most %(max)d are allowed.")


def text(value: Any) -> str:
    """The cell as clean text: NFKC (full-width → half-width), trimmed of every kind of space, ``2018.0`` → 2018."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if abs(value) >= 1e15:  # shown the way Excel shows it, since its last digits are not the typed ones
            return f"{value:.6G}"
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if not isinstance(value, str):
        return str(value)
    # Control characters pasted from other systems: no database stores NUL, no Excel export carries the others,
    # and nobody sees them in the cell. The import drops them where forms and the API refuse them.
    if not value.isprintable():  # a C-speed test first: most cells are plain text
        value = printable(value)
    if value.isascii():
        return str(value.strip())
    return unicodedata.normalize("NFKC", value).strip(" \t\r\n" + _SPACES)


def code_text(value: Any) -> str:
    """Text of an ID number or credit code. A number here means Excel dropped digits: refuse, never guess."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError(DIGITS_LOST % {"value": text(value)})
    result = text(value)
    if ("E" in result or "e" in result) and _SCIENTIFIC.fullmatch(result):
        raise CellError(DIGITS_LOST % {"value": result})
    return result.replace(" ", "").upper()


def date(value: Any) -> datetime.date | None:
    """The cell as a date within the range every door accepts (``validate_sensible_date``)."""
    day = _date(value)
    try:
        validate_sensible_date(day)
    except ValidationError as error:
        raise CellError(first_message(error)) from None
    return day


def _date(value: Any) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value <= _MAX_SERIAL:
            return _EXCEL_EPOCH + datetime.timedelta(days=int(value))
        raise CellError(NOT_A_DATE % {"value": text(value)})
    raw = text(value)
    if not raw:
        return None
    stripped = _TIME_SUFFIX.sub("", raw)
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(stripped)
        if match:
            try:
                return datetime.date(*(int(part) for part in match.groups()))
            except ValueError:
                break
    raise CellError(NOT_A_DATE % {"value": raw})


@dataclass(frozen=True)
class YearMonth:
    """A date given to the month only (出生年月: 1985.06). Never stored: the kind's rules make a date of it (from
    another cell that gives the day) or refuse it."""

    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def date_or_month(value: Any) -> datetime.date | YearMonth | None:
    """The cell as a date, or as a year and month when that is all it gives."""
    return _year_month(value) or date(value)


def _year_month(value: Any) -> YearMonth | None:
    if isinstance(value, bool | datetime.date):
        return None
    if isinstance(value, float) and not value.is_integer():
        raw = repr(value)  # 1985.06 typed into a cell Excel keeps as a number
    elif isinstance(value, int | float):
        raw = str(int(value))  # 198506
    else:
        raw = text(value)
    for pattern in _MONTH_PATTERNS:
        match = pattern.fullmatch(raw)
        if match:
            year, month = int(match.group(1)), int(match.group(2))
            if 1 <= month <= 12 and EARLIEST_DATE.year <= year <= LATEST_DATE.year:
                return YearMonth(year, month)
    return None


_YES = {"是", "y", "yes", "true", "1", "√", "✓", "有"}
_NO = {"否", "n", "no", "false", "0", "×", "✗", "无"}


def boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    raw = text(value).lower()
    if not raw:
        return None
    if raw in _YES:
        return True
    if raw in _NO:
        return False
    raise CellError(NOT_YES_NO % {"value": text(value)})


def decimal(value: Any, places: int = 2, max_digits: int = 14) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(NOT_A_NUMBER % {"value": text(value)})
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        # The float Excel stored for 12.3 is 12.300000000000001; its shortest repr is what the clerk typed.
        number = Decimal(repr(value))
    else:
        raw = text(value).replace("，", ",").replace(" ", "")
        if _THOUSANDS.fullmatch(raw):
            raw = raw.replace(",", "")
        if not raw:
            return None
        try:
            number = Decimal(raw)
        except InvalidOperation:
            raise CellError(NOT_A_NUMBER % {"value": text(value)}) from None
    if not number.is_finite():
        raise CellError(NOT_A_NUMBER % {"value": text(value)})
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > places:
        rounded = number.quantize(Decimal(1).scaleb(-places))
        if rounded != number:
            raise CellError(TOO_MANY_DECIMALS % {"value": text(value), "places": places})
        number = rounded
    if abs(number) >= Decimal(10) ** (max_digits - places):
        raise CellError(TOO_LARGE % {"value": text(value)})
    return number.quantize(Decimal(1).scaleb(-places)) if places else number


def integer(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = decimal(value, places=6, max_digits=24)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise CellError(NOT_WHOLE % {"value": text(value)})
    result = int(number)
    if abs(result) > 2**31 - 1:
        raise CellError(TOO_LARGE % {"value": text(value)})
    return result
