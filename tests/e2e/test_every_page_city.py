"""Every page as each of the city office's roles, in a real browser (``every_page``)."""

from __future__ import annotations

import pytest

from .every_page import CITY_ROLES, crawl

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("persona", CITY_ROLES)
def test_every_page_is_chinese_and_never_fails(bare_page, live_server, people, units, persona):
    crawl(bare_page, live_server, people, units, persona)
