"""Writes a report (render_model.Report) as a Word document, on the office's Word template.

The template (templates/report-template.docx, built by render_template.py, restylable in Word or
WPS) supplies the page, the styles by name and the page-number footers; this module only adds the
content: title, headings, paragraphs, explicit gaps and the tables with their merged cells. Table
column widths follow the template layout's proportions across the text width, so the standard's
ten- and fifteen-column tables fit the page.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from .catalogue import UsageError
from .render_model import Gap, Grid, Heading, Paragraph, Report, segments
from .render_template import STYLES, TEMPLATE_NAME

__all__ = ["check_template", "docx_bytes", "docx_text"]

TEMPLATE_MAX_BYTES = 20 * 1024 * 1024  # an office's template with a logo; not a whole archive
KEEP_TOGETHER_ROWS = 16  # 表二 (14 rows) and 表四 stay on one page; 表三 may break between rows


def _document(template: Path | None) -> Any:
    from docx import Document

    from .bundled import bundled

    path = Path(template) if template is not None else Path("templates") / TEMPLATE_NAME
    try:
        if template is None:  # the shipped template, from the package (a wheel has no folder)
            document = Document(io.BytesIO(bundled(TEMPLATE_NAME).read_bytes()))
        else:
            if path.stat().st_size > TEMPLATE_MAX_BYTES:
                raise UsageError("render-template-bad", path=path, reason="文件过大")
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
    for child in list(body):  # keep the section properties (page, margins, footers), drop content
        if not child.tag.endswith("}sectPr"):
            body.remove(child)
    return document


def check_template(template: Path | None) -> None:
    """Refuse (UsageError, in Chinese) a template that cannot be used, before any work is done."""
    _document(template)


def docx_bytes(report: Report, template: Path | None = None) -> bytes:
    """The report as a .docx file's bytes."""
    document = _document(template)
    title = document.add_paragraph(style=STYLES["title"])
    for index, line in enumerate(report.title_lines):
        if index:
            title.add_run().add_break()
        title.add_run(line)
    if report.note:
        document.add_paragraph(report.note, style=STYLES["note"])
    width = _text_width(document)
    for block in report.blocks:
        if isinstance(block, Heading):
            style = STYLES["heading1"] if block.level == 1 else STYLES["heading2"]
            document.add_paragraph(block.text, style=style)
        elif isinstance(block, Paragraph):
            paragraph = document.add_paragraph(style=STYLES["body"])
            for piece, fill_in in segments(block.text):
                run = paragraph.add_run(piece)
                if fill_in or block.placeholder:
                    run.font.highlight_color = 7  # WD_COLOR_INDEX.YELLOW: the office writes here
        elif isinstance(block, Gap):
            document.add_paragraph(block.text, style=STYLES["body"])  # no italics in Chinese
        elif isinstance(block, Grid):
            _table(document, block, width)
    document.core_properties.title = report.title
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _text_width(document: Any) -> int:
    section = document.sections[-1]
    return int(section.page_width - section.left_margin - section.right_margin)


def _table(document: Any, grid: Grid, width: int) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table = document.add_table(rows=len(grid.rows), cols=grid.width)
    table.style = document.styles["Table Grid"] if _has(document, "Table Grid") else None
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    total = sum(grid.column_weights) or 1.0
    widths = [int(width * w / total) for w in grid.column_weights]
    _borders(table)
    for index, column in enumerate(table.columns):
        column.width = widths[index]
    for row in table.rows:
        for index, cell in enumerate(row.cells):
            cell.width = widths[index]
    for r, row in enumerate(table.rows):
        properties = row._tr.get_or_add_trPr()
        properties.append(OxmlElement("w:cantSplit"))
        height = OxmlElement("w:trHeight")  # at least 6 mm: room around the 小五 figures
        height.set(qn("w:val"), "340")
        height.set(qn("w:hRule"), "atLeast")
        properties.append(height)
        if r < grid.header_rows:
            properties.append(OxmlElement("w:tblHeader"))  # repeated on every page
    for placed in grid.cells():
        cell = table.cell(placed.row, placed.col)
        if placed.rowspan > 1 or placed.colspan > 1:
            cell = cell.merge(
                table.cell(placed.row + placed.rowspan - 1, placed.col + placed.colspan - 1)
            )
        paragraph = cell.paragraphs[0]
        paragraph.style = document.styles[STYLES["table"]]
        if placed.kind == "row_label" and placed.colspan < grid.width:
            paragraph.alignment = 0  # WD_ALIGN_PARAGRAPH.LEFT: long labels read better aligned
        paragraph.add_run(placed.text)
        if len(grid.rows) <= KEEP_TOGETHER_ROWS and placed.row + placed.rowspan < len(grid.rows):
            paragraph.paragraph_format.keep_with_next = True  # a short table is not split
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    document.add_paragraph(style=STYLES["table"])  # room between a table and what follows


def _has(document: Any, name: str) -> bool:
    return any(style.name == name for style in document.styles)


def _borders(table: Any) -> None:
    """Single lines around every cell, whatever the template's table style says."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{side}")
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), "4")
        line.set(qn("w:space"), "0")
        line.set(qn("w:color"), "000000")
        borders.append(line)
    table._tbl.tblPr.insert_element_before(
        borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption"
    )


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
