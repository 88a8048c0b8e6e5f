"""A published report given as a Word document (.docx), read into paragraphs and tables in body
order.

The main document part is parsed from the zip package under the same limits as a returned workbook
(package.py: member sizes, total, compression ratio, no DTD), with the same hardened parser, so a
zip bomb or an entity bomb is a SourceError rather than a hang; nothing else of the package is
decompressed. The body is walked as Word lays it out: paragraphs (runs, tabs, breaks; deleted
text and field codes left out), content controls opened, and tables whose merged cells are
expanded by `published_html.expand_grid` (gridSpan is a colspan; a vMerge "continue" cell is
covered by the cell above it, and repeats its text). A table that holds other tables is page
layout: its cells are read as paragraphs and the tables inside as tables.
"""

from __future__ import annotations

import posixpath
from typing import Any

from .catalogue import say
from .package import Package, ReadError, parse_whole
from .published_html import MAX_COLS, MAX_ROWS, GridCell, expand_grid
from .published_source import (
    Block,
    Place,
    SourceDocument,
    SourceError,
    SourceKind,
    SourceLine,
)

__all__ = ["MAX_DOCUMENT_BYTES", "read_docx"]

MAX_DOCUMENT_BYTES = 32 * 1024 * 1024  # word/document.xml, uncompressed (a report: about 200 KB)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_DOCUMENT = "/officeDocument"
_TEXT_TAGS = (f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr", f"{_W}noBreakHyphen")
_WRAPPERS = (f"{_W}sdt", f"{_W}customXml", f"{_W}smartTag")


def read_docx(data: bytes) -> SourceDocument:
    """The paragraphs and tables of a .docx, in body order."""
    root = _document(data)
    body = root.find(f"{_W}body")
    if body is None:
        raise SourceError("import-not-docx")
    for fallback in list(root.iter(f"{_MC}Fallback")):  # the same text box again, as VML
        fallback.getparent().remove(fallback)
    reader = _Reader()
    reader.blocks_of(body)
    return SourceDocument(
        kind=SourceKind.DOCX, blocks=tuple(reader.blocks), notes=tuple(reader.notes)
    )


def _document(data: bytes) -> Any:
    """The parsed main document part, within the package limits."""
    try:
        package = Package(data)
        name = _main_part(package)
        info = package.parts.get(name.lower())
        if info is None:
            raise SourceError("import-not-docx")
        if info.file_size > MAX_DOCUMENT_BYTES:
            raise SourceError("import-zip-bomb")
        xml = package.xml(name)
        if xml is None:
            raise SourceError("import-not-docx")
        return parse_whole(xml)
    except ReadError as exc:
        if exc.code in ("read-zip-bomb", "read-zip-ratio"):
            raise SourceError("import-zip-bomb") from None
        if exc.code == "read-broken-zip":
            raise SourceError("import-broken-zip") from None
        raise SourceError("import-broken-docx", reason=str(exc).rstrip("。")) from None


def _main_part(package: Package) -> str:
    """The main document part named by the package relationships (word/document.xml in every file
    Word, WPS or LibreOffice writes)."""
    rels = package.xml("_rels/.rels")
    if rels is not None:
        for relation in parse_whole(rels).iter(f"{_REL}Relationship"):
            if (relation.get("Type") or "").endswith(_OFFICE_DOCUMENT):
                target = (relation.get("Target") or "").lstrip("/")
                if target:
                    return posixpath.normpath(target)
    return "word/document.xml"


def _local(element: Any) -> str:
    tag = element.tag
    return tag if isinstance(tag, str) else ""


def _children(element: Any) -> list[Any]:
    """The children of an element with content controls and custom XML opened."""
    out: list[Any] = []
    for child in element:
        tag = _local(child)
        if tag == f"{_W}sdt":
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                out += _children(content)
        elif tag in _WRAPPERS:
            out += _children(child)
        else:
            out.append(child)
    return out


def _paragraph_text(paragraph: Any) -> str:
    parts: list[str] = []
    for element in paragraph.iter(*_TEXT_TAGS):
        tag = element.tag
        if tag == f"{_W}t":
            parts.append(element.text or "")
        elif tag == f"{_W}tab":
            parts.append("\t")
        elif tag == f"{_W}noBreakHyphen":
            parts.append("-")
        else:
            parts.append("\n")
    return "".join(parts).strip()


def _int(element: Any, default: int) -> int:
    value = element.get(f"{_W}val") if element is not None else None
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


class _Reader:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.notes: list[str] = []
        self.lines = 0
        self.tables = 0

    def blocks_of(self, container: Any, depth: int = 0) -> None:
        for child in _children(container):
            tag = _local(child)
            if tag == f"{_W}p":
                text = _paragraph_text(child)
                if text:
                    self.lines += 1
                    self.blocks.append(SourceLine(text=text, place=Place(line=self.lines)))
            elif tag == f"{_W}tbl":
                if depth < 50 and any(t is not child for t in child.iter(f"{_W}tbl")):
                    for row in _rows(child):
                        for cell in _cells(row):
                            self.blocks_of(cell, depth + 1)
                else:
                    self.table(child)

    def table(self, table: Any) -> None:
        rows: list[tuple[int, list[GridCell]]] = []
        anchors: dict[int, list[Any]] = {}  # grid column -> [text, colspan, rowspan] above
        pending: list[tuple[int, list[list[Any]]]] = []
        for number, row in enumerate(_rows(table)[: MAX_ROWS + 1], start=1):
            properties = row.find(f"{_W}trPr")
            column = _int(properties.find(f"{_W}gridBefore") if properties is not None else None, 0)
            column = min(max(column, 0), MAX_COLS)
            cells: list[list[Any]] = [["", column, 1]] if column else []
            below: dict[int, list[Any]] = {}
            for cell in _cells(row)[: MAX_COLS + 1]:
                tc_pr = cell.find(f"{_W}tcPr")
                span = _int(tc_pr.find(f"{_W}gridSpan") if tc_pr is not None else None, 1)
                span = min(max(span, 1), MAX_COLS)
                merge = tc_pr.find(f"{_W}vMerge") if tc_pr is not None else None
                continues = merge is not None and merge.get(f"{_W}val") in (None, "continue")
                if continues and column in anchors:
                    anchor = anchors[column]
                    anchor[2] += 1  # the cell above now spans this row too
                    below[column] = anchor
                else:
                    entry = [_cell_text(cell), span, 1]
                    cells.append(entry)
                    below[column] = entry
                column += span
            anchors = below
            pending.append((number, cells))
        for number, cells in pending:
            rows.append(
                (number, [GridCell(text, colspan, rowspan) for text, colspan, rowspan in cells])
            )
        grid, clamped = expand_grid(rows, self.tables + 1)
        if grid is None:
            return
        self.tables += 1
        self.blocks.append(grid)
        if clamped:
            self.notes.append(say("import-note-grid-clamped", place=grid.place.describe(),
                                  cols=MAX_COLS, rows=MAX_ROWS))  # fmt: skip


def _rows(table: Any) -> list[Any]:
    return [child for child in _children(table) if _local(child) == f"{_W}tr"]


def _cells(row: Any) -> list[Any]:
    return [child for child in _children(row) if _local(child) == f"{_W}tc"]


def _cell_text(cell: Any) -> str:
    texts = (_paragraph_text(p) for p in cell.iter(f"{_W}p"))
    return "\n".join(text for text in texts if text)
