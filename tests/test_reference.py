"""What nianbao writes today, compared with a file it did not write: LibreOffice's own save of a
filled template (tests/reference/QK003-filled-libreoffice.xlsx, rebuilt by tests/reference/build.py).

nianbao writes the same fill (`Fill`, as for feedback copies and samples) and both workbooks are
read into what a spreadsheet program shows: cell values (formula results as LibreOffice computed
them), formulas, sheet visibility, protection and the cells left unlocked, data validations,
defined names and document properties. Byte-level differences between the writers (style indexes,
attribute order, `true` for `1`) do not count; anything a user or another program would notice
does. A failure here means the generator changed what a spreadsheet program sees: if that was
intended, rebuild the reference (`.venv/bin/python -m tests.reference.build`), review the workbook
in a spreadsheet program and commit it with the change.

Values and formulas are read with the project's own reader (toolkit/xlsx/xlsx.py); what it does not
report (validation details, unlocked cells, names) is read from the same parts with lxml.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from xlsxwriter.utility import xl_rowcol_to_cell

from toolkit.form.form import Form
from toolkit.xlsx.package import Package, parse_whole
from toolkit.xlsx.xlsx import Bounds, read_xlsx
from toolkit.xlsx.xlsx_sheet import MAIN

from .reference import build

REBUILD = "rebuild it with `.venv/bin/python -m tests.reference.build` if the change is intended"
_NS = {"m": MAIN[0]}
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_AREA = Bounds(rows=999, cols=99)  # far beyond any sheet of the template

# ECMA-376 18.3.1.85: each flag's default (the "true" ones are protected unless switched off).
_PROTECTION_DEFAULTS = {
    "sheet": False, "objects": False, "scenarios": False, "formatCells": True,
    "formatColumns": True, "formatRows": True, "insertColumns": True, "insertRows": True,
    "insertHyperlinks": True, "deleteColumns": True, "deleteRows": True,
    "selectLockedCells": False, "selectUnlockedCells": False, "sort": True, "autoFilter": True,
    "pivotTables": True,
}  # fmt: skip


@dataclass(frozen=True)
class Validation:
    """A data validation as a spreadsheet program applies it to one cell."""

    type: str
    operator: str | None
    formulas: tuple[str, ...]
    allow_blank: bool
    show_input: bool
    show_error: bool
    error_style: str
    prompt: tuple[str, str]  # title, text
    error: tuple[str, str]


@dataclass(frozen=True)
class Sheet:
    hidden: bool
    values: dict[str, Any]  # A1 -> value shown (formula results included), empty cells left out
    formulas: dict[str, str]  # A1 -> normalised formula
    protection: dict[str, bool | str]
    unlocked: frozenset[str]  # A1 of the cells a clerk may type into when the sheet is protected
    validations: dict[str, Validation]  # A1 -> validation


@dataclass(frozen=True)
class Book:
    sheets: dict[str, Sheet]  # in workbook order
    names: dict[tuple[str, str], str]  # (name, scope sheet or "") -> normalised reference
    properties: dict[str, str]  # custom document properties
    application: str


def normalise(formula: str) -> str:
    """A formula as the same formula from any writer: without "=" or LibreOffice's "of:", and,
    outside string literals, in upper case, without spaces and without quotes around sheet names
    (the template's sheet names hold no apostrophe)."""
    text = formula.strip().removeprefix("of:").removeprefix("=")
    parts = re.split(r'("(?:[^"]|"")*")', text)
    for i in range(0, len(parts), 2):  # even parts lie outside string literals
        parts[i] = re.sub(r"\s+", "", parts[i]).upper().replace("'", "").replace("_XLFN.", "")
    return "".join(parts)


def _flag(text: str | None, default: bool) -> bool:
    return default if text is None else text.strip().lower() in ("1", "true")


def _cells(sqref: str) -> list[str]:
    out = []
    for part in sqref.replace("$", "").split():
        first, _, last = part.partition(":")
        (r1, c1), (r2, c2) = _rowcol(first), _rowcol(last or first)
        out += [xl_rowcol_to_cell(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
    return out


def _rowcol(a1: str) -> tuple[int, int]:
    letters = re.match(r"[A-Z]+", a1)
    assert letters, a1
    col = 0
    for ch in letters.group():
        col = col * 26 + ord(ch) - 64
    return int(a1[letters.end() :]) - 1, col - 1


def _locked_styles(styles: Any) -> list[bool]:
    """Whether each cell style (cellXfs) locks its cell; locked is the default."""
    return [
        _flag(xf.get("locked") if (xf := x.find("m:protection", _NS)) is not None else None, True)
        for x in styles.iterfind("m:cellXfs/m:xf", _NS)
    ]


def _sheet_structure(root: Any, locked: list[bool]) -> tuple[dict[str, Any], frozenset[str]]:
    """Protection flags and unlocked cells of one sheet's XML."""
    element = root.find("m:sheetProtection", _NS)
    attrs = {} if element is None else dict(element.attrib)
    protection: dict[str, bool | str] = {
        flag: _flag(attrs.get(flag), default) for flag, default in _PROTECTION_DEFAULTS.items()
    }
    protection["password"] = attrs.get("password", "").upper()  # the legacy 16-bit hash
    protection["hash"] = attrs.get("hashValue", "")
    columns: dict[int, int] = {}
    for col in root.iterfind("m:cols/m:col", _NS):
        for c in range(int(col.get("min")) - 1, int(col.get("max"))):
            columns[c] = int(col.get("style") or 0)
    unlocked = set()
    for row in root.iterfind("m:sheetData/m:row", _NS):
        row_style = int(row.get("s") or 0) if _flag(row.get("customFormat"), False) else None
        for c in row.iterfind("m:c", _NS):
            ref = c.get("r")
            _, col = _rowcol(ref)
            style = c.get("s")
            index = int(style) if style is not None else row_style
            if index is None:
                index = columns.get(col, 0)
            if not locked[index]:
                unlocked.add(ref)
    return protection, frozenset(unlocked)


def _validations(root: Any) -> dict[str, Validation]:
    out: dict[str, Validation] = {}
    for dv in root.iterfind("m:dataValidations/m:dataValidation", _NS):
        kind = dv.get("type") or "none"
        operator = dv.get("operator") or "between"
        formulas = [normalise(f.text or "") for f in dv.iterfind("m:formula1", _NS)]
        if operator in ("between", "notBetween"):
            formulas += [normalise(f.text or "") for f in dv.iterfind("m:formula2", _NS)]
        rule = Validation(
            type=kind,
            operator=None if kind in ("none", "list", "custom") else operator,
            # a validation of type none accepts anything: its formulas mean nothing
            formulas=() if kind == "none" else tuple(formulas),
            allow_blank=_flag(dv.get("allowBlank"), False),
            show_input=_flag(dv.get("showInputMessage"), False),
            show_error=_flag(dv.get("showErrorMessage"), False),
            error_style=dv.get("errorStyle") or "stop",
            prompt=(dv.get("promptTitle") or "", dv.get("prompt") or ""),
            error=(dv.get("errorTitle") or "", dv.get("error") or ""),
        )
        for a1 in _cells(dv.get("sqref") or ""):
            assert a1 not in out, f"{a1} under two validations"
            out[a1] = rule
    return out


def read_book(path: Path) -> Book:
    """What a spreadsheet program shows of an .xlsx."""
    package = Package(path.read_bytes())
    book = read_xlsx(package, lambda names: dict.fromkeys(names, (_AREA, True)))
    assert not book.stray, f"{path.name}: cells beyond the area read: {book.stray}"
    workbook = parse_whole(package.xml("xl/workbook.xml"))
    rels = parse_whole(package.xml("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): posixpath.normpath("xl/" + r.get("Target")) for r in rels.iter(_RELS)}
    locked = _locked_styles(parse_whole(package.xml("xl/styles.xml")))
    sheets: dict[str, Sheet] = {}
    order = []
    for element in workbook.iterfind("m:sheets/m:sheet", _NS):
        name = element.get("name")
        order.append(name)
        root = parse_whole(package.xml(targets[element.get(_R_ID)]))
        protection, unlocked = _sheet_structure(root, locked)
        grid = book.grids.get(name, [])
        sheets[name] = Sheet(
            # LibreOffice has no "very hidden": it saves such a sheet as hidden
            hidden=(element.get("state") or "visible") != "visible",
            values={
                xl_rowcol_to_cell(r, c): value
                for r, row in enumerate(grid)
                for c, value in enumerate(row)
                if value is not None and value != ""
            },
            formulas={a1: normalise(f) for a1, f in book.xml[name].formulas.items()},
            protection=protection,
            unlocked=unlocked,
            validations=_validations(root),
        )
    names = {}
    for element in workbook.iterfind("m:definedNames/m:definedName", _NS):
        scope = element.get("localSheetId")
        names[element.get("name"), order[int(scope)] if scope else ""] = normalise(element.text)
    app = parse_whole(package.xml("docProps/app.xml"))
    application = app.findtext("{*}Application") or ""
    return Book(sheets, names, book.properties, application)


@pytest.fixture(scope="module")
def reference() -> Book:
    return read_book(build.REFERENCE)


@pytest.fixture(scope="module")
def ours(form: Form, tmp_path_factory: pytest.TempPathFactory) -> Book:
    path = tmp_path_factory.mktemp("reference") / "nianbao.xlsx"
    build.filled(form, path)
    return read_book(path)


def _differences(ours: dict[Any, Any], reference: dict[Any, Any]) -> list[str]:
    return [
        f"{key}: nianbao {ours.get(key)!r}, LibreOffice {reference.get(key)!r}"
        for key in sorted(set(ours) | set(reference), key=str)
        if ours.get(key) != reference.get(key)
    ]


def test_the_reference_was_written_by_libreoffice(reference: Book) -> None:
    assert reference.application.startswith("LibreOffice"), reference.application


def test_same_sheets_in_the_same_order_hidden_alike(ours: Book, reference: Book) -> None:
    assert list(ours.sheets) == list(reference.sheets), REBUILD
    hidden = {name: sheet.hidden for name, sheet in ours.sheets.items()}
    assert hidden == {name: sheet.hidden for name, sheet in reference.sheets.items()}, REBUILD


def test_every_cell_shows_what_libreoffice_shows(ours: Book, reference: Book) -> None:
    """Labels, the typed fill, and every formula result as LibreOffice recalculated it (totals,
    statuses, summaries) against the results nianbao stores beside its formulas."""
    for name, sheet in reference.sheets.items():
        differences = _differences(ours.sheets[name].values, sheet.values)
        assert not differences, f"{name}: {differences[:5]} ({REBUILD})"


def test_formulas_are_the_ones_libreoffice_kept(ours: Book, reference: Book) -> None:
    assert sum(len(s.formulas) for s in reference.sheets.values()) > 50
    for name, sheet in reference.sheets.items():
        differences = _differences(ours.sheets[name].formulas, sheet.formulas)
        assert not differences, f"{name}: {differences[:3]} ({REBUILD})"


def test_protection_and_unlocked_cells_survive_libreoffice(ours: Book, reference: Book) -> None:
    for name, sheet in reference.sheets.items():
        mine = ours.sheets[name]
        assert mine.protection == sheet.protection, f"{name}: sheet protection ({REBUILD})"
        assert sheet.protection["sheet"] or name == "_meta", name
        assert mine.unlocked == sheet.unlocked, (
            f"{name}: unlocked only by nianbao {sorted(mine.unlocked - sheet.unlocked)[:5]}, "
            f"only by LibreOffice {sorted(sheet.unlocked - mine.unlocked)[:5]} ({REBUILD})"
        )


def test_data_validations_are_the_ones_libreoffice_kept(ours: Book, reference: Book) -> None:
    assert sum(len(s.validations) for s in reference.sheets.values()) > 150
    for name, sheet in reference.sheets.items():
        differences = _differences(ours.sheets[name].validations, sheet.validations)
        assert not differences, f"{name}: {differences[:3]} ({REBUILD})"


def test_defined_names_are_the_ones_libreoffice_kept(ours: Book, reference: Book) -> None:
    assert len(reference.names) > 150
    assert not _differences(ours.names, reference.names), REBUILD


def test_document_properties_survive_libreoffice(ours: Book, reference: Book) -> None:
    assert reference.properties, "LibreOffice kept no custom document property"
    assert ours.properties == reference.properties, REBUILD


@pytest.mark.libreoffice
def test_the_build_script_rebuilds_the_committed_reference(tmp_path: Path) -> None:
    """The committed file is what tests/reference/build.py makes (LibreOffice writes new bytes
    each time, so the rebuilt file is compared as the others are)."""
    rebuilt = read_book(build.build(tmp_path / "rebuilt.xlsx"))
    committed = read_book(build.REFERENCE)
    assert rebuilt.sheets == committed.sheets
    assert rebuilt.names == committed.names
    assert rebuilt.properties == committed.properties
