"""Personal data (ID numbers, phone numbers, e-mail addresses, birth dates) is shown masked unless an entitled
user reveals it, and searched by what the mask shows (or by the complete value) by everyone else."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.db.models.functions import Reverse
from django.db.models.lookups import StartsWith

from talentportal.orgs.models import can_write

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser


def may_reveal(user: AnyUser) -> bool:
    """Editors and admins see personal data in full when they ask for it (audited); viewers and reviewers never."""
    return can_write(user)


def mask_id(value: Any) -> str:
    """``330402198001011234`` → ``330402********1234``: region and last four stay, the birth date goes."""
    text = str(value or "")
    if len(text) >= 14:
        return text[:6] + "*" * (len(text) - 10) + text[-4:]
    if len(text) > 4:
        return text[:2] + "*" * (len(text) - 4) + text[-2:]
    return "*" * len(text)


def mask_phone(value: Any) -> str:
    """``13812345678`` → ``138****5678``."""
    text = str(value or "")
    if len(text) >= 7:
        return text[:3] + "*" * (len(text) - 7) + text[-4:]
    return "*" * len(text)


def mask_birth_date(value: Any) -> str:
    """``1985-06-01`` → ``1985-**-**``: with the masked ID number's visible digits, the full date would give the
    whole number away."""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value or "")
    return f"{text[:4]}-**-**" if len(text) >= 4 else text


def mask_email(value: Any) -> str:
    """``wang.wei@example.cn`` → ``w***@example.cn``: the domain says where, the mailbox stays private."""
    text = str(value or "")
    local, at, domain = text.partition("@")
    return f"{local[:1]}***@{domain}" if at else "*" * len(text)


# How each mask writes a value, for the API schema: an example, and a pattern every value matches, masked or not.
MASKED_FORMS: dict[Callable[[Any], str], tuple[str, str | None]] = {
    mask_id: ("330402********1234", None),
    mask_phone: ("138****5678", None),
    mask_birth_date: ("1985-**-**", r"^\d{4}-(\d{2}-\d{2}|\*\*-\*\*)$"),
    mask_email: ("w***@example.cn", None),
}

# The personal fields of every model, by field name.
PERSONAL_FIELDS: dict[str, Callable[[Any], str]] = {
    "id_number": mask_id,
    "phone": mask_phone,
    "contact_phone": mask_phone,
    "email": mask_email,
    "birth_date": mask_birth_date,
}

_ID_TOKEN = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE_TOKEN = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_EMAIL_TOKEN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def mask_text(text: Any) -> Any:
    """Free text (an import's cell or message) with the resident ID numbers, mobile numbers and e-mail addresses
    in it masked."""
    if not isinstance(text, str):
        return text
    text = _ID_TOKEN.sub(lambda m: mask_id(m.group()), text)
    text = _MOBILE_TOKEN.sub(lambda m: mask_phone(m.group()), text)
    return _EMAIL_TOKEN.sub(lambda m: mask_email(m.group()), text)


# How a search term matches each kind of personal field.
ID, PHONE, EMAIL = "id", "phone", "email"
SHOWN_DIGITS = 4  # what the masks of ID and phone numbers show: their last four characters


def search_term(term: str) -> str:
    """A typed term as numbers are stored: half-width, without spaces, an ID number's x as X."""
    return "".join(unicodedata.normalize("NFKC", term).split()).upper()


def could_be(kind: str, term: str) -> bool:
    """Whether a free-text search term could be part of such a value: a name searched must not add a clause no
    index serves (on a million talents that alone turns a name search from milliseconds into a scan of the table).
    Numbers hold a digit; an address searched among names is recognised by its ``@`` or a dot."""
    if kind == EMAIL:
        return "@" in term or "." in term
    return any(ch.isdigit() for ch in term)


def personal_match(path: str, kind: str, term: str, full: bool) -> Q:
    """Rows whose personal field at ``path`` matches ``term``.

    Whoever sees the field masked (``full`` false) finds a record only by what the mask shows, its last four
    characters, or by the complete value; any other fragment (birth date digits, the last five or six) matches
    nothing, so searching cannot rebuild a masked number. Whoever may reveal it searches by any ending of a
    number (four characters or more) and by any part of an e-mail address."""
    term = search_term(term)
    nothing = Q(pk__in=[])
    if not term:
        return nothing
    if kind == EMAIL:
        return Q(**{f"{path}__icontains" if full else f"{path}__iexact": term})
    if kind == PHONE and not term.isdigit():
        return nothing
    exact = Q(**{path: term})
    if len(term) < SHOWN_DIGITS or (not full and len(term) != SHOWN_DIGITS):
        return exact
    # The end of a number, matched as the start of the reversed number (an index on PostgreSQL serves it).
    return exact | Q(StartsWith(Reverse(path), term[::-1]))
