"""A record's history renders every kind of logged value: lists, many-to-many members, JSON, files, links."""

from __future__ import annotations

import pytest

from talentportal.audit.models import Action, AuditEntry
from talentportal.audit.services import Actor, record
from tests.matrix import version_of
from tests.talents import factories


@pytest.fixture
def team(units):
    unit = units["330402"]
    leader = factories.talent(unit, name="张领队")
    return factories.team(unit, leader, name="量子团队")


def test_team_history_shows_members_lists(client, people, units, team):
    member = factories.talent(units["330402"], name="李队员")
    client.force_login(people["a_editor"])
    page = client.get(f"/registry/teams/{team.pk}/edit/")
    data = {"name": team.name, "leader": team.leader_id, "org_unit": team.org_unit_id, "industry": team.industry}
    data |= {"members": [member.pk], "_version": version_of(page.content.decode())}
    response = client.post(f"/registry/teams/{team.pk}/edit/", data)
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action=Action.UPDATE, object_id=str(team.pk)).exists()
    history = client.get(f"/registry/teams/{team.pk}/", {"tab": "history"})
    assert history.status_code == 200
    assert "李队员" in history.content.decode()


ODD_CHANGES = {
    "members": [["张三 (#1)"], ["张三 (#1)", "李四 (#2)"]],
    "industry": [["digital", "biomedicine"], "digital"],
    "notes": [{"a": [1, 2], "b": {"c": None}}, "文字"],
    "attachment": [None, "uploads/2026/名单.xlsx"],
    "homepage": ["https://example.gov.cn/a", None],
    "is_returnee": [False, True],
    "landed_on": ["2025-11-04", None],
    "rows": 12,
    "gone_field": [[1, [2, 3]], {"x": 1}],
}


def test_history_and_audit_page_render_every_shape_of_change(client, people, units, team):
    record(Actor(user=people["city_admin"]), Action.UPDATE, team, ODD_CHANGES)
    client.force_login(people["city_admin"])
    history = client.get(f"/registry/teams/{team.pk}/", {"tab": "history"})
    assert history.status_code == 200
    html = history.content.decode()
    assert "张三 (#1)、李四 (#2)" in html and "数字经济、生物医药" in html
    assert "uploads/2026/名单.xlsx" in html and "https://example.gov.cn/a" in html
    assert client.get("/audit/").status_code == 200
    assert client.get(f"/registry/teams/{team.pk}/", {"tab": "history"}, HTTP_HX_REQUEST="true").status_code == 200


def test_readable_labels_choices_inside_lists():
    from talentportal.audit.models import readable
    from talents.models import Talent

    field = Talent._meta.get_field("industry")
    with_labels = readable(field, ["digital", "biomedicine"])
    assert with_labels == f"{dict(field.flatchoices)['digital']}、{dict(field.flatchoices)['biomedicine']}"
    assert readable(field, []) is None
    assert readable(None, {"b": 1, "a": [1]}) == '{"a": [1], "b": 1}'
