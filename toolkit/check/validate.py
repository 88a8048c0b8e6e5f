"""Validates every evaluable file of a run as one frame, in one lazy pandera call.

The schema comes from the form (schema.py); pandera's failure table becomes findings here, each rule
failure with its message filled in from the two sides of the relation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import repeat
from typing import Any

from ..core.texts import Severity
from ..form.agency_kinds import applies
from ..form.findings import Finding, column_label, file_finding, plain
from ..form.form import Form, Rule
from ..form.identity import normalise_code
from ..form.layout import Area, SheetLayout, layout
from ..form.rules import kind_of
from ..form.stated import YEAR
from ..inputs.roster import Agency, kinds_by_roster
from .inspection_values import Inspected

__all__ = ["validate"]


def validate(
    form: Form,
    items: list[Inspected],
    previous: dict[str, dict[str, float]] | None,
    year: str = "",
    roster: Sequence[Agency] = (),
) -> None:
    """All evaluable files as one frame, one lazy pandera call; failures become findings. `year`
    is the batch's: the narrative's "结转至2024年" says which way a carry-over goes. A rule for
    some kinds of agency only (`applies_to`) is not reported for a file whose agency may be of
    another kind: by the roster's 单位类别, else by the agency's name (agency_kinds.py)."""
    if not items:
        return
    import numpy as np
    import pandas as pd
    import pandera.pandas as pa

    from .schema import build_schema, holding, residuals, rule_failures, term_column

    cells, parts = list(form.cells), list(form.parts)
    # One row per file, read with map in C rather than a comprehension per cell.
    numbers = np.array(
        [list(map(item.values.get, cells, repeat(math.nan))) for item in items], dtype=float
    )
    columns: dict[str, Any] = {key: numbers[:, i] for i, key in enumerate(cells)}
    for key in parts:
        columns[key] = [str(item.texts.get(key, "")) for item in items]
    columns[YEAR] = np.full(len(items), float(year) if year.isdigit() else math.nan)
    if previous is not None:
        terms = {
            term_column(term): term.cell
            for rule in form.rules
            if kind_of(rule).cross_year
            for instance in rule.instances
            for term in (*instance.lhs, *instance.rhs)
            if term.previous
        }
        lasts = [previous.get(normalise_code(i.meta.get("agency_code", "")), {}) for i in items]
        for column, cell in terms.items():
            columns[column] = np.array([last.get(cell, math.nan) for last in lasts], dtype=float)
    frame = pd.DataFrame(columns)
    frame = residuals(form, frame, previous=previous is not None)
    schema = build_schema(form, previous=previous is not None, holding=holding(form, frame))
    try:
        schema.validate(frame, lazy=True)
        return
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    failures, other = rule_failures(form, cases)
    numeric = frame.drop(columns=list(form.parts))
    numbers = numeric.to_numpy(dtype=float)  # row lookups in a plain array, not frame.at
    columns = {name: i for i, name in enumerate(numeric.columns)}
    sheets = layout(form)
    where = {key: (s, area) for s in sheets for key, area in s.cells.items()}
    for check_name, column, index, value in other[
        ["check", "column", "index", "failure_case"]
    ].itertuples(index=False):
        if check_name not in ("not-integer", "negative") or column not in form.cells:
            raise RuntimeError(f"pandera reported an unexpected failure: {check_name} {column}")
        item = items[int(index)]
        sheet, area = where[column]
        item.findings.append(
            file_finding(
                form, item, check_name, key=column, sheet=sheet.name, cell=area.ref, actual=value
            )
        )
    kinds_of = kinds_by_roster(form, roster)
    kinds: dict[int, frozenset[str]] = {}
    for failure in failures:
        item = items[failure.row]
        if failure.rule.applies_to:
            if failure.row not in kinds:
                meta = item.meta
                kinds[failure.row] = kinds_of(
                    meta.get("agency_code", ""), meta.get("agency_name", "")
                )
            if not applies(failure.rule, kinds[failure.row]):
                continue
        item.findings.append(
            rule_finding(
                form, failure.rule, failure.instance, numbers, columns, failure.row, item, where
            )
        )


def rule_finding(
    form: Form,
    rule: Rule,
    index: int,
    numbers: Any,
    columns: dict[str, int],
    row: int,
    item: Inspected,
    where: dict[str, tuple[SheetLayout, Area]],
) -> Finding:
    instance = rule.instances[index]

    def value(column: str) -> float:
        return float(numbers[row, columns[column]])

    kind = kind_of(rule)
    lhs, rhs = kind.sides(rule, instance, value, value(f"{rule.id}#{index}"))
    cells = kind.detail(form, rule, instance, value, item.texts, lambda key: where[key][1].ref)
    quotes_rhs, quotes_lhs = kind.quotes
    message = rule.message.format(
        label=instance.label,
        lhs=plain(lhs),
        rhs=plain(rhs),
        diff=plain(lhs - rhs),
        cells=cells,
    )
    sheet, area = where[instance.anchor]
    cell = form.cells.get(instance.anchor)
    explanation = item.notes.get(rule.id, "") if rule.severity == Severity.WARNING else ""
    return Finding(
        code=rule.id,
        severity=rule.severity,
        message=message,
        file=item.path,
        agency_code=item.meta.get("agency_code", ""),
        agency_name=item.meta.get("agency_name", ""),
        sheet=sheet.name,
        cell=area.ref,
        row_label=cell.row_label if cell else form.parts[instance.anchor].title,
        column_label=column_label(form, instance.anchor) if cell else "",
        expected=plain(rhs) if quotes_rhs else None,
        actual=plain(lhs) if quotes_lhs else None,
        explained=bool(explanation),
        explanation=explanation,
    )
