"""A whole correction cycle in a workspace, through headless LibreOffice (issue 21): agencies fill
their templates in LibreOffice or with openpyxl, two get feedback, the roster comes back from Excel
without its leading zeros, one agency corrects its feedback copy in LibreOffice, another opens its
copy and saves it without editing (the copy already restored the formula it had typed over). Their
originals carry a later save time than the copies: lineage, not the clock, decides. Every command
then reads the same decision: check, status, rollup, render.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from toolkit.cli.cli import app

from . import lo
from .test_workspace import (
    AGENCIES,
    DEADLINE,
    DISTRICT,
    YEAR,
    _fill,
    _roster,
    _sample_values,
    stamp_saved,
)

pytestmark = pytest.mark.libreoffice
runner = CliRunner()


def _nianbao(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def _status(space: Path) -> dict[str, dict[str, object]]:
    code, out = _nianbao("status", "-w", space, "--json", "-")
    assert code == 0, out
    return {a["code"]: a for a in json.loads(out)["agencies"]}


def _template(space: Path, code: str) -> Path:
    return next((space / "模板").glob(f"{code}-*.xlsx"))


def _copy(space: Path, code: str) -> Path:
    (copy,) = list((space / "审核意见").glob(f"*/{code}-*审核意见.xlsx"))
    return copy


def test_a_correction_cycle_through_libreoffice(tmp_path: Path) -> None:
    space = tmp_path / "2023年报"
    code, out = _nianbao(
        "init", space, "--year", YEAR, "--district", DISTRICT, "--roster",
        _roster(tmp_path / "名单.csv"), "--deadline", DEADLINE, "--password", "pw-2023",
    )  # fmt: skip
    assert code == 0, out
    values = {c: _sample_values(s) for c, (_, s) in AGENCIES.items()}
    later = datetime.now() + timedelta(hours=3)  # the originals' clocks run ahead of the copies'
    first = tmp_path / "第一轮"
    first.mkdir()
    # 001 fills in LibreOffice; 010 types a negative figure; 100 types over a total; 200 is late.
    lo.fill(_template(space, "001"), first / "001.xlsx", values["001"])
    right = values["010"]["nb_t2_licensing_decisions"]
    _fill(
        _template(space, "010"),
        first / "010.xlsx",
        values["010"] | {"nb_t2_licensing_decisions": -1},
        saved=later,
    )
    book = openpyxl.load_workbook(_template(space, "100"))
    for name, value in values["100"].items():
        ((sheet, ref),) = book.defined_names[name].destinations
        book[sheet][ref.replace("$", "").split(":")[0]].value = value
    ((sheet, ref),) = book.defined_names["nb_t3_new_total"].destinations
    book[sheet][ref.replace("$", "")].value = 9999  # the formula typed over
    book.save(first / "100.xlsx")
    stamp_saved(first / "100.xlsx", later)

    code, out = _nianbao("check", "-w", space, first, "-q")
    assert code == 1, out
    assert "已为 2 个单位生成审核意见" in out
    states = {c: s["state"] for c, s in _status(space).items()}
    assert states == {"001": "passed", "010": "feedback", "100": "feedback", "200": "issued"}

    # The roster comes back from Excel: 1, 10, 100, 200. The codes stay as issued.
    code, out = _nianbao("init", space, "--roster", _roster(tmp_path / "名单2.csv", excel=True))
    assert code == 0 and "新增 0 个单位" in out, out

    # Round two: 010 corrects its copy in LibreOffice; 100 opens its copy and saves it unchanged.
    second = tmp_path / "第二轮"
    second.mkdir()
    lo.fill_many(
        [
            lo.FillJob(
                _copy(space, "010"), second / "010-改.xlsx", {"nb_t2_licensing_decisions": right}
            ),
            lo.FillJob(_copy(space, "100"), second / "100-另存.xlsx", {}),
        ]
    )
    code, out = _nianbao("check", "-w", space, second, "-q")
    assert code == 0, out
    assert "identity-mismatch" not in out and "单位校验码" not in out
    status = _status(space)
    assert {c: s["state"] for c, s in status.items()} == {
        "001": "passed",
        "010": "corrected",
        "100": "corrected",
        "200": "issued",
    }
    assert status["010"]["file"] == "010-改.xlsx" and status["100"]["file"] == "100-另存.xlsx"
    assert status["010"]["roster_code"] == "10"
    for agency in ("010", "100"):
        assert "更正" in str(status[agency]["rule"])  # lineage, whatever the clocks say

    code, out = _nianbao("rollup", "-w", space, "--csv", tmp_path / "汇总.csv")
    assert code == 0, out
    assert "计入 3 个单位" in out and "未报送 1 个单位" in out
    rows = list(csv.DictReader((tmp_path / "汇总.csv").read_text("utf-8-sig").splitlines()))
    assert {r["agency_code"] for r in rows} == {"001", "010", "100"}
    licensing = {
        r["agency_code"]: float(r["value"])
        for r in rows
        if r["table"] == "t2" and r["row_key"] == "licensing" and r["col_key"] == "decisions"
    }
    assert licensing["010"] == float(right)
    code, out = _nianbao("render", "-w", space, "--format", "html")
    assert code == 0, out
    assert len(list((space / "输出" / "报告").glob("*.html"))) == 4  # three agencies, the draft
