"""The fault drills: a worker killed mid-import and mid-export, Redis and PostgreSQL restarted under load, and
the media disk full. Each returns Markdown lines and whether its criterion held."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable

from .http import Client
from .load import Recorder, client_loop, signed_in, talent_ids, twin
from .stack import BIN, ROOT, Stack, wait_until
from .work import roster_csv, start_export, upload_roster, wait_for, wait_job

Result = tuple[list[str], bool]


def admin_client(stack: Stack) -> Client:
    return signed_in(stack.web_port, ["admin"])[0]


def kill_workers(stack: Stack) -> list[int]:
    pids = stack.worker_children()
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    return pids


def talents_with(numbers: list[str]) -> int:
    from talents.models import Talent

    return Talent.objects.filter(id_number__in=numbers).count()


def media_files(stack: Stack) -> set[str]:
    return {str(p.relative_to(stack.media)) for p in stack.media.rglob("*") if p.is_file()}


def kill_mid_import(stack: Stack, rows: int) -> Result:
    from talents.models import Talent

    client = admin_client(stack)
    content, numbers = roster_csv(rows, part=5)
    pk = upload_roster(client, content)
    wait_for(client, f"/api/v1/imports/{pk}/", lambda b: b["status"] != "checking", 600)
    before = Talent.objects.count()
    client.post_json(f"/api/v1/imports/{pk}/apply/", {})
    wait_for(client, f"/api/v1/imports/{pk}/", lambda b: b["status"] == "applying" and b["progress"]["done"], 60, 0.05)
    killed_at = time.monotonic()
    pids = kill_workers(stack)
    # The job pages and API fail a job whose heartbeat stopped; the import goes back to "checked".
    body = wait_for(client, f"/api/v1/imports/{pk}/", lambda b: b["status"] != "applying", 120, 1)
    noticed = time.monotonic() - killed_at
    half = talents_with(numbers)
    unchanged = Talent.objects.count() == before
    retried = client.post_json(f"/api/v1/imports/{pk}/apply/", {})
    final = wait_for(client, f"/api/v1/imports/{pk}/", lambda b: b["status"] != "applying", 600)
    ok = body["status"] == "checked" and half == 0 and unchanged and final["status"] == "applied"
    ok = ok and talents_with(numbers) == rows
    return [
        f"- **Worker killed mid-import** ({rows:,} rows, `kill -9` of pool processes {pids} while applying): "
        f"import back to `{body['status']}` after {noticed:.1f} s with “{body['message']}”; talents of the roster "
        f"in the database after the kill: {half} (total unchanged: {unchanged}); applied again: "
        f"{retried.status} → `{final['status']}`, {talents_with(numbers):,} talents. "
        f"**{'PASS' if ok else 'FAIL'}**"
    ], ok


def kill_mid_export(stack: Stack, query: str) -> Result:
    client = admin_client(stack)
    files = media_files(stack)
    pk = start_export(client, query)
    wait_for(client, f"/api/v1/jobs/{pk}/", lambda b: b["status"] == "running", 300, 0.05)
    killed_at = time.monotonic()
    pids = kill_workers(stack)
    job = wait_job(client, pk, 120)
    noticed = time.monotonic() - killed_at
    leftovers = media_files(stack) - files
    again = wait_job(client, start_export(client, query))
    new = media_files(stack) - files
    ok = job["status"] == "failed" and not job["result_file"] and not leftovers and again["status"] == "succeeded"
    ok = ok and len(new) == 1
    return [
        f"- **Worker killed mid-export** (`{query}`, `kill -9` of {pids} at {job['progress']['done']:,} rows): job "
        f"`{job['status']}` after {noticed:.1f} s with “{job['message']}”; new files in the media folder: "
        f"{len(leftovers)}; started again: `{again['status']}`, {again['counts'].get('rows', 0):,} rows, one file. "
        f"**{'PASS' if ok else 'FAIL'}**"
    ], ok


def check_worker(stack: Stack) -> bool:
    done = subprocess.run(
        [str(BIN / "python"), "manage.py", "check_worker", "--wait", "60", "--user", "admin"],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
    )
    return done.returncode == 0


def restart_under_load(stack: Stack, which: str, clients: int, down: float = 5, after: float = 20) -> Result:
    """Restart Redis or PostgreSQL while ``clients`` browse; how long until requests succeed again by themselves."""
    ids = talent_ids(300)
    admin = signed_in(stack.web_port, ["admin"])[0]
    rec = Recorder()
    total = 10 + down + after
    until = time.monotonic() + total
    threads = [
        threading.Thread(
            target=client_loop,
            args=(twin(admin), ids, until, rec, 100 + i, True, (0.0, 0.0)),
            daemon=True,
        )
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    time.sleep(10)
    stopped = time.monotonic() - rec.start
    if which == "Redis":
        stack.stop_redis()
        time.sleep(down)
        stack.start_redis()
    else:
        stack.pg_ctl("stop")
        time.sleep(down)
        stack.pg_ctl("start")
        # This process's own connection died too (the portal's processes check theirs before each request).
        from django.db import connections

        connections.close_all()
    back = time.monotonic() - rec.start
    for thread in threads:
        thread.join()
    after_back = [s for s in rec.samples if s.at >= back]
    failed_after = [s for s in after_back if not s.ok]
    last_failure = max((s.at for s in failed_after), default=back)
    recovered_in = last_failure - back
    settled = [s for s in rec.samples if s.at > last_failure]
    before = [s for s in rec.samples if s.at < stopped]
    during = [s for s in rec.samples if stopped <= s.at < back]
    worker_ok = check_worker(stack)
    kinds: dict[str, int] = {}
    for sample in failed_after:
        kinds[f"{sample.kind} {sample.detail}"] = kinds.get(f"{sample.kind} {sample.detail}", 0) + 1
    ok = not any(not s.ok for s in before) and recovered_in < 10 and len(settled) > 20 and worker_ok
    return [
        f"- **{which} restarted under load** ({clients} clients, down {down:.0f} s): before {len(before)} requests "
        f"({sum(not s.ok for s in before)} errors); while down {len(during)} requests ({sum(not s.ok for s in during)} "
        f"errors); after it was back, the last error {recovered_in:.1f} s later "
        f"({len(failed_after)} errors: {', '.join(f'{k} × {n}' for k, n in kinds.items()) or 'none'}), then {len(settled)} requests without error; workers took a new job "
        f"without a restart: {worker_ok}. **{'PASS' if ok else 'FAIL'}**"
    ], ok


def disk_full(stack: Stack) -> Result:
    """An export on a tiny, nearly full filesystem as the media folder of a third worker."""
    from talentportal.jobs.models import Job
    from talentportal.orgs.models import User
    from talentportal.registry.tasks import export_registry

    if os.geteuid() != 0:
        return ["- **Media disk full**: skipped (mounting a small tmpfs needs root)."], True
    tiny = stack.dir / "tiny-media"
    tiny.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(tiny)], check=True)
    queue = stack.env["CELERY_QUEUE"] + "-diskfull"
    worker = subprocess.Popen(
        [
            str(BIN / "celery"),
            "-A",
            "talentportal",
            "worker",
            "--pool",
            "solo",
            "-n",
            "diskfull@%h",
            "-Q",
            queue,
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env={**stack.env, "DJANGO_MEDIA_ROOT": str(tiny)},
        stdout=open(stack.log / "celery-diskfull.log", "ab"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(lambda: " ready." in (stack.log / "celery-diskfull.log").read_text(errors="replace"), 60, "worker")
        filler = tiny / "filler"
        with open(filler, "wb") as out:  # the disk is full to the last few KB
            out.write(b"\0" * (1024 * 1024 - 4 * 1024))
        admin = User.objects.get(username="admin")
        params = {
            "model": "talents.talent",
            "user_id": admin.pk,
            "query": "org_unit=330402&tier=provincial_leading",
            "language": "zh-hans",
        }

        def export() -> Job:
            job = Job.objects.create(kind="export", title="演练：导出", params=params, created_by=admin)
            export_registry.apply_async(args=(job.pk,), queue=queue)
            wait_until(lambda: Job.objects.get(pk=job.pk).is_finished, 600, "the export")
            return Job.objects.get(pk=job.pk)

        full = export()
        left = sorted(str(p.relative_to(tiny)) for p in tiny.rglob("*") if p.is_file() and p != filler)
        filler.unlink()
        again = export()
        ok = full.status == "failed" and "磁盘已满" in full.message and not left and again.status == "succeeded"
        ok = ok and (tiny / str(again.result_file.name)).is_file()
        # Their files lived on the scratch disk, which goes away now: the records of them go too.
        Job.objects.filter(pk__in=[full.pk, again.pk]).delete()
        return [
            f"- **Media disk full** (1 MB tmpfs, full but for a few KB): export `{full.status}` with “{full.message}”; "
            f"files left besides the filler: {left or 'none'}; after freeing space the same export "
            f"`{again.status}` ({again.counts.get('rows', 0):,} rows). **{'PASS' if ok else 'FAIL'}**"
        ], ok
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
        subprocess.run(["umount", str(tiny)], check=False)


def background_export_query(stack: Stack) -> str:
    """The smallest of a few exports that still runs as a background job at this registry's size."""
    from django.conf import settings

    client = admin_client(stack)
    queries = ["org_unit=330402&tier=municipal_leading", "org_unit=330402", ""]
    for query in queries:
        if client.get(f"/api/v1/talents/?{query}").json()["count"] > settings.EXPORT_INLINE_MAX_ROWS * 2:
            return query
    return queries[-1]


def run_faults(stack: Stack, clients: int, import_rows: int) -> Result:
    lines: list[str] = []
    ok = True
    steps: list[Callable[[], Result]] = [
        lambda: kill_mid_import(stack, import_rows),
        lambda: kill_mid_export(stack, background_export_query(stack)),
        lambda: restart_under_load(stack, "Redis", clients),
        lambda: restart_under_load(stack, "PostgreSQL", clients),
        lambda: disk_full(stack),
    ]
    for step in steps:
        try:
            more, passed = step()
        except Exception as exc:
            more, passed = [f"- step failed: {exc!r}"], False
        print("\n".join(more), flush=True)
        lines += more
        ok = ok and passed
    return lines, ok
