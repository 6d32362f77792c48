"""The annual report and its workbook: one build whose every table equals counts written here independently and
the cockpit's figures; each role reads its own scope; no personal data; a fixed number of queries; the form
refuses a future year and units it does not know or may not read."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Q, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from assessments.scoring import results_of
from cockpit import figures as cockpit
from cockpit.reports.annual import SECTIONS, AnnualForm
from platforms.models import Platform
from programs.models import LANDED_OR_LATER, SELECTED_OR_LATER, Batch, Selection, Tranche
from talentportal.jobs.reports.document import Document, chart_series
from talentportal.jobs.reports.kinds import DOCX, REPORTS, XLSX, OutOfScope
from talentportal.orgs.models import OrgUnit, User
from talents.models import EnterpriseYear, ServiceRequest, Talent

from ..cockpit.test_cockpit import count_of
from ..plans import factories as plan_factories
from ..platforms import factories as platform_factories
from ..programs import factories as program_factories
from ..talents import factories as talent_factories

YEAR = 2025
CITY, NANHU, XIUZHOU, TOWN = "330400", "330402", "330411", "330402001"
CATEGORIES = ["party_gov", "management", "professional", "skilled", "rural", "social_work"]
TIERS = ["top", "national_leading", "provincial_leading", "municipal_leading", "youth", "other"]
KINDS = ["incubator", "enclave", "overseas_station", "academician_station"]
LOCATIONS = ["local", "domestic", "overseas", "local"]


def day(year: int, month: int, d: int = 1) -> datetime.date:
    return datetime.date(year, month, d)


def dataset(units: dict[str, Any], scale: int = 1) -> None:
    """Records in two counties and a town of one of them, this year and last; ``scale`` repeats them."""
    places = [units[c] for c in (NANHU, XIUZHOU, TOWN)]
    city_program = program_factories.program(units[CITY], level="municipal", name="创新嘉兴·精英引领计划")
    county_program = program_factories.program(units[XIUZHOU], level="county", name="秀洲区专属人才计划")
    batches = {
        (city_program.pk, YEAR): program_factories.batch(city_program, year=YEAR),
        (city_program.pk, YEAR - 1): program_factories.batch(city_program, year=YEAR - 1),
        (county_program.pk, YEAR): program_factories.batch(county_program, year=YEAR),
    }
    for n in range(scale):
        for i, unit in enumerate(places):
            for j, (year, month) in enumerate([(YEAR, 3), (YEAR, 11), (YEAR - 1, 6)]):
                k = i + j + n
                person = talent_factories.talent(unit, tier=TIERS[k % 6], category=CATEGORIES[(k + j) % 6],
                                                 landed_on=day(year, month, 1 + i))  # fmt: skip
                if k % 2 == 0:
                    talent_factories.team(unit, person)
                program = county_program if unit.code == XIUZHOU and j == 1 else city_program
                status = ["selected", "landed", "exited", "rejected", "applied"][k % 5]
                extra = {"exit_reason": "离职"} if status == "exited" else {}
                decided = {"decided_on": day(year, 6)} if status != "applied" else {}
                chosen = program_factories.selection(batches.get((program.pk, year), batches[(city_program.pk, YEAR)]),
                                                     unit, talent=person, status=status, award_amount=Decimal(100),
                                                     applied_on=day(year, 1), **decided, **extra)  # fmt: skip
                tranche_status = ["planned", "approved", "paid", "cancelled"][k % 4]
                paid = {"paid_on": day(year, 8), "voucher_no": f"V{n}{i}{j}"} if tranche_status == "paid" else {}
                program_factories.tranche(chosen, 1, status=tranche_status, planned_on=day(year, 7),
                                          amount=Decimal(10 + i + j), **paid)  # fmt: skip
                state = ["submitted", "in_progress", "resolved", "rejected"][k % 4]
                submitted = day(year, 2 + j)
                waited = datetime.timedelta(days=10 + 40 * j)  # the first in time, the others late
                resolved = {"resolved_on": submitted + waited} if state in ("resolved", "rejected") else {}
                talent_factories.service_request(person, submitted_on=submitted, status=state, **resolved)
                platform_factories.platform(unit, kind=KINDS[k % 4], location=LOCATIONS[k % 4],
                                            level=["national", "provincial", "municipal", "county"][k % 4],
                                            recognized_on=day(year, 4 + i))  # fmt: skip
            platform_factories.platform(unit, status="revoked", recognized_on=day(YEAR - 2, 1),
                                        revoked_on=day(YEAR, 5))  # fmt: skip
            company = talent_factories.enterprise(unit, is_talent_enterprise=True,
                                                  listing="star_market" if i % 2 else "none")  # fmt: skip
            for year, revenue in [(YEAR, [90, 1500, 12000][i]), (YEAR - 1, [100, 999, 50][i])]:
                talent_factories.enterprise_year(company, year, revenue=revenue, tax_paid=i + 1)
            other = talent_factories.enterprise(unit, is_talent_enterprise=False, listing="main_board")
            talent_factories.enterprise_year(other, YEAR, revenue=20000)
        # Records of the city itself and of a department: no area's, but the city's total counts them.
        for unit in (units[CITY], units["330400-KJJ"]):
            person = talent_factories.talent(unit, tier="top", category="professional", landed_on=day(YEAR, 5))
            talent_factories.service_request(person, submitted_on=day(YEAR, 5), status="in_progress")


def with_plan(units: dict[str, Any]) -> None:
    plan = plan_factories.plan(units[CITY], name="嘉兴市人才发展“十四五”规划", start=2021, end=2025)
    plan_factories.indicator(plan, "1", name="新引进人才数", unit="人", category="flow", baseline_value=Decimal(0),
                             target_value=Decimal(20), metric="talents.landed")  # fmt: skip
    total = plan_factories.indicator(plan, "2")
    plan_factories.actual(total, units[CITY], YEAR, "37.5")


def with_scheme(units: dict[str, Any], people: dict[str, Any], year: int = YEAR, publish: bool = False) -> Any:
    from ..assessments.test_pages import county_scheme, open_scheme
    from ..assessments.test_pages import publish as publish_scheme

    scheme = open_scheme(county_scheme(units[CITY], year, f"{year}年度县（市、区）人才工作考核"), people["city_admin"])
    return publish_scheme(scheme, people["city_admin"]) if publish else scheme


def build(user: Any, unit: OrgUnit | None = None, kind: str = "annual", year: int = YEAR) -> Document:
    steps: list[tuple[int, int, str]] = []
    with translation.override("zh-hans"):
        document = REPORTS[kind].build(user, {"year": year, "org_unit": unit}, lambda *a: steps.append(a))
    assert len(steps) > len(SECTIONS) and [s[0] for s in steps] == sorted(s[0] for s in steps)
    return document


def rows_by_name(table: Any) -> dict[str, list[Any]]:
    return {row[0]: row[1:] for row in table.rows}


def in_year(field: str, year: int = YEAR) -> Q:
    return Q(**{f"{field}__gte": day(year, 1), f"{field}__lte": day(year, 12, 31)})


def number(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def check_document(document: Document, unit: OrgUnit) -> None:
    """Every table's numbers against counts made here from the tables, and against the cockpit's figures."""
    with translation.override("zh-hans"):
        check_tables(document, unit)


def check_tables(document: Document, unit: OrgUnit) -> None:
    found = cockpit.cockpit_figures(unit, YEAR)
    areas = {a.name: a for a in found.areas}
    path = unit.path
    assert [s.key for s in document.sections] == SECTIONS

    # overview: the headline figures, this year and last, as counted and as the cockpit has them
    headlines = document.section("overview").table("headlines")
    for key, row in zip(cockpit.HEADLINES, headlines.rows, strict=True):
        assert row[0] == str(cockpit.BY_KEY[key].heading)
        assert number(row[1]) == count_of(key, unit, YEAR) == found.own[key].this_year.value, key
        assert number(row[2]) == count_of(key, unit, YEAR - 1) == found.own[key].last_year.value, key
    landed = count_of("talents_landed", unit, YEAR)
    assert f"新引进各类人才{landed}人" in document.section("overview").text[0]

    talents = document.section("talents")
    by_category = talents.table("by_category")
    of_year = Talent.objects.filter(org_unit__path__startswith=path).filter(in_year("landed_on"))
    for category, row in zip(CATEGORIES, by_category.rows, strict=True):
        for tier, value in zip(TIERS, row[1:], strict=False):
            assert value == of_year.filter(category=category, tier=tier).count(), (category, tier)
        assert row[-1] == of_year.filter(category=category).count()
    assert by_category.total[-1] == of_year.count() == landed
    for table_key, keys in [("by_county", cockpit.HEADLINES), ("county_tiers", cockpit.TIERS)]:
        table = talents.table(table_key)
        for name, values in rows_by_name(table).items():
            if name in areas:
                for key, value in zip(keys, values, strict=True):
                    assert number(value) == count_of(key, areas[name], YEAR), (table_key, name, key)
        for i, key in enumerate(keys):
            assert number(table.total[i + 1]) == count_of(key, unit, YEAR)
            if table.rows:  # the rows add up to the total
                assert sum(number(r[i + 1]) for r in table.rows) == number(table.total[i + 1])
    series = chart_series(talents.table("county_tiers"), talents.charts[0])
    assert series[0] == [row[0] for row in talents.table("county_tiers").rows]

    programs = document.section("programs")
    batches = programs.table("batches")
    visible = {str(b): b for b in Batch.objects.filter(year=YEAR)}
    for row in batches.rows:
        selections = Selection.objects.filter(batch=visible[row[0]], org_unit__path__startswith=path)
        assert row[2:6] == [
            selections.count(),
            selections.filter(status__in=SELECTED_OR_LATER).count(),
            selections.filter(status__in=LANDED_OR_LATER).count(),
            selections.filter(status="exited").count(),
        ], row
        awarded = selections.filter(status__in=SELECTED_OR_LATER).aggregate(s=Sum("award_amount"))["s"]
        assert number(row[6]) == (awarded or 0)
        paid = Tranche.objects.filter(selection__in=selections, status="paid").filter(in_year("paid_on"))
        assert number(row[7]) == (paid.aggregate(s=Sum("amount"))["s"] or 0)
    applied = Selection.objects.filter(org_unit__path__startswith=path, batch__year=YEAR).count()
    assert batches.total[2] == applied
    for row, key in zip(programs.table("by_level").rows[1:], [f"selections_{lv}" for lv in
                        ["national", "provincial", "municipal", "county"]], strict=True):  # fmt: skip
        assert number(row[1]) == count_of(key, unit, YEAR)

    enterprises = document.section("enterprises")
    bands = ["enterprises_revenue_1m", "enterprises_revenue_10m", "enterprises_revenue_100m", "enterprises_listed"]
    for key, row in zip(bands, enterprises.table("bands").rows, strict=True):
        assert number(row[1]) == count_of(key, unit, YEAR) == found.own[key].this_year.value
    figures = enterprises.table("figures")
    for row in figures.rows:
        years = EnterpriseYear.objects.filter(year=int(row[0]), enterprise__is_talent_enterprise=True,
                                              enterprise__org_unit__path__startswith=path)  # fmt: skip
        assert row[1] == years.count()
        assert number(row[2]) == (years.aggregate(s=Sum("revenue"))["s"] or 0)
        assert number(row[3]) == (years.aggregate(s=Sum("tax_paid"))["s"] or 0)
    by_county = enterprises.table("by_county")
    for name, values in rows_by_name(by_county).items():
        if name in areas:
            assert [number(v) for v in values] == [count_of(k, areas[name], YEAR) for k in bands]

    platforms = document.section("platforms")
    end = day(YEAR, 12, 31)
    scoped = Platform.objects.filter(org_unit__path__startswith=path)
    active = scoped.filter(Q(recognized_on__isnull=True) | Q(recognized_on__lte=end)).filter(
        Q(status="active") | Q(revoked_on__gt=end)
    )
    new = scoped.filter(in_year("recognized_on"))
    by_kind = platforms.table("by_kind")
    for (kind, _label), row in zip(Platform.Kind.choices, by_kind.rows, strict=True):
        levels = [
            active.filter(kind=kind, level=lv).count() for lv in ["national", "provincial", "municipal", "county"]
        ]
        assert row[1:] == [*levels, active.filter(kind=kind).count(), new.filter(kind=kind).count()], kind
    assert by_kind.total[-2:] == [active.count(), new.count()]
    assert number(by_kind.total[-1]) == count_of("platforms_recognized", unit, YEAR)
    for (location, _label), row in zip(Platform.Location.choices, platforms.table("by_location").rows, strict=True):
        here = active.filter(location=location)
        assert row[1:] == [here.count(), new.filter(location=location).count(),
                           here.filter(kind="enclave").count(), here.filter(kind="overseas_station").count()]  # fmt: skip

    funding = document.section("funding")
    for key, row in zip(cockpit.FUNDS, funding.table("totals").rows, strict=True):
        assert number(row[1]) == count_of(key, unit, YEAR) == found.own[key].this_year.value
    for name, values in rows_by_name(funding.table("by_county")).items():
        if name in areas:
            assert [number(v) for v in values] == [count_of(k, areas[name], YEAR) for k in cockpit.FUNDS]
    tranches = Tranche.objects.filter(selection__org_unit__path__startswith=path)
    for row in funding.table("by_program").rows:
        mine = tranches.filter(selection__batch__program__name=row[0])
        planned = mine.filter(in_year("planned_on")).exclude(status="cancelled")
        assert [number(v) for v in row[1:]] == [
            planned.aggregate(s=Sum("amount"))["s"] or 0,
            planned.filter(status__in=["approved", "paid"]).aggregate(s=Sum("amount"))["s"] or 0,
            mine.filter(in_year("paid_on"), status="paid").aggregate(s=Sum("amount"))["s"] or 0,
        ]
    assert sum(number(r[3]) for r in funding.table("by_program").rows) == count_of("funds_paid", unit, YEAR)

    requests = document.section("services").table("requests")
    days = settings.SERVICE_REQUEST_DUE_DAYS
    for name, values in [*rows_by_name(requests).items(), (unit.name, requests.total[1:])]:
        of = areas.get(name) or (unit if name == unit.name else None)
        if of is None:
            continue
        mine = ServiceRequest.objects.filter(talent__org_unit__path__startswith=of.path)
        resolved = mine.filter(status="resolved").filter(in_year("resolved_on"))
        on_time = [r for r in resolved if (r.resolved_on - r.submitted_on).days <= days]
        assert values[:3] == [mine.filter(in_year("submitted_on")).count(), resolved.count(), len(on_time)], name
        assert number(values[4]) == count_of("requests_open", of, YEAR)
        assert number(values[5]) == count_of("requests_overdue", of, YEAR)


def test_the_city_admin_s_report_equals_independent_counts_and_the_cockpit(units, people):
    dataset(units)
    with_plan(units)
    scheme = with_scheme(units, people)
    document = build(people["city_admin"])
    check_document(document, units[CITY])
    assert document.kind == "annual" and document.title == "年度人才发展报告"
    assert document.facts == [("年度", "2025"), ("所属单位", "嘉兴市")]
    county_rows = {row[0] for row in document.section("talents").table("by_county").rows}
    assert {"南湖区", "秀洲区"} <= county_rows
    # every program batch of the year, the county's program's too
    assert len(document.section("programs").table("batches").rows) == 2

    plan = document.section("plans").table("indicators")
    assert plan.columns == ["指标", "计量单位", "基期数", "目标", "实际值", "进度（%）", "状态"]
    actual = {row[0]: row[4] for row in plan.rows}
    assert actual == {"新引进人才数": count_of("talents_landed", units[CITY], YEAR), "人才资源总量": 37.5}

    assessment = document.section("assessment")
    ranking = assessment.table("ranking")
    results = results_of(scheme)
    assert [(r[1], number(r[2])) for r in ranking.rows] == [(r.assessee.name, r.total) for r in results]
    assert [r[0] for r in ranking.rows] == [r.rank for r in results]
    assert scheme.name in assessment.text[0]


def test_the_workbook_is_the_same_build(units, people):
    dataset(units)
    annual, workbook = REPORTS["annual"], REPORTS["annual_workbook"]
    assert (annual.output, annual.template, workbook.output) == (DOCX, "annual.docx", XLSX)
    assert annual.form is workbook.form is AnnualForm
    report, book = build(people["city_viewer"]), build(people["city_viewer"], kind="annual_workbook")
    assert book.kind == "annual_workbook" and book.title == "年度人才统计工作簿"
    assert [s.tables for s in report.sections] == [s.tables for s in book.sections]


@pytest.mark.parametrize("persona", ["a_admin", "a_viewer"])
def test_a_county_reads_its_own_county_only(units, people, persona):
    dataset(units)
    with_plan(units)
    with_scheme(units, people)
    document = build(people[persona])
    check_document(document, units[NANHU])
    text = json.dumps(document.to_data(), ensure_ascii=False)
    towns = {row[0] for row in document.section("talents").table("by_county").rows}
    assert "建设街道" in towns and "南湖区" in text
    others = OrgUnit.objects.filter(kind__in=["county", "town"]).exclude(path__startswith=units[NANHU].path)
    for name in [*others.values_list("name", flat=True), "秀洲区专属人才计划"]:
        assert name not in text, name
    ranking = document.section("assessment").table("ranking")
    assert [row[1] for row in ranking.rows] == ["南湖区"] and ranking.rows[0][0] is None  # no rank before publication


def test_a_viewer_reads_a_county_of_the_city_as_the_county_does(units, people):
    dataset(units)
    document = build(people["city_viewer"], units[XIUZHOU])
    check_document(document, units[XIUZHOU])
    assert len(document.section("programs").table("batches").rows) == 2
    nanhu = build(people["city_viewer"], units[NANHU])
    assert json.dumps(nanhu.to_data(), ensure_ascii=False).count("秀洲") == 0  # nor its county's own program
    assert json.dumps(nanhu.to_data()) == json.dumps(build(people["a_viewer"]).to_data())


def test_a_town_without_units_below_builds_its_own_totals(units, people):
    dataset(units)
    document = build(people["a_viewer"], units[TOWN])
    check_document(document, units[TOWN])
    by_county = document.section("talents").table("by_county")
    assert by_county.rows == [] and by_county.note == "无下级单位。"
    assert number(by_county.total[1]) == count_of("talents_landed", units[TOWN], YEAR) > 0


def test_no_personal_data_appears_anywhere(units, people):
    dataset(units)
    with_scheme(units, people)
    text = json.dumps(build(people["city_admin"]).to_data(), ensure_ascii=False)
    assert Talent.objects.count() > 5
    for name, id_number, phone in Talent.objects.values_list("name", "id_number", "phone"):
        assert name not in text and id_number not in text and phone not in text


def test_empty_data_builds_with_zeros_and_notes(units, people):
    document = build(people["city_admin"])
    assert [s.key for s in document.sections] == SECTIONS
    assert document.section("overview").table("headlines").rows[0][1:4] == [0, 0, 0]
    assert document.section("programs").table("batches").note == "无记录。"
    assert document.section("plans").text and document.section("plans").table("indicators").rows == []
    assert document.section("assessment").text == ["您的范围内没有2025年度的考核方案。"]
    assert document.section("assessment").tables == []


def test_a_published_scheme_of_the_year_is_shown_and_another_year_s_is_not(units, people):
    dataset(units)
    with_scheme(units, people, YEAR - 1, publish=True)
    assert build(people["city_admin"]).section("assessment").tables == []
    scheme = with_scheme(units, people, YEAR, publish=True)
    ranking = build(people["a_viewer"]).section("assessment").table("ranking")
    assert [row[1] for row in ranking.rows] == [r.assessee.name for r in results_of(scheme)]  # published: whole


def test_the_round_trip_keeps_every_table(units, people):
    dataset(units)
    document = build(people["city_admin"])
    again = Document.from_data(json.loads(json.dumps(document.to_data())))
    assert [s.tables for s in again.sections] == [s.tables for s in document.sections]
    assert [s.charts for s in again.sections] == [s.charts for s in document.sections]
    assert json.loads(json.dumps(again.to_data())) == json.loads(json.dumps(document.to_data()))


def built_queries(user: Any) -> int:
    """The queries of one build, by the user as a fresh request would load them (nothing cached from before)."""
    user = User.objects.get(pk=user.pk)
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        build(user)
    return len(captured)


def test_the_build_makes_a_fixed_number_of_queries_whatever_the_data(units, people):
    with_plan(units)
    with_scheme(units, people)
    dataset(units, scale=1)
    small = built_queries(people["city_admin"]), built_queries(people["a_viewer"])
    dataset(units, scale=3)
    large = built_queries(people["city_admin"]), built_queries(people["a_viewer"])
    assert small == large


def form(user: Any, **data: Any) -> AnnualForm:
    return AnnualForm(data=data, user=user)


def test_the_form_refuses_a_future_year_an_unknown_unit_and_another_county(units, people):
    this_year = datetime.date.today().year
    with translation.override("zh-hans"):
        future = form(people["city_admin"], year=this_year + 1)
        assert not future.is_valid() and str(this_year + 1) in future.errors["year"][0]
        unknown = form(people["city_admin"], year=YEAR, org_unit="999999")
        assert not unknown.is_valid() and "org_unit" in unknown.errors
    assert form(people["city_admin"], year=this_year).is_valid()
    chosen = form(people["a_viewer"], year=YEAR)
    assert chosen.is_valid() and chosen.cleaned_data["org_unit"] == units[NANHU]
    assert chosen.params() == {"year": YEAR, "org_unit": NANHU}
    for persona, code in [("a_admin", XIUZHOU), ("b_editor", NANHU), ("a_viewer", CITY)]:
        with pytest.raises(OutOfScope):
            form(people[persona], year=YEAR, org_unit=code).is_valid()
    assert form(people["city_viewer"], year=YEAR, org_unit=TOWN).is_valid()
