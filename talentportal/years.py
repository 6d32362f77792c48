"""The year a page is asked for in its URL (``?year=``): one parser, one range and one message for every page.

A year is a whole number of at most four ASCII digits inside a range; anything else (``abc``, ``2025.5``, ``２０２５``,
a NUL, five thousand digits) is refused with a message in the user's language, never an error deeper down. The
widest range is the one every year field of the registry accepts; a page may narrow it (a plan's years).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext

FIRST_YEAR, LAST_YEAR = 1949, 2100


class BadYear(ValueError):
    """A year that is not one, or outside the range: ``str(error)`` is the message to show."""


def parse_year(raw: str | None, default: int | None = None, first: int = FIRST_YEAR, last: int = LAST_YEAR) -> int:
    """The year in ``raw`` (``default``, else this year, when it is empty); ``BadYear`` outside ``first``–``last``."""
    text = (raw or "").strip()
    if not text:
        return timezone.localdate().year if default is None else default
    if not (text.isascii() and text.isdigit() and len(text) <= 4) or not first <= int(text) <= last:
        raise BadYear(gettext("The year must be a whole number from %(first)s to %(last)s.")
                      % {"first": first, "last": last})  # fmt: skip
    return int(text)
