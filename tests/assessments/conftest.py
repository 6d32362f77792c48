"""Shared builders of the assessment's tests: a small county scheme with a fixed tree, its assessees and their
submissions, made directly in the database (the workflow's own tests go through the API)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from assessments.models import Assessee, Indicator, Scheme, Submission, Target
from talentportal.orgs.models import OrgUnit

# The tree every built scheme has: code → (parent, name, max points, source, rule, evidence required).
TREE: list[tuple[str, str | None, str, str, str, dict[str, Any] | None, bool]] = [
    ("1", None, "人才引育", "10", "", None, False),
    ("1.1", "1", "引进人才数", "6", "entered", {"kind": "proportional"}, False),
    ("1.2", "1", "工作机制评价", "4", "reviewed", {"kind": "manual"}, False),
    (
        "B",
        None,
        "加分项",
        "3",
        "events",
        {"kind": "bonus", "levels": {"national": 3, "provincial": 2, "municipal": 1}},
        False,
    ),
    ("P", None, "扣分项", "2", "events", {"kind": "penalty", "per_event": 1}, True),
]


def unit(units: dict[str, OrgUnit], which: OrgUnit | str) -> OrgUnit:
    if isinstance(which, OrgUnit):
        return which
    return units.get(which) or OrgUnit.objects.get(code=which)


def make_scheme(
    units: dict[str, OrgUnit],
    office: OrgUnit | str = "330400",
    assessees: Iterable[OrgUnit | str] = ("330402", "330411"),
    status: str = Scheme.Status.OPEN,
    year: int = 2026,
    due_on: datetime.date | None = None,
    targets: dict[str, Decimal | str] | None = None,
    **fields: Any,
) -> Scheme:
    """A county scheme of ``office`` in ``status`` with the ``TREE``, one assessee (and its submission) per unit
    of ``assessees``, and ``targets`` {indicator code: value} for each of them."""
    scheme = Scheme.objects.create(
        year=year,
        name=fields.pop("name", f"{year}年度县（市、区）人才工作目标责任制考核"),
        group="county",
        org_unit=unit(units, office),
        status=status,
        due_on=due_on or datetime.date.today() + datetime.timedelta(days=30),
        **fields,
    )
    made: dict[str, Indicator] = {}
    for order, (code, parent, name, points, source, rule, evidence) in enumerate(TREE):
        made[code] = Indicator.objects.create(
            scheme=scheme,
            code=code,
            name=name,
            parent=made.get(parent or ""),
            level=2 if parent else 1,
            max_points=Decimal(points),
            source=source,
            rule=rule,
            evidence_required=evidence,
            order=order,
        )
    for n, which in enumerate(assessees):
        org = unit(units, which)
        assessee = Assessee.objects.create(
            scheme=scheme, kind=Assessee.Kind.ORG_UNIT, org_unit=org, key=org.code, name=org.name, order=n
        )
        Submission.objects.create(assessee=assessee)
        for code, value in (targets or {}).items():
            Target.objects.create(indicator=made[code], assessee=assessee, value=Decimal(value))
    return scheme


def assessee_of(scheme: Scheme, code: str) -> Assessee:
    return scheme.assessees.get(key=code)


def indicator_of(scheme: Scheme, code: str) -> Indicator:
    return scheme.indicators.get(code=code)
