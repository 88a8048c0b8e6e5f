"""The command line as a district clerk uses it: help, generation, and every bad input (exit 2)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolkit.cli.cli import app

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


# ------------------------------------------------------------------------------------------------
# Everything a user reads is Chinese, the command line's own words included (cli_zh.py).
# ------------------------------------------------------------------------------------------------

ENGLISH = re.compile(
    r"\b(Usage|Options?|Arguments?|Commands?|Missing|Error|Invalid|Try|No such|Got|unexpected|"
    r"Show this|required|default|Possible|requires|valid|integer|Input should|Aborted)\b"
)


def _no_english(out: str) -> None:
    found = ENGLISH.findall(out)
    assert not found, f"English words reach the user: {found}\n{out}"


@pytest.mark.parametrize(
    "args",
    [["--help"], ["-h"], ["generate", "--help"], ["check", "--help"], ["rollup", "--help"], []],
)
def test_help_is_all_chinese(args: list[str]) -> None:
    code, out = _run(*args)
    assert code == (2 if not args else 0)  # no arguments: help, as a usage error
    assert out.startswith("用法：nianbao")
    assert "选项：" in out and "显示本帮助后退出。" in out
    _no_english(out)


def test_help_columns_line_up_with_chinese_metavars() -> None:
    from toolkit.cli.cli_zh import display_width

    code, out = _run("check", "--help")
    assert code == 0
    assert "参数：" in out and "路径 <文本>..." in out and "--year <整数>" in out
    rows = [line for line in out.splitlines() if line.startswith("  -")]
    descriptions = [re.split(r"\s{2,}", line.strip(), maxsplit=1)[1] for line in rows]
    columns = {
        display_width(row[: row.index(d)]) for row, d in zip(rows, descriptions, strict=True)
    }
    assert len(rows) >= 12 and len(columns) == 1, out  # one column, by display width


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["generate"], "错误：缺少选项 '--year'。"),
        (["generate", "--year", "2025"], "错误：缺少选项 '--out'。"),
        (["import"], "错误：缺少参数 '路径'。"),
        (["generate", "--year", "x", "--out", "o"], "错误：'--year' 的值无效：须为整数"),
        (["check", "a", "--year", "2023年"], "错误：'--year' 的值无效：须为整数"),
        (["generate", "--bogus"], "错误：没有选项 --bogus"),
        (["nope"], "错误：没有命令 'nope'。"),
        (["generate", "--year", "2025", "--out", "o", "extra"], "错误：多余的参数：extra"),
        (["generate", "--year"], "错误：选项 '--year' 后面须给出一个值。"),
    ],
)
def test_parser_errors_are_chinese_with_exit_2(args: list[str], message: str) -> None:
    code, out = _run(*args)
    assert code == 2
    assert message in out
    if args != ["generate", "--year"]:  # click shows no usage for an option without its value
        assert "用法：nianbao" in out and "查看帮助。" in out
    _no_english(out)


def test_translation_table_covers_clicks_own_wording() -> None:
    from toolkit.cli.cli_zh import translate

    assert translate("'abc' is not a valid integer.") == "“abc”不是有效的整数"
    assert translate("Missing argument 'PATHS'.") == "缺少参数 'PATHS'。"
    assert translate("No such option: --yaer Did you mean --year?") == (
        "没有选项 --yaer（是否要用 --year？）"
    )
    assert translate("No such option '--yaer'. Did you mean '--year'?") == (
        "没有选项 '--yaer'（是否要用 '--year'？）"
    )  # click itself, under typer before 0.2x
    assert translate("Got unexpected extra arguments (a b)") == "多余的参数：a b"
    assert translate("Invalid value for '--n': 'x' is not a valid float.") == (
        "'--n' 的值无效：“x”不是有效的数字"
    )
    assert translate("纯中文消息") == "纯中文消息"
    import typer.core

    assert typer.core._("Aborted!") == "已中止。"  # typer's own words, through gettext


def test_the_installed_typer_is_the_one_pyproject_pins_and_every_patch_took() -> None:
    """cli_zh.py replaces typer's and its click's internals (PATCHED): the typer installed is
    within the range pyproject.toml pins, and each of them is the Chinese replacement now."""
    import tomllib
    from importlib.metadata import version

    import typer.core
    from packaging.requirements import Requirement

    from toolkit.cli import cli_zh

    pins = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (typer_pin,) = [
        Requirement(r) for r in pins["project"]["dependencies"] if r.startswith("typer")
    ]
    assert typer_pin.specifier.contains(version("typer")), (version("typer"), typer_pin)
    assert "<" in str(typer_pin.specifier), "pin typer's upper version: cli_zh.py patches it"
    try:
        from typer._click import core, exceptions, formatting
    except ImportError:  # an older typer on click itself
        from click import core, exceptions, formatting  # type: ignore[no-redef]
    assert typer.core._ is cli_zh._gettext
    assert formatting.term_len is cli_zh.display_width
    replaced = {
        "write_usage": formatting.HelpFormatter.write_usage,
        "write_heading": formatting.HelpFormatter.write_heading,
        "get_help_option": core.Command.get_help_option,
        "show": exceptions.ClickException.show,
        "usage show": exceptions.UsageError.show,
    }
    for what, function in replaced.items():
        assert function.__module__ == "toolkit.cli.cli_zh", what
    assert {name for _, name in cli_zh.PATCHED} >= {"write_usage", "write_heading", "show"}


def test_a_typer_whose_internals_changed_stops_the_command_line_loudly(tmp_path: Path) -> None:
    """A newer typer without one of the internals cli_zh.py patches: `nianbao` says which, and how
    to install the tested typer, in Chinese with exit code 2, instead of running half in English."""
    probe = (
        "import sys\n"
        "try:\n"
        "    from typer._click import formatting\n"
        "except ImportError:\n"
        "    from click import formatting\n"
        "del formatting.HelpFormatter.write_heading\n"
        "from toolkit.cli.cli import main\n"
        "sys.argv = ['nianbao', '--help']\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 2, done.stderr
    assert "不兼容" in done.stderr and "HelpFormatter.write_heading" in done.stderr
    assert 'pip install "typer>=0.12,<0.30"' in done.stderr
    assert "Traceback" not in done.stderr and not done.stdout


def test_operating_system_errors_are_chinese(tmp_path: Path) -> None:
    code, out = _run("check", SAMPLES / "returned", "--roster", tmp_path / "无此名单.csv")
    assert code == 2 and "无法读取名单文件" in out and "文件或文件夹不存在" in out
    assert "No such file" not in out


# ------------------------------------------------------------------------------------------------
# generate into an existing folder; notes; collisions.
# ------------------------------------------------------------------------------------------------


def test_late_agency_is_added_with_the_folder_password(tmp_path: Path) -> None:
    out_dir = tmp_path / "templates"
    code, out = _run(*BASE, "--roster", SAMPLES / "roster.csv", "--out", out_dir)
    assert code == 0, out
    password = (out_dir / "password.txt").read_bytes()
    rows = (out_dir / "manifest.csv").read_text(encoding="utf-8-sig").splitlines()
    late = [a for a in BASE if a not in ("--password", "pw")]
    code, out = _run(*late, "--agency-code", "QK014", "--agency-name", "区新设局", "--out", out_dir)
    assert code == 0, out
    assert "已生成 1 个模板" in out and "沿用" in out and "password.txt" in out
    assert (out_dir / "password.txt").read_bytes() == password
    new_rows = (out_dir / "manifest.csv").read_text(encoding="utf-8-sig").splitlines()
    assert new_rows[: len(rows)] == rows and new_rows[-1].startswith("QK014,区新设局,")
    assert len(list(out_dir.glob("*.xlsx"))) == 14
    _no_english(out)


def test_a_different_password_for_an_existing_folder_is_refused(tmp_path: Path) -> None:
    code, _ = _run(*BASE, "--agency-code", "A1", "--agency-name", "甲", "--out", tmp_path)
    assert code == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    args = [a if a != "pw" else "another" for a in BASE]
    code, out = _run(*args, "--agency-code", "A2", "--agency-name", "乙", "--out", tmp_path)
    assert code == 2 and "已有 password.txt" in out and "未生成任何文件" in out
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_existing_template_is_kept_and_replaced_only_with_force(tmp_path: Path) -> None:
    one = ["--agency-code", "A1", "--agency-name", "甲", "--out", tmp_path]
    assert _run(*BASE, *one)[0] == 0
    (template,) = tmp_path.glob("*.xlsx")
    first = template.read_bytes()
    later = [a if a != "2025-12-01T09:00:00" else "2025-12-02T09:00:00" for a in BASE]
    code, out = _run(*later, *one)
    assert code == 0 and "已生成 0 个模板" in out and "保留已有模板 1 个" in out
    assert "--force" in out and template.read_bytes() == first
    code, out = _run(*later, *one, "--force")
    assert code == 0 and "已生成 1 个模板" in out and template.read_bytes() != first


def test_roster_notes_are_printed_and_kept_in_the_manifest(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "单位代码,单位名称,联系人,电子邮箱\nA1, 区教育局 ,李娜,\nA2,区民政局,刘洋,m@b.cn\n",
        encoding="utf-8",
    )
    code, out = _run(*BASE, "--roster", roster, "--out", tmp_path / "out")
    assert code == 0, out
    assert "注意：A1 区教育局：没有电子邮箱" in out and "有多余空格，已去除" in out
    text = (tmp_path / "out" / "manifest.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "单位代码,单位名称,联系人,电子邮箱,文件,sha256,备注"
    assert "没有电子邮箱，请另行发送模板" in text


def test_numeric_codes_in_a_workbook_roster_get_a_hint(tmp_path: Path) -> None:
    import xlsxwriter

    roster = tmp_path / "roster.xlsx"
    book = xlsxwriter.Workbook(str(roster))
    ws = book.add_worksheet()
    ws.write_row(0, 0, ["单位代码", "单位名称", "联系人", "电子邮箱"])
    ws.write_row(1, 0, [1, "区民政局", "刘洋", "m@b.cn"])
    book.close()
    code, out = _run(*BASE, "--roster", roster, "--out", tmp_path / "out")
    assert code == 0, out
    assert "单位代码列为数字格式，前导0可能已丢失" in out


def test_colliding_codes_are_refused_naming_the_rows(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("单位代码,单位名称,联系人,电子邮箱\nA:1,甲,,\nA?1,甲,,\n", encoding="utf-8")
    code, out = _run(*BASE, "--roster", roster, "--out", tmp_path / "out")
    assert code == 2 and "模板文件名相同" in out and "第2行 A:1（甲）、第3行 A?1（甲）" in out
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------------------------
# check and rollup: arguments checked up front, in their own words.
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "rollup"])
def test_year_outside_the_form_is_refused_up_front(command: str, tmp_path: Path) -> None:
    extra = ["--out", str(tmp_path / "r.xlsx")] if command == "rollup" else []
    code, out = _run(command, SAMPLES / "returned", "--year", "2019", *extra)
    assert code == 2 and "年度 2019 不在 2021–2100 之间" in out
    assert not (tmp_path / "r.xlsx").exists()


@pytest.mark.parametrize("command", ["check", "rollup"])
def test_roster_error_during_check_uses_fitting_words(command: str, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("单位代码,单位名称,联系人,电子邮箱\nA,甲,,\nA,乙,,\n", encoding="utf-8")
    extra = ["--out", str(tmp_path / "r.xlsx")] if command == "rollup" else []
    code, out = _run(command, SAMPLES / "returned", "--roster", roster, *extra)
    assert code == 2 and "单位代码“A”重复" in out
    assert "未生成任何文件" not in out and "请更正名单后重新运行" in out


@pytest.mark.parametrize(
    ("failure", "code", "message"),
    [
        (OSError(28, "No space left on device"), 2, "磁盘空间不足"),  # errno 28: ENOSPC
        # Ctrl+C: typer exits 130 (as shells report an interruption) without a word of its own
        (KeyboardInterrupt(), 130, ""),
    ],
)
def test_a_failing_or_interrupted_generate_leaves_nothing_and_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException, code: int, message: str
) -> None:
    from toolkit.template import generate as module

    def fails(*args: object, **kwargs: object) -> None:
        raise failure

    monkeypatch.setattr(module, "write_workbook", fails)
    out_dir = tmp_path / "out"
    exit_code, out = _run(*BASE, "--roster", SAMPLES / "roster.csv", "--out", out_dir)
    assert exit_code == code and message in out
    assert "Traceback" not in out
    _no_english(out)
    assert list(out_dir.iterdir()) == []  # no staging folder, no password, no manifest


def test_an_unexpected_os_error_is_one_chinese_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import errno

    from toolkit.cli import cli

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
    from toolkit.cli import cli
    from toolkit.core import outputs

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
