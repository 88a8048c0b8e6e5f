"""The `nianbao` command line: parse, call one library function, print, exit (0 ok, 1 findings, 2 failed).

Heavy libraries are imported inside the commands so that `nianbao --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .cli_import import register as _register_import
from .cli_mail import register as _register_mail
from .cli_render import register as _register_render
from .cli_rollup import register as _register_rollup
from .cli_serve import register as _register_serve
from .cli_support import (
    EXIT_FAILED,
    EXIT_OK,
    FormOption,
    IssuedOption,
    _check_year,
    _console,
    _date,
    _datetime,
    _fail,
    _form,
    _inputs,
    _interrupted,
    _key,
    _progress,
    _say,
    _stop_after_interruption,
)
from .cli_workspace import WorkspaceOption, refuse_with_workspace
from .cli_workspace import register as _register_workspace
from .cli_workspace_mail import register as _register_outbox
from .cli_zh import install as _install_chinese

if TYPE_CHECKING:
    from ..results.feedback import FeedbackFile
    from ..template.generate import GenerateResult

__all__ = ["app", "main"]

_install_chinese()  # usage, help headings and the parser's messages in Chinese (cli_zh.py)

app = typer.Typer(
    name="nianbao",
    help="政府信息公开工作年度报告（国办公开办函〔2021〕30号格式）：生成填报模板、审核报回文件、汇总全区数据。",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"nianbao {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="显示版本号后退出。"),
    ] = False,
) -> None:
    """政府信息公开工作年度报告工具。"""


@app.command(
    help="按单位名单生成带保护的填报模板（每个单位一个 .xlsx），另附 manifest.csv、password.txt 和单位校验密钥。"
    "输出文件夹中已有模板时只补充新单位：沿用原密码和密钥，保留已有模板和清单。"
)
def generate(
    year: Annotated[int, typer.Option("--year", help="报告年度，如 2025。")],
    out: Annotated[
        Path, typer.Option("--out", help="输出文件夹（不存在时自动创建；已有模板时在其中补充）。")
    ],
    roster: Annotated[
        Path | None,
        typer.Option(
            "--roster",
            help="单位名单：CSV（UTF-8 或 GBK）或 .xlsx，列为 单位代码、单位名称、联系人、电子邮箱。",
        ),
    ] = None,
    agency_code: Annotated[
        str | None, typer.Option("--agency-code", help="不用名单时，单个单位的代码。")
    ] = None,
    agency_name: Annotated[
        str | None, typer.Option("--agency-name", help="不用名单时，单个单位的名称。")
    ] = None,
    district: Annotated[str, typer.Option("--district", help="区（县）名称，写入模板。")] = "",
    deadline: Annotated[
        str | None,
        typer.Option("--deadline", metavar="<日期>", help="报送截止日期，如 2026-01-15。"),
    ] = None,
    contact: Annotated[
        str, typer.Option("--contact", help="审核联系人及电话，写入填报说明。")
    ] = "",
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            help="工作表保护密码；不给时沿用文件夹中 password.txt 的密码，没有则随机生成。",
        ),
    ] = None,
    generated_at: Annotated[
        str | None,
        typer.Option(
            "--generated-at",
            metavar="<时间>",
            help="生成时间（ISO 格式）；给定时，相同输入和相同密钥生成完全相同的文件。",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="文件夹中已有同名模板时重新生成并替换（默认保留不动）。"),
    ] = False,
    form_path: FormOption = None,
) -> None:
    from ..core.catalogue import UsageError
    from ..form.form import FormError
    from ..form.identity import normalise_code
    from ..inputs.roster import Agency, Roster, clean_name, read_roster_with_notes
    from ..template.generate import generate as run

    try:
        form = _form(form_path)
        if roster is not None and (agency_code or agency_name):
            raise UsageError("agency-both")
        if roster is not None:
            listed = read_roster_with_notes(roster)
        elif (
            agency_code and agency_name and normalise_code(agency_code) and clean_name(agency_name)
        ):
            agency = Agency(code=normalise_code(agency_code), name=clean_name(agency_name))
            listed = Roster(agencies=(agency,))
        else:
            raise UsageError("agency-missing")
        result = run(
            listed.agencies,
            year=year,
            out_dir=out,
            district=district,
            deadline=_date("--deadline", deadline),
            contact=contact,
            password=password,
            generated_at=_datetime("--generated-at", generated_at),
            form=form,
            force=force,
        )
    except (UsageError, FormError) as exc:
        raise _fail(str(exc)) from None
    _report_generated(result, listed.notes)


def _report_generated(result: GenerateResult, roster_notes: tuple[str, ...]) -> None:
    """What generate added, what it kept, and what the office should know about the roster."""
    from ..core.text import inert

    typer.echo(f"已生成 {len(result.files)} 个模板，保存在 {inert(result.out_dir)}：")
    for path in result.files:
        typer.echo(f"  {inert(path.name)}")
    if result.kept:
        typer.echo(f"保留已有模板 {len(result.kept)} 个（未覆盖；如需重新生成，请加 --force）：")
        for path in result.kept:
            typer.echo(f"  {inert(path.name)}")
    for note in (*roster_notes, *result.notes):
        typer.echo(f"注意：{inert(note)}")
    typer.echo(f"邮件合并清单：{inert(result.manifest)}")
    if result.password_reused:
        typer.echo(f"保护密码：沿用 {inert(result.password_file)} 中的原密码（请勿发给填报单位）")
    else:
        note = "（随机生成）" if result.password_generated else ""
        typer.echo(f"保护密码{note}：{inert(result.password_file)}（请勿发给填报单位）")
    if result.key_file is not None:
        typer.echo(f"单位校验密钥：{inert(result.key_file)}（审核时用于核验单位身份，请妥善保管）")


@app.command(
    help="审核报回的工作簿：表式、填写、勾稽关系逐项核验。路径可为文件、文件夹或通配符（如 returned/*.xlsx）。"
    "退出码：0 无错误（可有提示），1 有错误，2 无法运行。"
)
def check(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="路径",
            help="报回的文件、文件夹、通配符或下级汇总表；在工作区中运行时，给出的文件先收入工作区。",
            show_default=False,
        ),
    ] = None,
    roster: Annotated[
        Path | None, typer.Option("--roster", help="单位名单，用于发现未报送和名单外的单位。")
    ] = None,
    year: Annotated[
        int | None, typer.Option("--year", help="本次收集的报告年度；不给时取多数文件的年度。")
    ] = None,
    district: Annotated[
        str | None, typer.Option("--district", help="区（县）名称；给定时核对模板的地区。")
    ] = None,
    previous: Annotated[
        list[str] | None,
        typer.Option("--previous", help="上年度报回的文件或文件夹，用于核对上年结转等跨年关系。"),
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="另存完整结果为 JSON 文件。")
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="只显示每个文件一行的汇总。")
    ] = False,
    xlsx_path: Annotated[
        Path | None,
        typer.Option(
            "--xlsx", help="另存审核结果工作簿（汇总、问题清单、规则说明），可发给相关人员。"
        ),
    ] = None,
    feedback_dir: Annotated[
        Path | None,
        typer.Option(
            "--feedback",
            help="为每个有问题的单位生成带批注的审核意见副本和邮件正文（<单位代码>.txt）。",
        ),
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(
            "--password", help="审核意见副本的保护密码（用下发模板时的密码）；不给时随机生成。"
        ),
    ] = None,
    deadline: Annotated[
        str | None,
        typer.Option(
            "--deadline", metavar="<日期>", help="要求重新报送的截止日期，如 2024-01-20。"
        ),
    ] = None,
    contact: Annotated[
        str, typer.Option("--contact", help="联系人及电话，写入审核意见和邮件正文。")
    ] = "",
    issued: IssuedOption = None,
    form_path: FormOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    from ..check.check import check as run
    from ..core.catalogue import UsageError
    from ..form.form import FormError
    from ..results.report import render_terminal, write_json

    console = _console()
    from ..workspace.workspace import find_workspace

    # Inside a workspace folder, the files given are received into it (README: cd 2025年报;
    # nianbao check 下载/报回文件); elsewhere, paths mean the folder-based check of before.
    if workspace is not None or not paths or find_workspace() is not None:
        from .cli_workspace import check_in_workspace

        try:
            refuse_with_workspace(
                roster=roster,
                year=year,
                district=district,
                previous=previous,
                feedback=feedback_dir,
                password=password,
                issued=issued,
                form=form_path,
            )
            code = check_in_workspace(
                console,
                workspace,
                paths or [],
                deadline=_date("--deadline", deadline),
                contact=contact,
                quiet=quiet,
                json_path=json_path,
                xlsx_path=xlsx_path,
            )
        except (UsageError, FormError) as exc:
            raise _fail(str(exc)) from None
        raise typer.Exit(code)
    made: list[FeedbackFile] = []
    copies: dict[str, Path] = {}
    generated: str | None = None
    try:
        form = _form(form_path)
        _check_year(form, year)
        due = _date("--deadline", deadline)
        agencies, files = _inputs(paths, roster, (json_path, xlsx_path))
        key = _key(issued, roster)
        if previous:  # last year's files are inputs too: never written over
            from ..core.outputs import refuse_inputs
            from ..inputs.discover import collect

            try:
                earlier, _ = collect(previous, own_outputs=True)
            except UsageError as exc:
                raise UsageError("previous-unusable", reason=str(exc)) from None
            for output in (json_path, xlsx_path):
                if output is not None:
                    refuse_inputs(output, earlier)
        with _progress(console, len(files)) as progress:
            report = run(
                paths,
                form=form,
                roster=agencies,
                year=year,
                district=district,
                previous=previous,
                progress=progress,
                key=key,
            )
        from ..core.outputs import deferred_marks

        with deferred_marks():  # each output folder's marker written once, not once per file
            if feedback_dir is not None:
                from ..results.feedback import write_feedback

                made, generated = write_feedback(
                    report,
                    feedback_dir,
                    form=form,
                    password=password,
                    deadline=due,
                    contact=contact,
                    protected=files,
                )
                copies = {f.source: f.workbook for f in made if f.workbook is not None}
            if json_path is not None:
                write_json(report, json_path)
            if xlsx_path is not None:
                from ..results.report import write_findings_workbook

                write_findings_workbook(report, xlsx_path, form=form, feedback=copies)
    except (UsageError, FormError) as exc:
        raise _fail(str(exc)) from None
    render_terminal(report, console, quiet=quiet)
    for output, what in ((json_path, "完整结果"), (xlsx_path, "审核结果工作簿")):
        if output is not None:
            _say(console, f"{what}已保存到 {output}")
    _say(
        console,
        "已用单位校验密钥核验各文件的单位身份。"
        if key is not None
        else "未找到单位校验密钥（nianbao-key.txt），未核验单位身份；可用 --issued 指定下发模板的文件夹。",
    )
    if feedback_dir is not None:
        from ..results.feedback import feedback_lines

        for line in feedback_lines(report, made, feedback_dir, generated):
            _say(console, line)
    raise typer.Exit(report.exit_code)


_register_mail(app)  # send, collect (issue 16)
_register_render(app)  # render (issue 13)
_register_import(app)  # import, compare (issue 14)
_register_workspace(app)  # init, status, choose (issue 21)
_register_rollup(app)  # rollup
_register_outbox(app)  # outbox (issue 21)
_register_serve(app)  # serve: the web workbench (issue 24)


def _ignore_late_signals() -> None:
    """A SIGTERM, SIGHUP or Ctrl+C that arrives while the process is already exiting must not
    raise into the interpreter's shutdown (a traceback, and the outputs were complete anyway)."""
    import signal

    for name in ("SIGTERM", "SIGHUP", "SIGINT"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, signal.SIG_IGN)


def main() -> None:
    """Run the CLI. An interruption (Ctrl+C, SIGTERM, SIGHUP) removes the outputs in progress and
    says so in one line (exit 2); an unexpected failure is one line too (exit 2), never a traceback.
    """
    import os
    import sys

    from ..core.outputs import cleanup_pending, install_interrupt_handlers
    from ..core.text import inert

    install_interrupt_handlers()
    try:
        app(standalone_mode=True)
    except SystemExit as exc:
        if _interrupted(exc):  # typer turns KeyboardInterrupt into exit 130 after unwinding
            _stop_after_interruption()
        _ignore_late_signals()  # the work is done and written: a signal now only ends the exit
        raise
    except KeyboardInterrupt:
        _stop_after_interruption()
    except OSError as exc:  # a file the library did not expect to fail: the OS reason in Chinese
        if os.environ.get("NIANBAO_DEBUG"):
            raise
        from ..core.catalogue import os_reason

        cleanup_pending()
        where = f"{inert(exc.filename)}：" if exc.filename else ""
        typer.echo(f"错误：{where}{os_reason(exc)}", err=True)
        sys.exit(EXIT_FAILED)
    except Exception as exc:  # the last line of defence; NIANBAO_DEBUG=1 shows the traceback
        if os.environ.get("NIANBAO_DEBUG"):
            raise
        cleanup_pending()
        typer.echo(
            f"错误：nianbao 内部错误（{type(exc).__name__}：{inert(exc)}）。"
            "请将此信息和所用文件反馈给维护人员。",
            err=True,
        )
        sys.exit(EXIT_FAILED)
