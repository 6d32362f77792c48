"""Registry metrics: each equals a count written independently for every subject, its list link shows the same
records, and the number of queries does not grow with the subjects or the records."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from platforms.models import Platform
from programs.models import Selection, SelectionEvent, Tranche
from talentportal import metrics
from talentportal.metrics import ENTERPRISE, ORG_UNIT, PLATFORM, MetricError, Subject
from talents.models import Enterprise, EnterpriseYear, ServiceRequest, Talent, Team

from ..platforms import factories as platform_factories
from ..programs import factories as program_factories
from ..talents import factories as talent_factories

YEAR = 2025
AREA_CODES = ["330400", "330402", "330411", "330421", "330402001", "330400-KJJ", "330424"]


def area_subjects(units: dict[str, Any], codes: list[str] = AREA_CODES) -> list[Subject]:
    return [Subject(i + 100, ORG_UNIT, units[c].pk, units[c].path, c) for i, c in enumerate(codes)]


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


@pytest.fixture
def registry(units: dict[str, Any]) -> dict[str, Any]:
    """Records in two counties, a town below one of them and a department, in the year and around it."""
    nanhu, xiuzhou, town, dept, jiashan = (units[c] for c in ["330402", "330411", "330402001", "330400-KJJ", "330421"])
    talent = talent_factories.talent
    people = [
        talent(nanhu, tier="national_leading", landed_on=day("2025-03-01")),
        talent(nanhu, tier="youth", landed_on=day("2025-12-31")),
        talent(town, tier="youth", recruitment_mode="flexible", landed_on=day("2025-01-01")),
        talent(town, tier="provincial_leading", category="skilled", landed_on=day("2024-12-31")),
        talent(xiuzhou, tier="national_leading", landed_on=day("2025-06-01")),
        talent(xiuzhou, tier="top", landed_on=day("2026-01-01")),
        talent(dept, tier="municipal_leading", category="skilled", landed_on=day("2025-07-01")),
        talent(jiashan, tier="youth"),
    ]
    for i, leader in enumerate(people):
        talent_factories.team(leader.org_unit, leader)
        if i % 3 == 0:
            talent_factories.team(nanhu, leader)  # a team registered elsewhere than its leader
    request = talent_factories.service_request
    for person, submitted, status, resolved in [
        (people[0], "2025-01-10", "resolved", "2025-01-20"),  # on time
        (people[0], "2025-02-01", "resolved", "2025-04-01"),  # late
        (people[2], "2025-03-01", "resolved", "2025-03-31"),  # exactly 30 days
        (people[2], "2025-03-01", "submitted", None),  # open at year end, long overdue
        (people[2], "2025-12-20", "in_progress", None),  # open at year end, not yet overdue
        (people[4], "2025-11-01", "resolved", "2026-02-01"),  # open at year end, overdue
        (people[4], "2025-05-01", "rejected", "2025-08-01"),  # declined late
        (people[4], "2024-05-01", "resolved", "2024-08-01"),  # another year
        (people[6], "2025-09-01", "resolved", "2025-09-05"),
    ]:
        request(person, submitted_on=day(submitted), status=status, resolved_on=resolved and day(resolved))

    city_program = program_factories.program(units["330400"], level="municipal", category="innovation")
    province_program = program_factories.program(units["330400"], level="provincial", category="youth")
    batches = [program_factories.batch(city_program), program_factories.batch(province_program)]
    selected = program_factories.selected
    chosen = [
        selected(batches[0], nanhu, talent=people[0]),
        selected(batches[1], town, talent=people[2], status="landed"),
        selected(batches[0], xiuzhou, talent=people[4], status="exited", exit_reason="离职"),
        selected(batches[1], xiuzhou, talent=people[5]),
        selected(batches[1], dept, talent=people[6], status="midterm_passed"),
    ]
    Selection.objects.filter(pk=chosen[3].pk).update(applied_on=day("2024-03-01"), decided_on=day("2024-06-01"))
    program_factories.selection(batches[0], nanhu, talent=people[1], status="rejected", decided_on=day("2025-06-01"))
    exit_event = SelectionEvent.objects.create(selection=chosen[2], from_status="selected", to_status="exited")
    SelectionEvent.objects.filter(pk=exit_event.pk).update(at=timezone.make_aware(datetime.datetime(2025, 9, 1)))
    exited_earlier = selected(batches[1], jiashan, talent=people[7], status="exited", exit_reason="离职")
    event = SelectionEvent.objects.create(selection=exited_earlier, from_status="landed", to_status="exited")
    SelectionEvent.objects.filter(pk=event.pk).update(at=timezone.make_aware(datetime.datetime(2024, 9, 1)))
    tranche = program_factories.tranche
    tranche(chosen[0], 1, status="paid", paid_on=day("2025-07-01"), voucher_no="V1", amount=Decimal("30.50"))
    tranche(chosen[0], 2, status="paid", paid_on=day("2024-07-01"), voucher_no="V2")
    tranche(chosen[1], 1, status="paid", paid_on=day("2025-08-01"), voucher_no="V3", amount=Decimal("20"))
    tranche(chosen[2], 1, status="paid", paid_on=day("2025-02-01"), voucher_no="V4", amount=Decimal("10"))
    tranche(chosen[4], 1, status="approved", amount=Decimal("50"))

    platform = platform_factories.platform
    for unit, level, kind, recognized, revoked in [
        (nanhu, "national", "incubator", "2025-04-01", None),
        (town, "provincial", "maker_space", "2025-05-01", None),
        (xiuzhou, "county", "incubator", "2025-06-01", None),
        (xiuzhou, "municipal", "incubator", "2020-01-01", "2025-06-01"),
        (xiuzhou, "provincial", "key_lab", "2019-01-01", "2026-02-01"),
        (dept, "municipal", "key_lab", None, None),
        (jiashan, "national", "incubator", "2026-03-01", None),
    ]:
        status = "revoked" if revoked else "active"
        platform(unit, level=level, kind=kind, recognized_on=recognized, status=status, revoked_on=revoked)

    enterprise = talent_factories.enterprise
    for unit, talent_founded, listing, revenues in [
        (nanhu, True, "star_market", {2025: 6000, 2024: 4000}),
        (town, True, "none", {2025: 1000}),
        (xiuzhou, True, "none", {2025: 999, 2024: 2000}),
        (xiuzhou, False, "main_board", {2025: 9000}),
        (dept, True, "neeq", {2024: 5000}),
    ]:
        company = enterprise(unit, is_talent_enterprise=talent_founded, listing=listing)
        for year, revenue in revenues.items():
            talent_factories.enterprise_year(company, year, revenue=revenue)
    return {"people": people}


def in_area(subject: Subject, path: str) -> Q:
    return Q(**{f"{path}__startswith": subject.path})


def between(field: str, year: int) -> Q:
    return Q(**{f"{field}__gte": datetime.date(year, 1, 1), f"{field}__lte": datetime.date(year, 12, 31)})


def landed(s: Subject, params: dict[str, Any]) -> int:
    rows = Talent.objects.filter(in_area(s, "org_unit__path"), between("landed_on", YEAR))
    for name in ["tier", "category", "recruitment_mode"]:
        if name in params:
            wanted = params[name] if isinstance(params[name], list) else [params[name]]
            rows = rows.filter(Q(**{f"{name}__in": wanted}))
    return rows.count()


def overdue(s: Subject, params: dict[str, Any]) -> int:
    days, end = params.get("days", 15), datetime.date(YEAR, 12, 31)
    count = 0
    for r in ServiceRequest.objects.filter(in_area(s, "talent__org_unit__path")):
        open_at_end = r.submitted_on <= end and (r.resolved_on is None or r.resolved_on > end)
        if open_at_end and (end - r.submitted_on).days > days:
            count += 1
        elif r.resolved_on and r.resolved_on.year == YEAR and (r.resolved_on - r.submitted_on).days > days:
            count += 1
    return count


def selected(s: Subject, params: dict[str, Any]) -> int:
    later = ["selected", "landed", "midterm_passed", "midterm_failed", "completed", "exited"]
    rows = Selection.objects.filter(in_area(s, "org_unit__path"), between("decided_on", YEAR), status__in=later)
    if "level" in params:
        rows = rows.filter(batch__program__level=params["level"])
    return rows.count()


def exits(s: Subject, params: dict[str, Any]) -> int:
    return sum(
        1
        for selection in Selection.objects.filter(in_area(s, "org_unit__path"), status="exited")
        if any(e.to_status == "exited" and e.at.astimezone().year == YEAR for e in selection.events.all())
    )


LEVELS = ["national", "provincial", "municipal", "county"]


def recognized(s: Subject, params: dict[str, Any]) -> int:
    rows = Platform.objects.filter(in_area(s, "org_unit__path"), between("recognized_on", YEAR))
    if "level" in params:
        rows = rows.filter(level__in=LEVELS[: LEVELS.index(params["level"]) + 1])
    if "kind" in params:
        rows = rows.filter(kind__in=params["kind"])
    return rows.count()


def active(s: Subject, params: dict[str, Any]) -> int:
    end = datetime.date(YEAR, 12, 31)
    return sum(
        1
        for p in Platform.objects.filter(in_area(s, "org_unit__path"))
        if (p.recognized_on is None or p.recognized_on <= end) and (p.revoked_on is None or p.revoked_on > end)
    )


COUNTED: list[tuple[str, dict[str, Any], Any]] = [
    ("talents.landed", {}, landed),
    ("talents.landed", {"tier": ["national_leading", "youth"]}, landed),
    ("talents.landed", {"tier": "youth", "recruitment_mode": "flexible"}, landed),
    ("talents.landed", {"category": ["skilled"]}, landed),
    (
        "talents.teams_landed",
        {},
        lambda s, p: Team.objects.filter(in_area(s, "org_unit__path"), between("leader__landed_on", YEAR)).count(),
    ),
    ("talents.requests_overdue", {}, overdue),
    ("talents.requests_overdue", {"days": 60}, overdue),
    ("programs.selected", {}, selected),
    ("programs.selected", {"level": "provincial"}, selected),
    ("programs.exits", {}, exits),
    ("platforms.recognized", {}, recognized),
    ("platforms.recognized", {"level": "provincial"}, recognized),
    ("platforms.recognized", {"kind": ["incubator"]}, recognized),
    ("platforms.active", {}, active),
    (
        "enterprises.revenue_at_least",
        {"amount": 1000},
        lambda s, p: EnterpriseYear.objects.filter(
            in_area(s, "enterprise__org_unit__path"),
            year=YEAR,
            revenue__gte=1000,
            enterprise__is_talent_enterprise=True,
        ).count(),
    ),
    (
        "enterprises.listed",
        {},
        lambda s, p: (
            Enterprise.objects.filter(in_area(s, "org_unit__path"), is_talent_enterprise=True)
            .exclude(listing="none")
            .count()
        ),
    ),
]


def list_count(client: Any, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    assert not response.context["filterset"].form.errors, (url, response.context["filterset"].form.errors)
    return int(response.context["page"].paginator.count)


@pytest.mark.parametrize(("code", "params", "independent"), COUNTED, ids=[f"{c}{p}" for c, p, _i in COUNTED])
def test_a_count_metric_equals_an_independent_count_and_its_list(
    client, units, people, registry, code, params, independent
) -> None:
    subjects = area_subjects(units)
    found = metrics.values(code, subjects, YEAR, params)
    expected = {s.id: Decimal(independent(s, params)) for s in subjects}
    assert found == expected
    assert any(found.values()), "the dataset counts something for this metric"
    client.force_login(people["city_admin"])
    for subject in subjects:
        url = metrics.records_url(code, subject, YEAR, params)
        assert url is not None
        assert list_count(client, url) == found[subject.id], url


def test_money_paid_sums_the_tranches_its_list_shows(client, units, people, registry) -> None:
    subjects = area_subjects(units)
    found = metrics.values("programs.funds_paid", subjects, YEAR, {})
    by_code = {s.code: found[s.id] for s in subjects}
    assert by_code == {
        "330400": Decimal("60.50"),
        "330402": Decimal("50.50"),
        "330411": Decimal("10"),
        "330421": 0,
        "330402001": Decimal("20"),
        "330400-KJJ": 0,
        "330424": 0,
    }
    client.force_login(people["city_admin"])
    for subject in subjects:
        url = metrics.records_url("programs.funds_paid", subject, YEAR, {})
        tranches = Tranche.objects.filter(in_area(subject, "selection__org_unit__path"), between("paid_on", YEAR))
        assert list_count(client, url or "") == tranches.count()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # 330402: on time 01-10→01-20 and 03-01→03-31 (30 days) of three resolved; 0402001 holds the latter.
        ({}, {"330400": "75.00", "330402": "66.67", "330402001": "100.00", "330411": "0", "330421": "0"}),
        ({"days": 10}, {"330400": "50.00", "330402": "33.33", "330402001": "0.00", "330411": "0", "330421": "0"}),
        ({"days": 59}, {"330400": "100.00", "330402": "100.00", "330402001": "100.00", "330411": "0", "330421": "0"}),
    ],
)
def test_requests_resolved_on_time_is_a_share_of_the_requests_resolved_in_the_year(
    client, units, people, registry, params, expected
) -> None:
    subjects = area_subjects(units, list(expected))
    found = metrics.values("talents.requests_resolved_on_time", subjects, YEAR, params)
    assert {s.code: found[s.id] for s in subjects} == {code: Decimal(v) for code, v in expected.items()}
    client.force_login(people["city_admin"])
    for subject in subjects:
        url = metrics.records_url("talents.requests_resolved_on_time", subject, YEAR, params)
        resolved = ServiceRequest.objects.filter(
            in_area(subject, "talent__org_unit__path"), between("resolved_on", YEAR), status="resolved"
        )
        assert list_count(client, url or "") == resolved.count()


def test_platform_figures_come_from_the_year_and_are_0_when_missing(client, units, people) -> None:
    reporting = platform_factories.platform(units["330402"])
    silent = platform_factories.platform(units["330411"])
    platform_factories.platform_year(reporting, YEAR, resident_talents=12, rd_investment=Decimal("88.5"), events_held=4)
    platform_factories.platform_year(reporting, YEAR - 1, resident_talents=8)
    platform_factories.platform_year(silent, YEAR - 1, resident_talents=5)
    subjects = [Subject(1, PLATFORM, reporting.pk, code=reporting.code), Subject(2, PLATFORM, silent.pk)]
    for code, value in [
        ("platform.resident_talents", 12),
        ("platform.resident_enterprises", 8),
        ("platform.incubated_enterprises", 0),
        ("platform.graduated_enterprises", 0),
        ("platform.new_projects", 0),
        ("platform.rd_investment", Decimal("88.5")),
        ("platform.events_held", 4),
    ]:
        assert metrics.values(code, subjects, YEAR, {}) == {1: value, 2: 0}, code
    growth = metrics.values("platform.resident_talents", subjects, YEAR, {}, growth=True)
    assert growth == {1: Decimal("0.5"), 2: Decimal(-1)}
    client.force_login(people["city_admin"])
    assert list_count(client, metrics.records_url("platform.events_held", subjects[0], YEAR, {}) or "") == 1


def test_enterprise_figures_and_their_ratios(client, units, people) -> None:
    company = talent_factories.enterprise(units["330402"], is_talent_enterprise=True)
    newcomer = talent_factories.enterprise(units["330402"], is_talent_enterprise=True)
    idle = talent_factories.enterprise(units["330411"], is_talent_enterprise=True)
    year = talent_factories.enterprise_year
    year(company, YEAR, revenue=1250, tax_paid=80, rd_expense=100, employees=45, invention_patents=3)
    year(company, YEAR - 1, revenue=1000)
    year(newcomer, YEAR, revenue=0, rd_expense=5)
    year(idle, YEAR - 1, revenue=0)
    year(idle, YEAR, revenue=300)
    subjects = [Subject(i, ENTERPRISE, e.pk) for i, e in enumerate([company, newcomer, idle])]
    for code, expected in [
        ("enterprise.revenue", [Decimal(1250), Decimal(0), Decimal(300)]),
        ("enterprise.tax_paid", [Decimal(80), Decimal(0), Decimal(0)]),
        ("enterprise.employees", [45, 40, 40]),
        ("enterprise.invention_patents", [3, 0, 0]),
        ("enterprise.rd_intensity", [Decimal("8.00"), None, Decimal("0.00")]),
        ("enterprise.revenue_growth", [Decimal("25.00"), None, None]),
    ]:
        assert metrics.values(code, subjects, YEAR, {}) == dict(enumerate(expected)), code
    # No figures for a year: no value (not 0).
    assert metrics.values("enterprise.revenue", subjects, YEAR + 1, {}) == {0: None, 1: None, 2: None}
    assert metrics.records_url("enterprise.revenue_growth", subjects[0], YEAR, {}) is None
    client.force_login(people["city_admin"])
    assert list_count(client, metrics.records_url("enterprise.revenue", subjects[0], YEAR, {}) or "") == 1


def test_growth_is_a_ratio_on_last_year_and_none_without_last_year(units, registry) -> None:
    subjects = area_subjects(units, ["330400", "330402", "330411", "330421"])
    growth = metrics.values("talents.landed", subjects, YEAR, {}, growth=True)
    # 2024: one landed (the town of 330402); 2025: 5 in the city, 3 in 330402, 1 in 330411.
    assert {s.code: growth[s.id] for s in subjects} == {"330400": 4, "330402": 2, "330411": None, "330421": None}


def test_a_subject_outside_the_group_counts_nothing(units, registry) -> None:
    platform = Platform.objects.first()
    assert platform is not None
    subjects = [Subject(1, PLATFORM, platform.pk, code=platform.code), *area_subjects(units, ["330402"])]
    assert metrics.values("talents.landed", subjects, YEAR, {}) == {1: 0, 100: 3}


@pytest.mark.parametrize(
    ("code", "params", "key"),
    [
        ("talents.nothing", {}, "metric"),
        ("talents.landed", {"colour": "red"}, "colour"),
        ("talents.landed", {"tier": "legend"}, "tier"),
        ("talents.landed", {"tier": ["youth", "legend"]}, "tier"),
        ("talents.landed", {"tier": 3}, "tier"),
        ("platforms.recognized", {"level": ["national", "provincial"]}, "level"),
        ("talents.requests_overdue", {"days": "soon"}, "days"),
        ("talents.requests_overdue", {"days": 1.5}, "days"),
        ("talents.requests_overdue", {"days": True}, "days"),
        ("talents.requests_overdue", {"days": -1}, "days"),
        ("enterprises.revenue_at_least", {"amount": "NaN"}, "amount"),
        ("enterprises.revenue_at_least", {"amount": [100]}, "amount"),
    ],
)
def test_clean_params_refuses_what_the_metric_does_not_take(code, params, key) -> None:
    with pytest.raises(MetricError) as refused:
        metrics.clean_params(code, params)
    assert list(refused.value.errors) == [key]
    assert refused.value.errors[key]


def test_clean_params_normalises() -> None:
    assert metrics.clean_params("talents.landed", {"tier": "youth"}) == {"tier": ["youth"]}
    assert metrics.clean_params("talents.requests_resolved_on_time", {}) == {"days": 30}
    assert metrics.clean_params("talents.requests_overdue", {"days": "20"}) == {"days": 20}
    assert metrics.clean_params("enterprises.revenue_at_least", {"amount": "12.5"}) == {"amount": Decimal("12.5")}
    assert metrics.clean_params("platforms.recognized", {"level": "provincial"}) == {"level": "provincial"}


def test_every_metric_is_declared_with_its_contract() -> None:
    assert {
        "talents.landed", "talents.teams_landed", "talents.requests_resolved_on_time", "talents.requests_overdue",
        "programs.selected", "programs.funds_paid", "programs.exits", "platforms.recognized", "platforms.active",
        "enterprises.revenue_at_least", "enterprises.listed", "platform.resident_talents",
        "platform.resident_enterprises", "platform.incubated_enterprises", "platform.graduated_enterprises",
        "platform.new_projects", "platform.rd_investment", "platform.events_held", "enterprise.revenue",
        "enterprise.revenue_growth", "enterprise.tax_paid", "enterprise.rd_intensity",
        "enterprise.invention_patents", "enterprise.employees",
    } <= set(metrics.METRICS)  # fmt: skip
    assert {m.code for m in metrics.METRICS.values() if "county" in m.groups} >= {"talents.landed", "platforms.active"}


def queries(code: str, subjects: list[Subject]) -> int:
    with CaptureQueriesContext(connection) as captured:
        metrics.values(code, subjects, YEAR, {}, growth=False)
    return len(captured)


def test_queries_do_not_grow_with_subjects_or_records(units, registry) -> None:
    platforms = [Subject(i, PLATFORM, p.pk) for i, p in enumerate(Platform.objects.all())]
    enterprises = [Subject(i, ENTERPRISE, e.pk) for i, e in enumerate(Enterprise.objects.all())]
    few: dict[str, list[Subject]] = {ORG_UNIT: area_subjects(units, AREA_CODES[:2])}
    few.update({PLATFORM: platforms[:2], ENTERPRISE: enterprises[:2]})
    many = {ORG_UNIT: area_subjects(units), PLATFORM: platforms, ENTERPRISE: enterprises}
    kind_of = {"county": ORG_UNIT, "platform": PLATFORM, "enterprise": ENTERPRISE}
    small = {}
    for code, metric in metrics.METRICS.items():
        kind = kind_of[metric.groups[0]]
        small[code] = queries(code, few[kind])
        assert small[code] == queries(code, many[kind]) <= 2, code
    # Ten times the records: as many queries.
    for i in range(90):
        talent_factories.talent(units[AREA_CODES[i % 7]], landed_on=day("2025-05-01"), tier="youth")
        platform_factories.platform(units[AREA_CODES[i % 7]], recognized_on=day("2025-05-01"))
    for code in ["talents.landed", "talents.teams_landed", "platforms.recognized", "platforms.active"]:
        assert queries(code, many[ORG_UNIT]) == small[code], code


@pytest.mark.parametrize("code", [code for code, metric in metrics.METRICS.items() if metric.records is not None])
def test_a_counted_metrics_parameter_sets_are_counted_together_as_each_alone(units, registry, code) -> None:
    """Lines that bind one counted metric with different parameters share one grouped query, and each gets
    what the metric alone gives for its parameters (this year's and, as growth, on last year's)."""
    subjects = area_subjects(units)
    counted = [case[1] for case in COUNTED if case[0] == code] + [{}]
    for growth in (False, True):
        alone = [metrics.values(code, subjects, YEAR, params, growth=growth) for params in counted]
        with CaptureQueriesContext(connection) as captured:
            together = metrics.values_many(code, subjects, YEAR, counted, growth=growth)
        assert together == alone
        assert len(captured) == queries(code, subjects) * (2 if growth else 1)
