"""Plain-text tables in whatever layout a program left them, as rows of cells.

A report copied or converted to text keeps its tables in one of several layouts, often mixed in
one file: tab-separated lines (a web page pasted into Notepad), markdown pipe tables with or
without the `|---|` line and with `<br>` inside cells (PDF and HTML converters), one cell a line
(a browser's copy of a table whose cells hold paragraphs: the label on one line, each figure on
its own line), box-drawn tables (`w3m -dump`) and columns aligned with spaces (`pdftotext
-layout`). Nothing here knows the form: each line becomes a row of cells, and rows a matcher could
not otherwise see are offered as well, joined: a label wrapped over up to three lines followed by
a line of figures, a label followed by figures one a line (with the blank cells a browser's copy
marks), a run of figure-only lines (表四's row of figures without a label), the lines of one box
joined column by column, a markdown label set over two cells read across. Which of
the offered rows is a row of the form is decided by the matcher (published_tables), by labels and
by the number of figures; rows that disagree there are listed, never chosen between.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..xlsx.values import PLACEHOLDERS, parse_number
from .published_source import Place, SourceLine

__all__ = [
    "TextRow",
    "is_rule",
    "parse_figure",
    "pipe_row",
    "plain_text",
    "split_cells",
    "text_rows",
    "value_like",
]

# What sites print instead of a figure ("/", "—", 无 …, as check knows them): kept as text.
_PLACEHOLDERS = frozenset(unicodedata.normalize("NFKC", p) for p in PLACEHOLDERS) | {"–"}
_SPLIT_LINE = re.compile(r"\t|\u3000+| {2,}")
# A markdown table's separator line (|---|:---:|), a grid table's border (+----+====+), a rule.
_RULE = re.compile(r"^\s*[|+]?\s*:?[-=]{3,}:?\s*(?:[|+]\s*:?[-=]{3,}:?\s*)*[|+]?\s*$")
# A text browser's box drawing (w3m -dump): a border line of U+2500-U+257F, and its bars as pipes.
_BOX_RULE = re.compile(r"^[\s\u2500-\u257f]*[\u2500\u2501\u2550\u254c-\u254f][\s\u2500-\u257f]*$")
_PIPE = re.compile(r"(?<!\\)[|\u2502\u2503\u2551]")
_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~])")
_EMPHASIS = re.compile(r"\*\*|__|~~")
_HEADING_MARK = re.compile(r"^\s*(?:#{1,6}\s*|>\s*)+")
# The most label lines a row's label is wrapped over before its figures (a long label of 表三 in
# a narrow column: "5.要求行政机关确认或重 新出具" / "已获取信息" / figures).
MAX_LABEL_LINES = 3
# A line this long is prose, never a wrapped label.
_MAX_LABEL_LINE = 60


def parse_figure(text: str) -> float | None:
    """A cell's text as a number ("1,234", "１２", " 7 ", "3件"), or None when it is not one:
    read as `check` reads a figure typed as text."""
    if len(text) > _CACHED_TEXT:
        return _parse_figure(text)
    return _figure(text)


def value_like(text: str) -> bool:
    """A figure, or what sites print instead of one ("/", "—", 无)."""
    if len(text) <= _CACHED_TEXT:
        return _cached_value_like(text)
    if len(text) > _NEVER_A_FIGURE and len("".join(text.split())) > _NEVER_A_FIGURE:
        return False
    return _long_value_like(text)


def _parse_figure(text: str) -> float | None:
    if not text.strip():
        return None
    return parse_number(text.strip())[0]


def _value_like(text: str) -> bool:
    stripped = unicodedata.normalize("NFKC", text).strip()
    return parse_figure(stripped) is not None or stripped.lower() in _PLACEHOLDERS


# Cells and words are asked about again and again (every line is split, then offered as rows; a
# figure is checked as a label cell and as a value) and repeat from file to file ("0", "1", "/"):
# each short text is read once per process, within a bound.
_CACHED_TEXT = 40
_figure = lru_cache(maxsize=8192)(_parse_figure)
_cached_value_like = lru_cache(maxsize=8192)(_value_like)
# A paragraph is asked about up to four times (as a line, as a row, by the narrative) and its NFKC
# costs tens of microseconds: the last few hundred are kept.
_long_value_like = lru_cache(maxsize=512)(_value_like)
# Non-blank characters beyond which a text is no figure and no placeholder, decided without its
# NFKC (the slow part): parse_number reads no figure of over 40 characters besides a unit of at
# most two, no placeholder is longer, and NFKC composes at most four characters into one.
_NEVER_A_FIGURE = 4 * (40 + 2) + 32
assert all(len(p) <= 42 for p in _PLACEHOLDERS)


def is_rule(text: str) -> bool:
    """A markdown table's separator line, a grid table's border, a horizontal rule: no cells."""
    return bool(_RULE.match(text) or _BOX_RULE.match(text))


def plain_text(text: str) -> str:
    """A line without markdown's markup: heading and quote marks at its start (`## 一、总体情况`),
    bold and italics (`**（一）主动公开情况**`), `<br>`, backslash escapes. Prose is otherwise
    unchanged."""
    text = _HEADING_MARK.sub("", text)
    text = _BREAK_TAG.sub(" ", text)
    text = _EMPHASIS.sub("", text)
    return _ESCAPE.sub(r"\1", text)


def pipe_row(text: str) -> bool:
    """A row of a markdown or box-drawn table: cells between pipes or bars."""
    return bool(_PIPE.search(text)) and not is_rule(text)


def split_cells(text: str) -> list[str]:
    """A line of a plain-text table as cells: at pipes (a markdown row; a `<br>` inside a cell is
    a line break in it), else at tabs (empty cells kept: a blank cell), else at runs of spaces; a
    trailing run of figures separated by single spaces is split too (OCR, PDF)."""
    if pipe_row(text):
        stripped = text.strip()
        if _PIPE.match(stripped):
            stripped = stripped[1:]
        if stripped and _PIPE.match(stripped[-1]) and not stripped.endswith("\\|"):
            stripped = stripped[:-1]
        return [
            "\n".join(p for p in (plain_text(part).strip() for part in _BREAK_TAG.split(cell)) if p)
            for cell in _PIPE.split(stripped)
        ]
    if "\t" in text:
        cells = text.split("\t")
    else:
        cells = [c for c in _SPLIT_LINE.split(plain_text(text).strip()) if c != ""]
    out: list[str] = []
    for cell in cells:
        words = cell.split(" ")
        tail: list[str] = []
        while len(words) > 1 and value_like(words[-1]):
            tail.insert(0, words.pop())
        out.append(" ".join(words))
        out.extend(tail)
    return out


@dataclass(frozen=True, kw_only=True)
class TextRow:
    """One row offered to the matcher: its cells, where it starts, whether OCR read it."""

    cells: tuple[str, ...]
    place: Place
    ocr: bool = False


def _kind(cells: Sequence[str]) -> str:
    """'figures': every cell that holds something is a figure; 'label': one cell of words (a
    wrapped label, a header cell on its own line); 'other': anything else."""
    filled = [c for c in cells if c.strip()]
    if filled and all(value_like(c) for c in filled):
        return "figures"
    if len(filled) == 1 and len(filled[0]) <= _MAX_LABEL_LINE:
        return "label"
    return "other"


def text_rows(lines: Sequence[SourceLine]) -> Iterator[TextRow]:
    """Every line of text as a row of cells, in order, and after it the joined rows it ends (see
    the module's docstring). A markdown separator line is no row and breaks nothing. Lines of
    nothing but blanks are cells where a browser's copy says so (see `_blanks`)."""
    labels: list[TextRow] = []  # label-only lines just before the current run of figures
    # Numbered item labels ("5.属于…", "1.本机关…") among every label-only line since the last row
    # with figures: two of them before one run of figures (a converter that stacked the labels of
    # two rows above their figures) leave it unknown whose figures they are, so no label is
    # joined to them; the rows are then listed as not read, never given the other row's figures.
    items = 0
    run: list[TextRow] = []  # figure-only lines in a row, blank cells included
    box: list[TextRow] | None = None  # the lines since a drawn border (None: not in a box)
    for line in lines:
        if is_rule(line.text):
            if box:
                yield from _boxed(box)
            box = [] if _border(line.text) else None
            continue
        if not line.text.strip():
            blanks = _blanks(line.text)
            if blanks and (run or labels):
                run.append(TextRow(cells=("",) * blanks, place=line.place, ocr=line.ocr))
            continue
        cells = split_cells(line.text)
        row = TextRow(cells=tuple(cells), place=line.place, ocr=line.ocr)
        if box is not None and pipe_row(line.text):
            box.append(row)
        else:
            box = None
        kind = _kind(cells)
        if kind != "figures" and run:
            yield from _joined(labels if items < 2 else [], run)
            labels, run, items = [], [], 0
        yield row
        yield from _read_across(row)
        if kind == "figures":
            run.append(row)
        elif kind == "label":
            labels = [*labels[-(MAX_LABEL_LINES - 1) :], row]
            items += bool(_ITEM_START.match(_words(row)))
        else:
            if labels and _kind(cells[:1]) == "label" and any(value_like(c) for c in cells[1:]):
                # a label wrapped onto the line that holds its figures ("（二）部分公开（区分处理
                # 的，只计这一情形，" / "不计其他情形） 4 0 0 …"): the lines before it joined
                yield from _wrapped(labels, row)
            labels, items = [], 0
    if run:
        yield from _joined(labels if items < 2 else [], run)


def _border(text: str) -> bool:
    """A drawn border between rows (w3m's box drawing, a grid table's +----+), not a markdown
    table's one separator line under its header."""
    return bool(_BOX_RULE.match(text)) or text.strip().startswith("+")


def _boxed(box: list[TextRow]) -> Iterator[TextRow]:
    """The lines between two drawn borders are one row of the table whose cells wrap over them
    (a long label of 表三 over three lines, its figures on the middle one): each column's lines
    joined, offered when every line has the same columns."""
    widths = {len(row.cells) for row in box}
    if len(box) < 2 or len(widths) != 1:
        return
    columns = zip(*(row.cells for row in box), strict=True)
    cells = tuple("\n".join(part for part in column if part.strip()) for column in columns)
    yield TextRow(cells=cells, place=box[0].place, ocr=any(r.ocr for r in box))


def _blanks(text: str) -> int:
    """The blank cells a line of nothing but blanks stands for, in a browser's copy of a table
    (the innerText of the page: a tab between two cells of a row, each cell's paragraphs on lines
    of their own): a line holding only a no-break space is a cell left blank (&nbsp;); on a line of
    tabs, each stretch between two tabs is a blank cell, and so is a stretch of no-break spaces
    after the last tab (the row's last cell). A line of plain spaces or tabs with nothing between
    them says nothing certain: 0."""
    if "\t" not in text:
        return 1 if _FILLER.search(text) else 0
    parts = text.split("\t")
    middle = parts[1:-1]
    last = 1 if _FILLER.search(parts[-1]) else 0
    if not any(_FILLER.search(p) for p in middle) and not last:
        return 0
    return len(middle) + last


_FILLER = re.compile("[\u00a0\u3000]")
_ITEM_START = re.compile(r"\s*\d+\s*[.．、]")  # a sub-item's number: "5.属于三类内部事务信息"


def _words(row: TextRow) -> str:
    """The one filled cell of a label line ("\t（三）不予公开\t" or a box's "│ │1.属于…│")."""
    return next(cell for cell in row.cells if cell.strip())


def _wrapped(labels: list[TextRow], row: TextRow) -> Iterator[TextRow]:
    for k in range(1, len(labels) + 1):
        head = "".join(_words(label) for label in labels[-k:])
        yield TextRow(
            cells=(head + row.cells[0], *row.cells[1:]),
            place=row.place,
            ocr=row.ocr or any(label.ocr for label in labels[-k:]),
        )


def _joined(labels: list[TextRow], run: list[TextRow]) -> Iterator[TextRow]:
    figures = tuple(cell for row in run for cell in row.cells)
    if not any(figures) and not labels:
        return
    ocr = any(row.ocr for row in run)
    if len(run) > 1:
        yield TextRow(cells=figures, place=run[0].place, ocr=ocr)
    for k in range(1, len(labels) + 1):
        head = "".join(_words(label) for label in labels[-k:])
        yield TextRow(
            cells=(head, *figures),
            place=labels[-k].place,
            ocr=ocr or any(label.ocr for label in labels[-k:]),
        )


def _read_across(row: TextRow) -> Iterator[TextRow]:
    """A markdown row whose label is set over two cells with line breaks inside them, as a PDF
    converter writes a label spanning two columns: the cells' lines read across, line by line
    ("（二）部分公开（区<br>计其他情形）|分处理的，只计这一情形，不" is 「（二）部分公开（区分处理
    的，只计这一情形，不计其他情形）」). Offered beside the row as printed: matching decides."""
    label_cells: list[str] = []
    for cell in row.cells:
        if value_like(cell):
            break
        label_cells.append(cell)
    if len([c for c in label_cells if c.strip()]) < 2 or not any("\n" in c for c in label_cells):
        return
    split = [c.split("\n") for c in label_cells]
    depth = max(len(lines) for lines in split)
    across = "".join(lines[i] for i in range(depth) for lines in split if i < len(lines))
    yield TextRow(
        cells=(across, *row.cells[len(label_cells) :]),
        place=row.place,
        ocr=row.ocr,
    )
