"""The work behind the workbench's buttons, on the same library functions as the commands.

Each job function runs on its job's thread (jobs.py) and opens the workspace itself: a SQLite
connection belongs to the thread that made it. What a job found goes into `job.result` for its
page and `job.lines` in the clerk's words. Uploaded files are first copied into a staging
folder under safe names (`stage`, zips unpacked under the reader's limits) and then stored with
`workspace.receive`, so they are read, bounded and in the worker pool, exactly as `check` reads
a folder.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from ..core import texts as tx
from ..core.texts import Severity
from ..form.form import Form
from ..workspace.workspace import TEMPLATES, Workspace, open_workspace, receive
from ..workspace.workspace_steps import (
    check_year,
    compare_year,
    decide,
    feedback_words,
    form_of,
    render_year,
    rollup_year,
)
from .jobs import Job
from .security import upload_name

__all__ = [
    "ACCEPTED",
    "InitSettings",
    "Upload",
    "check_job",
    "compare_job",
    "init_job",
    "opened",
    "render_job",
    "rollup_job",
    "stage",
    "templates_zip",
]

WORKBOOKS = (".xlsx", ".xlsm", ".xls", ".ods", ".et")
ACCEPTED = (*WORKBOOKS, ".zip")  # what the 收取 page takes
PUBLISHED = (".html", ".htm", ".docx", ".pdf", ".xlsx")  # what the 比对 page takes
COPY_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Upload:
    """One uploaded file as the page received it: the name the browser sent and its content."""

    name: str
    handle: BinaryIO


@contextmanager
def opened(root: Path) -> Iterator[Workspace]:
    """The workspace, opened on this thread and closed after."""
    space = open_workspace(root)
    try:
        yield space
    finally:
        space.ledger.close()


def stage(
    uploads: Sequence[Upload], folder: Path, *, accepted: Sequence[str], limit: int
) -> list[str]:
    """Copy the uploads into `folder/<n>/<safe name>` (zips unpacked, their spreadsheets only);
    return a line for each upload left out and why. The copies are what the library reads."""
    from ..mail.mail_attachments import CollectResult, Skip, unzip
    from ..xlsx.read import LIMITS

    notes: list[str] = []
    for number, upload in enumerate(uploads):
        name = upload_name(upload.name)
        suffix = Path(name).suffix.lower()
        target = folder / str(number)
        if suffix not in accepted:
            notes.append(tx.SERVE_SKIPPED.format(name=name, reason=tx.NO_WORKBOOK))
            continue
        target.mkdir(parents=True, exist_ok=True)
        if suffix == ".zip":
            # read whole, so bounded as a zip attached to a mail is (four uploads at once must
            # not hold four times the upload limit in memory)
            cap = min(limit, LIMITS["file_bytes"])
            data = upload.handle.read(cap + 1)
            try:
                if len(data) > cap:
                    raise Skip(CollectResult.TOO_LARGE, tx.ATTACHMENT_TOO_LARGE)
                # each member bounded as a mail attachment's (the reader's file limit)
                for index, (inner, content) in enumerate(unzip(data, LIMITS["file_bytes"])):
                    member = target / str(index)  # two members may share a name
                    member.mkdir()
                    (member / upload_name(inner)).write_bytes(content)
            except Skip as skip:
                # the archive is refused as a whole: its members read before the refusal go too
                shutil.rmtree(target, ignore_errors=True)
                notes.append(tx.SERVE_SKIPPED.format(name=name, reason=str(skip)))
            continue
        with (target / name).open("wb") as out:
            shutil.copyfileobj(upload.handle, out, COPY_CHUNK)
    return notes


@dataclass(frozen=True, kw_only=True)
class InitSettings:
    year: int
    district: str
    deadline: date | None
    contact: str
    form: Form  # the form of the new workspace (the bundled one, or serve's --form)
    form_path: Path | None = None  # its file, copied into the workspace (init --form)
    password: str | None = None


def init_job(
    job: Job,
    root: Path,
    roster: Path,
    settings: InitSettings | None,
    issued: Path | None,
    *,
    bundled: Form,
) -> None:
    """A new workspace from an uploaded roster (settings given), or a roster added to the
    workspace (settings None): `nianbao init`."""
    from ..core.text import inert
    from ..workspace.workspace_init import init_workspace

    if settings is None:
        with opened(root) as space:
            form = form_of(space, bundled)
        result = init_workspace(root, roster=roster, year=None, district=None, form=form)
    else:
        result = init_workspace(
            root,
            roster=roster,
            year=settings.year,
            district=settings.district,
            form=settings.form,
            form_path=settings.form_path,
            deadline=settings.deadline,
            contact=settings.contact,
            password=settings.password,
            issued=issued,
        )
    try:
        space = result.workspace
        if result.created:
            job.say(
                tx.WORKSPACE_CREATED.format(
                    root=root, year=space.year, district=space.district, count=len(result.added)
                )
            )
        else:
            job.say(tx.WORKSPACE_UPDATED.format(root=root, count=len(result.added)))
        for spelled, code in result.matched:
            job.say(tx.WORKSPACE_MATCHED.format(spelled=spelled, code=code))
        for note in result.notes:
            job.say(tx.NOTE_LINE.format(note=inert(note)))
    finally:
        result.workspace.ledger.close()


def check_job(
    job: Job, root: Path, staged: Path | None, notes: Sequence[str], *, bundled: Form
) -> None:
    """`check` on the workspace: the uploaded files stored (when any), the year checked and
    decided, the feedback made."""
    for note in notes:
        job.say(note)
    with opened(root) as space:
        form = form_of(space, bundled)
        with space.ledger.writing("check"):
            if staged is not None:
                received, skipped = receive(space, [staged], via="upload", origin="serve")
                job.say(
                    tx.WORKSPACE_RECEIVED.format(
                        count=len(received), new=sum(r.new for r in received)
                    )
                )
                for finding in skipped:
                    job.say(finding.message)
                job.stop_if_cancelled()
            job.total = len(space.stored())
            checked = check_year(space, form=form, progress=job.progress)
        for line in feedback_words(checked.year, checked.feedback, space):
            job.say(line)
        job.result = {"exit_code": checked.year.report.exit_code}


def rollup_job(job: Job, root: Path, *, bundled: Form) -> None:
    """`rollup` on the workspace."""
    with opened(root) as space:
        form, year = decide(space, "rollup", form=form_of(space, bundled), progress=job.progress)
        job.stop_if_cancelled()
        result = rollup_year(space, year, form=form)
        job.result = {
            "out": result.out.name,
            "included": len(result.included),
            "excluded": [
                {
                    "who": r.agency_name or Path(r.path).name,
                    "superseded": r.superseded,
                    "errors": r.count(Severity.ERROR),
                }
                for r in result.excluded
            ],
            "missing": [{"code": a.code, "name": a.name} for a in result.missing],
        }


def render_job(
    job: Job, root: Path, formats: Sequence[str], include_errors: bool, *, bundled: Form
) -> None:
    """`render` on the workspace: the agencies' reports and the district draft."""
    with opened(root) as space:
        form, year = decide(space, "render", form=form_of(space, bundled), progress=job.progress)
        job.stop_if_cancelled()
        result = render_year(space, year, form=form, formats=formats, include_errors=include_errors)
        out = space.output(tx.REPORTS_FOLDER)
        job.result = {
            "rendered": [
                {
                    "title": r.title,
                    "files": [p.name for p in r.outputs if p.parent == out],
                    "draft": r.draft,
                    "district": r.district,
                    "agencies": r.agencies,
                    "gaps": list(r.gaps),
                }
                for r in result.rendered
            ],
            "skipped": [
                {
                    "who": r.agency_name or Path(r.path).name,
                    "status": r.status,
                    "errors": r.count(Severity.ERROR),
                    "superseded": r.superseded,
                    "in_use": r.in_use,
                }
                for r in result.skipped
            ],
            "missing_pdf": [r.title for r in result.missing_pdf],
        }


def compare_job(job: Job, root: Path, published: Sequence[Path], *, bundled: Form) -> None:
    """`compare` on the workspace: the published reports against the files that count; the
    differences workbook into 输出/."""
    from ..compare.compare import write_xlsx

    with opened(root) as space:
        form, year = decide(space, "compare", form=form_of(space, bundled), progress=job.progress)
        job.stop_if_cancelled()
        result = compare_year(year, published, form=form)
        inputs = [p.published.path for p in result.pairs] + [p.submitted.path for p in result.pairs]
        write_xlsx(space.output(tx.COMPARE_FILE), result, form, inputs)
        titles = {s.key: s.title for s in form.sections}
        job.result = {
            "pairs": [
                {
                    "name": pair.submitted.name,
                    "code": pair.submitted.code,
                    "published": pair.published.path.name,
                    "submitted": pair.submitted.path.name,
                    "decision": pair.submitted.decision,
                    "cells": [
                        {
                            "table": form.tables[form.cells[d.key].table].title,
                            "row": form.cells[d.key].row_label or form.cells[d.key].column_label,
                            "column": form.cells[d.key].column_label,
                            "submitted": d.submitted,
                            "published": d.published,
                            "kind": d.kind.title,
                        }
                        for d in pair.cells
                    ],
                    "published_only": [titles[k] for k in pair.sections_published_only],
                    "submitted_only": [titles[k] for k in pair.sections_submitted_only],
                    "differs": pair.differs,
                }
                for pair in result.pairs
            ],
            "published_only": [(s.name, s.code) for s in result.published_only],
            "submitted_only": [(s.name, s.code) for s in result.submitted_only],
            "unreadable": [(p.name, reason) for p, reason in result.unreadable],
            "file": tx.COMPARE_FILE,
        }


def templates_zip(space: Workspace) -> bytes:
    """The issued templates as one zip, for the office to forward: every template, manifest.csv
    and a note (deadline, contact; the protection password stays in the office)."""
    folder = space.root / TEMPLATES
    buffer = io.BytesIO()
    deadline = tx.DATE.format(space.deadline) if space.deadline else tx.UNSET
    note = tx.SERVE_ZIP_NOTE.format(
        district=space.district, year=space.year, deadline=deadline, contact=space.contact
    )
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.glob("*.xlsx")):
            archive.write(path, path.name)
        manifest = folder / "manifest.csv"
        if manifest.is_file():
            archive.write(manifest, manifest.name)
        archive.writestr(tx.SERVE_ZIP_NOTE_FILE, note.encode("utf-8-sig"))
    return buffer.getvalue()
