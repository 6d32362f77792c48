"""The leads' cockpit at registry scale: the page, its rankings fragment and the API, warm, for the city's lead,
at a small and a large registry (``seed_scale``) in one run, with the open county scheme whose provisional
ranking the cockpit shows."""

from __future__ import annotations

from benchmarks.assessments import county_scheme
from benchmarks.harness import get_ok, grown, median_ms, query_count


def bench_cockpit(small: int = 10_000, large: int = 1_000_000, repeat: int = 9) -> list[str]:
    from django.core.cache import cache
    from django.test import Client
    from django.utils import timezone

    from assessments import services
    from assessments.models import Scheme
    from talentportal.audit.models import Source
    from talentportal.audit.services import Actor
    from talentportal.orgs.demo import seed_org_units
    from talentportal.orgs.models import Membership, OrgUnit, Role, User

    seed_org_units()
    city = OrgUnit.objects.get(code="330400")
    admin = User.objects.create_superuser("bench-cockpit", "bench@example.org", "Bench-pass-2026x")
    Membership.objects.create(user=admin, org_unit=city, role=Role.ADMIN)
    lead = User.objects.create_user("bench-lead", "lead@example.org", "Bench-pass-2026x")
    Membership.objects.create(user=lead, org_unit=city, role=Role.VIEWER)
    year = timezone.localdate().year - 1
    services.transition(county_scheme(year, admin), Scheme.Status.OPEN, Actor(user=admin, source=Source.SYSTEM))
    client = Client()
    client.force_login(lead)
    query = f"?year={year}"
    urls = {
        "cockpit page (/dashboard/)": f"/dashboard/{query}",
        # This year: the service requests still open and overdue are most of them, counted with their talents' units.
        "cockpit page, this year (/dashboard/, a lead's home)": "/dashboard/",
        "cockpit page, a county (/dashboard/?org_unit=330402)": f"/dashboard/{query}&org_unit=330402",
        "rankings fragment (cached ranking)": f"/dashboard/rankings/{query}",
        "API GET /api/v1/dashboard/ (cached ranking)": f"/api/v1/dashboard/{query}",
    }

    def cold_rankings() -> None:
        cache.clear()
        get_ok(client, urls["rankings fragment (cached ranking)"])()

    rows: dict[str, dict[int, tuple[float, int]]] = {}
    timings: list[str] = []
    for size in grown((small, large), timings):
        cache.clear()
        for name, url in urls.items():
            rows.setdefault(name, {})[size] = (median_ms(get_ok(client, url), repeat=repeat), query_count(client, url))
        cache.clear()
        cold_queries = query_count(client, urls["rankings fragment (cached ranking)"])
        rows.setdefault("rankings fragment, ranking scored afresh", {})[size] = (
            median_ms(cold_rankings, repeat=repeat),
            cold_queries,
        )
    lines = [
        f"| request | ms @ {small:,} | ms @ {large:,} | ratio | queries @ {small:,} | queries @ {large:,} |",
        "|---|---|---|---|---|---|",
    ]
    for name, by_size in rows.items():
        (s_ms, s_q), (l_ms, l_q) = by_size[small], by_size[large]
        lines.append(f"| {name} | {s_ms:.1f} | {l_ms:.1f} | {l_ms / s_ms:.2f} | {s_q} | {l_q} |")
    return [*lines, "", *timings]
