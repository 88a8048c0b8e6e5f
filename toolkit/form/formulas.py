"""The formula compiler: every formula of a form's template, from the form definition and its
layout. Totals (SUM over their sources), the defined names, each rule's live 勾稽 status as an
Excel formula together with the value it shows for given inputs, and each sheet's summary line.

The checker imports `template_formulas` to recognise a total whose formula was replaced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from xlsxwriter.utility import quote_sheetname, xl_cell_to_rowcol

from ..core import texts as tx
from ..core.texts import Severity
from .form import Form, Instance, Rule
from .layout import Area, SheetLayout, Status, a1, layout
from .rules import LATER, PASS, kind_of, status_formula, status_value

__all__ = [
    "LATER",
    "PASS",
    "GenerateError",
    "status_value",
    "template_formulas",
]


class GenerateError(RuntimeError):
    """xlsxwriter refused something: a bug in the form definition or the generator."""


def template_formulas(form: Form) -> dict[str, str]:
    """Each total cell's formula as the template writes it ("=SUM(D7:I7)")."""
    return dict(form_formulas(form).totals)


def _references(sheets: Sequence[SheetLayout]) -> dict[str, tuple[str, str]]:
    """Cell or part key -> (sheet name, A1) for formulas."""
    return {key: (sheet.name, area.ref) for sheet in sheets for key, area in sheet.cells.items()}


@dataclass(frozen=True)
class Formulas:
    """Every formula and defined name of a form's template, built once per run, not per workbook."""

    totals: dict[str, str]
    names: dict[str, str]
    statuses: dict[tuple[str, str, tuple[int, ...]], str]


@cache
def form_formulas(form: Form) -> Formulas:
    sheets = layout(form)
    refs = _references(sheets)
    rules = {rule.id: rule for rule in form.rules}
    totals, names, statuses = {}, {}, {}
    for sheet in sheets:
        for key, area in sheet.cells.items():
            names[key] = f"={qualified(sheet.name, area)}"
            cell = form.cells.get(key)
            if cell is not None and cell.is_total:
                totals[key] = "=" + _sum([_ref(s, refs, sheet.name) for s in cell.sources])
        for status in sheet.statuses:
            rule = rules[status.rule]
            if kind_of(rule).live:
                instances = [rule.instances[i] for i in status.instances]
                statuses[sheet.name, rule.id, status.instances] = _status_formula(
                    rule, instances, refs, sheet.name
                )
    return Formulas(totals=totals, names=names, statuses=statuses)


def qualified(sheet: str, area: Area) -> str:
    return f"{quote_sheetname(sheet)}!{a1(area.row, area.col, absolute=True)}"


def _ref(key: str, refs: dict[str, tuple[str, str]], here: str) -> str:
    sheet, ref = refs[key]
    return ref if sheet == here else f"{quote_sheetname(sheet)}!{ref}"


def plain_number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _sum(refs: list[str]) -> str:
    """SUM over references, written as one range when they are a contiguous run of one row or column."""
    if len(refs) > 2 and all("!" not in r for r in refs):
        rows, cols = zip(*(xl_cell_to_rowcol(r) for r in refs), strict=True)
        run = list(range(len(refs)))
        if (len(set(rows)) == 1 and [c - cols[0] for c in cols] == run) or (
            len(set(cols)) == 1 and [r - rows[0] for r in rows] == run
        ):
            return f"SUM({refs[0]}:{refs[-1]})"
    return f"SUM({','.join(refs)})"


# ------------------------------------------------------------------------------------------------
# Live 勾稽 status: the same rule as an Excel formula and as the value it yields.
# ------------------------------------------------------------------------------------------------


def _status_formula(
    rule: Rule, instances: Sequence[Instance], refs: dict[str, tuple[str, str]], here: str
) -> str:
    return status_formula(rule, instances, lambda key: _ref(key, refs, here))


def status_summary(
    live: list[tuple[Rule, Status]], values: dict[str, float], texts: dict[str, str]
) -> tuple[str, str]:
    """The sheet's one-line verdict, as a formula and its current value."""
    counts: dict[Severity, list[str]] = {Severity.ERROR: [], Severity.WARNING: []}
    totals = {Severity.ERROR: 0, Severity.WARNING: 0}
    passed = {Severity.ERROR: 0, Severity.WARNING: 0}
    for rule, status in live:
        counts[rule.severity].append(f'COUNTIF({status.area.ref},"{PASS}")')
        totals[rule.severity] += 1
        instances = [rule.instances[i] for i in status.instances]
        passed[rule.severity] += status_value(rule, instances, values, texts) == PASS
    ne, nw = totals[Severity.ERROR], totals[Severity.WARNING]
    e = "+".join(counts[Severity.ERROR]) or "0"
    w = "+".join(counts[Severity.WARNING]) or "0"
    all_ok = tx.SUMMARY_ALL_PASSED
    warn_before, warn_after = tx.SUMMARY_SOME_WARNINGS
    fail_before, fail_after = tx.SUMMARY_SOME_FAILED
    warn = f'"{warn_before}"&({nw}-({w}))&"{warn_after}"'
    fail = f'"{fail_before}"&({ne}-({e}))&"{fail_after}"'
    inner = f'IF(({w})={nw},"{all_ok}",{warn})' if nw else f'"{all_ok}"'
    formula = f"=IF(({e})={ne},{inner},{fail})"
    if passed[Severity.ERROR] < ne:
        result = f"{fail_before}{ne - passed[Severity.ERROR]}{fail_after}"
    elif passed[Severity.WARNING] < nw:
        result = f"{warn_before}{nw - passed[Severity.WARNING]}{warn_after}"
    else:
        result = all_ok
    return formula, result
