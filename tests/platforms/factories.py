from __future__ import annotations

import itertools
from typing import Any

from platforms.models import Platform, PlatformYear, Residency

_seq = itertools.count(1)


def platform(unit: Any, **fields: Any) -> Platform:
    n = next(_seq)
    data = {
        "code": f"PF{n:05d}",
        "name": f"嘉兴测试孵化器{n}",
        "kind": "incubator",
        "level": "municipal",
        "org_unit": unit,
    }
    return Platform.objects.create(**{**data, **fields})


def platform_year(owner: Platform, year: int = 2025, **fields: Any) -> PlatformYear:
    return PlatformYear.objects.create(
        platform=owner, year=year, **{"resident_talents": 12, "resident_enterprises": 8, **fields}
    )


def residency(owner: Platform, **fields: Any) -> Residency:
    return Residency.objects.create(platform=owner, **{"since": "2024-01-01", **fields})
