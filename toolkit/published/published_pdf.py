"""A published report given as a PDF, read page by page into its ruled tables and its other text;
a page without a text layer (a scan) is read with OCR.

pdfplumber finds the tables by their ruling lines (`find_tables`); a merged cell is one cell box
there and None at the grid positions it covers, which are turned into covered positions repeating
its text (FROM_LEFT in its own row, FROM_ABOVE below it). The text outside the tables comes as
lines in reading order, interleaved with the tables by their position on the page; page numbers
("- 3 -", "第3页") in the top or bottom margin are dropped. A table that runs over a page break is
two tables, one per page: the matcher joins them by their labels.

The file is untrusted: its size and page count are bounded, a page is rendered for OCR at no more
than `MAX_PIXELS`, and anything the PDF library raises on a broken file is a SourceError. A PDF
that needs a password to open is refused; one encrypted only against copying (common on
government sites) opens with the empty password and is read.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Sequence
from typing import Any

from ..core.catalogue import say
from .published_html import MAX_COLS, MAX_ROWS
from .published_ocr import OcrFailed, ocr_available
from .published_ocr_tables import read_scanned_page
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

__all__ = ["MAX_BYTES", "MAX_PAGES", "read_pdf"]

MAX_BYTES = 50 * 1024 * 1024  # a scanned report of 20 pages is about 10 MB
MAX_PAGES = 100  # a report has 5 to 20
MAX_INFLATED = 256 * 1024 * 1024  # all compressed streams together, decompressed (fonts included)
# Drawing operators, decompressed: pdfminer interprets about 300 KB of them a second (measured), a
# report page has 10 to 200 KB. Form XObjects are not counted: only running the reader in a worker
# with a timeout (pool.run_isolated) bounds every PDF.
MAX_PAGE_CONTENT = 2 * 1024 * 1024
MAX_CONTENT = 8 * 1024 * 1024  # all pages together
MAX_PIXELS = 40_000_000  # a page rendered for OCR: A4 at 300 dpi is 8.7 million
OCR_DPI = 300
_STREAM = re.compile(rb"stream\r?\n")
_FEW_CHARS = 40  # a page with fewer readable characters may be a scan with a stamped page number
_MARGIN = 0.08  # the top and bottom share of a page where page numbers sit
# "- 3 -", "3", "3/12", "第3页", "第3页 共12页" (第 U+7B2C, 页 U+9875, 共 U+5171: escaped so that no
# Chinese text lives outside the catalogue)
_PAGE_NUMBER = re.compile(
    r"^[-\u2014\u2013\uff0d_\s]*(\u7b2c\s*)?\d{1,3}(\s*\u9875)?"
    r"(\s*[/\uff0f]\s*\d{1,3}|\s*\u5171\s*\d{1,3}\s*\u9875)?[-\u2014\u2013\uff0d_\s]*$"
)


def read_pdf(data: bytes, *, ocr: bool = True) -> SourceDocument:
    """The tables and lines of every page, in page order. With `ocr`, pages without a text layer
    are read by OCR (SourceError import-no-ocr when no engine is installed); without it they are
    left out and a note says which."""
    if len(data) > MAX_BYTES:
        raise SourceError("import-too-large", size=len(data) >> 20, limit=MAX_BYTES >> 20)
    _refuse_bombs(data)
    import pdfplumber  # imported here: it loads pdfminer, which only this reader needs
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    from .published_pdf_guards import install_guards, new_document

    install_guards()
    new_document()

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises anything on a broken file: none may escape
        _reraise_guard(exc)
        if isinstance(exc, PDFPasswordIncorrect) or isinstance(
            getattr(exc, "__cause__", None) or getattr(exc, "__context__", None),
            PDFPasswordIncorrect,
        ) or "password" in repr(exc).lower():  # fmt: skip
            raise SourceError("import-pdf-encrypted") from None
        raise SourceError("import-broken-pdf", reason=_short(exc)) from None
    with pdf:
        try:
            return _read(pdf, ocr)
        except Exception as exc:
            _reraise_guard(exc)
            raise SourceError("import-broken-pdf", reason=_short(exc)) from None


def _inflated(raw: bytes | memoryview, budget: int) -> int:
    """How many bytes a zlib stream (FlateDecode) inflates to, counted up to just past `budget`
    (never more is decompressed); 0 when it is not one. The two-byte zlib header is checked first
    and the input fed in growing pieces, so that a file of many false "stream" keywords costs
    little for each."""
    if len(raw) < 2 or raw[0] & 0x0F != 8 or (raw[0] * 256 + raw[1]) % 31:
        return 0
    inflater = zlib.decompressobj()
    size = 0
    position = 0
    step = 4096  # doubled as the stream proves real, up to 1 MB
    pending = b""
    try:
        while size <= budget and not inflater.eof:
            if not pending:
                if position >= len(raw):
                    break
                pending = bytes(raw[position : position + step])
                position += step
                step = min(step * 2, 1024 * 1024)
            size += len(inflater.decompress(pending, 1024 * 1024))
            pending = inflater.unconsumed_tail
    except zlib.error:
        return size
    return size


def _refuse_bombs(data: bytes) -> None:
    """Refuse a file whose compressed streams inflate beyond MAX_INFLATED, before pdfminer
    decompresses any of them whole (a 50 MB file of deflated zeros is 50 GB). Every "stream"
    keyword is tried as the start of a deflate stream: a linear, bounded scan."""
    budget = MAX_INFLATED
    end = -1
    view = memoryview(data)
    for match in _STREAM.finditer(data):
        if end < match.end():  # the next "endstream" is found once for all the matches before it
            end = data.find(b"endstream", match.end())
            if end < 0:
                end = len(data)
        budget -= _inflated(view[match.end() : end], budget)
        if budget < 0:
            raise SourceError("import-pdf-bomb", limit=MAX_INFLATED >> 20)


def _page_content(page: Any) -> int:
    """The size of a page's drawing operators, decompressed (bounded): pdfminer interprets them
    one by one, so a page of millions of operators would take hours."""
    from pdfminer.pdftypes import PDFStream, resolve1

    size = 0
    for stream in getattr(page.page_obj, "contents", None) or ():
        stream = resolve1(stream)
        if not isinstance(stream, PDFStream):
            continue
        raw = stream.rawdata if stream.rawdata is not None else (stream.data or b"")
        names = [getattr(f, "name", f) for f, _ in stream.get_filters()]
        inflated = _inflated(raw, MAX_PAGE_CONTENT) if names[:1] in (["FlateDecode"], ["Fl"]) else 0
        size += max(inflated, len(raw))
    return size


def _reraise_guard(exc: BaseException) -> None:
    """A SourceError raised by a guard inside pdfminer, re-raised as it is (pdfplumber wraps what
    pdfminer raises in its own PdfminerException)."""
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 8:
        if isinstance(current, SourceError):
            raise current from None
        for arg in current.args[:1]:
            if isinstance(arg, SourceError):
                raise arg from None
        current = current.__cause__ or current.__context__
        seen += 1


def _short(exc: Exception) -> str:
    # the exception's type, not its English text: the message is read by a Chinese user
    return type(exc).__name__


def _read(pdf: Any, ocr: bool) -> SourceDocument:
    pages = pdf.pages
    if len(pages) > MAX_PAGES:
        raise SourceError("import-too-many-pages", pages=len(pages), limit=MAX_PAGES)
    if not pages:  # a page tree that loops or leads nowhere: pdfminer finds no page
        raise SourceError("import-pdf-no-pages")
    content = 0
    for number, page in enumerate(pages, 1):  # before anything makes pdfminer interpret a page
        size = _page_content(page)
        content += size
        if size > MAX_PAGE_CONTENT or content > MAX_CONTENT:
            raise SourceError("import-pdf-complex", page=number, limit=MAX_PAGE_CONTENT >> 20)
    scanned = [n for n, page in enumerate(pages, 1) if not _has_text(page)]
    if scanned and ocr and not ocr_available():
        raise SourceError("import-no-ocr", pages=_list(scanned))
    blocks: list[Block] = []
    notes: list[str] = []
    tables = 0
    read_by_ocr: list[int] = []
    for number, page in enumerate(pages, 1):
        if number in scanned:
            if not ocr:
                continue
            try:
                image, dpi = _render(page)
                read, tables = read_scanned_page(image, number, dpi, tables)
                # the page number stamped at the top or bottom of the scan
                blocks += [block for i, block in enumerate(read) if not (
                    i in (0, len(read) - 1) and isinstance(block, SourceLine)
                    and _PAGE_NUMBER.match(block.text))]  # fmt: skip
                read_by_ocr.append(number)
            except OcrFailed as exc:
                notes.append(say("import-note-ocr-failed", page=number, reason=exc.reason))
            continue
        found, tables = _page(page, number, tables, notes)
        blocks += found
    if read_by_ocr:
        notes.insert(0, say("import-note-ocr-pages", pages=_list(read_by_ocr)))
    if scanned and not ocr:
        notes.insert(0, say("import-note-ocr-off", pages=_list(scanned)))
    return SourceDocument(
        kind=SourceKind.PDF,
        blocks=tuple(blocks),
        ocr_pages=tuple(read_by_ocr),
        notes=tuple(notes),
        title=_metadata_title(pdf),
    )


def _metadata_title(pdf: Any) -> str:
    """The PDF's Title in its document information, "" when absent or not text."""
    title = (getattr(pdf, "metadata", None) or {}).get("Title", "")
    return title.strip()[:200] if isinstance(title, str) else ""


def _list(pages: Sequence[int]) -> str:
    return "、".join(str(n) for n in pages)


def _has_text(page: Any) -> bool:
    """Whether a page has a text layer worth reading. A scan often carries a few characters of
    real text (a page number or a watermark stamped on by the site): a page with fewer than
    `_FEW_CHARS` readable characters whose images cover most of it is a scan. Characters without a
    Unicode mapping (pdfminer's "(cid:123)", a font embedded without its ToUnicode table) are
    not readable text either."""
    readable = sum(
        1
        for char in page.chars
        if not str(char.get("text", " ")).isspace()
        and not str(char.get("text")).startswith("(cid:")
    )
    if readable >= _FEW_CHARS:
        return True
    width, height = float(page.width), float(page.height)
    pictured = sum(
        max(0.0, min(float(i["x1"]), width) - max(float(i["x0"]), 0.0))
        * max(0.0, min(float(i["bottom"]), height) - max(float(i["top"]), 0.0))
        for i in page.images
    )
    return readable > 0 and pictured < 0.5 * width * height


def _render(page: Any) -> tuple[Any, int]:
    """The page as a PIL image at OCR_DPI, or less when that would exceed MAX_PIXELS (a hostile
    page size must not allocate gigabytes), and the resolution used."""
    inches = max(float(page.width), 1.0) * max(float(page.height), 1.0) / 72 / 72
    resolution = max(min(OCR_DPI, int((MAX_PIXELS / inches) ** 0.5)), 36)
    return page.to_image(resolution=resolution).original, resolution


def _page(page: Any, number: int, tables: int, notes: list[str]) -> tuple[list[Block], int]:
    """The tables and the other lines of one page, ordered by their top edge."""
    found = page.find_tables()
    boxes = [table.bbox for table in found]
    placed: list[tuple[float, Block]] = []
    for table in found:
        grid, clamped = _grid(table, number, tables + 1)
        if grid is not None:
            tables += 1
            placed.append((float(table.bbox[1]), grid))
            if clamped:
                notes.append(say("import-note-grid-clamped", place=grid.place.describe(),
                                 cols=MAX_COLS, rows=MAX_ROWS))  # fmt: skip

    def outside(obj: dict[str, Any]) -> bool:
        if obj.get("object_type") != "char":
            return True
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    height = float(page.height)
    line_number = 0
    for line in page.filter(outside).extract_text_lines(return_chars=False):
        text = line["text"].strip()
        top = float(line["top"])
        in_margin = top < height * _MARGIN or top > height * (1 - _MARGIN)
        if not text or (in_margin and _PAGE_NUMBER.match(text)):
            continue
        line_number += 1
        placed.append((top, SourceLine(text=text, place=Place(page=number, line=line_number))))
    placed.sort(key=lambda item: item[0])  # stable: a table before a line at the same height
    return [block for _, block in placed], tables


def _grid(table: Any, page: int, number: int) -> tuple[SourceTable | None, bool]:
    """A pdfplumber table as grid positions: a None position is covered by the merged cell whose
    box holds its centre (FROM_ABOVE when that cell starts in an earlier row). Each cell paints the
    positions it covers once, so the work is linear in the grid, which is clamped to MAX_COLS x
    MAX_ROWS (the second value says whether it was)."""
    texts = table.extract()
    boxes = [list(row.cells)[:MAX_COLS] for row in table.rows[:MAX_ROWS]]
    clamped = len(table.rows) > MAX_ROWS or any(len(row.cells) > MAX_COLS for row in table.rows)
    if not texts or not boxes:
        return None, clamped
    width = max(len(row) for row in boxes)
    lefts = [
        min((row[c][0] for row in boxes if c < len(row) and row[c] is not None), default=None)
        for c in range(width)
    ]
    tops = [min((cell[1] for cell in row if cell is not None), default=None) for row in boxes]
    xs = [_middle(lefts, c, float(table.bbox[2])) for c in range(width)]
    ys = [_middle(tops, r, float(table.bbox[3])) for r in range(len(boxes))]
    cover: dict[tuple[int, int], tuple[int, int]] = {}  # covered position -> its cell's anchor
    for r, row in enumerate(boxes):
        for c, cell in enumerate(row):
            if cell is None:
                continue
            x1, y1 = float(cell[2]), float(cell[3])
            down = r
            while down < len(boxes):
                y = ys[down]
                if down > r and (y is None or y >= y1):
                    break
                across = c
                while across < width:
                    x = xs[across]
                    if across > c and (x is None or x >= x1):
                        break
                    if (down, across) != (r, c):
                        cover.setdefault((down, across), (r, c))
                    across += 1
                down += 1
    rows: list[SourceRow] = []
    for r, row in enumerate(boxes):
        cells: list[SourceCell] = []
        for c in range(width):
            if c < len(row) and row[c] is not None:
                text = texts[r][c] if r < len(texts) and c < len(texts[r]) else None
                cells.append(SourceCell(text=(text or "").strip()))
            elif (r, c) in cover:
                ar, ac = cover[(r, c)]
                covered = Covered.FROM_ABOVE if ar < r else Covered.FROM_LEFT
                cells.append(SourceCell(text=(texts[ar][ac] or "").strip(), covered=covered))
            else:
                cells.append(SourceCell(text=""))
        if any(cell.text for cell in cells):
            place = Place(page=page, table=number, row=r + 1)
            rows.append(SourceRow(cells=tuple(cells), place=place))
    if not rows:
        return None, clamped
    return SourceTable(rows=tuple(rows), place=Place(page=page, table=number)), clamped


def _middle(starts: Sequence[float | None], index: int, end: float) -> float | None:
    """The centre of the index-th column (or row) from its start and the next one's."""
    start = starts[index]
    if start is None:
        return None
    following = next((s for s in starts[index + 1 :] if s is not None), end)
    return (float(start) + float(following)) / 2
