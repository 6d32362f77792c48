"""The one set of validators for talents and enterprises, shared by forms, API serializers and Excel imports.

Every ``validate_*`` function is a plain callable that returns ``None`` or raises
``django.core.exceptions.ValidationError`` with a ``code`` and a translatable message that says exactly what is
wrong (which character, how many digits, what the check character should be). They accept anything their
normaliser turns into a valid value, because Django model-field validators receive the raw value; callers store
the normalised form (``normalize_*``).

The import engine calls these column by column on ~100,000 rows, so the happy path only does string
operations: patterns are compiled once at import time, nothing touches the database, and message objects are
only built when a value is wrong. This module must not import ``talents.models`` (the models import it).
"""

from __future__ import annotations

import datetime
import re
from operator import mul
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from talentportal.countries import COUNTRIES
from talentportal.validators import first_message

# ID types, as stored in ``Talent.id_type``.
RESIDENT_ID = "resident_id"
PASSPORT = "passport"
HK_MACAU_PERMIT = "hk_macau_permit"
TAIWAN_PERMIT = "taiwan_permit"
FOREIGN_PERMANENT_ID = "foreign_permanent_id"

MALE = "male"
FEMALE = "female"

# Full-width forms (U+FF01–U+FF5E) that Chinese input methods produce, and the ideographic space, map to ASCII.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

_ASCII_DIGITS = frozenset("0123456789")
_ASCII_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _fail(message: Any, code: str, **params: Any) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def _to_ascii(value: str) -> str:
    return value if value.isascii() else value.translate(_FULL_WIDTH)


def _first_not_in(value: str, allowed: frozenset[str]) -> tuple[int, str] | None:
    """The 1-based position and the character of the first character of ``value`` not in ``allowed``."""
    for position, char in enumerate(value, 1):
        if char not in allowed:
            return position, char
    return None


# ---------------------------------------------------------------------------------------------------------------
# Resident ID numbers (居民身份证号码), GB 11643-1999
# ---------------------------------------------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_WEIGHTED_ZEROS = ord("0") * sum(_ID_WEIGHTS)
_ID_CHECK_CHARS = "10X98765432"
_EARLIEST_BIRTH = datetime.date(1900, 1, 1)
_ONE_DAY = datetime.timedelta(days=1)

ID_REQUIRED = _("Enter the ID number.")
ID_LENGTH = _("The ID number must have 18 characters; it has %(count)d.")
ID_NOT_DIGIT = _("Character %(position)d of the ID number is “%(char)s”; the first 17 characters must be digits.")
ID_LAST_CHAR = _("The last character of the ID number must be a digit or X, not “%(char)s”.")
ID_REGION = _("The ID number starts with %(region)s, which is not a region code: region codes never start with 0.")
ID_BIRTH_DATE = _("Characters 7–14 must be a valid date of birth (%(digits)s is not a date).")
ID_BIRTH_TOO_EARLY = _("Characters 7–14 give the date of birth %(date)s, which is before 1900-01-01.")
ID_BIRTH_FUTURE = _("Characters 7–14 give the date of birth %(date)s, which is in the future.")
ID_CHECKSUM = _("The check digit should be %(expected)s, not %(actual)s; check the ID number for a typing error.")


def normalize_id_number(value: str) -> str:
    """Remove all spaces (full-width ones too) and upper-case, so a lower-case x is stored as X."""
    if not value:
        return ""
    if value.isascii() and value.isalnum():  # most numbers: nothing to remove
        return value.upper()
    return "".join(_to_ascii(value).split()).upper()


def _resident_id_check_char(first17: str) -> str:
    # Weighting the ASCII codes and taking off what the "0"s add is three times faster than int() per digit.
    return _ID_CHECK_CHARS[(sum(map(mul, first17.encode(), _ID_WEIGHTS)) - _ID_WEIGHTED_ZEROS) % 11]


def validate_resident_id(value: str) -> None:
    """An 18-character mainland resident ID number: region, date of birth, order code and mod 11-2 check digit."""
    _resident_id_birth(normalize_id_number(value))


def _resident_id_birth(number: str) -> datetime.date:
    """A resident ID number (normalised) checked as ``validate_resident_id`` checks it: its date of birth, or the
    ``ValidationError`` saying what is wrong."""
    if not number:
        raise _fail(ID_REQUIRED, "required")
    if len(number) != 18:
        raise _fail(ID_LENGTH, "length", count=len(number))
    first17 = number[:17]
    if not (first17.isascii() and first17.isdigit()):
        bad = _first_not_in(first17, _ASCII_DIGITS)
        assert bad is not None
        raise _fail(ID_NOT_DIGIT, "invalid_character", position=bad[0], char=bad[1])
    last = number[17]
    if last not in _ASCII_DIGITS and last != "X":
        raise _fail(ID_LAST_CHAR, "invalid_character", char=last)
    if number[0] == "0":
        raise _fail(ID_REGION, "region", region=number[:6])
    try:
        birth = datetime.date.fromisoformat(number[6:14])  # eight digits: YYYYMMDD
    except ValueError:
        raise _fail(ID_BIRTH_DATE, "birth_date", digits=number[6:14]) from None
    if birth < _EARLIEST_BIRTH:
        raise _fail(ID_BIRTH_TOO_EARLY, "birth_date", date=birth.isoformat())
    # The local date (Asia/Shanghai) is slow to get and at most a day off the machine's date.
    if birth >= datetime.date.today() - _ONE_DAY and birth > timezone.localdate():
        raise _fail(ID_BIRTH_FUTURE, "birth_date", date=birth.isoformat())
    expected = _resident_id_check_char(first17)
    if last != expected:
        raise _fail(ID_CHECKSUM, "checksum", expected=expected, actual=last)
    return birth


def resident_id_birth_date(value: str) -> datetime.date:
    """The date of birth in characters 7–14 of a resident ID number (validate it first: of any other text, the
    answer means nothing)."""
    return datetime.date.fromisoformat(normalize_id_number(value)[6:14])


def resident_id_gender(value: str) -> str:
    """``"male"`` if the 17th digit of a resident ID number is odd, else ``"female"`` (validate it first)."""
    return _resident_id_gender(normalize_id_number(value))


def _resident_id_gender(number: str) -> str:
    return MALE if number[16] in "13579" else FEMALE


def make_resident_id(region: str, birth: datetime.date, sequence: int) -> str:
    """A resident ID number with its check digit, for demo data and tests.

    ``sequence`` is the three-digit order code (its parity is the gender: odd for men). Values of 1000 and more
    carry into the region code (``region + sequence // 1000``), keeping the date of birth and gender, so that a
    generator can make more than a thousand distinct numbers for one date of birth.
    """
    if sequence < 0:
        raise ValueError(f"sequence must not be negative, got {sequence}")
    if len(region) != 6 or not region.isascii() or not region.isdigit() or region[0] == "0":
        raise ValueError(f"region must be six digits not starting with 0, got {region!r}")
    carried, sequence = divmod(sequence, 1000)
    region_code = int(region) + carried
    if region_code > 999_999:
        raise ValueError(f"sequence {carried * 1000 + sequence} carries region {region} past 999999")
    if not 1000 <= birth.year <= 9999:
        raise ValueError(f"the year of birth must have four digits, got {birth.year}")
    first17 = f"{region_code:06d}{birth:%Y%m%d}{sequence:03d}"
    return first17 + _resident_id_check_char(first17)


# ---------------------------------------------------------------------------------------------------------------
# Other identity documents, and the identity check of a talent record
# ---------------------------------------------------------------------------------------------------------------

PASSPORT_LENGTH = _("A passport number has 5 to 20 letters and digits; %(value)s has %(count)d.")
PASSPORT_CHAR = _("A passport number has only the letters A–Z and digits; character %(position)d is “%(char)s”.")
HK_MACAU_PREFIX = _("A Hong Kong or Macao permit number starts with H (Hong Kong) or M (Macao), not “%(char)s”.")
HK_MACAU_CHAR = _(
    "After the H or M, a Hong Kong or Macao permit number has only digits; character %(position)d is “%(char)s”."
)
HK_MACAU_LENGTH = _("A Hong Kong or Macao permit number has 8 or 10 digits after the H or M; %(value)s has %(count)d.")
TAIWAN_CHAR = _("A Taiwan permit number has only digits; character %(position)d is “%(char)s”.")
TAIWAN_LENGTH = _("A Taiwan permit number has 8 or 10 digits; %(value)s has %(count)d.")
FOREIGN_CHAR = _(
    "A foreigner's permanent residence ID has only the letters A–Z and digits; character %(position)d is “%(char)s”."
)
FOREIGN_LENGTH = _("A foreigner's permanent residence ID has 15 or 18 letters and digits; %(value)s has %(count)d.")
UNKNOWN_ID_TYPE = _("“%(value)s” is not a known ID type.")
BIRTH_DATE_MISMATCH = _("The ID number gives the date of birth as %(implied)s, but %(given)s was entered.")
GENDER_MISMATCH_MALE = _("The 17th digit is odd, which means male, but the gender given is female.")
GENDER_MISMATCH_FEMALE = _("The 17th digit is even, which means female, but the gender given is male.")


def validate_passport(value: str) -> None:
    number = normalize_id_number(value)
    if not number:
        raise _fail(ID_REQUIRED, "required")
    bad = _first_not_in(number, _ASCII_ALNUM)
    if bad:
        raise _fail(PASSPORT_CHAR, "invalid_character", position=bad[0], char=bad[1])
    if not 5 <= len(number) <= 20:
        raise _fail(PASSPORT_LENGTH, "length", value=number, count=len(number))


def validate_hk_macau_permit(value: str) -> None:
    number = normalize_id_number(value)
    if not number:
        raise _fail(ID_REQUIRED, "required")
    if number[0] not in "HM":
        raise _fail(HK_MACAU_PREFIX, "invalid_character", char=number[0])
    bad = _first_not_in(number[1:], _ASCII_DIGITS)
    if bad:
        raise _fail(HK_MACAU_CHAR, "invalid_character", position=bad[0] + 1, char=bad[1])
    if len(number) - 1 not in (8, 10):
        raise _fail(HK_MACAU_LENGTH, "length", value=number, count=len(number) - 1)


def validate_taiwan_permit(value: str) -> None:
    number = normalize_id_number(value)
    if not number:
        raise _fail(ID_REQUIRED, "required")
    bad = _first_not_in(number, _ASCII_DIGITS)
    if bad:
        raise _fail(TAIWAN_CHAR, "invalid_character", position=bad[0], char=bad[1])
    if len(number) not in (8, 10):
        raise _fail(TAIWAN_LENGTH, "length", value=number, count=len(number))


def validate_foreign_permanent_id(value: str) -> None:
    number = normalize_id_number(value)
    if not number:
        raise _fail(ID_REQUIRED, "required")
    bad = _first_not_in(number, _ASCII_ALNUM)
    if bad:
        raise _fail(FOREIGN_CHAR, "invalid_character", position=bad[0], char=bad[1])
    if len(number) not in (15, 18):
        raise _fail(FOREIGN_LENGTH, "length", value=number, count=len(number))


ID_NUMBER_VALIDATORS = {
    RESIDENT_ID: validate_resident_id,
    PASSPORT: validate_passport,
    HK_MACAU_PERMIT: validate_hk_macau_permit,
    TAIWAN_PERMIT: validate_taiwan_permit,
    FOREIGN_PERMANENT_ID: validate_foreign_permanent_id,
}


def identity_errors(
    id_type: str, id_number: str, birth_date: datetime.date | None, gender: str | None
) -> dict[str, str]:
    """Problems with a talent's identity fields, as ``{field: message}`` (empty when all is well).

    Fields are ``id_number``, ``birth_date`` and ``gender`` (and ``id_type`` for an unknown type). A resident ID
    number must agree with the date of birth and gender when they are given. An empty ``id_type`` means the
    form field already failed, so only the required check runs.
    """
    number = normalize_id_number(id_number)
    if not number:
        return {"id_number": str(ID_REQUIRED)}
    if not id_type:
        return {}
    validator = ID_NUMBER_VALIDATORS.get(id_type)
    if validator is None:
        return {"id_type": first_message(_fail(UNKNOWN_ID_TYPE, "unknown_id_type", value=id_type))}
    try:
        implied_birth = _resident_id_birth(number) if id_type == RESIDENT_ID else validator(number)
    except ValidationError as error:
        return {"id_number": first_message(error)}
    if implied_birth is None:
        return {}
    errors: dict[str, str] = {}
    if birth_date is not None and birth_date != implied_birth:
        errors["birth_date"] = first_message(
            _fail(
                BIRTH_DATE_MISMATCH,
                "birth_date_mismatch",
                implied=implied_birth.isoformat(),
                given=birth_date.isoformat(),
            )
        )
    implied_gender = _resident_id_gender(number)
    if gender in (MALE, FEMALE) and gender != implied_gender:
        message = GENDER_MISMATCH_MALE if implied_gender == MALE else GENDER_MISMATCH_FEMALE
        errors["gender"] = str(message)
    return errors


def identity_from_id(
    id_type: str, id_number: str, birth_date: datetime.date | None, gender: str | None
) -> dict[str, Any]:
    """The date of birth and gender a resident ID number gives, for those of the two left empty (call it once
    ``identity_errors`` found nothing wrong: the number is then valid). Other ID types give nothing."""
    if id_type != RESIDENT_ID:
        return {}
    number = normalize_id_number(id_number)
    filled: dict[str, Any] = {}
    if birth_date is None:
        filled["birth_date"] = resident_id_birth_date(number)
    if not gender:
        filled["gender"] = _resident_id_gender(number)
    return filled


# ---------------------------------------------------------------------------------------------------------------
# Unified social credit codes (统一社会信用代码), GB 32100-2015
# ---------------------------------------------------------------------------------------------------------------

CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
_CREDIT_VALUES = {char: value for value, char in enumerate(CREDIT_CODE_CHARS)}
_CREDIT_ALLOWED = frozenset(CREDIT_CODE_CHARS)
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

CREDIT_REQUIRED = _("Enter the unified social credit code.")
CREDIT_CHAR = _(
    "Character %(position)d of the credit code is “%(char)s”, which credit codes never use: "
    "they have digits and capital letters except I, O, Z, S and V."
)
CREDIT_LENGTH = _("The credit code must have 18 characters; it has %(count)d.")
CREDIT_CHECKSUM = _(
    "The check character should be %(expected)s, not %(actual)s; check the credit code for a typing error."
)


def normalize_credit_code(value: str) -> str:
    """Remove all spaces (full-width ones too) and upper-case."""
    if not value:
        return ""
    if value.isascii() and value.isalnum():  # most numbers: nothing to remove
        return value.upper()
    return "".join(_to_ascii(value).split()).upper()


def _credit_check_char(first17: str) -> str:
    total = sum(map(mul, map(_CREDIT_VALUES.__getitem__, first17), _CREDIT_WEIGHTS))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """18 characters from the GB 32100 alphabet, the last one the mod 31 check character."""
    code = normalize_credit_code(value)
    if not code:
        raise _fail(CREDIT_REQUIRED, "required")
    bad = None if _CREDIT_ALLOWED.issuperset(code) else _first_not_in(code, _CREDIT_ALLOWED)
    if bad:
        raise _fail(CREDIT_CHAR, "invalid_character", position=bad[0], char=bad[1])
    if len(code) != 18:
        raise _fail(CREDIT_LENGTH, "length", count=len(code))
    expected = _credit_check_char(code[:17])
    if code[17] != expected:
        raise _fail(CREDIT_CHECKSUM, "checksum", expected=expected, actual=code[17])


def make_credit_code(prefix17: str) -> str:
    """``prefix17`` (17 characters of the credit-code alphabet) followed by its check character."""
    if len(prefix17) != 17 or not _CREDIT_ALLOWED.issuperset(prefix17):
        raise ValueError(f"need 17 characters from {CREDIT_CODE_CHARS}, got {prefix17!r}")
    return prefix17 + _credit_check_char(prefix17)


# ---------------------------------------------------------------------------------------------------------------
# Phone numbers
# ---------------------------------------------------------------------------------------------------------------

_MOBILE = r"1[3-9]\d{9}"
_LANDLINE = r"0[1-9]\d{8,10}"  # 0, an area code of 2–3 digits, a number of 7–8 digits: 10 to 12 digits
_MOBILE_RE = re.compile(_MOBILE, re.ASCII)
_LANDLINE_RE = re.compile(_LANDLINE, re.ASCII)
# What normalize_phone returns for a valid number: a mobile, or a landline with an optional extension after a dash.
_NORMALIZED_PHONE_RE = re.compile(rf"{_MOBILE}|{_LANDLINE}(?:-\d{{1,6}})?", re.ASCII)
_TRAILING_GROUP_RE = re.compile(r"(.*\d)\s*[-–—]\s*(\d{1,6})", re.ASCII | re.DOTALL)
_EXTENSION_MARKER_RE = re.compile(r"(?:转|分机|ext\.?|x|#)(\d{1,6})$", re.ASCII | re.IGNORECASE)
_PHONE_SEPARATORS = str.maketrans("", "", "-–—()")

PHONE_REQUIRED = _("Enter a phone number.")
MOBILE_REQUIRED = _("Enter a mobile number.")
MOBILE_CHAR = _("A mobile number has only digits, but %(value)s contains “%(char)s”.")
MOBILE_LENGTH = _("A mobile number has 11 digits starting with 13–19; %(value)s has %(count)d.")
MOBILE_PREFIX = _("A mobile number starts with 13–19; %(value)s starts with %(prefix)s.")
MOBILE_LANDLINE = _("%(value)s is a landline number; enter a mobile number (11 digits starting with 13–19).")
LANDLINE_CHAR = _(
    "A landline number has only digits (and an extension after a dash), but %(value)s contains “%(char)s”."
)
LANDLINE_LENGTH = _(
    "A landline number is 0, a 2–3 digit area code and a 7–8 digit number, 10 to 12 digits in all "
    "(e.g. 0573-82345678); %(value)s has %(count)d."
)
LANDLINE_AREA_CODE = _("A landline number needs its area code (e.g. 0573-82345678); %(value)s has none.")
PHONE_INVALID = _(
    "Enter a mainland mobile number (11 digits starting with 13–19) or a landline number with its area code "
    "(e.g. 0573-82345678); %(value)s is neither."
)


def _strip_country_code(digits: str) -> str:
    if digits.startswith("+86"):
        rest = digits[3:]
    elif digits.startswith("0086"):
        rest = digits[4:]
    elif len(digits) == 13 and digits.startswith("86") and _MOBILE_RE.fullmatch(digits, 2):
        return digits[2:]
    else:
        return digits
    if not rest or rest.startswith("00"):
        return digits
    if not rest.isdigit() or rest[0] == "0" or (rest[0] == "1" and not rest.startswith("10")):
        return rest
    # A landline after the country code drops the 0 of its area code: +86 573 8234 5678, +86 10 1234 5678.
    return "0" + rest


def _compact(text: str) -> str:
    return "".join(text.translate(_PHONE_SEPARATORS).split())


def normalize_phone(value: str) -> str:
    """Digits only, without the +86 / 0086 / 86 country code; a landline's extension is kept after a dash.

    ``+86 138-1234-5678`` → ``13812345678``, ``(0573) 8234 5678`` → ``057382345678``,
    ``0573-82345678 转 123`` and ``0573-82345678-123`` → ``057382345678-123``.
    """
    if not value:
        return ""
    text = _to_ascii(value).strip()
    if _NORMALIZED_PHONE_RE.fullmatch(text):
        return text
    # A dash-separated group after a complete landline number is its extension: 0573-82345678-123. (Dashes
    # elsewhere only group digits: 0573-8234-5678, 138-1234-5678.)
    group = _TRAILING_GROUP_RE.fullmatch(text)
    if group:
        main, extension = _strip_country_code(_compact(group.group(1))), group.group(2)
        whole = main + extension
        if _LANDLINE_RE.fullmatch(main) and not (_LANDLINE_RE.fullmatch(whole) or _MOBILE_RE.fullmatch(whole)):
            return f"{main}-{extension}"
    compact = _compact(text)
    marker = _EXTENSION_MARKER_RE.search(compact)
    if marker:
        main = _strip_country_code(compact[: marker.start()])
        if _LANDLINE_RE.fullmatch(main):
            return f"{main}-{marker.group(1)}"
    return _strip_country_code(compact)


def is_mobile(value: str) -> bool:
    """Whether ``value`` is a mainland mobile number (after ``normalize_phone``)."""
    return bool(_MOBILE_RE.fullmatch(normalize_phone(value)))


def _mobile_error(number: str) -> ValidationError:
    if _NORMALIZED_PHONE_RE.fullmatch(number):
        return _fail(MOBILE_LANDLINE, "landline", value=number)
    bad = _first_not_in(number, _ASCII_DIGITS)
    if bad:
        return _fail(MOBILE_CHAR, "invalid_character", value=number, char=bad[1])
    if len(number) != 11:
        return _fail(MOBILE_LENGTH, "length", value=number, count=len(number))
    return _fail(MOBILE_PREFIX, "prefix", value=number, prefix=number[:2])


def validate_mobile(value: str) -> None:
    """A mainland mobile number: 11 digits starting with 13–19 (after ``normalize_phone``)."""
    if isinstance(value, str) and _MOBILE_RE.fullmatch(value):  # written as it is kept: nothing to take off
        return
    number = normalize_phone(value)
    if not number:
        raise _fail(MOBILE_REQUIRED, "required")
    if not _MOBILE_RE.fullmatch(number):
        raise _mobile_error(number)


def validate_phone(value: str) -> None:
    """A mainland mobile number, or a landline number with its area code and an optional extension."""
    number = normalize_phone(value)
    if not number:
        raise _fail(PHONE_REQUIRED, "required")
    if _NORMALIZED_PHONE_RE.fullmatch(number):
        return
    if number[0] == "1":
        raise _mobile_error(number)
    if number[0] == "0" and number[1:2] != "0":
        bad = _first_not_in(number, _ASCII_DIGITS)
        if bad:
            raise _fail(LANDLINE_CHAR, "invalid_character", value=number, char=bad[1])
        raise _fail(LANDLINE_LENGTH, "length", value=number, count=len(number))
    if number.isascii() and number.isdigit() and 7 <= len(number) <= 8 and number[0] != "0":
        raise _fail(LANDLINE_AREA_CODE, "area_code", value=number)
    raise _fail(PHONE_INVALID, "invalid", value=number)


# ---------------------------------------------------------------------------------------------------------------
# E-mail addresses
# ---------------------------------------------------------------------------------------------------------------

EMAIL_REQUIRED = _("Enter an e-mail address.")
EMAIL_NO_AT = _("%(value)s has no @; an e-mail address looks like name@example.com.")
EMAIL_INVALID = _("%(value)s is not a valid e-mail address; it should look like name@example.com.")
_email_validator = EmailValidator(message=EMAIL_INVALID, code="invalid")


def validate_email(value: str) -> None:
    address = (value or "").strip()
    if not address:
        raise _fail(EMAIL_REQUIRED, "required")
    if "@" not in address:
        raise _fail(EMAIL_NO_AT, "invalid", value=address)
    _email_validator(address)


# ---------------------------------------------------------------------------------------------------------------
# Nationality: ISO 3166-1 alpha-2
# ---------------------------------------------------------------------------------------------------------------

ISO_3166_ALPHA2 = frozenset(COUNTRIES)

NATIONALITY_REQUIRED = _("Enter the nationality as a two-letter country code, e.g. CN.")
NATIONALITY_LOWERCASE = _("Write the country code in capital letters: %(upper)s, not %(value)s.")
NATIONALITY_UNKNOWN = _("“%(value)s” is not an ISO 3166 country code; use two capital letters such as CN, US or DE.")


def validate_nationality(value: str) -> None:
    """An ISO 3166-1 alpha-2 country code in capital letters (callers upper-case user input first)."""
    if not value:
        raise _fail(NATIONALITY_REQUIRED, "required")
    if value in ISO_3166_ALPHA2:
        return
    if value.upper() in ISO_3166_ALPHA2:
        raise _fail(NATIONALITY_LOWERCASE, "lowercase", value=value, upper=value.upper())
    raise _fail(NATIONALITY_UNKNOWN, "unknown_country", value=value)
