"""The generic registry pages, proven on org units and users: search, sort, paging, export, concurrency,
dependency checks, partial updates and bounded queries."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from talentportal.orgs.models import Membership, OrgUnit, Role, User

from ..conftest import choose_language


def version_of(response) -> str:
    return re.search(r'name="_version" value="([^"]+)"', response.content.decode()).group(1)


def unit_form(unit: OrgUnit, **changes) -> dict:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent": unit.parent_id,
        "is_active": "on",
        **changes,
    }


def make_towns(parent: OrgUnit, count: int) -> None:
    for i in range(count):
        OrgUnit.objects.create(code=f"{parent.code}{700 + i}", name=f"测试镇{i:03d}", kind="town", parent=parent)


def test_search_sort_and_paginate(client, people, units):
    client.force_login(people["city_admin"])
    page = client.get("/orgs/units/", {"q": "南湖"})
    assert [u.code for u in page.context["page"].object_list] == ["330402"]
    ordered = client.get("/orgs/units/", {"sort": "-name", "per_page": 100}).context["page"].object_list
    names = [u.name for u in ordered]
    assert names == sorted(names, reverse=True)
    make_towns(units["330402"], 30)
    first = client.get("/orgs/units/", {"per_page": 25})
    assert len(first.context["page"].object_list) == 25 and first.context["page"].has_next()
    # Unknown sort keys and page numbers fall back instead of failing.
    assert client.get("/orgs/units/", {"sort": "password", "page": "999x"}).status_code == 200


def test_subtree_filter_on_page_and_api(client, api_client, people, units):
    client.force_login(people["city_admin"])
    codes = {
        u.code for u in client.get("/orgs/units/", {"org_unit": "330402", "per_page": 100}).context["page"].object_list
    }
    assert codes == {"330402", "330402001", "330402002", "330402101"}
    api_client.force_authenticate(people["city_admin"])
    rows = api_client.get("/api/v1/org-units/", {"org_unit": "330402"}).json()["results"]
    assert {r["code"] for r in rows} == codes
    # A county user cannot filter on a unit outside their scope: the filter value is invalid, nothing leaks.
    client.force_login(people["a_viewer"])
    response = client.get("/orgs/units/", {"org_unit": "330411"})
    assert all(u.code.startswith("330402") for u in response.context["page"].object_list)


def test_htmx_list_request_returns_only_the_results(client, people, units):
    client.force_login(people["city_admin"])
    html = client.get("/orgs/units/", {"q": "秀洲"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html and "秀洲区" in html and "南湖区" not in html


def test_empty_list_says_what_to_do_next(client, people, units):
    client.force_login(people["a_admin"])
    choose_language(client, "en")
    html = client.get("/orgs/units/", {"q": "没有这个单位"}).content.decode()
    assert "No records match these filters." in html and "Clear the filters" in html


def test_text_is_escaped_everywhere(client, people, units):
    OrgUnit.objects.create(code="330402901", name="<script>alert(1)</script>", kind="town", parent=units["330402"])
    client.force_login(people["a_admin"])
    html = client.get("/orgs/units/", {"per_page": 100}).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_export_is_an_xlsx_of_the_filtered_list_with_formulas_defused(client, people, units):
    OrgUnit.objects.create(code="330402902", name='=HYPERLINK("http://evil","x")', kind="town", parent=units["330402"])
    OrgUnit.objects.create(code="330402903", name="+SUM(1,2)", kind="town", parent=units["330402"])
    client.force_login(people["a_admin"])
    response = client.get("/orgs/units/export/", {"q": "330402"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[0]]
    assert len(header) == 5
    cells = {c.value: c for row in rows[1:] for c in row if isinstance(c.value, str)}
    evil = cells['=HYPERLINK("http://evil","x")']
    assert evil.data_type == "s" and evil.quotePrefix
    assert cells["+SUM(1,2)"].quotePrefix
    codes = {row[0].value for row in rows[1:]}
    assert "330411" not in codes and "330402" in codes


def test_second_save_over_a_newer_version_is_refused_and_nothing_is_lost(units, people, client, django_user_model):
    from django.test import Client

    town = units["330402001"]
    first, second = Client(), Client()
    first.force_login(people["a_admin"])
    second.force_login(people["city_admin"])
    v1 = version_of(first.get(f"/orgs/units/{town.pk}/edit/"))
    v2 = version_of(second.get(f"/orgs/units/{town.pk}/edit/"))
    assert (
        first.post(f"/orgs/units/{town.pk}/edit/", {**unit_form(town, name="甲的名字"), "_version": v1}).status_code
        == 302
    )
    response = second.post(f"/orgs/units/{town.pk}/edit/", {**unit_form(town, name="乙的名字"), "_version": v2})
    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="form-errors"' in html
    assert 'value="乙的名字"' in html  # the second person's input is kept in the form
    assert "甲的名字" in html  # and the change they would have overwritten is shown
    town.refresh_from_db()
    assert town.name == "甲的名字"
    # Saving again with the fresh version token works.
    retry = second.post(
        f"/orgs/units/{town.pk}/edit/", {**unit_form(town, name="乙的名字"), "_version": version_of(response)}
    )
    assert retry.status_code == 302
    town.refresh_from_db()
    assert town.name == "乙的名字"


def test_inline_validation_changes_nothing(client, people, units):
    client.force_login(people["a_admin"])
    before = OrgUnit.objects.count()
    response = client.post(
        "/orgs/units/new/",
        {"code": "330402", "name": "", "kind": "town", "parent": units["330402"].pk, "_validate": "1"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and "is-invalid" in html
    assert OrgUnit.objects.count() == before


def test_invalid_form_is_shown_with_field_errors(client, people, units):
    client.force_login(people["a_admin"])
    response = client.post(
        "/orgs/units/new/", {"code": "330402", "name": "重复", "kind": "town", "parent": units["330402"].pk}
    )
    assert response.status_code == 200
    assert "code" in response.context["form"].errors


def test_delete_is_refused_while_other_records_depend_on_the_row(client, api_client, people, units):
    client.force_login(people["city_admin"])
    county = units["330402"]
    page = client.get(f"/orgs/units/{county.pk}/delete/")
    assert 'id="delete-blocked"' in page.content.decode() and "建设街道" in page.content.decode()
    response = client.post(f"/orgs/units/{county.pk}/delete/")
    assert response.status_code == 409 and OrgUnit.objects.filter(pk=county.pk).exists()
    api_client.force_authenticate(people["city_admin"])
    api = api_client.delete(f"/api/v1/org-units/{county.pk}/")
    assert api.status_code == 409 and "detail" in api.json()
    assert OrgUnit.objects.filter(pk=county.pk).exists()


def test_moving_a_unit_moves_its_subtree(client, people, units):
    county = units["330402"]
    town = units["330402001"]
    sub = OrgUnit.objects.create(code="330402001001", name="社区", kind="town", parent=town)
    client.force_login(people["city_admin"])
    response = client.post(
        f"/orgs/units/{town.pk}/edit/",
        {
            **unit_form(town, parent=units["330411"].pk),
            "_version": version_of(client.get(f"/orgs/units/{town.pk}/edit/")),
        },
    )
    assert response.status_code == 302
    sub.refresh_from_db()
    assert sub.path == "/330400/330411/330402001/330402001001/"
    # County A no longer sees the moved subtree.
    assert not OrgUnit.objects.for_user(people["a_viewer"]).filter(pk=sub.pk).exists()
    assert county.children.count() == 2


def test_a_unit_cannot_be_placed_below_itself(client, people, units):
    town = units["330402001"]
    sub = OrgUnit.objects.create(code="330402001001", name="社区", kind="town", parent=town)
    client.force_login(people["city_admin"])
    v = version_of(client.get(f"/orgs/units/{town.pk}/edit/"))
    response = client.post(f"/orgs/units/{town.pk}/edit/", {**unit_form(town, parent=sub.pk), "_version": v})
    assert response.status_code == 200 and "parent" in response.context["form"].errors


def test_county_admin_cannot_place_records_outside_their_scope(client, api_client, people, units):
    client.force_login(people["a_admin"])
    before = OrgUnit.objects.count()
    response = client.post(
        "/orgs/units/new/", {"code": "330411777", "name": "越界", "kind": "town", "parent": units["330411"].pk}
    )
    assert response.status_code == 200 and "parent" in response.context["form"].errors
    api_client.force_authenticate(people["a_admin"])
    api = api_client.post(
        "/api/v1/org-units/", {"code": "330411778", "name": "越界", "kind": "town", "parent": "330411"}, format="json"
    )
    assert api.status_code == 400
    user = api_client.post(
        "/api/v1/users/",
        {"username": "x1", "org_unit": "330411", "role": "viewer", "password": "Strong-pass-2026x"},
        format="json",
    )
    assert user.status_code == 400
    assert OrgUnit.objects.count() == before and not User.objects.filter(username="x1").exists()


def test_nobody_grants_a_role_above_their_own(client, api_client, people, units):
    # An editor promoted to manage nothing: the user form's role choices never exceed the actor's role.
    from talentportal.orgs.forms import UserForm

    for persona, allowed in (
        ("a_admin", {"viewer", "reviewer", "editor", "admin"}),
        ("a_editor", {"viewer", "reviewer", "editor"}),
    ):
        form = UserForm(user=people[persona])
        assert {value for value, _ in form.fields["role"].choices} == allowed
    # Admins may not change their own account (role or unit) through the registry.
    client.force_login(people["a_admin"])
    assert client.get(f"/orgs/users/{people['a_admin'].pk}/edit/").status_code == 403
    api_client.force_authenticate(people["a_admin"])
    response = api_client.patch(
        f"/api/v1/users/{people['a_admin'].pk}/", {"role": "admin", "org_unit": "330400"}, format="json"
    )
    assert response.status_code in (400, 403)
    assert Membership.objects.get(user=people["a_admin"]).org_unit.code == "330402"


def test_deactivated_user_cannot_sign_in(client, people, units):
    from .. import conftest

    client.force_login(people["a_admin"])
    target = people["a_editor"]
    v = version_of(client.get(f"/orgs/users/{target.pk}/edit/"))
    data = {
        "username": target.username,
        "display_name": target.display_name,
        "email": "",
        "phone": "",
        "org_unit": units["330402"].pk,
        "role": Role.EDITOR,
        "_version": v,
    }
    assert client.post(f"/orgs/users/{target.pk}/edit/", data).status_code == 302  # is_active unticked
    client.logout()
    assert (
        client.post("/accounts/login/", {"username": target.username, "password": conftest.PASSWORD}).status_code == 200
    )
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "url", ["/orgs/units/", "/orgs/users/", "/api/v1/org-units/", "/api/v1/users/", "/audit/", "/jobs/"]
)
def test_list_query_count_does_not_grow_with_rows(client, people, units, url):
    client.force_login(people["city_admin"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"per_page": 100, "page_size": 100}).status_code == 200
        return len(queries)

    small = count()
    make_towns(units["330402"], 60)
    for i in range(60):
        user = User.objects.create_user(username=f"bulk{i}", password="x")
        Membership.objects.create(user=user, org_unit=units["330411"], role=Role.VIEWER)
    assert count() == small


def test_very_long_lists_are_counted_only_up_to_the_cap(client, people, units, monkeypatch):
    from talentportal.registry.views import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "cap", 10)
    make_towns(units["330402"], 12)
    client.force_login(people["city_admin"])
    choose_language(client, "en")
    response = client.get("/orgs/units/")
    assert response.context["page"].paginator.capped
    assert "More than 10 records" in response.content.decode()
    narrowed = client.get("/orgs/units/", {"q": "测试镇00"})
    assert not narrowed.context["page"].paginator.capped and narrowed.context["page"].paginator.count == 10


def test_renaming_a_unit_does_not_invalidate_open_forms_below_it(client, people, units):
    town = units["330402001"]
    client.force_login(people["a_admin"])
    version = version_of(client.get(f"/orgs/units/{town.pk}/edit/"))
    county = units["330402"]
    county.name = "南湖区（新）"
    county.save()
    response = client.post(f"/orgs/units/{town.pk}/edit/", {**unit_form(town, name="建设街道二"), "_version": version})
    assert response.status_code == 302


def test_reset_password_button(client, people):
    client.force_login(people["a_admin"])
    html = client.get(f"/orgs/users/{people['a_editor'].pk}/").content.decode()
    assert f"/orgs/users/{people['a_editor'].pk}/password/" in html
    client.force_login(people["city_admin"])
    html = client.get(f"/orgs/units/{people['a_editor'].membership.org_unit_id}/").content.decode()
    assert not re.search(r"/orgs/users/\d+/password/", html)  # the action belongs to the user registry only
