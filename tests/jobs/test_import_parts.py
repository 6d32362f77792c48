"""Large sheets read a part at a time (``reading._Parts``): the rows a sheet built whole gives, with their numbers,
the columns lined up across parts, far cells refused before their part is built, and the progress total learnt as
the parts come. The parts are made small here so that a few hundred rows make many of them."""

from __future__ import annotations

import datetime
import gc
import re
import threading
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from talentportal.jobs.importing import reading
from talentportal.jobs.importing.reading import FileRefused, open_sheet
from talentportal.jobs.importing.spec import get_spec
from talentportal.jobs.models import Import
from talents.models import Enterprise, Talent

from .test_import_corpus import (
    DAMAGED,
    HEADER,
    _far_corner,
    _million,
    import_roster,
    person,
    snapshot,
    undeclared,
    xlsx,
)

pytestmark = pytest.mark.django_db
ROWS = 300
TOO_MANY = "The sheet has 1,048,576 rows; at most 500,000 can be imported at once. Split it into several files."


@pytest.fixture
def cast(people: dict[str, Any], units: dict[str, Any], settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return units


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Parts of about 4 KiB (the first of 1 KiB, then 2); the parts python-calamine was given."""
    monkeypatch.setattr(reading, "PART_BYTES", 4096)
    monkeypatch.setattr(reading, "FIRST_PART_BYTES", 1024)
    given: list[bytes] = []
    build = reading._Parts.build

    def spy(self: Any, piece: bytes) -> Any:
        given.append(piece)
        return build(self, piece)

    monkeypatch.setattr(reading._Parts, "build", spy)
    return given


def whole(path: Path) -> tuple[list[tuple[int, list[Any]]], int, int]:
    """The sheet built whole, as before parts: (its rows, its first column, its height)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reading, "PART_BYTES", 1 << 40)
        sheet = open_sheet(path)
        return list(sheet.numbered()), sheet.first_column, sheet.height


def roster(path: Path, write_only: bool, rows: list[list[Any]], offset: int = 0) -> Path:
    """A workbook as Excel saves it (shared strings) or as openpyxl's write-only mode does (text in the cells),
    its rows starting at column ``offset`` + 1."""
    wb = openpyxl.Workbook(write_only=write_only)
    ws = wb.create_sheet("名单") if write_only else wb.active
    for row in rows:
        ws.append([None] * offset + row)
    wb.save(path)
    return path


def mixed_rows() -> list[list[Any]]:
    """A title row, the header, then rows with dates, numbers, blank rows and rows missing their first cells."""
    rows: list[list[Any]] = [["2026年度人才名单"], [], [*HEADER, "出生日期", "备注"]]
    for n in range(1, ROWS):
        row: list[Any] = [*person(n), datetime.date(1985, 6, 1) + datetime.timedelta(days=n), n * 1.5]
        if n % 37 == 0:
            row = []  # a blank row
        elif n % 41 == 0:
            row[0] = None  # a name missing: the row starts at its second cell
        rows.append(row)
    return rows


@pytest.mark.parametrize("write_only", [False, True], ids=["shared-strings", "inline-strings"])
def test_a_sheet_read_in_parts_gives_the_rows_built_whole(built: list[bytes], tmp_path: Path, write_only) -> None:
    path = roster(tmp_path / "r.xlsx", write_only, mixed_rows())
    expected, column, height = whole(path)
    built.clear()
    sheet = open_sheet(path)
    rows = list(sheet.numbered())
    assert len(built) > 10  # read in parts indeed
    # The parts grow from the first (1 KiB of rows, then about 2) to their size (4 KiB), each with the sheet's opening.
    sizes = [len(piece) for piece in built[:3]]
    assert sizes[0] < sizes[1] < sizes[2] and sizes[2] > 4096
    assert rows == expected and sheet.first_column == column
    assert sheet.height == height == ROWS + 2  # the last row's number, once every part is read
    assert rows[-1][0] == ROWS + 2 and rows[0] == (1, ["2026年度人才名单", *[""] * 6])


def test_the_height_is_told_before_the_last_part(built: list[bytes], tmp_path: Path) -> None:
    """Without a declared range the first part's bytes tell the height; the progress never counts past it by far."""
    path = undeclared(roster(tmp_path / "r.xlsx", False, mixed_rows()))
    sheet = open_sheet(path)
    assert 0.8 * (ROWS + 2) < sheet.height < 1.25 * (ROWS + 2)
    list(sheet.numbered())
    assert sheet.height == ROWS + 2


def test_rows_numbered_by_their_order_alone_are_built_whole(built: list[bytes], tmp_path: Path) -> None:
    """A sheet whose rows leave out their numbers (``<row>`` without ``r``) cannot be cut: each part would count
    from 1. It is built whole."""
    path = roster(tmp_path / "r.xlsx", False, mixed_rows())
    with zipfile.ZipFile(path) as archive:
        members = {m: archive.read(m) for m in archive.namelist()}
    members["xl/worksheets/sheet1.xml"] = re.sub(rb'<row r="\d+"', b"<row", members["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    rows = list(open_sheet(path).numbered())
    assert not built and rows == whole(path)[0] and rows[-1][0] == ROWS + 2


def test_parts_line_up_with_the_first_one(built: list[bytes], tmp_path: Path) -> None:
    """A part whose rows leave the first columns empty is padded to the header's columns; cells left of the
    header's first column (in no column) are not read."""
    rows: list[list[Any]] = [["", *HEADER]]
    for n in range(1, ROWS):
        rows.append(["", *person(n)] if n < 150 else [None, None, *person(n)[1:]])
    rows.append(["左边", *person(ROWS)])  # a cell further left than any before, in the last part
    path = roster(tmp_path / "r.xlsx", False, rows, offset=1)  # the sheet starts at column C
    sheet = open_sheet(path)
    got = list(sheet.numbered())
    assert sheet.first_column == 2 and len(built) > 10
    assert got[0] == (1, HEADER)
    assert got[150] == (151, ["", *person(150)[1:]])  # padded: the name's column is empty, the others line up
    assert got[-1] == (ROWS + 1, person(ROWS))  # what lay left of the header is dropped


def test_a_roster_in_parts_is_applied_with_its_row_numbers(built: list[bytes], cast, tmp_path: Path) -> None:
    rows = [HEADER, *(person(n) for n in range(1, ROWS))]
    rows[250][4] = "外星区"
    outcome = import_roster(xlsx(tmp_path / "r.xlsx", rows))
    assert len(built) > 10
    assert outcome.imp is not None and outcome.imp.status == Import.Status.CHECKED
    assert [(e["row"], e["value"]) for e in outcome.imp.errors] == [(251, "外星区")]
    outcome.imp.keep_valid = True
    outcome.imp.save()
    from talentportal.jobs.importing import services

    services.run(outcome.imp, services.APPLY)
    assert Talent.objects.count() == ROWS - 2


@pytest.mark.parametrize(
    "build",
    [
        lambda t: _million(t, rows=ROWS),
        lambda t: undeclared(_million(t, rows=ROWS)),
        lambda t: _far_corner(t, rows=ROWS),
        lambda t: _far_corner(t, cell=b"<c s=\"0\"\tr='XFD1048576'", rows=ROWS),
    ],
    ids=["row-1048576", "no-declared-range", "far-corner", "far-corner-written-another-way"],
)
def test_a_far_cell_in_a_later_part_is_refused_before_it_is_built(build, built, cast, tmp_path: Path) -> None:
    path = build(tmp_path)
    before = snapshot()
    outcome = import_roster(path)
    assert outcome.imp is not None
    assert (outcome.imp.status, outcome.imp.message) == (Import.Status.REFUSED, TOO_MANY)
    assert snapshot() == before
    assert len(built) > 5 and not any(b"1048576" in piece for piece in built)
    with pytest.raises(FileRefused):
        list(open_sheet(path).numbered())


def test_stored_records_are_found_by_keys_of_any_text(cast) -> None:
    """The batch's keys go to PostgreSQL as one array literal: quotes, backslashes, commas and braces in them
    find their records, and nothing else is found."""
    unit = cast["nanhu"] if "nanhu" in cast else next(iter(cast.values()))
    odd = ['a"b', "c\\d", "e,f", "{g}", " h ", "NULL", "名称（有限）"]
    for code in [*odd, "other"]:
        Enterprise.objects.create(name=f"企业{code}", credit_code=code, org_unit=unit)
    spec = get_spec("enterprises")
    assert spec is not None
    found = set(spec.existing([(code,) for code in [*odd, "absent"]]).values_list("credit_code", flat=True))
    assert found == set(odd)


def _rewritten(path: Path, change) -> Path:
    """The workbook with its sheet's XML changed by ``change`` (bytes → bytes), packed again."""
    with zipfile.ZipFile(path) as archive:
        members = {m: archive.read(m) for m in archive.namelist()}
    members["xl/worksheets/sheet1.xml"] = change(members["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_a_far_cell_before_the_first_row_is_refused(built: list[bytes], cast, tmp_path: Path) -> None:
    """A cell in the sheet's data ahead of its first row would be in every part's opening: such a sheet is
    measured and refused whole."""
    far = b'<sheetData><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>'
    path = _rewritten(
        xlsx(tmp_path / "r.xlsx", [HEADER, *(person(n) for n in range(1, ROWS))]),
        lambda x: x.replace(b"<sheetData>", far),
    )
    before = snapshot()
    outcome = import_roster(path)
    assert outcome.imp is not None
    assert (outcome.imp.status, outcome.imp.message) == (Import.Status.REFUSED, TOO_MANY)
    assert snapshot() == before and not any(b"1048576" in piece for piece in built)


def test_a_sheet_damaged_past_its_first_part_is_refused(built: list[bytes], cast, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "r.xlsx", [HEADER, *(person(n) for n in range(1, ROWS))])
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(path.read_bytes())
    middle = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size * 3 // 4
    data[middle : middle + 64] = bytes(64)
    path.write_bytes(bytes(data))
    before = snapshot()
    outcome = import_roster(path)
    assert outcome.imp is not None and len(built) > 3
    assert (outcome.imp.status, outcome.imp.message) == (Import.Status.REFUSED, DAMAGED)
    assert snapshot() == before


def test_a_sheet_left_unread_lets_its_thread_go(built: list[bytes], tmp_path: Path) -> None:
    """A reader stopping early (the header not found, the report's last bad row reached) leaves no thread behind,
    even with the collector off, as the import runs."""
    path = roster(tmp_path / "r.xlsx", False, mixed_rows())
    collecting = gc.isenabled()
    gc.disable()
    try:
        sheet = open_sheet(path)
        rows = sheet.numbered()
        for _ in range(ROWS // 2):
            next(rows)
        assert any(t.name.startswith("import-sheet") for t in threading.enumerate())
        del rows, sheet
        assert not any(t.name.startswith("import-sheet") for t in threading.enumerate())
    finally:
        if collecting:
            gc.enable()


def test_a_sheet_stored_under_another_name_is_measured_too(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The workbook's relations may put a sheet anywhere in the archive, and python-calamine follows them: the
    sheet is measured before it is built wherever it is."""
    path = xlsx(tmp_path / "r.xlsx", [HEADER, person(1)])
    with zipfile.ZipFile(path) as archive:
        members = {m: archive.read(m) for m in archive.namelist()}
    members["xl/data.xml"] = members.pop("xl/worksheets/sheet1.xml")
    for name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
        members[name] = members[name].replace(b"worksheets/sheet1.xml", b"data.xml")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    measured = []
    member_text = reading._member_text
    monkeypatch.setattr(
        reading, "_member_text", lambda archive, member: measured.append(member) or member_text(archive, member)
    )
    assert [cells for _n, cells in open_sheet(path).numbered()] == [HEADER, person(1)]
    assert "xl/data.xml" in measured
