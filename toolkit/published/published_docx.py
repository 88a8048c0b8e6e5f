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
import re
from typing import Any

from ..core.catalogue import say
from ..xlsx.package import Package, ReadError, parse_whole
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
    root, numbering, title = _document(data)
    body = root.find(f"{_W}body")
    if body is None:
        raise SourceError("import-not-docx")
    for fallback in list(root.iter(f"{_MC}Fallback")):  # the same text box again, as VML
        fallback.getparent().remove(fallback)
    reader = _Reader(numbering)
    reader.blocks_of(body)
    return SourceDocument(
        kind=SourceKind.DOCX, blocks=tuple(reader.blocks), notes=tuple(reader.notes), title=title
    )


def _document(data: bytes) -> tuple[Any, Numbering, str]:
    """The parsed main document part, within the package limits, and its list numbering."""
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
        folder = posixpath.dirname(name)
        parts = [_small_part(package, posixpath.join(folder, part))
                 for part in ("numbering.xml", "styles.xml")]  # fmt: skip
        return parse_whole(xml), Numbering(*parts), _core_title(package)
    except ReadError as exc:
        if exc.code in ("read-zip-bomb", "read-zip-ratio"):
            raise SourceError("import-zip-bomb") from None
        if exc.code == "read-broken-zip":
            raise SourceError("import-broken-zip") from None
        raise SourceError("import-broken-docx", reason=str(exc).rstrip("。")) from None


def _core_title(package: Package) -> str:
    """The document's title property (docProps/core.xml), "" when there is none."""
    core = _small_part(package, "docProps/core.xml")
    if core is None:
        return ""
    node = core.find("{http://purl.org/dc/elements/1.1/}title")
    return (node.text or "").strip()[:200] if node is not None else ""


def _small_part(package: Package, name: str) -> Any:
    """A part that only helps (numbering, styles), parsed when present and of a sane size."""
    info = package.parts.get(name.lower())
    if info is None or info.file_size > MAX_DOCUMENT_BYTES // 4:
        return None
    xml = package.xml(name)
    return parse_whole(xml) if xml is not None else None


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
    def __init__(self, numbering: Numbering) -> None:
        self.numbering = numbering
        self.blocks: list[Block] = []
        self.notes: list[str] = []
        self.lines = 0
        self.tables = 0

    def blocks_of(self, container: Any, depth: int = 0) -> None:
        for child in _children(container):
            tag = _local(child)
            if tag == f"{_W}p":
                text = _paragraph_text(child)
                prefix = self.numbering.prefix(child)
                text = prefix + text if text else ""
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


# --- automatic numbering: "一、" and "（一）" that Word draws but does not store as text ---------

# 零一二三四五六七八九十 (built from code points: no Chinese text lives outside the catalogue)
_DIGITS = "".join(map(chr, (0x96F6, 0x4E00, 0x4E8C, 0x4E09, 0x56DB, 0x4E94, 0x516D, 0x4E03,
                            0x516B, 0x4E5D)))  # fmt: skip
_TEN = chr(0x5341)
_LEGAL = "".join(map(chr, (0x96F6, 0x58F9, 0x8D30, 0x53C1, 0x8086, 0x4F0D, 0x9646, 0x67D2,
                           0x634C, 0x7396)))  # 零壹贰叁肆伍陆柒捌玖  # fmt: skip
_STEMS = "".join(map(chr, (0x7532, 0x4E59, 0x4E19, 0x4E01, 0x620A, 0x5DF1, 0x5E9A, 0x8F9B,
                           0x58EC, 0x7678)))  # 甲乙丙丁戊己庚辛壬癸  # fmt: skip
_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
          (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))  # fmt: skip


def _chinese(n: int, digits: str = _DIGITS, ten: str = _TEN) -> str:
    if not 0 < n < 100:
        return str(n)
    tens, units = divmod(n, 10)
    head = "" if tens == 0 else (ten if tens == 1 else digits[tens] + ten)
    return head + (digits[units] if units else "")


def _roman(n: int) -> str:
    out = ""
    for value, letters in _ROMAN:
        while n >= value:
            out, n = out + letters, n - value
    return out


def number_text(n: int, fmt: str) -> str:
    """The counter `n` as Word draws it in the number format `fmt` (w:numFmt)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "taiwaneseCounting"):
        return _chinese(n)
    if fmt == "chineseLegalSimplified":
        return _chinese(n, _LEGAL, chr(0x62FE))  # 拾
    if fmt == "ideographTraditional" and 0 < n <= 10:
        return _STEMS[n - 1]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 0 < n <= 20:
        return chr(0x2460 + n - 1)  # ① to ⑳
    if fmt == "decimalFullWidth":
        return "".join(chr(0xFF10 + int(d)) for d in str(n))
    if fmt in ("upperLetter", "lowerLetter") and n > 0:
        letter = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("upperRoman", "lowerRoman") and n > 0:
        return _roman(n).upper() if fmt == "upperRoman" else _roman(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


class Numbering:
    """The numbers of numbered paragraphs, counted in body order as Word counts them: per abstract
    list, a level's counter going up and every deeper level restarting."""

    def __init__(self, numbering: Any, styles: Any) -> None:
        # abstract id -> level -> (start, numFmt, lvlText); num id -> (abstract id, overrides)
        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.styles: dict[str, tuple[str | None, int | None, str | None]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        if numbering is not None:
            self._read_numbering(numbering)
        if styles is not None:
            for style in styles.iter(f"{_W}style"):
                num_pr = style.find(f"{_W}pPr/{_W}numPr")
                based = style.find(f"{_W}basedOn")
                num_id = _val(num_pr, "numId")
                level = _val(num_pr, "ilvl")
                self.styles[style.get(f"{_W}styleId") or ""] = (
                    num_id,
                    int(level) if level and level.isdigit() else None,
                    based.get(f"{_W}val") if based is not None else None,
                )

    def _read_numbering(self, root: Any) -> None:
        for abstract in root.iter(f"{_W}abstractNum"):
            levels: dict[int, tuple[int, str, str]] = {}
            for lvl in abstract.iter(f"{_W}lvl"):
                index = _int_attr(lvl, "ilvl", 0)
                start = _int(lvl.find(f"{_W}start"), 1)
                fmt = _val(lvl, "numFmt") or "decimal"
                text = _val(lvl, "lvlText")
                levels[index] = (start, fmt, text if text is not None else f"%{index + 1}.")
            self.levels[abstract.get(f"{_W}abstractNumId") or ""] = levels
        for num in root.iter(f"{_W}num"):
            overrides = {
                _int_attr(o, "ilvl", 0): _int(o.find(f"{_W}startOverride"), 1)
                for o in num.iter(f"{_W}lvlOverride")
                if o.find(f"{_W}startOverride") is not None
            }
            self.nums[num.get(f"{_W}numId") or ""] = (_val(num, "abstractNumId") or "", overrides)

    def _list_of(self, paragraph: Any) -> tuple[str | None, int]:
        properties = paragraph.find(f"{_W}pPr")
        num_pr = properties.find(f"{_W}numPr") if properties is not None else None
        num_id, level = _val(num_pr, "numId"), _val(num_pr, "ilvl")
        style = _val(properties, "pStyle")
        for _ in range(10):  # the basedOn chain of the paragraph's style
            if num_id is not None or style is None or style not in self.styles:
                break
            num_id, style_level, style = self.styles[style]
            level = level if level is not None else (str(style_level) if style_level else None)
        return num_id, int(level) if level and level.isdigit() else 0

    def prefix(self, paragraph: Any) -> str:
        """The number Word draws before this paragraph ("" when it has none), counting it."""
        num_id, level = self._list_of(paragraph)
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        abstract, overrides = self.nums[num_id]
        levels = self.levels.get(abstract)
        if not levels or level not in levels:
            return ""
        counters = self.counters.setdefault(abstract, {})
        if num_id not in self.started:
            self.started.add(num_id)
            for index, start in overrides.items():
                counters[index] = start - 1
        start, fmt, text = levels[level]
        if fmt in ("bullet", "none"):
            return ""  # a bullet is a symbol-font glyph, not text
        counters[level] = counters.get(level, start - 1) + 1
        for deeper in [index for index in counters if index > level]:
            del counters[deeper]

        def number(match: re.Match[str]) -> str:
            index = int(match.group(1)) - 1
            first, fmt, _ = levels.get(index, (1, "decimal", ""))
            return number_text(counters.get(index, first), fmt)

        return re.sub(r"%([1-9])", number, text)


def _val(element: Any, child: str) -> str | None:
    if element is None:
        return None
    found = element.find(f"{_W}{child}")
    return found.get(f"{_W}val") if found is not None else None


def _int_attr(element: Any, name: str, default: int) -> int:
    value = element.get(f"{_W}{name}")
    return int(value) if value is not None and value.isdigit() else default
