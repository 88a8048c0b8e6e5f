"""Running the workbench: a socket bound to 127.0.0.1 only (port 0: any free port), uvicorn
serving the guarded application on it, and a clean stop (Ctrl+C on the command line, `stop()`
from a test): running jobs are cancelled and waited for, so no writer lock is left behind.

Runs the same on Windows: a plain socket, uvicorn's own Ctrl+C handling, no fork and no signal
that Windows lacks.
"""

from __future__ import annotations

import socket
from pathlib import Path

from ..form.form import Form
from .app import create_app, make_site
from .security import Guard
from .site import Site

__all__ = ["HOST", "Workbench"]

HOST = "127.0.0.1"  # never another interface: the workbench is for this PC's user alone
JOB_GRACE = 30.0  # seconds the stop waits for a cancelled job to reach its next file


class Workbench:
    """The workbench server on a bound socket; `url` (with the start token) is known before it
    serves, so it can be printed first."""

    def __init__(
        self,
        workspace: Path | None,
        *,
        form: Form,
        form_path: Path | None = None,
        port: int = 0,
        guard: Guard | None = None,
    ) -> None:
        import uvicorn

        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            self.socket.bind((HOST, port))
            self.socket.listen(128)  # a browser opened at once waits in the backlog, not refused
        except OSError:
            self.socket.close()
            raise
        self.port = int(self.socket.getsockname()[1])
        self.site: Site = make_site(workspace, form=form, form_path=form_path, guard=guard)
        self.site.guard.port = self.port
        self.url = self.site.guard.start_url()
        config = uvicorn.Config(
            create_app(self.site),
            log_level="warning",
            access_log=False,
            lifespan="off",
            server_header=False,
        )
        self.server = uvicorn.Server(config)

    def run(self) -> None:
        """Serve until stopped (Ctrl+C, or `stop()` from another thread)."""
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self.finish()

    def stop(self) -> None:
        self.server.should_exit = True

    def finish(self) -> None:
        """Cancel what runs and wait for it, so its writer lock is released."""
        board = self.site.board
        for job in board.all():
            board.cancel(job.id)
        board.wait(JOB_GRACE)
        self.socket.close()
