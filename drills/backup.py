"""The backup drill: ``pg_dump`` and the media folder, restored into a new database and folder, verified by the
row count of every table and a checksum of every file."""

from __future__ import annotations

import hashlib
import shlex
import subprocess
import time
from pathlib import Path
from typing import Any

from .stack import Stack, pg_bin

RESTORED_DB = "talentportal_drill_restored"


def run(command: list[str], shown: list[str]) -> None:
    shown.append(shlex.join(command))
    subprocess.run(command, check=True)


def table_counts(stack: Stack, database: str) -> dict[str, int]:
    tables = stack.psql(
        "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", database
    ).split()
    # The names come from pg_tables through quote_ident.
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in tables)  # noqa: S608
    return {name: int(n) for name, n in (line.split("|") for line in stack.psql(sql, database).splitlines())}


def tree_checksum(root: Path) -> tuple[int, str]:
    """The number of files under ``root`` and one SHA-256 over every file's relative path and content."""
    total = hashlib.sha256()
    files = sorted(p for p in root.rglob("*") if p.is_file())
    for path in files:
        total.update(str(path.relative_to(root)).encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return len(files), total.hexdigest()


def ensure_media(stack: Stack) -> None:
    """Files for the media folder when no other drill made any: an export of the talents, as a job keeps it."""
    from io import BytesIO

    from django.core.files.base import ContentFile
    from django.db.models import QuerySet

    from talentportal.jobs.models import Job
    from talentportal.orgs.models import User
    from talentportal.registry.base import REGISTRIES
    from talentportal.registry.export import export_filename, write_registry

    if any(p.is_file() for p in stack.media.rglob("*")):
        return
    registry = REGISTRIES["talents.talent"]
    rows: QuerySet[Any] = registry.model._default_manager.order_by("pk")[:3000]
    buffer = BytesIO()
    count = write_registry(registry, rows, buffer)
    admin = User.objects.get(username="admin")
    job = Job.objects.create(kind="export", title="Export", created_by=admin, status=Job.Status.SUCCEEDED)
    job.result_file.save(export_filename(registry), ContentFile(buffer.getvalue()))
    job.counts = {"rows": count}
    job.save()


def run_backup(stack: Stack) -> tuple[list[str], bool]:
    from django.db import connections

    ensure_media(stack)
    connections.close_all()
    backup = stack.dir / "backup"
    backup.mkdir()
    shown: list[str] = []
    source_url, restored_url = stack.database_url, f"{stack.pg_server}/{RESTORED_DB}"
    restored_media = stack.dir / "restored-media"
    restored_media.mkdir()
    start = time.monotonic()
    run([pg_bin("pg_dump"), "--format=custom", "--no-owner", f"--file={backup}/talentportal.dump", source_url], shown)
    run(["tar", "-C", str(stack.media), "-czf", f"{backup}/media.tar.gz", "."], shown)
    took_backup = time.monotonic() - start
    start = time.monotonic()
    stack.psql(f"DROP DATABASE IF EXISTS {RESTORED_DB}")
    run([pg_bin("createdb"), "-h", "127.0.0.1", "-p", stack.pg_server.rsplit(":", 1)[-1], "-U", "postgres",
         RESTORED_DB], shown)  # fmt: skip
    run([pg_bin("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={restored_url}",
         f"{backup}/talentportal.dump"], shown)  # fmt: skip
    run(["tar", "-C", str(restored_media), "-xzf", f"{backup}/media.tar.gz"], shown)
    took_restore = time.monotonic() - start
    counts, restored = table_counts(stack, "talentportal_drill"), table_counts(stack, RESTORED_DB)
    differ = sorted(t for t in counts.keys() | restored.keys() if counts.get(t) != restored.get(t))
    (files, digest), (r_files, r_digest) = tree_checksum(stack.media), tree_checksum(restored_media)
    referenced = stack.psql(
        "SELECT result_file FROM jobs_job WHERE result_file <> '' UNION SELECT error_file FROM jobs_job "
        "WHERE error_file <> '' UNION SELECT file FROM jobs_import WHERE file <> ''",
        RESTORED_DB,
    ).split()
    missing = [name for name in referenced if not (restored_media / name).is_file()]
    stack.psql(f"DROP DATABASE {RESTORED_DB}")
    dump_mb = (backup / "talentportal.dump").stat().st_size / 1e6
    ok = not differ and counts and files == r_files and digest == r_digest and not missing
    big = sorted(counts.items(), key=lambda kv: -kv[1])[:6]
    lines = [
        "Commands (the drill's temporary paths shortened):",
        "",
        "```sh",
        *[line.replace(str(stack.dir), "$DRILL") for line in shown],
        "```",
        "",
        f"- Backup {took_backup:.1f} s (dump {dump_mb:.1f} MB), restore {took_restore:.1f} s.",
        f"- Tables compared: {len(counts)}; rows {sum(counts.values()):,}; tables whose count differs: "
        f"{differ or 'none'}. Largest: {', '.join(f'{t} {n:,}' for t, n in big)}.",
        f"- Media files: {files} → {r_files}; SHA-256 over paths and contents {digest[:16]}… → {r_digest[:16]}… "
        f"({'equal' if digest == r_digest else 'DIFFERENT'}); files the restored database refers to that are "
        f"missing: {len(missing)} of {len(referenced)}. **{'PASS' if ok else 'FAIL'}**",
    ]
    return lines, bool(ok)
