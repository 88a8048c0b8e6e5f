"""Rollup of rollups (逐级汇总): district rollup workbooks as inputs of a city's rollup, and city
rollups of a province's.

A lower rollup brings every agency row of its 明细 sheet, with the agency's source file, sha256
and status, and its own district (the 所属地区 column, or its _meta for a rollup without one): the
upper rollup's 明细 keeps every agency, so each figure stays traceable to the agency's file. Each
row's figures are its inputs, totals recomputed. Two checks: the lower rollup's own sums (the
stored results of its 汇总 sheets) must equal the sums of its 明细 rows, or the rollup is reported;
and an agency counted twice — in a lower rollup and again as its own file, or in two lower rollups
— is refused (the second one is set aside with a finding).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..check.previous import DETAIL_COLUMNS, DETAIL_ROWS, is_rollup
from ..core import texts as tx
from ..core.catalogue import say
from ..core.texts import CheckStatus, FileStatus, Severity
from ..form.contract import META_SHEET
from ..form.findings import CheckReport, FileResult, Finding
from ..form.form import Form, complete
from ..form.identity import normalise_code
from ..form.layout import layout
from ..form.rollup_names import DETAIL_FIRST_ROW, DETAIL_SHEET
from ..xlsx.package import directory_member
from ..xlsx.read import ReadError, read_table

__all__ = ["STATUS_OF", "Lower", "merge_lower", "read_lower", "split_rollups"]

# 明细's status text -> a checked file's status (the rollup wrote one from the other)
STATUS_OF = {
    FileStatus.PASSED.title: CheckStatus.PASSED,
    FileStatus.PASSED_WITH_WARNINGS.title: CheckStatus.WARNINGS,
    FileStatus.INCLUDED_WITH_ERRORS.title: CheckStatus.FAILED,
}
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Lower:
    """One lower rollup: where it is, whose it is, its agencies and what its check found."""

    path: Path
    district: str
    year: str
    results: tuple[FileResult, ...]
    findings: tuple[Finding, ...]


def split_rollups(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """(rollup workbooks, returned workbooks) among the files to roll up."""
    rollups = [p for p in paths if _may_be_rollup(p) and is_rollup(p)]
    return rollups, [p for p in paths if p not in rollups]


WORKBOOK_PART_MAX = 1 << 20  # xl/workbook.xml of a real workbook is a few kilobytes
QUICK_LOOK_MAX = 4 << 20  # files read whole for the quick look (a returned report is ~30 KB)


def _may_be_rollup(path: Path) -> bool:
    """A cheap first look (the sheet list only) before `is_rollup` reads the workbook: a returned
    report has no 明细 sheet. Costs one read of the file and its central directory walked with
    struct (zipfile's objects for each member cost four times as much: two seconds of a
    province's ten thousand files); anything unusual goes to zipfile, which reads only the
    directory and one small part."""
    import zipfile

    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return False
    text = None
    try:
        if path.stat().st_size <= QUICK_LOOK_MAX:
            text = directory_member(path.read_bytes(), "xl/workbook.xml", WORKBOOK_PART_MAX)
        if text is None:
            with zipfile.ZipFile(path) as archive:
                info = archive.getinfo("xl/workbook.xml")
                if info.file_size > WORKBOOK_PART_MAX:
                    return True  # unusual: let the bounded reader decide
                with archive.open(info) as part:
                    text = part.read(WORKBOOK_PART_MAX + 1)
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError, EOFError):
        return False  # not a zip we can read: the check reports it as a returned file
    return DETAIL_SHEET.encode("utf-8") in text or b"&#" in text


def read_lower(path: Path, form: Form) -> Lower:
    """A lower rollup's agencies as checked results, and its sums checked against its 明细."""
    try:
        meta_rows = read_table(path, META_SHEET, rows=40, cols=2)
        rows = read_table(path, DETAIL_SHEET, rows=DETAIL_ROWS, cols=DETAIL_COLUMNS)
    except ReadError as exc:
        return Lower(path, "", "", (), (_finding("rollup-unreadable", path, reason=f"（{exc}）"),))
    meta = {str(r[0]): str(r[1]) for r in meta_rows if len(r) > 1 and r[0] and r[1] is not None}
    district, year = meta.get("district", ""), meta.get("year", "")
    if len(rows) < DETAIL_FIRST_ROW:
        return Lower(path, district, year, (), (_finding("rollup-unreadable", path, reason=""),))
    keys = [str(k) if k is not None else "" for k in rows[DETAIL_FIRST_ROW - 1]]
    where = {key: i for i, key in enumerate(keys) if key}
    results = []
    for row in rows[DETAIL_FIRST_ROW:]:

        def text(key: str, row: list[object] = row) -> str:
            i = where.get(key)
            value = row[i] if i is not None and i < len(row) else None
            if isinstance(value, float) and value.is_integer():
                return str(int(value))
            return "" if value is None else str(value)

        code = text("code")
        if not code:
            continue
        inputs = {}
        for cell in form.inputs:
            i = where.get(cell.key)
            value = row[i] if i is not None and i < len(row) else None
            finite = isinstance(value, int | float) and math.isfinite(value)
            inputs[cell.key] = float(value) if finite else 0.0  # type: ignore[arg-type]
        results.append(
            FileResult(
                path=text("file") or str(path),
                sha256=text("sha256"),
                agency_code=code,
                agency_name=text("name"),
                year=year,
                status=STATUS_OF.get(text("status"), CheckStatus.PASSED),
                findings=(),
                values=complete(form, inputs),
                meta={"district": text("district") or district, "rollup": str(path)},
            )
        )
    findings = _sums_hold(path, form, rows, where)
    return Lower(path, district, year, tuple(results), tuple(findings))


def _sums_hold(
    path: Path, form: Form, rows: list[list[object]], where: dict[str, int]
) -> list[Finding]:
    """The lower rollup's stored 汇总 results against the sums of its 明细 rows."""
    tables = [s for s in layout(form) if s.section in {x.key for x in form.sections if x.table}]
    wrong: list[str] = []
    for index, sheet in enumerate(tables):  # the summary sheets come first, in report order
        try:
            grid = read_table(path, index, rows=200, cols=60)
        except ReadError:
            return [_finding("rollup-unreadable", path, reason="")]
        for key, area in sheet.cells.items():
            if key not in form.cells or key not in where:
                continue
            column = where[key]
            total = math.fsum(
                float(v)
                for r in rows[DETAIL_FIRST_ROW:]
                if column < len(r) and isinstance(v := r[column], int | float) and math.isfinite(v)
            )
            row = grid[area.row] if area.row < len(grid) else []
            stored = row[area.col] if area.col < len(row) else None
            if not isinstance(stored, int | float) or abs(float(stored) - total) > TOLERANCE:
                cell = form.cells[key]
                wrong.append(f"{cell.row_label or cell.table}·{cell.column_label}")
    if not wrong:
        return []
    shown = "、".join(wrong[:5]) + (
        tx.SUMS_DIFFER_MORE.format(count=len(wrong)) if len(wrong) > 5 else ""
    )
    return [_finding("rollup-sums-differ", path, cells=shown)]


def _finding(code: str, path: Path, **params: object) -> Finding:
    return Finding(
        code=code,
        severity=Severity.WARNING if code == "rollup-sums-differ" else Severity.ERROR,
        message=say(code, path=path, **params),
        file=str(path),
    )


def merge_lower(report: CheckReport, lowers: Sequence[Lower], year: str = "") -> CheckReport:
    """The check of the returned files with the lower rollups' agencies added; an agency counted
    twice (same file, or same district and code) is set aside the second time, with a finding.
    A lower rollup of another year than `year` (or the returned files') is left out, reported."""
    seen_files: dict[str, str] = {}  # sha256 -> the rollup holding it
    seen_agencies: dict[tuple[str, str], str] = {}  # (district, code) -> the rollup holding it
    files: list[FileResult] = []
    findings: list[Finding] = []
    target = year or report.year or next((x.year for x in lowers if x.year), "")
    for lower in lowers:
        findings.extend(lower.findings)
        if lower.year and target and lower.year != target:
            findings.append(
                _finding("rollup-wrong-year", lower.path, actual=lower.year, expected=target)
            )
            continue
        for result in lower.results:
            twice = _twice(result, seen_files, seen_agencies)
            files.append(_set_aside(result, twice) if twice else result)
            if not twice:
                _remember(result, str(lower.path), seen_files, seen_agencies)
    for result in report.files:
        twice = _twice(result, seen_files, seen_agencies)
        files.append(_set_aside(result, twice) if twice and result.in_use else result)
    return CheckReport(
        files=tuple(files),
        batch_findings=(*report.batch_findings, *findings),
        year=target,
        district=report.district,
    )


def _key(result: FileResult) -> tuple[str, str]:
    return (result.meta.get("district", ""), normalise_code(result.agency_code))


def _twice(result: FileResult, files: dict[str, str], agencies: dict[tuple[str, str], str]) -> str:
    if result.sha256 and result.sha256 in files:
        return files[result.sha256]
    return agencies.get(_key(result), "") if result.agency_code else ""


def _remember(
    result: FileResult, where: str, files: dict[str, str], agencies: dict[tuple[str, str], str]
) -> None:
    if result.sha256:
        files[result.sha256] = where
    agencies[_key(result)] = where


def _set_aside(result: FileResult, rollup: str) -> FileResult:
    finding = Finding(
        code="counted-twice",
        severity=Severity.ERROR,
        message=say(
            "counted-twice", agency=result.agency_name or result.agency_code, rollup=rollup
        ),
        file=result.path,
        agency_code=result.agency_code,
        agency_name=result.agency_name,
    )
    return replace(result, superseded=True, findings=(*result.findings, finding))
