"""``write_xlsx``, the one streamed sheet behind registry exports and an import's error report, read back as Excel
and openpyxl read it: text always text (formulas kept as typed), numbers as numbers, dates as dates shown as dates,
what XML cannot carry dropped, a flagged cell filled red with its comment, the header bold (red where asked), and
values no cell can hold (NaN, infinity) written as text instead of failing the export."""

from __future__ import annotations

import datetime
import decimal
from io import BytesIO

from django.utils import timezone
from openpyxl import load_workbook

from talentportal.excel import PROGRESS_EVERY, Flagged, write_xlsx

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def written(headers, rows, **options):
    out = BytesIO()
    count = write_xlsx(out, title="人才名册：" + "很长的标题" * 10, headers=headers, rows=rows, **options)
    return count, load_workbook(BytesIO(out.getvalue()))


def test_cells_read_back_as_typed() -> None:
    row = [
        '=HYPERLINK("http://evil","x")', "+SUM(1,2)", "-1", "@cmd", "甲\x00乙\x1b丙", "", None, True, False,
        7, -2.5, decimal.Decimal("12345678.90"), float("nan"), float("inf"),
        datetime.date(1985, 6, 1), datetime.datetime(2026, 12, 7, 9, 30, tzinfo=datetime.UTC),
        Flagged("330402198001011234", "校验码应为 6。\x07"),
        "\t制表符开头", decimal.Decimal("NaN"), decimal.Decimal("-Infinity"), decimal.Decimal("1e400"),
        decimal.Decimal("sNaN"),
    ]  # fmt: skip
    with timezone.override("Asia/Shanghai"):
        count, book = written([f"列{n}" for n in range(len(row))], [row], red_headers=[2])
    assert count == 1
    sheet = book.active
    assert sheet.title == "人才名册：很长的标题很长的标题很长的标题很长的标题很长的标题很"[:31]
    header, cells = list(sheet.iter_rows())
    assert [c.value for c in header] == [f"列{n}" for n in range(len(row))]
    assert all(c.font.b for c in header) and header[2].font.color.rgb.endswith("C00000")
    assert header[0].font.color is None or "C00000" not in str(header[0].font.color.rgb)
    values = [c.value for c in cells]
    assert values[:5] == ['=HYPERLINK("http://evil","x")', "+SUM(1,2)", "-1", "@cmd", "甲乙丙"]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells[:4]) and not cells[4].quotePrefix
    assert values[5:9] == [None, None, "是", "否"]
    assert values[9:12] == [7, -2.5, 12345678.9] and cells[9].data_type == "n"
    assert values[12:14] == ["nan", "inf"]
    assert values[14] == datetime.datetime(1985, 6, 1) and cells[14].number_format == "yyyy-mm-dd"
    assert values[15] == datetime.datetime(2026, 12, 7, 17, 30) and cells[15].number_format == "yyyy-mm-dd h:mm:ss"
    assert values[16] == "330402198001011234"
    assert cells[16].fill.fgColor.rgb.endswith("FFC7CE") and cells[16].comment.text == "校验码应为 6。"
    assert not cells[0].fill.fgColor.rgb.endswith("FFC7CE") and cells[0].comment is None
    assert values[17:] == ["\t制表符开头", "NaN", "-Infinity", "1E+400", "sNaN"] and cells[17].quotePrefix


def test_rows_stream_with_progress() -> None:
    told: list[int] = []
    rows = ([n, f"人才{n}"] for n in range(2 * PROGRESS_EVERY + 5))
    count, book = written(["序号", "姓名"], rows, progress=told.append)
    assert count == 2 * PROGRESS_EVERY + 5 and told == [PROGRESS_EVERY, 2 * PROGRESS_EVERY]
    last = list(book.active.iter_rows(values_only=True))[-1]
    assert last == (2 * PROGRESS_EVERY + 4, f"人才{2 * PROGRESS_EVERY + 4}")


def test_a_title_excel_would_refuse_is_trimmed() -> None:
    out = BytesIO()
    write_xlsx(out, title="'人才'", headers=["姓名"], rows=[])
    assert load_workbook(BytesIO(out.getvalue())).active.title == "人才"


def test_no_rows_is_the_header_alone() -> None:
    count, book = written(["姓名"], [])
    assert count == 0 and list(book.active.iter_rows(values_only=True)) == [("姓名",)]
