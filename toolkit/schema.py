"""pandera schemas built from the form definition: one frame row per workbook, one column per cell.

Nobody writes a schema by hand: every column check and every 勾稽 rule comes from the form. Rules
that cannot be evaluated for a row (a term is missing or not a number) pass there; the missing
value has its own finding.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from .form import Form, Instance, Rule, Term
from .text import is_blank

__all__ = [
    "PREVIOUS",
    "RuleFailure",
    "build_schema",
    "quoted_figure",
    "residuals",
    "rule_failures",
    "term_column",
]

PREVIOUS = "prev:"  # column prefix for last year's values
TOLERANCE = 1e-6  # amounts carry at most 4 decimals


@dataclass(frozen=True)
class RuleFailure:
    row: int  # frame index
    rule: Rule
    instance: int  # index into rule.instances


def term_column(term: Term) -> str:
    return PREVIOUS + term.cell if term.previous else term.cell


def build_schema(form: Form, *, previous: bool) -> pa.DataFrameSchema:
    """Column checks on every cell (whole numbers, not negative) and one check per rule instance.

    Rules are checked on residual columns that `residuals` adds to the frame ("t3-balance#0":
    lhs - rhs for the first column, 0 where the rule holds), so that pandera reports one failure
    case per rule instance and workbook, with the residual as the failing value.
    """
    columns: dict[str, pa.Column] = {}
    for cell in form.cells.values():
        checks = [pa.Check(_not_negative, name="negative")]
        if cell.type == "count":
            checks.insert(0, pa.Check(_whole, name="not-integer"))
        columns[cell.key] = pa.Column(float, checks=checks, nullable=True, coerce=False)
    for part in form.parts:
        columns[part] = pa.Column(str, nullable=False)
    for name in _residual_names(form, previous=previous):
        columns[name] = pa.Column(
            float, checks=[pa.Check(_zero, name="rule")], nullable=True, coerce=False
        )
    return pa.DataFrameSchema(columns, strict=False, coerce=False)


def residuals(form: Form, frame: pd.DataFrame, *, previous: bool) -> pd.DataFrame:
    """The frame with one residual column per rule instance appended (NaN: cannot be judged)."""
    derived = {}
    for rule in form.rules:
        if rule.kind == "previous" and not previous:
            continue
        for index, instance in enumerate(rule.instances):
            derived[f"{rule.id}#{index}"] = _residual(rule, instance, frame)
    return pd.concat([frame, pd.DataFrame(derived, index=frame.index)], axis=1)


def _residual_names(form: Form, *, previous: bool) -> list[str]:
    return [
        f"{rule.id}#{index}"
        for rule in form.rules
        if previous or rule.kind != "previous"
        for index in range(len(rule.instances))
    ]


def rule_failures(
    form: Form, failure_cases: pd.DataFrame
) -> tuple[list[RuleFailure], pd.DataFrame]:
    """Split pandera's failure table into rule failures (one per row and instance) and the rest."""
    rules = {rule.id: rule for rule in form.rules}
    is_rule = failure_cases["check"].astype(str) == "rule"
    failures = set()
    for column, index in failure_cases.loc[is_rule, ["column", "index"]].itertuples(index=False):
        rule_id, _, number = str(column).partition("#")
        failures.add((int(index), rule_id, int(number)))
    out = [RuleFailure(row, rules[rule_id], number) for row, rule_id, number in sorted(failures)]
    return out, failure_cases.loc[~is_rule]


def _zero(series: pd.Series) -> pd.Series:
    return series.isna() | (series.abs() < TOLERANCE)


def _whole(series: pd.Series) -> pd.Series:
    return series.isna() | ((series - series.round()).abs() < TOLERANCE)


def _not_negative(series: pd.Series) -> pd.Series:
    return series.isna() | (series >= -TOLERANCE)


def _side(frame: pd.DataFrame, terms: Sequence[Term]) -> pd.Series:
    total = pd.Series(0.0, index=frame.index)
    for term in terms:
        total = total + term.sign * frame[term_column(term)]
    return total


def _residual(rule: Rule, instance: Instance, frame: pd.DataFrame) -> pd.Series:
    """0 where the rule holds, the gap (or 1 for text rules) where it fails, NaN where unknown."""
    if rule.kind in ("sum", "previous"):
        return _side(frame, instance.lhs) - _side(frame, instance.rhs)
    if rule.kind == "zero":
        return _side(frame, instance.lhs)
    if rule.kind == "text-required":
        filled = pd.Series(True, index=frame.index)
        for part in rule.parts:
            filled &= ~frame[part].map(is_blank)
        return (~filled).astype(float)
    if rule.kind == "mention":
        text = frame[rule.parts[0]].str.lower()
        said = pd.Series(True, index=frame.index)
        for keyword in rule.keywords:
            said &= text.str.contains(keyword.lower(), regex=False)
        if rule.when_positive:
            said |= ~(_side(frame, instance.lhs) > TOLERANCE)
        return (~said).astype(float)
    if rule.kind == "text-figure":
        return frame[instance.lhs[0].cell] - quoted_figure(frame, rule)
    raise ValueError(f"rule {rule.id}: unknown kind {rule.kind}")  # the loader admits no other


def quoted_figure(frame: pd.DataFrame, rule: Rule) -> pd.Series:
    """The first figure a text-figure rule's pattern finds in its narrative parts (NaN when none)."""
    found = pd.Series(math.nan, index=frame.index)
    for part in rule.parts:
        text = frame[part].map(lambda value: unicodedata.normalize("NFKC", value))
        # pandas-stubs says Series; pandas gives a frame when the pattern has several groups
        extracted: pd.Series | pd.DataFrame = text.str.extract(rule.pattern, expand=False)
        if isinstance(extracted, pd.DataFrame):
            extracted = extracted.iloc[:, 0]
        found = found.fillna(pd.to_numeric(extracted, errors="coerce"))
    return found
