"""A report's outline as real reports write it (issue 25, part 2): markdown and bold headings,
run-in part headings, a report's own numbering recognised by the form's section titles, an
undivided 五 split only where one sentence turns to improvements, a closing signature kept apart.

Inputs are real reports of the corpus (tests/reference/published/, tests/reference/layouts/). Where
no real report with an outline was at hand (a department numbering its whole report under 一, a
signature), a real report's text is re-numbered or given a closing here, in the open: the change
is the one thing the test is about, the rest of the text stays real.
"""

from __future__ import annotations

import re
from pathlib import Path

from toolkit.form.form_file import standard_form
from toolkit.published.published import Published, read_report

FORM = standard_form()
HERE = Path(__file__).parent / "reference"
LAYOUTS = HERE / "layouts"
CORPUS = HERE / "published"


def read_text(tmp_path: Path, text: str, name: str = "report.txt") -> Published:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_report(path, FORM)


def test_markdown_headings_and_bold_run_in_parts() -> None:
    """pymupdf4llm writes `# title`, `## 二、…` and 「（五） **政府信息公开监督保障情况** 。进一步…」:
    no mark reaches the agency, a heading or a text; the run-in heading starts its part."""
    read = read_report(LAYOUTS / "hongze_zfb_2023.pymupdf4llm.md", FORM)
    assert read.title.agency == "洪泽区人民政府"
    assert set(read.sections) == {"s1", "s2", "s3", "s4", "s5", "s6"}
    assert read.texts["s1.oversight"].startswith("进一步细化分解")
    assert read.texts["s1.management"].startswith("加强区政府门户网站")
    for text in read.texts.values():
        assert not re.search(r"[#*|]|^- \d+ -$", text, re.M), text


def test_an_undivided_five_is_split_at_its_one_turn_to_improvements() -> None:
    """洪泽 2023 prints 五 as one block; one sentence begins 「针对存在问题，下一步，…」."""
    read = read_report(LAYOUTS / "hongze_zfb_2023.pdftotext-layout.txt", FORM)
    assert read.texts["s5.problems"].endswith("有待加强等。")
    assert read.texts["s5.improvements"].startswith("针对存在问题，下一步")
    assert any("已在“针对存在问题" in note for note in read.notes)


def test_an_undivided_five_with_two_turns_is_kept_whole_with_a_note() -> None:
    """The seed report's 五 is two numbered problems, each with its own 「下一步，…」: no one place
    divides problems from improvements, so nothing is divided and a note says so."""
    read = read_report(CORPUS / "erqi_keji_2023.txt", FORM)
    assert "s5.improvements" not in read.texts
    assert read.texts["s5.problems"].count("下一步") == 2
    assert any("找不到唯一的分界" in note for note in read.notes)


def test_five_with_its_part_headings_is_not_touched() -> None:
    read = read_report(CORPUS / "shanghai_bgt_2019.html", FORM)
    assert read.texts["s5.problems"].startswith("一是新《条例》实施后")
    assert read.texts["s5.improvements"].startswith("一是深入做好")
    assert not read.notes


def test_run_in_part_heading_with_its_text_on_the_same_line(tmp_path: Path) -> None:
    """「（二）改进措施。一是深入做好…」: the heading starts the part, the text after it is the
    part's (上海 2019 as Chromium copies it, with that heading run into its paragraph)."""
    text = (LAYOUTS / "shanghai_bgt_2019.chromium-innertext.txt").read_text("utf-8")
    run_in = re.sub(r"（二）改进措施\s*\n+", "（二）改进措施。", text, count=1)
    assert run_in != text
    read = read_text(tmp_path, run_in)
    assert read.texts["s5.improvements"].startswith("一是深入做好《条例》的贯彻落实")
    assert "改进措施" not in read.texts["s5.problems"]


def test_a_report_numbered_under_one_is_read_by_its_section_titles(tmp_path: Path) -> None:
    """A provincial department's outline: the whole report under 「一、」, its sections numbered
    （一）…（六） and their parts 1. 2. … (平潭 2024 re-numbered so): each section and part is
    found by its title, as in the original."""
    original_path = LAYOUTS / "pingtan_2024.html2text.md"
    original = read_report(original_path, FORM)
    lines = []
    for line in original_path.read_text("utf-8").splitlines():
        line = re.sub(r"^([一二三四五六])、", r"（\1）", line)
        line = re.sub(
            r"^（([一二三四五])）(?=\S+方面)", lambda m: f"{'一二三四五'.index(m[1]) + 1}.", line
        )
        lines.append(line)
    renumbered = "一、2024年政府信息公开工作年度报告\n\n" + "\n".join(lines)
    assert (
        "（三）收到和处理政府信息公开申请情况" in renumbered and "\n2.依申请公开方面" in renumbered
    )
    read = read_text(tmp_path, renumbered, "report.md")
    assert set(read.sections) == set(original.sections) == {"s1", "s2", "s3", "s4", "s5", "s6"}
    assert read.texts == original.texts
    assert read.cells.keys() == original.cells.keys()


def test_a_closing_signature_is_kept_apart_from_six(tmp_path: Path) -> None:
    """A signature and date after 六's text (on two lines, or on one once a PDF's lines are
    joined) is the report's closing, not part of 六; a last sentence that only mentions a date
    stays in 六."""
    text = (LAYOUTS / "hongze_zfb_2024.pdftotext-layout.txt").read_text("utf-8")
    plain = read_text(tmp_path, text, "plain.txt")
    fees = plain.texts["s6.fees"]
    assert fees.endswith("0 元。") and not plain.closing
    for closing in (
        "淮安市洪泽区人民政府办公室\n2025年1月20日",
        "淮安市洪泽区人民政府办公室 2025年1月20日",
    ):
        read = read_text(tmp_path, f"{text}\n{closing}\n", "signed.txt")
        assert read.texts["s6.fees"] == fees
        assert read.closing.split() == closing.split()
    dated = read_text(tmp_path, f"{text}\n本报告于2025年1月20日发布。\n", "dated.txt")
    assert dated.texts["s6.fees"].endswith("本报告于2025年1月20日发布。") and not dated.closing


def test_parts_numbered_one_two_under_the_form_sections() -> None:
    """Real reports that number 一、总体情况's parts 「1.主动公开情况。…」 (盐城水利 2022), and one
    with （一） parts whose paragraphs list (1) (2) (晋安财政 2023): the parts are the nearest
    finer numbering, a paragraph's own list stays in its part."""
    prose = HERE / "prose"
    arabic = read_report(prose / "117_yancheng_shuili_2022.txt", FORM)
    assert arabic.texts["s1.request"].startswith("2022年,我局办理依申请公开事项7件")
    assert "我局办理依申请公开事项" not in arabic.texts["s1.active"]
    nested = read_report(prose / "74_jinan_caizheng_2023.txt", FORM)
    assert nested.texts["s1.active"].startswith("(1)主动公开政府信息的数量")
    assert "回应社会关切" in nested.texts["s1.active"]
    assert nested.texts["s1.request"].startswith("受理申请的数量")
