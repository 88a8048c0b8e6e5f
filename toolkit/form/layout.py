"""Where everything sits in a template: sheet by sheet, the cell of every label, input, total and status.

Computed from the form definition alone, so the generator writes, and the checker looks, at the same
places. All coordinates are zero-based (row, column), as xlsxwriter uses them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Literal, cast

from xlsxwriter.utility import xl_rowcol_to_cell

from ..core import texts as tx
from ..core.texts import Severity
from .form import Block, Form, Rule, Section, Table

__all__ = [
    "Area",
    "Label",
    "Note",
    "SheetLayout",
    "Status",
    "a1",
    "layout",
]

Style = Literal[
    "title",
    "summary",
    "hint",
    "caption",
    "corner",
    "header",
    "row_label",
    "status_header",
    "status_label",
    "part_title",
    "prompt",
]

NARRATIVE_TEXT_WIDTH = 96.0  # the single text column of a narrative sheet
LIST_TITLE_COLUMNS_WITHOUT_LABELS = (
    4  # a table without row labels (表四) still needs room for titles
)
STATUS_COLUMN_WIDTH = 14


@dataclass(frozen=True)
class Area:
    """A cell or a merged range."""

    row: int
    col: int
    last_row: int
    last_col: int

    @property
    def merged(self) -> bool:
        return (self.row, self.col) != (self.last_row, self.last_col)

    @cached_property
    def ref(self) -> str:
        return a1(self.row, self.col)


@dataclass(frozen=True)
class Label:
    area: Area
    text: str
    style: Style


@dataclass(frozen=True)
class Status:
    """A live 勾稽 status cell: one rule's instances (by index) evaluated at this place."""

    rule: str
    instances: tuple[int, ...]
    area: Area


@dataclass(frozen=True)
class Note:
    """The unlocked 说明 cell where an agency explains a warning."""

    rule: str
    area: Area


@dataclass(frozen=True)
class SheetLayout:
    name: str
    section: str
    width: int  # columns used by the content (status columns included)
    labels: tuple[Label, ...]
    cells: dict[str, Area]  # numeric cell key or narrative part key -> area
    statuses: tuple[Status, ...]
    notes: tuple[Note, ...]
    summary: Area | None
    freeze: tuple[int, int]
    column_widths: tuple[float, ...]
    row_heights: dict[int, float]
    input_rows: tuple[int, ...] = ()  # rows holding narrative text inputs (tall)


def a1(row: int, col: int, *, absolute: bool = False) -> str:
    """Zero-based (row, col) to an A1 reference ("$D$7" when absolute)."""
    return xl_rowcol_to_cell(row, col, row_abs=absolute, col_abs=absolute)


@cache
def layout(form: Form) -> tuple[SheetLayout, ...]:
    """One layout per section, in report order."""
    return tuple(
        # cast: the loader gives every section of kind "table" the name of its table
        _table_sheet(form, section, form.tables[cast(str, section.table)])
        if section.kind == "table"
        else _narrative_sheet(form, section)
        for section in form.sections
    )


class _Sheet:
    """Mutable accumulator while a sheet's layout is built."""

    def __init__(self, section: Section, width: int, widths: list[float]) -> None:
        self.section = section
        self.width = width
        self.widths = widths
        self.labels: list[Label] = []
        self.cells: dict[str, Area] = {}
        self.statuses: list[Status] = []
        self.notes: list[Note] = []
        self.heights: dict[int, float] = {}
        self.row = 0

    def label(self, area: Area, text: str, style: Style) -> None:
        self.labels.append(Label(area, text, style))
        if style in ("title", "summary", "hint", "caption"):
            return  # full-width lines get their height from their own text below
        span = sum(self.widths[area.col : area.last_col + 1])
        self.fit(area, text, span)

    def fit(self, area: Area, text: str, span: float, minimum: float = 20) -> None:
        """Give the rows of an area enough height to show its wrapped text (Excel will not)."""
        chars_per_line = max(span / 2.1, 1)  # a CJK character is about two width units
        lines = sum(
            max(1, math.ceil(_display_len(part) / chars_per_line)) for part in text.split("\n")
        )
        needed = max(minimum, 15.0 * lines + 5)
        rows = area.last_row - area.row + 1
        per_row = needed / rows
        for r in range(area.row, area.last_row + 1):
            self.heights[r] = max(self.heights.get(r, 0), per_row)

    def line(self, text: str, style: Style, height: float = 20) -> Area:
        area = Area(self.row, 0, self.row, self.width - 1)
        self.labels.append(Label(area, text, style))
        self.fit(area, text, sum(self.widths[: self.width]), height)
        self.row += 1
        return area

    def finish(self, freeze: tuple[int, int], input_rows: tuple[int, ...] = ()) -> SheetLayout:
        return SheetLayout(
            name=self.section.sheet,
            section=self.section.key,
            width=self.width,
            labels=tuple(self.labels),
            cells=self.cells,
            statuses=tuple(self.statuses),
            notes=tuple(self.notes),
            summary=next(lb.area for lb in self.labels if lb.style == "summary"),
            freeze=freeze,
            column_widths=tuple(self.widths),
            row_heights=self.heights,
            input_rows=input_rows,
        )


def _display_len(text: str) -> float:
    return sum(1 if ord(ch) > 0x2E7F else 0.55 for ch in text)


def _table_sheet(form: Form, section: Section, table: Table) -> SheetLayout:
    label_columns = table.blocks[0].label_columns
    width = max(b.label_columns + len(b.columns) for b in table.blocks)
    row_rules = [r for r in form.rules if r.table == table.key and r.layout == "row"]
    column_rules = [r for r in form.rules if r.table == table.key and r.layout == "column"]
    list_rules = [r for r in form.rules if r.table == table.key and r.layout == "list"]

    if label_columns <= 1:
        label_widths = [26.0] * label_columns
    else:  # group labels are short; the leaf label carries the long text
        label_widths = [12.0] * (label_columns - 1) + [40.0]
    value_width = 13.0 if width - label_columns <= 3 else 10.0
    widths = label_widths + [value_width] * (width - label_columns)
    status_cols = []
    if row_rules:
        widths.append(2.0)  # a gap between the table and its status column(s)
        status_cols = list(range(len(widths), len(widths) + len(row_rules)))
        widths.extend([STATUS_COLUMN_WIDTH] * len(row_rules))
    sheet = _Sheet(section, width, widths)
    sheet.line(section.title, "title", 28)
    sheet.line(tx.TABLE_SUMMARY, "summary", 22)
    sheet.line(tx.TABLE_HINT, "hint")
    freeze = (sheet.row, 0)
    for index, block in enumerate(table.blocks):
        header_end = _block(sheet, table, block, row_rules if index == 0 else [], status_cols)
        if len(table.blocks) == 1:
            freeze = (header_end, label_columns)

    sheet.row += 1
    for rule in column_rules:
        if label_columns:
            sheet.label(
                Area(sheet.row, 0, sheet.row, label_columns - 1), rule.title, "status_label"
            )
        else:
            sheet.label(Area(sheet.row, 0, sheet.row, width - 1), rule.title, "status_label")
            sheet.row += 1
        for i, instance in enumerate(rule.instances):
            area = sheet.cells[instance.anchor]
            sheet.statuses.append(
                Status(rule.id, (i,), Area(sheet.row, area.col, sheet.row, area.col))
            )
        sheet.row += 1

    if list_rules:
        sheet.row += 1
        _list(sheet, list_rules, label_columns)
    return sheet.finish(freeze)


def _block(
    sheet: _Sheet, table: Table, block: Block, row_rules: list[Rule], status_cols: list[int]
) -> int:
    """Lay out one block from sheet.row on; return the first data row."""
    width, label_columns = sheet.width, block.label_columns
    if block.caption:
        sheet.label(Area(sheet.row, 0, sheet.row, width - 1), block.caption, "caption")
        sheet.heights[sheet.row] = 20
        sheet.row += 1
    top = sheet.row
    depth = max(len(c.path) for c in block.columns)
    if label_columns:
        sheet.label(Area(top, 0, top + depth - 1, label_columns - 1), block.corner, "corner")
    last = len(block.columns) - 1
    for level in range(depth):
        i = 0
        while i < len(block.columns):
            column = block.columns[i]
            if len(column.path) <= level:
                i += 1
                continue
            prefix = column.path[: level + 1]
            j = i
            is_leaf = len(column.path) == level + 1
            if not is_leaf:
                while (
                    j + 1 < len(block.columns)
                    and block.columns[j + 1].path[: level + 1] == prefix
                    and len(block.columns[j + 1].path) > level + 1
                ):
                    j += 1
            last_col = label_columns + j if j < last else width - 1
            last_row = top + depth - 1 if is_leaf else top + level
            sheet.label(
                Area(top + level, label_columns + i, last_row, last_col), prefix[-1], "header"
            )
            i = j + 1
    for rule, col in zip(row_rules, status_cols, strict=True):
        sheet.label(Area(top, col, top + depth - 1, col), rule.title, "status_header")
    sheet.row = top + depth
    first_data = sheet.row
    for r, row in enumerate(block.rows):
        rr = first_data + r
        for level, text in enumerate(row.path):
            leaf = level == len(row.path) - 1
            if leaf:
                sheet.label(Area(rr, level, rr, label_columns - 1), text, "row_label")
                continue
            prefix = row.path[: level + 1]
            previous = block.rows[r - 1].path if r else ()
            if len(previous) > level + 1 and previous[: level + 1] == prefix:
                continue  # merged into the group label above
            end = r
            while (
                end + 1 < len(block.rows)
                and block.rows[end + 1].path[: level + 1] == prefix
                and len(block.rows[end + 1].path) > level + 1
            ):
                end += 1
            sheet.label(Area(rr, level, first_data + end, level), text, "row_label")
        for c, column in enumerate(block.columns):
            col = label_columns + c
            last_col = col if c < last else width - 1
            sheet.cells[f"{table.key}.{row.key}.{column.key}"] = Area(rr, col, rr, last_col)
        sheet.heights.setdefault(rr, 20)
    for rule, col in zip(row_rules, status_cols, strict=True):
        for i, instance in enumerate(rule.instances):
            row_of = sheet.cells[instance.anchor].row
            sheet.statuses.append(Status(rule.id, (i,), Area(row_of, col, row_of, col)))
    sheet.row = first_data + len(block.rows)
    return first_data


def _list(sheet: _Sheet, rules: list[Rule], label_columns: int) -> None:
    """The list of rules under a table or narrative: title | status | 说明."""
    width = sheet.width
    split = label_columns if label_columns else min(LIST_TITLE_COLUMNS_WITHOUT_LABELS, width - 2)
    status_col = split
    sheet.label(Area(sheet.row, 0, sheet.row, split - 1), tx.RULE_LIST_ITEM, "status_header")
    sheet.label(Area(sheet.row, status_col, sheet.row, status_col), tx.STATUS, "status_header")
    sheet.label(
        Area(sheet.row, status_col + 1, sheet.row, width - 1), tx.RULE_LIST_NOTE, "status_header"
    )
    sheet.row += 1
    for rule in rules:
        area = Area(sheet.row, 0, sheet.row, split - 1)
        sheet.label(area, rule.title, "status_label")
        indexes = tuple(range(len(rule.instances)))
        sheet.statuses.append(
            Status(rule.id, indexes, Area(sheet.row, status_col, sheet.row, status_col))
        )
        if rule.severity == Severity.WARNING:
            sheet.notes.append(Note(rule.id, Area(sheet.row, status_col + 1, sheet.row, width - 1)))
        sheet.heights[sheet.row] = max(sheet.heights.get(sheet.row, 0), 36)
        sheet.row += 1


def _narrative_sheet(form: Form, section: Section) -> SheetLayout:
    # One wide text column and no merged cells: wrapped text behaves the same in Excel, WPS and
    # LibreOffice, and the status list uses the two narrow columns beside it.
    widths = [NARRATIVE_TEXT_WIDTH, STATUS_COLUMN_WIDTH, 36.0]
    sheet = _Sheet(section, 1, widths)
    sheet.line(section.title, "title", 28)
    sheet.line(tx.NARRATIVE_SUMMARY, "summary", 22)
    sheet.line(tx.NARRATIVE_HINT, "hint")
    sheet.row += 1
    input_rows = []
    for part in section.parts:
        sheet.label(Area(sheet.row, 0, sheet.row, 0), part.title, "part_title")
        sheet.row += 1
        sheet.label(Area(sheet.row, 0, sheet.row, 0), part.prompt, "prompt")
        sheet.row += 1
        sheet.cells[part.key] = Area(sheet.row, 0, sheet.row, 0)
        sheet.heights[sheet.row] = 150
        input_rows.append(sheet.row)
        sheet.row += 2
    rules = [
        r
        for r in form.rules
        if r.table is None and r.parts and form.section_of_part(r.parts[0]) == section
    ]
    if rules:
        sheet.width = len(widths)
        _list(sheet, rules, 1)
    return sheet.finish((3, 0), tuple(input_rows))
