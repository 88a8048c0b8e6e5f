"""A clerk who inserted rows loses nothing: values are found by their labels, and what cannot be found
is asked for, never guessed or dropped (issue 10.1)."""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl

from toolkit.check.check import check
from toolkit.form.form import Form
from toolkit.form.layout import layout
from toolkit.results.feedback import needs_feedback, write_feedback

from .conftest import FORM, SAMPLES

RETURNED = SAMPLES / "returned"
INVALID = RETURNED / "invalid"
BASE = next(RETURNED.glob("QK005-*.xlsx"))


def _values(path: Path) -> dict[str, float]:
    (result,) = check([path], year=2023, form=FORM).files
    return result.values


def test_an_inserted_row_is_a_warning_and_every_value_is_read(form: Form) -> None:
    (result,) = check([INVALID / "layout-changed.xlsx"], year=2023, form=FORM).files
    truth = _values(BASE)
    assert result.values == truth
    (moved,) = [f for f in result.findings if f.code == "layout-changed"]
    assert moved.severity == "warning" and "已按行列标题找到全部数据" in moved.message
    # rows that merely shifted give no false findings at their new places
    codes = {f.code for f in result.findings}
    assert not codes & {"input-formula", "validation-removed", "formula-altered", "cell-missing"}
    assert result.status == "warnings" and not result.missing
    assert not needs_feedback(result, form)  # nothing for the agency to do


def test_cells_that_cannot_be_found_are_asked_for_and_the_rest_carried(
    form: Form, tmp_path: Path
) -> None:
    report = check([INVALID / "cell-missing.xlsx"], year=2023, form=FORM)
    (result,) = report.files
    truth = _values(BASE)
    lost = {k for k in truth if k.startswith("t3.withheld_third_party.")}
    assert set(result.missing) == lost - {"t3.withheld_third_party.total"}
    for key, value in truth.items():
        if key not in lost and not form.cells[key].is_total:
            assert result.values[key] == value, key
    assert result.texts and all(result.texts[k] for k in ("s1.active", "s6.fees"))
    (made,), _ = write_feedback(report, tmp_path, password="pw", form=FORM)
    assert made.workbook is not None and made.email is not None
    copy = openpyxl.load_workbook(made.workbook)
    sheets = {s.name: s for s in layout(form)}
    for key in truth:
        cell = form.cells[key]
        if cell.is_total:
            continue
        sheet = sheets[form.section_of_table(cell.table).sheet]
        shown = copy[sheet.name][sheet.cells[key].ref]
        if key in result.missing:
            assert shown.value is None and shown.comment is not None, key
            assert "未能从报回文件中读取" in shown.comment.text
        else:
            assert shown.value == truth[key], key
    for key, text in result.texts.items():  # every narrative text travels into the copy
        sheet = sheets[form.section_of_part(key).sheet]
        assert (copy[sheet.name][sheet.cells[key].ref].value or "") == text
    email = made.email.read_text(encoding="utf-8")
    assert "以下单元格未能从报回文件中读取，请补填" in email


def test_totals_over_a_lost_cell_raise_no_false_rule_findings() -> None:
    (result,) = check([INVALID / "cell-missing.xlsx"], year=2023, form=FORM).files
    assert not [f for f in result.findings if f.code.startswith("t3-")]
    assert math.isnan(result.values.get("t3.result_total.natural", math.nan))
