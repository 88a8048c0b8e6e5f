"""Reads a returned workbook: cell values (python-calamine, for .xlsx, .xls and .ods alike) and, for
.xlsx, what only the XML shows (formulas, sheet protection, data validation), in one bounded pass.

Nothing here judges the content; check.py does. Files are opened read-only and never modified.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .form import Form
from .generate import META_PREFIX, META_SHEET
from .layout import layout

__all__ = [
    "LIMITS",
    "Workbook",
    "read_workbook",
]

# Bounds that keep one hostile file from exhausting time or memory (see README, "Limits").
LIMITS = {
    "file_bytes": 50 * 1024 * 1024,  # a real report is about 30 KB
    "part_bytes": 64 * 1024 * 1024,  # one XML part, uncompressed
    "total_bytes": 256 * 1024 * 1024,  # all parts, uncompressed
    "ratio": 200,  # uncompressed / compressed, per part (zip bombs reach thousands)
    "sheet_rows": 5000,  # rows read from one sheet
}

FOREIGN_SHEETS = 5  # sheets glimpsed in a workbook that is not one of ours
# What zipfile and zlib raise for a package whose directory looks fine but whose parts do not.
_BROKEN_PACKAGE = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    KeyError,
    NotImplementedError,  # an unsupported compression method
    RuntimeError,  # an encrypted zip member
    UnicodeDecodeError,
)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CELL_FORMULA = re.compile(
    rb'<c\s[^>]*?r="([A-Z]{1,3}[0-9]{1,7})"[^>]*>\s*(?:<f(\s[^>]*)?>([^<]*)</f>|<f(\s[^>]*)/>)'
)
_SHARED = re.compile(rb'\bt="shared"')
_SHARED_INDEX = re.compile(rb'\bsi="(\d+)"')
_SHARED_REF = re.compile(rb'\bref="([A-Z0-9:]+)"')
_PROTECTION = re.compile(rb'<sheetProtection\b[^>]*\bsheet="(?:1|true)"')
_VALIDATION = re.compile(rb"<dataValidation\b([^>]*)>")
_ATTRIBUTE = re.compile(rb'\b(type|sqref)="([^"]*)"')
_SHEET_ENTRY = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_REL_ENTRY = re.compile(rb"<Relationship\b([^>]*)/?>")
_XML_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_PROPERTY = re.compile(
    rb'<property\b[^>]*\bname="'
    + META_PREFIX.encode()
    + rb'(\w+)"[^>]*>\s*<vt:lpwstr\b[^>]*>([^<]*)</vt:lpwstr>'
)
_MERGE = re.compile(rb'<mergeCell\s+ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
_DTD = (b"<!DOCTYPE", b"<!ENTITY")
# Parts that python-calamine parses and we do not read ourselves: checked for a DTD up front.
_PARSED_ELSEWHERE = frozenset(
    {"[Content_Types].xml", "xl/sharedStrings.xml", "xl/styles.xml", "_rels/.rels"}
)
_MACROS = re.compile(r"vbaProject\.bin$", re.IGNORECASE)
_EXTERNAL = re.compile(r"externalLinks/", re.IGNORECASE)


class CellError(str):
    """An error value the spreadsheet shows ("#DIV/0!", "#REF!", …)."""


class ReadError(Exception):
    """The file cannot be read; the message (Chinese) says why, for an `unreadable` finding."""


@dataclass(frozen=True, kw_only=True)
class SheetXml:
    """What the XML of one .xlsx sheet says beyond its values."""

    formulas: dict[str, str]  # A1 -> formula text without "=", shared formulas expanded
    protected: bool
    validated: frozenset[str]  # A1 of cells under a whole-number or decimal validation
    merged: tuple[str, ...] = ()  # merged ranges, "A1:B2"
    drawing: bool = False  # pictures, shapes or charts placed on the sheet
    number_formats: dict[str, str] = field(default_factory=dict)  # A1 -> code, when not General


@dataclass(frozen=True, kw_only=True)
class Workbook:
    path: Path
    sha256: str = ""
    size: int = 0
    mtime: float = 0.0
    kind: str = ""  # xlsx, xls, ods
    error: str = ""  # why it could not be read; the rest is empty then
    sheet_names: tuple[str, ...] = ()
    grids: dict[str, list[list[Any]]] = field(default_factory=dict)  # our sheets' values
    meta: dict[str, str] = field(default_factory=dict)
    meta_source: str = ""  # "sheet", "properties" or "" when the file carries no identity
    xml: dict[str, SheetXml] | None = None  # .xlsx only
    macros: bool = False
    external_links: bool = False
    suffix_kind: str = ""  # what the file name's extension claims (xlsx, xls, ods, xlsm)
    stray: dict[str, tuple[int, str]] = field(default_factory=dict)  # sheet -> (count, first A1)
    saved_at: str = ""  # ISO 8601 save time recorded in the file, or ""


def read_workbook(path: Path, form: Form) -> Workbook:
    """Read one file; never raises for a bad file (the error is in `Workbook.error`)."""
    path = Path(path)
    try:
        stat = path.stat()
        if stat.st_size > LIMITS["file_bytes"]:
            raise ReadError(f"文件过大（{stat.st_size // 1024 // 1024} MB），超过 50 MB 上限")
        data = path.read_bytes()
    except ReadError as exc:
        return Workbook(path=path, error=str(exc))
    except OSError as exc:
        return Workbook(path=path, error=f"无法打开（{exc.strerror or exc}）")
    base = {
        "path": path,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "mtime": stat.st_mtime,
        "suffix_kind": path.suffix.lower().lstrip("."),
    }
    try:
        return _read(data, form, base)
    except ReadError as exc:
        return Workbook(**base, error=str(exc))
    except _BROKEN_PACKAGE as exc:  # a damaged part inside an intact-looking zip
        return Workbook(**base, error=f"文件内部已损坏，无法读取（{type(exc).__name__}）")


def _read(data: bytes, form: Form, base: dict[str, Any]) -> Workbook:
    if not data:
        raise ReadError("文件为空（0 字节）")
    archive: zipfile.ZipFile | None = None
    if data.startswith(_OLE):
        kind = "xls"
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o" in data:
            raise ReadError("文件设置了打开密码（已加密），请取消密码后重新保存")
    elif data.startswith(b"PK"):
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            names = archive.namelist()
        except (zipfile.BadZipFile, ValueError, OSError):
            raise ReadError("文件已损坏或不完整，不是有效的 Excel 文件") from None
        _check_sizes(archive)
        if "mimetype" in names and archive.read("mimetype").startswith(
            b"application/vnd.oasis.opendocument.spreadsheet"
        ):
            kind = "ods"
        elif "xl/workbook.xml" in names:
            kind = "xlsx"
        else:
            raise ReadError("压缩包中没有工作簿，不是 Excel 或 WPS 表格文件")
    else:
        raise ReadError("不是电子表格文件（既不是 .xlsx/.ods 也不是 .xls）")

    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet_names = tuple(book.sheet_names)
        wanted = [s.name for s in layout(form)] + [META_SHEET]
        grids = {
            name: _grid(book.get_sheet_by_name(name)) for name in wanted if name in sheet_names
        }
        if META_SHEET not in grids:  # not ours: keep a glimpse to recognise what it is
            grids.update(
                (name, book.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=60))
                for name in sheet_names[:FOREIGN_SHEETS]
                if name not in grids
            )
    except PasswordError:
        raise ReadError("文件设置了打开密码（已加密），请取消密码后重新保存") from None
    except (CalamineError, ValueError, OSError, OverflowError) as exc:
        raise ReadError(f"文件内容损坏，无法读取（{_short(exc)}）") from None

    meta, source = _meta(grids.pop(META_SHEET, None)), "sheet"
    xml = None
    macros = external = False
    saved_at = ""
    if archive is not None and kind == "xlsx":
        xml = _sheet_xml(archive, [s.name for s in layout(form)], _table_sheets(form))
        if not meta:
            meta, source = _properties(archive), "properties"
        names = archive.namelist()
        saved_at = _saved_at(archive)
        macros = any(_MACROS.search(n) for n in names)
        external = any(_EXTERNAL.search(n) for n in names)
    return Workbook(
        **base,
        kind=kind,
        sheet_names=sheet_names,
        grids=grids,
        meta=meta,
        meta_source=source if meta else "",
        xml=xml,
        macros=macros,
        external_links=external,
        saved_at=saved_at,
    )


_MODIFIED = re.compile(rb"<dcterms:modified\b[^>]{0,200}>([^<]{1,40})</dcterms:modified>")


def _saved_at(archive: zipfile.ZipFile) -> str:
    try:
        data = archive.read("docProps/core.xml")
    except KeyError:
        return ""
    _refuse_dtd(data)
    found = _MODIFIED.search(data[:65536])
    return found.group(1).decode("ascii", "replace").strip() if found else ""


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]


def _check_sizes(archive: zipfile.ZipFile) -> None:
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.file_size > LIMITS["part_bytes"] or total > LIMITS["total_bytes"]:
            raise ReadError("文件解压后过大，疑似压缩炸弹，已拒绝读取")
        ratio = info.file_size / info.compress_size if info.compress_size else 0
        if ratio > LIMITS["ratio"] and info.file_size > 1024 * 1024:
            raise ReadError("文件压缩比异常，疑似压缩炸弹，已拒绝读取")
        if info.filename in _PARSED_ELSEWHERE:  # the parts we read ourselves are checked there
            with archive.open(info) as part:
                _refuse_dtd(part.read(4096))


def _refuse_dtd(head: bytes) -> None:
    """A DTD must come before the root element; real workbooks never carry one, and its entities
    are how "billion laughs" files exhaust memory."""
    if any(marker in head[:4096] for marker in _DTD):
        raise ReadError("文件含有 XML 实体定义（DTD），可能是恶意构造的文件，已拒绝读取")


def _grid(sheet: Any) -> list[list[Any]]:
    rows = sheet.to_python(skip_empty_area=False, nrows=LIMITS["sheet_rows"])
    return rows


def _meta(grid: list[list[Any]] | None) -> dict[str, str]:
    """The `_meta` sheet as key -> text (numbers written back by a spreadsheet become text again)."""
    if not grid:
        return {}
    meta = {}
    for row in grid:
        if len(row) >= 2 and isinstance(row[0], str) and row[0]:
            value = row[1]
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            meta[row[0]] = "" if value is None else str(value)
    return meta


def _properties(archive: zipfile.ZipFile) -> dict[str, str]:
    try:
        data = archive.read("docProps/custom.xml")
    except KeyError:
        return {}
    _refuse_dtd(data)
    return {k.decode(): _unescape(v.decode("utf-8", "replace")) for k, v in _PROPERTY.findall(data)}


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    )


def _sheet_xml(
    archive: zipfile.ZipFile, names: list[str], tables: frozenset[str]
) -> dict[str, SheetXml]:
    """Formulas, protection and validations of our sheets, found by name through workbook.xml."""
    try:
        workbook = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    _refuse_dtd(workbook)
    _refuse_dtd(rels)
    targets = {}
    for attrs in _REL_ENTRY.findall(rels):
        values = dict(_XML_ATTR.findall(attrs))
        target = values.get(b"Target", b"").decode()
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        targets[values.get(b"Id", b"").decode()] = target
    parts = {}
    for attrs in _SHEET_ENTRY.findall(workbook):
        values = {k.split(b":")[-1]: v for k, v in _XML_ATTR.findall(attrs)}
        name = _unescape(values.get(b"name", b"").decode("utf-8", "replace"))
        rid = values.get(b"id", b"").decode()
        if name in names and rid in targets:
            parts[name] = targets[rid]
    out = {}
    for name, part in parts.items():
        try:
            data = archive.read(part)
        except KeyError:
            continue
        _refuse_dtd(data)
        out[name] = _parse_sheet(data, full=name in tables)
    return out


@cache
def _table_sheets(form: Form) -> frozenset[str]:
    return frozenset(s.sheet for s in form.sections if s.kind == "table")


def _parse_sheet(data: bytes, *, full: bool = True) -> SheetXml:
    """Protection and pictures of any sheet; formulas, validations and merges only where numbers
    are typed (`full`), which is where they matter."""
    if not full:
        return SheetXml(
            formulas={},
            protected=bool(_PROTECTION.search(data)),
            validated=frozenset(),
            drawing=b"<drawing " in data or b"<picture " in data,
        )
    formulas: dict[str, str] = {}
    masters: dict[bytes, tuple[str, str]] = {}
    pending: list[tuple[str, bytes]] = []
    for ref, attrs, text, empty_attrs in _CELL_FORMULA.findall(data):
        cell = ref.decode()
        attrs = attrs or empty_attrs or b""
        if attrs and _SHARED.search(attrs):
            index = _SHARED_INDEX.search(attrs)
            if text and index:
                masters[index.group(1)] = (cell, _unescape(text.decode("utf-8", "replace")))
                formulas[cell] = masters[index.group(1)][1]
            elif index:
                pending.append((cell, index.group(1)))
            continue
        formula = text.decode("utf-8", "replace")
        formulas[cell] = _unescape(formula) if "&" in formula else formula
    if pending:
        from openpyxl.formula.translate import Translator

        for cell, index in pending:
            if index in masters:
                origin, formula = masters[index]
                formulas[cell] = Translator("=" + formula, origin).translate_formula(cell)[1:]
    return SheetXml(
        formulas=formulas,
        protected=bool(_PROTECTION.search(data)),
        validated=_validated(_block(data, b"dataValidations")),
        merged=_merged(_block(data, b"mergeCells")),
        drawing=b"<drawing " in data or b"<picture " in data,
    )


def _block(data: bytes, tag: bytes) -> bytes:
    """The `<tag>…</tag>` element of a sheet, which is the same in every file of a batch."""
    start = data.find(b"<" + tag)
    if start < 0:
        return b""
    end = data.find(b"</" + tag + b">", start)
    return data[start : end if end >= 0 else len(data)]


@cache
def _validated(block: bytes) -> frozenset[str]:
    validated: set[str] = set()
    for attrs in _VALIDATION.findall(block):
        values = dict(_ATTRIBUTE.findall(attrs))
        if values.get(b"type") in (b"whole", b"decimal"):
            validated |= _expand(values.get(b"sqref", b"").decode())
    return frozenset(validated)


@cache
def _merged(block: bytes) -> tuple[str, ...]:
    return tuple(m.decode() for m in _MERGE.findall(block))


@cache  # the same few ranges recur in every file of a batch
def _expand(sqref: str) -> frozenset[str]:
    from openpyxl.utils.cell import get_column_letter, range_boundaries

    cells = []
    for part in sqref.split():
        try:
            min_col, min_row, max_col, max_row = range_boundaries(part)
        except ValueError:
            continue
        if (max_row - min_row + 1) * (max_col - min_col + 1) > 10_000:
            continue  # a whole-column validation: not ours, and not worth expanding
        for row in range(min_row, max_row + 1):
            for col in range(min_col, max_col + 1):
                cells.append(f"{get_column_letter(col)}{row}")
    return frozenset(cells)
