"""The demo city: 嘉兴市 with its seven counties, a few towns, the municipal departments and demo users."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from talentportal.audit.models import Source
from talentportal.audit.services import Actor, entry, record_bulk, snapshot

from .models import Membership, OrgUnit, Role, User

CITY = ("330400", "嘉兴市")
COUNTIES = [
    ("330402", "南湖区"),
    ("330411", "秀洲区"),
    ("330421", "嘉善县"),
    ("330424", "海盐县"),
    ("330481", "海宁市"),
    ("330482", "平湖市"),
    ("330483", "桐乡市"),
]
TOWNS = {
    "330402": [("330402001", "建设街道"), ("330402002", "新嘉街道"), ("330402101", "凤桥镇")],
    "330411": [("330411001", "新城街道"), ("330411101", "王江泾镇")],
    "330421": [("330421001", "罗星街道"), ("330421101", "西塘镇")],
}
DEPARTMENTS = [
    ("330400-ZZB", "市委组织部（人才办）"),
    ("330400-RSJ", "市人力社保局"),
    ("330400-KJJ", "市科技局"),
    ("330400-JXJ", "市经信局"),
    ("330400-CZJ", "市财政局"),
    ("330400-JYJ", "市教育局"),
    ("330400-WJW", "市卫生健康委"),
    ("330400-FGW", "市发展改革委"),
    ("330400-SWJ", "市商务局"),
    ("330400-NYJ", "市农业农村局"),
]
USERS = [
    # username, display name, unit code, role, superuser
    ("admin", "市人才办管理员", "330400", Role.ADMIN, True),
    ("leader", "市人才办领导", "330400", Role.VIEWER, False),
    ("reviewer", "评审专家", "330400", Role.REVIEWER, False),
    ("nanhu_admin", "南湖区管理员", "330402", Role.ADMIN, False),
    ("nanhu_editor", "南湖区经办人", "330402", Role.EDITOR, False),
    ("xiuzhou_editor", "秀洲区经办人", "330411", Role.EDITOR, False),
]


@transaction.atomic
def seed_org_units() -> list[OrgUnit]:
    created: list[OrgUnit] = []

    def upsert(code: str, name: str, kind: str, parent: OrgUnit | None) -> OrgUnit:
        unit, was_created = OrgUnit.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind, "parent": parent}
        )
        if was_created:
            created.append(unit)
        return unit

    city = upsert(*CITY, OrgUnit.Kind.CITY, None)
    for code, name in COUNTIES:
        county = upsert(code, name, OrgUnit.Kind.COUNTY, city)
        for town_code, town_name in TOWNS.get(code, []):
            upsert(town_code, town_name, OrgUnit.Kind.TOWN, county)
    for code, name in DEPARTMENTS:
        upsert(code, name, OrgUnit.Kind.DEPARTMENT, city)
    return created


@transaction.atomic
def seed_users() -> list[User]:
    created: list[User] = []
    for username, display_name, code, role, superuser in USERS:
        user, was_created = User.objects.get_or_create(username=username)
        user.display_name = display_name
        user.is_staff = user.is_superuser = superuser
        user.is_active = True
        user.set_password(settings.DEMO_PASSWORD)
        user.save()
        Membership.objects.update_or_create(
            user=user, defaults={"org_unit": OrgUnit.objects.get(code=code), "role": role, "is_active": True}
        )
        if was_created:
            created.append(user)
    return created


def seed() -> dict[str, int]:
    units = seed_org_units()
    users = seed_users()
    actor = Actor(source=Source.SYSTEM)
    record_bulk(
        entry(actor, "create", obj, {k: [None, v] for k, v in snapshot(obj).items()}) for obj in [*units, *users]
    )
    return {"org_units": len(units), "users": len(users)}
