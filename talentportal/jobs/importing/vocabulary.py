"""The words rosters use, and how a header or a choice cell is compared with them.

A header is compared without what clerks add around a column's name: spaces and line breaks inside the cell,
full-width forms, a required mark (``*``, ``（必填）``), brackets (``所在县（市、区）``); a note in brackets at its
end may also be left out (``注册资本（万元）`` names 注册资本). So a column declares each other name it goes by
once, and its variants come for free. A choice cell is compared the same way with the choice's labels, its code
and the other spellings its column declares (``博士研究生`` for 博士), in ``choice_code``.

The words of a domain live with the app's ``imports.py``; here are only those of the foundation's own records.
"""

from __future__ import annotations

import re
from typing import Any

from . import cells

# What a clerk adds to a header to say it must (or need not) be filled in.
_MARKS = re.compile(r"\*|\((?:必填|必填项|必须填写|选填|非必填|可选)\)")
_BRACKETS = str.maketrans("", "", "()[]【】〔〕〈〉<>《》「」")
# A note in brackets closing a header: 注册资本（万元）, 出生日期(yyyy-mm-dd), 所在县（市、区）.
_TRAILING_NOTE = re.compile(r"(.+?)[(\[【〔<《].*[)\]】〕>》]")

# How rosters head the column of a record's org unit besides its label (所属区域).
ORG_UNIT_HEADERS = (
    "所属单位",
    "所属地区",
    "所在地区",
    "区域",
    "地区",
    "区县",
    "所属区县",
    "所在区县",
    "县（市、区）",
    "所在县（市、区）",
    "所属县（市、区）",
)
# What an org unit's name ends with, which rosters often leave out: 南湖 for 南湖区, 嘉善 for 嘉善县.
ORG_UNIT_SUFFIXES = ("区", "县", "市", "镇", "乡", "街道")


def _compact(text: Any) -> str:
    return _MARKS.sub("", "".join(cells.text(text).split()).lower())


def header_key(text: Any) -> str:
    """A header cell (or a choice cell) as compared: NFKC, lower case, without spaces, marks or brackets."""
    return _compact(text).translate(_BRACKETS)


def header_keys(text: Any) -> tuple[str, ...]:
    """The keys a header cell may match, best first: the whole header, then without its closing note."""
    compact = _compact(text)
    note = _TRAILING_NOTE.fullmatch(compact)
    whole = compact.translate(_BRACKETS)
    return (whole, note.group(1).translate(_BRACKETS)) if note else (whole,)


def choice_code(choices: dict[str, str], value: str) -> str | None:
    """The code a choice cell stands for by the column's vocabulary (labels, codes and other spellings, keyed by
    ``header_key``), or None when the vocabulary does not know it."""
    return choices.get(header_key(value))
