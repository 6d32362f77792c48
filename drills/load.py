"""The load drill: many clients browsing, searching, reading dashboards and the API, and writing, while an
import and exports run in the background. Every request is timed and sorted by kind."""

from __future__ import annotations

import datetime
import os
import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .http import Client
from .work import import_roster, roster_csv, start_export, wait_job

PAGE_KINDS = ("list", "detail", "search", "dashboard")
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙"]
LISTS = [
    "/registry/talents/",
    "/registry/talents/?page=3",
    "/registry/talents/?org_unit=330402&tier=youth",
    "/registry/talents/?sort=-landed_on",
    "/registry/enterprises/",
    "/registry/service-requests/",
    "/platforms/platforms/",
    "/programs/selections/",
]
# A lead's home ("/") is the cockpit; "/plans/" opens the running plan's indicator table.
DASHBOARDS = ["/", "/dashboard/", "/plans/", "/assessments/", "/platforms/overview/", "/programs/funding/"]
# Weights of the request kinds in a client's loop (reads dominate, as in the office).
WEIGHTS = {"list": 30, "detail": 25, "search": 15, "dashboard": 10, "api": 15, "write": 5}


@dataclass
class Sample:
    at: float  # seconds since the drill started
    kind: str
    ms: float
    ok: bool
    detail: str = ""


@dataclass
class Recorder:
    start: float = field(default_factory=time.monotonic)
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ms: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.samples.append(Sample(time.monotonic() - self.start, kind, ms, ok, detail))


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def talent_ids(count: int = 2000) -> list[int]:
    """A spread of existing talent ids (random ids in the id range; a few may be missing and are dropped)."""
    from django.db.models import Max, Min

    from talents.models import Talent

    bounds = Talent.objects.aggregate(low=Min("id"), high=Max("id"))
    rng = random.Random(7)
    guesses = {rng.randint(bounds["low"], bounds["high"]) for _ in range(count)}
    return list(Talent.objects.filter(pk__in=guesses).values_list("pk", flat=True))


def request_once(client: Client, kind: str, rng: random.Random, ids: list[int]) -> tuple[bool, str, float]:
    if kind == "list":
        response = client.get(rng.choice(LISTS))
    elif kind == "detail":
        response = client.get(f"/registry/talents/{rng.choice(ids)}/")
    elif kind == "search":
        response = client.get(
            f"/registry/talents/?q={quote(rng.choice(SURNAMES) + rng.choice(['', '伟', '敏', '杰']))}"
        )
    elif kind == "dashboard":
        response = client.get(rng.choice(DASHBOARDS))
        if response.status == 302 and response.headers.get("location", "").startswith("/"):
            # The browser follows the redirect (a lead's home to the cockpit): the person waits for both.
            first = response.ms
            response = client.get(response.headers["location"])
            response.ms += first
    elif kind == "api":
        response = client.get(
            rng.choice(
                [
                    "/api/v1/talents/?page_size=50",
                    f"/api/v1/talents/{rng.choice(ids)}/",
                    "/api/v1/talents/?org_unit=330411&tier=municipal_leading",
                    "/api/v1/enterprises/?page_size=50",
                    "/api/v1/service-requests/?status=submitted",
                ]
            )
        )
    else:  # write: a service request, as the office records one
        response = client.post_json(
            "/api/v1/service-requests/",
            {
                "talent": rng.choice(ids),
                "kind": rng.choice(["housing", "schooling", "medical"]),
                "submitted_on": datetime.date.today().isoformat(),
                "description": "演练：服务诉求",
            },
        )
        return response.status == 201, f"{response.status}", response.ms
    return response.status == 200, f"{response.status}", response.ms


def signed_in(port: int, users: list[str]) -> list[Client]:
    """One signed-in client per user; the load's clients copy their session and token (signing in hashes the
    password on purpose slowly, which is not what this drill measures)."""
    from django.conf import settings

    clients = []
    for user in users:
        client = Client(port)
        client.login(user, settings.DEMO_PASSWORD)
        clients.append(client)
    return clients


def twin(other: Client) -> Client:
    """A client with the same session and token as ``other``, on its own connection."""
    client = Client(other.port)
    client.cookies, client.token = dict(other.cookies), other.token
    return client


def client_loop(
    client: Client, ids: list[int], until: float, rec: Recorder, seed: int, writes: bool, think: tuple[float, float]
) -> None:
    """Requests of random kinds until ``until``, each after a pause drawn from ``think`` (seconds: the time a
    person reads a page before the next click; (0, 0) for a stress test); a read-only account (the leader) reads
    where others write."""
    rng = random.Random(seed)
    kinds, weights = list(WEIGHTS), [w if writes or k != "write" else 0 for k, w in WEIGHTS.items()]
    while time.monotonic() < until:
        kind = rng.choices(kinds, weights)[0]
        try:
            ok, detail, ms = request_once(client, kind, rng, ids)
        except Exception as exc:
            ok, detail, ms = False, type(exc).__name__, 0.0
        rec.add(kind, ms, ok, detail)
        time.sleep(min(rng.uniform(*think), max(0.0, until - time.monotonic())))


def background_work(client: Client, until: float, rec: Recorder, roster_rows: int, part: int) -> None:
    """One roster import (dry run and apply) and exports one after another, as admins do during office hours."""

    def importer() -> None:
        start = time.monotonic()
        try:
            final = import_roster(twin(client), roster_csv(roster_rows, part)[0])
            rec.add("import", (time.monotonic() - start) * 1000, final["status"] == "applied", final["status"])
        except Exception as exc:
            rec.add("import", (time.monotonic() - start) * 1000, False, repr(exc)[:200])

    thread = threading.Thread(target=importer, daemon=True)
    thread.start()
    while time.monotonic() < until - 5:
        start = time.monotonic()
        try:
            pk = start_export(client, "org_unit=330411&tier=municipal_leading", inline_ok=True)
            job = wait_job(client, pk) if pk else {"status": "succeeded", "message": "inline"}
            rec.add("export", (time.monotonic() - start) * 1000, job["status"] == "succeeded", job["message"][:200])
        except Exception as exc:
            rec.add("export", (time.monotonic() - start) * 1000, False, repr(exc)[:200])
        time.sleep(2)
    thread.join(timeout=max(0.0, until + 300 - time.monotonic()))
    if thread.is_alive():
        rec.add("import", 0, False, "still running 5 minutes after the load ended")


def run_load(
    port: int,
    clients: int,
    seconds: int,
    *,
    think: tuple[float, float] = (0.0, 0.0),
    background: bool = True,
    roster_rows: int = 5000,
    part: int = 0,
) -> Recorder:
    ids = talent_ids()
    users = signed_in(port, ["admin", "leader"])  # city-wide scope: every id is visible to both
    rec = Recorder()
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(
            target=client_loop, args=(twin(users[i % 2]), ids, until, rec, i, i % 2 == 0, think), daemon=True
        )
        for i in range(clients)
    ]
    if background:
        threads.append(
            threading.Thread(target=background_work, args=(twin(users[0]), until, rec, roster_rows, part), daemon=True)
        )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return rec


def report(rec: Recorder, seconds: int) -> tuple[list[str], bool, dict[str, Any]]:
    """Markdown rows per kind; whether the criterion holds (no error, pages' p95 under 500 ms); the numbers."""
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for sample in rec.samples:
        by_kind[sample.kind].append(sample)
    lines = ["| kind | requests | errors | p50 ms | p95 ms | p99 ms | max ms |", "|---|---|---|---|---|---|---|"]
    order = [*WEIGHTS, "import", "export", "login"]
    for kind in sorted(by_kind, key=lambda k: order.index(k) if k in order else 99):
        samples = by_kind[kind]
        ms = [s.ms for s in samples if s.ok]
        failed = sum(not s.ok for s in samples)
        lines.append(
            f"| {kind} | {len(samples)} | {failed} | {percentile(ms, 50):.0f} | {percentile(ms, 95):.0f} | "
            f"{percentile(ms, 99):.0f} | {max(ms, default=0):.0f} |"
        )
    pages = [s.ms for s in rec.samples if s.kind in PAGE_KINDS and s.ok]
    interactive = [s for s in rec.samples if s.kind in WEIGHTS]
    errors = [s for s in rec.samples if not s.ok]
    numbers: dict[str, Any] = {
        "requests": len(interactive),
        "rate": len(interactive) / seconds,
        "errors": len(errors),
        "pages_p50": percentile(pages, 50),
        "pages_p95": percentile(pages, 95),
        "pages_p99": percentile(pages, 99),
        "load_average": os.getloadavg(),
    }
    lines.append(
        f"| **all pages** | {len(pages)} | — | {numbers['pages_p50']:.0f} | {numbers['pages_p95']:.0f} | "
        f"{numbers['pages_p99']:.0f} | {max(pages, default=0):.0f} |"
    )
    lines += [
        "",
        f"{numbers['requests']} interactive requests in {seconds} s = {numbers['rate']:.1f} req/s; "
        f"{len(errors)} errors; load average at the end {' '.join(f'{x:.2f}' for x in numbers['load_average'])}.",
    ]
    if errors:
        seen: dict[str, int] = defaultdict(int)
        for sample in errors:
            seen[f"{sample.kind}: {sample.detail}"] += 1
        lines += ["", "Errors:", *[f"- {what} × {n}" for what, n in sorted(seen.items())[:15]]]
    ok = bool(pages) and not errors and numbers["pages_p95"] < 500
    return lines, ok, numbers
