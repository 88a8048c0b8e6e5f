"""The form definition matches the national standard character for character, and loads strictly."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from toolkit.core.bundled import bundled
from toolkit.form.form import Form, FormError, complete
from toolkit.form.form_file import load_form, standard_form
from toolkit.form.layout import layout

from .conftest import REFERENCE

STANDARD = (REFERENCE / "format-2021.md").read_text(encoding="utf-8")
REPORT = (REFERENCE / "000_257bd34ea451c6a3.txt").read_text(encoding="utf-8")


def _squash(text: str) -> str:
    """Compare as published copies must be compared: NFKC (full/half width) and no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _table3_rows_from_standard() -> list[str]:
    block = STANDARD.split("Rows in order")[1].split("三、本年度办理结果 spans")[0]
    leaves = []
    for line in block.splitlines():
        match = re.match(r"^\d+\. (.+)$", line.strip())
        if match:
            leaf = match.group(1).split(" / ")[-1]
            leaves.append(re.sub(r"\s{2,}\(curly quotes.*\)$", "", leaf).strip())
    return leaves


def test_table3_row_labels_equal_the_standard_verbatim(form: Form) -> None:
    assert [row.label for row in form.tables["t3"].rows] == _table3_rows_from_standard()


def test_table3_columns_and_corner_equal_the_standard(form: Form) -> None:
    columns = STANDARD.split("Columns in order: ")[1].split(".\n")[0].split(", ")
    assert [c.label for c in form.tables["t3"].columns] == columns
    corner = re.search(r"（本列数据的勾稽关系为：[^）]+）", STANDARD).group(0)
    assert form.tables["t3"].blocks[0].corner == corner
    groups = {label for row in form.tables["t3"].rows for label in row.path[:-1]}
    assert groups == {
        "三、本年度办理结果",
        "（三）不予公开",
        "（四）无法提供",
        "（五）不予处理",
        "（六）其他处理",
    }


def test_table2_blocks_equal_the_standard(form: Form) -> None:
    table = STANDARD.split("## Table 2")[1].split("## Table 3")[0]
    expected = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("第二十条"):
            expected.append((cells[0], cells[1].split(" / "), cells[2].split("; ")))
    actual = [
        (b.caption, [c.label for c in b.columns], [r.label for r in b.rows])
        for b in form.tables["t2"].blocks
    ]
    assert actual == expected
    assert all(b.corner == "信息内容" for b in form.tables["t2"].blocks)


def test_table4_headers_equal_the_standard(form: Form) -> None:
    paths = [c.path for c in form.tables["t4"].columns]
    outcomes = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert paths == (
        [("行政复议", o) for o in outcomes]
        + [("行政诉讼", "未经复议直接起诉", o) for o in outcomes]
        + [("行政诉讼", "复议后起诉", o) for o in outcomes]
    )


def test_every_label_appears_in_the_published_report(form: Form) -> None:
    """The real 2023 report, normalised, contains every label of our tables and every title."""
    report = _squash(REPORT)
    labels = {s.title for s in form.sections}
    for table in form.tables.values():
        for block in table.blocks:
            labels |= {block.caption, block.corner} - {""}
            labels |= {label for c in block.columns for label in c.path}
            labels |= {label for r in block.rows for label in r.path}
    missing = sorted(label for label in labels if _squash(label) not in report)
    assert missing == []


def test_curly_quotes_and_full_width_brackets_are_kept(form: Form) -> None:
    labels = [row.label for row in form.tables["t3"].rows]
    assert "3.危及“三安全一稳定”" in labels
    assert "（二）部分公开（区分处理的，只计这一情形，不计其他情形）" in labels
    assert form.tables["t2"].blocks[3].columns[0].label == "本年收费金额（单位：万元）"


def test_cells_inputs_and_totals(form: Form) -> None:
    assert len(form.cells) == 10 + 25 * 7 + 15
    totals = {c.key for c in form.totals}
    assert "t3.new.total" in totals and "t3.result_total.natural" in totals
    assert {"t4.cases.review_total", "t4.cases.direct_total", "t4.cases.after_total"} <= totals
    assert not any(key.startswith("t2.") for key in totals)  # table 2 has no totals
    assert len(form.inputs) == 10 + 24 * 6 + 12


def test_complete_recomputes_every_total(form: Form) -> None:
    values = complete(form, {"t3.new.natural": 3, "t3.new.business": 2, "t3.granted.natural": 4})
    assert values["t3.new.total"] == 5
    assert values["t3.result_total.natural"] == 4
    assert values["t3.result_total.total"] == 4
    assert values["t3.carried_out.total"] == 0


def test_rule_instances_cover_the_standard_rules(form: Form) -> None:
    rules = {rule.id: rule for rule in form.rules}
    assert len(rules["t3-balance"].instances) == 7
    assert len(rules["t3-row-total"].instances) == 25
    assert len(rules["t3-result-total"].instances) == 7
    assert len(rules["t4-total"].instances) == 3
    assert {
        r.severity for r in form.rules if r.id in ("rule-making", "carry-over", "in-force")
    } == {"warning"}
    balance = rules["t3-balance"].instances[0]
    assert [t.cell for t in balance.lhs] == ["t3.new.natural", "t3.carried_in.natural"]
    assert [t.cell for t in balance.rhs] == ["t3.result_total.natural", "t3.carried_out.natural"]


def test_layout_places_every_cell_once(form: Form) -> None:
    sheets = layout(form)
    placed = [key for sheet in sheets for key in sheet.cells]
    assert sorted(placed) == sorted([*form.cells, *form.parts])
    positions = [
        (sheet.name, area.row, area.col) for sheet in sheets for area in sheet.cells.values()
    ]
    assert len(positions) == len(set(positions))


# Every narrative part of the standard form, as a TOML list: too many for one status formula.
ALL_PARTS = "[" + ", ".join(f'"{key}"' for key in standard_form().parts) + "]"
REGULATIONS = '["regulations.issued", "regulations.repealed", "regulations.in_force"]'


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    source = bundled()
    text = source.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "broken.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("first_year = 2021", 'first_year = 2021\ncolour = "red"', "未知的键 colour"),
        ('{ key = "business",', '{ key = "natural",', "重复"),
        ('anchor = "carried_out"', 'anchor = "carried_away"', "t3.carried_away.natural"),
        ('sum_of_columns = ["natural",', 'sum_of_columns = ["nobody",', "t3.new.nobody"),
        ('part = "s6.fees"', 'part = "s6.fee"', "s6.fee"),
        ('kind = "zero"\ntable', 'kind = "nonzero"\ntable', "kind 'nonzero' 未知"),
        ('severity = "warning"', 'severity = "fatal"', "severity"),
        ('keywords = ["处理费|收费|费用"]', "keywords = []", "keywords 须至少有一个关键词"),
        ('keywords = ["处理费|收费|费用"]', "keywords = ['信息\"处理费']", "英文双引号"),
        ('keywords = ["处理费|收费|费用"]', 'keywords = ["信息*费"]', "英文双引号"),
        ('keywords = ["处理费|收费|费用"]', 'keywords = ["信息 处理费"]', "空白字符"),
        ('keywords = ["处理费|收费|费用"]', 'keywords = ["处理费||费用"]', "空白字符"),
        ('parts = ["s5.problems", "s5.improvements"]', "parts = []", "至少列出一个文字部分"),
        ('parts = ["s5.problems", "s5.improvements"]', f"parts = {ALL_PARTS}", "parts 最多8个"),
        (f"cells = {REGULATIONS}", "cells = []", "至少列出一个单元格"),
        # the district draft's sentences name figure families, the year and the level word only
        ("申请{new}件", "申请{news}件", "{news} 不是可用的字段"),
        ("申请{new}件", "申请{new:>5}件", "{new} 不是可用的字段"),
        ("申请{new}件", "申请{new件", "花括号不成对"),
        ('table = "t2"\n', 'table = "t2"\ndraft = "{year}年{whole}{litigation}"\n', "{litigation}"),
        ('kind = "narrative"\nparts', 'kind = "narrative"\ndraft = "x"\nparts', "draft 写在各部分"),
        ("omit_if_empty = true }", 'omit_if_empty = true, if_empty = "无。" }', "不与 if_empty"),
        ("omit_if_empty = true }", 'omit_if_empty = "yes" }', "omit_if_empty 须为 true 或 false"),
        ('if_empty = "本年度无其他需要报告的事项。"', 'if_empty = " "', "应为非空文字"),
    ],
)
def test_loader_rejects_unknown_keys_and_broken_references(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    with pytest.raises(FormError, match=re.escape(message)):
        load_form(_broken(tmp_path, old, new))


def test_loader_rejects_a_file_that_is_not_toml(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text("[form\n", encoding="utf-8")
    with pytest.raises(FormError, match="格式错误"):
        load_form(path)
