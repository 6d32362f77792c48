"""A report ``Document`` drawn as a Word file, from a Word template the office edits in Word or WPS (docxtpl).

The template places the pieces; this module draws them. What a template is given:

- ``title``, ``subtitle``, ``facts`` (a list of (label, value));
- ``sections`` (in the document's order) and ``s`` (the same sections by key: ``s.talents``). A section has
  ``key``, ``heading``, ``text`` (its paragraphs) and ready-made pieces to put on a paragraph of their own with
  ``{{p … }}``: ``tables`` (every table, as real Word tables), ``charts`` (every chart, a picture and its title),
  ``body`` (the text, the tables and the charts together), ``table.<key>`` and ``chart.<key>`` (one of them); and
  ``image.<key>``, a chart's bare picture to put inside a paragraph of the template's own with ``{{ … }}``.
- the filter ``cn``: ``{{ loop.index|cn }}`` is 一, 二, … 十一.

So a template may reorder sections, rename headings, rewrite the wording and restyle everything. The drawn pieces
take their look from the template's styles when it defines them: "Report Table" (else "Table Grid"), "Report
Table Text" for the cells, "Report Caption" (else "Caption") for table and chart titles, "Report Note" and
"Report Figure" (the paragraph holding a chart). Pieces are drawn only when the template uses them.
"""

from __future__ import annotations

import io
import re
import traceback
import zipfile
from collections.abc import Callable
from copy import deepcopy
from functools import cached_property
from pathlib import Path
from typing import IO, Any

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from docx.document import Document as WordDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import Environment, TemplateError, TemplateSyntaxError, Undefined
from jinja2.runtime import LoopContext
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree  # type: ignore[import-untyped]

from talentportal.jobs.importing.reading import MAX_INFLATE_RATIO, RATIO_GRACE_BYTES

from .charts import chart_png
from .document import (
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
    format_cell,
)

TEMPLATES_DIR = Path(__file__).parent / "templates"
MAX_TEMPLATE_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
CHART_WIDTH = Mm(150)
NUMERALS = "零一二三四五六七八九"


class TemplateRefused(Exception):
    """The file cannot serve as a report template; ``message`` says why, in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def default_template(name: str) -> Path:
    """The template shipped with the portal: ``annual`` or ``annual.docx`` under ``TEMPLATES_DIR``."""
    path = TEMPLATES_DIR / (name if name.endswith(".docx") else f"{name}.docx")
    if path.parent != TEMPLATES_DIR or not path.is_file():
        raise ValueError(f"no report template {name!r}")
    return path


def chinese_number(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一: how sections are numbered (up to 99)."""
    tens, units = divmod(int(number), 10)
    if not 0 < number < 100:
        return str(number)
    return (NUMERALS[tens] if tens > 1 else "") + ("十" if tens else "") + (NUMERALS[units] if units else "")


class PrintedUndefined(Undefined):
    """A name the report does not give: it may be tested (``{%p if s.plans %}`` skips a missing section), but
    printing or looping over it is an error."""

    __str__ = __iter__ = __len__ = __contains__ = Undefined._fail_with_undefined_error


# What a template may read off the objects it is given; everything else (a piece's Word objects and their
# methods, which could read or write files) is out of its reach, whatever its name.
SECTION_ATTRIBUTES = frozenset({"key", "heading", "text", "tables", "charts", "body", "table", "chart", "image"})
LOOP_ATTRIBUTES = frozenset(
    {"index", "index0", "revindex", "revindex0", "first", "last", "length", "cycle", "previtem", "nextitem", "depth",
     "depth0", "changed"}
)  # fmt: skip
PURE_METHODS = frozenset(
    {"upper", "lower", "strip", "lstrip", "rstrip", "replace", "split", "startswith", "endswith", "join", "title",
     "capitalize", "center", "ljust", "rjust", "zfill", "count", "find", "format", "items", "keys", "values", "get",
     "index"}
)  # fmt: skip


class ReportSandbox(SandboxedEnvironment):
    """Jinja's sandbox, and on top of it an allowlist: a template reads a section's fields and pieces, a loop's
    counters and the pure methods of text, numbers, lists and mappings; nothing else."""

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        if isinstance(obj, SectionView):
            return attr in SECTION_ATTRIBUTES
        if isinstance(obj, Keyed):
            return not attr.startswith("_")  # a piece by its key
        if isinstance(obj, LoopContext):
            return attr in LOOP_ATTRIBUTES
        if isinstance(obj, (str, int, float, list, tuple, dict)):
            return attr in PURE_METHODS
        return False


def environment(strict: bool = False) -> Environment:
    # Sandboxed: a template is uploaded by an office, and must not reach Python's internals (``''.__class__``)
    # nor call what changes data. Autoescaped, as the template is XML: a "&" or "<" in a heading must not break
    # the file. The drawn pieces are already markup (docxtpl's objects say so with ``__html__``). ``strict`` (the
    # check at upload): a name the report does not give (a misspelt ``{{ titel }}``) is an error, not nothing.
    env = ReportSandbox(autoescape=True, undefined=PrintedUndefined if strict else Undefined)
    env.filters["cn"] = chinese_number
    return env


class Subdoc:
    """A piece of Word body a template places with ``{{p … }}``: what docxtpl's ``Subdoc`` is for a new piece,
    without its document-merging half (docxcompose), which pieces drawn here need not: they are drawn straight
    into the template's own part, so their pictures are the template's and their styles are looked up in it."""

    def __init__(self, template: DocxTemplate) -> None:
        element = parse_xml(f"<w:document {nsdecls('w')}><w:body/></w:document>")
        # The template's page, which tables take their width from while they are drawn.
        element.body.append(deepcopy(template.docx.sections[-1]._sectPr))
        self.docx = WordDocument(element, template.docx.part)

    def add_paragraph(self, *args: Any, **kwargs: Any) -> Any:
        return self.docx.add_paragraph(*args, **kwargs)

    def add_table(self, *args: Any, **kwargs: Any) -> Any:
        return self.docx.add_table(*args, **kwargs)

    def __html__(self) -> str:
        body = self.docx.element.body
        if body.sectPr is not None:
            body.remove(body.sectPr)
        return re.sub(r"</?w:body[^>]*>", "", etree.tostring(body, encoding="unicode"))

    __str__ = __html__


class Pieces:
    """Draws a section's tables and charts into subdocuments of ``template``, in the template's own styles."""

    def __init__(self, template: DocxTemplate, drawn: Callable[[], None] | None = None) -> None:
        self.template = template
        self.drawn = drawn  # told after each chart is drawn (the job's progress)
        # Style ids by name, looked up once: python-docx would search the styles again for every cell.
        self.ids = {style.name: style.style_id for style in template.docx.styles}
        self.pictures: dict[tuple[str, str], bytes] = {}

    def style_id(self, *names: str) -> str | None:
        """The id of the first of the named styles the template defines."""
        return next((self.ids[name] for name in names if name in self.ids), None)

    def picture(self, section: Section, chart: Chart) -> bytes:
        key = (section.key, chart.key)
        if key not in self.pictures:
            self.pictures[key] = chart_png(section.table(chart.table), chart)
            if self.drawn is not None:
                self.drawn()
        return self.pictures[key]

    def subdoc(self, section: Section, text: bool = False, tables: Any = (), charts: Any = ()) -> Any:
        subdoc = Subdoc(self.template)
        if text:
            for paragraph in section.text:
                subdoc.add_paragraph(paragraph)
        for table in tables:
            self.add_table(subdoc, table)
        for chart in charts:
            self.add_chart(subdoc, section, chart)
        return subdoc

    def add_table(self, subdoc: Any, table: Table) -> None:
        self.paragraph(subdoc, table.caption, ("Report Caption", "Caption"), WD_ALIGN_PARAGRAPH.CENTER, keep=True)
        rows: list[list[Any]] = [table.columns, *table.rows, *([table.total] if table.total is not None else [])]
        drawn = subdoc.add_table(rows=len(rows), cols=len(table.columns))
        drawn._tbl.tblPr.style = self.style_id("Report Table", "Table Grid")
        drawn.alignment = WD_TABLE_ALIGNMENT.CENTER
        width = drawn._tbl.tblPr.find(qn("w:tblW"))
        width.set(qn("w:type"), "pct")
        width.set(qn("w:w"), "5000")  # the text's full width, in 1/50 of a percent
        cell_style = self.style_id("Report Table Text")
        for number, (values, row) in enumerate(zip(rows, drawn.rows, strict=True)):
            header, total = number == 0, table.total is not None and number == len(rows) - 1
            # The header row is repeated at the top of every page the table runs onto; other rows stay whole.
            row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader" if header else "w:cantSplit"))
            for value, fmt, cell in zip(values, table.formats, row.cells, strict=True):
                paragraph = cell.paragraphs[0]
                if cell_style:
                    paragraph._p.style = cell_style
                else:  # the body's indent and fixed line height do not suit a cell
                    paragraph.paragraph_format.first_line_indent = 0
                    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
                run = paragraph.add_run(str(value) if header else format_cell(value, fmt))
                run.bold = header or total
                if header:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                elif fmt != TEXT:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        if table.note:
            self.paragraph(subdoc, table.note, ("Report Note",), None)

    def add_chart(self, subdoc: Any, section: Section, chart: Chart) -> None:
        holder = self.paragraph(subdoc, "", ("Report Figure",), WD_ALIGN_PARAGRAPH.CENTER, keep=True)
        holder.add_run().add_picture(io.BytesIO(self.picture(section, chart)), width=CHART_WIDTH)
        self.paragraph(subdoc, chart.title, ("Report Caption", "Caption"), WD_ALIGN_PARAGRAPH.CENTER)

    def paragraph(self, subdoc: Any, text: str, styles: tuple[str, ...], align: Any, keep: bool = False) -> Any:
        """A paragraph in the first of ``styles`` the template defines; without any, laid out plainly here (the
        body's first-line indent and fixed line height would indent a caption and crop a picture)."""
        style = next((name for name in styles if name in self.ids), None)
        paragraph = subdoc.add_paragraph(text)
        paragraph._p.style = self.ids.get(style or "")
        paragraph.paragraph_format.keep_with_next = keep or None
        if style is None or not style.startswith("Report"):
            paragraph.paragraph_format.first_line_indent = 0
            paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            paragraph.alignment = align
        return paragraph


class Keyed:
    """``table.by_tier`` / ``chart.by_tier`` in a template: one piece, drawn when asked for; unknown keys are
    undefined (Jinja prints nothing). With ``fallback``, any key gives that item (the sample a template is
    checked with)."""

    def __init__(self, items: list[Any], draw: Callable[[Any], Any], fallback: bool = False) -> None:
        self._items = {item.key: item for item in items}
        self._draw = draw
        self._fallback = fallback
        self._drawn: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._drawn:
            item = self._items.get(key) or (next(iter(self._items.values()), None) if self._fallback else None)
            if item is None:
                raise KeyError(key)
            self._drawn[key] = self._draw(item)
        return self._drawn[key]

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


class SectionView:
    """A section as a template sees it; the pieces are drawn on first use."""

    def __init__(self, section: Section, pieces: Pieces, fallback: bool = False) -> None:
        self._section = section
        self._pieces = pieces
        self.key, self.heading, self.text = section.key, section.heading, section.text
        self.table = Keyed(section.tables, lambda t: pieces.subdoc(section, tables=[t]), fallback)
        self.chart = Keyed(section.charts, lambda c: pieces.subdoc(section, charts=[c]), fallback)
        self.image = Keyed(
            section.charts,
            lambda c: InlineImage(pieces.template, io.BytesIO(pieces.picture(section, c)), width=CHART_WIDTH),
            fallback,
        )

    @cached_property
    def tables(self) -> Any:
        return self._pieces.subdoc(self._section, tables=self._section.tables)

    @cached_property
    def charts(self) -> Any:
        return self._pieces.subdoc(self._section, charts=self._section.charts)

    @cached_property
    def body(self) -> Any:
        return self._pieces.subdoc(self._section, text=True, tables=self._section.tables, charts=self._section.charts)


class AnySection(dict[str, SectionView]):
    """``s.<any key>`` is the sample section: a template is checked whatever keys its report kind has."""

    def __init__(self, sample: SectionView) -> None:
        super().__init__()
        self.sample = sample

    def __missing__(self, key: str) -> SectionView:
        return self.sample


def context(
    template: DocxTemplate, document: Document, fallback: bool = False, drawn: Callable[[], None] | None = None
) -> dict[str, Any]:
    pieces = Pieces(template, drawn)
    sections = [SectionView(section, pieces, fallback) for section in document.sections]
    by_key: dict[str, SectionView] = AnySection(sections[0]) if fallback and sections else {}
    by_key.update((view.key, view) for view in sections)
    return {
        "title": document.title,
        "subtitle": document.subtitle,
        "facts": document.facts,
        "sections": sections,
        "s": by_key,
    }


def render_docx(
    document: Document, template: str | Path | IO[bytes], chart_drawn: Callable[[], None] | None = None
) -> bytes:
    """``document`` filled into the Word ``template`` (a path or an open binary file), as .docx bytes;
    ``chart_drawn`` is called after each chart is drawn."""
    drawn = DocxTemplate(str(template) if isinstance(template, Path) else template)
    drawn.init_docx()  # the pieces are drawn into the document it opens, in its styles
    drawn.render(context(drawn, document, drawn=chart_drawn), environment())
    drawn.docx.core_properties.title = document.title  # what Word and WPS show as the file's title
    output = io.BytesIO()
    drawn.save(output)
    return output.getvalue()


def sample_document() -> Document:
    """A small document with a table of every format and a chart of every kind: what templates are checked
    with."""
    columns = ["名称", "数量", "金额（万元）", "占比", "数值"]
    table = Table(
        "sample",
        "示例表",
        columns,
        [["甲", 1200, 1234.5, 12.5, 3.25], ["乙", 30, 0.5, 87.5, 2]],
        [TEXT, COUNT, MONEY, PERCENT, NUMBER],
        total=["合计", 1230, 1235.0, 100.0, None],
        note="注：示例。",
    )
    charts = [
        Chart(kind, "示例图", "sample", [1] if kind == PIE else [1, 4], kind) for kind in (BAR, STACKED, LINE, PIE)
    ]
    section = Section("sample", "示例", ["示例段落。"], [table], charts)
    return Document("sample", "示例报告", "示例", [("年度", "2025")], [section])


def check_template(file: str | Path | IO[bytes], sample: Document | None = None) -> None:
    """Refuse a file that cannot serve as a report template, saying why: not a Word document, too large, a Jinja
    tag that does not parse (naming the paragraph: Word shows no line numbers, and docxtpl reads each paragraph
    as a line), or one that fails when filled in. Filled in with ``sample`` when given (the keys of its sections
    and pieces must then exist), otherwise with a sample whose every key exists."""
    data = _read(file)
    _check_zip(data)
    template = DocxTemplate(io.BytesIO(data))
    try:
        template.init_docx()
    except Exception:  # a zip holding a damaged document
        raise TemplateRefused(_not_word()) from None
    # Line 1 of the compiled body is its opening tag; the paragraphs follow, one a line.
    try:
        body = _parse(template)
    except TemplateSyntaxError as error:
        raise TemplateRefused(_at_line(error.lineno, error.message or type(error).__name__)) from None
    filled = context(template, sample or sample_document(), fallback=sample is None)
    try:
        body.render(filled)
    except TemplateError as error:
        line = _template_line(error)
        message = error.message or type(error).__name__
        if line:
            raise TemplateRefused(_at_line(line, message)) from None
        raise TemplateRefused(_("The template cannot be filled in: %(message)s") % {"message": message}) from None
    try:  # as a report fills it in: the headers and footers too, and the XML the tags leave must be valid
        template.render(filled, environment(strict=True))
        template.save(io.BytesIO())
    except TemplateSyntaxError as error:  # the body parsed, so this is in a header or footer
        raise TemplateRefused(_("In the header or footer: %(message)s") % {"message": error.message}) from None
    except TemplateError as error:
        message = error.message or type(error).__name__
        raise TemplateRefused(_("The template cannot be filled in: %(message)s") % {"message": message}) from None
    except Exception as error:  # a damaged document, or tags that make its XML invalid
        raise TemplateRefused(_("The template cannot be filled in: %(message)s") % {"message": error}) from None


def _at_line(line: int, message: str) -> str:
    return _("Line %(line)s: %(message)s") % {"line": max(line - 1, 1), "message": message}


def _read(file: str | Path | IO[bytes]) -> bytes:
    if isinstance(file, (str, Path)):
        with open(file, "rb") as opened:
            data = opened.read(MAX_TEMPLATE_BYTES + 1)
    else:
        file.seek(0)
        data = file.read(MAX_TEMPLATE_BYTES + 1)
    if len(data) > MAX_TEMPLATE_BYTES:
        raise TemplateRefused(
            _("The template is larger than %(limit)s; a report template is far smaller. Remove large pictures.")
            % {"limit": filesizeformat(MAX_TEMPLATE_BYTES)}
        )
    return data


def _not_word() -> str:
    return _("The file is not a Word document: save it in Word or WPS as a .docx file and upload it again.")


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise TemplateRefused(_not_word()) from None
    if "word/document.xml" not in {m.filename for m in members}:
        raise TemplateRefused(_not_word())
    # The import's rule against zip bombs (Apache POI's), and a ceiling on the whole.
    if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES or any(
        m.file_size > RATIO_GRACE_BYTES and m.file_size > MAX_INFLATE_RATIO * m.compress_size for m in members
    ):
        raise TemplateRefused(_("The file unpacks to far more than a Word document does; it was not read."))


def _parse(template: DocxTemplate) -> Any:
    """The body compiled as docxtpl will, with each paragraph on a line of its own, so an error's line is the
    paragraph's number (docxtpl numbers the lines after dropping its ``{%p %}`` paragraphs)."""
    xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", template.get_xml())
    return environment(strict=True).from_string(template.patch_xml(xml))  # compiled: an unknown filter is found


def _template_line(error: BaseException) -> int | None:
    """The template line a rendering error happened on, read off Jinja's rewritten traceback."""
    lines = [frame.lineno for frame in traceback.extract_tb(error.__traceback__) if frame.filename == "<template>"]
    return lines[-1] if lines else None
