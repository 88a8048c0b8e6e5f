"""`nianbao render`: the published report from a checked workbook, and the district draft.

Round trip: a rendered report is turned back into text (python-docx for .docx, lxml for .html,
pdftotext for .pdf) and compared with the workbook as `check` reads it: every label of the three
tables character for character (from the form definition), every row's figures in order, every
paragraph the agency wrote. The seed's report (sample QK003) is compared with the real published
text in tests/reference/ section by section. One test renders through LibreOffice.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest
from lxml import html as lxml_html
from typer.testing import CliRunner

from toolkit.check.check import check
from toolkit.cli.cli import app
from toolkit.form.findings import FileResult
from toolkit.form.form import Form
from toolkit.render.render import parse_formats, render
from toolkit.render.render_docx import docx_bytes, docx_text
from toolkit.render.render_html import html_page
from toolkit.render.render_model import GAP, figure, report_of

from .conftest import REFERENCE, SAMPLES

RETURNED = SAMPLES / "returned"
QK001 = next(RETURNED.glob("QK001-*.xlsx"))
QK003 = next(RETURNED.glob("QK003-*.xlsx"))
SEED_TEXT = REFERENCE / "000_257bd34ea451c6a3.txt"
_PAGE_NUMBER = re.compile(r"—\s*\d+\s*—")


def squeeze(text: str) -> str:
    """Text compared across formats: full-width forms folded (NFKC), page numbers and every
    whitespace removed (pdftotext and the seed's text put spaces around figures)."""
    text = _PAGE_NUMBER.sub("", text)
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def labels(form: Form, texts: dict[str, str] | None = None) -> list[str]:
    """Every label the report must print: section and part titles (a part's without its number:
    it is renumbered when a part before it was left out; a part the form lets be left out only
    when `texts` has its text), and each table's captions, corners, column and row headers, as
    the form definition spells them."""
    out = [section.title for section in form.sections]
    out += [
        _unnumbered(part.title)
        for section in form.sections
        for part in section.parts
        if texts is None or not part.omit_if_empty or (texts.get(part.key) or "").strip()
    ]
    for table in form.tables.values():
        for block in table.blocks:
            out += [t for t in (block.caption, block.corner) if t]
            out += [label for column in block.columns for label in column.path]
            out += [label for row in block.rows for label in row.path]
    return out


def row_figures(form: Form, values: dict[str, float]) -> list[str]:
    """Each table row as printed: its own label, then its figures in column order."""
    out = []
    for table in form.tables.values():
        for block in table.blocks:
            for row in block.rows:
                cells = [f"{table.key}.{row.key}.{c.key}" for c in block.columns]
                printed = "".join(figure(values[k], form.cells[k].type) for k in cells)
                out.append(row.label + printed)
    return out


def assert_round_trip(text: str, result: FileResult, form: Form) -> None:
    flat = squeeze(text)
    for label in labels(form, result.texts):
        assert squeeze(label) in flat, label
    for row in row_figures(form, result.values):
        assert squeeze(row) in flat, row
    for key, written in result.texts.items():
        for line in written.splitlines():
            if line.strip():
                assert squeeze(line) in flat, (key, line)


@pytest.fixture(scope="module")
def checked(form: Form) -> dict[str, FileResult]:
    report = check([QK001, QK003], form=form)
    return {r.agency_code: r for r in report.files}


def test_docx_round_trip_every_label_and_figure(tmp_path: Path, form: Form, checked) -> None:
    result = render([QK001], out=tmp_path, formats=("docx",), form=form)
    (item,) = result.rendered
    assert [p.suffix for p in item.outputs] == [".docx"]
    text = docx_text(item.outputs[0].read_bytes())
    assert text.splitlines()[:2] == ["区发展和改革委员会", "2023年政府信息公开工作年度报告"]
    assert_round_trip(text, checked["QK001"], form)
    figures = checked["QK001"].values
    assert figures["t3.new.total"] > 0 and figures["t3.result_total.total"] > 0  # a real test


def test_docx_uses_the_template_styles_and_names_east_asian_fonts(form: Form, checked) -> None:
    from docx import Document

    r = checked["QK003"]
    data = docx_bytes(report_of(form, name=r.agency_name, year=r.year, values=r.values,
                                texts=r.texts))  # fmt: skip
    import io

    document = Document(io.BytesIO(data))
    section = document.sections[0]
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    used = {p.style.name for p in document.paragraphs}
    assert {"公文标题", "一级标题", "二级标题", "公文正文"} <= used
    fonts = {}
    for name in ("公文标题", "公文正文", "一级标题", "二级标题", "表格文字"):
        rfonts = document.styles[name].element.rPr.rFonts
        fonts[name] = rfonts.get(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
        )
    assert fonts == {"公文标题": "方正小标宋简体", "公文正文": "仿宋_GB2312", "一级标题": "黑体",
                     "二级标题": "楷体_GB2312", "表格文字": "宋体"}  # fmt: skip
    assert document.styles["公文正文"].font.size.pt == 16  # 三号
    assert document.styles["公文标题"].font.size.pt == 22  # 二号
    footer = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "— " in footer


def test_html_tables_are_real_tables_with_spans_and_headers(form: Form, checked) -> None:
    r = checked["QK001"]
    page = html_page(report_of(form, name=r.agency_name, year=r.year, values=r.values,
                               texts=r.texts))  # fmt: skip
    tree = lxml_html.fromstring(page)
    tables = tree.findall(".//table")
    assert len(tables) == 3
    assert [t.findtext("caption") for t in tables] == [t.title for t in form.tables.values()]
    t3 = tables[1]
    corner = t3.xpath(".//th[starts-with(normalize-space(.), '（本列数据')]")[0]
    assert (corner.get("rowspan"), corner.get("colspan")) == ("3", "3")
    results = t3.xpath(".//th[normalize-space(.)='三、本年度办理结果']")[0]
    assert results.get("rowspan") == "22" and results.get("scope") == "rowgroup"
    applicants = t3.xpath(".//th[normalize-space(.)='申请人情况']")[0]
    assert applicants.get("colspan") == "7" and applicants.get("scope") == "colgroup"
    assert t3.find("thead") is not None and len(t3.find("thead").findall("tr")) == 3
    assert all(th.get("scope") for th in tree.iter("th"))
    for table, widths in zip(tables, (4, 10, 15), strict=True):
        assert _rectangle(table) == widths  # spans tile the table: no hole, no overlap
    assert "@media print" in page and "@page" in page and "<link" not in page
    assert_round_trip(tree.text_content(), r, form)


def _rectangle(table) -> int:
    """The width of an HTML table whose cells (with their spans) tile a rectangle exactly."""
    taken: set[tuple[int, int]] = set()
    rows = table.xpath(".//tr")
    for r, tr in enumerate(rows):
        c = 0
        for cell in tr:
            while (r, c) in taken:
                c += 1
            spans = range(int(cell.get("rowspan", 1))), range(int(cell.get("colspan", 1)))
            for i in spans[0]:
                for j in spans[1]:
                    assert (r + i, c + j) not in taken
                    taken.add((r + i, c + j))
            c += len(spans[1])
    width = 1 + max(c for _, c in taken)
    assert len(taken) == width * len(rows)
    return width


def test_agency_text_is_escaped_and_control_characters_dropped(form: Form) -> None:
    hostile = '<script>alert("x")</script>&amp;\x07\x1b[31m 第二行\n<img src=x onerror=1>'
    report = report_of(form, name="<b>区某局</b>", year="2023", values={},
                       texts={"s1.active": hostile})  # fmt: skip
    page = html_page(report)
    assert "<script>" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;amp;" in page
    assert "\x07" not in page and "\x1b" not in page
    text = docx_text(docx_bytes(report))  # python-docx refuses control characters: dropped
    assert "\x07" not in text and "\x1b" not in text
    assert '\n<script>alert("x")</script>&amp;[31m 第二行\n<img src=x onerror=1>\n' in text


def test_parts_left_empty_are_left_out_or_said_as_the_form_says(tmp_path: Path, form) -> None:
    """QK003 (the seed) wrote nothing for four parts of 六: the three the form lets be left out are
    left out (the part after them renumbered), （五）其他需要报告的事项 says the standard's words;
    no 「（本部分未填写）」 is printed, and the command names the parts."""
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["render", str(QK003), "--out", str(out), "--format", "html"], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    page = next(out.glob("*.html")).read_text(encoding="utf-8")
    six = page.split("<h2>六、其他需要报告的事项</h2>")[1]
    assert re.findall(r"<h3>(.*?)</h3>", six) == [
        "（一）收取信息处理费情况",
        "（二）其他需要报告的事项",
    ]
    assert "<p>本年度无其他需要报告的事项。</p>" in six
    assert GAP not in page and "落实上级年度政务公开工作要点情况" not in page
    assert "按表式略去" in result.output
    assert "六、其他需要报告的事项（二）落实上级年度政务公开工作要点情况" in result.output


def test_a_required_part_left_empty_is_a_visible_gap(form: Form) -> None:
    """A part the form neither lets be left out nor gives words for (a draft of a workbook whose
    一、总体情况 is empty) is printed as the gap, never dropped, and the report names it."""
    report = report_of(form, name="区某局", year="2023", values={}, texts={}, draft=True)
    assert [gap.part for gap in report.gaps] == [
        "s1.active", "s1.request", "s1.management", "s1.platform", "s1.oversight",
        "s5.problems", "s5.improvements", "s6.fees",
    ]  # fmt: skip
    page = html_page(report)
    assert page.count(GAP) == len(report.gaps)
    assert "（六）工作考核" not in page  # may be left empty: left out
    assert "<p>本年度无其他需要报告的事项。</p>" in page


def test_files_with_errors_are_not_rendered_unless_asked_then_marked_draft(
    tmp_path: Path, form: Form
) -> None:
    broken = SAMPLES / "returned" / "invalid"
    runner = CliRunner()
    result = runner.invoke(
        app, ["render", str(broken), "--out", str(tmp_path / "a"), "--format", "html"],
        terminal_width=200,
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "未生成" in result.output and "--include-errors" in result.output
    drafted = render(
        [broken], out=tmp_path / "b", formats=("html",), form=form, include_errors=True
    )
    assert drafted.rendered and all(r.draft for r in drafted.rendered if "（草稿）" in r.title)
    draft_pages = [p for r in drafted.rendered if r.draft for p in r.outputs]
    assert draft_pages
    written = [p for r in drafted.rendered for p in r.outputs]
    assert len({p.name for p in written}) == len(written)  # no draft written over another
    for page in draft_pages:
        assert "（草稿）" in page.name
        assert "草稿：所依据的工作簿未通过审核" in page.read_text(encoding="utf-8")


def test_formats_are_checked() -> None:
    assert parse_formats("pdf, docx") == ("docx", "pdf")
    from toolkit.core.catalogue import UsageError

    with pytest.raises(UsageError, match="--format"):
        parse_formats("docx,odt")


def _sections(text: str, form: Form) -> dict[str, str]:
    """A report's text cut at the six section titles (each at the start of a line)."""
    titles = [s.title for s in form.sections]
    pattern = "|".join(re.escape(t) for t in titles)
    cuts = [(m.start(1), m.group(1)) for m in re.finditer(rf"(?m)^[ \t]*({pattern})[ \t]*$", text)]
    assert [t for _, t in cuts] == titles
    out = {}
    for (start, title), (end, _) in zip(cuts, [*cuts[1:], (len(text), "")], strict=True):
        out[title] = text[start + len(title) : end]
    return out


def _unnumbered(line: str) -> str:
    return re.sub(r"^（[一二三四五六七八九十]+）", "", line)


def test_seed_report_matches_the_published_text_section_by_section(
    tmp_path: Path, form: Form, checked
) -> None:
    """QK003 is the seed: the district 科技局's real 2023 report. Rendered from the workbook, each
    section carries the published text: every paragraph the agency wrote, and in the tables the
    same labels and the same figures in the same order (whitespace and full-width forms aside)."""
    published = _sections(SEED_TEXT.read_text(encoding="utf-8"), form)
    result = render([QK003], out=tmp_path, formats=("docx",), form=form)
    ours = _sections(docx_text(result.rendered[0].outputs[0].read_bytes()), form)
    table_labels = sorted(
        {squeeze(label) for label in labels(form)} - {squeeze(s.title) for s in form.sections},
        key=len,
        reverse=True,
    )

    def figures_only(text: str) -> str:
        flat = squeeze(text)
        for label in table_labels:
            flat = flat.replace(label, "")
        return flat

    for section in form.sections:
        theirs, mine = published[section.title], ours[section.title]
        if section.kind == "table":
            table = form.tables[section.table or ""]
            for block in table.blocks:
                headers = [t for column in block.columns for t in column.path]
                for label in (block.caption, block.corner, *headers):
                    if label:
                        assert squeeze(label) in squeeze(theirs), label
                        assert squeeze(label) in squeeze(mine), label
            assert figures_only(mine) == figures_only(theirs), section.title
            assert set(figures_only(mine)) == {"0"}  # every seed figure is 0, in every cell
        else:
            paragraphs = [p for p in mine.splitlines() if p.strip()]
            # headings (renumbered when parts before them were left out) and the form's words
            # for a part left empty are ours, not the agency's
            printed = {_unnumbered(x.title) for x in section.parts} | {GAP}
            printed |= {x.if_empty for x in section.parts if x.if_empty}
            body = [p for p in paragraphs if _unnumbered(p) not in printed]
            assert body, section.title
            for paragraph in body:
                assert squeeze(paragraph) in squeeze(theirs), paragraph


def test_district_draft_from_the_rollup(tmp_path: Path, form: Form) -> None:
    from toolkit.rollup.rollup import rollup

    returned = sorted(RETURNED.glob("*.xlsx"))
    rolled = tmp_path / "示范区2023年度汇总.xlsx"
    rollup(returned, out=rolled, form=form, district="示范区", generated_at=datetime(2024, 2, 1, 9))
    report = check(returned, form=form)
    used = [r for r in report.files if r.status in ("passed", "warnings")]

    def total(key: str) -> str:
        return figure(math.fsum(r.values[key] for r in used))

    result = render([rolled], out=tmp_path / "out", formats=("docx", "html"), form=form)
    (draft,) = result.rendered
    assert draft.district and draft.draft and draft.agencies == len(used)
    assert draft.outputs[0].name == "示范区2023年政府信息公开工作年度报告（草稿）.docx"
    text = docx_text(draft.outputs[0].read_bytes())
    assert (
        f"全区各级行政机关共收到政府信息公开申请{total('t3.new.total')}件，"
        f"上年结转{total('t3.carried_in.total')}件。" in text
    )
    assert f"结转下年度继续办理{total('t3.carried_out.total')}件。" in text
    assert f"予以公开{total('t3.granted.total')}件" in text
    assert f"行政复议{total('t4.cases.review_total')}件（结果维持" in text
    lawsuits = math.fsum(
        r.values[k] for r in used for k in ("t4.cases.direct_total", "t4.cases.after_total")
    )
    assert f"；行政诉讼{figure(lawsuits)}件（结果维持" in text
    assert f"作出行政许可决定{total('t2.licensing.decisions')}件" in text
    assert text.count("【请填写：") >= sum(len(s.parts) for s in form.sections)
    # the tables hold the district totals, row by row
    district = {key: math.fsum(r.values[key] for r in used) for key in form.cells}
    flat = squeeze(text)
    for row in row_figures(form, district):
        assert squeeze(row) in flat, row
    page = (tmp_path / "out" / "示范区2023年政府信息公开工作年度报告（草稿）.html").read_text(
        encoding="utf-8"
    )
    assert "<mark>【请填写：" in page


def _pdf_text(path: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return done.stdout.decode("utf-8")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory, form: Form) -> list:
    """QK001, QK003 and the district draft of all samples, through LibreOffice in one run."""
    from toolkit.rollup.rollup import rollup

    assert shutil.which("pdftotext"), "make fonts installs poppler-utils"
    folder = tmp_path_factory.mktemp("pdf")
    rolled = folder / "示范区2023年度汇总.xlsx"
    rollup(sorted(RETURNED.glob("*.xlsx")), out=rolled, form=form, district="示范区",
           generated_at=datetime(2024, 2, 1, 9))  # fmt: skip
    result = render([QK001, QK003, rolled], out=folder / "out", formats=("pdf",), form=form)
    assert len(result.rendered) == 3 and not result.missing_pdf
    assert not [
        p for p in (folder / "out").iterdir()
        if p.name.startswith((".nianbao-staging", ".nianbao-tmp"))
    ]  # fmt: skip
    return list(result.rendered)


@pytest.mark.libreoffice
def test_pdf_through_libreoffice_holds_the_chinese_labels_and_figures(
    pdfs: list, form: Form, checked
) -> None:
    for item in pdfs[:2]:
        (pdf,) = item.outputs
        assert pdf.suffix == ".pdf" and pdf.read_bytes().startswith(b"%PDF")
        text = _pdf_text(pdf)
        code = item.title.split("-")[0]
        assert squeeze(item.title.split("-", 1)[1]) in squeeze(text)  # CJK text, not boxes
        assert_round_trip(text, checked[code], form)


def _lines(pdf: Path) -> list[list[tuple[str, str, float]]]:
    """Each page's lines of text as (text, the font of its first Chinese character, size)."""
    import pdfplumber

    pages = []
    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            lines = []
            for line in page.extract_text_lines(return_chars=True):
                chinese = [c for c in line["chars"] if ord(c["text"]) > 0x2E80]
                fonts = {c["fontname"].split("+")[-1] for c in chinese}
                assert len(fonts) <= 1 or line["chars"][0]["size"] < 12, (line["text"], fonts)
                size = max(c["size"] for c in line["chars"])
                lines.append((line["text"], next(iter(fonts), ""), size))
            pages.append(lines)
    return pages


@pytest.mark.libreoffice
def test_pdf_is_set_in_the_official_faces(pdfs: list, form: Form) -> None:
    """Title in a heavy serif (小标宋's stand-in), body and tables in a serif (仿宋, 宋), 一级标题
    in a sans (黑体), 二级标题 in a Kai face (楷体): what the font chain (render_fonts.py) gives on
    a machine without the office fonts; never the sans face for the body. Read per line from the
    PDF's characters (pdfplumber), not from the font list alone."""
    sections = tuple(s.title for s in form.sections)
    for item in pdfs:
        seen = set()
        for page in _lines(item.outputs[0]):
            for text, font, size in page:
                if not font:
                    continue
                if size > 20:
                    role = "title"
                    assert "Serif" in font and "Bold" in font, (text, font)
                elif text.startswith(sections):
                    role = "heading1"
                    assert "Sans" in font or "Hei" in font, (text, font)
                elif re.match(r"^（[一二三四五六七八九十]+）", text) and size > 15:
                    role = "heading2"
                    assert "Kai" in font, (text, font)
                elif 13 < size < 15:  # the draft's mark under the title (四号; page numbers have
                    role = "note"  # no Chinese)
                    assert "Kai" in font, (text, font)
                else:
                    role = "body" if size > 15 else "table"
                    assert "Serif" in font and "Bold" not in font, (text, font)
                seen.add(role)
        assert {"title", "heading1", "heading2", "body", "table"} <= seen, (item.title, seen)
    fonts = subprocess.run(
        ["pdffonts", str(pdfs[0].outputs[0])], capture_output=True, check=True, timeout=60
    ).stdout.decode()
    assert "NotoSerifCJK" in fonts and "NotoSerifCJKjp-Bold" in fonts  # the list agrees


@pytest.mark.libreoffice
def test_no_pdf_page_holds_only_an_empty_part(pdfs: list, form: Form) -> None:
    """No page of a report holds only the words of a part left empty (or a gap line) and its
    heading: a part the form lets be left out is not printed at all."""
    said = {GAP, *(p.if_empty for p in form.parts.values() if p.if_empty)}
    for item in pdfs:
        for number, page in enumerate(_lines(item.outputs[0]), start=1):
            text = [t for t, _, _ in page if not _PAGE_NUMBER.fullmatch(t.strip())]
            body = [t for t in text if not re.match(r"^（[一二三四五六七八九十]+）", t)]
            assert not body or not set(body) <= said, (item.title, number, text)


def test_pdf_without_libreoffice_stops_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import toolkit.render.render_pdf

    monkeypatch.setattr(toolkit.render.render_pdf, "soffice", lambda: None)
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(app, ["render", str(QK003), "--out", str(out)], terminal_width=200)
    assert result.exit_code == 2
    assert "LibreOffice" in result.output and "--format docx,html" in result.output
    assert not out.exists()


def test_an_office_restyles_the_word_template_without_code(tmp_path: Path, form: Form) -> None:
    """The office changes a style's font in its copy of the template: the report follows it; a
    copy that lost one of the renderer's styles is refused in Chinese, naming the style."""
    import io

    from docx import Document

    from toolkit.render.render_template import TEMPLATE

    document = Document(str(TEMPLATE))
    document.styles["公文正文"].font.size = 15.5 * 12700  # an office's 小三-ish body
    restyled = tmp_path / "本单位模板.docx"
    document.save(str(restyled))
    result = render([QK003], out=tmp_path / "a", formats=("docx",), form=form, template=restyled)
    rendered = Document(io.BytesIO(result.rendered[0].outputs[0].read_bytes()))
    assert rendered.styles["公文正文"].font.size.pt == 15.5
    body = [p for p in rendered.paragraphs if p.style.name == "公文正文"]
    assert body and body[0].text.startswith("2023 年，我局通过门户网站")

    document.styles["二级标题"].delete()
    broken = tmp_path / "缺样式.docx"
    document.save(str(broken))
    runner = CliRunner()
    out = tmp_path / "b"
    cli = runner.invoke(
        app, ["render", str(QK003), "--out", str(out), "--format", "docx", "--template", str(broken)],
        terminal_width=200,
    )  # fmt: skip
    assert cli.exit_code == 2
    assert "缺少样式：二级标题" in cli.output
    assert not list(out.glob("*.docx"))


def test_the_form_option_names_the_form_definition(tmp_path: Path) -> None:
    from toolkit.core.bundled import STANDARD_FILE, bundled

    runner = CliRunner()
    out = tmp_path / "out"
    args = ["render", str(QK003), "--out", str(out), "--format", "html"]
    ok = runner.invoke(app, [*args, "--form", str(bundled(STANDARD_FILE))])
    assert ok.exit_code == 0, ok.output
    assert len(list(out.glob("*.html"))) == 1
    bad = tmp_path / "坏表式.toml"
    bad.write_text("[form]\nid = 1\n", encoding="utf-8")
    refused = runner.invoke(app, [*args, "--form", str(bad)])
    assert refused.exit_code == 2 and "错误：" in refused.output
