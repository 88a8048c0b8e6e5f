"""Inspects one returned workbook on its own: identity, layout, cell values, texts and explanations.

Runs in worker processes; everything it returns is picklable. Values are read where the template's
labels are in the file: at the standard positions when the layout is intact, and where `locate`
finds the rows and columns when a clerk inserted, deleted or moved some. Rules that need every file
of the batch (pandera) and findings about the batch come later, in check.py.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from ..core import texts as tx
from ..core.texts import Severity
from ..form.findings import file_finding
from ..form.form import Form
from ..form.formulas import template_formulas
from ..form.identity import agency_token
from ..form.layout import Area, SheetLayout, a1, layout
from ..form.locate import IDENTITY, Placement, compared_labels, label_key, place
from ..xlsx.read import Workbook, read_workbook
from ..xlsx.values import faithful_format
from .inspection_values import (
    CellReading,
    Inspected,
    _at,
    _squash_formula,
)

__all__ = ["FileCheck"]

MAX_LAYOUT_FINDINGS = 5  # per sheet; the rest are counted in the last one


class FileCheck(CellReading):
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
        # The unmoved layout (the common case), prepared once: how far the template reaches on
        # each sheet and the places within that reach that no area of the template covers.
        self.extents = {name: _extent(areas) for name, areas in self.areas.items()}
        self.holes = {name: _holes(areas, self.extents[name]) for name, areas in self.areas.items()}
        # Each compared label where the unmoved layout has it: (row, column, text as written,
        # text as compared); a cell that holds the text as written needs no normalising.
        self.label_cells = {
            sheet.name: [
                (area.row, area.col, text, label_key(text))
                for area, text in _written_labels(sheet, self.labels[sheet.name])
            ]
            for sheet in self.sheets
        }
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
                    reason=tx.BROKEN_CONTENT.format(error=type(exc).__name__),
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

    # -- identity and layout ------------------------------------------------------------------

    def identity(self, book: Workbook) -> bool:
        meta, form = self.out.meta, self.form
        if not meta.get("form_id"):
            if _looks_like_2019(book):
                self.add(
                    "old-format",
                    actual=tx.FORMAT_2019,
                    expected=self.year or tx.FROM_YEAR.format(year=form.first_year),
                    version=form.version,
                    basis=form.basis,
                )
            else:
                self.add("not-our-template")
            return False
        if meta["form_id"] != form.id:
            self.add("unknown-form", actual=meta["form_id"], expected=form.id)
            return False
        if meta.get("form_version") != form.version:
            self.add(
                "old-format",
                actual=meta.get("form_version", "?"),
                expected=self.year or tx.THIS_FORMAT,
                version=form.version,
                basis=form.basis,
            )
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
                reason = tx.TOKEN_MISSING if not meta.get("token") else tx.TOKEN_WRONG
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
                actual="、".join(others) or tx.NO_OTHER_SHEET,
            )
            return False
        if _labels_in_place(grid, self.label_cells[sheet.name]):
            self.placements[sheet.name] = IDENTITY  # the common case: nothing moved
            return True
        labels = self.labels[sheet.name]
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
                severity=Severity.WARNING,
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
        # .et (WPS) holds an .xls or, from newer WPS, an .xlsx: either is what it claims.
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
        """Non-empty cells of the sheet outside every area of the template (as placed), row by
        row."""
        placement = self.placements.get(sheet.name, IDENTITY)
        if placement is IDENTITY:  # the template's own reach and holes, prepared once
            (last_row, last_col), holes = self.extents[sheet.name], self.holes[sheet.name]
        else:
            areas = [placement.area(a) for a in self.areas[sheet.name]]
            last_row, last_col = _extent(areas)
            holes = _holes(areas, (last_row, last_col))
        found = [
            (r, c) for r, c in holes if r < len(grid) and c < len(grid[r]) and _filled(grid[r][c])
        ]
        if len(grid) > last_row + 1 or any(len(row) > last_col + 1 for row in grid):
            found += [  # and whatever lies beyond the template's reach
                (r, c)
                for r, row in enumerate(grid)
                for c in range(last_col + 1 if r <= last_row else 0, len(row))
                if _filled(row[c])
            ]
            found.sort()
        return found

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
            # Set operations in C find the few input cells that need a word; the findings keep
            # the inputs' order.
            odd = (inputs.keys() & xml.formulas.keys()) | (
                inputs.keys() & xml.number_formats.keys()
            )
            for ref, key in inputs.items() if odd else ():
                if ref in xml.formulas:
                    self.add("input-formula", **self.at(sheet, key), actual=xml.formulas[ref])
                number_format = xml.number_formats.get(ref)
                if number_format and not faithful_format(number_format):
                    self.add("number-format", **self.at(sheet, key), actual=number_format,
                             expected=tx.A_NUMBER)  # fmt: skip
            unvalidated = (
                [key for ref, key in inputs.items() if ref not in xml.validated]
                if not xml.validated.issuperset(inputs)
                else []
            )
            if not xml.protected:
                self.add("protection-removed", sheet=sheet.name)
            if unvalidated:
                self.add(
                    "validation-removed",
                    sheet=sheet.name,
                    cell=sheet.cells[unvalidated[0]].ref,
                    actual=len(unvalidated),
                )


def _areas(sheet: SheetLayout) -> list[Area]:
    return (
        [lb.area for lb in sheet.labels]
        + list(sheet.cells.values())
        + [st.area for st in sheet.statuses]
        + [n.area for n in sheet.notes]
    )


def _extent(areas: list[Area]) -> tuple[int, int]:
    """The last row and column any of the areas reaches."""
    return max(a.last_row for a in areas), max(a.last_col for a in areas)


def _holes(areas: list[Area], extent: tuple[int, int]) -> tuple[tuple[int, int], ...]:
    """The places within the areas' reach that none of them covers, row by row."""
    covered = {
        (r, c)
        for a in areas
        for r in range(a.row, a.last_row + 1)
        for c in range(a.col, a.last_col + 1)
    }
    last_row, last_col = extent
    return tuple(
        (r, c) for r in range(last_row + 1) for c in range(last_col + 1) if (r, c) not in covered
    )


def _filled(value: Any) -> bool:
    return value is not None and value != ""


def _written_labels(sheet: SheetLayout, compared: list[tuple[Area, str]]) -> list[tuple[Area, str]]:
    """The compared labels with the text the template writes there (or the compared text, where
    the two would not compare equal): a cell holding exactly that text needs no normalising."""
    written = {label.area: label.text for label in sheet.labels}
    out = []
    for area, key in compared:
        text = written.get(area, key)
        out.append((area, text if label_key(text) == key else key))
    return out


def _labels_in_place(grid: list[list[Any]], labels: list[tuple[int, int, str, str]]) -> bool:
    """Whether every compared label stands where the template put it."""
    for row, col, written, key in labels:
        try:
            value = grid[row][col]
        except IndexError:
            value = None
        if value != written and label_key(value) != key:
            return False
    return True


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
            if any(isinstance(v, str) and tx.OLD_FORMAT_MARK in v for v in row):
                return True
    return False
