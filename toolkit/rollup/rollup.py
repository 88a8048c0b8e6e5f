"""The district rollup: the checked reports merged into the standard tables, traceable cell by cell.

Every number of 全区汇总 (全市汇总 … at a higher level) is a SUM formula over one column of 明细 (one row per included agency), so
a reviewer can follow any figure in Excel to the agencies behind it.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .. import __version__
from ..check.check import check
from ..core import texts as tx
from ..core.outputs import (
    Inputs,
    refuse_inputs,
    workbook_options,
    write_atomic,
)
from ..core.text import csv_safe
from ..core.texts import CheckStatus
from ..form.findings import CheckReport, FileResult
from ..form.form import Form, complete
from ..form.identity import normalise_code
from ..form.layout import a1, layout
from ..form.rollup_names import (
    DETAIL_FIRST_ROW,
    DETAIL_FIXED,
    DETAIL_SHEET,
    summary_name,
)
from ..inputs.discover import collect
from ..inputs.roster import Agency, match_code, roster_codes, roster_position
from ..template.styles import add_styles
from ..template.template_sheets import write_summary_sheet
from .rollup_sheets import (
    _chart_sheet,
    _detail_sheet,
    _explained_sheet,
    _meta_sheet,
    _path,
    _quote,
    _status_sheet,
)

__all__ = ["RollupResult", "rollup"]


@dataclass(frozen=True, kw_only=True)
class RollupResult:
    out: Path
    csv: Path | None
    report: CheckReport
    included: tuple[FileResult, ...]
    excluded: tuple[FileResult, ...]
    missing: tuple[Agency, ...]
    totals: dict[str, float]

    def exit_code(self, strict: bool) -> int:
        return 1 if strict and (self.excluded or self.missing) else 0


def rollup(
    paths: Sequence[str | Path],
    *,
    out: Path,
    roster: Sequence[Agency] | None = None,
    year: int | str | None = None,
    district: str | None = None,
    csv_path: Path | None = None,
    include_errors: bool = False,
    generated_at: datetime | None = None,
    form: Form,
    progress: Callable[[int, int], None] | None = None,
    key: bytes | None = None,
    level: str = tx.DISTRICT_LEVEL,
    report: CheckReport | None = None,
) -> RollupResult:
    """Check the files, then write the rollup workbook (and the long CSV when asked).

    Refuses (UsageError "output-is-input") an output that is one of the files to roll up, before
    anything is read; the writes are atomic and never replace anything but a regular file. Lower
    rollups among the inputs bring their agencies (rollup_levels.py); `level` (区, 市, 省: a key
    of texts.LEVELS) names the level in the sheet names and titles (全市汇总（三）). A workspace
    passes its `report` (its files checked and decided as its ledger says): not checked again.
    """
    from .rollup_levels import merge_lower, read_lower, split_rollups

    if level not in tx.LEVELS:
        from ..core.catalogue import UsageError

        raise UsageError("rollup-level", value=level, known="、".join(tx.LEVELS))

    sources, skipped = collect(paths)
    given = Inputs(sources)  # resolved and identified once, for every output (10,000 files: 0.5 s)
    for target in (out, csv_path):
        if target is not None:
            refuse_inputs(Path(target), given)
    generated_at = generated_at or datetime.now().replace(microsecond=0)
    lower, returned = split_rollups(sources)
    report = report or (
        check(
            paths if not lower else returned,  # the patterns, for their skip notes, when all are
            form=form,
            roster=roster,
            year=year,
            district=district,
            progress=progress,
            key=key,
            collected=(sources, skipped) if not lower else None,
        )
        if returned
        else CheckReport(files=(), batch_findings=(), year=str(year or ""), district=district or "")
    )
    if lower:
        report = merge_lower(report, [read_lower(path, form) for path in lower], str(year or ""))
    included, excluded = [], []
    for result in report.files:
        usable = bool(result.values) and result.in_use
        if usable and (result.status != CheckStatus.FAILED or include_errors):
            included.append(result)
        else:
            excluded.append(result)
    # The files' own codes, matched to the roster by the rule the check uses (roster.match_code).
    position = roster_position(roster or ())
    included.sort(key=lambda r: (position(r.agency_code), r.agency_code, r.path))
    codes = roster_codes(roster or ())
    present = {match_code(r.agency_code, codes) for r in report.files if r.agency_code}
    missing = tuple(a for a in roster or () if normalise_code(a.code) not in present)
    details = [_values(form, r) for r in included]
    totals = _column_sums(form, details)
    data = _workbook(
        form, report, included, excluded, missing, details, totals, generated_at, roster, level
    )
    read = {str(r.path) for r in report.files}
    inputs = given if read <= {str(p) for p in sources} else Inputs([r.path for r in report.files])
    write_atomic(out, data, inputs=inputs)
    if csv_path is not None:
        text = _long_csv(form, report, included, details)
        write_atomic(csv_path, text.encode("utf-8-sig"), inputs=inputs)
    return RollupResult(
        out=Path(out),
        csv=csv_path,
        report=report,
        included=tuple(included),
        excluded=tuple(excluded),
        missing=missing,
        totals=totals,
    )


def _values(form: Form, result: FileResult) -> dict[str, float]:
    """An agency's inputs (a cell it left unreadable counts 0) and totals recomputed from them."""
    if (
        result.status != CheckStatus.FAILED
    ):  # the checker's values: inputs, and totals from the inputs
        return result.values
    inputs = {
        c.key: result.values.get(c.key, 0.0)
        for c in form.inputs
        if not math.isnan(result.values.get(c.key, 0.0))
    }
    return complete(form, inputs)


def _column_sums(form: Form, details: list[dict[str, float]]) -> dict[str, float]:
    import numpy as np

    keys = list(form.cells)
    table = np.array([[d[k] for k in keys] for d in details], dtype=float).reshape(-1, len(keys))
    sums = table.sum(axis=0)  # whole numbers and 4-decimal amounts: exact enough in float64
    return {key: round(float(value), 6) for key, value in zip(keys, sums, strict=True)}


def _workbook(
    form: Form,
    report: CheckReport,
    included: list[FileResult],
    excluded: list[FileResult],
    missing: tuple[Agency, ...],
    details: list[dict[str, float]],
    totals: dict[str, float],
    generated_at: datetime,
    roster: Sequence[Agency] | None,
    level: str = tx.DISTRICT_LEVEL,
) -> bytes:
    import warnings

    import xlsxwriter

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        book = xlsxwriter.Workbook(buffer, workbook_options())
        book.set_properties(
            {
                "title": tx.ROLLUP_PROPERTIES_TITLE.format(
                    district=report.district, year=report.year
                ),
                "subject": form.title,
                "author": report.district or "nianbao",
                "comments": tx.ROLLUP_PROPERTIES_COMMENTS.format(
                    basis=form.basis, version=__version__
                ),
                "created": generated_at.replace(tzinfo=None),
            }
        )
        styles = add_styles(book)
        tables = [s for s in layout(form) if form.sections[_index(form, s.section)].kind == "table"]
        columns = {key: len(DETAIL_FIXED) + i for i, key in enumerate(form.cells)}
        last_row = DETAIL_FIRST_ROW + max(len(included), 1)
        sums = {
            key: f"=SUM({_quote(DETAIL_SHEET)}!{a1(DETAIL_FIRST_ROW, col, absolute=True)}"
            f":{a1(last_row - 1, col, absolute=True)})"
            for key, col in columns.items()
        }
        for sheet in tables:
            write_summary_sheet(
                book, styles, form, sheet, sums, totals, name=summary_name(sheet.name, level),
                level=level,
            )  # fmt: skip
        _detail_sheet(book, form, included, details, columns)
        _status_sheet(book, form, report, included, excluded, missing, roster)
        _explained_sheet(book, form, included)
        _chart_sheet(book, form, included, details, totals, columns, tables, level)
        _meta_sheet(book, form, report, included, generated_at, level, roster)
        book.worksheets()[0].activate()
        book.close()
    return buffer.getvalue()


def _index(form: Form, section: str) -> int:
    return next(i for i, s in enumerate(form.sections) if s.key == section)


def _long_csv(
    form: Form, report: CheckReport, included: list[FileResult], details: list[dict[str, float]]
) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["agency_code", "agency_name", "year", "table", "row_key", "col_key",
                     "row_label", "col_label", "value"])  # fmt: skip
    for result, values in zip(included, details, strict=True):
        for key, cell in form.cells.items():
            value = values[key]
            writer.writerow([csv_safe(result.agency_code), csv_safe(result.agency_name),
                             csv_safe(result.year or report.year),
                             cell.table, cell.row, cell.column, cell.row_label or "",
                             " · ".join(_path(form, key)) if not cell.row_label else cell.column_label,
                             int(value) if float(value).is_integer() else value])  # fmt: skip
    return buffer.getvalue()
