"""`seed_demo` makes the demo assessments: last year's county scheme published with believable results, this
year's open with submissions at every stage, a platform and a talent-enterprise scheme; running it again adds
nothing."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from assessments.models import Assessee, Entry, Event, Group, Indicator, Mark, Result, Scheme, Submission, Target
from assessments.scoring import results_of

pytestmark = pytest.mark.django_db

LAST_YEAR = timezone.localdate().year - 1
THIS_YEAR = LAST_YEAR + 1


@pytest.fixture
def seeded(demo_city: None, db: None) -> None:
    pass


def snapshot() -> dict[str, int]:
    models = [Scheme, Assessee, Indicator, Target, Submission, Entry, Mark, Event, Result]
    return {model.__name__: model.objects.count() for model in models}


def county(year: int) -> Scheme:
    return Scheme.objects.get(year=year, group=Group.COUNTY, org_unit__code="330400")


def test_running_it_again_adds_nothing(seeded: None) -> None:
    before = snapshot()
    assert before["Scheme"] == 4 and before["Result"] > 7
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "0 new assessment schemes" in out.getvalue()
    assert snapshot() == before


def test_last_years_county_results_are_published_with_a_believable_spread(seeded: None) -> None:
    scheme = county(LAST_YEAR)
    assert scheme.status == Scheme.Status.PUBLISHED
    results = results_of(scheme)
    assert len(results) == 7 and not any(r.provisional for r in results)
    totals = sorted(r.total for r in results)
    assert Decimal(40) <= totals[0] and totals[-1] <= Decimal(100), totals
    assert totals[-1] - totals[0] >= Decimal(10), totals  # not all alike
    assert len(set(totals)) >= 5, totals
    assert sorted(r.rank for r in results)[0] == 1
    assert len({r.grade for r in results}) >= 2
    # Every level-1 part contributes, and most lines come from the registry.
    tree = scheme.indicators.filter(rule__isnull=False)
    assert tree.filter(source=Indicator.Source.METRIC).count() >= tree.count() / 2
    for code in ("1", "2", "3", "4"):
        assert any(r.subtotals[code] > 0 for r in results), code
    assert any(r.subtotals["5"] > 0 for r in results) and any(r.subtotals["6"] < 0 for r in results)
    # Each county can see, line by line, where it lost points.
    assert all(r.lost > 0 for r in results)
    assert all(line.explanation for r in results for line in r.lines)


def test_this_years_county_scheme_is_open_with_submissions_at_every_stage(seeded: None) -> None:
    scheme = county(THIS_YEAR)
    assert scheme.status == Scheme.Status.OPEN and scheme.copied_from == county(LAST_YEAR)
    statuses = Counter(Submission.objects.filter(assessee__scheme=scheme).values_list("status", flat=True))
    assert statuses == {"submitted": 2, "returned": 1, "pending": 4}
    assert Entry.objects.filter(submission__assessee__scheme=scheme).exists()
    assert Mark.objects.filter(submission__assessee__scheme=scheme).exists()
    events = Counter(Event.objects.filter(scheme=scheme).values_list("status", flat=True))
    assert events == {"verified": 1, "claimed": 1}
    assert Target.objects.filter(indicator__scheme=scheme).count() >= 7 * 10
    assert all(r.provisional for r in results_of(scheme))


@pytest.mark.parametrize(("group", "at_least"), [(Group.PLATFORM, 100), (Group.ENTERPRISE, 10)])
def test_platform_and_enterprise_schemes_are_published(seeded: None, group: str, at_least: int) -> None:
    scheme = Scheme.objects.get(year=LAST_YEAR, group=group)
    assert scheme.status == Scheme.Status.PUBLISHED
    totals = [r.total for r in results_of(scheme)]
    assert len(totals) >= at_least
    assert min(totals) < max(totals) and max(totals) <= 100
