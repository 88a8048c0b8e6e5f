"""Outputs that cannot be tricked: atomic writes that refuse inputs and devices, follow the umask,
speak Chinese when the disk says no, leave nothing behind when interrupted, and are never read back
as an agency's report; only regular files are read; no formula from untrusted text in any workbook
or CSV nianbao writes; terminal lines that a file name or an agency name cannot forge."""

from __future__ import annotations

import csv
import errno
import html
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from toolkit.check.check import check
from toolkit.cli.cli import app
from toolkit.core import outputs
from toolkit.core.catalogue import UsageError
from toolkit.core.outputs import MARKER, staging_dir, write_atomic
from toolkit.form.contract import file_name, identity_for
from toolkit.form.fill import Fill
from toolkit.form.form import Form
from toolkit.inputs.discover import collect
from toolkit.inputs.roster import Agency, read_roster
from toolkit.results.report import write_findings_workbook, write_json
from toolkit.rollup.rollup import rollup
from toolkit.template.workbook import write_workbook

from .conftest import FORM, ROOT, SAMPLES

RETURNED = SAMPLES / "returned"
SAMPLE = sorted(RETURNED.glob("QK001-*.xlsx"))[0]
OTHER = sorted(RETURNED.glob("QK002-*.xlsx"))[0]
runner = CliRunner()

PAYLOADS = ('=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1+1", "@SUM(1)")
_ENGLISH = re.compile(r"No such file|Permission denied|No space|File name too long|Errno")


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".nianbao-*") if p.name != MARKER)


# ------------------------------------------------------------------------------------------------
# write_atomic
# ------------------------------------------------------------------------------------------------


def test_non_regular_targets_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "out.xlsx"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.json"
    folder.mkdir()
    link = tmp_path / "link.csv"
    link.symlink_to("/dev/null")
    for target in (fifo, folder, Path("/dev/null"), link):
        with pytest.raises(UsageError) as caught:
            write_atomic(target, b"data")
        assert caught.value.code == "output-not-regular"
        assert "不是普通文件" in str(caught.value)
    assert fifo.is_fifo() and folder.is_dir() and link.is_symlink()
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_permissions_follow_the_umask(tmp_path: Path, mask: int, mode: int) -> None:
    old = os.umask(mask)
    try:
        write_atomic(tmp_path / "a.json", b"{}")
    finally:
        os.umask(old)
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == mode


def test_an_input_is_never_overwritten_even_through_a_hard_link(tmp_path: Path) -> None:
    source = tmp_path / "in.xlsx"
    source.write_bytes(b"agency data")
    twin = tmp_path / "twin.xlsx"
    os.link(source, twin)
    for target in (source, twin, tmp_path / "." / "in.xlsx"):
        with pytest.raises(UsageError) as caught:
            write_atomic(target, b"oops", inputs=[source])
        assert caught.value.code == "output-is-input"
    assert source.read_bytes() == b"agency data"


def test_os_errors_are_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UsageError) as caught:
        write_atomic(tmp_path / ("长" * 120 + ".xlsx"), b"x")  # 360 bytes: over any file system
    assert "文件名或路径过长" in str(caught.value)
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError) as caught:
        write_atomic(tmp_path / "file" / "out.json", b"x")  # a file where a folder should be
    assert caught.value.code == "output-failed"

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    (tmp_path / "old.json").write_bytes(b"old")
    monkeypatch.setattr(outputs.os, "fsync", full)
    with pytest.raises(UsageError) as caught:
        write_atomic(tmp_path / "old.json", b"new")
    assert "磁盘空间不足" in str(caught.value)
    for message in (str(caught.value),):
        assert not _ENGLISH.search(message)
    assert (tmp_path / "old.json").read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "汇总.xlsx"
    target.write_bytes(b"old")

    def interrupted(*args: object) -> None:
        raise outputs.Interrupted(signal.SIGTERM)

    monkeypatch.setattr(outputs.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_staging_dir_vanishes_on_failure_and_stale_ones_go(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt), staging_dir(tmp_path) as staging:
        (staging / "a.xlsx").write_bytes(b"half")
        assert staging.parent == tmp_path and staging.name.startswith(".nianbao-staging-")
        raise KeyboardInterrupt
    assert not staging.exists()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    stale = tmp_path / f".nianbao-staging-{dead}-abc"
    stale.mkdir()
    (stale / "t.xlsx").write_bytes(b"left by a killed run")
    (tmp_path / f".nianbao-tmp-{dead}-xyz").write_bytes(b"also")
    mine = tmp_path / f".nianbao-staging-{os.getpid()}-keep"  # a live run's: not touched
    mine.mkdir()
    with staging_dir(tmp_path) as staging:
        assert staging.is_dir()
        assert not stale.exists() and not (tmp_path / f".nianbao-tmp-{dead}-xyz").exists()
    assert not staging.exists() and mine.exists()


# ------------------------------------------------------------------------------------------------
# What is read: never nianbao's own outputs, only regular files
# ------------------------------------------------------------------------------------------------


def test_own_outputs_are_skipped_but_an_edited_copy_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "returned"
    folder.mkdir()
    shutil.copy(OTHER, folder / OTHER.name)
    ours = folder / "QK001-审核意见.xlsx"
    write_atomic(ours, SAMPLE.read_bytes())  # as a feedback copy is written
    assert (folder / MARKER).exists()
    files, notes = collect([folder])
    assert files == [folder / OTHER.name]
    assert [n.code for n in notes] == ["skipped-file"]
    assert "nianbao 生成的文件（如审核意见副本），不是单位报回的报告" in notes[0].message
    files, _ = collect([folder / "*.xlsx"])  # a pattern too
    assert files == [folder / OTHER.name]
    shutil.copy(SAMPLE, ours)  # the agency corrected it and saved: other bytes, its report now
    with open(ours, "ab") as handle:
        handle.write(b"\0")
    files, notes = collect([folder])
    assert sorted(files) == sorted([folder / OTHER.name, ours]) and notes == []


def test_only_regular_files_are_read(tmp_path: Path) -> None:
    folder = tmp_path / "returned"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / "real.xlsx")
    os.mkfifo(folder / "pipe.xlsx")
    (folder / "device.xlsx").symlink_to("/dev/zero")
    (folder / "linked.xlsx").symlink_to(OTHER)  # a symlink to a regular file is followed
    started = time.monotonic()
    files, notes = collect([folder])
    assert time.monotonic() - started < 5  # nothing was opened: a FIFO would block forever
    assert sorted(p.name for p in files) == ["linked.xlsx", "real.xlsx"]
    skipped = {Path(n.file).name: n.message for n in notes}
    assert set(skipped) == {"pipe.xlsx", "device.xlsx"}
    assert "管道" in skipped["pipe.xlsx"] and "设备" in skipped["device.xlsx"]
    for named in (folder / "pipe.xlsx", folder / "device.xlsx", Path("/dev/null")):
        with pytest.raises(UsageError) as caught:
            collect([named])
        assert caught.value.code == "input-not-regular"
    code, out = _cli("check", folder / "pipe.xlsx", "--year", "2023")
    assert code == 2 and "不是普通文件" in out and "Traceback" not in out


# ------------------------------------------------------------------------------------------------
# The library refuses to write over an input (not only the CLI)
# ------------------------------------------------------------------------------------------------


def test_the_library_refuses_to_overwrite_an_input(form: Form, tmp_path: Path) -> None:
    folder = tmp_path / "returned"
    folder.mkdir()
    for source in (SAMPLE, OTHER):
        shutil.copy(source, folder / source.name)
    victim = folder / SAMPLE.name
    before = victim.read_bytes()
    with pytest.raises(UsageError) as caught:
        rollup([folder], out=victim, year=2023, form=FORM)
    assert caught.value.code == "output-is-input"
    with pytest.raises(UsageError):
        rollup([folder], out=tmp_path / "ok.xlsx", csv_path=victim, year=2023, form=FORM)
    report = check([folder], year=2023, form=FORM)
    with pytest.raises(UsageError):
        write_json(report, victim)
    with pytest.raises(UsageError):
        write_findings_workbook(report, victim, form=form)
    assert victim.read_bytes() == before
    assert not (tmp_path / "ok.xlsx").exists()


# ------------------------------------------------------------------------------------------------
# No formula from untrusted text
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, form: Form) -> dict[str, Path]:
    """A returned report whose agency name, code, narrative and an input cell carry formulas,
    then the findings workbook, the rollup and its CSV made from it."""
    folder = tmp_path_factory.mktemp("hostile")
    returned = folder / "returned"
    returned.mkdir()
    base = check([SAMPLE], year=2023, form=FORM).files[0]
    values = {c.key: base.values[c.key] for c in form.inputs}
    texts = dict(base.texts)
    first = next(iter(texts))
    texts[first] = PAYLOADS[0]
    raw = {form.inputs[-1].key: PAYLOADS[3], form.inputs[-2].key: PAYLOADS[1]}
    values["t2.regulations.issued"] = 1  # a warning the agency explains in its 说明 cell
    notes = {"rule-making": PAYLOADS[2] + " 本单位受托制定规章"}
    agency = Agency(code="+1+1", name=PAYLOADS[0])
    identity = identity_for(form, agency, 2023, "@SUM(1)", datetime(2023, 12, 1, 9))
    path = returned / file_name(FORM, agency, 2023)
    write_workbook(path, form=form, identity=identity, password="pw",
                   fill=Fill(values=values, texts=texts, raw=raw, notes=notes))  # fmt: skip
    shutil.copy(OTHER, returned / OTHER.name)
    report = check([returned], year=2023, form=FORM)
    findings = folder / "审核结果.xlsx"
    write_findings_workbook(report, findings, form=form)
    result = rollup([returned], out=folder / "汇总.xlsx", csv_path=folder / "long.csv",
                    year=2023, include_errors=True, form=FORM)  # fmt: skip
    assert any(r.agency_code == "+1+1" for r in result.included)
    return {"findings": findings, "rollup": folder / "汇总.xlsx", "csv": folder / "long.csv"}


def _formulas(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as book:
        return [
            formula
            for name in book.namelist()
            if name.startswith("xl/worksheets/sheet")
            for formula in re.findall(r"<f(?: [^>]*)?>([^<]*)</f>", book.read(name).decode())
        ]


def _strings(path: Path) -> str:
    with zipfile.ZipFile(path) as book:
        xml = "".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xml"))
    return html.unescape(xml)


def test_untrusted_text_is_text_in_the_findings_workbook(hostile: dict[str, Path]) -> None:
    assert _formulas(hostile["findings"]) == []  # the findings workbook computes nothing
    xml = _strings(hostile["findings"])
    for payload in PAYLOADS:
        assert payload in xml
    issues = openpyxl.load_workbook(hostile["findings"])["问题清单"]
    explained = [r for r in issues.iter_rows(min_row=2, values_only=True) if r[0] == "rule-making"]
    assert explained and explained[0][12] == PAYLOADS[2] + " 本单位受托制定规章"
    summary = openpyxl.load_workbook(hostile["findings"])["汇总"]
    names = {row[1] for row in summary.iter_rows(min_row=5, values_only=True)}
    assert PAYLOADS[0] in names


def test_untrusted_text_is_text_in_the_rollup(hostile: dict[str, Path]) -> None:
    formulas = _formulas(hostile["rollup"])
    assert formulas  # the rollup's own SUMs and chart references
    for formula in formulas:
        assert not re.search(r"HYPERLINK|cmd|SUM\(1\)", formula), formula
        assert not formula.startswith(("+", "@")), formula
    xml = _strings(hostile["rollup"])
    assert PAYLOADS[0] in xml and "+1+1" in xml


def test_the_long_csv_quotes_formula_text(hostile: dict[str, Path]) -> None:
    with open(hostile["csv"], encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    mine = [r for r in rows if r["agency_code"] == "'+1+1"]
    assert mine and all(r["agency_name"] == "'" + PAYLOADS[0] for r in mine)
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "@")) or value.lstrip("+-").isdigit()


# ------------------------------------------------------------------------------------------------
# The terminal
# ------------------------------------------------------------------------------------------------


def _cli(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args], terminal_width=160)
    return result.exit_code, result.output


def test_markup_and_controls_print_literally(form: Form, tmp_path: Path) -> None:
    folder = tmp_path / "returned"
    folder.mkdir()
    base = check([SAMPLE], year=2023, form=FORM).files[0]
    for code, name in (("A1", "[/x]"), ("A2", "[bold red]红字")):
        agency = Agency(code=code, name=name)
        write_workbook(folder / f"{code}.xlsx", form=form, password="pw",
                       identity=identity_for(form, agency, 2023, "", datetime(2023, 12, 1)),
                       fill=Fill(values={c.key: base.values[c.key] for c in form.inputs}))  # fmt: skip
    forged = folder / "x\n共 99 个文件：通过 99\u202e.xlsx"
    shutil.copy(RETURNED / "invalid" / "blank.xlsx", forged)  # it has findings: its path is shown
    code, out = _cli("check", folder, "--year", "2023")
    assert code in (0, 1), out
    assert "[/x]" in out and "[bold red]红字" in out
    assert "\u202e" not in out and "\\u202e" in out and "\\u000a" in out
    assert not any(line.startswith("共 99 个文件") for line in out.splitlines())
    assert "内部错误" not in out


def test_the_table_names_the_file_when_an_agency_sent_two(tmp_path: Path) -> None:
    folder = tmp_path / "returned"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / "第一次.xlsx")
    shutil.copy(SAMPLE, folder / "第二次.xlsx")
    os.utime(folder / "第一次.xlsx", (1_700_000_000, 1_700_000_000))
    code, out = _cli("check", folder, "--year", "2023", "-q")
    assert code in (0, 1), out
    assert "第一次.xlsx" in out and "第二次.xlsx" in out
    table = out.split("\n共")[0]
    assert table.count("第一次.xlsx") == 1 and table.count("第二次.xlsx") == 1


# ------------------------------------------------------------------------------------------------
# The findings workbook reads and prints well
# ------------------------------------------------------------------------------------------------


def test_findings_workbook_lists_missing_agencies_and_prints(form: Form, tmp_path: Path) -> None:
    roster = [*read_roster(SAMPLES / "roster.csv"), Agency(code="ZZ9", name="尚未报送的单位")]
    report = check([SAMPLE, RETURNED / "invalid"], year=2023, roster=roster, form=FORM)
    out = tmp_path / "审核结果.xlsx"
    write_findings_workbook(report, out, form=form)
    book = openpyxl.load_workbook(out)
    summary = book["汇总"]
    rows = {r[0]: r for r in summary.iter_rows(min_row=5, values_only=True)}
    assert rows["ZZ9"][1:3] == ("尚未报送的单位", "未报送")
    missing = {a.code for a in roster} - {r.agency_code for r in report.files}
    assert missing <= set(rows)
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
        assert ws.page_setup.fitToWidth in (None, 1)  # 1 is the default, left out
        assert ws.print_title_rows
    issues = book["问题清单"]
    header = [c.value for c in issues[1]]
    assert header[:2] == ["代码", "规则"]
    titles = {r[0]: r[1] for r in issues.iter_rows(min_row=2, values_only=True)}
    assert titles["t3-balance"] == next(r.title for r in form.rules if r.id == "t3-balance")
    assert titles["missing-agency"] == "未报送"
    long_rows = [
        r for r in issues.iter_rows(min_row=2) if len(str(r[11].value or "")) > 60
    ]  # a message wider than its column gets a row tall enough for its lines
    assert long_rows and all(issues.row_dimensions[r[0].row].height > 20 for r in long_rows)


# ------------------------------------------------------------------------------------------------
# A real SIGTERM
# ------------------------------------------------------------------------------------------------


def _default_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _wait_for_handler(pid: int, timeout: float = 30) -> None:
    """Until the process catches SIGINT and SIGTERM (Linux shows it in /proc/<pid>/status)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = Path(f"/proc/{pid}/status").read_text()
        caught = int(re.search(r"SigCgt:\s*([0-9a-f]+)", status).group(1), 16)
        if caught & (1 << (signal.SIGTERM - 1)) and caught & (1 << (signal.SIGINT - 1)):
            return
        time.sleep(0.05)
    raise AssertionError("nianbao never installed its SIGTERM handler")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_an_interruption_cleans_up_and_says_so(tmp_path: Path, signum: int) -> None:
    folder = tmp_path / "returned"
    folder.mkdir()
    for i in range(12):  # enough work that the signal lands while it is under way
        for source in sorted(RETURNED.glob("*.xlsx")):
            shutil.copy(source, folder / f"{i}-{source.name}")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "toolkit", "rollup", str(folder), "--out", str(out / "汇总.xlsx"),
         "--csv", str(out / "long.csv"), "--year", "2023"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        preexec_fn=_default_signals,  # a background shell may have left SIGINT ignored
    )  # fmt: skip
    _wait_for_handler(process.pid)  # nianbao is running, not importing
    time.sleep(0.5)  # checking under way (156 files take several seconds)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 2, (stdout, stderr)
    assert stderr.strip() == "已中断，未完成的输出已清理。"
    assert "Traceback" not in stdout + stderr
    assert not (out / "汇总.xlsx").exists()
    assert _leftovers(tmp_path) == []


def test_feedback_copies_in_the_returned_folder_are_not_read_back(tmp_path: Path) -> None:
    folder = tmp_path / "returned"
    folder.mkdir()
    shutil.copy(RETURNED / "invalid" / "blank.xlsx", folder / "blank.xlsx")
    shutil.copy(OTHER, folder / OTHER.name)
    code, out = _cli("check", folder, "--year", "2023", "-q", "--feedback", folder / "意见")
    assert code == 1 and "副本 1 个" in out, out
    code, again = _cli("check", folder, "--year", "2023")
    assert "nianbao 生成的文件（如审核意见副本），不是单位报回的报告" in again
    assert "共2个文件" in again


def test_a_batch_writes_each_marker_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writes: list[Path] = []
    real = outputs._write_marker
    monkeypatch.setattr(outputs, "_write_marker", lambda f, e: (writes.append(f), real(f, e)))
    with outputs.deferred_marks():
        for i in range(50):
            write_atomic(tmp_path / f"{i}.txt", f"copy {i}".encode())
        write_atomic(tmp_path / "0.txt", b"written again")
        assert writes == [] and not (tmp_path / MARKER).exists()
    assert writes == [tmp_path]
    marked = outputs.marked_hashes(tmp_path)
    assert len(marked) == 50 and list(marked.values()).count("0.txt") == 1
    assert outputs.is_marked_output(tmp_path / "0.txt", marked)


def test_rollup_lines_print_names_literally(form: Form, tmp_path: Path) -> None:
    folder = tmp_path / "returned"
    folder.mkdir()
    agency = Agency(code="B1", name="[/x][bold]局\u202e")
    write_workbook(folder / "B1.xlsx", form=form, password="pw",
                   identity=identity_for(form, agency, 2023, "", datetime(2023, 12, 1)))  # fmt: skip
    shutil.copy(OTHER, folder / OTHER.name)
    roster = tmp_path / "roster.csv"
    roster.write_text("单位代码,单位名称,联系人,电子邮箱\nQK002,区教育局,张,a@x.cn\n"
                      "C9,[red]未报送局,李,b@x.cn\n", encoding="utf-8")  # fmt: skip
    code, out = _cli("rollup", folder, "--out", tmp_path / "汇总.xlsx", "--year", "2023",
                     "--roster", roster)  # fmt: skip
    assert code == 0, out
    assert "未计入：[/x][bold]局\\u202e" in out and "未报送：[red]未报送局（C9）" in out
    assert "内部错误" not in out
