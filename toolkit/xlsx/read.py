"""Reads a returned workbook into plain values and what its XML says about them, within fixed
bounds of time and memory whatever the file contains.

.xlsx is read by our own streaming reader (xlsx.py): values, formulas, protection, validation,
merges and number formats come from one pass over each sheet, so they can never disagree. .xls and
.ods are read by python-calamine, but only after a cheap scan (prescan.py) has found how far their
sheets really reach. Only the form's sheets (and `_meta`) are read, each within its bounded area:
the form's own cells plus a margin for inserted rows and columns; filled cells beyond it are only
counted (`Workbook.stray`).

Nothing here judges the content; check.py does. Files are opened read-only and never modified, and
`read_workbook` never raises for a bad file.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from stat import S_ISREG
from typing import Any

from ..core.catalogue import os_reason
from ..form.contract import META_PREFIX, META_SHEET
from ..form.form import Form
from ..form.layout import layout
from .package import BROKEN_PACKAGE, LIMITS, Package, ReadError, elements
from .prescan import Extent, scan_ods, scan_xls
from .xlsx import Bounds, CellError, Plan, SheetXml, read_xlsx, refuse_duplicates

__all__ = [
    "LIMITS",
    "Bounds",
    "CellError",
    "ReadError",
    "SheetXml",
    "Workbook",
    "bounds_of",
    "read_bytes",
    "read_table",
    "read_workbook",
]

FOREIGN_SHEETS = 5  # sheets glimpsed in a workbook that is not one of ours
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS = b"application/vnd.oasis.opendocument.spreadsheet"
_DC_DATE = "{http://purl.org/dc/elements/1.1/}date"
_ODS_PARTS = ("mimetype", "META-INF/manifest.xml", "content.xml", "styles.xml", "meta.xml")
_EXCEL_EPOCH = datetime(1899, 12, 30)


@dataclass(frozen=True, kw_only=True)
class Workbook:
    path: Path
    sha256: str = ""
    size: int = 0
    mtime: float = 0.0
    kind: str = ""  # xlsx, xls, ods
    error: str = ""  # why it could not be read; the rest is empty then
    sheet_names: tuple[str, ...] = ()
    # Our sheets' values: rows from A1, trimmed to the last filled row and column, never beyond
    # the sheet's bounded area; None, str, float (NaN and infinities kept), bool, datetime or
    # CellError.
    grids: dict[str, list[list[Any]]] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    meta_source: str = ""  # "sheet", "properties" or "" when the file carries no identity
    xml: dict[str, SheetXml] | None = None  # .xlsx only
    macros: bool = False
    external_links: bool = False
    suffix_kind: str = ""  # what the file name's extension claims (xlsx, xls, ods, xlsm, et)
    # sheet -> (filled cells outside the bounded area, A1 of the first one); absent when none
    stray: dict[str, tuple[int, str]] = field(default_factory=dict)
    saved_at: str = ""  # ISO 8601 time the file says it was last saved, or ""


def read_workbook(path: Path, form: Form) -> Workbook:
    """Read one file; never raises for a bad file (the error is in `Workbook.error`)."""
    path = Path(path)
    try:
        data, stat = _load(path)
    except ReadError as exc:
        return Workbook(path=path, error=str(exc))
    base: dict[str, Any] = {  # the fields of Workbook every outcome of a read shares
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
    except (*BROKEN_PACKAGE, RecursionError, MemoryError) as exc:  # a damaged part
        return Workbook(**base, error=str(ReadError("read-corrupt", reason=type(exc).__name__)))


def read_table(path: Path, sheet: str | int = 0, *, rows: int, cols: int) -> list[list[Any]]:
    """One sheet (by name or position) of any workbook the tool opens besides returned reports (a
    roster, last year's rollup) as rows from A1, at most `rows` x `cols`, under the same limits
    as a returned file. Raises ReadError (Chinese message) when it cannot be read; [] when the
    sheet is missing."""
    data, _ = _load(Path(path))
    bounds = Bounds(rows - 1, cols - 1)

    def plan(names: tuple[str, ...]) -> dict[str, tuple[Bounds, bool]]:
        name = sheet if isinstance(sheet, str) else (names[sheet] if sheet < len(names) else "")
        return {name: (bounds, False)} if name in names else {}

    try:
        if data.startswith(_OLE):
            extents, _ = scan_xls(data, {})
            return next(iter(_calamine_grids(data, extents, plan)[1].values()), [])
        if not data.startswith(b"PK"):
            unknown_et = Path(path).suffix.lower() == ".et"
            raise ReadError("read-et-unknown" if unknown_et else "read-not-spreadsheet")
        package = Package(data)
        if package.has("mimetype") and (package.read("mimetype") or b"").startswith(_ODS):
            extents = scan_ods(package, {})
            return next(iter(_calamine_grids(_ods_only(package), extents, plan)[1].values()), [])
        return next(iter(read_xlsx(package, plan).grids.values()), [])
    except (*BROKEN_PACKAGE, RecursionError, MemoryError) as exc:
        raise ReadError("read-corrupt", reason=type(exc).__name__) from None


def read_bytes(path: Path) -> bytes:
    """The bytes of any file the tool opens (a roster, a key): a regular file within the limits."""
    return _load(Path(path))[0]


def _load(path: Path) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file of at most the size limit (a device, a pipe or a symbolic link
    to one is refused: reading it could block or never end)."""
    # Non-blocking, so that opening a named pipe does not wait for a writer; O_BINARY because
    # os.open on Windows otherwise opens in text mode (CR LF becomes LF, Ctrl-Z ends the file).
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        with os.fdopen(os.open(path, flags), "rb") as handle:
            stat = os.fstat(handle.fileno())
            if not S_ISREG(stat.st_mode):
                raise ReadError("read-not-file")
            if stat.st_size > LIMITS["file_bytes"]:
                raise ReadError("read-too-large", size=stat.st_size // 1024 // 1024)
            data = handle.read(LIMITS["file_bytes"] + 1)
    except OSError as exc:
        raise ReadError("read-os", reason=os_reason(exc)) from None
    if len(data) > LIMITS["file_bytes"]:  # it grew while we read it
        raise ReadError("read-too-large", size=len(data) // 1024 // 1024)
    return data, stat


@cache
def bounds_of(form: Form) -> dict[str, Bounds]:
    """The bounded area of each of the form's sheets and of `_meta`: the layout's last row and
    column plus the margins in LIMITS."""
    out = {}
    for sheet in layout(form):
        areas = (
            [lb.area for lb in sheet.labels]
            + list(sheet.cells.values())
            + [st.area for st in sheet.statuses]
            + [n.area for n in sheet.notes]
        )
        out[sheet.name] = Bounds(
            max(a.last_row for a in areas) + LIMITS["row_margin"],
            max(a.last_col for a in areas) + LIMITS["col_margin"],
        )
    out[META_SHEET] = Bounds(LIMITS["row_margin"], LIMITS["col_margin"])
    return out


def _plan(form: Form, names: tuple[str, ...]) -> dict[str, tuple[Bounds, bool]]:
    """Which sheets to read, within which bounds, and whether their XML matters (the form's)."""
    bounds = bounds_of(form)
    plan = {name: (bounds[name], name != META_SHEET) for name in names if name in bounds}
    if META_SHEET not in plan:  # not ours: keep a glimpse to recognise what it is
        glimpse = Bounds(LIMITS["glimpse_rows"] - 1, LIMITS["glimpse_cols"] - 1)
        for name in names[:FOREIGN_SHEETS]:
            plan.setdefault(name, (glimpse, False))
    return plan


def _read(data: bytes, form: Form, base: dict[str, Any]) -> Workbook:
    if not data:
        raise ReadError("read-empty")
    if data.startswith(_OLE):
        return _read_xls(data, form, base)
    if not data.startswith(b"PK"):
        # WPS's .et is an OLE2 workbook (read above as .xls) or, from newer WPS, an .xlsx.
        raise ReadError(
            "read-et-unknown" if base["suffix_kind"] == "et" else "read-not-spreadsheet"
        )
    package = Package(data)
    if package.has("mimetype") and (package.read("mimetype") or b"").startswith(_ODS):
        return _read_ods(data, package, form, base)
    if not (package.has("xl/workbook.xml") or package.has("_rels/.rels")):
        raise ReadError("read-no-workbook")
    book = read_xlsx(package, lambda names: _plan(form, names))
    grids = dict(book.grids)
    meta, source = _meta(grids.pop(META_SHEET, None)), "sheet"
    if not meta:
        meta = {
            k[len(META_PREFIX) :]: v
            for k, v in book.properties.items()
            if k.startswith(META_PREFIX)
        }
        source = "properties"
    lower = [name.lower() for name in package.names]
    return Workbook(
        **base,
        kind="xlsx",
        sheet_names=book.sheet_names,
        grids=grids,
        meta=meta,
        meta_source=source if meta else "",
        xml=book.xml,
        macros=any(name.endswith("vbaproject.bin") for name in lower),
        external_links=any("externallinks/" in name for name in lower),
        stray={k: v for k, v in book.stray.items() if k != META_SHEET},
        saved_at=_timestamp(book.saved_at),
    )


def _read_ods(data: bytes, package: Package, form: Form, base: dict[str, Any]) -> Workbook:
    extents = scan_ods(package, bounds_of(form))
    saved = ""
    meta_xml = package.xml("meta.xml")
    if meta_xml:
        saved = next(((e.text or "").strip()[:40] for e in elements(meta_xml, (_DC_DATE,))), "")
    return _calamine(_ods_only(package), "ods", extents, form, base, _timestamp(saved))


def _ods_only(package: Package) -> bytes:
    """The package with only its OpenDocument parts, for python-calamine: it guesses a zip's
    format from its parts and would read `xl/` parts hidden beside the scanned content.xml as an
    .xlsx, unbounded."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for name in _ODS_PARTS:
            body = package.read(name)
            if body is not None:
                if name == "content.xml":  # Gnumeric indents its tables; calamine stops there
                    body = _ODS_INDENT.sub(rb"\1", body)
                target.writestr(name, body)
    return out.getvalue()


# Indentation between the elements of a table (and around a cell's paragraphs), as Gnumeric
# writes content.xml: white space that means nothing there, and that python-calamine refuses
# ("Expecting 'table-cell', found 'Text'"). A paragraph's own text and the spaces inside it are
# not touched: only a run of white space between a table tag (or a paragraph's end) and the next
# table tag or paragraph.
_ODS_INDENT = re.compile(rb"(<(?:/?table:[^<>]*|/text:p)>)\s+(?=<(?:/?table:|text:p[\s>/]))")


def _read_xls(data: bytes, form: Form, base: dict[str, Any]) -> Workbook:
    extents, saved = scan_xls(data, bounds_of(form))
    return _calamine(data, "xls", extents, form, base, saved)


def _calamine(
    data: bytes,
    kind: str,
    extents: dict[str, Extent],
    form: Form,
    base: dict[str, Any],
    saved: str,
) -> Workbook:
    """A workbook read by python-calamine (see `_calamine_grids`)."""
    names, grids = _calamine_grids(data, extents, lambda names: _plan(form, names))
    meta = _meta(grids.pop(META_SHEET, None))
    stray = {}
    for name in grids:
        extent = extents.get(name)
        if extent is not None and extent.stray and extent.stray_at is not None:
            stray[name] = (extent.stray, _a1(*extent.stray_at))
    return Workbook(
        **base,
        kind=kind,
        sheet_names=names,
        grids=grids,
        meta=meta,
        meta_source="sheet" if meta else "",
        stray=stray,
        saved_at=saved,
    )


def _calamine_grids(
    data: bytes, extents: dict[str, Extent], plan: Plan
) -> tuple[tuple[str, ...], dict[str, list[list[Any]]]]:
    """Let python-calamine read the file once the scan has shown that what it will allocate (every
    sheet, from its first to its last filled cell) stays within the cell budget."""
    if sum(e.cells for e in extents.values()) > LIMITS["cell_budget"]:
        name, worst = max(extents.items(), key=lambda item: item[1].cells)
        raise ReadError("read-far-content", sheet=name[:40], row=worst.last_row + 1)
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = tuple(book.sheet_names)
        refuse_duplicates(names)
        grids = {}
        for name, (bounds, _) in plan(names).items():
            extent = extents.get(name, Extent())
            grids[name] = _calamine_grid(book.get_sheet_by_name(name), extent, bounds)
    except PasswordError:
        raise ReadError("read-encrypted") from None
    except (CalamineError, ValueError, OSError, OverflowError, KeyError) as exc:
        raise ReadError("read-corrupt", reason=_short(exc)) from None
    return names, grids


def _calamine_grid(sheet: Any, extent: Extent, bounds: Bounds) -> list[list[Any]]:
    if extent.last_row < 0:
        return []
    rows = min(extent.last_row, bounds.rows) + 1
    cols = min(extent.last_col, bounds.cols) + 1
    raw = sheet.to_python(skip_empty_area=False, nrows=rows)
    grid = [[_plain(v) for v in row[:cols]] for row in raw[:rows]]
    while grid and all(v is None or v == "" for v in grid[-1]):
        grid.pop()
    width = max(
        (max((c for c, v in enumerate(row) if v is not None and v != ""), default=-1) for row in grid),
        default=-1,
    )  # fmt: skip
    return [row[: width + 1] + [None] * (width + 1 - len(row)) for row in grid]


def _plain(value: Any) -> Any:
    """python-calamine's values as the .xlsx reader gives them."""
    if value is None or value == "":
        return None
    if isinstance(value, bool | float | str):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, time):
        return datetime.combine(_EXCEL_EPOCH.date(), value)
    if isinstance(value, timedelta):
        return value / timedelta(days=1)
    return str(value)


def _timestamp(text: str) -> str:
    """The save time a file records, kept only when it is one (ISO 8601): it decides which of an
    agency's files is newer and is shown on the workbench, and any other text there is the
    file's own words, not a time."""
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return ""
    return text


def _a1(row: int, col: int) -> str:
    from xlsxwriter.utility import xl_rowcol_to_cell

    return xl_rowcol_to_cell(row, col)


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]


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
