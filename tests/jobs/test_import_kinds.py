"""The roster kinds beyond the registry's own: teams (with their members), residencies, selections, tranches.

Each kind through the command line (dry run, apply, re-import, undo), with its references, its scope, the
records of another county, and the rules of its forms and services, each with the exact message.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from platforms.models import Residency
from programs.models import Selection, SelectionEvent, Tranche
from talentportal.audit.models import AuditEntry
from talentportal.jobs.importing import engine, services
from talentportal.jobs.importing import undo as undoing
from talentportal.jobs.importing.spec import get_spec
from talentportal.jobs.models import Import
from talents.models import Team
from talents.validators import make_resident_id

from ..conftest import choose_language
from ..platforms import factories as platform_factories
from ..programs import factories as program_factories
from ..talents import factories
from .test_imports import run_cli

pytestmark = pytest.mark.django_db

UNKNOWN_ID = make_resident_id("330402", datetime.date(1970, 7, 7), 555)  # a valid number nobody registered


def sheet(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def run(path: Path, user: str, kind: str, *flags: str) -> Import:
    return run_cli(path, user, *flags, kind=kind)


def counts(created: int = 0, updated: int = 0, unchanged: int = 0, errors: int = 0) -> dict[str, int]:
    return {
        "rows": created + updated + unchanged + errors,
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "errors": errors,
    }


def problems(imp: Import) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["message"]) for e in imp.errors]


def undo(imp: Import) -> Import:
    with translation.override("en"):
        services.run(imp, services.UNDO)
    imp.refresh_from_db()
    return imp


def listed(client: Any, people: Any, imp: Import) -> set[int]:
    """The records the kind's list page shows for this import (``?import_job=``)."""
    spec = get_spec(imp.kind)
    assert spec is not None and spec.list_url
    client.force_login(imp.created_by)
    page = client.get(reverse(spec.list_url), {"import_job": imp.pk})
    assert page.status_code == 200
    return {record.pk for record in page.context["page"].object_list}


# -- teams ---------------------------------------------------------------------------------------------------

TEAM_HEADER = ["团队名称", "团队带头人证件号码", "团队成员证件号码", "所属区域", "单位统一社会信用代码", "产业领域"]


@pytest.fixture
def crew(units: Any) -> dict[str, Any]:
    nanhu = units["330402"]
    people = {name: factories.talent(nanhu, name=name) for name in ("带头人甲", "成员乙", "成员丙", "成员丁")}
    company = factories.enterprise(nanhu, name="嘉兴传感科技有限公司")
    old = factories.team(nanhu, people["带头人甲"], name="老团队")
    old.members.set([people["成员乙"]])
    same = factories.team(nanhu, people["成员丁"], name="不变团队", industry="digital")
    same.members.set([people["成员丙"]])
    return {**people, "company": company, "old": old, "same": same}


def team_rows(crew: dict[str, Any]) -> list[list[Any]]:
    lead, b, c, d = (crew[n].id_number for n in ("带头人甲", "成员乙", "成员丙", "成员丁"))
    return [
        ["智能传感创新团队", lead, f"{b}、{c}", "南湖区", crew["company"].credit_code, "数字经济"],
        ["老团队", lead, f"{c}\n{d}", "南湖区", "", "其他"],  # the members change: 乙 leaves, 丙 and 丁 join
        ["不变团队", d, c, "330402", "", "数字经济"],
    ]


def members(team: Team) -> set[str]:
    return set(team.members.values_list("name", flat=True))


def test_teams_dry_run_apply_reimport_undo(tmp_path, people, crew, client) -> None:
    path = sheet(tmp_path / "teams.xlsx", TEAM_HEADER, team_rows(crew))
    checked = run(path, "a_admin", "teams")
    assert checked.status == Import.Status.CHECKED, (checked.message, checked.errors)
    assert checked.counts == counts(created=1, updated=1, unchanged=1)
    assert Team.objects.count() == 2 and members(crew["old"]) == {"成员乙"}  # the dry run wrote nothing
    update = next(p for p in checked.preview if p["action"] == "update")
    b, c, d = (crew[n] for n in ("成员乙", "成员丙", "成员丁"))
    # Named as the team's own history names them (``team_snapshot``): name and id, sorted.
    joined = sorted([f"成员丙 (#{c.pk})", f"成员丁 (#{d.pk})"])
    assert update["changes"] == {"members' ID numbers": [[f"成员乙 (#{b.pk})"], joined]}

    applied = run(path, "a_admin", "teams", "--apply")
    assert applied.status == Import.Status.APPLIED and applied.counts == counts(created=1, updated=1, unchanged=1)
    new = Team.objects.get(name="智能传感创新团队")
    assert (new.leader, new.org_unit.code, new.employer, new.industry) == (
        crew["带头人甲"],
        "330402",
        crew["company"],
        "digital",
    )
    assert members(new) == {"成员乙", "成员丙"}
    assert members(crew["old"]) == {"成员丙", "成员丁"} and members(crew["same"]) == {"成员丙"}
    entry = AuditEntry.objects.get(source="import", action="update")
    assert entry.changes == {"members": [[f"成员乙 (#{b.pk})"], joined]}
    created = AuditEntry.objects.get(source="import", action="create")
    assert created.object_repr == "智能传感创新团队"
    assert created.changes["members"] == [None, sorted([f"成员乙 (#{b.pk})", f"成员丙 (#{c.pk})"])]
    assert listed(client, people, applied) == {new.pk, crew["old"].pk}

    again = run(path, "a_admin", "teams", "--apply")
    assert again.counts == counts(unchanged=3)

    assert undo(applied).status == Import.Status.UNDONE, applied.message
    assert not Team.objects.filter(name="智能传感创新团队").exists()
    assert members(crew["old"]) == {"成员乙"} and members(crew["same"]) == {"成员丙"}
    undone = AuditEntry.objects.filter(action="update").latest("id")
    assert undone.changes == {"members": [sorted([c.pk, d.pk]), [b.pk]]}


def test_team_members_changed_since_block_the_undo(tmp_path, people, crew) -> None:
    applied = run(sheet(tmp_path / "t.xlsx", TEAM_HEADER, team_rows(crew)), "a_admin", "teams", "--apply")
    crew["old"].members.add(crew["成员乙"])  # by a door the audit log did not see
    with translation.override("en"):
        conflicts = undoing.undo(applied)
    assert [c["id"] for c in conflicts] == [crew["old"].pk]
    assert "changed after this import" in applied.message
    assert Team.objects.filter(name="智能传感创新团队").exists()
    assert members(crew["old"]) == {"成员乙", "成员丙", "成员丁"}


def test_team_references_scope_and_other_counties(tmp_path, people, crew, units) -> None:
    xiuzhou = units["330411"]
    outsider = factories.talent(xiuzhou, name="秀洲的人")
    # A team of 秀洲区 led by a 南湖区 talent: same name and leader as a row below.
    theirs = factories.team(xiuzhou, crew["带头人甲"], name="跨区团队", employer=factories.enterprise(xiuzhou))
    theirs.members.set([outsider])
    lead = crew["带头人甲"].id_number
    rows = [
        ["新团队一", UNKNOWN_ID, "", "南湖区", "", ""],
        ["新团队二", lead, f"{crew['成员乙'].id_number}；{UNKNOWN_ID}", "南湖区", "", ""],
        ["新团队三", lead, outsider.id_number, "南湖区", "", ""],
        ["新团队四", lead, "", "秀洲区", "", ""],
        ["跨区团队", lead, crew["成员乙"].id_number, "南湖区", "", ""],
        ["智能传感创新团队", lead, "", "南湖区", "", ""],
        ["智能传感创新团队", lead, "", "南湖区", "", ""],
    ]
    imp = run(sheet(tmp_path / "t.xlsx", TEAM_HEADER, rows), "a_admin", "teams", "--apply")
    assert imp.counts == counts(created=1, errors=6)
    assert problems(imp) == [
        (2, "team leader's ID number", f"No talent with ID number “{UNKNOWN_ID}” is registered; register it first."),
        (3, "members' ID numbers", f"No talent with ID number “{UNKNOWN_ID}” is registered; register it first."),
        (
            4,
            "members' ID numbers",
            f"talent with ID number “{outsider.id_number}” is registered by 秀洲区, outside your scope.",
        ),
        (5, "region", "“秀洲区” is outside your scope; you can import rows of your own units only."),
        (6, "team leader's ID number", "Already registered by 秀洲区; ask them to change it."),
        (8, "team leader's ID number", "Duplicates row 7 of this file (the same team name、team leader's ID number)."),
    ]
    assert "秀洲的人" not in str(imp.errors) + str(imp.preview)
    assert Team.objects.count() == 3  # nothing written: the file had errors
    assert members(theirs) == {"秀洲的人"}


# -- residencies ----------------------------------------------------------------------------------------------

STAY_HEADER = ["平台编号", "证件号码", "统一社会信用代码", "入驻日期", "离开日期"]


@pytest.fixture
def stays(units: Any) -> dict[str, Any]:
    nanhu = units["330402"]
    hub = platform_factories.platform(nanhu, code="NH-INC-01", name="南湖孵化器")
    people = {name: factories.talent(nanhu, name=name) for name in ("住客甲", "住客乙", "住客丙")}
    company = factories.enterprise(nanhu, name="入驻企业")
    open_stay = platform_factories.residency(hub, talent=people["住客乙"], since="2023-01-01")
    closed = platform_factories.residency(hub, talent=people["住客丙"], since="2021-01-01", until="2021-12-31")
    return {**people, "hub": hub, "company": company, "open": open_stay, "closed": closed}


def stay_rows(stays: dict[str, Any]) -> list[list[Any]]:
    return [
        ["NH-INC-01", stays["住客甲"].id_number, "", "2024-03-01", ""],
        ["NH-INC-01", "", stays["company"].credit_code, "2022-05-01", "2023-04-30"],
        ["NH-INC-01", stays["住客乙"].id_number, "", "2023-01-01", "2024-12-31"],  # the stay ends
        ["NH-INC-01", stays["住客丙"].id_number, "", datetime.date(2021, 1, 1), datetime.date(2021, 12, 31)],
    ]


def test_residencies_dry_run_apply_reimport_undo(tmp_path, people, stays, client) -> None:
    path = sheet(tmp_path / "stays.xlsx", STAY_HEADER, stay_rows(stays))
    checked = run(path, "a_admin", "residencies")
    assert checked.status == Import.Status.CHECKED, (checked.message, checked.errors)
    assert checked.counts == counts(created=2, updated=1, unchanged=1)
    assert Residency.objects.count() == 2

    applied = run(path, "a_admin", "residencies", "--apply")
    assert applied.status == Import.Status.APPLIED and applied.counts == checked.counts
    rows = set(Residency.objects.values_list("platform__code", "talent__name", "enterprise__name", "since", "until"))
    assert rows == {
        ("NH-INC-01", "住客甲", None, datetime.date(2024, 3, 1), None),
        ("NH-INC-01", None, "入驻企业", datetime.date(2022, 5, 1), datetime.date(2023, 4, 30)),
        ("NH-INC-01", "住客乙", None, datetime.date(2023, 1, 1), datetime.date(2024, 12, 31)),
        ("NH-INC-01", "住客丙", None, datetime.date(2021, 1, 1), datetime.date(2021, 12, 31)),
    }
    update = AuditEntry.objects.get(source="import", action="update")
    assert (update.object_id, update.changes) == (str(stays["open"].pk), {"until": [None, "2024-12-31"]})
    assert len(listed(client, people, applied)) == 3

    assert run(path, "a_admin", "residencies", "--apply").counts == counts(unchanged=4)

    assert undo(applied).status == Import.Status.UNDONE, applied.message
    assert Residency.objects.count() == 2
    stays["open"].refresh_from_db()
    assert stays["open"].until is None


def test_residency_rules(tmp_path, people, stays) -> None:
    a, b = stays["住客甲"].id_number, stays["住客乙"].id_number
    rows = [
        ["NH-INC-01", a, stays["company"].credit_code, "2024-03-01", ""],
        ["NH-INC-01", "", "", "2024-03-01", ""],
        ["NH-INC-01", a, "", "2024-03-01", "2024-02-01"],
        ["NH-INC-01", b, "", "2024-06-01", ""],  # 住客乙 stays since 2023-01-01, open-ended
        ["NH-INC-01", a, "", "2024-03-01", ""],
        ["NH-INC-01", a, "", "2025-01-01", "2025-06-30"],  # overlaps the row above
        ["NH-INC-01", a, "", "2019-01-01", "2019-12-31"],
    ]
    imp = run(sheet(tmp_path / "s.xlsx", STAY_HEADER, rows), "a_admin", "residencies", "--apply")
    assert imp.counts == counts(created=2, errors=5)
    assert problems(imp) == [
        (2, "ID number", "Choose either a talent or an enterprise, not both."),
        (3, "ID number", "Choose either a talent or an enterprise, not both."),
        (4, "until", "The end date cannot be before the start date."),
        (5, "since", "This resident already stays in this platform from 2023-01-01 to now."),
        (7, "since", "This resident already stays in this platform from 2024-03-01 to now."),
    ]
    assert Residency.objects.count() == 2


def test_residency_overlap_across_batches_is_found_by_the_dry_run_and_the_apply(
    tmp_path, people, stays, monkeypatch
) -> None:
    monkeypatch.setattr(engine, "BATCH", 2)
    a = stays["住客甲"].id_number
    rows = [
        ["NH-INC-01", a, "", "2024-03-01", "2024-12-31"],
        ["NH-INC-01", stays["住客丙"].id_number, "", "2021-01-01", "2021-12-31"],
        ["NH-INC-01", a, "", "2024-06-01", ""],  # the next batch: overlaps the first row
    ]
    path = sheet(tmp_path / "s.xlsx", STAY_HEADER, rows)
    expected = [(4, "since", "This resident already stays in this platform from 2024-03-01 to 2024-12-31.")]
    checked = run(path, "a_admin", "residencies")
    assert problems(checked) == expected
    applied = run(path, "a_admin", "residencies", "--apply", "--keep-valid")
    assert problems(applied) == expected and applied.status == Import.Status.APPLIED
    assert Residency.objects.filter(talent=stays["住客甲"]).count() == 1


def test_residency_references_and_other_counties(tmp_path, people, stays, units) -> None:
    xiuzhou = units["330411"]
    their_hub = platform_factories.platform(xiuzhou, code="XZ-INC-01", name="秀洲孵化器")
    their_talent = factories.talent(xiuzhou, name="秀洲住客")
    platform_factories.residency(their_hub, talent=their_talent, since="2024-01-01")
    rows = [
        ["NOPE-01", stays["住客甲"].id_number, "", "2024-03-01", ""],
        ["NH-INC-01", UNKNOWN_ID, "", "2024-03-01", ""],
        ["NH-INC-01", their_talent.id_number, "", "2024-03-01", ""],
        ["XZ-INC-01", stays["住客甲"].id_number, "", "2024-01-01", ""],
    ]
    imp = run(sheet(tmp_path / "s.xlsx", STAY_HEADER, rows), "a_admin", "residencies")
    assert problems(imp) == [
        (2, "platform code", "No platform with code “NOPE-01” is registered; register it first."),
        (3, "ID number", f"No talent with ID number “{UNKNOWN_ID}” is registered; register it first."),
        (
            4,
            "ID number",
            f"talent with ID number “{their_talent.id_number}” is registered by 秀洲区, outside your scope.",
        ),
        (5, "platform code", "platform with code “XZ-INC-01” is registered by 秀洲区, outside your scope."),
    ]
    assert "秀洲孵化器" not in str(imp.errors) and "秀洲住客" not in str(imp.errors)


# -- selections -----------------------------------------------------------------------------------------------

SELECTION_HEADER = [
    "计划编号", "批次序号", "证件号码", "团队带头人证件号码", "团队名称", "推荐单位", "状态", "资助金额（万元）",
    "申报日期", "决定日期", "原因（未入选或退出）", "备注",
]  # fmt: skip


# Keywords for the headers no Python name can spell.
SELECTION_CELLS = {
    "award": "资助金额（万元）",
    "reason": "原因（未入选或退出）",
    "leader": "团队带头人证件号码",
    "team": "团队名称",
}


def application(talent: Any = None, ordinal: int = 1, **cells: Any) -> list[Any]:
    row = {
        "计划编号": "JX-JYYL",
        "批次序号": ordinal,
        "证件号码": talent.id_number if talent else "",
        "推荐单位": "南湖区",
        "申报日期": "2025-03-10",
        **{SELECTION_CELLS.get(k, k): v for k, v in cells.items()},
    }
    return [row.get(h, "") for h in SELECTION_HEADER]


@pytest.fixture
def program(units: Any) -> dict[str, Any]:
    """The city's program with an open batch 1 and a closed batch 2; applicants of 南湖区."""
    nanhu = units["330402"]
    elite = program_factories.program(units["330400"], code="JX-JYYL", short_name="精英引领计划")
    first = program_factories.batch(elite, 1, status="open")
    second = program_factories.batch(elite, 2, status="closed", year=2024)
    people = {name: factories.talent(nanhu, name=name) for name in ("申报人甲", "申报人乙", "申报人丙", "带头人")}
    crew = factories.team(nanhu, people["带头人"], name="传感团队")
    waiting = program_factories.selection(first, nanhu, talent=people["申报人乙"])
    return {**people, "program": elite, "first": first, "second": second, "crew": crew, "waiting": waiting}


def test_selections_dry_run_apply_reimport_undo(tmp_path, people, program, client) -> None:
    rows = [
        application(program["申报人甲"]),
        application(program["申报人乙"], 申报日期="2025-03-01", 备注="补充了专利材料"),
        application(None, leader=program["带头人"].id_number, team="传感团队"),
    ]
    path = sheet(tmp_path / "applications.xlsx", SELECTION_HEADER, rows)
    checked = run(path, "a_admin", "selections")
    assert checked.status == Import.Status.CHECKED, (checked.message, checked.errors)
    assert checked.counts == counts(created=2, updated=1)

    applied = run(path, "a_admin", "selections", "--apply")
    assert applied.status == Import.Status.APPLIED and applied.counts == checked.counts
    stored = set(
        Selection.objects.values_list(
            "batch__ordinal", "talent__name", "team__name", "org_unit__code", "status", "applied_on", "notes"
        )
    )
    march = datetime.date(2025, 3, 10)
    assert stored == {
        (1, "申报人甲", None, "330402", "applied", march, ""),
        (1, "申报人乙", None, "330402", "applied", datetime.date(2025, 3, 1), "补充了专利材料"),
        (1, None, "传感团队", "330402", "applied", march, ""),
    }
    names = set(AuditEntry.objects.filter(source="import", action="create").values_list("object_repr", flat=True))
    assert names == {"申报人甲 · 精英引领计划 · batch 1", "传感团队 · 精英引领计划 · batch 1"}
    assert len(listed(client, people, applied)) == 3

    assert run(path, "a_admin", "selections", "--apply").counts == counts(unchanged=3)

    assert undo(applied).status == Import.Status.UNDONE, applied.message
    assert list(Selection.objects.values_list("talent__name", "notes")) == [("申报人乙", "")]


def test_the_program_office_enters_selections_further_on(tmp_path, people, program) -> None:
    """A past batch's results, entered by the office that runs the program: the status, decision date, award
    and reason they have reached, each as its status requires."""
    a, b, c = program["申报人甲"], program["申报人乙"], program["申报人丙"]
    past = dict(申报日期="2024-03-01", 决定日期="2024-06-01")
    rows = [
        application(a, 2, 状态="入选", award="100", **past),
        application(c, 2, 状态="未入选", reason="答辩未通过", **past),
        application(program["带头人"], 2, 状态="未入选", **past),
        application(None, 2, 状态="申报", 申报日期="2024-03-01", 决定日期="2024-06-01",
                    leader=program["带头人"].id_number, team="传感团队"),
        application(b, 1, 状态="入选", 申报日期="2025-03-01"),  # stored as an application
    ]  # fmt: skip
    imp = run(sheet(tmp_path / "past.xlsx", SELECTION_HEADER, rows), "city_admin", "selections", "--apply")
    assert problems(imp) == [
        (4, "reason (not selected or exited)", "A selection that is “Not selected” needs its reason."),
        (5, "decided on", "Only a decided selection has a decision date; “Applied” is not decided yet."),
        (
            6,
            "status",
            "The selection is “Applied”: an import does not move it to “Selected”; use the selection's lifecycle "
            "actions.",
        ),
    ]
    assert imp.counts == counts(created=2, errors=3)
    imp = run(sheet(tmp_path / "past.xlsx", SELECTION_HEADER, rows[:2]), "city_admin", "selections", "--apply")
    assert imp.status == Import.Status.APPLIED, imp.errors
    selected = Selection.objects.get(talent=a)
    assert (selected.batch, selected.status, selected.award_amount, selected.decided_on) == (
        program["second"],
        "selected",
        Decimal("100.00"),
        datetime.date(2024, 6, 1),
    )
    rejected = Selection.objects.get(talent=c)
    assert (rejected.status, rejected.exit_reason) == ("rejected", "答辩未通过")
    assert not SelectionEvent.objects.exists()  # entered, not moved: the audit log tells where they came from


def test_application_rules_for_a_county(tmp_path, people, program, units) -> None:
    Selection.objects.filter(pk=program["waiting"].pk).update(status="screened")
    applicants = [factories.talent(units["330402"]) for _n in range(7)]
    a, b, c, d, e, f, g = applicants
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    rows = [
        application(a, 状态="入选"),
        application(b, 2),
        application(c, award="50"),
        application(d, 申报日期=tomorrow),
        application(e, 推荐单位="凤桥镇"),  # a town below the talent's own county
        application(f, leader=program["带头人"].id_number, team="传感团队"),
        application(program["申报人乙"], 申报日期="2025-03-01", 备注="改一下"),  # screened already
        application(g, 申报日期="2025-03-01", 决定日期="2025-02-01"),
    ]
    imp = run(sheet(tmp_path / "county.xlsx", SELECTION_HEADER, rows), "a_admin", "selections")
    assert imp.counts == counts(errors=8)
    assert problems(imp) == [
        (
            2,
            "status",
            "Only the office that runs the program enters selections past the application; a county enters "
            "applications (“Applied”).",
        ),
        (3, "batch", "This batch does not take applications now; only the program's office adds late ones."),
        (4, "award (10k yuan)", "Only the office that runs the program sets the award."),
        (5, "applied on", "An application cannot be dated in the future."),
        (6, "recommending unit", "An applicant is recommended by its own unit or a unit above it."),
        (7, "ID number", "Choose either a talent or a team, not both."),
        (8, "notes", "Only the office that runs the program changes a selection once it is under way."),
        (9, "decided on", "A decision cannot be dated before the application (2025-03-01)."),
    ]
    assert Selection.objects.count() == 1


def test_award_covers_the_planned_tranches(tmp_path, people, program) -> None:
    chosen = program_factories.selected(program["second"], program["申报人甲"].org_unit, talent=program["申报人甲"])
    program_factories.tranche(chosen, 1, amount=Decimal("60"))
    program_factories.tranche(chosen, 2, amount=Decimal("30"), status="cancelled")
    row = application(program["申报人甲"], 2, 状态="入选", award="50", 申报日期="2025-03-01",
                      决定日期="2025-06-01")  # fmt: skip
    imp = run(sheet(tmp_path / "award.xlsx", SELECTION_HEADER, [row]), "city_admin", "selections")
    assert problems(imp) == [
        (2, "award (10k yuan)", "The award cannot be less than the tranches already planned (60.00).")
    ]
    row[SELECTION_HEADER.index("资助金额（万元）")] = "60"
    imp = run(sheet(tmp_path / "award.xlsx", SELECTION_HEADER, [row]), "city_admin", "selections", "--apply")
    assert imp.counts == counts(updated=1)
    chosen.refresh_from_db()
    assert chosen.award_amount == Decimal("60.00")


def test_a_selection_is_entered_as_selected_only_with_its_award(tmp_path, people, program) -> None:
    a, b = program["申报人甲"], program["申报人丙"]
    past = dict(申报日期="2024-03-01", 决定日期="2024-06-01")
    rows = [application(a, 2, 状态="入选", **past), application(b, 2, 状态="落地", award="80", **past)]
    imp = run(sheet(tmp_path / "past.xlsx", SELECTION_HEADER, rows), "city_admin", "selections", "--apply")
    assert problems(imp) == [
        (2, "award (10k yuan)", "A selection that is “Selected” has an award: award (10k yuan) cannot be left empty.")
    ]
    assert list(Selection.objects.filter(batch=program["second"]).values_list("talent__name", flat=True)) == []


def test_selection_references_scope_and_other_counties(tmp_path, people, program, units) -> None:
    xiuzhou = units["330411"]
    theirs = program_factories.program(xiuzhou, code="XZ-QN", short_name="秀洲青年计划")
    program_factories.batch(theirs, 1, status="open")
    moved = factories.talent(units["330402"], name="调入人才")
    # Recommended by 秀洲区 before the talent moved to 南湖区: the selection stays 秀洲区's.
    program_factories.selection(program["first"], xiuzhou, talent=moved, notes="秀洲的备注")
    a = program["申报人甲"]
    rows = [
        application(a, 计划编号="NOPE"),
        application(a, 9),
        application(None, 证件号码=UNKNOWN_ID),
        application(None, leader=program["申报人甲"].id_number, team="传感团队"),
        application(a, 计划编号="XZ-QN"),
        application(a, 推荐单位="秀洲区"),
        application(moved),
    ]
    imp = run(sheet(tmp_path / "refs.xlsx", SELECTION_HEADER, rows), "a_admin", "selections")
    assert problems(imp) == [
        (2, "program code", "No program with code “NOPE” is registered; register it first."),
        (3, "batch number", "精英引领计划 has no batch 9."),
        (4, "ID number", f"No talent with ID number “{UNKNOWN_ID}” is registered; register it first."),
        (5, "team name", "No team “传感团队” led by this talent is registered; register the team first."),
        (6, "program code", "program with code “XZ-QN” is registered by 秀洲区, outside your scope."),
        (7, "recommending unit", "“秀洲区” is outside your scope; you can import rows of your own units only."),
        (8, "ID number", "Already registered by 秀洲区; ask them to change it."),
    ]
    assert "秀洲的备注" not in str(imp.errors) + str(imp.preview)


# -- tranches -------------------------------------------------------------------------------------------------

TRANCHE_HEADER = [
    "计划编号", "批次序号", "证件号码", "拨付序号", "拨付金额（万元）", "拨付条件", "节点", "计划拨付日期", "状态",
    "支付日期", "凭证号", "取消原因",
]  # fmt: skip


def payment(talent: Any, number: int, amount: Any, **cells: Any) -> list[Any]:
    row = {
        "计划编号": "JX-JYYL",
        "批次序号": 1,
        "证件号码": talent.id_number,
        "拨付序号": number,
        "拨付金额（万元）": amount,
        "拨付条件": "签约后拨付",
        **cells,
    }
    return [row.get(h, "") for h in TRANCHE_HEADER]


@pytest.fixture
def funded(program: dict[str, Any]) -> dict[str, Any]:
    """Batch 1's 申报人甲 selected (award 100, one planned tranche of 30), 申报人丙 landed (award 80)."""
    unit = program["申报人甲"].org_unit
    chosen = program_factories.selected(program["first"], unit, talent=program["申报人甲"])
    landed = program_factories.selected(
        program["first"], unit, award="80", status="landed", talent=program["申报人丙"], passed=["landed"]
    )
    planned = program_factories.tranche(chosen, 1, amount=Decimal("30"))
    return {**program, "chosen": chosen, "landed": landed, "planned": planned}


def test_tranches_dry_run_apply_reimport_undo(tmp_path, people, funded, client) -> None:
    a, c = funded["申报人甲"], funded["申报人丙"]
    rows = [
        payment(a, 1, 30, 状态="已审批"),
        payment(a, 2, 40, 计划拨付日期="2026-03-01"),
        payment(c, 1, 20, 拨付条件="落地后拨付", 状态="已支付", 支付日期="2025-07-01", 凭证号="记-2025-001"),
    ]
    path = sheet(tmp_path / "money.xlsx", TRANCHE_HEADER, rows)
    checked = run(path, "city_admin", "tranches")
    assert checked.status == Import.Status.CHECKED, (checked.message, checked.errors)
    assert checked.counts == counts(created=2, updated=1)

    applied = run(path, "city_admin", "tranches", "--apply")
    assert applied.status == Import.Status.APPLIED and applied.counts == checked.counts
    stored = set(
        Tranche.objects.values_list(
            "selection__talent__name", "number", "amount", "condition", "planned_on", "status", "paid_on", "voucher_no"
        )
    )
    assert stored == {
        ("申报人甲", 1, Decimal("30.00"), "on_signing", None, "approved", None, ""),
        ("申报人甲", 2, Decimal("40.00"), "on_signing", datetime.date(2026, 3, 1), "planned", None, ""),
        ("申报人丙", 1, Decimal("20.00"), "on_landing", None, "paid", datetime.date(2025, 7, 1), "记-2025-001"),
    }
    update = AuditEntry.objects.get(source="import", action="update")
    assert (update.object_id, update.changes) == (str(funded["planned"].pk), {"status": ["Planned", "Approved"]})
    assert len(listed(client, people, applied)) == 3

    assert run(path, "city_admin", "tranches", "--apply").counts == counts(unchanged=3)

    assert undo(applied).status == Import.Status.UNDONE, applied.message
    assert list(Tranche.objects.values_list("number", "status")) == [(1, "planned")]


def test_tranche_rules(tmp_path, people, funded, program) -> None:
    a, b, c = funded["申报人甲"], funded["申报人乙"], funded["申报人丙"]
    program_factories.tranche(funded["landed"], 5, amount=Decimal("10"), status="paid", paid_on="2025-07-01",
                              voucher_no="记-1")  # fmt: skip
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    rows = [
        payment(a, 2, 40),
        payment(a, 3, 40),  # 30 + 40 + 40 > 100
        payment(a, 1, 30, 状态="已支付", 支付日期="2025-07-01", 凭证号="记-9"),  # planned, not yet approved
        payment(c, 2, 10, 拨付条件="中期评估通过后拨付", 状态="已审批"),
        payment(c, 3, 10, 状态="已支付", 支付日期="2025-07-01"),
        payment(c, 4, 10, 状态="已支付", 支付日期=tomorrow, 凭证号="记-3"),
        payment(c, 5, 12, 状态="已支付", 支付日期="2025-07-01", 凭证号="记-1"),
        payment(c, 6, 5, 拨付条件="达到节点后拨付"),
        payment(c, 7, 5, 支付日期="2025-07-01"),
        payment(b, 1, 5),  # 申报人乙's selection is an application
    ]
    imp = run(sheet(tmp_path / "rules.xlsx", TRANCHE_HEADER, rows), "city_admin", "tranches")
    assert imp.counts == counts(created=1, errors=9)
    assert problems(imp) == [
        (
            3,
            "amount (10k yuan)",
            "The tranches would add up to 110.00 (10k yuan), more than the award of 100.00; at most 30.00 is left "
            "to plan.",
        ),
        (4, "status", "A tranche is approved before it is paid."),
        (
            5,
            "status",
            "This tranche is due after the mid-term review: it is approved or paid only once the review passed.",
        ),
        (6, "voucher number", "A payment needs its date and its voucher number."),
        (7, "paid on", "The payment date cannot be in the future."),
        (8, "status", "A paid tranche is never changed."),
        (9, "milestone", "Name the milestone a milestone tranche is tied to."),
        (10, "paid on", "A payment date and voucher are recorded when the tranche is paid."),
        (11, "selection", "Tranches are planned for selected talents; this selection is “Applied”."),
    ]


def test_tranche_award_sum_across_batches_of_the_file(tmp_path, people, funded, monkeypatch) -> None:
    monkeypatch.setattr(engine, "BATCH", 2)
    a, c = funded["申报人甲"], funded["申报人丙"]
    rows = [payment(a, 2, 40), payment(c, 1, 20), payment(a, 3, 40)]  # 30 stored + 40 + 40 > 100
    path = sheet(tmp_path / "money.xlsx", TRANCHE_HEADER, rows)
    message = (
        "The tranches would add up to 110.00 (10k yuan), more than the award of 100.00; at most 30.00 is left to plan."
    )
    assert problems(run(path, "city_admin", "tranches")) == [(4, "amount (10k yuan)", message)]
    applied = run(path, "city_admin", "tranches", "--apply", "--keep-valid")
    assert problems(applied) == [(4, "amount (10k yuan)", message)]
    assert funded["chosen"].committed_amount() == Decimal("70.00")


def test_tranche_references_and_who_manages_the_money(tmp_path, people, funded, units) -> None:
    xiuzhou = units["330411"]
    theirs = program_factories.program(xiuzhou, code="XZ-QN", short_name="秀洲青年计划")
    their_batch = program_factories.batch(theirs, 1, status="open")
    their_talent = factories.talent(xiuzhou, name="秀洲人才")
    their_choice = program_factories.selected(their_batch, xiuzhou, award="500", talent=their_talent)
    program_factories.tranche(their_choice, 1, amount=Decimal("321"))
    a = funded["申报人甲"]
    rows = [
        payment(a, 2, 10, 计划编号="NOPE"),
        payment(a, 2, 10, 批次序号=7),
        payment(funded["申报人乙"], 2, 10, 批次序号=2),
        payment(a, 2, 10, 计划编号="XZ-QN"),
    ]
    imp = run(sheet(tmp_path / "refs.xlsx", TRANCHE_HEADER, rows), "city_admin", "tranches")
    assert problems(imp) == [
        (2, "program code", "No program with code “NOPE” is registered; register it first."),
        (3, "batch number", "精英引领计划 has no batch 7."),
        (4, "ID number", "This applicant has no selection in this batch; import the selection before its tranches."),
        (5, "ID number", "This applicant has no selection in this batch; import the selection before its tranches."),
    ]
    # A county sees its talents' selections in the city's program, but the money is the city office's.
    county = run(sheet(tmp_path / "county.xlsx", TRANCHE_HEADER, [payment(a, 2, 10)]), "a_admin", "tranches")
    assert problems(county) == [(2, "ID number", "Only the office that runs the program manages its funding.")]
    # Another county's program: named by its county only, nothing of its tranches shown.
    row = payment(their_talent, 1, 321, 计划编号="XZ-QN")
    other = run(sheet(tmp_path / "other.xlsx", TRANCHE_HEADER, [row]), "a_admin", "tranches")
    assert problems(other) == [
        (2, "program code", "program with code “XZ-QN” is registered by 秀洲区, outside your scope."),
        (
            2,
            "ID number",
            f"talent with ID number “{their_talent.id_number}” is registered by 秀洲区, outside your scope.",
        ),
    ]
    assert "321" not in str(other.errors) + str(other.preview)
    assert Tranche.objects.count() == 2


# -- templates ------------------------------------------------------------------------------------------------

# In English, the source of every header (the Chinese ones are its translations).
TEMPLATE_HEADERS = {
    "teams": [
        "team name*", "team leader's ID number*", "members' ID numbers", "region*", "employer credit code", "industry",
    ],
    "residencies": ["platform code*", "ID number", "unified social credit code", "since*", "until"],
    "selections": [
        "program code*", "batch number*", "ID number", "team leader's ID number", "team name", "recommending unit*",
        "employer credit code", "status", "award (10k yuan)", "applied on*", "decided on",
        "reason (not selected or exited)", "notes",
    ],
    "tranches": [
        "program code*", "batch number*", "ID number", "team leader's ID number", "team name", "tranche number*",
        "amount (10k yuan)*", "condition*", "milestone", "planned for", "status", "paid on", "voucher number",
        "reason for cancelling",
    ],
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(TEMPLATE_HEADERS))
def test_template_downloads_and_reads_back(kind, tmp_path, people, client) -> None:
    client.force_login(people["a_admin"])
    choose_language(client, "en")
    response = client.get(reverse("jobs:import_template", args=[kind]))
    assert response.status_code == 200
    wb = load_workbook(BytesIO(response.content))
    headers = [c.value for c in wb.worksheets[0][1]]
    assert headers == TEMPLATE_HEADERS[kind]
    # Its header is read back column for column (the example row taken out).
    wb.worksheets[0].delete_rows(2)
    path = tmp_path / f"{kind}.xlsx"
    wb.save(path)
    imp = run(path, "a_admin", kind)
    assert imp.status == Import.Status.CHECKED, imp.message
    assert imp.columns["unknown"] == [] and len(imp.columns["mapped"]) == len(headers)


# -- in bulk -------------------------------------------------------------------------------------------------


def _team_file(units: Any, size: int) -> tuple[str, list[str], list[list[Any]]]:
    nanhu = units["330402"]
    member = factories.talent(nanhu)
    rows = []
    for n in range(size):
        lead = factories.talent(nanhu)
        if n % 2:  # half of them stored already, with other members
            factories.team(nanhu, lead, name=f"团队{size}-{n}")
        rows.append([f"团队{size}-{n}", lead.id_number, member.id_number, "南湖区", "", ""])
    return "teams", TEAM_HEADER, rows


def _stay_file(units: Any, size: int) -> tuple[str, list[str], list[list[Any]]]:
    nanhu = units["330402"]
    hub = platform_factories.platform(nanhu)
    rows = []
    for n in range(size):
        guest = factories.talent(nanhu)
        if n % 2:
            platform_factories.residency(hub, talent=guest, since="2023-01-01")
        rows.append([hub.code, guest.id_number, "", "2023-01-01", "2024-12-31"])
    return "residencies", STAY_HEADER, rows


def _selection_file(units: Any, size: int) -> tuple[str, list[str], list[list[Any]]]:
    nanhu = units["330402"]
    owner = program_factories.program(units["330400"], code=f"JX-{size}")
    batch = program_factories.batch(owner, 1, status="open")
    rows = []
    for n in range(size):
        applicant = factories.talent(nanhu)
        if n % 2:
            program_factories.selection(batch, nanhu, talent=applicant)
        rows.append(application(applicant, 计划编号=owner.code, 申报日期="2025-03-01", 备注="补充材料"))
    return "selections", SELECTION_HEADER, rows


def _tranche_file(units: Any, size: int) -> tuple[str, list[str], list[list[Any]]]:
    nanhu = units["330402"]
    owner = program_factories.program(units["330400"], code=f"JX-{size}")
    batch = program_factories.batch(owner, 1)
    rows = []
    for n in range(size):
        applicant = factories.talent(nanhu)
        chosen = program_factories.selected(batch, nanhu, talent=applicant)
        if n % 2:
            program_factories.tranche(chosen, 1)
        rows.append(payment(applicant, 1, 30, 计划编号=owner.code, 状态="已审批"))
    return "tranches", TRANCHE_HEADER, rows


@pytest.mark.parametrize("make", [_team_file, _stay_file, _selection_file, _tranche_file])
def test_queries_do_not_grow_with_the_rows(make, tmp_path, people, units) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    spent = []
    for size in (2, 12):
        kind, header, rows = make(units, size)
        path = sheet(tmp_path / f"{kind}-{size}.xlsx", header, rows)
        for flags in ((), ("--apply",)):
            ContentType.objects.clear_cache()  # each run looks its types up once, whatever ran before it
            with CaptureQueriesContext(connection) as queries:
                imp = run(path, "city_admin", kind, *flags)
            assert imp.counts["errors"] == 0, imp.errors
            spent.append(len(queries))
    small_check, small_apply, large_check, large_apply = spent
    assert (large_check, large_apply) == (small_check, small_apply)


def test_api_imports_a_team_roster_and_undoes_it(tmp_path, people, crew, api_client) -> None:
    path = sheet(tmp_path / "teams.xlsx", TEAM_HEADER, team_rows(crew))
    api_client.force_authenticate(people["a_admin"])
    with path.open("rb") as stream:
        response = api_client.post("/api/v1/imports/", {"kind": "teams", "file": stream}, format="multipart")
    assert response.status_code == 202, response.content
    imp = Import.objects.get(pk=response.json()["id"])
    services.run(imp, services.CHECK)
    assert api_client.get(f"/api/v1/imports/{imp.pk}/").json()["counts"] == counts(created=1, updated=1, unchanged=1)
    assert api_client.post(f"/api/v1/imports/{imp.pk}/apply/").status_code == 202
    imp.refresh_from_db()
    services.run(imp, services.APPLY)
    assert members(crew["old"]) == {"成员丙", "成员丁"}
    assert api_client.post(f"/api/v1/imports/{imp.pk}/undo/").status_code == 202
    imp.refresh_from_db()
    services.run(imp, services.UNDO)
    assert members(crew["old"]) == {"成员乙"} and Team.objects.count() == 2
