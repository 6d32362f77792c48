"""A corpus of hostile rosters, each built here and imported through ``import_roster --apply``.

Every file gets the exact answer a clerk would read (in English: the command runs in-process under
``translation.override("en")``): the refusal stored as the Import's message, or the row errors stored in its
``errors``. A refused or failing file writes nothing: the registry and the audit trail are counted before and
after each import. The files that should go through are applied and their stored values checked.
"""

from __future__ import annotations

import codecs
import datetime
import io
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import translation
from openpyxl.styles import Font

from platforms.models import Platform, PlatformYear
from talentportal.audit.models import AuditEntry
from talentportal.jobs.importing.reading import FileRefused, open_sheet
from talentportal.jobs.models import Import
from talents.models import Enterprise, EnterpriseYear, Talent
from talents.validators import make_credit_code, make_resident_id

from ..talents import factories

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "证件号码", "人才类别", "人才层次", "所属区域"]
NOT_ACCEPTED = "the roster was not accepted as it is (see above)"
NOT_A_SPREADSHEET = "The file is not a spreadsheet; upload an .xlsx, .xls, .ods or .csv file."
DAMAGED = "The file is damaged or not a spreadsheet; open it in Excel and save it again."
PASSWORD = "The workbook is protected by a password; remove the password in Excel and save again."
REQUIRED = "This column is required; the cell is empty."
BAD_DATE = "“2015-02-30” is not a date; write it as 2015-03-01."
CATEGORIES = "党政人才、经营管理人才、专业技术人才、高技能人才、农村实用人才、社会工作专业人才"
ENTERPRISE_HEADER = ["企业名称", "统一社会信用代码", "所属区域", "注册资本（万元）"]
MODELS = (Talent, Enterprise, EnterpriseYear, Platform, PlatformYear, AuditEntry)


def rid(n: int) -> str:
    """A valid 南湖区 resident ID number (born 1985-06-01), distinct for each ``n`` below 1000."""
    return make_resident_id("330402", datetime.date(1985, 6, 1), n)


def credit(n: int) -> str:
    return make_credit_code(f"91330402MA{n:07d}")


def person(n: int, name: str | None = None, region: str = "南湖区") -> list[Any]:
    return [name or f"人才{n}", rid(n), "专业技术人才", "市级领军人才", region]


# -- building files ------------------------------------------------------------------------------------------
def xlsx(path: Path, rows: list[list[Any]], edit: Callable[[Any, Any], None] | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    if edit:
        edit(wb, ws)
    wb.save(path)
    return path


def csv_text(rows: list[list[Any]]) -> str:
    def cell(value: Any) -> str:
        text = str(value)
        return f'"{text}"' if "," in text else text

    return "".join(",".join(cell(v) for v in row) + "\r\n" for row in rows)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def zipped(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def noise(size: int) -> bytes:
    """Random bytes (the same on every run) that start like no known file and hold NULs."""
    return b"\x00\x01" + random.Random(0).randbytes(size - 2)


# -- running the command ---------------------------------------------------------------------------------------
@dataclass
class Outcome:
    imp: Import | None
    error: str | None
    output: str


def import_roster(path: Path, kind: str = "talents", user: str = "a_admin") -> Outcome:
    out = io.StringIO()
    error = None
    with translation.override("en"):
        try:
            call_command("import_roster", kind, str(path), "--user", user, "--apply", stdout=out)
        except CommandError as exc:
            error = str(exc)
    return Outcome(Import.objects.order_by("-id").first(), error, out.getvalue())


def snapshot() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in MODELS}


@pytest.fixture
def cast(people: dict[str, Any], units: dict[str, Any], settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return units


@dataclass
class Case:
    id: str
    build: Callable[[Path], Path]
    # A refusal's message, or the row errors as (row, column, value, message).
    expected: str | list[tuple[int, str, str, str]]
    kind: str = "talents"
    settings: dict[str, Any] = field(default_factory=dict)
    at_upload: bool = False  # refused from its name and size, before any Import is stored
    setup: Callable[[dict[str, Any]], None] | None = None  # records that exist before the import
    absent: tuple[str, ...] = ()  # text the answer must not show (another county's record)


def _xfd(rows_below: list[list[Any]]) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        def edit(_wb: Any, ws: Any) -> None:
            ws["XFD1"] = "备注"
            for offset, row in enumerate(rows_below, 2):
                ws[f"XFD{offset}"] = row[-1]

        return xlsx(tmp / "wide.xlsx", [HEADER, *[r[:-1] for r in rows_below]], edit)

    return build


def _million(tmp: Path, rows: int = 2) -> Path:
    def edit(_wb: Any, ws: Any) -> None:
        ws["A1048576"] = "最后一行"

    return xlsx(tmp / "million.xlsx", [HEADER, *(person(n) for n in range(1, rows))], edit)


def undeclared(path: Path) -> Path:
    """The workbook without its sheet's declared range, as openpyxl's write-only mode and some tools write them:
    the furthest cell must be found in the cells themselves."""
    with zipfile.ZipFile(path) as archive:
        members = {m: archive.read(m) for m in archive.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"]
    start = sheet.index(b"<dimension ")
    members["xl/worksheets/sheet1.xml"] = sheet[:start] + sheet[sheet.index(b"/>", start) + 2 :]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _far_corner(tmp: Path, cell: bytes = b'<c r="XFD1048576"', declared: bytes = b"A1:E2", rows: int = 2) -> Path:
    """One cell at the sheet's last row and column, under a declared range that says the sheet is small (or under
    none): calamine sizes the sheet from its cells, so read as it is this file would need 17 billion of them."""
    people = [HEADER, *(person(n) for n in range(1, rows))]
    path = xlsx(tmp / "corner.xlsx", people, lambda _wb, ws: ws.cell(1048576, 16384, "末"))
    with zipfile.ZipFile(path) as archive:
        members = {m: archive.read(m) for m in archive.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"]
    start = sheet.index(b'<dimension ref="') + len(b'<dimension ref="')
    sheet = sheet[:start] + declared + sheet[sheet.index(b'"', start) :]
    members["xl/worksheets/sheet1.xml"] = sheet.replace(b'<c r="XFD1048576"', cell)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _repeated_ods(tmp: Path) -> Path:
    """Under the header, one cell repeated 10,000 times in each of 9,999 rows: 1.4 KB of XML, 100 million cells."""
    path = ods(tmp / "repeated.ods", [HEADER, ["张伟"]])
    with zipfile.ZipFile(path) as archive:
        members = {m: archive.read(m) for m in archive.namelist()}
    members["content.xml"] = members["content.xml"].replace(
        '<table:table-row><table:table-cell office:value-type="string"><text:p>张伟'.encode(),
        '<table:table-row table:number-rows-repeated="9999"><table:table-cell table:number-columns-repeated="10000"'
        ' office:value-type="string"><text:p>张伟'.encode(),
    )
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _encrypted(tmp: Path) -> Path:
    # What Excel writes for a password-protected .xlsx: an OLE compound file holding EncryptionInfo and
    # EncryptedPackage streams (their directory names are UTF-16-LE).
    body = b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 50
    body += "EncryptedPackage".encode("utf-16-le") + b"\x00" * 2000
    return write(tmp / "secret.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + body)


def _truncated(tmp: Path) -> Path:
    whole = xlsx(tmp / "whole.xlsx", [HEADER, person(1)]).read_bytes()
    return write(tmp / "cut.xlsx", whole[: len(whole) // 2])


def _bomb(tmp: Path) -> Path:
    # 3 MiB of spaces deflate to a few KB; the limit is lowered to 1 MiB for the case.
    return zipped(
        tmp / "bomb.xlsx",
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": b" " * (3 << 20),
        },
    )


def _padded(tmp: Path) -> Path:
    # A roster that reads and applies as it is, its sheet's XML padded with 3 MiB of whitespace between the rows:
    # under the unpacked-size limit, but packed more than 100 to 1.
    whole = xlsx(tmp / "whole.xlsx", [HEADER, person(1), person(2)])
    with zipfile.ZipFile(whole) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    sheet = members["xl/worksheets/sheet1.xml"]
    members["xl/worksheets/sheet1.xml"] = sheet.replace(b"</row>", b"</row>" + b" \n\t" * (1 << 20), 1)
    return zipped(tmp / "padded.xlsx", members)


REFUSALS = [
    Case("empty-file", lambda t: write(t / "roster.xlsx", b""), "The file is empty.", at_upload=True),
    Case(
        "txt-name",
        lambda t: write(t / "roster.txt", csv_text([HEADER, person(1)]).encode()),
        "“roster.txt” is not a spreadsheet: upload an .xlsx, .xls, .ods or .csv file.",
        at_upload=True,
    ),
    Case(
        "pdf-name",
        lambda t: write(t / "roster.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"),
        "“roster.pdf” is not a spreadsheet: upload an .xlsx, .xls, .ods or .csv file.",
        at_upload=True,
    ),
    Case(
        "over-file-size-limit",
        lambda t: write(t / "big.csv", csv_text([HEADER, person(1)]).encode().ljust(2048, b"\n")),
        "The file is 2.0\xa0KB; at most 1.0\xa0KB can be imported at once. Split it into several files.",
        settings={"IMPORT_MAX_FILE_BYTES": 1024},
        at_upload=True,
    ),
    Case("empty-sheet", lambda t: xlsx(t / "empty.xlsx", []), "The sheet “Sheet” is empty."),
    Case("random-binary-as-xlsx", lambda t: write(t / "noise.xlsx", noise(4096)), NOT_A_SPREADSHEET),
    Case(
        "zip-that-is-no-workbook",
        lambda t: zipped(t / "photos.xlsx", {"readme.txt": b"holiday photos", "photo.jpg": noise(500)}),
        "The file is not a spreadsheet (it is some other kind of zip archive).",
    ),
    Case("zip-magic-then-garbage", lambda t: write(t / "broken.xlsx", b"PK\x03\x04" + noise(2000)), DAMAGED),
    Case("truncated-xlsx", _truncated, DAMAGED),
    Case(
        "zip-bomb",
        _bomb,
        "The file unpacks to 3.0\xa0MB, far more than a roster holds; it was not read.",
        settings={"IMPORT_MAX_UNPACKED_BYTES": 1 << 20},
    ),
    Case(
        "zip-bomb-by-ratio",
        _padded,
        "A part of the file unpacks to 844 times its packed size (3.0\xa0MB), more than any spreadsheet does; "
        "it was not read. Open it in Excel and save it again.",
    ),
    Case("encrypted-workbook", _encrypted, PASSWORD),
    Case(
        "ole-file-that-is-no-workbook",
        lambda t: write(t / "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000),
        DAMAGED,
    ),
    Case(
        "too-many-rows-by-dimension",
        lambda t: xlsx(t / "long.xlsx", [HEADER, *(person(n) for n in range(1, 31))]),
        "The sheet has 31 rows; at most 3 can be imported at once. Split it into several files.",
        settings={"IMPORT_MAX_ROWS": 3},
    ),
    Case(
        "too-many-rows-counted",
        lambda t: xlsx(t / "long.xlsx", [HEADER, *(person(n) for n in range(1, 6))]),
        "The sheet has more than 3 rows; split it into several files.",
        settings={"IMPORT_MAX_ROWS": 3},
    ),
    Case(
        "too-many-rows-csv",
        lambda t: write(t / "long.csv", csv_text([HEADER, *(person(n) for n in range(1, 31))]).encode()),
        "The sheet has 31 rows; at most 3 can be imported at once. Split it into several files.",
        settings={"IMPORT_MAX_ROWS": 3},
    ),
    Case(
        "row-1048576",
        _million,
        "The sheet has 1,048,576 rows; at most 500,000 can be imported at once. Split it into several files.",
    ),
    Case(
        "row-1048576-no-declared-range",
        lambda t: undeclared(_million(t)),
        "The sheet has 1,048,576 rows; at most 500,000 can be imported at once. Split it into several files.",
    ),
    Case(
        "far-corner-no-declared-range",
        lambda t: undeclared(_far_corner(t)),
        "The sheet has 1,048,576 rows; at most 500,000 can be imported at once. Split it into several files.",
    ),
    Case(
        "far-corner-under-a-small-declared-range",
        _far_corner,
        "The sheet has 1,048,576 rows; at most 500,000 can be imported at once. Split it into several files.",
    ),
    Case(
        "far-corner-written-another-way",  # attributes reordered, a tab, single quotes: XML reads them all alike
        lambda t: _far_corner(t, cell=b"<c s=\"0\"\tr='XFD1048576'"),
        "The sheet has 1,048,576 rows; at most 500,000 can be imported at once. Split it into several files.",
    ),
    Case(
        "ods-cells-repeated-100-million-times",
        _repeated_ods,
        "The sheet spans 10,000 columns × 10,000 rows, more cells than can be read at once. "
        "Delete the empty columns and rows at its edges, or split it.",
    ),
    Case(
        "16384-columns-no-declared-range",
        lambda t: undeclared(_xfd([[*person(1), "备注一"]])(t)),
        "The sheet spans 16,384 columns × 2 rows, more cells than can be read at once. "
        "Delete the empty columns and rows at its edges, or split it.",
        settings={"IMPORT_MAX_CELLS": 10_000},
    ),
    Case(
        "16384-columns-over-cell-limit",
        _xfd([[*person(1), "备注一"]]),
        "The sheet spans 16,384 columns × 2 rows, more cells than can be read at once. "
        "Delete the empty columns and rows at its edges, or split it.",
        settings={"IMPORT_MAX_CELLS": 10_000},
    ),
    Case(
        "missing-required-columns",
        lambda t: xlsx(t / "short.xlsx", [HEADER[:3], person(1)[:3]]),
        "Required columns are missing: talent tier、region. Row 1 was taken as the header.",
    ),
    Case(
        "duplicated-column",
        lambda t: xlsx(t / "twice.xlsx", [[*HEADER, "姓名"], [*person(1), "张伟"]]),
        "The column “full name” appears twice (columns A and F); keep one.",
    ),
    Case(
        "duplicated-column-by-alias",
        lambda t: xlsx(t / "twice.xlsx", [[*HEADER, "区域"], [*person(1), "南湖区"]]),
        "The column “region” appears twice (columns E and F); keep one.",
    ),
    Case(
        "no-header",
        lambda t: xlsx(t / "nohead.xlsx", [["序号", "甲", "乙"], [1, "x", "y"]]),
        "No header row found: the first rows name none of the columns of talents (such as full name、ID type、ID number).",
    ),
    Case(
        "csv-neither-utf8-nor-gbk",
        lambda t: write(t / "mojibake.csv", "姓名,证件号码\r\n".encode() + b"\x80\x80,\x80\r\n"),
        "The file's text is neither UTF-8 nor GBK; save it again as “CSV UTF-8” or as .xlsx.",
    ),
    Case("csv-of-blank-lines", lambda t: write(t / "blank.csv", b"\r\n  \r\n\t\r\n"), "The file has no rows."),
    Case(
        "platform-years-missing-columns",
        lambda t: xlsx(t / "py.xlsx", [["年度", "入驻人才"], [2025, 3]]),
        "Required columns are missing: platform code. Row 1 was taken as the header.",
        kind="platform_years",
    ),
]


@pytest.mark.parametrize("case", REFUSALS, ids=lambda c: c.id)
def test_refused_file_writes_nothing(case: Case, cast: dict[str, Any], tmp_path: Path) -> None:
    path = case.build(tmp_path)
    before = snapshot()
    with override_settings(**case.settings):
        outcome = import_roster(path, case.kind)
    if case.at_upload:
        assert outcome.error == case.expected
        assert outcome.imp is None
    else:
        assert outcome.error == NOT_ACCEPTED
        assert outcome.imp is not None
        assert (outcome.imp.status, outcome.imp.message) == (Import.Status.REFUSED, case.expected)
        assert case.expected in outcome.output
    assert snapshot() == before


def test_zip_bomb_refused_in_chinese(tmp_path: Path) -> None:
    with translation.override("zh-hans"), pytest.raises(FileRefused) as refused:
        open_sheet(_padded(tmp_path))
    assert refused.value.message == (
        "文件中有一部分解压后达到压缩大小的 844 倍（3.0\xa0MB），任何电子表格都不会如此，未予读取。请用 Excel 打开后重新保存。"
    )


# -- row errors ----------------------------------------------------------------------------------------------
def _with(column: str, value: Any, n: int = 1) -> Callable[[Path], Path]:
    """A one-row roster with an extra column ``column`` holding ``value``."""
    return lambda t: xlsx(t / "roster.xlsx", [[*HEADER, column], [*person(n), value]])


GOOD_ID = rid(1)
WRONG_ID = GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")


def _bad_checksum(tmp: Path) -> Path:
    return xlsx(tmp / "roster.xlsx", [HEADER, ["张伟", WRONG_ID, "专业技术人才", "市级领军人才", "南湖区"]])


def _blank_rows(tmp: Path) -> Path:
    rows = [
        [*HEADER, "落地日期"],
        [*person(1), "2015-03-01"],
        [],
        [],
        [*person(2), "2015-02-30"],
        [],
        [*person(3), "2015-03-01"],
        [*person(4), "2015-02-30"],
    ]
    return xlsx(tmp / "gaps.xlsx", rows)


def _titled(tmp: Path) -> Path:
    def edit(_wb: Any, ws: Any) -> None:
        ws.merge_cells("A1:F1")
        ws.merge_cells("A2:F2")
        ws["A1"].font = Font(bold=True, size=16)

    rows = [
        ["嘉兴市南湖区高层次人才名册（2025年）"],
        ["填报单位：南湖区人才办　　填报日期：2025年3月1日"],
        [*HEADER, "落地日期"],
        [*person(1), "2015-03-01"],
        [*person(2), "2015-02-30"],
    ]
    return xlsx(tmp / "titled.xlsx", rows, edit)


def _leading_blank_rows(tmp: Path) -> Path:
    rows = [[], [], [*HEADER, "落地日期"], [*person(1), "2015-03-01"], [*person(2), "2015-02-30"]]
    return xlsx(tmp / "low.xlsx", rows)


def _formula(tmp: Path) -> Path:
    # openpyxl stores the formula without a computed value, like any generator that is not Excel.
    return xlsx(tmp / "formula.xlsx", [HEADER, ['=CONCATENATE("张","伟")', *person(1)[1:]]])


def _other_county_talent(units: dict[str, Any]) -> None:
    factories.talent(units["330411"], name="李秘密", id_number=rid(1))


def _other_county_enterprise(units: dict[str, Any]) -> None:
    factories.enterprise(units["330411"], name="秀洲秘密科技有限公司", credit_code=credit(9))


def _enterprise(capital: Any) -> Callable[[Path], Path]:
    return lambda t: xlsx(t / "ent.xlsx", [ENTERPRISE_HEADER, ["嘉兴某科技有限公司", credit(1), "南湖区", capital]])


NUMERIC_ID = next(rid(n) for n in range(1, 100) if rid(n)[-1].isdigit())  # one that can be typed as a number
ID_AS_NUMBER = f"{float(NUMERIC_ID):.6G}"  # as Excel shows it: 3.30402E+17

ROW_ERRORS = [
    Case(
        "id-number-stored-as-number",
        lambda t: xlsx(
            t / "roster.xlsx", [HEADER, ["张伟", int(NUMERIC_ID), "专业技术人才", "市级领军人才", "南湖区"]]
        ),
        [
            (
                2,
                "ID number",
                ID_AS_NUMBER,
                f"“{ID_AS_NUMBER}” was stored by Excel as a number, so its digits were lost; "
                "format the column as text and enter the number again.",
            )
        ],
    ),
    Case(
        "scientific-notation-in-csv",
        lambda t: write(
            t / "roster.csv",
            csv_text([HEADER, ["张伟", "3.30402E+17", "专业技术人才", "市级领军人才", "南湖区"]]).encode(),
        ),
        [
            (
                2,
                "ID number",
                "3.30402E+17",
                "“3.30402E+17” was stored by Excel as a number, so its digits were lost; "
                "format the column as text and enter the number again.",
            )
        ],
    ),
    Case("impossible-date", _with("落地日期", "2015-02-30"), [(2, "landed on", "2015-02-30", BAD_DATE)]),
    Case(
        "bad-checksum",
        _bad_checksum,
        [
            (
                2,
                "ID number",
                WRONG_ID,
                f"The check digit should be {GOOD_ID[17]}, not {WRONG_ID[17]}; check the ID number for a typing error.",
            )
        ],
    ),
    Case(
        "not-yes-or-no",
        _with("是否留学回国", "也许"),
        [(2, "returned from study abroad", "也许", "“也许” is not 是 or 否.")],
    ),
    Case(
        "unknown-choice",
        lambda t: xlsx(t / "roster.xlsx", [HEADER, ["张伟", rid(1), "院士", "市级领军人才", "南湖区"]]),
        [(2, "talent category", "院士", f"“院士” is not one of: {CATEGORIES}.")],
    ),
    Case(
        "required-cell-empty",
        lambda t: xlsx(t / "roster.xlsx", [HEADER, [None, rid(1), "专业技术人才", "市级领军人才", "南湖区"]]),
        [(2, "full name", "", REQUIRED)],
    ),
    Case(
        "duplicates-within-file",
        lambda t: xlsx(t / "roster.xlsx", [HEADER, person(1, "张伟"), person(1, "张伟伟")]),
        [(3, "ID number", rid(1), "Duplicates row 2 of this file (the same ID type、ID number).")],
    ),
    Case(
        "row-for-another-county",
        lambda t: xlsx(t / "roster.xlsx", [HEADER, person(1, region="秀洲区")]),
        [(2, "region", "秀洲区", "“秀洲区” is outside your scope; you can import rows of your own units only.")],
    ),
    Case(
        "record-of-another-county",
        lambda t: xlsx(t / "roster.xlsx", [HEADER, person(1, "王五")]),
        [(2, "ID number", rid(1), "Already registered by 秀洲区; ask them to change it.")],
        setup=_other_county_talent,
        absent=("李秘密",),
    ),
    Case("formula-without-value", _formula, [(2, "full name", "", REQUIRED)]),
    Case(
        "blank-rows-in-the-middle",
        _blank_rows,
        [(5, "landed on", "2015-02-30", BAD_DATE), (8, "landed on", "2015-02-30", BAD_DATE)],
    ),
    Case("title-rows-above-header", _titled, [(5, "landed on", "2015-02-30", BAD_DATE)]),
    Case("blank-rows-above-header", _leading_blank_rows, [(5, "landed on", "2015-02-30", BAD_DATE)]),
    Case(
        "negotiable-in-number-column",
        _enterprise("面议"),
        [(2, "registered capital (10k yuan)", "面议", "“面议” is not a number.")],
        kind="enterprises",
    ),
    Case(
        "negative-money",
        _enterprise("-5"),
        [(2, "registered capital (10k yuan)", "-5", "Ensure this value is greater than or equal to 0.")],
        kind="enterprises",
    ),
    Case(
        "enterprise-of-another-county",
        lambda t: xlsx(t / "years.xlsx", [["统一社会信用代码", "年度", "营业收入（万元）"], [credit(9), 2025, 100]]),
        [
            (
                2,
                "unified social credit code",
                credit(9),
                f"enterprise with credit code “{credit(9)}” is registered by 秀洲区, outside your scope.",
            )
        ],
        kind="enterprise_years",
        setup=_other_county_enterprise,
        absent=("秀洲秘密科技有限公司",),
    ),
    Case(
        "overseas-platform-without-city",
        lambda t: xlsx(
            t / "platforms.xlsx",
            [
                ["平台编号", "平台名称", "类型", "级别", "所属区域", "所在地"],
                ["JX-1", "海外站", "科技企业孵化器", "省级", "南湖区", "境外"],
            ],
        ),
        [
            (2, "city", "", "Name the city where a platform outside the county sits."),
            (2, "country", "", "Name the country of an overseas platform."),
        ],
        kind="platforms",
    ),
    Case(
        "unknown-platform",
        lambda t: xlsx(t / "py.xlsx", [["平台编号", "年度", "入驻人才"], ["JX-NONE", 2025, 3]]),
        [(2, "platform code", "JX-NONE", "No platform with code “JX-NONE” is registered; register it first.")],
        kind="platform_years",
    ),
]


@pytest.mark.parametrize("case", ROW_ERRORS, ids=lambda c: c.id)
def test_row_errors_write_nothing(case: Case, cast: dict[str, Any], tmp_path: Path) -> None:
    if case.setup:
        case.setup(cast)
    path = case.build(tmp_path)
    before = snapshot()
    outcome = import_roster(path, case.kind)
    assert outcome.error == NOT_ACCEPTED
    imp = outcome.imp
    assert imp is not None
    assert imp.status == Import.Status.CHECKED
    assert [(e["row"], e["column"], e["value"], e["message"]) for e in imp.errors] == case.expected
    for row, column, value, message in case.expected:
        assert f"row {row} · {column} · {value}: {message}" in outcome.output
    for secret in case.absent:
        assert secret not in outcome.output
        assert secret not in str(imp.errors)
    assert snapshot() == before


# -- files that go through -----------------------------------------------------------------------------------
def applied(path: Path, kind: str = "talents", created: int = 1) -> Import:
    before = snapshot()
    outcome = import_roster(path, kind)
    assert outcome.error is None, outcome.output
    imp = outcome.imp
    assert imp is not None
    assert imp.status == Import.Status.APPLIED, (imp.message, imp.errors)
    assert imp.counts["created"] == created
    after = snapshot()
    model = {"talents": "Talent", "enterprises": "Enterprise"}[kind]
    assert after == {**before, model: before[model] + created, "AuditEntry": before["AuditEntry"] + created}
    return imp


def test_dates_in_five_formats_are_accepted(cast: dict[str, Any], tmp_path: Path) -> None:
    formats = ["2015-03-01", "2015/3/1", "2015.3.1", "2015年3月1日", "20150301", datetime.datetime(2015, 3, 1)]
    rows = [[*HEADER, "落地日期"], *([*person(n), value] for n, value in enumerate(formats, 1))]
    applied(xlsx(tmp_path / "dates.xlsx", rows), created=len(formats))
    landed = dict(Talent.objects.values_list("id_number", "landed_on"))
    assert landed == {rid(n): datetime.date(2015, 3, 1) for n in range(1, len(formats) + 1)}


def test_equal_cells_of_other_types_are_read_apart(cast: dict[str, Any], tmp_path: Path) -> None:
    """True, 1 and 1.0 are equal to Python; a column's cells repeat, and each is still read as what it is."""
    cells = [True, 1, 1.0, "1", False, 0]
    rows = [[*HEADER, "备注"], *([*person(n), value] for n, value in enumerate(cells, 1))]
    applied(xlsx(tmp_path / "types.xlsx", rows), created=len(cells))
    notes = dict(Talent.objects.values_list("id_number", "notes"))
    assert [notes[rid(n)] for n in range(1, len(cells) + 1)] == ["是", "1", "1", "1", "否", "0"]


def test_a_stray_nul_character_is_dropped(cast: dict[str, Any], tmp_path: Path) -> None:
    """Past the first 4 KB (which would refuse the file as binary), a NUL no database stores is left out."""
    rows = [[*HEADER, "备注"], *([*person(n), "说明"] for n in range(1, 80)), [*person(80), "半\x00截"]]
    applied(write(tmp_path / "nul.csv", csv_text(rows).encode()), created=80)
    assert Talent.objects.get(id_number=rid(80)).notes == "半截"


def test_full_width_digits_in_id_number_are_accepted(cast: dict[str, Any], tmp_path: Path) -> None:
    full_width = rid(1).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})
    assert full_width != rid(1)
    applied(xlsx(tmp_path / "wide.xlsx", [HEADER, ["张伟", full_width, "专业技术人才", "市级领军人才", "南湖区"]]))
    assert Talent.objects.get().id_number == rid(1)


def test_trailing_and_non_breaking_spaces_are_trimmed(cast: dict[str, Any], tmp_path: Path) -> None:
    row = ["张伟\u00a0 ", f" {rid(1)}\u00a0", "\u3000专业技术人才 ", "市级领军人才\t", "南湖区\u00a0"]
    applied(xlsx(tmp_path / "spaces.xlsx", [HEADER, row]))
    talent = Talent.objects.get()
    assert (talent.name, talent.id_number, talent.category, talent.tier, talent.org_unit.code) == (
        "张伟",
        rid(1),
        "professional",
        "municipal_leading",
        "330402",
    )


def test_yes_and_no_booleans(cast: dict[str, Any], tmp_path: Path) -> None:
    rows = [[*HEADER, "是否留学回国"], [*person(1), "是"], [*person(2), "否"]]
    applied(xlsx(tmp_path / "bools.xlsx", rows), created=2)
    assert dict(Talent.objects.values_list("id_number", "is_returnee")) == {rid(1): True, rid(2): False}


def test_choice_by_chinese_label_and_by_code(cast: dict[str, Any], tmp_path: Path) -> None:
    rows = [
        HEADER,
        ["张伟", rid(1), "专业技术人才", "youth", "南湖区"],
        ["李娜", rid(2), "professional", "市级领军人才", "330402"],
    ]
    applied(xlsx(tmp_path / "choices.xlsx", rows), created=2)
    stored = {t.id_number: (t.category, t.tier) for t in Talent.objects.all()}
    assert stored == {rid(1): ("professional", "youth"), rid(2): ("professional", "municipal_leading")}


def test_numbers_with_thousands_separators(cast: dict[str, Any], tmp_path: Path) -> None:
    rows = [
        ENTERPRISE_HEADER,
        ["嘉兴甲科技有限公司", credit(1), "南湖区", "1,234.50"],
        ["嘉兴乙科技有限公司", credit(2), "南湖区", "12,000"],
    ]
    applied(write(tmp_path / "ent.csv", csv_text(rows).encode()), kind="enterprises", created=2)
    stored = dict(Enterprise.objects.values_list("credit_code", "registered_capital"))
    assert stored == {credit(1): Decimal("1234.50"), credit(2): Decimal("12000.00")}


def test_unknown_columns_are_reported_as_ignored(cast: dict[str, Any], tmp_path: Path) -> None:
    rows = [[*HEADER, "籍贯", "爱好"], [*person(1), "浙江嘉兴", "围棋"]]
    imp = applied(xlsx(tmp_path / "extra.xlsx", rows))
    assert imp.columns["unknown"] == ["F: 籍贯", "G: 爱好"]
    assert imp.errors == []


def test_header_in_column_xfd_of_16384(cast: dict[str, Any], tmp_path: Path) -> None:
    """The 16,378 empty columns between the real headers and 备注 in XFD are ignored; the import works."""
    imp = applied(_xfd([[*person(1), "最后一列的备注"]])(tmp_path))
    assert imp.columns["unknown"] == []
    assert imp.columns["mapped"][-1] == "notes"
    assert Talent.objects.get().notes == "最后一列的备注"


def test_title_rows_and_merged_cells_above_the_header(cast: dict[str, Any], tmp_path: Path) -> None:
    def edit(_wb: Any, ws: Any) -> None:
        ws.merge_cells("A1:E1")
        ws.merge_cells("A2:C2")

    rows = [["南湖区高层次人才名册"], ["填报单位：南湖区人才办"], HEADER, person(1), person(2)]
    imp = applied(xlsx(tmp_path / "titled.xlsx", rows, edit), created=2)
    assert imp.columns["header_row"] == 3


def test_hidden_first_sheet_is_skipped(cast: dict[str, Any], tmp_path: Path) -> None:
    def edit(wb: Any, ws: Any) -> None:
        ws.title = "旧名单"
        ws.sheet_state = "hidden"
        visible = wb.create_sheet("名单")
        for row in (HEADER, person(2, "可见")):
            visible.append(row)
        wb.active = 1

    imp = applied(xlsx(tmp_path / "hidden.xlsx", [HEADER, person(1, "隐藏")], edit))
    assert imp.columns["hidden_sheets"] == 1
    assert list(Talent.objects.values_list("name", "id_number")) == [("可见", rid(2))]


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param(lambda text: text.encode("gbk"), id="gbk"),
        pytest.param(lambda text: codecs.BOM_UTF8 + text.encode("utf-8"), id="utf8-bom"),
    ],
)
def test_csv_encodings(encoded: Callable[[str], bytes], cast: dict[str, Any], tmp_path: Path) -> None:
    text = csv_text([HEADER, person(1, "欧阳娜娜"), person(2, "諸葛亮")])
    applied(write(tmp_path / "roster.csv", encoded(text)), created=2)
    assert dict(Talent.objects.values_list("id_number", "name")) == {rid(1): "欧阳娜娜", rid(2): "諸葛亮"}


def test_csv_saved_under_xlsx_name(cast: dict[str, Any], tmp_path: Path) -> None:
    applied(write(tmp_path / "roster.xlsx", csv_text([HEADER, person(1, "张伟")]).encode()))
    assert Talent.objects.get().name == "张伟"


def test_sheet_starting_in_column_b(cast: dict[str, Any], tmp_path: Path) -> None:
    """A roster whose column A is empty: column letters in the answer are still Excel's."""
    rows = [[None, *HEADER, "籍贯"], [None, *person(1), "浙江嘉兴"]]
    imp = applied(xlsx(tmp_path / "shifted.xlsx", rows))
    assert imp.columns["unknown"] == ["G: 籍贯"]


def xls(path: Path, rows: list[list[Any]]) -> Path:
    """An Excel 97–2003 workbook (BIFF8), as offices still send them."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("花名册")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.save(str(path))
    return path


def ods(path: Path, rows: list[list[Any]]) -> Path:
    """An OpenDocument spreadsheet (what WPS and LibreOffice save), text cells only."""
    body = "".join(
        "<table:table-row>"
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>' for value in row
        )
        + "</table:table-row>"
        for row in rows
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content'
        ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="花名册">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest'
            ' xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type='
            '"application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
        archive.writestr("content.xml", content)
    return path


@pytest.mark.parametrize("build", [xls, ods], ids=["xls", "ods"])
def test_old_excel_and_opendocument_files(build: Callable[..., Path], cast: dict[str, Any], tmp_path: Path) -> None:
    """The last row is read too (these formats count rows from 0), and its errors name Excel's row number."""
    suffix = "xls" if build is xls else "ods"
    rows = [HEADER, person(1, "王芳"), person(2, "李强"), [*person(3)[:4], "外星区"]]
    outcome = import_roster(build(tmp_path / f"roster.{suffix}", rows))
    assert outcome.imp is not None
    assert outcome.imp.counts == {"rows": 3, "created": 2, "updated": 0, "unchanged": 0, "errors": 1}
    assert [(e["row"], e["value"]) for e in outcome.imp.errors] == [(4, "外星区")]
    assert open_sheet(Path(outcome.imp.file.path)).height == 4  # these formats count rows from 0
    outcome.imp.keep_valid = True
    outcome.imp.save()
    call_command(
        "import_roster",
        "talents",
        str(build(tmp_path / f"again.{suffix}", rows[:3])),
        "--user",
        "a_admin",
        "--apply",
        stdout=io.StringIO(),
    )
    assert set(Talent.objects.values_list("name", flat=True)) == {"王芳", "李强"}


def test_xlsx_renamed_xls_is_read_by_its_content(cast: dict[str, Any], tmp_path: Path) -> None:
    path = xlsx(tmp_path / "roster.xlsx", [HEADER, person(1, "张伟")]).rename(tmp_path / "roster.xls")
    applied(path)
    assert Talent.objects.get().name == "张伟"


def test_rows_of_only_spaces_are_blank(cast: dict[str, Any], tmp_path: Path) -> None:
    """Rows of full-width or non-breaking spaces (left by clearing cells in WPS) are skipped, not errors."""
    rows = [HEADER, person(1), ["\u3000", "", "\xa0"], [" ", "\u3000\u3000"], person(2)]
    applied(xlsx(tmp_path / "spaces.xlsx", rows), created=2)


def test_declared_range_larger_than_the_filled_cells(cast: dict[str, Any], tmp_path: Path) -> None:
    """Whole columns formatted down to row 1,048,576 (the sheet's declared range says so) are no roster rows."""

    def edit(_wb: Any, ws: Any) -> None:
        ws["E1048576"].font = Font(bold=True)
        ws["XFD1"].font = Font(bold=True)

    path = xlsx(tmp_path / "formatted.xlsx", [HEADER, person(1)], edit)
    with zipfile.ZipFile(path) as archive:
        assert b'<dimension ref="A1:XFD1048576"' in archive.read("xl/worksheets/sheet1.xml")
    applied(path)
    # Without the declared range the styled cells still make the sheet look that large, until its cells are read.
    applied(undeclared(xlsx(tmp_path / "undeclared.xlsx", [HEADER, person(2)], edit)))
