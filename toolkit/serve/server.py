"""Running the workbench: a socket bound to 127.0.0.1 only (port 0: any free port), uvicorn
serving the guarded application on it, and a clean stop (Ctrl+C on the command line, `stop()`
from a test): running jobs are cancelled and waited for, so no writer lock is left behind.

HTTP is spoken by uvicorn's h11 protocol, always (not whichever parser happens to be installed),
with the request head bounded (`MAX_HEAD_BYTES`) and a malformed or oversized request refused
in Chinese (`ChineseH11`), before any page sees it.

Runs the same on Windows: a plain socket, uvicorn's own Ctrl+C handling, no fork and no signal
that Windows lacks.
"""

from __future__ import annotations

import socket
from pathlib import Path

from uvicorn.protocols.http.h11_impl import H11Protocol

from ..core import texts as tx
from ..form.form import Form
from .app import create_app, make_site
from .security import Guard
from .site import Site

__all__ = ["HOST", "MAX_HEAD_BYTES", "ChineseH11", "Workbench"]

HOST = "127.0.0.1"  # never another interface: the workbench is for this PC's user alone
JOB_GRACE = 30.0  # seconds the stop waits for a cancelled job to reach its next file
MAX_HEAD_BYTES = 16 * 1024  # request line and headers: a browser sends about 1 KB


class ChineseH11(H11Protocol):
    """uvicorn's h11 protocol, whose refusal of a request it cannot parse (a head past
    MAX_HEAD_BYTES, a bad Content-Length, two Host headers, a line break in a header) says so
    in Chinese instead of English."""

    def send_400_response(self, msg: str) -> None:
        import h11

        body = tx.SERVE_BAD_REQUEST.encode("utf-8")
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        for event in (
            h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event) or b"")
        self.transport.close()


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
            http=ChineseH11,
            h11_max_incomplete_event_size=MAX_HEAD_BYTES,
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
