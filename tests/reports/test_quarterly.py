"""The quarterly talent work form: every cell equals a count written here independently over the quarter's dates,
the fourth quarter's year to date equals the cockpit's figures of the year, the summary adds the sheets up, each
role reads its own scope only, a quarter not yet begun is refused, and the queries do not grow with the data."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from cockpit import figures as cockpit
from cockpit.reports.quarterly import QuarterlyForm, build
from cockpit.sections import plan_section
from platforms.models import Platform
from programs.models import Selection, Tranche
from talentportal.jobs.reports.document import Document
from talentportal.jobs.reports.kinds import REPORTS, OutOfScope
from talentportal.orgs.models import OrgUnit
from talents.models import ServiceRequest, Talent, Team

from ..cockpit.test_cockpit import CITY, JIASHAN, NANHU, TOWN, XIUZHOU, YEAR, dataset, day
from ..plans import factories as plan_factories
from ..talents import factories as talent_factories

TIERS = ["top", "national_leading", "provincial_leading", "municipal_leading", "youth", "other"]
LEVELS = ["national", "provincial", "municipal", "county"]
DEPARTMENT = "330400-CZJ"
PERIODS = {
    1: (day(YEAR, 1), day(YEAR, 3, 31)),
    2: (day(YEAR, 4), day(YEAR, 6, 30)),
    4: (day(YEAR, 10), day(YEAR, 12, 31)),
}
COLUMNS = ["Indicator", "This quarter", "Year to date", "Same period last year", "Year-on-year growth (%)"]
# The form's rows that are the cockpit's figures, by the cockpit's key.
COCKPIT_KEYS = {
    "talents": "talents_landed",
    **{f"talents_{t}": f"talents_landed_{t}" for t in TIERS},
    "talents_leading": "leading_talents",
    "teams": "teams_landed",
    "selections": "selections",
    **{f"selections_{level}": f"selections_{level}" for level in LEVELS},
    "funds_paid": "funds_paid",
    "platforms": "platforms_recognized",
    **{f"platforms_{level}": f"platforms_recognized_{level}" for level in LEVELS},
    "requests_overdue": "requests_overdue",
}
ROW_KEYS = [*COCKPIT_KEYS, "requests_submitted", "requests_resolved"]
ROW_ORDER = [
    "talents", *(f"talents_{t}" for t in TIERS), "talents_leading", "teams", "selections",
    *(f"selections_{level}" for level in LEVELS), "funds_paid", "platforms", *(f"platforms_{level}" for level in LEVELS),
    "requests_submitted", "requests_resolved", "requests_overdue",
]  # fmt: skip


def in_range(field: str, start: datetime.date, end: datetime.date) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lte": end})


def count(key: str, units: list[OrgUnit], start: datetime.date, end: datetime.date) -> Decimal:
    """A row's value for the subtrees of ``units``, counted straight from the tables."""
    where = Q()
    for unit in units:
        where |= Q(org_unit__path__startswith=unit.path)

    def n(records: QuerySet[Any]) -> Decimal:
        return Decimal(records.count())

    talents = Talent.objects.filter(where).filter(in_range("landed_on", start, end))
    if key == "talents":
        return n(talents)
    if key == "talents_leading":
        return n(talents.filter(tier__in=TIERS[:4]))
    if key.startswith("talents_"):
        return n(talents.filter(tier=key.removeprefix("talents_")))
    if key == "teams":
        return n(Team.objects.filter(where).filter(in_range("leader__landed_on", start, end)))
    selections = Selection.objects.filter(where).filter(in_range("decided_on", start, end))
    selections = selections.filter(status__in=["selected", "landed", "midterm_passed", "midterm_failed", "completed",
                                               "exited"])  # fmt: skip
    if key == "selections":
        return n(selections)
    if key.startswith("selections_"):
        return n(selections.filter(batch__program__level=key.removeprefix("selections_")))
    if key == "funds_paid":
        where_paid = Q()
        for unit in units:
            where_paid |= Q(selection__org_unit__path__startswith=unit.path)
        paid = Tranche.objects.filter(where_paid, status="paid").filter(in_range("paid_on", start, end))
        return paid.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    platforms = Platform.objects.filter(where).filter(in_range("recognized_on", start, end))
    if key == "platforms":
        return n(platforms)
    if key.startswith("platforms_"):
        return n(platforms.filter(level=key.removeprefix("platforms_")))
    talent_units = {
        pk for pk, path in OrgUnit.objects.values_list("pk", "path") if any(path.startswith(u.path) for u in units)
    }
    requests = [r for r in ServiceRequest.objects.all() if r.talent.org_unit_id in talent_units]
    if key == "requests_submitted":
        return Decimal(sum(1 for r in requests if start <= r.submitted_on <= end))
    if key == "requests_resolved":
        return Decimal(sum(1 for r in requests if r.status == "resolved" and start <= r.resolved_on <= end))
    if key == "requests_overdue":
        days = datetime.timedelta(days=settings.SERVICE_REQUEST_DUE_DAYS)
        late = [r for r in requests if r.submitted_on < end - days
                and (r.status in ("submitted", "in_progress") or r.resolved_on > end)]  # fmt: skip
        closed_late = [r for r in requests if r.resolved_on and start <= r.resolved_on <= end
                       and r.resolved_on - r.submitted_on > days]  # fmt: skip
        return Decimal(len({r.pk for r in [*late, *closed_late]}))
    raise AssertionError(key)


def run(user: Any, **params: Any) -> Document:
    """The form as the runner checks it, then the build."""
    form = QuarterlyForm({"year": YEAR, "quarter": 4, **params}, user=user)
    assert form.is_valid(), form.errors
    steps: list[tuple[int, int, str]] = []
    with translation.override("en"):
        document = build(user, form.cleaned_data, lambda done, total, message: steps.append((done, total, message)))
    assert len(steps) >= len(document.sections) and steps[-1][0] == steps[-1][1]
    return document


def rows_of(document: Document, key: str) -> dict[str, list[Any]]:
    """The registry rows of a section's form by row key (the form's rows come in ``ROW_ORDER``)."""
    table = document.section(key).table("form")
    assert table.columns == COLUMNS
    return dict(zip(ROW_ORDER, table.rows, strict=False))


def extra_records(units: dict[str, OrgUnit]) -> None:
    """Records kept at the city itself and by one of its departments: the summary's own sheet counts them."""
    for code, month in [(CITY, 11), (DEPARTMENT, 2), (CITY, 5)]:
        talent_factories.talent(units[code], tier="youth", landed_on=day(YEAR, month, 3))


def test_registry_kind_is_declared():
    kind = REPORTS["quarterly"]
    assert kind.output == "xlsx" and kind.form is QuarterlyForm
    for language, title in [("en", "Quarterly talent work form"), ("zh-hans", "季度人才工作报表")]:
        with translation.override(language):
            assert str(kind.title) == title


@pytest.mark.parametrize("quarter", [1, 2, 4])
def test_every_cell_equals_an_independent_count_of_its_period(units, people, quarter):
    dataset(units)
    extra_records(units)
    city = units[CITY]
    document = run(people["city_admin"], quarter=quarter)
    areas = list(OrgUnit.objects.filter(parent=city, kind__in=["county", "town"]).order_by("code"))
    assert [s.key for s in document.sections] == ["summary", *(f"county_{a.code}" for a in areas), f"own_{CITY}"]
    assert document.section(f"county_{NANHU}").heading == "南湖区"
    start, end = PERIODS[quarter]
    last_year = (day(YEAR - 1, 1), end.replace(year=YEAR - 1))
    for area in areas:
        rows = rows_of(document, f"county_{area.code}")
        for key in ROW_KEYS:
            _label, this_quarter, to_date, before, growth = rows[key]
            assert this_quarter == count(key, [area], start, end), (key, area.code, quarter)
            assert to_date == count(key, [area], day(YEAR, 1), end), (key, area.code)
            assert before == count(key, [area], *last_year), (key, area.code)
            assert growth == (None if not before else round(100 * (to_date - before) / before, 1))
    # The sheets' figures are not all zero: the dataset counts in every quarter asked.
    assert rows_of(document, "summary")["talents"][1] > 0
    own = rows_of(document, f"own_{CITY}")
    expected_own = {1: 1, 2: 1, 4: 1}[quarter]  # the department's talent in Q1, the city's in Q2 and Q4
    assert own["talents"][1] == expected_own
    assert own["talents"][2] == count("talents", [city], day(YEAR, 1), end) - sum(
        count("talents", [a], day(YEAR, 1), end) for a in areas
    )


def test_the_summary_adds_the_sheets_up_and_is_the_units_whole_figure(units, people):
    dataset(units)
    extra_records(units)
    document = run(people["city_admin"])
    summary = rows_of(document, "summary")
    sheets = [rows_of(document, s.key) for s in document.sections[1:]]
    for key in ROW_KEYS:
        for column in (1, 2, 3):
            assert summary[key][column] == sum(sheet[key][column] for sheet in sheets), (key, column)
    city = units[CITY]
    assert summary["talents"][2] == count("talents", [city], day(YEAR, 1), day(YEAR, 12, 31))


def test_the_fourth_quarters_year_to_date_is_the_cockpits_figure_of_the_year(units, people):
    dataset(units)
    extra_records(units)
    city = units[CITY]
    document = run(people["city_viewer"])
    found = cockpit.cockpit_figures(city, YEAR)
    pairs = [("summary", found.own)] + [(f"county_{c.code}", found.by_child[c.pk]) for c in found.areas]
    for section, figures in pairs:
        rows = rows_of(document, section)
        for key, measure in COCKPIT_KEYS.items():
            assert rows[key][2] == figures[measure].this_year.value, (section, key)
            assert rows[key][3] == figures[measure].last_year.value, (section, key)


def test_the_plans_indicators_close_each_sheet_as_the_plans_pages_show_them(units, people):
    dataset(units)
    city, nanhu = units[CITY], units[NANHU]
    plan = plan_factories.plan(city, start=2021, end=2025)
    counted = plan_factories.indicator(plan, "1", name="引进人才", unit="人", metric="talents.landed",
                                       baseline_value=Decimal(1), target_value=Decimal(50), order=1)  # fmt: skip
    entered = plan_factories.indicator(plan, "2", name="人才资源总量", order=2)
    plan_factories.actual(entered, city, YEAR, "38.5")
    plan_factories.actual(entered, city, YEAR - 1, "35")
    plan_factories.actual(entered, nanhu, YEAR, "6")
    user = people["city_admin"]
    document = run(user)
    shown = {f.indicator.pk: f for f in plan_section(user, city, YEAR).figures}  # the cockpit's plan section
    form = document.section("summary").table("form")
    plan_rows = form.rows[len(ROW_ORDER) :]
    assert [row[0] for row in plan_rows] == ["引进人才（人）", "人才资源总量（万人）"]
    for row, indicator in zip(plan_rows, [counted, entered], strict=True):
        figure = shown[indicator.pk]
        assert row[1] is None
        assert row[2] == figure.values[YEAR] and row[3] == figure.values[YEAR - 1]
    assert plan_rows[0][2] == count("talents", [city], day(YEAR, 1), day(YEAR, 12, 31))
    assert plan_rows[1][2:] == [38.5, 35, 10.0]
    county_rows = document.section(f"county_{NANHU}").table("form").rows[len(ROW_ORDER) :]
    assert county_rows[1][2] == 6
    assert county_rows[0][2] == count("talents", [nanhu], day(YEAR, 1), day(YEAR, 12, 31))


def test_a_county_reads_its_own_county_only_and_its_towns_are_its_sheets(units, people):
    dataset(units)
    for persona in ("a_admin", "a_viewer"):
        document = run(people[persona])  # no unit given: the user's own
        nanhu = units[NANHU]
        towns = OrgUnit.objects.filter(parent=nanhu, kind="town").order_by("code").values_list("code", flat=True)
        assert TOWN in towns
        assert [s.key for s in document.sections] == ["summary", *(f"county_{t}" for t in towns), f"own_{NANHU}"]
        summary = rows_of(document, "summary")
        assert summary["talents"][2] == count("talents", [nanhu], day(YEAR, 1), day(YEAR, 12, 31))
        assert rows_of(document, f"county_{TOWN}")["talents"][2] == count(
            "talents", [units[TOWN]], day(YEAR, 1), day(YEAR, 12, 31)
        )
        for other in (XIUZHOU, CITY):
            form = QuarterlyForm({"year": YEAR, "quarter": 4, "org_unit": other}, user=people[persona])
            with pytest.raises(OutOfScope):
                form.is_valid()
    # The city admin may choose a county; a unit with no areas below is a sheet of its own.
    document = run(people["city_admin"], org_unit=JIASHAN)
    assert document.section("summary").heading == "嘉善县 summary"
    document = run(people["city_admin"], org_unit=TOWN)
    assert [s.key for s in document.sections] == ["summary", f"county_{TOWN}"]
    assert rows_of(document, "summary") == rows_of(document, f"county_{TOWN}")
    assert rows_of(document, "summary")["talents"][2] == count(
        "talents", [units[TOWN]], day(YEAR, 1), day(YEAR, 12, 31)
    )


def test_a_quarter_not_yet_begun_and_an_unknown_unit_are_refused_with_a_message(people):
    today = timezone.localdate()
    this_quarter = (today.month - 1) // 3 + 1
    user = people["city_admin"]
    ahead = (today.year, this_quarter + 1) if this_quarter < 4 else (today.year + 1, 1)
    form = QuarterlyForm({"year": ahead[0], "quarter": ahead[1]}, user=user)
    assert not form.is_valid()
    assert "has not begun yet" in str(form.errors) or "尚未开始" in str(form.errors)
    assert QuarterlyForm({"year": today.year, "quarter": this_quarter}, user=user).is_valid()
    form = QuarterlyForm({"year": YEAR, "quarter": 5}, user=user)
    assert not form.is_valid() and "quarter" in form.errors
    form = QuarterlyForm({"year": YEAR, "quarter": 1, "org_unit": "999999"}, user=user)
    assert not form.is_valid() and "org_unit" in form.errors


def build_queries(user: Any, unit: OrgUnit) -> int:
    user = type(user).objects.get(pk=user.pk)  # a fresh user: nothing cached on it from an earlier build
    with CaptureQueriesContext(connection) as captured:
        build(user, {"year": YEAR, "quarter": 2, "org_unit": unit}, lambda *args: None)
    return len(captured)


def test_the_build_makes_a_fixed_number_of_queries_whatever_the_data(units, people):
    user = people["city_admin"]
    dataset(units, scale=1)
    small = build_queries(user, units[CITY])
    dataset(units, scale=3)
    assert build_queries(user, units[CITY]) == small
    # Per source (8) and period (3) one grouped query and the units' paths; the areas; the plan.
    assert small <= 8 * 3 * 2 + 5


def test_the_form_speaks_the_users_language(units, people):
    dataset(units)
    user = people["city_viewer"]
    with translation.override("zh-hans"):
        document = build(user, {"year": YEAR, "quarter": 3, "org_unit": units[CITY]}, lambda *step: None)
    assert document.title == "季度人才工作报表" and document.subtitle == "2025年第3季度"
    assert document.facts == [("报告期", "2025年第3季度"), ("所属单位", "嘉兴市")]
    summary = document.section("summary")
    assert summary.heading == "嘉兴市汇总" and document.section(f"own_{CITY}").heading == "嘉兴市本级（含部门）"
    form = summary.table("form")
    assert form.columns == ["指标", "本季度", "本年累计", "上年同期累计", "同比增长（%）"]
    assert [row[0] for row in form.rows[:2]] == ["新引进人才", "其中：顶尖人才"]
    assert "兑现资金（万元）" in [row[0] for row in form.rows]


def test_the_api_runs_the_form_into_a_workbook_and_refuses_what_the_form_refuses(api_client, units, people):
    from openpyxl import load_workbook

    from talentportal.jobs.models import Job
    from talentportal.jobs.reports import services

    dataset(units)
    api_client.force_authenticate(people["a_admin"])
    url = "/api/v1/reports/"
    other = api_client.post(url, {"kind": "quarterly", "params": {"year": YEAR, "quarter": 4, "org_unit": XIUZHOU}},
                            format="json")  # fmt: skip
    assert other.status_code == 404
    ahead = api_client.post(url, {"kind": "quarterly", "params": {"year": 2100, "quarter": 1}}, format="json")
    assert ahead.status_code == 400 and "尚未开始" in str(ahead.json())
    assert not Job.objects.exists()
    started = api_client.post(url, {"kind": "quarterly", "params": {"year": YEAR, "quarter": 4}}, format="json")
    assert started.status_code == 202, started.content
    job = Job.objects.get(pk=started.json()["id"])
    assert job.params["params"] == {"year": YEAR, "quarter": 4, "org_unit": NANHU}
    services.run(job)
    job.refresh_from_db()
    document = services.document_of(job)
    assert document is not None and document.sections[0].key == "summary"
    workbook = load_workbook(job.result_file.open("rb"))
    assert len(workbook.sheetnames) == len(document.sections)
    cells = [str(c) for row in workbook.worksheets[0].iter_rows(values_only=True) for c in row if c is not None]
    assert str(count("talents", [units[NANHU]], day(YEAR, 1), day(YEAR, 12, 31))) in cells
