"""Readers search personal data only by what its mask shows or by the complete value, through every door: the
list pages' and the API's q=, the field filters, exports and the searches of other registries that reach a
talent's ID number. A masked number cannot be rebuilt by guessing its hidden digits."""

from __future__ import annotations

import datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from talentportal.audit.models import Action, AuditEntry

from ..platforms import factories as platform_factories
from ..programs import factories as program_factories
from . import factories

BIRTH = datetime.date(1985, 6, 1)
EMAIL = "wang.wei@example.cn"


@pytest.fixture
def target(units):
    unit = units["330402001"]
    # Namesakes and neighbours: other talents born around the same days, so that a leak would show.
    for day in (1, 2, 15, 30):
        factories.talent(unit, birth_date=datetime.date(1985, 6, day), phone=f"1390000{day:04d}")
    return factories.talent(unit, birth_date=BIRTH, phone="13912345678", email=EMAIL)


def page(client, params: dict) -> set[int]:
    response = client.get("/registry/talents/", params)
    assert response.status_code == 200
    return {t.pk for t in response.context["page"].object_list}


def api(api_client, params: dict) -> set[int]:
    response = api_client.get("/api/v1/talents/", params)
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


def exported_rows(client, params: dict) -> int:
    sheet = load_workbook(BytesIO(client.get("/registry/talents/export/", params).content)).active
    return sheet.max_row - 1


def guesses(number: str) -> list[str]:
    """What a reader who sees ``330402********1234`` would try: the birth day before the last four, the birth
    date, the middle digits, longer endings, beginnings, the number without its check digit."""
    tail = number[-4:]
    return [
        *(f"{day:02d}{tail}" for day in range(1, 32)),
        number[6:14],
        number[6:10],
        number[10:14],
        number[8:16],
        number[-5:],
        number[-6:],
        number[-8:],
        number[:10],
        number[:14],
        number[:-1],
        number[1:],
        f"{number[:6]}********{tail}",
    ]


@pytest.mark.parametrize("persona", ["a_viewer", "city_viewer", "reviewer"])
def test_readers_cannot_rebuild_a_masked_id_number_by_searching(client, api_client, people, target, persona):
    client.force_login(people[persona])
    api_client.force_authenticate(people[persona])
    unrelated = page(client, {"q": "无此人"})
    assert unrelated == set() and api(api_client, {"q": "无此人"}) == set()
    for term in guesses(target.id_number):
        assert page(client, {"q": term}) == unrelated, term
        assert api(api_client, {"q": term}) == unrelated, term
        assert page(client, {"id_number": term}) == unrelated, term
        assert api(api_client, {"id_number": term}) == unrelated, term
    assert exported_rows(client, {"q": target.id_number[-6:]}) == 0
    # What the mask shows, and the whole number (however typed), still find the talent.
    assert target.pk in page(client, {"q": target.id_number[-4:]})
    assert target.pk in api(api_client, {"q": target.id_number[-4:]})
    grouped = f"{target.id_number[:6]} {target.id_number[6:14]} {target.id_number[14:].lower()}"
    for term in (target.id_number, grouped, target.id_number.lower()):
        assert page(client, {"q": term}) == {target.pk}, term
        assert api(api_client, {"q": term}) == {target.pk}, term
    assert page(client, {"id_number": target.id_number}) == {target.pk}
    assert api(api_client, {"id_number": target.id_number}) == {target.pk}
    assert exported_rows(client, {"q": target.id_number}) == 1


def test_readers_find_phones_by_the_last_four_or_in_full_and_e_mail_addresses_only_in_full(
    client, api_client, people, target
):
    client.force_login(people["a_viewer"])
    api_client.force_authenticate(people["a_viewer"])
    for term in (
        "45678",
        "345678",
        "1391234",
        "12345678",
        "3912345678",
        "139****5678",
        "wang",
        "wang.wei",
        "example.cn",
    ):
        assert page(client, {"q": term}) == set(), term
        assert api(api_client, {"q": term}) == set(), term
    for name in ("phone", "email"):
        assert api(api_client, {name: "345678" if name == "phone" else "@example.cn"}) == set()
    # Lookups the API does not offer are ignored: they answer what any other value would.
    assert api(api_client, {"phone__icontains": "345678"}) == api(api_client, {"phone__icontains": "000000"})
    assert page(client, {"q": "5678"}) == {target.pk}
    assert page(client, {"q": "13912345678"}) == api(api_client, {"phone": "13912345678"}) == {target.pk}
    assert page(client, {"q": EMAIL.upper()}) == api(api_client, {"email": EMAIL}) == {target.pk}


def test_editors_keep_the_broader_search(client, api_client, people, target):
    client.force_login(people["a_editor"])
    api_client.force_authenticate(people["a_editor"])
    assert page(client, {"q": target.id_number[-6:]}) == {target.pk}
    assert api(api_client, {"q": target.id_number[-8:]}) == {target.pk}
    assert page(client, {"q": "345678"}) == {target.pk}
    assert page(client, {"q": "wang.wei"}) == api(api_client, {"email": "wang"}) == {target.pk}


def test_enterprise_contact_phones_are_searched_as_they_are_masked(client, api_client, people, units):
    company = factories.enterprise(units["330402"], contact_phone="13587654321")
    api_client.force_authenticate(people["a_viewer"])

    def found(params: dict) -> set[int]:
        return {row["id"] for row in api_client.get("/api/v1/enterprises/", params).json()["results"]}

    assert found({"q": "654321"}) == found({"contact_phone": "7654321"}) == set()
    assert found({"q": "4321"}) == found({"contact_phone": "13587654321"}) == {company.pk}
    api_client.force_authenticate(people["a_editor"])
    assert found({"q": "654321"}) == {company.pk}


def test_selections_and_residencies_reach_a_talents_id_number_as_masked(client, people, units, target):
    unit = units["330402"]
    selection = program_factories.selection(
        program_factories.batch(program_factories.program(unit)), unit, talent=target
    )
    residency = platform_factories.residency(platform_factories.platform(unit), talent=target)
    number = target.id_number
    for url, pk in (("/programs/selections/", selection.pk), ("/platforms/residencies/", residency.pk)):
        client.force_login(people["a_viewer"])

        def found(term: str, url: str = url) -> set[int]:
            return {obj.pk for obj in client.get(url, {"q": term}).context["page"].object_list}

        assert found(number) == found(number[-4:]) == {pk}
        for term in (number[-6:], number[6:14], f"01{number[-4:]}"):
            assert found(term) == set(), (url, term)
        client.force_login(people["a_editor"])
        assert found(number[-6:]) == {pk}


def test_e_mail_addresses_are_masked_for_readers_and_revealed_with_an_audit_entry(client, api_client, people, target):
    for persona in ("a_viewer", "a_editor"):
        client.force_login(people[persona])
        api_client.force_authenticate(people[persona])
        for html in (
            client.get(f"/registry/talents/{target.pk}/").content.decode(),
            str(api_client.get("/api/v1/talents/").json()),
        ):
            assert EMAIL not in html and "w***@example.cn" in html
        workbook = load_workbook(BytesIO(client.get("/registry/talents/export/").content)).active
        cells = {str(c.value) for row in workbook.iter_rows() for c in row}
        assert ("w***@example.cn" in cells) == (persona == "a_viewer") and (EMAIL in cells) == (persona == "a_editor")
    AuditEntry.objects.all().delete()
    response = client.post(f"/registry/talents/{target.pk}/reveal/email/", HTTP_HX_REQUEST="true")
    assert EMAIL in response.content.decode()
    assert AuditEntry.objects.get(action=Action.REVEAL).changes == {"revealed": ["email"]}
    assert api_client.get(f"/api/v1/talents/{target.pk}/", {"reveal": "true"}).json()["email"] == EMAIL


def test_a_name_search_adds_no_personal_clause(people, units):
    """A name cannot be part of an ID or phone number or an e-mail address: its search keeps to the indexed name
    and employer columns, whoever searches."""
    from talents.filters import TalentFilterSet
    from talents.models import Talent

    for persona in ("a_viewer", "a_editor"):
        filterset = TalentFilterSet({"q": "王伟"}, queryset=Talent.objects.all(), user=people[persona])
        sql = str(filterset.qs.query).split(" WHERE ", 1)[1]
        assert "id_number" not in sql and "email" not in sql and '"phone"' not in sql, (persona, sql)
