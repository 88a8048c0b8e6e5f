"""The year's collection as one workspace (issue 21), driven through the command line as an office
would run it: `init` from a GBK roster, returns filled by another program, two versions from one
agency, a roster re-saved by Excel, feedback, rollup, render, compare, status, a second writer, a
killed run, a lost ledger. Every command reads the one decision the ledger records.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from toolkit.cli.cli import app
from toolkit.workspace.ledger import LEDGER_FILE, SCHEMA_VERSION, Ledger

from .conftest import SAMPLES

runner = CliRunner()
YEAR, DISTRICT = "2023", "示范区"
DEADLINE = (date.today() + timedelta(days=30)).isoformat()  # the collection is under way
FIRST_SAVED = datetime(2024, 1, 5, 9, 0)  # when the agencies saved their first returns
# Codes with leading zeros, as an office types them; each agency reports the figures of a sample.
AGENCIES = {
    "001": ("区发展和改革委员会", "QK001"),
    "010": ("区教育局", "QK002"),
    "100": ("区财政局", "QK006"),
    "200": ("区民政局", "QK005"),
}


def _nianbao(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def _roster(path: Path, *, excel: bool = False) -> Path:
    """The roster as the office keeps it (GBK, as Excel on Chinese Windows saves CSV); `excel`:
    re-saved by Excel, which drops the leading zeros of codes it takes for numbers."""
    with path.open("w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["单位代码", "单位名称", "联系人", "电子邮箱"])
        for code, (name, _) in AGENCIES.items():
            spelled = str(int(code)) if excel else code
            writer.writerow([spelled, name, "张三", f"a{code}@example.org"])
    return path


def _sample_values(code: str) -> dict[str, object]:
    """Every input and text of a bundled sample, by defined name."""
    sample = next((SAMPLES / "returned").glob(f"{code}-*.xlsx"))
    book = openpyxl.load_workbook(sample)
    out: dict[str, object] = {}
    for name, defined in book.defined_names.items():
        if name.startswith("nb_"):
            ((sheet, ref),) = defined.destinations
            value = book[sheet][ref.replace("$", "").split(":")[0]].value
            if not (isinstance(value, str) and value.startswith("=")):
                out[name] = value
    return out


def _fill(
    template: Path, out: Path, values: dict[str, object], *, saved: datetime | None = None
) -> Path:
    """What a script or another spreadsheet program does: write each input by its defined name
    and save (with the save time the program records)."""
    book = openpyxl.load_workbook(template)
    for name, value in values.items():
        ((sheet, ref),) = book.defined_names[name].destinations
        book[sheet][ref.replace("$", "").split(":")[0]].value = value
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    if saved is not None:
        stamp_saved(out, saved)
    return out


def stamp_saved(path: Path, saved: datetime) -> None:
    """Record `saved` as the file's save time (core.xml's dcterms:modified, UTC), as the program
    that saved it would have: openpyxl always writes the moment of its own save there, whatever
    `properties.modified` says, and two saves within one second then tie."""
    utc = saved.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as archive:
        parts = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, body in parts:
            if info.filename == "docProps/core.xml":
                body, count = re.subn(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + utc.encode() + rb"\g<2>",
                    body,
                )
                assert count == 1, body
            archive.writestr(info, body)


def _template(space: Path, code: str) -> Path:
    return next((space / "模板").glob(f"{code}-*.xlsx"))


@contextmanager
def _ledger(space: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(space / LEDGER_FILE)
    db.row_factory = sqlite3.Row
    try:
        with db:
            yield db
    finally:
        db.close()


def _decision(space: Path, code: str) -> sqlite3.Row:
    with _ledger(space) as db:
        row = db.execute("SELECT * FROM decisions WHERE agency_code = ?", (code,)).fetchone()
    assert row is not None
    return row


def _status(space: Path) -> dict[str, dict[str, object]]:
    code, out = _nianbao("status", "-w", space, "--json", "-")
    assert code == 0, out
    return {a["code"]: a for a in json.loads(out)["agencies"]}


@pytest.fixture
def space(tmp_path: Path) -> Path:
    root = tmp_path / "2023年报"
    roster = _roster(tmp_path / "名单.csv")
    code, out = _nianbao(
        "init", root, "--year", YEAR, "--district", DISTRICT, "--roster", roster,
        "--deadline", DEADLINE, "--contact", "区政务公开办 张敏", "--password", "pw-2023",
    )  # fmt: skip
    assert code == 0, out
    assert "已建立工作区" in out and "4 个单位" in out
    return root


def _returns(space: Path, folder: Path, **overrides: dict[str, object]) -> Path:
    """Every agency's return, filled from its sample; `overrides[code]` changes some cells."""
    for code, (_, sample) in AGENCIES.items():
        values = _sample_values(sample) | overrides.get(f"a{code}", {})
        _fill(
            _template(space, code), folder / _template(space, code).name, values, saved=FIRST_SAVED
        )
    return folder


def test_init_records_the_roster_under_the_issued_codes(space: Path, tmp_path: Path) -> None:
    for folder in ("名单", "模板", "收到", "审核意见", "邮件", "输出"):
        assert (space / folder).is_dir()
    assert len(list((space / "模板").glob("*.xlsx"))) == 4
    with _ledger(space) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        codes = [r["code"] for r in db.execute("SELECT code FROM agencies ORDER BY position")]
        assert all(r["token"] for r in db.execute("SELECT token FROM agencies"))
    assert codes == ["001", "010", "100", "200"]
    # Excel re-saved the roster: 1, 10, 100, 200. Given again, it adds nothing and renames nothing.
    again = _roster(tmp_path / "名单-Excel.csv", excel=True)
    code, out = _nianbao("init", space, "--roster", again)
    assert code == 0, out
    assert "新增 0 个单位" in out
    assert "名单中的代码 10 对应已下发模板的单位代码 010" in out
    assert len(list((space / "模板").glob("*.xlsx"))) == 4
    status = _status(space)
    assert sorted(status) == codes
    assert status["010"]["roster_code"] == "10" and status["010"]["state"] == "issued"
    code, out = _nianbao("status", "-w", space)
    assert "010（名单中为 10）" in out and "已下发 4" in out


def test_an_agency_with_nothing_back_after_the_deadline_is_overdue(tmp_path: Path) -> None:
    roster = _roster(tmp_path / "名单.csv")
    code, out = _nianbao(
        "init", tmp_path / "ws", "--year", YEAR, "--district", DISTRICT, "--roster", roster,
        "--deadline", "2024-01-15",
    )  # fmt: skip
    assert code == 0, out
    assert {s["state"] for s in _status(tmp_path / "ws").values()} == {"overdue"}
    code, out = _nianbao("status", "-w", tmp_path / "ws")
    assert "逾期 4" in out and "截止日期：2024年1月15日" in out
    # The office moves the deadline: the year's settings follow. Another year is refused.
    code, out = _nianbao("init", tmp_path / "ws", "--roster", roster, "--deadline", DEADLINE)
    assert code == 0, out
    assert {s["state"] for s in _status(tmp_path / "ws").values()} == {"issued"}
    code, out = _nianbao("init", tmp_path / "ws", "--roster", roster, "--year", "2024")
    assert code == 2 and "每个年度请建立一个工作区" in out


def test_check_stores_each_file_once_and_records_the_decision(space: Path, tmp_path: Path) -> None:
    returned = _returns(space, tmp_path / "报回")
    before = {p: p.read_bytes() for p in returned.iterdir()}
    code, out = _nianbao("check", "-w", space, returned, "-q")
    assert code == 0, out
    assert "收到 4 份文件（新保存 4 份" in out and "4个单位全部通过" in out
    assert {p: p.read_bytes() for p in returned.iterdir()} == before  # inputs untouched
    stored = sorted((space / "收到").glob("*/*.xlsx"))
    assert len(stored) == 4
    for path in stored:  # by content hash, read-only, original name kept
        import hashlib

        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.parent.name
        assert not os.access(path, os.W_OK) or os.geteuid() == 0
        assert not path.stat().st_mode & 0o222
        assert (returned / path.name).is_file()
    assert _decision(space, "010")["rule"] == "only"
    # The same command twice: nothing new stored, no second receipt, the same decisions.
    code, again = _nianbao("check", "-w", space, returned, "-q")
    assert code == 0 and "新保存 0 份" in again
    with _ledger(space) as db:
        assert db.execute("SELECT COUNT(*) FROM receipts").fetchone()[0] == 4
        assert db.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 4
    assert {c: s["state"] for c, s in _status(space).items()} == dict.fromkeys(AGENCIES, "passed")


def test_every_command_takes_the_file_the_ledger_counts(space: Path, tmp_path: Path) -> None:
    """An agency sends v1, then v2 (saved later): check, status, rollup, render and compare all use
    v2; compare with the published v2 finds nothing; the office's own choice turns all to v1."""
    first = _returns(space, tmp_path / "第一次")
    code, out = _nianbao("check", "-w", space, first, "-q")
    assert code == 0, out
    values = _sample_values("QK002")
    changed = {"nb_t2_licensing_decisions": int(values["nb_t2_licensing_decisions"] or 0) + 7}
    later = tmp_path / "第二次" / "区教育局-更正.xlsx"
    v2 = _fill(_template(space, "010"), later, values | changed, saved=datetime(2024, 1, 10, 9, 30))
    code, out = _nianbao("check", "-w", space, v2, "-q")
    assert code == 0, out
    decision = _decision(space, "010")
    assert decision["state"] == "counted" and decision["rule"] == "save-time"
    assert "区教育局-更正.xlsx" in out and "按文件中记录的保存时间" in out  # shown with the rule
    status = _status(space)["010"]
    assert status["file"] == "区教育局-更正.xlsx" and status["files"] == 2
    code, out = _nianbao("rollup", "-w", space, "--csv", tmp_path / "rollup.csv")
    assert code == 0, out
    rows = _csv(tmp_path / "rollup.csv")
    licensing = _licensing(rows)
    assert licensing["010"] == changed["nb_t2_licensing_decisions"]
    assert sorted(licensing) == sorted(AGENCIES)  # the codes as issued, zeros kept
    code, out = _nianbao("render", "-w", space, "--format", "html")
    assert code == 0, out
    assert len(list((space / "输出" / "报告").glob("*.html"))) == 5  # four agencies, one draft
    code, out = _nianbao("compare", "-w", space, "--published", space / "输出" / "报告")
    assert "区教育局（010）" in out and "有差异" not in out.split("区教育局（010）")[1][:30]
    assert "计入" in out and "区教育局-更正.xlsx" in out  # the file compared, and why
    # The same comparison by folders, with the office key: the same decision.
    folders = tmp_path / "全部报回"
    folders.mkdir()
    for path in [*first.iterdir(), v2]:
        (folders / path.name).write_bytes(path.read_bytes())
    os.utime(folders / v2.name, (1, 1))  # an older file time must not matter: the save time does
    code, by_folder = _nianbao(
        "compare", "--published", space / "输出" / "报告", "--submitted", folders,
        "--issued", space / "模板",
    )  # fmt: skip
    assert "已被替代，未比对" in by_folder and "第一次" not in by_folder.split("已被替代")[0]
    assert code == 0 or "差异" not in by_folder.split("区教育局（010）")[1].splitlines()[0]
    # The office decides otherwise: every command follows.
    v1 = next(first.glob("010-*.xlsx"))
    code, out = _nianbao("choose", "010", v1.name, "-w", space)
    assert code == 0, out
    assert _decision(space, "010")["rule"] == "office"
    code, out = _nianbao("rollup", "-w", space, "--csv", tmp_path / "rollup2.csv")
    rows = _csv(tmp_path / "rollup2.csv")
    assert _licensing(rows)["010"] == float(values["nb_t2_licensing_decisions"] or 0)


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))


def _licensing(rows: list[dict[str, str]]) -> dict[str, float]:
    """行政许可 decisions per agency, from the rollup's long CSV."""
    return {
        r["agency_code"]: float(r["value"])
        for r in rows
        if r["table"] == "t2" and r["row_key"] == "licensing" and r["col_key"] == "decisions"
    }


def test_feedback_is_made_once_from_the_counted_file(space: Path, tmp_path: Path) -> None:
    returned = _returns(space, tmp_path / "报回", a010={"nb_t3_new_natural": -3})
    code, out = _nianbao("check", "-w", space, returned, "-q")
    assert code == 1, out
    assert "已为 1 个单位生成审核意见" in out
    (copy,) = list((space / "审核意见").glob("*/010-*审核意见.xlsx"))
    meta = {row[0].value: row[1].value for row in openpyxl.load_workbook(copy)["_meta"].iter_rows()}
    assert meta["agency_code"] == "010"  # the canonical code, as issued
    with _ledger(space) as db:
        (made,) = db.execute("SELECT * FROM feedback").fetchall()
    assert made["source_sha256"] == _decision(space, "010")["sha256"]
    assert _status(space)["010"]["state"] == "feedback"
    code, out = _nianbao("check", "-w", space, "-q")  # again: no second copy for the same file
    assert code == 1 and "没有新的" not in out and "此前已生成" in out
    assert len(list((space / "审核意见").glob("*/010-*审核意见.xlsx"))) == 1


def test_a_second_writer_is_refused_while_one_writes(space: Path) -> None:
    ledger = Ledger.open(space)
    with ledger.writing("check"):
        other = subprocess.run(
            [sys.executable, "-m", "toolkit", "check", "-w", str(space)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        # status only reads: it works meanwhile
        reader = subprocess.run(
            [sys.executable, "-m", "toolkit", "status", "-w", str(space)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    ledger.close()
    assert other.returncode == 2
    assert "另一个 nianbao 命令正在写入工作区" in other.stderr and "check" in other.stderr
    assert "Traceback" not in other.stderr
    assert reader.returncode == 0 and "已下发" in reader.stdout
    code, out = _nianbao("check", "-w", space)  # and afterwards, the lock is free
    assert code == 0, out


def test_a_killed_run_is_resumed_by_the_next(space: Path, tmp_path: Path) -> None:
    """SIGKILL while files are being stored: the lock dies with the process, the run is recorded
    as interrupted, and the next run stores the rest and decides as if nothing happened."""
    values = {c: _sample_values(s) for c, (_, s) in AGENCIES.items()}
    folder = tmp_path / "很多"
    for index in range(120):  # distinct files: each is stored and checked
        code = list(AGENCIES)[index % 4]
        extra = {"nb_t3_new_natural": index}
        _fill(_template(space, code), folder / f"{index:03d}-{code}.xlsx", values[code] | extra)
    process = subprocess.Popen(
        [sys.executable, "-m", "toolkit", "check", "-w", str(space), str(folder), "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    stored = 0
    while time.monotonic() < deadline and process.poll() is None:
        with _ledger(space) as db:
            stored = db.execute("SELECT COUNT(*) FROM files").fetchone()[0]
        if stored >= 5:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    with _ledger(space) as db:
        partial = db.execute("SELECT COUNT(*) FROM files").fetchone()[0]
    assert 0 < partial < 120
    code, out = _nianbao("check", "-w", space, folder, "-q")
    assert code in (0, 1), out
    with _ledger(space) as db:
        assert db.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 120
        outcomes = [r["outcome"] for r in db.execute("SELECT outcome FROM runs ORDER BY id")]
    assert "interrupted" in outcomes and outcomes[-1] == "done"
    assert all(s["files"] == 30 for s in _status(space).values())


def test_a_lost_ledger_is_rebuilt_from_the_stored_files(space: Path, tmp_path: Path) -> None:
    returned = _returns(space, tmp_path / "报回")
    code, _ = _nianbao("check", "-w", space, returned, "-q")
    assert code == 0
    decided = {c: _decision(space, c)["sha256"] for c in AGENCIES}
    for name in (LEDGER_FILE, LEDGER_FILE + "-wal", LEDGER_FILE + "-shm"):
        (space / name).unlink(missing_ok=True)
    code, out = _nianbao("status", "-w", space)
    assert code == 2 and "台账 nianbao.db 不见了" in out and "--rebuild" in out
    code, out = _nianbao("init", space, "--rebuild")
    assert code == 0, out
    assert "4 个单位，4 份收到的文件" in out
    code, out = _nianbao("check", "-w", space, "-q")
    assert code == 0, out
    assert {c: _decision(space, c)["sha256"] for c in AGENCIES} == decided


def test_a_ledger_from_a_newer_nianbao_is_refused(space: Path) -> None:
    with _ledger(space) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    code, out = _nianbao("status", "-w", space)
    assert code == 2 and "较新版本的 nianbao" in out


def test_inside_the_workspace_folder_the_files_given_are_received(
    space: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the README tells a clerk: cd into the workspace, `nianbao check 下载/报回文件`."""
    returned = _returns(space, tmp_path / "下载")
    monkeypatch.chdir(space / "输出")  # any folder inside it
    code, out = _nianbao("check", returned, "-q")
    assert code == 0 and "收到 4 份文件" in out, out
    code, out = _nianbao("status")
    assert code == 0 and "通过 4" in out, out


def test_commands_outside_a_workspace_say_how_to_start_one(tmp_path: Path) -> None:
    previous = Path.cwd()
    os.chdir(tmp_path)
    try:
        code, out = _nianbao("check")
    finally:
        os.chdir(previous)
    assert code == 2 and "不在任何工作区中" in out and "nianbao init" in out
    code, out = _nianbao("status", "-w", tmp_path)
    assert code == 2 and "不是 nianbao 工作区" in out


def test_options_the_workspace_records_are_refused_beside_it(space: Path) -> None:
    code, out = _nianbao("check", "-w", space, "--year", "2023")
    assert code == 2 and "--year" in out and "由工作区记录" in out
    code, out = _nianbao("rollup", "-w", space, "x.xlsx")
    assert code == 2 and "不需要再给出文件" in out


def test_a_workspace_keeps_the_form_it_was_started_with(tmp_path: Path) -> None:
    """`init --form` copies the form into the workspace; every later command uses that copy."""
    form = Path(__file__).parent / "forms" / "city-brief.toml"
    root = tmp_path / "ws"
    code, out = _nianbao(
        "init", root, "--year", "2024", "--district", DISTRICT, "--form", form,
        "--roster", _roster(tmp_path / "名单.csv"),
    )  # fmt: skip
    assert code == 0, out
    assert (root / "form" / "form.toml").read_bytes() == form.read_bytes()
    assert (root / "form" / "city-brief-figures.toml").is_file()  # what the form names, too
    template = next((root / "模板").glob("001-*.xlsx"))
    meta = {r[0].value: r[1].value for r in openpyxl.load_workbook(template)["_meta"].iter_rows()}
    returned = tmp_path / "报回" / template.name
    returned.parent.mkdir()
    returned.write_bytes(template.read_bytes())  # sent back as issued
    code, out = _nianbao("check", "-w", root, returned, "-q")
    assert "不是本表式" not in out and "unknown-form" not in out, out
    with _ledger(root) as db:
        (row,) = db.execute("SELECT agency_code, status FROM files").fetchall()
    assert row["agency_code"] == "001" and row["status"] in ("passed", "warnings", "failed")
    assert meta["form_id"] != "gov-info-2021"


def test_a_workspace_can_take_the_key_of_templates_issued_before(tmp_path: Path) -> None:
    """An office that issued templates with `generate` moves to a workspace: `init --issued`
    keeps its key, so the returns of those templates verify; the bundled samples are such."""
    root = tmp_path / "ws"
    code, out = _nianbao(
        "init", root, "--year", YEAR, "--district", DISTRICT, "--roster",
        SAMPLES / "roster.csv", "--issued", SAMPLES, "--password", "demo-2023",
    )  # fmt: skip
    assert code == 0, out
    assert (
        (root / "模板" / "nianbao-key.txt")
        .read_text(encoding="utf-8")
        .count((SAMPLES / "nianbao-key.txt").read_text(encoding="utf-8").splitlines()[0])
    )
    code, out = _nianbao("check", "-w", root, str(SAMPLES / "returned" / "*.xlsx"), "-q")
    assert code == 0 and "13个单位全部通过" in out, out
    assert "identity-mismatch" not in out
    other = tmp_path / "另一个密钥"
    other.mkdir()
    (other / "nianbao-key.txt").write_text("key:" + "ab" * 32 + "\n", encoding="utf-8")
    code, out = _nianbao("init", root, "--roster", SAMPLES / "roster.csv", "--issued", other)
    assert code == 2 and "单位校验密钥与工作区已有的不同" in out
