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

from toolkit.form.contract import INSTRUCTIONS_SHEET, META_SHEET, file_name, identity_for
from toolkit.form.fill import Fill
from toolkit.form.form import Form, complete, defined_name
from toolkit.form.formulas import PASS
from toolkit.form.layout import a1, layout
from toolkit.inputs.roster import Agency
from toolkit.template.generate import GenerateResult, generate
from toolkit.template.workbook import write_workbook

from .conftest import FORM, GENERATED_AT, PASSWORD, validations_by_cell

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
    assert (
        file_name(FORM, odd, 2025) == "A_1-区_测试_局_ 办公室__-2025年政府信息公开工作年度报告.xlsx"
    )
    long = Agency(code="B1", name="很长" * 200)
    name = file_name(FORM, long, 2025)
    assert len(name.encode("utf-8")) <= 180
    assert name.startswith("B1-很长") and name.endswith("-2025年政府信息公开工作年度报告.xlsx")


def test_generate_writes_nothing_when_a_year_is_out_of_range(tmp_path: Path) -> None:
    from toolkit.core.catalogue import UsageError

    with pytest.raises(UsageError, match="2020"):
        generate(
            [AGENCY], year=2020, out_dir=tmp_path / "out", generated_at=GENERATED_AT, form=FORM
        )
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


# ------------------------------------------------------------------------------------------------
# A template folder is added to, never overwritten (a late agency, a second run).
# ------------------------------------------------------------------------------------------------

FIRST = (
    Agency(code="QK001", name="区发展和改革委员会", email="f@b.cn", line=2),
    Agency(code="QK002", name="区教育局", email="j@b.cn", line=3),
)
LATE = Agency(code="QK014", name="区新设局", note="没有电子邮箱，请另行发送模板")


def _manifest(folder: Path) -> list[dict[str, str]]:
    with (folder / "manifest.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_late_agency_is_added_and_everything_else_kept(tmp_path: Path) -> None:
    generate(FIRST, year=2025, out_dir=tmp_path, generated_at=GENERATED_AT, form=FORM)
    before = _snapshot(tmp_path)
    password = (tmp_path / "password.txt").read_text(encoding="utf-8").splitlines()[0]
    late = generate(
        [LATE], year=2025, out_dir=tmp_path, generated_at=datetime(2026, 1, 5), form=FORM
    )
    after = _snapshot(tmp_path)
    for name, data in before.items():
        if name != "manifest.csv":
            assert after[name] == data, f"{name} was changed"
    assert [p.name for p in late.files] == [file_name(FORM, LATE, 2025)]
    assert late.password_reused and not late.password_generated
    rows = _manifest(tmp_path)
    assert [r["单位代码"] for r in rows] == ["QK001", "QK002", "QK014"]
    assert rows[:2] == _manifest_rows(before["manifest.csv"])
    assert rows[2]["备注"] == "没有电子邮箱，请另行发送模板"
    assert late.notes == ("QK014 区新设局：没有电子邮箱，请另行发送模板",)
    # the late template is protected with the folder's password, not a new one
    new = openpyxl.load_workbook(late.files[0])
    assert new[INSTRUCTIONS_SHEET].protection.sheet
    old = openpyxl.load_workbook(tmp_path / file_name(FORM, FIRST[0], 2025))
    assert (
        new[INSTRUCTIONS_SHEET].protection.password == old[INSTRUCTIONS_SHEET].protection.password
    )
    assert password  # kept on the first line of password.txt


def _manifest_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(data.decode("utf-8-sig").splitlines()))


def test_a_different_password_is_refused_and_nothing_written(tmp_path: Path) -> None:
    from toolkit.core.catalogue import UsageError

    generate(
        FIRST,
        year=2025,
        out_dir=tmp_path,
        password="first-pw",
        generated_at=GENERATED_AT,
        form=FORM,
    )
    before = _snapshot(tmp_path)
    with pytest.raises(UsageError, match=r"password\.txt") as error:
        generate(
            [LATE],
            year=2025,
            out_dir=tmp_path,
            password="other",
            generated_at=GENERATED_AT,
            form=FORM,
        )
    assert error.value.code == "password-mismatch"
    assert _snapshot(tmp_path) == before
    same = generate(
        [LATE],
        year=2025,
        out_dir=tmp_path,
        password="first-pw",
        generated_at=GENERATED_AT,
        form=FORM,
    )
    assert len(same.files) == 1


def test_existing_templates_are_kept_unless_forced(tmp_path: Path) -> None:
    generate(FIRST, year=2025, out_dir=tmp_path, generated_at=GENERATED_AT, form=FORM)
    before = _snapshot(tmp_path)
    again = generate(
        FIRST, year=2025, out_dir=tmp_path, generated_at=datetime(2026, 1, 5), form=FORM
    )
    assert again.files == () and len(again.kept) == 2
    assert _snapshot(tmp_path) == before
    forced = generate(
        FIRST[:1],
        year=2025,
        out_dir=tmp_path,
        generated_at=datetime(2026, 1, 5),
        force=True,
        form=FORM,
    )
    target = tmp_path / file_name(FORM, FIRST[0], 2025)
    assert forced.files == (target,)
    assert target.read_bytes() != before[target.name]
    rows = _manifest(tmp_path)
    assert [r["单位代码"] for r in rows] == ["QK001", "QK002"]
    assert rows[0]["sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()


def test_an_english_manifest_is_read_and_rewritten_in_chinese(tmp_path: Path) -> None:
    (tmp_path / "manifest.csv").write_text(
        "code,name,contact,email,file,sha256\r\nQK001,区发展和改革委员会,王磊,f@b.cn,a.xlsx,00\r\n",
        encoding="utf-8-sig",
    )
    generate([LATE], year=2025, out_dir=tmp_path, generated_at=GENERATED_AT, form=FORM)
    rows = _manifest(tmp_path)
    assert rows[0] == {
        "单位代码": "QK001", "单位名称": "区发展和改革委员会", "联系人": "王磊",
        "电子邮箱": "f@b.cn", "文件": "a.xlsx", "sha256": "00", "备注": "",
    }  # fmt: skip
    assert rows[1]["单位代码"] == "QK014"


def test_manifest_values_cannot_become_formulas(tmp_path: Path) -> None:
    hostile = Agency(code="QK020", name='=HYPERLINK("http://x","点我")', contact="+1", email="@x")
    generate([hostile], year=2025, out_dir=tmp_path, generated_at=GENERATED_AT, form=FORM)
    text = (tmp_path / "manifest.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and ",'+1,'@x," in text
    from toolkit.inputs.manifest import read_manifest

    (row,) = read_manifest(tmp_path / "manifest.csv")
    assert row.name == hostile.name and row.contact == "+1"  # read back as written


def test_colliding_file_names_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    from toolkit.core.catalogue import UsageError

    clash = (
        Agency(code="A/1", name="甲局", line=2),
        Agency(code="A_1", name="甲局", line=5),
        Agency(code="B1", name="乙局", line=6),
    )
    with pytest.raises(UsageError) as error:
        generate(clash, year=2025, out_dir=tmp_path / "out", generated_at=GENERATED_AT, form=FORM)
    assert error.value.code == "file-name-collision"
    assert "第2行 A/1（甲局）、第5行 A_1（甲局）" in str(error.value)
    assert "B1" not in str(error.value)
    assert not (tmp_path / "out").exists()


def test_a_sixty_character_name_gives_a_name_capped_in_bytes(tmp_path: Path) -> None:
    agency = Agency(code="QK050", name="区" + "政务服务和大数据管理" * 6 + "局")
    result = generate([agency], year=2025, out_dir=tmp_path, generated_at=GENERATED_AT, form=FORM)
    (path,) = result.files
    assert len(agency.name) == 62
    assert len(path.name.encode("utf-8")) <= 180 and path.is_file()
    assert path.name.startswith("QK050-区政务服务")
    assert path.name.endswith("-2025年政府信息公开工作年度报告.xlsx")


def test_a_failing_write_leaves_no_staging_folder_and_no_new_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from toolkit.core.catalogue import UsageError
    from toolkit.template import generate as module

    generate(FIRST[:1], year=2025, out_dir=tmp_path, generated_at=GENERATED_AT, form=FORM)
    before = _snapshot(tmp_path)
    written = []
    real = module.write_workbook

    def disk_fills_up(path: Path, **kwargs: object) -> None:
        if written:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, **kwargs)
        written.append(path)

    monkeypatch.setattr(module, "write_workbook", disk_fills_up)
    with pytest.raises(UsageError) as error:
        generate(
            [FIRST[1], LATE, Agency(code="QK015", name="丙")],
            year=2025,
            out_dir=tmp_path,
            generated_at=GENERATED_AT,
            form=FORM,
        )
    assert error.value.code == "out-not-writable" and "磁盘空间不足" in str(error.value)
    assert written  # one template was made in the staging folder before the disk filled up
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(before)
    assert _snapshot(tmp_path) == before


def test_interrupted_generate_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from toolkit.template import generate as module

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(module, "write_workbook", interrupted)
    with pytest.raises(KeyboardInterrupt):
        generate(FIRST, year=2025, out_dir=tmp_path / "out", generated_at=GENERATED_AT, form=FORM)
    assert list((tmp_path / "out").iterdir()) == []


def test_outputs_follow_the_umask(tmp_path: Path) -> None:
    import os
    import stat

    old = os.umask(0o022)
    try:
        result = generate(
            FIRST[:1], year=2025, out_dir=tmp_path, generated_at=GENERATED_AT, form=FORM
        )
    finally:
        os.umask(old)
    for path in (*result.files, result.manifest, result.password_file, result.key_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path.name


def test_text_from_the_roster_is_never_a_formula(tmp_path: Path) -> None:
    hostile = Agency(code="QK021", name='=HYPERLINK("http://x","点我")')
    result = generate(
        [hostile], year=2025, out_dir=tmp_path, district="=1+1", contact="@SUM(1)",
        generated_at=GENERATED_AT, form=FORM,
    )  # fmt: skip
    with zipfile.ZipFile(result.files[0]) as archive:
        for name in archive.namelist():
            if "worksheets/sheet" in name:
                xml = archive.read(name).decode("utf-8")
                assert "HYPERLINK" not in xml and "1+1" not in xml and "SUM(1)" not in xml
    book = openpyxl.load_workbook(result.files[0])
    values = [c.value for row in book[INSTRUCTIONS_SHEET].iter_rows() for c in row if c.value]
    assert any('=HYPERLINK("http://x","点我")' in str(v) for v in values)


def test_a_worker_that_fails_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large roster is written by worker processes; one failing write (disk full) there still
    ends in one Chinese message and an untouched folder."""
    import errno

    from toolkit.core.catalogue import UsageError
    from toolkit.template import generate as module

    real = module.write_workbook

    def full_on_the_last(path: Path, **kwargs: object) -> None:
        if "Z39" in path.name:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, **kwargs)

    monkeypatch.setattr(module, "write_workbook", full_on_the_last)
    monkeypatch.setattr(module, "PARALLEL_MIN_PER_WORKER", 10)
    monkeypatch.setattr(module.os, "cpu_count", lambda: 2)
    many = [Agency(code=f"Z{i:02d}", name="单位") for i in range(40)]
    with pytest.raises(UsageError, match="磁盘空间不足"):
        generate(many, year=2025, out_dir=tmp_path, generated_at=GENERATED_AT, form=FORM)
    assert list(tmp_path.iterdir()) == []
