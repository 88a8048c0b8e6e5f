"""The section sheets of a template (一、总体情况 … 六、其他事项): labels, input and total cells,
text boxes, validations, live 勾稽 statuses and their colours, the summary line, 批注.

The rollup writes its summary sheets (全区汇总, 全市汇总 …) with the same writer (`write_summary_sheet`): every number is
a formula over 明细, nothing is an input.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..core import texts as tx
from ..core.text import cell_text
from ..core.texts import Severity
from ..form.fill import Fill
from ..form.form import Form, Rule, defined_name
from ..form.formulas import (
    LATER,
    PASS,
    Formulas,
    form_formulas,
    plain_number,
    qualified,
    status_summary,
    status_value,
)
from ..form.layout import Area, SheetLayout, Status
from ..form.rules import kind_of
from .styles import _ok
from .xlsxwriter_hooks import TemplateSheet

__all__ = ["write_summary_sheet"]


def _sheet(
    book: Workbook,
    styles: dict[str, Any],
    form: Form,
    sheet: SheetLayout,
    formulas: Formulas,
    values: dict[str, float],
    fill: Fill,
    password: str | None,
    sums: Mapping[str, str] | None = None,
    name: str | None = None,
    level: str = tx.DISTRICT_LEVEL,
    exempt: frozenset[str] = frozenset(),
) -> TemplateSheet:
    """One section's sheet. With `sums` (the rollup at `level`), every number is the given
    formula, nothing is an input, and only the rules that hold within the sheet get a live
    status. The rules in `exempt` are for other kinds of agency (`applies_to`): their status says
    so and the sheet's verdict leaves them out, as `check` does."""
    ws = book.add_worksheet(name or sheet.name, worksheet_class=TemplateSheet)
    for col, width in enumerate(sheet.column_widths):
        _ok(ws.set_column(col, col, width), "column width")
    for row, height in sorted(sheet.row_heights.items()):
        _ok(ws.set_row(row, height), "row height")
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.center_horizontally()
    ws.freeze_panes(*sheet.freeze)

    note_cols = {n.area.col for n in sheet.notes}
    for label in sheet.labels:
        if label.style == "summary":
            continue
        if sums is not None and label.style == "status_header" and label.area.col in note_cols:
            continue  # the rollup has no 说明 to write: no empty column under a header (H2)
        text = label.text
        if sums is not None and label.style == "hint":
            text = tx.ROLLUP_HINT.format(whole=tx.whole(level))
        _write_text(ws, label.area, text, styles[label.style])
    for key, area in sheet.cells.items():
        flagged = (sheet.name, area.ref) in fill.comments
        if sums is not None:
            style = styles["total_" + form.cells[key].type]
            value = plain_number(values[key])
            if area.merged:  # single-value rows span the table as in the template (H2)
                _ok(
                    ws.merge_range(area.row, area.col, area.last_row, area.last_col, "", style), key
                )
            _ok(ws.write_formula(area.row, area.col, sums[key], style, value), key)
        elif key in form.cells:
            raw = fill.raw.get(key)
            if key in fill.totals:  # a published total that is not the sum: kept as printed
                printed = fill.totals[key]
                raw = printed if isinstance(printed, str) else None
                values = {**values, key: 0.0 if isinstance(printed, str) else printed}
            _number_cell(
                ws, styles, form, key, area, formulas, values, raw, flagged, key in fill.totals
            )
        else:
            _text_input(ws, styles, form, key, area, fill.texts.get(key, ""), flagged)
        target = formulas.names[key] if name is None else f"={qualified(name, area)}"
        _ok(book.define_name(defined_name(key), target), f"defined name {key}")
    if sums is None:
        _validations(ws, form, sheet)
    rules = {rule.id: rule for rule in form.rules}
    texts = {key: fill.texts.get(key, "") for key in form.parts}
    live: list[tuple[Rule, Status]] = []
    for status in sheet.statuses:
        rule = rules[status.rule]
        instances = [rule.instances[i] for i in status.instances]
        if sums is not None and not (kind_of(rule).in_rollup and rule.table):
            _ok(
                ws.write_string(status.area.row, status.area.col, "—", styles["status_later"]),
                f"status {rule.id}",
            )
        elif rule.id in exempt:
            _ok(
                ws.write_string(
                    status.area.row, status.area.col, tx.STATUS_NOT_APPLICABLE,
                    styles["status_later"],
                ),
                f"status {rule.id}",
            )  # fmt: skip
        elif kind_of(rule).live:
            formula = formulas.statuses[sheet.name, rule.id, status.instances]
            result = status_value(rule, instances, values, texts)
            _ok(
                ws.write_formula(
                    status.area.row, status.area.col, formula, styles["status"], result
                ),
                f"status {rule.id}",
            )
            live.append((rule, status))
        else:
            _ok(
                ws.write_string(status.area.row, status.area.col, LATER, styles["status_later"]),
                f"status {rule.id}",
            )
    _status_colours(ws, styles, live)
    for note in sheet.notes if sums is None else ():
        _write_text(ws, note.area, fill.notes.get(note.rule, ""), styles["note"])
        _ok(
            ws.data_validation(
                note.area.row,
                note.area.col,
                note.area.last_row,
                note.area.last_col,
                {
                    "validate": "any",
                    "input_title": tx.NOTE,
                    "input_message": tx.NOTE_PROMPT,
                },
            ),
            "note prompt",
        )
    if sheet.summary:
        formula, result = status_summary(live, values, texts)
        area = sheet.summary
        if area.merged:
            _ok(
                ws.merge_range(
                    area.row, area.col, area.last_row, area.last_col, "", styles["summary"]
                ),
                "summary",
            )
        _ok(ws.write_formula(area.row, area.col, formula, styles["summary"], result), "summary")
        for colouring in _summary_colours(styles):
            _ok(
                ws.conditional_format(area.row, area.col, area.row, area.col, colouring),
                "summary colour",
            )
    reviewer = fill.reviewer or tx.office_name("")
    for (sheet_name, ref), text in sorted(fill.comments.items()):
        if sheet_name == sheet.name:
            _ok(
                ws.write_comment(ref, text, {"author": reviewer, "x_scale": 3, "y_scale": 2.5}),
                f"comment {ref}",
            )
    if password is not None:
        ws.protect(password, {"select_locked_cells": True, "select_unlocked_cells": True})
    return ws


def _summary_colours(styles: dict[str, Any]) -> list[dict[str, Any]]:
    """The summary line's colours, from the words the summary formula writes (texts.py): red
    with a failed error rule, amber with an open warning, and green only for the exact all-passed
    line: "错误项全部通过；有N处提示" also contains 全部通过, and must not look finished."""
    return [
        {"type": "text", "criteria": "containing", "value": tx.SUMMARY_FAILED,
         "format": styles["bad"], "stop_if_true": True},
        {"type": "text", "criteria": "containing", "value": tx.SUMMARY_WARNED,
         "format": styles["warn"], "stop_if_true": True},
        {"type": "cell", "criteria": "==", "value": f'"{tx.SUMMARY_ALL_PASSED}"',
         "format": styles["ok"]},
    ]  # fmt: skip


def write_summary_sheet(
    book: Workbook,
    styles: dict[str, Any],
    form: Form,
    sheet: SheetLayout,
    sums: Mapping[str, str],
    values: Mapping[str, float],
    *,
    name: str,
    level: str = tx.DISTRICT_LEVEL,
) -> Worksheet:
    """A table sheet laid out like the template, named `name`, whose numbers are the given
    formulas with the given results (the rollup at `level`: 区, 市 …)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return _sheet(
            book, styles, form, sheet, form_formulas(form), dict(values), Fill(), None, sums, name,
            level,
        )  # fmt: skip


def _write_text(ws: Worksheet, area: Area, text: str, style: Any) -> None:
    if area.merged:
        _ok(ws.merge_range(area.row, area.col, area.last_row, area.last_col, "", style), text[:20])
    if text:
        _ok(ws.write_string(area.row, area.col, cell_text(text), style), text[:20])
    elif not area.merged:
        _ok(ws.write_blank(area.row, area.col, None, style), "blank")


def _number_cell(
    ws: Worksheet,
    styles: dict[str, Any],
    form: Form,
    key: str,
    area: Area,
    formulas: Formulas,
    values: dict[str, float],
    raw: str | None = None,
    flagged: bool = False,
    printed: bool = False,
) -> None:
    cell = form.cells[key]
    style = styles[("total_" if cell.is_total else "input_") + cell.type + ("_flagged" * flagged)]
    if area.merged:
        _ok(ws.merge_range(area.row, area.col, area.last_row, area.last_col, "", style), key)
    value = plain_number(values[key])
    if cell.is_total and not printed:
        _ok(ws.write_formula(area.row, area.col, formulas.totals[key], style, value), key)
    elif raw is not None:  # a feedback copy shows what the agency typed, to be corrected there
        if raw:
            _ok(ws.write_string(area.row, area.col, cell_text(raw), style), key)
        else:
            _ok(ws.write_blank(area.row, area.col, None, style), key)
    else:
        _ok(ws.write_number(area.row, area.col, value, style), key)


def _text_input(
    ws: Worksheet,
    styles: dict[str, Any],
    form: Form,
    key: str,
    area: Area,
    text: str,
    flagged: bool = False,
) -> None:
    _write_text(ws, area, text, styles["text_input_flagged" if flagged else "text_input"])
    part = form.parts[key]
    _ok(
        ws.data_validation(
            area.row,
            area.col,
            area.last_row,
            area.last_col,
            {"validate": "any", "input_title": part.title[:32], "input_message": part.prompt[:255]},
        ),
        f"prompt {key}",
    )


def _validations(ws: Worksheet, form: Form, sheet: SheetLayout) -> None:
    """Whole number (or 万元 amount) ≥ 0 on every input, one validation per run of adjacent cells."""
    runs: dict[tuple[str, int], list[int]] = {}
    for key, area in sheet.cells.items():
        cell = form.cells.get(key)
        if cell is None or cell.is_total:
            continue
        runs.setdefault((cell.type, area.row), []).append(area.col)
    for (kind, row), cols in sorted(runs.items(), key=lambda item: (item[0][1], item[0][0])):
        cols.sort()
        start = prev = cols[0]
        for col in [*cols[1:], None]:
            if col is not None and col == prev + 1:
                prev = col
                continue
            _ok(ws.data_validation(row, start, row, prev, _validation(kind)), "validation")
            if col is not None:
                start = prev = col


def _validation(kind: str) -> dict[str, Any]:
    if kind == "amount":
        return {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "error_type": "stop",
            **tx.AMOUNT_PROMPT,
        }
    return {
        "validate": "integer",
        "criteria": ">=",
        "value": 0,
        "error_type": "stop",
        **tx.COUNT_PROMPT,
    }


def _status_colours(ws: Worksheet, styles: dict[str, Any], live: list[tuple[Rule, Status]]) -> None:
    """Green for 通过, red (errors) or amber (warnings) otherwise: one rule set per sheet."""
    for severity, colour in ((Severity.ERROR, styles["bad"]), (Severity.WARNING, styles["warn"])):
        areas = [status.area for rule, status in live if rule.severity == severity]
        if not areas:
            continue
        first = areas[0]
        where = {"multi_range": " ".join(area.ref for area in areas)}
        _ok(
            ws.conditional_format(
                first.row,
                first.col,
                first.row,
                first.col,
                {
                    "type": "cell",
                    "criteria": "==",
                    "value": f'"{PASS}"',
                    "format": styles["ok"],
                    "stop_if_true": True,
                    **where,
                },
            ),
            "status colour",
        )
        _ok(
            ws.conditional_format(
                first.row,
                first.col,
                first.row,
                first.col,
                {"type": "no_blanks", "format": colour, **where},
            ),
            "status colour",
        )
