"""Reading one returned workbook's cells where the template put them, or where `locate` found them
after a clerk moved rows or columns: numbers (typed as text, placeholders, implausible values),
totals recomputed from the inputs and compared with what the file stored, narrative texts and the
说明 of warnings. `FileCheck` (inspection.py) finds the identity and layout first, then reads here.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from ..core import texts as tx
from ..core.text import is_blank
from ..form.contract import IMPORTED_KIND
from ..form.findings import Finding, file_finding, plain, shown
from ..form.form import Form, complete, total_sources
from ..form.layout import Area, SheetLayout
from ..form.locate import IDENTITY, Placement, between
from ..xlsx.read import CellError, Workbook
from ..xlsx.values import PLACEHOLDERS, big, number_or_nan, parse_number

__all__ = ["CellReading", "Inspected"]


MAX_MISSING_FINDINGS = 12  # per sheet; every missing cell is still flagged in the feedback copy


TOLERANCE = 1e-6


_REFERENCE = re.compile(r"(\$?)([A-Z]{1,3})(\$?)([0-9]{1,7})")


@dataclass(kw_only=True)
class Inspected:
    """What one file yields before the batch-wide validation (picklable, from worker processes)."""

    path: str
    sha256: str = ""
    kind: str = ""
    mtime: float = 0.0
    saved_at: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    evaluable: bool = False  # identity fits and the sheets are there: values can be validated
    readable: bool = True
    verified: bool | None = None  # the office's token matched (None: no key to verify with)
    values: dict[str, float] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)  # inputs that are not numbers, as typed
    missing: list[str] = field(default_factory=list)  # cells that could not be found in the file


def _moved(formula: str, placement: Placement) -> str:
    """A template formula with its references moved the way the rows and columns moved."""
    from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell

    def move(match: re.Match[str]) -> str:
        row, col = xl_cell_to_rowcol(match.group(2) + match.group(4))
        new_row, new_col = placement.at(row, col)
        return xl_rowcol_to_cell(new_row, new_col)

    return _REFERENCE.sub(move, formula)


def _at(grid: list[list[Any]], area: Area) -> Any:
    try:  # the common case is a cell inside the grid; asking first costs more than failing
        return grid[area.row][area.col]
    except IndexError:
        return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@cache  # the same few formulas recur in every file of a batch
def _squash_formula(formula: str) -> str:
    return formula.removeprefix("=").replace("$", "").replace(" ", "").upper()


class CellReading:
    """The value-reading half of `FileCheck`: what it reads with is prepared by FileCheck.__init__
    (once per run), what it reads into is the `Inspected` of the file at hand."""

    form: Form
    sheets: tuple[SheetLayout, ...]
    formulas: dict[str, str]
    squashed: dict[str, str]
    reads: dict[str, list[tuple[str, Area, str]]]
    placements: dict[str, Placement]
    out: Inspected

    def add(
        self, code: str, *, sheet: str = "", cell: str = "", key: str = "", **params: Any
    ) -> None:
        self.out.findings.append(
            file_finding(self.form, self.out, code, sheet=sheet, cell=cell, key=key, **params)
        )

    def at(self, sheet: SheetLayout, key: str) -> dict[str, str]:
        """A finding's place: the template's cell (where the feedback copy shows it), and in the
        message where the value stands in the returned file when that differs."""
        area = sheet.cells[key]
        actual = self.placements.get(sheet.name, IDENTITY).area(area)
        shown_at = f"“{sheet.name}”{area.ref}"
        if actual.ref != area.ref:
            shown_at += tx.MOVED_TO.format(ref=actual.ref)
        return {"key": key, "sheet": sheet.name, "cell": area.ref, "cell_text": shown_at}

    def values(self, book: Workbook) -> None:
        out, form = self.out, self.form
        raw: dict[str, float] = {}
        where: dict[str, tuple[SheetLayout, Area]] = {}
        inputs: dict[str, float] = {}
        bounds = form.bounds
        for sheet in self.sheets:
            grid = book.grids.get(sheet.name)
            if grid is None:
                out.missing.extend(key for key, _, _ in self.reads[sheet.name])
                continue
            placement = self.placements.get(sheet.name, IDENTITY)
            missing: list[str] = []
            for key, area, kind in self.reads[sheet.name]:
                found, value = self.cell(grid, placement, area, kind)
                if not found:
                    if kind != "total":  # a total is recomputed, never asked of the agency
                        missing.append(key)
                    continue
                if kind == "part":
                    out.texts[key] = _text(value)
                    continue
                where[key] = (sheet, area)
                if kind == "total":
                    raw[key] = number_or_nan(value)
                elif type(value) is float and abs(value) <= bounds.get(
                    form.cells[key].type, math.inf
                ):  # the common case first (NaN fails the comparison and goes the long way)
                    raw[key] = inputs[key] = value
                else:
                    raw[key] = inputs[key] = self.number(value, sheet, key)
                    if math.isnan(raw[key]) and not isinstance(value, float):
                        out.raw[key] = _text(value).strip()
            for note in sheet.notes:
                text = _text(_at(grid, placement.area(note.area)))
                if not is_blank(text):
                    out.notes[note.rule] = text.strip()
            self.report_missing(sheet, missing)
            out.missing.extend(missing)
        computed = complete(form, {k: (0.0 if math.isnan(v) else v) for k, v in inputs.items()})
        unknown = {k for k, v in inputs.items() if math.isnan(v)} | set(out.missing)
        for key, sources in total_sources(
            form
        ).items():  # a total over an unknown cell is unknown too
            if unknown.intersection(sources):
                computed[key] = math.nan
                unknown.add(key)
        values = dict(inputs)
        stale: dict[str, list[tuple[str, str, float, float]]] = defaultdict(list)
        imported = out.meta.get("kind") == IMPORTED_KIND
        unread = set(out.meta.get("unread_totals", "").split()) if imported else set()
        for cell in form.totals:
            if cell.key not in where:
                continue
            sheet, area = where[cell.key]
            stored = raw[cell.key]
            expected = computed[cell.key]
            if cell.key in unread:  # printed in the report, not read by the import: say so
                code = "published-total-unread"
                if math.isnan(expected):
                    code = "published-total-unread-open"
                self.add(code, **self.at(sheet, cell.key), expected=plain(expected))
                values[cell.key] = expected
                continue
            formula_ok = self.formula_intact(book, sheet, area, cell.key)
            if formula_ok is False or (
                formula_ok is None
                and not math.isnan(stored)
                and not math.isnan(expected)
                and abs(stored - expected) > TOLERANCE
            ):
                code = "formula-altered"
                if imported:  # printed so, not an altered formula
                    code = "published-total" if not math.isnan(expected) else "published-total-open"
                self.add(
                    code, **self.at(sheet, cell.key), actual=shown(stored), expected=plain(expected)
                )
                values[cell.key] = stored  # the figure the agency would publish
                continue
            if not math.isnan(expected) and (
                math.isnan(stored) or abs(stored - expected) > TOLERANCE
            ):
                stale[sheet.name].append((cell.key, area.ref, stored, expected))
            values[cell.key] = expected
        for sheet_name, cells in stale.items():  # one note per sheet: a file saved uncalculated
            key, ref, stored, expected = cells[0]
            self.add(
                "stale-result",
                key=key,
                sheet=sheet_name,
                cell=ref,
                count=len(cells),
                actual=shown(stored),
                expected=plain(expected),
            )
        # Totals over totals (（七）总计 × 总计) follow what the agency's own totals say.
        out.values = values

    def cell(
        self, grid: list[list[Any]], placement: Placement, area: Area, kind: str
    ) -> tuple[bool, Any]:
        """(found, value) of a template cell in the returned sheet."""
        if placement is IDENTITY or placement.sure(area):
            return True, _at(grid, placement.area(area))
        if area.col not in placement.sure_cols:
            return False, None
        if kind == "part":  # a narrative may have been split over inserted rows: take them all
            rows = between(grid, placement, area.row, area.col, lambda v: not is_blank(v))
            col = placement.cols[area.col]
            return True, "\n".join(_text(grid[r][col]).strip() for r in rows)
        rows = between(grid, placement, area.row, area.col, lambda v: v is not None and v != "")
        if len(rows) == 1:
            return True, grid[rows[0]][placement.cols[area.col]]
        return False, None

    def report_missing(self, sheet: SheetLayout, missing: list[str]) -> None:
        for key in missing[:MAX_MISSING_FINDINGS]:
            self.add("cell-missing", key=key, sheet=sheet.name, cell=sheet.cells[key].ref,
                     label=self.label(key))  # fmt: skip
        if len(missing) > MAX_MISSING_FINDINGS:
            rest = missing[MAX_MISSING_FINDINGS:]
            self.add(
                "cell-missing",
                key=rest[0],
                sheet=sheet.name,
                cell=sheet.cells[rest[0]].ref,
                label=tx.AND_THE_REST.format(count=len(rest)),
            )

    def label(self, key: str) -> str:
        if key in self.form.parts:
            return self.form.parts[key].title
        cell = self.form.cells[key]
        return " · ".join(x for x in (cell.row_label, cell.column_label) if x)

    def formula_intact(
        self, book: Workbook, sheet: SheetLayout, area: Area, key: str
    ) -> bool | None:
        """True or False for .xlsx; None where the format hides formulas (.xls, .ods)."""
        if book.xml is None or sheet.name not in book.xml:
            return None
        placement = self.placements.get(sheet.name, IDENTITY)
        written = book.xml[sheet.name].formulas.get(placement.area(area).ref)
        if written is None:
            return False
        if placement is IDENTITY:
            return _squash_formula(written) == self.squashed[key]
        # A spreadsheet rewrites references when rows move: compare with the moved formula.
        return _squash_formula(written) == _squash_formula(_moved(self.formulas[key], placement))

    def number(self, value: Any, sheet: SheetLayout, key: str) -> float:
        """An input cell as a number, or NaN with a finding; odd but readable forms get a warning."""
        where = self.at(sheet, key)
        bound = self.form.bounds.get(self.form.cells[key].type, math.inf)
        if isinstance(value, CellError):
            self.add("error-value", actual=str(value), **where)
            return math.nan
        if isinstance(value, bool):
            self.add("not-a-number", actual="TRUE" if value else "FALSE", **where)
            return math.nan
        if isinstance(value, int | float):
            if not math.isfinite(value):
                self.add("not-a-number", actual=str(value), **where)
                return math.nan
            if abs(value) > bound:
                self.add("implausible", actual=big(value), expected=big(bound), **where)
                return math.nan
            return float(value)
        if value is None or value == "":
            self.add("blank", **where)
            return math.nan
        if isinstance(value, datetime):  # a number shown as a date or time (see _serial)
            serial = _serial(value)
            if serial is None:
                self.add("not-a-number", actual=str(value), **where)
                return math.nan
            return self.number(serial, sheet, key)
        if not isinstance(value, str):
            self.add("not-a-number", actual=str(value), **where)
            return math.nan
        text = value.strip()
        if is_blank(text):
            self.add("blank", **where)
            return math.nan
        if text.lower() in PLACEHOLDERS or unicodedata.normalize("NFKC", text) in PLACEHOLDERS:
            self.add("placeholder", actual=text[:40], **where)
            return math.nan
        number, what = parse_number(text)
        if number is None or not math.isfinite(number):
            self.add("not-a-number", actual=text[:40], **where)
            return math.nan
        if abs(number) > bound:
            self.add("implausible", actual=text[:40], expected=big(bound), **where)
            return math.nan
        self.add("text-number", actual=text, expected=plain(number), what=what, **where)
        return number


_EPOCH = datetime(1899, 12, 30)  # day 0 of a spreadsheet's dates (1900 system, after February)
_FALSE_LEAP_DAY = datetime(1900, 3, 1)


def _serial(value: datetime) -> float | None:
    """The number a spreadsheet stores for a cell that python-calamine gives as a date or time:
    a .xls or .ods whose number format it takes for a date (Gnumeric's .xls of a 万元 cell shows
    0 as 00:00). Before 1900-03-01 calamine counts from 1899-12-31, as Excel does around its false
    29 February 1900; on 1900-02-28 the number was 59 or 60, which nothing tells apart: None."""
    days = (value - _EPOCH) / timedelta(days=1)
    if value >= _FALSE_LEAP_DAY or days < 1:
        return days
    if value.date() == datetime(1900, 2, 28).date():
        return None
    return days - 1
