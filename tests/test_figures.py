"""Figures stated in the narrative (toolkit/form/figures.py): every phrasing issue 15 lists, and the
measurement on the opening sections of real published reports (tests/reference/prose)."""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import pytest

from toolkit.form.figures import (
    Family,
    StatedFigure,
    agrees,
    chinese_number,
    parse_families,
    stated_figures,
)
from toolkit.form.form import Form

from .conftest import REFERENCE, ROOT, SAMPLES

PROSE = REFERENCE / "prose"
FAMILIES_FILE = ROOT / "templates" / "gov-info-2021-figures.toml"


def figures(text: str, year: int | None = None) -> dict[str, float]:
    return {f.family: f.value for f in stated_figures(text, year)}


# --- the phrasings real reports use -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the one phrasing the old rule knew
        ("本年新收政府信息公开申请42件。", {"new": 42}),
        # 本年/全年/本年度/<year>年 × 共/累计/合计 × 收到/接收/新收/接到
        ("全年共收到政府信息公开申请5件，均按时答复。", {"new": 5}),
        ("本年度累计接收政府信息公开申请17件。", {"new": 17}),
        ("2023年合计接到信息公开申请7件。", {"new": 7}),
        ("2024年，我局收到1件政府信息公开申请，结转至下一年度办理。", {"new": 1}),
        # 受理 is new + carried over (an alternative reading is allowed when the tables are compared)
        ("本年度共受理依申请公开12件。", {"accepted": 12}),
        # 件/条/宗/项/份/次
        ("全年共收到依申请公开7宗。", {"new": 7}),
        ("收到政府信息公开申请3项。", {"new": 3}),
        ("共收到8份政府信息公开申请，均为自然人申请。", {"new": 8}),
        ("落水镇依申请公开信息0条。", {"new": 0}),
        (
            "依申请公开3次，行政复议0次，行政诉讼0次。",
            {"new": 3, "review_total": 0, "litigation_total": 0},
        ),
        # digits in full and half width, grouped thousands
        ("本年新收政府信息公开申请１２３件。", {"new": 123}),
        ("2024年，共收到政府信息公开申请1,046件。", {"new": 1046}),
        # Chinese numerals
        ("共收到政府信息公开申请十二件。", {"new": 12}),
        ("共受理依申请公开一百零五件。", {"accepted": 105}),
        ("收到政府信息公开申请两件，均已答复。", {"new": 2}),
        ("收到政府信息公开申请〇件。", {"new": 0}),
        # 办理/答复/办结 is the result total
        ("全年共收到政府信息公开申请25件，办理回复23件。", {"new": 25, "handled": 23}),
        (
            "2023年，我委收到政府信息公开申请44件，上年度结转0件，本年度办结39件。",
            {"new": 44, "carried_in": 0, "handled": 39},
        ),
        ("全年共收到和办理依申请公开9件。", {"new": 9}),
        ("我局收到政府信息依申请公开办理事项1件，已办结。", {"new": 1}),
    ],
)
def test_phrasings(text: str, expected: dict[str, float]) -> None:
    assert figures(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023年，我局未收到政府信息公开申请。", {"new": 0}),
        ("全年未接到信息公开申请。", {"new": 0}),
        ("2022年我无依申请公开事项。", {"new": 0}),
        ("本年度未收到政府信息申请公开。", {"new": 0}),
        ("本年度未受理政府信息公开申请。", {"accepted": 0}),
        ("上年结转：无。", {"carried_in": 0}),
        ("无下年度结转。", {"carried_out": 0}),
        (
            "未发生因政府信息公开申请行政复议、提起行政诉讼情况。",
            {"review_total": 0, "litigation_total": 0},
        ),
        ("无涉及政府信息公开行政复议、诉讼案件。", {"review_total": 0, "litigation_total": 0}),
        # a statement about cases that mentions requests is not a statement about requests
        (
            "全年未收到因依申请公开答复而引起的行政复议和诉讼。",
            {"review_total": 0, "litigation_total": 0},
        ),
        ("无行政规范性文件出台及更新情况。", {"normative_issued": 0}),
    ],
)
def test_statements_of_none(text: str, expected: dict[str, float]) -> None:
    assert figures(text) == expected


def test_several_figures_in_one_sentence_with_a_breakdown_in_brackets() -> None:
    text = (
        "2023年共受理政府信息依申请公开121件(其中本年度新收申请数112件,上年结转申请数9件),"
        "已答复119件,属于同意公开的60件,部分公开13件,不予公开5件,无法提供39件,不予处理2件,"
        "另2件结转下一年处理。"
    )
    assert figures(text) == {
        "accepted": 121,
        "new": 112,
        "carried_in": 9,
        "handled": 119,
        "granted": 60,
        "partial": 13,
        "withheld": 5,
        "unable": 39,
        "declined": 2,
        "carried_out": 2,
    }


def test_result_subitems_and_categories_after_their_figure() -> None:
    text = (
        "其中，予以公开2件，部分公开2件，属于四类过程性信息1件，本办不掌握相关政府信息2件，"
        "其他1件（申请人自主撤销）。全年共受理政府信息公开申请3件，均按时答复。"
        "其中2件公开，1件经与申请者沟通同意对答复内容不予公开。"
    )
    found = figures(text)
    assert found["withheld_process"] == 1
    assert found["unable_not_held"] == 2
    assert found["other_handling"] == 1
    assert found["accepted"] == 3
    assert found["withheld"] == 1
    assert found["granted"] == 2  # stated twice with the same value: kept once
    assert figures("其中2件公开，1件不予公开。") == {"granted": 2, "withheld": 1}


def test_applicants_by_type() -> None:
    text = "公民个人提出申请1030件，占比98.5%；法人或其他组织提出申请16件，占比1.5%。"
    assert figures(text) == {"applicant_natural": 1030, "applicant_org": 16}


def test_review_and_litigation_counts_and_outcomes() -> None:
    text = "被申请行政复议3件，其中维持2件，纠正1件；被提起行政诉讼2件，尚未审结2件。"
    assert figures(text) == {
        "review_total": 3,
        "review_upheld": 2,
        "review_corrected": 1,
        "litigation_total": 2,
        "litigation_pending": 2,
    }
    assert figures("信息公开类行政复议1起，正在办理中。") == {"review_total": 1}


def test_table_two_figures() -> None:
    text = "制定发布规范性文件4件，清理废止文件0件，现行有效文件20件。"
    assert figures(text) == {
        "normative_issued": 4,
        "normative_repealed": 0,
        "normative_in_force": 20,
    }
    regulations = "主动公开市政府规章13件(含新制定5件,修改4件,废止4件),主动公开行政规范性文件42件。"
    assert figures(regulations) == {"regulations_issued": 5, "regulations_repealed": 4}
    assert figures("全年作出行政许可决定120件，行政处罚决定45件。") == {
        "licensing": 120,
        "penalty": 45,
    }
    assert figures("本年行政事业性收费3.5万元。") == {"fees": 3.5}


@pytest.mark.parametrize(
    "text",
    [
        "全年未收到行政许可申请。",
        "本年共收到行政许可申请30件，均已办结。",
        "全年受理信访事项8件，办结8件。",
        "全年网站总访问量达3782565次，浏览量5000次。",
        "通过门户网站主动公开政府信息120条，发布信息46106条。",
        "本年度共处理群众留言92条。",
        "2023年，共办理政府12345热线47件，已全部办结。",
        "收到248条网民留言，办结留言230条，公开答复4条。",
        "比去年增加1件，较上年减少2件。",
        "行政规范性文件0条，行政许可类信息10条，行政处罚类信息0条。",
        "及时调整行政许可事项14项，并在委网站公开。",
        "以及依申请公开指南、目录及流程等3条。",
        "其中予以公开或部分公开59件、占45.3%。",
        "全年共发布卫生健康标准80项，发布公告5件。",
        "申请量同比增长103%，办复率100%。",
        "截至2023年12月31日，第三季度收到100余条建议。",
    ],
)
def test_figures_of_other_things_are_not_taken(text: str) -> None:
    assert stated_figures(text) == []


def test_carry_overs_named_by_year_need_the_report_year() -> None:
    text = "2022年结转至2023年2件，2023年共受理政府信息公开申请265件，结转至2024年答复3件。"
    assert figures(text, 2023) == {"carried_in": 2, "accepted": 265, "carried_out": 3}
    assert figures(text) == {"accepted": 265}  # which way "结转至2024年" goes is unknown
    assert figures("办结177件(含2022年结转的3件)，依申请公开", 2023)["carried_in"] == 3


def test_a_clause_is_about_requests_when_its_paragraph_is() -> None:
    paragraph = "（二）依申请公开\n我局严格落实申请办理制度。2023年共受理265件，已办结264件。"
    assert figures(paragraph) == {"accepted": 265, "handled": 264}
    assert figures("（一）主动公开\n县长信箱收到信件，183条，答复183条。") == {}


def test_table_two_kinds_named_right_before_their_figure() -> None:
    text = "全年共办理行政许可26768件、行政处罚538件、行政强制95件。"
    assert figures(text) == {"licensing": 26768, "penalty": 538, "coercion": 95}
    text = "2021年制定并公开规范性文件0件，行政许可项目0项，行政处罚0件，行政强制0件。"
    assert figures(text) == {"normative_issued": 0, "penalty": 0, "coercion": 0}
    assert figures("公开行政处罚信息2条、行政许可93条。") == {}
    # documents published are not documents issued this year: "发布…规范性文件" says nothing
    assert figures("2022年我局主动公开政府信息960条，发布行政规范性文件4篇。") == {}
    assert figures("2023年度未制定发布、废止行政规范性文件。") == {
        "normative_issued": 0,
        "normative_repealed": 0,
    }


def test_applicants_listed_after_the_total() -> None:
    text = "全年办理政府信息公开申请7件，其中自然人6件，法人及其他组织1件，本机关不掌握4件。"
    assert figures(text) == {
        "handled": 7,
        "applicant_natural": 6,
        "applicant_org": 1,
        "unable_not_held": 4,
    }


def test_no_corrected_case_is_not_no_case() -> None:
    assert figures("全年共受理依申请公开4件，未发生被行政复议纠错或败诉情况。") == {"accepted": 4}


def test_carried_to_the_next_year_without_jie() -> None:
    text = "2022年共收到政府信息公开申请195件，上年结转3件，公开答复191件，转下年度办理7件。"
    assert figures(text) == {"new": 195, "carried_in": 3, "handled": 191, "carried_out": 7}


def test_holdout3_phrasings() -> None:
    # a request noun in a list of other things is no figure
    assert figures("主动公开政府信息6039条，梳理全区依申请及公共服务事项清单12项。") == {}
    # 公开政府信息的申请; applicants after the figure; 转结 (a common slip for 结转)
    assert figures("我局未收到任何单位、组织和个人要求有关公开政府信息的申请。") == {"new": 0}
    text = "共受理政府信息依申请公开3件，3件依申请公开申请人均为自然人。"
    assert figures(text) == {"accepted": 3, "applicant_natural": 3}
    text = "本年度新接收91件，2020年结转办理1件。除4件转结2022年办理以外，均依法依规完成答复。"
    assert figures("依申请公开情况：" + text, 2021) == {
        "new": 91,
        "carried_in": 1,
        "carried_out": 4,
    }
    # a noun alone gives way to a keyword: 92 is not "new"
    text = "全区累计处理政府信息依申请公开92件，其中，本年度新接收91件。"
    assert figures(text) == {"new": 91}


def test_holdout4_phrasings() -> None:
    text = "2022年，新受理政府信息公开申请17件，办结17件，上年转结政府信息公开申请0件，转下一年办理0件。"
    assert figures(text) == {"new": 17, "handled": 17, "carried_in": 0, "carried_out": 0}
    text = (
        "我局主动公开行政许可数量共2条，行政处罚本年处理决定数量803条，"
        "行政强制本年处理决定数量2条，行政事业性收费0元。"
    )
    assert figures(text) == {"licensing": 2, "penalty": 803, "coercion": 2, "fees": 0}
    assert figures("本年行政事业性收费25,000元。") == {"fees": 2.5}  # the table holds 万元
    # a keyword behind a comma speaks of something else
    text = "及时做好依申请公开的答复工作，1项当事人撤销信息公开申请，1项依规予以公开。"
    assert figures(text) == {"granted": 1}
    assert figures("在网站公示失效、废止的规范性文件和其他文件85件。") == {}


def test_holdout5_phrasings() -> None:
    text = "2024年，市民政局收到政府依申请公开31件，其中通过网络平台接收27件，信函渠道4件。"
    assert figures(text) == {"new": 31}
    text = "新收到政府信息公开申请3件，上年结转1件，共计4件。目前依法办结4件。下年度继续办理0件。"
    assert figures(text) == {
        "new": 3,
        "carried_in": 1,
        "accepted": 4,
        "handled": 4,
        "carried_out": 0,
    }
    assert figures("本年度共收到并妥善处理依申请公开信息13件。") == {"new": 13}
    # 处理 means the result total in one report and new + carried over in another
    assert figures("2024年处理依申请公开2件，均已答复。") == {}
    assert figures("依申请公开情况。年度内未申请公开件。") == {"new": 0}
    assert figures("共受理36件政府信息公开申请，无结转2024年继续办理件。") == {
        "accepted": 36,
        "carried_out": 0,
    }


def test_holdout6_phrasings() -> None:
    text = "主动公开本单位政府信息61条、行政复议决定书20份。未发生因政府信息公开所引发的行政复议、行政诉讼案件。"
    assert figures(text) == {"review_total": 0, "litigation_total": 0}
    text = "收到政府信息公开申请2件没有因政府信息公开申请行政复议、提起行政诉讼的情况发生。"
    assert figures(text) == {"new": 2, "review_total": 0, "litigation_total": 0}


def test_ambiguous_statements_say_nothing() -> None:
    # two values for one family: which is meant is unknown
    assert figures("全年收到政府信息公开申请5件。另据统计，本年收到政府信息公开申请6件。") == {}
    # a table row pasted into the text is not narrative
    assert (
        stated_figures("一、本年新收政府信息公开申请数量\t3\t0\t3\n尚未审结\t未经复议直接起诉")
        == []
    )
    assert stated_figures("") == []


def test_sentence_and_span_point_at_the_statement() -> None:
    text = "（二）依申请公开\n2023年，我局收到政府信息公开申请１２件，均已答复。"
    [figure] = stated_figures(text)
    assert figure == StatedFigure(
        "new", 12, "2023年，我局收到政府信息公开申请１２件，均已答复", figure.span
    )
    assert text[figure.span[0] : figure.span[1]] == "１２件"


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("十二", 12),
        ("一百零五", 105),
        ("两", 2),
        ("〇", 0),
        ("二十", 20),
        ("一千零一", 1001),
        ("三万五千", 35000),
        ("一〇五", 105),
        ("万", None),
        ("百", None),
        ("", None),
        ("十", 10),
    ],
)
def test_chinese_numbers(numeral: str, value: int | None) -> None:
    assert chinese_number(numeral) == value


# --- families and cells -----------------------------------------------------------------------


def test_every_family_maps_to_cells_of_the_form(form: Form) -> None:
    families = parse_families(FAMILIES_FILE.read_text(encoding="utf-8"))
    for family in families.values():
        for cells in (family.cells, *family.alternatives):
            assert set(cells) <= set(form.cells), family.key
    labelled = {k for r in _corpus() for k in r.get("stated", {})}
    assert labelled <= set(families)  # every hand label names a family the form knows


def test_agrees_reads_every_alternative() -> None:
    accepted = Family(
        "accepted", "受理", ("t3.new.total", "t3.carried_in.total"), (("t3.new.total",),)
    )
    figure = StatedFigure("accepted", 10, "共受理政府信息公开申请10件", (0, 3))
    assert agrees(figure, accepted, {"t3.new.total": 8, "t3.carried_in.total": 2}) is True
    assert agrees(figure, accepted, {"t3.new.total": 10, "t3.carried_in.total": 1}) is True
    assert agrees(figure, accepted, {"t3.new.total": 9, "t3.carried_in.total": 2}) is False
    assert agrees(figure, accepted, {"t3.carried_in.total": 2}) is None


def test_a_family_without_cells_is_refused() -> None:
    with pytest.raises(ValueError, match="no cells"):
        parse_families('[families.new]\ntitle = "x"\n')


# --- measured on real prose ---------------------------------------------------------------------


def _corpus() -> list[dict]:
    return tomllib.loads((PROSE / "index.toml").read_text(encoding="utf-8"))["report"]


def _extracted(report: dict) -> dict[str, float]:
    return figures((PROSE / report["file"]).read_text(encoding="utf-8"), report["year"])


def test_the_corpus_is_forty_real_reports_or_more() -> None:
    reports = _corpus()
    assert len(reports) >= 40
    assert len({r["url"] for r in reports}) == len(reports)
    for report in reports:
        assert (PROSE / report["file"]).is_file()
        assert 2021 <= report["year"] <= 2025
        opening = (PROSE / report["file"]).read_text(encoding="utf-8")
        assert "一、总体情况" in opening or "一、工作概述" in opening


def test_corpus_targets() -> None:
    """Zero false figures on reports whose tables agree with their text; at least 90% of stated
    new-application counts and 80% of the other stated figures extracted correctly."""
    new_hit = new_all = other_hit = other_all = 0
    for report in _corpus():
        labels = {k: float(v) for k, v in report.get("stated", {}).items()}
        got = _extracted(report)
        if report.get("tables_agree", True):
            false = {k: v for k, v in got.items() if labels.get(k) != v}
            assert not false, (report["file"], false)
        for family, value in labels.items():
            hit = got.get(family) == value
            if family == "new":
                new_hit, new_all = new_hit + hit, new_all + 1
            else:
                other_hit, other_all = other_hit + hit, other_all + 1
    assert new_all >= 30 and new_hit / new_all >= 0.90
    assert other_all >= 40 and other_hit / other_all >= 0.80


def test_the_real_mistake_in_the_corpus_is_found_and_agreeing_tables_give_no_warning() -> None:
    families = parse_families(FAMILIES_FILE.read_text(encoding="utf-8"))
    warned: set[str] = set()
    for report in _corpus():
        table = {k: float(v) for k, v in report.get("table", {}).items()}
        if not table:
            continue
        text = (PROSE / report["file"]).read_text(encoding="utf-8")
        for figure in stated_figures(text, report["year"]):
            if agrees(figure, families[figure.family], table) is False:
                warned.add(report["file"])
    # the tables of 长春市体育局 say 3 new applications, its prose "共受理政府信息公开申请2件"
    assert warned == {"02_changchun_tiyu_2023.txt"}


def test_no_unlabelled_figure_is_taken_from_the_corpus() -> None:
    # most reports state figures of other things (information items, hotline calls, visits)
    for report in _corpus():
        got = _extracted(report)
        assert set(got) <= set(report.get("stated", {})), report["file"]


@pytest.mark.parametrize(
    "text",
    [
        "行政复议" + "一" * 32_760,  # a run of numerals with no unit
        "1" * 32_766 + "件",
        "未收到" + "的" * 32_000,
        "收到" + " " * 32_000 + "1件",
        "1," * 16_000 + "件",
        ("件" * 10 + "1") * 2_900,
    ],
)
def test_a_hostile_cell_is_read_quickly(text: str) -> None:
    # a returned file's narrative cell holds up to 32,767 characters of anything
    started = time.perf_counter()
    stated_figures(text, 2023)
    assert time.perf_counter() - started < 2.0


def test_the_samples_narratives_agree_with_their_tables(form: Form) -> None:
    """What phase B will check, on the project's own samples: every figure the valid returned
    reports state agrees with their tables; the text-vs-table sample's 999 does not."""
    from toolkit.check.inspection import FileCheck
    from toolkit.xlsx.read import read_workbook

    families = parse_families(FAMILIES_FILE.read_text(encoding="utf-8"))
    check = FileCheck(form, "2023", "示范区")

    def verdicts(path: Path) -> list[tuple[str, float, bool | None]]:
        inspected = check.inspect(read_workbook(path, form))
        return [
            (figure.family, figure.value, agrees(figure, families[figure.family], inspected.values))
            for text in inspected.texts.values()
            for figure in stated_figures(text, 2023)
        ]

    valid = [v for path in sorted(SAMPLES.glob("returned/*.xlsx")) for v in verdicts(path)]
    assert len(valid) > 100
    assert all(agreed for _, _, agreed in valid)
    wrong = verdicts(SAMPLES / "returned" / "invalid" / "text-vs-table.xlsx")
    assert ("new", 999, False) in wrong
