"""Every change, through every door, lands in the audit log with who, when, how and what."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from talentportal.audit.models import Action, AuditEntry, Source
from talentportal.audit.services import Actor, entry, record, record_bulk
from talentportal.orgs.models import OrgUnit


def edit_form(client, unit, **changes):
    page = client.get(f"/orgs/units/{unit.pk}/edit/")
    version = re.search(r'name="_version" value="([^"]+)"', page.content.decode()).group(1)
    data = {"code": unit.code, "name": unit.name, "kind": unit.kind, "parent": unit.parent_id, "is_active": "on"}
    return client.post(f"/orgs/units/{unit.pk}/edit/", {**data, **changes, "_version": version})


def test_form_edit_is_recorded_with_user_source_and_diff(client, people, units):
    client.force_login(people["a_admin"])
    town = units["330402001"]
    response = edit_form(client, town, name="建设街道（新）")
    assert response.status_code == 302
    item = AuditEntry.objects.get(action=Action.UPDATE, object_id=str(town.pk))
    assert item.user == people["a_admin"] and item.username == "a_admin"
    assert item.source == Source.FORM
    assert item.changes == {"name": ["建设街道", "建设街道（新）"]}
    assert item.request_id and item.org_unit_id == town.pk


def test_api_edit_is_recorded_with_user_source_and_diff(api_client, people, units):
    api_client.force_authenticate(people["city_admin"])
    town = units["330411001"]
    response = api_client.patch(
        f"/api/v1/org-units/{town.pk}/", {"name": "新城街道（改）"}, format="json", HTTP_X_REQUEST_ID="req-42"
    )
    assert response.status_code == 200
    item = AuditEntry.objects.get(action=Action.UPDATE, object_id=str(town.pk))
    assert (item.user, item.source, item.request_id) == (people["city_admin"], Source.API, "req-42")
    assert item.changes == {"name": ["新城街道", "新城街道（改）"]}


def test_create_and_delete_are_recorded(client, people, units):
    client.force_login(people["a_admin"])
    client.post(
        "/orgs/units/new/",
        {"code": "330402555", "name": "临时单位", "kind": "town", "parent": units["330402"].pk, "is_active": "on"},
    )
    unit = OrgUnit.objects.get(code="330402555")
    created = AuditEntry.objects.get(action=Action.CREATE, object_id=str(unit.pk))
    assert created.changes["name"] == [None, "临时单位"]
    client.post(f"/orgs/units/{unit.pk}/delete/")
    deleted = AuditEntry.objects.get(action=Action.DELETE, object_id=str(unit.pk))
    assert deleted.changes["code"] == ["330402555", None] and deleted.object_repr == "临时单位"


def test_saving_without_changes_records_nothing(client, people, units):
    client.force_login(people["a_admin"])
    edit_form(client, units["330402001"])
    assert not AuditEntry.objects.filter(action=Action.UPDATE).exists()


def test_history_tab_shows_the_change(client, people, units):
    client.force_login(people["a_admin"])
    town = units["330402001"]
    edit_form(client, town, name="建设街道<b>二</b>")
    html = client.get(f"/orgs/units/{town.pk}/", {"tab": "history"}).content.decode()
    assert "a_admin" in html and "建设街道&lt;b&gt;二&lt;/b&gt;" in html and "<b>二</b>" not in html


def test_django_admin_changes_are_recorded(client, people, units):
    from talentportal.orgs.models import User

    root = User.objects.create_superuser("root", "root@example.org", "Root-pass-2026x")
    client.force_login(root)
    town = units["330421001"]
    response = client.post(
        f"/django-admin/orgs/orgunit/{town.pk}/change/",
        {"code": town.code, "name": "罗星街道A", "kind": town.kind, "parent": town.parent_id, "is_active": "on"},
    )
    assert response.status_code == 302
    item = AuditEntry.objects.get(action=Action.UPDATE, object_id=str(town.pk))
    assert item.source == Source.ADMIN and item.changes == {"name": ["罗星街道", "罗星街道A"]}


def test_passwords_never_reach_the_log(client, people, units):
    client.force_login(people["a_admin"])
    client.post(
        "/orgs/users/new/",
        {
            "username": "clerk",
            "display_name": "新经办",
            "org_unit": units["330402"].pk,
            "role": "editor",
            "is_active": "on",
            "password": "Very-secret-2026x",
        },
    )
    item = AuditEntry.objects.get(action=Action.CREATE, object_repr="新经办")
    assert "Very-secret" not in str(item.changes) and "md5" not in str(item.changes)
    assert item.changes["role"] == [None, "经办人员"] or item.changes["role"][1]


def test_bulk_recording_uses_batched_inserts(units):
    actor = Actor(source=Source.IMPORT)
    town = units["330402001"]
    items = [entry(actor, Action.UPDATE, town, {"name": [str(i), str(i + 1)]}) for i in range(3000)]
    with CaptureQueriesContext(connection) as queries:
        assert record_bulk(items, batch_size=1000) == 3000
    inserts = [q for q in queries.captured_queries if q["sql"].upper().startswith("INSERT")]
    # Batches, never one insert per row (SQLite caps parameters per statement, so its batches are smaller).
    assert len(inserts) <= (3 if connection.vendor == "postgresql" else 3000 // 50)
    assert AuditEntry.objects.filter(source=Source.IMPORT).count() == 3000


def test_audit_search_is_scoped_and_admin_only(client, api_client, people, units):
    api_client.force_authenticate(people["city_admin"])
    api_client.patch(f"/api/v1/org-units/{units['330402001'].pk}/", {"name": "南湖改"}, format="json")
    api_client.patch(f"/api/v1/org-units/{units['330411001'].pk}/", {"name": "秀洲改"}, format="json")
    client.force_login(people["a_admin"])
    html = client.get("/audit/").content.decode()
    assert "南湖改" in html and "秀洲改" not in html
    client.force_login(people["city_admin"])
    html = client.get("/audit/", {"q": "秀洲改"}, HTTP_HX_REQUEST="true").content.decode()  # the results alone
    assert "秀洲改" in html and "南湖改" not in html
    for persona in ("a_editor", "a_viewer", "city_viewer", "reviewer"):
        client.force_login(people[persona])
        assert client.get("/audit/").status_code == 403


def test_admin_password_reset_is_recorded(client, people, units):
    client.force_login(people["a_admin"])
    target = people["a_editor"]
    response = client.post(f"/orgs/users/{target.pk}/password/", {"new_password": "Fresh-pass-2026x"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.check_password("Fresh-pass-2026x")
    assert AuditEntry.objects.filter(action=Action.PASSWORD, object_id=str(target.pk), user=people["a_admin"]).exists()
    # Another county's account: 404, and nothing changes.
    assert (
        client.post(f"/orgs/users/{people['b_editor'].pk}/password/", {"new_password": "Fresh-pass-2026x"}).status_code
        == 404
    )


def test_changes_read_back_as_written_in_the_order_written(units):
    """The log keeps its changes as JSON text (PostgreSQL's ``json``, written cheaply in bulk): an entry reads back
    with the values it was given and its fields in the order they were changed, whatever they hold."""
    actor = Actor(source=Source.IMPORT)
    town = units["330402001"]
    changes = {
        "name": [None, "南湖区\t“引号”\\反斜杠\n换行"],
        "code": ["0", "10"],
        "is_active": [True, False],
        "count": [1, 2.5],
        "parent": [None, {"id": 7, "labels": ["甲", "乙"]}],
        "a": [None, ""],
    }
    record_bulk([entry(actor, Action.UPDATE, town, changes), entry(actor, Action.UPDATE, town, {"z": [1, None]})])
    stored = AuditEntry.objects.filter(source=Source.IMPORT).order_by("id")[0]
    assert stored.changes == changes
    assert list(stored.changes) == list(changes)  # jsonb would have put the shortest key first
    values = AuditEntry.objects.filter(source=Source.IMPORT).order_by("id").values_list("changes", flat=True)
    assert list(values) == [changes, {"z": [1, None]}]
    record(actor, Action.UPDATE, town, {"name": ["甲", "乙"], "code": ["1", "2"]})  # one entry, saved on its own
    assert list(AuditEntry.objects.filter(action=Action.UPDATE).latest("id").changes) == ["name", "code"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_typeof(changes)::text FROM audit_auditentry LIMIT 1")
            assert cursor.fetchone() == ("json",)
