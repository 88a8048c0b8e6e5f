"""The format readers of `nianbao import`: each source format read into the same SourceDocument,
merged cells expanded and marked, places right, hostile files refused with a Chinese message in
bounded time. Everything is built here with the real components (python-docx, LibreOffice for the
PDF, Pillow for the scanned page, tesseract for its OCR)."""

from __future__ import annotations

import io
import re
import subprocess
import time
import zipfile
import zlib
from pathlib import Path

import docx
import pdfplumber
import pytest
from docx.shared import Pt
from PIL import Image
from pypdf import PdfReader, PdfWriter

from toolkit.published.published_docx import read_docx
from toolkit.published.published_html import MAX_COLS, MAX_ROWS, read_html
from toolkit.published.published_ocr import join_cjk, ocr_available
from toolkit.published.published_pdf import read_pdf
from toolkit.published.published_read import read_published
from toolkit.published.published_source import (
    Covered,
    Place,
    SourceDocument,
    SourceError,
    SourceKind,
    SourceLine,
    SourceTable,
)
from toolkit.published.published_text import read_text
from toolkit.render.render_pdf import to_pdf

from .conftest import REFERENCE

SEED = REFERENCE / "000_257bd34ea451c6a3.txt"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
L, A, N = Covered.FROM_LEFT, Covered.FROM_ABOVE, Covered.NO


def tables(document: SourceDocument) -> list[SourceTable]:
    return [block for block in document.blocks if isinstance(block, SourceTable)]


def lines(document: SourceDocument) -> list[str]:
    return [block.text for block in document.blocks if isinstance(block, SourceLine)]


def _rows_and_lines(document: SourceDocument) -> list[SourceLine | SourceTable]:
    """Lines, and each table row as a one-row table, in document order."""
    out: list[SourceLine | SourceTable] = []
    for block in document.blocks:
        if isinstance(block, SourceLine):
            out.append(block)
        else:
            out.extend(SourceTable(rows=(row,), place=block.place) for row in block.rows)
    return out


def grid(table: SourceTable) -> list[list[tuple[str, Covered]]]:
    return [[(cell.text, cell.covered) for cell in row.cells] for row in table.rows]


# --- plain text -----------------------------------------------------------------------------


def test_seed_text_reads_the_same_in_utf8_and_gbk() -> None:
    data = SEED.read_bytes()
    utf8 = read_text(data)
    gbk = read_text(data.decode("utf-8").encode("gbk"))
    assert utf8.kind is SourceKind.TEXT
    assert utf8.blocks == gbk.blocks
    texts = lines(utf8)
    assert texts[0] == "科技局 2023 年政府信息公开工作年度报告"
    assert "（五）政府信息公开监督保障及教育培训情况" in texts
    # the table rows keep their tabs (the matcher splits them), and the place is the file's line
    row = next(b for b in utf8.blocks if b.text.startswith("一、本年新收政府信息公开申请数量"))
    assert row.text.split("\t")[2:9] == ["0"] * 7
    line_in_file = data.decode("utf-8").splitlines().index(row.text) + 1
    assert row.place == Place(line=line_in_file)
    # a UTF-8 BOM and Windows line ends change nothing
    windows = b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")
    assert read_text(windows).blocks == utf8.blocks


def test_binary_is_not_text() -> None:
    with pytest.raises(SourceError) as caught:
        read_text(bytes(range(256)) * 64)
    assert caught.value.code == "import-not-text"
    assert CHINESE.search(str(caught.value))


# --- HTML -----------------------------------------------------------------------------------

WORD_HTML = """<html xmlns:o="urn:schemas-microsoft-com:office:office">
<head><meta http-equiv=Content-Type content="text/html; charset={charset}">
<title>不应读出的标题</title><style>p.MsoNormal {{margin:0cm}}</style>
<script>var x = "不应读出的脚本";</script></head>
<body lang=ZH-CN><nav>首页 | 政务公开</nav><div class=WordSection1>
<p class=MsoNormal align=center><b>示范局2023年政府信息公开<br>工作年度报告</b><o:p></o:p></p>
<!-- 注释不应读出 -->
<p class=MsoNormal>三、收到和处理政府信息公开申请情况<o:p></o:p></p>
<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0>
 <tr><td rowspan=3 colspan=2><p class=MsoNormal>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）<o:p></o:p></p></td>
  <td colspan=7><p class=MsoNormal>申请人情况<o:p></o:p></p></td></tr>
 <tr><td rowspan=2><p class=MsoNormal>自然人</p></td><td colspan=5><p class=MsoNormal>法人或其他组织</p></td>
  <td rowspan=2><p class=MsoNormal>总计</p></td></tr>
 <tr><td>商业<br>企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>
 <tr><td colspan=2><p class=MsoNormal>一、本年新收政府信息公开申请数量</p></td>
  <td>5</td><td><p class=MsoNormal>&nbsp;<o:p></o:p></p></td><td>/</td><td>—</td><td>0</td><td>0</td><td>5</td></tr>
 <![if !supportMisalignedColumns]>
 <tr height=0><td width=30 style='border:none'></td><td width=30 style='border:none'></td></tr>
 <![endif]>
</table>
<p class=MsoNormal>&nbsp;</p>
<p class=MsoNormal>四、政府信息公开行政复议、行政诉讼情况</p>
</div></body></html>"""


def test_word_exported_html_table_expands_spans_with_places() -> None:
    document = read_html(WORD_HTML.format(charset="utf-8").encode("utf-8"))
    assert document.kind is SourceKind.HTML
    assert lines(document) == [
        "示范局2023年政府信息公开",
        "工作年度报告",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
    ]
    # the table sits between the heading and the next section, in document order
    kinds = [type(block).__name__ for block in document.blocks]
    assert kinds == ["SourceLine"] * 3 + ["SourceTable", "SourceLine"]
    [table] = tables(document)
    note = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    assert grid(table) == [
        [(note, N), (note, L)] + [("申请人情况", N)] + [("申请人情况", L)] * 6,
        [(note, A), (note, A), ("自然人", N), ("法人或其他组织", N)]
        + [("法人或其他组织", L)] * 4
        + [("总计", N)],
        [(note, A), (note, A), ("自然人", A), ("商业\n企业", N), ("科研机构", N),
         ("社会公益组织", N), ("法律服务机构", N), ("其他", N), ("总计", A)],
        [("一、本年新收政府信息公开申请数量", N), ("一、本年新收政府信息公开申请数量", L),
         ("5", N), ("", N), ("/", N), ("—", N), ("0", N), ("0", N), ("5", N)],
    ]  # fmt: skip
    # Word's column-width row (all empty) is not read; the places are the source rows
    assert [row.place for row in table.rows] == [Place(table=1, row=r) for r in (1, 2, 3, 4)]
    assert table.rows[3].place.describe() == "第1个表格 第4行"


def test_gbk_html_with_meta_charset() -> None:
    page = WORD_HTML.format(charset="gbk").replace(
        'http-equiv=Content-Type content="text/html; charset=gbk"', "charset=gbk"
    )
    assert "<meta charset=gbk>" in page
    document = read_html(page.encode("gbk"))
    utf8 = read_html(WORD_HTML.format(charset="utf-8").encode("utf-8"))
    assert document.blocks == utf8.blocks
    # and without any declaration, GBK bytes are still recognised (UTF-8 fails, GB18030 fits)
    bare = WORD_HTML.format(charset="").replace("charset=", "").encode("gbk")
    assert read_html(bare).blocks == utf8.blocks


def test_layout_table_around_the_report_is_read_as_its_content() -> None:
    page = (
        "<table><tr><td><p>标题</p><table><tr><td>规章</td><td>3</td></tr></table>"
        "<p>正文</p></td></tr></table>"
    )
    document = read_html(page.encode())
    assert lines(document) == ["标题", "正文"]
    [table] = tables(document)
    assert grid(table) == [[("规章", N), ("3", N)]]


def test_hostile_spans_are_clamped_quickly() -> None:
    cell = '<td colspan="100000" rowspan="100000">x</td>'
    page = "<table>" + ("<tr>" + cell * 8 + "</tr>") * (MAX_ROWS + 100) + "</table>"
    start = time.monotonic()
    document = read_html(page.encode())
    assert time.monotonic() - start < 10
    [table] = tables(document)
    assert len(table.rows) <= MAX_ROWS
    assert max(len(row.cells) for row in table.rows) <= MAX_COLS
    assert any("上限" in note for note in document.notes)


# --- .docx ----------------------------------------------------------------------------------


def _merged_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("三、收到和处理政府信息公开申请情况")
    table = document.add_table(rows=4, cols=4)
    table.style = "Table Grid"
    table.cell(0, 0).merge(table.cell(2, 1)).text = "（本列数据的勾稽关系）"
    table.cell(0, 2).merge(table.cell(0, 3)).text = "申请人情况"
    table.cell(1, 2).merge(table.cell(2, 2)).text = "自然人"
    table.cell(1, 3).text = "法人或其他组织"
    table.cell(2, 3).text = "商业企业"
    table.cell(3, 0).merge(table.cell(3, 1)).text = "一、本年新收政府信息公开申请数量"
    table.cell(3, 2).text = "12"
    table.cell(3, 3).text = "/"
    document.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_merges_and_order() -> None:
    document = read_docx(_merged_docx())
    assert document.kind is SourceKind.DOCX
    assert [type(block).__name__ for block in document.blocks] == [
        "SourceLine",
        "SourceTable",
        "SourceLine",
    ]
    assert lines(document) == [
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
    ]
    [table] = tables(document)
    note, first = "（本列数据的勾稽关系）", "一、本年新收政府信息公开申请数量"
    assert grid(table) == [
        [(note, N), (note, L), ("申请人情况", N), ("申请人情况", L)],
        [(note, A), (note, A), ("自然人", N), ("法人或其他组织", N)],
        [(note, A), (note, A), ("自然人", A), ("商业企业", N)],
        [(first, N), (first, L), ("12", N), ("/", N)],
    ]
    assert [row.place for row in table.rows] == [Place(table=1, row=r) for r in (1, 2, 3, 4)]


# --- PDF (LibreOffice makes it from a .docx), and the same page scanned -------------------

FIGURES = ["12", "3", "45", "7", "0", "128", "195", "36", "904", "2517"]


def _report_docx() -> docx.document.Document:
    document = docx.Document()
    document.add_paragraph("科技局2023年政府信息公开工作年度报告")
    document.add_paragraph("二、主动公开政府信息情况")
    table = document.add_table(rows=6, cols=4)
    table.style = "Table Grid"
    table.cell(0, 0).merge(table.cell(0, 3)).text = "第二十条第（一）项"
    for column, header in enumerate(["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]):
        table.cell(1, column).text = header
    for row, values in ((2, ["规章", "12", "3", "45"]), (3, ["行政规范性文件", "7", "0", "128"])):
        for column, value in enumerate(values):
            table.cell(row, column).text = value
    table.cell(4, 0).merge(table.cell(5, 0)).text = "合计"
    table.cell(4, 1).merge(table.cell(4, 3)).text = "195"
    for column, value in enumerate(["36", "904", "2517"], start=1):
        table.cell(5, column).text = value
    document.add_paragraph("三、收到和处理政府信息公开申请情况")
    return document


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The report as a PDF, and a page holding only a page number (to stamp on the scan, as
    sites do): both converted by one LibreOffice start."""
    folder = tmp_path_factory.mktemp("pdf")
    report, stamp = folder / "report.docx", folder / "stamp.docx"
    _report_docx().save(str(report))
    page_number = docx.Document()
    stamp_line = page_number.add_paragraph("- 1 -")
    stamp_line.paragraph_format.space_before = Pt(560)  # at the bottom, where page numbers are
    page_number.save(str(stamp))
    made = to_pdf([report, stamp], folder)
    return {"report": made[report], "stamp": made[stamp]}


@pytest.fixture(scope="module")
def report_pdf(pdfs: dict[str, Path]) -> Path:
    return pdfs["report"]


@pytest.mark.libreoffice
def test_pdf_table_and_text(report_pdf: Path) -> None:
    document = read_pdf(report_pdf.read_bytes())
    assert document.kind is SourceKind.PDF and document.ocr_pages == ()
    assert lines(document) == [
        "科技局2023年政府信息公开工作年度报告",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
    ]
    assert isinstance(document.blocks[2], SourceTable)  # between the two headings
    [table] = tables(document)
    assert grid(table) == [
        [("第二十条第（一）项", N)] + [("第二十条第（一）项", L)] * 3,
        [("信息内容", N), ("本年制发件数", N), ("本年废止件数", N), ("现行有效件数", N)],
        [("规章", N), ("12", N), ("3", N), ("45", N)],
        [("行政规范性文件", N), ("7", N), ("0", N), ("128", N)],
        [("合计", N), ("195", N), ("195", L), ("195", L)],
        [("合计", A), ("36", N), ("904", N), ("2517", N)],
    ]
    assert table.rows[2].place == Place(page=1, table=1, row=3)


@pytest.mark.libreoffice
def test_scanned_pdf_is_read_by_ocr(pdfs: dict[str, Path], tmp_path: Path) -> None:
    report_pdf = pdfs["report"]
    assert ocr_available(), "make ocr installs tesseract with chi_sim"
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(report_pdf), str(tmp_path / "scan")],
        check=True,
        timeout=60,
    )  # fmt: skip
    [png] = tmp_path.glob("scan*.png")
    image_only = io.BytesIO()
    Image.open(png).convert("RGB").save(image_only, format="PDF", resolution=200)
    # the site stamped a page number on the scan: a text layer of 3 characters, not the report
    writer = PdfWriter(clone_from=PdfReader(image_only))
    writer.pages[0].merge_page(PdfReader(pdfs["stamp"]).pages[0])
    scanned = tmp_path / "scanned.pdf"
    with scanned.open("wb") as out:
        writer.write(out)
    with pdfplumber.open(scanned) as stamped:
        assert stamped.pages[0].extract_text().strip() == "- 1 -"
    document = read_pdf(scanned.read_bytes())
    assert document.ocr_pages == (1,)
    assert any("文字识别" in note for note in document.notes)
    assert all(block.ocr for block in document.blocks if isinstance(block, SourceLine))
    # the ruled table is read cell by cell (every cell marked ocr), the text around it as lines
    tables = [block for block in document.blocks if isinstance(block, SourceTable)]
    assert tables and all(c.ocr for t in tables for row in t.rows for c in row.cells)
    texts = [
        " ".join(c.text for c in block.rows[0].cells if c.covered is Covered.NO)
        if isinstance(block, SourceTable) and len(block.rows) == 1
        else block.text
        for block in _rows_and_lines(document)
    ]
    for label in (
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "信息内容",
        "合计",
    ):
        assert any(label in text for text in texts), (label, texts)
    # every figure of the table comes out, in its row, separated from its neighbours by spaces
    rows = {text.split()[0]: text.split()[1:] for text in texts}
    assert rows["规章"] == ["12", "3", "45"]
    assert rows["行政规范性文件"] == ["7", "0", "128"]
    assert rows["合计"] == ["195"]
    assert ["36", "904", "2517"] in [text.split() for text in texts]
    read = [figure for text in texts for figure in re.findall(r"\d+", text) if figure != "2023"]
    assert read == FIGURES
    # without OCR the page is left out, and a note says so
    skipped = read_pdf(scanned.read_bytes(), ocr=False)
    assert skipped.blocks == () and skipped.ocr_pages == ()
    assert any("未做文字识别" in note for note in skipped.notes)


def test_ocr_spaces_between_chinese_characters_are_removed() -> None:
    assert join_cjk("政 府 信 息 公 开  12   3 | 45") == "政府信息公开  12   3   45"
    assert join_cjk("合 计 丨 195") == "合计   195"
    # what is left of a rule's junctions: quote marks before a figure or a cell
    assert join_cjk("商业企业 \u201d科研机构 \u201d0   \u201c5") == "商业企业 科研机构 0   5"
    assert join_cjk("3.危及\u201c三安全一稳定\u201d 0") == "3.危及\u201c三安全一稳定\u201d 0"


# --- hostile files, through read_published --------------------------------------------------


def _encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        with package.open("word/document.xml", "w") as part:  # streamed: see _one_page_pdf
            part.write(b"<w:document>")
            for _ in range(70):
                part.write(b" " * (1024 * 1024))
    return out.getvalue()


def _ole_doc() -> bytes:
    # a minimal compound file holding a WordDocument stream, as Word 97-2003 writes
    import olefile  # noqa: F401 -- the reader's dependency; the file is built by hand below

    sector = 512
    header = bytearray(sector)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[0x18:0x1A] = (0x3E).to_bytes(2, "little")  # minor version
    header[0x1A:0x1C] = (3).to_bytes(2, "little")  # major version 3: 512-byte sectors
    header[0x1C:0x1E] = b"\xfe\xff"  # little-endian
    header[0x1E:0x20] = (9).to_bytes(2, "little")
    header[0x20:0x22] = (6).to_bytes(2, "little")
    header[0x2C:0x30] = (1).to_bytes(4, "little")  # one FAT sector
    header[0x30:0x34] = (1).to_bytes(4, "little")  # the directory starts at sector 1
    header[0x38:0x3C] = (4096).to_bytes(4, "little")
    header[0x3C:0x40] = (0xFFFFFFFE).to_bytes(4, "little")  # no mini FAT
    header[0x44:0x48] = (0xFFFFFFFE).to_bytes(4, "little")  # no DIFAT sectors
    difat = [0] + [0xFFFFFFFF] * 108
    header[0x4C:0x200] = b"".join(v.to_bytes(4, "little") for v in difat)
    fat = [0xFFFFFFFD, 0xFFFFFFFE, 0xFFFFFFFE] + [0xFFFFFFFF] * 125
    fat_sector = b"".join(v.to_bytes(4, "little") for v in fat)

    def entry(name: str, kind: int, start: int, size: int, child: int = 0xFFFFFFFF) -> bytes:
        raw = bytearray(128)
        encoded = (name + "\0").encode("utf-16-le")
        raw[0 : len(encoded)] = encoded
        raw[0x40:0x42] = len(encoded).to_bytes(2, "little")
        raw[0x42] = kind
        raw[0x43] = 1  # black
        raw[0x44:0x48] = (0xFFFFFFFF).to_bytes(4, "little")
        raw[0x48:0x4C] = (0xFFFFFFFF).to_bytes(4, "little")
        raw[0x4C:0x50] = child.to_bytes(4, "little")
        raw[0x74:0x78] = start.to_bytes(4, "little")
        raw[0x78:0x7C] = size.to_bytes(4, "little")
        return bytes(raw)

    directory = (
        entry("Root Entry", 5, 0xFFFFFFFE, 0, child=1)
        + entry("WordDocument", 2, 2, 4096)
        + bytes(256)
    )
    return bytes(header) + fat_sector + directory + bytes(sector * 8)


def _one_page_pdf(content: bytes, times: int = 1) -> bytes:
    """A one-page PDF whose page content is `content` repeated `times`, deflated piece by piece
    (hand-built: the hostile part is what no PDF writer would produce). Nothing large is held:
    a test's peak memory is inherited by the subprocesses that later tests measure."""
    deflater = zlib.compressobj(1)
    packed = b"".join(deflater.compress(content) for _ in range(times)) + deflater.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _deflate_bomb_pdf() -> bytes:
    return _one_page_pdf(b"\0" * (1024 * 1024), times=300)  # 300 MB inflated, 300 KB on disk


def _operator_flood_pdf() -> bytes:
    return _one_page_pdf(b"0 0 m\n" * (3 * 1024 * 1024 // 6))  # hours of pdfminer, unchecked


def _encrypted_docx() -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(_merged_docx())).encrypt("1234", out)
    return out.getvalue()


HOSTILE = {
    "garbage.pdf": (bytes(range(256)) * 40, "import-wrong-content"),
    "garbage.docx": (bytes(range(256)) * 40, "import-wrong-content"),
    "garbage.html": (bytes(range(256)) * 40, "import-not-text"),
    "broken.pdf": (b"%PDF-1.7\n" + bytes(range(256)) * 40, "import-broken-pdf"),
    "broken.docx": (b"PK\x03\x04" + bytes(range(256)) * 40, "import-broken-zip"),
    "bomb.docx": (None, "import-zip-bomb"),
    "locked.pdf": (None, "import-pdf-encrypted"),
    "old.doc": (None, "import-doc"),
    "renamed.docx": (None, "import-doc"),  # an old .doc renamed: still said to be a .doc
    "password.docx": (None, "import-office-encrypted"),
    "deflated.pdf": (None, "import-pdf-bomb"),
    "flood.pdf": (None, "import-pdf-complex"),
    "empty.txt": (b"", "import-empty"),
    "blank.html": (b"  \r\n ", "import-empty"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_is_refused_with_a_chinese_message(name: str, tmp_path: Path) -> None:
    data, code = HOSTILE[name]
    if data is None:
        made = {"bomb": _zip_bomb, "locked": _encrypted_pdf, "password": _encrypted_docx,
                "deflated": _deflate_bomb_pdf, "flood": _operator_flood_pdf}  # fmt: skip
        data = made.get(name.split(".")[0], _ole_doc)()
    path = tmp_path / name
    path.write_bytes(data)
    start = time.monotonic()
    with pytest.raises(SourceError) as caught:
        read_published(path)
    assert time.monotonic() - start < 10
    assert caught.value.code == code
    assert CHINESE.search(str(caught.value))


def test_read_published_decides_by_content(tmp_path: Path) -> None:
    # a .docx named .txt, and the seed named .html, are read as what they are
    wrong_name = tmp_path / "report.txt"
    wrong_name.write_bytes(_merged_docx())
    assert read_published(wrong_name).kind is SourceKind.DOCX
    seed = tmp_path / "seed.dat"
    seed.write_bytes(SEED.read_bytes())
    assert read_published(seed).kind is SourceKind.TEXT
    page = tmp_path / "page.txt"
    page.write_bytes(WORD_HTML.format(charset="utf-8").encode("utf-8"))
    assert read_published(page).kind is SourceKind.HTML
    missing = tmp_path / "missing.pdf"
    with pytest.raises(SourceError) as caught:
        read_published(missing)
    assert caught.value.code == "import-unreadable" and CHINESE.search(str(caught.value))


def test_docx_automatic_numbering_is_read_as_drawn() -> None:
    # Word's outline numbering ("一、" and "（一）") is not in the text of the paragraphs: the
    # reader draws it from numbering.xml, or the headings could not be found
    from docx.oxml import parse_xml

    document = docx.Document()
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    numbering = document.part.numbering_part.element
    numbering.append(parse_xml(
        f'<w:abstractNum {ns} w:abstractNumId="90">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:lvlText w:val="%1、"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:lvlText w:val="（%2）"/></w:lvl></w:abstractNum>'
    ))  # fmt: skip
    numbering.append(parse_xml(f'<w:num {ns} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    outline = [
        (0, "总体情况"), (1, "主动公开情况"), (1, "依申请公开办理情况"), (0, "主动公开政府信息情况"),
        (0, "收到和处理政府信息公开申请情况"), (1, "申请情况"),
    ]  # fmt: skip
    for level, text in outline:
        paragraph = document.add_paragraph(text)
        paragraph._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {ns}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'
        ))  # fmt: skip
    document.add_paragraph("正文不编号")
    out = io.BytesIO()
    document.save(out)
    assert lines(read_docx(out.getvalue())) == [
        "一、总体情况",
        "（一）主动公开情况",
        "（二）依申请公开办理情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "（一）申请情况",
        "正文不编号",
    ]


def test_scanned_page_without_an_ocr_engine_says_how_to_install_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    page = io.BytesIO()
    Image.new("RGB", (600, 840), "white").save(page, format="PDF", resolution=72)
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine where tesseract is not installed
    ocr_available.cache_clear()
    try:
        with pytest.raises(SourceError) as caught:
            read_pdf(page.getvalue())
    finally:
        ocr_available.cache_clear()
    assert caught.value.code == "import-no-ocr"
    message = str(caught.value)
    assert "第1页" in message and "make ocr" in message and "tesseract-ocr-chi-sim" in message
    assert "UB Mannheim" in message
