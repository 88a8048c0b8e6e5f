"""The district rollup: sums traceable to every agency, the collection status, charts, and a
workbook that LibreOffice recalculates to the same totals."""

from __future__ import annotations

import csv
import math
import shutil
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from toolkit.check.check import check
from toolkit.check.previous import read_details
from toolkit.cli.cli import app
from toolkit.form.form import Form
from toolkit.form.formulas import PASS
from toolkit.form.layout import layout
from toolkit.form.rollup_names import DETAIL_SHEET
from toolkit.inputs.roster import read_roster
from toolkit.rollup.rollup import rollup

from . import lo
from .conftest import SAMPLES as _SAMPLES

sys.path.insert(0, str(_SAMPLES))
import build_invalid

from .conftest import FORM, SAMPLES

RETURNED = SAMPLES / "returned"
ROSTER = read_roster(SAMPLES / "roster.csv")
STAMP = datetime(2024, 2, 1, 9, 0, 0)


def _independent_sums(form: Form, files: list[Path]) -> dict[str, float]:
    """Read every input straight from the files at its layout cell; totals summed the same way."""
    sums = dict.fromkeys(form.cells, 0.0)
    for path in files:
        book = CalamineWorkbook.from_path(str(path))
        for sheet in layout(form):
            rows = book.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False)
            for key, area in sheet.cells.items():
                if key in form.cells:
                    sums[key] += float(rows[area.row][area.col])
    return sums


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("rollup")
    result = rollup(
        [RETURNED / "*.xlsx"], out=out / "汇总.xlsx", roster=ROSTER, year=2023,
        district="示范区", csv_path=out / "long.csv", generated_at=STAMP, form=FORM,
    )  # fmt: skip
    return {"result": result, "out": out}


def _summary_values(form: Form, path: Path) -> tuple[dict[str, float], list[object]]:
    """The numbers and status cells of the 全区汇总 sheets, as stored in the file."""
    book = CalamineWorkbook.from_path(str(path))
    values, statuses = {}, []
    for sheet in layout(form):
        if sheet.section not in ("s2", "s3", "s4"):
            continue
        name = next(n for n in book.sheet_names if n.startswith("全区汇总") and sheet.name[0] in n)
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        values |= {k: rows[a.row][a.col] for k, a in sheet.cells.items()}
        statuses += [rows[s.area.row][s.area.col] for s in sheet.statuses]
    return values, statuses


def test_sums_equal_an_independent_computation(form: Form, made: dict) -> None:
    files = sorted(RETURNED.glob("*.xlsx"))
    expected = _independent_sums(form, files)
    result = made["result"]
    assert len(result.included) == 13 and result.excluded == () and result.missing == ()
    assert result.totals == pytest.approx(expected)
    stored, _ = _summary_values(form, result.out)
    assert stored == pytest.approx(expected)
    assert expected["t3.new.total"] == 257


def test_every_number_is_a_formula_over_the_detail_sheet(form: Form, made: dict) -> None:
    book = openpyxl.load_workbook(made["result"].out)
    t3 = book["全区汇总（三）"]
    area = next(s for s in layout(form) if s.section == "s3").cells["t3.new.natural"]
    formula = t3[area.ref].value
    assert formula.startswith(f"=SUM({DETAIL_SHEET}!$") and formula.endswith("$17)")
    detail = book[DETAIL_SHEET]
    column = formula.split("!$")[1].split("$")[0]
    assert detail[f"{column}4"].value == "t3.new.natural"
    assert [detail[f"A{r}"].value for r in range(5, 18)] == [a.code for a in ROSTER]


def test_rollup_satisfies_every_rule(form: Form, made: dict) -> None:
    _, statuses = _summary_values(form, made["result"].out)
    assert set(statuses) <= {PASS, "—"} and statuses.count(PASS) > 40


def test_status_and_meta_sheets(made: dict) -> None:
    book = openpyxl.load_workbook(made["result"].out)
    assert book.sheetnames == ["全区汇总（二）", "全区汇总（三）", "全区汇总（四）", "明细", "状态",
                               "已说明的提示", "图表", "_meta"]  # fmt: skip
    rows = list(book["状态"].iter_rows(min_row=5, values_only=True))
    assert [r[0] for r in rows] == [a.code for a in ROSTER]
    assert {r[2] for r in rows} == {"通过"}
    meta = {r[0]: r[1] for r in book["_meta"].iter_rows(max_col=2, values_only=True) if r[0]}
    assert meta["kind"] == "rollup" and meta["year"] == "2023" and meta["agencies"] == "13"
    assert meta["generated_at"] == "2024-02-01T09:00:00"


def test_native_charts_exist(form: Form, made: dict) -> None:
    with zipfile.ZipFile(made["result"].out) as archive:
        charts = sorted(n for n in archive.namelist() if n.startswith("xl/charts/chart"))
        assert len(charts) == len(form.charts) == 5
        titles = "".join(archive.read(n).decode() for n in charts)
    for chart in form.charts:
        assert chart.title in titles
    assert "<c:pieChart>" in titles and "<c:barChart>" in titles


def test_long_csv(form: Form, made: dict) -> None:
    with (made["out"] / "long.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 13 * len(form.cells)
    assert list(rows[0]) == ["agency_code", "agency_name", "year", "table", "row_key", "col_key",
                             "row_label", "col_label", "value"]  # fmt: skip
    new = sum(float(r["value"]) for r in rows if (r["row_key"], r["col_key"]) == ("new", "total"))
    assert new == 257


def test_same_inputs_give_the_same_bytes(made: dict, tmp_path: Path) -> None:
    again = rollup([RETURNED / "*.xlsx"], out=tmp_path / "again.xlsx", roster=ROSTER, year=2023,
                   district="示范区", generated_at=STAMP, form=FORM)  # fmt: skip
    assert again.out.read_bytes() == made["result"].out.read_bytes()


def test_files_with_errors_are_excluded_or_flagged(form: Form, tmp_path: Path) -> None:
    returned = tmp_path / "returned"
    returned.mkdir()
    for path in RETURNED.glob("*.xlsx"):
        if not path.name.startswith("QK005"):
            shutil.copy(path, returned / path.name)
    # QK005's own report with 四、结转下年度 raised by one: t3-balance fails in two columns
    base = next(RETURNED.glob("QK005-*.xlsx")).read_bytes()
    _, ref, part = build_invalid._where(form, "t3.carried_out.natural")
    (returned / "QK005.xlsx").write_bytes(build_invalid._set_cell(base, part, ref, "<v>99</v>"))
    others = _independent_sums(
        form, sorted(p for p in returned.glob("*.xlsx") if p.name != "QK005.xlsx")
    )
    result = rollup([returned], out=tmp_path / "a.xlsx", roster=ROSTER, year=2023,
                    generated_at=STAMP, form=FORM)  # fmt: skip
    assert [Path(r.path).name for r in result.excluded] == ["QK005.xlsx"]
    assert result.totals == pytest.approx(others)  # the excluded file contributes nothing
    assert result.exit_code(strict=True) == 1 and result.exit_code(strict=False) == 0
    status = {r[0]: r[2] for r in openpyxl.load_workbook(result.out)["状态"].iter_rows(
        min_row=5, values_only=True)}  # fmt: skip
    assert status["QK005"] == "未计入（2处错误）"

    flagged = rollup([returned], out=tmp_path / "b.xlsx", roster=ROSTER, year=2023,
                     include_errors=True, generated_at=STAMP, form=FORM)  # fmt: skip
    qk005 = check([returned / "QK005.xlsx"], year=2023, form=FORM).files[0].values
    assert (
        flagged.totals["t3.carried_out.natural"]
        == others["t3.carried_out.natural"] + qk005["t3.carried_out.natural"]
    )
    detail = openpyxl.load_workbook(flagged.out)[DETAIL_SHEET]
    marks = {detail[f"A{r}"].value: detail[f"C{r}"].value for r in range(5, 18)}
    assert marks["QK005"] == "含错误计入"


def test_cli_lists_missing_and_strict_exit(tmp_path: Path) -> None:
    returned = tmp_path / "returned"
    returned.mkdir()
    for path in sorted(RETURNED.glob("*.xlsx"))[:5]:
        shutil.copy(path, returned / path.name)
    args = ["rollup", str(returned), "--roster", str(SAMPLES / "roster.csv"), "--year", "2023",
            "--out", str(tmp_path / "out.xlsx")]  # fmt: skip
    result = CliRunner().invoke(app, args, terminal_width=120)
    assert result.exit_code == 0, result.output
    assert "计入 5 个单位" in result.output and "未报送 8 个单位" in result.output
    assert "未报送：侯寨乡人民政府（XZ001）" in result.output
    assert CliRunner().invoke(app, [*args, "--strict"]).exit_code == 1
    bad = CliRunner().invoke(app, ["rollup", str(returned), "--out", str(returned / sorted(
        p.name for p in returned.iterdir())[0])])  # fmt: skip
    assert bad.exit_code == 2 and "不能被覆盖" in bad.output


def test_check_previous_accepts_the_rollup(form: Form, made: dict) -> None:
    """Last year's rollup serves as last year's data: its 明细 row per agency."""
    details = read_details(made["result"].out, form)
    assert set(details) == {a.code for a in ROSTER}
    report = check([RETURNED / "*.xlsx"], year=2023, previous=[made["result"].out], form=FORM)
    carry = [f for r in report.files for f in r.findings if f.code == "carry-over"]
    expected = []
    for result in report.files:
        for column in [c.key for c in form.tables["t3"].columns]:
            now = result.values[f"t3.carried_in.{column}"]
            before = details[result.agency_code][f"t3.carried_out.{column}"]
            if not math.isclose(now, before):
                expected.append((result.agency_code, column))
    assert expected  # the samples' own carry-overs differ from their carried-out figures
    assert sorted((f.agency_code, f.cell) for f in carry) == sorted(
        (code, next(s for s in layout(form) if s.section == "s3").cells[f"t3.carried_in.{c}"].ref)
        for code, c in expected
    )


@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_same_totals(form: Form, made: dict, tmp_path: Path) -> None:
    (converted,) = lo.convert([made["result"].out], tmp_path, "xlsx")
    ours, _ = _summary_values(form, made["result"].out)
    theirs, statuses = _summary_values(form, converted)
    assert theirs == pytest.approx(ours)
    assert set(statuses) <= {PASS, "—"}


def test_explained_warnings_travel_up_to_the_rollup(tmp_path: Path) -> None:
    """An agency's explanation of a soft rule is shown in 状态 and listed for the office."""
    explained = SAMPLES / "returned" / "invalid" / "rule-making-explained.xlsx"
    out = tmp_path / "rollup.xlsx"
    result = rollup(
        [explained], out=out, year=2023, generated_at=datetime(2024, 2, 1, 9), form=FORM
    )
    assert [r.path for r in result.included] == [str(explained)]
    book = CalamineWorkbook.from_path(str(out))
    status = book.get_sheet_by_name("状态").to_python()
    (row,) = [r for r in status[4:] if r[1] == result.included[0].agency_name]
    assert row[2] == "通过（有提示）"
    assert "rule-making" in row[5] and "委托起草" in row[5]
    listed = book.get_sheet_by_name("已说明的提示").to_python()
    (entry,) = [r for r in listed[3:] if r[1] == result.included[0].agency_name]
    assert entry[2] == "rule-making" and "规章" in entry[3] and "委托起草" in entry[5]


def test_summary_two_merges_single_values_and_has_no_empty_note_column(
    form: Form, made: dict
) -> None:
    """全区汇总（二） lays out the single-value rows (行政许可, 处罚, 强制, 收费) as the template does:
    the cell spans the table; and it has no 说明 column, since nothing is written into it."""
    book = openpyxl.load_workbook(made["result"].out)
    ws = book["全区汇总（二）"]
    sheet = next(s for s in layout(form) if s.section == "s2")
    merged = {str(r) for r in ws.merged_cells.ranges}
    spanning = [a for a in sheet.cells.values() if a.merged]
    assert spanning
    for area in spanning:
        first = openpyxl.utils.get_column_letter(area.col + 1) + str(area.row + 1)
        last = openpyxl.utils.get_column_letter(area.last_col + 1) + str(area.last_row + 1)
        assert f"{first}:{last}" in merged
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(t.startswith("说明") for t in texts)


def test_status_columns_fit_and_each_chart_starts_a_page(form: Form, made: dict) -> None:
    book = openpyxl.load_workbook(made["result"].out)
    status = book["状态"]
    longest = max(len(str(c.value or "")) for c in status["C"][4:]) * 2  # CJK: two units each
    assert status.column_dimensions["C"].width >= min(longest, 34)
    assert status.page_setup.orientation == "landscape" and status.print_title_rows
    charts = book["图表"]
    assert len(charts.row_breaks.brk) == len(form.charts) - 1
    assert charts.page_setup.paperSize == 9
