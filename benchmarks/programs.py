"""Talent programs: one batch of 100 vs 10,000 selections in one run, against Django admin; and the bulk move of
500 publicised selections to selected in one call against 500 calls of one id."""

from __future__ import annotations

import datetime
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from benchmarks.harness import comparison_table, get_ok, median_ms, query_count

if TYPE_CHECKING:
    from programs.models import Batch

T = TypeVar("T")

# The lifecycle as it looks in a batch a year or two on: weights per status, out of 50.
STATUS_WEIGHTS = {
    "applied": 5,
    "screened": 4,
    "reviewed": 4,
    "defended": 3,
    "publicized": 4,
    "selected": 5,
    "landed": 6,
    "midterm_passed": 4,
    "midterm_failed": 2,
    "completed": 3,
    "rejected": 8,
    "exited": 2,
}
STATUS_CYCLE = [status for status, weight in STATUS_WEIGHTS.items() for _ in range(weight)]
AWARDS = (Decimal("50"), Decimal("100"), Decimal("200"), Decimal("300"))
# Tranche statuses (on signing, on landing, after the mid-term review) per selection status.
TRANCHE_STATUSES = {
    "selected": ("approved", "planned", "planned"),
    "landed": ("paid", "approved", "planned"),
    "midterm_passed": ("paid", "paid", "approved"),
    "midterm_failed": ("paid", "paid", "planned"),
    "completed": ("paid", "paid", "paid"),
    "exited": ("paid", "cancelled", "cancelled"),
}
TRANCHE_CONDITIONS = ("on_signing", "on_landing", "midterm_pass")
TRANCHE_SHARES = (Decimal("0.4"), Decimal("0.3"), Decimal("0.3"))
APPLIED_ON = datetime.date(2025, 3, 1)
DECIDED_ON = datetime.date(2025, 6, 1)


def add_selections(batch: Batch, talents: list[tuple[int, int | None]], counties: list[int], start: int) -> int:
    """Selections of ``talents`` (id, employer id) in ``batch``, statuses spread over the lifecycle, with an award
    and three tranches for those selected and later. ``start`` keeps the spread going across calls."""
    from django.utils import timezone

    from programs.models import Selection, Tranche

    today = timezone.localdate()
    rows = []
    for i, (talent_id, employer_id) in enumerate(talents, start):
        status = STATUS_CYCLE[i % len(STATUS_CYCLE)]
        funded = status in TRANCHE_STATUSES
        rows.append(
            Selection(
                batch=batch,
                talent_id=talent_id,
                org_unit_id=counties[i % len(counties)],
                employer_id=employer_id,
                status=status,
                award_amount=AWARDS[i % len(AWARDS)] if funded else None,
                applied_on=APPLIED_ON,
                decided_on=DECIDED_ON if funded or status == "rejected" else None,
                exit_reason="基准测试" if status in ("rejected", "exited") else "",
            )
        )
    made = Selection.objects.bulk_create(rows, batch_size=2000)
    tranches: list[Tranche] = []
    for i, selection in enumerate(made, start):
        if selection.status not in TRANCHE_STATUSES:
            continue
        assert selection.award_amount is not None and selection.pk is not None
        for number, (tranche_status, condition, share) in enumerate(
            zip(TRANCHE_STATUSES[selection.status], TRANCHE_CONDITIONS, TRANCHE_SHARES, strict=True), 1
        ):
            paid = tranche_status == "paid"
            # Open tranches fall due from 100 days ago to 300 days ahead: some overdue, some in the next 90 days.
            planned = DECIDED_ON + datetime.timedelta(days=30 * number) if paid else None
            planned = planned or today + datetime.timedelta(days=(i * 7 + number * 31) % 400 - 100)
            tranches.append(
                Tranche(
                    selection_id=selection.pk,
                    number=number,
                    amount=(selection.award_amount * share).quantize(Decimal("0.01")),
                    condition=condition,
                    planned_on=planned,
                    status=tranche_status,
                    paid_on=planned if paid else None,
                    voucher_no=f"记-{selection.pk}-{number}" if paid else "",
                    cancel_reason="基准测试" if tranche_status == "cancelled" else "",
                )
            )
    Tranche.objects.bulk_create(tranches, batch_size=2000)
    return len(made)


def analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE programs_selection")
            cursor.execute("VACUUM ANALYZE programs_tranche")


def publicized_batch(
    program: Any, ordinal: int, talents: list[tuple[int, int | None]], counties: list[int]
) -> list[int]:
    from programs.models import Batch, Selection

    batch = Batch.objects.create(program=program, ordinal=ordinal, year=2025, status=Batch.Status.REVIEWING)
    made = Selection.objects.bulk_create(
        Selection(
            batch=batch,
            talent_id=talent_id,
            org_unit_id=counties[i % len(counties)],
            employer_id=employer_id,
            status="publicized",
            award_amount=Decimal(50),
            applied_on=APPLIED_ON,
        )
        for i, (talent_id, employer_id) in enumerate(talents)
    )
    return [s.pk for s in made if s.pk is not None]


def timed(fn: Callable[[], T]) -> tuple[T, float, int]:
    """``fn()``, its milliseconds and its queries. The query log is emptied first: outside a request nothing
    empties it, and once it holds 9,000 queries ``CaptureQueriesContext`` counts wrong."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = fn()
        ms = (time.perf_counter() - started) * 1000
    return result, ms, len(queries)


def bench_moves(
    admin: Any, talents: list[tuple[int, int | None]], counties: list[int], moves: int, rounds: int
) -> list[str]:
    """``rounds`` times: a fresh batch of 2 × ``moves`` publicised selections; half move in one call, the other
    half in ``moves`` calls of one id. Medians over the rounds."""
    from programs.models import Program, Selection
    from programs.services import RowResult, selections_transition
    from talentportal.audit.models import Source
    from talentportal.audit.services import Actor
    from talentportal.orgs.models import OrgUnit

    city = OrgUnit.objects.get(code="330400")
    program = Program.objects.create(
        code="BENCH-MOVES", name="基准测试计划（批量）", level="municipal", category="youth", org_unit=city
    )
    actor = Actor(user=admin, source=Source.FORM)

    def move(ids: list[int]) -> list[RowResult]:
        return selections_transition(ids=ids, to="selected", comment="基准测试", actor=actor)

    bulk_ms: list[float] = []
    single_ms: list[float] = []
    bulk_q = single_q = 0
    for ordinal in range(1, rounds + 1):
        ids = publicized_batch(program, ordinal, talents[: 2 * moves], counties)
        analyze()
        together, one_by_one = ids[:moves], ids[moves:]
        results, ms, bulk_q = timed(partial(move, together))
        bulk_ms.append(ms)
        assert all(r.moved for r in results), [r.message for r in results if not r.moved][:3]
        single_q = 0
        started = time.perf_counter()
        for pk in one_by_one:
            (result,), _ms, queries = timed(partial(move, [pk]))
            assert result.moved, result.message
            single_q += queries
        single_ms.append((time.perf_counter() - started) * 1000)
        assert Selection.objects.filter(id__in=ids, status="selected").count() == 2 * moves
    bulk, single = statistics.median(bulk_ms), statistics.median(single_ms)
    return [
        f"| move {moves} publicised → selected (median of {rounds} rounds) | ms | ms per selection | queries |",
        "|---|---|---|---|",
        f"| `selections_transition`, one call of {moves} ids | {bulk:.1f} | {bulk / moves:.2f} | {bulk_q} |",
        f"| {moves} calls of one id | {single:.1f} | {single / moves:.2f} | {single_q} |",
        f"| ratio one by one / one call | {single / bulk:.1f} | | {single_q / bulk_q:.1f} |",
    ]


def bench_programs(
    small: int = 100, large: int = 10_000, moves: int = 500, rounds: int = 3, repeat: int = 15
) -> list[str]:
    from django.db import connection
    from django.test import Client

    from programs.models import Batch, Program, Selection, Tranche
    from talentportal.orgs.demo import COUNTIES, seed_org_units
    from talentportal.orgs.models import Membership, OrgUnit, Role, User
    from talents.models import Talent
    from talents.scale import build

    seed_org_units()
    admin = User.objects.create_superuser("bench-programs", "bench@example.org", "Bench-pass-2026x")
    Membership.objects.create(user=admin, org_unit=OrgUnit.objects.get(code="330400"), role=Role.ADMIN)
    admin = User.objects.select_related("membership__org_unit").get(pk=admin.pk)
    client = Client()
    client.force_login(admin)

    started = time.perf_counter()
    build(talents=max(large, 2 * moves), service_requests=0, log=lambda message: None)
    talents: list[tuple[int, int | None]] = list(Talent.objects.order_by("id").values_list("id", "employer_id"))
    counties = list(
        OrgUnit.objects.filter(code__in=[code for code, _name in COUNTIES])
        .order_by("code")
        .values_list("id", flat=True)
    )
    timings = [f"Talents ({len(talents):,}, `talents.scale.build`): {time.perf_counter() - started:.1f} s"]

    city = OrgUnit.objects.get(code="330400")
    program = Program.objects.create(
        code="BENCH", name="基准测试人才计划", level="municipal", category="innovation", org_unit=city
    )
    batch = Batch.objects.create(program=program, ordinal=1, year=2025, status=Batch.Status.REVIEWING)
    urls = {
        "batch page (pipeline + first 100 rows)": f"/programs/batches/{batch.pk}/",
        "batch page, one stage (`status=publicized`)": f"/programs/batches/{batch.pk}/?tab=pipeline&status=publicized",
        "program page (batches with their figures)": f"/programs/programs/{program.pk}/",
        "funding overview by county": "/programs/funding/?by=county",
        "funding overview by batch": "/programs/funding/?by=batch",
        "API list (`?batch=`)": f"/api/v1/selections/?batch={batch.pk}",
        "Django admin changelist (baseline)": "/django-admin/programs/selection/",
    }
    results: dict[str, dict[int, tuple[float, int]]] = {name: {} for name in urls}
    made = 0
    for size in (small, large):
        started = time.perf_counter()
        made += add_selections(batch, talents[made:size], counties, made)
        analyze()
        selections, tranches = Selection.objects.filter(batch=batch).count(), Tranche.objects.count()
        timings.append(f"{selections:,} selections, {tranches:,} tranches: {time.perf_counter() - started:.1f} s")
        for name, url in urls.items():
            results[name][size] = (median_ms(get_ok(client, url), repeat=repeat), query_count(client, url))

    lines = comparison_table(results, small, large)

    started = time.perf_counter()
    move_lines = bench_moves(admin, talents, counties, moves, rounds)
    timings.append(f"Moves ({rounds} rounds of 2 × {moves}): {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        timings.append("PostgreSQL: `VACUUM ANALYZE` of selections and tranches after each insert.")
    return [*lines, "", *move_lines, "", *(f"- {line}" for line in timings)]
