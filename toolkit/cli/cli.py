"""The `nianbao` command line: parse, call one library function, print, exit (0 ok, 1 findings, 2 failed).

Heavy libraries are imported inside the commands so that `nianbao --help` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..core import texts as tx
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
from .cli_zh import ERROR_PREFIX, IncompatibleTyper
from .cli_zh import install as _install_chinese

if TYPE_CHECKING:
    from ..check.previous import ReportReader
    from ..results.feedback import FeedbackFile
    from ..template.generate import GenerateResult

__all__ = ["app", "main"]

try:  # usage, help headings and the parser's messages in Chinese (cli_zh.py)
    _install_chinese()
except IncompatibleTyper as exc:  # a typer whose internals changed: say so, never run in English
    sys.stderr.write(f"{ERROR_PREFIX}{exc}\n")
    raise SystemExit(2) from None

app = typer.Typer(
    name="nianbao",
    help=tx.HELP_APP,
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
        typer.Option("--version", callback=_version, is_eager=True, help=tx.HELP_VERSION),
    ] = False,
) -> None:
    """政府信息公开工作年度报告工具。"""


@app.command(help=tx.HELP_GENERATE)
def generate(
    year: Annotated[int, typer.Option("--year", help=tx.HELP_GENERATE_YEAR)],
    out: Annotated[Path, typer.Option("--out", help=tx.HELP_GENERATE_OUT)],
    roster: Annotated[
        Path | None,
        typer.Option(
            "--roster",
            help=tx.HELP_INIT_ROSTER,
        ),
    ] = None,
    agency_code: Annotated[
        str | None, typer.Option("--agency-code", help=tx.HELP_GENERATE_AGENCY_CODE)
    ] = None,
    agency_name: Annotated[
        str | None, typer.Option("--agency-name", help=tx.HELP_GENERATE_AGENCY_NAME)
    ] = None,
    district: Annotated[str, typer.Option("--district", help=tx.HELP_INIT_DISTRICT)] = "",
    deadline: Annotated[
        str | None,
        typer.Option("--deadline", metavar=tx.METAVAR_DATE, help=tx.HELP_GENERATE_DEADLINE),
    ] = None,
    contact: Annotated[str, typer.Option("--contact", help=tx.HELP_GENERATE_CONTACT)] = "",
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            help=tx.HELP_GENERATE_PASSWORD,
        ),
    ] = None,
    generated_at: Annotated[
        str | None,
        typer.Option(
            "--generated-at",
            metavar=tx.METAVAR_TIME,
            help=tx.HELP_GENERATE_GENERATED_AT,
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help=tx.HELP_GENERATE_FORCE),
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

    typer.echo(tx.GENERATED_TEMPLATES.format(count=len(result.files), folder=inert(result.out_dir)))
    for path in result.files:
        typer.echo(f"  {inert(path.name)}")
    if result.kept:
        typer.echo(tx.GENERATED_KEPT.format(count=len(result.kept)))
        for path in result.kept:
            typer.echo(f"  {inert(path.name)}")
    for note in (*roster_notes, *result.notes):
        typer.echo(tx.NOTE_LINE.format(note=inert(note)))
    typer.echo(tx.GENERATED_MANIFEST.format(path=inert(result.manifest)))
    if result.password_reused:
        typer.echo(tx.GENERATED_PASSWORD_REUSED.format(path=inert(result.password_file)))
    else:
        note = tx.GENERATED_PASSWORD_RANDOM if result.password_generated else ""
        typer.echo(tx.GENERATED_PASSWORD.format(note=note, path=inert(result.password_file)))
    if result.key_file is not None:
        typer.echo(tx.GENERATED_KEY.format(path=inert(result.key_file)))


@app.command(help=tx.HELP_CHECK)
def check(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            metavar=tx.HELP_PATHS_METAVAR,
            help=tx.HELP_CHECK_PATHS,
            show_default=False,
        ),
    ] = None,
    roster: Annotated[Path | None, typer.Option("--roster", help=tx.HELP_CHECK_ROSTER)] = None,
    year: Annotated[int | None, typer.Option("--year", help=tx.HELP_CHECK_YEAR)] = None,
    district: Annotated[str | None, typer.Option("--district", help=tx.HELP_CHECK_DISTRICT)] = None,
    previous: Annotated[
        list[str] | None,
        typer.Option("--previous", help=tx.HELP_CHECK_PREVIOUS),
    ] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help=tx.HELP_CHECK_JSON)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help=tx.HELP_CHECK_QUIET)] = False,
    xlsx_path: Annotated[
        Path | None,
        typer.Option("--xlsx", help=tx.HELP_CHECK_XLSX),
    ] = None,
    feedback_dir: Annotated[
        Path | None,
        typer.Option(
            "--feedback",
            help=tx.HELP_CHECK_FEEDBACK,
        ),
    ] = None,
    password: Annotated[
        str | None,
        typer.Option("--password", help=tx.HELP_CHECK_PASSWORD),
    ] = None,
    deadline: Annotated[
        str | None,
        typer.Option("--deadline", metavar=tx.METAVAR_DATE, help=tx.HELP_CHECK_DEADLINE),
    ] = None,
    contact: Annotated[str, typer.Option("--contact", help=tx.HELP_CHECK_CONTACT)] = "",
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
        reports: ReportReader | None = None
        if previous:  # last year's files are inputs too: never written over
            from ..core.outputs import refuse_inputs
            from ..inputs.discover import SUFFIXES, collect
            from ..published.last_year import READER

            reports = READER

            try:  # a folder of last year's published reports is as good as one of workbooks
                earlier, _ = collect(
                    previous, own_outputs=True, suffixes=(*SUFFIXES, *READER.suffixes)
                )
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
                reports=reports,
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
                    roster=agencies or (),
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
    for output, what in ((json_path, tx.CHECK_SAVED_JSON), (xlsx_path, tx.CHECK_SAVED_XLSX)):
        if output is not None:
            _say(console, tx.CHECK_SAVED.format(what=what, path=output))
    _say(
        console,
        tx.CHECK_KEY_USED if key is not None else tx.CHECK_KEY_MISSING,
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
    import multiprocessing
    import os
    import sys

    # First of all: in a frozen Windows executable a pool worker starts as the program itself,
    # and this runs the worker and exits instead of the command line (no fork bomb).
    multiprocessing.freeze_support()

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
        typer.echo(ERROR_PREFIX + where + os_reason(exc), err=True)
        sys.exit(EXIT_FAILED)
    except Exception as exc:  # the last line of defence; NIANBAO_DEBUG=1 shows the traceback
        if os.environ.get("NIANBAO_DEBUG"):
            raise
        cleanup_pending()
        typer.echo(
            ERROR_PREFIX + tx.INTERNAL_ERROR.format(kind=type(exc).__name__, error=inert(exc)),
            err=True,
        )
        sys.exit(EXIT_FAILED)
