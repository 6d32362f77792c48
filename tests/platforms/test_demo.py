"""`seed_demo` builds the demo platforms: idempotent, in believable proportions, with figures and residents that
fit their dates."""

from __future__ import annotations

import datetime
import itertools
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q
from django.utils import timezone

from platforms.demo import build_plan, seed_platforms
from platforms.models import Platform, PlatformYear, Residency
from talentportal.orgs.models import OrgUnit


def snapshot() -> tuple[int, int, int, int]:
    """How many platforms, yearly figures and stays there are, and how many platform names are used twice."""
    repeated = Platform.objects.values("name").annotate(n=Count("id")).filter(n__gt=1).count()
    return Platform.objects.count(), PlatformYear.objects.count(), Residency.objects.count(), repeated


@pytest.fixture
def seeded(demo_city: None, db: None) -> None:
    pass


def test_running_it_again_on_any_day_adds_nothing(seeded: None) -> None:
    before = snapshot()
    assert before[0] >= 150 and before[-1] == 0
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "0 new platforms (0 yearly figures, 0 residencies)" in out.getvalue()
    # Another day dates the platforms otherwise, but never makes other ones.
    later = timezone.localdate() + datetime.timedelta(days=400)
    assert set(seed_platforms(today=later).values()) == {0}
    assert snapshot() == before


def test_the_plan_is_the_same_on_every_run() -> None:
    assert build_plan() == build_plan()


def test_kinds_come_in_the_proportions_an_office_reports(seeded: None) -> None:
    kinds = Counter(Platform.objects.values_list("kind", flat=True))
    assert set(kinds) == set(Platform.Kind.values)
    assert len(set(kinds.values())) >= 8, kinds  # not the same number of each
    assert kinds["academician_station"] >= 24 and kinds["postdoc_station"] >= 20  # dozens
    assert 10 <= kinds["maker_space"] <= 14  # a dozen
    assert 2 <= kinds["incubator"] <= 5  # a few
    assert kinds["academician_station"] > kinds["maker_space"] > kinds["incubator"]
    assert kinds["enclave"] >= 3 and kinds["overseas_station"] >= 3


def test_levels_are_mostly_provincial_and_municipal(seeded: None) -> None:
    levels = Counter(Platform.objects.values_list("level", flat=True))
    assert set(levels) == set(Platform.Level.values)
    assert levels["provincial"] + levels["municipal"] >= 0.8 * sum(levels.values())
    assert 0 < levels["national"] < levels["provincial"] / 4 and levels["national"] < levels["municipal"] / 4


def test_counties_have_them_unevenly(seeded: None) -> None:
    by_county = {}
    for county in OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY):
        by_county[county.code] = Platform.objects.in_subtree(county).count()
    assert all(by_county.values()), by_county
    assert max(by_county.values()) >= 2 * min(by_county.values()), by_county


def test_places_away_from_the_city(seeded: None) -> None:
    assert set(Platform.objects.filter(kind="enclave").values_list("city", flat=True)) == {"上海", "北京", "杭州"}
    assert set(Platform.objects.filter(kind="enclave").values_list("location", flat=True)) == {"domestic"}
    overseas = Platform.objects.filter(location="overseas")
    assert set(overseas.values_list("kind", flat=True)) == {"overseas_station"}
    assert set(overseas.values_list("country", flat=True)) == {"US", "DE", "FR"}
    assert not Platform.objects.filter(location="local").exclude(city="").exists()


def test_yearly_figures_vary_and_follow_recognition(seeded: None) -> None:
    today = timezone.localdate()
    last_three = {today.year - 3, today.year - 2, today.year - 1}
    assert set(PlatformYear.objects.values_list("year", flat=True)) == last_three
    per_platform = Counter(Platform.objects.annotate(n=Count("years")).values_list("n", flat=True))
    assert per_platform[3] > 0.7 * sum(per_platform.values())
    assert not PlatformYear.objects.filter(year__lt=F("platform__recognized_on__year")).exists()
    assert not PlatformYear.objects.filter(
        platform__status="revoked", year__gte=F("platform__revoked_on__year")
    ).exists()
    for field in ("resident_talents", "new_projects", "rd_investment", "events_held"):
        assert PlatformYear.objects.order_by().values(field).distinct().count() > 30, field
    # Figures grow for most, dip for some.
    rows = PlatformYear.objects.order_by("platform_id", "year").values_list("platform_id", "resident_talents")
    pairs = [(a, b) for (p, a), (q, b) in itertools.pairwise(rows) if p == q]
    assert sum(b > a for a, b in pairs) > sum(b < a for a, b in pairs) > 0
    incubators = PlatformYear.objects.filter(platform__kind="incubator")
    stations = PlatformYear.objects.filter(platform__kind="academician_station")
    assert min(incubators.values_list("area_m2", flat=True)) > max(stations.values_list("area_m2", flat=True))
    assert not PlatformYear.objects.filter(incubated_enterprises__gt=F("resident_enterprises")).exists()


def test_revoked_and_active_platforms(seeded: None) -> None:
    revoked = Platform.objects.filter(status="revoked")
    assert 1 <= revoked.count() <= 5
    assert not revoked.filter(Q(revoked_on=None) | Q(revoked_reason="")).exists()
    assert not revoked.filter(revoked_on__lt=F("recognized_on")).exists()
    today = timezone.localdate()
    assert not Platform.objects.filter(Q(recognized_on__gt=today) | Q(revoked_on__gt=today)).exists()
    recognised = Counter(Platform.objects.values_list("recognized_on__year", flat=True))
    assert recognised[today.year] > 0 and all(recognised[today.year - back] for back in range(1, 6)), recognised


def test_residents_came_after_the_platform_opened(seeded: None) -> None:
    today = timezone.localdate()
    stays = Residency.objects.select_related("platform", "talent__org_unit", "enterprise__org_unit")
    assert stays.filter(talent__isnull=False).exists() and stays.filter(enterprise__isnull=False).exists()
    assert stays.filter(until__isnull=False).exists() and stays.filter(until__isnull=True).exists()
    for stay in stays:
        assert stay.platform.recognized_on <= stay.since <= today, stay
        assert stay.until is None or stay.since <= stay.until <= today, stay
        assert stay.resident is not None
        assert stay.resident.org_unit.path.startswith(stay.platform.org_unit.path), stay
    assert not stays.filter(platform__status="revoked", until__isnull=True).exists()
    stations = stays.filter(platform__kind="academician_station", talent__isnull=False)
    assert stations.exists()
    assert set(stations.values_list("talent__tier", flat=True)) <= {"top", "national_leading", "provincial_leading"}
