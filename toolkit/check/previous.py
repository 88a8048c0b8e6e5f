"""Last year's figures for the cross-year rules: from last year's returned files or rollup, and
from last year's published reports through a `ReportReader` the caller hands in.

Last year's files come from the same untrusted places as this year's, so they are read through the
same bounded reader and inspection; a file of the year being checked is refused (it would compare a
report with itself). The checker does not import the published-report readers (PDF, Word, HTML,
OCR): they sit above it in the data flow, and `published.last_year.READER` is the one a command
passes in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core.catalogue import UsageError, say
from ..core.texts import Severity
from ..form.contract import META_SHEET
from ..form.findings import Finding
from ..form.form import Form
from ..form.identity import normalise_code
from ..form.rollup_names import DETAIL_FIRST_ROW, DETAIL_SHEET, ROLLUP_KIND
from ..inputs.arguments import refuse_same_year_previous
from ..inputs.discover import SUFFIXES, collect
from ..inputs.roster import Agency
from ..xlsx.read import ReadError, read_table
from .inspection import FileCheck

__all__ = [
    "LastYearReport",
    "ReportReader",
    "is_rollup",
    "previous_values",
    "read_details",
]


@dataclass(frozen=True, kw_only=True)
class LastYearReport:
    """One of last year's published reports, as the cross-year rules need it: the agency of this
    year's its title names (None: none of them), the year it says, and every cell it shows."""

    source: str  # the file name, as the user gave it
    year: str  # as the title says it; "" when it says none
    agency: Agency | None
    values: Mapping[str, float]  # cell key -> the value as printed (a total too)
    error: str = ""  # why it could not be read (Chinese); it then has no agency and no values


@dataclass(frozen=True)
class ReportReader:
    """How the checker reads last year's published reports without importing their readers: the
    file suffixes they take, and a function reading those files (bounded, in worker processes)
    and pairing each with one of `agencies` by the agency its title names."""

    suffixes: frozenset[str]
    read: Callable[[Sequence[Path], Form, Sequence[Agency]], list[LastYearReport]]


def previous_values(
    paths: Sequence[str | Path],
    form: Form,
    year: str = "",
    agencies: Sequence[Agency] = (),
    reports: ReportReader | None = None,
    notes: list[Finding] | None = None,
) -> dict[str, dict[str, float]]:
    """Last year's values by (normalised) agency code. With `reports`, last year's published
    reports (.html, .docx, .pdf, .txt: the first year of adoption has no returned workbooks) are
    read like `import` reads them, and paired with `agencies` (the roster and this year's files)
    by the agency their title names; one that names none of them is left out. One that cannot be
    read is said in `notes` (a finding for the batch), never silently dropped."""
    report_suffixes = reports.suffixes if reports is not None else frozenset()
    try:  # last year's rollup may sit among our outputs: named or found, it is read
        files, _ = collect(paths, own_outputs=True, suffixes=(*SUFFIXES, *report_suffixes))
    except UsageError as exc:
        raise UsageError("previous-unusable", reason=str(exc)) from None
    one = FileCheck(form, "", "")
    out: dict[str, dict[str, float]] = {}
    returned = []
    named = [p for p in files if p.suffix.lower() in report_suffixes]
    if reports is not None and named:
        out.update(_published(reports, named, form, year, agencies, notes))
    for path in files:
        if path in named:
            continue
        if is_rollup(path):  # last year's rollup: its 明细 sheet has every agency
            out.update((normalise_code(k), v) for k, v in read_details(path, form).items())
        else:
            returned.append(one(path))
    refuse_same_year_previous(year, [(i.path, i.meta.get("year", "")) for i in returned])
    for item in sorted(returned, key=lambda i: i.mtime):
        code = normalise_code(item.meta.get("agency_code", ""))
        if item.evaluable and code:
            out[code] = item.values  # a returned file is more specific than a rollup row
    return out


def _published(
    reports: ReportReader,
    paths: list[Path],
    form: Form,
    year: str,
    agencies: Sequence[Agency],
    notes: list[Finding] | None = None,
) -> dict[str, dict[str, float]]:
    """Last year's figures from published reports: the cells they show (a total as printed),
    matched to this year's agencies by name."""
    unique = list({normalise_code(a.code): a for a in agencies if a.code}.values())
    read = reports.read(paths, form, unique)
    for report in read:  # one not used is said, never silently left out
        if report.error:
            message = say("previous-unreadable", file=report.source, reason=report.error)
        elif report.agency is None:
            message = say("previous-unpaired", file=report.source)
        else:
            continue
        if notes is not None:
            code = "previous-unreadable" if report.error else "previous-unpaired"
            notes.append(
                Finding(code=code, severity=Severity.INFO, message=message, file=report.source)
            )
    read = [r for r in read if not r.error]
    refuse_same_year_previous(year, [(r.source, r.year) for r in read])
    out: dict[str, dict[str, float]] = {}
    for report in read:
        if report.agency is None:
            continue  # no agency of this year's: nothing to compare with
        out[normalise_code(report.agency.code)] = {
            key: report.values.get(key, math.nan) for key in form.cells
        }
    return out


# Last year's rollup: its 明细 sheet has one row per agency. Read through the same limits as every
# file the tool opens; a province's rollup of tens of thousands of agencies still fits.
DETAIL_ROWS = 50_000
DETAIL_COLUMNS = 300
# The `_meta` rows naming the form a rollup was made from.
_FORM_FIELDS = ("form_id", "form_version")


def is_rollup(path: Path) -> bool:
    """Whether a file is a rollup written by nianbao (its `_meta` says kind = rollup)."""
    try:
        meta = read_table(path, META_SHEET, rows=40, cols=3)
        if not any(len(r) > 1 and r[0] == "kind" and r[1] == ROLLUP_KIND for r in meta):
            return False
        return bool(read_table(path, DETAIL_SHEET, rows=1, cols=1))
    except ReadError:
        return False


def read_details(path: Path, form: Form) -> dict[str, dict[str, float]]:
    """Each agency's values from a rollup's 明细 sheet, by agency code. A rollup of another form
    (its `_meta` names another form id or version) is refused: its columns mean other things."""
    try:
        meta = read_table(path, META_SHEET, rows=40, cols=3)
        rows = read_table(path, DETAIL_SHEET, rows=DETAIL_ROWS, cols=DETAIL_COLUMNS)
    except ReadError as exc:
        raise UsageError("previous-unreadable", path=path) from exc
    made_from = {str(r[0]): str(r[1]) for r in meta if len(r) > 1 and r[0] in _FORM_FIELDS}
    if made_from and made_from != {"form_id": form.id, "form_version": form.version}:
        actual = " ".join(made_from.get(k, "?") for k in _FORM_FIELDS)
        raise UsageError(
            "previous-other-form", path=path, actual=actual, expected=f"{form.id} {form.version}"
        )
    if len(rows) < DETAIL_FIRST_ROW:
        raise UsageError("previous-unreadable", path=path)
    keys = rows[DETAIL_FIRST_ROW - 1]
    columns = {key: i for i, key in enumerate(keys) if key in form.cells}
    out = {}
    for row in rows[DETAIL_FIRST_ROW:]:
        code = row[0] if row else None
        if not code:
            continue
        code = str(int(code)) if isinstance(code, float) and code.is_integer() else str(code)
        out[code] = {
            key: float(row[i])
            if i < len(row) and isinstance(row[i], int | float) and math.isfinite(row[i])
            else math.nan
            for key, i in columns.items()
        }
    return out
