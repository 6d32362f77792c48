"""Real Celery workers for the job tests.

A worker is a separate ``celery worker`` process, started the way production starts one, pointed at this run's
test database, broker folder (or Redis) and queue. Tests that use one need ``transactional_db``: the worker only
sees committed rows. Nothing here is mocked and nothing runs eagerly.
"""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation
from openpyxl import Workbook

from talentportal.dburl import database_url
from talents.validators import make_resident_id

CELERY = Path(sys.prefix) / "bin" / "celery"
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


def worker_environ(**changes: str | None) -> dict[str, str]:
    """The test process's environment (broker folder, queue, run id, REDIS_URL) for a process of this run.

    ``None`` removes a variable.
    """
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "talentportal.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "JOB_HEARTBEAT_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


class Worker:
    def __init__(self, name: str, queue: str, log_path: Path, env: dict[str, str], pool: str = "solo") -> None:
        self.name = name
        self.queue = queue
        self.log_path = log_path
        self._log_file = log_path.open("wb")
        self.process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "talentportal",
                "worker",
                # Solo by default (one process, quick to start); prefork, as production runs, enforces time limits.
                f"--pool={pool}",
                *(["--concurrency=1"] if pool == "prefork" else []),
                "-Q",
                queue,
                "--loglevel=INFO",
                "-n",
                f"{name}@%h",
                # Nothing to talk to: every test worker has a queue of its own. Mingle would wait for replies.
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def is_alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log():
                return
            if not self.is_alive():
                pytest.fail(f"worker {self.name} exited with {self.process.returncode}:\n{self.log()}")
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"worker {self.name} not ready after {timeout}s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL: the worker dies mid-task without any chance to clean up, like a machine that loses power."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT)

    def stop(self) -> None:
        if self.is_alive():
            self.process.terminate()  # warm shutdown
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT)
        self._log_file.close()


def start_worker(
    name: str, log_dir: Path, queue: str | None = None, pool: str = "solo", **env_changes: str | None
) -> Worker:
    queue = queue or settings.CELERY_TASK_DEFAULT_QUEUE
    worker = Worker(
        f"{name}-{os.getpid()}",
        queue,
        log_dir / f"worker-{name}.log",
        worker_environ(CELERY_QUEUE=queue, **env_changes),
        pool=pool,
    )
    worker.wait_ready()
    return worker


STALE_MESSAGE = "The worker stopped responding; the job was abandoned. Start it again."


def stale_messages() -> set[str]:
    """The stale-job message in every language: it is stored in the language active where it was noticed."""
    result = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            result.add(translation.gettext(STALE_MESSAGE))
    return result


def wait_for(
    condition: Callable[[], Any], timeout: float = 20.0, interval: float = 0.05, what: str | Callable[[], str] = ""
) -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds.

    ``what`` names what was awaited; as a function it is called on failure, to tell the state at that moment.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {(what() if callable(what) else what) or condition}")
        time.sleep(interval)


@pytest.fixture(scope="session")
def celery_worker(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    """One worker for the session, on this run's default queue, so ``job_start`` reaches it."""
    worker = start_worker("shared", tmp_path_factory.mktemp("celery"))
    yield worker
    worker.stop()


@pytest.fixture
def worker(celery_worker: Worker, transactional_db: None) -> Worker:
    """The shared worker, checked to be still running (a test that killed it would say so here)."""
    assert celery_worker.is_alive(), f"the shared worker died:\n{celery_worker.log()}"
    return celery_worker


@pytest.fixture
def worker_factory(transactional_db: None, tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Start extra workers (own queue, own environment) that are stopped when the test ends."""
    started: list[Worker] = []

    def start(name: str, queue: str, pool: str = "solo", **env_changes: str | None) -> Worker:
        worker = start_worker(name, tmp_path, queue=queue, pool=pool, **env_changes)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def roster(path: Path, rows: int) -> Path:
    """A county's talent roster of ``rows`` valid rows (南湖区), written as .xlsx to ``path``."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["姓名", "证件号码", "人才类别", "人才层次", "所属区域", "落地日期"])
    for n in range(rows):
        birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=n // 900)
        ws.append(
            [f"人才{n}", make_resident_id("330402", birth, n % 900), "专业技术人才", "青年人才", "南湖区", "2025-06-01"]
        )
    wb.save(path)
    return path
