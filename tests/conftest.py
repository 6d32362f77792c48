"""The fixed cast every test uses: the demo org tree and one persona per role and scope."""

from __future__ import annotations

import os

import pytest

from talentportal.orgs.models import Membership, OrgUnit, Role, User

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

PASSWORD = "Persona-pass-2026"

# persona -> (org unit code, role). County A is 南湖区, county B is 秀洲区.
PERSONAS: dict[str, tuple[str, str]] = {
    "city_admin": ("330400", Role.ADMIN),
    "city_viewer": ("330400", Role.VIEWER),
    "reviewer": ("330400", Role.REVIEWER),
    "a_admin": ("330402", Role.ADMIN),
    "a_editor": ("330402", Role.EDITOR),
    "a_viewer": ("330402", Role.VIEWER),
    "b_editor": ("330411", Role.EDITOR),
}


@pytest.fixture
def units(db: None) -> dict[str, OrgUnit]:
    from talentportal.orgs.demo import seed_org_units

    seed_org_units()
    return {unit.code: unit for unit in OrgUnit.objects.all()}


@pytest.fixture
def people(units: dict[str, OrgUnit]) -> dict[str, User]:
    result = {}
    for name, (code, role) in PERSONAS.items():
        user = User.objects.create_user(username=name, password=PASSWORD, display_name=name)
        Membership.objects.create(user=user, org_unit=units[code], role=role)
        result[name] = user
    return result


def choose_language(client, language: str) -> None:
    """What the language switcher leaves behind: the language cookie."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle counters and lock-outs live in the cache; no test may inherit another's."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    """The demo city as ``seed_demo`` makes it, built once for the tests of a module that ask for it (each test
    runs in a savepoint of its own) and rolled back after the last one: seeding takes seconds."""
    from io import StringIO

    from django.core.management import call_command
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def schema(client, people) -> dict:
    """The OpenAPI schema as a signed-in user reads it."""
    import json

    client.force_login(people["a_viewer"])
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)
