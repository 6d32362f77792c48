"""What the drills do through the portal's own doors: rosters to import, exports to run, jobs to wait for."""

from __future__ import annotations

import datetime
import re
import time
from typing import Any

from .http import Client

ROSTER_HEADER = "姓名,证件号码,人才类别,人才层次,所属区域"
FIRST_BIRTH = datetime.date(2005, 1, 1)  # later than any birth date seed_scale or the demo writes


def roster_csv(rows: int, part: int) -> tuple[bytes, list[str]]:
    """A talent roster of ``rows`` new people (UTF-8 CSV) and their ID numbers; each ``part`` (0–9) is disjoint."""
    from talents.validators import make_resident_id

    lines, numbers = [ROSTER_HEADER], []
    for i in range(part * 100_000, part * 100_000 + rows):
        birth = FIRST_BIRTH + datetime.timedelta(days=i // 400)
        number = make_resident_id("330402", birth, 100 + i % 400 * 2 + 1)
        numbers.append(number)
        lines.append(f"演练人员{i},{number},专业技术人才,青年人才,330402")
    return ("\n".join(lines) + "\n").encode("utf-8"), numbers


def wait_for(client: Client, path: str, done: Any, seconds: float, step: float = 0.5) -> dict[str, Any]:
    """GET ``path`` (an API detail) until ``done(body)``; the last body, or TimeoutError."""
    deadline = time.monotonic() + seconds
    while True:
        response = client.get(path)
        body = response.json() if response.status == 200 else {}
        if body and done(body):
            return body
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} still {body.get('status', response.status)} after {seconds:.0f} s")
        time.sleep(step)


def upload_roster(client: Client, content: bytes, name: str = "演练名册.csv") -> int:
    answer = client.post_form("/api/v1/imports/", {"kind": "talents"}, {"file": (name, content)})
    if answer.status != 202:
        raise RuntimeError(f"upload answered {answer.status}: {answer.body[:300]!r}")
    return int(answer.json()["id"])


def import_roster(client: Client, content: bytes, seconds: float = 600) -> dict[str, Any]:
    """Upload, wait for the dry run, apply, wait until applied: the import's final state."""
    pk = upload_roster(client, content)
    checked = wait_for(client, f"/api/v1/imports/{pk}/", lambda b: b["status"] != "checking", seconds)
    if checked["status"] != "checked" or checked["counts"].get("errors"):
        raise RuntimeError(f"dry run ended {checked['status']}: {checked['counts']} {checked['errors'][:3]}")
    apply = client.post_json(f"/api/v1/imports/{pk}/apply/", {})
    if apply.status != 202:
        raise RuntimeError(f"apply answered {apply.status}: {apply.body[:300]!r}")
    return wait_for(client, f"/api/v1/imports/{pk}/", lambda b: b["status"] != "applying", seconds)


def start_export(client: Client, query: str, inline_ok: bool = False) -> int:
    """Ask for a large export from the list page; the portal answers with the job's page (or, for a small one
    when ``inline_ok``, with the workbook itself: then 0)."""
    answer = client.get(f"/registry/talents/export/?{query}")
    if inline_ok and answer.status == 200 and "spreadsheetml" in answer.headers.get("content-type", ""):
        return 0
    match = re.search(r"/jobs/(\d+)/", answer.headers.get("location", ""))
    if answer.status != 302 or not match:
        raise RuntimeError(f"export answered {answer.status} {answer.headers.get('location')} (not a background job)")
    return int(match.group(1))


def wait_job(client: Client, pk: int, seconds: float = 900) -> dict[str, Any]:
    return wait_for(client, f"/api/v1/jobs/{pk}/", lambda b: b["status"] in ("succeeded", "failed"), seconds)
