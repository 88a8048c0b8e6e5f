"""One sheet of an .xlsx, read in one pass with lxml: its values inside the bounded area and, for
the form's sheets, what its XML says beyond them (formulas, protection, validation, merges, number
formats, drawings). Filled cells beyond the area are counted in C by XPath, not one by one in
Python, so a sheet of a million cells costs the parse and little more.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree
from xlsxwriter.utility import xl_rowcol_to_cell

from .package import LIMITS, elements

__all__ = [
    "MAIN",
    "Bounds",
    "CellError",
    "SheetXml",
    "read_sheet",
    "rich_text",
    "rich_text_unescape",
    "tags",
]

MAIN = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # strict OOXML
)


def tags(*names: str) -> tuple[str, ...]:
    """Clark names of spreadsheetml elements in both namespaces (lxml resolves any prefix)."""
    return tuple(f"{{{ns}}}{name}" for name in names for ns in MAIN)


_ROW = frozenset(tags("row"))
_T = frozenset(tags("t"))
_V = frozenset(tags("v"))
_R = frozenset(tags("r"))
_CHILD = {
    **dict.fromkeys(tags("v"), 1),
    **dict.fromkeys(tags("f"), 2),
    **dict.fromkeys(tags("is"), 3),
}
_PROTECTION = frozenset(tags("sheetProtection"))
_MERGE = frozenset(tags("mergeCell"))
_VALIDATION = frozenset(tags("dataValidation"))
_DRAWING = frozenset(tags("drawing", "picture", "legacyDrawingHF"))
_LEGACY = frozenset(tags("legacyDrawing"))  # comments use it too: judged with the sheet's rels
_SHEET_TAGS = tuple(
    sorted(_ROW | _PROTECTION | _MERGE | _VALIDATION | _DRAWING | _LEGACY)
)  # fmt: skip
# A cell beyond the bounded area counts when it holds a value: a <v> with text or an inline string.
# Counted in C; the namespaces are named (a local-name() test costs three times as much).
_NS = {"m": MAIN[0], "s": MAIN[1]}
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
_C_TAGS = tags("c")
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


def rich_text(element: Any) -> str:
    """The text of <si> or <is>: plain <t>, or rich-text runs <r><t> joined; <rPh> is left out."""
    parts = []
    for child in element:
        tag = child.tag
        if tag in _T:
            parts.append(child.text or "")
        elif tag in _R:
            parts.extend(g.text or "" for g in child if g.tag in _T)
    text = "".join(parts)
    return rich_text_unescape(text) if "_x" in text else text


def rich_text_unescape(text: str) -> str:
    """Excel's `_xHHHH_` escapes (control characters in strings) as the characters."""
    return _ESCAPE.sub(_unescape, text)


def _unescape(match: re.Match[str]) -> str:
    return chr(int(match.group(1), 16))


# -- one sheet ----------------------------------------------------------------------------------


class _Shared(int):
    """A shared-string index, resolved against the workbook's own string table after parsing, so
    that the parse of a sheet (which only holds indexes) can be reused for identical sheets."""


_PARSED: dict[tuple[Any, ...], tuple[Any, ...]] = {}
_PARSED_LIMIT = 256  # sheets kept; a batch repeats the same few (zero tables, narrative sheets)


def read_sheet(
    data: bytes,
    strings: list[str],
    styles: tuple[str | None, ...],
    bounds: Bounds,
    with_xml: bool,
) -> tuple[list[list[Any]], SheetXml | None, tuple[int, str], bool]:
    """Values inside the bounded area (and formulas, formats, protection, validations, merges and
    drawings when `with_xml`), the count and first A1 of filled cells beyond it, and whether the
    only drawing is legacy VML (which may be just the sheet's comments).

    Sheets of one template filled by one program are often byte for byte the same (tables of
    zeros, narrative sheets whose cells point at the same string indexes): their parse is reused,
    and only the strings are looked up in each workbook's own table."""
    key = (hashlib.blake2b(data, digest_size=16).digest(), len(data), bounds, with_xml, styles)
    parsed = _PARSED.get(key)
    if parsed is None:
        parsed = _parse_sheet(data, styles, bounds, with_xml)
        if len(_PARSED) >= _PARSED_LIMIT:
            _PARSED.clear()
        _PARSED[key] = parsed
    cells, sheet, outside, legacy_only = parsed
    count = len(strings)
    resolved = [
        (r, c, (strings[v] if 0 <= v < count else None) if type(v) is _Shared else v)
        for r, c, v in cells
    ]
    return _dense([cell for cell in resolved if cell[2] is not None]), sheet, outside, legacy_only


class _Unplaced(Exception):
    """A filled cell without a usable `r=`: its place depends on the empty cells before it."""


def _parse_sheet(
    data: bytes,
    styles: tuple[str | None, ...],
    bounds: Bounds,
    with_xml: bool,
) -> tuple[tuple[tuple[int, int, Any], ...], SheetXml | None, tuple[int, str], bool]:
    """One pass over a sheet's XML; shared strings left as indexes (`_Shared`).

    Most producers give every cell its `r=`; then empty cells (styled, half of a template's) are
    passed over without a look at their attributes. A cell without one sends the whole sheet to the
    slow pass, which counts every cell's place (a row of such cells is bounded by the area)."""
    try:
        return _pass(data, styles, bounds, with_xml, fast=True)
    except _Unplaced:
        return _pass(data, styles, bounds, with_xml, fast=False)


def _pass(
    data: bytes,
    styles: tuple[str | None, ...],
    bounds: Bounds,
    with_xml: bool,
    *,
    fast: bool,
) -> tuple[tuple[tuple[int, int, Any], ...], SheetXml | None, tuple[int, str], bool]:
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
    budget = LIMITS["expand_total"]  # cells generated from validation and array ranges
    row = -1
    for element in elements(data, _SHEET_TAGS):
        tag = element.tag
        if tag not in _ROW:
            if tag in _PROTECTION:
                protected = protected or element.get("sheet") in ("1", "true")
            elif tag in _MERGE:  # kept when it reaches into the bounded area
                ref = element.get("ref") or ""
                box = _box(ref)
                if (
                    box
                    and box[0] <= max_row
                    and box[1] <= max_col
                    and len(merged) < LIMITS["merges"]
                ):
                    merged.append(ref)
            elif tag in _VALIDATION:
                if element.get("type") in ("whole", "decimal") and budget > 0:
                    cells_of, used = _expand(element.get("sqref") or "", bounds, budget)
                    validated |= cells_of
                    budget -= used
            elif tag in _LEGACY:
                legacy = True
            elif tag in _DRAWING:
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
            if fast and not len(c):
                continue  # no value and no formula: nothing to read (its style shows nothing)
            ref = c.get("r")
            position = (_POSITIONS.get(ref) or _position(ref)) if ref else None
            if position is None:
                if fast:
                    raise _Unplaced
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
            if len(c) == 1 and (child := c[0]).tag in _V:  # the common cell: one value
                v = child.text
            else:
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
                    value = _Shared(index_) if index_ >= 0 else None
                except (TypeError, ValueError):
                    value = None
            elif kind == "str":
                value = v
            elif kind == "inlineStr":
                value = rich_text(inline) if inline is not None else v
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
            if style is not None and styles and (value is not None or f is not None):
                code = style_codes.get(style, "")
                if code == "":
                    code = style_codes[style] = _style_code(styles, style)
                if code is not None:
                    formats[ref or xl_rowcol_to_cell(cell_row, col)] = code
    if not with_xml:
        return tuple(cells), None, (stray, first), False
    for cell_range, text in arrays:  # every cell of an array formula's range carries it
        cells_of, used = _expand(cell_range, bounds, budget)
        budget -= used
        for a1 in cells_of:
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
    return tuple(cells), sheet, (stray, first), legacy and not plain_drawing


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


_EXPANDED: dict[tuple[str, Bounds], tuple[frozenset[str], int]] = {}


def _expand(sqref: str, bounds: Bounds, budget: int) -> tuple[frozenset[str], int]:
    """The cells of a space-separated list of ranges inside the bounded area, and how many were
    generated (at most `budget`); a range over `expand_cells` is skipped (a whole-column
    validation is not ours)."""
    hit = _EXPANDED.get((sqref, bounds))
    if hit is not None:
        return hit
    cells: list[str] = []
    for part in sqref.split()[:1000]:
        box = _box(part)
        if box is None or (box[2] - box[0] + 1) * (box[3] - box[1] + 1) > LIMITS["expand_cells"]:
            continue
        rows = range(box[0], min(box[2], bounds.rows) + 1)
        cols = range(box[1], min(box[3], bounds.cols) + 1)
        if len(cells) + len(rows) * len(cols) > budget:
            break
        cells.extend(xl_rowcol_to_cell(r, c) for r in rows for c in cols)
    out = frozenset(cells), len(cells)
    if len(sqref) < 4096 and len(_EXPANDED) < 4096:
        _EXPANDED[(sqref, bounds)] = out
    return out


_BOXES: dict[str, tuple[int, int, int, int] | None] = {}


def _box(cell_range: str) -> tuple[int, int, int, int] | None:
    """ "B2:C9" -> (first row, first col, last row, last col), zero-based; None if malformed.
    A batch repeats the template's merged ranges in every file: they are worked out once."""
    if cell_range in _BOXES:
        return _BOXES[cell_range]
    box = _box_of(cell_range)
    if len(_BOXES) < 100_000 and len(cell_range) < 64:
        _BOXES[cell_range] = box
    return box


def _box_of(cell_range: str) -> tuple[int, int, int, int] | None:
    first, _, last = cell_range.partition(":")
    start, end = _position(first.replace("$", "")), _position((last or first).replace("$", ""))
    if start is None or end is None:
        return None
    return (
        min(start[0], end[0]),
        min(start[1], end[1]),
        max(start[0], end[0]),
        max(start[1], end[1]),
    )


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
