"""What one cell and one sheet of an .xlsx say, whichever pass reads them: a cell's value from its
type and children, rich text, and `SheetPass`, which gathers a sheet's formulas, number formats,
protection, validations, merges and drawings as either pass (xlsx_sheet.py) meets them.

Everything is bounded by the sheet's area and by LIMITS: a hostile sheet's thousand merges or
million-cell validation ranges cost a counter, not memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from .package import LIMITS
from .refs import Bounds, box, expand, translate

__all__ = [
    "MAIN",
    "CellError",
    "Shared",
    "SheetPass",
    "SheetXml",
    "cell_value",
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


_T = frozenset(tags("t"))
_R = frozenset(tags("r"))
PROTECTION = frozenset(tags("sheetProtection"))
MERGE = frozenset(tags("mergeCell"))
VALIDATION = frozenset(tags("dataValidation"))
DRAWING = frozenset(tags("drawing", "picture", "legacyDrawingHF"))
LEGACY = frozenset(tags("legacyDrawing"))  # comments use it too: judged with the sheet's rels
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")  # Excel's escape of control characters; linear


class CellError(str):
    """An error value the spreadsheet shows in a cell: "#DIV/0!", "#REF!", "#N/A", ..."""

    __slots__ = ()


class Shared(int):
    """A shared-string index, resolved against the workbook's own string table after parsing, so
    that the parse of a sheet (which only holds indexes) can be reused for identical sheets."""


@dataclass(frozen=True, kw_only=True)
class SheetXml:
    """What the XML of one .xlsx sheet says beyond its values (only inside the bounded area)."""

    formulas: dict[str, str]  # A1 -> formula text without "=", shared and array formulas expanded
    protected: bool  # <sheetProtection sheet="1"|"true">
    validated: frozenset[str]  # A1 of cells under a whole-number or decimal validation
    merged: tuple[str, ...] = ()  # merged ranges, "A1:B2"
    drawing: bool = False  # pictures, shapes or charts placed on the sheet
    number_formats: dict[str, str] = field(default_factory=dict)  # A1 -> code, when not General


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


def cell_value(kind: str | None, v: str | None, inline: Any) -> Any:
    """A cell's value from its type (`t=`), the text of its <v> and its <is> element: a float,
    text, a `Shared` index, a bool, a datetime, a `CellError` or None."""
    if kind is None or kind == "n":
        if v is None:
            return None
        try:
            return float(v) if "_" not in v else v
        except ValueError:
            return v  # not a number although it says so: kept as text
    if kind == "s":
        try:
            index = int(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
        return Shared(index) if index >= 0 else None
    if kind == "str":
        return v
    if kind == "inlineStr":
        return rich_text(inline) if inline is not None else v
    if kind == "b":
        return None if v is None else v.strip() in ("1", "true", "TRUE")
    if kind == "e":
        return CellError(v) if v else None
    if kind == "d":
        return _date(v)
    return v


def _date(text: str | None) -> Any:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=None)
    except ValueError:
        return text


class SheetPass:
    """What a pass over one sheet gathers: its values (shared strings as `Shared` indexes), the
    filled cells beyond the bounded area (counted, the first one's A1 kept) and, when `with_xml`,
    what the XML says of the cells inside it."""

    __slots__ = (
        "arrays",
        "bounds",
        "budget",
        "cells",
        "first",
        "formats",
        "formulas",
        "legacy",
        "masters",
        "max_col",
        "max_row",
        "merged",
        "pending",
        "plain_drawing",
        "protected",
        "stray",
        "style_codes",
        "styles",
        "validated",
        "with_xml",
    )

    def __init__(self, styles: tuple[str | None, ...], bounds: Bounds, with_xml: bool) -> None:
        self.styles, self.bounds, self.with_xml = styles, bounds, with_xml
        self.max_row, self.max_col = bounds.rows, bounds.cols
        self.cells: list[tuple[int, int, Any]] = []
        self.formulas: dict[str, str] = {}
        self.masters: dict[str, tuple[str, str]] = {}
        self.pending: list[tuple[str, str]] = []
        self.arrays: list[tuple[str, str]] = []
        self.formats: dict[str, str] = {}
        self.merged: list[str] = []
        self.validated: set[str] = set()
        self.protected = self.plain_drawing = self.legacy = False
        self.stray, self.first = 0, ""
        self.style_codes: dict[str, str | None] = {}
        self.budget = LIMITS["expand_total"]  # cells generated from validation and array ranges

    def outside(self, count: int, first: str) -> None:
        """`count` filled cells beyond the bounded area, the first of them at `first`."""
        self.stray += count
        if count and not self.first:
            self.first = first

    def structure(self, element: Any, tag: str) -> None:
        """A sheet-level element: protection, a merged range, a validation or a drawing."""
        if tag in PROTECTION:
            self.protected = self.protected or element.get("sheet") in ("1", "true")
        elif tag in MERGE:  # kept when it reaches into the bounded area
            ref = element.get("ref") or ""
            found = box(ref)
            if (
                found
                and found[0] <= self.max_row
                and found[1] <= self.max_col
                and len(self.merged) < LIMITS["merges"]
            ):
                self.merged.append(ref)
        elif tag in VALIDATION:
            if element.get("type") in ("whole", "decimal") and self.budget > 0:
                cells_of, used = expand(element.get("sqref") or "", self.bounds, self.budget)
                self.validated |= cells_of
                self.budget -= used
        elif tag in LEGACY:
            self.legacy = True
        elif tag in DRAWING:
            self.plain_drawing = True

    def cell_xml(self, c: Any, ref: str | None, row: int, col: int, f: Any, filled: bool) -> None:
        """A cell's formula and number format (only for cells with a value or a formula)."""
        if f is not None:
            a1 = ref or xl_rowcol_to_cell(row, col)
            text, shared = f.text, f.get("t")
            if shared == "shared":
                si = f.get("si") or ""
                if text:
                    if len(self.masters) < LIMITS["formula_masters"]:
                        self.masters[si] = (a1, text)
                    self.formulas[a1] = text
                else:
                    self.pending.append((a1, si))
            elif text is not None:
                self.formulas[a1] = text
                if shared == "array" and f.get("ref"):
                    self.arrays.append((f.get("ref"), text))
        elif not filled:
            return
        style = c.get("s")
        if style is not None and self.styles:
            code = self.style_codes.get(style, "")
            if code == "":
                code = self.style_codes[style] = _style_code(self.styles, style)
            if code is not None:
                self.formats[ref or xl_rowcol_to_cell(row, col)] = code

    def result(
        self,
    ) -> tuple[tuple[tuple[int, int, Any], ...], SheetXml | None, tuple[int, str], bool]:
        """(cells, SheetXml or None, (stray count, first stray A1), legacy drawing only)."""
        outside = (self.stray, self.first)
        if not self.with_xml:
            return tuple(self.cells), None, outside, False
        for cell_range, text in self.arrays:  # every cell of an array formula's range carries it
            cells_of, used = expand(cell_range, self.bounds, self.budget)
            self.budget -= used
            for a1 in cells_of:
                self.formulas.setdefault(a1, text)
        if self.pending:
            translate(self.formulas, self.masters, self.pending)
        sheet = SheetXml(
            formulas=self.formulas,
            protected=self.protected,
            validated=frozenset(self.validated),
            merged=tuple(self.merged),
            drawing=self.plain_drawing or self.legacy,
            number_formats=self.formats,
        )
        return tuple(self.cells), sheet, outside, self.legacy and not self.plain_drawing


def _style_code(styles: tuple[str | None, ...], style: str) -> str | None:
    try:
        index = int(style)
        return styles[index] if index >= 0 else None
    except (ValueError, IndexError):
        return None
