"""The shared validators: ID numbers, credit codes, phones, e-mail and nationality, with their exact messages."""

from __future__ import annotations

import ast
import datetime
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.functional import Promise
from hypothesis import example, given
from hypothesis import strategies as st

from talents import validators as v

TODAY = datetime.date.today()  # on or before the portal's local date (Asia/Shanghai is ahead of UTC)
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # The portal speaks Chinese by default; the English source strings are what these tests pin down.
    with translation.override("en"):
        yield


def error_of(validator: Callable[[str], None], value: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validator(value)
    return caught.value


def assert_error(validator: Callable[[str], None], value: str, code: str, message: str) -> None:
    error = error_of(validator, value)
    assert (error.code, error.messages) == (code, [message])


def sequence_digit_positions() -> st.SearchStrategy[int]:
    return st.integers(14, 16)


resident_ids = st.builds(
    v.make_resident_id,
    region=st.integers(100_000, 999_999).map(str),
    birth=st.dates(datetime.date(1900, 1, 1), TODAY),
    sequence=st.integers(0, 999),
)
credit_code_prefixes = st.text(alphabet=CREDIT_CHARS, min_size=17, max_size=17)


# ---------------------------------------------------------------------------------------------------------------
# Resident ID numbers
# ---------------------------------------------------------------------------------------------------------------

VALID_RESIDENT_IDS = [
    "11010519491231002X",  # the example of GB 11643-1999
    "11010519491231002x",  # lower-case x is accepted
    "330402198001011236",  # check digit worked by hand: 171 mod 11 = 6 -> "6"
    "330402198506010028",
    "330411199202290455",  # 29 February of a leap year
    " 3304 0219 8001 0112 36 ",
    "３３０４０２１９８００１０１１２３６",  # typed in full-width mode
    "330402198001011236\u3000",  # trailing ideographic space
]


@pytest.mark.parametrize("value", VALID_RESIDENT_IDS)
def test_valid_resident_ids(value: str) -> None:
    v.validate_resident_id(value)


def reference_resident_id_check(first17: str) -> str:
    """ISO 7064 MOD 11-2 as GB 11643 defines it: weights 2^(18-i) mod 11, check value (12 - sum mod 11) mod 11."""
    total = sum(int(digit) * pow(2, 17 - index, 11) for index, digit in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def reference_credit_check(first17: str) -> str:
    """GB 32100: weights 3^(i-1) mod 31, check value 31 - sum mod 31 (31 counting as 0)."""
    total = sum(CREDIT_CHARS.index(char) * pow(3, index, 31) for index, char in enumerate(first17))
    return CREDIT_CHARS[(31 - total % 31) % 31]


# One number for each of the eleven check characters.
EVERY_CHECK_CHARACTER = [
    "330483199003150080",
    "330483199003150021",
    "330483199003150072",
    "330483199003150013",
    "330483199003150064",
    "330483199003150005",
    "330483199003150056",
    "330483199003150187",
    "330483199003150048",
    "330483199003150099",
    "33048319900315003X",
]


@pytest.mark.parametrize("value", EVERY_CHECK_CHARACTER)
def test_every_check_character(value: str) -> None:
    assert reference_resident_id_check(value[:17]) == value[-1]
    v.validate_resident_id(value)
    wrong = "X" if value[-1] == "0" else "0"
    assert_error(
        v.validate_resident_id,
        value[:17] + wrong,
        "checksum",
        f"The check digit should be {value[-1]}, not {wrong}; check the ID number for a typing error.",
    )


@given(number=resident_ids)
def test_check_digit_agrees_with_the_standards_formula(number: str) -> None:
    assert number[-1] == reference_resident_id_check(number[:17])


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("", "required", "Enter the ID number."),
        ("  ", "required", "Enter the ID number."),
        ("33040219800101123", "length", "The ID number must have 18 characters; it has 17."),
        ("3304021980010112366", "length", "The ID number must have 18 characters; it has 19."),
        (
            "330402198001011234",
            "checksum",
            "The check digit should be 6, not 4; check the ID number for a typing error.",
        ),
        (
            "110105194912310021",
            "checksum",
            "The check digit should be X, not 1; check the ID number for a typing error.",
        ),
        (
            "330402199913321234",
            "birth_date",
            "Characters 7–14 must be a valid date of birth (19991332 is not a date).",
        ),
        (
            "330402199002300011",
            "birth_date",
            "Characters 7–14 must be a valid date of birth (19900230 is not a date).",
        ),
        (
            "330411199302290455",
            "birth_date",
            "Characters 7–14 must be a valid date of birth (19930229 is not a date).",
        ),
        (
            "33040220300101123X",  # correct check digit, but born in 2030
            "birth_date",
            "Characters 7–14 give the date of birth 2030-01-01, which is in the future.",
        ),
        (
            "440524188001010014",  # the other example of GB 11643-1999: valid checksum, born 1880
            "birth_date",
            "Characters 7–14 give the date of birth 1880-01-01, which is before 1900-01-01.",
        ),
        (
            "3304A2198001011236",
            "invalid_character",
            "Character 5 of the ID number is “A”; the first 17 characters must be digits.",
        ),
        (
            "33040219800101X236",
            "invalid_character",
            "Character 15 of the ID number is “X”; the first 17 characters must be digits.",
        ),
        (
            "330402-19800101-12",
            "invalid_character",
            "Character 7 of the ID number is “-”; the first 17 characters must be digits.",
        ),
        (
            "33040219800101123Y",
            "invalid_character",
            "The last character of the ID number must be a digit or X, not “Y”.",
        ),
        (
            "٣٣٠٤٠٢١٩٨٠٠١٠١١٢٣٦",  # Arabic-Indic digits are digits to Python, not to an ID card
            "invalid_character",
            "Character 1 of the ID number is “٣”; the first 17 characters must be digits.",
        ),
        (
            "030402198001011236",
            "region",
            "The ID number starts with 030402, which is not a region code: region codes never start with 0.",
        ),
    ],
)
def test_invalid_resident_ids(value: str, code: str, message: str) -> None:
    assert_error(v.validate_resident_id, value, code, message)


def test_a_date_of_birth_after_today_is_refused() -> None:
    later = datetime.date.today() + datetime.timedelta(days=2)  # two days: whatever the time zone, it is ahead
    number = v.make_resident_id("330402", later, 11)
    error = error_of(v.validate_resident_id, number)
    assert error.messages == [f"Characters 7–14 give the date of birth {later.isoformat()}, which is in the future."]


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_today_is_the_portals_local_date(offset: int, monkeypatch: Any) -> None:
    # At 01:00 in Shanghai a server on UTC is still on yesterday's date, and the other way round elsewhere.
    local_today = datetime.date.today() + datetime.timedelta(days=offset)
    monkeypatch.setattr(timezone, "localdate", lambda: local_today)
    v.validate_resident_id(v.make_resident_id("330402", local_today, 11))
    tomorrow = local_today + datetime.timedelta(days=1)
    assert_error(
        v.validate_resident_id,
        v.make_resident_id("330402", tomorrow, 11),
        "birth_date",
        f"Characters 7–14 give the date of birth {tomorrow.isoformat()}, which is in the future.",
    )


def test_birth_date_and_gender_come_from_the_number() -> None:
    assert v.resident_id_birth_date("11010519491231002x") == datetime.date(1949, 12, 31)
    assert v.resident_id_gender("11010519491231002x") == "female"  # 17th digit 2
    assert v.resident_id_birth_date("330402198001011236") == datetime.date(1980, 1, 1)
    assert v.resident_id_gender("330402198001011236") == "male"  # 17th digit 3


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("11010519491231002x", "11010519491231002X"),
        (" 110105 19491231 002X ", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),
        ("110105\u300019491231002x", "11010519491231002X"),
        ("e1234567", "E1234567"),
        ("", ""),
    ],
)
def test_normalize_id_number(value: str, expected: str) -> None:
    assert v.normalize_id_number(value) == expected


def test_make_resident_id() -> None:
    assert v.make_resident_id("330402", datetime.date(1980, 1, 1), 123) == "330402198001011236"
    assert v.make_resident_id("110105", datetime.date(1949, 12, 31), 2) == "11010519491231002X"


def test_make_resident_id_carries_large_sequences_into_the_region() -> None:
    # tests/talents/factories.py relies on this to make more than 1000 numbers for one date of birth.
    number = v.make_resident_id("330402", datetime.date(1985, 6, 1), 2003)
    assert number[:17] == "33040419850601003"
    v.validate_resident_id(number)
    assert v.resident_id_gender(number) == "male"


@pytest.mark.parametrize(
    ("region", "birth", "sequence"),
    [
        ("030402", datetime.date(1980, 1, 1), 1),
        ("33040", datetime.date(1980, 1, 1), 1),
        ("33040A", datetime.date(1980, 1, 1), 1),
        ("330402", datetime.date(1980, 1, 1), -1),
        ("999999", datetime.date(1980, 1, 1), 1000),
    ],
)
def test_make_resident_id_refuses_what_cannot_be_an_id(region: str, birth: datetime.date, sequence: int) -> None:
    with pytest.raises(ValueError):
        v.make_resident_id(region, birth, sequence)


@given(
    region=st.integers(100_000, 999_999).map(str),
    birth=st.dates(datetime.date(1900, 1, 1), TODAY),
    sequence=st.integers(0, 999),
)
def test_every_made_resident_id_is_valid(region: str, birth: datetime.date, sequence: int) -> None:
    number = v.make_resident_id(region, birth, sequence)
    v.validate_resident_id(number)
    assert number.startswith(region)
    assert v.resident_id_birth_date(number) == birth
    assert v.resident_id_gender(number) == ("male" if sequence % 2 else "female")
    assert v.identity_errors("resident_id", number, birth, v.resident_id_gender(number)) == {}


@given(number=resident_ids, position=st.integers(0, 17), replacement=st.sampled_from("0123456789X"))
def test_changing_any_one_character_of_a_resident_id_is_caught(number: str, position: int, replacement: str) -> None:
    if number[position] == replacement:
        replacement = "0" if replacement == "1" else "1"
    changed = number[:position] + replacement + number[position + 1 :]
    error = error_of(v.validate_resident_id, changed)
    assert error.code in {"checksum", "birth_date", "region", "invalid_character"}


@given(number=resident_ids, position=sequence_digit_positions(), digit=st.sampled_from("0123456789"))
def test_a_typo_in_the_order_code_names_the_right_check_digit(number: str, position: int, digit: str) -> None:
    if number[position] == digit:
        digit = "0" if digit == "1" else "1"
    changed = number[:position] + digit + number[position + 1 :]
    error = error_of(v.validate_resident_id, changed)
    expected = v.make_resident_id(changed[:6], v.resident_id_birth_date(changed), int(changed[14:17]))[-1]
    assert error.code == "checksum"
    assert error.messages == [
        f"The check digit should be {expected}, not {number[-1]}; check the ID number for a typing error."
    ]


# ---------------------------------------------------------------------------------------------------------------
# The identity check of a talent record
# ---------------------------------------------------------------------------------------------------------------

BORN_1949 = datetime.date(1949, 12, 31)
BORN_1980 = datetime.date(1980, 1, 1)


@pytest.mark.parametrize(
    ("id_type", "id_number", "birth_date", "gender", "errors"),
    [
        ("resident_id", "11010519491231002X", BORN_1949, "female", {}),
        ("resident_id", "11010519491231002x", None, None, {}),
        ("resident_id", "11010519491231002X", None, "", {}),
        ("resident_id", "330402198001011236", BORN_1980, "male", {}),
        (
            "resident_id",
            "11010519491231002X",
            datetime.date(1950, 1, 1),
            "female",
            {"birth_date": "The ID number gives the date of birth as 1949-12-31, but 1950-01-01 was entered."},
        ),
        (
            "resident_id",
            "11010519491231002X",
            BORN_1949,
            "male",
            {"gender": "The 17th digit is even, which means female, but the gender given is male."},
        ),
        (
            "resident_id",
            "330402198001011236",
            BORN_1980,
            "female",
            {"gender": "The 17th digit is odd, which means male, but the gender given is female."},
        ),
        (
            "resident_id",
            "330402198001011236",
            datetime.date(1980, 10, 1),
            "female",
            {
                "birth_date": "The ID number gives the date of birth as 1980-01-01, but 1980-10-01 was entered.",
                "gender": "The 17th digit is odd, which means male, but the gender given is female.",
            },
        ),
        (
            "resident_id",
            "330402198001011234",
            datetime.date(1990, 1, 1),  # not compared: the number itself is wrong
            "female",
            {"id_number": "The check digit should be 6, not 4; check the ID number for a typing error."},
        ),
        ("resident_id", "", BORN_1980, "male", {"id_number": "Enter the ID number."}),
        ("passport", " ", None, None, {"id_number": "Enter the ID number."}),
        ("", "", None, None, {"id_number": "Enter the ID number."}),
        ("", "whatever", None, None, {}),  # the id_type field already has its own error
        ("driver_licence", "123", None, None, {"id_type": "“driver_licence” is not a known ID type."}),
        # passports: 5 to 20 letters and digits; date of birth and gender are not compared
        ("passport", "E12345678", BORN_1980, "male", {}),
        ("passport", "e1234", None, None, {}),
        ("passport", "AB1234567890123456CD", None, None, {}),
        (
            "passport",
            "E123",
            None,
            None,
            {"id_number": "A passport number has 5 to 20 letters and digits; E123 has 4."},
        ),
        (
            "passport",
            "AB1234567890123456CDE",
            None,
            None,
            {"id_number": "A passport number has 5 to 20 letters and digits; AB1234567890123456CDE has 21."},
        ),
        (
            "passport",
            "E1234-5678",
            None,
            None,
            {"id_number": "A passport number has only the letters A–Z and digits; character 6 is “-”."},
        ),
        # Hong Kong / Macao permits: H or M and 8 or 10 digits
        ("hk_macau_permit", "H12345678", None, None, {}),
        ("hk_macau_permit", "m1234567890", None, None, {}),
        (
            "hk_macau_permit",
            "X12345678",
            None,
            None,
            {"id_number": "A Hong Kong or Macao permit number starts with H (Hong Kong) or M (Macao), not “X”."},
        ),
        (
            "hk_macau_permit",
            "H123456789",
            None,
            None,
            {"id_number": "A Hong Kong or Macao permit number has 8 or 10 digits after the H or M; H123456789 has 9."},
        ),
        (
            "hk_macau_permit",
            "H1234A678",
            None,
            None,
            {"id_number": "After the H or M, a Hong Kong or Macao permit number has only digits; character 6 is “A”."},
        ),
        # Taiwan permits: 8 or 10 digits
        ("taiwan_permit", "12345678", None, None, {}),
        ("taiwan_permit", "1234567890", None, None, {}),
        (
            "taiwan_permit",
            "123456789",
            None,
            None,
            {"id_number": "A Taiwan permit number has 8 or 10 digits; 123456789 has 9."},
        ),
        (
            "taiwan_permit",
            "1234T678",
            None,
            None,
            {"id_number": "A Taiwan permit number has only digits; character 5 is “T”."},
        ),
        # foreigners' permanent residence IDs: 15 or 18 letters and digits
        ("foreign_permanent_id", "USA123456789012", None, None, {}),
        ("foreign_permanent_id", "usa123456789012345", None, None, {}),
        (
            "foreign_permanent_id",
            "USA1234567890123",
            None,
            None,
            {
                "id_number": "A foreigner's permanent residence ID has 15 or 18 letters and digits; USA1234567890123 has 16."
            },
        ),
        (
            "foreign_permanent_id",
            "USA12345678901_",
            None,
            None,
            {
                "id_number": "A foreigner's permanent residence ID has only the letters A–Z and digits; "
                "character 15 is “_”."
            },
        ),
    ],
)
def test_identity_errors(
    id_type: str, id_number: str, birth_date: datetime.date | None, gender: str | None, errors: dict[str, str]
) -> None:
    assert v.identity_errors(id_type, id_number, birth_date, gender) == errors


def test_identity_errors_are_plain_strings_in_the_active_language() -> None:
    errors = v.identity_errors("resident_id", "11010519491231002X", BORN_1949, "male")
    assert type(errors["gender"]) is str


# ---------------------------------------------------------------------------------------------------------------
# Unified social credit codes
# ---------------------------------------------------------------------------------------------------------------

VALID_CREDIT_CODES = [
    # codes published in the national enterprise credit information system
    "91110000802100433B",
    "914403001922038216",
    "9144030071526726XG",
    "91330100799655058B",
    "91110108551385082Q",
    # made here, check characters from make_credit_code
    "91330400MA2B8XXXXG",
    "91330400MA2B8N4A0J",
    # as users type them
    "91110000802100433b",
    " 9111 0000 8021 0043 3B ",
    "９１１１００００８０２１００４３３Ｂ",
]


@pytest.mark.parametrize("value", VALID_CREDIT_CODES)
def test_valid_credit_codes(value: str) -> None:
    v.validate_credit_code(value)


NOT_IN_CHARSET = (
    "Character {position} of the credit code is “{char}”, which credit codes never use: "
    "they have digits and capital letters except I, O, Z, S and V."
)


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("", "required", "Enter the unified social credit code."),
        (
            "91110000802100433A",
            "checksum",
            "The check character should be B, not A; check the credit code for a typing error.",
        ),
        (
            "91330400MA2B8XXXX0",
            "checksum",
            "The check character should be G, not 0; check the credit code for a typing error.",
        ),
        ("91110000802100433", "length", "The credit code must have 18 characters; it has 17."),
        ("91110000802100433BB", "length", "The credit code must have 18 characters; it has 19."),
        ("911100008O2100433B", "invalid_character", NOT_IN_CHARSET.format(position=10, char="O")),
        ("9111000080210043IB", "invalid_character", NOT_IN_CHARSET.format(position=17, char="I")),
        ("Z1110000802100433B", "invalid_character", NOT_IN_CHARSET.format(position=1, char="Z")),
        ("91S10000802100433B", "invalid_character", NOT_IN_CHARSET.format(position=3, char="S")),
        ("91110000802100433v", "invalid_character", NOT_IN_CHARSET.format(position=18, char="V")),
        ("9111-0000802100433B", "invalid_character", NOT_IN_CHARSET.format(position=5, char="-")),
        ("9111000080210043", "length", "The credit code must have 18 characters; it has 16."),
    ],
)
def test_invalid_credit_codes(value: str, code: str, message: str) -> None:
    assert_error(v.validate_credit_code, value, code, message)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (" 91110000802100433b ", "91110000802100433B"),
        ("9111 0000 8021 0043 3B", "91110000802100433B"),
        ("９１１１００００８０２１００４３３ｂ", "91110000802100433B"),
        ("", ""),
    ],
)
def test_normalize_credit_code(value: str, expected: str) -> None:
    assert v.normalize_credit_code(value) == expected


@pytest.mark.parametrize("prefix", ["9133040", "91330400MA2B8XXXXX", "91330400MA2B8OOOO"])
def test_make_credit_code_needs_17_characters_of_the_alphabet(prefix: str) -> None:
    with pytest.raises(ValueError):
        v.make_credit_code(prefix)


@pytest.mark.parametrize("code", VALID_CREDIT_CODES[:7])
def test_published_codes_agree_with_the_standards_formula(code: str) -> None:
    assert reference_credit_check(code[:17]) == code[17]


@given(prefix=credit_code_prefixes)
def test_check_character_agrees_with_the_standards_formula(prefix: str) -> None:
    assert v.make_credit_code(prefix)[-1] == reference_credit_check(prefix)


@given(prefix=credit_code_prefixes)
def test_every_made_credit_code_is_valid(prefix: str) -> None:
    code = v.make_credit_code(prefix)
    assert code[:17] == prefix
    v.validate_credit_code(code)
    v.validate_credit_code(code.lower())


@given(prefix=credit_code_prefixes, wrong=st.sampled_from(CREDIT_CHARS))
def test_any_other_check_character_fails_and_the_right_one_is_named(prefix: str, wrong: str) -> None:
    right = v.make_credit_code(prefix)[-1]
    if wrong == right:
        return
    error = error_of(v.validate_credit_code, prefix + wrong)
    assert error.code == "checksum"
    assert error.messages == [
        f"The check character should be {right}, not {wrong}; check the credit code for a typing error."
    ]


@given(prefix=credit_code_prefixes, position=st.integers(0, 16), replacement=st.sampled_from(CREDIT_CHARS))
def test_changing_any_one_character_of_a_credit_code_is_caught(prefix: str, position: int, replacement: str) -> None:
    code = v.make_credit_code(prefix)
    if code[position] == replacement:
        return
    changed = code[:position] + replacement + code[position + 1 :]
    assert error_of(v.validate_credit_code, changed).code == "checksum"


# ---------------------------------------------------------------------------------------------------------------
# Phones
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("(+86) 138 1234 5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("0573-82345678", "057382345678"),
        ("(0573) 8234 5678", "057382345678"),
        ("（0573）82345678", "057382345678"),
        ("０５７３－８２３４５６７８", "057382345678"),
        ("0573-8234-5678", "057382345678"),
        ("010-1234567", "0101234567"),
        ("+86 573 8234 5678", "057382345678"),
        ("+86 10 1234 5678", "01012345678"),
        ("+86 0573 8234 5678", "057382345678"),
        ("0573-82345678-123", "057382345678-123"),
        ("0573-82345678 转 123", "057382345678-123"),
        ("0573 82345678 分机 8001", "057382345678-8001"),
        ("0573-82345678 ext. 8001", "057382345678-8001"),
        ("0573-82345678#1", "057382345678-1"),
        ("0573-82345678\u3000-\u3000123", "057382345678-123"),
        ("0573–82345678", "057382345678"),  # en dash
        ("138—1234—5678", "13812345678"),  # em dash
        ("0573-823456789-12", "057382345678912"),  # no extension after a number that is too long
        ("057382345678-123", "057382345678-123"),
        ("0573-8234567-8", "057382345678"),  # a complete 8-digit number, not an extension
        ("86123456", "86123456"),  # a local number that happens to start with 86
        ("", ""),
    ],
)
def test_normalize_phone(value: str, expected: str) -> None:
    assert v.normalize_phone(value) == expected


@pytest.mark.parametrize(
    "value",
    ["13812345678", "19912345678", "14512345678", "16612345678", "+86 138 1234 5678", "0086-139-0000-0000"],
)
def test_valid_mobiles(value: str) -> None:
    v.validate_mobile(value)
    v.validate_phone(value)


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("", "required", "Enter a mobile number."),
        ("1381234567", "length", "A mobile number has 11 digits starting with 13–19; 1381234567 has 10."),
        ("138123456789", "length", "A mobile number has 11 digits starting with 13–19; 138123456789 has 12."),
        ("12812345678", "prefix", "A mobile number starts with 13–19; 12812345678 starts with 12."),
        ("23812345678", "prefix", "A mobile number starts with 13–19; 23812345678 starts with 23."),
        ("138-1234-567a", "invalid_character", "A mobile number has only digits, but 1381234567a contains “a”."),
        (
            "0573-82345678",
            "landline",
            "057382345678 is a landline number; enter a mobile number (11 digits starting with 13–19).",
        ),
    ],
)
def test_invalid_mobiles(value: str, code: str, message: str) -> None:
    assert_error(v.validate_mobile, value, code, message)


@pytest.mark.parametrize(
    "value",
    [
        "0573-82345678",
        "010-12345678",
        "010-1234567",
        "0571 8888 8888",
        "0573-82345678-8001",
        "0573-82345678转8001",
        "+86 573 8234 5678",
        "(0573)82345678",
    ],
)
def test_valid_phones(value: str) -> None:
    v.validate_phone(value)


LANDLINE_LENGTH = (
    "A landline number is 0, a 2–3 digit area code and a 7–8 digit number, 10 to 12 digits in all "
    "(e.g. 0573-82345678); {value} has {count}."
)
PHONE_INVALID = (
    "Enter a mainland mobile number (11 digits starting with 13–19) or a landline number with its area code "
    "(e.g. 0573-82345678); {value} is neither."
)


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("", "required", "Enter a phone number."),
        ("0573-8234", "length", LANDLINE_LENGTH.format(value="05738234", count=8)),
        ("0573-823456789", "length", LANDLINE_LENGTH.format(value="0573823456789", count=13)),
        (
            "0573-8234567a",
            "invalid_character",
            "A landline number has only digits (and an extension after a dash), but 05738234567a contains “a”.",
        ),
        (
            "82345678",
            "area_code",
            "A landline number needs its area code (e.g. 0573-82345678); 82345678 has none.",
        ),
        ("823456", "invalid", PHONE_INVALID.format(value="823456")),
        ("1381234567", "length", "A mobile number has 11 digits starting with 13–19; 1381234567 has 10."),
        ("+1 650 555 1234", "invalid", PHONE_INVALID.format(value="+16505551234")),
        ("00441234567890", "invalid", PHONE_INVALID.format(value="00441234567890")),
        ("n/a", "invalid", PHONE_INVALID.format(value="n/a")),
    ],
)
def test_invalid_phones(value: str, code: str, message: str) -> None:
    assert_error(v.validate_phone, value, code, message)


@given(
    number=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    prefix=st.sampled_from(["", "+86", "+86 ", "0086", "0086-", "86", "(+86) "]),
    grouped=st.booleans(),
)
def test_every_formatting_of_a_mobile_normalises_to_its_digits(number: str, prefix: str, grouped: bool) -> None:
    text = prefix + (f"{number[:3]} {number[3:7]}-{number[7:]}" if grouped else number)
    assert v.normalize_phone(text) == number
    v.validate_mobile(text)
    v.validate_phone(text)


# ---------------------------------------------------------------------------------------------------------------
# E-mail and nationality
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["name@example.com", " zhang.san@jiaxing.gov.cn ", "a+b@mail.example.org"])
def test_valid_emails(value: str) -> None:
    v.validate_email(value)


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("", "required", "Enter an e-mail address."),
        ("name.example.com", "invalid", "name.example.com has no @; an e-mail address looks like name@example.com."),
        ("name@", "invalid", "name@ is not a valid e-mail address; it should look like name@example.com."),
        (
            "name@example",
            "invalid",
            "name@example is not a valid e-mail address; it should look like name@example.com.",
        ),
        (
            "na me@example.com",
            "invalid",
            "na me@example.com is not a valid e-mail address; it should look like name@example.com.",
        ),
        (
            "name@@example.com",
            "invalid",
            "name@@example.com is not a valid e-mail address; it should look like name@example.com.",
        ),
    ],
)
def test_invalid_emails(value: str, code: str, message: str) -> None:
    assert_error(v.validate_email, value, code, message)


@pytest.mark.parametrize("value", ["CN", "US", "DE", "GB", "HK", "MO", "TW", "JP", "SG", "AX", "ZW"])
def test_valid_nationalities(value: str) -> None:
    v.validate_nationality(value)


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("", "required", "Enter the nationality as a two-letter country code, e.g. CN."),
        ("cn", "lowercase", "Write the country code in capital letters: CN, not cn."),
        ("Us", "lowercase", "Write the country code in capital letters: US, not Us."),
        (
            "UK",
            "unknown_country",
            "“UK” is not an ISO 3166 country code; use two capital letters such as CN, US or DE.",
        ),
        (
            "CHN",
            "unknown_country",
            "“CHN” is not an ISO 3166 country code; use two capital letters such as CN, US or DE.",
        ),
        (
            "XK",
            "unknown_country",
            "“XK” is not an ISO 3166 country code; use two capital letters such as CN, US or DE.",
        ),
        (
            "中国",
            "unknown_country",
            "“中国” is not an ISO 3166 country code; use two capital letters such as CN, US or DE.",
        ),
    ],
)
def test_invalid_nationalities(value: str, code: str, message: str) -> None:
    assert_error(v.validate_nationality, value, code, message)


def test_the_country_list_is_the_whole_of_iso_3166() -> None:
    assert len(v.ISO_3166_ALPHA2) == 249
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in v.ISO_3166_ALPHA2)
    assert {"AN", "CS", "YU", "UK", "EU"}.isdisjoint(v.ISO_3166_ALPHA2)  # withdrawn or only reserved


# ---------------------------------------------------------------------------------------------------------------
# Properties every validator shares
# ---------------------------------------------------------------------------------------------------------------

ALL_VALIDATORS = [
    v.validate_resident_id,
    v.validate_passport,
    v.validate_hk_macau_permit,
    v.validate_taiwan_permit,
    v.validate_foreign_permanent_id,
    v.validate_credit_code,
    v.validate_mobile,
    v.validate_phone,
    v.validate_email,
    v.validate_nationality,
]
NORMALISERS = [v.normalize_id_number, v.normalize_credit_code, v.normalize_phone]
phone_like_text = st.text(alphabet="0123456789 -–()+#xX转分机ext.０１８６（）－＋\u3000", max_size=30)
id_like_text = st.text(alphabet="0123456789xXAHM -\u3000１ｘ", max_size=24)


@pytest.mark.parametrize("normalise", NORMALISERS, ids=lambda f: f.__name__)
@given(value=st.one_of(st.text(), phone_like_text, id_like_text))
@example(value="+860086123")
@example(value="0573 8234567 转 8")
@example(value="057382345678x12-3")
def test_normalisation_is_idempotent(normalise: Callable[[str], str], value: str) -> None:
    once = normalise(value)
    assert normalise(once) == once


@pytest.mark.parametrize("validator", ALL_VALIDATORS, ids=lambda f: f.__name__)
@given(value=st.one_of(st.text(), phone_like_text, id_like_text))
def test_any_text_passes_or_gets_a_coded_message(validator: Callable[[str], None], value: str) -> None:
    # The import engine feeds these whatever is in the spreadsheet cell.
    try:
        validator(value)
    except ValidationError as error:
        assert error.code
        assert isinstance(error.message, Promise)  # translatable
        assert error.messages[0]  # every placeholder has its parameter


@pytest.mark.parametrize("validator", ALL_VALIDATORS, ids=lambda f: f.__name__)
def test_validators_compile_no_pattern_per_call(validator: Callable[[str], None], monkeypatch: Any) -> None:
    samples = ["11010519491231002X", "91110000802100433B", "13812345678", "0573-82345678-1", "a@example.com", "CN"]
    samples += ["", "x", "3304021999133212", "+86 573 8234 5678", "name@"]

    def run() -> None:
        for sample in samples:
            try:
                validator(sample)
            except ValidationError:
                pass

    run()  # Django compiles its e-mail patterns lazily, on first use

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a pattern is compiled per call")

    for name in ("compile", "match", "fullmatch", "search", "sub", "split", "findall"):
        monkeypatch.setattr(re, name, forbidden)
    run()  # and pytest-django refuses any database access in this test


def test_the_module_does_not_import_the_models() -> None:
    source = Path(v.__file__).read_text(encoding="utf-8")
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
            imported.update(f"{'.' * node.level}{node.module or ''}.{alias.name}" for alias in node.names)
    assert not {name for name in imported if "models" in name or name.startswith("django.db")}


def test_messages_are_lazy_so_they_render_in_the_language_of_the_page() -> None:
    error = error_of(v.validate_mobile, "1381234567")
    assert isinstance(error.message, Promise)
    assert error.params == {"value": "1381234567", "count": 10}
