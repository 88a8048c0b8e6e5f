"""A clerk fills the template in LibreOffice: protection, validation and formulas survive the save,
and LibreOffice's own arithmetic agrees with ours."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from toolkit.form.contract import META_SHEET
from toolkit.form.form import Form, complete, defined_name
from toolkit.form.formulas import PASS, status_value
from toolkit.form.layout import layout

from . import lo
from .conftest import validations_by_cell

pytestmark = pytest.mark.libreoffice

# A plausible 街道 report that breaks one rule on purpose: 自然人 一 + 二 = 7 + 1, results + 四 = 7;
# and one warning (a 街道 with a 规章), so that the three summary colours show in one workbook.
VALUES: dict[str, int | float] = {
    "t2.regulations.issued": 1,
    "t2.regulations.in_force": 1,
    "t2.normative.issued": 3,
    "t2.normative.in_force": 12,
    "t2.licensing.decisions": 1520,
    "t2.fees.fee_amount": 2.5,
    "t3.new.natural": 7,
    "t3.new.business": 2,
    "t3.carried_in.natural": 1,
    "t3.granted.natural": 4,
    "t3.granted.business": 2,
    "t3.partial.natural": 1,
    "t3.unable_not_held.natural": 1,
    "t3.carried_out.natural": 1,
    "t4.cases.review_upheld": 2,
    "t4.cases.direct_pending": 1,
}
TEXTS = {"s6.fees": "本年度未收取信息处理费。"}


@pytest.fixture(scope="module")
def filled(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lo") / "filled.xlsx"
    entries = {defined_name(k): v for k, v in VALUES.items()}
    entries |= {defined_name(k): v for k, v in TEXTS.items()}
    lo.fill(template, out, entries)
    return out


def test_libreoffice_totals_and_statuses_equal_ours(form: Form, filled: Path) -> None:
    expected = complete(form, VALUES)
    texts = {key: TEXTS.get(key, "") for key in form.parts}
    rules = {rule.id: rule for rule in form.rules}
    book = CalamineWorkbook.from_path(str(filled))
    checked: set[str] = set()
    for sheet in layout(form):
        rows = book.get_sheet_by_name(sheet.name).to_python()
        for key, area in sheet.cells.items():
            if key in form.cells:
                assert rows[area.row][area.col] == pytest.approx(expected[key]), key
        for status in sheet.statuses:
            rule = rules[status.rule]
            ours = status_value(
                rule, [rule.instances[i] for i in status.instances], expected, texts
            )
            shown = rows[status.area.row][status.area.col]
            assert shown == (ours if isinstance(ours, str) else pytest.approx(ours)), status
            checked.add(rule.id)
    assert checked == set(rules)  # every rule has a status somewhere, and LibreOffice agreed
    t3 = next(s for s in layout(form) if s.name == "三、依申请公开")
    rows = book.get_sheet_by_name(t3.name).to_python()
    assert rows[t3.summary.row][t3.summary.col].startswith("勾稽关系与填写检查：有2处未通过")
    natural = next(s for s in t3.statuses if s.rule == "t3-balance" and s.instances == (0,))
    assert rows[natural.area.row][natural.area.col] == pytest.approx(1)
    business = next(s for s in t3.statuses if s.rule == "t3-balance" and s.instances == (1,))
    assert rows[business.area.row][business.area.col] == PASS


def test_libreoffice_keeps_protection_validation_formulas_and_meta(
    form: Form, template: Path, filled: Path
) -> None:
    before, after = openpyxl.load_workbook(template), openpyxl.load_workbook(filled)
    assert after.sheetnames == before.sheetnames
    assert after[META_SHEET].sheet_state in ("hidden", "veryHidden")  # LibreOffice un-very-hides
    meta = {r[0].value: r[1].value for r in after[META_SHEET].iter_rows(max_col=2)}
    assert meta["agency_code"] == "QK001" and meta["year"] == "2025"  # still text, not 2025.0
    for sheet in layout(form):
        ws, original = after[sheet.name], before[sheet.name]
        assert ws.protection.sheet and ws.protection.password, sheet.name
        assert ws.protection.insertRows and ws.protection.deleteRows
        assert _validated(ws) == _validated(original)  # LibreOffice may merge adjacent ranges
        for key, area in sheet.cells.items():
            cell = ws[area.ref]
            spec = form.cells.get(key)
            if spec is not None and spec.is_total:
                assert cell.value == original[area.ref].value, key  # the same formula text
                assert cell.protection.locked
            else:
                assert cell.protection.locked is False, key
        merged = {str(r) for r in ws.merged_cells.ranges}
        assert merged == {str(r) for r in original.merged_cells.ranges}


@pytest.mark.parametrize("target", ["xls", "ods"])
def test_other_formats_saved_by_libreoffice_keep_the_numbers(
    form: Form, filled: Path, tmp_path: Path, target: str
) -> None:
    (converted,) = lo.convert([filled], tmp_path, target)
    expected = complete(form, VALUES)
    book = CalamineWorkbook.from_path(str(converted))
    for sheet in layout(form):
        if sheet.name.startswith("三"):
            rows = book.get_sheet_by_name(sheet.name).to_python()
            for key, area in sheet.cells.items():
                assert rows[area.row][area.col] == pytest.approx(expected[key]), key


GREEN, AMBER, RED = "C6EFCE", "FFEB9C", "FFC7CE"  # styles.py's ok, warn and bad fills


def test_libreoffice_colours_the_summary_line_green_only_when_nothing_is_open(
    form: Form, filled: Path
) -> None:
    """The summary line's conditional formats, as LibreOffice saved them, applied to the text
    LibreOffice computed: an open warning ("错误项全部通过；有1处提示") is amber, not green, though
    it contains 全部通过; errors are red; green is for the sheet with nothing open."""
    book = openpyxl.load_workbook(filled)
    values = CalamineWorkbook.from_path(str(filled))
    colours = {}
    for sheet in layout(form):
        if sheet.summary is None:
            continue
        text = values.get_sheet_by_name(sheet.name).to_python()[sheet.summary.row][
            sheet.summary.col
        ]
        colours[sheet.name[0]] = (_applied(book[sheet.name], sheet.summary.ref, text), text)
    assert colours["二"] == (
        AMBER,
        "勾稽关系与填写检查：错误项全部通过；有1处提示，请核对或在说明栏说明",
    )
    assert colours["三"][0] == RED and "2处未通过" in colours["三"][1]
    assert colours["四"] == (GREEN, "勾稽关系与填写检查：全部通过")


def _applied(ws: openpyxl.worksheet.worksheet.Worksheet, ref: str, text: str) -> str | None:
    """The fill colour the conditional formats covering `ref` give a cell showing `text`, rule by
    rule in priority order as Excel and LibreOffice apply them (only the rule kinds the template
    writes: text containing, cell equal to a string)."""
    rules = [rule for cf in ws.conditional_formatting if ref in cf.sqref for rule in cf.rules]
    for rule in sorted(rules, key=lambda r: r.priority):
        if rule.type == "containsText":
            matches = str(rule.text) in text
        elif rule.type == "cellIs" and rule.operator == "equal":
            matches = text == str(rule.formula[0]).strip('"')
        else:
            raise AssertionError(f"unexpected summary colour rule {rule.type} {rule.operator}")
        if matches:
            return str(rule.dxf.fill.bgColor.rgb or rule.dxf.fill.fgColor.rgb)[-6:].upper()
    return None


def _validated(
    ws: openpyxl.worksheet.worksheet.Worksheet,
) -> set[tuple[str, str | None, str | None]]:
    """(cell, type, lower bound) for every validated cell; LibreOffice adds 0 to prompt-only ones."""
    return {
        (ref, dv.type, str(dv.formula1) if dv.type else None)
        for ref, dv in validations_by_cell(ws).items()
    }
