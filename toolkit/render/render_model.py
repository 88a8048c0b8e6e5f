"""The content of a published report, independent of its file format: title, the sections in
order with the agency's texts, and the three tables as grids of merged cells.

Everything is derived from the form definition and the template layout (form.py, layout.py), so
the tables carry the standard's labels character for character and merge their headers exactly as
the template does. Figures come from a checked workbook (check.py's FileResult) or a district
rollup; totals are always recomputed from the inputs (form.complete), never taken from a file.
The writers (render_docx.py, render_html.py) only lay these records out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from ..core import texts as tx
from ..core.text import is_blank
from ..form.form import Form, Section, complete
from ..form.layout import layout

__all__ = [
    "GAP",
    "Gap",
    "Grid",
    "GridCell",
    "Heading",
    "Paragraph",
    "Report",
    "figure",
    "grid",
    "narrative",
    "report_of",
    "segments",
    "table_figures",
]

GAP = tx.RENDER_GAP
DRAFT_NOTE = tx.RENDER_DRAFT_NOTE
PLACEHOLDER_PATTERN = re.compile(
    tx.DRAFT_PLACEHOLDER_PATTERN
)  # a place the office fills in (the draft)
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Agency text is untrusted: a lone surrogate (Excel's `_xD800_`) cannot be encoded at all (it
# ended every report of the batch) and becomes U+FFFD, visibly; controls and bidi overrides, which
# disguise text, are dropped. Done once, as the text comes in (agency_text).
_SURROGATE = re.compile("[\ud800-\udfff]")
_DROPPED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
MAX_PART_CHARS = 20_000  # a narrative part of a real report has a few hundred to 3,000
MAX_PART_PARAGRAPHS = 300  # and a few dozen paragraphs at most
MAX_NAME_CHARS = 100  # an agency's name

CellKind = Literal["caption", "corner", "header", "row_label", "value"]


@dataclass(frozen=True)
class GridCell:
    """One cell of a rendered table, at its top-left position, with its spans."""

    text: str
    kind: CellKind
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    key: str = ""  # the form's cell key, for a value


@dataclass(frozen=True)
class Grid:
    """A table as the standard draws it: rows of cells (covered positions left out)."""

    key: str
    title: str
    rows: tuple[tuple[GridCell, ...], ...]
    width: int
    column_weights: tuple[float, ...]  # relative column widths, from the template layout
    header_rows: int  # leading rows that hold only headers (repeated on a page break)

    def cells(self) -> tuple[GridCell, ...]:
        return tuple(cell for row in self.rows for cell in row)


@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 1: 一、…; 2: （一）…


@dataclass(frozen=True)
class Paragraph:
    text: str
    placeholder: bool = False  # a marked place the office fills in (the district draft)


@dataclass(frozen=True)
class Gap:
    """A part the workbook left empty: rendered visibly, never dropped."""

    part: str  # the part's key
    title: str  # the section's and the part's title, as the command names the gap
    text: str = GAP


Block = Heading | Paragraph | Gap | Grid


@dataclass(frozen=True)
class Report:
    title: str
    blocks: tuple[Block, ...]
    draft: bool = False
    note: str = ""  # shown under the title (the draft mark)
    agency_code: str = ""
    title_lines: tuple[str, ...] = ()  # the title as printed: split where the meaning allows
    empty: tuple[str, ...] = ()  # parts left empty, left out or in the form's words (if_empty)
    cut: tuple[str, ...] = ()  # parts whose text was too long, cut with a visible mark

    def __post_init__(self) -> None:
        if not self.title_lines:
            object.__setattr__(self, "title_lines", (self.title,))

    @property
    def gaps(self) -> tuple[Gap, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Gap))


def agency_text(text: object, limit: int = MAX_PART_CHARS) -> tuple[str, bool]:
    """Text an agency wrote, normalised once on the way in: line breaks as "\n", lone surrogates
    as U+FFFD, controls and bidi overrides dropped, at most `limit` characters and MAX_PART_PARAGRAPHS
    lines (cut with a visible mark). Returns the text and whether it was cut."""
    value = "" if text is None else str(text)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _DROPPED.sub("", _SURROGATE.sub("\ufffd", value))
    cut = False
    if value.count("\n") >= MAX_PART_PARAGRAPHS:
        value, cut = "\n".join(value.split("\n", MAX_PART_PARAGRAPHS)[:MAX_PART_PARAGRAPHS]), True
    if len(value) > limit:
        value, cut = value[:limit], True
    return (value + tx.RENDER_TEXT_CUT if cut else value), cut


def clean(text: str) -> str:
    """Untrusted text as a document may hold it: characters XML cannot carry removed."""
    return _XML_ILLEGAL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def segments(text: str) -> list[tuple[str, bool]]:
    """A paragraph's text as (piece, is a place to fill in) pairs, for highlighting."""
    out: list[tuple[str, bool]] = []
    last = 0
    for match in PLACEHOLDER_PATTERN.finditer(text):
        if match.start() > last:
            out.append((text[last : match.start()], False))
        out.append((match.group(), True))
        last = match.end()
    if last < len(text):
        out.append((text[last:], False))
    return out


def figure(value: float, kind: str = "count") -> str:
    """A figure as the report prints it: whole numbers without decimals, amounts (万元) with up to
    four; a missing value (a draft from a workbook with errors) as an empty cell."""
    if not math.isfinite(value):
        return ""
    if kind == "amount":
        text = f"{value:.4f}".rstrip("0").rstrip(".")
        return text if text not in ("", "-0") else "0"
    return str(round(value))


def grid(form: Form, table_key: str, values: Mapping[str, float]) -> Grid:
    """The table `table_key` as a grid of merged cells, with `values` (every cell, totals included)."""
    table = form.tables[table_key]
    sheet = next(s for s in layout(form) if s.section == form.section_of_table(table_key).key)
    placed: list[GridCell] = []
    for label in sheet.labels:
        if label.style not in ("caption", "corner", "header", "row_label"):
            continue
        a = label.area
        placed.append(
            GridCell(
                label.text,
                label.style,
                a.row,
                a.col,
                a.last_row - a.row + 1,
                min(a.last_col, sheet.width - 1) - a.col + 1,
            )
        )
    for key in table.cell_keys():
        a = sheet.cells[key]
        cell = form.cells[key]
        placed.append(
            GridCell(
                figure(values.get(key, math.nan), cell.type),
                "value",
                a.row,
                a.col,
                a.last_row - a.row + 1,
                min(a.last_col, sheet.width - 1) - a.col + 1,
                key,
            )
        )
    top = min(c.row for c in placed)
    bottom = max(c.row + c.rowspan - 1 for c in placed)
    rows: list[list[GridCell]] = [[] for _ in range(bottom - top + 1)]
    covered: set[tuple[int, int]] = set()
    for c in sorted(placed, key=lambda c: (c.row, c.col)):
        shifted = GridCell(c.text, c.kind, c.row - top, c.col, c.rowspan, c.colspan, c.key)
        rows[shifted.row].append(shifted)
        covered.update(
            (r, k)
            for r in range(shifted.row, shifted.row + c.rowspan)
            for k in range(c.col, c.col + c.colspan)
        )
    for r, row in enumerate(rows):  # a position no label covers stays an empty cell
        for k in range(sheet.width):
            if (r, k) not in covered:
                row.append(GridCell("", "header", r, k))
        row.sort(key=lambda c: c.col)
    header_rows = 0
    if len(table.blocks) == 1:
        while header_rows < len(rows) and all(c.kind != "value" for c in rows[header_rows]):
            header_rows += 1
    return Grid(
        key=table_key,
        title=table.title,
        rows=tuple(tuple(row) for row in rows),
        width=sheet.width,
        column_weights=tuple(sheet.column_widths[: sheet.width]),
        header_rows=header_rows,
    )


TITLE_LINE = 20  # characters of 二号 (22 pt) in the 156 mm text block


def title_lines(name: str, rest: str) -> tuple[str, ...]:
    """The title on one line, or the name above the rest when it would wrap mid-word."""
    width = sum(0.5 if ord(ch) < 0x2E80 else 1 for ch in name + rest)  # digits are half width
    if width <= TITLE_LINE or not name:
        return (f"{name}{rest}",)
    return (name, rest)


def table_figures(form: Form, values: Mapping[str, float]) -> dict[str, float]:
    """Every cell's value with the totals recomputed from the inputs (never a stored result)."""
    inputs = {c.key: values.get(c.key, math.nan) for c in form.inputs}
    return complete(form, inputs)


def paragraphs(text: str) -> tuple[str, ...]:
    """A narrative text as paragraphs: one per line, blank lines dropped, spaces at the ends cut."""
    lines = (line.strip() for line in clean(text).split("\n"))
    return tuple(line for line in lines if not is_blank(line))


def narrative(section: Section, texts: Mapping[str, str]) -> list[Block]:
    """A narrative section's parts, each with its text; a part left empty as the form says
    (Part.if_empty: the standard's words; Part.omit_if_empty: left out, the parts after it
    renumbered), else an explicit gap."""
    out: list[Block] = []
    number = 0
    for part in section.parts:
        found = paragraphs(texts.get(part.key, "") or "")
        if not found and part.omit_if_empty:
            continue
        number += 1
        out.append(Heading(renumbered(part.title, number), 2))
        if found:
            out.extend(Paragraph(p) for p in found)
        elif part.if_empty:
            out.append(Paragraph(part.if_empty))
        else:
            out.append(Gap(part.key, f"{section.title}{part.title}"))
    return out


_PART_NUMBER = re.compile(rf"^（[{tx.NUMERALS}]+）")


def renumbered(title: str, number: int) -> str:
    """A part title numbered （一）（二）… as printed: its own number when no part before it was
    left out, the next one when some were."""
    if not _PART_NUMBER.match(title) or not 1 <= number <= len(tx.NUMERALS):
        return title
    return _PART_NUMBER.sub(f"（{tx.NUMERALS[number - 1]}）", title)


def report_of(
    form: Form,
    *,
    name: str,
    year: str,
    values: Mapping[str, float],
    texts: Mapping[str, str],
    draft: bool = False,
    agency_code: str = "",
) -> Report:
    """An agency's report: the title, the six sections in order, the three tables. The texts and
    the name are untrusted, and normalised here once (agency_text)."""
    name = agency_text(name, MAX_NAME_CHARS)[0]
    normal: dict[str, str] = {}
    cut: list[str] = []
    titles = {p.key: f"{s.title}{p.title}" for s in form.sections for p in s.parts}
    for key, text in texts.items():
        normal[key], too_long = agency_text(text)
        if too_long:
            cut.append(titles.get(key, key))
    texts = normal
    figures = table_figures(form, values)
    blocks: list[Block] = []
    empty: list[str] = []
    for section in form.sections:
        blocks.append(Heading(section.title, 1))
        if section.kind == "table" and section.table:
            blocks.append(grid(form, section.table, figures))
        else:
            blocks.extend(narrative(section, texts))
            empty += [
                f"{section.title}{part.title}"
                for part in section.parts
                if (part.if_empty or part.omit_if_empty)
                and not paragraphs(texts.get(part.key, "") or "")
            ]
    rest = (
        tx.REPORT_YEAR_TITLE.format(year=year, title=form.title) if year else form.title
    )  # a draft of a file without a year
    return Report(
        title=clean(f"{name}{rest}"),
        title_lines=title_lines(clean(name), rest),
        blocks=tuple(blocks),
        draft=draft,
        note=DRAFT_NOTE if draft else "",
        agency_code=agency_code,
        empty=tuple(empty),
        cut=tuple(cut),
    )
