"""What every page of the workbench shares: the server's state (its guard, its jobs, the
workspace it works on), the Jinja2 environment (autoescape on: everything an agency supplied is
shown escaped), reading a posted form under the limits with its CSRF token checked, starting a
job, and the ledger queries the pages show.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ..core import texts as tx
from ..core.text import page_text
from ..form.form import Form
from ..workspace.ledger import LEDGER_FILE
from ..workspace.workspace import Workspace
from .jobs import Busy, Job, JobBoard
from .security import Guard, check_csrf, read_form
from .work import Upload, opened, stage

__all__ = ["STATUS_TITLES", "Site", "agency_files", "closing", "site_of"]


@dataclass
class Site:
    """The server's state. `root` is the workspace (None until one is created from the page,
    which makes it at `target`)."""

    guard: Guard
    target: Path
    new_form: Form  # the form a workspace started from the page gets
    new_form_path: Path | None = None  # its file (serve --form), copied into that workspace
    root: Path | None = None
    explicit: bool = False  # the workspace folder was named (--workspace): created there
    board: JobBoard = field(default_factory=JobBoard)
    mail: dict[str, str] = field(default_factory=dict)  # the mail forms' last settings, no password
    env: jinja2.Environment = field(
        default_factory=lambda: jinja2.Environment(
            loader=jinja2.PackageLoader("toolkit.serve", "templates"),
            autoescape=True,
            finalize=_visible,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
    )

    # --- pages ----------------------------------------------------------------------------
    def page(
        self, request: Request, template: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        running = self.board.writing()
        html = self.env.get_template(template).render(
            csrf=self.guard.csrf,
            running=running,
            has_workspace=self.root is not None,
            mail=self.mail,
            path=request.url.path,
            **context,
        )
        return HTMLResponse(html, status_code=status, headers=_NO_STORE)

    def workspace(self) -> Path:
        """The workspace's folder; a page that needs one before it exists leads to 工作台."""
        if self.root is None or not (self.root / LEDGER_FILE).is_file():
            raise HTTPException(409, tx.SERVE_NO_WORKSPACE)
        return self.root

    def read(self, look: Callable[[Workspace], Any]) -> Any:
        """`look` at the workspace on this thread (its own SQLite connection)."""
        with opened(self.workspace()) as space:
            return look(space)

    # --- forms and jobs -------------------------------------------------------------------
    async def form(self, request: Request) -> FormData:
        """The posted form, read under the upload limits, its CSRF token checked."""
        form = await read_form(request, self.guard.limits)
        check_csrf(form, self.guard)
        return form

    async def staged(
        self, form: FormData, field_name: str, accepted: tuple[str, ...]
    ) -> tuple[Path | None, list[str]]:
        """The files posted in `field_name` copied to a staging folder (None: no file)."""
        import tempfile

        uploads = [
            Upload(name=f.filename or "", handle=f.file)
            for f in form.getlist(field_name)
            if isinstance(f, UploadFile) and f.filename
        ]
        if not uploads:
            return None, []
        folder = Path(tempfile.mkdtemp(prefix="nianbao-upload-"))
        notes = await run_in_threadpool(
            stage, uploads, folder, accepted=accepted, limit=self.guard.limits.max_body
        )
        return folder, notes

    def start(
        self,
        request: Request,
        kind: str,
        work: Callable[[Job], None],
        staged: Path | None = None,
    ) -> Response:
        """Start a job and show its page; when another job writes, say so (the staged files
        are removed either way once done with)."""

        def run(job: Job) -> None:
            try:
                work(job)
            finally:
                if staged is not None:
                    shutil.rmtree(staged, ignore_errors=True)

        try:
            job = self.board.start(kind, run)
        except Busy as exc:
            if staged is not None:
                shutil.rmtree(staged, ignore_errors=True)
            return self.page(request, "error.html", status=409, message=str(exc))
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)

    def last_job(self, *kinds: str) -> Job | None:
        return next((j for j in self.board.all() if j.kind in kinds), None)


_NO_STORE = {"cache-control": "no-store"}


def _visible(value: Any) -> Any:
    """Every value a page shows, before it is escaped: a file's or an agency's text with its bidi
    marks and controls as visible escapes (the pages' own texts have none). Text already marked
    safe stays so: the escapes add no markup."""
    if isinstance(value, str):
        shown = page_text(value)
        return type(value)(shown) if hasattr(value, "__html__") else shown
    return value


STATUS_TITLES = {s.value: s.title for s in tx.CheckStatus}


def closing(
    handler: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """A POST handler whose form (and its uploaded files' temporary files) is closed after it,
    whatever happened: the staged copies are what the jobs read."""

    async def handled(request: Request) -> Response:
        try:
            return await handler(request)
        finally:
            await request.close()

    return handled


def site_of(request: Request) -> Site:
    site: Site = request.app.state.site
    return site


# --- what the pages read from the ledger ----------------------------------------------------
def agency_files(space: Workspace, code: str) -> list[dict[str, Any]]:
    """Every stored file of one agency with its check result and findings (the ledger's record
    of the last check), the file that counts first."""
    decision = space.ledger.db.execute(
        "SELECT sha256 FROM decisions WHERE agency_code = ?", (code,)
    ).fetchone()
    counted = decision["sha256"] if decision else ""
    rows = space.ledger.rows(
        "SELECT * FROM files WHERE agency_code = ? ORDER BY first_received_at, sha256", (code,)
    )
    files = []
    for row in rows:
        findings = json.loads(row["findings"] or "[]")
        order = {"error": 0, "warning": 1}
        findings.sort(key=lambda f: order.get(f.get("severity", ""), 2))
        files.append(
            {
                "sha256": row["sha256"],
                "name": row["original_name"],
                "agency_name": row["agency_name"],
                "status": row["status"],
                "status_title": STATUS_TITLES.get(row["status"], row["status"]),
                "errors": row["errors"],
                "warnings": row["warnings"],
                "received_at": row["first_received_at"],
                "saved_at": row["saved_at"],
                "counted": row["sha256"] == counted,
                "findings": findings,
            }
        )
    files.sort(key=lambda f: not f["counted"])
    return files
