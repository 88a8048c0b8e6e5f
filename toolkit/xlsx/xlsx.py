"""The .xlsx reader: the package's structure (workbook, relationships, shared strings, styles,
document properties) and then one pass per sheet with lxml (xlsx_sheet.py), values and structure
together.

Every valid way of writing the XML reads the same: any namespace prefix, the transitional or the
strict namespace, either quote, any attribute order, white space between elements, cells and rows
without `r=`, inline or shared strings (rich-text runs joined, phonetic runs left out), shared and
array formulas. Memory stays bounded whatever the file says: only cells inside a sheet's bounded
area are kept; the cells beyond it are counted (in C, by XPath, not one by one in Python).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from lxml import etree

from .package import LIMITS, Package, PartCache, ReadError, elements, parse_whole
from .xlsx_sheet import (
    MAIN,
    Bounds,
    CellError,
    SheetXml,
    read_sheet,
    rich_text,
    rich_text_unescape,
    tags,
)

__all__ = [
    "Bounds",
    "CellError",
    "Plan",
    "SheetXml",
    "XlsxBook",
    "read_xlsx",
    "refuse_duplicates",
]

_RELATIONSHIP_ID = (
    "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id",
    "{http://purl.oclc.org/ooxml/officeDocument/relationships}id",
)
_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_MODIFIED = "{http://purl.org/dc/terms/}modified"


_NUMFMT = frozenset(tags("numFmt"))
_CELLXFS = frozenset(tags("cellXfs"))
_XF = frozenset(tags("xf"))

# Excel's built-in number formats (ECMA-376 18.8.30); ids it leaves to the locale are shown as #id.
_BUILTIN_FORMATS = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%",
    11: "0.00E+00", 12: "# ?/?", 13: "# ??/??", 14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm",
    17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss",
    22: "m/d/yy h:mm", 37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)",
    39: "#,##0.00;(#,##0.00)", 40: "#,##0.00;[Red](#,##0.00)", 45: "mm:ss", 46: "[h]:mm:ss",
    47: "mmss.0", 48: "##0.0E+0", 49: "@",
}  # fmt: skip


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
    sheets = _cached(package, main, "workbook", _sheets)
    names = tuple(name for name, _ in sheets)
    refuse_duplicates(names)
    rels = _relationships(package, main)
    targets = {rid: target for rid, (_, target) in rels.items()}
    by_kind = {kind: target for kind, target in rels.values()}
    wanted = plan(names)
    strings: list[str] = []
    styles: tuple[str | None, ...] = ()
    if wanted:
        strings = _shared_strings(package.xml(by_kind.get("sharedStrings", "xl/sharedStrings.xml")))
        styles = _cached(package, by_kind.get("styles", "xl/styles.xml"), "styles", _styles)
    grids: dict[str, list[list[Any]]] = {}
    xml: dict[str, SheetXml] = {}
    stray: dict[str, tuple[int, str]] = {}
    for name, rid in sheets:
        if name not in wanted or rid not in targets:
            continue
        part = targets[rid]
        if not package.has(part):
            continue
        bounds, with_xml = wanted[name]
        grid, sheet_xml, outside, legacy_only = read_sheet(
            package, part, strings, styles, bounds, with_xml
        )
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


def refuse_duplicates(names: tuple[str, ...]) -> None:
    """A sheet name listed twice would let values and structure come from different sheets."""
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:  # Excel compares sheet names case-insensitively
            raise ReadError("read-duplicate-sheet", sheet=name[:40])
        seen.add(name.casefold())


# -- package structure --------------------------------------------------------------------------

_PARTS = PartCache(entries=64)


def _cached(package: Package, part: str, kind: str, parse: Callable[[bytes], Any]) -> Any:
    """Parts that are the same in every file of a batch (styles, workbook, relationships) are
    parsed once; a missing part is parsed as b""."""
    return package.cached(part, _PARTS, kind, parse)


def _relationships(package: Package, part: str) -> dict[str, tuple[str, str]]:
    """Id -> (relationship kind, e.g. "worksheet", target part) of a part's relationships."""
    name = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    return dict(
        _cached(package, name, "rels:" + part, lambda data: _targets(data, part) if data else {})
    )


def _targets(data: bytes, part: str) -> dict[str, tuple[str, str]]:
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
    for sheet in elements(data, tags("sheet")):
        rid = next((sheet.get(a) for a in _RELATIONSHIP_ID if sheet.get(a) is not None), "")
        out.append((sheet.get("name") or "", rid))
    return tuple(out)


_SI = tags("si")
_PLAIN_STRINGS = etree.XPath(
    "count(*) = count(m:si[count(*) = 1]/m:t[text()]) + count(s:si[count(*) = 1]/s:t[text()])",
    namespaces={"m": MAIN[0], "s": MAIN[1]},
)
_STRING_TEXTS = etree.XPath(
    "m:si/m:t/text() | s:si/s:t/text()",
    namespaces={"m": MAIN[0], "s": MAIN[1]},
    smart_strings=False,
)


def _shared_strings(data: bytes | None) -> list[str]:
    if not data:
        return []
    items: Iterator[Any]
    if len(data) <= LIMITS["tree_bytes"]:  # the common case: one plain <t> in every <si>
        root = parse_whole(data)
        if _PLAIN_STRINGS(root):
            out = _STRING_TEXTS(root)
            if len(out) > LIMITS["shared_strings"]:
                raise ReadError("read-too-many-strings", limit=LIMITS["shared_strings"])
            if len(out) == len(root):  # one text node each (else a <t> was split: go slowly)
                return [rich_text_unescape(text) if "_x" in text else text for text in out]
        items = root.iter(*_SI)  # rich text runs (LibreOffice writes many): the same tree, slowly
    else:
        items = elements(data, _SI)
    out = []
    limit = LIMITS["shared_strings"]
    for item in items:
        out.append(rich_text(item))
        if len(out) > limit:
            raise ReadError("read-too-many-strings", limit=limit)
    return out


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
