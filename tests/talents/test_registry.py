"""Behaviour of the talent registry beyond the permission matrix: validation, conflicts, masking, reveals,
concurrency, the service queue and bounded queries."""

from __future__ import annotations

import datetime
import re
from io import BytesIO

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from talentportal.audit.models import Action, AuditEntry
from talents import validators
from talents.models import ServiceRequest, Talent

from ..conftest import choose_language
from . import factories


def talent_form(unit_pk: int, **changes) -> dict:
    data = {
        "name": "李明",
        "id_type": "resident_id",
        "id_number": factories.resident_id(),
        "gender": "male",
        "birth_date": "1985-06-01",
        "nationality": "CN",
        "category": "professional",
        "tier": "youth",
        "recruitment_mode": "full_time",
        "industry": "digital",
        "org_unit": unit_pk,
    }
    return {**data, **changes}


def form_of(obj: Talent) -> dict:
    return {
        "name": obj.name,
        "id_type": obj.id_type,
        "id_number": obj.id_number,
        "gender": obj.gender,
        "birth_date": obj.birth_date.isoformat(),
        "nationality": obj.nationality,
        "category": obj.category,
        "tier": obj.tier,
        "recruitment_mode": obj.recruitment_mode,
        "industry": obj.industry,
        "org_unit": obj.org_unit_id,
        "phone": obj.phone,
    }


def version_of(response) -> str:
    return re.search(r'name="_version" value="([^"]+)"', response.content.decode()).group(1)


# --- validation through the doors --------------------------------------------------------------------------


def test_wrong_check_digit_is_named_in_the_form_and_nothing_is_saved(client, people, units):
    client.force_login(people["a_editor"])
    good = factories.resident_id()
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    choose_language(client, "en")
    response = client.post("/registry/talents/new/", talent_form(units["330402"].pk, id_number=wrong))
    assert response.status_code == 200
    message = " ".join(response.context["form"].errors["id_number"])
    assert good[-1] in message and "check" in message.lower()
    assert not Talent.objects.exists()


def test_chinese_error_messages(client, people, units):
    client.force_login(people["a_editor"])
    good = factories.resident_id()
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = client.post("/registry/talents/new/", talent_form(units["330402"].pk, id_number=wrong))
    assert f"校验位应为 {good[-1]}" in " ".join(response.context["form"].errors["id_number"])


def test_lower_case_x_is_accepted_and_stored_upper_case(client, people, units):
    client.force_login(people["a_editor"])
    number = next(n for n in (factories.resident_id() for _ in range(200)) if n.endswith("X"))
    response = client.post("/registry/talents/new/", talent_form(units["330402"].pk, id_number=number.lower()))
    assert response.status_code == 302
    assert Talent.objects.get().id_number == number


def test_id_number_must_agree_with_birth_date_and_gender(client, people, units):
    client.force_login(people["a_editor"])
    number = factories.resident_id(datetime.date(1985, 6, 1), male=True)
    response = client.post(
        "/registry/talents/new/",
        talent_form(units["330402"].pk, id_number=number, birth_date="1986-06-01", gender="female"),
    )
    errors = response.context["form"].errors
    assert "birth_date" in errors and "gender" in errors
    assert not Talent.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "1381234567"),
        ("email", "not-an-email"),
        ("nationality", "XX"),
        ("org_unit", "999999"),
        ("tier", "legend"),
    ],
)
def test_malformed_values_get_field_messages_and_change_nothing(client, people, units, field, value):
    client.force_login(people["a_editor"])
    response = client.post("/registry/talents/new/", talent_form(units["330402"].pk, **{field: value}))
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not Talent.objects.exists()


def test_api_uses_the_same_validators(api_client, people, units):
    api_client.force_authenticate(people["a_editor"])
    good = factories.resident_id()
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    payload = {**talent_form("330402", id_number=wrong), "org_unit": "330402"}
    response = api_client.post("/api/v1/talents/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and good[-1] in str(response.json()["id_number"])
    bad_code = api_client.post(
        "/api/v1/enterprises/", {"name": "x", "credit_code": "91330400MA2B8ABCDI", "org_unit": "330402"}, format="json"
    )
    assert bad_code.status_code == 400 and "credit_code" in bad_code.json()
    assert not Talent.objects.exists()


def test_credit_code_checksum_in_enterprise_form(client, people, units):
    client.force_login(people["a_editor"])
    code = factories.credit_code()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    response = client.post(
        "/registry/enterprises/new/",
        {
            "name": "测试企业",
            "credit_code": wrong,
            "org_unit": units["330402"].pk,
            "industry": "digital",
            "listing": "none",
        },
    )
    assert "credit_code" in response.context["form"].errors
    ok = client.post(
        "/registry/enterprises/new/",
        {
            "name": "测试企业",
            "credit_code": code.lower(),
            "org_unit": units["330402"].pk,
            "industry": "digital",
            "listing": "none",
        },
    )
    assert ok.status_code == 302


def test_resolution_date_cannot_precede_submission(client, people, units):
    client.force_login(people["a_editor"])
    person = factories.talent(units["330402"])
    response = client.post(
        "/registry/service-requests/new/",
        {
            "talent": person.pk,
            "kind": "housing",
            "status": "resolved",
            "submitted_on": "2026-05-01",
            "resolved_on": "2026-04-01",
            "description": "x",
        },
    )
    assert "resolved_on" in response.context["form"].errors
    assert not ServiceRequest.objects.exists()


# --- cross-county conflicts ----------------------------------------------------------------------------------


def test_registering_a_person_another_county_registered_names_only_that_county(client, api_client, people, units):
    existing = factories.talent(units["330411001"], name="王秘密", employer_name="秘密单位", notes="机密备注")
    client.force_login(people["a_editor"])
    response = client.post(
        "/registry/talents/new/",
        talent_form(units["330402"].pk, id_number=existing.id_number, birth_date=existing.birth_date.isoformat()),
    )
    html = response.content.decode()
    assert "该人员已由 秀洲区 登记" in html
    for secret in ("王秘密", "秘密单位", "机密备注", "新城街道", f"/registry/talents/{existing.pk}/"):
        assert secret not in html
    api_client.force_authenticate(people["a_editor"])
    api = api_client.post(
        "/api/v1/talents/",
        {
            **talent_form("330402", id_number=existing.id_number, birth_date=existing.birth_date.isoformat()),
            "org_unit": "330402",
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert api.status_code == 400
    assert api.json()["id_number"] == ["该人员已由 秀洲区 登记"]
    assert Talent.objects.count() == 1


def test_duplicate_in_own_scope_links_the_record(client, people, units):
    existing = factories.talent(units["330402001"], name="赵本地")
    client.force_login(people["a_editor"])
    response = client.post(
        "/registry/talents/new/",
        talent_form(units["330402"].pk, id_number=existing.id_number, birth_date=existing.birth_date.isoformat()),
    )
    assert "赵本地" in " ".join(response.context["form"].errors["id_number"])


# --- personal data ------------------------------------------------------------------------------------------------


@pytest.fixture
def person(units):
    return factories.talent(units["330402001"], phone="13912345678")


def test_list_and_detail_mask_personal_data_for_everyone(client, people, person):
    for persona in ("a_viewer", "a_editor", "city_viewer"):
        client.force_login(people[persona])
        for url in ("/registry/talents/", f"/registry/talents/{person.pk}/"):
            html = client.get(url).content.decode()
            assert person.id_number not in html and "13912345678" not in html
            assert validators.normalize_id_number(person.id_number)[-4:] in html
            assert "139****5678" in html


def test_editors_of_the_owning_scope_reveal_and_each_reveal_is_audited(client, people, person):
    client.force_login(people["a_editor"])
    detail = client.get(f"/registry/talents/{person.pk}/").content.decode()
    assert "reveal-button" in detail
    response = client.post(f"/registry/talents/{person.pk}/reveal/id_number/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and person.id_number in response.content.decode()
    entry = AuditEntry.objects.get(action=Action.REVEAL)
    assert (
        entry.user == people["a_editor"]
        and entry.object_id == str(person.pk)
        and entry.changes == {"revealed": ["id_number"]}
    )
    assert person.id_number not in str(entry.changes)
    history = client.get(f"/registry/talents/{person.pk}/", {"tab": "history"}).content.decode()
    assert "a_editor" in history


@pytest.mark.parametrize(
    ("persona", "status"), [("a_viewer", 403), ("city_viewer", 403), ("reviewer", 403), ("b_editor", 404)]
)
def test_others_cannot_reveal(client, people, person, persona, status):
    client.force_login(people[persona])
    assert "reveal-button" not in client.get(f"/registry/talents/{person.pk}/").content.decode()
    response = client.post(f"/registry/talents/{person.pk}/reveal/id_number/")
    assert response.status_code == status and person.id_number not in response.content.decode()
    assert not AuditEntry.objects.filter(action=Action.REVEAL).exists()


def test_reveal_refuses_fields_that_are_not_personal_data(client, people, person):
    client.force_login(people["a_editor"])
    assert client.post(f"/registry/talents/{person.pk}/reveal/name/").status_code == 404
    assert client.get(f"/registry/talents/{person.pk}/reveal/id_number/").status_code == 405


def test_api_masks_for_viewers_and_reveals_for_editors_on_request(api_client, people, person):
    api_client.force_authenticate(people["a_viewer"])
    row = api_client.get(f"/api/v1/talents/{person.pk}/", {"reveal": "true"}).json()
    assert (
        row["id_number"] != person.id_number
        and row["id_number"].endswith(person.id_number[-4:])
        and row["phone"] == "139****5678"
    )
    api_client.force_authenticate(people["a_editor"])
    masked = api_client.get("/api/v1/talents/").json()["results"][0]
    assert masked["id_number"] != person.id_number
    assert not AuditEntry.objects.filter(action=Action.REVEAL).exists()
    revealed = api_client.get("/api/v1/talents/", {"reveal": "true"}).json()["results"][0]
    assert revealed["id_number"] == person.id_number and revealed["phone"] == "13912345678"
    assert AuditEntry.objects.filter(action=Action.REVEAL, object_id=str(person.pk), source="api").count() == 1


def exported(client) -> str:
    response = client.get("/registry/talents/export/")
    sheet = load_workbook(BytesIO(response.content)).active
    return "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)


def test_viewers_exports_are_masked_editors_are_full_and_audited(client, people, person):
    client.force_login(people["a_viewer"])
    text = exported(client)
    assert person.name in text and person.id_number not in text and "13912345678" not in text
    assert not AuditEntry.objects.filter(action=Action.REVEAL).exists()
    client.force_login(people["a_editor"])
    text = exported(client)
    assert person.id_number in text and "13912345678" in text
    assert AuditEntry.objects.get(action=Action.REVEAL).changes["rows"] == 1


def test_text_with_markup_is_shown_as_text_everywhere(client, people, units):
    company = factories.enterprise(units["330402"], name="<img src=x onerror=alert(1)>公司")
    factories.enterprise_year(company, 2024)
    evil = factories.talent(
        units["330402"], name="<script>alert('x')</script>", employer=company, notes="=cmd|' /C calc'!A0"
    )
    client.force_login(people["a_editor"])
    for url in (
        "/registry/talents/",
        f"/registry/talents/{evil.pk}/",
        f"/registry/talents/{evil.pk}/?tab=employer",
        f"/registry/enterprises/{company.pk}/",
    ):
        html = client.get(url).content.decode()
        assert "<script>alert('x')</script>" not in html and "<img src=x" not in html
    chart = client.get(f"/registry/enterprises/{company.pk}/", {"tab": "figures"}).content.decode()
    assert 'id="figures-chart" type="application/json"' in chart


# --- concurrency ----------------------------------------------------------------------------------------------------


def test_second_save_of_a_talent_is_refused_and_shows_what_changed(people, person):
    first, second = Client(), Client()
    first.force_login(people["a_editor"])
    second.force_login(people["a_admin"])
    url = f"/registry/talents/{person.pk}/edit/"
    v1, v2 = version_of(first.get(url)), version_of(second.get(url))
    assert first.post(url, {**form_of(person), "position_title": "研究员", "_version": v1}).status_code == 302
    response = second.post(url, {**form_of(person), "position_title": "教授", "_version": v2})
    assert response.status_code == 409
    html = response.content.decode()
    assert "研究员" in html and 'value="教授"' in html
    person.refresh_from_db()
    assert person.position_title == "研究员"


# --- service requests --------------------------------------------------------------------------------------------------


def test_queue_lists_open_requests_overdue_first_and_changes_status_with_a_note(client, people, units):
    person = factories.talent(units["330402001"])
    today = datetime.date.today()
    fresh = factories.service_request(person, submitted_on=today - datetime.timedelta(days=1))
    late = factories.service_request(person, submitted_on=today - datetime.timedelta(days=60), kind="schooling")
    done = factories.service_request(
        person, status="resolved", submitted_on=today - datetime.timedelta(days=90), resolved_on=today
    )
    other = factories.service_request(factories.talent(units["330411"]))
    client.force_login(people["a_editor"])
    page = client.get("/registry/service-queue/")
    listed = [sr.pk for sr in page.context["page"].object_list]
    assert listed == [late.pk, fresh.pk]
    assert done.pk not in listed and other.pk not in listed
    response = client.post(
        f"/registry/service-requests/{late.pk}/status/",
        {"status": "resolved", "note": "已协调入学", "next": "/registry/service-queue/"},
    )
    assert response.status_code == 302
    late.refresh_from_db()
    assert late.status == "resolved" and late.resolved_on == today and "已协调入学" in late.resolution
    assert late.handler == people["a_editor"]
    entry = AuditEntry.objects.get(action=Action.UPDATE, object_id=str(late.pk))
    assert entry.changes["status"] == ["submitted", "resolved"]
    assert client.post(f"/registry/service-requests/{other.pk}/status/", {"status": "resolved"}).status_code == 404
    client.force_login(people["a_viewer"])
    assert client.get("/registry/service-queue/").status_code == 403
    assert client.post(f"/registry/service-requests/{fresh.pk}/status/", {"status": "resolved"}).status_code == 403


def test_home_page_counts_open_requests_in_scope(client, people, units):
    person = factories.talent(units["330402001"])
    factories.service_request(person)
    factories.service_request(person, status="in_progress")
    factories.service_request(person, status="rejected", resolved_on=datetime.date.today())
    factories.service_request(factories.talent(units["330411"]))
    client.force_login(people["a_editor"])
    html = client.get("/").content.decode()
    assert re.search(r'id="open-requests">2<', html)


# --- search and filters ------------------------------------------------------------------------------------------------


def test_search_by_name_id_suffix_employer_and_credit_code(client, api_client, people, units):
    company = factories.enterprise(units["330402"], name="嘉兴光电科技有限公司")
    a = factories.talent(units["330402"], name="欧阳修", employer=company)
    b = factories.talent(units["330402"], name="欧阳锋", employer_name="嘉兴学院")
    c = factories.talent(units["330402"], name="张三")
    client.force_login(people["a_viewer"])

    def found(q: str) -> set[int]:
        return {t.pk for t in client.get("/registry/talents/", {"q": q}).context["page"].object_list}

    assert found("欧阳") == {a.pk, b.pk}
    # A viewer finds an ID number by what its mask shows, or in full; an editor by any ending.
    assert found(c.id_number[-4:]) >= {c.pk} and found(c.id_number) == {c.pk}
    assert found(c.id_number[-6:]) == set()
    client.force_login(people["a_editor"])
    assert found(c.id_number[-6:]) == {c.pk}
    client.force_login(people["a_viewer"])
    assert found("光电科技") == {a.pk}
    assert found("嘉兴学院") == {b.pk}
    assert found(company.credit_code.lower()) == {a.pk}
    api_client.force_authenticate(people["a_viewer"])
    assert {r["id"] for r in api_client.get("/api/v1/talents/", {"q": "欧阳"}).json()["results"]} == {a.pk, b.pk}


def test_filters_on_page_and_api(client, api_client, people, units):
    t1 = factories.talent(
        units["330402001"], tier="top", category="skilled", is_returnee=True, landed_on=datetime.date(2024, 3, 1)
    )
    factories.talent(units["330402"], tier="youth", landed_on=datetime.date(2023, 3, 1))
    factories.talent(units["330411"], tier="top")
    client.force_login(people["city_admin"])
    params = {"org_unit": "330402", "tier": "top", "category": "skilled", "is_returnee": "true", "landed_year": "2024"}
    assert [t.pk for t in client.get("/registry/talents/", params).context["page"].object_list] == [t1.pk]
    api_client.force_authenticate(people["city_admin"])
    assert [r["id"] for r in api_client.get("/api/v1/talents/", params).json()["results"]] == [t1.pk]


@pytest.mark.parametrize(
    "url",
    [
        "/registry/talents/",
        "/registry/enterprises/",
        "/registry/enterprise-years/",
        "/registry/teams/",
        "/registry/service-requests/",
        "/registry/service-queue/",
        "/api/v1/talents/",
        "/api/v1/enterprises/",
        "/api/v1/enterprise-years/",
        "/api/v1/teams/",
        "/api/v1/service-requests/",
    ],
)
def test_list_query_counts_do_not_grow_with_rows(client, people, units, url):
    client.force_login(people["city_admin"])

    def grow(n: int) -> None:
        for i in range(n):
            company = factories.enterprise(units["330402"])
            factories.enterprise_year(company)
            person = factories.talent(units["330411" if i % 2 else "330402001"], employer=company if i % 3 else None)
            team = factories.team(units["330402"], person)
            team.members.add(factories.talent(units["330402"]))
            factories.service_request(person)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"per_page": 100, "page_size": 100}).status_code == 200
        return len(queries)

    grow(3)
    small = count()
    grow(40)
    assert count() == small


def test_resolution_date_follows_the_status_through_form_and_api(client, api_client, people, units):
    person = factories.talent(units["330402"])
    client.force_login(people["a_editor"])
    today = datetime.date.today()
    form = {"talent": person.pk, "kind": "housing", "submitted_on": "2026-01-05", "description": "x"}
    closing = {"resolution": "已安排人才公寓", "handler": people["a_editor"].pk}
    client.post("/registry/service-requests/new/", {**form, **closing, "status": "resolved"})
    client.post("/registry/service-requests/new/", {**form, "status": "in_progress", "resolved_on": "2026-02-01"})
    closed, still_open = ServiceRequest.objects.order_by("id")
    assert closed.resolved_on == max(today, datetime.date(2026, 1, 5)) and still_open.resolved_on is None
    api_client.force_authenticate(people["a_editor"])
    response = api_client.patch(
        f"/api/v1/service-requests/{still_open.pk}/", {"status": "rejected", "resolution": "不符合条件"}, format="json"
    )
    assert response.status_code == 200 and response.json()["resolved_on"] is not None
    reopened = api_client.patch(f"/api/v1/service-requests/{still_open.pk}/", {"status": "submitted"}, format="json")
    assert reopened.json()["resolved_on"] is None


def test_talent_page_links_the_employer_and_the_enterprise_lists_its_talents(client, people, units):
    company = factories.enterprise(units["330402"], name="嘉兴链接科技有限公司")
    person = factories.talent(units["330402001"], name="钱链接", employer=company)
    client.force_login(people["a_viewer"])
    detail = client.get(f"/registry/talents/{person.pk}/").content.decode()
    assert f'href="/registry/enterprises/{company.pk}/"' in detail
    employed = client.get(f"/registry/enterprises/{company.pk}/", {"tab": "talents"}).content.decode()
    assert "钱链接" in employed


def test_enterprise_with_talents_cannot_be_deleted_and_says_why(client, api_client, people, units):
    company = factories.enterprise(units["330402"])
    factories.talent(units["330402001"], name="在职人才", employer=company)
    client.force_login(people["a_editor"])
    page = client.post(f"/registry/enterprises/{company.pk}/delete/")
    assert page.status_code == 409 and "在职人才" in page.content.decode()
    api_client.force_authenticate(people["a_editor"])
    assert api_client.delete(f"/api/v1/enterprises/{company.pk}/").status_code == 409
    assert type(company).objects.filter(pk=company.pk).exists()


def test_queue_takes_a_resolution_date(client, people, units):
    request = factories.service_request(factories.talent(units["330402"]), submitted_on=datetime.date(2026, 3, 1))
    client.force_login(people["a_editor"])
    client.post(
        f"/registry/service-requests/{request.pk}/status/",
        {"status": "rejected", "note": "不符合条件", "resolved_on": "2026-03-05"},
    )
    request.refresh_from_db()
    assert request.status == "rejected" and request.resolved_on == datetime.date(2026, 3, 5)


def test_overdue_filter_on_page_and_api(client, api_client, people, units):
    person = factories.talent(units["330402"])
    late = factories.service_request(person, submitted_on=datetime.date.today() - datetime.timedelta(days=40))
    fresh = factories.service_request(person)
    closed = factories.service_request(
        person, status="resolved", submitted_on=datetime.date(2025, 1, 1), resolved_on=datetime.date(2025, 1, 2)
    )
    client.force_login(people["a_viewer"])
    assert [
        r.pk for r in client.get("/registry/service-requests/", {"overdue": "true"}).context["page"].object_list
    ] == [late.pk]
    api_client.force_authenticate(people["a_viewer"])
    rows = api_client.get("/api/v1/service-requests/", {"overdue": "false"}).json()["results"]
    assert {r["id"] for r in rows} == {fresh.pk, closed.pk}
