"""Hostile and broken inputs, as they arrive by email: every kind gives a clear Chinese finding or
message with the right exit code, within bounded time and memory, and never a traceback.

The corpus is built here, from the valid sample QK005 and small hand-made files, into a temporary
folder; `python -m tests.test_hostile DIR` writes it to DIR to look at.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from toolkit.check import check
from toolkit.cli import app

from . import hostile_corpus as hostile
from .conftest import SAMPLES

sys.path.insert(0, str(SAMPLES))
import build_invalid

BASE = next((SAMPLES / "returned").glob("QK005-*.xlsx"))
LIBREOFFICE = SAMPLES / "returned" / "libreoffice"
runner = CliRunner()


def _base() -> bytes:
    return BASE.read_bytes()


def _encrypted() -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(_base())).encrypt("1234", out)
    return out.getvalue()


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + b"\0" * (80 * 1024 * 1024) + b"</sst>")
    return out.getvalue()


def _laughs() -> bytes:
    lol = (
        '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">'
        + "".join(
            f'<!ENTITY {c} "&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};">'
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        )
        + ']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>&i;</t></si></sst>"
    )
    source = zipfile.ZipFile(io.BytesIO(_base()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = lol.encode() if info.filename == "xl/sharedStrings.xml" else source.read(info)
            target.writestr(info, body)
    return out.getvalue()


def _cell(key: str, inner: str, kind: str = "") -> Callable[[], bytes]:
    def build() -> bytes:
        from toolkit.form import standard_form

        _, ref, part = build_invalid._where(standard_form(), key)
        return build_invalid._set_cell(_base(), part, ref, inner, kind)

    return build


def _huge_sheet() -> bytes:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(_base()))
    ws = book["三、依申请公开"]
    for row in range(60, 5060):
        ws.cell(row=row, column=2, value=row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _other_office() -> bytes:
    from datetime import datetime

    from toolkit.form import standard_form
    from toolkit.generate import identity_for, write_workbook
    from toolkit.roster import Agency

    form = standard_form()
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"other-{os.getpid()}.xlsx"
    write_workbook(
        path,
        form=form,
        identity=identity_for(
            form, Agency(code="QK005", name="区民政局"), 2023, "邻区", datetime(2023, 12, 1)
        ),
        password="other",
    )
    data = path.read_bytes()
    path.unlink()
    return data


# name -> (file name, builder, expected finding codes (all present), expected status)
CORPUS: dict[str, tuple[str, Callable[[], bytes], set[str], str]] = {
    "corrupt zip": (
        "损坏.xlsx",
        lambda: b"PK\x03\x04" + os.urandom(2000),
        {"unreadable"},
        "unreadable",
    ),
    "zero bytes": ("空文件.xlsx", lambda: b"", {"unreadable"}, "unreadable"),
    "truncated": ("截断.xlsx", lambda: _base()[:9000], {"unreadable"}, "unreadable"),
    "encrypted": ("加密.xlsx", _encrypted, {"unreadable"}, "unreadable"),
    "xls renamed xlsx": (
        "改名.xlsx",
        lambda: (LIBREOFFICE / "QK005-libreoffice.xls").read_bytes(),
        {"wrong-extension"},
        "passed",
    ),
    "xlsm with macros": (
        "宏.xlsm",
        lambda: build_invalid._add_part(_base(), "xl/vbaProject.bin", b"x"),
        {"macros"},
        "warnings",
    ),
    "external links": (
        "外链.xlsx",
        lambda: build_invalid._add_part(
            _base(), "xl/externalLinks/externalLink1.xml", b"<externalLink/>"
        ),
        {"external-links"},
        "warnings",
    ),
    "zip bomb": ("炸弹.xlsx", _zip_bomb, {"unreadable"}, "unreadable"),
    "entity expansion": ("实体.xlsx", _laughs, {"unreadable"}, "unreadable"),
    "huge sheet": ("大表.xlsx", _huge_sheet, {"extra-content"}, "warnings"),
    "pictures over the tables": (
        "图片.xlsx",
        lambda: (SAMPLES / "returned" / "invalid" / "pictures.xlsx").read_bytes(),
        {"pictures"},
        "warnings",
    ),
    "merged input cells": (
        "合并.xlsx",
        lambda: (SAMPLES / "returned" / "invalid" / "merged-cells.xlsx").read_bytes(),
        {"merged-cells"},
        "failed",
    ),
    "2019 format": (
        "2019版.xlsx",
        lambda: (SAMPLES / "returned" / "invalid" / "old-format.xlsx").read_bytes(),
        {"old-format"},
        "failed",
    ),
    "another office's template": ("邻区模板.xlsx", _other_office, {"wrong-district"}, "failed"),
    "text where numbers belong": (
        "文字.xlsx",
        _cell("t3.new.natural", "<is><t>约十件</t></is>", "inlineStr"),
        {"not-a-number"},
        "failed",
    ),
    "formula typed into an input": (
        "公式.xlsx",
        _cell("t3.new.business", "<f>1+0</f><v>1</v>"),
        {"input-formula"},
        "warnings",
    ),
    "negative count": (
        "负数.xlsx",
        _cell("t4.cases.review_pending", "<v>-2</v>"),
        {"negative"},
        "failed",
    ),
    "decimal count": (
        "小数.xlsx",
        _cell("t2.licensing.decisions", "<v>3.5</v>"),
        {"not-integer"},
        "failed",
    ),
    "pdf renamed xlsx": (
        "报告.xlsx",
        lambda: b"%PDF-1.7\n" + os.urandom(500),
        {"unreadable"},
        "unreadable",
    ),
    "word file renamed xlsx": (
        "报告.docx.xlsx",
        lambda: build_invalid._add_part(
            _zip_with("word/document.xml", b"<document/>"), "docProps/app.xml", b"<Properties/>"
        ),
        {"unreadable"},
        "unreadable",
    ),
    "identity only in document properties": (
        "无meta.xlsx",
        lambda: _without_meta(),
        set(),
        "passed",
    ),
    "very long narrative": ("长文.xlsx", lambda: _long_text(), set(), "passed"),
}


def _zip_with(name: str, body: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, body)
    return out.getvalue()


def _without_meta() -> bytes:
    """The `_meta` sheet deleted (as a clerk might, after unhiding it); the properties remain."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(_base()))
    del book["_meta"]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _long_text() -> bytes:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(_base()))
    ws = book["五、问题及改进"]
    cell = next(
        c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and len(c.value) > 40
    )
    cell.value = cell.value + "另外，" * 10000
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("报回 文件")  # a Chinese, space-containing path
    write_corpus(folder)
    return folder


def write_corpus(folder: Path) -> None:
    for name, builder, _, _ in CORPUS.values():
        (folder / name).write_bytes(builder())


def test_corpus_has_at_least_25_kinds() -> None:
    # The kinds above plus the batch and output cases tested below.
    assert len(CORPUS) + 7 >= 25


@pytest.mark.parametrize("kind", sorted(CORPUS))
def test_each_kind_gives_a_clear_finding(kind: str, corpus: Path) -> None:
    name, _, codes, status = CORPUS[kind]
    report = check([corpus / name], year=2023, district="示范区")
    (result,) = report.files
    found = {f.code for f in result.findings}
    assert codes <= found, found
    assert result.status == status, [f.message for f in result.findings]
    for finding in result.findings:
        assert finding.message and not any(w in finding.message for w in ("Traceback", "Error:"))
    if "unreadable" in codes:
        (finding,) = result.findings
        assert "：" in finding.message  # the reason is said, in Chinese


def test_the_whole_corpus_in_one_run_checks_the_good_ones(corpus: Path) -> None:
    shutil.copy(BASE, corpus / "好的.xlsx")
    try:
        result = runner.invoke(
            app, ["check", str(corpus), "--year", "2023", "-q"], terminal_width=120
        )
    finally:
        (corpus / "好的.xlsx").unlink()
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"共 {len(CORPUS) + 1} 个文件" in result.output


def test_folder_with_no_workbooks(tmp_path: Path) -> None:
    (tmp_path / "说明.txt").write_text("没有工作簿", encoding="utf-8")
    result = runner.invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 2 and "没有找到任何工作簿" in result.output


def test_same_file_twice_and_a_lock_file(tmp_path: Path) -> None:
    target = tmp_path / "报告.xlsx"
    shutil.copy(BASE, target)
    (tmp_path / "~$报告.xlsx").write_bytes(b"\0" * 165)
    report = check([target, target, tmp_path], year=2023)
    assert len(report.files) == 1 and report.files[0].status == "passed"
    assert [f.code for f in report.batch_findings] == ["skipped-file"]


def test_unreadable_output_folder_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only folder (simulated: tests run as root, for whom permissions do not apply)."""
    import tempfile

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    result = runner.invoke(app, ["check", str(BASE), "--json", str(tmp_path / "ro" / "r.json")])
    assert (
        result.exit_code == 2
        and "无法写入" in result.output
        and "Permission denied" in result.output
    )


def test_output_equal_to_an_input_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "报告.xlsx"
    shutil.copy(BASE, target)
    for option in ("--json", "--xlsx"):
        result = runner.invoke(app, ["check", str(target), option, str(target)])
        assert result.exit_code == 2 and "不能被覆盖" in result.output
    assert target.read_bytes() == BASE.read_bytes()


def test_an_interrupted_write_leaves_no_half_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outputs are written beside the target and renamed: a failure leaves nothing behind."""
    import os as real_os

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(real_os, "replace", crash)
    result = runner.invoke(app, ["check", str(BASE), "--json", str(tmp_path / "r.json")])
    assert result.exit_code == 2
    assert list(tmp_path.iterdir()) == []


if __name__ == "__main__":
    write_corpus(Path(sys.argv[1]))


def test_two_runs_at_once_on_the_same_folder_do_not_interfere(tmp_path: Path) -> None:
    """Two offices' clerks (or a double click) running generate and check into one folder."""
    import subprocess

    out = tmp_path / "输出"
    nianbao = str(Path(sys.executable).with_name("nianbao"))
    generate = [
        nianbao,
        "generate",
        "--roster",
        str(SAMPLES / "roster.csv"),
        "--year",
        "2023",
        "--out",
        str(out),
        "--password",
        "pw",
        "--generated-at",
        "2023-12-01T09:00:00",
    ]
    checking = [
        nianbao,
        "check",
        str(SAMPLES / "returned" / "invalid"),
        "--year",
        "2023",
        "-q",
        "--json",
        str(out / "结果.json"),
        "--feedback",
        str(out / "意见"),
    ]
    runs = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for c in (generate, generate, checking, checking)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 1, 1], outputs
    import json

    import openpyxl

    assert len(list(out.glob("*.xlsx"))) == 13
    for path in out.glob("*.xlsx"):
        openpyxl.load_workbook(path)  # complete, not interleaved
    json.loads((out / "结果.json").read_text(encoding="utf-8"))
    leftovers = [p.name for p in out.rglob("*") if p.name.startswith(".")]
    assert leftovers == []


# ------------------------------------------------------------------------------------------------
# Round two (issue 9): tests/hostile_corpus.py, each kind through the command line
# ------------------------------------------------------------------------------------------------

MAX_SECONDS = 10
MAX_RSS = 1024**3  # bytes, the command and its workers together
CAP = 4 * 1024**3  # address space of a command run by a test
NIANBAO = str(Path(sys.executable).with_name("nianbao"))


@dataclass(frozen=True)
class Run:
    exit: int
    output: str
    seconds: float
    rss: int  # peak resident bytes of the process and its waited-for children (0 in process)


def run_cli(args: list[str], *, process: bool = False, limit: float = 40) -> Run:
    """`nianbao ARGS` in process (CliRunner) or as a real subprocess, with its peak memory."""
    import subprocess
    import tempfile
    import threading
    import time

    started = time.monotonic()
    if not process:
        result = runner.invoke(app, args, terminal_width=200)
        output, code = result.output, result.exit_code
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            # what `main()` would print: the test sees an internal error as the user would
            output += (
                f"\n错误：nianbao 内部错误（{type(result.exception).__name__}：{result.exception}）"
            )
            code = 2
        return Run(code, output, time.monotonic() - started, 0)
    env = {**os.environ, "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"}
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            [NIANBAO, *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=_cap_memory,
        )
        timer = threading.Timer(limit, proc.kill)  # a hang fails the test, never the suite
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)  # rusage of the command and its workers
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode("utf-8", "replace")
    return Run(proc.returncode, output, time.monotonic() - started, usage.ru_maxrss * 1024)


def _cap_memory() -> None:
    """A runaway command (reading /dev/zero, say) fails its test instead of exhausting the
    machine; the cap is far above the 1 GB the tests allow."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


def _hashes(path: Path) -> dict[str, str]:
    """sha256 of every regular file at or below `path` (devices and FIFOs are never opened)."""
    import hashlib
    import stat

    found = {}
    for candidate in [path, *(path.rglob("*") if path.is_dir() else [])]:
        info = os.lstat(candidate)
        if stat.S_ISREG(info.st_mode):
            found[str(candidate)] = hashlib.sha256(candidate.read_bytes()).hexdigest()
    return found


def _report(path: Path) -> dict[str, Any]:
    import json

    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _codes(report: dict[str, Any]) -> set[str]:
    return {f["code"] for r in report.get("files", []) for f in r["findings"]} | {
        f["code"] for f in report.get("batch_findings", [])
    }


def _sane(run: Run) -> None:
    assert "Traceback" not in run.output and "内部错误" not in run.output, run.output[-2000:]
    assert re.search(r"[\u4e00-\u9fff]", run.output), run.output  # something said in Chinese


def test_round_two_has_at_least_50_kinds_in_all() -> None:
    # The corpus kinds, the first round's kinds, and the batch and output cases tested separately.
    separate = (
        7 + 9
    )  # the first round's seven, and the nine tests below that are kinds of their own
    assert len(hostile.KINDS) + len(CORPUS) + separate >= 50


@pytest.mark.parametrize("kind", hostile.KINDS, ids=lambda k: k.name)
def test_hostile_kind_through_the_cli(kind: hostile.Kind, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    target = kind.make(tmp_path / "in")
    before = _hashes(target)
    out = tmp_path / "out"
    json_path = out / "结果.json"
    args = [
        "check",
        str(target),
        "--year",
        "2023",
        "--district",
        "示范区",
        "--json",
        str(json_path),
    ]
    if kind.feedback:
        args += ["--feedback", str(out / "意见"), "--xlsx", str(out / "审核结果.xlsx")]
    run = run_cli(args, process=kind.process)
    _sane(run)
    report = _report(json_path)
    codes = _codes(report)
    assert any(run.exit == exit and wanted <= codes for wanted, exit in kind.outcomes), (
        run.exit,
        codes,
        run.output[-1500:],
    )
    assert run.seconds < MAX_SECONDS, run.seconds
    if kind.process:
        assert run.rss < MAX_RSS, f"{run.rss / 1024**2:.0f} MiB"
    assert _hashes(target) == before
    for text in kind.absent:
        assert text not in run.output
    for text in kind.shown:
        assert text in run.output
    if kind.status:
        assert [f["status"] for f in report["files"]] == [kind.status]
    if kind.feedback:
        _feedback_is_sound(out / "意见")
        assert not [f for f in hostile.formulas_in(out) if any(m in f[2] for m in hostile.MARKERS)]


def _feedback_is_sound(folder: Path) -> None:
    """A copy and an email text were written; names are short and plain, cells within Excel's
    limit of 32,767 characters."""
    names = [p.name for p in folder.iterdir()]
    assert any(n.endswith(".xlsx") for n in names) and any(n.endswith(".txt") for n in names)
    for name in names:
        assert len(name.encode("utf-8")) <= 255
        assert not re.search(r"[\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]", name)
    for path in folder.glob("*.xlsx"):
        with zipfile.ZipFile(path) as archive:
            for part in archive.namelist():
                if part.endswith(".xml"):
                    for text in re.findall(rb"<t[^>]*>([^<]*)</t>", archive.read(part)):
                        assert len(text.decode("utf-8")) <= 32_767, (path.name, part)


@pytest.mark.parametrize("kind", [k for k in hostile.KINDS if k.process], ids=lambda k: k.name)
def test_previous_pointing_at_a_hostile_path(kind: hostile.Kind, tmp_path: Path) -> None:
    """Last year's files go through the same limits as this year's."""
    (tmp_path / "in").mkdir()
    target = kind.make(tmp_path / "in")
    before = _hashes(target)
    run = run_cli(["check", str(BASE), "--year", "2023", "--previous", str(target)], process=True)
    _sane(run)
    assert run.exit in (0, 1) or (run.exit == 2 and "上年" in run.output), run.output[-1500:]
    assert run.seconds < MAX_SECONDS and run.rss < MAX_RSS, (run.seconds, run.rss)
    assert _hashes(target) == before


def test_previous_pointing_at_every_hostile_file_at_once(tmp_path: Path) -> None:
    made = hostile.write(tmp_path / "in")
    before = {k: _hashes(p) for k, p in made.items()}
    args = ["check", str(BASE), "--year", "2023"]
    for path in made.values():
        args += ["--previous", str(path)]
    run = run_cli(args, process=True)
    _sane(run)
    assert run.exit in (0, 1) or (run.exit == 2 and "上年" in run.output), run.output[-1500:]
    assert run.seconds < 3 * MAX_SECONDS and run.rss < MAX_RSS, (run.seconds, run.rss)
    assert {k: _hashes(p) for k, p in made.items()} == before


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
    _sane(run)
    assert run.exit == 0, run.output
    batch = _report(json_path)["batch_findings"]
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
    _sane(run)
    report = _report(json_path)
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
    _sane(run)
    assert run.exit == 1, run.output
    by_file = {Path(r["path"]).name: {f["code"] for f in r["findings"]} for r in
               _report(json_path)["files"]}  # fmt: skip
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
    _sane(run)
    assert run.exit == 1, run.output
    (conflict,) = [
        f for f in _report(json_path)["batch_findings"] if f["code"] == "agency-conflict"
    ]
    assert first.name in conflict["message"] and second.name in conflict["message"]
    rolled = run_cli(
        ["rollup", str(tmp_path), "--year", "2023", "--out", str(tmp_path / "汇总.xlsx")]
    )
    _sane(rolled)
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
    _sane(checked)
    assert checked.exit == 1
    rolled = run_cli(
        ["rollup", str(returned), "--year", "2023", "--include-errors", "--out",
         str(out / "汇总.xlsx"), "--csv", str(out / "汇总.csv")]
    )  # fmt: skip
    _sane(rolled)
    assert rolled.exit == 0, rolled.output


def test_no_untrusted_text_becomes_a_formula_in_any_output(tmp_path: Path) -> None:
    """The injection kinds in one batch: the findings workbook, the feedback copies, the rollup
    and the CSV hold no formula made from their text, and the CSV neutralises it."""
    returned = _batch(tmp_path / "报回", [k for k in hostile.KINDS if k.injects])
    out = tmp_path / "输出"
    _every_output(returned, out)
    formulas = hostile.formulas_in(out)
    assert formulas  # the scanner sees the outputs' own formulas (the rollup's SUMs)
    assert [f for f in formulas if any(m in f[2] for m in hostile.MARKERS)] == []
    cells = hostile.csv_cells(out)
    assert any("HYPERLINK" in c for c in cells)  # the name is there, as text
    assert [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")] == []


def test_no_nan_or_inf_in_any_output(tmp_path: Path) -> None:
    returned = _batch(tmp_path / "报回", [k for k in hostile.KINDS if "stored in an" in k.name])
    out = tmp_path / "输出"
    _every_output(returned, out)
    cells = hostile.csv_cells(out)
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
    _sane(run)
    assert run.exit in (0, 2), run.output
    if run.exit == 0:
        assert [
            f for f in hostile.formulas_in(out) if any(m in f[2] for m in hostile.MARKERS)
        ] == []
        assert not [p for p in out.iterdir() if "\u202e" in p.name]
