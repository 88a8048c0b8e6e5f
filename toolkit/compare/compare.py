"""`nianbao compare`: what agencies published against what the office checked.

"Report changed after it was checked" is a fault evaluators list. The published side is published
reports (read like `import` reads them, in worker processes) or workbooks `import` wrote; the
submitted side is the returned workbooks. Agencies are paired by code, else by name only when the
name is exactly one agency's (after NFKC and blanks; a look-alike title such as
区发展和改革委员会教育局 is never paired with 区发展和改革委员会), and a pair made by name says so; for each pair every cell whose published figure differs from the
submitted one is listed, and every section present on one side only. An agency on one side only
is listed too. Nothing is "close enough": 12 and 12.0 are equal, "/" and 0 are not.
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Any

from ..check.check import inspect_all
from ..core import texts as tx
from ..core.outputs import print_setup, row_height, workbook_options, write_atomic, write_text
from ..core.text import compact
from ..core.texts import CheckStatus, Severity
from ..form.findings import CheckReport
from ..form.form import Form
from ..form.identity import normalise_code
from ..inputs.discover import SUFFIXES, collect
from ..inputs.roster import Agency, clean_name
from ..published.published import PUBLISHED_SUFFIXES, Published, match_agency, read_isolated
from ..xlsx.values import big

__all__ = ["AgencyDifferences", "CellDifference", "Comparison", "Side", "compare", "write_xlsx"]

TOLERANCE = 1e-6


class DifferenceKind(Enum):
    FIGURE = "figure"  # both sides have the cell, the figures differ
    NOT_PUBLISHED = "not-published"  # the published report does not show the cell
    NOT_A_NUMBER = "not-a-number"  # one side holds "/", "—" or blank where the other has a figure

    @property
    def title(self) -> str:
        return tx.COMPARE_KINDS[self.value]


@dataclass(frozen=True, kw_only=True)
class Side:
    """One agency's report as one side shows it."""

    path: Path
    code: str
    name: str
    values: dict[str, float]  # cells with a number (inputs and totals)
    raw: dict[str, str]  # cells with text where a figure belongs ("/", "—", blank)
    sections: frozenset[str]  # section keys present
    unread: frozenset[str] = frozenset()  # cells the import could not find
    decision: str = ""  # for an agency that sent several files: which one counts, and why


@dataclass(frozen=True, kw_only=True)
class CellDifference:
    key: str
    kind: DifferenceKind
    published: str
    submitted: str


@dataclass(frozen=True, kw_only=True)
class AgencyDifferences:
    published: Side
    submitted: Side
    cells: tuple[CellDifference, ...]
    sections_published_only: tuple[str, ...]
    sections_submitted_only: tuple[str, ...]
    by_name: bool = False  # paired by an exact, unique name (the published side had no code)

    @property
    def differs(self) -> bool:
        return bool(self.cells or self.sections_published_only or self.sections_submitted_only)


@dataclass(frozen=True, kw_only=True)
class Comparison:
    pairs: tuple[AgencyDifferences, ...]
    published_only: tuple[Side, ...]
    submitted_only: tuple[Side, ...]
    unreadable: tuple[tuple[Path, str], ...] = field(default=())
    # a second file of an agency already paired (two published versions, two submissions): not
    # compared, since which one counts is for the office to say
    duplicates: tuple[Side, ...] = field(default=())
    # older files of an agency that sent a newer one (the batch decision set them aside)
    set_aside: tuple[Side, ...] = field(default=())

    @property
    def differs(self) -> bool:
        return bool(
            any(p.differs for p in self.pairs)
            or self.published_only
            or self.submitted_only
            or self.unreadable
            or self.duplicates
        )


def compare(
    published: Sequence[str | Path],
    submitted: Sequence[str | Path],
    *,
    form: Form,
    report: CheckReport | None = None,
    key: bytes | None = None,
) -> Comparison:
    """Pair the agencies of both sides and list every difference.

    The submitted side is decided as `check` and `rollup` decide it (batch.py): for an agency that
    sent several files, the file that counts is compared and the others are listed as set aside.
    A workspace passes its `report` (decided as its ledger says) and no `submitted` paths.
    """
    published_files, _ = collect(
        published, own_outputs=True, suffixes=(*SUFFIXES, *sorted(PUBLISHED_SUFFIXES))
    )
    unreadable: list[tuple[Path, str]] = []
    if report is None:
        from ..check.check import check

        submitted_files, _ = collect(submitted, own_outputs=True)
        report = check(submitted_files, form=form, key=key)
    checked, set_aside, undecided = _decided_sides(report, form, unreadable)
    reports = [p for p in published_files if p.suffix.lower() in PUBLISHED_SUFFIXES]
    books = [p for p in published_files if p.suffix.lower() not in PUBLISHED_SUFFIXES]
    shown = _workbook_sides(books, form, unreadable)
    roster = [Agency(code=s.code, name=s.name) for s in checked]
    named: set[Path] = set()  # published reports whose code came from their title's name
    for path, read in zip(reports, read_isolated(reports, form), strict=True):
        if isinstance(read, str):
            unreadable.append((path, read))
        else:
            side = _report_side(path, read, form, roster)
            if side.code in {a.code for a in roster}:
                named.add(path)
            shown.append(side)
    by_code: dict[str, Side] = {}
    duplicates: list[Side] = list(undecided)
    for side in checked:
        if side.code in by_code:
            duplicates.append(side)
        else:
            by_code[side.code] = side
    pairs, published_only = [], []
    seen: set[str] = set()
    for side in shown:
        by_name = side.path in named
        if side.code not in by_code and side.code not in seen:
            # imported without the roster (a code made from the name): paired by its name only
            # when that name is exactly one agency's
            remaining = [Agency(code=s.code, name=s.name) for s in by_code.values()]
            agency = _exact_name(side.name, remaining)
            if agency is not None:
                side, by_name = replace(side, code=agency.code), True
        if side.code in seen:
            duplicates.append(side)
            continue
        seen.add(side.code)
        other = by_code.pop(side.code, None)
        if other is None:
            published_only.append(side)
        else:
            pairs.append(replace(_differences(form, side, other), by_name=by_name))
    return Comparison(
        pairs=tuple(pairs),
        published_only=tuple(published_only),
        submitted_only=tuple(by_code.values()),
        unreadable=tuple(unreadable),
        duplicates=tuple(duplicates),
        set_aside=tuple(set_aside),
    )


def _decided_sides(
    report: CheckReport, form: Form, unreadable: list[tuple[Path, str]]
) -> tuple[list[Side], list[Side], list[Side]]:
    """The submitted side as the batch decision says: the files that count, the files set aside
    (an agency's older files), and the files of agencies whose differing reports wait for the
    office (compared with nothing)."""
    several = {
        f.agency_code: f.message
        for f in report.batch_findings
        if f.code in ("duplicate-agency", "agency-conflict")
    }
    counted: list[Side] = []
    set_aside: list[Side] = []
    undecided: list[Side] = []
    for result in report.files:
        if result.status == CheckStatus.UNREADABLE or not result.agency_code or not result.values:
            reason = next((f.message for f in result.findings if f.severity == Severity.ERROR), "")
            unreadable.append((Path(result.path), reason or tx.COMPARE_NOT_A_REPORT))
            continue
        side = Side(
            path=Path(result.path),
            code=result.agency_code,
            name=result.agency_name,
            values={k: v for k, v in result.values.items() if not math.isnan(v)},
            raw={k: result.raw.get(k, "") for k, v in result.values.items() if math.isnan(v)},
            sections=_written(form, result.texts),
            unread=frozenset(result.missing),
            decision=several.get(result.agency_code, ""),
        )
        if result.conflict:
            undecided.append(side)
        elif result.superseded:
            set_aside.append(side)
        else:
            counted.append(side)
    return counted, set_aside, undecided


def _workbook_sides(
    paths: list[Path], form: Form, unreadable: list[tuple[Path, str]]
) -> list[Side]:
    sides = []
    # in worker processes, as `check` reads them: a hostile file costs only itself
    for path, item in zip(paths, inspect_all(paths, form, "", "", None), strict=True):
        code = normalise_code(item.meta.get("agency_code", ""))
        if not item.evaluable or not code:
            reason = next((f.message for f in item.findings if f.severity == Severity.ERROR), "")
            unreadable.append((path, reason or tx.COMPARE_NOT_A_REPORT))
            continue
        values = {k: v for k, v in item.values.items() if not math.isnan(v)}
        raw = {k: item.raw.get(k, "") for k, v in item.values.items() if math.isnan(v)}
        sections = _written(form, item.texts)
        sides.append(
            Side(
                path=path,
                code=code,
                name=item.meta.get("agency_name", ""),
                values=values,
                raw=raw,
                sections=sections,
                unread=frozenset(item.missing),
            )
        )
    return sides


def _exact_name(name: str, agencies: Sequence[Agency]) -> Agency | None:
    """The one agency whose name is exactly `name` (NFKC, blanks ignored); None when there is
    none or more than one: a name that only contains another (a look-alike) never pairs."""

    wanted = compact(clean_name(name) or name)
    equal = [a for a in agencies if wanted and compact(a.name) == wanted]
    return equal[0] if len(equal) == 1 else None


def _report_side(path: Path, read: Published, form: Form, roster: list[Agency]) -> Side:
    title = read.title.agency or path.stem
    # identity first: a report is one agency's only by an exact, unique name; otherwise it gets
    # the code made from its own name and is listed on its own (never a near match's pair)
    agency = _exact_name(title, roster) or match_agency(title, None)[0]
    return Side(
        path=path,
        code=normalise_code(agency.code),
        name=agency.name,
        values={k: c.value for k, c in read.cells.items() if c.value is not None},
        raw={k: c.text for k, c in read.cells.items() if c.value is None},
        sections=_written(form, read.texts),
        unread=frozenset(read.missing(form)),
    )


def _differences(form: Form, published: Side, submitted: Side) -> AgencyDifferences:
    cells = []
    for key in form.cells:
        mine, theirs = _shown(published, key), _shown(submitted, key)
        if key in published.unread:
            if theirs is not None:
                cells.append(_difference(key, DifferenceKind.NOT_PUBLISHED, "", theirs))
            continue
        if mine is None or theirs is None:  # a total the report does not print, a lost cell
            continue
        if key in published.values and key in submitted.values:
            if abs(published.values[key] - submitted.values[key]) > TOLERANCE:
                cells.append(_difference(key, DifferenceKind.FIGURE, mine, theirs))
        elif mine != theirs:
            cells.append(_difference(key, DifferenceKind.NOT_A_NUMBER, mine, theirs))
    narrative = {s.key for s in form.sections if s.kind == "narrative"}
    return AgencyDifferences(
        published=published,
        submitted=submitted,
        cells=tuple(cells),
        sections_published_only=tuple(
            sorted(narrative & (published.sections - submitted.sections))
        ),
        sections_submitted_only=tuple(
            sorted(narrative & (submitted.sections - published.sections))
        ),
    )


def _difference(key: str, kind: DifferenceKind, published: str, submitted: str) -> CellDifference:
    return CellDifference(key=key, kind=kind, published=published, submitted=submitted)


def _written(form: Form, texts: dict[str, str]) -> frozenset[str]:
    """The narrative sections with text in any part (a table section is always there)."""
    return frozenset(
        s.key
        for s in form.sections
        if s.kind == "table" or any(texts.get(p.key, "").strip() for p in s.parts)
    )


def _shown(side: Side, key: str) -> str | None:
    """A cell as the side shows it: the figure, or the text in its place; None when absent."""
    if key in side.values:
        return (
            big(side.values[key])
            if float(side.values[key]).is_integer()
            else f"{side.values[key]:g}"
        )
    if key in side.raw:
        return unicodedata.normalize("NFKC", side.raw[key]).strip()
    return None


def write_xlsx(path: Path, comparison: Comparison, form: Form, inputs: Sequence[Path] = ()) -> None:
    """The findings workbook an office can send on: one row per difference, then the agencies
    on one side only and the files that could not be read."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, workbook_options())
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top", "border": 1})
    sheet = book.add_worksheet(tx.COMPARE_SHEET)
    for col, (title, width) in enumerate(tx.COMPARE_COLUMNS):
        write_text(sheet, 0, col, title, head)
        sheet.set_column(col, col, width)
    row = 1
    for pair in comparison.pairs:
        for diff in pair.cells:
            cell = form.cells[diff.key]
            fields: tuple[str, ...] = (
                pair.submitted.code,
                pair.submitted.name,
                form.tables[cell.table].title,
                cell.row_label,
                cell.column_label,
                diff.submitted,
                diff.published,
                diff.kind.title,
                pair.published.path.name,
                pair.submitted.path.name,
            )
            _row(sheet, row, fields, tx.COMPARE_COLUMNS, wrap)
            row += 1
        for keys, title in (
            (pair.sections_published_only, tx.COMPARE_SECTION_PUBLISHED_ONLY),
            (pair.sections_submitted_only, tx.COMPARE_SECTION_SUBMITTED_ONLY),
        ):
            for key in keys:
                section = next(s for s in form.sections if s.key == key)
                fields = (
                    pair.submitted.code,
                    pair.submitted.name,
                    section.title,
                    "",
                    "",
                    "",
                    "",
                    title,
                )
                _row(sheet, row, fields, tx.COMPARE_COLUMNS, wrap)
                row += 1
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, max(row - 1, 1), len(tx.COMPARE_COLUMNS) - 1)
    print_setup(sheet, header_rows=(0, 0), title=tx.COMPARE_SHEET)
    others = book.add_worksheet(tx.COMPARE_ONE_SIDE_SHEET)
    print_setup(others, header_rows=(0, 0), title=tx.COMPARE_ONE_SIDE_SHEET)
    for col, (title, width) in enumerate(tx.COMPARE_ONE_SIDE_COLUMNS):
        write_text(others, 0, col, title, head)
        others.set_column(col, col, width)
    row = 1
    for sides, title in (
        (comparison.published_only, tx.COMPARE_PUBLISHED_ONLY),
        (comparison.submitted_only, tx.COMPARE_SUBMITTED_ONLY),
    ):
        for side in sides:
            fields = (side.code, side.name, title, side.path.name)
            _row(others, row, fields, tx.COMPARE_ONE_SIDE_COLUMNS, wrap)
            row += 1
    for side in comparison.duplicates:
        fields = (side.code, side.name, tx.COMPARE_DUPLICATE, side.path.name)
        _row(others, row, fields, tx.COMPARE_ONE_SIDE_COLUMNS, wrap)
        row += 1
    for side in comparison.set_aside:
        fields = (side.code, side.name, tx.COMPARE_SET_ASIDE, side.path.name)
        _row(others, row, fields, tx.COMPARE_ONE_SIDE_COLUMNS, wrap)
        row += 1
    for path, reason in comparison.unreadable:
        fields = ("", "", f"{tx.COMPARE_UNREADABLE}：{reason}", path.name)
        _row(others, row, fields, tx.COMPARE_ONE_SIDE_COLUMNS, wrap)
        row += 1
    book.close()
    write_atomic(path, buffer.getvalue(), inputs=inputs)


def _row(
    sheet: Any, row: int, fields: Sequence[str], columns: Sequence[tuple[str, int]], fmt: Any
) -> None:
    """One row of untrusted text, tall enough to show every cell wrapped in its column."""
    for col, value in enumerate(fields):
        write_text(sheet, row, col, value, fmt)
    widths = [float(width) for _, width in columns]
    sheet.set_row(row, row_height(zip(fields, widths, strict=False)))
