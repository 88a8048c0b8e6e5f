"""Writes a report (render_model.Report) as a Word document, on the office's Word template.

The template (templates/report-template.docx, built by render_template.py, restylable in Word or
WPS) supplies the page, the styles by name and the page-number footers; this module only adds the
content: title, headings, paragraphs, explicit gaps and the tables with their merged cells. Table
column widths follow the template layout's proportions across the text width, so the standard's
ten- and fifteen-column tables fit the page.

Fast by construction: python-docx reads the template once per run (`_skeleton`: its parts, the
style ids, the text width); each report is then its body's XML, written directly with lxml (tables
included: python-docx's `table.cell()` walks the whole grid on every call, quadratic in the cells),
zipped with the template's other parts as they are.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any

from ..core import texts as tx
from ..core.catalogue import UsageError
from .render_model import Gap, Grid, GridCell, Heading, Paragraph, Report, segments
from .render_template import STYLES, TEMPLATE_NAME

__all__ = ["check_template", "docx_bytes", "docx_text"]

TEMPLATE_MAX_BYTES = 20 * 1024 * 1024  # an office's template with a logo; not a whole archive
KEEP_TOGETHER_ROWS = 16  # 表二 (14 rows) and 表四 stay on one page; 表三 may break between rows
# Room above and below a cell's text (twips: 0.8 mm). Not a minimum row height: LibreOffice
# misjudges the room left on a page by a table with repeated header rows and "at least" row heights
# (it moved whole sections to the next page, leaving half a page blank).
CELL_MARGIN = 45
EMU_PER_TWIP = 635
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BODY_MARK = b"<!--nianbao-body-->"


def _document(template: Path | None) -> Any:
    """The template as a python-docx Document, its styles checked, its body emptied (the section
    properties kept: page, margins, footers)."""
    from docx import Document

    from ..core.bundled import bundled

    path = Path(template) if template is not None else Path("templates") / TEMPLATE_NAME
    try:
        if template is None:  # the shipped template, from the package (a wheel has no folder)
            document = Document(io.BytesIO(bundled(TEMPLATE_NAME).read_bytes()))
        else:
            if path.stat().st_size > TEMPLATE_MAX_BYTES:
                raise UsageError("render-template-bad", path=path, reason=tx.FILE_TOO_LARGE)
            document = Document(str(path))
    except UsageError:
        raise
    except Exception as exc:  # not a Word document, or a broken one
        raise UsageError("render-template-bad", path=path, reason=type(exc).__name__) from None
    names = {style.name for style in document.styles}
    missing = [name for name in STYLES.values() if name not in names]
    if missing:
        raise UsageError("render-template-styles", path=path, styles="、".join(missing))
    body = document.element.body
    for child in list(body):
        if not child.tag.endswith("}sectPr"):
            body.remove(child)
    return document


def check_template(template: Path | None) -> None:
    """Refuse (UsageError, in Chinese) a template that cannot be used, before any work is done."""
    _document(template)


@dataclass(frozen=True)
class _Skeleton:
    """What every report written on one template shares."""

    parts: tuple[_Entry, ...]  # the template's parts, deflated once
    main: str  # the main document part's name in the package
    head: bytes  # document.xml up to the body's content
    tail: bytes  # the section properties and the end of the document
    core: str  # the core properties part's name ("" when the template has none)
    core_xml: bytes  # … and its content
    styles: dict[str, str]  # role (STYLES) -> style id
    grid_style: str  # the style id of "Table Grid", or ""
    width: int  # the text width, in twips


@lru_cache(maxsize=4)
def _skeleton_of(key: tuple[str, float, int]) -> _Skeleton:
    from lxml import etree

    document = _document(Path(key[0]) if key[0] else None)
    ids = {style.name: style.style_id for style in document.styles}
    body = document.element.body
    body.insert(0, etree.Comment("nianbao-body"))
    main = document.part.partname.lstrip("/")
    xml = etree.tostring(document.element, xml_declaration=True, encoding="UTF-8", standalone=True)
    head, _, tail = xml.partition(_BODY_MARK)
    section = document.sections[-1]
    width = int(section.page_width - section.left_margin - section.right_margin) // EMU_PER_TWIP
    raw = _template_bytes(Path(key[0]) if key[0] else None)
    with zipfile.ZipFile(io.BytesIO(raw)) as package:
        contents = {
            info.filename: (package.read(info), info.date_time) for info in package.infolist()
        }
    core = "docProps/core.xml" if "docProps/core.xml" in contents else ""
    return _Skeleton(
        parts=tuple(_Entry.of(name, data, when) for name, (data, when) in contents.items()),
        core_xml=contents[core][0] if core else b"",
        main=main,
        head=head,
        tail=tail,
        core=core,
        styles={role: ids[name] for role, name in STYLES.items()},
        grid_style=ids.get("Table Grid", ""),
        width=width,
    )


def _template_bytes(template: Path | None) -> bytes:
    from ..core.bundled import bundled

    if template is None:
        return bundled(TEMPLATE_NAME).read_bytes()
    return Path(template).read_bytes()


def _skeleton(template: Path | None) -> _Skeleton:
    if template is None:
        return _skeleton_of(("", 0.0, 0))
    stat = Path(template).stat()  # an office may edit its template between two runs
    return _skeleton_of((str(template), stat.st_mtime, stat.st_size))


def docx_bytes(report: Report, template: Path | None = None) -> bytes:
    """The report as a .docx file's bytes."""
    skeleton = _skeleton(template)
    body = "".join(_blocks(report, skeleton)).encode("utf-8")
    entries = []
    for entry in skeleton.parts:
        if entry.name == skeleton.main:
            entry = _Entry.of(entry.name, skeleton.head + body + skeleton.tail, entry.date_time)
        elif entry.name == skeleton.core:
            entry = _Entry.of(entry.name, _core(skeleton.core_xml, report.title), entry.date_time)
        entries.append(entry)
    return _zip(entries)


@dataclass(frozen=True)
class _Entry:
    """A part of the package, deflated once: the template's parts are compressed once a run."""

    name: str
    date_time: tuple[int, int, int, int, int, int]
    crc: int
    size: int
    data: bytes  # deflated

    @staticmethod
    def of(name: str, raw: bytes, date_time: tuple[int, int, int, int, int, int]) -> _Entry:
        packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        data = packer.compress(raw) + packer.flush()
        return _Entry(name, date_time, zlib.crc32(raw), len(raw), data)


def _zip(entries: list[_Entry]) -> bytes:
    """A zip archive of deflated entries (what zipfile writes, without compressing again)."""
    out, directory = io.BytesIO(), io.BytesIO()
    for entry in entries:
        name = entry.name.encode("utf-8")
        year, month, day, hour, minute, second = entry.date_time
        date = ((max(year, 1980) - 1980) << 9) | (month << 5) | day
        time = (hour << 11) | (minute << 5) | (second // 2)
        fields = (0x0800, 8, time, date, entry.crc, len(entry.data), entry.size, len(name))
        offset = out.tell()
        out.write(struct.pack("<IH4H3I2H", 0x04034B50, 20, *fields, 0) + name + entry.data)
        directory.write(
            struct.pack("<I2H4H3I5HII", 0x02014B50, 20, 20, *fields, 0, 0, 0, 0, 0, offset) + name
        )
    start, size = out.tell(), directory.tell()
    out.write(directory.getvalue())
    out.write(struct.pack("<I4H2IH", 0x06054B50, 0, 0, len(entries), len(entries), size, start, 0))
    return out.getvalue()


def _core(xml: bytes, title: str) -> bytes:
    """The core properties with the report's title."""
    from lxml import etree

    root = etree.fromstring(xml)
    dc = "http://purl.org/dc/elements/1.1/"
    element = root.find(f"{{{dc}}}title")
    if element is None:
        element = etree.SubElement(root, f"{{{dc}}}title")
    element.text = _clean(title)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _clean(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


def _x(text: str) -> str:
    """Text as XML character data or an attribute value."""
    return escape(_clean(text), quote=True)


def _blocks(report: Report, skeleton: _Skeleton) -> list[str]:
    styles = skeleton.styles
    out = [_paragraph(styles["title"], list(report.title_lines), title=True)]
    if report.note:
        out.append(_paragraph(styles["note"], [report.note]))
    for block in report.blocks:
        if isinstance(block, Heading):
            out.append(
                _paragraph(styles["heading1" if block.level == 1 else "heading2"], [block.text])
            )
        elif isinstance(block, Paragraph):
            pieces = [
                (piece, fill_in or block.placeholder) for piece, fill_in in segments(block.text)
            ]
            out.append(_paragraph(styles["body"], pieces=pieces))
        elif isinstance(block, Gap):
            out.append(_paragraph(styles["body"], [block.text]))  # no italics in Chinese
        elif isinstance(block, Grid):
            out.append(_table(block, skeleton))
    return out


def _paragraph(
    style: str,
    lines: Sequence[str] = (),
    *,
    title: bool = False,
    keep: bool = False,
    align: str = "",
    pieces: Sequence[tuple[str, bool]] = (),
    top: bool = True,
) -> str:
    """A paragraph of a style: its lines (after the first, a line break: the title's), or its
    pieces (a marked one, a place the office fills in, highlighted yellow)."""
    keep_next = "<w:keepNext/>" if keep else ""
    jc = f'<w:jc w:val="{align}"/>' if align else ""
    runs = "".join(
        f"<w:r>{'<w:br/>' if index and title else ''}{_run_text(line)}</w:r>"
        for index, line in enumerate(lines)
    ) + "".join(
        f"<w:r>{_HIGHLIGHT if marked else ''}{_run_text(piece)}</w:r>" for piece, marked in pieces
    )
    ns = _NS if top else ""
    return f'<w:p{ns}><w:pPr><w:pStyle w:val="{_x(style)}"/>{keep_next}{jc}</w:pPr>{runs}</w:p>'


_NS = f' xmlns:w="{_W}"'  # on each block: whatever prefix the template's document uses
_HIGHLIGHT = '<w:rPr><w:highlight w:val="yellow"/></w:rPr>'


def _run_text(text: str) -> str:
    """A run's text: tabs as w:tab (as Word writes them), spaces at the ends kept."""
    out = []
    for index, piece in enumerate(text.split("\t")):
        if index:
            out.append("<w:tab/>")
        if piece:
            space = ' xml:space="preserve"' if piece != piece.strip() else ""
            out.append(f"<w:t{space}>{_x(piece)}</w:t>")
    return "".join(out)


_BORDERS = "".join(
    f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
    for side in ("top", "left", "bottom", "right", "insideH", "insideV")
)


def _table(grid: Grid, skeleton: _Skeleton) -> str:
    """The table with its merged cells (gridSpan across, vMerge down), then an empty paragraph of
    the table style: room between a table and what follows. Borders on every cell, whatever the
    table style says; header rows repeated on every page; rows never split."""
    total = sum(grid.column_weights) or 1.0
    widths = [int(skeleton.width * w / total) for w in grid.column_weights]
    style = f'<w:tblStyle w:val="{_x(skeleton.grid_style)}"/>' if skeleton.grid_style else ""
    parts = [
        f"<w:tbl{_NS}><w:tblPr>{style}"
        f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>'
        f'<w:tblBorders>{_BORDERS}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        f'<w:tblCellMar><w:top w:w="{CELL_MARGIN}" w:type="dxa"/>'
        f'<w:bottom w:w="{CELL_MARGIN}" w:type="dxa"/></w:tblCellMar></w:tblPr>'
        "<w:tblGrid>" + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths) + "</w:tblGrid>"
    ]
    keep_together = len(grid.rows) <= KEEP_TOGETHER_ROWS
    table_style = skeleton.styles["table"]
    below: dict[int, GridCell] = {}  # column -> a cell merged down over the next rows
    for r, row in enumerate(grid.rows):
        header = "<w:tblHeader/>" if r < grid.header_rows else ""
        parts.append(f"<w:tr><w:trPr><w:cantSplit/>{header}</w:trPr>")
        starts = {cell.col: cell for cell in row}
        col = 0
        while col < grid.width:
            cell = starts.get(col)
            if cell is not None:
                merge = '<w:vMerge w:val="restart"/>' if cell.rowspan > 1 else ""
                if cell.rowspan > 1:
                    below[col] = cell
                left = cell.kind == "row_label" and cell.colspan < grid.width
                keep = keep_together and cell.row + cell.rowspan < len(grid.rows)
                content = _paragraph(table_style, [cell.text], keep=keep, top=False,
                                     align="left" if left else "")  # fmt: skip
            else:
                cell = below.get(col)
                if cell is None or not cell.row < r < cell.row + cell.rowspan:
                    raise ValueError(f"table {grid.key}: position ({r}, {col}) is not covered")
                merge, content = "<w:vMerge/>", _paragraph(table_style, top=False)
            span = f'<w:gridSpan w:val="{cell.colspan}"/>' if cell.colspan > 1 else ""
            width = sum(widths[col : col + cell.colspan])
            parts.append(
                f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{span}{merge}'
                f'<w:vAlign w:val="center"/></w:tcPr>{content}</w:tc>'
            )
            col += cell.colspan
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    parts.append(_paragraph(table_style))
    return "".join(parts)


def docx_text(data: bytes) -> str:
    """The text of a .docx: paragraphs and table cells in document order, one per line (merged
    cells once), for the round-trip tests and for anyone comparing a published file."""
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph as DocxParagraph

    document = Document(io.BytesIO(data))
    lines: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, DocxParagraph):
            lines.append(item.text)
        elif isinstance(item, Table):
            for row in item.rows:
                seen: list[Any] = []
                cells = []
                for cell in row.cells:
                    if any(cell._tc is s for s in seen):
                        continue
                    seen.append(cell._tc)
                    cells.append(cell.text)
                lines.append("\t".join(cells))
    return "\n".join(lines)
