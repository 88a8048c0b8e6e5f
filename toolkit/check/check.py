"""Checks returned workbooks: identity, layout, cell values, and every 勾稽 rule through pandera.

`check()` finds the files (discover.py), inspects each one on its own (inspection.py, on every core for large
batches), validates all of them at once as one frame (validate.py), and judges the batch as a whole
(batch.py): several files of one agency, agencies missing, agencies not on the roster.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..form.findings import CheckReport, Finding, file_finding
from ..form.form import Form
from ..form.layout import layout
from ..inputs.discover import collect
from ..inputs.roster import Agency
from .inspection import FileCheck
from .inspection_values import Inspected

if TYPE_CHECKING:
    from .previous import ReportReader

__all__ = ["check", "inspect_all"]

PARALLEL_MIN_FILES = 64  # below this, more than one worker process costs more than it saves
FILE_TIMEOUT = 30.0  # seconds for one file; a real one takes a few milliseconds


_worker: FileCheck | None = None


def _start_worker(prepared: FileCheck) -> None:
    global _worker
    _worker = prepared


def _inspect_in_worker(path: Path) -> Inspected:
    assert _worker is not None
    return _worker(path)


def inspect_all(
    paths: list[Path],
    form: Form,
    year: str,
    district: str,
    progress: Callable[[int, int], None] | None,
    key: bytes | None = None,
) -> list[Inspected]:
    """Every file in worker processes (one for a small batch, every core for a large one): a file
    that kills its worker (a native abort, the memory ceiling, a hang) is `unreadable` with the
    reason, and the rest of the batch is checked."""
    from ..core.pool import WorkerDied, run_isolated

    workers = max(1, min(os.cpu_count() or 1, len(paths) // (PARALLEL_MIN_FILES // 2)))
    # Prepared once here: forked workers inherit it instead of each building it again.
    results = run_isolated(
        _inspect_in_worker,
        paths,
        workers=workers,
        initializer=_start_worker,
        initargs=(FileCheck(form, year, district, key),),
        timeout=FILE_TIMEOUT,
        progress=progress,
    )
    return [
        _died(form, paths[r.index], r.reason) if isinstance(r, WorkerDied) else r for r in results
    ]


def _died(form: Form, path: Path, reason: str) -> Inspected:
    """An `unreadable` result for a file whose worker died; its hash only when that is safe."""
    import hashlib
    import stat

    from ..xlsx.read import LIMITS

    out = Inspected(path=str(path), readable=False)
    try:
        info = path.stat()
        out.mtime = info.st_mtime
        if stat.S_ISREG(info.st_mode) and info.st_size <= LIMITS["file_bytes"]:
            out.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        pass
    out.findings.append(file_finding(form, out, "unreadable", reason=reason))
    return out


def check(
    paths: Sequence[str | Path],
    *,
    form: Form,
    roster: Sequence[Agency] | None = None,
    year: int | str | None = None,
    district: str | None = None,
    previous: Sequence[str | Path] | None = None,
    progress: Callable[[int, int], None] | None = None,
    key: bytes | None = None,
    reports: ReportReader | None = None,
    collected: tuple[list[Path], list[Finding]] | None = None,
) -> CheckReport:
    """Check returned workbooks; the report lists every finding, file by file and for the batch.

    `key` is the issuing office's key (identity.find_key): with it, each file's token is verified
    and a file relabelled as another agency is an `identity-mismatch` error. `previous` names last
    year's files for the cross-year rules; last year's published reports among them are read with
    `reports` (`toolkit.published.last_year.READER`), and without it only workbooks count.
    `collected` is what `collect(paths)` already gave the caller (the files and the notes on
    those skipped), so that a province's folder is not searched twice.
    """
    from ..inputs.arguments import check_year
    from .batch import judge, verdict
    from .validate import validate

    check_year(form, year)
    files, skipped = collected if collected is not None else collect(paths)
    inspected = inspect_all(files, form, str(year or ""), district or "", progress, key)
    target_year = str(
        year or _most_common(i.meta.get("year", "") for i in inspected if i.evaluable)
    )
    if not year and target_year:  # no --year: the batch's own year; the odd ones out are flagged
        for item in inspected:
            if item.evaluable and item.meta.get("year") not in ("", target_year):
                item.findings.append(
                    file_finding(
                        form, item, "wrong-year", actual=item.meta.get("year"), expected=target_year
                    )
                )
    previous_values = None
    notes: list[Finding] = []  # last year's reports that could not be read
    if previous:
        from .previous import previous_values as read_previous

        known = list(roster or ())  # last year's published reports are paired by name
        known += [
            Agency(code=i.meta.get("agency_code", ""), name=i.meta.get("agency_name", ""))
            for i in inspected
            if i.evaluable and i.meta.get("agency_name")
        ]
        previous_values = read_previous(previous, form, target_year, known, reports, notes)
    evaluable = [i for i in inspected if i.evaluable]
    validate(form, evaluable, previous_values, target_year, roster or ())
    sheets = {sheet.name: index for index, sheet in enumerate(layout(form))}
    results, batch = judge([verdict(item, sheets) for item in inspected], roster)
    return CheckReport(
        files=tuple(results),
        batch_findings=tuple(skipped + notes + batch),
        year=target_year,
        district=district or "",
    )


def _most_common(values: Iterable[str]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for value in values:
        if value:
            counts[value] += 1
    return max(sorted(counts), key=lambda v: counts[v]) if counts else ""
