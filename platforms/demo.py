"""Demo platforms of 嘉兴市: every kind and level across the counties, enclaves in 上海/北京/杭州 and overseas
stations, with three years of figures and residents drawn from the demo registry. Idempotent (keyed by code)."""

from __future__ import annotations

import datetime
import random

from django.db import transaction

from talentportal.audit.models import Source
from talentportal.audit.services import Actor, entry, record_bulk, snapshot
from talentportal.orgs.models import OrgUnit
from talents.models import Enterprise, Talent

from .models import Platform, PlatformYear, Residency

COUNTIES = ["330402", "330411", "330421", "330424", "330481", "330482", "330483"]
LOCAL_KINDS = [
    ("incubator", "科技企业孵化器"),
    ("maker_space", "众创空间"),
    ("academician_station", "院士专家工作站"),
    ("postdoc_station", "博士后科研工作站"),
    ("postdoc_base", "博士后创新实践基地"),
    ("skill_master_studio", "技能大师工作室"),
    ("enterprise_institute", "企业研究院"),
    ("key_lab", "重点实验室"),
    ("tech_center", "企业技术中心"),
    ("innovation_complex", "产业创新服务综合体"),
    ("talent_base", "高层次人才创业创新基地"),
    ("talent_park", "人才产业园"),
    ("liaison_station", "招才引智联络站"),
]
LEVELS = ["national", "provincial", "provincial", "municipal", "municipal", "municipal", "county"]
ENCLAVES = [("上海", "CN"), ("北京", "CN"), ("杭州", "CN")]
OVERSEAS = [("Silicon Valley", "US", "硅谷"), ("Frankfurt", "DE", "法兰克福"), ("Paris", "FR", "巴黎")]


@transaction.atomic
def seed_platforms() -> dict[str, int]:
    rng = random.Random(2026)
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=COUNTIES)}
    existing = set(Platform.objects.values_list("code", flat=True))
    enterprises = {
        code: list(Enterprise.objects.filter(org_unit__path__startswith=units[code].path).order_by("id")[:40])
        for code in COUNTIES
    }
    talents = {
        code: list(Talent.objects.filter(org_unit__path__startswith=units[code].path).order_by("id")[:60])
        for code in COUNTIES
    }
    planned: list[Platform] = []
    for index, (kind, label) in enumerate(LOCAL_KINDS):
        for offset in range(3):
            county = COUNTIES[(index + offset * 3) % len(COUNTIES)]
            host = enterprises[county][(index + offset) % len(enterprises[county])] if enterprises[county] else None
            level = LEVELS[(index + offset) % len(LEVELS)]
            name = f"{host.name if host else units[county].name}{label}"
            planned.append(Platform(
                code=f"JX-{kind[:6].upper()}-{county}-{offset}", name=name, kind=kind, level=level,
                host_enterprise=host, org_unit=units[county], location="local",
                recognized_on=datetime.date(2015 + (index + offset) % 10, 1 + index % 12, 1 + offset * 9),
                star_rating=rng.randint(0, 5),
            ))  # fmt: skip
    for n, (city, country) in enumerate(ENCLAVES):
        county = COUNTIES[n * 2 % len(COUNTIES)]
        planned.append(Platform(
            code=f"JX-ENCLAVE-{n + 1}", name=f"{units[county].name}（{city}）人才飞地", kind="enclave", level="municipal",
            host_name=f"{units[county].name}人才发展集团", org_unit=units[county], location="domestic", city=city,
            country=country, recognized_on=datetime.date(2019 + n, 6, 1), star_rating=4,
        ))  # fmt: skip
    for n, (city, country, city_zh) in enumerate(OVERSEAS):
        county = COUNTIES[(n * 2 + 1) % len(COUNTIES)]
        planned.append(Platform(
            code=f"JX-OVERSEAS-{n + 1}", name=f"嘉兴市驻{city_zh}海外引才工作站", kind="overseas_station",
            level="municipal", host_name="嘉兴市人才发展中心", org_unit=units[county], location="overseas", city=city,
            country=country, recognized_on=datetime.date(2017 + n, 9, 1), star_rating=3,
        ))  # fmt: skip
    new = [p for p in planned if p.code not in existing]
    Platform.objects.bulk_create(new)
    created = list(Platform.objects.filter(code__in=[p.code for p in new]).select_related("org_unit"))
    years: list[PlatformYear] = []
    stays: list[Residency] = []
    for platform in created:
        county = next(code for code in COUNTIES if platform.org_unit.code == code)
        base = rng.randint(5, 40)
        for step, year in enumerate((2023, 2024, 2025)):
            grown = base + step * rng.randint(1, 6)
            years.append(PlatformYear(
                platform=platform, year=year, resident_talents=grown, resident_enterprises=grown // 2,
                incubated_enterprises=grown // 3, graduated_enterprises=step * rng.randint(0, 3),
                new_projects=rng.randint(1, 12), rd_investment=rng.randint(50, 3000), area_m2=rng.randint(300, 20000),
                events_held=rng.randint(2, 30),
            ))  # fmt: skip
        pool = talents[county]
        for k in range(min(3, len(pool))):
            person = pool[(platform.pk + k * 7) % len(pool)]
            until = datetime.date(2023, 12, 31) if k == 2 else None
            stays.append(Residency(platform=platform, talent=person, since=datetime.date(2021 + k, 3, 1), until=until))
        companies = enterprises[county]
        if platform.kind in ("incubator", "maker_space", "enclave") and companies:
            company = companies[platform.pk % len(companies)]
            stays.append(
                Residency(
                    platform=platform,
                    enterprise=company,
                    since=datetime.date(2020, 5, 1),
                    until=datetime.date(2023, 4, 30),
                )
            )
    PlatformYear.objects.bulk_create(years)
    Residency.objects.bulk_create(stays)
    actor = Actor(source=Source.SYSTEM)
    record_bulk(entry(actor, "create", obj, {k: [None, v] for k, v in snapshot(obj).items()}) for obj in created)
    return {"platforms": len(created), "platform_years": len(years), "residencies": len(stays)}
