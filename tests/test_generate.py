"""The generated workbook, read back as Excel would see it: locks, validation, formulas, names, meta."""

from __future__ import annotations

import csv
import hashlib
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from toolkit.form import Form, complete, defined_name
from toolkit.generate import (
    INSTRUCTIONS_SHEET,
    META_SHEET,
    PASS,
    Fill,
    GenerateResult,
    file_name,
    generate,
    identity_for,
    write_workbook,
)
from toolkit.layout import a1, layout
from toolkit.roster import Agency

from .conftest import GENERATED_AT, PASSWORD, validations_by_cell

AGENCY = Agency(code="QK003", name="区科学技术局")


@pytest.fixture(scope="module")
def book(template: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(template)


def test_one_file_per_agency_with_manifest_and_password(generated: GenerateResult) -> None:
    assert len(generated.files) == 13
    assert generated.files[0].name == "QK001-区发展和改革委员会-2025年政府信息公开工作年度报告.xlsx"
    with generated.manifest.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["单位代码", "单位名称", "联系人", "电子邮箱", "文件", "sha256", "备注"]
    assert [r["文件"] for r in rows] == [p.name for p in generated.files]
    assert rows[2]["电子邮箱"] == "kjj@shifanqu.gov.cn"
    for row, path in zip(rows, generated.files, strict=True):
        assert row["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert generated.password_file.read_text(encoding="utf-8").startswith(PASSWORD)
    leftovers = [p.name for p in generated.out_dir.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_password_is_never_inside_a_workbook(generated: GenerateResult) -> None:
    for path in generated.files:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                assert PASSWORD.encode() not in archive.read(name), name


def test_sheets_in_report_order_with_hidden_meta(form: Form, book: openpyxl.Workbook) -> None:
    expected = [INSTRUCTIONS_SHEET, *(s.sheet for s in form.sections), META_SHEET]
    assert book.sheetnames == expected
    assert book[META_SHEET].sheet_state == "veryHidden"
    assert all(book[name].sheet_state == "visible" for name in expected[:-1])


def test_every_sheet_is_protected_against_structure_edits(book: openpyxl.Workbook) -> None:
    for ws in book.worksheets:
        protection = ws.protection
        assert protection.sheet, ws.title
        assert protection.password, ws.title  # legacy hash only: the password itself is not stored
        assert protection.formatCells and protection.insertRows and protection.deleteRows
        assert protection.insertColumns and protection.deleteColumns
        assert not protection.selectLockedCells and not protection.selectUnlockedCells


def test_inputs_unlocked_zero_and_validated_totals_locked_formulas(
    form: Form, book: openpyxl.Workbook
) -> None:
    for sheet in layout(form):
        ws = book[sheet.name]
        validated = validations_by_cell(ws)
        for key, area in sheet.cells.items():
            cell = ws[area.ref]
            spec = form.cells.get(key)
            if spec is None:  # narrative text box
                assert cell.protection.locked is False and cell.value is None
                assert validated[area.ref].type is None  # an input prompt only
                continue
            if spec.is_total:
                assert cell.protection.locked is True, key
                assert isinstance(cell.value, str) and cell.value.startswith("=SUM("), key
                assert area.ref not in validated, key
                continue
            assert cell.protection.locked is False, key
            assert cell.value == 0, key
            dv = validated[area.ref]
            assert dv.type == ("decimal" if spec.type == "amount" else "whole"), key
            assert (dv.operator, dv.formula1) == ("greaterThanOrEqual", "0")
            assert dv.errorStyle in (None, "stop")  # absent means stop, Excel's default
            assert dv.showErrorMessage and dv.error and dv.prompt


def test_total_formulas_sum_their_sources(form: Form, book: openpyxl.Workbook) -> None:
    sheet = next(s for s in layout(form) if s.name == "三、依申请公开")
    ws = book[sheet.name]
    row = sheet.cells["t3.new.total"].row + 1
    assert ws[sheet.cells["t3.new.total"].ref].value == f"=SUM(D{row}:I{row})"
    first = sheet.cells["t3.granted.natural"].ref
    last = sheet.cells["t3.other_other.natural"].ref
    assert ws[sheet.cells["t3.result_total.natural"].ref].value == f"=SUM({first}:{last})"
    t4 = book["四、复议诉讼"]
    t4_sheet = next(s for s in layout(form) if s.name == "四、复议诉讼")
    row4 = t4_sheet.cells["t4.cases.review_total"].row + 1
    assert t4[t4_sheet.cells["t4.cases.review_total"].ref].value == f"=SUM(A{row4}:D{row4})"


def test_defined_name_for_every_cell_and_part(form: Form, book: openpyxl.Workbook) -> None:
    for sheet in layout(form):
        for key, area in sheet.cells.items():
            name = book.defined_names[defined_name(key)]
            ((title, ref),) = list(name.destinations)
            assert (title, ref) == (sheet.name, a1(area.row, area.col, absolute=True)), key


def test_meta_sheet_and_document_properties_identify_the_workbook(
    form: Form, book: openpyxl.Workbook
) -> None:
    ws = book[META_SHEET]
    meta = {row[0].value: row[1] for row in ws.iter_rows(max_col=2)}
    assert all(cell.data_type == "s" for cell in meta.values())  # text, so LibreOffice keeps it
    values = {key: cell.value for key, cell in meta.items()}
    assert values["form_id"] == form.id and values["form_version"] == "2021"
    assert values["year"] == "2025" and values["district"] == "示范区"
    assert values["agency_code"] == "QK001" and values["agency_name"] == "区发展和改革委员会"
    assert values["generated_at"] == "2025-12-01T09:00:00"
    assert values["layout_fingerprint"] == form.fingerprint()
    assert len(values["template_id"]) == 20
    assert len(values["token"]) == 32  # the office's keyed hash: generate always has a key
    custom = {p.name: p.value for p in book.custom_doc_props.props}
    assert custom == {f"nianbao_{key}": value for key, value in values.items()}


def test_template_id_is_unique_per_agency_and_generation(form: Form) -> None:
    one = identity_for(form, AGENCY, 2025, "示范区", GENERATED_AT)
    again = identity_for(form, AGENCY, 2025, "示范区", GENERATED_AT)
    other_agency = identity_for(form, Agency(code="QK004", name="x"), 2025, "示范区", GENERATED_AT)
    later = identity_for(form, AGENCY, 2025, "示范区", datetime(2025, 12, 2))
    assert one.template_id == again.template_id
    assert len({one.template_id, other_agency.template_id, later.template_id}) == 3


def test_live_status_cells_start_green_and_show_failures(form: Form, tmp_path: Path) -> None:
    """Stored results are what Excel shows before recalculating: 通过 for zeros, the gap otherwise."""
    path = tmp_path / "filled.xlsx"
    values = {"t3.new.natural": 5, "t3.granted.natural": 3, "t3.carried_out.natural": 1}
    _write(path, form, Fill(values=values))
    sheet = next(s for s in layout(form) if s.name == "三、依申请公开")
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet.name).to_python()

    def at(ref_area) -> object:
        return rows[ref_area.row][ref_area.col]

    balance = {
        form_column: at(s.area)
        for s in sheet.statuses
        if s.rule == "t3-balance"
        for form_column in [s.area.col]
    }
    natural, total = sheet.cells["t3.new.natural"].col, sheet.cells["t3.new.total"].col
    # 一 + 二 = 5 + 0, （七） + 四 = 3 + 1: off by one in 自然人 and so in 总计
    assert balance[natural] == 1.0 and balance[total] == 1.0
    assert {v for col, v in balance.items() if col not in (natural, total)} == {PASS}
    assert at(sheet.summary).startswith("勾稽关系与填写检查：有2处未通过")
    assert at(sheet.cells["t3.new.total"]) == 5.0
    assert at(sheet.cells["t3.result_total.natural"]) == 3.0


def test_stored_total_results_equal_our_arithmetic(form: Form, tmp_path: Path) -> None:
    path = tmp_path / "filled.xlsx"
    values = {key: (i % 7) for i, key in enumerate(c.key for c in form.inputs)}
    values["t2.fees.fee_amount"] = 12.3456
    _write(path, form, Fill(values=values))
    expected = complete(form, values)
    book = CalamineWorkbook.from_path(str(path))
    for sheet in layout(form):
        rows = book.get_sheet_by_name(sheet.name).to_python()
        for key, area in sheet.cells.items():
            if key in form.cells:
                assert rows[area.row][area.col] == pytest.approx(expected[key]), key


def test_same_inputs_give_the_same_bytes(form: Form, tmp_path: Path) -> None:
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    _write(first, form)
    _write(second, form)
    assert first.read_bytes() == second.read_bytes()


def test_file_names_are_safe_on_windows() -> None:
    odd = Agency(code="A/1", name='区"测试"局: 办公室?*')
    assert file_name(odd, 2025) == "A_1-区_测试_局_ 办公室__-2025年政府信息公开工作年度报告.xlsx"
    long = Agency(code="B1", name="很长" * 200)
    name = file_name(long, 2025)
    assert len(name.encode("utf-8")) <= 180
    assert name.startswith("B1-很长") and name.endswith("-2025年政府信息公开工作年度报告.xlsx")


def test_generate_writes_nothing_when_a_year_is_out_of_range(tmp_path: Path) -> None:
    from toolkit.catalogue import UsageError

    with pytest.raises(UsageError, match="2020"):
        generate([AGENCY], year=2020, out_dir=tmp_path / "out", generated_at=GENERATED_AT)
    assert not (tmp_path / "out").exists()


def _write(path: Path, form: Form, fill: Fill | None = None) -> None:
    write_workbook(
        path,
        form=form,
        identity=identity_for(form, AGENCY, 2025, "示范区", GENERATED_AT),
        deadline=None,
        contact="",
        password=PASSWORD,
        fill=fill,
    )


def test_reused_sheet_xml_equals_freshly_assembled_xml(form: Form, tmp_path: Path) -> None:
    """Content sheets are assembled once per run and reused; the bytes must not change."""
    from toolkit import generate as module

    other = identity_for(
        form, Agency(code="JD002", name="建设路街道办事处"), 2025, "示范区", GENERATED_AT
    )
    _write(tmp_path / "first.xlsx", form)  # fills the cache
    warm, cold = tmp_path / "warm.xlsx", tmp_path / "cold.xlsx"
    write_workbook(warm, form=form, identity=other, password=PASSWORD)
    module._SHEET_XML.clear()
    write_workbook(cold, form=form, identity=other, password=PASSWORD)
    assert warm.read_bytes() == cold.read_bytes()
    assert module._SHEET_XML  # the cold run filled the cache again


def test_fill_refuses_totals_and_misspelt_keys(form: Form, tmp_path: Path) -> None:
    for fill in (
        Fill(values={"t3.new.total": 5}),
        Fill(values={"t3.granted.natual": 1}),
        Fill(texts={"s9.x": "?"}),
        Fill(notes={"t3-balance": "errors cannot be explained away"}),
    ):
        with pytest.raises(ValueError, match="not input cells"):
            _write(tmp_path / "x.xlsx", form, fill)
    assert list(tmp_path.iterdir()) == []  # nothing half-written
