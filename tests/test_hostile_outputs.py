"""Hostile inputs, round two (issue 9): identity that cannot be borrowed, and outputs that no
untrusted text can turn into a formula (findings workbook, feedback copies, rollup, CSV, templates).
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import pytest

from toolkit.cli.cli import app

from . import hostile_corpus as hostile
from .conftest import SAMPLES
from .hostile_run import csv_cells, formulas_in, read_report, run_cli, runner, sane

BASE = hostile.BASE


def _roster(path: Path, rows: list[tuple[str, str]]) -> Path:
    lines = ["单位代码,单位名称,联系人,电子邮箱"] + [f"{c},{n},张三,a@example.com" for c, n in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("code", ["ＱＫ００５", "QK005  ", " QK005"])
def test_agency_codes_are_normalised(code: str, tmp_path: Path) -> None:
    """Full-width letters and stray spaces: still the roster's QK005, not an extra agency."""
    target = tmp_path / "报告.xlsx"
    target.write_bytes(hostile.meta(agency_code=code))
    json_path = tmp_path / "结果.json"
    run = run_cli(
        ["check", str(target), "--roster", str(SAMPLES / "roster.csv"), "--year", "2023",
         "--json", str(json_path)]
    )  # fmt: skip
    sane(run)
    assert run.exit == 0, run.output
    batch = read_report(json_path)["batch_findings"]
    assert not [f for f in batch if f["code"] == "unknown-agency"]
    assert "QK005" not in {f["agency_code"] for f in batch if f["code"] == "missing-agency"}


def test_a_roster_stripped_of_leading_zeros_gets_a_hint(tmp_path: Path) -> None:
    """Excel turned 001 into 1 in the roster; the file says 001."""
    roster = _roster(tmp_path / "名单.csv", [("1", "区民政局"), ("2", "区财政局")])
    target = tmp_path / "报告.xlsx"
    target.write_bytes(hostile.meta(agency_code="001"))
    json_path = tmp_path / "结果.json"
    run = run_cli(
        ["check", str(target), "--roster", str(roster), "--year", "2023", "--json", str(json_path)]
    )
    sane(run)
    report = read_report(json_path)
    said = run.output + "".join(f["message"] for f in report.get("batch_findings", []))
    hints = ("前导零", "前面的0", "开头的0", "开头的“0”", "补零", "补0", "以0开头")
    assert run.exit == 2 or any(h in said for h in hints), said


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The office's templates, as `generate` made them (with the key beside password.txt)."""
    folder = tmp_path_factory.mktemp("issued")
    result = runner.invoke(
        app,
        ["generate", "--roster", str(SAMPLES / "roster.csv"), "--year", "2023", "--district",
         "示范区", "--out", str(folder), "--password", "pw"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return folder


def test_a_relabelled_code_is_an_identity_mismatch(issued: Path, tmp_path: Path) -> None:
    own = next(issued.glob("QK005-*.xlsx"))
    target = tmp_path / "冒名.xlsx"
    target.write_bytes(hostile.relabel("QK006", "区财政局", own.read_bytes()))
    json_path = tmp_path / "结果.json"
    run = run_cli(
        ["check", str(target), str(own), "--issued", str(issued), "--year", "2023",
         "--json", str(json_path)]
    )  # fmt: skip
    sane(run)
    assert run.exit == 1, run.output
    by_file = {Path(r["path"]).name: {f["code"] for f in r["findings"]} for r in
               read_report(json_path)["files"]}  # fmt: skip
    assert "identity-mismatch" in by_file["冒名.xlsx"]
    assert "identity-mismatch" not in by_file[own.name]  # the genuine template is recognised


def test_two_differing_reports_with_equal_times_are_a_conflict(tmp_path: Path) -> None:
    """Neither a later file time nor the order of names decides which report counts."""
    first, second = tmp_path / "民政局-甲.xlsx", tmp_path / "民政局-乙.xlsx"
    first.write_bytes(BASE.read_bytes())
    second.write_bytes(hostile.value_in("t2.licensing.decisions", "7"))
    for path in (first, second):
        os.utime(path, (1_700_000_000, 1_700_000_000))
    json_path = tmp_path / "结果.json"
    run = run_cli(["check", str(tmp_path), "--year", "2023", "--json", str(json_path)])
    sane(run)
    assert run.exit == 1, run.output
    (conflict,) = [
        f for f in read_report(json_path)["batch_findings"] if f["code"] == "agency-conflict"
    ]
    assert first.name in conflict["message"] and second.name in conflict["message"]
    rolled = run_cli(
        ["rollup", str(tmp_path), "--year", "2023", "--out", str(tmp_path / "汇总.xlsx")]
    )
    sane(rolled)
    assert "计入 0 个单位" in rolled.output


def _batch(folder: Path, kinds: list[hostile.Kind]) -> Path:
    """The kinds in one returned folder, each relabelled as an agency of its own."""
    folder.mkdir()
    for number, kind in enumerate(kinds):
        assert kind.build is not None
        data = kind.build()
        if "agency code" not in kind.name:
            data = hostile.meta(data, agency_code=f"QK{300 + number}")
        (folder / kind.file).write_bytes(data)
    return folder


def _every_output(returned: Path, out: Path) -> None:
    """check with the findings workbook and feedback copies, then the rollup with its CSV."""
    checked = run_cli(
        ["check", str(returned), "--year", "2023", "--xlsx", str(out / "审核结果.xlsx"),
         "--feedback", str(out / "意见")]
    )  # fmt: skip
    sane(checked)
    assert checked.exit == 1
    rolled = run_cli(
        ["rollup", str(returned), "--year", "2023", "--include-errors", "--out",
         str(out / "汇总.xlsx"), "--csv", str(out / "汇总.csv")]
    )  # fmt: skip
    sane(rolled)
    assert rolled.exit == 0, rolled.output


def test_no_untrusted_text_becomes_a_formula_in_any_output(tmp_path: Path) -> None:
    """The injection kinds in one batch: the findings workbook, the feedback copies, the rollup
    and the CSV hold no formula made from their text, and the CSV neutralises it."""
    returned = _batch(tmp_path / "报回", [k for k in hostile.KINDS if k.injects])
    out = tmp_path / "输出"
    _every_output(returned, out)
    formulas = formulas_in(out)
    assert formulas  # the scanner sees the outputs' own formulas (the rollup's SUMs)
    assert [f for f in formulas if any(m in f[2] for m in hostile.MARKERS)] == []
    cells = csv_cells(out)
    assert any("HYPERLINK" in c for c in cells)  # the name is there, as text
    assert [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")] == []


def test_no_nan_or_inf_in_any_output(tmp_path: Path) -> None:
    returned = _batch(tmp_path / "报回", [k for k in hostile.KINDS if "stored in an" in k.name])
    out = tmp_path / "输出"
    _every_output(returned, out)
    cells = csv_cells(out)
    assert [c for c in cells if c.strip().lower() in ("nan", "inf", "-inf", "infinity")] == []
    for path in out.rglob("*.xlsx"):
        with zipfile.ZipFile(path) as archive:
            for part in archive.namelist():
                if part.startswith("xl/worksheets/"):
                    assert not re.search(rb"<v>-?(nan|inf)", archive.read(part), re.I), path


def test_a_roster_of_hostile_names_makes_inert_templates(tmp_path: Path) -> None:
    roster = _roster(
        tmp_path / "名单.csv",
        [("QK001", '"=HYPERLINK(""http://x"",""y"")"'), ("QK002", "@SUM(1)"),
         ("QK003", "区[/x]局"), ("QK004", "区\u202e局")],
    )  # fmt: skip
    out = tmp_path / "模板"
    run = run_cli(["generate", "--roster", str(roster), "--year", "2023", "--out", str(out)])
    sane(run)
    assert run.exit in (0, 2), run.output
    if run.exit == 0:
        assert [f for f in formulas_in(out) if any(m in f[2] for m in hostile.MARKERS)] == []
        assert not [p for p in out.iterdir() if "\u202e" in p.name]
