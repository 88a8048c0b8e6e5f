"""pandera schemas built from the form definition: one frame row per workbook, one column per cell.

Nobody writes a schema by hand: every column check and every 勾稽 rule comes from the form. Rules
that cannot be evaluated for a row (a term is missing or not a number) pass there; the missing
value has its own finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..form.form import Form, Instance, Rule
from ..form.rules import PREVIOUS, TOLERANCE, kind_of, term_column

__all__ = [
    "PREVIOUS",
    "RuleFailure",
    "build_schema",
    "holding",
    "residuals",
    "rule_failures",
    "term_column",
]


@dataclass(frozen=True)
class RuleFailure:
    row: int  # frame index
    rule: Rule
    instance: int  # index into rule.instances


@lru_cache(maxsize=16)  # a batch checked again (the workbench, a correction round) reuses it
def build_schema(
    form: Form, *, previous: bool, holding: frozenset[str] = frozenset()
) -> pa.DataFrameSchema:
    """Column checks on every cell (whole numbers, not negative) and one check per rule instance.

    Rules are checked on residual columns that `residuals` adds to the frame ("t3-balance#0":
    lhs - rhs for the first column, 0 where the rule holds), so that pandera reports one failure
    case per rule instance and workbook, with the residual as the failing value. Columns in
    `holding` (see `holding`: every value passes their checks) are left out: pandera would find
    nothing there, and each column costs it a few milliseconds (the text-vs-table rule alone has
    hundreds of residuals, the form over two hundred cells).
    """
    columns: dict[str, pa.Column] = {}
    for cell in form.cells.values():
        if cell.key in holding:
            continue
        checks = [pa.Check(_not_negative, name="negative")]
        if cell.type == "count":
            checks.insert(0, pa.Check(_whole, name="not-integer"))
        columns[cell.key] = pa.Column(float, checks=checks, nullable=True, coerce=False)
    for part in form.parts:
        columns[part] = pa.Column(str, nullable=False)
    for name in _residual_names(form, previous=previous):
        if name in holding:
            continue
        columns[name] = pa.Column(
            float, checks=[pa.Check(_zero, name="rule")], nullable=True, coerce=False
        )
    return pa.DataFrameSchema(columns, strict=False, coerce=False)


def residuals(form: Form, frame: pd.DataFrame, *, previous: bool) -> pd.DataFrame:
    """The frame with one residual column per rule instance appended (NaN: cannot be judged).

    The instances whose residual is a signed sum of cells (most of them) are one matrix product
    over the batch; a sum with an unknown term is unknown, as it is term by term."""
    plan = _summed(form, previous)
    derived: dict[str, Any] = {}
    values = frame[list(plan.columns)].to_numpy(dtype=float) if plan.columns else None
    if values is not None and np.isinf(values).any():
        values = None  # never in a checked file (its cells are bounded); term by term if so
    if values is not None:
        unknown = np.isnan(values)
        sums = np.where(unknown, 0.0, values) @ plan.signs
        sums[(unknown.astype(float) @ plan.used) > 0] = np.nan
        derived.update(zip(plan.names, sums.T, strict=True))
    for rule in form.rules:
        if kind_of(rule).cross_year and not previous:
            continue
        for index, instance in enumerate(rule.instances):
            name = f"{rule.id}#{index}"
            if name not in derived:
                derived[name] = _residual(rule, instance, frame)
    ordered = {name: derived[name] for name in _residual_names(form, previous=previous)}
    return pd.concat([frame, pd.DataFrame(ordered, index=frame.index)], axis=1)


@dataclass(frozen=True)
class _Summed:
    """The summed residuals of a form as a matrix: frame columns x residual columns."""

    names: tuple[str, ...]
    columns: tuple[str, ...]
    signs: np.ndarray  # signs[column, residual]: how often and with which sign a cell counts
    used: np.ndarray  # 1 where a cell is a term of the residual


@cache
def _summed(form: Form, previous: bool) -> _Summed:
    terms: dict[str, tuple[tuple[str, int], ...]] = {}
    for rule in form.rules:
        if kind_of(rule).cross_year and not previous:
            continue
        for index, instance in enumerate(rule.instances):
            linear = kind_of(rule).linear(rule, instance)
            if linear is not None:
                terms[f"{rule.id}#{index}"] = linear
    columns = tuple(sorted({column for signed in terms.values() for column, _ in signed}))
    where = {column: i for i, column in enumerate(columns)}
    signs = np.zeros((len(columns), len(terms)))
    for j, signed in enumerate(terms.values()):
        for column, sign in signed:
            signs[where[column], j] += sign
    used = np.zeros_like(signs)
    for j, signed in enumerate(terms.values()):
        for column, _ in signed:
            used[where[column], j] = 1.0
    return _Summed(tuple(terms), columns, signs, used)


def holding(form: Form, frame: pd.DataFrame) -> frozenset[str]:
    """The columns whose checks pass in every row, by the checks' own functions over the whole
    batch at once: the residual columns where the rule holds (or cannot be judged) and the cells
    with no value that is negative or, for a count, not whole."""
    names = [n for n in _residual_names(form, previous=True) if n in frame]
    held = _zero(frame[names].to_numpy(dtype=float)).all(axis=0)
    out = {name for name, holds in zip(names, held.tolist(), strict=True) if holds}
    cells = [cell for cell in form.cells.values() if cell.key in frame]
    values = frame[[cell.key for cell in cells]].to_numpy(dtype=float)
    passes = _not_negative(values).all(axis=0)
    counts = np.array([cell.type == "count" for cell in cells], dtype=bool)
    passes &= ~counts | _whole(values).all(axis=0)
    out.update(cell.key for cell, holds in zip(cells, passes.tolist(), strict=True) if holds)
    return frozenset(out)


def _residual_names(form: Form, *, previous: bool) -> list[str]:
    return [
        f"{rule.id}#{index}"
        for rule in form.rules
        if previous or not kind_of(rule).cross_year
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


# The checks, element by element: each takes a pandera column (a Series) or the batch's values
# as an array (`holding`), so that what is left out of the schema is judged by the same test.
def _zero(values: Any) -> Any:
    return np.isnan(values) | (np.abs(values) < TOLERANCE)


def _whole(values: Any) -> Any:
    return np.isnan(values) | (np.abs(values - np.round(values)) < TOLERANCE)


def _not_negative(values: Any) -> Any:
    return np.isnan(values) | (values >= -TOLERANCE)


def _residual(rule: Rule, instance: Instance, frame: pd.DataFrame) -> pd.Series:
    """0 where the rule holds, the gap (or 1 for text rules) where it fails, NaN where unknown."""
    return kind_of(rule).residual(rule, instance, frame)
