"""Blank means blank: text made only of spaces of any kind or invisible characters is empty, for the
checker and for the live status in the template alike (issue 9.5)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from toolkit.check.check import check
from toolkit.core.text import BLANK_CHARACTERS, is_blank, strip_blank
from toolkit.form.contract import identity_for
from toolkit.form.fill import Fill
from toolkit.form.form import Form, defined_name
from toolkit.form.formulas import PASS, status_value
from toolkit.form.layout import layout
from toolkit.inputs.roster import Agency
from toolkit.template.workbook import write_workbook

from . import lo
from .conftest import FORM

INVISIBLE = "\u3000\u00a0\u200b\u200c\u200d\u2060\ufeff\u202f\t"


def test_every_blank_character_is_blank_and_nothing_else_is() -> None:
    for ch in BLANK_CHARACTERS:
        assert is_blank(ch * 3), repr(ch)
    for text in ("无", "0", "-", "a", "。", "\u4e00"):
        assert not is_blank(text)
    assert strip_blank(" 本年\u3000度\u200b ") == "本年度"


@pytest.mark.libreoffice
def test_libreoffice_and_the_checker_agree_on_invisible_text(
    form: Form, template: Path, tmp_path: Path
) -> None:
    out = tmp_path / "filled.xlsx"
    texts = {"s5.problems": INVISIBLE, "s5.improvements": "已整改。", "s1.active": " \u3000"}
    lo.fill(template, out, {defined_name(k): v for k, v in texts.items()})
    rules = {r.id: r for r in form.rules}
    book = CalamineWorkbook.from_path(str(out))
    values = {key: 0.0 for key in form.cells}
    all_texts = {key: texts.get(key, "") for key in form.parts}
    for rule_id in ("problems-required", "overview-required"):
        sheet = next(s for s in layout(form) for st in s.statuses if st.rule == rule_id)
        status = next(st for st in sheet.statuses if st.rule == rule_id)
        rows = book.get_sheet_by_name(sheet.name).to_python()
        shown = rows[status.area.row][status.area.col]
        rule = rules[rule_id]
        ours = status_value(rule, list(rule.instances), values, all_texts)
        assert shown == ours != PASS, (rule_id, shown, ours)
    (result,) = check([out], form=FORM).files
    codes = {f.code for f in result.findings}
    assert {"problems-required", "overview-required"} <= codes


def test_a_keyword_with_invisible_characters_inside_is_written(form: Form, tmp_path: Path) -> None:
    """信息\u200b处理费 looks like 信息处理费 on screen: template, Python and check all accept it."""
    rule = next(r for r in form.rules if r.id == "fee-statement")
    texts = {"s6.fees": "本年度未收取信息\u200b处理\u3000费。"}
    assert status_value(rule, list(rule.instances), {}, texts) == PASS
    assert status_value(rule, list(rule.instances), {}, {"s6.fees": "本年无此项工作"}) != PASS
    agency = Agency(code="QK001", name="区发展和改革委员会")
    identity = identity_for(form, agency, 2025, "示范区", datetime(2025, 12, 1, 9, 0, 0))
    out = tmp_path / "fees.xlsx"
    write_workbook(out, form=form, identity=identity, password="x", fill=Fill(texts=texts))
    (result,) = check([out], form=FORM).files
    assert "fee-statement" not in {f.code for f in result.findings}


@pytest.mark.libreoffice
def test_libreoffice_removes_every_blank_character_the_checker_removes(tmp_path: Path) -> None:
    """Each blank character alone in a cell, and all of them in one, as xlsxwriter stores them
    (control characters through Excel's `_x000B_` escape): the template's expression leaves
    nothing of any of them."""
    import xlsxwriter

    from toolkit.core.text import BLANK_CHARACTERS, excel_without_blanks

    source = tmp_path / "blanks.xlsx"
    book = xlsxwriter.Workbook(str(source))
    sheet = book.add_worksheet("s")
    # each character alone, then all of them together (LibreOffice once left a character of a
    # cell holding both a tab and a line break behind)
    cases = [character + character for character in BLANK_CHARACTERS] + [BLANK_CHARACTERS]
    for row, text in enumerate(cases):
        sheet.write_string(row, 0, text)
        sheet.write_formula(row, 1, f"=LEN({excel_without_blanks(f'A{row + 1}')})", None, 99)
    book.close()
    (saved,) = lo.convert([source], tmp_path / "saved", "xlsx")
    rows = CalamineWorkbook.from_path(str(saved)).get_sheet_by_name("s").to_python()
    left = {repr(text): r[1] for text, r in zip(cases, rows, strict=True) if r[1] != 0}
    assert not left, f"LibreOffice still counts these characters: {left}"
