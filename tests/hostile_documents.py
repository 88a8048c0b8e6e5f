"""Hostile published reports for `nianbao import` (issue 27), built as bytes: PDFs whose filter
chains, XObjects, page trees, references, nesting, cross-reference tables and object counts are
made to exhaust pdfminer; .docx files with a bad CRC, deep nesting, many cells and huge spans; HTML
tables of huge spans. `KINDS` maps each file name to its maker and the words its 未能导入 line must
hold; `python -m tests.hostile_documents DIR` writes them to DIR to look at.
"""

from __future__ import annotations

import binascii
import io
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

__all__ = ["KINDS"]

TEXT = b"BT /F1 12 Tf 72 720 Td (2023 report) Tj ET"
FONT = b"/Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >>"


def pdf(objects: dict[int, bytes], *, broken_xref: bool = False) -> bytes:
    """A PDF of these objects (number: body) with a correct cross-reference table, or one whose
    every offset points past the end."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % (999_999_999 if broken_xref else offsets.get(number, 0))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def one_page(
    content: bytes, resources: bytes = b"<< >>", extra: bytes = b"", **more: bytes
) -> bytes:
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources %s %s>>" % (resources, extra),
        4: content,
    }
    objects.update({int(k[1:]): v for k, v in more.items()})
    return pdf(objects)


def filter_chain() -> bytes:
    """A content stream deflated forty times over, declared as forty FlateDecode filters."""
    data = b"q Q " * 200_000 + TEXT
    for _ in range(40):
        data = zlib.compress(data, 9)
    return one_page(stream(data, b"/Filter [" + b"/FlateDecode " * 40 + b"]"))


def hex_chain() -> bytes:
    """Six ASCIIHexDecode filters: every layer doubles the stream."""
    data = TEXT * 1000
    for _ in range(6):
        data = binascii.hexlify(data) + b">"
    return one_page(stream(data, b"/Filter [" + b"/AHx " * 6 + b"]"))


def xobject_flood() -> bytes:
    """Form XObjects drawing each other twenty times, seven levels deep: 20**7 glyphs."""
    form = b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] "
    more = {"o10": stream(TEXT, form + b"/Resources << %s >>" % FONT)}
    for k in range(1, 8):
        body = b" ".join([b"/X%d Do" % (k - 1)] * 20)
        resources = b"/Resources << /XObject << /X%d %d 0 R >> >>" % (k - 1, 9 + k)
        more[f"o{10 + k}"] = stream(body, form + resources)
    return one_page(stream(b"/X7 Do"), b"<< /XObject << /X7 17 0 R >> %s >>" % FONT, **more)


def many_pages() -> bytes:
    """A page tree of 200,000 kids, all the same page."""
    count = 200_000
    kids = b" ".join(b"3 0 R" for _ in range(count))
    return pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << %s >> >>" % FONT,
        4: stream(TEXT),
    })  # fmt: skip


def carriage_returns() -> bytes:
    """200 MB of carriage returns, deflated to 200 KB, as a page's content."""
    compressor = zlib.compressobj(9)
    chunk = b"\r" * (1024 * 1024)
    data = b"".join(compressor.compress(chunk) for _ in range(200)) + compressor.flush()
    return one_page(stream(data, b"/Filter /FlateDecode"))


def raw_carriage_returns() -> bytes:
    return one_page(stream(b"\r" * (8 * 1024 * 1024)))


def reference_loop() -> bytes:
    """/Count and /MediaBox are references that lead back to themselves."""
    return pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 5 0 R >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox 6 0 R /Contents 4 0 R >>",
        4: stream(TEXT),
        5: b"7 0 R",
        6: b"8 0 R",
        7: b"5 0 R",
        8: b"6 0 R",
    })  # fmt: skip


def page_tree_loop() -> bytes:
    return pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 1 >>",
        3: b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>",
    })  # fmt: skip


def deep_arrays() -> bytes:
    return one_page(stream(TEXT), extra=b"/Junk 5 0 R", o5=b"[" * 100_000 + b"]" * 100_000)


def deep_dictionaries() -> bytes:
    nested = b"<< /A " * 50_000 + b"1" + b" >>" * 50_000
    return one_page(stream(TEXT), extra=b"/Junk 5 0 R", o5=nested)


def broken_xref() -> bytes:
    """Offsets past the end, and no object a repair could find by its keyword."""
    return pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        4: stream(TEXT),
    }, broken_xref=True).replace(b" obj\n", b" ob j\n")  # fmt: skip


def many_objects() -> bytes:
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        4: stream(TEXT),
    }
    objects.update((i, b"<< /N [1 2 3] >>") for i in range(5, 300_000))
    return pdf(objects)


def _docx(
    change: Callable[[bytes], bytes] | None = None,
    method: int = zipfile.ZIP_DEFLATED,
    title: str = "x",
) -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph(title)
    buffer = io.BytesIO()
    document.save(buffer)
    source = zipfile.ZipFile(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as target:
        for name in source.namelist():
            body = source.read(name)
            if change is not None and name == "word/document.xml":
                body = change(body)
            target.writestr(name, body)
    return out.getvalue()


def docx_bad_crc() -> bytes:
    """One byte of the stored document.xml changed after its CRC was written."""
    data = bytearray(_docx(method=zipfile.ZIP_STORED, title="科技局2023年政府信息公开工作年度报告"))
    at = data.find(b"2023")
    data[at : at + 4] = b"2024"
    return bytes(data)


def docx_deep() -> bytes:
    opening, closing = b"<w:tbl><w:tr><w:tc>" * 20_000, b"</w:tc></w:tr></w:tbl>" * 20_000
    return _docx(lambda xml: xml.replace(b"<w:body>", b"<w:body>" + opening + b"<w:p/>" + closing))


def docx_many_cells() -> bytes:
    """1,200,000 cells in one table."""
    row = b"<w:tr>" + b"<w:tc><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc>" * 60 + b"</w:tr>"
    return _docx(
        lambda xml: xml.replace(b"<w:body>", b"<w:body><w:tbl>" + row * 20_000 + b"</w:tbl>")
    )


def docx_spans() -> bytes:
    cell = b'<w:tc><w:tcPr><w:gridSpan w:val="2000000000"/><w:vMerge w:val="restart"/></w:tcPr><w:p/></w:tc>'
    rows = (b"<w:tr>" + cell + b"</w:tr>") * 500
    return _docx(lambda xml: xml.replace(b"<w:body>", b"<w:body><w:tbl>" + rows + b"</w:tbl>"))


def html_spans() -> bytes:
    cell = '<td colspan="65534" rowspan="65534">一、本年新收政府信息公开申请数量</td>'
    rows = ("<tr>" + cell * 20 + "</tr>") * 2000
    return f"<html><body><table>{rows}</table></body></html>".encode()


def html_span_junk() -> bytes:
    row = (
        '<tr><td colspan="9999999999999999999999" rowspan="-5">a</td>'
        '<td colspan="1e9" rowspan="0x7fffffff">b</td><td colspan="&#x39;99999999">c</td></tr>'
    )
    return f"<html><body><table>{row * 10}</table></body></html>".encode()


# file name: (maker, words its 未能导入 line holds)
KINDS: dict[str, tuple[Callable[[], bytes], str]] = {
    "滤镜链.pdf": (filter_chain, "报告年度"),
    "十六进制链.pdf": (hex_chain, "绘制指令过多"),
    "图形对象.pdf": (xobject_flood, "图形对象（XObject）"),
    "多页.pdf": (many_pages, "报告年度"),
    "回车.pdf": (carriage_returns, "绘制指令过多"),
    "回车原文.pdf": (raw_carriage_returns, "绘制指令过多"),
    "引用循环.pdf": (reference_loop, "对象引用首尾相连"),
    "页树循环.pdf": (page_tree_loop, "找不到可读取的页面"),
    "深层数组.pdf": (deep_arrays, "报告年度"),
    "深层字典.pdf": (deep_dictionaries, "报告年度"),
    "交叉引用.pdf": (broken_xref, "找不到可读取的页面"),
    "对象过多.pdf": (many_objects, "报告年度"),
    "校验错误.docx": (docx_bad_crc, "压缩包已损坏"),
    "深层表格.docx": (docx_deep, "不是有效的 .docx"),
    "单元格过多.docx": (docx_many_cells, "压缩比异常"),
    "合并过宽.docx": (docx_spans, "报告年度"),
    "跨行跨列.html": (html_spans, "报告年度"),
    "跨度乱码.html": (html_span_junk, "报告年度"),
}


if __name__ == "__main__":
    folder = Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    for name, (make, _) in KINDS.items():
        (folder / name).write_bytes(make())
