"""The district's own report, drafted from its rollup workbook: the three tables with the district
totals, the sentences that carry figures, which agencies it sums and which did not report, and for
every part a marked place 【请填写：…】 for the office's own text.

The totals are summed again from the rollup's 明细 sheet (one row per agency) and completed with
form.complete, so the draft never repeats a figure the rollup's own summary sheets stored.

Every figure of a drafted sentence comes from one place, the checker's stated-figure definitions run
in reverse: a sentence is declared in the form file (a part's or a table section's `draft`), each
{field} names a figure family of the families file its stated-figure rule reads
(templates/gov-info-2021-figures.toml), and the figure printed there is the sum of that family's
cells. The sentences say each figure in words the extractor (figures.py) reads back as the same
family; tests/test_render_figures.py reads every sentence of a many-agency draft back and compares
each figure with its table cells. No cell key and no sentence is written here.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..check.previous import is_rollup, read_details
from ..core import texts as tx
from ..core.catalogue import UsageError
from ..form.figures import Family
from ..form.form import Form, Section
from .render_model import Block, Heading, Paragraph, Report, figure, grid, table_figures
from .render_model import title_lines as split_title

__all__ = ["Coverage", "district_report", "draft_families", "fill", "is_rollup"]

STATUS_ROWS = 50_000  # rows of 状态 read: one per file and per agency of a province's roster


@dataclass(frozen=True)
class Coverage:
    """Which agencies a rollup sums, and which it does not: on its roster but never reported, or
    reported and not counted (errors, a conflict)."""

    counted: int
    roster: int | None  # agencies on the roster the rollup was made with; None: no roster
    not_reported: tuple[str, ...] = ()  # names
    left_out: tuple[str, ...] = ()  # names


def _read_rollup(path: Path, form: Form) -> tuple[dict[str, float], Coverage, dict[str, str]]:
    """The district totals (every cell, totals recomputed), which agencies they sum and the
    rollup's _meta entries (year, district, level, roster)."""
    from ..form.contract import META_SHEET
    from ..form.rollup_names import STATUS_SHEET
    from ..xlsx.read import ReadError, read_table

    try:
        details = read_details(path, form)
    except UsageError:
        raise UsageError("render-rollup-unreadable", path=path) from None
    sums = {
        cell.key: math.fsum(
            v for values in details.values() if math.isfinite(v := values.get(cell.key, math.nan))
        )
        for cell in form.inputs
    }
    try:
        rows = read_table(path, META_SHEET, rows=40, cols=2)
        status = read_table(path, STATUS_SHEET, rows=STATUS_ROWS, cols=3)
    except ReadError:
        rows, status = [], []
    meta = {str(r[0]): str(r[1]) for r in rows if len(r) > 1 and r[0] and r[1] is not None}
    return table_figures(form, sums), _coverage(details, status, meta), meta


def _coverage(
    details: Mapping[str, object], status: list[list[object]], meta: Mapping[str, str]
) -> Coverage:
    """From 明细 (the agencies counted), 状态 (every file and every roster agency: code, name,
    state) and _meta's `roster` (written since this issue; an older rollup says nothing)."""
    from ..core.texts import FileStatus

    counted = {str(code) for code in details}
    missing_label = FileStatus.MISSING.label()
    not_reported: dict[str, str] = {}
    left_out: dict[str, str] = {}
    for row in status[4:]:  # a title, the counts, a blank row, the header
        if len(row) < 3 or row[0] in (None, "") or str(row[0]) in counted:
            continue
        code, name = _code(row[0]), str(row[1] or row[0])
        (not_reported if str(row[2]) == missing_label else left_out).setdefault(code, name)
    roster = meta.get("roster", "")
    return Coverage(
        counted=len(counted),
        roster=int(roster) if roster.isdigit() else None,
        not_reported=tuple(not_reported.values()),
        left_out=tuple(name for code, name in left_out.items() if code not in not_reported),
    )


def _code(value: object) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def draft_families(form: Form) -> dict[str, Family]:
    """The figure families a draft sentence may name: those of the form's stated-figure rules."""
    return {family.key: family for rule in form.rules for family in rule.families}


def fill(text: str, form: Form, values: Mapping[str, float], *, year: str, whole: str) -> str:
    """A draft sentence with its fields filled: each figure family's district figure (the sum of
    its cells, printed as the tables print it), the year and the level word."""
    families = draft_families(form)
    given = {"year": year or tx.DRAFT_PLACEHOLDER.format(what=tx.DRAFT_YEAR), "whole": whole}
    for _, name, _, _ in string.Formatter().parse(text):
        if name and name in families:
            family = families[name]
            total = math.fsum(values.get(cell, math.nan) for cell in family.cells)
            given[name] = figure(total, family.unit) or "0"
    return text.format(**given)


def _ask(what: str) -> Paragraph:
    return Paragraph(tx.DRAFT_PLACEHOLDER.format(what=what), placeholder=True)


def _basis(coverage: Coverage, whole: str) -> list[Block]:
    """Which agencies the figures come from, and which did not report or were not counted."""
    join = tx.DRAFT_NAMES_JOIN.join
    said = tx.DRAFT_BASIS.format(whole=whole, count=coverage.counted)
    if coverage.not_reported:
        said += tx.DRAFT_NOT_REPORTED.format(
            count=len(coverage.not_reported), names=join(coverage.not_reported)
        )
    if coverage.left_out:
        said += tx.DRAFT_LEFT_OUT.format(
            count=len(coverage.left_out), names=join(coverage.left_out)
        )
    if coverage.roster is not None and not coverage.not_reported and not coverage.left_out:
        said += tx.DRAFT_ALL_REPORTED.format(count=coverage.roster)
    out: list[Block] = [Paragraph(said)]
    if coverage.roster is None and not coverage.not_reported:
        out.append(_ask(tx.DRAFT_ROSTER_UNKNOWN))
    return out


def _narrative(section: Section, form: Form, values: Mapping[str, float], year: str,
               whole: str) -> list[Block]:  # fmt: skip
    out: list[Block] = []
    for part in section.parts:
        out.append(Heading(part.title, 2))
        if part.draft:
            out.append(Paragraph(fill(part.draft, form, values, year=year, whole=whole)))
        out.append(_ask(part.prompt))
    return out


def district_report(
    form: Form, path: Path, *, district: str = "", year: str = ""
) -> tuple[Report, int, str]:
    """The district draft from a rollup workbook, the number of agencies it sums and the
    rollup's level (区, 市 …: a key of texts.LEVELS)."""
    values, coverage, meta = _read_rollup(path, form)
    level = meta.get("level", "") or tx.DISTRICT_LEVEL  # a rollup written before --level: 区
    whole = tx.whole(level)
    district = district or meta.get("district", "") or tx.unnamed_place(level)
    year = year or meta.get("year", "")
    blocks: list[Block] = []
    for index, section in enumerate(form.sections):
        blocks.append(Heading(section.title, 1))
        if index == 0:
            blocks.extend(_basis(coverage, whole))
        if section.kind == "table" and section.table:
            if section.draft:
                blocks.append(Paragraph(fill(section.draft, form, values, year=year, whole=whole)))
            blocks.append(grid(form, section.table, values))
        else:
            blocks.extend(_narrative(section, form, values, year, whole))
    rest = tx.REPORT_YEAR_TITLE.format(year=year, title=form.title)
    return (
        Report(
            title=f"{district}{rest}",
            title_lines=split_title(district, rest),
            blocks=tuple(blocks),
            draft=True,
            note=tx.DRAFT_MARK.format(whole=whole),
        ),
        coverage.counted,
        level,
    )
