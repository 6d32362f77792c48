"""Platform rules: residency overlaps, one resident per stay, dates, star ratings, revocation; pages and API."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from platforms.models import Platform, Residency
from talentportal.audit.models import Action, AuditEntry

from ..talents import factories as talent_factories
from . import factories


@pytest.fixture
def station(units):
    return factories.platform(
        units["330402"], kind="academician_station", level="provincial", recognized_on=datetime.date(2020, 5, 1)
    )


def test_overlapping_stays_of_the_same_talent_are_refused_in_form_and_api(client, api_client, people, units, station):
    person = talent_factories.talent(units["330402"])
    factories.residency(station, talent=person, since="2024-01-01", until="2024-12-31")
    client.force_login(people["a_editor"])
    response = client.post(
        "/platforms/residencies/new/", {"platform": station.pk, "talent": person.pk, "since": "2024-06-01"}
    )
    assert response.status_code == 200 and "since" in response.context["form"].errors
    api_client.force_authenticate(people["a_editor"])
    api = api_client.post(
        "/api/v1/residencies/",
        {"platform": station.pk, "talent": person.pk, "since": "2023-06-01", "until": "2024-02-01"},
        format="json",
    )
    assert api.status_code == 400 and "since" in api.json()
    ok = client.post(
        "/platforms/residencies/new/", {"platform": station.pk, "talent": person.pk, "since": "2025-01-01"}
    )
    assert ok.status_code == 302
    assert Residency.objects.count() == 2


def test_a_stay_has_exactly_one_resident_and_ends_after_it_starts(client, people, units, station):
    person = talent_factories.talent(units["330402"])
    company = talent_factories.enterprise(units["330402"])
    client.force_login(people["a_editor"])
    both = client.post(
        "/platforms/residencies/new/",
        {"platform": station.pk, "talent": person.pk, "enterprise": company.pk, "since": "2024-01-01"},
    )
    neither = client.post("/platforms/residencies/new/", {"platform": station.pk, "since": "2024-01-01"})
    backwards = client.post(
        "/platforms/residencies/new/",
        {"platform": station.pk, "enterprise": company.pk, "since": "2024-05-01", "until": "2024-04-01"},
    )
    for response in (both, neither, backwards):
        assert response.status_code == 200 and response.context["form"].errors
    assert not Residency.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        Residency.objects.create(platform=station, talent=person, enterprise=company, since="2024-01-01")


def test_database_holds_star_rating_and_revocation_rules(station):
    with pytest.raises(IntegrityError), transaction.atomic():
        Platform.objects.filter(pk=station.pk).update(star_rating=6)
    with pytest.raises(IntegrityError), transaction.atomic():
        Platform.objects.filter(pk=station.pk).update(status="revoked")  # without a date
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.platform(station.org_unit, code=station.code)


def test_star_rating_and_location_are_checked_in_the_form(client, people, units):
    client.force_login(people["a_editor"])
    data = {
        "code": "X-1",
        "name": "硅谷工作站",
        "kind": "overseas_station",
        "level": "municipal",
        "org_unit": units["330402"].pk,
        "location": "overseas",
        "star_rating": 7,
    }
    response = client.post("/platforms/platforms/new/", data)
    errors = response.context["form"].errors
    assert {"star_rating", "city", "country"} <= set(errors)
    assert not Platform.objects.exists()
    ok = client.post("/platforms/platforms/new/", {**data, "star_rating": 4, "city": "Palo Alto", "country": "us"})
    assert ok.status_code == 302 and Platform.objects.get().country == "US"


def test_revoke_with_date_and_reason_is_audited(client, people, units, station):
    client.force_login(people["a_editor"])
    assert (
        client.post(
            f"/platforms/platforms/{station.pk}/revoke/", {"revoked_on": "2019-01-01", "revoked_reason": "x"}
        ).status_code
        == 200
    )
    response = client.post(
        f"/platforms/platforms/{station.pk}/revoke/", {"revoked_on": "2025-06-30", "revoked_reason": "考核不合格"}
    )
    assert response.status_code == 302
    station.refresh_from_db()
    assert (station.status, station.revoked_on, station.revoked_reason) == (
        "revoked",
        datetime.date(2025, 6, 30),
        "考核不合格",
    )
    assert AuditEntry.objects.get(action=Action.UPDATE, object_id=str(station.pk)).changes["status"] == [
        "active",
        "revoked",
    ]
    client.force_login(people["a_viewer"])
    assert (
        client.post(
            f"/platforms/platforms/{station.pk}/revoke/", {"revoked_on": "2025-06-30", "revoked_reason": "x"}
        ).status_code
        == 403
    )
    client.force_login(people["b_editor"])
    assert client.get(f"/platforms/platforms/{station.pk}/revoke/").status_code == 404


def test_detail_shows_figures_and_current_and_past_residents(client, people, units, station):
    factories.platform_year(station, 2024)
    factories.platform_year(station, 2025, resident_talents=20)
    now = talent_factories.talent(units["330402"], name="在站专家")
    before = talent_factories.talent(units["330402"], name="出站专家")
    factories.residency(station, talent=now, since="2025-01-01")
    factories.residency(station, talent=before, since="2020-01-01", until="2022-12-31")
    client.force_login(people["a_viewer"])
    residents = client.get(f"/platforms/platforms/{station.pk}/", {"tab": "residents"}).content.decode()
    assert residents.index("在站专家") < residents.index("出站专家")
    assert f"/registry/talents/{now.pk}/" in residents
    figures = client.get(f"/platforms/platforms/{station.pk}/", {"tab": "figures"}).content.decode()
    assert 'id="platform-chart"' in figures and "2025" in figures


@pytest.mark.parametrize(
    "url",
    [
        "/platforms/platforms/",
        "/platforms/platform-years/",
        "/platforms/residencies/",
        "/api/v1/platforms/",
        "/api/v1/platform-years/",
        "/api/v1/residencies/",
    ],
)
def test_list_query_counts_do_not_grow_with_rows(client, people, units, url):
    client.force_login(people["city_admin"])

    def grow(n: int) -> None:
        for _ in range(n):
            owner = factories.platform(units["330402"], host_enterprise=talent_factories.enterprise(units["330402"]))
            factories.platform_year(owner)
            factories.residency(owner, talent=talent_factories.talent(units["330402"]))
            factories.residency(owner, enterprise=talent_factories.enterprise(units["330411"]))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"per_page": 100, "page_size": 100}).status_code == 200
        return len(queries)

    grow(2)
    small = count()
    grow(20)
    assert count() == small
