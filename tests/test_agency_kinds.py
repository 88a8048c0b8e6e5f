"""Rules that know who reports (issue 25): an agency's kind from the roster's 单位类别 or its name,
rules limited to some kinds (`applies_to`), and the fee statement said the ways real reports say it.

The kinds expected of each name below are our reading of China's administrative levels (《立法法》:
province and 设区的市 governments make 规章), written by hand, not taken from the code's output."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from toolkit.check.check import check
from toolkit.form.agency_kinds import possible_kinds
from toolkit.form.contract import identity_for
from toolkit.form.fill import Fill
from toolkit.form.form import FormError
from toolkit.form.form_file import load_form
from toolkit.inputs.roster import Agency, read_roster
from toolkit.template.workbook import write_workbook

from .conftest import FORM, ROOT

NAMES = {
    "区发展和改革委员会": {"county_department"},
    "区市场监督管理局": {"county_department"},  # 市场 is not a 市
    "区住房和城乡建设局": {"county_department"},  # nor 城乡 a 乡
    "郑州市二七区科技局": {"county_department"},
    "北京市朝阳区教育委员会": {"county_department"},
    "区人民政府办公室": {"county_department"},
    "长江路街道办事处": {"township"},
    "侯寨乡人民政府": {"township"},
    "淮安市洪泽区人民政府": {"county_government"},
    "XX自治县人民政府": {"county_government"},
    "郑州市人民政府": {"city_government", "county_government"},  # 设区的市 or a county-level city
    "湘西土家族苗族自治州人民政府": {"city_government"},
    "郑州市教育局": {"city_department"},
    "河南省人民政府": {"province_government"},
    "北京市人民政府": {"province_government"},
    "新疆维吾尔自治区人民政府": {"province_government"},
    "河南省市场监督管理局": {"province_department"},
    "上海市人民政府办公厅": {"province_department"},
    "新疆维吾尔自治区民族事务委员会": {"province_department"},
    "科技局": set(),  # nothing says
    "高新区管委会": set(),
    "演示单位01": set(),
}


@pytest.mark.parametrize(("name", "kinds"), sorted(NAMES.items()))
def test_a_name_shows_the_kinds_it_may_be(name: str, kinds: set[str]) -> None:
    assert possible_kinds(FORM, name) == kinds


def test_the_roster_says_better_than_the_name() -> None:
    assert possible_kinds(FORM, "区教育局", "设区的市人民政府") == {"city_government"}
    assert possible_kinds(FORM, "郑州市人民政府", "city_government") == {"city_government"}
    assert possible_kinds(FORM, "某局", "街道") == {"township"}  # an alias
    assert possible_kinds(FORM, "区教育局", "不认识的类别") == {"county_department"}


def _report(tmp_path: Path, agency: Agency, **values: float) -> Path:
    identity = identity_for(FORM, agency, 2025, "示范市", datetime(2025, 12, 1, 9))
    out = tmp_path / f"{agency.code}.xlsx"
    write_workbook(out, form=FORM, identity=identity, password="x", fill=Fill(values=values))
    return out


RULES_MADE = {"t2.regulations.issued": 2, "t2.regulations.in_force": 2}


@pytest.mark.parametrize(
    ("name", "declared", "warned"),
    [
        ("区教育局", "", True),  # a district department makes no 规章
        ("长江路街道办事处", "", True),
        ("演示单位01", "", True),  # not known: checked, as it always was
        ("河南省人民政府", "", False),
        ("郑州市人民政府", "", False),  # may be a 设区的市: unsure, so silent
        ("郑州市人民政府", "县级人民政府", True),  # the roster says it is a county-level city
        ("某市政府", "设区的市人民政府", False),
    ],
)
def test_rule_making_is_for_agencies_without_the_power(
    tmp_path: Path, name: str, declared: str, warned: bool
) -> None:
    agency = Agency(code="A001", name=name, kind=declared)
    path = _report(tmp_path, agency, **RULES_MADE)
    (result,) = check([path], form=FORM, roster=[agency], year=2025).files
    assert ("rule-making" in {f.code for f in result.findings}) is warned


# How real reports say that no fee was charged (from the corpus and the new blind set).
NO_FEE = [
    "本年度未收取信息处理费。",
    "政府信息公开未发生收费情况。",
    "未发生政府信息公开收费事项。",
    "本机关未收取信息公开处理费。",
    "依法依规办理申请，未向申请人收费。",
    "本年度没有收取信息处理费。",
    "本单位无收取信息处理费情况。",
    "未收取任何费用。",
]


@pytest.mark.parametrize("text", NO_FEE)
def test_the_fee_statement_takes_the_ways_reports_say_no_fee(tmp_path: Path, text: str) -> None:
    agency = Agency(code="A001", name="区教育局")
    identity = identity_for(FORM, agency, 2025, "示范区", datetime(2025, 12, 1, 9))
    out = tmp_path / "fee.xlsx"
    write_workbook(
        out, form=FORM, identity=identity, password="x", fill=Fill(texts={"s6.fees": text})
    )
    (result,) = check([out], form=FORM, year=2025).files
    assert "fee-statement" not in {f.code for f in result.findings}


def test_a_fees_part_saying_nothing_of_fees_is_still_an_error(tmp_path: Path) -> None:
    agency = Agency(code="A001", name="区教育局")
    identity = identity_for(FORM, agency, 2025, "示范区", datetime(2025, 12, 1, 9))
    out = tmp_path / "fee.xlsx"
    fill = Fill(texts={"s6.fees": "本年无其他需要报告的事项。"})
    write_workbook(out, form=FORM, identity=identity, password="x", fill=fill)
    (result,) = check([out], form=FORM, year=2025).files
    assert "fee-statement" in {f.code for f in result.findings}


def test_a_roster_may_name_each_agencys_kind(tmp_path: Path) -> None:
    roster = tmp_path / "名单.csv"
    roster.write_text(
        "单位代码,单位名称,联系人,电子邮箱,单位类别\nA001,郑州市人民政府,张敏,,设区的市人民政府\n"
        "A002,区教育局,李强,,\n",
        encoding="utf-8",
    )
    first, second = read_roster(roster)
    assert (first.kind, second.kind) == ("设区的市人民政府", "")
    # A roster without the column still reads (it is optional).
    assert read_roster(ROOT / "samples" / "roster.csv")[0].kind == ""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('applies_to = ["province_department"', 'applies_to = ["no_such_kind"'),
            "no_such_kind 未在 [[agency_kinds]] 中定义",
        ),
        (("'.+(省|自治区)人民政府'", "'.+(省|自治区人民政府'"), "正则表达式"),
    ],
)
def test_a_bad_kind_in_a_form_file_is_named(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    text = (ROOT / "templates" / "gov-info-2021.toml").read_text(encoding="utf-8")
    assert change[0] in text
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    for name in ("gov-info-2021-figures.toml",):  # the files the form names, beside it
        (tmp_path / name).write_bytes((ROOT / "templates" / name).read_bytes())
    with pytest.raises(FormError, match=re.escape(message)):
        load_form(bad)


def test_the_template_judges_rule_making_as_check_does(tmp_path: Path) -> None:
    """A 设区的市 government may make 规章: in its template the rule's live status says 不适用 and
    the sheet's verdict leaves it out; a district department's template still asks it to check.
    Both filled with 规章 and recalculated in LibreOffice, as a clerk's copy would be; check
    agrees with what each template showed."""
    from toolkit.core import texts as tx
    from toolkit.form.layout import layout
    from toolkit.template.generate import generate
    from toolkit.xlsx.read import read_workbook

    from . import lo

    city = Agency(code="A001", name="某市政府", kind="设区的市人民政府")
    department = Agency(code="A002", name="区教育局")
    generate(
        [city, department], year=2025, out_dir=tmp_path / "模板", district="示范市",
        generated_at=datetime(2025, 12, 1, 9), form=FORM, password="pw",
    )  # fmt: skip
    (table,) = [s for s in layout(FORM) if any(st.rule == "rule-making" for st in s.statuses)]
    (status,) = [st for st in table.statuses if st.rule == "rule-making"]
    assert table.summary is not None
    shown = {}
    for agency in (city, department):
        (template,) = (tmp_path / "模板").glob(f"{agency.code}-*.xlsx")
        filled = tmp_path / f"{agency.code}.xlsx"
        lo.fill(template, filled, {"nb_t2_regulations_issued": 2, "nb_t2_regulations_in_force": 2})
        grid = read_workbook(filled, FORM).grids[table.name]
        shown[agency.code] = (
            grid[status.area.row][status.area.col],
            grid[table.summary.row][table.summary.col],
        )
    assert shown["A001"] == (tx.STATUS_NOT_APPLICABLE, tx.SUMMARY_ALL_PASSED)
    assert shown["A002"][0] == tx.STATUS_CHECK and tx.SUMMARY_WARNED in shown["A002"][1]
    files = [tmp_path / "A001.xlsx", tmp_path / "A002.xlsx"]
    report = check(files, form=FORM, roster=[city, department], year=2025)
    warned = {r.agency_code: "rule-making" in {f.code for f in r.findings} for r in report.files}
    assert warned == {"A001": False, "A002": True}


@pytest.mark.parametrize(("declared", "live"), [("县级人民政府", True), ("", False)])
def test_a_feedback_copy_judges_rule_making_by_the_roster_check_was_given(
    tmp_path: Path, declared: str, live: bool
) -> None:
    """郑州市人民政府 may be a 设区的市 (no 规章 rule) or a county-level city (the rule): its
    feedback copy keeps the rule's live status when the roster says it is a county-level city,
    as check judged it, and says 不适用 when only the name speaks."""
    from toolkit.core import texts as tx
    from toolkit.form.layout import layout
    from toolkit.results.feedback import write_feedback
    from toolkit.xlsx.read import read_workbook

    agency = Agency(code="A001", name="郑州市人民政府", kind=declared)
    path = _report(tmp_path, agency, **RULES_MADE)
    report = check([path], form=FORM, roster=[agency], year=2025)
    made, _ = write_feedback(report, tmp_path / "意见", form=FORM, password="x", roster=[agency])
    (copy,) = [f.workbook for f in made if f.workbook is not None]
    (table,) = [s for s in layout(FORM) if any(st.rule == "rule-making" for st in s.statuses)]
    (status,) = [st for st in table.statuses if st.rule == "rule-making"]
    book = read_workbook(copy, FORM)
    assert book.xml is not None
    has_formula = status.area.ref in book.xml[table.name].formulas
    assert has_formula is live
    shown = book.grids[table.name][status.area.row][status.area.col]
    assert (shown == tx.STATUS_NOT_APPLICABLE) is not live
