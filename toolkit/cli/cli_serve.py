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
) -> None:
    from ..core.catalogue import os_reason
    from ..serve.server import Workbench
    from .cli_support import _fail

    try:
        try:
            bench = Workbench(workspace, port=DEFAULT_PORT if port is None else port)
        except OSError:
            if port is not None:
                raise
            bench = Workbench(workspace, port=0)  # the usual port is taken: any free one
    except OSError as exc:
        wanted = DEFAULT_PORT if port is None else port
        raise _fail(tx.SERVE_PORT_BUSY.format(port=wanted, reason=os_reason(exc))) from None
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
