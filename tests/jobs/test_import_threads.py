"""The import's helper threads (``threads.lower_priority``): the sheet's parts built ahead and, on a PostgreSQL
apply of its own, the next batch's checks run ``IMPORT_HELPER_NICE`` steps of CPU priority below the job's threads,
which build the COPYs and send them and keep their priority."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from talentportal.jobs.importing import engine, reading, saving, services, writing
from talentportal.jobs.importing.engine import BATCH
from talentportal.jobs.importing.reading import open_sheet
from talentportal.jobs.models import Import

from .test_import_writing import postgresql_only, start
from .test_imports import person, roster

pytestmark = pytest.mark.django_db


def nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.fixture
def lower(request: pytest.FixtureRequest, settings: Any) -> int:
    """``IMPORT_HELPER_NICE`` for the test, where this machine lets a thread lower its priority that far."""
    if sys.platform != "linux":
        pytest.skip("a thread has a nice value of its own on Linux only")
    if nice() + request.param > 19:
        pytest.skip("the tests already run at the lowest priority")
    settings.IMPORT_HELPER_NICE = request.param
    return request.param


def noted(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[tuple[str, int]]:
    """Each call of ``owner.name`` from here on, with the name and priority of the thread that made it."""
    seen: list[tuple[str, int]] = []
    work = getattr(owner, name)

    def spy(*args: Any) -> Any:
        seen.append((threading.current_thread().name, nice()))
        return work(*args)

    monkeypatch.setattr(owner, name, spy)
    return seen


@pytest.mark.parametrize("lower", [5, 0], indirect=True)
def test_the_parts_built_ahead_run_at_the_priority_set(lower: int, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(reading, "PART_BYTES", 4096)
    monkeypatch.setattr(reading, "FIRST_PART_BYTES", 1024)
    built = noted(monkeypatch, reading._Parts, "build")
    path = roster(tmp_path / "r.xlsx", [person(i) for i in range(300)])
    own = nice()
    assert len(list(open_sheet(path).numbered())) > 300 and len(built) > 2
    # The first part is built by the job's thread, before the others are built ahead.
    assert built[0] == (threading.current_thread().name, own)
    assert {(name.split("_")[0], priority) for name, priority in built[1:]} == {("import-sheet", own + lower)}
    assert nice() == own


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lower", [5, 0], indirect=True)
def test_an_apply_checks_at_the_priority_set_and_writes_at_its_own(lower: int, tmp_path, people, monkeypatch) -> None:
    postgresql_only()  # elsewhere the checks and the COPYs are the job's thread's own
    checks = noted(monkeypatch, engine, "_check")
    copies = noted(monkeypatch, writing, "_copy")
    saves = noted(monkeypatch, saving.Saver, "save")
    imp = start(roster(tmp_path / "r.xlsx", [person(i) for i in range(BATCH + 10)]), people["a_admin"], True)
    own = nice()
    services.run(imp, services.CHECK_APPLY)
    imp.refresh_from_db()
    assert imp.status == Import.Status.APPLIED and imp.counts["created"] == BATCH + 10
    assert {(name.split("_")[0], priority) for name, priority in checks} == {("import-reads", own + lower)}
    assert {(name.split("_")[0], priority) for name, priority in copies} == {("import-copy", own)}
    assert set(saves) == {(threading.current_thread().name, own)} and nice() == own
