"""The pages of the year's outputs: 汇总 (the rollup, its charts as pictures, the download), 发布
(the rendered reports and the district draft, an html preview) and 比对 (published reports
against the files that count). The work runs as jobs on the same library functions as
`rollup`, `render` and `compare` on a workspace.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from ..core import texts as tx
from ..workspace.workspace import Workspace
from ..workspace.workspace_steps import form_of, rollup_file
from .chart import read_charts, svg
from .site import closing, site_of
from .work import PUBLISHED, compare_job, render_job, rollup_job

__all__ = ["routes"]

FORMATS = ("docx", "html", "pdf")
# A rendered report previewed in the page's frame: our own output, but with the agencies' text
# in it, so it may run nothing and load nothing.
PREVIEW_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


def rollup_page(request: Request) -> Response:
    site = site_of(request)

    def look(space: Workspace) -> dict[str, Any]:
        path = rollup_file(space)
        charts = read_charts(path, form_of(space, site.new_form)) if path.is_file() else []
        return {
            "file": path.name if path.is_file() else "",
            "charts": [(c.id, c.title) for c in charts],
        }

    return site.page(request, "rollup.html", last=site.last_job("rollup"), **site.read(look))


async def rollup_run(request: Request) -> Response:
    site = site_of(request)
    root = site.workspace()
    await site.form(request)
    bundled = site.new_form
    return site.start(request, "rollup", lambda job: rollup_job(job, root, bundled=bundled))


def rollup_download(request: Request) -> Response:
    site = site_of(request)
    path = site.read(rollup_file)
    if not path.is_file():
        raise HTTPException(404, tx.SERVE_NOT_FOUND)
    return FileResponse(path, filename=path.name)


def rollup_chart(request: Request) -> Response:
    site = site_of(request)
    wanted = request.path_params["chart"]

    def look(space: Workspace) -> str | None:
        path = rollup_file(space)
        if not path.is_file():
            return None
        form = form_of(space, site.new_form)
        chart = next((c for c in read_charts(path, form) if c.id == wanted), None)
        return svg(chart) if chart else None

    picture = site.read(look)
    if picture is None:
        raise HTTPException(404, tx.SERVE_NOT_FOUND)
    return Response(
        picture,
        media_type="image/svg+xml",
        headers={"content-security-policy": PREVIEW_POLICY, "cache-control": "no-store"},
    )


def _reports(space: Workspace) -> Path:
    return space.output(tx.REPORTS_FOLDER)


def publish_page(request: Request) -> Response:
    site = site_of(request)

    def look(space: Workspace) -> dict[str, Any]:
        folder = _reports(space)
        files = (
            sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
            if folder.is_dir()
            else []
        )
        return {"files": [(p.name, p.suffix.lower() == ".html") for p in files]}

    return site.page(
        request,
        "publish.html",
        formats=FORMATS,
        last=site.last_job("render"),
        **site.read(look),
    )


async def publish_run(request: Request) -> Response:
    site = site_of(request)
    root = site.workspace()
    form = await site.form(request)
    formats = [f for f in FORMATS if f in form.getlist("format")] or ["html"]
    include_errors = form.get("include_errors") is not None
    bundled = site.new_form
    return site.start(
        request,
        "render",
        lambda job: render_job(job, root, formats, include_errors, bundled=bundled),
    )


def _report_file(request: Request) -> Path:
    """A file of 输出/报告 by its name: only a direct child of that folder."""
    site = site_of(request)
    name = request.path_params["name"]
    folder = site.read(_reports)
    path = folder / name
    if "/" in name or "\\" in name or name.startswith(".") or not path.is_file():
        raise HTTPException(404, tx.SERVE_NOT_FOUND)
    if path.resolve().parent != folder.resolve():
        raise HTTPException(404, tx.SERVE_NOT_FOUND)
    return path


def publish_file(request: Request) -> Response:
    path = _report_file(request)
    return FileResponse(path, filename=path.name)


def publish_preview(request: Request) -> Response:
    path = _report_file(request)
    if path.suffix.lower() != ".html":
        raise HTTPException(404, tx.SERVE_NOT_FOUND)
    return FileResponse(
        path,
        media_type="text/html; charset=utf-8",
        headers={"content-security-policy": PREVIEW_POLICY},
    )


def compare_page(request: Request) -> Response:
    site = site_of(request)

    def look(space: Workspace) -> dict[str, Any]:
        path = space.output(tx.COMPARE_FILE)
        return {"file": path.name if path.is_file() else ""}

    return site.page(
        request,
        "compare.html",
        accepted=",".join(PUBLISHED),
        last=site.last_job("compare"),
        **site.read(look),
    )


async def compare_run(request: Request) -> Response:
    site = site_of(request)
    root = site.workspace()
    form = await site.form(request)
    staged, notes = await site.staged(form, "files", PUBLISHED)
    folder = str(form.get("folder", "")).strip()
    published: list[Path] = []
    if staged is not None:
        published.append(staged)
    if folder:
        published.append(Path(folder))
    if not published:
        return site.page(request, "error.html", status=400, message=tx.SERVE_NO_FILES)

    def work(job: Any) -> None:
        for note in notes:
            job.say(note)
        compare_job(job, root, published, bundled=site.new_form)

    return site.start(request, "compare", work, staged)


def compare_download(request: Request) -> Response:
    site = site_of(request)
    path = site.read(lambda space: space.output(tx.COMPARE_FILE))
    if not path.is_file():
        raise HTTPException(404, tx.SERVE_NOT_FOUND)
    return FileResponse(path, filename=path.name)


routes = [
    Route("/rollup", rollup_page),
    Route("/rollup", closing(rollup_run), methods=["POST"]),
    Route("/rollup/download", rollup_download),
    Route("/rollup/chart/{chart}.svg", rollup_chart),
    Route("/publish", publish_page),
    Route("/publish", closing(publish_run), methods=["POST"]),
    Route("/publish/file/{name}", publish_file),
    Route("/publish/preview/{name}", publish_preview),
    Route("/compare", compare_page),
    Route("/compare", closing(compare_run), methods=["POST"]),
    Route("/compare/download", compare_download),
]
