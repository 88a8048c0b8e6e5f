"""The command line as a district clerk uses it: help, generation, and every bad input (exit 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolkit.cli import app

from .conftest import ROOT, SAMPLES

runner = CliRunner()
BASE = ["generate", "--year", "2025", "--password", "pw", "--generated-at", "2025-12-01T09:00:00"]


def _run(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args], terminal_width=100)
    return result.exit_code, result.output


def test_help_is_chinese_and_lists_every_option() -> None:
    code, out = _run("generate", "--help")
    assert code == 0
    for option in ("--roster", "--year", "--out", "--district", "--deadline", "--contact",
                   "--password", "--generated-at", "--agency-code", "--agency-name"):  # fmt: skip
        assert option in out
    assert "单位名单" in out
    code, out = _run("--help")
    assert code == 0 and "生成填报模板" in out and "generate" in out


def test_generate_from_roster(tmp_path: Path) -> None:
    code, out = _run(*BASE, "--roster", SAMPLES / "roster.csv", "--out", tmp_path / "out",
                     "--district", "示范区", "--deadline", "2026-01-15")  # fmt: skip
    assert code == 0, out
    assert "已生成 13 个模板" in out
    assert len(list((tmp_path / "out").glob("*.xlsx"))) == 13
    assert (tmp_path / "out" / "manifest.csv").exists()


def test_single_agency_without_roster(tmp_path: Path) -> None:
    code, out = _run(*BASE, "--agency-code", "JD009", "--agency-name", "新区街道办事处",
                     "--out", tmp_path)  # fmt: skip
    assert code == 0, out
    assert [p.name for p in tmp_path.glob("*.xlsx")] == [
        "JD009-新区街道办事处-2025年政府信息公开工作年度报告.xlsx"
    ]


def test_password_is_generated_when_not_given(tmp_path: Path) -> None:
    args = [a for a in BASE if a not in ("--password", "pw")]
    code, out = _run(*args, "--agency-code", "A", "--agency-name", "B", "--out", tmp_path)
    assert code == 0 and "随机生成" in out
    password = (tmp_path / "password.txt").read_text(encoding="utf-8").splitlines()[0]
    assert len(password) >= 12


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "2019"], "年度 2019 不在 2021–2100 之间"),
        (["--year", "2101"], "年度 2101 不在 2021–2100 之间"),
        (["--generated-at", "yesterday"], "--generated-at 的值“yesterday”不是有效的日期时间"),
        (["--deadline", "2026-13-01"], "--deadline 的值“2026-13-01”不是有效的日期"),
    ],
)
def test_bad_options_exit_2_without_output(tmp_path: Path, args: list[str], message: str) -> None:
    out_dir = tmp_path / "out"
    code, out = _run(*BASE, "--roster", SAMPLES / "roster.csv", "--out", out_dir, *args)
    assert code == 2
    assert message in out
    assert not out_dir.exists() or not any(out_dir.iterdir())


def test_bad_roster_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("单位代码,单位名称,联系人,电子邮箱\nA,甲,,\nA,乙,,\n", encoding="gbk")
    code, out = _run(*BASE, "--roster", roster, "--out", tmp_path / "out")
    assert code == 2
    assert "单位代码“A”重复" in out and "未生成任何文件" in out
    assert not (tmp_path / "out").exists()


def test_out_is_a_file_or_cannot_be_made(tmp_path: Path) -> None:
    occupied = tmp_path / "occupied"
    occupied.write_text("x")
    code, out = _run(*BASE, "--agency-code", "A", "--agency-name", "B", "--out", occupied)
    assert code == 2 and "不是文件夹" in out
    code, out = _run(*BASE, "--agency-code", "A", "--agency-name", "B", "--out", occupied / "sub")
    assert code == 2 and "无法写入输出文件夹" in out
    assert occupied.read_text() == "x"


def test_no_agency_or_both_sources(tmp_path: Path) -> None:
    code, out = _run(*BASE, "--out", tmp_path)
    assert code == 2 and "--roster" in out
    code, out = _run(*BASE, "--out", tmp_path, "--roster", SAMPLES / "roster.csv",
                     "--agency-code", "A", "--agency-name", "B")  # fmt: skip
    assert code == 2 and "二选一" in out


def test_console_script_and_module_entry_points(tmp_path: Path) -> None:
    """The installed `nianbao` and `python -m toolkit` both run, in a real subprocess."""
    nianbao = Path(sys.executable).with_name("nianbao")
    for command in ([str(nianbao)], [sys.executable, "-m", "toolkit"]):
        done = subprocess.run(
            [*command, "--version"], capture_output=True, text=True, cwd=ROOT, check=False,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("nianbao ")


def test_an_unexpected_os_error_is_one_chinese_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import errno

    from toolkit import cli

    def broken(**kwargs: object) -> None:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), "/报回/缺失\n.xlsx")

    monkeypatch.setattr(cli, "app", broken)
    with pytest.raises(SystemExit) as caught:
        cli.main()
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err == "错误：/报回/缺失\\u000a.xlsx：文件或文件夹不存在\n"


def test_an_interruption_inside_a_command_is_one_chinese_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from toolkit import cli, outputs

    leftover = Path(os.getcwd()) / ".never-created"
    outputs._PENDING[leftover] = None  # as if a write were in progress

    def interrupted(**kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "app", interrupted)

    def leave(code: int) -> None:  # os._exit would end the test run itself
        raise SystemExit(code)

    monkeypatch.setattr(os, "_exit", leave)
    import signal

    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        with pytest.raises(SystemExit) as caught:
            cli.main()
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)
    assert caught.value.code == 2
    assert capsys.readouterr().err == "已中断，未完成的输出已清理。\n"
    assert leftover not in outputs._PENDING
