from __future__ import annotations

from django.core.management import call_command
from django.db.models import Count

from platforms.models import Platform, PlatformYear, Residency


def test_demo_platforms_cover_every_kind_and_place_and_are_idempotent(db):
    call_command("seed_demo", verbosity=0)
    counts = (Platform.objects.count(), PlatformYear.objects.count(), Residency.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (Platform.objects.count(), PlatformYear.objects.count(), Residency.objects.count()) == counts
    assert set(Platform.objects.values_list("kind", flat=True)) == set(Platform.Kind.values)
    assert set(Platform.objects.values_list("level", flat=True)) == set(Platform.Level.values)
    assert set(Platform.objects.filter(kind="enclave").values_list("city", flat=True)) == {"上海", "北京", "杭州"}
    assert set(Platform.objects.filter(location="overseas").values_list("country", flat=True)) == {"US", "DE", "FR"}
    assert set(Platform.objects.values_list("org_unit__code", flat=True)) >= {"330402", "330411", "330481"}
    years = Platform.objects.annotate(n=Count("years")).values_list("n", flat=True)
    assert set(years) == {3}
    assert (
        Residency.objects.filter(talent__isnull=False).exists()
        and Residency.objects.filter(enterprise__isnull=False).exists()
    )
    assert (
        Residency.objects.filter(until__isnull=False).exists() and Residency.objects.filter(until__isnull=True).exists()
    )
