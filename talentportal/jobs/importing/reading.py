"""Opening an uploaded roster: what kind of file it really is, whether it is safe to read, and its rows.

Spreadsheets (.xlsx, .xlsm, .xls, .ods) are read with python-calamine; CSV in UTF-8 (with or without BOM) or
GB18030/GBK with the csv module. Every refusal happens here, before a single row is looked at, and says what
to do about it.
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import re
import weakref
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from itertools import count
from pathlib import Path
from typing import Any

import python_calamine
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .threads import lower_priority

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
# A worksheet whose XML unpacks to more than this is read a part at a time (``_Parts``).
PART_BYTES = 8 << 20
# The first part small, each next one twice as large up to PART_BYTES: the first rows come at once.
FIRST_PART_BYTES = 1 << 20
_ROW_TAG = re.compile(rb"<((?:\w+:)?)row[\s/>]")
_ROW_NUMBER = re.compile(rb"\sr\s*=")
_SHEET_DATA = re.compile(rb"<((?:\w+:)?)sheetData[\s>]")
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData\s*>")
_ROOT = re.compile(rb"<((?:\w+:)?)worksheet[\s>]")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*>")
_DIMENSION_END = re.compile(rb'ref\s*=\s*["\'][^"\']*?(\d+)["\']')
_ELEMENT = re.compile(rb"<(?:\w+:)?(sheet|Relationship)\s([^>]*)>")
_ATTRIBUTE = re.compile(rb'([\w:]+)\s*=\s*(["\'])(.*?)\2', re.S)


class FileRefused(Exception):
    """The file cannot be imported at all; ``message`` says why (and nothing was read)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Sheet:
    """The rows of the sheet to import, as (row number as Excel shows it, cells), read as they are iterated.

    ``first_column`` is the 0-based position of the first cell of each row, so column letters match Excel's;
    ``height`` is the last row's number (for a sheet read in parts, as far as it can be told before the end).
    """

    name: str
    rows: Iterator[tuple[int, list[Any]]]
    height: int
    first_column: int = 0
    hidden_skipped: int = 0

    def numbered(self) -> Iterator[tuple[int, list[Any]]]:
        """(row number as Excel shows it, cells) for every row that has any value; blank rows are skipped."""
        for index, row in self.rows:
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


def _check_zip(path: Path) -> list[str]:
    """Refuse zip bombs and zips that are no workbook; the members that may hold a sheet, for ``_check_sheets`` to
    measure before one is built."""
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
                return []
            if "xl/workbook.xml" not in names:
                raise FileRefused(_("The file is not a spreadsheet (it is some other kind of zip archive)."))
            # Every part that could be a sheet: python-calamine follows the workbook's relations wherever they lead.
            return sorted(n for n in names if n.endswith(".xml") and n != "[Content_Types].xml")
    except zipfile.BadZipFile:
        raise _damaged() from None


def _check_sheets(path: Path, members: list[str]) -> None:
    with zipfile.ZipFile(path) as archive:
        for member in members:
            _measure(partial(_member_text, archive, member))


def _measure(text: Callable[[], Iterable[bytes]]) -> None:
    """Refuse a worksheet (its XML in pieces from ``text``) that reaches further than can be read, before
    python-calamine builds it. The declared range is not trusted: calamine sizes the sheet from its cells, and a
    small range declared over one far cell would ask for all the memory there is."""
    try:
        _check_area(*_area_bound(text()))
    except FileRefused:
        _check_area(*_filled_area(text()))


def _member_text(archive: zipfile.ZipFile, member: str) -> Iterator[bytes]:
    with archive.open(member) as stream:
        yield from _whole_tags(stream)


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


def _filled_area(pieces: Iterable[bytes]) -> tuple[int, int]:
    """The rows and columns up to the furthest cell holding a value, found without building the sheet."""
    rows = columns = 0
    for piece in pieces:
        for col, row in _FILLED_CELL.findall(piece):
            rows, columns = max(rows, int(row)), max(columns, _column_number(col))
    return rows, columns


def _area_bound(pieces: Iterable[bytes]) -> tuple[int, int]:
    """At least the rows and columns up to the furthest cell, quickly: only references past column Z or row 99,999
    are looked at (one in ten thousand cells of a large roster), and styled empty cells count too. When this is
    too large, ``_filled_area`` measures exactly."""
    rows, columns = 99_999, 26
    for piece in pieces:
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
    return Sheet(name=path.stem, rows=enumerate(rows, 1), height=len(rows))


def _calamine_refusal(error: Exception) -> FileRefused:
    if isinstance(error, python_calamine.PasswordError) or "password" in str(error).lower():
        return FileRefused(_("The workbook is protected by a password; remove the password in Excel and save again."))
    return _damaged()


def _damaged() -> FileRefused:
    return FileRefused(_("The file is damaged or not a spreadsheet; open it in Excel and save it again."))


def open_sheet(path: Path, checked: bool = False) -> Sheet:
    """The first visible worksheet of the file, refused with a message when it cannot or must not be read.

    ``checked``: the file was opened once already in this pass, so its archive need not be measured again.
    """
    size = path.stat().st_size
    check_upload(path.name, size)
    with path.open("rb") as stream:
        magic = stream.read(8)
    sheets: list[str] = []  # the worksheets to measure before one is built whole
    if magic.startswith(ZIP_MAGIC):
        if not checked:
            sheets = _check_zip(path)
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
        hidden = len(workbook.sheets_metadata) - len(visible)
        parts = _Parts.open(path, visible[0], measure=not checked) if magic.startswith(ZIP_MAGIC) else None
        streamed = parts.sheet(hidden) if parts is not None else None
        if streamed is not None:
            return streamed
        if sheets:
            _check_sheets(path, sheets)
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
    # calamine's rows start at the sheet's first row, and its cells at the first column that has any value.
    return Sheet(
        name=visible[0],
        rows=enumerate(sheet.iter_rows(), 1),
        height=height,
        first_column=start[1],
        hidden_skipped=hidden,
    )


class _Parts:
    """A large worksheet read a part at a time: its XML cut before a row every ``PART_BYTES`` or so (the first parts
    smaller, from ``FIRST_PART_BYTES`` doubling), each part made a workbook of its own (the file's workbook, styles
    and shared strings, and the part's rows) that python-calamine builds on a thread while the rows before it are
    read. Built whole, a 100,000-row sheet kept the import waiting seconds for its first row, with the database idle.
    Each part, and every other part of the file python-calamine is given, is measured before it is built
    (``_measure``), as a sheet built whole is.

    The columns are those of the first part that has a cell: a later part's cells left of it (in no column of the
    header) are not read, and a part starting further right is padded to line up.
    """

    def __init__(self, path: Path, name: str, member: str, package: dict[str, bytes], size: int, measure: bool) -> None:
        self.path, self.name, self.member, self.package, self.size = path, name, member, package, size
        self.measure = measure
        self.declared = 0  # the last row the sheet declares (its ``dimension``), for the progress
        self.read = 0  # bytes of the sheet's XML cut into parts so far
        self.made: weakref.ref[Sheet]  # not the sheet itself: its rows refer to this, and would keep it alive
        self.last = 0  # the number of the last row of the parts read so far

    @classmethod
    def open(cls, path: Path, name: str, measure: bool) -> _Parts | None:
        """The sheet ``name`` of the workbook at ``path`` in parts, or None when it is small or its part cannot be
        told from the workbook's relations (it is then built whole). ``measure``: the file was not read before."""
        with zipfile.ZipFile(path) as archive:
            member, others = _sheet_part(archive, name)
            size = archive.getinfo(member).file_size if member is not None else 0
            if member is None or size <= PART_BYTES:
                return None
            package = {other: archive.read(other) for other in others}
            if measure:
                for data in package.values():
                    _measure(partial(iter, (data,)))
            return cls(path, name, member, package, size, measure)

    def sheet(self, hidden_skipped: int) -> Sheet | None:
        """The sheet, its first part built; None when that part cannot be (the sheet is then built whole, which
        says what is wrong with it)."""
        pieces = self.pieces()
        try:
            first = next(filter(None, map(self.build, pieces)), None)  # the first part with a cell sets the columns
            end = self.read
        except FileRefused:
            pieces.close()
            raise
        except Exception:
            first = None
        if first is None:
            pieces.close()
            return None
        sheet = Sheet(self.name, self.rows(first, pieces), 0, first_column=first[1], hidden_skipped=hidden_skipped)
        self.made = weakref.ref(sheet)
        self.reached(first, end)
        return sheet

    def reached(self, part: tuple[int, int, Any] | None, end: int) -> None:
        """The sheet's height once ``part``, ending ``end`` bytes into the sheet's XML, is read: the one it declares,
        or else as far as those bytes tell (the last row's number once every part is read, ``rows``)."""
        if part is not None and (sheet := self.made()) is not None:
            self.last = part[0] + part[2].height - 1
            sheet.height = max(self.declared, self.last, self.last * self.size // max(end, 1))

    def pieces(self) -> Generator[bytes, None, None]:
        """The parts, each a worksheet's XML: the sheet's own opening, the part's rows, the closing tags. None when
        the sheet cannot be cut (rows that do not say their numbers, cells before the first row): it is then
        built whole."""
        try:
            with zipfile.ZipFile(self.path) as archive, archive.open(self.member) as stream:
                yield from self.cut(stream)
        except (zipfile.BadZipFile, zlib.error, EOFError):
            raise _damaged() from None

    def cut(self, stream: Any) -> Iterator[bytes]:
        """The sheet's XML read from ``stream`` and cut into parts (``pieces``), each measured before it is given."""
        buffer = bytearray()
        head = closing = tag = b""
        want = FIRST_PART_BYTES
        scanned = cut = 0  # how far the buffer was looked through; where the last numbered row in it starts
        while True:
            data = stream.read(min(want, 1 << 20))
            buffer += data
            if not tag:
                found = _ROW_TAG.search(buffer, max(0, scanned - 16))
                scanned = len(buffer)
                if found is None or (data and buffer.find(b">", found.start()) < 0):
                    if data:
                        continue
                    return
                opened = self.opening(bytes(buffer[: found.start()]))
                if opened is None or not _numbered_row(buffer, found.start()):
                    return
                head, closing = opened
                tag = b"<" + found.group(1) + b"row"
                del buffer[: found.start()]
                self.read, scanned = len(head), 0
            if data:
                cut = max(cut, _last_row(buffer, tag, max(1, scanned - len(tag) - 256)))
                scanned = len(buffer)
                if len(buffer) < want or cut <= 0:  # not yet a part's worth, or one row longer than a part
                    if len(buffer) > 4 * PART_BYTES:
                        raise _damaged()
                    continue
            else:
                end = _SHEET_DATA_END.search(buffer)
                cut = len(buffer) if end is None else end.start()
            part = head + bytes(buffer[:cut]) + closing
            self.read += cut
            del buffer[:cut]
            scanned, cut = len(buffer), 0
            if self.measure:
                _measure(partial(iter, (part,)))  # what python-calamine is given, its opening too
            want = min(2 * want, PART_BYTES)  # the first batch waits for 3 MiB to be built, not 9
            yield part
            if not data:
                return

    def opening(self, head: bytes) -> tuple[bytes, bytes] | None:
        """The sheet's XML before its first row, without its declared range (python-calamine would make room for
        the whole sheet in each part), and the tags that close a part; None unless only the first row follows
        the opening of the sheet's data."""
        data, root = _SHEET_DATA.search(head), _ROOT.search(head)
        if data is None or root is None or head[head.find(b">", data.start()) + 1 :].strip():
            return None
        if (dimension := _DIMENSION.search(head)) is not None:
            declared = _DIMENSION_END.search(dimension.group(0))
            self.declared = int(declared.group(1)) if declared else 0
        return _DIMENSION.sub(b"", head), b"</" + data.group(1) + b"sheetData></" + root.group(1) + b"worksheet>"

    def build(self, piece: bytes) -> tuple[int, int, Any] | None:
        """The part built: (its first row's number, its first column, the sheet python-calamine made of it), None
        when it has no cell. Its cells become Python's where they are read (``_lined_up``), as the GIL is free."""
        package = io.BytesIO()
        with zipfile.ZipFile(package, "w") as out:  # stored: packing what is unpacked at once would only cost
            for name, data in self.package.items():
                out.writestr(name, data)
            out.writestr(self.member, piece)
        package.seek(0)
        sheet = python_calamine.CalamineWorkbook.from_filelike(package).get_sheet_by_name(self.name)
        start = sheet.start
        return None if start is None else (start[0] + 1, start[1], sheet)

    def rows(
        self, first: tuple[int, int, Any], pieces: Generator[bytes, None, None]
    ) -> Iterator[tuple[int, list[Any]]]:
        """Every row, the next part building while one is read."""
        column = first[1]
        built: Future[Any] = Future()
        built.set_result(first)
        try:
            with ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="import-sheet", initializer=lower_priority
            ) as pool:
                ahead = deque([(built, self.read)])
                for piece in pieces:
                    ahead.append((pool.submit(self.build, piece), self.read))
                    yield from self.lined_up(*ahead.popleft(), column)
                while ahead:
                    yield from self.lined_up(*ahead.popleft(), column)
            if (sheet := self.made()) is not None:
                sheet.height = self.last
        finally:
            pieces.close()

    def lined_up(self, built: Future[Any], end: int, column: int) -> Iterator[tuple[int, list[Any]]]:
        """A part's rows, their cells from the sheet's first column."""
        try:
            part = built.result()
        except Exception as error:
            raise _calamine_refusal(error) from None
        self.reached(part, end)
        return _lined_up(part, column) if part is not None else iter(())


def _lined_up(part: tuple[int, int, Any], column: int) -> Iterator[tuple[int, list[Any]]]:
    number, start, sheet = part
    cells = sheet.to_python()
    if start > column:
        pad = [""] * (start - column)
        cells = [pad + row for row in cells]
    elif start < column:
        cells = [row[column - start :] for row in cells]
    return zip(count(number), cells)


def _last_row(buffer: bytearray, tag: bytes, since: int) -> int:
    """Where the last row that starts in ``buffer`` past ``since`` and says its number begins (-1 when none does).
    A row may leave its number out, meaning the one after the row before: a part never starts with one."""
    at = len(buffer)
    while (at := buffer.rfind(tag, since, at)) >= 0:
        follows = buffer[at + len(tag) : at + len(tag) + 1]
        if follows and follows in b" \t\r\n/>" and _numbered_row(buffer, at):
            return at
    return at


def _numbered_row(xml: bytes | bytearray, at: int) -> bool:
    """Whether the row tag at ``at`` has its ``r`` attribute."""
    return _ROW_NUMBER.search(xml, at, xml.find(b">", at)) is not None


def _sheet_part(archive: zipfile.ZipFile, name: str) -> tuple[str | None, list[str]]:
    """The member holding the worksheet ``name``, and the members python-calamine reads besides the sheets (the
    package's parts list and relations, the workbook, its shared strings and styles)."""
    try:
        workbook, relations = archive.read("xl/workbook.xml"), archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None, []
    sheets: dict[str, str] = {}
    for kind, attributes in _ELEMENT.findall(workbook):
        if kind == b"sheet":
            values = _attributes(attributes)
            relation = next((v for k, v in values.items() if k.endswith(":id")), None)
            if relation is not None and "name" in values:
                sheets[html.unescape(values["name"])] = relation
    targets: dict[str, str] = {}
    names = set(archive.namelist())
    package: list[str] = [extra for extra in ("[Content_Types].xml", "_rels/.rels") if extra in names]
    package += ["xl/workbook.xml", "xl/_rels/workbook.xml.rels"]
    for kind, attributes in _ELEMENT.findall(relations):
        values = _attributes(attributes)
        target = values.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        if kind != b"Relationship" or values.get("TargetMode") == "External" or target not in names:
            continue
        kind_of = values.get("Type", "").rsplit("/", 1)[-1]
        if kind_of in ("worksheet", "chartsheet", "dialogsheet", "xlMacrosheet"):
            targets[values.get("Id", "")] = target
        elif kind_of in ("sharedStrings", "styles"):  # what turns the cells into values; not macros, not pivots
            package.append(target)
    member = targets.get(sheets.get(name, ""))
    return (member, package) if member not in package else (None, [])


def _attributes(text: bytes) -> dict[str, str]:
    return {k.decode(): html.unescape(v.decode("utf-8", "replace")) for k, _q, v in _ATTRIBUTE.findall(text)}


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
