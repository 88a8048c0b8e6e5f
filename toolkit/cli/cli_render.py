"""The `nianbao render` command: parse, call render.render, print what was written and what was
left empty or not rendered, exit (0 every report rendered, 1 some files not rendered, 2 failed).

Registered on the app by cli.py with one call, so the command lives beside, not inside, cli.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..core import texts as tx
from ..core.texts import Severity
from .cli_support import FormOption
from .cli_workspace import WorkspaceOption

if TYPE_CHECKING:
    from rich.console import Console

    from ..render.render import RenderResult

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add `render` to the command line."""
    app.command(
        name="render",
        help=tx.HELP_RENDER,
    )(render)


def render(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            metavar=tx.HELP_PATHS_METAVAR,
            help=tx.HELP_RENDER_PATHS,
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help=tx.HELP_RENDER_OUT),
    ] = None,
    formats: Annotated[
        str,
        typer.Option("--format", help=tx.HELP_RENDER_FORMAT),
    ] = "docx,html,pdf",
    template: Annotated[
        Path | None,
        typer.Option(
            "--template",
            help=tx.HELP_RENDER_TEMPLATE,
        ),
    ] = None,
    include_errors: Annotated[
        bool,
        typer.Option("--include-errors", help=tx.HELP_RENDER_INCLUDE_ERRORS),
    ] = False,
    year: Annotated[int | None, typer.Option("--year", help=tx.HELP_YEAR)] = None,
    district: Annotated[
        str | None, typer.Option("--district", help=tx.HELP_RENDER_DISTRICT)
    ] = None,
    issued: Annotated[
        Path | None,
        typer.Option(
            "--issued",
            help=tx.HELP_RENDER_ISSUED,
        ),
    ] = None,
    form_path: FormOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    from ..core.catalogue import UsageError
    from ..form.form import FormError
    from ..render.render import parse_formats
    from ..render.render import render as run
    from .cli_support import EXIT_FAILED, _check_year, _console, _fail, _form, _key

    console = _console()
    try:
        wanted = parse_formats(formats)
        if workspace is not None or not paths:
            from ..workspace.workspace_steps import render_year
            from .cli_workspace import refuse_with_workspace, year_check

            if paths:
                raise UsageError("workspace-paths", command="render")
            refuse_with_workspace(year=year, district=district, issued=issued, form=form_path)
            form, decided, space = year_check(workspace, "render")
            out = out or space.output(tx.REPORTS_FOLDER)
            result = render_year(
                space,
                decided,
                form=form,
                formats=wanted,
                out=out,
                include_errors=include_errors,
                template=template,
            )
        else:
            if out is None:
                raise UsageError("workspace-needs-out", option="--out")
            form = _form(form_path)
            _check_year(form, year)
            key = _key(issued, None)
            result = run(
                paths,
                out=out,
                formats=wanted,
                form=form,
                include_errors=include_errors,
                template=template,
                year=year,
                district=district,
                key=key,
            )
    except (UsageError, FormError) as exc:
        raise _fail(str(exc)) from None
    if not result.rendered and not result.skipped:
        raise typer.Exit(EXIT_FAILED)
    _report(console, result, out)
    raise typer.Exit(result.exit_code)


def _report(console: Console, result: RenderResult, out: Path) -> None:
    from ..core.texts import whole
    from ..render.render_model import MAX_PART_CHARS, MAX_PART_PARAGRAPHS
    from .cli_support import _say

    for item in result.rendered:
        if item.error:
            _say(console, tx.RENDER_FAILED.format(who=item.title, reason=item.error))
            continue
        kinds = "、".join(p.suffix[1:] for p in item.outputs)
        if item.district:
            _say(
                console,
                tx.RENDERED_DRAFT.format(
                    whole=whole(item.level), count=item.agencies, title=item.title, kinds=kinds
                ),
            )
        else:
            mark = tx.RENDERED_DRAFT_MARK if item.draft else ""
            _say(console, tx.RENDERED.format(title=item.title, kinds=kinds, mark=mark))
        if item.gaps and not item.district:
            _say(console, tx.RENDERED_GAPS.format(gap=tx.RENDER_GAP, parts="；".join(item.gaps)))
        if item.empty and not item.district:
            _say(console, tx.RENDERED_EMPTY.format(parts="；".join(item.empty)))
        if item.cut:
            _say(
                console,
                tx.RENDERED_CUT.format(
                    limit=MAX_PART_CHARS, lines=MAX_PART_PARAGRAPHS, parts="；".join(item.cut)
                ),
            )
    for skipped in result.skipped:
        who = skipped.agency_name or Path(skipped.path).name
        if not skipped.in_use:
            why = tx.RENDER_SUPERSEDED if skipped.superseded else tx.RENDER_CONFLICT
        else:
            why = tx.RENDER_STATUS_ERRORS.format(
                status=skipped.status.title,
                count=skipped.count(Severity.ERROR),
            )
        _say(console, tx.RENDER_SKIPPED.format(who=who, why=why, path=skipped.path))
    for item in result.missing_pdf:
        _say(
            console,
            tx.RENDER_NO_PDF.format(title=item.title),
        )
    if any(not r.superseded for r in result.skipped):
        _say(console, tx.RENDER_SKIPPED_HINT)
    _say(console, tx.RENDER_OUT.format(folder=out))
