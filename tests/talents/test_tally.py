"""The talent tally equals a grouped count of the talent table after every kind of write: one record by the ORM,
a statement over many rows, a bulk insert, a bulk upsert, an import applied and undone, deletes; on SQLite and on
PostgreSQL (CI), whose triggers differ (per row and per statement)."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.db.models.functions import ExtractYear

from talentportal import metrics
from talentportal.jobs.importing.undo import undo
from talents import tally
from talents.models import Talent, TalentTally

from ..jobs.test_imports import roster, run_cli
from . import factories

pytestmark = pytest.mark.django_db

Key = tuple[int, int, str, str, str]


def counted() -> Counter[Key]:
    rows = (
        Talent.objects.exclude(landed_on=None)
        .annotate(year=ExtractYear("landed_on"))
        .values_list("org_unit_id", "year", "tier", "category", "recruitment_mode")
        .annotate(n=Count("id"))
        .order_by()
    )
    return Counter({(u, y, t, c, m): n for u, y, t, c, m, n in rows})


def tallied() -> Counter[Key]:
    rows = TalentTally.objects.values_list("org_unit_id", "year", "tier", "category", "recruitment_mode", "n")
    return Counter({(u, y, t, c, m): n for u, y, t, c, m, n in rows})


def assert_tally_is_the_count() -> None:
    assert tallied() == counted()
    assert not TalentTally.objects.filter(n__lte=0).exists()


def test_single_writes(units: Any) -> None:
    nanhu, xiuzhou = units["330402"], units["330411"]
    one = factories.talent(nanhu, landed_on=datetime.date(2025, 3, 1))
    two = factories.talent(nanhu, landed_on=datetime.date(2025, 7, 1), tier="youth")
    factories.talent(nanhu)  # not landed: not counted
    assert tallied() == Counter({
        (nanhu.pk, 2025, "municipal_leading", "professional", "full_time"): 1,
        (nanhu.pk, 2025, "youth", "professional", "full_time"): 1,
    })  # fmt: skip
    one.tier = "youth"
    one.save()
    assert_tally_is_the_count()
    two.org_unit = xiuzhou
    two.landed_on = datetime.date(2024, 12, 31)
    two.save()
    assert_tally_is_the_count()
    one.landed_on = None
    one.save()
    assert_tally_is_the_count()
    two.name = "改名不改计数"
    two.save()
    assert_tally_is_the_count()
    two.delete()
    assert_tally_is_the_count()
    assert TalentTally.objects.count() == 0


def test_statements_over_many_rows(units: Any) -> None:
    nanhu, xiuzhou = units["330402"], units["330411"]
    for day in range(1, 11):
        factories.talent(nanhu if day % 2 else xiuzhou, landed_on=datetime.date(2024 + day % 3, 1, day))
    Talent.objects.filter(org_unit=nanhu).update(tier="top", recruitment_mode="flexible")
    assert_tally_is_the_count()
    Talent.objects.filter(landed_on__year=2025).update(landed_on=datetime.date(2023, 5, 5))
    assert_tally_is_the_count()
    Talent.objects.filter(org_unit=xiuzhou).delete()
    assert_tally_is_the_count()
    Talent.objects.all().delete()
    assert TalentTally.objects.count() == 0


def test_bulk_insert_and_upsert(units: Any) -> None:
    nanhu = units["330402"]
    made = [factories.talent(nanhu, landed_on=datetime.date(2025, 1, 1)) for _ in range(3)]
    fresh = [
        Talent(name=f"批量{i}", id_type="resident_id", id_number=factories.resident_id(), category="skilled",
               tier="youth", org_unit=nanhu, landed_on=datetime.date(2026, 2, i + 1))
        for i in range(4)
    ]  # fmt: skip
    Talent.objects.bulk_create(fresh)
    assert_tally_is_the_count()
    for talent in made:
        talent.tier = "top"
    again = [*made, Talent(name="新增", id_type="resident_id", id_number=factories.resident_id(), category="rural",
                           tier="other", org_unit=nanhu, landed_on=datetime.date(2026, 5, 5))]  # fmt: skip
    Talent.objects.bulk_create(
        again, update_conflicts=True, unique_fields=["id_type", "id_number"], update_fields=["tier"]
    )
    assert_tally_is_the_count()
    assert tallied()[(nanhu.pk, 2025, "top", "professional", "full_time")] == 3


def test_an_import_applied_and_undone(tmp_path, people: Any, units: Any) -> None:
    header = ["姓名", "证件号码", "人才类别", "人才层次", "所属区域", "落地日期"]
    existing = factories.talent(units["330402"], landed_on=datetime.date(2025, 11, 4))
    rows = [[existing.name, existing.id_number, "专业技术人才", "青年人才", "秀洲区", "2024-01-02"]]
    rows += [
        [f"导入{i}", factories.resident_id(), "高技能人才", "其他", "南湖区", f"2026-03-0{i + 1}"] for i in range(5)
    ]
    imp = run_cli(roster(tmp_path / "r.xlsx", rows, header=header), "city_admin", "--apply")
    assert imp.counts["errors"] == 0, imp.counts
    assert imp.counts["created"] == 5 and imp.counts["updated"] == 1
    assert_tally_is_the_count()
    assert undo(imp) == []
    assert_tally_is_the_count()
    assert Talent.objects.count() == 1


def test_the_landed_metric_reads_the_tally_and_agrees_with_the_registry(units: Any) -> None:
    city, nanhu = units["330400"], units["330402"]
    for tier in ("top", "youth", "youth"):
        factories.talent(nanhu, tier=tier, landed_on=datetime.date(2025, 6, 1))
    factories.talent(nanhu, tier="top", landed_on=datetime.date(2024, 6, 1))
    subjects = [metrics.Subject(u.pk, metrics.ORG_UNIT, u.pk, u.path, u.code) for u in (city, nanhu)]
    youth, everyone = metrics.values_many("talents.landed", subjects, 2025, [{"tier": ["youth"]}, {}])
    assert youth == {city.pk: 2, nanhu.pk: 2}
    assert everyone == {city.pk: 3, nanhu.pk: 3}
    TalentTally.objects.all().delete()  # the metric counts the tally, not the registry
    assert metrics.values("talents.landed", subjects, 2025, {}) == {city.pk: 0, nanhu.pk: 0}
    call_command("rebuild_tally", verbosity=0)
    assert metrics.values("talents.landed", subjects, 2025, {}) == {city.pk: 3, nanhu.pk: 3}


def test_rebuild_recounts(units: Any) -> None:
    factories.talent(units["330402"], landed_on=datetime.date(2025, 1, 1))
    TalentTally.objects.update(n=99)
    tally.rebuild(connection)
    assert_tally_is_the_count()


def test_a_request_keeps_its_talent_s_unit_and_is_counted_by_it(units: Any) -> None:
    from talents.models import ServiceRequest

    nanhu, xiuzhou, city = units["330402"], units["330411"], units["330400"]
    one, two = factories.talent(nanhu), factories.talent(nanhu)
    made = factories.service_request(one)
    ServiceRequest.objects.bulk_create(
        [ServiceRequest(talent=two, kind="housing", submitted_on=datetime.date(2026, 1, 5)) for _ in range(3)]
    )

    def units_kept() -> dict[int, int | None]:
        return dict(ServiceRequest.objects.values_list("id", "talent_unit_id"))

    def units_of_talents() -> dict[int, int]:
        return dict(ServiceRequest.objects.values_list("id", "talent__org_unit_id"))

    assert units_kept() == units_of_talents() and set(units_kept().values()) == {nanhu.pk}
    two.org_unit = xiuzhou
    two.save()  # the talent moves: its requests follow
    assert units_kept() == units_of_talents()
    Talent.objects.filter(pk=one.pk).update(org_unit=xiuzhou)
    assert units_kept() == units_of_talents() and set(units_kept().values()) == {xiuzhou.pk}
    made.talent = factories.talent(nanhu)
    made.save()  # a request moved to another talent, saved whole (its stale copy written back) is corrected
    assert units_kept() == units_of_talents()
    subjects = [metrics.Subject(u.pk, metrics.ORG_UNIT, u.pk, u.path, u.code) for u in (city, nanhu, xiuzhou)]
    opened = metrics.values("talents.requests_open", subjects, 2026, {})
    assert opened == {city.pk: 4, nanhu.pk: 1, xiuzhou.pk: 3}
    if connection.vendor == "postgresql":  # SQLite cannot switch a trigger off, so it cannot lose the copy either
        with connection.cursor() as cursor:  # as after a load with the triggers disabled
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending before the ALTER
            cursor.execute("ALTER TABLE talents_servicerequest DISABLE TRIGGER talents_request_unit")
            cursor.execute("UPDATE talents_servicerequest SET talent_unit_id = NULL")
            cursor.execute("ALTER TABLE talents_servicerequest ENABLE TRIGGER talents_request_unit")
        assert set(units_kept().values()) == {None}
        call_command("rebuild_tally", verbosity=0)
        assert units_kept() == units_of_talents()
