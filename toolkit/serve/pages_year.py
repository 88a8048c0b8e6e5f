"""The pages of the year's collection: 工作台 (the year at a glance, or starting a workspace from
a roster), 下发 (the templates, as one zip), 收取 (uploading returned files), 审核 (per agency:
findings at their cells, which file counts and why, the feedback copy), and the job pages.

Each handler parses, calls the library (through work.py's jobs for anything long or writing)
and renders a template; the same functions as the commands, so the same results.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..core import texts as tx
from ..core.catalogue import UsageError
from ..form.form import Form
from ..workspace.workspace import Workspace
from ..workspace.workspace_status import AgencyState, year_status
from .jobs import Job
from .site import STATUS_TITLES, agency_files, closing, site_of
from .work import ACCEPTED, InitSettings, check_job, init_job, templates_zip

__all__ = ["routes"]

ROSTERS = (".csv", ".xlsx", ".xls")
NEXT_STEP = {  # what the clerk does next for an agency in this state (keys of texts)
    AgencyState.NOT_ISSUED: "issue",
    AgencyState.ISSUED: "wait",
    AgencyState.OVERDUE: "remind",
    AgencyState.RECEIVED: "check",
    AgencyState.FAILED: "review",
    AgencyState.FEEDBACK: "wait-correction",
    AgencyState.CORRECTED: "done",
    AgencyState.PASSED: "done",
}
STATE_CLASS = {
    AgencyState.PASSED: "ok",
    AgencyState.CORRECTED: "ok",
    AgencyState.FAILED: "bad",
    AgencyState.OVERDUE: "bad",
    AgencyState.FEEDBACK: "warn",
}


def home(request: Request) -> Response:
    site = site_of(request)
    if site.root is None:
        return site.page(request, "setup.html", target=str(site.target))

    def look(space: Workspace) -> dict[str, Any]:
        seen = year_status(space)
        counts = seen.counts()
        return {
            "seen": seen,
            "states": [(s, counts[s.value]) for s in AgencyState if counts[s.value]],
            "next": NEXT_STEP,
            "css": STATE_CLASS,
            "deadline": tx.DATE.format(seen.deadline) if seen.deadline else "",
            "root": str(space.root),
        }

    return site.page(request, "home.html", **site.read(look))


def status_json(request: Request) -> Response:
    """The year as `nianbao status --json` writes it."""
    site = site_of(request)
    return JSONResponse(site.read(lambda space: year_status(space).to_dict()))


async def init(request: Request) -> Response:
    """A new workspace from an uploaded roster (and optionally the key of templates issued
    before), or, on an existing workspace, a roster that adds agencies."""
    site = site_of(request)
    form = await site.form(request)
    roster_folder, notes = await site.staged(form, "roster", ROSTERS)
    roster = _single(roster_folder)
    if roster is None:
        message = notes[0] if notes else tx.SERVE_NO_FILES
        return site.page(request, "error.html", status=400, message=message)
    if site.root is not None:
        root = site.root
        return site.start(
            request,
            "roster",
            lambda job: init_job(job, root, roster, None, None, bundled=site.new_form),
            roster_folder,
        )
    key_folder, _ = await site.staged(form, "key", (".txt",))
    key = _single(key_folder)
    try:
        settings = InitSettings(
            year=_year(str(form.get("year", "")), site.new_form),
            district=str(form.get("district", "")).strip(),
            deadline=_day(str(form.get("deadline", ""))),
            contact=str(form.get("contact", "")).strip(),
            form=site.new_form,
            form_path=site.new_form_path,
            password=str(form.get("password", "")).strip() or None,
        )
    except UsageError as exc:
        return site.page(request, "error.html", status=400, message=str(exc))
    root = site.target
    if not site.explicit:
        root = site.target / tx.SERVE_NEW_FOLDER.format(year=settings.year)

    def work(job: Job) -> None:
        try:
            init_job(job, root, roster, settings, key, bundled=site.new_form)
            site.root = root
        finally:
            if key_folder is not None:
                import shutil

                shutil.rmtree(key_folder, ignore_errors=True)

    return site.start(request, "init", work, roster_folder)


def _single(folder: Path | None) -> Path | None:
    """The one file staged in `folder` (the page posts one roster, one key)."""
    if folder is None:
        return None
    return next((p for p in sorted(folder.rglob("*")) if p.is_file()), None)


def _year(text: str, form: Form) -> int:
    """The year of a new workspace: given, and one the form applies to."""
    from ..inputs.arguments import check_year

    if not text.strip():
        raise UsageError("workspace-init-needs", option="--year")
    check_year(form, text)
    return int(text.strip())


def _day(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError("bad-date", option="--deadline", value=text) from None


def issue(request: Request) -> Response:
    site = site_of(request)

    def look(space: Workspace) -> dict[str, Any]:
        rows = space.ledger.rows("SELECT * FROM agencies ORDER BY position, code")
        return {
            "agencies": [
                {
                    "code": r["code"],
                    "name": r["name"],
                    "email": r["email"],
                    "template": Path(r["template"]).name if r["template"] else "",
                    "issued_at": r["issued_at"][:10],
                }
                for r in rows
            ],
            "zip_name": tx.SERVE_ZIP_FILE.format(district=space.district, year=space.year),
        }

    return site.page(request, "issue.html", **site.read(look))


def templates_download(request: Request) -> Response:
    site = site_of(request)
    data, name = site.read(
        lambda s: (templates_zip(s), tx.SERVE_ZIP_FILE.format(district=s.district, year=s.year))
    )
    return Response(
        data,
        media_type="application/zip",
        headers={"content-disposition": _attachment(name)},
    )


def template_download(request: Request) -> Response:
    site = site_of(request)
    code = request.path_params["code"]

    def look(space: Workspace) -> Path | None:
        row = space.ledger.db.execute(
            "SELECT template FROM agencies WHERE code = ?", (code,)
        ).fetchone()
        return space.root / row["template"] if row and row["template"] else None

    path = site.read(look)
    if path is None or not path.is_file():
        raise HTTPException(404, tx.SERVE_NOT_FOUND)
    return FileResponse(path, filename=path.name)


def receive_page(request: Request) -> Response:
    site = site_of(request)
    site.workspace()
    return site.page(
        request,
        "receive.html",
        accepted=",".join(ACCEPTED),
        last=site.last_job("check", "recheck", "collect"),
    )


async def receive(request: Request) -> Response:
    site = site_of(request)
    root = site.workspace()
    form = await site.form(request)
    staged, notes = await site.staged(form, "files", ACCEPTED)
    if staged is None and form.get("recheck") is None:
        return site.page(request, "error.html", status=400, message=tx.SERVE_NO_FILES)
    kind = "check" if staged is not None else "recheck"
    bundled = site.new_form
    return site.start(
        request, kind, lambda job: check_job(job, root, staged, notes, bundled=bundled), staged
    )


def review(request: Request) -> Response:
    site = site_of(request)

    def look(space: Workspace) -> dict[str, Any]:
        seen = year_status(space)
        known = {a.code for a in seen.agencies}
        others = [
            dict(r)
            for r in space.ledger.rows(
                "SELECT sha256, original_name, agency_code, agency_name, status, errors, "
                "warnings FROM files ORDER BY agency_code, first_received_at"
            )
            if r["agency_code"] not in known
        ]
        return {"seen": seen, "css": STATE_CLASS, "others": others, "titles": STATUS_TITLES}

    return site.page(request, "review.html", **site.read(look))


def agency(request: Request) -> Response:
    site = site_of(request)
    code = request.path_params["code"]

    def look(space: Workspace) -> dict[str, Any] | None:
        row = next((a for a in year_status(space).agencies if a.code == code), None)
        files = agency_files(space, code)
        if row is None and not files:
            return None
        decision = space.ledger.db.execute(
            "SELECT * FROM decisions WHERE agency_code = ?", (code,)
        ).fetchone()
        feedback = space.ledger.db.execute(
            "SELECT * FROM feedback WHERE agency_code = ? AND workbook != '' "
            "ORDER BY made_at DESC LIMIT 1",
            (code,),
        ).fetchone()
        explanations = space.ledger.rows(
            "SELECT * FROM explanations WHERE agency_code = ? ORDER BY accepted_at", (code,)
        )
        return {
            "code": code,
            "name": row.name if row else files[0]["agency_name"],
            "state": row.state if row else None,  # None: not on the roster
            "counted": row.file if row else "",
            "css": STATE_CLASS,
            "reason": decision["reason"] if decision else "",
            "files": files,
            "feedback": Path(feedback["workbook"]).name if feedback else "",
            "explanations": [dict(e) for e in explanations],
        }

    found = site.read(look)
    if found is None:
        raise HTTPException(404, tx.SERVE_NOT_FOUND)
    return site.page(request, "agency.html", **found)


def feedback_download(request: Request) -> Response:
    site = site_of(request)
    code = request.path_params["code"]

    def look(space: Workspace) -> Path | None:
        row = space.ledger.db.execute(
            "SELECT workbook FROM feedback WHERE agency_code = ? AND workbook != '' "
            "ORDER BY made_at DESC LIMIT 1",
            (code,),
        ).fetchone()
        return space.root / row["workbook"] if row else None

    path = site.read(look)
    if path is None or not path.is_file():
        raise HTTPException(404, tx.SERVE_NOT_FOUND)
    return FileResponse(path, filename=path.name)


async def choose(request: Request) -> Response:
    """The office's own choice of the file that counts (`nianbao choose`), then the decision."""
    from ..workspace.workspace_steps import decide, form_of
    from ..workspace.workspace_year import choose as run
    from .work import opened

    site = site_of(request)
    root = site.workspace()
    code = request.path_params["code"]
    form = await site.form(request)
    sha = str(form.get("sha256", ""))

    def work(job: Job) -> None:
        with opened(root) as space:
            with space.ledger.writing("choose"):
                run(space, code, sha)
            decide(space, "choose", form=form_of(space, site.new_form), progress=job.progress)

    return site.start(request, "choose", work)


def job_page(request: Request) -> Response:
    site = site_of(request)
    job = site.board.get(request.path_params["job"])
    if job is None:
        raise HTTPException(404, tx.SERVE_NOT_FOUND)
    return site.page(request, "job.html", job=job)


def job_json(request: Request) -> Response:
    site = site_of(request)
    job = site.board.get(request.path_params["job"])
    if job is None:
        raise HTTPException(404, tx.SERVE_NOT_FOUND)
    return JSONResponse(
        {
            "state": job.state,
            "state_title": job.state_title,
            "done": job.done,
            "total": job.total,
            "percent": job.percent,
        }
    )


async def job_cancel(request: Request) -> Response:
    site = site_of(request)
    await site.form(request)
    job_id = request.path_params["job"]
    site.board.cancel(job_id)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


def _attachment(name: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename=\"download.zip\"; filename*=UTF-8''{quote(name)}"


routes = [
    Route("/", home),
    Route("/status.json", status_json),
    Route("/init", closing(init), methods=["POST"]),
    Route("/issue", issue),
    Route("/issue/templates.zip", templates_download),
    Route("/issue/template/{code}", template_download),
    Route("/receive", receive_page),
    Route("/receive", closing(receive), methods=["POST"]),
    Route("/review", review),
    Route("/review/{code}", agency),
    Route("/review/{code}/feedback", feedback_download),
    Route("/review/{code}/choose", closing(choose), methods=["POST"]),
    Route("/jobs/{job:int}", job_page),
    Route("/jobs/{job:int}.json", job_json),
    Route("/jobs/{job:int}/cancel", closing(job_cancel), methods=["POST"]),
]
