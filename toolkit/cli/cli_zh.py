"""Chinese for the command line's own words: usage, help headings and the parser's error messages.

typer ships its own copy of click. typer's words go through gettext (`typer.core._`), which is
replaced by a lookup in WORDS; click's messages are English (f-strings in typer's copy, gettext
calls in click itself), so they are translated as they are shown, by the patterns in PATTERNS. `install()` applies both once, before the app runs;
everything is in this one table so that a typer upgrade that changes a word fails one test here
(tests/test_cli.py asserts that no English word reaches the user).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import IO, Any

__all__ = [
    "ERROR_PREFIX",
    "HELP_TEXT",
    "PATTERNS",
    "TYPE_NAMES",
    "USAGE_PREFIX",
    "WORDS",
    "display_width",
    "install",
    "translate",
]

USAGE_PREFIX = "用法："
HELP_TEXT = "显示本帮助后退出。"
ERROR_PREFIX = "错误："

# typer's gettext message ids (typer/core.py) and what a user reads instead.
WORDS: dict[str, str] = {
    "Arguments": "参数",
    "Options": "选项",
    "Commands": "命令",
    "required": "必填",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（动态）",
    "Aborted!": "已中止。",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "Show this message and exit.": HELP_TEXT,
}

# click's messages (typer/_click/exceptions.py, parser.py, core.py) and typer's value errors, as
# (pattern matched against the whole message, Chinese with the groups filled in). First match wins.
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), chinese)
    for pattern, chinese in (
        (r"Missing option\s*(?P<a>.*?)\.(?:\s+(?P<b>.*))?", "缺少选项 {a}。{b}"),
        (r"Missing argument\s*(?P<a>.*?)\.(?:\s+(?P<b>.*))?", "缺少参数 {a}。{b}"),
        (r"Missing parameter:?\s*(?P<a>.*?)\.?", "缺少参数 {a}。"),
        (r"Invalid value for (?P<a>.+?): (?P<b>.*)", "{a} 的值无效：{b}"),
        (r"Invalid value: (?P<a>.*)", "值无效：{a}"),
        (
            r"No such option: (?P<a>\S+) \(Possible options: (?P<b>.*)\)",
            "没有选项 {a}（相近的选项：{b}）。",
        ),
        (
            r"No such option:? (?P<a>\S+?)\.?\s*Did you mean (?P<b>.*)\?",
            "没有选项 {a}（是否要用 {b}？）",
        ),
        (r"No such option: (?P<a>.*)", "没有选项 {a}。"),
        (r"No such command '?(?P<a>.*?)'?\.", "没有命令 '{a}'。"),
        (r"Got unexpected extra arguments? \((?P<a>.*)\)", "多余的参数：{a}"),
        (r"Got unexpected extra argument\(s\) \((?P<a>.*)\)", "多余的参数：{a}"),
        (r"Option (?P<a>'.*?') requires an argument\.", "选项 {a} 后面须给出一个值。"),
        (r"Option (?P<a>'.*?') requires (?P<b>\d+) arguments\.", "选项 {a} 后面须给出 {b} 个值。"),
        (r"Option (?P<a>'.*?') does not take a value\.", "选项 {a} 不带值。"),
        (r"Argument (?P<a>'.*?') takes (?P<b>\d+) values\.", "参数 {a} 须给出 {b} 个值。"),
        (r"'(?P<a>.*)' is not a valid integer( range)?\.?", "“{a}”不是有效的整数"),
        (r"'(?P<a>.*)' is not a valid float( range)?\.?", "“{a}”不是有效的数字"),
        (r"'(?P<a>.*)' is not a valid boolean\.?", "“{a}”不是有效的是/否值"),
        (r"Value (?P<a>.*) is not a valid (?P<b>\w+)\.", "值 {a} 无效"),
        (r"Input should be a valid integer.*", "须为整数"),
        (r"Input should be a valid number.*", "须为数字"),
        (r"Input should be a valid boolean.*", "须为是或否"),
        (r"Input should be .*", "值的格式不对"),
        (r"(?P<a>.*) is not one of (?P<b>.*)\.", "{a} 不是可选的值（可选：{b}）"),
        (r"(?P<a>.*) is not in the range (?P<b>.*)\.", "{a} 超出范围 {b}"),
        (r"(?:File|Directory|Path) (?P<a>.*) does not exist\.", "{a} 不存在"),
        (r"(?:File|Directory|Path) (?P<a>.*) is a file\.", "{a} 是文件，不是文件夹"),
        (r"(?:File|Directory|Path) (?P<a>.*) is a directory\.", "{a} 是文件夹，不是文件"),
        (r"(?:File|Directory|Path) (?P<a>.*) is not readable\.", "{a} 不可读"),
        (r"(?:File|Directory|Path) (?P<a>.*) is not writable\.", "{a} 不可写"),
        (r"Value must be an iterable\.", "须为一组值"),
        (r"Usage: (?P<a>.*)", USAGE_PREFIX + "{a}"),
    )
)

# The value types typer shows after an option in the help ("--year <int>").
TYPE_NAMES: dict[str, str] = {
    "<int>": "<整数>",
    "<float>": "<数字>",
    "<str>": "<文本>",
    "<path>": "<路径>",
    "<bool>": "<是/否>",
    "<list[str]>": "<文本>...",
    "<list[path]>": "<路径>...",
}

_ANSI = re.compile(r"\033\[[;?0-9]*[a-zA-Z]")  # colour codes take no columns (as click counts)

# Usage-line placeholders that click builds from English metavars.
_USAGE_WORDS = (("[OPTIONS]", "[选项]"), ("COMMAND [ARGS]...", "命令 [参数]..."))


def translate(text: str) -> str:
    """One of click's messages in Chinese; a message not in the table is returned unchanged.

    A message that quotes another (Invalid value for '--year': <reason>) is translated in parts.
    """
    for pattern, chinese in PATTERNS:
        found = pattern.fullmatch(text.strip())
        if found:
            groups = {k: translate(v) if k == "b" else v for k, v in found.groupdict("").items()}
            return chinese.format(**groups).strip()
    return WORDS.get(text, text)


def display_width(text: str) -> int:
    """Columns a text takes in a terminal (wide East Asian characters count two)."""
    plain = _ANSI.sub("", text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in plain)


def _gettext(message: str) -> str:
    return WORDS.get(message, message)


_installed = False


def install() -> None:
    """Make typer (and its copy of click) speak Chinese; safe to call more than once."""
    global _installed
    if _installed:
        return
    import typer.core

    try:  # typer 0.2x ships its own copy of click
        from typer._click import core, exceptions, formatting
        from typer._click._compat import get_text_stderr
        from typer._click.utils import echo
    except ImportError:  # older typer runs on click itself: the same classes, the same words
        from click import core, exceptions, formatting  # type: ignore[no-redef]
        from click._compat import get_text_stderr  # type: ignore[no-redef]
        from click.utils import echo  # type: ignore[no-redef]

    typer.core._ = _gettext

    parameter = getattr(typer.core, "_TyperParameter", None)
    if parameter is not None and hasattr(parameter, "display_type"):
        display_type = parameter.display_type

        def chinese_type(self: Any, ctx: Any) -> str:
            shown = display_type(self, ctx)
            return TYPE_NAMES.get(shown, shown)

        parameter.display_type = chinese_type

    write_usage = formatting.HelpFormatter.write_usage

    def chinese_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        for english, chinese in _USAGE_WORDS:
            args = args.replace(english, chinese)
        write_usage(self, prog, args, USAGE_PREFIX if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = chinese_usage  # type: ignore[method-assign]

    # Help columns are aligned by display width: a Chinese character takes two columns.
    # (its parameter is named x, ours text: the same callable to click, not to mypy)
    formatting.term_len = display_width  # type: ignore[assignment]

    def chinese_heading(self: Any, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{WORDS.get(heading, heading)}：\n")

    formatting.HelpFormatter.write_heading = chinese_heading  # type: ignore[method-assign]

    get_help_option: Callable[..., Any] = core.Command.get_help_option

    def chinese_help_option(self: Any, ctx: Any) -> Any:
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = HELP_TEXT
        return option

    core.Command.get_help_option = chinese_help_option  # type: ignore[method-assign]

    def show_exception(self: Any, file: IO[Any] | None = None) -> None:
        echo(ERROR_PREFIX + translate(self.format_message()), file=file or get_text_stderr())

    def show_usage_error(self: Any, file: IO[Any] | None = None) -> None:
        file = file or get_text_stderr()
        ctx = self.ctx
        if ctx is not None:
            hint = ""
            if ctx.command.get_help_option(ctx) is not None:
                hint = f"请运行 '{ctx.command_path} {ctx.help_option_names[0]}' 查看帮助。\n"
            echo(f"{ctx.get_usage()}\n{hint}", file=file, color=ctx.color)
        echo(ERROR_PREFIX + translate(self.format_message()), file=file)

    exceptions.ClickException.show = show_exception  # type: ignore[method-assign]
    exceptions.UsageError.show = show_usage_error  # type: ignore[method-assign]
    _installed = True
