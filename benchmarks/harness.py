"""Timing helpers shared by the benchmarks: a throw-away database, a logged-in client, medians and ratios."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talentportal.settings.test")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


@contextmanager
def scratch_database(label: str = "bench") -> Iterator[None]:
    """A fresh database of the configured engine (SQLite or DATABASE_URL), dropped afterwards; ``label`` names it
    (benchmarks that may run beside the others take their own)."""
    setup_test_environment()
    # Never the test suite's database: both may run at once.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = (
        f"{label}_{connection.settings_dict['NAME']}" if connection.vendor == "postgresql" else f"var/{label}.sqlite3"
    )
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def grown(sizes: Sequence[int], timings: list[str]) -> Iterator[int]:
    """Grow the scratch registry with ``seed_scale`` to each of ``sizes`` in turn (one database, the rows of the
    smaller size kept), yielding each size once it is reached and noting in ``timings`` how long it took."""
    from django.core.management import call_command

    made = 0
    for size in sizes:
        started = time.perf_counter()
        call_command("seed_scale", talents=size - made, verbosity=0)
        made = size
        timings.append(f"seed_scale to {size:,} talents: {time.perf_counter() - started:.0f} s")
        yield size


def machine_notes() -> str:
    return (
        f"{platform.node()} · {platform.machine()} · {os.cpu_count()} cores · Python {platform.python_version()} · "
        f"Django {django.get_version()} · {connection.vendor}"
    )


def median_ms(fn: Callable[[], Any], repeat: int = 15, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def get_ok(client: Client, url: str) -> Callable[[], None]:
    def fetch() -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    return fetch


def query_count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        get_ok(client, url)()
    return len(queries)


def comparison_table(results: dict[str, dict[int, tuple[float, int]]], small: int, large: int) -> list[str]:
    """Markdown rows: ms and queries at both sizes per request, and whether it beats the baseline (the
    entry whose name starts with "Django admin") at the large size."""
    baseline = next(ms for name, by in results.items() if name.startswith("Django admin") for ms, _q in [by[large]])
    lines = [
        f"| request | ms @ {small:,} | ms @ {large:,} | ratio | faster than admin @ {large:,} | queries |",
        "|---|---|---|---|---|---|",
    ]
    for name, by_size in results.items():
        (s_ms, s_q), (l_ms, l_q) = by_size[small], by_size[large]
        vs_admin = "—" if name.startswith("Django admin") else ("yes" if l_ms < baseline else "no")
        lines.append(f"| {name} | {s_ms:.1f} | {l_ms:.1f} | {l_ms / s_ms:.2f} | {vs_admin} | {s_q} → {l_q} |")
    return lines
