"""Draw the Word templates the reports are filled into: talentportal/jobs/reports/templates/{annual,generic}.docx.

Run ``python scripts/report_templates.py`` after changing this script and commit the files it writes. The office
edits its own copies in Word or WPS and uploads them; these are only the defaults.

The layout follows the usual style of official documents (GB/T 9704): A4, margins 37/35/28/26 mm, the title in
方正小标宋简体 22 pt, level-1 headings in 黑体, level-2 in 楷体_GB2312, the body in 仿宋_GB2312 16 pt on a fixed
28 pt line with a two-character indent, the page number in the footer. Styles named "Report …" are what
``talentportal.jobs.reports.docx`` gives the tables and charts it draws. Each Jinja tag is written as one run, so
Word never splits it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import BaseStyle

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "talentportal" / "jobs" / "reports" / "templates"

TITLE_FONT, HEADING_FONT, SUBHEADING_FONT, BODY_FONT, PAGE_FONT = (
    "方正小标宋简体",
    "黑体",
    "楷体_GB2312",
    "仿宋_GB2312",
    "宋体",
)
# The annual report's sections, by key, in the order they are printed.
ANNUAL_SECTIONS = (
    "overview",
    "talents",
    "programs",
    "enterprises",
    "platforms",
    "funding",
    "services",
    "plans",
    "assessment",
)
NUMERALS = "一二三四五六七八九十"


def set_fonts(r_pr: OxmlElement, name: str, latin: str = "Times New Roman") -> None:
    """Fonts of run properties (``w:rPr``): ``name`` for Chinese (w:eastAsia), ``latin`` for the rest; theme
    fonts removed, since they would override both."""
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is not None:
        r_pr.remove(fonts)
    fonts = OxmlElement("w:rFonts")
    for attribute, value in (("ascii", latin), ("hAnsi", latin), ("eastAsia", name), ("cs", latin)):
        fonts.set(qn(f"w:{attribute}"), value)
    r_pr.insert(0, fonts)


def paragraph_style(
    document: Document,
    name: str,
    font: str,
    size: float,
    *,
    align: WD_ALIGN_PARAGRAPH | None = WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent: bool = True,
    line: float | None = 28,
    before: float = 0,
    after: float = 0,
    bold: bool = False,
    outline: int | None = None,
) -> BaseStyle:
    """A paragraph style written from scratch (python-docx's built-in ones carry colours, borders and theme
    fonts an official document does not want)."""
    try:
        style = document.styles[name]
    except KeyError:
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = document.styles["Normal"]
        style.quick_style = True
    element = style.element
    # The linked character style of a built-in heading carries python-docx's theme colours and fonts.
    for tag in ("w:pPr", "w:rPr", "w:link"):
        old = element.find(qn(tag))
        if old is not None:
            element.remove(old)
    set_fonts(element.get_or_add_rPr(), font)
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.color.rgb = RGBColor(0, 0, 0)
    formatting = style.paragraph_format
    formatting.alignment = align
    formatting.space_before = Pt(before)
    formatting.space_after = Pt(after)
    if line:
        formatting.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        formatting.line_spacing = Pt(line)
    else:
        formatting.line_spacing_rule = WD_LINE_SPACING.SINGLE
    p_pr = element.get_or_add_pPr()
    ind = p_pr.get_or_add_ind()
    # Two characters of the style's own size, as Chinese text is indented (w:firstLineChars is in 1/100 char).
    ind.set(qn("w:firstLineChars"), "200" if indent else "0")
    ind.set(qn("w:firstLine"), str(int(size * 2 * 20)) if indent else "0")
    if outline is not None:
        formatting.keep_with_next = True
        level = OxmlElement("w:outlineLvl")
        level.set(qn("w:val"), str(outline))
        p_pr.append(level)
    return style


def lay_out(document: Document) -> None:
    """Page, document defaults and every style the templates and the drawn tables use."""
    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.footer_distance = Mm(25)
        footer = section.footer.paragraphs[0]
        footer.style = document.styles["Footer"]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        footer.add_run("— ")
        page_number(footer)
        footer.add_run(" —")
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    set_fonts(defaults.find(qn("w:rPr")), BODY_FONT)
    lang = defaults.find(qn("w:rPr")).find(qn("w:lang"))
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    paragraph_style(document, "Normal", BODY_FONT, 16)
    paragraph_style(document, "Title", TITLE_FONT, 22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, line=None,
                    before=0, after=16)  # fmt: skip
    paragraph_style(document, "Subtitle", SUBHEADING_FONT, 16, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    paragraph_style(document, "Heading 1", HEADING_FONT, 16, outline=0)
    paragraph_style(document, "Heading 2", SUBHEADING_FONT, 16, outline=1)
    paragraph_style(document, "Footer", PAGE_FONT, 14, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, line=None)
    paragraph_style(document, "Report Caption", HEADING_FONT, 14, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False,
                    line=None, before=6, after=3)  # fmt: skip
    paragraph_style(document, "Report Table Text", BODY_FONT, 12, align=None, indent=False, line=None)
    paragraph_style(document, "Report Note", BODY_FONT, 12, align=WD_ALIGN_PARAGRAPH.LEFT, indent=False, line=None,
                    after=6)  # fmt: skip
    paragraph_style(document, "Report Figure", BODY_FONT, 12, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False,
                    line=None, before=6)  # fmt: skip
    table = document.styles.add_style("Report Table", WD_STYLE_TYPE.TABLE)
    table.base_style = document.styles["Table Grid"]
    table.quick_style = True
    # Centred on the page; w:tblPr follows w:rPr among a style's children, as the schema orders them.
    t_pr = OxmlElement("w:tblPr")
    jc = OxmlElement("w:jc")
    jc.set(qn("w:val"), "center")
    t_pr.append(jc)
    table.element.append(t_pr)


def page_number(paragraph: object) -> None:
    """A PAGE field: Word and WPS fill in each page's number."""
    run = paragraph.add_run()  # type: ignore[attr-defined]
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == " PAGE ":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = text
            run._r.append(instruction)
        else:
            shown = OxmlElement("w:t")
            shown.text = text
            run._r.append(shown)


def tagged(document: Document, style: str, *parts: str) -> None:
    """A paragraph of ``parts``, each its own run: a Jinja tag is never split across runs."""
    paragraph = document.add_paragraph(style=style)
    for part in parts:
        paragraph.add_run(part)


def front_matter(document: Document) -> None:
    tagged(document, "Title", "{{ title }}")
    tagged(document, "Subtitle", "{%p if subtitle %}")
    tagged(document, "Subtitle", "{{ subtitle }}")
    tagged(document, "Subtitle", "{%p endif %}")
    tagged(document, "Subtitle", "{%p if facts %}")
    tagged(document, "Subtitle", "{% for label, value in facts %}", "{{ label }}", "：", "{{ value }}",
           "{% if not loop.last %}", "　", "{% endif %}", "{% endfor %}")  # fmt: skip
    tagged(document, "Subtitle", "{%p endif %}")


def annual() -> Document:
    """The annual report: its sections by key, in the office's order, numbered as the office numbers them."""
    document = Document()
    lay_out(document)
    front_matter(document)
    for number, key in enumerate(ANNUAL_SECTIONS):
        tagged(document, "Normal", f"{{%p if s.{key} %}}")
        tagged(document, "Heading 1", f"{NUMERALS[number]}、", f"{{{{ s.{key}.heading }}}}")
        tagged(document, "Normal", f"{{{{p s.{key}.body }}}}")
        tagged(document, "Normal", "{%p endif %}")
    return document


def generic() -> Document:
    """Any report: every section in the document's order, numbered 一、二、… as they come."""
    document = Document()
    lay_out(document)
    front_matter(document)
    tagged(document, "Normal", "{%p for section in sections %}")
    tagged(document, "Heading 1", "{{ loop.index|cn }}", "、", "{{ section.heading }}")
    tagged(document, "Normal", "{{p section.body }}")
    tagged(document, "Normal", "{%p endfor %}")
    return document


def main() -> None:
    TEMPLATES.mkdir(parents=True, exist_ok=True)
    for name, draw in (("annual", annual), ("generic", generic)):
        path = TEMPLATES / f"{name}.docx"
        draw().save(str(path))
        sys.stdout.write(f"{path.relative_to(ROOT)}\n")


if __name__ == "__main__":
    main()
