"""The real extent of every sheet of an .ods or .xls, found cheaply before python-calamine is let
near the file.

python-calamine builds, for every sheet and as soon as the file is opened, a rectangle from the
first to the last filled cell; one cell at the far corner of a sheet asks it for gigabytes (and it
aborts the process instead of raising). So the sheets are walked here first, in linear time and
constant memory: for .ods the content.xml stream (repeated rows and columns multiplied out, only
cells with a value or text counted), for .xls the BIFF records of the Workbook stream.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from typing import Any

from .package import Package, ReadError, iterparse
from .xlsx import Bounds

__all__ = [
    "Extent",
    "scan_ods",
    "scan_xls",
]

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_T_TABLE = f"{{{_TABLE}}}table"
_T_ROW = f"{{{_TABLE}}}table-row"
_T_CELLS = (f"{{{_TABLE}}}table-cell", f"{{{_TABLE}}}covered-table-cell")
_NAME = f"{{{_TABLE}}}name"
_ROWS_REPEATED = f"{{{_TABLE}}}number-rows-repeated"
_COLS_REPEATED = f"{{{_TABLE}}}number-columns-repeated"
_VALUE_TYPE = f"{{{_OFFICE}}}value-type"
_MAX_REPEAT = 1 << 31  # a repetition count beyond any sheet; larger ones are clamped


@dataclass
class Extent:
    """The filled cells of one sheet: their bounding rectangle and, against the bounds the reader
    keeps, how many lie outside and where the first one is."""

    first_row: int = -1
    first_col: int = -1
    last_row: int = -1
    last_col: int = -1
    stray: int = 0
    stray_at: tuple[int, int] | None = None
    bounds: Bounds | None = field(default=None, repr=False)

    @property
    def cells(self) -> int:
        """Cells in the rectangle python-calamine would allocate for this sheet."""
        if self.last_row < 0:
            return 0
        return (self.last_row - self.first_row + 1) * (self.last_col - self.first_col + 1)

    def add(self, row: int, col: int, rows: int = 1, cols: int = 1) -> None:
        """A block of `rows` x `cols` filled cells from (row, col)."""
        last_row, last_col = row + rows - 1, col + cols - 1
        if self.last_row < 0:
            self.first_row, self.first_col = row, col
        self.first_row = min(self.first_row, row)
        self.first_col = min(self.first_col, col)
        self.last_row = max(self.last_row, last_row)
        self.last_col = max(self.last_col, last_col)
        if self.bounds is None:
            return
        inside_rows = max(0, min(last_row, self.bounds.rows) - row + 1)
        inside_cols = max(0, min(last_col, self.bounds.cols) - col + 1)
        outside = rows * cols - inside_rows * inside_cols
        if outside:
            self.stray += outside
            if self.stray_at is None:  # the first outside cell of the block, row by row
                if last_col > self.bounds.cols:
                    self.stray_at = (row, max(col, self.bounds.cols + 1))
                else:
                    self.stray_at = (max(row, self.bounds.rows + 1), col)


def scan_ods(package: Package, bounds: dict[str, Bounds]) -> dict[str, Extent]:
    """Extent of every table in content.xml, in document order, by table name."""
    data = package.xml("content.xml")
    if data is None:
        raise ReadError("read-no-workbook")
    out: dict[str, Extent] = {}
    extent: Extent | None = None  # of the table being read, found from its first row
    row = 0
    for element in iterparse(data, (_T_TABLE, _T_ROW)):  # a row's cells are read at its end
        if element.tag == _T_TABLE:
            if extent is None:  # a table without rows
                out.setdefault(element.get(_NAME) or "", Extent())
            extent, row = None, 0
            element.clear()
            continue
        if extent is None:  # one lookup per table
            table = next(element.iterancestors(_T_TABLE), None)
            name = "" if table is None else table.get(_NAME) or ""
            extent = out.setdefault(name, Extent(bounds=bounds.get(name)))
        repeat = _repeat(element.get(_ROWS_REPEATED))
        col = start = 0
        end = -1  # the run of adjacent filled cells [start, end] not yet added
        for cell in element.iterchildren(*_T_CELLS):
            text = cell.get(_COLS_REPEATED)
            count = _repeat(text) if text else 1
            # A value, or text (any child: paragraphs; a comment alone errs on the safe side).
            if cell.get(_VALUE_TYPE) is not None or len(cell):
                if col != end + 1:
                    if end >= start:
                        extent.add(row, start, repeat, end - start + 1)
                    start = col
                end = col + count - 1
            col = min(col + count, _MAX_REPEAT)
        if end >= start:
            extent.add(row, start, repeat, end - start + 1)
        row = min(row + repeat, _MAX_REPEAT)
        element.clear()  # and drop the rows behind us, so that memory stays constant
        parent = element.getparent()
        if parent is not None:
            while element.getprevious() is not None:
                del parent[0]
    return out


def _repeat(text: str | None) -> int:
    if not text or not (text.isascii() and text.isdigit()):
        return 1
    return max(1, min(int(text[:12]), _MAX_REPEAT))


# BIFF record types that hold one cell (row and column in their first four bytes).
_CELL_RECORDS = frozenset({0x0203, 0x027E, 0x00FD, 0x0204, 0x0006, 0x0205, 0x00D6})
_MULRK = 0x00BD
_BOF, _EOF, _BOUNDSHEET, _FILEPASS = 0x0809, 0x000A, 0x0085, 0x002F


def scan_xls(data: bytes, bounds: dict[str, Bounds]) -> tuple[dict[str, Extent], str]:
    """Extent of every worksheet of an .xls by name, and the time it was last saved ("" unknown)."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except (OSError, ValueError, struct.error, IndexError, TypeError) as exc:
        raise ReadError("read-corrupt", reason=type(exc).__name__) from None
    try:
        name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
        if name is None:
            if ole.exists("EncryptionInfo"):
                raise ReadError("read-encrypted")
            raise ReadError("read-no-workbook")
        stream = ole.openstream(name).read()
        saved = _saved_at(ole)
    except (OSError, ValueError, struct.error, IndexError, TypeError) as exc:
        raise ReadError("read-corrupt", reason=type(exc).__name__) from None
    finally:
        ole.close()
    sheets: list[tuple[str, int]] = []
    for rtype, body, _ in _records(stream, 0):
        if rtype == _FILEPASS:
            raise ReadError("read-encrypted")
        if rtype == _BOUNDSHEET and len(body) >= 8:
            if body[5] == 0:  # a worksheet (not a chart or macro sheet)
                sheets.append((_sheet_name(body, biff8=name == "Workbook"), _u32(body, 0)))
        elif rtype == _EOF:
            break
    out: dict[str, Extent] = {}
    for sheet, offset in sheets:
        extent = out.setdefault(sheet, Extent(bounds=bounds.get(sheet)))
        depth = 0
        for rtype, body, _ in _records(stream, offset):
            if rtype == _BOF:
                depth += 1
            elif rtype == _EOF:
                depth -= 1
                if depth <= 0:
                    break
            elif depth == 1 and len(body) >= 4:
                if rtype in _CELL_RECORDS:
                    extent.add(_u16(body, 0), _u16(body, 2))
                elif rtype == _MULRK and len(body) >= 6:
                    first, last = _u16(body, 2), _u16(body, len(body) - 2)
                    if last >= first:
                        extent.add(_u16(body, 0), first, 1, last - first + 1)
    return out, saved


def _records(stream: bytes, offset: int) -> Any:
    """(type, body, offset) of each BIFF record from `offset` to the end of the stream."""
    end = len(stream)
    pos = offset
    while pos >= 0 and pos + 4 <= end:
        rtype, length = struct.unpack_from("<HH", stream, pos)
        yield rtype, stream[pos + 4 : pos + 4 + length], pos
        pos += 4 + length


def _u16(body: bytes, at: int) -> int:
    return int.from_bytes(body[at : at + 2], "little")


def _u32(body: bytes, at: int) -> int:
    return int.from_bytes(body[at : at + 4], "little")


def _sheet_name(body: bytes, *, biff8: bool) -> str:
    count = body[6]
    if not biff8:
        return body[7 : 7 + count].decode("cp1252", "replace")
    if body[7] & 1:
        return body[8 : 8 + 2 * count].decode("utf-16-le", "replace")
    return body[8 : 8 + count].decode("latin-1")


def _saved_at(ole: Any) -> str:
    try:
        when = ole.get_metadata().last_saved_time
    except Exception:
        return ""
    return when.isoformat() if when is not None else ""
