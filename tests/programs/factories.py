from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from programs.models import Batch, Program, Selection, SelectionEvent, Tranche

_seq = itertools.count(1)


def program(unit: Any, **fields: Any) -> Program:
    n = next(_seq)
    data = {"code": f"PG{n:05d}", "name": f"测试人才计划{n}", "level": "municipal", "category": "innovation"}
    return Program.objects.create(org_unit=unit, **{**data, **fields})


def batch(owner: Program, ordinal: int | None = None, **fields: Any) -> Batch:
    data = {"year": 2025, "status": Batch.Status.REVIEWING}
    return Batch.objects.create(program=owner, ordinal=ordinal or next(_seq), **{**data, **fields})


def selection(owner: Batch, unit: Any, **fields: Any) -> Selection:
    """An application from ``unit``; pass ``talent`` or ``team``, or a talent of ``unit`` is made."""
    if "talent" not in fields and "team" not in fields:
        from ..talents import factories as talent_factories

        fields["talent"] = talent_factories.talent(unit)
    data = {"applied_on": "2025-03-01"}
    return Selection.objects.create(batch=owner, org_unit=unit, **{**data, **fields})


def selected(owner: Batch, unit: Any, award: str = "100", status: str = "selected", **fields: Any) -> Selection:
    """A selection already decided (with its events, so that rules looking at the history see them)."""
    passed = fields.pop("passed", [])
    item = selection(owner, unit, status=status, award_amount=Decimal(award), decided_on="2025-06-01", **fields)
    for to in passed:
        SelectionEvent.objects.create(selection=item, from_status="", to_status=to)
    return item


def tranche(owner: Selection, number: int = 1, **fields: Any) -> Tranche:
    data = {"amount": Decimal("30"), "condition": Tranche.Condition.ON_SIGNING}
    return Tranche.objects.create(selection=owner, number=number, **{**data, **fields})
