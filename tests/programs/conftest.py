from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Rule messages are checked by their English source text (the portal speaks Chinese by default)."""
    with translation.override("en"):
        yield
