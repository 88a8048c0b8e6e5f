"""Builds the Word template of the published report, templates/report-template.docx.

The template carries everything an office may want to restyle without code: page size and margins,
the paragraph styles the renderer uses (by name, STYLES), the table cell style and the page-number
footers. The conventions are those of GB/T 9704-2012 (党政机关公文格式): A4, margins 37/35/28/26 mm
(top/bottom/left/right), title in 方正小标宋简体 二号, body in 仿宋_GB2312 三号 at a fixed 28 pt line
pitch, 一级标题 in 黑体, 二级标题 in 楷体_GB2312, page numbers "— 1 —" in 宋体 四号 (odd pages right,
even pages left): the first fonts of render_fonts.py's chains. Fonts are named for East Asian text
too (w:eastAsia), so Word and WPS use them; the font table names a fallback (w:altName) for each,
used where the first is not installed.

Style names avoid Word's own Chinese names of built-in styles (正文 is Normal, 标题 is Title, 标题 1
is Heading 1): a custom style of such a name is merged with the built-in one by Chinese Word.

Run `python -m toolkit.render.render_template [PATH]` to rebuild it (the default path is the template's).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import texts as tx
from .render_fonts import CHAINS, first

__all__ = [
    "FALLBACKS",
    "STYLES",
    "TEMPLATE",
    "TEMPLATE_NAME",
    "build_template",
    "set_fonts",
]

TEMPLATE_NAME = "report-template.docx"  # shipped in templates/ (toolkit.templates, bundled.py)
# The repository's copy, which `python -m toolkit.render.render_template` rewrites; the renderer reads the
# shipped one through bundled.bundled(TEMPLATE_NAME), which also works from an installed wheel.
TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / TEMPLATE_NAME

# The renderer's styles by role; an office's restyled template must keep these names.
STYLES = tx.REPORT_STYLES

# Each font the template names with the one Word/WPS substitute used when it is missing (fontTable
# w:altName): the second font of its chain (render_fonts.py). LibreOffice converts a copy naming the
# first installed font of each chain (render_pdf.py).
FALLBACKS = {first(kind): CHAINS[kind][1].name for kind in CHAINS}


@dataclass(frozen=True)
class _Style:
    name: str
    font: str
    size: float  # points: 二号 22, 三号 16, 四号 14, 小五 9
    bold: bool = False
    align: str = "justify"
    indent: bool = False  # first line indented by two characters
    line: float | None = 28.0  # fixed line pitch in points (None: single)
    before: float = 0
    after: float = 0
    outline: int | None = None  # heading level in the navigation pane


_DEFINITIONS = (
    _Style(STYLES["title"], first("xiaobiaosong"), 22, align="center", line=None, after=28),
    _Style(STYLES["body"], first("fangsong"), 16, indent=True),
    _Style(STYLES["heading1"], first("heiti"), 16, indent=True, outline=0, before=0),
    _Style(STYLES["heading2"], first("kaiti"), 16, indent=True, outline=1),
    _Style(STYLES["table"], first("songti"), 9, align="center", line=None),
    _Style(STYLES["note"], first("kaiti"), 14, align="center", line=None, after=14),
)


def set_fonts(rpr: Any, font: str) -> None:
    """Name `font` for every script of a run or style (w:rFonts ascii, hAnsi, eastAsia, cs)."""
    from docx.oxml.ns import qn

    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), font)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font would win over the named one


def _font_table(document: Any) -> None:
    """Declare every font with its fallback in word/fontTable.xml."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml.ns import qn

    part = document.part.part_related_by(RT.FONT_TABLE)
    from lxml import etree

    root = etree.fromstring(part.blob)
    for name, fallback in FALLBACKS.items():
        font = root.makeelement(qn("w:font"), {qn("w:name"): name})
        alt = font.makeelement(qn("w:altName"), {qn("w:val"): fallback})
        charset = font.makeelement(qn("w:charset"), {qn("w:val"): "86"})  # GB2312
        family = font.makeelement(
            qn("w:family"), {qn("w:val"): "modern" if name == first("heiti") else "roman"}
        )
        font.extend([alt, charset, family])
        root.append(font)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _chinese_defaults(document: Any) -> None:
    """The document's defaults in Chinese: the default run font is the body's (not a theme font,
    which python-docx's blank document takes from a Japanese theme), its language zh-CN, and the
    theme's East Asian language zh-CN (LibreOffice picks Japanese glyph forms for ja-JP)."""
    from docx.oxml.ns import qn

    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, first("fangsong"))
    language = rpr.find(qn("w:lang"))
    if language is not None:
        language.set(qn("w:eastAsia"), "zh-CN")
    theme = document.settings.element.find(qn("w:themeFontLang"))
    if theme is not None:
        theme.set(qn("w:eastAsia"), "zh-CN")


def _page_number(footer: Any, align: Any) -> None:
    """A footer paragraph "— N —" in 宋体 四号, N the PAGE field."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    paragraph = footer.paragraphs[0]
    paragraph.alignment = align
    paragraph.paragraph_format.left_indent = Pt(14)  # GB/T 9704: one character from the edge
    paragraph.paragraph_format.right_indent = Pt(14)

    def run(text: str = "") -> Any:
        r = paragraph.add_run(text)
        r.font.size = Pt(14)
        set_fonts(r._element.get_or_add_rPr(), first("songti"))
        return r

    run("— ")
    for kind, text in (("begin", ""), ("instr", " PAGE "), ("separate", ""), ("end", "")):
        r = run()
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        r._element.append(element)
        if kind == "separate":
            run("1")
    run(" —")


def build_template(path: Path = TEMPLATE) -> Path:
    """Write the template to `path` (the repository's copy by default)."""
    from docx import Document
    from docx.enum.section import WD_SECTION
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    document = Document()
    section = document.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28)  # the page number sits 7 mm below the text block
    section.header_distance = Mm(15)
    document.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)

    _chinese_defaults(document)
    normal = document.styles["Normal"]
    set_fonts(normal.element.get_or_add_rPr(), first("fangsong"))
    normal.font.size = Pt(16)
    language = OxmlElement("w:lang")  # Chinese line breaking and proofing in Word and WPS
    language.set(qn("w:val"), "en-US")
    language.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().insert_element_before(
        language, "w:eastAsianLayout", "w:specVanish", "w:oMath"
    )
    aligns = {
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        "left": WD_ALIGN_PARAGRAPH.LEFT,
    }
    for spec in _DEFINITIONS:
        style = document.styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.quick_style = True
        set_fonts(style.element.get_or_add_rPr(), spec.font)
        style.font.size = Pt(spec.size)
        style.font.bold = spec.bold
        fmt = style.paragraph_format
        fmt.alignment = aligns[spec.align]
        fmt.space_before, fmt.space_after = Pt(spec.before), Pt(spec.after)
        if spec.line is None:
            fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        else:
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            fmt.line_spacing = Pt(spec.line)
        if spec.indent:
            fmt.first_line_indent = Pt(2 * spec.size)
            ind = style.element.get_or_add_pPr().find(qn("w:ind"))
            if ind is not None:
                ind.set(qn("w:firstLineChars"), "200")  # two characters, whatever the size
        if spec.outline is not None:
            outline = OxmlElement("w:outlineLvl")
            outline.set(qn("w:val"), str(spec.outline))
            style.element.get_or_add_pPr().insert_element_before(
                outline, "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange"
            )
            fmt.keep_with_next = True
    _font_table(document)
    document.core_properties.title = tx.REPORT_NAME
    document.core_properties.author = "nianbao"
    document.core_properties.comments = tx.REPORT_TEMPLATE_COMMENTS.format(
        styles="、".join(STYLES.values())
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATE
    print(build_template(target))
