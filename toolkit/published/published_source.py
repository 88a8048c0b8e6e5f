"""A published report as its file gave it: lines of text and tables, in document order, each with
its place in the source (page, table, row, line), before anything is matched to the form.

The format readers (published_html, published_docx, published_pdf, published_text, with OCR for
scanned pages) all produce this one model, so that finding the tables by their labels and splitting
the narrative by its headings (published_match) is written once for every source format. A reader
never guesses: a merged cell is kept as what it is (`covered` positions repeat the text of the cell
that covers them, so that row labels can be read from every row, but are never counted as figures),
and text is kept exactly as read, "/", "—" and blanks included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from ..core.catalogue import say

__all__ = [
    "Covered",
    "Place",
    "SourceCell",
    "SourceDocument",
    "SourceError",
    "SourceKind",
    "SourceLine",
    "SourceRow",
    "SourceTable",
]


class SourceKind(Enum):
    """The source formats `nianbao import` reads, by what the file is (not only its name)."""

    HTML = "html"
    DOCX = "docx"
    PDF = "pdf"
    TEXT = "txt"


class Covered(Enum):
    """Whether a grid position holds a cell of its own or is covered by a merged cell."""

    NO = "no"  # the cell starts here (its own text, possibly spanning further right or down)
    FROM_LEFT = "left"  # covered by a cell that starts further left in the same row (colspan)
    FROM_ABOVE = "above"  # covered by a cell that starts in an earlier row (rowspan, vMerge)


@dataclass(frozen=True, kw_only=True)
class Place:
    """Where something is in the source file, as the user would look for it: every field 1-based,
    None when the format has no such thing (a .txt has no pages, an HTML page no page numbers)."""

    page: int | None = None
    table: int | None = None  # the n-th table of the document
    row: int | None = None  # the row within that table
    line: int | None = None  # the line of a text source or of an OCR'd page

    def describe(self) -> str:
        """「第2页 第3个表格 第5行」: the parts this place has, in Chinese."""
        parts: list[str] = []
        if self.page is not None:
            parts.append(say("place-page", n=self.page))
        if self.table is not None:
            parts.append(say("place-table", n=self.table))
        if self.row is not None:
            parts.append(say("place-row", n=self.row))
        if self.line is not None:
            parts.append(say("place-line", n=self.line))
        return " ".join(parts)


@dataclass(frozen=True, kw_only=True)
class SourceCell:
    """One grid position of a table: its text as read (line breaks inside a cell kept as "\\n")."""

    text: str
    covered: Covered = Covered.NO  # a covered position repeats the covering cell's text
    ocr: bool = False  # read by OCR from a page image


@dataclass(frozen=True, kw_only=True)
class SourceRow:
    cells: tuple[SourceCell, ...]
    place: Place


@dataclass(frozen=True, kw_only=True)
class SourceTable:
    """A table as drawn: rows of grid positions, merged cells expanded (see `Covered`). A table
    split across PDF pages comes as one table per page; the matcher joins them by their labels."""

    rows: tuple[SourceRow, ...]
    place: Place


@dataclass(frozen=True, kw_only=True)
class SourceLine:
    """A paragraph (HTML, .docx) or a line (.txt, PDF text outside tables, OCR) of text. A line
    of a plain-text table (cells separated by tabs or runs of spaces) is a line too: the matcher
    splits it."""

    text: str
    place: Place
    ocr: bool = False


Block = SourceLine | SourceTable


@dataclass(frozen=True, kw_only=True)
class SourceDocument:
    """Everything read from one published report, in document order."""

    kind: SourceKind
    blocks: tuple[Block, ...]
    title: str = (
        ""  # the document's own title: an HTML <title> or 文章标题 meta, Word/PDF properties
    )
    ocr_pages: tuple[int, ...] = ()  # pages read by OCR (they had no text layer)
    notes: tuple[str, ...] = field(default=())  # what the reader wants the user to know, Chinese


class SourceError(Exception):
    """The file cannot be read as a published report at all (not the format its name says, broken,
    encrypted, over the limits, a scanned page with no OCR engine installed). `code` is a catalogue
    message code; `params` fill its template."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        return say(self.code, **self.params)
