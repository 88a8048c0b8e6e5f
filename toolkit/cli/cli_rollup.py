"""The `nianbao rollup` command: parse, call rollup.rollup (on the files given, or on a workspace's
counted files as its ledger decided), print what was included, left out and missing, exit (0
written; 1 with --strict when anything was left out or is missing; 2 could not run).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..core import texts as tx
from ..core.texts import Severity
from .cli_support import (
    FormOption,
    IssuedOption,
    _check_year,
    _console,
    _datetime,
    _fail,
    _form,
    _inputs,
    _key,
    _progress,
    _say,
)
from .cli_workspace import WorkspaceOption, refuse_with_workspace

__all__ = ["register"]


def rollup(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            metavar=tx.HELP_PATHS_METAVAR,
            help=tx.HELP_ROLLUP_PATHS,
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help=tx.HELP_ROLLUP_OUT),
    ] = None,
    roster: Annotated[Path | None, typer.Option("--roster", help=tx.HELP_ROLLUP_ROSTER)] = None,
    year: Annotated[int | None, typer.Option("--year", help=tx.HELP_YEAR)] = None,
    district: Annotated[
        str | None, typer.Option("--district", help=tx.HELP_ROLLUP_DISTRICT)
    ] = None,
    csv_path: Annotated[Path | None, typer.Option("--csv", help=tx.HELP_ROLLUP_CSV)] = None,
    include_errors: Annotated[
        bool,
        typer.Option("--include-errors", help=tx.HELP_ROLLUP_INCLUDE_ERRORS),
    ] = False,
    strict: Annotated[bool, typer.Option("--strict", help=tx.HELP_ROLLUP_STRICT)] = False,
    generated_at: Annotated[
        str | None,
        typer.Option(
            "--generated-at",
            metavar=tx.METAVAR_TIME,
            help=tx.HELP_ROLLUP_GENERATED_AT,
        ),
    ] = None,
    issued: IssuedOption = None,
    level: Annotated[
        str,
        typer.Option(
            "--level",
            help=tx.HELP_ROLLUP_LEVEL,
        ),
    ] = tx.DISTRICT_LEVEL,
    form_path: FormOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    from ..core.catalogue import UsageError
    from ..core.texts import whole
    from ..form.form import FormError
    from ..rollup.rollup import rollup as run

    console = _console()
    try:
        stamp = _datetime("--generated-at", generated_at)
        if workspace is not None or not paths:
            from .cli_workspace import year_check

            if paths:
                raise UsageError("workspace-paths", command="rollup")
            refuse_with_workspace(
                roster=roster, year=year, district=district, issued=issued, form=form_path
            )
            from ..workspace.workspace_steps import rollup_year

            form, decided, space = year_check(workspace, "rollup")
            level = space.level
            result = rollup_year(  # checked already: no progress bar
                space,
                decided,
                form=form,
                out=out,
                csv_path=csv_path,
                include_errors=include_errors,
                generated_at=stamp,
            )
        else:
            if out is None:
                raise UsageError("workspace-needs-out", option="--out")
            form = _form(form_path)
            _check_year(form, year)
            agencies, files = _inputs(paths, roster, (out, csv_path))
            with _progress(console, len(files)) as progress:
                result = run(
                    list(paths),
                    key=_key(issued, roster),
                    out=out,
                    roster=agencies,
                    year=year,
                    district=district,
                    csv_path=csv_path,
                    include_errors=include_errors,
                    generated_at=stamp,
                    form=form,
                    progress=progress,
                    level=level,
                )
    except (UsageError, FormError) as exc:
        raise _fail(str(exc)) from None
    _say(
        console,
        tx.ROLLUP_WRITTEN.format(
            whole=whole(level),
            path=result.out,
            included=len(result.included),
            excluded=len(result.excluded),
            missing=len(result.missing),
        ),
    )
    for finding in result.report.batch_findings:  # lower rollups that do not add up
        if finding.code in ("rollup-sums-differ", "rollup-unreadable", "rollup-wrong-year"):
            _say(console, f"  {finding.message}")
    for item in result.excluded:
        reason = (
            tx.ROLLUP_SUPERSEDED
            if item.superseded
            else tx.ERROR_COUNT.format(count=item.count(Severity.ERROR))
        )
        if any(f.code == "counted-twice" for f in item.findings):
            reason = tx.ROLLUP_COUNTED_BELOW
        who = item.agency_name or Path(item.path).name
        _say(console, tx.ROLLUP_LEFT_OUT.format(who=who, reason=reason, path=item.path))
    for agency in result.missing:
        _say(console, tx.ROLLUP_MISSING.format(name=agency.name, code=agency.code))
    if result.csv is not None:
        _say(console, tx.ROLLUP_CSV_WRITTEN.format(path=result.csv))
    raise typer.Exit(result.exit_code(strict))


def register(app: typer.Typer) -> None:
    """Add `rollup` to the command line."""
    app.command(help=tx.HELP_ROLLUP)(rollup)
