"""`nianbao import`: published reports in, standard workbooks out.

Each report is read and matched in a worker process (a hostile PDF costs only itself), which also
writes its workbook under a temporary name (the writing is most of the work: every core takes its
share); the parent names the workbooks in the files' order and moves each into place as soon as
the reports before it are done, keeping nothing else. The workbook is the same template the office
sends out, filled with what the report shows: figures,
"/" and "—" as the text they are, narrative parts, and the totals the report printed where they
are not the sum of their parts (so that `check` finds them). A printed total the import could not
read is never shown as a figure the report does not print: blank with a 批注, or (when every part
was read) the sum with a 批注 saying so; `_meta` lists them for `check`. `_meta` says kind = imported, with
the source file's name and sha256; cells read by OCR and cells not found carry a 批注. The
agency is the report's title matched to the roster (when one is given); the year the title's,
else `--year`. Nothing downstream needs to know the workbook was imported.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from pathlib import Path

from ..core import texts as tx
from ..core.catalogue import UsageError, os_reason, say
from ..core.outputs import refuse_inputs
from ..core.text import compact
from ..form.agency_kinds import possible_kinds
from ..form.contract import IMPORTED_KIND, Identity, file_name, identity_for
from ..form.fill import Fill
from ..form.form import Form, complete, total_sources
from ..form.layout import layout
from ..inputs.discover import collect
from ..inputs.manifest import PASSWORD_FILE, read_password
from ..inputs.roster import Agency
from ..template.workbook import write_workbook
from .published import (
    FILE_CPU_SECONDS,
    FILE_MEMORY,
    FILE_TIMEOUT,
    PUBLISHED_SUFFIXES,
    Published,
    match_agency,
    read_in_worker,
    use_form,
)

__all__ = [
    "ImportEntry",
    "ImportResult",
    "ImportStatus",
    "import_reports",
    "log_entry",
    "problem_lines",
]


class ImportStatus(Enum):
    COMPLETE = "complete"  # every cell and every section found
    PARTIAL = "partial"  # written, with cells or sections missing (listed)
    FAILED = "failed"  # not written: the file could not be read as a report

    @property
    def title(self) -> str:
        return tx.IMPORT_STATUS[self.value]


@dataclass(frozen=True, kw_only=True)
class ImportEntry:
    path: Path
    status: ImportStatus
    published: Published | None = None
    error: str = ""  # Chinese, when FAILED
    agency: Agency | None = None
    year: int | None = None
    workbook: Path | None = None
    notes: tuple[str, ...] = ()  # Chinese: roster match, year, headings


@dataclass(frozen=True, kw_only=True)
class ImportResult:
    entries: tuple[ImportEntry, ...]
    out_dir: Path
    skipped: tuple[str, ...] = field(default=())

    @property
    def all_complete(self) -> bool:
        return all(e.status is ImportStatus.COMPLETE for e in self.entries)


def import_reports(
    paths: Sequence[str | Path],
    *,
    out_dir: Path,
    form: Form,
    year: int | None = None,
    roster: Sequence[Agency] | None = None,
    district: str = "",
    key: bytes | None = None,
    issued: Path | None = None,
    generated_at: datetime,
    progress: Callable[[int, int], None] | None = None,
    on_entry: Callable[[ImportEntry], None] | None = None,
    keep_published: bool = True,
) -> ImportResult:
    """Read every published report among `paths` and write one workbook each into `out_dir`.

    Each workbook is written as soon as its report is read (in the order of the files, so that a
    second report of one agency is always the one numbered), and `on_entry` is called with its
    entry. Without `keep_published` the entries returned hold no `Published` (`on_entry` has had
    it): memory then stays bounded, whatever the number of files."""
    # nianbao's own rendered reports are published reports too (render, publish, import back)
    files, skipped = collect(
        paths, own_outputs=True, suffixes=tuple(PUBLISHED_SUFFIXES), none_found="no-published"
    )
    out_dir = Path(out_dir)
    refuse_inputs(out_dir, files)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError("out-not-folder", path=out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError("out-not-writable", path=out_dir, reason=os_reason(exc)) from exc
    password = (read_password(issued / PASSWORD_FILE) if issued else None) or secrets.token_urlsafe(
        9
    )
    job = _Job(
        form=form, out_dir=out_dir, year=year, roster=tuple(roster) if roster else None,
        district=district, key=key, password=password, generated_at=generated_at,
        token=f"nianbao-import-{secrets.token_hex(6)}",
    )  # fmt: skip
    used: set[str] = set()
    entries: list[ImportEntry] = []
    # Reports finish in any order; they are named and moved into place in the files' order,
    # holding only those that finished before an earlier one (a few chunks, see core/pool.py).
    waiting: dict[int, ImportEntry | _Draft | str] = {}

    def arrived(index: int, done: ImportEntry | _Draft | str) -> None:
        waiting[index] = done
        while len(entries) in waiting:
            path, done = files[len(entries)], waiting.pop(len(entries))
            if isinstance(done, str):
                entry = ImportEntry(path=path, status=ImportStatus.FAILED, error=done)
            elif isinstance(done, _Draft):
                entry = _place(done, out_dir, used)
            else:
                entry = done
            if on_entry is not None:
                on_entry(entry)
            entries.append(entry if keep_published else replace(entry, published=None))

    try:
        _import_isolated(files, job, progress, arrived)
    finally:  # a workbook written by a worker and never moved into place (the run was stopped)
        for left in out_dir.glob(f"*{job.token}*"):
            left.unlink(missing_ok=True)
    return ImportResult(
        entries=tuple(entries), out_dir=out_dir, skipped=tuple(f.message for f in skipped)
    )


@dataclass(frozen=True, kw_only=True)
class _Job:
    """What a worker needs to turn a report into its workbook: everything but the workbook's final
    name, which the parent gives in the files' order (the second of one agency is numbered)."""

    form: Form
    out_dir: Path
    year: int | None
    roster: tuple[Agency, ...] | None
    district: str
    key: bytes | None
    password: str
    generated_at: datetime
    token: str  # in the name of every workbook written before it is moved into place


@dataclass(frozen=True, kw_only=True)
class _Draft:
    """A report read and its workbook written by a worker under a temporary name."""

    entry: ImportEntry  # its workbook not yet set
    name: str  # the workbook's name before numbering
    temporary: Path | None  # None: it could not be written (`error` says why)
    error: str = ""


_job: _Job | None = None


def _start_worker(job: _Job) -> None:
    global _job
    _job = job
    use_form(job.form)


def _import_in_worker(path: Path) -> ImportEntry | _Draft | str:
    """Read and match one report and write its workbook (in a worker: the writing is most of the
    work, and every core takes its share)."""
    assert _job is not None, "the worker's initializer sets the job"
    read = read_in_worker(path)
    if isinstance(read, str):
        return read
    return _draft(path, read, _job)


def _import_isolated(
    files: Sequence[Path],
    job: _Job,
    progress: Callable[[int, int], None] | None,
    deliver: Callable[[int, ImportEntry | _Draft | str], None],
) -> None:
    from ..core.pool import WorkerDied, run_isolated

    def said(index: int, done: ImportEntry | _Draft | str | WorkerDied) -> None:
        if isinstance(done, WorkerDied):
            done = say("import-worker-died", reason=done.reason)
        deliver(index, done)

    run_isolated(
        _import_in_worker,
        list(files),
        workers=max(1, min(os.cpu_count() or 1, len(files))),
        initializer=_start_worker,
        initargs=(job,),
        timeout=FILE_TIMEOUT,
        cpu_limit=FILE_CPU_SECONDS,
        memory_limit=FILE_MEMORY,
        progress=progress,
        deliver=said,
    )


def _draft(path: Path, published: Published, job: _Job) -> ImportEntry | _Draft:
    """The report's agency, year and workbook, written under a temporary name; a failed entry
    when the report names no year or two agencies."""
    form, roster = job.form, job.roster
    notes: list[str] = []
    report_year = published.title.year or job.year
    if published.title.year and job.year and published.title.year != job.year:
        notes.append(say("import-year-differs", found=published.title.year, expected=job.year))
    if report_year is None:
        return ImportEntry(
            path=path,
            status=ImportStatus.FAILED,
            published=published,
            error=say("import-no-year"),
        )
    disagreeing = _disagreeing(published.title.named, roster)
    if disagreeing:  # identity first: no workbook, so no token, for a report of two agencies
        return ImportEntry(
            path=path,
            status=ImportStatus.FAILED,
            published=published,
            error=say("import-agency-disagrees", names="、".join(disagreeing)),
        )
    agency, agency_note = match_agency(published.title.agency or path.stem, roster)
    if agency_note:
        notes.append(agency_note)
    identity = identity_for(form, agency, report_year, job.district, job.generated_at, job.key)
    identity = _imported(identity, published, form)
    name = file_name(form, agency, report_year)
    written = job.out_dir / f".{job.token}-{secrets.token_hex(6)}.xlsx"
    temporary: Path | None = written
    error = ""
    try:
        write_workbook(
            written, form=form, identity=identity, password=job.password,
            fill=_fill(form, published), kinds=possible_kinds(form, agency.name, agency.kind),
        )  # fmt: skip
    except OSError as exc:
        temporary, error = None, os_reason(exc)
    missing_sections = [s.key for s in form.sections if s.key not in published.sections]
    complete = not (
        published.problems or published.loose or missing_sections or published.headers_missing
    )
    entry = ImportEntry(
        path=path,
        status=ImportStatus.COMPLETE if complete else ImportStatus.PARTIAL,
        published=published,
        agency=agency,
        year=report_year,
        notes=tuple(notes),
    )
    return _Draft(entry=entry, name=name, temporary=temporary, error=error)


def _place(draft: _Draft, out_dir: Path, used: set[str]) -> ImportEntry:
    """The drafted workbook moved to its name (numbered when the name is taken); a workbook that
    cannot be written stops the import, as any output that fails does."""
    target = out_dir / _unique(draft.name, used)
    if draft.temporary is None:
        raise UsageError("output-failed", path=target, reason=draft.error)
    try:
        os.replace(draft.temporary, target)
    except OSError as exc:
        raise UsageError("output-failed", path=target, reason=os_reason(exc)) from exc
    return replace(draft.entry, workbook=target)


def _disagreeing(named: Sequence[str], roster: Sequence[Agency] | None) -> tuple[str, ...]:
    """The names when the evidence (page title or meta tag, heading, file name) names different
    agencies: with a roster, names matched to different agencies (or one not matched); without,
    two names neither of which contains the other (区科技局 and 科技局 agree). () when they agree."""
    keys = [compact(n) for n in named]
    if len(keys) < 2:
        return ()
    if roster:
        codes = {match_agency(n, roster)[0].code for n in named}
        return tuple(named) if len(codes) > 1 else ()
    for a in keys:
        for b in keys:
            if a not in b and b not in a:
                return tuple(named)
    return ()


def _imported(identity: Identity, published: Published, form: Form) -> Identity:
    return replace(
        identity,
        kind=IMPORTED_KIND,
        source=published.source,
        source_sha256=published.sha256,
        unread_totals=" ".join(published.unread_totals(form)),
    )


def _unique(name: str, used: set[str]) -> str:
    """Two reports of one agency and year (a re-publication, a duplicate download) both get a
    workbook: the second is numbered, and `check` then decides between them as it does for any
    agency that reported twice."""
    stem, suffix = os.path.splitext(name)
    candidate, n = name, 1
    while candidate.casefold() in used:
        n += 1
        candidate = f"{stem}（{n}）{suffix}"
    used.add(candidate.casefold())
    return candidate


def _fill(form: Form, published: Published) -> Fill:
    """The workbook's contents: figures, texts as they are, printed totals that differ from the
    sum, and a 批注 at every cell read by OCR or not found."""

    values = published.values(form)
    raw = published.raw(form)
    missing = published.missing(form)
    for key in missing:  # not found: blank, so that check reports it, never a silent 0
        raw.setdefault(key, "")
    computed = complete(form, values)
    unknown = set(missing)
    depends = total_sources(form)
    # A total as printed wherever its formula would show anything else: a figure that is not the
    # sum of its parts, or one whose parts were not all read (the formula would sum what was).
    totals: dict[str, float | str] = {
        key: printed
        for key, printed in published.totals(form).items()
        if abs(printed - computed.get(key, printed)) > 1e-9 or unknown & depends[key]
    }
    for key, cell in published.cells.items():  # a total printed blank or "/" beside its parts
        if cell.value is None and form.cells[key].is_total and not unknown & depends[key]:
            totals[key] = cell.text
    where = {
        key: (sheet.name, area.ref) for sheet in layout(form) for key, area in sheet.cells.items()
    }
    comments: dict[tuple[str, str], str] = {}
    why = {key: problem for problem in published.problems for key in problem.keys}
    for key in missing:
        if key in where:
            # the reason too: a row short of figures reads otherwise like a row not there
            reason = why[key]
            comments[where[key]] = tx.IMPORT_CELL_MISSING + say(reason.reason, detail=reason.detail)
    for key in published.unread_totals(form):  # printed, not read: never a sum shown as printed
        summed = not unknown & depends[key]  # every part read: the formula shows their sum
        if not summed:
            totals[key] = ""
        if key in where:
            comments[where[key]] = tx.IMPORT_TOTAL_SUMMED if summed else tx.IMPORT_TOTAL_UNREAD
    for problem in published.loose:
        for key in problem.keys:
            if key in where:
                comments[where[key]] = tx.IMPORT_CELL_SIMILAR.format(label=problem.detail)
    for key in published.ocr_cells():
        if key in where:
            comments[where[key]] = tx.IMPORT_CELL_OCR
    return Fill(
        values=values, raw=raw, texts=dict(published.texts), totals=totals, comments=comments
    )


def problem_lines(form: Form, published: Published, loose: bool = False) -> list[dict[str, object]]:
    """Each cell or row not read (or, `loose`, read by a label nearly the form's), for the log:
    which row, which cells, why, where in the source."""
    out: list[dict[str, object]] = []
    for problem in published.loose if loose else published.problems:
        cells = [k for k in problem.keys if k in form.cells]
        if not cells:
            continue
        first = form.cells[cells[0]]
        table = form.tables[first.table].title
        row = first.row_label or tx.IMPORT_WHOLE_ROW
        if problem.reason == "import-table-missing":
            row = tx.IMPORT_WHOLE_TABLE
        out.append(
            {
                "table": table,
                "row": row,
                "cells": cells,
                "reason": problem.reason,
                "message": say(problem.reason, detail=problem.detail),
                "place": problem.place.describe() if problem.place else "",
            }
        )
    return out


def log_entry(form: Form, entry: ImportEntry) -> dict[str, object]:
    """One file of the import log, as `--json` writes it and the terminal shows it."""
    item: dict[str, object] = {
        "path": str(entry.path),
        "status": entry.status.value,
        "status_title": entry.status.title,
        "error": entry.error,
        "notes": list(entry.notes),
    }
    published = entry.published
    if entry.agency is not None:
        item |= {"agency_code": entry.agency.code, "agency_name": entry.agency.name}
    if entry.year is not None:
        item["year"] = entry.year
    if entry.workbook is not None:
        item["workbook"] = str(entry.workbook)
    if published is None:
        return item
    inputs = [c.key for c in form.inputs]
    item |= {
        "format": published.kind.value,
        "sha256": published.sha256,
        "title_agency": published.title.agency,
        "cells_found": sum(1 for k in inputs if k in published.cells),
        "cells_expected": len(inputs),
        "tables_found": sorted(published.tables),
        "missing": problem_lines(form, published),
        "similar_labels": problem_lines(form, published, loose=True),
        "sections_missing": [s.title for s in form.sections if s.key not in published.sections],
        "parts_empty": [
            form.parts[k].title
            for k in form.parts
            if not published.texts.get(k, "").strip() and _section_of(form, k) in published.sections
        ],
        "headers_missing": {
            form.tables[t].title: list(labels) for t, labels in published.headers_missing.items()
        },
        "placeholders": {k: c.text for k, c in published.cells.items() if c.value is None},
        "ocr_pages": list(published.ocr_pages),
        "ocr_cells": list(published.ocr_cells()),
        "reader_notes": list(published.notes),
    }
    return item


def _section_of(form: Form, part: str) -> str:
    return next(s.key for s in form.sections if any(p.key == part for p in s.parts))
