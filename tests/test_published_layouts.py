"""Real reports turned into text by real programs, in every layout such text comes in, imported:
`pdftotext -layout` (columns aligned with spaces), pymupdf4llm and html2text (markdown pipe
tables, with and without outer pipes, `<br>` in cells), Chromium's innerText (one cell a line, as
a browser copies a table), w3m -dump (box-drawn tables) and lynx -dump (one cell a line, blank
cells lost). The fixtures in tests/reference/layouts/ were made once from the corpus's real
reports (that folder's README says how); each must give exactly the figures the corpus's
hand-transcribed expected file holds for its source report, and where a layout has lost a blank
cell, the row is listed as short, never filled by guess.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from toolkit.cli.cli import app
from toolkit.form.form_file import standard_form
from toolkit.form.layout import layout
from toolkit.published.published import Published, read_report

FORM = standard_form()
LAYOUTS = Path(__file__).parent / "reference" / "layouts"
CORPUS = Path(__file__).parent / "reference" / "published"
FIXTURES = sorted(
    p for p in LAYOUTS.iterdir() if p.suffix in {".txt", ".md"} and p.name != "README.md"
)
# lynx drops the blank cells of 上海's table (one cell a line, nothing where a cell is empty)
LOSSY = {"shanghai_bgt_2019.lynx-dump.txt"}
WHERE = {key: (sheet.name, area.ref) for sheet in layout(FORM) for key, area in sheet.cells.items()}


def truth(fixture: Path) -> dict:  # type: ignore[type-arg]
    source = fixture.name.split(".")[0]
    return tomllib.loads((CORPUS / f"{source}.expected.toml").read_text("utf-8"))


def wrong_cells(read: Published, cells: dict[str, object]) -> list[str]:
    wrong = []
    for key, value in cells.items():
        got = read.cells.get(key)
        if got is None:
            continue
        if isinstance(value, str):
            if got.value is not None or got.text != value:
                wrong.append(f"{key}: read {got.text!r}, expected the text {value!r}")
        elif got.value != value:
            wrong.append(f"{key}: read {got.text!r}, expected {value!r}")
    return wrong


def test_every_layout_has_a_fixture_and_its_source_in_the_corpus() -> None:
    kinds = {p.name.split(".")[1] for p in FIXTURES}
    assert {"pdftotext-layout", "pymupdf4llm", "html2text", "chromium-innertext"} <= kinds
    assert {"w3m-dump", "lynx-dump"} <= kinds
    for fixture in FIXTURES:
        assert truth(fixture)["cells"], fixture.name
        assert fixture.stat().st_size < 100_000


@pytest.mark.parametrize(
    "fixture", [p for p in FIXTURES if p.name not in LOSSY], ids=lambda p: p.name
)
def test_every_figure_of_the_source_is_read_from_its_text(fixture: Path) -> None:
    expected = truth(fixture)
    read = read_report(fixture, FORM)
    missing = sorted(set(expected["cells"]) - set(read.cells))
    assert not missing, missing
    assert not wrong_cells(read, expected["cells"])
    assert not sorted(set(read.cells) - set(expected["cells"]))
    not_found = {k for p in read.problems for k in p.keys}
    assert set(expected.get("missing", [])) <= not_found
    assert not read.loose or all(p.reason == "import-label-similar" for p in read.loose)


def test_a_row_that_lost_its_blank_cells_is_listed_as_short_not_guessed(tmp_path: Path) -> None:
    """lynx prints 上海's 表三 one cell a line and nothing for a blank cell: no row can be placed
    with certainty, so none is read; each is listed as short (how many figures for how many
    columns), a row with every cell blank as 0 of 7, and none as not found."""
    fixture = LAYOUTS / "shanghai_bgt_2019.lynx-dump.txt"
    read = read_report(fixture, FORM)
    assert not wrong_cells(read, truth(fixture)["cells"])
    short = {p.keys[0]: p.detail for p in read.problems if p.reason == "import-row-short"}
    assert short["t3.new.natural"] == "5/7"  # 821 35 _ _ 2 1 859
    assert short["t3.withheld_law.natural"] == "0/7"
    assert short["t4.cases.review_upheld"] == "6/15"
    assert not any(k.startswith("t3.") for k in read.cells)
    missing = {p.keys[0] for p in read.problems if p.reason == "import-row-missing"}
    # the 2019 form has no 2021 （六） rows, no 行政规范性文件: those, and only those, are not found
    assert missing == {
        "t2.normative.issued",
        "t3.other_no_correction.natural",
        "t3.other_unpaid_fee.natural",
        "t3.other_other.natural",
    }

    source = tmp_path / "in" / "上海市人民政府办公厅2019年政府信息公开工作年度报告.txt"
    source.parent.mkdir()
    source.write_bytes(fixture.read_bytes())
    result = CliRunner().invoke(
        app,
        [
            "import",
            str(source),
            "--out",
            str(tmp_path / "out"),
            "--json",
            str(tmp_path / "log.json"),
        ],
    )
    assert result.exit_code == 1, result.output
    assert "此行数字少于列数" in result.output or "数字少于表式的列数" in result.output
    (entry,) = json.loads((tmp_path / "log.json").read_text("utf-8"))["files"]
    reasons = {m["cells"][0]: m["reason"] for m in entry["missing"]}
    assert reasons["t3.new.natural"] == "import-row-short"
    (book,) = (tmp_path / "out").glob("*.xlsx")
    sheet, ref = WHERE["t3.new.natural"]
    target = openpyxl.load_workbook(book)[sheet][ref]
    assert target.value is None and "没有找到此格" in target.comment.text
    assert "数字少于表式的列数（数字个数/列数：5/7）" in target.comment.text


def test_markdown_marks_never_reach_the_agency_or_a_heading() -> None:
    """pymupdf4llm sets the title as `# 洪泽区人民政府 2023 年…` and sections as `## 二、…`."""
    read = read_report(LAYOUTS / "hongze_zfb_2023.pymupdf4llm.md", FORM)
    assert read.title.agency == "洪泽区人民政府" and read.title.year == 2023
    assert set(read.sections) == {"s1", "s2", "s3", "s4", "s5", "s6"}
    assert not any("#" in text or "**" in text for text in read.texts.values())
    assert read.texts["s1.oversight"].startswith("进一步细化分解")


def test_layouts_mixed_in_one_file(tmp_path: Path) -> None:
    """One text whose tables come in three layouts (as a clerk pastes together what two browsers
    and a converter gave): 平潭 2024's 表二 one cell a line (Chromium), 表三 as a markdown pipe
    table (html2text), 表四 box-drawn (w3m). Every figure is read as transcribed."""

    def part(name: str, start: str, end: str | None) -> str:
        text = (LAYOUTS / name).read_text("utf-8")
        begin = text.index(start)
        return text[begin : text.index(end, begin) if end else None]

    mixed = (
        part("pingtan_2024.chromium-innertext.txt", "一、总体情况", "三、收到和处理")
        + part("pingtan_2024.html2text.md", "三、收到和处理", "四、政府信息公开行政复议")
        + part("pingtan_2024.w3m-dump.txt", "四、政府信息公开行政复议", None)
    )
    source = tmp_path / "mixed.txt"
    source.write_text(mixed, encoding="utf-8")
    read = read_report(source, FORM)
    expected = truth(LAYOUTS / "pingtan_2024.html2text.md")["cells"]
    assert set(read.cells) == set(expected)
    assert not wrong_cells(read, expected)
    assert not read.problems
