"""The cockpit's two other sections: the plan's indicators (behind target first) and the assessment rankings.

The plan is the one covering the year drawn up by the selected unit, else by the nearest unit above it; its
figures come from ``plans.figures`` (a fixed number of queries). The rankings are the current scheme's
provisional one and the last published one, as ``assessments.scoring.results_seen_by`` lets the user see them.
A live ranking is scored from the whole registry (about 0.2 s at a million talents): it is kept in the cache
for ``RANKING_SECONDS``, keyed by the scheme and its last change, and the page loads it as a fragment of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db.models.functions import Length

from assessments.models import Group, Scheme
from assessments.scoring import AssesseeResult, results_of, results_seen_by
from plans.figures import NOT_JUDGED, Figure, figures
from plans.models import Plan
from plans.progress import AHEAD, BEHIND, MISSING, ON_TRACK
from talentportal.orgs.models import OrgUnit

if TYPE_CHECKING:
    from talentportal.orgs.models import AnyUser

# Behind target first, then the ones without an actual, on track, ahead, and those without a target of the unit.
STATUS_ORDER = {BEHIND: 0, MISSING: 1, ON_TRACK: 2, AHEAD: 3, NOT_JUDGED: 4}
RANKING_SECONDS = 60


@dataclass(frozen=True)
class PlanSection:
    plan: Plan
    figures: list[Figure]  # behind target first


def plan_for(user: AnyUser, unit: OrgUnit, year: int) -> Plan | None:
    """The plan covering ``year`` drawn up by ``unit``, else by the nearest unit above it, that the user sees."""
    paths = [*unit.ancestor_paths(), unit.path]
    plans = Plan.objects.for_user(user).filter(start_year__lte=year, end_year__gte=year, org_unit__path__in=paths)
    return plans.order_by(Length("org_unit__path").desc(), "-start_year", "id").first()


def plan_section(user: AnyUser, unit: OrgUnit, year: int) -> PlanSection | None:
    plan = plan_for(user, unit, year)
    if plan is None:
        return None
    indicators = list(plan.indicators.select_related("plan"))
    found = figures(indicators, [unit], year)
    shown = [found[(i.pk, unit.pk)] for i in indicators if (i.pk, unit.pk) in found]
    shown.sort(key=lambda f: (STATUS_ORDER.get(f.status, 9), f.standing.gap or Decimal(0)))
    return PlanSection(plan, shown)


@dataclass(frozen=True)
class RankingRow:
    result: AssesseeResult
    url: str | None  # the assessee's result page, where the user may open it


@dataclass(frozen=True)
class Ranking:
    scheme: Scheme
    provisional: bool
    whole: bool  # the whole ranking, or only the user's own rows (a county before publication)
    rows: list[RankingRow]


def cached_results(scheme: Scheme) -> list[AssesseeResult]:
    """The scheme's results: frozen ones as they are, live ones from the cache for ``RANKING_SECONDS``."""
    if scheme.status == Scheme.Status.PUBLISHED:
        return results_of(scheme)
    key = f"cockpit:ranking:{scheme.pk}:{scheme.updated_at.timestamp()}"
    results: list[AssesseeResult] | None = cache.get(key)
    if results is None:
        results = results_of(scheme)
        cache.set(key, results, RANKING_SECONDS)
    return results


def ranking_of(scheme: Scheme, user: AnyUser) -> Ranking:
    seen = results_seen_by(scheme, user, cached_results(scheme))
    rows = [RankingRow(r, scheme.result_url(r.assessee.pk) if r.assessee.pk in seen.visible else None)
            for r in seen.results]  # fmt: skip
    return Ranking(scheme, scheme.status != Scheme.Status.PUBLISHED, seen.whole, rows)


def rankings(user: AnyUser, year: int) -> tuple[Ranking | None, Ranking | None]:
    """The county assessment of ``year`` still under way (provisional), and the last one published by then."""
    schemes = list(
        Scheme.objects.for_user(user)
        .filter(group=Group.COUNTY, year__lte=year)
        .exclude(status=Scheme.Status.DRAFT)
        .order_by("-year", "-id")
    )
    current = next((s for s in schemes if s.year == year and s.status != Scheme.Status.PUBLISHED), None)
    published = next((s for s in schemes if s.status == Scheme.Status.PUBLISHED), None)
    return (ranking_of(current, user) if current else None, ranking_of(published, user) if published else None)
