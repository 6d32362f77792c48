"""The leads' cockpit: its numbers equal counts written here independently, on a dataset over several counties
and two years; each number's list shows the same records; the queries do not grow with the data; each role sees
its own scope only; hostile parameters get an answer, never an error."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Q, Sum
from django.test.utils import CaptureQueriesContext

from cockpit import figures as cockpit
from platforms.models import Platform
from programs.models import Selection, Tranche
from talentportal.orgs.models import OrgUnit
from talents.models import Enterprise, EnterpriseYear, ServiceRequest, Talent, Team

from ..platforms import factories as platform_factories
from ..programs import factories as program_factories
from ..talents import factories as talent_factories

YEAR = 2025
CITY, NANHU, XIUZHOU, JIASHAN, TOWN = "330400", "330402", "330411", "330421", "330402001"
TIERS = ["top", "national_leading", "provincial_leading", "municipal_leading", "youth", "other"]
LEVELS = ["national", "provincial", "municipal", "county"]
OPEN = ["submitted", "in_progress"]


def day(year: int, month: int, d: int = 1) -> datetime.date:
    return datetime.date(year, month, d)


def dataset(units: dict[str, Any], scale: int = 1) -> None:
    """Records in three counties and a town, in the year, the year before and around them; ``scale`` repeats
    them (the query count must not change)."""
    places = [units[c] for c in (NANHU, XIUZHOU, JIASHAN, TOWN)]
    province = program_factories.program(units[CITY], level="provincial")
    nation = program_factories.program(units[CITY], level="national")
    city_program = program_factories.program(units[CITY], level="municipal")
    county_program = program_factories.program(units[NANHU], level="county")
    batches = [program_factories.batch(p) for p in (province, nation, city_program, county_program)]
    for n in range(scale):
        for i, unit in enumerate(places):
            for j, (year, month) in enumerate([(YEAR, 3), (YEAR, 12), (YEAR - 1, 6), (YEAR - 2, 5)]):
                person = talent_factories.talent(
                    unit, tier=TIERS[(i + j + n) % len(TIERS)], landed_on=day(year, month, 1 + i)
                )
                if (i + j) % 2 == 0:
                    talent_factories.team(unit, person)
                status = ["selected", "landed", "exited", "rejected"][(i + j) % 4]
                extra = {"exit_reason": "离职"} if status == "exited" else {}
                chosen = program_factories.selection(batches[(i + 2 * j + n) % 4], unit, talent=person, status=status,
                                                     award_amount=Decimal(100), applied_on=day(year, 1), decided_on=day(year, 6),
                                                     **extra)  # fmt: skip
                tranche_status = ["planned", "approved", "paid", "cancelled"][(i + j + n) % 4]
                paid = {"paid_on": day(year, 8), "voucher_no": f"V{n}{i}{j}"} if tranche_status == "paid" else {}
                program_factories.tranche(chosen, 1, status=tranche_status, planned_on=day(year, 7),
                                          amount=Decimal(10 + i + j), **paid)  # fmt: skip
                submitted, state = day(year, 2 + j), ["submitted", "in_progress", "resolved", "rejected"][(i + j) % 4]
                resolved = {"resolved_on": day(year + (j % 2), 6)} if state in ("resolved", "rejected") else {}
                talent_factories.service_request(person, submitted_on=submitted, status=state, **resolved)
                platform_factories.platform(unit, level=LEVELS[(i + j + n) % 4], recognized_on=day(year, 4 + i))
            company = talent_factories.enterprise(unit, is_talent_enterprise=True,
                                                  listing="star_market" if i % 2 else "none")  # fmt: skip
            for year, revenue in [(YEAR, [90, 100, 1500, 12000][i]), (YEAR - 1, [100, 999, 10000, 50][i])]:
                talent_factories.enterprise_year(company, year, revenue=revenue)
            other = talent_factories.enterprise(unit, is_talent_enterprise=False, listing="main_board")
            talent_factories.enterprise_year(other, YEAR, revenue=20000)


def between(field: str, year: int) -> Q:
    return Q(**{f"{field}__gte": day(year, 1), f"{field}__lte": day(year, 12, 31)})


def count_of(key: str, unit: OrgUnit, year: int) -> Decimal:
    """Each figure counted straight from the tables, not through the metrics."""
    path = unit.path
    talents = Talent.objects.filter(org_unit__path__startswith=path).filter(between("landed_on", year))
    if key == "talents_landed":
        return Decimal(talents.count())
    if key.startswith("talents_landed_"):
        return Decimal(talents.filter(tier=key.removeprefix("talents_landed_")).count())
    if key == "leading_talents":
        return Decimal(talents.filter(tier__in=TIERS[:4]).count())
    if key == "teams_landed":
        return Decimal(Team.objects.filter(org_unit__path__startswith=path).filter(between("leader__landed_on", year))
                       .count())  # fmt: skip
    selections = Selection.objects.filter(org_unit__path__startswith=path).filter(between("decided_on", year))
    selections = selections.exclude(status__in=["applied", "screened", "reviewed", "defended", "publicized",
                                                "rejected"])  # fmt: skip
    if key == "selections":
        return Decimal(selections.count())
    if key.startswith("selections_"):
        return Decimal(selections.filter(batch__program__level=key.removeprefix("selections_")).count())
    tranches = Tranche.objects.filter(selection__org_unit__path__startswith=path)
    planned = tranches.filter(between("planned_on", year)).exclude(status="cancelled")
    money = {
        "funds_planned": planned,
        "funds_approved": planned.filter(status__in=["approved", "paid"]),
        "funds_paid": tranches.filter(between("paid_on", year), status="paid"),
    }
    if key in money:
        return money[key].aggregate(total=Sum("amount"))["total"] or Decimal(0)
    platforms = Platform.objects.filter(org_unit__path__startswith=path).filter(between("recognized_on", year))
    if key == "platforms_recognized":
        return Decimal(platforms.count())
    if key.startswith("platforms_recognized_"):
        return Decimal(platforms.filter(level=key.removeprefix("platforms_recognized_")).count())
    figures = EnterpriseYear.objects.filter(year=year, enterprise__is_talent_enterprise=True,
                                            enterprise__org_unit__path__startswith=path)  # fmt: skip
    bands = {"enterprises_revenue_1m": 100, "enterprises_revenue_10m": 1000, "enterprises_revenue_100m": 10000}
    if key in bands:
        return Decimal(figures.filter(revenue__gte=bands[key]).count())
    if key == "enterprises_listed":
        return Decimal(Enterprise.objects.filter(org_unit__path__startswith=path, is_talent_enterprise=True)
                       .exclude(listing="none").count())  # fmt: skip
    end = day(year, 12, 31)
    requests = list(ServiceRequest.objects.filter(talent__org_unit__path__startswith=path))
    open_at_end = [r for r in requests if r.submitted_on <= end and (r.status in OPEN or (r.resolved_on or end) > end)]
    if key == "requests_open":
        return Decimal(len(open_at_end))
    if key == "requests_overdue":
        days = datetime.timedelta(days=settings.SERVICE_REQUEST_DUE_DAYS)
        late = [r for r in open_at_end if r.submitted_on < end - days]
        closed_late = [r for r in requests if r.resolved_on and r.resolved_on.year == year
                       and r.resolved_on - r.submitted_on > days]  # fmt: skip
        return Decimal(len({r.pk for r in [*late, *closed_late]}))
    raise AssertionError(key)


def list_rows(client: Any, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    assert not response.context["filterset"].form.errors, (url, response.context["filterset"].form.errors)
    return int(response.context["page"].paginator.count)


def records_of(key: str, unit: OrgUnit, year: int) -> int:
    """How many records a figure's list must show: money counts its tranches."""
    tranches = Tranche.objects.filter(selection__org_unit__path__startswith=unit.path)
    planned = tranches.filter(between("planned_on", year)).exclude(status="cancelled")
    by_key = {
        "funds_planned": planned,
        "funds_approved": planned.filter(status__in=["approved", "paid"]),
        "funds_paid": tranches.filter(between("paid_on", year), status="paid"),
    }
    return by_key[key].count() if key in by_key else int(count_of(key, unit, year))


def test_every_figure_equals_an_independent_count_and_its_list_shows_the_same_records(client, units, people):
    dataset(units)
    city = units[CITY]
    found = cockpit.cockpit_figures(city, YEAR)
    assert {c.code for c in found.children} >= {NANHU, XIUZHOU, JIASHAN}
    client.force_login(people["city_viewer"])
    for measure in cockpit.MEASURES:
        for unit, figures in [(city, found.own), *((c, found.by_child[c.pk]) for c in found.children)]:
            figure = figures[measure.key]
            for year, cell in [(YEAR, figure.this_year), (YEAR - 1, figure.last_year)]:
                if measure.yearless and year != YEAR:
                    assert cell.value is None and cell.url is None
                    continue
                assert cell.value == count_of(measure.key, unit, year), (measure.key, unit.code, year)
                assert cell.url is not None
                assert list_rows(client, cell.url) == records_of(measure.key, unit, year), (measure.key, cell.url)
    # The dataset makes every kind of figure count something, in the year and the one before.
    for measure in cockpit.MEASURES:
        if measure.key not in {"talents_landed_other", "talents_landed_top"}:
            assert found.own[measure.key].this_year.value, measure.key


def test_a_town_is_counted_in_its_county_and_the_county_compares_its_towns(units):
    dataset(units)
    nanhu = cockpit.cockpit_figures(units[NANHU], YEAR)
    assert TOWN in {c.code for c in nanhu.children}
    town = next(c for c in nanhu.children if c.code == TOWN)
    assert nanhu.by_child[town.pk]["talents_landed"].this_year.value == 2
    assert nanhu.own["talents_landed"].this_year.value == 4  # its own two and the town's two


def page_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_page_and_the_api_make_a_fixed_number_of_queries_whatever_the_data(client, units, people):
    client.force_login(people["city_viewer"])
    dataset(units, scale=1)
    small = (page_queries(client, "/dashboard/?year=2025"), page_queries(client, "/api/v1/dashboard/?year=2025"))
    dataset(units, scale=3)
    large = (page_queries(client, "/dashboard/?year=2025"), page_queries(client, "/api/v1/dashboard/?year=2025"))
    assert small == large
    # Pinned: per metric and year one grouped query and the org units' paths it sums with (20 metric-years), the
    # session, user and unit, the selector's units, the children, the plan's and the schemes' reads, and on the
    # page the viewer's recent reports.
    assert large == (51, 50), large


def test_a_viewer_lands_on_the_cockpit_and_a_clerk_keeps_the_home_page_with_a_link(client, people):
    client.force_login(people["city_viewer"])
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    client.force_login(people["a_editor"])
    response = client.get("/")
    assert response.status_code == 200
    assert b'id="cockpit-link"' in response.content and b'id="nav-cockpit"' in response.content


@pytest.mark.parametrize("persona", ["city_admin", "city_viewer", "reviewer", "a_admin", "a_editor", "a_viewer",
                                     "b_editor"])  # fmt: skip
def test_every_role_reads_its_own_scope_and_another_unit_is_not_found(client, api_client, units, people, persona):
    dataset(units)
    user = people[persona]
    own = user.membership.org_unit
    client.force_login(user)
    api_client.force_authenticate(user)
    response = client.get("/dashboard/?year=2025")
    assert response.status_code == 200
    assert response.context["unit"] == own
    assert response.context["figures"].own["talents_landed"].this_year.value == count_of("talents_landed", own, YEAR)
    answer = api_client.get("/api/v1/dashboard/", {"year": YEAR}).json()
    assert answer["org_unit"] == own.code
    landed = next(f for f in answer["figures"] if f["key"] == "talents_landed")
    assert Decimal(landed["this_year"]["value"]) == count_of("talents_landed", own, YEAR)
    outside = JIASHAN if own.code != CITY else None
    if outside:
        assert client.get(f"/dashboard/?org_unit={outside}").status_code == 404
        assert api_client.get("/api/v1/dashboard/", {"org_unit": outside}).status_code == 404
        assert JIASHAN not in response.content.decode().split('id="cockpit-unit"')[1].split("</select>")[0]
    else:
        assert client.get(f"/dashboard/?org_unit={JIASHAN}").status_code == 200


def test_a_county_sees_its_own_units_only_in_the_api(api_client, units, people):
    dataset(units)
    api_client.force_authenticate(people["a_viewer"])
    answer = api_client.get("/api/v1/dashboard/", {"year": YEAR}).json()
    codes = {u["org_unit"] for f in answer["figures"] for u in f["units"]}
    assert codes == {c.code for c in OrgUnit.objects.filter(parent=units[NANHU])}
    assert XIUZHOU not in str(answer)


@pytest.mark.parametrize("year", ["abc", "99999", "-1", "2025.5", "1e3", "２０２５", "2025\x00", " ", "0"])
def test_a_year_that_is_not_one_is_a_clear_400(client, api_client, people, year):
    client.force_login(people["city_viewer"])
    response = client.get("/dashboard/", {"year": year})
    if year.strip() == "":
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert "年份须为 1949 至 2100 之间的整数" in response.content.decode()
    api_client.force_authenticate(people["city_viewer"])
    answer = api_client.get("/api/v1/dashboard/", {"year": year})
    assert answer.status_code == 400 and "year" in answer.json()
    assert client.get("/dashboard/rankings/", {"year": year}).status_code == 400


@pytest.mark.parametrize("code", ["<script>alert(1)</script>", "330400\x00", "x" * 500, "' OR 1=1 --", "９９"])
def test_a_unit_that_is_not_one_is_not_found(client, api_client, people, code):
    client.force_login(people["city_viewer"])
    assert client.get("/dashboard/", {"org_unit": code}).status_code == 404
    api_client.force_authenticate(people["city_viewer"])
    assert api_client.get("/api/v1/dashboard/", {"org_unit": code}).status_code == 404


def test_far_years_answer_with_empty_figures(client, people):
    client.force_login(people["city_viewer"])
    for year in (1950, 2100):
        response = client.get("/dashboard/", {"year": year})
        assert response.status_code == 200
        assert response.context["figures"].own["talents_landed"].this_year.value == 0


def test_signed_out_users_are_sent_to_sign_in(client, api_client):
    assert client.get("/dashboard/").status_code == 302
    assert api_client.get("/api/v1/dashboard/").status_code in (401, 403)


def test_the_schema_declares_the_endpoint_and_its_answer(schema):
    operation = schema["paths"]["/api/v1/dashboard/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"year", "org_unit"}
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    answer = schema["components"]["schemas"][ref]
    assert set(answer["properties"]) == {"year", "org_unit", "org_unit_name", "figures", "plan", "assessment"}
    figure = schema["components"]["schemas"]["Figure"]["properties"]
    assert {"key", "this_year", "last_year", "change", "units"} <= set(figure)


def test_the_rankings_show_the_provisional_and_the_published_one_as_each_user_may_see_them(client, units, people):
    from ..assessments.test_pages import county_scheme, landed, open_scheme, publish

    admin = people["city_admin"]
    for n, code in enumerate([NANHU, XIUZHOU, JIASHAN]):
        landed(units[code], 2 + n, YEAR)
    publish(open_scheme(county_scheme(units[CITY], YEAR - 1, "去年的考核"), admin), admin)
    open_scheme(county_scheme(units[CITY], YEAR, "今年的考核"), admin)

    client.force_login(people["city_viewer"])
    response = client.get("/dashboard/rankings/", {"year": YEAR})
    current, published = response.context["current"], response.context["published"]
    assert current.provisional and current.whole and current.scheme.name == "今年的考核"
    assert not published.provisional and published.scheme.name == "去年的考核"
    assert len(current.rows) == len(published.rows) == OrgUnit.objects.filter(kind="county").count()
    with CaptureQueriesContext(connection) as again:
        client.get("/dashboard/rankings/", {"year": YEAR})
    with CaptureQueriesContext(connection) as first:
        from django.core.cache import cache

        cache.clear()
        client.get("/dashboard/rankings/", {"year": YEAR})
    assert len(again) < len(first)  # the live ranking came from the cache

    client.force_login(people["a_viewer"])  # a county sees its own row only before publication, without a rank
    response = client.get("/dashboard/rankings/", {"year": YEAR})
    rows = response.context["current"].rows
    assert [r.result.assessee.key for r in rows] == [NANHU] and not response.context["current"].whole
    assert "秀洲区" not in response.content.decode().split('id="ranking-published"')[0]
