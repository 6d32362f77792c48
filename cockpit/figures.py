"""The cockpit's figures: what a lead asks first, for a unit and its child units, this year against last year.

Every figure is a registry metric (``talentportal.metrics``) with fixed parameters, so it counts exactly what the
annual assessment counts and links to the list that shows exactly those records. The unit and its children are
the subjects of one grouped query per metric and year (a ``counted`` metric's parameter sets share it), so the
number of queries is fixed whatever the number of records or units: totals come from the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from platforms.models import Platform
from programs.models import Level
from talentportal import metrics
from talentportal.orgs.models import OrgUnit
from talents.models import Talent

TALENTS, PROGRAMS, FUNDING, PLATFORMS, ENTERPRISES, SERVICES = (
    "talents",
    "programs",
    "funding",
    "platforms",
    "enterprises",
    "services",
)
SECTIONS: dict[str, Promise] = {
    TALENTS: _("Talents landed"),
    PROGRAMS: _("Selected into talent programs"),
    FUNDING: _("Program funding (10k yuan)"),
    PLATFORMS: _("Platforms newly recognised"),
    ENTERPRISES: _("Talent enterprises"),
    SERVICES: _("Service requests"),
}
LEADING = ["top", "national_leading", "provincial_leading", "municipal_leading"]


@dataclass(frozen=True)
class Measure:
    """One figure: a metric with fixed parameters. ``key`` is its name in the API (a contract)."""

    key: str
    section: str
    label: str | Promise
    metric: str
    params: dict[str, Any] = field(default_factory=dict)
    money: bool = False
    # The registry keeps only today's state of it (an enterprise's listing): last year's figure is not known.
    yearless: bool = False
    # The label on a headline card, where no section heading says what it counts.
    headline: str | Promise = ""

    @property
    def heading(self) -> str | Promise:
        return self.headline or self.label


MEASURES: list[Measure] = [
    Measure("talents_landed", TALENTS, _("All tiers"), "talents.landed", headline=_("Talents landed")),
    *(
        Measure(f"talents_landed_{tier}", TALENTS, label, "talents.landed", {"tier": [tier]})
        for tier, label in Talent.Tier.choices
    ),
    Measure(
        "leading_talents",
        TALENTS,
        _("Leading talents (municipal level and above)"),
        "talents.landed",
        {"tier": LEADING},
    ),
    Measure("teams_landed", TALENTS, _("Teams landed"), "talents.teams_landed"),
    Measure("selections", PROGRAMS, _("All levels"), "programs.selected", headline=_("Selected into programs")),
    *(
        Measure(f"selections_{level}", PROGRAMS, label, "programs.selected", {"level": [level]})
        for level, label in Level.choices
    ),
    Measure("funds_planned", FUNDING, _("Planned for the year"), "programs.funds_planned", money=True),
    Measure("funds_approved", FUNDING, _("Approved of the year's plan"), "programs.funds_approved", money=True),
    Measure(
        "funds_paid", FUNDING, _("Paid in the year"), "programs.funds_paid", money=True, headline=_("Funding paid")
    ),
    Measure(
        "platforms_recognized", PLATFORMS, _("All levels"), "platforms.recognized", headline=_("Platforms recognised")
    ),
    *(
        Measure(f"platforms_recognized_{level}", PLATFORMS, label, "platforms.recognized", {"exact_level": level})
        for level, label in Platform.Level.choices
    ),
    # Money is kept in 10k yuan: 1 million, 10 million and 100 million yuan.
    Measure(
        "enterprises_revenue_1m",
        ENTERPRISES,
        _("Revenue ≥ 1 million yuan"),
        "enterprises.revenue_at_least",
        {"amount": 100},
    ),
    Measure(
        "enterprises_revenue_10m",
        ENTERPRISES,
        _("Revenue ≥ 10 million yuan"),
        "enterprises.revenue_at_least",
        {"amount": 1000},
    ),
    Measure(
        "enterprises_revenue_100m",
        ENTERPRISES,
        _("Revenue ≥ 100 million yuan"),
        "enterprises.revenue_at_least",
        {"amount": 10000},
        headline=_("Talent enterprises with revenue ≥ 100 million yuan"),
    ),
    Measure("enterprises_listed", ENTERPRISES, _("Listed"), "enterprises.listed", yearless=True),
    Measure("requests_open", SERVICES, _("Open at the end of the year"), "talents.requests_open"),
    Measure(
        "requests_overdue", SERVICES, _("Overdue"), "talents.requests_overdue", headline=_("Service requests overdue")
    ),
]
BY_KEY = {m.key: m for m in MEASURES}
# The headline cards and the county comparison's columns.
HEADLINES = [
    "talents_landed",
    "leading_talents",
    "teams_landed",
    "selections",
    "funds_paid",
    "platforms_recognized",
    "enterprises_revenue_100m",
    "requests_overdue",
]
TIERS = [f"talents_landed_{tier}" for tier in Talent.Tier.values]
FUNDS = ["funds_planned", "funds_approved", "funds_paid"]


class Cell:
    """A figure's value and the list of the records behind it (its link made when first asked for: a page shows
    a few hundred of the thousand or so figures, and each link is a ``reverse()``)."""

    __slots__ = ("_link", "_url", "value")

    def __init__(self, value: Decimal | None, link: Callable[[], str | None] | None = None) -> None:
        self.value = value
        self._link = link
        self._url: str | None = None

    @property
    def url(self) -> str | None:
        if self._url is None and self._link is not None:
            self._url = self._link()
        return self._url


@dataclass(frozen=True)
class Figure:
    """One measure for one unit: this year, last year and the change."""

    measure: Measure
    unit: OrgUnit
    this_year: Cell
    last_year: Cell

    @property
    def change(self) -> Decimal | None:
        now, before = self.this_year.value, self.last_year.value
        return None if now is None or before is None else now - before


@dataclass
class Figures:
    """The figures of ``unit`` and of each of its ``children`` for ``year``, by measure key."""

    unit: OrgUnit
    children: list[OrgUnit]
    year: int
    own: dict[str, Figure]
    by_child: dict[int, dict[str, Figure]]

    @property
    def areas(self) -> list[OrgUnit]:
        """The child units the county comparison's charts and cards show: the areas (counties, towns), not the
        departments (their figures are in the table), unless there are only departments."""
        return [c for c in self.children if c.kind != OrgUnit.Kind.DEPARTMENT] or self.children

    def row(self, key: str) -> list[Figure]:
        """One measure across the areas below (a county comparison chart's bars)."""
        return [self.by_child[child.pk][key] for child in self.areas]

    def sections(self) -> list[tuple[str, Promise, list[Figure]]]:
        grouped: dict[str, list[Figure]] = defaultdict(list)
        for measure in MEASURES:
            grouped[measure.section].append(self.own[measure.key])
        return [(key, label, grouped[key]) for key, label in SECTIONS.items()]


def children_of(unit: OrgUnit) -> list[OrgUnit]:
    return list(OrgUnit.objects.filter(parent=unit).order_by("kind", "code"))


def cockpit_figures(unit: OrgUnit, year: int, measures: Sequence[Measure] = MEASURES) -> Figures:
    """Each measure for ``unit`` and its child units, in ``year`` and ``year - 1``. The caller checks that the
    unit is in the user's scope (its children then are too)."""
    children = children_of(unit)
    units = [unit, *children]
    subjects = [metrics.unit_subject(u) for u in units]
    by_metric: dict[str, list[Measure]] = defaultdict(list)
    for measure in measures:
        by_metric[measure.metric].append(measure)
    values: dict[tuple[str, int], metrics.Values] = {}
    for code, group in by_metric.items():
        for of_year in (year, year - 1):
            wanted = [m for m in group if of_year == year or not m.yearless]
            if not wanted:
                continue
            found = metrics.values_many(code, subjects, of_year, [m.params for m in wanted])
            for measure, by_subject in zip(wanted, found, strict=True):
                values[(measure.key, of_year)] = by_subject

    def cell(measure: Measure, of: OrgUnit, of_year: int) -> Cell:
        by_subject = values.get((measure.key, of_year))
        if by_subject is None:
            return Cell(None)
        return Cell(
            by_subject.get(of.pk),
            partial(metrics.records_url, measure.metric, metrics.unit_subject(of), of_year, measure.params),
        )

    def figures_of(of: OrgUnit) -> dict[str, Figure]:
        return {m.key: Figure(m, of, cell(m, of, year), cell(m, of, year - 1)) for m in measures}

    return Figures(unit, children, year, figures_of(unit), {child.pk: figures_of(child) for child in children})
