"""The talent list at registry scale: 10,000 vs 1,000,000 talents in one run, against Django admin."""

from __future__ import annotations

from typing import Any

from benchmarks.harness import comparison_table, get_ok, grown, median_ms, query_count


def bench_talents(small: int = 10_000, large: int = 1_000_000, repeat: int = 15) -> list[str]:
    from django.db import connection
    from django.test import Client

    from talentportal.orgs.demo import seed_org_units
    from talentportal.orgs.models import Membership, OrgUnit, Role, User
    from talents.models import Talent

    seed_org_units()
    admin = User.objects.create_superuser("bench-talents", "bench@example.org", "Bench-pass-2026x")
    Membership.objects.create(user=admin, org_unit=OrgUnit.objects.get(code="330400"), role=Role.ADMIN)
    client = Client()
    client.force_login(admin)

    results: dict[str, dict[int, tuple[float, int]]] = {}
    timings: list[str] = []
    for size in grown((small, large), timings):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE talents_talent")
        surname = (Talent.objects.order_by("id").values_list("name", flat=True).first() or "王")[:2]
        urls = {
            "talent list page (default)": "/registry/talents/",
            f"name search (q={surname})": f"/registry/talents/?q={surname}",
            "county filter (org_unit=330402)": "/registry/talents/?org_unit=330402",
            "API list": "/api/v1/talents/",
            "Django admin changelist": "/django-admin/talents/talent/",
        }
        for name, url in urls.items():
            results.setdefault(name, {})[size] = (
                median_ms(get_ok(client, url), repeat=repeat),
                query_count(client, url),
            )
    lines = comparison_table(results, small, large)
    return [*lines, "", *timings]


def run(args: Any = None) -> list[str]:
    return bench_talents()
