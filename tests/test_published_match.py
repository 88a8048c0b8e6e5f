"""Finding the form's tables and sections in a published report, whatever shape the site gave them.

The documents here are built as the format readers give them (toolkit/published/published_source.py): the
tables as grids with merged cells expanded, text as lines. Each test is one variation real reports
show (tests/reference/published/ has the real reports themselves, tested in test_import.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.form.form_file import standard_form
from toolkit.published.published import match_report
from toolkit.published.published_source import (
    Covered,
    Place,
    SourceCell,
    SourceDocument,
    SourceKind,
    SourceLine,
    SourceRow,
    SourceTable,
)
from toolkit.published.published_tables import normalise

FORM = standard_form()
SEED = Path(__file__).parent / "reference" / "000_257bd34ea451c6a3.txt"
T3 = FORM.tables["t3"]


def lines(text: str) -> list[SourceLine]:
    return [SourceLine(text=t, place=Place(line=i + 1)) for i, t in enumerate(text.splitlines())]


def document(*blocks: SourceLine | SourceTable | list[SourceLine]) -> SourceDocument:
    flat: list[SourceLine | SourceTable] = []
    for block in blocks:
        flat.extend(block if isinstance(block, list) else [block])
    return SourceDocument(kind=SourceKind.HTML, blocks=tuple(flat))


def grid(
    rows: list[list[tuple[str, Covered] | str]], table: int = 1, page: int | None = None
) -> SourceTable:
    out = []
    for r, row in enumerate(rows):
        cells = tuple(
            SourceCell(text=c, covered=Covered.NO)
            if isinstance(c, str)
            else SourceCell(text=c[0], covered=c[1])
            for c in row
        )
        out.append(SourceRow(cells=cells, place=Place(page=page, table=table, row=r + 1)))
    return SourceTable(rows=tuple(out), place=Place(page=page, table=table))


def t3_grid(figure: dict[str, list[str]], *, label: callable = lambda s: s) -> list[list]:  # type: ignore[valid-type]
    """表三 as Word draws it: group labels merged down (rowspan), one-level rows merged across
    the three label columns (colspan), then the seven figures."""
    corner = T3.blocks[0].corner
    rows: list[list] = [  # the header, as merged cells repeat it
        [corner, (corner, Covered.FROM_LEFT), (corner, Covered.FROM_LEFT)] + ["申请人情况"] * 7,
        [(corner, Covered.FROM_ABOVE)] * 3 + ["自然人"] + ["法人或其他组织"] * 5 + ["总计"],
        [(corner, Covered.FROM_ABOVE)] * 3
        + [
            ("自然人", Covered.FROM_ABOVE),
            "商业企业",
            "科研机构",
            "社会公益组织",
            "法律服务机构",
            "其他",
        ]
        + [("总计", Covered.FROM_ABOVE)],
    ]
    previous: tuple[str, ...] = ()
    for row in T3.rows:
        path = [label(p) for p in row.path]
        cells: list = []
        for depth in range(3):
            if depth < len(path) - 1:
                covered = previous[: depth + 1] == tuple(path[: depth + 1])
                cells.append((path[depth], Covered.FROM_ABOVE if covered else Covered.NO))
            elif depth == len(path) - 1:
                cells.append(path[depth])
            else:
                cells.append((path[-1], Covered.FROM_LEFT))
        rows.append(cells + figure.get(row.key, ["0"] * 7))
        previous = tuple(path)
    return rows


def problems_in(report, table: str) -> list:  # type: ignore[no-untyped-def]
    return [p for p in report.problems if p.keys[0].startswith(table + ".")]


def test_the_seed_text_gives_every_cell_its_title_and_every_part() -> None:
    report = match_report(
        document(lines(SEED.read_text(encoding="utf-8"))), FORM, source="seed.txt", sha256=""
    )
    assert report.title.agency == "科技局" and report.title.year == 2023
    assert not report.problems
    assert set(report.values(FORM)) == {c.key for c in FORM.inputs}
    assert all(v == 0 for v in report.values(FORM).values())
    assert set(report.sections) == {s.key for s in FORM.sections}
    assert "门户网站主动公开信息 14 条" in report.texts["s1.active"]
    # the seed's heading variant goes to its part, not to the part before it
    assert report.texts["s1.oversight"].startswith("2023 年，我局政务信息公开严格落实")
    assert "无其他需要报告的事项" in report.texts["s6.fees"]
    # table rows of plain text are not narrative
    assert not any("本年新收" in text for text in report.texts.values())


def test_merged_cells_are_read_once_and_placeholders_are_kept_as_text() -> None:
    figures = {
        "new": ["3", "1", "0", "0", "0", "0", "4"],
        "granted": ["2", "/", "", "0", "0", "0", "2"],
        "carried_out": ["1", "1", "0", "0", "0", "0", "2"],
    }
    report = match_report(document(grid(t3_grid(figures))), FORM, source="x", sha256="")
    assert not problems_in(report, "t3")
    assert report.cells["t3.new.natural"].value == 3
    assert report.cells["t3.new.total"].value == 4
    assert report.cells["t3.granted.business"].text == "/"
    assert report.cells["t3.granted.business"].value is None
    assert report.cells["t3.granted.research"].text == ""
    assert report.raw(FORM) == {"t3.granted.business": "/", "t3.granted.research": ""}
    assert report.cells["t3.carried_out.total"].place.row == 3 + len(T3.rows)  # under the header


@pytest.mark.parametrize(
    "variant",
    [
        lambda s: s.replace("（", "(").replace("）", ")").replace("，", ","),  # half-width
        lambda s: s.replace(".", ". "),  # "1. 属于国家秘密"
        lambda s: s.replace("“", '"').replace("”", '"'),  # straight quotes
        lambda s: s[:4] + "\n" + s[4:],  # a line break inside the cell
        lambda s: s.replace("1.", "1、").replace("2.", "2、").replace("3.", "3、"),
    ],
    ids=["half-width", "space-after-number", "straight-quotes", "line-break", "ideographic-comma"],
)
def test_labels_are_matched_after_normalisation(variant) -> None:  # type: ignore[no-untyped-def]
    figures = {"withheld_safety": ["0", "0", "5", "0", "0", "0", "5"]}
    report = match_report(
        document(grid(t3_grid(figures, label=variant))), FORM, source="x", sha256=""
    )
    assert not problems_in(report, "t3")
    assert report.cells["t3.withheld_safety.research"].value == 5


def test_a_table_split_across_pages_is_joined_by_its_labels() -> None:
    rows = t3_grid({"carried_out": ["7", "0", "0", "0", "0", "0", "7"]})
    first = grid(rows[:13], table=3, page=2)  # the header and ten rows
    second = grid(rows[13:], table=4, page=3)  # page 3 starts mid-table, with its group labels
    report = match_report(document(first, lines("- 3 -"), second), FORM, source="x", sha256="")
    assert not problems_in(report, "t3")
    assert report.cells["t3.carried_out.natural"].value == 7
    assert report.cells["t3.carried_out.natural"].place.page == 3


def test_rows_that_cannot_be_read_are_listed_never_guessed() -> None:
    rows = t3_grid({})
    rows[3] = [*rows[3][:3], "3", "1", "4"]  # three figures for seven columns
    del rows[3 + 5]  # a row the site left out
    twice = t3_grid({"granted": ["9", "0", "0", "0", "0", "0", "9"]})[3 + 2]
    report = match_report(document(grid(rows), grid([twice], table=2)), FORM, source="x", sha256="")
    problems = {p.reason: p for p in problems_in(report, "t3")}
    # fewer figures than columns: said so (3 of 7), not "columns unclear" nor "row not found"
    assert set(problems) == {"import-row-short", "import-row-missing", "import-row-twice"}
    assert problems["import-row-short"].keys[0] == "t3.new.natural"
    assert problems["import-row-short"].place == Place(table=1, row=4)
    assert problems["import-row-short"].detail == "3/7"
    missing_row = T3.rows[5].key
    assert problems["import-row-missing"].keys[0] == f"t3.{missing_row}.natural"
    assert problems["import-row-twice"].keys[0] == "t3.granted.natural"
    for problem in problems_in(report, "t3"):
        assert not set(problem.keys) & set(report.cells)  # nothing of those rows is taken
    assert {p.reason for p in report.problems if not p.keys[0].startswith("t3.")} == {
        "import-table-missing"
    }  # 表二 and 表四: one line each, not one per row
    assert set(report.missing(FORM)) == {
        k for p in report.problems for k in p.keys if not FORM.cells[k].is_total
    }


def test_table_two_in_one_grid_with_single_figures_spanning_the_columns() -> None:
    """One 4-column table for all four blocks, as many sites draw 表二: a single-figure row's
    cell spans the three figure columns."""
    span = Covered.FROM_LEFT
    rows = [
        [
            "第二十条第（一）项",
            ("第二十条第（一）项", span),
            ("第二十条第（一）项", span),
            ("第二十条第（一）项", span),
        ],
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "0", "0", "0"],
        ["行政规范性文件", "3", "1", "25"],
        [
            "第二十条第（五）项",
            ("第二十条第（五）项", span),
            ("第二十条第（五）项", span),
            ("第二十条第（五）项", span),
        ],
        ["信息内容", "本年处理决定数量", ("本年处理决定数量", span), ("本年处理决定数量", span)],
        ["行政许可", "1,234", ("1,234", span), ("1,234", span)],
        ["第二十条第（六）项", ("x", span), ("x", span), ("x", span)],
        ["信息内容", "本年处理决定数量", ("本年处理决定数量", span), ("本年处理决定数量", span)],
        ["行政处罚", "56", ("56", span), ("56", span)],
        ["行政强制", "0", ("0", span), ("0", span)],
        ["第二十条第（八）项", ("x", span), ("x", span), ("x", span)],
        ["信息内容", "本年收费金额（单位：万元）", ("x", span), ("x", span)],
        ["行政事业性收费", "0.35", ("0.35", span), ("0.35", span)],
    ]
    report = match_report(document(grid(rows)), FORM, source="x", sha256="")
    t2 = {k: c.value for k, c in report.cells.items() if k.startswith("t2.")}
    assert t2 == {
        "t2.regulations.issued": 0,
        "t2.regulations.repealed": 0,
        "t2.regulations.in_force": 0,
        "t2.normative.issued": 3,
        "t2.normative.repealed": 1,
        "t2.normative.in_force": 25,
        "t2.licensing.decisions": 1234,
        "t2.penalty.decisions": 56,
        "t2.coercion.decisions": 0,
        "t2.fees.fee_amount": 0.35,
    }
    assert "t2" not in report.headers_missing


def test_the_2019_table_two_is_not_read_as_the_2021_one() -> None:
    """The 2019 form's 表二 has other columns under some of the same row labels: its headers are
    named as missing, so the import is not complete."""
    rows = [
        ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
        ["规章", "0", "0", "0"],
        ["规范性文件", "2", "2", "9"],
    ]
    report = match_report(document(grid(rows)), FORM, source="x", sha256="")
    assert "本年制发件数" in report.headers_missing["t2"]
    assert "t2.normative.issued" in report.missing(FORM)


def test_table_four_is_the_row_of_figures_under_its_header() -> None:
    header_1 = ["行政复议"] * 5 + ["行政诉讼"] * 10
    header_2 = (
        ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
        + ["未经复议直接起诉"] * 5
        + ["复议后起诉"] * 5
    )
    header_3 = [""] * 5 + ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2
    figures = [str(n) for n in range(15)]
    report = match_report(
        document(lines("- 4 -"), grid([header_1, header_2, header_3, figures])),
        FORM,
        source="x",
        sha256="",
    )
    assert not problems_in(report, "t4")
    keys = [f"t4.cases.{c.key}" for c in FORM.tables["t4"].columns]
    assert [report.cells[k].value for k in keys] == list(range(15))


def test_headings_with_their_first_sentence_and_variant_section_titles() -> None:
    text = "\n".join(
        [
            "区统计局2023年政府信息公开工作年度报告",
            "一、总体情况",
            "（一）主动公开情况。2023年，我局主动在门户网站公开政府信息50条。",
            "（二）依申请公开情况：本年度未收到政府信息公开申请。",
            "（三）处理群众咨询和投诉工作情况。本年度共处理群众留言92条。",
            "四、因政府信息公开工作被申请行政复议和提起行政诉讼情况",
            "五、存在的主要问题和改进措施",
            "一是公开内容不够全面。",
            "六、其他需要报告的事项",
            "本年度未收取信息处理费。",
        ]
    )
    report = match_report(document(lines(text)), FORM, source="x", sha256="")
    assert report.title.agency == "区统计局" and report.title.year == 2023
    assert report.texts["s1.active"] == "2023年，我局主动在门户网站公开政府信息50条。"
    # a heading that is no part of the form stays with the part before it, whole
    assert report.texts["s1.request"] == (
        "本年度未收到政府信息公开申请。\n（三）处理群众咨询和投诉工作情况。本年度共处理群众留言92条。"
    )
    assert set(report.sections) == {"s1", "s4", "s5", "s6"}
    assert report.texts["s5.problems"] == "一是公开内容不够全面。"
    assert report.texts["s6.fees"] == "本年度未收取信息处理费。"


@pytest.mark.parametrize(
    ("title", "agency", "year"),
    [
        ("科技局 2023 年政府信息公开工作年度报告", "科技局", 2023),
        ("2022年上海市政府信息公开工作年度报告", "上海市", 2022),
        (
            "庆阳市人民政府政务服务中心2023年政府信息公开工作年度报告",
            "庆阳市人民政府政务服务中心",
            2023,
        ),
        ("子长市人民政府2023年度政府信息公开工作报告", "子长市人民政府", 2023),
    ],
)
def test_titles_give_agency_and_year(title: str, agency: str, year: int) -> None:
    report = match_report(document(lines(title)), FORM, source="x", sha256="")
    assert (report.title.agency, report.title.year) == (agency, year)


def test_normalise_ignores_width_spaces_and_punctuation_only() -> None:
    assert normalise("（二）部分公开 (区分处理的, 只计这一情形)") == normalise(
        "（二）部分公开（区分处理的，只计这一情形）"
    )
    assert normalise("1. 属于国家秘密") == normalise("1.属于国家秘密")
    assert normalise("行政许可") != normalise("行政处罚")


def test_a_misprinted_label_is_read_where_its_row_must_be_and_named() -> None:
    """A real report (洪泽区 2023) prints 「2.其他法律行政止公开」 for 2.其他法律行政法规禁止公开;
    OCR misreads labels the same way. The row between its neighbours with a nearly equal label
    is read, and named in the log; a near label elsewhere in the table is not taken."""
    figures = {"withheld_law": ["1", "0", "0", "0", "0", "0", "1"]}
    misprint = t3_grid(figures, label=lambda s: s.replace("法规禁止公开", "止公开"))
    report = match_report(document(grid(misprint)), FORM, source="x", sha256="")
    assert not problems_in(report, "t3")
    assert report.cells["t3.withheld_law.natural"].value == 1
    (loose,) = report.loose
    assert loose.reason == "import-label-similar" and loose.detail.endswith("2.其他法律行政止公开")
    assert loose.place.row == 3 + 6  # the header's three rows, then the sixth row of 表三
    moved = misprint[: 3 + 5] + misprint[3 + 6 :] + [misprint[3 + 5]]  # now after 四、结转下年度
    report = match_report(document(grid(moved)), FORM, source="x", sha256="")
    assert "t3.withheld_law.natural" not in report.cells
    assert [p.reason for p in problems_in(report, "t3")] == ["import-row-missing"]


def test_ocr_zeros_run_together_are_cells_of_zero_only_when_that_fits() -> None:
    """OCR reads 「0 0」 in neighbouring cells as 「00」 (the real 洪泽区 scan does). A run of
    zeros is that many cells of 0 when it makes the row exactly the form's width; otherwise, and
    in text that was not OCR'd, the row is not lined up (listed, never guessed)."""

    def read(line: str, ocr: bool) -> dict[str, str]:
        header = SourceLine(
            text="自然人  商业企业  科研机构  总计", place=Place(page=1, line=1), ocr=ocr
        )
        block = SourceLine(text=line, place=Place(page=1, line=2), ocr=ocr)
        report = match_report(document([header, block]), FORM, source="x", sha256="")
        return {k: c.text for k, c in report.cells.items() if k.startswith("t3.granted.")}

    assert list(read("(一) 予以公开 50 0 00 0 0 50", ocr=True).values()) == [
        "50", "0", "0", "0", "0", "0", "50"
    ]  # fmt: skip
    assert read("(一) 予以公开 50 0 00 0 0 50", ocr=False) == {}
    assert read("(一) 予以公开 50 00 00 0 0 50", ocr=True) == {}  # 8 cells: does not fit


def test_a_label_wrapped_over_two_lines_of_text_is_read_as_one() -> None:
    """A scan's row 「5.要求行政机关确认或重新出具 / 已获取信息 0 0 0 0 0 0 0」 comes out of OCR as
    two lines; the label line and the figures line are read together."""
    text = "自然人  商业企业  总计\n5.要求行政机关确认或重新出具\n已获取信息  0 0 2 0 0 0 2\n"
    report = match_report(document(lines(text)), FORM, source="x", sha256="")
    assert report.cells["t3.declined_confirm.research"].value == 2
    assert report.cells["t3.declined_confirm.research"].place == Place(line=3)
