"""The fixed cast every test uses: the demo org tree and one persona per role and scope."""

from __future__ import annotations

import os
import pickle
import shutil

import pytest
from django.db import connection, transaction

from talentportal.orgs.models import OrgUnit, Role, User

from . import factories
from .factories import PASSWORD  # noqa: F401 - the personas' password, which tests sign in with

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, dropped at the end even when a thread or a process of a test left a connection to it
    open (PostgreSQL refuses to drop a database in use, and the run would leave it behind); the media folder the
    test settings made for the run removed (never one given in DJANGO_MEDIA_ROOT)."""
    yield
    from django.conf import settings

    if os.fspath(settings.MEDIA_ROOT) == settings.RUN_MEDIA_ROOT:
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


def is_transactional(item: pytest.Item) -> bool:
    """Whether the test commits for real (a worker process or a live server must see its data), as pytest-django
    decides it."""
    from pytest_django.fixtures import validate_django_db

    marker = item.get_closest_marker("django_db")
    transactional, reset_sequences = validate_django_db(marker)[:2] if marker else (False, False)
    names = set(getattr(item, "fixturenames", ()))
    return bool(transactional or reset_sequences or names & {"transactional_db", "live_server"})


def build_cast(with_people: bool) -> tuple[dict[str, OrgUnit], dict[str, User]]:
    units = factories.org_tree()
    people = {name: factories.persona(name, units[code], role) for name, (code, role) in PERSONAS.items()}
    return units, people if with_people else {}


@pytest.fixture(scope="module")
def _module_cast(request, django_db_setup, django_db_blocker):
    """The org tree and the personas, built once for a module (the ``setUpTestData`` pattern) and pickled:
    ``_cast`` unpickles each test's copies. They are made in a transaction opened before the module's first test,
    each test runs in a savepoint of its own inside it, and the transaction is rolled back after the last test. A
    module with a test that commits for real (workers, live server) cannot run inside a transaction: its tests
    build the cast each for itself (None here)."""
    items = [item for item in request.session.items if getattr(item, "module", None) is request.module]
    if any(is_transactional(item) for item in items):
        yield None
        return
    with_people = any("people" in getattr(item, "fixturenames", ()) for item in items)
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        cast = build_cast(with_people)
    # Each test unpickles its own copies: copying the object graph (``copy.deepcopy``, as ``setUpTestData``
    # does) cost a test 5-15 ms.
    yield pickle.dumps(cast, pickle.HIGHEST_PROTOCOL)
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def _cast(request, _module_cast, db: None) -> tuple[dict[str, OrgUnit], dict[str, User]]:
    """This test's own copies of the cast's objects (its changes in memory stay its own; in the database the
    savepoint undoes them)."""
    if _module_cast is None:
        return build_cast("people" in request.fixturenames)
    return pickle.loads(_module_cast)  # noqa: S301 - the bytes the fixture above made


@pytest.fixture
def units(_cast) -> dict[str, OrgUnit]:
    return _cast[0]


@pytest.fixture
def people(_cast) -> dict[str, User]:
    return _cast[1]


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
