"""`seed_scale` adds a large registry fast: the right counts, unique and valid identifiers, safe to run again."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from talentportal.orgs.demo import COUNTIES
from talentportal.orgs.models import OrgUnit
from talents import validators
from talents.models import Enterprise, EnterpriseYear, ServiceRequest, Talent

pytestmark = pytest.mark.django_db


def seed_scale(*args: str) -> str:
    out = StringIO()
    call_command("seed_scale", *args, stdout=out)
    return out.getvalue()


def assert_identifiers_unique_and_valid() -> None:
    assert not Talent.objects.values("id_type", "id_number").annotate(n=Count("id")).filter(n__gt=1).exists()
    for id_number, birth_date, gender in Talent.objects.filter(id_type="resident_id").values_list(
        "id_number", "birth_date", "gender"
    ):
        assert validators.identity_errors("resident_id", id_number, birth_date, gender) == {}, id_number
    codes = list(Enterprise.objects.values_list("credit_code", flat=True))
    assert len(codes) == len(set(codes))
    for code in codes:
        validators.validate_credit_code(code)


def test_builds_the_registry_with_valid_unique_identifiers() -> None:
    output = seed_scale("--talents", "2000", "--batch", "700")
    assert "Added 2,000 talents, 100 enterprises" in output
    assert Talent.objects.count() == 2000
    assert Enterprise.objects.count() == 100
    assert EnterpriseYear.objects.count() == 300
    assert ServiceRequest.objects.count() == 100
    assert_identifiers_unique_and_valid()
    # About half the talents work for one of the new enterprises, always one in their own county.
    employed = Talent.objects.filter(employer__isnull=False).select_related("org_unit", "employer__org_unit")
    assert 600 <= employed.count() <= 1400
    for talent in employed[:300]:
        assert talent.org_unit.path.split("/")[:3] == talent.employer.org_unit.path.split("/")[:3]
    assert not Talent.objects.filter(employer__isnull=True, employer_name="").exists()
    # Spread over the seven counties and their towns, every tier and category present.
    for code, _name in COUNTIES:
        assert Talent.objects.in_subtree(OrgUnit.objects.get(code=code)).count() > 150, code
    assert Talent.objects.filter(org_unit__kind=OrgUnit.Kind.TOWN).exists()
    assert set(Talent.objects.values_list("tier", flat=True)) == set(Talent.Tier.values)
    assert set(Talent.objects.values_list("category", flat=True)) == set(Talent.Category.values)
    requests = ServiceRequest.objects.all()
    assert set(requests.values_list("status", flat=True)) == set(ServiceRequest.Status.values)
    assert not requests.open().exclude(resolved_on=None).exists()
    assert not requests.filter(status__in=["resolved", "rejected"], resolved_on=None).exists()
    for phone in Talent.objects.values_list("phone", flat=True)[:200]:
        validators.validate_mobile(phone)


def test_adds_on_top_of_existing_data_without_collisions() -> None:
    call_command("seed_demo", stdout=StringIO())
    demo_talents, demo_enterprises = Talent.objects.count(), Enterprise.objects.count()
    seed_scale("--talents", "1500", "--enterprises", "40", "--service-requests", "0")
    seed_scale("--talents", "1500", "--enterprises", "40", "--service-requests", "0")
    assert Talent.objects.count() == demo_talents + 3000
    assert Enterprise.objects.count() == demo_enterprises + 80
    assert_identifiers_unique_and_valid()


def test_creates_the_org_units_when_missing() -> None:
    assert not OrgUnit.objects.exists()
    seed_scale("--talents", "50", "--enterprises", "5")
    assert OrgUnit.objects.filter(code__in=[code for code, _name in COUNTIES]).count() == 7
    assert Talent.objects.count() == 50


@pytest.mark.django_db(transaction=True)
def test_postgresql_writes_in_the_background_and_commits_every_batch() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the background writer (COPY on a second connection) is PostgreSQL-only")
    seed_scale("--talents", "3000", "--batch", "1000", "--enterprises", "30")
    assert Talent.objects.count() == 3000
    assert Talent.objects.filter(employer__isnull=False).exists()
    assert_identifiers_unique_and_valid()
