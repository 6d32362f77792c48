"""Scoring at registry scale: a 7-county × 40-indicator scheme at a small and a large registry (``seed_scale``)
in one run, a 2,000-platform × 20-indicator scheme, and reading the results the dashboard shows (a published
scheme's frozen results, an open scheme's live ones), warm."""

from __future__ import annotations

import datetime
import time
from decimal import Decimal
from functools import partial
from typing import Any

from benchmarks.harness import grown, median_ms

# The county metrics a real scheme binds, with the parameters that make 34 different lines of them.
COUNTY_METRICS: list[dict[str, Any]] = [
    {"code": "talents.landed"},
    *({"code": "talents.landed", "tier": [tier]} for tier in ("top", "national_leading", "provincial_leading")),
    *({"code": "talents.landed", "tier": [tier]} for tier in ("municipal_leading", "youth")),
    *({"code": "talents.landed", "category": [c]} for c in ("management", "professional", "skilled", "rural")),
    {"code": "talents.landed", "recruitment_mode": ["full_time"]},
    {"code": "talents.landed", "recruitment_mode": ["flexible"]},
    {"code": "talents.landed", "growth": True},
    {"code": "talents.teams_landed"},
    {"code": "talents.requests_resolved_on_time", "days": 30},
    {"code": "talents.requests_resolved_on_time", "days": 15},
    {"code": "talents.requests_overdue"},
    {"code": "programs.selected"},
    {"code": "programs.selected", "level": ["national", "provincial"]},
    {"code": "programs.funds_paid"},
    {"code": "programs.exits"},
    {"code": "platforms.recognized"},
    {"code": "platforms.recognized", "level": "provincial"},
    {"code": "platforms.active"},
    {"code": "platforms.active", "level": "provincial"},
    {"code": "enterprises.revenue_at_least", "amount": 1000},
    {"code": "enterprises.revenue_at_least", "amount": 10000},
    {"code": "enterprises.listed"},
    *({"code": "talents.landed", "tier": ["top"], "category": [c]} for c in ("management", "professional")),
    {"code": "talents.landed", "tier": ["national_leading"], "recruitment_mode": ["full_time"]},
    {"code": "talents.landed", "tier": ["provincial_leading"], "recruitment_mode": ["full_time"]},
    {"code": "programs.selected", "level": ["municipal"]},
    {"code": "platforms.recognized", "level": "national"},
]
PLATFORM_FIGURES = [
    "resident_talents",
    "resident_enterprises",
    "incubated_enterprises",
    "graduated_enterprises",
    "new_projects",
    "rd_investment",
    "events_held",
]


def county_scheme(year: int, admin: Any) -> Any:
    """40 leaves: 34 bound to registry metrics (one as growth), 3 entered, 2 reviewed, and the bonus line."""
    from assessments import rules
    from assessments.models import Group, Indicator, Scheme
    from talentportal.orgs.models import OrgUnit

    scheme = Scheme.objects.create(
        year=year, name="基准：县（市、区）考核", group=Group.COUNTY, org_unit=OrgUnit.objects.get(code="330400")
    )
    parts = [Indicator.objects.create(scheme=scheme, code=str(n), name=f"一级{n}", level=1, max_points=30, order=n)
             for n in range(1, 5)]  # fmt: skip
    leaves: list[tuple[dict[str, Any], str, dict[str, Any] | None]] = [
        ({"kind": "proportional"}, Indicator.Source.METRIC, metric) for metric in COUNTY_METRICS
    ]
    leaves += [({"kind": "proportional"}, Indicator.Source.ENTERED, None)] * 3
    leaves += [({"kind": "manual"}, Indicator.Source.REVIEWED, None)] * 2
    leaves += [({"kind": "bonus", "levels": {"national": 2, "provincial": 1}}, Indicator.Source.EVENTS, None)]
    assert len(leaves) == 40, len(leaves)
    for n, (rule, source, metric) in enumerate(leaves):
        parent = parts[n % 4]
        Indicator.objects.create(
            scheme=scheme,
            code=f"{parent.code}.{n}",
            name=f"指标{n}",
            parent=parent,
            level=2,
            max_points=Decimal(3),
            order=n,
            rule=rules.clean_rule(rule, Decimal(3)),
            source=source,
            metric=metric,
        )
    return scheme


def platform_scheme(year: int, count: int) -> Any:
    """``count`` active platforms with their figures of the year and the year before, and a scheme of 20 leaves
    (the seven figures as bands, as relative to the best, and six of them as growth)."""
    from assessments import rules
    from assessments.models import Group, Indicator, Scheme
    from platforms.models import Platform, PlatformYear
    from talentportal.orgs.demo import COUNTIES
    from talentportal.orgs.models import OrgUnit

    units = list(OrgUnit.objects.filter(code__in=[code for code, _name in COUNTIES]).values_list("id", flat=True))
    made = Platform.objects.bulk_create(
        [
            Platform(
                code=f"BENCH-{n:05d}",
                name=f"基准平台{n}",
                kind="incubator" if n % 3 else "maker_space",
                level=("national", "provincial", "municipal", "county")[n % 4],
                org_unit_id=units[n % len(units)],
                recognized_on=datetime.date(2015 + n % 10, 5, 1),
            )
            for n in range(count)
        ],
        batch_size=1000,
    )
    PlatformYear.objects.bulk_create(
        [
            PlatformYear(
                platform=p, year=y, **{field: (n * (7 + i) + y) % 97 for i, field in enumerate(PLATFORM_FIGURES)}
            )
            for n, p in enumerate(made)
            for y in (year - 1, year)
        ],
        batch_size=2000,
    )
    scheme = Scheme.objects.create(
        year=year, name="基准：平台评价", group=Group.PLATFORM, org_unit=OrgUnit.objects.get(code="330400")
    )
    bands: dict[str, Any] = {"kind": "bands", "points": [[0, 0], [20, 2], [60, 4], [90, 5]]}
    leaves: list[tuple[dict[str, Any], dict[str, Any]]] = [(bands, {"code": f"platform.{f}"}) for f in PLATFORM_FIGURES]
    leaves += [({"kind": "relative_to_best"}, {"code": f"platform.{f}"}) for f in PLATFORM_FIGURES]
    leaves += [(bands, {"code": f"platform.{f}", "growth": True}) for f in PLATFORM_FIGURES[:6]]
    for n, (rule, metric) in enumerate(leaves):
        Indicator.objects.create(
            scheme=scheme,
            code=str(n + 1),
            name=f"指标{n + 1}",
            level=1,
            max_points=Decimal(5),
            order=n,
            rule=rules.clean_rule(rule, Decimal(5)),
            source=Indicator.Source.METRIC,
            metric=metric,
        )
    return scheme


def bench_assessments(
    small: int = 10_000, large: int = 1_000_000, platforms: int = 2_000, repeat: int = 7
) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from assessments import services
    from assessments.models import Scheme, Submission
    from assessments.scoring import results_of, score_scheme
    from talentportal.audit.models import Source
    from talentportal.audit.services import Actor
    from talentportal.orgs.demo import seed_org_units
    from talentportal.orgs.models import Membership, OrgUnit, Role, User

    seed_org_units()
    admin = User.objects.create_superuser("bench-assess", "bench@example.org", "Bench-pass-2026x")
    Membership.objects.create(user=admin, org_unit=OrgUnit.objects.get(code="330400"), role=Role.ADMIN)
    actor = Actor(user=admin, source=Source.SYSTEM)
    year = timezone.localdate().year - 1

    live = services.transition(county_scheme(year, admin), Scheme.Status.OPEN, actor)
    frozen = services.transition(county_scheme(year, admin), Scheme.Status.OPEN, actor)

    def queries(fn: Any) -> int:
        with CaptureQueriesContext(connection) as captured:
            fn()
        return len(captured)

    rows: dict[str, dict[int, tuple[float, int]]] = {}
    timings: list[str] = []
    for size in grown((small, large), timings):
        if size == small:  # published at the small size: the frozen results never move after
            frozen = services.transition(frozen, Scheme.Status.REVIEW, actor)
            Submission.objects.filter(assessee__scheme=frozen).update(status=Submission.Status.ACCEPTED)
            frozen = services.transition(frozen, Scheme.Status.FINAL, actor)
            frozen = services.transition(frozen, Scheme.Status.PUBLISHED, actor)
        for name, fn in {
            "score a 7-county × 40-indicator scheme (live)": partial(score_scheme, live),
            "dashboard: results of the open scheme (live, ranked)": partial(results_of, live),
            "dashboard: results of the published scheme (frozen)": partial(results_of, frozen),
        }.items():
            rows.setdefault(name, {})[size] = (median_ms(fn, repeat=repeat), queries(fn))
    lines = [
        f"| work | ms @ {small:,} | ms @ {large:,} | ratio | queries @ {small:,} | queries @ {large:,} |",
        "|---|---|---|---|---|---|",
    ]
    for name, by_size in rows.items():
        (s_ms, s_q), (l_ms, l_q) = by_size[small], by_size[large]
        lines.append(f"| {name} | {s_ms:.1f} | {l_ms:.1f} | {l_ms / s_ms:.2f} | {s_q} | {l_q} |")

    started = time.perf_counter()
    scheme = services.transition(platform_scheme(year, platforms), Scheme.Status.OPEN, actor)
    timings.append(
        f"{platforms:,} platforms with two years of figures, scheme opened: {time.perf_counter() - started:.0f} s"
    )
    ms = median_ms(lambda: score_scheme(scheme), repeat=3, warmup=1)
    lines += [
        "",
        "| work | assessees | ms | queries |",
        "|---|---|---|---|",
        f"| score a {platforms:,}-platform × 20-indicator scheme | {scheme.assessees.count():,} | {ms:.0f} | "
        f"{queries(lambda: score_scheme(scheme))} |",
    ]
    return [*lines, "", *timings]
