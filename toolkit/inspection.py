"""Inspects one returned workbook on its own: identity, layout, cell values, texts and explanations.

Runs in worker processes; everything it returns is picklable. Values are read where the template's
labels are in the file: at the standard positions when the layout is intact, and where `locate`
finds the rows and columns when a clerk inserted, deleted or moved some. Rules that need every file
of the batch (pandera) and findings about the batch come later, in check.py.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from .findings import Finding, file_finding, plain, shown
from .form import Form, complete
from .formulas import template_formulas
from .identity import agency_token
from .layout import Area, SheetLayout, a1, layout
from .locate import IDENTITY, Placement, between, compared_labels, label_key, place
from .read import CellError, Workbook, read_workbook
from .text import is_blank
from .values import PLACEHOLDERS, big, faithful_format, number_or_nan, parse_number

__all__ = ["FileCheck", "Inspected"]

MAX_LAYOUT_FINDINGS = 5  # per sheet; the rest are counted in the last one
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


class FileCheck:
    """Inspects one workbook: identity, layout, values, texts, notes."""

    def __init__(self, form: Form, year: str, district: str, key: bytes | None = None) -> None:
        self.form = form
        self.year = year
        self.district = district
        self.key = key
        self.sheets = layout(form)
        self.formulas = template_formulas(form)
        self.squashed = {key: _squash_formula(f) for key, f in self.formulas.items()}
        # Per sheet, what every file is compared with, prepared once.
        self.labels = {sheet.name: compared_labels(sheet) for sheet in self.sheets}
        self.merges = {
            sheet.name: {
                _range(area)
                for area in [lb.area for lb in sheet.labels]
                + list(sheet.cells.values())
                + [n.area for n in sheet.notes]
                if area.merged
            }
            for sheet in self.sheets
        }
        self.inputs = {
            sheet.name: [
                (key, area)
                for key, area in sheet.cells.items()
                if key in form.cells and not form.cells[key].is_total
            ]
            for sheet in self.sheets
        }
        # Where each cell is read from, sorted by kind once rather than for every file.
        self.reads = {
            sheet.name: [
                (key, area, "part" if key in form.parts else
                 ("total" if form.cells[key].is_total else "input"))
                for key, area in sheet.cells.items()
            ]
            for sheet in self.sheets
        }  # fmt: skip
        self.areas = {sheet.name: _areas(sheet) for sheet in self.sheets}
        self.identity_inputs = {
            name: {area.ref: key for key, area in inputs} for name, inputs in self.inputs.items()
        }
        self.placements: dict[str, Placement] = {}

    def __call__(self, path: Path) -> Inspected:
        book = read_workbook(path, self.form)
        try:
            return self.inspect(book)
        except (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError) as exc:
            # One malformed file must not stop a batch of hundreds: it is reported, not crashed on.
            out = Inspected(path=str(path), sha256=book.sha256, kind=book.kind, mtime=book.mtime)
            out.readable = False
            out.findings.append(
                file_finding(
                    self.form,
                    out,
                    "unreadable",
                    reason=f"文件内容异常，无法审核（{type(exc).__name__}）",
                )
            )
            return out

    def inspect(self, book: Workbook) -> Inspected:
        out = Inspected(
            path=str(book.path),
            sha256=book.sha256,
            kind=book.kind,
            mtime=book.mtime,
            saved_at=book.saved_at,
        )
        self.out = out
        self.placements = {}
        if book.error:
            out.readable = False
            self.add("unreadable", reason=book.error)
            return out
        out.meta = {str(k): str(v) for k, v in book.meta.items()}
        if not self.identity(book):
            return out
        present = [self.sheet_fits(book, sheet) for sheet in self.sheets]
        self.file_signals(book)
        if book.xml is not None:
            self.xml_signals(book)
        if not any(present):
            return out
        out.evaluable = True
        self.values(book)
        return out

    def add(
        self, code: str, *, sheet: str = "", cell: str = "", key: str = "", **params: Any
    ) -> None:
        self.out.findings.append(
            file_finding(self.form, self.out, code, sheet=sheet, cell=cell, key=key, **params)
        )

    # -- identity and layout ------------------------------------------------------------------

    def identity(self, book: Workbook) -> bool:
        meta, form = self.out.meta, self.form
        if not meta.get("form_id"):
            if _looks_like_2019(book):
                self.add("old-format", actual="2019年试行", expected=self.year or "2021及以后")
            else:
                self.add("not-our-template")
            return False
        if meta["form_id"] != form.id:
            self.add("unknown-form", actual=meta["form_id"], expected=form.id)
            return False
        if meta.get("form_version") != form.version:
            self.add("old-format", actual=meta.get("form_version", "?"), expected=self.year or "本")
            return False
        if self.year and meta.get("year") != self.year:
            self.add("wrong-year", actual=meta.get("year", "?"), expected=self.year)
        if self.district and meta.get("district") != self.district:
            self.add("wrong-district", actual=meta.get("district", "?"), expected=self.district)
        if meta.get("layout_fingerprint") != form.fingerprint():
            self.add(
                "template-outdated",
                actual=meta.get("layout_fingerprint", "?"),
                expected=form.fingerprint(),
            )
        if self.key is not None:
            expected = agency_token(
                self.key,
                form_id=form.id,
                form_version=form.version,
                year=meta.get("year", ""),
                district=meta.get("district", ""),
                agency_code=meta.get("agency_code", ""),
            )
            self.out.verified = meta.get("token", "") == expected
            if not self.out.verified:
                agency = f"{meta.get('agency_name', '')}（{meta.get('agency_code', '')}）"
                reason = "模板标识缺失" if not meta.get("token") else "模板标识不符"
                self.add("identity-mismatch", agency=agency, actual=reason)
        return True

    def sheet_fits(self, book: Workbook, sheet: SheetLayout) -> bool:
        """Whether the sheet is there; its placement (where its rows and columns went) is kept."""
        grid = book.grids.get(sheet.name)
        if grid is None:
            others = [n for n in book.sheet_names if n not in {s.name for s in self.sheets}]
            self.add(
                "sheet-missing",
                sheet=sheet.name,
                expected=sheet.name,
                actual="、".join(others) or "无其他工作表",
            )
            return False
        labels = self.labels[sheet.name]
        if all(label_key(_at(grid, area)) == text for area, text in labels):
            self.placements[sheet.name] = IDENTITY  # the common case: nothing moved
            return True
        placement = place(grid, sheet)
        self.placements[sheet.name] = placement
        wrong = []
        for area, text in labels:
            found = _at(grid, placement.area(area))
            if label_key(found) != text:
                wrong.append((area, found))
        label_text = {lb.area: lb.text for lb in sheet.labels}
        for area, found in wrong[:MAX_LAYOUT_FINDINGS]:
            self.add(
                "layout-changed",
                sheet=sheet.name,
                cell=area.ref,
                expected=label_text[area],
                actual="" if found is None else str(found),
            )
        if not wrong and placement.moved:
            moved = next(
                (
                    (area, _at(grid, area))
                    for area, text in labels
                    if placement.area(area) != area and label_key(_at(grid, area)) != text
                ),
                (labels[0][0], None),
            )
            self.add(
                "layout-changed",
                severity="warning",
                message="layout-shifted",
                sheet=sheet.name,
                cell=moved[0].ref,
                expected=label_text[moved[0]],
                actual="" if moved[1] is None else str(moved[1]),
            )
        return True

    # -- the file as a whole ------------------------------------------------------------------

    def file_signals(self, book: Workbook) -> None:
        """What the file as a whole says: its real format, macros, links, content off the form."""
        claimed = {"xlsm": "xlsx"}.get(book.suffix_kind, book.suffix_kind)
        if claimed in ("xlsx", "xls", "ods") and claimed != book.kind:
            self.add("wrong-extension", actual=book.suffix_kind, expected=book.kind)
        if book.macros or book.suffix_kind == "xlsm":
            self.add("macros")
        if book.external_links:
            self.add("external-links")
        for sheet in self.sheets:
            grid = book.grids.get(sheet.name)
            if grid is None:
                continue
            stray = self.stray_cells(grid, sheet)
            count, first = len(stray), a1(*stray[0]) if stray else ""
            beyond = book.stray.get(sheet.name)
            if beyond:
                count += beyond[0]
                first = first or beyond[1]
            if count:
                self.add("extra-content", sheet=sheet.name, cell=first, actual=count)

    def stray_cells(self, grid: list[list[Any]], sheet: SheetLayout) -> list[tuple[int, int]]:
        """Non-empty cells of the sheet outside every area of the template (as placed)."""
        placement = self.placements.get(sheet.name, IDENTITY)
        areas = [placement.area(a) for a in self.areas[sheet.name]]
        last_row = max(a.last_row for a in areas)
        last_col = max(a.last_col for a in areas)
        if placement is IDENTITY and (
            len(grid) <= last_row + 1 and all(len(row) <= last_col + 1 for row in grid)
        ):
            return []  # nothing can lie outside: the fast path for intact files
        covered = {
            (r, c)
            for a in areas
            for r in range(a.row, a.last_row + 1)
            for c in range(a.col, a.last_col + 1)
        }
        return [
            (r, c)
            for r, row in enumerate(grid)
            for c, value in enumerate(row)
            if value is not None and value != "" and (r, c) not in covered
        ]

    def xml_signals(self, book: Workbook) -> None:
        assert book.xml is not None
        for sheet in self.sheets:
            xml = book.xml.get(sheet.name)
            if xml is None:
                continue
            placement = self.placements.get(sheet.name, IDENTITY)
            if xml.drawing:
                self.add("pictures", sheet=sheet.name)
            if placement is IDENTITY:  # the common case: prepared once for every file
                inputs, expected_merges = self.identity_inputs[sheet.name], self.merges[sheet.name]
            else:
                inputs = {  # only where the cell's place is certain: no finding at a guess
                    placement.area(area).ref: key
                    for key, area in self.inputs[sheet.name]
                    if placement.sure(area)
                }
                expected_merges = {
                    _range(placement.area(_area_of(r))) for r in self.merges[sheet.name]
                }
            for merged in set(xml.merged) - expected_merges:
                for ref in _cells_of(merged):
                    if ref in inputs:
                        self.add("merged-cells", **self.at(sheet, inputs[ref]), actual=merged)
                        break
            unvalidated = []
            for ref, key in inputs.items():
                if ref in xml.formulas:
                    self.add("input-formula", **self.at(sheet, key), actual=xml.formulas[ref])
                if ref not in xml.validated:
                    unvalidated.append(key)
                number_format = xml.number_formats.get(ref)
                if number_format and not faithful_format(number_format):
                    self.add("number-format", **self.at(sheet, key), actual=number_format,
                             expected="数字")  # fmt: skip
            if not xml.protected:
                self.add("protection-removed", sheet=sheet.name)
            if unvalidated:
                self.add(
                    "validation-removed",
                    sheet=sheet.name,
                    cell=sheet.cells[unvalidated[0]].ref,
                    actual=len(unvalidated),
                )

    def at(self, sheet: SheetLayout, key: str) -> dict[str, str]:
        """A finding's place: the template's cell (where the feedback copy shows it), and in the
        message where the value stands in the returned file when that differs."""
        area = sheet.cells[key]
        actual = self.placements.get(sheet.name, IDENTITY).area(area)
        shown_at = f"“{sheet.name}”{area.ref}"
        if actual.ref != area.ref:
            shown_at += f"（报回文件中为{actual.ref}）"
        return {"key": key, "sheet": sheet.name, "cell": area.ref, "cell_text": shown_at}

    # -- values --------------------------------------------------------------------------------

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
        for key, sources in _total_sources(form):  # a total over an unknown cell is unknown too
            if unknown.intersection(sources):
                computed[key] = math.nan
                unknown.add(key)
        values = dict(inputs)
        stale: dict[str, list[tuple[str, str, float, float]]] = defaultdict(list)
        for cell in form.totals:
            if cell.key not in where:
                continue
            sheet, area = where[cell.key]
            stored = raw[cell.key]
            formula_ok = self.formula_intact(book, sheet, area, cell.key)
            expected = computed[cell.key]
            if formula_ok is False or (
                formula_ok is None
                and not math.isnan(stored)
                and not math.isnan(expected)
                and abs(stored - expected) > TOLERANCE
            ):
                self.add(
                    "formula-altered",
                    **self.at(sheet, cell.key),
                    actual=shown(stored),
                    expected=plain(expected),
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
                label=f"等其余{len(rest)}个单元格",
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
        if not isinstance(value, str):  # dates and times
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


@cache
def _total_sources(form: Form) -> tuple[tuple[str, frozenset[str]], ...]:
    """Each total with every cell it depends on, totals in the order they are computed."""
    from .form import _total_order

    out: dict[str, frozenset[str]] = {}
    for key, sources in _total_order(form):
        deep = set(sources)
        for source in sources:
            deep |= out.get(source, frozenset())
        out[key] = frozenset(deep)
    return tuple(out.items())


def _moved(formula: str, placement: Placement) -> str:
    """A template formula with its references moved the way the rows and columns moved."""
    from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell

    def move(match: re.Match[str]) -> str:
        row, col = xl_cell_to_rowcol(match.group(2) + match.group(4))
        new_row, new_col = placement.at(row, col)
        return xl_rowcol_to_cell(new_row, new_col)

    return _REFERENCE.sub(move, formula)


def _areas(sheet: SheetLayout) -> list[Area]:
    return (
        [lb.area for lb in sheet.labels]
        + list(sheet.cells.values())
        + [st.area for st in sheet.statuses]
        + [n.area for n in sheet.notes]
    )


def _range(area: Area) -> str:
    return f"{area.ref}:{a1(area.last_row, area.last_col)}"


@lru_cache(maxsize=4096)
def _area_of(merged: str) -> Area:
    from xlsxwriter.utility import xl_cell_to_rowcol

    first, _, last = merged.partition(":")
    row, col = xl_cell_to_rowcol(first)
    last_row, last_col = xl_cell_to_rowcol(last or first)
    return Area(row, col, last_row, last_col)


def _cells_of(merged: str) -> list[str]:
    try:
        area = _area_of(merged)
    except (ValueError, AttributeError, TypeError):
        return []
    if (area.last_row - area.row + 1) * (area.last_col - area.col + 1) > 10_000:
        return []
    return [
        a1(r, c)
        for r in range(area.row, area.last_row + 1)
        for c in range(area.col, area.last_col + 1)
    ]


def _looks_like_2019(book: Workbook) -> bool:
    """The 2019 trial format, recognised by its table-2 columns anywhere in the file's values."""
    for grid in book.grids.values():
        for row in grid[:60]:
            if any(isinstance(v, str) and "本年新制作数量" in v for v in row):
                return True
    return False


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
