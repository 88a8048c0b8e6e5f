"""Lineage: a file saved from a feedback copy replaces the file the copy was made from, whatever the
clocks say; and one agency code (the file's own) from the copies to the rollup, even when the
roster lost its leading zeros (issue 21, parts 3 and 4)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from toolkit.check.check import check
from toolkit.cli.cli import app
from toolkit.core import texts as tx
from toolkit.form.contract import FEEDBACK_KIND, META_SHEET, Identity
from toolkit.form.fill import Fill
from toolkit.form.findings import CheckReport
from toolkit.form.form_file import standard_form
from toolkit.form.identity import read_key
from toolkit.inputs.roster import Agency, match_code, roster_codes
from toolkit.results.feedback import write_feedback
from toolkit.template.workbook import write_workbook

from . import lo
from .conftest import FORM, SAMPLES

sys.path.insert(0, str(SAMPLES))
import build_invalid

KEY = read_key(SAMPLES)  # the sample office's key: every sample carries its agency's token
BASE = next((SAMPLES / "returned").glob("QK005-*.xlsx"))
FIRST, SECOND = "t3.granted.research", "t3.granted.business"  # inputs the agency leaves blank
MADE_AT = datetime(2024, 1, 16, 9, 30, 0)
runner = CliRunner()


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _later() -> str:
    """A save time two hours ahead of now (UTC): believed (within a day), and later than any save
    the test makes, so that only lineage can put a corrected file before it."""
    return _stamp(datetime.now(UTC) + timedelta(hours=2))


def _saved(data: bytes, stamp: str) -> bytes:
    """The workbook as if saved at `stamp` (docProps/core.xml dcterms:modified)."""
    import re

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp.encode() + rb"\g<2>",
                    body,
                )
            target.writestr(info, body)
    return out.getvalue()


def _blanked(*keys: str) -> bytes:
    """QK005's report with the given inputs left empty (errors a correction fixes)."""
    data = BASE.read_bytes()
    for key in keys:
        _, ref, part = build_invalid._where(standard_form(), key)
        data = build_invalid._set_cell(data, part, ref, "")
    return data


def _original(folder: Path, *keys: str, stamp: str | None = None) -> Path:
    """The agency's first return, saved (by what it records) at `stamp`, later than anything else."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "原报.xlsx"
    path.write_bytes(_saved(_blanked(*keys), stamp or _later()))
    return path


def _copy(report: CheckReport, out: Path, made_at: datetime = MADE_AT) -> Path:
    """The feedback copy of the report's one agency."""
    made, _ = write_feedback(report, out, password="pw", form=FORM, made_at=made_at)
    (workbook,) = [f.workbook for f in made if f.workbook is not None]
    return workbook


def _correct(key: str) -> float:
    return check([BASE], year=2023, form=FORM).files[0].values[key]


def _cell(key: str) -> tuple[str, str]:
    """Where an input is in the template (and in every copy: the layout is the template's)."""
    sheet, ref, _ = build_invalid._where(FORM, key)
    return sheet, ref


def _fix_with_openpyxl(copy: Path, target: Path, cells: dict[tuple[str, str], float]) -> Path:
    """The clerk corrects the red cells and saves (openpyxl: the save time becomes now)."""
    book = openpyxl.load_workbook(copy)
    for (sheet, cell), value in cells.items():
        book[sheet][cell].value = value
    book.save(target)
    return target


def _meta(path: Path) -> dict[str, str]:
    book = openpyxl.load_workbook(path)
    return {r[0].value: r[1].value for r in book[META_SHEET].iter_rows(max_col=2)}


def _same_file_time(folder: Path) -> None:
    for path in folder.iterdir():
        os.utime(path, (1_700_000_000, 1_700_000_000))  # attachments saved in bulk


def _used(report: CheckReport) -> list[str]:
    return [Path(r.path).name for r in report.files if r.in_use]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------------------------
# The copy records where it comes from
# ------------------------------------------------------------------------------------------------


def test_a_copy_records_its_source_and_its_own_time(tmp_path: Path) -> None:
    original = _original(tmp_path / "returned", FIRST, stamp="2024-01-05T08:00:00Z")
    copy = _copy(check([original], year=2023, key=KEY, form=FORM), tmp_path / "意见")
    meta, before = _meta(copy), _meta(original)
    assert meta["kind"] == FEEDBACK_KIND and meta["source"] == "原报.xlsx"
    assert meta["source_sha256"] == _sha(original)
    assert meta["made_at"] == "2024-01-16T09:30:00"
    # still the same issued template: it verifies like the original
    assert (meta["template_id"], meta["token"]) == (before["template_id"], before["token"])
    with zipfile.ZipFile(copy) as archive:
        core = archive.read("docProps/core.xml").decode()
        custom = archive.read("docProps/custom.xml").decode()
    made = _stamp(MADE_AT.astimezone(UTC))  # the copy's own time, not the template's
    assert f">{made}</dcterms:created>" in core and f">{made}</dcterms:modified>" in core
    assert "nianbao_source_sha256" in custom and _sha(original) in custom
    # injectable, so that two runs write the same bytes
    again = _copy(check([original], year=2023, key=KEY, form=FORM), tmp_path / "意见2")
    assert again.read_bytes() == copy.read_bytes()
    (checked,) = check([copy], year=2023, key=KEY, form=FORM).files
    assert checked.verified is True and checked.kind == "xlsx"


def test_a_returned_copy_is_checked_like_any_report(tmp_path: Path) -> None:
    """kind = feedback in `_meta` changes nothing in how the file itself is judged."""
    original = _original(tmp_path / "returned", FIRST)
    report = check([original], year=2023, key=KEY, form=FORM)
    copy = _copy(report, tmp_path / "意见")
    fixed = _fix_with_openpyxl(copy, tmp_path / "更正.xlsx", {_cell(FIRST): _correct(FIRST)})
    (result,) = check([fixed], year=2023, key=KEY, form=FORM).files
    (valid,) = check([BASE], year=2023, key=KEY, form=FORM).files
    assert result.status == "passed" and result.values == valid.values
    assert [f.code for f in result.findings if f.severity != "info"] == []


# ------------------------------------------------------------------------------------------------
# Lineage decides, whatever the clocks say
# ------------------------------------------------------------------------------------------------


def test_a_corrected_copy_saved_by_openpyxl_counts_over_a_later_original(tmp_path: Path) -> None:
    returned = tmp_path / "returned"
    original = _original(returned, FIRST)  # says it was saved after the correction
    report = check([returned], year=2023, key=KEY, form=FORM)
    copy = _copy(report, tmp_path / "意见")
    _fix_with_openpyxl(copy, returned / "更正.xlsx", {_cell(FIRST): _correct(FIRST)})
    _same_file_time(returned)
    again = check([returned], year=2023, key=KEY, form=FORM)
    assert _used(again) == ["更正.xlsx"]
    assert again.exit_code == 0 and again.errors == 0
    (used,) = [r for r in again.files if r.in_use]
    rule = tx.BY_LINEAGE.format(file="更正.xlsx", source=original.name)
    assert used.chosen_by == "lineage" and used.chosen_reason == rule
    (finding,) = [f for f in again.batch_findings if f.code == "duplicate-agency"]
    assert rule in finding.message
    assert not [f for f in again.batch_findings if f.code == "agency-conflict"]


@pytest.mark.libreoffice
def test_a_copy_saved_by_libreoffice_without_an_edit_counts_over_the_original(
    tmp_path: Path,
) -> None:
    """The clerk opens the copy in LibreOffice and saves it as it is: it carries the agency's
    answer now, even though nothing tells it apart by content and the original looks newer."""
    returned = tmp_path / "returned"
    original = _original(returned, FIRST)
    copy = _copy(check([returned], year=2023, key=KEY, form=FORM), tmp_path / "意见")
    (saved,) = lo.convert([copy], returned, "xlsx")
    _same_file_time(returned)
    again = check([returned], year=2023, key=KEY, form=FORM)
    assert _used(again) == [saved.name]
    (used,) = [r for r in again.files if r.in_use]
    assert used.chosen_by == "lineage" and original.name in used.chosen_reason
    assert used.verified is True and next(r for r in again.files if not r.in_use).superseded


def test_the_copy_sent_back_unchanged_supersedes_its_source(tmp_path: Path) -> None:
    returned = tmp_path / "returned"
    _original(returned, FIRST)
    copy = _copy(check([returned], year=2023, key=KEY, form=FORM), tmp_path / "意见")
    shutil.copy(copy, returned / copy.name)  # mailed back as it came
    _same_file_time(returned)
    again = check([returned], year=2023, key=KEY, form=FORM)
    assert _used(again) == [copy.name]
    (used,) = [r for r in again.files if r.in_use]
    assert used.chosen_by == "lineage" and used.status == "failed"  # still to be corrected
    assert again.summary()["superseded"] == 1


def test_two_rounds_of_corrections_end_at_the_last_file(tmp_path: Path) -> None:
    """Original → copy → the agency's F (one cell fixed) → copy of F → F2 (the other fixed)."""
    returned = tmp_path / "returned"
    original = _original(returned, FIRST, SECOND)
    report = check([returned], year=2023, key=KEY, form=FORM)
    first = _copy(report, tmp_path / "意见1")
    fixed = _fix_with_openpyxl(first, returned / "第一次更正.xlsx", {_cell(FIRST): _correct(FIRST)})
    # F was saved long ago by its clock: only lineage puts it after the original
    fixed.write_bytes(_saved(fixed.read_bytes(), "2024-01-17T08:00:00Z"))
    _same_file_time(returned)
    second_round = check([returned], year=2023, key=KEY, form=FORM)
    assert _used(second_round) == [fixed.name]
    made, _ = write_feedback(second_round, tmp_path / "意见2", password="pw", form=FORM)
    (second,) = [f.workbook for f in made if f.workbook is not None]
    assert _meta(second)["source_sha256"] == _sha(fixed)
    final = _fix_with_openpyxl(
        second, returned / "第二次更正.xlsx", {_cell(SECOND): _correct(SECOND)}
    )
    final.write_bytes(_saved(final.read_bytes(), "2024-01-18T08:00:00Z"))
    _same_file_time(returned)
    third_round = check([returned], year=2023, key=KEY, form=FORM)
    assert _used(third_round) == [final.name]
    assert {Path(r.path).name for r in third_round.files if r.superseded} == {
        original.name,
        fixed.name,
    }
    (used,) = [r for r in third_round.files if r.in_use]
    assert used.chosen_reason == tx.BY_LINEAGE.format(file=final.name, source=fixed.name)
    assert used.status == "passed" and third_round.exit_code == 0


def test_files_not_related_by_lineage_are_still_ordered_by_save_time(tmp_path: Path) -> None:
    """A fresh report the agency filled in again, beside a corrected copy: the save time decides
    between them (the original is replaced by its copy either way)."""
    returned = tmp_path / "returned"
    original = _original(returned, FIRST, stamp="2024-01-05T08:00:00Z")
    report = check([returned], year=2023, key=KEY, form=FORM)
    copy = _copy(report, tmp_path / "意见")
    fixed = _fix_with_openpyxl(copy, returned / "更正.xlsx", {_cell(FIRST): _correct(FIRST)})
    fixed.write_bytes(_saved(fixed.read_bytes(), "2024-01-17T08:00:00Z"))
    fresh = returned / "重新填报.xlsx"
    changed = _blanked()  # the complete report, as a new file of its own
    for stamp, winner in (
        ("2024-01-20T08:00:00Z", fresh.name),
        ("2024-01-10T08:00:00Z", fixed.name),
    ):
        fresh.write_bytes(_saved(changed, stamp))
        _same_file_time(returned)
        again = check([returned], year=2023, key=KEY, form=FORM)
        assert _used(again) == [winner]
        (used,) = [r for r in again.files if r.in_use]
        assert used.chosen_by == "save-time" and used.chosen_reason == tx.BY_SAVE_TIME
        assert next(r for r in again.files if r.path == str(original)).superseded


def test_without_the_key_differing_reports_are_still_a_conflict(tmp_path: Path) -> None:
    """Lineage says which file is newer, not that it comes from the agency: unverified differing
    reports stay for the office to settle."""
    returned = tmp_path / "returned"
    _original(returned, FIRST)
    report = check([returned], year=2023, form=FORM)
    copy = _copy(report, tmp_path / "意见")
    _fix_with_openpyxl(copy, returned / "更正.xlsx", {_cell(FIRST): _correct(FIRST)})
    again = check([returned], year=2023, form=FORM)
    (conflict,) = [f for f in again.batch_findings if f.code == "agency-conflict"]
    assert "无法核验" in conflict.message
    assert all(r.conflict and not r.chosen_by for r in again.files)


# ------------------------------------------------------------------------------------------------
# One agency code: the file's own (issue 21, part 4)
# ------------------------------------------------------------------------------------------------


def test_one_matching_rule_for_roster_codes() -> None:
    codes = roster_codes([Agency(code="1", name="甲"), Agency(code="10", name="乙"),
                          Agency(code="qk005 ", name="丙")])  # fmt: skip
    assert match_code("001", codes) == "1" and match_code("010", codes) == "10"
    assert match_code("10", codes) == "10" and match_code("ＱＫ005", codes) == "QK005"
    assert match_code("100", codes) is None and match_code("", codes) is None
    ambiguous = roster_codes([Agency(code="01", name="甲"), Agency(code="001", name="乙")])
    assert match_code("1", ambiguous) is None  # two roster codes are the same number


def _roster(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["单位代码", "单位名称", "联系人", "电子邮箱"])
        writer.writerows([(code, name, "", "") for code, name in rows])
    return path


def _filled(template: Path, target: Path, blank: str | None = None) -> Path:
    """The agency's report: the issued template (its own `_meta`) filled with QK005's figures."""
    meta = {k: v for k, v in _meta(template).items() if k}
    sample = check([BASE], year=2023, form=FORM).files[0]
    inputs = {c.key for c in FORM.inputs}
    values = {k: v for k, v in sample.values.items() if k in inputs and k != blank}
    write_workbook(
        target,
        form=FORM,
        identity=Identity(**meta),
        password="pw",
        fill=Fill(values=values, texts=sample.texts, notes=sample.notes,
                  raw={blank: ""} if blank else {}),
    )  # fmt: skip
    target.write_bytes(_saved(target.read_bytes(), "2024-01-05T08:00:00Z"))
    return target


def test_leading_zeros_round_trip_through_the_cli(tmp_path: Path) -> None:
    """Templates issued as 001/010; the roster re-saved by Excel as 1/10; the corrected copy of
    010 comes back: it counts, nothing is a mismatch or a conflict, and 010 is 010 throughout."""
    names = [("001", "区民政局"), ("010", "区财政局")]
    issued = tmp_path / "下发"
    result = runner.invoke(
        app,
        ["generate", "--roster", str(_roster(tmp_path / "名单.csv", names)), "--year", "2023",
         "--district", "示范区", "--out", str(issued), "--password", "pw",
         "--generated-at", "2023-12-01T09:00:00"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    stripped = _roster(tmp_path / "名单-Excel.csv", [("1", "区民政局"), ("10", "区财政局")])
    returned = tmp_path / "returned"
    returned.mkdir()
    _filled(next(issued.glob("001-*.xlsx")), returned / "001.xlsx")
    _filled(next(issued.glob("010-*.xlsx")), returned / "010.xlsx", blank=FIRST)
    common = ["--roster", str(stripped), "--issued", str(issued), "--year", "2023"]

    first = runner.invoke(app, ["check", str(returned), *common, "--feedback",
                                str(tmp_path / "意见"), "--password", "pw"])  # fmt: skip
    assert first.exit_code == 1, first.output
    assert "已为 1 个单位生成审核意见" in first.output
    (copy,) = (tmp_path / "意见").glob("*.xlsx")
    assert copy.name.startswith("010-") and (tmp_path / "意见" / "010.txt").is_file()
    assert _meta(copy)["agency_code"] == "010"
    _fix_with_openpyxl(copy, returned / "010-更正.xlsx", {_cell(FIRST): _correct(FIRST)})

    json_path = tmp_path / "结果.json"
    second = runner.invoke(app, ["check", str(returned), *common, "--json", str(json_path)])
    assert second.exit_code == 0, second.output
    data = json.loads(json_path.read_text(encoding="utf-8"))
    codes = {f["code"] for f in data["batch_findings"]}
    assert "roster-leading-zeros" in codes  # the roster still wants mending
    assert not codes & {"agency-conflict", "missing-agency", "unknown-agency"}
    assert not [f for r in data["files"] for f in r["findings"] if f["code"] == "identity-mismatch"]
    used = {Path(r["path"]).name: r for r in data["files"] if r["in_use"]}
    assert sorted(used) == ["001.xlsx", "010-更正.xlsx"]
    assert used["010-更正.xlsx"]["agency_code"] == "010"
    assert used["010-更正.xlsx"]["chosen_by"] == "lineage"
    assert "更正关系" in second.output  # the terminal names the rule

    out, csv_path = tmp_path / "汇总.xlsx", tmp_path / "汇总.csv"
    rolled = runner.invoke(
        app, ["rollup", str(returned), *common, "--out", str(out), "--csv", str(csv_path)]
    )
    assert rolled.exit_code == 0, rolled.output
    assert "计入 2 个单位" in rolled.output and "未报送 0 个单位" in rolled.output
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        assert {row["agency_code"] for row in csv.DictReader(handle)} == {"001", "010"}
    status = list(openpyxl.load_workbook(out)["状态"].iter_rows(min_row=5, values_only=True))
    column = dict(zip(tx.STATUS_COLUMNS, range(len(tx.STATUS_COLUMNS)), strict=True))
    assert [r[0] for r in status] == ["001", "010", "010"]  # in roster order
    (chosen,) = [r for r in status if r[column["选用依据"]]]
    assert chosen[0] == "010" and "更正关系" in chosen[column["选用依据"]]
    assert not [r for r in status if r[2] == tx.FileStatus.MISSING.label()]


# ------------------------------------------------------------------------------------------------
# check --feedback never says nothing was needed while reports have errors
# ------------------------------------------------------------------------------------------------


def test_feedback_says_which_reports_with_errors_got_no_copy(tmp_path: Path) -> None:
    returned = tmp_path / "returned"
    original = _original(returned, FIRST)
    changed = _saved(_blanked(SECOND), "2024-01-06T08:00:00Z")
    (returned / "另一份.xlsx").write_bytes(changed)  # differing, unverified: a conflict
    result = runner.invoke(
        app, ["check", str(returned), "--year", "2023", "--feedback", str(tmp_path / "意见")]
    )
    assert result.exit_code == 1
    assert tx.FEEDBACK_NOTHING_TO_ASK not in result.output
    assert tx.FEEDBACK_REASON_CONFLICT.format(count=1) in result.output
    original.unlink()
    (returned / "另一份.xlsx").unlink()
    shutil.copy(SAMPLES / "returned" / "invalid" / "not-our-template.xlsx", returned)
    result = runner.invoke(
        app, ["check", str(returned), "--year", "2023", "--feedback", str(tmp_path / "意见")]
    )
    assert result.exit_code == 1
    assert tx.FEEDBACK_NOTHING_TO_ASK not in result.output
    assert tx.FEEDBACK_REASON_UNIDENTIFIED.format(count=1) in result.output
