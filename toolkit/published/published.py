"""One published report, read: its title, every table cell found (and every one not found, with
why), its narrative parts, which pages were read by OCR. The model `nianbao import`, `compare` and
`--previous` share; the format readers and the matchers it calls come before it in the data flow.

A report is read in a worker process (toolkit/core/pool.py) by whoever reads untrusted files with it:
the readers are bounded, but a hostile PDF can still cost a library more than it should.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core import texts as tx
from ..core.catalogue import say
from ..core.text import compact
from ..form.form import Form
from ..form.identity import normalise_code
from ..inputs.roster import Agency, clean_name
from .published_read import SUFFIXES
from .published_sections import Title, read_narrative, read_title, text_lines
from .published_source import Place, SourceDocument, SourceError, SourceKind
from .published_tables import CellReading, Problem, read_tables

__all__ = [
    "PUBLISHED_SUFFIXES",
    "Published",
    "match_agency",
    "match_report",
    "read_isolated",
    "read_report",
]

# Seconds for one report, in its worker: a text report takes well under one, OCR a few seconds a
# scanned page (a 100-page scan is the most the PDF reader takes).
FILE_TIMEOUT = 600.0
# Per file, whatever the machine's load: a real report of 20 pages takes a few CPU seconds and
# under 300 MB (OCR runs in its own tesseract processes, outside these limits).
FILE_CPU_SECONDS = 60.0
FILE_MEMORY = 1024**3

# The files `import`, `compare` and `--previous` take as published reports (a workbook is not one):
# the readers' formats, and an old Word .doc, to be named with what to do (save it as .docx).
PUBLISHED_SUFFIXES = frozenset(SUFFIXES) | {".doc"}


@dataclass(frozen=True, kw_only=True)
class Published:
    """What one published report gave. `cells` holds every cell found, input or total, as read;
    `problems` every cell not found or not read, with the reason; nothing is guessed."""

    source: str  # the file name, as the user gave it
    sha256: str
    kind: SourceKind
    title: Title
    cells: dict[str, CellReading]
    problems: tuple[Problem, ...]
    loose: tuple[Problem, ...]  # rows read by a label nearly the form's (a misprint, OCR): to check
    texts: dict[str, str]  # narrative part key -> text
    sections: dict[str, Place]  # section key -> where its heading is
    tables: frozenset[str]  # table keys found
    headers_missing: dict[str, tuple[str, ...]]
    ocr_pages: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()
    closing: str = ""  # the signature and date that close the report (not part of 六)

    def values(self, form: Form) -> dict[str, float]:
        """Input cells read as numbers."""
        return {
            key: cell.value
            for key, cell in self.cells.items()
            if cell.value is not None and not form.cells[key].is_total
        }

    def raw(self, form: Form) -> dict[str, str]:
        """Input cells found but holding no number ("/", "—", blank): the text as it is."""
        return {
            key: cell.text
            for key, cell in self.cells.items()
            if cell.value is None and not form.cells[key].is_total
        }

    def totals(self, form: Form) -> dict[str, float]:
        """Total cells as the report prints them (which need not be the sum of their parts)."""
        return {
            key: cell.value
            for key, cell in self.cells.items()
            if cell.value is not None and form.cells[key].is_total
        }

    def ocr_cells(self) -> tuple[str, ...]:
        return tuple(key for key, cell in self.cells.items() if cell.ocr)

    def missing(self, form: Form) -> tuple[str, ...]:
        """Input cells the report does not give (not found, or not lined up)."""
        keys = {key for problem in self.problems for key in problem.keys}
        return tuple(k for k in form.cells if k in keys and not form.cells[k].is_total)

    def unread_totals(self, form: Form) -> tuple[str, ...]:
        """Totals the report prints (or would: the row or column is the form's) that were not read:
        not found, or not lined up. Their figure is unknown, not the sum of what was read."""
        keys = {key for problem in self.problems for key in problem.keys}
        return tuple(
            k for k in form.cells if k in keys and form.cells[k].is_total and k not in self.cells
        )


def match_report(
    document: SourceDocument, form: Form, *, source: str, sha256: str, name_hint: str = ""
) -> Published:
    """Match a document read by a format reader to the form."""
    tables = read_tables(document, form)
    lines = text_lines(document)  # the title's and the narrative's, worked out once
    narrative = read_narrative(document, form, lines)
    return Published(
        source=source,
        sha256=sha256,
        kind=document.kind,
        title=read_title(document, fallback=name_hint, form_title=form.title, lines=lines),
        cells=dict(tables.cells),
        problems=tuple(tables.problems),
        loose=tuple(tables.loose),
        texts=dict(narrative.texts),
        sections=dict(narrative.sections),
        tables=frozenset(tables.tables_found),
        headers_missing=dict(tables.headers_missing),
        ocr_pages=document.ocr_pages,
        notes=document.notes + narrative.notes,
        closing=narrative.closing,
    )


def read_report(path: Path, form: Form) -> Published:
    """Read and match one published report file. Raises SourceError when the file cannot be read
    as one (the caller reports it for that file and goes on)."""
    from .published_read import load_published, parse_published

    data = load_published(path)  # read once: the hash is of the bytes that were parsed
    document = parse_published(data, path.suffix.lower())
    digest = hashlib.sha256(data).hexdigest()
    return match_report(document, form, source=path.name, sha256=digest, name_hint=path.stem)


_worker_form: Form | None = None


def use_form(form: Form) -> None:
    """A worker's initializer: the form every report of the run is matched to."""
    global _worker_form
    _worker_form = form


def read_in_worker(path: Path) -> Published | str:
    """One report read and matched in a worker (`use_form` has run): a `Published`, or the
    reason (Chinese) it could not be read."""
    assert _worker_form is not None, "the worker's initializer sets the form"
    try:
        return read_report(path, _worker_form)
    except SourceError as exc:
        return str(exc)
    except zipfile.BadZipFile:  # a member that fails its CRC is found only when read
        return say("import-broken-zip")
    except Exception as exc:
        # a hostile file can reach the matcher with a shape no reader foresaw (nesting deep
        # enough to exhaust the stack, a lazily parsed PDF object failing late): that file is
        # named with a reason, never an internal error that stops the whole batch
        cause: BaseException | None = exc
        for _ in range(8):
            if cause is None or isinstance(cause, SourceError):
                break
            arg = cause.args[0] if cause.args else None
            cause = arg if isinstance(arg, SourceError) else (cause.__cause__ or cause.__context__)
        if isinstance(cause, SourceError):
            return str(cause)
        return say("import-unreadable", reason=type(exc).__name__)


def read_isolated(
    paths: Sequence[Path],
    form: Form,
    progress: Callable[[int, int], None] | None = None,
    deliver: Callable[[int, Published | str], None] | None = None,
) -> list[Published | str]:
    """Each published report read and matched in a worker process: a `Published`, or the reason
    (Chinese) it could not be read. With `deliver`, each is handed to `deliver(index, read)` as
    soon as it is read (in the order they finish) and not kept: the list returned is empty."""
    from ..core.pool import WorkerDied, run_isolated

    def said(read: Published | str | WorkerDied) -> Published | str:
        return (
            say("import-worker-died", reason=read.reason) if isinstance(read, WorkerDied) else read
        )

    results = run_isolated(
        read_in_worker,
        list(paths),
        workers=max(1, min(os.cpu_count() or 1, len(paths))),
        initializer=use_form,
        initargs=(form,),
        timeout=FILE_TIMEOUT,
        cpu_limit=FILE_CPU_SECONDS,
        memory_limit=FILE_MEMORY,
        progress=progress,
        deliver=None if deliver is None else (lambda index, read: deliver(index, said(read))),
    )
    return [said(r) for r in results]


def match_agency(title: str, roster: Sequence[Agency] | None) -> tuple[Agency, str]:
    """The roster agency a report's title names: equal names, else the one roster name the
    title contains (or that contains it). Without a roster, or with no single match, an agency
    of that name with a code made from it (so that the same name gets the same code every time),
    and a note saying so."""
    name = clean_name(title) or title
    if roster:
        wanted = _name_key(name)
        equal = [a for a in roster if _name_key(a.name) == wanted]
        if len(equal) == 1:
            return equal[0], ""
        near = [a for a in roster if _name_key(a.name) in wanted or wanted in _name_key(a.name)]
        near = [a for a in near if _name_key(a.name)]
        if len(near) == 1:
            return near[0], say(
                "import-agency-near", title=name, name=near[0].name, code=near[0].code
            )
        note = say("import-agency-unmatched", title=name, count=len(near))
    else:
        note = ""
    digest = hashlib.sha256(_name_key(name).encode("utf-8")).hexdigest()[:8].upper()
    return Agency(code=normalise_code(f"{tx.IMPORTED_CODE_PREFIX}{digest}"), name=name), note


def _name_key(name: str) -> str:
    return compact(name)
