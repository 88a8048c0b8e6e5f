"""The workbench as one ASGI application: the pages' routes, the package's static files (CSS and
a small script; nothing from a CDN), the error pages in Chinese, and the guard of security.py in
front of everything.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from ..core import texts as tx
from ..core.catalogue import UsageError
from ..form.form import Form, FormError
from ..workspace.workspace import find_workspace
from . import pages_mail, pages_output, pages_year
from .security import ASGIApp, Guard, Message, Receive, Scope, Send
from .site import Site, site_of

__all__ = ["create_app", "make_site"]

# Pages, forms and downloads: nothing of ours may be framed by another site, no script from
# anywhere but here, and the browser guesses no content type.
HEADERS = {
    "x-frame-options": "SAMEORIGIN",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'"
)


def make_site(
    workspace: Path | None,
    *,
    form: Form,
    form_path: Path | None = None,
    guard: Guard | None = None,
) -> Site:
    """The server's state for a workspace folder given (created from the page when it holds no
    workspace yet), or the workspace around the current folder, or none yet. `form` (loaded
    from `form_path`, or the bundled form) is the form of a workspace started from the page."""
    guard = guard or Guard()
    if workspace is not None:
        target = Path(workspace).resolve()
        found = find_workspace(target) if target.is_dir() else None
        root, explicit = (found if found == target else None), True
    else:
        target, root, explicit = Path.cwd(), find_workspace(), False
    return Site(
        guard=guard,
        target=target,
        new_form=form,
        new_form_path=form_path,
        root=root,
        explicit=explicit,
    )


def create_app(site: Site) -> ASGIApp:
    """The application for `site`, guarded."""

    async def refused(request: Request, exc: Exception) -> Response:
        if isinstance(exc, HTTPException):
            status = exc.status_code
            message = tx.SERVE_NOT_FOUND if status in (404, 405) else str(exc.detail)
        elif isinstance(exc, UsageError | FormError):  # a workspace that cannot be read
            status, message = 409, str(exc)
        else:  # a bug: a page in Chinese, not a traceback
            status = 500
            message = tx.SERVE_UNEXPECTED.format(reason=f"{type(exc).__name__}: {exc}")
        return site_of(request).page(request, "error.html", status=status, message=message)

    static = Path(__file__).parent / "static"
    app = Starlette(
        routes=[
            *pages_year.routes,
            *pages_output.routes,
            *pages_mail.routes,
            Mount("/static", app=StaticFiles(directory=static), name="static"),
        ],
        exception_handlers={HTTPException: refused, Exception: refused},
    )
    app.state.site = site

    async def headed(scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in HEADERS.items()]
                if b"content-security-policy" not in names:
                    extra.append((b"content-security-policy", PAGE_POLICY.encode()))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await app(scope, receive, with_headers)

    return site.guard.wrap(headed)
