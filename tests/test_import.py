"""`nianbao import`, `compare` and `--previous` with published reports, through the command line.

The seed report (tests/reference/000_257bd34ea451c6a3.txt, a real published report) is imported as
a clerk would (a file named after the report's title, a roster), checked, compared and used as last
year's report; planted changes must be found at their cells. The real corpus is imported in
test_published_corpus_import.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from toolkit.cli.cli import app
from toolkit.form.contract import IMPORTED_KIND, META_SHEET
from toolkit.form.form_file import standard_form
from toolkit.form.layout import layout

FORM = standard_form()
SEED = Path(__file__).parent / "reference" / "000_257bd34ea451c6a3.txt"
TITLE = "科技局2023年政府信息公开工作年度报告"
RUNNER = CliRunner()
WHERE = {key: (sheet.name, area.ref) for sheet in layout(FORM) for key, area in sheet.cells.items()}


def run(*args: str) -> tuple[int, str]:
    result = RUNNER.invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(
        "单位代码,单位名称,联系人,电子邮箱\nQK003,科技局,赵敏,kjj@example.org\n"
        "QK004,区公安分局,陈刚,ga@example.org\n",
        encoding="utf-8",
    )
    return path


def seed_text(**replace: str) -> str:
    text = SEED.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new, 1)
    return text


def published(
    folder: Path, text: str, name: str = TITLE, suffix: str = ".txt", encoding: str = "utf-8"
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}{suffix}"
    path.write_bytes(text.encode(encoding))
    return path


def cell(book: Path, key: str) -> object:
    sheet, ref = WHERE[key]
    return openpyxl.load_workbook(book)[sheet][ref].value


def test_the_seed_is_imported_whole_and_check_finds_what_it_lacks(
    tmp_path: Path, roster: Path
) -> None:
    source = published(tmp_path / "in", SEED.read_text(encoding="utf-8"))
    before = source.read_bytes()
    code, output = run(
        "import",
        source,
        "--out",
        tmp_path / "out",
        "--roster",
        roster,
        "--json",
        tmp_path / "log.json",
    )
    assert code == 0, output
    assert "已导入" in output and "科技局（QK003）2023年" in output
    (book,) = (tmp_path / "out").glob("*.xlsx")
    assert book.name.startswith("QK003-科技局-2023年")
    assert source.read_bytes() == before  # the source is never touched
    meta = {r[0].value: r[1].value for r in openpyxl.load_workbook(book)[META_SHEET].iter_rows()}
    assert meta["kind"] == IMPORTED_KIND and meta["source"] == source.name
    assert len(meta["source_sha256"]) == 64 and meta["agency_code"] == "QK003"
    log = json.loads((tmp_path / "log.json").read_text(encoding="utf-8"))
    (entry,) = log["files"]
    assert entry["cells_found"] == entry["cells_expected"] == len(FORM.inputs)
    assert entry["missing"] == [] and entry["sections_missing"] == []
    # what the report does not have, check reports: section 五 has no 改进情况 part
    code, output = run(
        "check", tmp_path / "out", "--roster", roster, "--json", tmp_path / "check.json"
    )
    assert code == 1
    (checked,) = json.loads((tmp_path / "check.json").read_text(encoding="utf-8"))["files"]
    assert [f["code"] for f in checked["findings"]] == ["problems-required"]


def test_gbk_text_gives_the_same_workbook_values(tmp_path: Path) -> None:
    utf8 = published(tmp_path / "a", SEED.read_text(encoding="utf-8"))
    gbk = published(tmp_path / "b", SEED.read_text(encoding="utf-8"), encoding="gbk")
    assert run("import", utf8, "--out", tmp_path / "oa")[0] == 0
    assert run("import", gbk, "--out", tmp_path / "ob")[0] == 0
    (a,) = (tmp_path / "oa").glob("*.xlsx")
    (b,) = (tmp_path / "ob").glob("*.xlsx")
    for key in list(WHERE)[:40]:
        assert cell(a, key) == cell(b, key)


def test_a_printed_total_that_does_not_add_up_is_kept_and_found(tmp_path: Path) -> None:
    text = seed_text(**{"(七) 总计\t\t0\t0\t0\t0\t0\t0\t0": "(七) 总计\t\t0\t0\t0\t0\t0\t0\t4"})
    source = published(tmp_path / "in", text)
    assert run("import", source, "--out", tmp_path / "out")[0] == 0
    (book,) = (tmp_path / "out").glob("*.xlsx")
    assert cell(book, "t3.result_total.total") == 4  # as printed, not recomputed
    code, output = run("check", book)
    assert code == 1
    assert "published-total" in output and "formula-altered" not in output
    assert "t3-row-total" in output


def test_rows_not_found_are_listed_left_blank_and_reported_by_check(tmp_path: Path) -> None:
    text = seed_text(**{"\t\t2. 重复申请\t0\t0\t0\t0\t0\t0\t0\n": "", "行政强制\t0": "行政强制\t/"})
    source = published(tmp_path / "in", text)
    code, output = run("import", source, "--out", tmp_path / "out", "--json", tmp_path / "log.json")
    assert code == 1
    assert (
        "已导入，有缺项" in output and "2.重复申请" in output and "报告中没有找到这一行" in output
    )
    (entry,) = json.loads((tmp_path / "log.json").read_text(encoding="utf-8"))["files"]
    (missing,) = entry["missing"]
    assert (
        missing["cells"][0] == "t3.declined_repeat.natural"
        and missing["reason"] == "import-row-missing"
    )
    assert entry["placeholders"] == {"t2.coercion.decisions": "/"}
    (book,) = (tmp_path / "out").glob("*.xlsx")
    assert cell(book, "t3.declined_repeat.natural") is None
    assert cell(book, "t2.coercion.decisions") == "/"
    sheet, ref = WHERE["t3.declined_repeat.natural"]
    assert "没有找到此格" in openpyxl.load_workbook(book)[sheet][ref].comment.text
    code, output = run("check", book)
    assert code == 1
    assert "t2.coercion.decisions" not in output  # check names cells by sheet and address
    assert sheet in output


def test_compare_finds_planted_differences_at_their_cells(tmp_path: Path, roster: Path) -> None:
    submitted = published(tmp_path / "submitted-src", SEED.read_text(encoding="utf-8"))
    assert run("import", submitted, "--out", tmp_path / "submitted", "--roster", roster)[0] == 0
    changed = seed_text(
        **{
            "一、本年新收政府信息公开申请数量\t\t0\t0": "一、本年新收政府信息公开申请数量\t\t2\t0",
            "行政许可\t0": "行政许可\t17",
        }
    )
    text = changed.split("五、存在的主要问题及改进情况")[0]  # the site dropped 五 and 六
    site = tmp_path / "site"
    published(site, text)
    police = seed_text(**{"科技局 2023 年": "区公安分局 2023 年"})
    published(site, police, name="区公安分局2023年政府信息公开工作年度报告")
    published(site, SEED.read_text(encoding="utf-8"), name=TITLE + "（重复下载）")
    code, output = run(
        "compare", "--published", site, "--submitted", tmp_path / "submitted",
        "--json", tmp_path / "diff.json", "--xlsx", tmp_path / "diff.xlsx",
    )  # fmt: skip
    assert code == 1, output
    diff = json.loads((tmp_path / "diff.json").read_text(encoding="utf-8"))
    (pair,) = diff["agencies"]
    assert pair["agency_code"] == "QK003"
    assert {(c["cell"], c["published"], c["submitted"]) for c in pair["cells"]} == {
        ("t3.new.natural", "2", "0"),
        ("t2.licensing.decisions", "17", "0"),
    }
    assert pair["sections_submitted_only"] == ["s5", "s6"]
    assert [a["agency_name"] for a in diff["published_only"]] == ["区公安分局"]
    # a second published report of the same agency is named, not silently compared or dropped
    assert [d["path"].endswith("（重复下载）.txt") for d in diff["duplicates"]] == [True]
    rows = list(openpyxl.load_workbook(tmp_path / "diff.xlsx")["差异"].iter_rows(values_only=True))
    assert rows[1][:2] == ("QK003", "科技局")
    assert {r[3] for r in rows[1:3]} == {"一、本年新收政府信息公开申请数量", "行政许可"}
    # the same report on both sides: nothing differs
    same = tmp_path / "same"
    published(same, SEED.read_text(encoding="utf-8"))
    code, output = run("compare", "--published", same, "--submitted", tmp_path / "submitted")
    assert code == 0, output


def test_previous_takes_last_years_published_report(tmp_path: Path, roster: Path) -> None:
    """The first year of adoption: last year's figures come from last year's published report."""
    this_year = published(tmp_path / "in", SEED.read_text(encoding="utf-8"))
    assert run("import", this_year, "--out", tmp_path / "out", "--roster", roster)[0] == 0
    last = seed_text(
        **{
            "科技局 2023 年": "科技局 2022 年",
            "四、结转下年度继续办理\t\t0\t0": "四、结转下年度继续办理\t\t3\t0",
        }
    )
    previous = published(tmp_path / "last", last, name="科技局2022年政府信息公开工作年度报告")
    code, output = run("check", tmp_path / "out", "--previous", previous, "--roster", roster)
    assert "carry-over" in output and "上年报告“四、结转下年度继续办理”为3" in output
    code, output = run("check", tmp_path / "out", "--previous", this_year, "--roster", roster)
    assert code == 2  # this year's own report is not last year's


def test_files_that_are_not_reports_are_named_and_the_rest_imported(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    published(folder, SEED.read_text(encoding="utf-8"))
    (folder / "损坏.pdf").write_bytes(b"%PDF-1.7\n\x00\x01garbage")
    (folder / "旧版.docx").write_bytes(b"PK\x03\x04 not really a zip")
    code, output = run("import", folder, "--out", tmp_path / "out")
    assert code == 1
    assert output.count("未能导入") == 2 and "已导入：" in output
    assert len(list((tmp_path / "out").glob("*.xlsx"))) == 1


def test_nothing_to_import_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.xlsx").write_bytes(b"")
    code, output = run("import", tmp_path / "in", "--out", tmp_path / "out")
    assert code == 2 and "没有找到任何年度报告文件" in output


def test_the_output_folder_cannot_be_an_input(tmp_path: Path) -> None:
    source = published(tmp_path / "in", SEED.read_text(encoding="utf-8"))
    code, output = run("import", source, "--out", source)
    assert code == 2 and "报回文件不能被覆盖" in output


def test_a_rendered_report_imports_back_to_its_workbook(tmp_path: Path) -> None:
    """render → publish → import gives the figures and texts of the checked workbook back; a part
    the report prints in the form's words for a part left empty (「本年度无其他需要报告的事项。」) or
    leaves out is empty again, never that text."""
    sample = next((Path(__file__).parents[1] / "samples" / "returned").glob("QK003-*.xlsx"))
    code, output = run("render", sample, "--out", tmp_path / "r", "--format", "html")
    assert code == 0, output
    (page,) = (tmp_path / "r").glob("*.html")
    text = page.read_text(encoding="utf-8")
    assert "本年度无其他需要报告的事项。" in text and "年度政务公开工作创新情况" not in text
    code, output = run("import", page, "--out", tmp_path / "back", "--json", tmp_path / "log.json")
    assert code == 0, output
    code, output = run("compare", "--published", page, "--submitted", sample)
    assert code == 0, output
    (back,) = (tmp_path / "back").glob("*.xlsx")
    for key in FORM.parts:
        sheet, ref = WHERE[key]
        original = openpyxl.load_workbook(sample)[sheet][ref].value or ""
        assert (openpyxl.load_workbook(back)[sheet][ref].value or "") == original.strip(), key


def test_reports_imported_without_the_roster_are_paired_by_name(
    tmp_path: Path, roster: Path
) -> None:
    """An office that imported the site's reports without --roster still compares them: the
    made-up code (GK-…) does not pair, the agency's name does."""
    assert run("import", published(tmp_path / "a", SEED.read_text(encoding="utf-8")),
               "--out", tmp_path / "submitted", "--roster", roster)[0] == 0  # fmt: skip
    changed = seed_text(**{"行政许可\t0": "行政许可\t3"})
    assert run("import", published(tmp_path / "b", changed), "--out", tmp_path / "site")[0] == 0
    (book,) = (tmp_path / "site").glob("*.xlsx")
    assert book.name.startswith("GK-")
    code, output = run("compare", "--published", tmp_path / "site", "--submitted", tmp_path / "submitted",
                       "--json", tmp_path / "d.json")  # fmt: skip
    assert code == 1, output
    (pair,) = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))["agencies"]
    assert pair["agency_code"] == "QK003"
    assert [c["cell"] for c in pair["cells"]] == ["t2.licensing.decisions"]
    assert pair["by_name"] is True and "按单位名称完全一致配对" in output


# 表三 with figures: 7+1+1 new; 6 granted (4+1+1), 3 repeated (自然人): balanced, nothing carried.
NEW_ROW = "一、本年新收政府信息公开申请数量\t\t0\t0\t0\t0\t0\t0\t0\t\n"
GRANTED_ROW = "三、本年度办理结果\t(一) 予以公开\t0\t0\t0\t0\t0\t0\t0\t\n"
REPEAT_ROW = "\t\t2. 重复申请\t0\t0\t0\t0\t0\t0\t0\n"
TOTAL_ROW = "(七) 总计\t\t0\t0\t0\t0\t0\t0\t0\t\n"


def _with_figures(**more: str) -> str:
    figures = {
        NEW_ROW: NEW_ROW.replace("\t0" * 7, "\t7\t1\t0\t0\t0\t1\t9"),
        GRANTED_ROW: GRANTED_ROW.replace("\t0" * 7, "\t4\t1\t0\t0\t0\t1\t6"),
        REPEAT_ROW: REPEAT_ROW.replace("\t0" * 7, "\t3\t0\t0\t0\t0\t0\t3"),
    }
    return seed_text(**(figures | more))


@pytest.mark.parametrize("parts_read", [True, False])
def test_a_printed_total_not_read_never_shows_a_figure_the_report_does_not_print(
    tmp_path: Path, roster: Path, parts_read: bool
) -> None:
    """表三's （七）总计 row lost (a layout the reader could not line up): its cells are not the
    sum of what was read shown as printed. Every part read: the formula stays, with a 批注 saying
    it is a sum; a part lost too: blank with a 批注. `check` names the unread totals."""
    lost = {TOTAL_ROW: ""} if parts_read else {TOTAL_ROW: "", REPEAT_ROW: ""}
    source = published(tmp_path / "in", _with_figures(**lost))
    code, output = run("import", source, "--out", tmp_path / "out", "--roster", roster)
    assert code == 1, output  # partial: the row is listed as not read
    assert "（七）总计" in output
    book = next((tmp_path / "out").glob("*.xlsx"))
    sheet, ref = WHERE["t3.result_total.natural"]
    opened = openpyxl.load_workbook(book)
    total = opened[sheet][ref]
    if parts_read:
        assert str(total.value).startswith("=SUM(")  # 4 + 3: the parts' sum, said so
        assert total.comment is not None and "各分项之和" in total.comment.text
    else:
        assert total.value is None  # not 4, the sum of what was read
        assert total.comment is not None and "留空" in total.comment.text
    meta = dict(opened[META_SHEET].iter_rows(max_col=2, values_only=True))
    assert "t3.result_total.natural" in str(meta["unread_totals"]).split()
    code, output = run(
        "check", book, "--year", "2023", "--roster", roster, "--json", tmp_path / "c.json"
    )
    findings = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))["files"][0]["findings"]
    unread = [f for f in findings if f["code"].startswith("published-total-unread")]
    assert {f["cell"] for f in unread} >= {ref}
    natural = next(f for f in unread if f["cell"] == ref)
    if parts_read:
        assert natural["code"] == "published-total-unread" and "为各分项之和7" in natural["message"]
        assert not [f for f in findings if f["code"] in ("t3-balance", "published-total")]
    else:
        assert natural["code"] == "published-total-unread-open"
    assert all(f["severity"] == "warning" for f in unread)


def test_workbooks_are_written_in_the_files_order_as_they_are_read(tmp_path: Path) -> None:
    """Streamed (each workbook written when its report is read, nothing kept): the same agency
    three times still numbers its second and third workbooks in the order of the files."""
    from datetime import datetime

    from toolkit.published.importer import ImportEntry, import_reports

    folder = tmp_path / "in"
    paths = [published(folder, seed_text(), name=f"{n}-{TITLE}") for n in "abc"]
    seen: list[ImportEntry] = []
    result = import_reports(
        [folder],
        out_dir=tmp_path / "out",
        form=standard_form(),
        generated_at=datetime(2024, 1, 20, 9),
        on_entry=seen.append,
        keep_published=False,
    )
    assert [e.path.name for e in seen] == [p.name for p in paths]
    assert all(e.published is not None for e in seen)
    assert all(e.published is None for e in result.entries)
    names = [e.workbook.name for e in result.entries if e.workbook]
    assert names[1:] == [names[0].replace(".xlsx", f"（{n}）.xlsx") for n in (2, 3)]


def test_a_workbook_that_cannot_be_written_stops_the_import_with_a_reason(tmp_path: Path) -> None:
    source = published(tmp_path / "in", seed_text())
    assert run("import", source, "--out", tmp_path / "first")[0] == 0
    (name,) = [p.name for p in (tmp_path / "first").glob("*.xlsx")]
    (tmp_path / "out" / name).mkdir(parents=True)  # a folder where the workbook would go
    code, output = run("import", source, "--out", tmp_path / "out", "--json", tmp_path / "l.json")
    assert code == 2
    assert name[:20] in "".join(output.split())
    assert not (tmp_path / "l.json").exists()
