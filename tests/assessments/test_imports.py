"""The assessment's rosters through ``import_roster``: targets (the office's), entered values (the assessee's) and
reviewers' marks; dry run, apply, re-import, undo, and every row the workflow's rules refuse, with its message."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from assessments import services
from assessments.models import Entry, Mark, Scheme, Target
from talentportal.audit.models import AuditEntry
from talentportal.jobs.importing import services as importing
from talentportal.jobs.models import Import

from .test_scoring import NANHU, XIUZHOU, actor, county_scheme, leaf, opened

pytestmark = pytest.mark.django_db

TARGETS = ["方案编号", "被考核单位", "指标代码", "目标值"]
VALUES = ["方案编号", "被考核单位", "指标代码", "数值", "备注"]
MARKS = ["方案编号", "被考核单位", "指标代码", "评分", "备注"]


def sheet(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def run(path: Path, user: str, kind: str, *flags: str, language: str = "en") -> Import:
    with translation.override(language):
        try:
            call_command("import_roster", kind, str(path), "--user", user, *flags)
        except CommandError:
            pass
    return Import.objects.latest("id")


def problems(imp: Import) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["message"]) for e in imp.errors]


def counts(created: int = 0, updated: int = 0, unchanged: int = 0, errors: int = 0) -> dict[str, int]:
    total = created + updated + unchanged + errors
    return {"rows": total, "created": created, "updated": updated, "unchanged": unchanged, "errors": errors}


def undo(imp: Import) -> Import:
    with translation.override("en"):
        importing.run(imp, importing.UNDO)
    imp.refresh_from_db()
    return imp


@pytest.fixture
def scheme(units, people) -> Scheme:
    scheme = county_scheme(units)
    opened(scheme, people["city_admin"])
    return scheme


def targets_of(scheme: Scheme) -> dict[tuple[str, str], Decimal]:
    return {
        (t.assessee.key, t.indicator.code): t.value
        for t in Target.objects.filter(indicator__scheme=scheme).select_related("assessee", "indicator")
    }


def test_targets_dry_run_apply_reimport_and_undo(tmp_path, scheme, people) -> None:
    rows = [[scheme.pk, "南湖区", "1.1", 10], [scheme.pk, XIUZHOU, "1.1", 12], [scheme.pk, "南湖区", "2.1", 3]]
    path = sheet(tmp_path / "t.xlsx", TARGETS, rows)
    checked = run(path, "city_admin", "assessment_targets")
    assert checked.status == Import.Status.CHECKED and checked.counts == counts(created=3)
    assert targets_of(scheme) == {}

    applied = run(path, "city_admin", "assessment_targets", "--apply")
    assert applied.status == Import.Status.APPLIED
    assert targets_of(scheme) == {(NANHU, "1.1"): 10, (XIUZHOU, "1.1"): 12, (NANHU, "2.1"): 3}
    assert AuditEntry.objects.filter(source="import", job=applied.apply_job).count() == 3

    rows[1][3] = 15
    again = run(sheet(tmp_path / "t2.xlsx", TARGETS, rows), "city_admin", "assessment_targets", "--apply")
    assert again.counts == counts(updated=1, unchanged=2)
    assert targets_of(scheme)[(XIUZHOU, "1.1")] == 15

    undone = undo(again)
    assert undone.status == Import.Status.UNDONE, undone.message
    assert targets_of(scheme)[(XIUZHOU, "1.1")] == 12


def test_target_rows_the_rules_refuse_write_nothing(tmp_path, scheme, units, people) -> None:
    published = county_scheme(units)
    opened(published, people["city_admin"])
    Scheme.objects.filter(pk=published.pk).update(status=Scheme.Status.PUBLISHED)
    published.refresh_from_db()
    rows = [
        [scheme.pk, "南湖区", "1.1", -3],
        [scheme.pk, "南湖区", "1.2", "十个"],
        [scheme.pk, "火星区", "1.1", 5],
        [scheme.pk, "南湖区", "9.9", 5],
        [999999, "南湖区", "1.1", 5],
        [published.pk, "南湖区", "1.1", 5],
        [scheme.pk, "秀洲区", "1.1", 5],
    ]
    path = sheet(tmp_path / "bad.xlsx", TARGETS, rows)
    imp = run(path, "city_admin", "assessment_targets", "--apply")
    assert imp.counts == counts(created=1, errors=6)
    assert problems(imp) == [
        (2, "target value", "Ensure this value is greater than or equal to 0."),
        (3, "target value", "“十个” is not a number."),
        (4, "assessed unit", "“火星区” is not assessed in this scheme."),
        (5, "indicator code", "The scheme has no indicator with code “9.9”."),
        (6, "scheme number", "No assessment scheme numbered “999999” is open to you."),
        (
            7,
            "scheme number",
            f"The scheme “{published}” is Published: it can no longer be changed. An administrator can reopen it.",
        ),
    ]
    assert targets_of(scheme) == {} and Target.objects.count() == 0
    # The same errors, in Chinese for a Chinese reader.
    chinese = {e["row"]: e["messages"]["zh-hans"] for e in imp.errors}
    assert chinese[4] == "“火星区”不是本方案的被考核对象。"


def test_a_county_admin_sets_no_targets(tmp_path, scheme, people) -> None:
    rows = [[scheme.pk, "南湖区", "1.1", 1], [scheme.pk, "秀洲区", "1.1", 1]]
    imp = run(sheet(tmp_path / "t.xlsx", TARGETS, rows), "a_admin", "assessment_targets", "--apply")
    assert imp.counts == counts(errors=2)
    assert {message for _r, _c, message in problems(imp)} == {
        f"Only the assessing office's administrators set the targets of “{scheme}”."
    }
    assert Target.objects.count() == 0


def test_values_entered_by_the_assessee_and_undone(tmp_path, scheme, people) -> None:
    path = sheet(tmp_path / "v.xlsx", VALUES, [[scheme.pk, "南湖区", "2.1", 4, "4 项改革举措"]])
    assert run(path, "a_admin", "assessment_values").counts == counts(created=1)
    assert not Entry.objects.exists()
    imp = run(path, "a_admin", "assessment_values", "--apply")
    assert imp.status == Import.Status.APPLIED
    entry = Entry.objects.get()
    found = (entry.submission.assessee.key, entry.indicator.code, entry.value, entry.note)
    assert found == (NANHU, "2.1", 4, "4 项改革举措")
    assert undo(imp).status == Import.Status.UNDONE and not Entry.objects.exists()


def test_value_rows_the_rules_refuse(tmp_path, scheme, people) -> None:
    rows = [
        [scheme.pk, "秀洲区", "2.1", 4, ""],  # another county's
        [scheme.pk, "南湖区", "1.1", 4, ""],  # a registry metric's line
        [scheme.pk, "南湖区", "2.1", "abc", ""],
    ]
    imp = run(sheet(tmp_path / "v.xlsx", VALUES, rows), "a_admin", "assessment_values", "--apply")
    assert imp.counts == counts(errors=3)
    assert problems(imp) == [
        (2, "assessed unit", "Only the assessee's own editors and administrators fill in its submission."),
        (3, "indicator code", "Indicator 1.1 is not one the assessee enters a value for."),
        (4, "numeric value", "“abc” is not a number."),
    ]
    # Submitted, the submission is closed until a reviewer returns it.
    services.submit(scheme.assessees.get(key=NANHU).submission, actor(people["a_admin"]))
    rows = [[scheme.pk, "南湖区", "2.1", 2, ""]]
    closed = run(sheet(tmp_path / "v2.xlsx", VALUES, rows), "a_admin", "assessment_values", "--apply")
    message = "The submission is Submitted; it can be changed again only if a reviewer returns it."
    assert problems(closed) == [(2, "assessed unit", message)]
    assert not Entry.objects.exists()


def test_marks_are_the_importing_reviewers_own(tmp_path, scheme, people) -> None:
    rows = [[scheme.pk, "南湖区", "1.3", 2.5, "亮点突出"], [scheme.pk, "秀洲区", "1.3", 3, ""]]
    imp = run(sheet(tmp_path / "m.xlsx", MARKS, rows), "city_admin", "assessment_marks", "--apply")
    assert imp.counts == counts(created=2)
    assert {(m.submission.assessee.key, m.points, m.reviewer.username) for m in Mark.objects.all()} == {
        (NANHU, Decimal("2.5"), "city_admin"),
        (XIUZHOU, 3, "city_admin"),
    }
    nanhu = scheme.assessees.get(key=NANHU).submission
    services.save_mark(nanhu, leaf(scheme, "1.3"), Decimal(1), "", actor(people["reviewer"]))
    rows = [
        [scheme.pk, "南湖区", "1.3", 2, ""],  # the importer's own mark again: changed
        [scheme.pk, "秀洲区", "1.3", 4, ""],  # above the 3 points the line is worth
        [scheme.pk, "秀洲区", "1.1", 1, ""],  # a registry metric's line
    ]
    again = run(sheet(tmp_path / "m2.xlsx", MARKS, rows), "city_admin", "assessment_marks", "--apply", "--keep-valid")
    assert again.counts == counts(updated=1, errors=2)
    assert problems(again) == [
        (3, "points awarded", "Give between 0 and 3.00 points."),
        (4, "indicator code", "Indicator 1.1 is not marked by reviewers."),
    ]
    assert sorted(Mark.objects.values_list("points", flat=True)) == [1, 2, 3]  # the other reviewer's untouched
    assert undo(again).status == Import.Status.UNDONE
    assert sorted(Mark.objects.values_list("points", flat=True)) == [1, Decimal("2.5"), 3]
    # A county's admin reviews no city scheme.
    county = run(sheet(tmp_path / "m3.xlsx", MARKS, rows[1:2]), "a_admin", "assessment_marks", "--apply")
    assert problems(county) == [(2, "assessed unit", "Only the scheme's reviewers mark its indicators.")]
