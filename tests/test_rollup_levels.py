"""Rollup of rollups (逐级汇总): a city sums its districts' rollups.

The samples are split into two "districts"; each is rolled up, then the two rollups are rolled up
at city level. The city's totals must equal a rollup of all the returned files at once (an
independent sum), 明细 must keep every agency with its source file and district, an agency
counted twice is refused, and a district rollup whose stored sums were changed is reported.
"""

from __future__ import annotations

import math
import re
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from toolkit.cli.cli import app
from toolkit.form.form import Form
from toolkit.form.rollup_names import DETAIL_SHEET
from toolkit.rollup.rollup import rollup

from .conftest import SAMPLES

RETURNED = sorted((SAMPLES / "returned").glob("*.xlsx"))
STAMP = datetime(2024, 2, 1, 9)


@pytest.fixture(scope="module")
def districts(tmp_path_factory: pytest.TempPathFactory, form: Form) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("levels")
    made = {}
    for name, files in (("甲区", RETURNED[:7]), ("乙区", RETURNED[7:])):
        folder = root / name
        folder.mkdir()
        for path in files:
            shutil.copy(path, folder / path.name)
        made[name] = root / f"{name}.xlsx"
        rollup([folder], out=made[name], form=form, generated_at=STAMP)
    made["all"] = root / "all.xlsx"
    rollup(RETURNED, out=made["all"], form=form, generated_at=STAMP)
    return made


def test_a_city_sums_its_districts_down_to_the_agency(
    tmp_path: Path, form: Form, districts: dict[str, Path]
) -> None:
    city = rollup(
        [districts["甲区"], districts["乙区"]],
        out=tmp_path / "市.xlsx",
        district="示范市",
        level="市",
        form=form,
        generated_at=STAMP,
    )
    whole = rollup([districts["all"]], out=tmp_path / "one.xlsx", form=form, generated_at=STAMP)
    assert len(city.included) == len(RETURNED) == len(whole.included)
    for key, value in city.totals.items():
        assert math.isclose(value, whole.totals[key], abs_tol=1e-6), key
    assert city.totals["t3.new.total"] == 257  # the sample district's known total
    book = openpyxl.load_workbook(city.out)
    assert book.sheetnames[:3] == ["全市汇总（二）", "全市汇总（三）", "全市汇总（四）"]
    detail = book[DETAIL_SHEET]
    keys = [c.value for c in detail[4]]
    assert keys[:6] == ["code", "name", "status", "file", "sha256", "district"]
    rows = list(detail.iter_rows(min_row=5, values_only=True))
    assert len(rows) == len(RETURNED)
    assert {Path(r[3]).name for r in rows} == {p.name for p in RETURNED}  # the agency's file
    assert {r[5] for r in rows} == {"示范区"}
    meta = {r[0]: r[1] for r in book["_meta"].iter_rows(max_col=2, values_only=True) if r[0]}
    assert meta["level"] == "市" and meta["agencies"] == str(len(RETURNED))


def test_an_agency_counted_twice_is_refused(
    tmp_path: Path, form: Form, districts: dict[str, Path]
) -> None:
    runner = CliRunner()
    args = ["rollup", str(districts["甲区"]), str(districts["乙区"]), str(RETURNED[0]),
            "--level", "市", "--out", str(tmp_path / "市.xlsx")]  # fmt: skip
    result = runner.invoke(app, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    assert f"计入 {len(RETURNED)} 个单位，未计入 1 份文件" in result.output
    assert "已计入下级汇总表，不重复计入" in result.output
    copy = tmp_path / "甲区副本.xlsx"  # the same district rollup sent twice
    shutil.copy(districts["甲区"], copy)
    twice = rollup(
        [districts["甲区"], copy],
        out=tmp_path / "twice.xlsx",
        level="市",
        form=form,
        generated_at=STAMP,
    )
    assert len(twice.included) == 7 and len(twice.excluded) == 7
    assert all(any(f.code == "counted-twice" for f in r.findings) for r in twice.excluded)


def test_a_district_rollup_whose_sums_do_not_hold_is_reported(
    tmp_path: Path, districts: dict[str, Path]
) -> None:
    """Someone typed over a stored total of 全区汇总（三） (the formula's result) in 甲区's rollup."""
    tampered = tmp_path / "甲区-改.xlsx"
    with zipfile.ZipFile(districts["甲区"]) as source, zipfile.ZipFile(tampered, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                text = data.decode("utf-8")
                text, count = re.subn(r"(<f>SUM\([^<]*</f><v>)(\d+)(</v>)",
                                      lambda m: f"{m[1]}{int(m[2]) + 5}{m[3]}", text, count=1)  # fmt: skip
                assert count == 1
                data = text.encode("utf-8")
            target.writestr(item, data)
    runner = CliRunner()
    args = ["rollup", str(tampered), str(districts["乙区"]), "--level", "市",
            "--out", str(tmp_path / "市.xlsx")]  # fmt: skip
    result = runner.invoke(app, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "的汇总数与其明细之和不符" in result.output
    assert "本次按明细重新计算" in result.output
    rows = _status_rows(tmp_path / "市.xlsx")
    assert len(rows) == len(RETURNED) + 1  # every agency, and a row for the tampered rollup
    (row,) = [r for r in rows if r["文件"] == str(tampered)]
    assert row["状态"] == "按明细计入（下级汇总表合计不符）" and "不符" in row["提示及单位说明"]
    assert sum(r["来源汇总表"] == str(tampered) for r in rows) == 7


def test_level_is_checked(tmp_path: Path, districts: dict[str, Path]) -> None:
    result = CliRunner().invoke(
        app, ["rollup", str(districts["甲区"]), "--level", "国", "--out", str(tmp_path / "x.xlsx")]
    )
    assert result.exit_code == 2 and "--level" in result.output


def test_the_city_draft_speaks_of_the_city(
    tmp_path: Path, form: Form, districts: dict[str, Path]
) -> None:
    from toolkit.render.render import render
    from toolkit.render.render_docx import docx_text

    city = rollup([districts["甲区"], districts["乙区"]], out=tmp_path / "市.xlsx",
                  district="示范市", level="市", form=form, generated_at=STAMP)  # fmt: skip
    (draft,) = render([city.out], out=tmp_path / "out", formats=("docx",), form=form).rendered
    assert draft.outputs[0].name == "示范市2023年政府信息公开工作年度报告（草稿）.docx"
    text = docx_text(draft.outputs[0].read_bytes())
    assert "全市各级行政机关共收到政府信息公开申请257件" in text and "全区" not in text


def test_a_district_rollup_of_another_year_is_left_out(
    tmp_path: Path, districts: dict[str, Path]
) -> None:
    result = CliRunner().invoke(
        app,
        ["rollup", str(districts["甲区"]), str(districts["乙区"]), "--year", "2024", "--level",
         "市", "--out", str(tmp_path / "市.xlsx")],
        terminal_width=200,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.count("是 2023 年度的，本次汇总 2024 年度，未计入") == 2
    assert "计入 0 个单位" in result.output
    rows = _status_rows(tmp_path / "市.xlsx")  # the city office sees them in the workbook too
    assert {r["文件"]: r["状态"] for r in rows} == {
        str(districts[name]): "未计入（下级汇总表）" for name in ("甲区", "乙区")
    }


def _status_rows(path: Path) -> list[dict[str, object]]:
    """状态's rows by column title."""
    from toolkit.core.texts import STATUS_COLUMNS

    book = openpyxl.load_workbook(path)
    rows = book["状态"].iter_rows(min_row=5, values_only=True)
    return [dict(zip(STATUS_COLUMNS, row, strict=False)) for row in rows]


@pytest.fixture(scope="module")
def city_and_province(
    tmp_path_factory: pytest.TempPathFactory, form: Form, districts: dict[str, Path]
) -> dict[str, Path]:
    """A city's rollup of the two district rollups, and a province's rollup of the city's."""
    root = tmp_path_factory.mktemp("upper")
    city, province = root / "示范市.xlsx", root / "示范省.xlsx"
    rollup([districts["甲区"], districts["乙区"]], out=city, district="示范市", level="市",
           form=form, generated_at=STAMP)  # fmt: skip
    result = rollup(
        [city], out=province, district="示范省", level="省", form=form, generated_at=STAMP
    )
    assert not result.report.batch_findings  # the city's 全市汇总 sums, read by position, hold
    return {"市": city, "省": province}


def _texts(path: Path) -> str:
    """Every word the workbook shows of its own: sheet names, shared strings, charts."""
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n == "xl/workbook.xml"
                 or n == "xl/sharedStrings.xml" or n.startswith(("xl/charts/", "xl/worksheets/"))]  # fmt: skip
        return "".join(archive.read(n).decode("utf-8") for n in names)


@pytest.mark.parametrize(("level", "whole"), [("市", "全市"), ("省", "全省")])
def test_each_level_names_itself_and_its_formulas_find_their_sheets(
    form: Form, city_and_province: dict[str, Path], level: str, whole: str
) -> None:
    path = city_and_province[level]
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:3] == [f"{whole}汇总（二）", f"{whole}汇总（三）", f"{whole}汇总（四）"]
    words = _texts(path)
    assert f"本表为{whole}汇总" in words and "全区" not in words
    referenced = set()
    for ws in book.worksheets:  # 图表's figures point at the summary sheets of this level
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    referenced |= set(re.findall(r"'?([^'=+(,!]+)'?!", cell.value))
    with zipfile.ZipFile(path) as archive:  # and the charts at 图表's figures
        for name in (n for n in archive.namelist() if n.startswith("xl/charts/chart")):
            found = re.findall(r"<c:f>'?([^'!<]+)'?!", archive.read(name).decode("utf-8"))
            referenced |= set(found)
    assert f"{whole}汇总（三）" in referenced and "图表" in referenced
    assert referenced <= set(book.sheetnames)


def test_a_province_sums_a_city_down_to_the_agency(
    form: Form, districts: dict[str, Path], city_and_province: dict[str, Path]
) -> None:
    """The province's 明细 keeps every agency with its district; 状态 names the city rollup that
    carried each agency, and the city's 状态 the district rollup."""
    from toolkit.check.previous import previous_values
    from toolkit.core.texts import STATUS_COLUMNS
    from toolkit.form.rollup_names import STATUS_SHEET

    where, district = STATUS_COLUMNS.index("来源汇总表"), STATUS_COLUMNS.index("所属地区")
    for level, carriers in (("市", {districts["甲区"], districts["乙区"]}),
                            ("省", {city_and_province["市"]})):  # fmt: skip
        book = openpyxl.load_workbook(city_and_province[level])
        rows = list(book[STATUS_SHEET].iter_rows(min_row=5, values_only=True))
        assert len(rows) == len(RETURNED)
        assert {Path(r[where]) for r in rows} == carriers
        assert {r[district] for r in rows} == {"示范区"}
        assert {Path(r[STATUS_COLUMNS.index("文件")]).name for r in rows} == {
            p.name for p in RETURNED
        }
        if level == "市":  # the agencies of 甲区's folder came in 甲区's rollup
            first = {Path(p).stem.split("-")[0] for p in RETURNED[:7]}
            assert {str(r[0]) for r in rows if Path(r[where]) == districts["甲区"]} == first
        detail = list(book[DETAIL_SHEET].iter_rows(min_row=5, values_only=True))
        assert {Path(r[3]).name for r in detail} == {p.name for p in RETURNED}
        assert {r[5] for r in detail} == {"示范区"}
    whole = rollup([districts["all"]], out=city_and_province["省"].with_name("all.xlsx"),
                   form=form, generated_at=STAMP)  # fmt: skip
    province = previous_values([city_and_province["省"]], form, "2024")  # check --previous
    assert len(province) == len(RETURNED)
    for key, value in whole.totals.items():
        if key in form.cells and not form.cells[key].is_total:
            total = math.fsum(v[key] for v in province.values())
            assert math.isclose(total, value, abs_tol=1e-6), key


def test_the_province_draft_speaks_of_the_province(
    tmp_path: Path, form: Form, city_and_province: dict[str, Path]
) -> None:
    runner = CliRunner()
    args = ["render", str(city_and_province["省"]), "--out", str(tmp_path), "--format", "html"]
    result = runner.invoke(app, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "已起草全省年度报告（汇总 13 个单位）" in result.output
    (page,) = tmp_path.glob("*.html")
    assert page.name == "示范省2023年政府信息公开工作年度报告（草稿）.html"
    text = page.read_text(encoding="utf-8")
    assert "全省各级行政机关共收到政府信息公开申请257件" in text
    assert "数字由全省汇总表生成" in text and "本报告根据全省13个单位" in text
    assert "全区" not in text
