"""The text-vs-table rule end to end (issue 15, phase B): a returned workbook whose narrative states
a figure its tables do not hold gets one warning at the narrative part, quoting the sentence beside
the table cell, in the check, the feedback copy and the findings workbook; an agreeing or an
ambiguous statement gets nothing."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from toolkit.check.check import check
from toolkit.core.bundled import STANDARD_FILE, bundled
from toolkit.form.contract import identity_for
from toolkit.form.fill import Fill
from toolkit.form.findings import Finding
from toolkit.form.form import Form, FormError
from toolkit.form.form_file import load_form, standard_form
from toolkit.form.layout import layout
from toolkit.inputs.roster import Agency
from toolkit.results.feedback import write_feedback
from toolkit.results.report import write_findings_workbook
from toolkit.template.workbook import write_workbook

YEAR = 2023
# 12 new requests (11 from individuals, 1 from an organisation), 1 carried in; 10 granted, 2
# partly, 1 carried out: every table rule holds.
VALUES = {
    "t3.new.natural": 11, "t3.new.business": 1, "t3.carried_in.natural": 1,
    "t3.granted.natural": 9, "t3.granted.business": 1, "t3.partial.natural": 2,
    "t3.carried_out.natural": 1,
}  # fmt: skip
OTHER_PARTS = {
    "s1.active": "本年度通过门户网站主动公开政府信息。",
    "s1.management": "严格落实保密审查。",
    "s1.platform": "门户网站运行平稳。",
    "s1.oversight": "明确专人负责。",
    "s5.problems": "公开内容不够全面。",
    "s5.improvements": "加强培训。",
    "s6.fees": "本年度未收取信息处理费。",
}


def _report(tmp_path: Path, form: Form, request: str, **values: float) -> Path:
    path = tmp_path / f"QK005-{abs(hash(request)) % 10_000}.xlsx"
    write_workbook(
        path,
        form=form,
        identity=identity_for(
            form, Agency(code="QK005", name="区民政局"), YEAR, "示范区", datetime(2023, 12, 1)
        ),
        password="x",
        fill=Fill(values={**VALUES, **values}, texts={**OTHER_PARTS, "s1.request": request}),
    )
    return path


def _text_vs_table(path: Path, year: int | None = YEAR) -> list[Finding]:
    (result,) = check([path], form=standard_form(), year=year).files
    assert not [f for f in result.findings if f.severity == "error"], result.findings
    return [f for f in result.findings if f.code == "text-vs-table"]


def _request_cell(form: Form) -> tuple[str, str]:
    sheet = next(s for s in layout(form) if "s1.request" in s.cells)
    return sheet.name, sheet.cells["s1.request"].ref


def test_a_different_number_is_one_warning_quoting_the_sentence(form: Form, tmp_path: Path) -> None:
    text = "2023年，本机关共收到政府信息公开申请13件，上年结转1件，均已按时办结。"
    (finding,) = _text_vs_table(_report(tmp_path, form, text))
    assert finding.severity == "warning"
    assert (finding.sheet, finding.cell) == _request_cell(form)  # at the narrative part
    assert finding.row_label == "（二）依申请公开"
    assert (finding.expected, finding.actual) == (12, 13)  # the table's, the text's
    assert finding.message.startswith(
        "文中：“2023年，本机关共收到政府信息公开申请13件，上年结转1件，均已按时办结”；"
        "表三“本年新收政府信息公开申请数量” = 12。文中写13，表格为12"
    )


def test_agreeing_figures_say_nothing(form: Form, tmp_path: Path) -> None:
    text = (
        "2023年，本机关共收到政府信息公开申请十二件（其中自然人申请11件，法人或其他组织申请1件），"
        "上年结转1件。已答复12件，其中予以公开10件、部分公开2件；另1件结转下一年度继续办理。"
    )
    assert _text_vs_table(_report(tmp_path, form, text)) == []


@pytest.mark.parametrize(
    "text",
    [
        # one family given two values: which one is meant is unknown
        "本年新收政府信息公开申请13件。经核实，本年新收政府信息公开申请12件。",
        # 受理 is new + carried over, or only new: 12 is the second reading
        "本年共受理政府信息公开申请12件。",
        # the figures of other things
        "本年收到政府信息公开申请12件，收到网民留言30件，行政许可申请5件。",
    ],
)
def test_an_ambiguous_or_other_figure_says_nothing(form: Form, tmp_path: Path, text: str) -> None:
    assert _text_vs_table(_report(tmp_path, form, text)) == []


def test_the_batch_year_tells_a_carry_over_by_year(form: Form, tmp_path: Path) -> None:
    """ "结转至2024年" in a 2023 report is carried out (the table says 1), "结转至2023年" carried
    in; without --year the batch's own year (the files') decides."""
    path = _report(tmp_path, form, "本年新收政府信息公开申请12件，2件结转至2024年继续办理。")
    (finding,) = _text_vs_table(path)
    assert "表三“结转下年度继续办理” = 1" in finding.message
    assert (finding.expected, finding.actual) == (1, 2)
    assert _text_vs_table(path, year=None) == [finding]
    path = _report(tmp_path, form, "本年新收政府信息公开申请12件，2022年结转至2023年的1件已办结。")
    assert _text_vs_table(path) == []


def test_a_hostile_sentence_is_quoted_short_and_inert(form: Form, tmp_path: Path) -> None:
    text = "说明" * 200 + "\u202e本年新收政府信息公开申请13件" + "的" * 200 + "。"
    (finding,) = _text_vs_table(_report(tmp_path, form, text))
    assert "\u202e" not in finding.message and "\\u202e" in finding.message
    quoted = finding.message.split("”；")[0]
    assert quoted.startswith("文中：“…") and quoted.endswith("…") and len(quoted) < 140


def test_feedback_comment_and_findings_workbook_show_sentence_and_cell(
    form: Form, tmp_path: Path
) -> None:
    path = _report(tmp_path, form, "本年新收政府信息公开申请13件，均按时答复。")
    report = check([path], form=form, year=YEAR)
    side_by_side = (
        "文中：“本年新收政府信息公开申请13件，均按时答复”；表三“本年新收政府信息公开申请数量” = 12"
    )
    files, _ = write_feedback(
        report, tmp_path / "feedback", form=form, password="x", deadline=date(2024, 1, 20),
        today=date(2024, 1, 16),
    )  # fmt: skip
    (copy,) = files
    assert copy.workbook is not None
    sheet, ref = _request_cell(form)
    comment = openpyxl.load_workbook(copy.workbook)[sheet][ref].comment
    assert comment is not None and comment.text.startswith("【提示】" + side_by_side)
    assert copy.email is not None and side_by_side in copy.email.read_text(encoding="utf-8")

    out = tmp_path / "审核结果.xlsx"
    write_findings_workbook(report, out, form=form, feedback={})
    rows = list(openpyxl.load_workbook(out)["问题清单"].iter_rows(min_row=2, values_only=True))
    (row,) = [r for r in rows if r[0] == "text-vs-table"]
    assert row[5:11] == (sheet, ref, "（二）依申请公开", "", 12, 13)  # sheet … 应为 实为
    assert row[11].startswith(side_by_side)


def _form_with(tmp_path: Path, old: str, new: str, families: bool = True) -> Path:
    text = bundled(STANDARD_FILE).read_text(encoding="utf-8")
    assert old in text
    (tmp_path / STANDARD_FILE).write_text(text.replace(old, new), encoding="utf-8")
    if families:
        (tmp_path / "gov-info-2021-figures.toml").write_bytes(
            bundled("gov-info-2021-figures.toml").read_bytes()
        )
    return tmp_path / STANDARD_FILE


def test_the_families_file_comes_with_the_form_file(tmp_path: Path) -> None:
    """The loader reads the families file the form file names from the form file's folder (a new
    form version brings its own), else from the shipped templates. (The district draft's sentences
    name families the one-family file lacks: this form file goes without them.)"""
    path = _form_with(tmp_path, 'kind = "stated-figure"\n', 'kind = "stated-figure"\n')
    text = re.sub(r', draft = "[^"]*"', "", path.read_text(encoding="utf-8"))
    path.write_text(re.sub(r'(?m)^draft = "[^"]*"\n', "", text), encoding="utf-8")
    (tmp_path / "gov-info-2021-figures.toml").write_text(
        '[families.new]\ntitle = "新收"\ncells = ["t3.new.total"]\n', encoding="utf-8"
    )
    (rule,) = [r for r in load_form(path).rules if r.id == "text-vs-table"]
    assert [f.key for f in rule.families] == ["new"]
    assert [i.anchor for i in rule.instances] == list(rule.parts)
    (tmp_path / "gov-info-2021-figures.toml").unlink()
    (rule,) = [r for r in load_form(path).rules if r.id == "text-vs-table"]
    assert {f.key for f in rule.families} >= {"new", "accepted", "review_total", "fees"}
    assert len(rule.instances) == len(rule.parts) * len(rule.families)
    path.write_text(
        path.read_text(encoding="utf-8").replace("gov-info-2021-figures", "gov-info-2030-figures"),
        encoding="utf-8",
    )
    with pytest.raises(
        FormError, match=r"规则 text-vs-table：无法读取 gov-info-2030-figures\.toml"
    ):
        load_form(path)


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ('kind = "stated-figure"', 'kind = "text-figure"', 'text-figure 已停用，请改用 kind = "stated-figure"'),
        ('figures = "gov-info-2021-figures.toml"', 'figures = "../figures.toml"', "同一文件夹"),
        ('figures = "gov-info-2021-figures.toml"',
         'figures = "gov-info-2021-figures.toml"\nfamilies = ["new", "visitors"]', "visitors"),
    ],
)  # fmt: skip
def test_the_loader_refuses_a_broken_stated_figure_rule(
    tmp_path: Path, old: str, new: str, says: str
) -> None:
    with pytest.raises(FormError, match=r"text-vs-table|第") as error:
        load_form(_form_with(tmp_path, old, new))
    assert says in str(error.value)
