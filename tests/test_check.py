"""`nianbao check` on what agencies really send back: valid reports, every kind of mistake, batches."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolkit.check.check import check
from toolkit.cli.cli import app
from toolkit.core.catalogue import finding_codes
from toolkit.form.findings import CheckReport
from toolkit.form.form import Form, defined_name
from toolkit.form.identity import read_key
from toolkit.inputs.roster import Agency, read_roster
from toolkit.xlsx.values import parse_number as _parse_number

from . import lo
from .conftest import FORM, ROOT, SAMPLES

RETURNED = SAMPLES / "returned"
INVALID = RETURNED / "invalid"
EXPECTED = json.loads((INVALID / "expected.json").read_text(encoding="utf-8"))
ROSTER = read_roster(SAMPLES / "roster.csv")
runner = CliRunner()


SAMPLE_KEY = read_key(SAMPLES)  # the sample office's key, beside samples/roster.csv


def _only(path: Path, **options: object) -> CheckReport:
    report = check([path], year=2023, district="示范区", key=SAMPLE_KEY, **options, form=FORM)
    assert len(report.files) == 1
    return report


def test_every_invalid_sample_has_its_expectation() -> None:
    files = {p.stem for p in INVALID.glob("*.xlsx")}
    assert files == set(EXPECTED)
    single_file_codes = set(finding_codes_for_files())
    assert single_file_codes <= files | {"carry-over", "in-force"}


def finding_codes_for_files() -> list[str]:
    """Codes one file can show on its own (cross-year rules need last year's file)."""
    from toolkit.form.form_file import standard_form

    batch_only = {
        "duplicate-agency",
        "missing-agency",
        "skipped-file",
        "agency-conflict",
        "roster-leading-zeros",
        "counted-twice",  # the rollup of rollups: findings about lower rollups
        "rollup-sums-differ",
        "rollup-unreadable",
        "rollup-wrong-year",
        "previous-unreadable",  # last year's published reports: tests/test_hostile_import.py
        "previous-unpaired",
    }
    return [c for c in finding_codes(standard_form()) if c not in batch_only]


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_invalid_sample_gives_its_code_at_its_cell(code: str) -> None:
    report = _only(INVALID / f"{code}.xlsx", roster=ROSTER)
    findings = [*report.files[0].findings, *report.batch_findings]
    sheet, cell = EXPECTED[code]["sheet"], EXPECTED[code]["cell"]
    code = code.removesuffix("-explained")
    hits = [f for f in findings if f.code == code]
    assert hits, [f.code for f in findings]
    assert any(f.sheet == sheet and f.cell == cell for f in hits), [(f.sheet, f.cell) for f in hits]
    for finding in hits:
        assert finding.message and "{" not in finding.message  # every placeholder filled


def test_explained_warning_passes_and_says_why() -> None:
    result = _only(INVALID / "rule-making-explained.xlsx").files[0]
    (finding,) = [f for f in result.findings if f.code == "rule-making"]
    assert finding.explained and "委托起草" in finding.explanation
    assert result.status == "passed"
    assert _only(INVALID / "rule-making.xlsx").files[0].status == "warnings"


@pytest.mark.parametrize(
    ("code", "status"),
    [("unreadable", "unreadable"), ("blank", "failed"), ("text-number", "warnings"),
     ("stale-result", "passed")],
)  # fmt: skip
def test_status_follows_the_worst_finding(code: str, status: str) -> None:
    assert _only(INVALID / f"{code}.xlsx").files[0].status == status


def test_valid_samples_pass_with_no_finding_at_all() -> None:
    report = check([RETURNED / "*.xlsx"], year=2023, district="示范区", roster=ROSTER, form=FORM)
    assert len(report.files) == 13
    assert [f.to_dict() for r in report.files for f in r.findings] == []
    assert report.batch_findings == ()
    assert report.exit_code == 0


@pytest.mark.parametrize("suffix", ["xlsx", "xls", "ods"])
def test_files_saved_by_libreoffice_in_every_format_pass(suffix: str) -> None:
    result = _only(RETURNED / "libreoffice" / f"QK005-libreoffice.{suffix}").files[0]
    assert result.status == "passed", [f.message for f in result.findings]
    assert result.agency_code == "QK005"


def test_values_read_equal_what_the_sample_was_filled_with(form: Form) -> None:
    result = _only(next(RETURNED.glob("QK004-*.xlsx"))).files[0]
    assert result.values["t3.new.total"] == 37
    assert result.values["t2.licensing.decisions"] == 4805
    assert result.texts["s1.request"].count("本年新收政府信息公开申请37件") == 1


def test_inputs_are_never_modified() -> None:
    files = sorted(p for p in RETURNED.rglob("*") if p.is_file())
    before = {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in files}
    check([RETURNED], roster=ROSTER, form=FORM)
    after = {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in files}
    assert after == before


def test_batch_duplicates_missing_unknown_and_skipped(tmp_path: Path) -> None:
    sources = sorted(RETURNED.glob("*.xlsx"))[:3]
    for source in sources:
        shutil.copy(source, tmp_path / source.name)
    again = tmp_path / "sub" / "再次报送.xlsx"
    again.parent.mkdir()
    shutil.copy(sources[0], again)
    os.utime(again, (2_000_000_000, 2_000_000_000))  # the newer one
    (tmp_path / "~$锁定.xlsx").write_bytes(b"lock")
    (tmp_path / ".hidden.xlsx").write_bytes(b"x")
    # The files are JD001, JD002 and QK001 (twice); the roster lacks QK001 and lists QK404.
    roster = [
        *(a for a in ROSTER if a.code in ("JD001", "JD002")),
        Agency(code="QK404", name="区不存在局"),
    ]
    report = check([tmp_path], year=2023, roster=roster, form=FORM)
    codes = sorted(f.code for f in report.batch_findings)
    assert codes == ["duplicate-agency", "missing-agency", "skipped-file", "skipped-file",
                     "unknown-agency"]  # fmt: skip
    duplicate = next(f for f in report.batch_findings if f.code == "duplicate-agency")
    assert duplicate.expected == str(again)
    superseded = [r for r in report.files if r.superseded]
    assert [Path(r.path).name for r in superseded] == [sources[0].name]
    missing = next(f for f in report.batch_findings if f.code == "missing-agency")
    assert missing.agency_code == "QK404"


def test_year_is_inferred_from_the_batch_when_not_given() -> None:
    report = check([RETURNED / "*.xlsx", INVALID / "wrong-year.xlsx"], form=FORM)
    assert report.year == "2023"
    odd = next(r for r in report.files if r.path.endswith("wrong-year.xlsx"))
    assert [f.code for f in odd.findings] == ["wrong-year"]


def test_carry_over_and_in_force_against_last_years_file(form: Form, tmp_path: Path) -> None:
    """Last year's 四、结转下年度 must equal this year's 二、上年结转, column by column, and this
    year's 现行有效件数 follow from last year's."""
    this_year = _only(next(RETURNED.glob("QK002-*.xlsx"))).files[0]
    now = this_year.values
    assert now["t3.carried_in.total"] > 0
    columns = [c.key for c in form.tables["t3"].columns if c.key != "total"]
    last = {f"t3.carried_out.{c}": now[f"t3.carried_in.{c}"] for c in columns}
    last |= {f"t3.new.{c}": now[f"t3.carried_in.{c}"] for c in columns}  # keeps 2022 balanced
    for row in ("regulations", "normative"):
        issued, repealed = now[f"t2.{row}.issued"], now[f"t2.{row}.repealed"]
        last[f"t2.{row}.in_force"] = now[f"t2.{row}.in_force"] - issued + repealed
    previous = tmp_path / "2022" / "QK002.xlsx"
    previous.parent.mkdir()
    _write_2022(form, previous, last, this_year.texts)
    report = check([this_year.path], year=2023, previous=[previous], form=FORM)
    assert [f.code for f in report.files[0].findings] == []

    last["t3.carried_out.natural"] += 1
    last["t3.new.natural"] += 1
    last["t2.normative.in_force"] += 2
    _write_2022(form, previous, last, this_year.texts)
    report = check([this_year.path], year=2023, previous=[previous.parent], form=FORM)
    found = [(f.code, f.row_label if f.code == "in-force" else f.column_label, f.actual,
              f.expected) for f in report.files[0].findings]  # fmt: skip
    natural, total = now["t3.carried_in.natural"], now["t3.carried_in.total"]
    assert found == [
        (
            "in-force",
            "行政规范性文件",
            now["t2.normative.in_force"],
            now["t2.normative.in_force"] + 2,
        ),
        ("carry-over", "自然人", natural, natural + 1),
        ("carry-over", "总计", total, total + 1),
    ]
    assert all(f.severity == "warning" for f in report.files[0].findings)


def _write_2022(form: Form, path: Path, values: dict[str, float], texts: dict[str, str]) -> None:
    from datetime import datetime

    from toolkit.form.contract import identity_for
    from toolkit.form.fill import Fill
    from toolkit.template.workbook import write_workbook

    agency = Agency(code="QK002", name="区教育局")
    write_workbook(
        path,
        form=form,
        identity=identity_for(form, agency, 2022, "示范区", datetime(2022, 12, 1)),
        password="x",
        fill=Fill(values=values, texts=texts),
    )


@pytest.mark.parametrize(
    ("text", "number", "what"),
    [
        ("１２", 12, "含全角字符"),
        ("1,234", 1234, "含千位分隔符"),
        (" 5 ", 5, "以文本形式保存"),
        ("3件", 3, "带单位“件”"),
        ("12.5", 12.5, "以文本形式保存"),
        ("１，２３４件", 1234, "含全角字符，带单位“件”，含千位分隔符"),
        ("若干", None, ""),
        ("1.2.3", None, ""),
    ],
)
def test_numbers_typed_as_text(text: str, number: float | None, what: str) -> None:
    value, said = _parse_number(text.strip())
    assert value == number
    if number is not None:
        assert what in said


def test_cli_exit_codes_and_json_equal_the_api(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = runner.invoke(app, ["check", str(INVALID / "blank.xlsx"), "--year", "2023",
                                 "--json", str(out)], terminal_width=120)  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "为空" in result.output and "有错误" in result.output
    api = check([INVALID / "blank.xlsx"], year=2023, form=FORM).to_dict()
    assert json.loads(out.read_text(encoding="utf-8")) == api
    result = runner.invoke(app, ["check", str(RETURNED / "*.xlsx"), "--roster",
                                 str(SAMPLES / "roster.csv"), "--quiet"], terminal_width=120)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "13个单位全部通过" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere/*.xlsx"], "没有找到任何工作簿"),
        (["missing-folder"], "找不到"),
        ([str(ROOT / "templates")], "没有找到任何工作簿"),
    ],
)
def test_cli_cannot_run_exits_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["check", *args], terminal_width=120)
    assert result.exit_code == 2
    assert message in result.output


def test_cli_refuses_to_write_json_over_an_input(tmp_path: Path) -> None:
    target = tmp_path / "a.xlsx"
    shutil.copy(INVALID / "blank.xlsx", target)
    before = target.read_bytes()
    result = runner.invoke(app, ["check", str(target), "--json", str(target)])
    assert result.exit_code == 2 and "不能被覆盖" in result.output
    assert target.read_bytes() == before


def test_readme_lists_every_finding_code(form: Form) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [code for code in finding_codes(form) if f"`{code}`" not in readme]
    assert missing == []


@pytest.mark.libreoffice
def test_clerk_types_placeholders_in_libreoffice(template: Path, tmp_path: Path) -> None:
    """Filled in a real spreadsheet program: '-' and an emptied cell are caught at their cells."""
    filled = tmp_path / "filled.xlsx"
    lo.fill(template, filled, {defined_name("t3.new.natural"): "-",
                               defined_name("t3.granted.business"): "",
                               defined_name("t2.licensing.decisions"): 12})  # fmt: skip
    result = check([filled], year=2025, form=FORM).files[0]
    found = {
        (f.code, f.row_label, f.column_label) for f in result.findings if f.severity == "error"
    }
    assert ("placeholder", "一、本年新收政府信息公开申请数量", "自然人") in found
    assert ("blank", "（一）予以公开", "商业企业") in found
    assert result.values["t2.licensing.decisions"] == 12


@pytest.mark.parametrize(
    ("cells", "first", "count"),
    [
        ({"K7": "备注"}, "K7", 1),  # the narrow gap before the status column, inside the table
        ({"A41": "附：说明"}, "A41", 1),  # below the table
        ({"N3": 5, "A40": "x", "K9": "y"}, "N3", 3),  # the first in reading order, and all counted
    ],
)
def test_content_typed_off_the_template_is_reported(
    tmp_path: Path, cells: dict[str, object], first: str, count: int
) -> None:
    """A clerk's note typed where the template has nothing (between its columns, below or beside
    its tables) is an extra-content warning at the first such cell, with all of them counted."""
    import openpyxl

    source = next(RETURNED.glob("QK005-*.xlsx"))
    book = openpyxl.load_workbook(source)
    sheet = book["三、依申请公开"]
    for ref, value in cells.items():
        sheet[ref] = value
    path = tmp_path / source.name
    book.save(path)
    findings = _only(path).files[0].findings
    (extra,) = [f for f in findings if f.code == "extra-content"]
    assert (extra.sheet, extra.cell, extra.actual) == ("三、依申请公开", first, count)


def test_a_file_checked_among_others_gets_the_findings_it_gets_alone() -> None:
    """The batch is validated as one frame, and a column that passes in every file is left out of
    the pandera call: a failure in one file must still be found whatever the others hold."""
    files = sorted(INVALID.glob("*.xlsx")) + sorted(RETURNED.glob("*.xlsx"))
    together = check(files, year=2023, district="示范区", key=SAMPLE_KEY, roster=ROSTER, form=FORM)

    def seen(findings: object) -> set[tuple[str, str, str, str]]:
        return {(f.code, f.sheet, f.cell, f.message) for f in findings}  # type: ignore[attr-defined]

    by_path = {Path(r.path).name: r for r in together.files if not r.superseded}
    compared = 0
    for path in files:
        if path.name not in by_path:
            continue  # a duplicate of another sample's agency: the batch chose the other file
        among = by_path[path.name].findings
        report = _only(path, roster=ROSTER)
        assert seen(among) == seen(report.files[0].findings), path.name
        batch_codes = {f.code for f in report.batch_findings}
        if path.stem in EXPECTED and path.stem not in batch_codes:  # its own finding, in place
            code = path.stem.removesuffix("-explained")
            where = (EXPECTED[path.stem]["sheet"], EXPECTED[path.stem]["cell"])
            assert any(f.code == code and (f.sheet, f.cell) == where for f in among), path.name
        compared += 1
    assert compared >= 30
