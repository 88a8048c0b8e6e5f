"""Each assumption the private xlsxwriter hooks (toolkit/template/xlsxwriter_hooks.py) make, one named test
each, so that an xlsxwriter release that breaks one fails here instead of writing a wrong file."""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
import xlsxwriter
from xlsxwriter.utility import xl_cell_to_rowcol
from xlsxwriter.worksheet import Worksheet

from toolkit.form.contract import identity_for
from toolkit.form.form import Form
from toolkit.form.form_file import load_form
from toolkit.form.formulas import GenerateError
from toolkit.inputs.roster import Agency, read_roster
from toolkit.rollup.rollup import rollup
from toolkit.template import xlsxwriter_hooks as hooks
from toolkit.template.workbook import WORKBOOK_OPTIONS, write_workbook

from .conftest import FORM, GENERATED_AT, PASSWORD, SAMPLES

AGENCY = Agency(code="QK001", name="区发展和改革委员会")
_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"')
_ROW = re.compile(r'<row r="([0-9]+)"')
_FORMULA = re.compile(r"<f>(.*?)</f>", re.S)
_DIMENSION = re.compile(r'<dimension ref="([^"]+)"/>')


def _template(form: Form, path: Path, password: str = PASSWORD) -> Path:
    identity = identity_for(form, AGENCY, 2025, "示范区", GENERATED_AT)
    write_workbook(path, form=form, identity=identity, password=password)
    return path


@pytest.fixture(scope="module")
def workbooks(form: Form, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A template and a rollup of the returned samples: between them every hook runs."""
    out = tmp_path_factory.mktemp("hooks")
    made = rollup(
        [SAMPLES / "returned" / "*.xlsx"], out=out / "汇总.xlsx",
        roster=read_roster(SAMPLES / "roster.csv"), year=2023, district="示范区",
        generated_at=datetime(2024, 2, 1, 9, 0, 0), form=FORM,
    )  # fmt: skip
    assert made.included  # the rollup has bulk rows to check
    return {"template": _template(form, out / "template.xlsx"), "rollup": made.out}


def _sheets(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {
            name: archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.startswith("xl/worksheets/sheet")
        }


def test_xlsxwriter_leaves_every_formula_we_write_unchanged(workbooks: dict[str, Path]) -> None:
    """TemplateSheet skips xlsxwriter's formula rewriting. That is only right while the stock
    rewriting (future functions included) would leave each of our formulas as it is."""
    stock = Worksheet()
    ours = hooks.TemplateSheet()
    formulas = [
        html.unescape(f)
        for path in workbooks.values()
        for xml in _sheets(path).values()
        for f in _FORMULA.findall(xml)
    ]
    assert len(formulas) > 100  # totals, statuses, summaries, rollup sums and chart figures
    changed = [
        f
        for f in formulas
        if stock._prepare_formula("=" + f, expand_future_functions=True) != f
        or stock._prepare_formula("=" + f) != f
        or ours._prepare_formula("=" + f) != f
    ]
    assert not changed, f"xlsxwriter would rewrite: {changed[:5]}"


def test_no_row_is_written_at_or_after_the_bulk_rows(workbooks: dict[str, Path]) -> None:
    """BulkSheet appends its rows after xlsxwriter's own; every sheet's rows stay in order."""
    for name, xml in _sheets(workbooks["rollup"]).items():
        rows = [int(r) for r in _ROW.findall(xml)]
        assert rows == sorted(set(rows)), f"{name}: rows out of order or twice"


def test_a_bulk_sheet_refuses_an_own_row_in_its_bulk_rows() -> None:
    book = xlsxwriter.Workbook(io.BytesIO(), WORKBOOK_OPTIONS)
    ws = book.add_worksheet("明细", worksheet_class=hooks.BulkSheet)
    ws.write_string(0, 0, "表头")
    ws.set_bulk(2, [(0, ["甲", 1.0]), (0, ["乙", 2.5])], 0)
    ws.write_string(3, 0, "写进了批量行")
    with pytest.raises(GenerateError, match="明细"):
        book.close()


def test_the_dimension_of_every_sheet_is_right(workbooks: dict[str, Path]) -> None:
    """<dimension> covers exactly the cells written: BulkSheet widens it for its rows, the reused
    XML of a TemplateSheet carries its own."""
    for label, path in workbooks.items():
        for name, xml in _sheets(path).items():
            cells = [xl_cell_to_rowcol(ref) for ref in _CELL.findall(xml)]
            if not cells:
                continue
            rows, cols = zip(*cells, strict=True)
            first = xlsxwriter.utility.xl_rowcol_to_cell(min(rows), min(cols))
            last = xlsxwriter.utility.xl_rowcol_to_cell(max(rows), max(cols))
            expected = first if first == last else f"{first}:{last}"
            assert _DIMENSION.search(xml).group(1) == expected, f"{label} {name}"


def test_reused_sheet_xml_equals_freshly_assembled_xml(form: Form, tmp_path: Path) -> None:
    """Content sheets are assembled once per content and reused; the bytes must not change."""
    other = identity_for(
        form, Agency(code="JD002", name="建设路街道办事处"), 2025, "示范区", GENERATED_AT
    )
    _template(form, tmp_path / "first.xlsx")  # fills the cache
    warm, cold = tmp_path / "warm.xlsx", tmp_path / "cold.xlsx"
    write_workbook(warm, form=form, identity=other, password=PASSWORD)
    hooks._SHEET_XML.clear()
    write_workbook(cold, form=form, identity=other, password=PASSWORD)
    assert warm.read_bytes() == cold.read_bytes()
    assert hooks._SHEET_XML  # the cold run filled the cache again


def test_the_sheet_cache_is_keyed_on_content_not_on_the_form_object(form: Form) -> None:
    again = load_form(Path(form.source))  # another object, the same definition
    assert again is not form
    assert hooks.sheet_key(again, "一、总体情况", PASSWORD) == hooks.sheet_key(
        form, "一、总体情况", PASSWORD
    )
    renamed = replace(form, rules=(replace(form.rules[0], title="改过的规则"), *form.rules[1:]))
    keys = {
        hooks.sheet_key(form, "一、总体情况", PASSWORD),
        hooks.sheet_key(renamed, "一、总体情况", PASSWORD),
        hooks.sheet_key(form, "二、主动公开政府信息情况", PASSWORD),
        hooks.sheet_key(form, "一、总体情况", "another-password"),
    }
    assert len(keys) == 4


def test_a_changed_form_never_gets_another_forms_cached_sheet(form: Form, tmp_path: Path) -> None:
    """A form that differs in one text box's prompt (shown in a content sheet's own XML), written
    after the standard one filled the cache, is byte for byte what it is with an empty cache."""
    at = next(i for i, section in enumerate(form.sections) if section.parts)
    section = form.sections[at]
    part = replace(section.parts[0], prompt="改过的填写要求")
    sections = list(form.sections)
    sections[at] = replace(section, parts=(part, *section.parts[1:]))
    changed = replace(form, sections=tuple(sections))
    standard = _template(form, tmp_path / "standard.xlsx")
    warm = _template(changed, tmp_path / "warm.xlsx")
    hooks._SHEET_XML.clear()
    cold = _template(changed, tmp_path / "cold.xlsx")
    assert warm.read_bytes() == cold.read_bytes()
    assert _sheets(warm) != _sheets(standard)


def test_a_relative_link_keeps_its_forward_slashes() -> None:
    """relative_url sets Url._relationship_link: the findings workbook's links to feedback copies
    must reach them on every system, which backslashes do not."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    ws = book.add_worksheet("审核结果")
    url = hooks.relative_url("审核意见/QK001 区发展和改革委员会-审核意见.xlsx")
    url.text = "QK001"
    ws.write_url(0, 0, url)
    book.close()
    with zipfile.ZipFile(buffer) as archive:
        rels = archive.read("xl/worksheets/_rels/sheet1.xml.rels").decode("utf-8")
    target = re.search(r'Target="([^"]+)"', rels).group(1)
    # xlsxwriter alone writes 审核意见\QK001…, which only Windows Excel follows
    assert target == "审核意见/QK001%20区发展和改革委员会-审核意见.xlsx"
    assert 'TargetMode="External"' in rels
