"""Roster imports through their doors: the command line, the pages and the API; dry run, apply, undo, scope.

The engine runs in this process for the command line (``import_roster`` runs the import itself). Pages and API
only enqueue; a real worker carries the jobs out in ``test_import_worker``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from talentportal.audit.models import AuditEntry
from talentportal.jobs.importing import services
from talentportal.jobs.models import Import
from talents.models import Enterprise, Talent
from talents.validators import make_credit_code, make_resident_id

from ..talents import factories

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "证件号码", "人才类别", "人才层次", "所属区域", "出生日期", "落地日期"]


def person(sequence: int, unit: str = "南湖区", **changes: Any) -> list[Any]:
    birth = datetime.date(1980, 1, 1) + datetime.timedelta(days=sequence)
    row = {
        "姓名": f"人才{sequence}",
        "证件号码": make_resident_id("330402", birth, sequence % 999 + 1),
        "人才类别": "专业技术人才",
        "人才层次": "市级领军人才",
        "所属区域": unit,
        "出生日期": birth,
        "落地日期": "2024/3/1",
    }
    row.update(changes)
    return [row[h] for h in HEADER]


def roster(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["南湖区高层次人才名册"])  # a title row above the header, as counties send them
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def run_cli(path: Path, user: str, *flags: str, kind: str = "talents") -> Import:
    with translation.override("en"):
        try:
            call_command("import_roster", kind, str(path), "--user", user, *flags)
        except CommandError:
            pass
    return Import.objects.latest("id")


def test_dry_run_reports_and_writes_nothing(tmp_path, people) -> None:
    path = roster(tmp_path / "r.xlsx", [person(i) for i in range(5)] + [person(9, 证件号码="330402198001011234")])
    imp = run_cli(path, "a_admin")
    assert imp.status == Import.Status.CHECKED
    assert imp.counts == {"rows": 6, "created": 5, "updated": 0, "unchanged": 0, "errors": 1}
    assert [(e["row"], e["column"]) for e in imp.errors] == [(8, "ID number")]
    assert imp.errors[0]["value"] == "330402198001011234"
    assert Talent.objects.count() == 0 and not AuditEntry.objects.filter(source="import").exists()
    assert imp.preview[0]["action"] == "create" and imp.columns["header_row"] == 2
    # The error report: the header and the rows with errors, a column saying where and what, the bad cell filled.
    report = load_workbook(imp.error_report.path)
    sheet = report.active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[0][:7] == tuple(HEADER) and rows[0][7] == "What is wrong"
    assert rows[1][1] == "330402198001011234"
    assert rows[1][7].startswith("Row 8: ID number：The check digit should be 6")
    assert sheet.cell(row=2, column=2).fill.fgColor.rgb.endswith("FFC7CE")
    # Fixed, the report goes in again: its extra column is no unknown column.
    sheet.cell(row=2, column=2).value = person(9)[1]
    report.save(tmp_path / "fixed.xlsx")
    fixed = run_cli(tmp_path / "fixed.xlsx", "a_admin")
    assert fixed.counts == {"rows": 1, "created": 1, "updated": 0, "unchanged": 0, "errors": 0}
    assert fixed.columns["unknown"] == []


def test_apply_is_all_or_nothing_unless_valid_rows_are_kept(tmp_path, people) -> None:
    path = roster(tmp_path / "r.xlsx", [person(1), person(2, 人才类别="外星人才")])
    imp = run_cli(path, "a_admin", "--apply")
    assert imp.status == Import.Status.CHECKED and Talent.objects.count() == 0
    assert imp.errors[0]["message"].startswith("“外星人才” is not one of: 党政人才、经营管理人才、专业技术人才")
    imp = run_cli(path, "a_admin", "--apply", "--keep-valid")
    assert imp.status == Import.Status.APPLIED
    assert list(Talent.objects.values_list("name", flat=True)) == ["人才1"]
    stored = Talent.objects.get()
    assert stored.landed_on == datetime.date(2024, 3, 1) and stored.org_unit.code == "330402"
    entry = AuditEntry.objects.get(source="import")
    assert (entry.job_id, entry.object_id, entry.action) == (imp.apply_job_id, str(stored.pk), "create")
    assert imp.apply_job_id is not None


def test_reimport_updates_only_what_changed_and_undo_restores(tmp_path, people, units) -> None:
    first = run_cli(roster(tmp_path / "a.xlsx", [person(1), person(2)]), "a_admin", "--apply")
    assert first.counts["created"] == 2
    changed = roster(tmp_path / "b.xlsx", [person(1, 人才层次="青年人才"), person(2), person(3)])
    second = run_cli(changed, "a_admin", "--apply")
    assert second.counts == {"rows": 3, "created": 1, "updated": 1, "unchanged": 1, "errors": 0}
    assert Talent.objects.get(name="人才1").tier == "youth"
    update = AuditEntry.objects.get(action="update", source="import")
    assert update.changes == {"tier": ["Municipal leading talent", "Young talent"]}

    from talentportal.jobs.importing.undo import undo

    assert undo(second) == []
    assert second.status == Import.Status.UNDONE
    assert Talent.objects.get(name="人才1").tier == "municipal_leading"
    assert not Talent.objects.filter(name="人才3").exists()
    assert Talent.objects.count() == 2


def test_undo_refuses_when_rows_changed_since(tmp_path, people, client) -> None:
    imp = run_cli(roster(tmp_path / "a.xlsx", [person(1), person(2)]), "a_admin", "--apply")
    talent = Talent.objects.get(name="人才1")
    client.force_login(people["a_editor"])
    from talentportal.audit.models import Source
    from talentportal.audit.services import Actor, record_change, snapshot

    before = snapshot(talent)
    talent.notes = "changed by hand after the import"
    talent.save()
    record_change(Actor(user=people["a_editor"], source=Source.FORM), talent, before, snapshot(talent))
    from talentportal.jobs.importing.undo import undo

    with translation.override("en"):
        conflicts = undo(imp)
    assert [c["id"] for c in conflicts] == [talent.pk]
    imp.refresh_from_db()
    assert imp.status == Import.Status.APPLIED and "changed after this import" in imp.message
    assert Talent.objects.count() == 2


def test_round_trip_export_then_import_changes_nothing(tmp_path, people, units, client) -> None:
    employer = Enterprise.objects.create(
        name="嘉兴往返科技有限公司", credit_code=make_credit_code("91330402MA2B3C4D5"), org_unit=units["330402"]
    )
    factories.talent(units["330402"], employer=employer, landed_on=datetime.date(2023, 5, 1))
    factories.talent(units["330402"], employer_name="嘉兴学院", gender="female", birth_date=datetime.date(1990, 2, 3))
    client.force_login(people["a_admin"])
    export = client.get(reverse("talents:talent_export"), {"reveal": "true"})
    assert export.status_code == 200
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"".join(export.streaming_content) if export.streaming else export.content)
    imp = run_cli(path, "a_admin", "--apply")
    assert imp.counts["errors"] == 0, imp.errors
    assert imp.counts["unchanged"] == 2 and imp.counts["updated"] == 0 and imp.counts["created"] == 0


def test_county_admin_cannot_import_for_another_county(tmp_path, people, units) -> None:
    other = factories.talent(units["330411"], name="秀洲的人")
    rows = [person(1, unit="秀洲区"), person(2, 证件号码=other.id_number, 出生日期=other.birth_date)]
    imp = run_cli(roster(tmp_path / "r.xlsx", rows), "a_admin", "--apply")
    messages = [e["message"] for e in imp.errors]
    assert "outside your scope" in messages[0]
    assert "秀洲区" in messages[1] and "秀洲的人" not in " ".join(messages)
    assert Talent.objects.count() == 1 and Talent.objects.get().name == "秀洲的人"


def test_only_admins_import(tmp_path, people) -> None:
    path = roster(tmp_path / "r.xlsx", [person(1)])
    for persona in ("a_editor", "a_viewer", "reviewer", "b_editor"):
        with pytest.raises(CommandError, match="administrators"):
            call_command("import_roster", "talents", str(path), "--user", persona)
    assert not Import.objects.exists()


def test_enterprises_and_their_years(tmp_path, people) -> None:
    code = make_credit_code("91330402MA2B3C4D5")
    wb = Workbook()
    ws = wb.active
    ws.append(["企业名称", "统一社会信用代码", "所属区域", "注册资本（万元）", "是否人才企业"])
    ws.append(["嘉兴导入科技有限公司", code, "330402", "1,234.50", "是"])
    wb.save(tmp_path / "e.xlsx")
    imp = run_cli(tmp_path / "e.xlsx", "a_admin", "--apply", kind="enterprises")
    assert imp.status == Import.Status.APPLIED, (imp.message, imp.errors, imp.columns)
    enterprise = Enterprise.objects.get(credit_code=code)
    assert enterprise.registered_capital == Decimal("1234.50")
    wb = Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "年份", "营业收入（万元）", "员工人数"])
    ws.append([code, 2025, 5200, 120])
    wb.save(tmp_path / "y.xlsx")
    imp = run_cli(tmp_path / "y.xlsx", "a_admin", "--apply", kind="enterprise_years")
    assert imp.status == Import.Status.APPLIED, (imp.message, imp.errors, imp.columns)
    assert enterprise.years.get(year=2025).revenue == Decimal("5200.00")


# -- pages -------------------------------------------------------------------------------------------------


def upload(client: Any, path: Path, kind: str = "talents", **extra: Any) -> Any:
    with path.open("rb") as stream:
        return client.post(reverse("jobs:import_new"), {"kind": kind, "file": stream, **extra})


@pytest.mark.parametrize(
    ("persona", "answer"),
    [("city_admin", 302), ("a_admin", 302), ("a_editor", 403), ("a_viewer", 403), ("reviewer", 403), (None, 302)],
)
def test_who_may_upload(persona, answer, tmp_path, people, client) -> None:
    if persona:
        client.force_login(people[persona])
    response = upload(client, roster(tmp_path / "r.xlsx", [person(1)]))
    assert response.status_code == answer
    assert Import.objects.exists() == (answer == 302 and persona is not None)
    for name in ("jobs:import_list", "jobs:import_new"):
        page = client.get(reverse(name))
        assert page.status_code == (200 if answer == 302 and persona else answer)


def test_import_pages_scope_their_records(tmp_path, people, client) -> None:
    client.force_login(people["a_admin"])
    upload(client, roster(tmp_path / "r.xlsx", [person(1)]))
    imp = Import.objects.get()
    assert imp.status == Import.Status.CHECKING and imp.job is not None  # only queued: the worker checks it
    services.run(imp, services.CHECK)
    page = client.get(imp.get_absolute_url())
    assert page.status_code == 200 and 'id="apply-button"' in page.content.decode()
    assert "r.xlsx" in client.get(reverse("jobs:import_list")).content.decode()
    for outsider in ("b_editor", "a_editor"):
        client.force_login(people[outsider])
        assert client.get(imp.get_absolute_url()).status_code in (403, 404)
    client.force_login(people["city_admin"])
    assert client.get(imp.get_absolute_url()).status_code == 200
    client.force_login(people["a_admin"])
    client.post(reverse("jobs:import_apply", args=[imp.pk]))
    imp.refresh_from_db()
    assert imp.status == Import.Status.APPLYING
    services.run(imp, services.APPLY)
    imp.refresh_from_db()
    assert imp.status == Import.Status.APPLIED
    listed = client.get(reverse("talents:talent_list"), {"import_job": imp.pk})
    assert [t.name for t in listed.context["page"].object_list] == ["人才1"]


def test_refused_upload_says_why_and_stores_nothing(people, client) -> None:
    client.force_login(people["a_admin"])
    bad = SimpleUploadedFile("名单.pdf", b"%PDF-1.4 not a roster")
    with translation.override("en"):
        response = client.post(reverse("jobs:import_new"), {"kind": "talents", "file": bad}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert not Import.objects.exists()


def test_template_has_headers_lists_and_instructions(people, client) -> None:
    client.force_login(people["a_admin"])
    response = client.get(reverse("jobs:import_template", args=["talents"]))
    assert response.status_code == 200
    wb = load_workbook(BytesIO(response.content))
    sheet = wb.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert "姓名*" in headers and "证件号码*" in headers and "所属区域*" in headers
    id_column = headers.index("证件号码*") + 1
    assert sheet.cell(row=2, column=id_column).number_format == "@"
    assert sheet.data_validations.dataValidation, "choice columns have drop-down lists"
    assert len(wb.worksheets) == 3 and wb.worksheets[1].max_row > 5
    # A filled-in template imports (its example row is a valid record).
    client.force_login(people["a_editor"])
    assert client.get(reverse("jobs:import_template", args=["talents"])).status_code == 403


# -- API ---------------------------------------------------------------------------------------------------


def test_undo_refuses_when_records_added_since_would_go_with_the_rows(tmp_path, people) -> None:
    """Yearly figures entered for an imported enterprise would be deleted with it: undo lists that and waits."""
    from talentportal.jobs.importing.undo import undo
    from talents.models import EnterpriseYear

    code = make_credit_code("91330402MA0000001")
    header = ["企业名称", "统一社会信用代码", "所属区域"]
    imp = run_cli(
        roster(tmp_path / "e.xlsx", [["嘉兴某科技有限公司", code, "南湖区"]], header),
        "a_admin",
        "--apply",
        kind="enterprises",
    )
    assert imp.status == Import.Status.APPLIED
    years = run_cli(
        roster(tmp_path / "y.xlsx", [[code, 2025, 5200]], ["统一社会信用代码", "年度", "营业收入（万元）"]),
        "a_admin",
        "--apply",
        kind="enterprise_years",
    )
    assert years.status == Import.Status.APPLIED, years.errors
    with translation.override("en"):
        conflicts = undo(imp)
    imp.refresh_from_db()
    assert imp.status == Import.Status.APPLIED
    assert imp.message == (
        "Not undone: 1 other record now refers to rows this import created (for example "
        f"{EnterpriseYear.objects.get()}). Nothing was changed."
    )
    assert conflicts == [{"id": None, "record": imp.message}]
    assert Enterprise.objects.count() == EnterpriseYear.objects.count() == 1
    # Once the figures' own import is undone, the enterprises' goes through.
    assert undo(years) == [] and undo(imp) == []
    assert Enterprise.objects.count() == 0


def test_api_upload_apply_undo(tmp_path, people, api_client) -> None:
    path = roster(tmp_path / "r.xlsx", [person(1), person(2)])
    api_client.force_authenticate(people["a_editor"])
    with path.open("rb") as stream:
        assert api_client.post("/api/v1/imports/", {"kind": "talents", "file": stream}).status_code == 403
    api_client.force_authenticate(people["a_admin"])
    with path.open("rb") as stream:
        response = api_client.post("/api/v1/imports/", {"kind": "talents", "file": stream}, format="multipart")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "checking" and body["job"]["id"]
    imp = Import.objects.get(pk=body["id"])
    services.run(imp, services.CHECK)
    detail = api_client.get(f"/api/v1/imports/{imp.pk}/").json()
    assert detail["counts"] == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0, "errors": 0}
    assert api_client.post(f"/api/v1/imports/{imp.pk}/undo/").status_code == 409
    assert api_client.post(f"/api/v1/imports/{imp.pk}/apply/").status_code == 202
    imp.refresh_from_db()
    services.run(imp, services.APPLY)
    assert Talent.objects.count() == 2
    assert api_client.post(f"/api/v1/imports/{imp.pk}/apply/").status_code == 409
    Talent.objects.filter(name="人才1").update(tier="youth")  # a change the audit log did not see
    conflict = api_client.post(f"/api/v1/imports/{imp.pk}/undo/")
    assert conflict.status_code == 409 and len(conflict.json()["conflicts"]) == 1
    Talent.objects.filter(name="人才1").update(tier="municipal_leading")
    assert api_client.post(f"/api/v1/imports/{imp.pk}/undo/").status_code == 202
    imp.refresh_from_db()
    services.run(imp, services.UNDO)
    assert Talent.objects.count() == 0
    for outsider in ("b_editor", "a_viewer"):
        api_client.force_authenticate(people[outsider])
        assert api_client.get(f"/api/v1/imports/{imp.pk}/").status_code == 404


def test_the_web_process_only_stores_the_file(tmp_path, people, api_client, client) -> None:
    """Reading is the worker's: a file that cannot be read is still accepted by the upload (and refused by the
    check, with its reason), so no request ever waits on parsing a roster."""
    damaged = tmp_path / "花名册.xlsx"
    damaged.write_bytes(b"PK\x03\x04" + b"\x00\x01" * 3000)
    api_client.force_authenticate(people["a_admin"])
    with damaged.open("rb") as stream:
        response = api_client.post("/api/v1/imports/", {"kind": "talents", "file": stream}, format="multipart")
    assert response.status_code == 202 and response.json()["status"] == "checking"
    client.force_login(people["a_admin"])
    with damaged.open("rb") as stream:
        page = client.post(reverse("jobs:import_new"), {"kind": "talents", "file": stream})
    assert page.status_code == 302
    imports = list(Import.objects.order_by("id"))
    assert [i.status for i in imports] == [Import.Status.CHECKING] * 2
    with translation.override("en"):
        services.run(imports[0], services.CHECK)
    assert imports[0].status == Import.Status.REFUSED
    assert imports[0].message == "The file is damaged or not a spreadsheet; open it in Excel and save it again."
