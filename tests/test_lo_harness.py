"""End-to-end checks of the headless-LibreOffice harness in ``tests/lo.py``.

These drive a real ``soffice`` (run ``scripts/ensure-libreoffice.sh`` first); nothing is
skipped, so a machine without LibreOffice fails loudly instead of passing vacuously.
"""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from . import lo

pytestmark = pytest.mark.libreoffice

SHEET = "三、依申请公开"
NAME = "nb_t3_new_natural"


def build_workbook(
    path: Path, *, d7: float | None = None, e7: float | None = None, f7_cached: float = 0
) -> Path:
    """A tiny protected report: unlocked inputs D7/E7, locked F7 = SUM(D7:E7)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(SHEET)
    unlocked = wb.add_format({"locked": False})
    ws.write_string("C7", "新收申请·自然人")
    for ref, value in (("D7", d7), ("E7", e7)):
        if value is None:
            ws.write_blank(ref, None, unlocked)
        else:
            ws.write_number(ref, value, unlocked)
    ws.write_formula("F7", "=SUM(D7:E7)", None, f7_cached)
    ws.data_validation("D7:E7", {"validate": "integer", "criteria": ">=", "value": 0})
    wb.define_name(NAME, f"='{SHEET}'!$D$7")
    ws.protect("secret")
    wb.close()
    return path


def calamine_rows(path: Path) -> list[list[object]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SHEET).to_python()


def own_soffice_processes() -> list[str]:
    """Command lines of still-running soffice processes started by lo.fill() in this process."""
    tag = f"nianbao-lo-{os.getpid()}-".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if tag in cmdline:
            found.append(cmdline.replace(b"\0", b" ").decode(errors="replace"))
    return found


@pytest.fixture(scope="module", autouse=True)
def _require_libreoffice() -> None:
    assert lo.is_available(), "LibreOffice/python3-uno missing: run scripts/ensure-libreoffice.sh"


@pytest.fixture(scope="module")
def filled_xlsx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("fill")
    template = build_workbook(tmp / "模板.xlsx")
    out = tmp / "out" / "填报.xlsx"
    lo.fill(template, out, {NAME: 3, f"{SHEET}!E7": 4})
    return out


def test_fill_writes_inputs_recalculates_and_keeps_protection(filled_xlsx: Path) -> None:
    wb = openpyxl.load_workbook(filled_xlsx, data_only=True)
    ws = wb[SHEET]
    assert (ws["D7"].value, ws["E7"].value, ws["F7"].value) == (3, 4, 7)
    assert ws.protection.sheet is True
    assert ws["D7"].protection.locked is False
    assert ws["E7"].protection.locked is False
    assert ws["F7"].protection.locked is True
    assert NAME in wb.defined_names
    assert [str(dv.sqref) for dv in ws.data_validations.dataValidation] == ["D7:E7"]
    assert openpyxl.load_workbook(filled_xlsx)[SHEET]["F7"].value == "=SUM(D7:E7)"
    assert own_soffice_processes() == []


@pytest.mark.parametrize("target", ["xls", "ods"])
def test_convert_to_legacy_and_odf(filled_xlsx: Path, tmp_path: Path, target: str) -> None:
    [out] = lo.convert([filled_xlsx], tmp_path, target)
    assert out == tmp_path / f"填报.{target}"
    rows = calamine_rows(out)
    assert rows[-1][-3:] == [3, 4, 7.0]


def test_convert_forces_recalculation_of_stale_results_in_place(tmp_path: Path) -> None:
    stale = build_workbook(tmp_path / "stale.xlsx", d7=3, e7=4, f7_cached=999)
    assert openpyxl.load_workbook(stale, data_only=True)[SHEET]["F7"].value == 999
    # Same folder and same format as the input: LibreOffice overwrites the input itself.
    [out] = lo.convert([stale], tmp_path, "xlsx")
    assert out == stale
    ws = openpyxl.load_workbook(out, data_only=True)[SHEET]
    assert ws["F7"].value == 7
    assert ws.protection.sheet is True


def test_convert_reports_files_libreoffice_skipped(tmp_path: Path) -> None:
    good = build_workbook(tmp_path / "good.xlsx")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not a workbook" * 50)
    with pytest.raises(
        lo.LibreOfficeError, match=r"no output for 1 of 2 file\(s\): \['bad.xlsx'\]"
    ):
        lo.convert([good, bad], tmp_path / "out", "ods")


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (f"{SHEET}!F7", "locked on protected sheet"),
        ("nb_no_such_name", "no workbook-level defined name"),
    ],
)
def test_fill_rejects_bad_keys_and_cleans_up(tmp_path: Path, key: str, message: str) -> None:
    template = build_workbook(tmp_path / "t.xlsx")
    out = tmp_path / "out.xlsx"
    with pytest.raises(lo.LibreOfficeError, match=message):
        lo.fill(template, out, {key: 1})
    assert not out.exists()
    assert own_soffice_processes() == []


def test_convert_splits_into_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lo, "CHUNK_SIZE", 2)
    inputs = [build_workbook(tmp_path / f"单位{i}.xlsx", d7=i, e7=1) for i in range(3)]
    outputs = lo.convert(inputs, tmp_path / "xls", "xls")
    assert [p.name for p in outputs] == ["单位0.xls", "单位1.xls", "单位2.xls"]
    assert [calamine_rows(p)[-1][-1] for p in outputs] == [1.0, 2.0, 3.0]


# ------------------------------------------------------------------------ structure changes
# A clerk unprotects the sheet, changes its structure, then types; references name the cells
# where they are afterwards, defined names and formulas follow their cells as Calc moves them.
STRUCTURE_CASES: dict[
    str, tuple[list[lo.Operation], dict[str, float | int | str], dict[str, object]]
] = {
    "insert_rows": (
        [lo.unprotect(SHEET, "secret"), lo.insert_rows(SHEET, before=6)],
        {NAME: 3, f"{SHEET}!E8": 4, f"{SHEET}!C7": "其中：网上申请", f"{SHEET}!D7": 1},
        {"C7": "其中：网上申请", "D7": 1, "C8": "新收申请·自然人", "D8": 3, "E8": 4, "F8": 7},
    ),
    "delete_rows": (
        [lo.unprotect(SHEET, "secret"), lo.delete_rows(SHEET, first=1, count=2)],
        {NAME: 3, f"{SHEET}!E5": 4},
        {"C5": "新收申请·自然人", "D5": 3, "E5": 4, "F5": 7},
    ),
    "insert_columns": (
        [lo.unprotect(SHEET, "secret"), lo.insert_columns(SHEET, before=3)],
        {NAME: 3, f"{SHEET}!F7": 4, f"{SHEET}!D7": "说明"},
        {"C7": "新收申请·自然人", "D7": "说明", "E7": 3, "F7": 4, "G7": 7},
    ),
    "delete_columns": (
        [lo.unprotect(SHEET, "secret"), lo.delete_columns(SHEET, first=0)],
        {NAME: 3, f"{SHEET}!D7": 4},
        {"B7": "新收申请·自然人", "C7": 3, "D7": 4, "E7": 7},
    ),
}
# Where the input named NAME and the total's formula end up.
MOVED = {
    "insert_rows": ("$D$8", "F8", "=SUM(D8:E8)"),
    "delete_rows": ("$D$5", "F5", "=SUM(D5:E5)"),
    "insert_columns": ("$E$7", "G7", "=SUM(E7:F7)"),
    "delete_columns": ("$C$7", "E7", "=SUM(C7:D7)"),
}


@pytest.fixture(scope="module")
def restructured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every structure case filled in one soffice run (fill_many)."""
    tmp = tmp_path_factory.mktemp("structure")
    template = build_workbook(tmp / "模板.xlsx")
    jobs = {
        case: lo.FillJob(
            template,
            tmp / f"{case}.xlsx",
            values,
            operations,
            [lo.protect(SHEET, "again")] if case == "insert_rows" else [],
        )
        for case, (operations, values, _) in STRUCTURE_CASES.items()
    }
    lo.fill_many(list(jobs.values()))
    assert own_soffice_processes() == []
    return {case: job.output for case, job in jobs.items()}


@pytest.mark.parametrize("case", list(STRUCTURE_CASES))
def test_fill_changes_structure_before_typing(restructured: dict[str, Path], case: str) -> None:
    _, _, expected = STRUCTURE_CASES[case]
    name_ref, total_ref, formula = MOVED[case]
    path = restructured[case]
    shown = openpyxl.load_workbook(path, data_only=True)[SHEET]
    assert {ref: shown[ref].value for ref in expected} == expected
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    assert wb.defined_names[NAME].attr_text == f"'{SHEET}'!{name_ref}"
    assert ws[total_ref].value == formula
    assert ws.protection.sheet is (case == "insert_rows")  # only that clerk protected it again


def test_fill_many_is_all_or_nothing(tmp_path: Path) -> None:
    template = build_workbook(tmp_path / "t.xlsx")
    good = lo.FillJob(template, tmp_path / "good.xlsx", {NAME: 1})
    bad = lo.FillJob(
        template, tmp_path / "bad.xlsx", {NAME: 1}, [lo.unprotect(SHEET, "not-the-password")]
    )
    with pytest.raises(lo.LibreOfficeError, match="unprotect on '三、依申请公开': wrong password"):
        lo.fill_many([good, bad])
    assert not good.output.exists() and not bad.output.exists()
    assert own_soffice_processes() == []


def test_fill_refuses_structure_changes_on_a_protected_sheet(tmp_path: Path) -> None:
    template = build_workbook(tmp_path / "t.xlsx")
    with pytest.raises(lo.LibreOfficeError, match="sheet is protected"):
        lo.fill(template, tmp_path / "out.xlsx", {}, operations=[lo.insert_rows(SHEET, 6)])
    assert not (tmp_path / "out.xlsx").exists()


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "merge_cells", "sheet": SHEET},
        {"op": "insert_rows", "sheet": SHEET, "first": 3, "count": 1},
        {"op": "delete_rows", "sheet": SHEET, "first": 3, "count": 0},
    ],
)
def test_fill_rejects_malformed_operations_before_starting_soffice(
    tmp_path: Path, operation: lo.Operation
) -> None:
    template = build_workbook(tmp_path / "t.xlsx")
    with pytest.raises(ValueError):
        lo.fill(template, tmp_path / "out.xlsx", {}, operations=[operation])
