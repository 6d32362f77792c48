"""Demo platforms of the demo city, in the proportions a talent office reports them (诸暨's 十四五 plan counts 31
academician (expert) workstations, 21 postdoctoral stations, 31 provincial enterprise research institutes, 12
maker spaces and one incubator): dozens of expert workstations, postdoctoral stations and research institutes, a
dozen maker spaces, a few incubators, enclaves in 上海, 杭州 and 北京, overseas stations and liaison stations at
universities elsewhere. Levels are mostly provincial and municipal, few national. The larger counties have more.

Each platform has its yearly figures for the complete years since it was recognised (at most three), at the
scale of its kind, growing with the odd dip, and residents from the demo registry who came after it opened.

The plan (codes, kinds, levels, counties, dates, figures) is drawn from ``random.Random(2026)`` without looking at
the database, and today changes only the dates, never what is drawn: a run inserts the platforms whose code is
missing, with their figures and residents; a platform that exists is left as it is. Hosts and residents are then
chosen among the registry's enterprises and talents of the platform's county.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from talentportal.audit.models import Source
from talentportal.audit.services import Actor, entry, record_bulk, snapshot
from talentportal.orgs.demo import CITY, COUNTIES
from talentportal.orgs.models import OrgUnit
from talents.demo import INSTITUTIONS, TEAM_TOPICS, figure_years, person_name
from talents.models import Enterprise, Talent

from .models import Platform, PlatformYear, Residency

SEED = 2026
COUNTY_NAMES = dict(COUNTIES)
# How much of the city's platforms each county has (南湖 and 海宁 the most, 海盐 the fewest).
COUNTY_WEIGHTS = {
    "330402": 1.5, "330411": 1.1, "330421": 1.0, "330424": 0.55, "330481": 1.3, "330482": 0.8, "330483": 1.05,
}  # fmt: skip


@dataclass(frozen=True)
class KindSpec:
    label: str
    abbreviation: str  # of the code
    levels: Mapping[str, int]  # how many at each level
    host: str  # "enterprise", "institution" or "zone"
    # Ranges of the first year's figures: resident talents, resident enterprises, incubated enterprises,
    # graduated enterprises, new projects, R&D investment (10k yuan), area (m²), events held.
    scale: Sequence[tuple[int, int]]
    recognised_back: tuple[int, int] = (0, 14)  # recognised this many years ago


# fmt: off
KINDS: Mapping[str, KindSpec] = {
    "academician_station": KindSpec(
        "院士专家工作站", "YSZ", {"provincial": 13, "municipal": 25}, "enterprise",
        ((3, 12), (1, 1), (0, 0), (0, 0), (1, 5), (100, 1500), (200, 1500), (2, 10))),
    "postdoc_station": KindSpec(
        "博士后科研工作站", "BSH", {"national": 5, "provincial": 21}, "enterprise",
        ((1, 6), (1, 1), (0, 0), (0, 0), (1, 4), (100, 1200), (300, 2000), (1, 6))),
    "enterprise_institute": KindSpec(
        "企业研究院", "YJY", {"provincial": 23, "municipal": 8}, "enterprise",
        ((20, 150), (1, 1), (0, 0), (0, 0), (3, 20), (1000, 15000), (1000, 10000), (2, 12))),
    "tech_center": KindSpec(
        "企业技术中心", "JSZX", {"national": 2, "provincial": 13, "municipal": 7}, "enterprise",
        ((30, 200), (1, 1), (0, 0), (0, 0), (5, 30), (2000, 30000), (2000, 15000), (2, 10))),
    "postdoc_base": KindSpec(
        "博士后创新实践基地", "BSJD", {"provincial": 5, "municipal": 8}, "enterprise",
        ((1, 4), (1, 1), (0, 0), (0, 0), (1, 3), (50, 600), (200, 1000), (1, 4)), (0, 8)),
    "skill_master_studio": KindSpec(
        "技能大师工作室", "JNDS", {"national": 1, "provincial": 4, "municipal": 7, "county": 4}, "enterprise",
        ((5, 20), (1, 1), (0, 0), (0, 0), (1, 6), (10, 200), (100, 500), (4, 20)), (0, 10)),
    "maker_space": KindSpec(
        "众创空间", "ZCKJ", {"national": 2, "provincial": 6, "municipal": 4}, "zone",
        ((15, 60), (15, 60), (10, 50), (1, 8), (5, 30), (100, 1500), (2000, 10000), (12, 50)), (0, 10)),
    "key_lab": KindSpec(
        "重点实验室", "SYS", {"provincial": 2, "municipal": 3}, "institution",
        ((15, 60), (0, 0), (0, 0), (0, 0), (5, 20), (500, 5000), (800, 5000), (3, 12))),
    "talent_base": KindSpec(
        "高层次人才创业创新基地", "RCJD", {"municipal": 5, "county": 2}, "zone",
        ((40, 200), (30, 120), (20, 80), (2, 10), (10, 40), (1000, 8000), (10000, 60000), (10, 40)), (1, 10)),
    "innovation_complex": KindSpec(
        "产业创新服务综合体", "ZHT", {"provincial": 3, "municipal": 2}, "zone",
        ((50, 200), (100, 500), (10, 40), (2, 10), (20, 80), (2000, 10000), (10000, 50000), (20, 60)), (0, 7)),
    "incubator": KindSpec(
        "科技企业孵化器", "FHQ", {"national": 1, "provincial": 2, "municipal": 1}, "zone",
        ((30, 120), (40, 150), (30, 120), (3, 15), (10, 40), (500, 5000), (20000, 80000), (20, 60))),
    "talent_park": KindSpec(
        "人才产业园", "RCCYY", {"provincial": 1, "municipal": 1, "county": 1}, "zone",
        ((80, 300), (50, 200), (20, 60), (2, 12), (15, 50), (3000, 20000), (30000, 150000), (10, 30)), (1, 10)),
}
# Where platforms outside the county stand, named after the county that runs them:
# (kind, county, level, city, country, name, host).
AWAY: Sequence[tuple[str, str, str, str, str, str, str]] = (
    ("enclave", "330402", "provincial", "上海", "CN", "嘉兴科技城（上海张江）人才飞地", "嘉兴科技城管理委员会"),
    ("enclave", "330421", "municipal", "上海", "CN", "嘉善（上海漕河泾）科创飞地", "嘉善县人才发展集团"),
    ("enclave", "330482", "municipal", "上海", "CN", "平湖（上海莘庄）离岸孵化器", "平湖经济技术开发区管理委员会"),
    ("enclave", "330481", "municipal", "杭州", "CN", "海宁（杭州未来科技城）人才飞地", "海宁市人才发展集团"),
    ("enclave", "330483", "county", "杭州", "CN", "桐乡（杭州滨江）科创飞地", "桐乡市人才发展集团"),
    ("enclave", "330411", "municipal", "北京", "CN", "秀洲（北京中关村）域外孵化器", "秀洲国家高新区管理委员会"),
    ("overseas_station", "330402", "municipal", "硅谷", "US", "嘉兴市驻硅谷海外引才工作站",
     "嘉兴市人才发展中心"),
    ("overseas_station", "330481", "municipal", "波士顿", "US", "海宁市驻波士顿海外引才工作站", "海宁市人才发展集团"),
    ("overseas_station", "330411", "municipal", "法兰克福", "DE", "嘉兴市驻法兰克福海外引才工作站",
     "嘉兴市人才发展中心"),
    ("overseas_station", "330482", "county", "慕尼黑", "DE", "平湖市驻慕尼黑海外引才工作站", "平湖市人才发展中心"),
    ("overseas_station", "330421", "municipal", "巴黎", "FR", "嘉兴市驻巴黎海外引才工作站", "嘉兴市人才发展中心"),
    ("liaison_station", "330402", "municipal", "西安", "CN", "嘉兴市驻西安交通大学招才引智联络站", "西安交通大学"),
    ("liaison_station", "330481", "municipal", "武汉", "CN", "海宁市驻华中科技大学招才引智联络站", "华中科技大学"),
    ("liaison_station", "330411", "municipal", "哈尔滨", "CN", "嘉兴市驻哈尔滨工业大学招才引智联络站",
     "哈尔滨工业大学"),
    ("liaison_station", "330421", "county", "合肥", "CN", "嘉善县驻中国科学技术大学招才引智联络站",
     "中国科学技术大学"),
    ("liaison_station", "330483", "county", "成都", "CN", "桐乡市驻电子科技大学招才引智联络站", "电子科技大学"),
    ("liaison_station", "330402", "municipal", "南京", "CN", "嘉兴市驻南京大学招才引智联络站", "南京大学"),
    ("liaison_station", "330482", "county", "长沙", "CN", "平湖市驻中南大学招才引智联络站", "中南大学"),
    ("liaison_station", "330424", "county", "深圳", "CN", "海盐县驻南方科技大学招才引智联络站", "南方科技大学"),
)
AWAY_SCALE: Mapping[str, Sequence[tuple[int, int]]] = {
    "enclave": ((20, 80), (15, 50), (10, 40), (1, 6), (5, 20), (200, 3000), (1000, 8000), (8, 30)),
    "overseas_station": ((0, 5), (0, 0), (0, 0), (0, 0), (3, 20), (0, 0), (0, 300), (5, 20)),
    "liaison_station": ((0, 3), (0, 0), (0, 0), (0, 0), (2, 12), (0, 0), (0, 100), (3, 12)),
}
# The development zones, parks and towns that run the counties' incubators, maker spaces and bases.
ZONES = {
    "330402": ("嘉兴科技城", "南湖高新区", "长三角（嘉兴）科创中心", "南湖基金小镇", "嘉兴国际创新中心"),
    "330411": ("秀洲国家高新区", "秀洲光伏科技城", "王江泾智造园", "嘉兴智慧产业创新园"),
    "330421": ("嘉善归谷智造小镇", "祥符荡科创绿谷", "西塘创意产业园", "嘉善经济技术开发区"),
    "330424": ("海盐经济开发区", "核电关联产业园"),
    "330481": ("鹃湖国际科技城", "海宁经编产业园", "海宁泛半导体产业园", "浙大海宁国际校区科创园"),
    "330482": ("平湖经济技术开发区", "独山港科创园", "平湖光机电产业园"),
    "330483": ("乌镇互联网创新发展区", "桐乡经济开发区", "濮院时尚创意园", "崇福智造园"),
}
MAKER_BRANDS = ("星耀", "禾创", "智汇", "梦工场", "创客邦", "青创", "云创", "芯创", "红船", "蓝海", "启航", "众智")
REVOCATION = "年度绩效评价不合格，撤销认定"
# fmt: on


@dataclass
class PlatformPlan:
    code: str
    kind: str
    level: str
    county: str
    recognised_back: int
    month: int
    day: int
    star_rating: int
    growth: list[float] = field(default_factory=list)  # one factor per year after the first
    base: list[int] = field(default_factory=list)  # the first year's figures
    revoked: bool = False
    away: tuple[str, str, str, str, str, str, str] | None = None
    residents: int = 0
    resident_enterprises: int = 0
    draw: float = 0.0  # for the choices that depend on the registry

    def recognised_on(self, today: datetime.date) -> datetime.date:
        day = datetime.date(today.year - self.recognised_back, self.month, self.day)
        if day > today:  # this year's, spread over the part of it that has passed
            start = datetime.date(today.year, 1, 1)
            day = start + (today - start) * ((day - start).days / 366)
        return day

    def revoked_on(self, today: datetime.date) -> datetime.date | None:
        if not self.revoked:
            return None
        return max(self.recognised_on(today), datetime.date(today.year - 1, self.month, self.day))

    def figure_years(self, today: datetime.date) -> list[int]:
        revoked = self.revoked_on(today)
        return [
            year
            for year in figure_years(today)
            if self.recognised_on(today).year <= year and (revoked is None or year < revoked.year)
        ]


def _apportioned_levels(levels: Mapping[str, int]) -> list[str]:
    return [level for level, count in levels.items() for _ in range(count)]


def _figures(rng: random.Random, plan: PlatformPlan, scale: Sequence[tuple[int, int]]) -> None:
    plan.base = [rng.randint(low, high) for low, high in scale]
    plan.growth = [rng.uniform(0.82, 1.0) if rng.random() < 0.2 else rng.uniform(1.0, 1.35) for _ in range(2)]


def build_plan() -> list[PlatformPlan]:
    """Every demo platform, the same on every call (dates come from ``today`` later)."""
    rng = random.Random(SEED)
    counties = list(COUNTY_WEIGHTS)
    numbers: dict[tuple[str, str], int] = defaultdict(int)
    plans: list[PlatformPlan] = []
    for kind, spec in KINDS.items():
        levels = _apportioned_levels(spec.levels)
        rng.shuffle(levels)
        for level in levels:
            county = rng.choices(counties, [COUNTY_WEIGHTS[c] for c in counties])[0]
            numbers[kind, county] += 1
            plan = PlatformPlan(
                code=f"{county}-{spec.abbreviation}-{numbers[kind, county]:03d}",
                kind=kind,
                level=level,
                county=county,
                recognised_back=rng.randint(*spec.recognised_back),
                month=rng.randint(1, 12),
                day=rng.randint(1, 28),
                star_rating=rng.choice((0, 1, 2, 3, 3, 4, 4, 5)) if spec.host == "zone" else 0,
                draw=rng.random(),
            )
            _figures(rng, plan, spec.scale)
            plans.append(plan)
    for away in AWAY:
        kind, county = away[0], away[1]
        numbers[kind, county] += 1
        abbreviation = {"enclave": "FD", "overseas_station": "HWZ", "liaison_station": "LLZ"}[kind]
        plan = PlatformPlan(
            code=f"{county}-{abbreviation}-{numbers[kind, county]:03d}",
            kind=kind,
            level=away[2],
            county=county,
            recognised_back=rng.randint(0, 8),
            month=rng.randint(1, 12),
            day=rng.randint(1, 28),
            star_rating=rng.randint(2, 5) if kind == "enclave" else 0,
            away=away,
            draw=rng.random(),
        )
        _figures(rng, plan, AWAY_SCALE[kind])
        plans.append(plan)
    # A few old zone platforms lost their recognition last year; the rest have residents.
    old_zones = [p for p in plans if KINDS.get(p.kind) and KINDS[p.kind].host == "zone" and p.recognised_back >= 4]
    for plan in rng.sample(old_zones, 3):
        plan.revoked = True
    for plan in plans:
        plan.residents = rng.choice((0, 1, 1, 2, 2, 3, 4))
        host = KINDS[plan.kind].host if plan.kind in KINDS else plan.kind
        plan.resident_enterprises = rng.randint(1, 4) if host in ("zone", "enclave") else 0
    return plans


def _year_rows(plan: PlatformPlan, today: datetime.date) -> list[dict[str, Any]]:
    """The figures of each complete year since recognition: the first year's, then grown by each factor."""
    names = (
        "resident_talents",
        "resident_enterprises",
        "incubated_enterprises",
        "graduated_enterprises",
        "new_projects",
        "rd_investment",
        "area_m2",
        "events_held",
    )
    years = plan.figure_years(today)
    rows = []
    factor = 1.0
    for step, year in enumerate(years):
        if step:
            factor *= plan.growth[step - 1]
        values = [round(value * factor) for value in plan.base]
        row: dict[str, Any] = dict(zip(names, values, strict=True))
        row["area_m2"] = plan.base[6]  # the floor space stays
        row["incubated_enterprises"] = min(row["incubated_enterprises"], row["resident_enterprises"])
        row["graduated_enterprises"] = min(row["graduated_enterprises"], row["incubated_enterprises"])
        row["rd_investment"] = Decimal(row["rd_investment"])
        row["year"] = year
        rows.append(row)
    return rows


class Hosts:
    """The registry's enterprises, institutions and talents by county, to host and fill the platforms."""

    def __init__(self, units: Mapping[str, OrgUnit]) -> None:
        self.enterprises: dict[str, list[Enterprise]] = {}
        self.talents: dict[str, list[Talent]] = {}
        for code, unit in units.items():
            subtree = {"org_unit__path__startswith": unit.path}
            # The biggest firms first: they host most of the workstations and research institutes.
            self.enterprises[code] = list(Enterprise.objects.filter(**subtree).order_by("-registered_capital", "id"))
            self.talents[code] = list(Talent.objects.filter(**subtree).order_by("id"))
        self.hosting: dict[tuple[str, str], set[Any]] = defaultdict(set)

    def host(self, plan: PlatformPlan, rng: random.Random) -> tuple[Enterprise | None, str]:
        """An enterprise (or institution) of the county that has no platform of this kind yet."""
        taken = self.hosting[plan.kind, plan.county]
        free = [e for e in self.enterprises[plan.county] if e.pk not in taken]
        if free and KINDS[plan.kind].host == "enterprise":
            # Larger enterprises are likelier hosts: the draw favours the front of the list.
            enterprise = free[int(plan.draw**2 * len(free))]
            taken.add(enterprise.pk)
            return enterprise, ""
        institutions = [name for name, _kind in INSTITUTIONS[plan.county] if name not in taken]
        name = rng.choice(institutions) if institutions else COUNTY_NAMES[plan.county]
        taken.add(name)
        return None, name

    def residents(self, plan: PlatformPlan, rng: random.Random, closed: datetime.date) -> list[Talent]:
        """Talents of the county who had landed before the platform closed (today for those still open)."""
        experts = ("top", "national_leading", "provincial_leading")
        rules: dict[str, Callable[[Talent], bool]] = {
            "academician_station": lambda t: t.tier in experts,
            "postdoc_station": lambda t: t.tier == "youth" and t.highest_degree == "doctorate",
            "postdoc_base": lambda t: t.tier == "youth" and t.highest_degree == "doctorate",
        }
        fits = rules.get(plan.kind, anyone)
        pool = [t for t in self.talents[plan.county] if fits(t) and (t.landed_on is None or t.landed_on <= closed)]
        return rng.sample(pool, min(plan.residents, len(pool)))


def _name(
    plan: PlatformPlan, host: Enterprise | None, host_name: str, city: str, taken: set[str], rng: random.Random
) -> str:
    """A name as the office writes it, different from the names already given."""
    spec = KINDS[plan.kind]
    for attempt in range(20):
        if plan.kind == "skill_master_studio":
            name = f"{person_name(rng, rng.random() < 0.85)[0]}技能大师工作室"
        elif plan.kind == "key_lab":
            industry = host.industry if host else rng.choice(("digital", "new_materials", "biomedicine"))
            prefix = "浙江省" if plan.level == "provincial" else city
            name = f"{prefix}{rng.choice(TEAM_TOPICS[industry])}重点实验室"
        elif spec.host == "zone":
            brand = rng.choice(MAKER_BRANDS) if plan.kind == "maker_space" else ""
            name = f"{rng.choice(ZONES[plan.county])}{brand}{spec.label}"
        else:
            name = f"{host.name if host else host_name}{spec.label}"
        if name not in taken or attempt == 19:
            taken.add(name)
            return name
    raise AssertionError("unreachable")


@transaction.atomic
def seed_platforms(today: datetime.date | None = None) -> dict[str, int]:
    """Create the demo platforms that do not exist yet, with their yearly figures and residents; returns how
    many of each were created."""
    today = today or timezone.localdate()
    plans = build_plan()
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=[CITY[0], *COUNTY_WEIGHTS])}
    missing = {CITY[0], *COUNTY_WEIGHTS} - set(units)
    if missing:
        raise LookupError(f"org units {sorted(missing)} are missing: seed the demo org units first")
    existing = set(Platform.objects.filter(code__in=[p.code for p in plans]).values_list("code", flat=True))
    counties = {code: unit for code, unit in units.items() if code in COUNTY_WEIGHTS}
    hosts = Hosts(counties)
    for platform in Platform.objects.filter(code__in=existing).exclude(host_enterprise=None):
        hosts.hosting[platform.kind, next(c for c in counties if platform.code.startswith(c))].add(
            platform.host_enterprise_id
        )
    rng = random.Random(SEED + 1)
    names = set(Platform.objects.values_list("name", flat=True))
    new: list[tuple[Platform, PlatformPlan]] = []
    for plan in plans:
        if plan.code in existing:
            continue
        recognised = plan.recognised_on(today)
        revoked = plan.revoked_on(today)
        fields: dict[str, Any] = {
            "code": plan.code,
            "kind": plan.kind,
            "level": plan.level,
            "org_unit": counties[plan.county],
            "recognized_on": recognised,
            "star_rating": plan.star_rating,
            "status": Platform.Status.REVOKED if revoked else Platform.Status.ACTIVE,
            "revoked_on": revoked,
            "revoked_reason": REVOCATION if revoked else "",
        }
        if plan.away:
            kind, _county, _level, city, country, name, host_name = plan.away
            location = Platform.Location.OVERSEAS if kind == "overseas_station" else Platform.Location.DOMESTIC
            fields |= {"name": name, "host_name": host_name, "location": location, "city": city, "country": country}
        else:
            host, host_name = hosts.host(plan, rng)
            if host is None and KINDS[plan.kind].host == "zone":
                host_name = f"{COUNTY_NAMES[plan.county]}{rng.choice(('科技创业服务中心', '人才发展集团'))}"
            fields |= {
                "name": _name(plan, host, host_name, units[CITY[0]].name, names, rng),
                "host_enterprise": host,
                "host_name": host_name,
                "location": Platform.Location.LOCAL,
            }
        new.append((Platform(**fields), plan))
    Platform.objects.bulk_create([platform for platform, _plan in new])

    years: list[PlatformYear] = []
    stays: list[Residency] = []
    for platform, plan in new:
        years += [PlatformYear(platform=platform, **row) for row in _year_rows(plan, today)]
        opened = platform.recognized_on or today
        closed = platform.revoked_on or today
        for talent in hosts.residents(plan, rng, closed):
            since = max(opened, talent.landed_on or opened)
            since = min(closed, since + datetime.timedelta(days=rng.randint(0, 200)))
            until = None
            if closed < today or rng.random() < 0.2:
                until = min(closed, since + datetime.timedelta(days=rng.randint(180, 900)))
            stays.append(Residency(platform=platform, talent=talent, since=since, until=until))
        companies = hosts.enterprises[plan.county]
        for company in rng.sample(companies, min(plan.resident_enterprises, len(companies))):
            since = min(
                closed, max(opened, company.founded_on or opened) + datetime.timedelta(days=rng.randint(0, 300))
            )
            graduated = closed < today or rng.random() < 0.35
            until = min(closed, since + datetime.timedelta(days=rng.randint(300, 1000))) if graduated else None
            stays.append(Residency(platform=platform, enterprise=company, since=since, until=until))
    PlatformYear.objects.bulk_create(years)
    Residency.objects.bulk_create(stays)
    actor = Actor(source=Source.SYSTEM)
    record_bulk(
        entry(actor, "create", obj, {k: [None, v] for k, v in snapshot(obj).items()})
        for obj in [platform for platform, _plan in new]
    )
    return {"platforms": len(new), "platform_years": len(years), "residencies": len(stays)}


def anyone(talent: Talent) -> bool:
    """Every talent of the county may stay at platforms of the other kinds."""
    return True
