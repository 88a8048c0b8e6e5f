"""A published report given as a web page (.html/.htm), often exported from Word, read into
paragraphs and tables.

Paragraph-level elements (p, div, h1-h6, li, ...) and <br> break lines; everything else is inline
text, its white space collapsed as a browser shows it (&nbsp; included, so Word's empty
`<p class=MsoNormal>&nbsp;</p>` cells read as empty). Every <table> that holds cells is a
SourceTable whose rowspan/colspan are expanded into grid positions (`expand_grid`, also used by the
.docx reader); a table that holds other tables is page layout (government sites wrap the report in
one), so its cells are read as paragraphs and the tables inside as tables. The head, scripts,
styles, navigation, comments and anything styled display:none are not the report.

The page is untrusted: its size is bounded, spans are clamped to a grid of at most `MAX_COLS` x
`MAX_ROWS` positions with a bounded amount of work (a hostile colspan=100000 costs nothing), and a
deeply nested page is read as plain text below `MAX_DEPTH`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import lxml.html
from lxml import etree

from ..core.catalogue import say
from .published_source import (
    Block,
    Covered,
    Place,
    SourceCell,
    SourceDocument,
    SourceError,
    SourceKind,
    SourceLine,
    SourceRow,
    SourceTable,
)
from .published_text import decode_text

__all__ = ["MAX_BYTES", "MAX_COLS", "MAX_ROWS", "GridCell", "expand_grid", "read_html"]

MAX_BYTES = 20 * 1024 * 1024  # a real report page is under 1 MB
MAX_COLS = 64  # the widest table of the form has 11 columns
MAX_ROWS = 2000
MAX_DEPTH = 300  # nested elements walked; deeper content is read as plain text
_SPAN_BUDGET = 4 * MAX_COLS * MAX_ROWS  # grid positions visited per table, whatever the spans

_SKIP = frozenset({"head", "script", "style", "noscript", "template", "nav", "title", "xml",
                   "object", "iframe", "select", "button", "svg", "math"})  # fmt: skip
_BLOCK = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt",
                    "dd", "blockquote", "pre", "center", "section", "article", "header", "footer",
                    "main", "aside", "address", "form", "fieldset", "figure", "figcaption", "hr",
                    "caption", "table", "tbody", "thead", "tfoot", "tr", "td", "th", "body",
                    "html"})  # fmt: skip
_SPACE = re.compile(r"[ \t\r\n\f\v\xa0\u200b]+")
_CHARSET = re.compile(rb"<meta[^>]{0,512}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-]{2,40})", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
# Declared single-byte encodings are not trusted: a Chinese page declaring one was mislabelled,
# and decoding it so would silently give mojibake; UTF-8 and GB18030 are tried instead.
# huge_tree: libxml2 otherwise drops everything below 256 levels of nesting without a word; the
# input is bounded by MAX_BYTES, and MAX_DEPTH below keeps the walk bounded.
_PARSER = lxml.html.HTMLParser(huge_tree=True, remove_comments=True, remove_pis=True)
_UNTRUSTED = {"iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252", "us-ascii", "ascii"}
_GB = {"gb2312", "gbk", "x-gbk", "gb_2312-80", "cp936", "ms936", "gb18030", "euc-cn"}


@dataclass(frozen=True)
class GridCell:
    """A cell as the source gives it, before its spans are expanded into grid positions."""

    text: str
    colspan: int = 1
    rowspan: int = 1


def expand_grid(
    rows: Sequence[tuple[int, Sequence[GridCell]]], table: int
) -> tuple[SourceTable | None, bool]:
    """A SourceTable from source rows (their 1-based number in the source, their cells), spans
    expanded: covered positions repeat the covering cell's text, marked FROM_LEFT (same row) or
    FROM_ABOVE (an earlier row); overlapping spans keep the first cell, as browsers do. Rows whose
    every position is empty are left out (Word's column-width row). Returns the table (None when
    nothing is left) and whether anything was clamped to MAX_COLS x MAX_ROWS."""
    clamped = len(rows) > MAX_ROWS
    rows = rows[:MAX_ROWS]
    grid: list[dict[int, SourceCell]] = [{} for _ in rows]
    budget = _SPAN_BUDGET
    for r, (_, cells) in enumerate(rows):
        column = 0
        for cell in cells:
            while column in grid[r]:
                column += 1
            if column >= MAX_COLS:
                clamped = True
                break
            width = min(max(cell.colspan, 1), MAX_COLS - column)
            height = min(max(cell.rowspan, 1), len(rows) - r)
            clamped = clamped or width < cell.colspan or cell.rowspan > MAX_ROWS
            if width * height > budget:
                clamped = True
                height = max(1, budget // width)
            budget -= width * height
            for dr in range(height):
                target = grid[r + dr]
                for dc in range(width):
                    if column + dc not in target:
                        covered = (
                            Covered.NO
                            if dr == dc == 0
                            else (Covered.FROM_ABOVE if dr else Covered.FROM_LEFT)
                        )
                        target[column + dc] = SourceCell(text=cell.text, covered=covered)
            column += width
    out: list[SourceRow] = []
    for (number, _), positions in zip(rows, grid, strict=True):
        if not positions or not any(cell.text for cell in positions.values()):
            continue
        empty = SourceCell(text="")
        cells_out = tuple(positions.get(c, empty) for c in range(max(positions) + 1))
        out.append(SourceRow(cells=cells_out, place=Place(table=table, row=number)))
    if not out:
        return None, clamped
    return SourceTable(rows=tuple(out), place=Place(table=table)), clamped


def read_html(data: bytes) -> SourceDocument:
    """The paragraphs and tables of a web page, in document order."""
    if len(data) > MAX_BYTES:
        raise SourceError("import-too-large", size=len(data) // 1024 // 1024, limit=MAX_BYTES >> 20)
    text = _XML_DECLARATION.sub("", decode_text(data, _declared(data[:8192])), count=1)
    if not text.strip():
        raise SourceError("import-empty")
    try:
        root = lxml.html.document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise SourceError("import-broken-html", reason=type(exc).__name__) from None
    reader = _Reader()
    reader.walk(root, 0)
    reader.flush()
    return SourceDocument(
        kind=SourceKind.HTML,
        blocks=tuple(reader.blocks),
        notes=tuple(reader.notes),
        title=_page_title(root),
    )


# The article's title as government sites' editors (TRS, 拓尔思 and others) record it in the head.
_TITLE_METAS = ("articletitle", "title", "dc.title")


def _page_title(root: Any) -> str:
    """The page's own title: its ArticleTitle meta, else <title> (the body of a saved article often
    lacks the heading)."""
    for meta in root.iter("meta"):
        if str(meta.get("name") or "").strip().lower() in _TITLE_METAS:
            content = str(meta.get("content") or "").strip()
            if content:
                return content[:200]
    node = root.find(".//title")
    return node.text_content().strip()[:200] if node is not None else ""


def _declared(head: bytes) -> str | None:
    match = _CHARSET.search(head)
    if match is None:
        return None
    name = match.group(1).decode("ascii").lower()
    if name in _UNTRUSTED:
        return None
    return "gb18030" if name in _GB else name


def _tag(element: Any) -> str | None:
    tag = element.tag
    if not isinstance(tag, str):
        return None  # a comment or processing instruction
    return tag.rsplit("}", 1)[-1].lower()


def _hidden(element: Any) -> bool:
    style = element.get("style")
    return bool(style) and "display:none" in style.replace(" ", "").lower()


def _span(value: str | None) -> int:
    match = re.match(r"\s*(\d{1,7})", value or "")
    return int(match.group(1)) if match else 1


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


class _Reader:
    """Walks the tree once, gathering inline text into the current line."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.notes: list[str] = []
        self.parts: list[str] = []
        self.lines = 0
        self.tables = 0
        self.deep = False

    def flush(self) -> None:
        text = _clean("".join(self.parts))
        self.parts = []
        if text:
            self.lines += 1
            self.blocks.append(SourceLine(text=text, place=Place(line=self.lines)))

    def walk(self, element: Any, depth: int) -> None:
        tag = _tag(element)
        if tag is None or tag in _SKIP or _hidden(element):
            return
        if tag == "br":
            self.flush()
            return
        if depth > MAX_DEPTH:
            if not self.deep:
                self.deep = True
                self.notes.append(say("import-note-depth", limit=MAX_DEPTH))
            self.parts.append(" ".join(element.itertext()))
            return
        if tag == "table" and not _holds_tables(element):
            self.flush()
            self.table(element)
            return
        block = tag in _BLOCK
        if block:
            self.flush()
        if element.text:
            self.parts.append(element.text)
        for child in element:
            self.walk(child, depth + 1)
            if child.tail:
                self.parts.append(child.tail)
        if block:
            self.flush()

    def table(self, element: Any) -> None:
        for caption in element.iterchildren("caption"):
            self.walk(caption, 0)
        rows: list[tuple[int, list[GridCell]]] = []
        for number, row in enumerate(element.iter("tr"), start=1):
            if len(rows) > MAX_ROWS:
                break  # expand_grid notes the clamp
            cells = [
                GridCell(_cell_text(cell), _span(cell.get("colspan")), _span(cell.get("rowspan")))
                for cell in row
                if _tag(cell) in ("td", "th") and not _hidden(cell)
            ]
            rows.append((number, cells))
        table, clamped = expand_grid(rows, self.tables + 1)
        if table is None:
            return
        self.tables += 1
        self.blocks.append(table)
        if clamped:
            self.notes.append(
                say(
                    "import-note-grid-clamped",
                    place=table.place.describe(),
                    cols=MAX_COLS,
                    rows=MAX_ROWS,
                )
            )


def _holds_tables(table: Any) -> bool:
    return any(inner is not table for inner in table.iter("table"))


def _cell_text(cell: Any) -> str:
    """A cell's paragraphs joined by line breaks."""
    reader = _Reader()
    reader.walk(cell, 1)
    reader.flush()
    return "\n".join(block.text for block in reader.blocks if isinstance(block, SourceLine))
