"""A whole portal on loopback for the drills: its own PostgreSQL cluster and Redis server (so that they can be
restarted without touching anything else on the machine), gunicorn, two Celery workers, and this process's
Django pointed at the same database."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from glob import glob
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def wait_until(check: Callable[[], bool], seconds: float, what: str, step: float = 0.2) -> float:
    """Poll ``check`` until it is true; return how long that took, or fail naming ``what``."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        try:
            done = check()
        except Exception:  # a service still starting answers with any kind of error
            done = False
        if done:
            return time.monotonic() - start
        time.sleep(step)
    raise TimeoutError(f"{what} not within {seconds:.0f} s")


def pg_bin(name: str) -> str:
    found = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else name


class Stack:
    """Start with ``with Stack(...) as stack:``; everything started is stopped on the way out."""

    def __init__(self, *, pg_port: int, redis_port: int, web_port: int, pg_url: str = "", keep: bool = False) -> None:
        self.pg_port, self.redis_port, self.web_port = pg_port, redis_port, web_port
        self.keep = keep
        self.dir = Path(tempfile.mkdtemp(prefix="talentportal-drill-"))
        self.own_pg = not pg_url
        server = pg_url.rstrip("/") or f"postgres://postgres@127.0.0.1:{pg_port}"
        self.pg_server = server
        self.database_url = f"{server}/talentportal_drill"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.var = self.dir / "var"
        self.media = self.var / "media"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "talentportal.settings.base",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "DJANGO_HSTS_SECONDS": "0",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/5",
            "CELERY_QUEUE": "talentportal-drill",
            "TALENTPORTAL_VAR_DIR": str(self.var),
            "DJANGO_MEDIA_ROOT": str(self.media),
            # A load drill measures the portal, not the rate limit; many clients share two accounts.
            "API_THROTTLE_USER": "1000000/minute",
            # A killed worker's job is noticed in seconds rather than minutes.
            "JOB_HEARTBEAT_SECONDS": "2",
            "JOB_STALE_SECONDS": "12",
        }
        self.log = self.dir / "logs"
        self.log.mkdir()

    # --- services -------------------------------------------------------------------------------------
    def _as_postgres(self, *args: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)

    def start_postgres(self) -> None:
        data = self.dir / "pg"
        data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            shutil.chown(data, "postgres")
            shutil.chown(self.log, "postgres")
        subprocess.run(
            self._as_postgres(pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.pg_ctl("start")

    def pg_ctl(self, action: str) -> None:
        options = f"-p {self.pg_port} -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200"
        subprocess.run(
            self._as_postgres(
                pg_bin("pg_ctl"), "-D", str(self.dir / "pg"), "-o", options, "-l", str(self.log / "postgres.log"),
                "-m", "fast", "-w", action,
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip

    def pg_ready(self) -> bool:
        port = self.pg_server.rsplit(":", 1)[-1]
        return subprocess.run([pg_bin("pg_isready"), "-q", "-h", "127.0.0.1", "-p", port]).returncode == 0

    def start_redis(self) -> None:
        subprocess.run(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
             "no", "--daemonize", "yes", "--pidfile", str(self.dir / "redis.pid"), "--logfile",
             str(self.log / "redis.log"), "--dir", str(self.dir)],
            check=True,
        )  # fmt: skip
        wait_until(self.redis_ready, 10, "Redis")

    def stop_redis(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.redis_port), "shutdown", "nosave"], capture_output=True)
        wait_until(lambda: not self.redis_ready(), 10, "Redis to stop")

    def redis_ready(self) -> bool:
        ping = subprocess.run(["redis-cli", "-p", str(self.redis_port), "ping"], capture_output=True, text=True)
        return ping.stdout.strip() == "PONG"

    def psql(self, sql: str, database: str = "postgres") -> str:
        out = subprocess.run(
            [pg_bin("psql"), f"{self.pg_server}/{database}", "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql],
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout

    # --- the portal ---------------------------------------------------------------------------------------
    def manage(self, *args: str) -> None:
        subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=self.env, check=True)

    def prepare(self, talents: int) -> None:
        """An empty database, migrated, with the demo city and ``talents`` more talents from seed_scale."""
        self.psql("DROP DATABASE IF EXISTS talentportal_drill")
        self.psql("CREATE DATABASE talentportal_drill")
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("seed_demo")
        if talents:
            self.manage("seed_scale", "--talents", str(talents))

    def start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        out = open(self.log / f"{name}.log", "ab")
        process = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def start_web(self, workers: int = 4) -> None:
        if not (self.var / "static" / "staticfiles.json").exists():
            self.manage("collectstatic", "--noinput", "-v", "0")
        self.start(
            "gunicorn",
            [str(BIN / "gunicorn"), "talentportal.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{self.web_port}",
             "--timeout", "120", "--graceful-timeout", "5"],
        )  # fmt: skip
        import http.client

        def up() -> bool:
            conn = http.client.HTTPConnection("127.0.0.1", self.web_port, timeout=5)
            conn.request("GET", "/health/")
            return conn.getresponse().status == 200

        wait_until(up, 60, "gunicorn")

    def start_workers(self, count: int = 2) -> None:
        for number in range(1, count + 1):
            self.start(
                f"celery{number}",
                [str(BIN / "celery"), "-A", "talentportal", "worker", "--pool", "prefork", "--concurrency", "1",
                 "-n", f"drill{number}@%h", "-Q", self.env["CELERY_QUEUE"], "--loglevel", "INFO"],
            )  # fmt: skip
        for number in range(1, count + 1):
            log = self.log / f"celery{number}.log"
            wait_until(partial(ready, log), 60, f"Celery worker {number}")

    def stop(self, name: str) -> None:
        process = self.processes.pop(name)
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()

    def worker_children(self) -> list[int]:
        """The pool processes that run the tasks, one per worker (what the kernel's OOM killer would hit)."""
        pids = []
        for name, process in self.processes.items():
            if name.startswith("celery"):
                found = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True)
                pids += [int(pid) for pid in found.stdout.split()]
        return pids

    def django(self) -> None:
        """Point this process's Django at the drill's database, broker and media."""
        for key in ("DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL",
                    "CELERY_QUEUE", "TALENTPORTAL_VAR_DIR", "DJANGO_MEDIA_ROOT", "JOB_STALE_SECONDS"):  # fmt: skip
            os.environ[key] = self.env[key]
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()

    def __enter__(self) -> Stack:
        try:
            if self.own_pg:
                self.start_postgres()
            self.start_redis()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.stop_redis_quietly()
        if self.own_pg and (self.dir / "pg" / "postmaster.pid").exists():
            self.pg_ctl("stop")
        if self.keep:
            print(f"drill files kept in {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def stop_redis_quietly(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.redis_port), "shutdown", "nosave"], capture_output=True)


def ready(log: Path) -> bool:
    """Whether a Celery worker's log says it is ready."""
    return " ready." in log.read_text(errors="replace")
