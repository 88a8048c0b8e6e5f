"""Finding the form's tables in a published report by their labels, never by position.

Every row of every table the reader found (and every row published_layouts makes of plain text:
its lines split at pipes, tabs or runs of blanks, and lines joined where a label wraps or figures
stand one a line) is a candidate. A candidate whose row label, after normalisation, ends with one of the
form's row labels is that row; its figures are the cells after the label, in column order. Labels
are compared after `normalise`: full- and half-width forms, spaces and line breaks inside labels,
punctuation ("1. 属于国家秘密" and "1.属于国家秘密", “三安全一稳定” with any quotes) do not count.
A row of the form with no labels of its own (表四's single row) is the row of figures that follows
its header.

Nothing is guessed. A row whose figures do not line up with the form's columns (fewer figures than
columns: "short"), a row found twice with different figures, a row not found: every cell concerned
is listed with the reason and the place in the source, and left empty in the workbook. A cell holding "/", "—" or nothing is kept as
the text it is.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache

from ..form.form import Block, Form, Table
from .published_layouts import parse_figure, split_cells, text_rows, value_like
from .published_source import Covered, Place, SourceDocument, SourceLine

__all__ = [
    "Candidate",
    "CellReading",
    "Problem",
    "TableReading",
    "candidates",
    "line_candidate",
    "normalise",
    "parse_figure",
    "read_tables",
]

# Characters a label may differ in without meaning anything else: punctuation of every width,
# quotes, spaces. Digits, letters and CJK characters are kept.
_PUNCTUATION = re.compile(r"[\s\u3000\u200b\ufeff]|[^\w]", re.UNICODE)
_LEADING_NUMBER = re.compile(r"^(?:[0-9]+|[一二三四五六七八九十]+)")
# A break or space between two CJK characters (a label set one character a line): not printed.
_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")


def normalise(text: str) -> str:
    """A label as compared: NFKC (full-width to half-width), without spaces, line breaks,
    punctuation or quotes."""
    return _normalised(text) if len(text) <= CACHED_TEXT else _normalise(text)


def _normalise(text: str) -> str:
    return _PUNCTUATION.sub("", unicodedata.normalize("NFKC", text)).replace("_", "")


# Every report prints the form's labels and mostly small figures, so the same short texts come back
# cell after cell and file after file: each is normalised once per process. The bound keeps a
# worker of a 10,000-file import at a few megabytes; longer texts (paragraphs) are not kept.
CACHED_TEXT = 120
_normalised = lru_cache(maxsize=16384)(_normalise)


def _bare(label: str) -> str:
    """A normalised label without its leading numbering (一、（一）1.): for reports that drop it."""
    return _LEADING_NUMBER.sub("", label)


_value_like = value_like


@dataclass(frozen=True, kw_only=True)
class Candidate:
    """One row of a source table or one line of text, as label cells and the cells after them."""

    label: str  # normalised, group labels of merged cells included
    shown: str = (
        ""  # the label cells as printed, for messages ("三、本年度办理结果 / （一）予以公开")
    )
    values: tuple[str, ...]  # the cells after the label, as read ("" blank)
    place: Place
    ocr: bool = False
    header: bool = False  # no cell looks like a figure: a header or caption row

    @property
    def blank_row(self) -> bool:
        """Cells after the label, every one blank: a row the site left empty (or a caption)."""
        return bool(self.values) and not any(v.strip() for v in self.values)


@dataclass(frozen=True, kw_only=True)
class CellReading:
    key: str
    text: str  # as read
    value: float | None  # None: not a number ("/", "—", blank)
    place: Place
    ocr: bool = False


@dataclass(frozen=True, kw_only=True)
class Problem:
    """A cell that could not be found or read, and why (Chinese, for the log and the workbook)."""

    keys: tuple[str, ...]
    reason: str  # a texts/catalogue code: see published.PROBLEM_CODES
    place: Place | None = None
    detail: str = ""


@dataclass(frozen=True, kw_only=True)
class TableReading:
    cells: dict[str, CellReading] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    loose: list[Problem] = field(default_factory=list)  # rows read by a label nearly the form's
    tables_found: set[str] = field(default_factory=set)
    headers_missing: dict[str, tuple[str, ...]] = field(default_factory=dict)


def candidates(document: SourceDocument) -> Iterator[Candidate]:
    """Every table row and every line of the document as a candidate row, in document order, and
    the rows a plain-text table's layout gives besides (published_layouts.text_rows: a label
    wrapped over lines, figures one a line, a markdown label read across its cells): matching
    decides which is a row of the form."""
    lines: list[SourceLine] = []
    for block in document.blocks:
        if isinstance(block, SourceLine):
            lines.append(block)
            continue
        yield from _line_candidates(lines)
        lines = []
        for row in block.rows:
            texts = [c.text for c in row.cells]
            starts = [c.covered is not Covered.FROM_LEFT for c in row.cells]
            ocr = any(c.ocr for c in row.cells)
            yield _candidate(texts, starts, row.place, ocr)
    yield from _line_candidates(lines)


def _line_candidates(lines: list[SourceLine]) -> Iterator[Candidate]:
    for row in text_rows(lines):
        cells = list(row.cells)
        yield _candidate(cells, [True] * len(cells), row.place, row.ocr)


def line_candidate(line: SourceLine) -> Candidate:
    """A line of text as a candidate row: its cells split at pipes, tabs or runs of spaces."""
    cells = split_cells(line.text)
    return _candidate(cells, [True] * len(cells), line.place, line.ocr)


def _candidate(texts: list[str], starts: list[bool], place: Place, ocr: bool) -> Candidate:
    """Label cells are the leading cells that are not figures (covered ones repeat the label of
    the merged cell over them, which gives the group: 三、本年度办理结果 / （三）不予公开); the
    values are the cells after them that start there (a cell spanning columns counts once)."""
    label_end = 0
    for i, text in enumerate(texts):
        if _value_like(text):
            break
        if text.strip():
            label_end = i + 1
    parts: list[str] = []
    printed: list[str] = []
    for text in texts[:label_end]:
        piece = normalise(text)
        if piece and (not parts or parts[-1] != piece):
            parts.append(piece)
            printed.append(_CJK_GAP.sub("", " ".join(text.split())))
    values = tuple(t for t, s in zip(texts[label_end:], starts[label_end:], strict=True) if s)
    return Candidate(
        label="".join(parts),
        shown=" / ".join(printed),
        values=values,
        place=place,
        ocr=ocr,
        header=not any(_value_like(v) for v in values),
    )


def read_tables(document: SourceDocument, form: Form) -> TableReading:
    """Every cell of the form's tables that the document shows, and every one it does not."""
    reading = TableReading()
    rows = _Rows(list(candidates(document)))
    labels = _row_labels(form)
    for table in form.tables.values():
        _read_table(table, rows, reading, labels[table.key])
    return reading


class _Rows:
    """The document's candidate rows, and what every row of the form is matched against, worked
    out once per document rather than once per row of the form."""

    def __init__(self, rows: list[Candidate]) -> None:
        self.rows = rows
        # the header rows' text: where the form's column headers are looked for
        self.headers = "".join(
            c.label + "".join(normalise(v) for v in c.values) for c in rows if c.header
        )
        # (index, label) of the rows a label can find: labelled, not a header (unless left blank)
        self.labelled = [
            (i, c.label) for i, c in enumerate(rows) if c.label and (not c.header or c.blank_row)
        ]
        # (index, label) of the rows that are a label alone, no cell after it
        self.alone = [(i, c.label) for i, c in enumerate(rows) if c.label and not c.values]


@dataclass(frozen=True)
class _RowLabel:
    """A labelled row of the form as the matcher compares it, worked out once per form."""

    leaf: str  # the row's own label, normalised
    bare: str  # without its numbering, when that alone names the row ("" when it does not)
    longer: tuple[str, ...]  # the table's other labels that end longer: a label ending so is theirs


@cache
def _row_labels(form: Form) -> dict[str, dict[tuple[str, ...], _RowLabel]]:
    """Per table, per row path: its labels as compared (the same for every file of a run)."""
    out: dict[str, dict[tuple[str, ...], _RowLabel]] = {}
    for table in form.tables.values():
        others = [normalise(r.path[-1]) for b in table.blocks for r in b.rows if r.path]
        rows: dict[tuple[str, ...], _RowLabel] = {}
        for block in table.blocks:
            for row in block.rows:
                if not row.path:
                    continue
                leaf = normalise(row.path[-1])
                bare = _bare(leaf)
                # The bare leaf identifies a row only when no other row of the table has the same one.
                unique = (
                    bool(bare) and sum(_bare(o) == bare for o in others) == 1 and len(bare) >= 2
                )
                longer = tuple(o for o in others if o != leaf and len(o) > len(leaf))
                rows[row.path] = _RowLabel(leaf=leaf, bare=bare if unique else "", longer=longer)
        out[table.key] = rows
    return out


def _read_table(
    table: Table, document: _Rows, reading: TableReading, labels: dict[tuple[str, ...], _RowLabel]
) -> None:
    problems = len(reading.problems)
    rows, headers = document.rows, document.headers
    wanted = [(block, row) for block in table.blocks for row in block.rows]
    found: list[list[int]] = [
        _label_less(block, rows) if not row.path else _labelled(labels[row.path], document.labelled)
        for block, row in wanted
    ]
    found_any = any(found)
    used = {i for indices in found for i in indices}
    for n, ((block, row), indices) in enumerate(zip(wanted, found, strict=True)):
        keys = tuple(f"{table.key}.{row.key}.{c.key}" for c in block.columns)
        if indices and _other_format(block, headers):
            # none of the block's column headers is there: the same row labels under another
            # format's columns (the 2019 form's 表二), whose figures mean other things
            reading.problems.append(
                Problem(keys=keys, reason="import-other-columns", place=rows[indices[0]].place)
            )
            continue
        if not indices and row.path and found_any and not _other_format(block, headers):
            indices = _similar(row.path[-1], len(keys), rows, _window(found, n, len(rows)), used)
            if indices:
                used.update(indices)
                reading.loose.append(
                    Problem(
                        keys=keys,
                        reason="import-label-similar",
                        place=rows[indices[0]].place,
                        detail=rows[indices[0]].shown,
                    )
                )
        if not indices:
            alone = _labelled(labels[row.path], document.alone, label_only=True) if row.path else []
            if alone:  # the label is there with no figure after it: every cell left blank
                place = rows[alone[0]].place
                detail = f"0/{len(keys)}"
                reading.problems.append(
                    Problem(keys=keys, reason="import-row-short", place=place, detail=detail)
                )
                continue
            reading.problems.append(Problem(keys=keys, reason="import-row-missing"))
            continue
        _take(keys, [rows[i] for i in indices], reading)
    if not found_any:  # one line for a table not there at all, not one per row
        del reading.problems[problems:]
        reading.problems.append(Problem(keys=table.cell_keys(), reason="import-table-missing"))
    else:
        reading.tables_found.add(table.key)
        missing = _headers_missing(table, headers)
        if missing:
            reading.headers_missing[table.key] = missing


def _window(found: list[list[int]], n: int, end: int) -> range:
    """The candidates between the rows found before and after row n: where row n must be."""
    before = [indices[0] for indices in found[:n] if indices]
    after = [indices[0] for indices in found[n + 1 :] if indices]
    return range(before[-1] + 1 if before else 0, after[0] if after else end)


# How alike a misprinted or misread label must be to the form's (difflib's ratio over the label's
# end, or over its own words without the numbering): "2.其他法律行政止公开" for
# 2.其他法律行政法规禁止公开 is 0.87, OCR's "P .其他法律行政止公开" 0.86 by its words. Two rows of
# 表三 reach 0.73 (一、本年新收… and 二、上年结转…): what keeps rows apart is the place, between the
# rows found before and after.
SIMILAR_LABEL = 0.75
_NOT_WORDS = re.compile(r"^[^\u4e00-\u9fff]+")


def _similar(
    label: str, width: int, rows: list[Candidate], window: range, used: set[int]
) -> list[int]:
    """A row not found by its label: the one candidate, in the place where the row must be, whose
    label is nearly the form's (a misprint, an OCR misreading) and whose figures line up."""
    leaf = normalise(label)
    scored = []
    for i in window:
        candidate = rows[i]
        if i in used or candidate.header or not candidate.label:
            continue
        if _line_up(tuple(str(n) for n in range(width)), candidate) is None:
            continue
        tail = candidate.label[-(len(leaf) + 2) :]
        words = _NOT_WORDS.sub("", normalise(candidate.shown.split(" / ")[-1]))
        ratio = max(
            difflib.SequenceMatcher(None, leaf, tail).ratio(),
            difflib.SequenceMatcher(None, leaf, candidate.label[-len(leaf) :]).ratio(),
            difflib.SequenceMatcher(None, _NOT_WORDS.sub("", leaf), words).ratio(),
        )
        if ratio >= SIMILAR_LABEL:
            scored.append((ratio, i))
    scored.sort(reverse=True)
    if len(scored) == 1 or (len(scored) > 1 and scored[0][0] > scored[1][0]):
        return [scored[0][1]]
    return []


def _labelled(
    wanted: _RowLabel, labels: list[tuple[int, str]], label_only: bool = False
) -> list[int]:
    """The candidates whose label is the row's, among `labels` (_Rows.labelled; `label_only`:
    _Rows.alone, those that hold the label and no cell after it, a row printed with every cell
    blank and the blanks lost)."""
    leaf, bare, longer = wanted.leaf, wanted.bare, wanted.longer
    ends = (leaf, bare) if bare and not label_only else leaf
    out = []
    for i, label in labels:
        if label.endswith(ends):
            # a longer label of the same table that ends the same way is that other row
            if longer and label.endswith(longer):
                continue
            out.append(i)
    return out


def _label_less(block: Block, rows: list[Candidate]) -> list[int]:
    """The row of figures under a header naming the block's column groups (表四)."""
    groups = {normalise(c.path[0]) for c in block.columns if c.path}
    seen_header = False
    loose: list[int] = []
    for i, candidate in enumerate(rows):
        if candidate.header:
            text = candidate.label + "".join(normalise(v) for v in candidate.values)
            if groups and all(g in text for g in groups):
                seen_header = True
            continue
        if seen_header and not candidate.label:
            figures = [v for v in candidate.values if _value_like(v)]
            width = len(block.columns)
            if len(figures) == width or (figures and len(candidate.values) == width):
                return [i]
            loose.append(i)  # a page number, a stray figure: only if nothing fits
    # nothing fits: the row of most figures (figures one a line joined) is the one to name
    widest = max(loose, key=lambda i: len(rows[i].values), default=None)
    return [] if widest is None else [widest]


def _take(keys: tuple[str, ...], matches: list[Candidate], reading: TableReading) -> None:
    readings = [_line_up(keys, m) for m in matches]
    usable = [(m, r) for m, r in zip(matches, readings, strict=True) if r is not None]
    if not usable:
        first = matches[0]
        short = _short(keys, matches)
        reading.problems.append(
            Problem(
                keys=keys,
                reason="import-row-short" if short else "import-columns-unclear",
                place=first.place,
                detail=short or " | ".join(first.values),
            )
        )
        return
    chosen, cells = usable[0]
    for other, other_cells in usable[1:]:
        if [c.text.strip() for c in other_cells] != [c.text.strip() for c in cells]:
            reading.problems.append(
                Problem(
                    keys=keys,
                    reason="import-row-twice",
                    place=other.place,
                    detail=chosen.place.describe(),
                )
            )
            return
    for cell in cells:
        reading.cells[cell.key] = cell


def _short(keys: tuple[str, ...], matches: list[Candidate]) -> str:
    """The text "figures/columns" when every row found under the label holds nothing but figures, fewer
    than the form's columns (a blank cell lost in a one-cell-a-line copy or in space-aligned
    text): which columns they belong to cannot be known. "" otherwise."""
    counts = set()
    for match in matches:
        filled = [v for v in match.values if v.strip()]
        if not filled or len(filled) >= len(keys) or not all(_value_like(v) for v in filled):
            return ""
        counts.add(len(filled))
    return f"{max(counts)}/{len(keys)}" if len(counts) == 1 else ""


def _line_up(keys: tuple[str, ...], candidate: Candidate) -> list[CellReading] | None:
    """The candidate's values as the row's cells, when they line up with the columns: exactly as
    many cells, or as many after dropping blank cells at either end (a label column left empty, a
    trailing tab)."""
    values = list(candidate.values)
    while len(values) > len(keys) and not values[0].strip():
        values.pop(0)
    while len(values) > len(keys) and not values[-1].strip():
        values.pop()
    if candidate.ocr and len(values) < len(keys):
        values = _unrun_zeros(values, len(keys))
    if len(values) != len(keys):
        figures = [v for v in values if _value_like(v)]
        if len(figures) != len(keys) or any(not v.strip() for v in values):
            return None
        values = figures
    return [
        CellReading(
            key=key,
            text=text.strip(),
            value=parse_figure(text),
            place=candidate.place,
            ocr=candidate.ocr,
        )
        for key, text in zip(keys, values, strict=True)
    ]


_ZEROS = re.compile(r"^0{2,}$")


def _unrun_zeros(values: list[str], width: int) -> list[str]:
    """OCR runs the zeros of neighbouring cells together ("50 0 00 0 0 50"): no printed figure is
    "00", so a run of n zeros is n cells of 0, taken only when that makes the row exactly as wide
    as the form's (the cells stay marked as read by OCR)."""
    runs = [len(v.strip()) for v in values if _ZEROS.match(v.strip())]
    if not runs or len(values) + sum(n - 1 for n in runs) != width:
        return values
    out: list[str] = []
    for value in values:
        out.extend(["0"] * len(value.strip()) if _ZEROS.match(value.strip()) else [value])
    return out


def _other_format(block: Block, headers: str) -> bool:
    labels = [normalise(c.label) for c in block.columns if c.label]
    return bool(labels) and not any(label in headers for label in labels)


def _headers_missing(table: Table, text: str) -> tuple[str, ...]:
    """The table's column headers that appear nowhere in the document's header rows (`text`, as
    read_tables joins them): a sign of another format's table (the 2019 form's 表二, say) under
    the same row labels."""
    labels = {c.label for c in table.columns if c.label}
    return tuple(sorted(label for label in labels if normalise(label) not in text))
