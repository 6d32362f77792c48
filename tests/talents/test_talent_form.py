"""The talent form and how registry pages present values: 姓名, 是 / 否, 请选择, countries by name, the identity
fields derived from a resident ID, and personal data masked in the edit form."""

from __future__ import annotations

import datetime
import re
from io import BytesIO

import pytest
from django.utils import translation
from django.utils.text import capfirst
from openpyxl import Workbook, load_workbook

from talentportal.audit.models import Action, AuditEntry
from talentportal.orgs.models import OrgUnit
from talents.models import Talent

from ..conftest import choose_language
from . import factories


def cells(html: str, label: str) -> str:
    """The text of the detail page's value for ``label``."""
    match = re.search(rf"<dt[^>]*>{re.escape(label)}</dt>\s*<dd[^>]*>(.*?)</dd>", html, re.S)
    assert match, label
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def label(obj, field: str) -> str:
    with translation.override("zh-hans"):
        return capfirst(str(obj._meta.get_field(field).verbose_name))


def export_rows(client, url: str) -> list[tuple]:
    response = client.get(url)
    return list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))


# --- 姓名 -----------------------------------------------------------------------------------------------------


def test_a_talents_name_is_labelled_full_name_everywhere(client, people, units):
    person = factories.talent(units["330402"], name="周姓名")
    company = factories.enterprise(units["330402"], name="嘉兴名称科技有限公司")
    client.force_login(people["a_editor"])
    form = client.get("/registry/talents/new/").content.decode()
    assert re.search(r'<label class="form-label" for="id_name">姓名', form)
    assert "姓名" in cells(client.get(f"/registry/talents/{person.pk}/").content.decode(), "姓名")
    assert re.search(r"<th[^>]*>\s*(<a[^>]*>)?\s*姓名", client.get("/registry/talents/").content.decode())
    assert export_rows(client, "/registry/talents/export/")[0][0] == "姓名"
    # Organisations keep 名称.
    with translation.override("zh-hans"):
        assert str(OrgUnit._meta.get_field("name").verbose_name) == "名称"
    assert cells(client.get(f"/registry/enterprises/{company.pk}/").content.decode(), "企业名称") == company.name
    choose_language(client, "en")
    assert "Full name" in client.get("/registry/talents/new/").content.decode()


# --- 是 / 否 ---------------------------------------------------------------------------------------------------


def test_booleans_read_yes_or_no_on_detail_list_history_and_export(client, api_client, people, units):
    company = factories.enterprise(units["330402"], is_talent_enterprise=False)
    person = factories.talent(units["330402"], is_returnee=False)
    client.force_login(people["a_editor"])
    detail = client.get(f"/registry/enterprises/{company.pk}/").content.decode()
    assert cells(detail, label(company, "is_talent_enterprise")) == "否"
    assert "bi-dash-circle" not in detail and "bi-check-circle" not in detail
    assert cells(client.get(f"/registry/talents/{person.pk}/").content.decode(), label(person, "is_returnee")) == "否"
    api_client.force_authenticate(people["a_editor"])
    api_client.patch(f"/api/v1/talents/{person.pk}/", {"is_returnee": True}, format="json")
    history = client.get(f"/registry/talents/{person.pk}/", {"tab": "history"}).content.decode()
    assert re.search(r'diff-before">否<', history) and re.search(r'diff-after">是<', history)
    header, *rows = export_rows(client, "/registry/enterprises/export/")
    assert rows[0][header.index(label(company, "is_talent_enterprise"))] == "否"
    choose_language(client, "en")
    assert cells(client.get(f"/registry/talents/{person.pk}/").content.decode(), "Returned from study abroad") == "Yes"


# --- 请选择 ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/registry/talents/new/",
        "/registry/enterprises/new/",
        "/registry/teams/new/",
        "/registry/service-requests/new/",
        "/registry/enterprise-years/new/",
        "/platforms/platforms/new/",
        "/platforms/residencies/new/",
        "/programs/batches/new/",
        "/orgs/units/new/",
        "/programs/selections/new/",
    ],
)
def test_selects_prompt_select_instead_of_dashes(client, people, units, url):
    client.force_login(people["a_admin"])
    response = client.get(url)
    if response.status_code == 404:
        pytest.skip(f"{url} is not a registry form")
    html = response.content.decode()
    assert "---------" not in html
    assert '<option value="" selected>请选择</option>' in html or '<option value="">请选择</option>' in html
    choose_language(client, "en")
    assert "Select…" in client.get(url).content.decode()


def test_a_foreign_key_select_prompts_too(client, people, units):
    client.force_login(people["a_editor"])
    html = client.get("/registry/service-requests/new/").content.decode()
    talent_select = re.search(r'<select name="talent".*?</select>', html, re.S).group(0)
    assert '<option value="" selected>请选择</option>' in talent_select


# --- personal data in the edit form ----------------------------------------------------------------------------


def form_of(obj: Talent, html: str) -> dict:
    """What the browser sends back from the edit form untouched: every input's value as rendered."""
    data = {}
    for name, value in re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', html):
        data[name] = value
    for name, body in re.findall(r'<select[^>]*name="(\w+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = chosen.group(1) if chosen else ""
    for name, body in re.findall(r'<textarea[^>]*name="(\w+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = body.strip()
    data.pop("csrfmiddlewaretoken", None)
    return data


def test_the_edit_form_shows_personal_data_masked_and_opening_it_is_not_a_reveal(client, people, units):
    person = factories.talent(units["330402001"], phone="13912345678")
    client.force_login(people["a_editor"])
    response = client.get(f"/registry/talents/{person.pk}/edit/")
    html = response.content.decode()
    assert person.id_number not in html and "13912345678" not in html
    assert person.birth_date.isoformat() not in html
    assert f"{person.id_number[:6]}********{person.id_number[-4:]}" in html and "139****5678" in html
    assert f"/registry/talents/{person.pk}/reveal/id_number/" in html  # the detail page's reveal button
    assert not AuditEntry.objects.filter(action=Action.REVEAL).exists()
    htmx = client.get(f"/registry/talents/{person.pk}/edit/", HTTP_HX_REQUEST="true").content.decode()
    assert person.id_number not in htmx and "13912345678" not in htmx
    assert not AuditEntry.objects.filter(action=Action.REVEAL).exists()


def test_saving_the_form_with_the_masked_values_keeps_the_stored_ones(client, people, units):
    person = factories.talent(units["330402001"], phone="13912345678", position_title="工程师")
    stored = (person.id_number, person.phone, person.birth_date)
    client.force_login(people["a_editor"])
    html = client.get(f"/registry/talents/{person.pk}/edit/").content.decode()
    data = form_of(person, html)
    assert "*" in data["id_number"]
    # Inline validation of the untouched form shows the masks, not the stored values.
    checked = client.post(
        f"/registry/talents/{person.pk}/edit/", {**data, "_validate": "1"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert person.id_number not in checked and "13912345678" not in checked
    response = client.post(f"/registry/talents/{person.pk}/edit/", {**data, "position_title": "高级工程师"})
    assert response.status_code == 302, response.context["form"].errors
    person.refresh_from_db()
    assert (person.id_number, person.phone, person.birth_date) == stored
    assert person.position_title == "高级工程师"
    assert not AuditEntry.objects.filter(action=Action.REVEAL).exists()
    change = AuditEntry.objects.get(action=Action.UPDATE, object_id=str(person.pk))
    assert set(change.changes) == {"position_title"}


def test_a_personal_field_can_still_be_changed_by_typing_or_after_a_reveal(client, people, units):
    person = factories.talent(units["330402001"], phone="13912345678")
    client.force_login(people["a_editor"])
    page = client.get(f"/registry/talents/{person.pk}/edit/").content.decode()
    response = client.post(f"/registry/talents/{person.pk}/edit/", {**form_of(person, page), "phone": "13700001111"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.phone == "13700001111"
    # The reveal in the form gives the input with the full value, and is audited once.
    revealed = client.post(
        f"/registry/talents/{person.pk}/reveal/id_number/?into=form", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f'value="{person.id_number}"' in revealed and 'name="id_number"' in revealed
    assert AuditEntry.objects.filter(action=Action.REVEAL).count() == 1
    page = client.get(f"/registry/talents/{person.pk}/edit/").content.decode()
    new_number = factories.resident_id(person.birth_date, male=True)
    response = client.post(f"/registry/talents/{person.pk}/edit/", {**form_of(person, page), "id_number": new_number})
    assert response.status_code == 302, response.context["form"].errors
    person.refresh_from_db()
    assert person.id_number == new_number


def test_clearing_a_masked_field_clears_it(client, people, units):
    person = factories.talent(units["330402001"], phone="13912345678")
    client.force_login(people["a_editor"])
    page = client.get(f"/registry/talents/{person.pk}/edit/").content.decode()
    assert (
        client.post(f"/registry/talents/{person.pk}/edit/", {**form_of(person, page), "phone": ""}).status_code == 302
    )
    person.refresh_from_db()
    assert person.phone == ""


# --- birth date and gender from the resident ID -----------------------------------------------------------------


def new_talent(units, **changes) -> dict:
    data = {
        "name": "李明",
        "id_type": "resident_id",
        "nationality": "CN",
        "category": "professional",
        "tier": "youth",
        "recruitment_mode": "full_time",
        "industry": "digital",
        "org_unit": units["330402"].pk,
    }
    return {**data, **changes}


def test_the_form_fills_birth_date_and_gender_from_the_resident_id(client, people, units):
    number = factories.resident_id(datetime.date(1990, 3, 15), male=False)
    client.force_login(people["a_editor"])
    response = client.post("/registry/talents/new/", new_talent(units, id_number=number, birth_date="", gender=""))
    assert response.status_code == 302
    person = Talent.objects.get()
    assert person.birth_date == datetime.date(1990, 3, 15) and person.gender == "female"
    detail = client.get(response["Location"]).content.decode()
    assert cells(detail, "性别") == "女" and "1990-**-**" in detail


def test_the_form_still_refuses_a_birth_date_or_gender_that_disagrees(client, people, units):
    number = factories.resident_id(datetime.date(1990, 3, 15), male=True)
    client.force_login(people["a_editor"])
    response = client.post("/registry/talents/new/", new_talent(units, id_number=number, gender="female"))
    assert "gender" in response.context["form"].errors and not Talent.objects.exists()


def test_a_passport_leaves_birth_date_and_gender_as_entered(client, people, units):
    client.force_login(people["a_editor"])
    data = new_talent(units, id_type="passport", id_number="E12345678", nationality="US")
    assert client.post("/registry/talents/new/", data).status_code == 302
    person = Talent.objects.get()
    assert person.birth_date is None and person.gender == ""


def test_the_api_fills_birth_date_and_gender_from_the_resident_id(api_client, people, units):
    number = factories.resident_id(datetime.date(1988, 8, 8), male=True)
    api_client.force_authenticate(people["a_editor"])
    payload = {**new_talent(units, id_number=number), "org_unit": "330402"}
    response = api_client.post("/api/v1/talents/", payload, format="json")
    assert response.status_code == 201, response.json()
    person = Talent.objects.get()
    assert person.birth_date == datetime.date(1988, 8, 8) and person.gender == "male"
    wrong = api_client.patch(f"/api/v1/talents/{person.pk}/", {"birth_date": "1988-08-09"}, format="json")
    assert wrong.status_code == 400 and "birth_date" in wrong.json()


def test_the_form_fills_the_fields_in_the_browser_too(client, people, units):
    client.force_login(people["a_editor"])
    html = client.get("/registry/talents/new/").content.decode()
    assert "data-resident-id" in html and "/static/js/portal" in html


# --- nationality --------------------------------------------------------------------------------------------------


def test_nationality_is_chosen_by_name_stored_as_code_and_shown_as_name(client, people, units):
    client.force_login(people["a_editor"])
    form = client.get("/registry/talents/new/").content.decode()
    select = re.search(r'<select name="nationality".*?</select>', form, re.S).group(0)
    assert 'data-searchable="' in select
    assert '<option value="CN" selected>中国</option>' in select and '<option value="US">美国</option>' in select
    assert len(re.findall(r"<option ", select)) == 249
    data = new_talent(units, id_number=factories.resident_id(), nationality="US")
    response = client.post("/registry/talents/new/", data)
    assert response.status_code == 302
    person = Talent.objects.get()
    assert person.nationality == "US"
    detail = client.get(response["Location"]).content.decode()
    assert cells(detail, "国籍") == "美国"
    listed = client.get("/registry/talents/").content.decode()
    assert "美国" in listed
    header, *rows = export_rows(client, "/registry/talents/export/")
    assert rows[0][header.index("国籍")] == "美国"
    edit = client.get(f"/registry/talents/{person.pk}/edit/")
    changed = {**form_of(person, edit.content.decode()), "nationality": "DE"}
    assert client.post(f"/registry/talents/{person.pk}/edit/", changed).status_code == 302
    history = client.get(f"/registry/talents/{person.pk}/", {"tab": "history"}).content.decode()
    assert re.search(r'diff-before">美国<', history) and re.search(r'diff-after">德国<', history)
    choose_language(client, "en")
    assert cells(client.get(response["Location"]).content.decode(), "Nationality") == "Germany"


def test_the_form_reads_a_country_name_and_refuses_an_unknown_code(client, people, units):
    client.force_login(people["a_editor"])
    named = client.post(
        "/registry/talents/new/", new_talent(units, id_number=factories.resident_id(), nationality="日本")
    )
    assert named.status_code == 302 and Talent.objects.get().nationality == "JP"
    bad = client.post("/registry/talents/new/", new_talent(units, id_number=factories.resident_id(), nationality="XX"))
    assert "nationality" in bad.context["form"].errors


def test_the_api_keeps_the_code_and_refuses_unknown_ones(api_client, people, units):
    api_client.force_authenticate(people["a_editor"])
    payload = {**new_talent(units, id_number=factories.resident_id()), "org_unit": "330402", "nationality": "us"}
    response = api_client.post("/api/v1/talents/", payload, format="json")
    assert response.status_code == 201 and response.json()["nationality"] == "US"
    for wrong in ("XX", "美国", "", 12):
        bad = api_client.post(
            "/api/v1/talents/",
            {**payload, "id_number": factories.resident_id(), "nationality": wrong},
            format="json",
        )
        assert bad.status_code == 400 and "nationality" in bad.json(), wrong


def test_the_import_reads_nationality_by_name_or_code_and_fills_identity(tmp_path, people):
    from ..jobs.test_imports import run_cli

    header = ["姓名", "证件号码", "人才类别", "人才层次", "所属区域", "国籍", "出生日期", "性别"]
    numbers = [factories.resident_id(datetime.date(1980, 1, day), male=day % 2 == 1) for day in range(1, 6)]
    given = ["中国", "美国", "China", "de", "中华人民共和国"]
    wb = Workbook()
    wb.active.append(header)
    for number, nationality in zip(numbers, given, strict=True):
        wb.active.append(["外籍专家", number, "专业技术人才", "市级领军人才", "南湖区", nationality, None, None])
    wb.save(tmp_path / "ok.xlsx")
    imp = run_cli(tmp_path / "ok.xlsx", "a_admin", "--apply")
    assert imp.counts["created"] == 5, imp.errors
    stored = dict(Talent.objects.values_list("id_number", "nationality"))
    assert [stored[n] for n in numbers] == ["CN", "US", "CN", "DE", "CN"]
    first = Talent.objects.get(id_number=numbers[0])
    assert first.birth_date == datetime.date(1980, 1, 1) and first.gender == "male"
    bad = Workbook()
    bad.active.append(header)
    bad.active.append(["外籍专家", factories.resident_id(), "专业技术人才", "市级领军人才", "南湖区", "XX", None, None])
    bad.save(tmp_path / "bad.xlsx")
    errors = run_cli(tmp_path / "bad.xlsx", "a_admin").errors
    assert [(e["column"], e["value"]) for e in errors] == [("nationality", "XX")]
    assert "not a country" in errors[0]["message"] and len(errors[0]["message"]) < 200
