"""`seed_demo` builds the demo registry: idempotent, complete, and every identifier valid."""

from __future__ import annotations

import datetime
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from talentportal.audit.models import AuditEntry
from talentportal.orgs.demo import COUNTIES
from talentportal.orgs.models import OrgUnit
from talents import validators
from talents.demo import build_specs, landing_date, seed_registry
from talents.models import Enterprise, EnterpriseYear, ServiceRequest, Talent, Team

MODELS = (Enterprise, EnterpriseYear, Talent, Team, Team.members.through, ServiceRequest, AuditEntry)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def seeded(demo_city: None, db: None) -> dict[str, int]:
    return counts()


def test_seed_demo_twice_creates_nothing_new(seeded: dict[str, int]) -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert counts() == seeded
    assert "0 new enterprises" in out.getvalue() and "0 new talents" in out.getvalue()
    assert seeded["Enterprise"] >= 90 and seeded["Talent"] >= 300 and seeded["Team"] >= 20
    assert seeded["ServiceRequest"] >= 50
    # Another day dates the records otherwise, but never makes other ones (a new year adds its figures).
    created = seed_registry(today=timezone.localdate() + datetime.timedelta(days=200))
    assert created | {"enterprise_years": 0} == dict.fromkeys(created, 0)
    assert Talent.objects.count() == seeded["Talent"] and Enterprise.objects.count() == seeded["Enterprise"]


def test_the_data_is_the_same_on_every_run() -> None:
    assert build_specs() == build_specs()

    def keys(today: datetime.date) -> list[object]:
        specs = build_specs(today)
        return [spec["key"] for kind in ("enterprises", "talents", "teams", "service_requests") for spec in specs[kind]]

    assert keys(datetime.date(2026, 1, 2)) == keys(datetime.date(2031, 7, 15))


def test_talents_landed_this_year_and_in_each_of_the_last_five(seeded: dict[str, int]) -> None:
    today = timezone.localdate()
    landed = dict(Talent.objects.values_list("landed_on__year").annotate(n=Count("id")))
    assert landed.get(today.year, 0) > 0
    recent = [landed.get(today.year - back, 0) for back in range(1, 6)]
    assert all(recent), landed
    assert recent[0] > recent[-1]  # the intake grew
    assert sum(recent) + landed[today.year] > 0.6 * seeded["Talent"]
    assert not Talent.objects.filter(landed_on__gt=today).exists()
    assert not Talent.objects.filter(landed_on=None).exists()


@pytest.mark.parametrize("today", [datetime.date(2027, 1, 1), datetime.date(2028, 2, 29), datetime.date(2030, 12, 31)])
def test_every_day_of_the_year_has_arrivals_this_year(today: datetime.date) -> None:
    days = [landing_date(n / 1000, datetime.date(1990, 1, 1), today) for n in range(1000)]
    assert all(day <= today for day in days)
    years = Counter(day.year for day in days)
    assert years[today.year] >= 40 and all(years[today.year - back] >= 50 for back in range(1, 6)), years


def test_created_rows_are_in_the_audit_log(seeded: dict[str, int]) -> None:
    created = AuditEntry.objects.filter(action="create", source="system")
    assert created.filter(content_type__model="talent").count() == seeded["Talent"]
    assert created.filter(content_type__model="enterprise").count() == seeded["Enterprise"]
    assert created.filter(content_type__model="servicerequest").count() == seeded["ServiceRequest"]


def test_every_category_and_tier_and_both_recruitment_modes(seeded: dict[str, int]) -> None:
    assert set(Talent.objects.values_list("category", flat=True)) == set(Talent.Category.values)
    assert set(Talent.objects.values_list("tier", flat=True)) == set(Talent.Tier.values)
    assert set(Talent.objects.values_list("recruitment_mode", flat=True)) == set(Talent.RecruitmentMode.values)
    tiers = dict(Talent.objects.values_list("tier").annotate(n=Count("id")))
    assert tiers["top"] < tiers["national_leading"] < tiers["municipal_leading"] < tiers["youth"]
    assert Talent.objects.filter(is_returnee=True).exists()
    assert set(Talent.objects.values_list("highest_degree", flat=True)) >= {"doctorate", "master", "bachelor"}


def test_all_seven_counties_have_talents_and_enterprises(seeded: dict[str, int]) -> None:
    for code, _name in COUNTIES:
        county = OrgUnit.objects.get(code=code)
        assert Talent.objects.in_subtree(county).count() >= 20, code
        assert Enterprise.objects.in_subtree(county).count() >= 5, code
    assert Talent.objects.filter(org_unit__kind=OrgUnit.Kind.TOWN).exists()


def test_employers_are_in_the_talents_county(seeded: dict[str, int]) -> None:
    with_employer = Talent.objects.filter(employer__isnull=False).select_related("org_unit", "employer__org_unit")
    assert with_employer.count() > 100
    for talent in with_employer:
        assert talent.org_unit.path.split("/")[:3] == talent.employer.org_unit.path.split("/")[:3], talent
    assert Talent.objects.filter(employer__isnull=True).exclude(employer_name="").count() > 50
    assert not Talent.objects.filter(employer__isnull=True, employer_name="").exists()


def test_revenue_thresholds_and_listings(seeded: dict[str, int]) -> None:
    this_year = timezone.localdate().year
    latest = EnterpriseYear.objects.filter(year=this_year - 1)
    assert latest.filter(revenue__gt=100).count() >= 50
    assert latest.filter(revenue__gt=1000).count() >= 20
    assert latest.filter(revenue__gt=10000).count() >= 3
    assert latest.filter(revenue__lte=100).exists()
    listings = dict(Enterprise.objects.values_list("listing").annotate(n=Count("id")))
    assert 4 <= listings["neeq"] <= 5
    assert {"main_board", "star_market", "chinext"} <= set(listings)
    assert 10 <= Enterprise.objects.filter(is_talent_enterprise=True).count() <= 20
    years = EnterpriseYear.objects.values("enterprise").annotate(n=Count("year"))
    assert {row["n"] for row in years} == {3}
    assert set(EnterpriseYear.objects.values_list("year", flat=True)) == {this_year - 3, this_year - 2, this_year - 1}


def test_service_requests_in_every_status_and_kind(seeded: dict[str, int]) -> None:
    requests = ServiceRequest.objects.all()
    assert set(requests.values_list("status", flat=True)) == set(ServiceRequest.Status.values)
    assert set(requests.values_list("kind", flat=True)) == set(ServiceRequest.Kind.values)
    assert requests.overdue().exists()
    assert requests.open().exclude(pk__in=requests.overdue()).exists()
    for request in requests.filter(status__in=["resolved", "rejected"]):
        assert request.resolved_on is not None and request.resolved_on >= request.submitted_on
        assert request.resolution.strip() and request.handler_id is not None
    assert not requests.filter(status="in_progress", handler=None).exists()
    kinds = Counter(requests.values_list("kind", flat=True))
    assert len(set(kinds.values())) > 1, kinds
    assert not requests.open().exclude(resolved_on=None).exists()
    assert not requests.filter(submitted_on__gt=datetime.date.today() + datetime.timedelta(days=1)).exists()


def test_teams_have_members_from_the_leaders_county(seeded: dict[str, int]) -> None:
    for team in Team.objects.select_related("leader__org_unit").prefetch_related("members__org_unit"):
        members = list(team.members.all())
        assert 2 <= len(members) <= 5, team
        county = team.leader.org_unit.path.split("/")[:3]
        assert all(m.org_unit.path.split("/")[:3] == county for m in members), team
        assert team.leader not in members


def test_every_identifier_is_valid(seeded: dict[str, int]) -> None:
    for talent in Talent.objects.all():
        if talent.id_type == Talent.IdType.RESIDENT_ID:
            validators.validate_resident_id(talent.id_number)
            assert validators.identity_errors(talent.id_type, talent.id_number, talent.birth_date, talent.gender) == {}
            assert talent.nationality == "CN"
        else:
            validators.ID_NUMBER_VALIDATORS[talent.id_type](talent.id_number)
            assert talent.nationality != "CN"
        validators.validate_mobile(talent.phone)
        validators.validate_nationality(talent.nationality)
        if talent.email:
            validators.validate_email(talent.email)
    assert Talent.objects.filter(id_type=Talent.IdType.PASSPORT).count() >= 3
    for enterprise in Enterprise.objects.all():
        validators.validate_credit_code(enterprise.credit_code)
        validators.validate_phone(enterprise.contact_phone)


def test_seed_demo_can_print_just_the_logins(db):
    from io import StringIO

    from django.core.management import call_command

    from talentportal.orgs.models import User

    users = User.objects.count()
    out = StringIO()
    call_command("seed_demo", logins=True, stdout=out)
    assert "nanhu_editor" in out.getvalue() and "demo-pass-2026" in out.getvalue()
    assert User.objects.count() == users  # it only prints them
