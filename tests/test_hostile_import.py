"""Hostile published reports given to `nianbao import` as a real process (issue 27, part 1): each
kind of tests/hostile_documents.py sits next to a genuine report; the command names the hostile
file with a Chinese 未能导入 reason, imports the genuine one, exits 1, prints no traceback and no raw
control character, stays within CPU time and memory bounds (measured from the process's own
rusage, never by the clock), writes nothing outside its output folder and changes no input.

The pool's own CPU time limit (the bound for what no reader foresaw) is tested directly with a
worker that never ends."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import hostile_documents as documents
from tests.hostile_run import MAX_RSS, Run, hashes, run_cli, sane
from toolkit.core.pool import WorkerDied, run_isolated

SEED = Path(__file__).parent / "reference" / "000_257bd34ea451c6a3.txt"
GENUINE = "科技局2023年政府信息公开工作年度报告.txt"
CPU_SECONDS = 15  # per run of two files; each hostile kind is refused in a few CPU seconds
# Raw controls, bidi overrides and line separators: never on the terminal (\n is the line break).
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _import(tmp_path: Path, name: str, data: bytes) -> tuple[Run, Path]:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / name).write_bytes(data)
    (folder / GENUINE).write_bytes(SEED.read_bytes())
    before = hashes(folder)
    run = run_cli(["import", str(folder), "--out", str(tmp_path / "out")], process=True, limit=120)
    assert hashes(folder) == before  # inputs unchanged
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]  # nothing else written
    return run, tmp_path / "out"


@pytest.mark.parametrize("name", list(documents.KINDS))
def test_hostile_document_is_named_and_the_batch_goes_on(tmp_path: Path, name: str) -> None:
    make, words = documents.KINDS[name]
    run, out = _import(tmp_path, name, make())
    assert run.exit == 1, run.output
    sane(run)
    output = run.output
    line = next((x for x in output.splitlines() if x.startswith(f"未能导入：{name}：")), "")
    assert words in line, output
    assert f"已导入：{GENUINE}" in output, output
    assert run.seconds < CPU_SECONDS, run.seconds
    assert run.rss < MAX_RSS, run.rss
    assert not RAW.search(output), output
    assert len(list(out.glob("*.xlsx"))) == 1


def test_a_file_name_with_a_line_break_and_escapes_is_printed_inert(tmp_path: Path) -> None:
    name = "报告\n已导入：假的.pdf\x1b]0;标题\x07\u202e.pdf"
    run, _ = _import(tmp_path, name, b"%PDF-1.7\n" + bytes(range(256)) * 16)
    output = run.output
    sane(run)
    assert run.exit == 1, output
    assert "未能导入：报告\\u000a已导入：假的.pdf\\u001b]0;标题\\u0007\\u202e.pdf：" in output
    assert not any(x.startswith("已导入：假的") for x in output.splitlines()), output
    assert not RAW.search(output), output


def _spin(seconds: float) -> str:
    """A reader that never finishes (a loop no guard foresaw)."""
    while True:
        pass


def _quick(value: int) -> int:
    return value * 2


def test_the_pool_stops_an_item_at_its_cpu_limit_and_goes_on() -> None:
    results = run_isolated(_spin_or_quick, [1, "spin", 3], workers=1, cpu_limit=1, timeout=60)
    assert results[0] == 2 and results[2] == 6
    died = results[1]
    assert isinstance(died, WorkerDied), died
    assert "处理时间超出上限（1 秒 CPU 时间）" in died.reason


def _spin_or_quick(item: int | str) -> int | str:
    if item == "spin":
        return _spin(0)
    assert isinstance(item, int)
    return _quick(item)


def test_check_previous_with_hostile_reports_stays_bounded(tmp_path: Path) -> None:
    """`check --previous` takes a folder of last year's published reports and reads them through
    the same bounded workers: the worst kinds cost a few CPU seconds each, each is named as not
    used, and the check of this year's file still runs."""
    from tests.hostile_corpus import BASE

    last = tmp_path / "last"
    last.mkdir()
    worst = ["图形对象.pdf", "引用循环.pdf", "滤镜链.pdf", "校验错误.docx", "跨行跨列.html"]
    for name in worst:
        (last / name).write_bytes(documents.KINDS[name][0]())
    returned = tmp_path / "returned"
    returned.mkdir()
    (returned / BASE.name).write_bytes(BASE.read_bytes())
    before = {**hashes(last), **hashes(returned)}
    run = run_cli(
        ["check", str(returned), "--previous", str(last)],
        process=True,
        limit=120,
    )
    sane(run)
    assert run.exit in (0, 1), run.output
    assert "QK005" in run.output, run.output
    for name in worst:  # each named, never silently left out (the last two read, but name no one)
        assert f"上年报告“{name}”" in run.output, run.output
    assert "上年报告“图形对象.pdf”未能读取，未用于跨年核对：PDF 中的图形对象" in run.output
    assert "上年报告“跨行跨列.html”的标题未与名单或本年文件中的任何单位完全一致" in run.output
    assert run.seconds < CPU_SECONDS * 2, run.seconds
    assert run.rss < MAX_RSS, run.rss
    assert not RAW.search(run.output), run.output
    assert {**hashes(last), **hashes(returned)} == before
