"""Opening an uploaded roster: what kind of file it really is, whether it is safe to read, and its rows.

Spreadsheets (.xlsx, .xlsm, .xls, .ods) are read with python-calamine; CSV in UTF-8 (with or without BOM) or
GB18030/GBK with the csv module. Every refusal happens here, before a single row is looked at, and says what
to do about it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import python_calamine
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".csv"}
# A cell that holds something (``<c r="B7" t="s"><v>3</v></c>``); styled empty cells (``<c r="B7" s="1"/>``, or
# ``<c r="B7" s="1"></c>`` as openpyxl writes them with lxml) are not read, so they do not count. Attributes in any
# order, any spaces, either quotes: as XML reads them.
_FILLED_CELL = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br\s*=\s*["\']([A-Za-z]+)(\d+)["\'][^>]*?(?<!/)>(?!\s*</(?:\w+:)?c>)')
# The tags of an OpenDocument sheet that place its cells, and how often a row or a cell repeats.
_ODS_TAG = re.compile(rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>")
_ROWS_REPEATED = re.compile(rb"number-rows-repeated\s*=\s*[\"'](\d+)")
_COLUMNS_REPEATED = re.compile(rb"number-columns-repeated\s*=\s*[\"'](\d+)")
# The references that can make a sheet large: a column past Z, or a row past 99,999 (a cell's or a row's own).
_FAR_REFERENCE = re.compile(rb'r\s*=\s*["\'](?=[A-Za-z]{2}|[A-Za-z]?\d{6})([A-Za-z]*)(\d+)')
# Apache POI's rule against zip bombs: no member may unpack to more than 100 times its packed size, once it
# unpacks to more than 100 KiB (POI's ``MIN_INFLATE_RATIO`` and ``GRACE_ENTRY_SIZE``). A roster's XML packs
# 5 to 20 times; only padding packs further.
MAX_INFLATE_RATIO = 100
RATIO_GRACE_BYTES = 100 * 1024


class FileRefused(Exception):
    """The file cannot be imported at all; ``message`` says why (and nothing was read)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Sheet:
    """The rows of the sheet to import, as lists of cell values, read as they are iterated.

    ``first_row`` and ``first_column`` are the 0-based positions of the first row and cell ``rows`` yields, so
    row numbers and column letters match Excel's.
    """

    name: str
    rows: Iterator[list[Any]]
    height: int
    first_row: int = 0
    first_column: int = 0
    hidden_skipped: int = 0

    def numbered(self) -> Iterator[tuple[int, list[Any]]]:
        """(row number as Excel shows it, cells) for every row that has any value; blank rows are skipped."""
        for index, row in enumerate(self.rows, self.first_row + 1):
            # A cell of only spaces (also full-width or non-breaking ones) is blank too. Most rows show it by their
            # first cell: the rest are looked at only when it is blank.
            first = row[0] if row else None
            if (first.strip() if isinstance(first, str) else first is not None) or any(
                cell.strip() if isinstance(cell, str) else cell is not None for cell in row
            ):
                yield index, row


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + char - 64
    return number


def check_upload(name: str, size: int) -> None:
    """What can be refused from the name and size alone (before the file is stored)."""
    suffix = Path(name).suffix.lower()
    if suffix not in SPREADSHEET_SUFFIXES:
        raise FileRefused(
            _("“%(name)s” is not a spreadsheet: upload an .xlsx, .xls, .ods or .csv file.") % {"name": name}
        )
    if size == 0:
        raise FileRefused(_("The file is empty."))
    if size > settings.IMPORT_MAX_FILE_BYTES:
        raise FileRefused(
            _("The file is %(size)s; at most %(limit)s can be imported at once. Split it into several files.")
            % {"size": filesizeformat(size), "limit": filesizeformat(settings.IMPORT_MAX_FILE_BYTES)}
        )


def _too_many_rows(rows: int) -> FileRefused:
    return FileRefused(
        _("The sheet has %(rows)s rows; at most %(limit)s can be imported at once. Split it into several files.")
        % {"rows": f"{rows:,}", "limit": f"{settings.IMPORT_MAX_ROWS:,}"}
    )


def _check_area(rows: int, columns: int) -> None:
    if rows > settings.IMPORT_MAX_ROWS + 20:  # the header and title rows above it do not count
        raise _too_many_rows(rows)
    if rows * columns > settings.IMPORT_MAX_CELLS:
        raise FileRefused(
            _(
                "The sheet spans %(columns)s columns × %(rows)s rows, more cells than can be read at once. "
                "Delete the empty columns and rows at its edges, or split it."
            )
            % {"columns": f"{columns:,}", "rows": f"{rows:,}"}
        )


def _check_zip(path: Path) -> str:
    """Refuse zip bombs and zips that are no workbook; returns the first worksheet's member name."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            names = {m.filename for m in members}
            unpacked = sum(m.file_size for m in members)
            if unpacked > settings.IMPORT_MAX_UNPACKED_BYTES:
                raise FileRefused(
                    _("The file unpacks to %(size)s, far more than a roster holds; it was not read.")
                    % {"size": filesizeformat(unpacked)}
                )
            _check_ratios(members)
            if "content.xml" in names and "mimetype" in names:
                _check_area(*_ods_area(archive))
                return ""
            if "xl/workbook.xml" not in names:
                raise FileRefused(_("The file is not a spreadsheet (it is some other kind of zip archive)."))
            sheets = sorted(n for n in names if n.startswith("xl/worksheets/sheet") and n.endswith(".xml"))
            for sheet in sheets:
                # The declared range is not trusted: calamine sizes the sheet from its cells, and a small range
                # declared over one far cell would ask for all the memory there is.
                try:
                    _check_area(*_area_bound(archive, sheet))
                except FileRefused:
                    _check_area(*_filled_area(archive, sheet))
            return sheets[0] if sheets else ""
    except zipfile.BadZipFile:
        raise FileRefused(_("The file is damaged or not a spreadsheet; open it in Excel and save it again.")) from None


def _check_ratios(members: list[zipfile.ZipInfo]) -> None:
    for member in members:
        if member.file_size > RATIO_GRACE_BYTES and member.file_size > MAX_INFLATE_RATIO * member.compress_size:
            raise FileRefused(
                _(
                    "A part of the file unpacks to %(ratio)s times its packed size (%(size)s), more than any "
                    "spreadsheet does; it was not read. Open it in Excel and save it again."
                )
                % {
                    "ratio": f"{member.file_size // max(member.compress_size, 1):,}",
                    "size": filesizeformat(member.file_size),
                }
            )


def _filled_area(archive: zipfile.ZipFile, member: str) -> tuple[int, int]:
    """The rows and columns up to the furthest cell holding a value, found without building the sheet."""
    rows = columns = 0
    with archive.open(member) as stream:
        for piece in _whole_tags(stream):
            for col, row in _FILLED_CELL.findall(piece):
                rows, columns = max(rows, int(row)), max(columns, _column_number(col))
    return rows, columns


def _area_bound(archive: zipfile.ZipFile, member: str) -> tuple[int, int]:
    """At least the rows and columns up to the furthest cell, quickly: only references past column Z or row 99,999
    are looked at (one in ten thousand cells of a large roster), and styled empty cells count too. When this is
    too large, ``_filled_area`` measures exactly."""
    rows, columns = 99_999, 26
    with archive.open(member) as stream:
        for piece in _whole_tags(stream):
            for letters, number in _FAR_REFERENCE.findall(piece):
                if len(letters) > 1:
                    columns = max(columns, _column_number(letters))
                if len(number) > 5:
                    rows = max(rows, int(number))
    return rows, columns


def _ods_area(archive: zipfile.ZipFile) -> tuple[int, int]:
    """The largest sheet of an OpenDocument file as calamine will build it: rows and columns up to the furthest cell
    with a value, each repeated as often as it says (``number-rows-repeated``, ``number-columns-repeated``): one
    cell repeated a million times is a few bytes of XML and a million cells of memory."""
    rows = columns = 0  # the furthest filled cell of the largest sheet so far
    at = last = width = 0  # the current sheet: rows passed, rows up to the last filled one, its widest filled row
    repeat = position = filled = 0  # the current row
    with archive.open("content.xml") as stream:
        for piece in _whole_tags(stream):
            for closing, name, attributes, empty in _ODS_TAG.findall(piece):
                if name == b"table":
                    if not closing:
                        at = last = width = 0
                elif name == b"table-row":
                    if not closing:
                        repeat, position, filled = _repeated(_ROWS_REPEATED, attributes), 0, 0
                    if closing or empty:
                        if filled:
                            last, width = at + repeat, max(width, filled)
                        at += repeat
                elif not closing:  # a cell: filled when it has content or a value
                    position += _repeated(_COLUMNS_REPEATED, attributes)
                    if not empty or b"value-type" in attributes:
                        filled = position
                rows, columns = max(rows, last), max(columns, width)
    return rows, columns


def _repeated(pattern: re.Pattern[bytes], attributes: bytes) -> int:
    found = pattern.search(attributes)
    return int(found.group(1)) if found else 1


def _whole_tags(stream: Any) -> Iterator[bytes]:
    """The stream in pieces of about 1 MiB, each cut before its last ``<`` so no tag is split between two."""
    tail = b""
    while chunk := stream.read(1 << 20):
        piece = tail + chunk
        cut = piece.rfind(b"<")
        piece, tail = (piece[:cut], piece[cut:]) if cut > 0 else (piece, b"")
        yield piece
    yield tail


def _is_encrypted_ole(path: Path) -> bool:
    """An encrypted .xlsx is an OLE container with an ``EncryptedPackage`` stream (names are UTF-16)."""
    with path.open("rb") as stream:
        head = stream.read(1 << 20)
    return "EncryptedPackage".encode("utf-16-le") in head or "EncryptionInfo".encode("utf-16-le") in head


def _decode_csv(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise FileRefused(
            _("The file's text is neither UTF-8 nor GBK; save it again as “CSV UTF-8” or as .xlsx.")
        ) from None


def _read_csv(path: Path) -> Sheet:
    data = path.read_bytes()
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRefused(_("The file is not a spreadsheet; upload an .xlsx, .xls, .ods or .csv file."))
    content = _decode_csv(data)
    if not content.strip():
        raise FileRefused(_("The file has no rows."))
    try:
        dialect: Any = csv.Sniffer().sniff(content[:8192], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(content), dialect))
    _check_area(len(rows), max((len(r) for r in rows[:1000]), default=0))
    return Sheet(name=path.stem, rows=iter(rows), height=len(rows))


def _calamine_refusal(error: Exception) -> FileRefused:
    if isinstance(error, python_calamine.PasswordError) or "password" in str(error).lower():
        return FileRefused(_("The workbook is protected by a password; remove the password in Excel and save again."))
    return FileRefused(_("The file is damaged or not a spreadsheet; open it in Excel and save it again."))


def open_sheet(path: Path, checked: bool = False) -> Sheet:
    """The first visible worksheet of the file, refused with a message when it cannot or must not be read.

    ``checked``: the file was opened once already in this pass, so its archive need not be measured again.
    """
    size = path.stat().st_size
    check_upload(path.name, size)
    with path.open("rb") as stream:
        magic = stream.read(8)
    if magic.startswith(ZIP_MAGIC):
        if not checked:
            _check_zip(path)
    elif magic == OLE_MAGIC:
        if _is_encrypted_ole(path):
            raise FileRefused(
                _("The workbook is protected by a password; remove the password in Excel and save again.")
            )
    else:
        if path.suffix.lower() != ".csv":
            if path.suffix.lower() in {".xlsx", ".xlsm", ".xls", ".ods"} and _looks_like_text(path):
                return _read_csv(path)  # a CSV saved under a spreadsheet's name still reads as a CSV
            raise FileRefused(_("The file is not a spreadsheet; upload an .xlsx, .xls, .ods or .csv file."))
        return _read_csv(path)
    try:
        with path.open("rb") as stream:  # the format from the content: an .xlsx renamed .xls still reads
            workbook = python_calamine.CalamineWorkbook.from_filelike(stream)
        visible = [
            meta.name
            for meta in workbook.sheets_metadata
            if meta.visible == python_calamine.SheetVisibleEnum.Visible
            and meta.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]
        if not visible:
            raise FileRefused(_("The workbook has no visible worksheet."))
        sheet = workbook.get_sheet_by_name(visible[0])
        start, end = sheet.start, sheet.end
        height = end[0] + 1 if end else 0  # ``end`` is the last cell's 0-based (row, column)
        _check_area(height, end[1] + 1 if end else 0)
    except FileRefused:
        raise
    except Exception as error:  # calamine's own errors (damaged zip, bad XML, wrong password) and panics
        raise _calamine_refusal(error) from None
    if start is None:
        raise FileRefused(_("The sheet “%(name)s” is empty.") % {"name": visible[0]})
    hidden = len(workbook.sheets_metadata) - len(visible)
    # calamine's rows start at the sheet's first row, and its cells at the first column that has any value.
    return Sheet(name=visible[0], rows=sheet.iter_rows(), height=height, first_column=start[1], hidden_skipped=hidden)


def _looks_like_text(path: Path) -> bool:
    with path.open("rb") as stream:
        head = stream.read(4096)
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            head.decode("gb18030")
        except UnicodeDecodeError:
            return False
    return b"," in head or b"\t" in head
