"""Personal data (ID numbers, phone numbers) is shown masked unless an entitled user reveals it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


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


# How each mask writes a value, for the API schema: an example, and a pattern every value matches, masked or not.
MASKED_FORMS: dict[Callable[[Any], str], tuple[str, str | None]] = {
    mask_id: ("330402********1234", None),
    mask_phone: ("138****5678", None),
    mask_birth_date: ("1985-**-**", r"^\d{4}-(\d{2}-\d{2}|\*\*-\*\*)$"),
}
