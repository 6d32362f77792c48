"""The Word file of a report: drawn from the default templates and from templates the office edits, and the check
an uploaded template passes before it is kept."""

from __future__ import annotations

import io
import logging
import warnings
import zipfile

import docx
import pytest
from django.utils import translation
from PIL import Image

from talentportal.jobs.reports.charts import chart_png
from talentportal.jobs.reports.document import (
    BAR,
    COUNT,
    LINE,
    MONEY,
    NUMBER,
    PERCENT,
    PIE,
    STACKED,
    TEXT,
    Chart,
    Document,
    Section,
    Table,
)
from talentportal.jobs.reports.docx import (
    TemplateRefused,
    check_template,
    chinese_number,
    default_template,
    render_docx,
)

COUNTIES = ["南湖区", "秀洲区", "嘉善县"]


def report() -> Document:
    """Three sections of the annual report: text, a table of every format, a chart of every kind."""
    talents = Table(
        "by_county",
        "表1 各县（市、区）人才情况",
        ["县（市、区）", "人才数", "奖补资金（万元）", "占比", "人均"],
        [["南湖区", 1200, 1234.5, 40.25, 1.5], ["秀洲区", 800, 0.5, 26.7, 2], ["嘉善县", 1000, 99, 33.05, None]],
        [TEXT, COUNT, MONEY, PERCENT, NUMBER],
        total=["合计", 3000, 1334.0, 100, 1.75],
        note="注：资金单位为万元。",
    )
    tiers = Table("by_tier", "表2 人才层次", ["层次", "人数"], [["顶尖人才", 3], ["领军人才", 12]])
    funding = Table("by_year", "表3 资金兑现", ["年度", "兑现", "计划"], [["2024", 10, 12], ["2025", 15, 14]])
    return Document(
        "annual",
        "2025年度嘉兴市人才发展报告",
        "（2025年度）",
        [("年度", "2025"), ("区域", "嘉兴市")],
        [
            Section("overview", "总体情况", ["全市人才工作稳步推进。", "引才数量 & 质量“双提升”。"]),
            Section(
                "talents",
                "人才引育",
                ["各县人才情况如下。"],
                [talents, tiers],
                [
                    Chart("counties", "图1 各县人才数", "by_county", [1], BAR),
                    Chart("share", "图2 人才层次", "by_tier", [1], PIE),
                ],
            ),
            Section(
                "funding",
                "资金兑现",
                [],
                [funding],
                [
                    Chart("stacked", "图3 兑现与计划", "by_year", [1, 2], STACKED),
                    Chart("trend", "图4 兑现趋势", "by_year", [1, 2], LINE),
                ],
            ),
        ],
    )


def opened(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def template(*paragraphs: str) -> io.BytesIO:
    """A template as the office would type it in Word: one paragraph per line."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    file = io.BytesIO()
    document.save(file)
    file.seek(0)
    return file


def texts(document: docx.document.Document) -> list[str]:
    return [p.text for p in document.paragraphs if p.text]


def cells(table: docx.table.Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_each_chart_drawn_is_told_so_the_job_shows_it():
    told = []
    render_docx(report(), default_template("annual"), lambda: told.append(1))
    assert len(told) == sum(len(section.charts) for section in report().sections) > 0


@pytest.mark.parametrize("name", ["annual", "generic"])
def test_default_templates_draw_text_tables_and_charts(name):
    drawn = opened(render_docx(report(), default_template(name)))

    paragraphs = texts(drawn)
    assert paragraphs[:3] == ["2025年度嘉兴市人才发展报告", "（2025年度）", "年度：2025　区域：嘉兴市"]
    headings = [p.text for p in drawn.paragraphs if p.style.name == "Heading 1"]
    # The annual template numbers its sections as the office does (资金兑现 is its sixth); the generic one counts.
    numbers = ["一", "二", "六"] if name == "annual" else ["一", "二", "三"]
    assert headings == [f"{n}、{h}" for n, h in zip(numbers, ["总体情况", "人才引育", "资金兑现"], strict=True)]
    assert "引才数量 & 质量“双提升”。" in paragraphs  # escaped in the XML, shown as typed

    assert len(drawn.tables) == 3
    county = drawn.tables[0]
    assert cells(county) == [
        ["县（市、区）", "人才数", "奖补资金（万元）", "占比", "人均"],
        ["南湖区", "1,200", "1,234.50", "40.2%", "1.50"],
        ["秀洲区", "800", "0.50", "26.7%", "2"],
        ["嘉善县", "1,000", "99.00", "33.0%", "—"],
        ["合计", "3,000", "1,334.00", "100.0%", "1.75"],
    ]
    assert county.style.name == "Report Table"
    assert county.rows[0]._tr.trPr.find(docx.oxml.ns.qn("w:tblHeader")) is not None
    assert all(run.bold for cell in county.rows[-1].cells for run in cell.paragraphs[0].runs)
    assert not any(run.bold for cell in county.rows[1].cells for run in cell.paragraphs[0].runs)
    assert county.rows[1].cells[2].paragraphs[0].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT
    assert county.rows[1].cells[0].paragraphs[0].alignment is None
    assert paragraphs.index("表1 各县（市、区）人才情况") < paragraphs.index("注：资金单位为万元。")

    assert len(drawn.inline_shapes) == 4
    order = ["图1 各县人才数", "图2 人才层次", "图3 兑现与计划", "图4 兑现趋势"]
    assert [p for p in paragraphs if p.startswith("图")] == order
    assert paragraphs.index("二、人才引育") < paragraphs.index("图1 各县人才数")


def test_a_template_without_the_report_styles_falls_back_to_table_grid():
    drawn = opened(render_docx(report(), template("{{ title }}", "{{p s.funding.tables }}")))

    assert texts(drawn) == ["2025年度嘉兴市人才发展报告", "表3 资金兑现"]
    assert drawn.tables[0].style.name == "Table Grid"
    assert cells(drawn.tables[0])[1] == ["2024", "10", "12"]


def test_an_edited_template_reorders_sections_renames_headings_and_places_single_pieces():
    edited = template(
        "{{ title }}",
        "一、人才队伍建设",
        "{{p s.talents.table.by_tier }}",
        "{%p for paragraph in s.overview.text %}",
        "{{ paragraph }}",
        "{%p endfor %}",
        "二、{{ s.funding.heading }}",
        "{{p s.funding.chart.trend }}",
        "附图：{{ s.talents.image.share }}",
        "{{p s.talents.table.no_such_table }}",
    )

    drawn = opened(render_docx(report(), edited))

    assert texts(drawn) == [
        "2025年度嘉兴市人才发展报告",
        "一、人才队伍建设",
        "表2 人才层次",
        "全市人才工作稳步推进。",
        "引才数量 & 质量“双提升”。",
        "二、资金兑现",
        "图4 兑现趋势",
        "附图：",
    ]
    assert [cells(t)[0] for t in drawn.tables] == [["层次", "人数"]]
    assert len(drawn.inline_shapes) == 2


def test_sections_can_be_looped_and_numbered():
    looped = template("{%p for section in sections %}", "{{ loop.index|cn }}、{{ section.heading }}", "{%p endfor %}")

    assert texts(opened(render_docx(report(), looped))) == ["一、总体情况", "二、人才引育", "三、资金兑现"]
    assert [chinese_number(n) for n in (1, 10, 12, 20, 21, 99)] == ["一", "十", "十二", "二十", "二十一", "九十九"]


@pytest.mark.parametrize("name", ["annual", "generic"])
def test_the_default_templates_pass_the_check(name):
    check_template(default_template(name))
    check_template(default_template(name), sample=report())


def refusal(file, **kwargs) -> str:
    with translation.override("en"), pytest.raises(TemplateRefused) as refused:
        check_template(file, **kwargs)
    return refused.value.message


def test_a_file_that_is_no_word_document_is_refused():
    assert "not a Word document" in refusal(io.BytesIO(b"name,year\n"))
    other_zip = io.BytesIO()
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert "not a Word document" in refusal(other_zip)


def test_a_zip_bomb_and_an_oversized_file_are_refused():
    bomb = io.BytesIO(template("{{ title }}").getvalue())
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/padding.xml", b"\0" * 5_000_000)
    assert "unpacks to far more" in refusal(bomb)
    assert "larger than 10.0" in refusal(io.BytesIO(b"PK" + b"\0" * (10 * 1024 * 1024)))


def test_a_tag_that_does_not_parse_is_refused_naming_its_line():
    message = refusal(template("{{ title }}", "正文", "{{ foo }", "{{ subtitle }}"))

    assert message.startswith("Line 3: ")
    assert "unexpected '}'" in message
    with translation.override("zh-hans"), pytest.raises(TemplateRefused) as refused:
        check_template(template("{{ title }}", "正文", "{{ foo }"))
    assert refused.value.message.startswith("第3行：")


def test_an_unknown_filter_is_refused_naming_its_line():
    message = refusal(template("{{ title }}", "{{ title|shout }}"))

    assert message == "Line 2: No filter named 'shout'."


def test_a_template_that_fails_when_filled_in_is_refused():
    assert "'foo' is undefined" in refusal(template("{{ title }}", "{{ foo.bar }}"))
    # Checked against a report of its kind, a section the report lacks is an error too.
    assert "'dict object' has no attribute 'plans'" in refusal(template("{{ s.plans.heading }}"), sample=report())


@pytest.mark.parametrize(
    "tag",
    [
        "{{ title.__class__.__mro__[1].__subclasses__() }}",
        "{{ s.__class__.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ sections[0].pieces.template.replace_zipname('docProps/app.xml', '/etc/hostname') }}",
        "{{ sections[0]._pieces.template.docx }}",
        "{{ s.overview.tables.save }}",
        "{{ s.overview.image.trend.tpl.write_xml }}",
        "{{ s.overview.table._items }}",
        "{{ title.encode }}",
        "{{ sections.append(1) }}",
    ],
)
def test_a_template_cannot_reach_pythons_internals(tag):
    """An uploaded template runs sandboxed: what would reach the interpreter is refused at upload."""
    message = refusal(template("{{ title }}", tag))
    assert "unsafe" in message or "undefined" in message or "has no attribute" in message, message
    with pytest.raises(TemplateRefused):  # checked against a report of its kind too
        check_template(template("{{ title }}", tag), sample=report())


def test_any_section_and_piece_key_passes_the_check_without_a_report_of_the_kind():
    check_template(template("{{ s.plans.heading }}", "{{p s.plans.table.targets }}", "{{p s.plans.chart.trend }}"))


def test_charts_draw_chinese_in_the_shipped_font(caplog):
    table = Table("t", "人才", ["县（市、区）", "人才数", "领军人才"], [[c, 10 * i, i] for i, c in enumerate(COUNTIES)])
    caplog.set_level(logging.WARNING)
    pictures = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for kind in (BAR, STACKED, LINE, PIE):
            pictures.append(chart_png(table, Chart(kind, "人才分布", "t", [1] if kind == PIE else [1, 2], kind)))

    messages = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if "missing" in m], messages
    for picture in pictures:
        image = Image.open(io.BytesIO(picture))
        image.verify()
        assert image.format == "PNG"
        assert image.size == (944, 472)  # 16 × 8 cm at 150 dpi


def test_a_chart_with_nothing_to_draw_says_so():
    empty = Table("t", "人才", ["县", "人才数"], [[c, 0] for c in COUNTIES])

    assert chart_png(empty, Chart("c", "图", "t", [1], PIE)).startswith(b"\x89PNG")
