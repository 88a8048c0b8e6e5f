"""Feedback the office emails back: the findings workbook and annotated copies that, once
corrected where they are highlighted, pass the check."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from toolkit.check.check import check
from toolkit.cli.cli import app
from toolkit.form.contract import META_SHEET, REVIEW_SHEET
from toolkit.form.form import Form
from toolkit.results.feedback import write_feedback
from toolkit.results.report import write_findings_workbook

from . import lo
from .conftest import FORM, SAMPLES

INVALID = SAMPLES / "returned" / "invalid"
VALID_QK005 = next((SAMPLES / "returned").glob("QK005-*.xlsx"))


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Feedback for a return with "-" typed into a number cell."""
    report = check([INVALID / "placeholder.xlsx"], year=2023, form=FORM)
    out = tmp_path_factory.mktemp("feedback")
    files, generated = write_feedback(
        report, out, password="demo-2023", deadline=date(2024, 1, 20),
        contact="张敏 0371-12345678", today=date(2024, 1, 16), form=FORM,
    )  # fmt: skip
    return {"report": report, "files": files, "out": out, "generated": generated}


def test_copy_has_comments_on_the_problem_cells(made: dict) -> None:
    (copy,) = made["files"]
    assert made["generated"] is None
    book = openpyxl.load_workbook(copy.workbook)
    assert book.sheetnames[0] == REVIEW_SHEET and book.active.title == REVIEW_SHEET
    (result,) = made["report"].files
    errors = [f for f in result.findings if f.severity == "error"]
    assert [f.code for f in errors] == ["placeholder"]
    for finding in errors:
        cell = book[finding.sheet][finding.cell]
        assert cell.comment is not None and finding.message in cell.comment.text
        assert cell.value == "-"  # what the agency typed, shown where it is to be corrected
        assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    review = [row for row in book[REVIEW_SHEET].iter_rows(min_row=5, values_only=True)]
    assert [(r[1], r[2], r[3]) for r in review] == [("错误", errors[0].sheet, errors[0].cell)]


def test_copy_keeps_the_issued_identity_and_protection(made: dict) -> None:
    (copy,) = made["files"]
    original = openpyxl.load_workbook(INVALID / "placeholder.xlsx")
    book = openpyxl.load_workbook(copy.workbook)
    meta = {r[0].value: r[1].value for r in book[META_SHEET].iter_rows(max_col=2)}
    before = {r[0].value: r[1].value for r in original[META_SHEET].iter_rows(max_col=2)}
    assert meta["template_id"] == before["template_id"]
    assert meta["agency_code"] == before["agency_code"] and meta["year"] == "2023"
    assert meta["token"] == before["token"]  # the corrected copy is verified like the original
    assert all(ws.protection.sheet for ws in book.worksheets)
    assert book[META_SHEET].sheet_state == "veryHidden"


def test_email_text_says_what_is_wrong_and_by_when(made: dict) -> None:
    (copy,) = made["files"]
    text = copy.email.read_text(encoding="utf-8")
    assert copy.email.name == f"{copy.agency_code}.txt"
    assert text.startswith("演示单位")  # the sample's own (demonstration) agency
    assert "有1处错误须更正" in text and "2024年1月20日前报回" in text
    assert copy.workbook.name in text and "张敏 0371-12345678" in text
    assert b"\r\n" in copy.email.read_bytes()  # Notepad on Windows shows the lines


@pytest.mark.libreoffice
def test_corrected_copy_passes_and_keeps_protection_in_libreoffice(
    made: dict, tmp_path: Path
) -> None:
    """The clerk fixes the red cell in LibreOffice and sends the copy straight back."""
    (copy,) = made["files"]
    (result,) = made["report"].files
    (finding,) = [f for f in result.findings if f.severity == "error"]
    correct = check([VALID_QK005], year=2023, form=FORM).files[0].values
    key = next(k for k, v in result.raw.items() if v == "-")
    fixed = tmp_path / "fixed.xlsx"
    lo.fill(copy.workbook, fixed, {f"{finding.sheet}!{finding.cell}": correct[key]})
    again = check([fixed], year=2023, form=FORM).files[0]
    assert [f.code for f in again.findings if f.severity != "info"] == []
    assert again.status == "passed"
    assert again.values == correct
    book = openpyxl.load_workbook(fixed)
    assert all(ws.protection.sheet for ws in book.worksheets if ws.title != META_SHEET)


def test_findings_workbook(form: Form, made: dict, tmp_path: Path) -> None:
    report = check(sorted(INVALID.glob("*.xlsx")), year=2023, form=FORM)
    out = tmp_path / "审核结果.xlsx"
    copies = {f.source: f.workbook for f in made["files"]}
    write_findings_workbook(report, out, form=form, feedback=copies)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["汇总", "问题清单", "规则说明"]
    summary = book["汇总"]
    rows = list(summary.iter_rows(min_row=5, values_only=True))
    assert len(rows) == len(report.files)
    status_fill = {r[0].value: r[2].fill.fgColor.rgb for r in summary.iter_rows(min_row=5)}
    assert all(colour.endswith(("C6EFCE", "FFEB9C", "FFC7CE")) for colour in status_fill.values())
    issues = book["问题清单"]
    (table,) = issues.tables.values()
    total = sum(len(r.findings) for r in report.files) + len(report.batch_findings)
    assert table.ref == f"A1:N{total + 1}"  # 规则 beside 代码 (H2)
    codes = {row[0] for row in issues.iter_rows(min_row=2, values_only=True)}
    assert {"blank", "t3-balance", "unreadable"} <= codes
    rules = [row[0] for row in book["规则说明"].iter_rows(min_row=4, values_only=True)]
    assert [r.id for r in form.rules] == rules[: len(form.rules)]


def test_findings_rows_link_to_the_feedback_copy(tmp_path: Path) -> None:
    source = tmp_path / "returned"
    source.mkdir()
    shutil.copy(INVALID / "blank.xlsx", source / "blank.xlsx")
    result = CliRunner().invoke(app, ["check", str(source), "--year", "2023", "-q",
                                      "--xlsx", str(tmp_path / "out" / "结果.xlsx"),
                                      "--feedback", str(tmp_path / "out" / "意见")])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "已为 1 个单位生成审核意见" in result.output and "随机生成" in result.output
    issues = openpyxl.load_workbook(tmp_path / "out" / "结果.xlsx")["问题清单"]
    link = issues.cell(row=2, column=14).hyperlink
    target = link.target  # relative, with forward slashes: Excel and LibreOffice alike follow it
    assert target.startswith("意见/YS") and target.endswith("-审核意见.xlsx")
    assert (tmp_path / "out" / target).exists()
    assert (tmp_path / "out" / "意见" / "password.txt").exists()


def test_feedback_never_overwrites_a_returned_file(tmp_path: Path) -> None:
    """An agency sent last round's copy back unrenamed, into the folder feedback goes to."""
    first = tmp_path / "first"
    CliRunner().invoke(app, ["check", str(INVALID / "blank.xlsx"), "--year", "2023",
                             "--feedback", str(first)])  # fmt: skip
    (copy,) = first.glob("*.xlsx")
    before = copy.read_bytes()
    result = CliRunner().invoke(
        app, ["check", str(copy), "--year", "2023", "--feedback", str(first)]
    )
    assert result.exit_code == 2 and "不能被覆盖" in result.output
    assert copy.read_bytes() == before


def test_copies_written_through_the_api_are_not_read_back_as_reports(tmp_path: Path) -> None:
    """The library marks its copies itself: an unedited copy in the returned folder is skipped
    with a note, whichever way the feedback was written."""
    returned = tmp_path / "returned"
    returned.mkdir()
    shutil.copy(INVALID / "blank.xlsx", returned / "blank.xlsx")
    made, _ = write_feedback(
        check([returned], year=2023, form=FORM), returned, password="pw", form=FORM
    )
    (copy,) = [f.workbook for f in made if f.workbook is not None]
    again = check([returned], year=2023, form=FORM)
    assert [r.path for r in again.files] == [str(returned / "blank.xlsx")]
    assert any(f.code == "skipped-file" and copy.name in f.message for f in again.batch_findings)
