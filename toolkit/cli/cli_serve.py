"""The `nianbao serve` command: start the web workbench on 127.0.0.1, print its address (with the
start token) as the first line, open the browser unless --no-browser, serve until Ctrl+C.

Registered on the app by cli.py with one call. Parse, call the library, print, exit.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from ..core import texts as tx
from .cli_support import FormOption

__all__ = ["register"]

DEFAULT_PORT = 8765  # a fixed port by default, so a bookmark of the workbench keeps working


def serve(
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", "-w", metavar=tx.METAVAR_FOLDER, help=tx.HELP_SERVE_WORKSPACE),
    ] = None,
    port: Annotated[int | None, typer.Option("--port", help=tx.HELP_SERVE_PORT)] = None,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help=tx.HELP_SERVE_NO_BROWSER)
    ] = False,
    form_path: FormOption = None,
) -> None:
    from ..core.catalogue import UsageError, os_reason
    from ..form.form import FormError
    from ..serve.server import Workbench
    from .cli_support import _fail, _form

    try:
        form = _form(form_path)  # the form of a workspace started from the page
    except FormError as exc:
        raise _fail(str(exc)) from None

    def bench_on(number: int) -> Workbench:
        return Workbench(workspace, form=form, form_path=form_path, port=number)

    try:
        try:
            bench = bench_on(DEFAULT_PORT if port is None else port)
        except OSError:
            if port is not None:
                raise
            bench = bench_on(0)  # the usual port is taken: any free one
    except OSError as exc:
        wanted = DEFAULT_PORT if port is None else port
        raise _fail(tx.SERVE_PORT_BUSY.format(port=wanted, reason=os_reason(exc))) from None
    if form_path is not None and bench.site.root is not None:
        bench.socket.close()  # the workspace has its form: --form is for a new one only
        raise _fail(str(UsageError("workspace-option", options="--form")))
    typer.echo(bench.url)  # the first line: the address to open, with the start token
    typer.echo(tx.SERVE_STARTED, err=True)
    if not no_browser:
        import webbrowser

        webbrowser.open(bench.url)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C: uvicorn stopped, then passes it on
        bench.run()
    typer.echo(tx.SERVE_STOPPED, err=True)


def register(app: typer.Typer) -> None:
    """Add `serve` to the command line."""
    app.command(help=tx.HELP_SERVE, short_help=tx.SHORT_SERVE)(serve)
