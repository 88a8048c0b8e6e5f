"""pandera schemas built from the form definition: one frame row per workbook, one column per cell.

Nobody writes a schema by hand: every column check and every 勾稽 rule comes from the form. Rules
that cannot be evaluated for a row (a term is missing or not a number) pass there; the missing
value has its own finding.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from .form import Form, Instance, Rule, Term

__all__ = [
    "PREVIOUS",
    "RuleFailure",
    "build_schema",
    "quoted_figure",
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
    """Column checks (whole numbers, not negative) and one dataframe check per rule instance."""
    columns: dict[str, pa.Column] = {}
    for cell in form.cells.values():
        checks = [pa.Check(_not_negative, name="negative")]
        if cell.type == "count":
            checks.insert(0, pa.Check(_whole, name="not-integer"))
        columns[cell.key] = pa.Column(float, checks=checks, nullable=True, coerce=False)
    for part in form.parts:
        columns[part] = pa.Column(str, nullable=False)
    checks = []
    for rule in form.rules:
        if rule.kind == "previous" and not previous:
            continue
        for index, instance in enumerate(rule.instances):
            checks.append(pa.Check(_rule_check(rule, instance), name=f"{rule.id}#{index}"))
    return pa.DataFrameSchema(columns, checks=checks, strict=False, coerce=False)


def rule_failures(
    form: Form, failure_cases: pd.DataFrame
) -> tuple[list[RuleFailure], pd.DataFrame]:
    """Split pandera's failure table into rule failures (one per row and instance) and the rest."""
    rules = {rule.id: rule for rule in form.rules}
    is_rule = failure_cases["check"].astype(str).str.contains("#", regex=False)
    failures = set()
    for check, index in failure_cases.loc[is_rule, ["check", "index"]].itertuples(index=False):
        rule_id, _, number = str(check).partition("#")
        failures.add((int(index), rule_id, int(number)))
    out = [RuleFailure(row, rules[rule_id], number) for row, rule_id, number in sorted(failures)]
    return out, failure_cases.loc[~is_rule]


def _whole(series: pd.Series) -> pd.Series:
    return series.isna() | ((series - series.round()).abs() < TOLERANCE)


def _not_negative(series: pd.Series) -> pd.Series:
    return series.isna() | (series >= -TOLERANCE)


def _side(frame: pd.DataFrame, terms: Sequence[Term]) -> pd.Series:
    total = pd.Series(0.0, index=frame.index)
    for term in terms:
        total = total + term.sign * frame[term_column(term)]
    return total


def _rule_check(rule: Rule, instance: Instance) -> Callable[[pd.DataFrame], pd.Series]:
    """A vectorised predicate over the whole frame: True where the rule holds (or cannot be judged)."""
    if rule.kind in ("sum", "previous"):

        def check(frame: pd.DataFrame) -> pd.Series:
            difference = _side(frame, instance.lhs) - _side(frame, instance.rhs)
            return difference.isna() | (difference.abs() < TOLERANCE)

    elif rule.kind == "zero":

        def check(frame: pd.DataFrame) -> pd.Series:
            total = _side(frame, instance.lhs)
            return total.isna() | (total.abs() < TOLERANCE)

    elif rule.kind == "text-required":

        def check(frame: pd.DataFrame) -> pd.Series:
            filled = pd.Series(True, index=frame.index)
            for part in rule.parts:
                filled &= frame[part].str.strip() != ""
            return filled

    elif rule.kind == "mention":

        def check(frame: pd.DataFrame) -> pd.Series:
            text = frame[rule.parts[0]].str.lower()
            said = pd.Series(True, index=frame.index)
            for keyword in rule.keywords:
                said &= text.str.contains(keyword.lower(), regex=False)
            if not rule.when_positive:
                return said
            trigger = _side(frame, instance.lhs)
            return said | ~(trigger > TOLERANCE)

    elif rule.kind == "text-figure":

        def check(frame: pd.DataFrame) -> pd.Series:
            quoted = quoted_figure(frame, rule)
            cell = frame[instance.lhs[0].cell]
            return quoted.isna() | cell.isna() | ((quoted - cell).abs() < TOLERANCE)

    else:  # the loader admits no other kind
        raise ValueError(f"rule {rule.id}: unknown kind {rule.kind}")
    return check


def quoted_figure(frame: pd.DataFrame, rule: Rule) -> pd.Series:
    """The first figure a text-figure rule's pattern finds in its narrative parts (NaN when none)."""
    found = pd.Series(math.nan, index=frame.index)
    for part in rule.parts:
        text = frame[part].map(lambda value: unicodedata.normalize("NFKC", value))
        extracted = text.str.extract(rule.pattern, expand=False)
        if isinstance(extracted, pd.DataFrame):
            extracted = extracted.iloc[:, 0]
        found = found.fillna(pd.to_numeric(extracted, errors="coerce"))
    return found
