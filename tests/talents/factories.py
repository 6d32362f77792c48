"""Records of the talent registry for tests, with valid ID numbers and credit codes."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from talents import validators
from talents.models import Enterprise, EnterpriseYear, ServiceRequest, Talent, Team

_seq = itertools.count(1)


def resident_id(birth: datetime.date = datetime.date(1985, 6, 1), male: bool = True) -> str:
    """A valid, unique 南湖区 ID number for the given birth date and gender (17th digit odd for men)."""
    # 499 sequences per birth date and gender; a test never makes that many, and each test's rows vanish after it.
    n = next(_seq) % 499
    return validators.make_resident_id("330402", birth, n * 2 + (1 if male else 0))


def credit_code() -> str:
    n = next(_seq)
    return validators.make_credit_code(f"91330400MA{n:07d}")


def enterprise(unit: Any, **fields: Any) -> Enterprise:
    data = {
        "name": f"嘉兴测试科技有限公司{next(_seq)}",
        "credit_code": credit_code(),
        "org_unit": unit,
        "industry": "digital",
    }
    return Enterprise.objects.create(**{**data, **fields})


def talent(unit: Any, **fields: Any) -> Talent:
    birth = fields.pop("birth_date", datetime.date(1985, 6, 1))
    male = fields.get("gender", "male") == "male"
    data = {
        "name": f"测试人才{next(_seq)}",
        "id_type": "resident_id",
        "id_number": resident_id(birth, male),
        "gender": "male" if male else "female",
        "birth_date": birth,
        "category": "professional",
        "tier": "municipal_leading",
        "org_unit": unit,
        "phone": "13812345678",
    }
    return Talent.objects.create(**{**data, **fields})


def enterprise_year(company: Enterprise, year: int = 2025, **fields: Any) -> EnterpriseYear:
    return EnterpriseYear.objects.create(enterprise=company, year=year, **{"revenue": 1200, "employees": 40, **fields})


def team(unit: Any, leader: Talent, **fields: Any) -> Team:
    return Team.objects.create(**{"name": f"创新团队{next(_seq)}", "leader": leader, "org_unit": unit, **fields})


def service_request(person: Talent, **fields: Any) -> ServiceRequest:
    """A request; a closed one gets its resolution date and result (or reason) unless given."""
    if fields.get("status") in ServiceRequest.CLOSED:
        fields.setdefault("resolved_on", datetime.date.today())
        fields.setdefault("resolution", "已办结" if fields["status"] == "resolved" else "不符合申请条件")
    return ServiceRequest.objects.create(
        **{"talent": person, "kind": "housing", "description": "人才公寓申请", **fields}
    )
