"""The .xlsx reader: one pass per XML part with lxml, values and structure together.

Every valid way of writing the XML reads the same: any namespace prefix, the transitional or the
strict namespace, either quote, any attribute order, white space between elements, cells and rows
without `r=`, inline or shared strings (rich-text runs joined, phonetic runs left out), shared and
array formulas. Memory stays bounded whatever the file says: only cells inside a sheet's bounded
area are kept; the cells beyond it are counted (in C, by XPath, not one by one in Python).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from lxml import etree
from xlsxwriter.utility import xl_rowcol_to_cell

from .package import LIMITS, Package, ReadError, elements

__all__ = [
    "Bounds",
    "CellError",
    "SheetXml",
    "XlsxBook",
    "read_xlsx",
]

_MAIN = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # strict OOXML
)
_RELATIONSHIP_ID = (
    "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id",
    "{http://purl.oclc.org/ooxml/officeDocument/relationships}id",
)
_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_MODIFIED = "{http://purl.org/dc/terms/}modified"


def _q(*names: str) -> tuple[str, ...]:
    """Clark names of spreadsheetml elements in both namespaces (lxml resolves any prefix)."""
    return tuple(f"{{{ns}}}{name}" for name in names for ns in _MAIN)


_ROW = frozenset(_q("row"))
_T = frozenset(_q("t"))
_R = frozenset(_q("r"))
_CHILD = {**dict.fromkeys(_q("v"), 1), **dict.fromkeys(_q("f"), 2), **dict.fromkeys(_q("is"), 3)}
_PROTECTION = frozenset(_q("sheetProtection"))
_MERGE = frozenset(_q("mergeCell"))
_VALIDATION = frozenset(_q("dataValidation"))
_DRAWING = frozenset(_q("drawing", "picture", "legacyDrawingHF"))
_LEGACY = frozenset(_q("legacyDrawing"))  # comments use it too: judged with the sheet's rels
_SHEET_TAGS = tuple(
    sorted(_ROW | _PROTECTION | _MERGE | _VALIDATION | _DRAWING | _LEGACY)
)  # fmt: skip
_NUMFMT = frozenset(_q("numFmt"))
_CELLXFS = frozenset(_q("cellXfs"))
_XF = frozenset(_q("xf"))

# Excel's built-in number formats (ECMA-376 18.8.30); ids it leaves to the locale are shown as #id.
_BUILTIN_FORMATS = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%",
    11: "0.00E+00", 12: "# ?/?", 13: "# ??/??", 14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm",
    17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss",
    22: "m/d/yy h:mm", 37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)",
    39: "#,##0.00;(#,##0.00)", 40: "#,##0.00;[Red](#,##0.00)", 45: "mm:ss", 46: "[h]:mm:ss",
    47: "mmss.0", 48: "##0.0E+0", 49: "@",
}  # fmt: skip
# A cell beyond the bounded area counts when it holds a value: a <v> with text or an inline string.
# Counted in C; the namespaces are named (a local-name() test costs three times as much).
_NS = {"m": _MAIN[0], "s": _MAIN[1]}
_COUNT_ALL = etree.XPath(
    "count(*/m:v/text()) + count(*/s:v/text()) + count(*/m:is) + count(*/s:is)", namespaces=_NS
)
_COUNT_FROM = etree.XPath(  # from the k-th cell of a row on
    "count(m:c[position() > $k]/m:v/text()) + count(s:c[position() > $k]/s:v/text())"
    " + count(m:c[position() > $k]/m:is) + count(s:c[position() > $k]/s:is)",
    namespaces=_NS,
)
_FIRST_FROM = etree.XPath(
    "(m:c[position() > $k][m:v/text() or m:is] | s:c[position() > $k][s:v/text() or s:is])[1]",
    namespaces=_NS,
)
_C_TAGS = _q("c")
_SMALL_ROW = 16  # rows with fewer children are counted in Python (an XPath call costs more)
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")  # Excel's escape of control characters; linear


class CellError(str):
    """An error value the spreadsheet shows in a cell: "#DIV/0!", "#REF!", "#N/A", ..."""

    __slots__ = ()


@dataclass(frozen=True, kw_only=True)
class SheetXml:
    """What the XML of one .xlsx sheet says beyond its values (only inside the bounded area)."""

    formulas: dict[str, str]  # A1 -> formula text without "=", shared and array formulas expanded
    protected: bool  # <sheetProtection sheet="1"|"true">
    validated: frozenset[str]  # A1 of cells under a whole-number or decimal validation
    merged: tuple[str, ...] = ()  # merged ranges, "A1:B2"
    drawing: bool = False  # pictures, shapes or charts placed on the sheet
    number_formats: dict[str, str] = field(default_factory=dict)  # A1 -> code, when not General


@dataclass(frozen=True)
class Bounds:
    """The bounded area of a sheet: zero-based last row and column kept."""

    rows: int
    cols: int


@dataclass(frozen=True, kw_only=True)
class XlsxBook:
    sheet_names: tuple[str, ...]
    grids: dict[str, list[list[Any]]]
    xml: dict[str, SheetXml]
    stray: dict[str, tuple[int, str]]
    properties: dict[str, str]  # custom document properties (name -> text)
    saved_at: str


# What to read of each sheet, given all sheet names: name -> (bounds, whether to keep its SheetXml).
Plan = Callable[[tuple[str, ...]], dict[str, tuple[Bounds, bool]]]


def read_xlsx(package: Package, plan: Plan) -> XlsxBook:
    """Read the sheets `plan` asks for, with their shared strings and styles, in one pass each."""
    office = _relationships(package, "")
    main = next((t for kind, t in office.values() if kind == "officeDocument"), "xl/workbook.xml")
    if not package.has(main):
        main = "xl/workbook.xml"
        if not package.has(main):
            raise ReadError("read-no-workbook")
    sheets = _cached("workbook", package.xml(main) or b"", _sheets)
    names = tuple(name for name, _ in sheets)
    seen: dict[str, str] = {}
    for name in names:
        if name.casefold() in seen:  # Excel compares sheet names case-insensitively
            raise ReadError("read-duplicate-sheet", sheet=name[:40])
        seen[name.casefold()] = name
    rels = _relationships(package, main)
    targets = {rid: target for rid, (_, target) in rels.items()}
    by_kind = {kind: target for kind, target in rels.values()}
    wanted = plan(names)
    strings: list[str] = []
    styles: tuple[str | None, ...] = ()
    if wanted:
        strings = _shared_strings(package.xml(by_kind.get("sharedStrings", "xl/sharedStrings.xml")))
        styles = _cached("styles", package.xml(by_kind.get("styles", "xl/styles.xml")), _styles)
    grids: dict[str, list[list[Any]]] = {}
    xml: dict[str, SheetXml] = {}
    stray: dict[str, tuple[int, str]] = {}
    for name, rid in sheets:
        if name not in wanted or rid not in targets:
            continue
        part = targets[rid]
        data = package.xml(part)
        if data is None:
            continue
        bounds, with_xml = wanted[name]
        grid, sheet_xml, outside, legacy_only = _read_sheet(data, strings, styles, bounds, with_xml)
        grids[name] = grid
        if outside[0]:
            stray[name] = outside
        if sheet_xml is not None:
            if legacy_only and _has_comments(package, part):
                sheet_xml = replace(sheet_xml, drawing=False)
            xml[name] = sheet_xml
    return XlsxBook(
        sheet_names=names,
        grids=grids,
        xml=xml,
        stray=stray,
        properties=_properties(package, office),
        saved_at=_saved_at(package, office),
    )


# -- package structure --------------------------------------------------------------------------

_CACHE: dict[tuple[str, bytes], Any] = {}


def _cached(kind: str, data: bytes | None, parse: Callable[[bytes], Any]) -> Any:
    """Parts that are the same in every file of a batch (styles, workbook) are parsed once."""
    if data is None:
        return parse(b"")
    key = (kind, data)
    hit = _CACHE.get(key)
    if hit is None:
        hit = parse(data)
        if len(data) < 256 * 1024:
            if len(_CACHE) >= 64:
                _CACHE.clear()
            _CACHE[key] = hit
    return hit


def _relationships(package: Package, part: str) -> dict[str, tuple[str, str]]:
    """Id -> (relationship kind, e.g. "worksheet", target part) of a part's relationships."""
    name = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    data = package.xml(name)
    if not data:
        return {}
    out = {}
    base = posixpath.dirname(part)
    for rel in elements(data, (_RELATIONSHIP,)):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target") or ""
        if target.startswith("/"):
            path = posixpath.normpath(target.lstrip("/"))
        else:
            path = posixpath.normpath(posixpath.join(base, target))
        out[rel.get("Id") or ""] = ((rel.get("Type") or "").rpartition("/")[2], path)
    return out


def _sheets(data: bytes) -> tuple[tuple[str, str], ...]:
    """(name, relationship id) of each sheet, in workbook order."""
    if not data:
        raise ReadError("read-no-workbook")
    out = []
    for sheet in elements(data, _q("sheet")):
        rid = next((sheet.get(a) for a in _RELATIONSHIP_ID if sheet.get(a) is not None), "")
        out.append((sheet.get("name") or "", rid))
    return tuple(out)


def _shared_strings(data: bytes | None) -> list[str]:
    if not data:
        return []
    out = []
    limit = LIMITS["shared_strings"]
    for item in elements(data, _q("si")):
        out.append(_rich_text(item))
        if len(out) > limit:
            raise ReadError("read-too-many-strings", limit=limit)
    return out


def _rich_text(element: Any) -> str:
    """The text of <si> or <is>: plain <t>, or rich-text runs <r><t> joined; <rPh> is left out."""
    parts = []
    for child in element:
        tag = child.tag
        if tag in _T:
            parts.append(child.text or "")
        elif tag in _R:
            parts.extend(g.text or "" for g in child if g.tag in _T)
    text = "".join(parts)
    return _ESCAPE.sub(_unescape, text) if "_x" in text else text


def _unescape(match: re.Match[str]) -> str:
    return chr(int(match.group(1), 16))


def _styles(data: bytes) -> tuple[str | None, ...]:
    """The number format code of each cell style (None for General)."""
    if not data:
        return ()
    custom: dict[str, str] = {}
    codes: list[str | None] = []
    for element in elements(data, tuple(_NUMFMT | _CELLXFS)):
        if element.tag in _NUMFMT:
            custom[element.get("numFmtId") or ""] = element.get("formatCode") or ""
            continue
        for xf in element:
            if xf.tag not in _XF:
                continue
            fid = xf.get("numFmtId") or "0"
            code = custom.get(fid)
            if code is None:
                number = int(fid) if fid.isascii() and fid.isdigit() else 0
                code = _BUILTIN_FORMATS.get(number, f"#{number}")
            codes.append(None if code.lower() == "general" else code)
    return tuple(codes)


def _properties(package: Package, office: dict[str, tuple[str, str]]) -> dict[str, str]:
    part = next((t for kind, t in office.values() if kind == "custom-properties"), "")
    data = package.xml(part or "docProps/custom.xml")
    if not data:
        return {}
    out = {}
    for element in elements(data, ("{*}property",)):
        name = element.get("name")
        if name and len(element):
            out[name] = element[0].text or ""
    return out


def _saved_at(package: Package, office: dict[str, tuple[str, str]]) -> str:
    part = next((t for kind, t in office.values() if kind == "core-properties"), "")
    data = package.xml(part or "docProps/core.xml")
    if not data:
        return ""
    for element in elements(data, (_MODIFIED,)):
        return (element.text or "").strip()[:40]
    return ""


def _has_comments(package: Package, part: str) -> bool:
    """Whether a sheet has cell comments, whose boxes Excel keeps in legacy VML drawing: a sheet
    whose only drawing is that has no picture or shape on it."""
    return any(kind == "comments" for kind, _ in _relationships(package, part).values())


# -- one sheet ----------------------------------------------------------------------------------


def _read_sheet(
    data: bytes,
    strings: list[str],
    styles: tuple[str | None, ...],
    bounds: Bounds,
    with_xml: bool,
) -> tuple[list[list[Any]], SheetXml | None, tuple[int, str], bool]:
    """Values inside the bounded area (and formulas, formats, protection, validations, merges and
    drawings when `with_xml`), the count and first A1 of filled cells beyond it, and whether the
    only drawing is legacy VML (which may be just the sheet's comments)."""
    max_row, max_col = bounds.rows, bounds.cols
    cells: list[tuple[int, int, Any]] = []
    formulas: dict[str, str] = {}
    masters: dict[str, tuple[str, str]] = {}
    pending: list[tuple[str, str]] = []
    arrays: list[tuple[str, str]] = []
    formats: dict[str, str] = {}
    merged: list[str] = []
    validated: set[str] = set()
    protected = plain_drawing = legacy = False
    stray, first = 0, ""
    style_codes: dict[str, str | None] = {}
    row = -1
    for element in elements(data, _SHEET_TAGS):
        tag = element.tag
        if tag not in _ROW:
            if tag in _PROTECTION:
                protected = protected or element.get("sheet") in ("1", "true")
            elif tag in _MERGE:
                ref = element.get("ref")
                if ref and len(merged) < LIMITS["merges"]:
                    merged.append(ref)
            elif tag in _VALIDATION:
                if element.get("type") in ("whole", "decimal"):
                    validated |= _expand(element.get("sqref") or "")
            elif tag in _LEGACY:
                legacy = True
            else:
                plain_drawing = True
            continue
        number = element.get("r")
        row = int(number) - 1 if number and number.isascii() and number.isdigit() else row + 1
        if row > max_row:  # the whole row lies beyond the area: count its filled cells
            if len(element) <= _SMALL_ROW:
                for c in element.iterchildren(*_C_TAGS):
                    if _filled(c):
                        stray += 1
                        first = first or c.get("r") or xl_rowcol_to_cell(row, 0)
            else:
                count = int(_COUNT_ALL(element))
                if count and not first:
                    first = _first(element, 0) or xl_rowcol_to_cell(row, 0)
                stray += count
            continue
        col = -1
        for index, c in enumerate(element.iterchildren(*_C_TAGS)):
            ref = c.get("r")
            position = (_POSITIONS.get(ref) or _position(ref)) if ref else None
            if position is None:
                cell_row, col, ref = row, col + 1, None
            else:
                cell_row, col = position
            if col > max_col:  # this cell and the rest of the row lie beyond the area
                count = int(_COUNT_FROM(element, k=index))
                if count and not first:
                    first = _first(element, index) or xl_rowcol_to_cell(row, col)
                stray += count
                break
            kind = c.get("t")
            v = f = inline = None
            for child in c:
                what = _CHILD.get(child.tag)
                if what == 1:
                    v = child.text
                elif what == 2:
                    f = child
                elif what == 3:
                    inline = child
            if kind is None or kind == "n":
                if v is None:
                    value: Any = None
                else:
                    try:
                        value = float(v) if "_" not in v else v
                    except ValueError:
                        value = v  # not a number although it says so: kept as text
            elif kind == "s":
                try:
                    index_ = int(v)  # type: ignore[arg-type]
                    value = strings[index_] if index_ >= 0 else None
                except (TypeError, ValueError, IndexError):
                    value = None
            elif kind == "str":
                value = v
            elif kind == "inlineStr":
                value = _rich_text(inline) if inline is not None else v
            elif kind == "b":
                value = None if v is None else v.strip() in ("1", "true", "TRUE")
            elif kind == "e":
                value = CellError(v) if v else None
            elif kind == "d":
                value = _date(v)
            else:
                value = v
            if cell_row > max_row:  # a cell whose own reference points below its row
                if value is not None and value != "":
                    stray += 1
                    first = first or ref or xl_rowcol_to_cell(cell_row, col)
                continue
            if value is not None:
                cells.append((cell_row, col, value))
            if not with_xml:
                continue
            if f is not None:
                a1 = ref or xl_rowcol_to_cell(cell_row, col)
                text, shared = f.text, f.get("t")
                if shared == "shared":
                    si = f.get("si") or ""
                    if text:
                        if len(masters) < LIMITS["formula_masters"]:
                            masters[si] = (a1, text)
                        formulas[a1] = text
                    else:
                        pending.append((a1, si))
                elif text is not None:
                    formulas[a1] = text
                    if shared == "array" and f.get("ref"):
                        arrays.append((f.get("ref"), text))
            style = c.get("s")
            if style is not None and styles:
                code = style_codes.get(style, "")
                if code == "":
                    code = style_codes[style] = _style_code(styles, style)
                if code is not None:
                    formats[ref or xl_rowcol_to_cell(cell_row, col)] = code
    grid = _dense(cells)
    if not with_xml:
        return grid, None, (stray, first), False
    for cell_range, text in arrays:  # every cell of an array formula's range carries it
        for a1 in _expand(cell_range):
            formulas.setdefault(a1, text)
    if pending:
        _translate(formulas, masters, pending)
    sheet = SheetXml(
        formulas=formulas,
        protected=protected,
        validated=frozenset(validated),
        merged=tuple(merged),
        drawing=plain_drawing or legacy,
        number_formats=formats,
    )
    return grid, sheet, (stray, first), legacy and not plain_drawing


def _style_code(styles: tuple[str | None, ...], style: str) -> str | None:
    try:
        index = int(style)
        return styles[index] if index >= 0 else None
    except (ValueError, IndexError):
        return None


def _first(row: Any, index: int) -> str:
    """The reference of the first filled cell of a row from its `index`-th child on ("" if none
    says where it is)."""
    found = _FIRST_FROM(row, k=index)
    return (found[0].get("r") or "") if found else ""


def _filled(c: Any) -> bool:
    for child in c:
        what = _CHILD.get(child.tag)
        if what == 3 or (what == 1 and child.text):
            return True
    return False


_POSITIONS: dict[str, tuple[int, int]] = {}


def _position(ref: str) -> tuple[int, int] | None:
    """ "B7" -> (6, 1), zero-based; None when it is not a cell reference Excel could hold."""
    hit = _POSITIONS.get(ref)
    if hit is not None:
        return hit
    col = i = 0
    for ch in ref:
        o = ord(ch)
        if 65 <= o <= 90:
            col = col * 26 + o - 64
        elif 97 <= o <= 122:
            col = col * 26 + o - 96
        else:
            break
        i += 1
    digits = ref[i:]
    if not 1 <= i <= 3 or not (digits.isascii() and digits.isdigit()) or len(digits) > 7:
        return None
    row = int(digits)
    if not 1 <= row <= 1048576 or col > 16384:
        return None
    if len(_POSITIONS) < 100_000:
        _POSITIONS[ref] = (row - 1, col - 1)
    return row - 1, col - 1


def _dense(cells: list[tuple[int, int, Any]]) -> list[list[Any]]:
    """Rows from A1 to the last filled row and column ("" counts as empty)."""
    filled = [(r, c) for r, c, v in cells if v != ""]
    if not filled:
        return []
    last_row = max(r for r, _ in filled)
    last_col = max(c for _, c in filled)
    grid: list[list[Any]] = [[None] * (last_col + 1) for _ in range(last_row + 1)]
    for r, c, v in cells:
        if r <= last_row and c <= last_col:
            grid[r][c] = v
    return grid


def _date(text: str | None) -> Any:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=None)
    except ValueError:
        return text


_EXPANDED: dict[str, frozenset[str]] = {}


def _expand(sqref: str) -> frozenset[str]:
    """The cells of a space-separated list of ranges; ranges over `expand_cells` are skipped (a
    whole-column validation is not ours, and not worth expanding)."""
    hit = _EXPANDED.get(sqref)
    if hit is not None:
        return hit
    cells: list[str] = []
    for part in sqref.split()[:1000]:
        first, _, last = part.partition(":")
        start, end = _position(first.replace("$", "")), _position((last or first).replace("$", ""))
        if start is None or end is None:
            continue
        rows = range(min(start[0], end[0]), max(start[0], end[0]) + 1)
        cols = range(min(start[1], end[1]), max(start[1], end[1]) + 1)
        if len(rows) * len(cols) > LIMITS["expand_cells"]:
            continue
        cells.extend(xl_rowcol_to_cell(r, c) for r in rows for c in cols)
    out = frozenset(cells)
    if len(sqref) < 4096 and len(_EXPANDED) < 4096:
        _EXPANDED[sqref] = out
    return out


def _translate(
    formulas: dict[str, str], masters: dict[str, tuple[str, str]], pending: list[tuple[str, str]]
) -> None:
    """A shared formula's children get the master's formula moved to their own position."""
    from openpyxl.formula.translate import Translator, TranslatorError

    for a1, si in pending:
        if si not in masters:
            continue
        origin, text = masters[si]
        try:
            formulas[a1] = Translator("=" + text, origin).translate_formula(a1)[1:]
        except (TranslatorError, ValueError, IndexError, KeyError):
            formulas[a1] = text  # an untranslatable formula still shows that one is there
