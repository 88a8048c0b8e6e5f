"""The formula compiler: every formula of a form's template, from the form definition and its
layout. Totals (SUM over their sources), the defined names, each rule's live 勾稽 status as an
Excel formula together with the value it shows for given inputs, and each sheet's summary line.

The checker imports `template_formulas` to recognise a total whose formula was replaced.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from xlsxwriter.utility import quote_sheetname, xl_cell_to_rowcol

from .form import Form, Instance, Rule
from .layout import Area, SheetLayout, Status, a1, layout
from .text import excel_without_blanks, is_blank

__all__ = [
    "LATER",
    "PASS",
    "STATUS_FAIL",
    "GenerateError",
    "status_value",
    "template_formulas",
]


PASS = "通过"  # what a live status cell shows when its rule holds
LATER = "报送后核对"  # status of rules the template cannot compute (cross-year, text figures)
STATUS_FAIL = {"zero": "请核对", "text-required": "未填写", "mention": "未写明"}


class GenerateError(RuntimeError):
    """xlsxwriter refused something: a bug in the form definition or the generator."""


def template_formulas(form: Form) -> dict[str, str]:
    """Each total cell's formula as the template writes it ("=SUM(D7:I7)")."""
    return dict(_formulas(form).totals)


def _references(sheets: Sequence[SheetLayout]) -> dict[str, tuple[str, str]]:
    """Cell or part key -> (sheet name, A1) for formulas."""
    return {key: (sheet.name, area.ref) for sheet in sheets for key, area in sheet.cells.items()}


@dataclass(frozen=True)
class _Formulas:
    """Every formula and defined name of a form's template, built once per run, not per workbook."""

    totals: dict[str, str]
    names: dict[str, str]
    statuses: dict[tuple[str, str, tuple[int, ...]], str]


@cache
def _formulas(form: Form) -> _Formulas:
    sheets = layout(form)
    refs = _references(sheets)
    rules = {rule.id: rule for rule in form.rules}
    totals, names, statuses = {}, {}, {}
    for sheet in sheets:
        for key, area in sheet.cells.items():
            names[key] = f"={_qualified(sheet.name, area)}"
            cell = form.cells.get(key)
            if cell is not None and cell.is_total:
                totals[key] = "=" + _sum([_ref(s, refs, sheet.name) for s in cell.sources])
        for status in sheet.statuses:
            rule = rules[status.rule]
            if rule.live:
                instances = [rule.instances[i] for i in status.instances]
                statuses[sheet.name, rule.id, status.instances] = _status_formula(
                    rule, instances, refs, sheet.name
                )
    return _Formulas(totals=totals, names=names, statuses=statuses)


def _qualified(sheet: str, area: Area) -> str:
    return f"{quote_sheetname(sheet)}!{a1(area.row, area.col, absolute=True)}"


def _ref(key: str, refs: dict[str, tuple[str, str]], here: str) -> str:
    sheet, ref = refs[key]
    return ref if sheet == here else f"{quote_sheetname(sheet)}!{ref}"


def _number(value: float) -> float | int:
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


def _signed(terms: Sequence[Any], refs: dict[str, tuple[str, str]], here: str) -> str:
    out = ""
    for term in terms:
        ref = _ref(term.cell, refs, here)
        out += ("-" if term.sign < 0 else "+") + ref
    return out.lstrip("+") or "0"


def _status_formula(
    rule: Rule, instances: Sequence[Instance], refs: dict[str, tuple[str, str]], here: str
) -> str:
    if rule.kind == "sum":
        diffs = [
            f"ROUND(({_signed(i.lhs, refs, here)})-({_signed(i.rhs, refs, here)}),4)"
            for i in instances
        ]
        if len(diffs) == 1:
            return f'=IF({diffs[0]}=0,"{PASS}",{diffs[0]})'
        return f'=IF(AND({",".join(d + "=0" for d in diffs)}),"{PASS}","不一致")'
    if rule.kind == "zero":
        cells = ",".join(_ref(t.cell, refs, here) for i in instances for t in i.lhs)
        return f'=IF(SUM({cells})=0,"{PASS}","{STATUS_FAIL["zero"]}")'
    if rule.kind == "text-required":
        tests = ",".join(f"LEN({excel_without_blanks(_ref(p, refs, here))})>0" for p in rule.parts)
        return f'=IF(AND({tests}),"{PASS}","{STATUS_FAIL["text-required"]}")'
    if rule.kind == "mention":
        part = _ref(rule.parts[0], refs, here)
        tests = ",".join(f'ISNUMBER(SEARCH("{k}",{part}))' for k in rule.keywords)
        inner = f'IF(AND({tests}),"{PASS}","{STATUS_FAIL["mention"]}")'
        if rule.when_positive:
            cells = ",".join(_ref(c, refs, here) for c in rule.when_positive)
            return f'=IF(SUM({cells})>0,{inner},"{PASS}")'
        return "=" + inner
    raise GenerateError(f"规则 {rule.id} 的类型 {rule.kind} 没有模板公式")


def status_value(
    rule: Rule, instances: Sequence[Instance], values: Mapping[str, float], texts: Mapping[str, str]
) -> str | float:
    """What the status formula shows for these values: PASS or the failure."""
    if rule.kind == "sum":
        diffs = [
            round(
                math.fsum(t.sign * values[t.cell] for t in i.lhs)
                - math.fsum(t.sign * values[t.cell] for t in i.rhs),
                4,
            )
            for i in instances
        ]
        if all(d == 0 for d in diffs):
            return PASS
        return _number(diffs[0]) if len(diffs) == 1 else "不一致"
    if rule.kind == "zero":
        total = math.fsum(values[t.cell] for i in instances for t in i.lhs)
        return PASS if total == 0 else STATUS_FAIL["zero"]
    if rule.kind == "text-required":
        filled = not any(is_blank(texts.get(p, "")) for p in rule.parts)
        return PASS if filled else STATUS_FAIL["text-required"]
    if rule.kind == "mention":
        if rule.when_positive and math.fsum(values[c] for c in rule.when_positive) <= 0:
            return PASS
        text = texts.get(rule.parts[0], "").lower()
        return PASS if all(k.lower() in text for k in rule.keywords) else STATUS_FAIL["mention"]
    return LATER


def _summary(
    live: list[tuple[Rule, Status]], values: dict[str, float], texts: dict[str, str]
) -> tuple[str, str]:
    """The sheet's one-line verdict, as a formula and its current value."""
    counts: dict[str, list[str]] = {"error": [], "warning": []}
    totals = {"error": 0, "warning": 0}
    passed = {"error": 0, "warning": 0}
    for rule, status in live:
        counts[rule.severity].append(f'COUNTIF({status.area.ref},"{PASS}")')
        totals[rule.severity] += 1
        instances = [rule.instances[i] for i in status.instances]
        passed[rule.severity] += status_value(rule, instances, values, texts) == PASS
    ne, nw = totals["error"], totals["warning"]
    e = "+".join(counts["error"]) or "0"
    w = "+".join(counts["warning"]) or "0"
    all_ok = "勾稽关系与填写检查：全部通过"
    warn = (
        '"勾稽关系与填写检查：错误项全部通过；有"&('
        + f"{nw}-({w})"
        + ')&"处提示，请核对或在说明栏说明"'
    )
    fail = '"勾稽关系与填写检查：有"&(' + f"{ne}-({e})" + ')&"处未通过，请按红色单元格提示修改"'
    inner = f'IF(({w})={nw},"{all_ok}",{warn})' if nw else f'"{all_ok}"'
    formula = f"=IF(({e})={ne},{inner},{fail})"
    if passed["error"] < ne:
        result = f"勾稽关系与填写检查：有{ne - passed['error']}处未通过，请按红色单元格提示修改"
    elif passed["warning"] < nw:
        result = f"勾稽关系与填写检查：错误项全部通过；有{nw - passed['warning']}处提示，请核对或在说明栏说明"
    else:
        result = all_ok
    return formula, result
