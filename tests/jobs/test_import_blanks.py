"""A blank cell leaves a stored value as it is; clearing takes the import's explicit "clear blanks" choice, which the
dry run counts, the apply keeps, and undo takes back. Through the command line, the pages and the API."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from talentportal.jobs.importing import services
from talentportal.jobs.importing.undo import undo
from talentportal.jobs.models import Import
from talents.models import Talent

from ..talents import factories
from .test_imports import roster, run_cli

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "证件号码", "人才类别", "人才层次", "所属区域", "最高学历", "落地日期", "是否留学回国", "国籍"]
LANDED = datetime.date(2025, 11, 4)


@pytest.fixture
def stored(units: Any) -> Talent:
    return factories.talent(
        units["330402"],
        name="张伟",
        landed_on=LANDED,
        highest_degree="doctorate",
        is_returnee=True,
        nationality="US",
        category="professional",
        tier="municipal_leading",
    )


def blank_row(talent: Talent, **changes: Any) -> list[Any]:
    row = {
        "姓名": talent.name,
        "证件号码": talent.id_number,
        "人才类别": "专业技术人才",
        "人才层次": "市级领军人才",
        "所属区域": "南湖区",
        "最高学历": "",
        "落地日期": None,
        "是否留学回国": "",
        "国籍": "",
    }
    row.update(changes)
    return [row[h] for h in HEADER]


def test_blank_cells_leave_stored_values_as_they_are(tmp_path, people, stored) -> None:
    path = roster(tmp_path / "r.xlsx", [blank_row(stored, 人才层次="青年人才")], header=HEADER)
    imp = run_cli(path, "a_admin")
    assert imp.counts == {"rows": 1, "created": 0, "updated": 1, "unchanged": 0, "errors": 0}
    assert imp.preview[0]["changes"] == {"talent tier": ["Municipal leading talent", "Young talent"]}
    assert imp.blank_values == 4 and not imp.clear_blanks
    imp = run_cli(path, "a_admin", "--apply")
    assert imp.status == Import.Status.APPLIED
    stored.refresh_from_db()
    assert (stored.landed_on, stored.highest_degree, stored.is_returnee, stored.nationality) == (
        LANDED,
        "doctorate",
        True,
        "US",
    )
    assert stored.tier == "youth"


def test_a_row_of_only_blanks_changes_nothing(tmp_path, people, stored) -> None:
    imp = run_cli(roster(tmp_path / "r.xlsx", [blank_row(stored)], header=HEADER), "a_admin", "--apply")
    assert imp.counts == {"rows": 1, "created": 0, "updated": 0, "unchanged": 1, "errors": 0}


def test_clearing_blanks_is_counted_applied_and_undone(tmp_path, people, stored) -> None:
    path = roster(tmp_path / "r.xlsx", [blank_row(stored)], header=HEADER)
    check = run_cli(path, "a_admin", "--clear-blanks")
    assert check.clear_blanks and check.blank_values == 4
    assert check.preview[0]["changes"]["landed on"] == ["2025-11-04", None]
    imp = run_cli(path, "a_admin", "--apply", "--clear-blanks")
    assert imp.status == Import.Status.APPLIED and imp.counts["updated"] == 1
    stored.refresh_from_db()
    assert (stored.landed_on, stored.highest_degree, stored.is_returnee) == (None, "", False)
    assert undo(imp) == []
    stored.refresh_from_db()
    assert (stored.landed_on, stored.highest_degree, stored.is_returnee, stored.nationality) == (
        LANDED,
        "doctorate",
        True,
        "US",
    )


def test_new_records_take_defaults_for_blank_cells(tmp_path, people, stored) -> None:
    other = blank_row(stored, 证件号码="330402198001011236", 姓名="李四")
    imp = run_cli(roster(tmp_path / "r.xlsx", [other], header=HEADER), "a_admin", "--apply")
    assert imp.counts["created"] == 1 and imp.blank_values == 0
    assert Talent.objects.get(name="李四").nationality == "CN"


def test_the_page_keeps_the_choice_from_upload_to_apply(tmp_path, people, stored, client) -> None:
    path = roster(tmp_path / "r.xlsx", [blank_row(stored)], header=HEADER)
    client.force_login(people["a_admin"])
    form = client.get(reverse("jobs:import_new")).content.decode()
    assert 'name="clear_blanks"' in form
    for choice, landed in ((False, LANDED), (True, None)):
        with path.open("rb") as stream:
            data = {"kind": "talents", "file": stream, **({"clear_blanks": "on"} if choice else {})}
            assert client.post(reverse("jobs:import_new"), data).status_code == 302
        imp = Import.objects.latest("id")
        assert imp.clear_blanks is choice
        services.run(imp, services.CHECK)
        page = client.get(imp.get_absolute_url()).content.decode()
        assert 'id="import-blanks"' in page and ("将被清空" if choice else "保持不变") in page
        client.post(reverse("jobs:import_apply", args=[imp.pk]))
        imp.refresh_from_db()
        services.run(imp, services.APPLY)
        imp.refresh_from_db()
        stored.refresh_from_db()
        assert imp.status == Import.Status.APPLIED and stored.landed_on == landed


def test_the_api_takes_clear_blanks(tmp_path, people, stored, api_client) -> None:
    path = roster(tmp_path / "r.xlsx", [blank_row(stored)], header=HEADER)
    api_client.force_authenticate(people["a_admin"])
    for flag in (None, "true"):
        with path.open("rb") as stream:
            data = {"kind": "talents", "file": stream, **({"clear_blanks": flag} if flag else {})}
            response = api_client.post("/api/v1/imports/", data, format="multipart")
        assert response.status_code == 202, response.content
        assert response.json()["clear_blanks"] is bool(flag)
        imp = Import.objects.get(pk=response.json()["id"])
        services.run(imp, services.CHECK)
        body = api_client.get(f"/api/v1/imports/{imp.pk}/").json()
        assert body["blank_values"] == 4
        assert body["counts"]["updated"] == (1 if flag else 0)


def test_team_members_left_blank_are_kept(tmp_path, people, units) -> None:
    nanhu = units["330402"]
    lead, member = factories.talent(nanhu), factories.talent(nanhu)
    team = factories.team(nanhu, lead, name="传感团队")
    team.members.set([member])
    header = ["团队名称", "团队带头人证件号码", "团队成员证件号码", "所属区域"]
    path = roster(tmp_path / "t.xlsx", [["传感团队", lead.id_number, "", "南湖区"]], header=header)
    imp = run_cli(path, "a_admin", "--apply", kind="teams")
    assert imp.status == Import.Status.APPLIED and imp.blank_values == 1
    assert list(team.members.all()) == [member]
    imp = run_cli(path, "a_admin", "--apply", "--clear-blanks", kind="teams")
    assert imp.counts["updated"] == 1 and not team.members.exists()
    assert undo(imp) == [] and list(team.members.all()) == [member]
