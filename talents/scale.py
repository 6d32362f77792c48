"""A province-sized registry for benchmarks (``manage.py seed_scale``): fast, not pretty.

Rows are generated in a plain loop as tab-separated text and written batch by batch: with ``COPY … FROM STDIN``
on PostgreSQL, with ``bulk_create`` elsewhere. No model validation, no per-row query, no audit entries.

Identifiers never collide with what is there already:
- resident ID numbers walk a fixed permutation of the space *county × date of birth × sequence number*, starting
  after the number of resident IDs already stored, so consecutive runs use disjoint parts of it; each batch is
  checked against the table in one query and any number already taken is skipped;
- credit codes are ``91`` + county + ``MB`` + a base-31 counter that starts above the highest ``MB`` code stored.
"""

from __future__ import annotations

import datetime
import io
import math
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Max
from django.db.models.functions import Substr
from django.utils import timezone

from talentportal.audit.models import Action, Source
from talentportal.audit.services import Actor, entry, record_bulk, snapshot
from talentportal.orgs.demo import COUNTIES, seed_org_units
from talentportal.orgs.models import OrgUnit

from . import demo, validators
from .models import Enterprise, EnterpriseYear, ServiceRequest, Talent

NULL = "\\N"  # COPY's text format for NULL
Row = tuple[str, ...]
COUNTY_CODES = [code for code, _name in COUNTIES]
FIRST_BIRTH = datetime.date(1960, 1, 1)
LAST_BIRTH = datetime.date(2001, 12, 31)
FIRST_LANDING = datetime.date(2016, 1, 1)
LAST_LANDING = datetime.date(2025, 12, 31)
# The resident-ID space: county × day of birth × three-digit sequence, walked as slot = g * STRIDE mod its size.
BIRTH_DAYS = (LAST_BIRTH - FIRST_BIRTH).days + 1
ID_SPACE = len(COUNTY_CODES) * BIRTH_DAYS * 1000
CREDIT_MARKER = "MB"  # characters 9–10 of the credit codes made here (the demo's start with MA)

TALENT_FIELDS = (
    "name", "id_type", "id_number", "gender", "birth_date", "nationality", "is_returnee", "highest_degree",
    "graduated_from", "position_title", "category", "tier", "recruitment_mode", "industry", "org_unit_id",
    "employer_id", "employer_name", "phone", "email", "landed_on", "notes", "created_at", "updated_at",
)  # fmt: skip
ENTERPRISE_FIELDS = (
    "name", "credit_code", "org_unit_id", "industry", "founded_on", "registered_capital", "is_talent_enterprise",
    "listing", "address", "contact_name", "contact_phone", "created_at", "updated_at",
)  # fmt: skip
YEAR_FIELDS = (
    "enterprise_id", "year", "revenue", "tax_paid", "rd_expense", "employees", "invention_patents",
    "financing_raised",
)  # fmt: skip
REQUEST_FIELDS = (
    "talent_id", "kind", "status", "submitted_on", "resolved_on", "description", "resolution", "created_at",
    "updated_at",
)  # fmt: skip

# Tiers by year of birth: young people are mostly 青年人才, the top tiers are older.
TIERS_BY_ERA = {
    "older": {"top": 0.3, "national_leading": 1.5, "provincial_leading": 7, "municipal_leading": 25, "other": 66},
    "middle": {"top": 0.1, "national_leading": 0.8, "provincial_leading": 5, "municipal_leading": 24, "youth": 10,
               "other": 60},
    "young": {"provincial_leading": 1.5, "municipal_leading": 12, "youth": 57, "other": 29.5},
}  # fmt: skip
CATEGORY_POSITIONS = {
    "party_gov": demo.GOVERNMENT_POSITIONS,
    "rural": demo.RURAL_POSITIONS,
    "social_work": demo.SOCIAL_POSITIONS,
    **demo.ENTERPRISE_POSITIONS,
}


def _era(year: int) -> str:
    return "older" if year <= 1975 else "middle" if year <= 1985 else "young"


def _pool(weights: Mapping[str, float], size: int = 200) -> list[str]:
    """A list in which each key appears in proportion to its weight, for ``choice``-by-index."""
    total = sum(weights.values())
    pool = [key for key, weight in weights.items() for _ in range(max(1, round(weight / total * size)))]
    return pool


def _b31(number: int, width: int) -> str:
    chars = validators.CREDIT_CODE_CHARS
    digits = []
    for _ in range(width):
        number, rest = divmod(number, 31)
        digits.append(chars[rest])
    if number:
        raise ValueError("credit-code counter overflow")
    return "".join(reversed(digits))


def _stride() -> int:
    stride = 2_654_435_761  # Knuth's multiplicative constant; any number coprime with ID_SPACE will do
    while math.gcd(stride, ID_SPACE) != 1:
        stride += 2
    return stride


STRIDE = _stride()


# ---------------------------------------------------------------------------------------------------------------
# Writing rows
# ---------------------------------------------------------------------------------------------------------------


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Sequence[Row]) -> None:
    """Insert rows of text values (``NULL`` for null) in the order of ``fields`` (attribute names)."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        columns = {f.attname: str(f.column) for f in model._meta.concrete_fields}
        quote = connection.ops.quote_name
        sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(columns[f]) for f in fields)}) FROM STDIN"
        data = io.StringIO("".join(["\t".join(row) + "\n" for row in rows]))
        with connection.cursor() as cursor:
            cursor.copy_expert(sql, data)
        return
    objects = [model(**{f: (None if v == NULL else v) for f, v in zip(fields, row, strict=True)}) for row in rows]
    model._default_manager.bulk_create(objects)


def _taken_resident_ids(numbers: list[str]) -> set[str]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id_number FROM talents_talent WHERE id_type = %s AND id_number = ANY(%s)",
                [Talent.IdType.RESIDENT_ID, numbers],
            )
            return {row[0] for row in cursor.fetchall()}
    taken: set[str] = set()
    step = 500
    for start in range(0, len(numbers), step):
        taken.update(
            Talent.objects.filter(
                id_type=Talent.IdType.RESIDENT_ID, id_number__in=numbers[start : start + step]
            ).values_list("id_number", flat=True)
        )
    return taken


class Writer:
    """Writes batches, each in its own transaction. On PostgreSQL (outside a transaction) background threads, each
    with its own connection, run the COPYs while the caller generates the next batch: Python and the database
    work at the same time, and at most ``workers`` + 1 batches are in memory."""

    def __init__(self, workers: int = 1) -> None:
        self.background = workers > 0 and connection.vendor == "postgresql" and not connection.in_atomic_block
        self.workers = workers
        self.pool = (
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="seed-scale") if self.background else None
        )
        self.pending: list[Future[None]] = []

    def write(self, model: type[models.Model], fields: Sequence[str], rows: Sequence[Row]) -> None:
        if self.pool is None:
            self._write(model, fields, rows)
            return
        while len(self.pending) >= self.workers:
            self.pending.pop(0).result()
        self.pending.append(self.pool.submit(self._write_in_thread, model, fields, rows))

    @staticmethod
    def _write(model: type[models.Model], fields: Sequence[str], rows: Sequence[Row]) -> None:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # Losing the last batches on a crash is fine for generated data; waiting for each flush is not.
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            insert_rows(model, fields, rows)

    @classmethod
    def _write_in_thread(cls, model: type[models.Model], fields: Sequence[str], rows: Sequence[Row]) -> None:
        try:
            cls._write(model, fields, rows)
        finally:
            connection.close()  # the worker thread's own connection; its next batch opens a fresh one

    def wait(self) -> None:
        """Until everything handed over is committed (and raise what went wrong)."""
        while self.pending:
            self.pending.pop(0).result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            if self.pool is not None:
                self.pool.shutdown()


# ---------------------------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------------------------


class ScaleRegistry:
    def __init__(self, seed: int = 2026, log: Callable[[str], None] = print, writers: int = 1) -> None:
        self.rng = random.Random(seed)
        self.log = log
        self.started = time.perf_counter()
        self.now = timezone.now().isoformat()
        self.today = timezone.localdate()
        self.writer = Writer(writers)
        self._prepare_units()
        self._prepare_vocabulary()

    # -- set-up ---------------------------------------------------------------------------------------------

    def _prepare_units(self) -> None:
        missing = set(COUNTY_CODES) - set(OrgUnit.objects.filter(code__in=COUNTY_CODES).values_list("code", flat=True))
        if missing:
            # The demo city's units, logged like seed_demo logs them; not its users (those come with seed_demo only).
            self.log("The demo city's org units are missing: creating them first.")
            created = seed_org_units()
            actor = Actor(source=Source.SYSTEM)
            record_bulk(
                entry(actor, Action.CREATE, unit, {k: [None, v] for k, v in snapshot(unit).items()}) for unit in created
            )
        counties = {u.code: u for u in OrgUnit.objects.filter(code__in=COUNTY_CODES)}
        code_of = {unit.pk: code for code, unit in counties.items()}
        towns: dict[str, list[int]] = {code: [] for code in counties}
        for pk, parent_id in OrgUnit.objects.filter(parent__in=counties.values(), kind=OrgUnit.Kind.TOWN).values_list(
            "pk", "parent_id"
        ):
            towns[code_of[parent_id]].append(pk)
        self.county_ids = {code: unit.pk for code, unit in counties.items()}
        # 60% registered by the county itself, the rest spread over its towns.
        self.unit_pools = {
            code: [str(self.county_ids[code])] * (6 * max(1, len(towns[code])))
            + [str(pk) for pk in towns[code] for _ in range(4)]
            for code in COUNTY_CODES
        }
        self.town_names = {
            str(u.pk): u.name for u in OrgUnit.objects.filter(kind=OrgUnit.Kind.TOWN, parent__in=counties.values())
        }

    def _prepare_vocabulary(self) -> None:
        rng = self.rng
        self.surnames = [(s, py) for s, py, weight in demo.SURNAMES for _ in range(weight)]
        self.given = {}
        for gender, pool in (("male", demo.GIVEN_MALE), ("female", demo.GIVEN_FEMALE)):
            names = [(c, p) for c, p in pool] * 2
            names += [(c1 + c2, p1 + p2) for c1, p1 in pool for c2, p2 in pool if c1 != c2]
            self.given[gender] = names
        self.industry_pools = {code: _pool(demo.industry_weights(code)) for code in COUNTY_CODES}
        self.tier_pools = {era: _pool(weights) for era, weights in TIERS_BY_ERA.items()}
        self.category_pools = {tier: _pool(weights) for tier, weights in demo.CATEGORY_WEIGHTS.items()}
        self.degree_pools = {
            (tier, category): _pool(demo.CATEGORY_DEGREES.get(category, demo.DEGREES[tier]))
            for tier in demo.CATEGORY_WEIGHTS
            for category in Talent.Category.values
        }
        # Per day of birth: its ISO date, its date, and the first landing day (at 22 at the earliest).
        births = [FIRST_BIRTH + datetime.timedelta(days=d) for d in range(BIRTH_DAYS)]
        self.birth_dates = births
        self.birth_iso = [d.isoformat() for d in births]
        self.landing_iso = [
            (FIRST_LANDING + datetime.timedelta(days=d)).isoformat()
            for d in range((LAST_LANDING - FIRST_LANDING).days + 1)
        ]
        self.first_landing = [max(0, (demo.add_years(d, 22) - FIRST_LANDING).days) for d in births]
        self.tier_pool_of_day = [self.tier_pools[_era(d.year)] for d in births]
        # Employers that are not enterprises, by county and category: a few hundred names each.
        self.other_employers: dict[tuple[str, str], Sequence[tuple[str, str, Sequence[str]]]] = {}
        for code in COUNTY_CODES:
            county = demo.COUNTY_NAMES[code]
            institutions = [
                (name, demo.INSTITUTION_INDUSTRIES[kind][0], demo.INSTITUTION_POSITIONS[kind])
                for name, kind in demo.INSTITUTIONS[code]
            ]
            brands = [a + b for a in demo.BRAND_FIRST for b in demo.BRAND_SECOND if a != b]
            rng.shuffle(brands)
            self.other_employers[code, "party_gov"] = [
                (f"{county}{dept}", "services", demo.GOVERNMENT_POSITIONS) for dept in demo.GOVERNMENT_DEPARTMENTS
            ]
            self.other_employers[code, "rural"] = [
                (f"{county}{brand}{rng.choice(demo.RURAL_CROPS)}{rng.choice(('专业合作社', '家庭农场'))}", "agriculture",
                 demo.RURAL_POSITIONS)
                for brand in brands[:200]
            ]  # fmt: skip
            self.other_employers[code, "social_work"] = [
                (f"{county}{brand}社会工作服务中心", "services", demo.SOCIAL_POSITIONS) for brand in brands[200:260]
            ]
            for category in ("professional", "management", "skilled"):
                self.other_employers[code, category] = institutions

    # -- enterprises ----------------------------------------------------------------------------------------

    def enterprises(self, count: int, batch: int) -> dict[str, list[tuple[str, str]]]:
        """Insert ``count`` enterprises with three years of figures; returns (id, industry) by county code."""
        rng = self.rng
        rand, choice, randrange = rng.random, rng.choice, rng.randrange
        stored = (
            Enterprise.objects.annotate(marker=Substr("credit_code", 9, 2))
            .filter(marker=CREDIT_MARKER)
            .aggregate(top=Max(Substr("credit_code", 11, 7)))["top"]
        )
        counter = 0 if stored is None else _decode_b31(stored) + 1
        before = Enterprise.objects.aggregate(top=Max("pk"))["top"] or 0
        brands = [a + b for a in demo.BRAND_FIRST for b in demo.BRAND_SECOND if a != b]
        founded_iso = [
            (datetime.date(1995, 1, 1) + datetime.timedelta(days=d)).isoformat()
            for d in range((datetime.date(2022, 12, 31) - datetime.date(1995, 1, 1)).days + 1)
        ]
        listings = ["none"] * 2000 + ["neeq"] * 12 + ["main_board", "star_market", "chinext", "bse"]
        done = 0
        while done < count:
            size = min(batch, count - done)
            rows: list[Row] = []
            for _ in range(size):
                code = COUNTY_CODES[counter % 7]
                industry = choice(self.industry_pools[code])
                unit = choice(self.unit_pools[code])
                credit = validators.make_credit_code(f"91{code}{CREDIT_MARKER}{_b31(counter, 7)}")
                counter += 1
                listing = choice(listings)
                name = (
                    f"{choice(demo.NAME_PREFIXES[code])}{choice(brands)}{choice(demo.INDUSTRY_SUFFIXES[industry])}"
                    f"{'股份' if listing != 'none' else ''}有限公司"
                )
                rows.append(
                    (
                        name,
                        credit,
                        unit,
                        industry,
                        choice(founded_iso),
                        choice(("50", "100", "200", "500", "1000", "2000", "5000", "10000")),
                        "t" if rand() < 0.08 else "f",
                        listing,
                        f"浙江省嘉兴市{demo.COUNTY_NAMES[code]}{self.town_names.get(unit, '')}"
                        f"{choice(demo.ROADS[code])}{randrange(1, 1889)}号",
                        choice(self.surnames)[0] + choice(self.given["male" if rand() < 0.6 else "female"])[0],
                        demo.mobile(rng) if rand() < 0.6 else demo.landline(rng),
                        self.now,
                        self.now,
                    )
                )
            self.writer.write(Enterprise, ENTERPRISE_FIELDS, rows)
            done += size
            self.progress("enterprises", done, count)
        self.writer.wait()
        pools: dict[str, list[tuple[str, str]]] = {code: [] for code in COUNTY_CODES}
        county_of_unit = {unit: code for code, units in self.unit_pools.items() for unit in units}
        new = Enterprise.objects.filter(pk__gt=before).values_list("pk", "org_unit_id", "industry")
        year_rows = []
        for pk, unit_id, industry in new.iterator(chunk_size=10_000):
            county = county_of_unit.get(str(unit_id))
            if county:
                pools[county].append((str(pk), industry))
            year_rows.extend(self._year_rows(str(pk)))
        for start in range(0, len(year_rows), batch):
            self.writer.write(EnterpriseYear, YEAR_FIELDS, year_rows[start : start + batch])
        self.progress("enterprise yearly figures", len(year_rows), len(year_rows))
        return pools

    def _year_rows(self, enterprise_id: str) -> list[Row]:
        rng = self.rng
        revenue = min(2_000_000.0, math.exp(rng.gauss(math.log(600), 1.7)))
        employees = max(5, int(revenue / rng.uniform(60, 150)))
        patents = rng.randrange(0, 30)
        rows: list[Row] = []
        for year in (2025, 2024, 2023):
            rows.append(
                (
                    enterprise_id,
                    str(year),
                    f"{revenue:.2f}",
                    f"{revenue * 0.05:.2f}",
                    f"{revenue * 0.04:.2f}",
                    str(employees),
                    str(patents),
                    "0" if rng.random() < 0.9 else str(rng.choice((500, 1000, 3000))),
                )
            )
            revenue /= rng.uniform(0.9, 1.35)
            employees = max(5, int(employees / rng.uniform(1.0, 1.2)))
            patents = max(0, patents - rng.randrange(0, 4))
        return rows

    # -- talents --------------------------------------------------------------------------------------------

    def talents(self, count: int, batch: int, employers: dict[str, list[tuple[str, str]]]) -> int:
        rng = self.rng
        rand, choice, randrange = rng.random, rng.choice, rng.randrange
        make_id = validators.make_resident_id
        g = Talent.objects.filter(id_type=Talent.IdType.RESIDENT_ID).count()
        per_county = BIRTH_DAYS * 1000
        skipped = done = 0
        flexible_share = demo.FLEXIBLE_SHARE
        while done < count:
            size = min(batch, count - done)
            rows: list[Row] = []
            for _ in range(size):
                slot = g * STRIDE % ID_SPACE
                g += 1
                county_index, rest = divmod(slot, per_county)
                day, sequence = divmod(rest, 1000)
                code = COUNTY_CODES[county_index]
                gender = "male" if sequence & 1 else "female"
                tier = choice(self.tier_pool_of_day[day])
                category = choice(self.category_pools[tier])
                degree = choice(self.degree_pools[tier, category])
                surname, surname_py = choice(self.surnames)
                given, given_py = choice(self.given[gender])
                pool = employers[code]
                # Managers and technicians work in enterprises; experts also in universities, hospitals, institutes.
                if pool and (category in ("management", "skilled") or (category == "professional" and rand() < 0.6)):
                    employer_id, industry = choice(pool)
                    employer_name = ""
                    position = choice(CATEGORY_POSITIONS.get(category, demo.ENTERPRISE_POSITIONS["professional"]))
                else:
                    employer_id = NULL
                    employer_name, industry, positions = choice(self.other_employers[code, category])
                    position = choice(positions)
                returnee = degree in ("doctorate", "master") and rand() < 0.2
                if returnee:
                    school = choice(demo.FOREIGN_UNIVERSITIES)
                elif degree in ("college", "other"):
                    school = choice(demo.COLLEGES)
                else:
                    school = choice(demo.DOMESTIC_UNIVERSITIES)
                first_landing = self.first_landing[day]
                landed = self.landing_iso[first_landing + randrange(len(self.landing_iso) - first_landing)]
                email = (
                    f"{surname_py}{given_py}{randrange(1, 999)}@{choice(demo.EMAIL_DOMAINS)}" if rand() < 0.3 else ""
                )
                flexible = category in ("professional", "management") and rand() < flexible_share[tier]
                rows.append(
                    (
                        surname + given,
                        "resident_id",
                        make_id(code, self.birth_dates[day], sequence),
                        gender,
                        self.birth_iso[day],
                        "CN",
                        "t" if returnee else "f",
                        degree,
                        school,
                        position,
                        category,
                        tier,
                        "flexible" if flexible else "full_time",
                        industry,
                        choice(self.unit_pools[code]),
                        employer_id,
                        employer_name,
                        demo.mobile(rng),
                        email,
                        landed,
                        "",
                        self.now,
                        self.now,
                    )
                )
            taken = _taken_resident_ids([row[2] for row in rows])
            if taken:
                rows = [row for row in rows if row[2] not in taken]
                skipped += len(taken)
            self.writer.write(Talent, TALENT_FIELDS, rows)
            done += len(rows)
            self.progress("talents", done, count)
        if skipped:
            self.log(f"  skipped {skipped} ID numbers already registered")
        return done

    # -- service requests -----------------------------------------------------------------------------------

    def service_requests(self, count: int, batch: int, talent_ids: Sequence[int]) -> int:
        if not count or not talent_ids:
            return 0
        rng = self.rng
        choice, randrange = rng.choice, rng.randrange
        # After every landing (the last landing day is LAST_LANDING), within the last two years.
        window = max(1, min(700, (self.today - LAST_LANDING).days))
        kinds = [k for k in ServiceRequest.Kind.values]
        statuses = _pool({"submitted": 15, "in_progress": 15, "resolved": 60, "rejected": 10}, 100)
        done = 0
        while done < count:
            size = min(batch, count - done)
            rows: list[Row] = []
            for _ in range(size):
                kind = choice(kinds)
                status = choice(statuses)
                # Most open requests are recent; some are long overdue.
                recent = status in ("submitted", "in_progress") and rng.random() < 0.7
                submitted = self.today - datetime.timedelta(days=randrange(min(window, 14) if recent else window))
                resolved_on, resolution = NULL, ""
                if status in ("resolved", "rejected"):
                    resolved = min(self.today, submitted + datetime.timedelta(days=randrange(1, 46)))
                    resolved_on = resolved.isoformat()
                    resolution = (
                        demo.REQUEST_RESOLUTIONS[kind] if status == "resolved" else choice(demo.REQUEST_REJECTIONS)
                    )
                elif status == "in_progress":
                    resolution = choice(demo.REQUEST_PROGRESS)
                description = choice(demo.REQUEST_DESCRIPTIONS[kind]).format(
                    county="本地", rooms=randrange(1, 4), amount=choice((100, 200, 300, 500))
                )
                rows.append(
                    (
                        str(choice(talent_ids)),
                        kind,
                        status,
                        submitted.isoformat(),
                        resolved_on,
                        description,
                        resolution,
                        self.now,
                        self.now,
                    )
                )
            self.writer.write(ServiceRequest, REQUEST_FIELDS, rows)
            done += size
            self.progress("service requests", done, count)
        return done

    # -- reporting ------------------------------------------------------------------------------------------

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def progress(self, what: str, done: int, total: int) -> None:
        elapsed = self.elapsed()
        self.log(f"  {what}: {done:,}/{total:,}  ({elapsed:,.1f} s)")


def _decode_b31(text: str) -> int:
    value = 0
    for char in text:
        value = value * 31 + validators.CREDIT_CODE_CHARS.index(char)
    return value


def analyze(tables: Iterable[str]) -> None:
    if connection.vendor != "postgresql":
        return
    # VACUUM as autovacuum would soon after a load this size: it marks the pages all-visible, so counts that an
    # index covers read the index alone (outside a transaction only; ANALYZE alone inside one).
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"{command} {connection.ops.quote_name(table)}")


def build(
    *,
    talents: int,
    enterprises: int | None = None,
    service_requests: int | None = None,
    batch: int = 20_000,
    seed: int = 2026,
    writers: int = 1,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Add ``talents`` talents, ``enterprises`` enterprises (default talents/20) with three years of figures, and
    ``service_requests`` requests (default talents/20) on top of whatever is stored."""
    enterprises = max(1, talents // 20) if enterprises is None else enterprises
    service_requests = talents // 20 if service_requests is None else service_requests
    registry = ScaleRegistry(seed=seed, log=log, writers=writers)
    try:
        employers = registry.enterprises(enterprises, batch) if enterprises else {code: [] for code in COUNTY_CODES}
        before = Talent.objects.aggregate(top=Max("pk"))["top"] or 0
        made = registry.talents(talents, batch, employers)
        registry.writer.wait()
        talent_ids = list(Talent.objects.filter(pk__gt=before).values_list("pk", flat=True))
        requests = registry.service_requests(service_requests, batch, talent_ids)
    finally:
        registry.writer.close()
    log(f"  ANALYZE … ({registry.elapsed():,.1f} s)")
    analyze(model._meta.db_table for model in (Enterprise, EnterpriseYear, Talent, ServiceRequest))
    seconds = registry.elapsed()
    return {
        "talents": made,
        "enterprises": enterprises,
        "enterprise_years": enterprises * 3,
        "service_requests": requests,
        "seconds": seconds,
    }
