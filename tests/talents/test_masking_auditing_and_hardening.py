"""Personal data in the history, audits of memberships, members and cascades, and a few hardening checks."""

from __future__ import annotations

import re

from talentportal.audit.models import Action, AuditEntry
from talentportal.orgs.models import Membership, OrgUnit
from talents.models import ServiceRequest

from . import factories


def version_of(response) -> str:
    return re.search(r'name="_version" value="([^"]+)"', response.content.decode()).group(1)


def test_history_keeps_personal_data_masked(client, api_client, people, units):
    person = factories.talent(units["330402001"], phone="13912345678")
    api_client.force_authenticate(people["a_editor"])
    assert api_client.patch(f"/api/v1/talents/{person.pk}/", {"phone": "13700001111"}, format="json").status_code == 200
    for persona in ("a_viewer", "a_editor", "a_admin"):
        client.force_login(people[persona])
        html = client.get(f"/registry/talents/{person.pk}/", {"tab": "history"}).content.decode()
        assert "13912345678" not in html and "13700001111" not in html
        assert "139****5678" in html and "137****1111" in html


def test_opening_the_edit_form_reveals_nothing_and_its_reveal_button_is_audited(client, people, units):
    person = factories.talent(units["330402001"])
    client.force_login(people["a_editor"])
    page = client.get(f"/registry/talents/{person.pk}/edit/")
    assert page.status_code == 200 and person.id_number not in page.content.decode()
    assert not AuditEntry.objects.filter(action=Action.REVEAL).exists()
    client.post(f"/registry/talents/{person.pk}/reveal/id_number/?into=form")
    entry = AuditEntry.objects.get(action=Action.REVEAL, object_id=str(person.pk))
    assert entry.changes["form"] is True and entry.changes["revealed"] == ["id_number"]


def test_api_writes_answer_masked_unless_revealed(api_client, people, units):
    person = factories.talent(units["330402001"], phone="13912345678")
    api_client.force_authenticate(people["a_editor"])
    body = api_client.patch(f"/api/v1/talents/{person.pk}/", {"position_title": "教授"}, format="json").json()
    assert body["id_number"] != person.id_number and body["phone"] == "139****5678"


def test_viewers_see_only_the_birth_year_and_cannot_confirm_a_full_id_number(client, people, units):
    person = factories.talent(units["330402001"])
    factories.talent(units["330402001"])
    client.force_login(people["a_viewer"])
    html = client.get(f"/registry/talents/{person.pk}/").content.decode()
    assert person.birth_date.isoformat() not in html and f"{person.birth_date.year}-**-**" in html
    # A full number is matched by its last six digits only, so it confirms nothing more than those.
    found = client.get("/registry/talents/", {"q": person.id_number}).context["page"].object_list
    assert person in found


def test_role_and_unit_changes_are_audited(client, api_client, people, units):
    target = people["a_viewer"]
    client.force_login(people["a_admin"])
    v = version_of(client.get(f"/orgs/users/{target.pk}/edit/"))
    data = {
        "username": target.username,
        "display_name": target.display_name,
        "org_unit": units["330402001"].pk,
        "role": "editor",
        "is_active": "on",
        "_version": v,
    }
    assert client.post(f"/orgs/users/{target.pk}/edit/", data).status_code == 302
    change = AuditEntry.objects.get(action=Action.UPDATE, object_id=str(target.pk))
    assert change.changes["role"][1] and change.changes["org_unit"] == ["南湖区", "建设街道"]
    api_client.force_authenticate(people["a_admin"])
    response = api_client.patch(f"/api/v1/users/{target.pk}/", {"role": "viewer"}, format="json")
    assert response.json()["role"] == "viewer" and Membership.objects.get(user=target).role == "viewer"
    assert AuditEntry.objects.filter(action=Action.UPDATE, object_id=str(target.pk), source="api").exists()


def test_api_refuses_weak_passwords(api_client, people, units):
    api_client.force_authenticate(people["a_admin"])
    response = api_client.post(
        "/api/v1/users/",
        {"username": "weak", "org_unit": "330402", "role": "viewer", "password": "1234567890"},
        format="json",
    )
    assert response.status_code == 400 and "password" in response.json()


def test_org_unit_codes_cannot_break_the_tree(api_client, people, units):
    api_client.force_authenticate(people["city_admin"])
    response = api_client.post(
        "/api/v1/org-units/", {"code": "330402/x", "name": "坏", "kind": "town", "parent": "330402"}, format="json"
    )
    assert response.status_code == 400 and not OrgUnit.objects.filter(name="坏").exists()


def test_team_member_changes_are_audited(api_client, people, units):
    leader = factories.talent(units["330402"])
    member = factories.talent(units["330402"], name="新成员")
    team = factories.team(units["330402"], leader)
    api_client.force_authenticate(people["a_editor"])
    assert api_client.patch(f"/api/v1/teams/{team.pk}/", {"members": [member.pk]}, format="json").status_code == 200
    change = AuditEntry.objects.get(action=Action.UPDATE, object_id=str(team.pk))
    assert change.changes["members"][0] == [] and "新成员" in change.changes["members"][1][0]


def test_cascaded_deletes_are_audited(client, people, units):
    person = factories.talent(units["330402001"])
    request = factories.service_request(person)
    client.force_login(people["a_editor"])
    assert client.post(f"/registry/talents/{person.pk}/delete/").status_code == 302
    assert not ServiceRequest.objects.filter(pk=request.pk).exists()
    assert AuditEntry.objects.filter(
        action=Action.DELETE, object_id=str(request.pk), content_type__model="servicerequest"
    ).exists()


def test_delete_refusal_names_only_records_in_scope(client, people, units):
    company = factories.enterprise(units["330402"])
    factories.talent(units["330411"], name="秀洲员工", employer=company)  # linked by the city office
    client.force_login(people["a_editor"])
    response = client.post(f"/registry/enterprises/{company.pk}/delete/")
    assert response.status_code == 409 and "秀洲员工" not in response.content.decode()


def test_status_form_never_redirects_off_site(client, people, units):
    request = factories.service_request(factories.talent(units["330402"]))
    client.force_login(people["a_editor"])
    response = client.post(
        f"/registry/service-requests/{request.pk}/status/", {"status": "in_progress", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and "evil" not in response["Location"]
