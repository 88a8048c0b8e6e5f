"""Build the producer corpus: the valid sample QK005 with its XML rewritten the ways other programs
write it (issue 11.2), each a valid .xlsx that Excel opens with the same contents.

Run `python tests/producers/build.py` from the repository root; it rewrites the `rewritten-*.xlsx`
files here byte for byte (they are snapshots of this script's output, committed so that a change in
the script shows in review). `openpyxl-resave.xlsx` is written by openpyxl itself (load and save);
the LibreOffice saves are the ones in samples/returned/libreoffice/.
"""

from __future__ import annotations

import io
import random
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BASE = next((ROOT / "samples" / "returned").glob("QK005-*.xlsx"))
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"
XML_NS = "http://www.w3.org/XML/1998/namespace"
SHEET_PARTS = tuple(f"xl/worksheets/sheet{i}.xml" for i in range(1, 9))
XML_PARTS = (*SHEET_PARTS, "xl/workbook.xml", "xl/sharedStrings.xml", "xl/styles.xml")


def q(name: str) -> str:
    return f"{{{MAIN}}}{name}"


# -- a small serializer with the choices other programs make --------------------------------------


def serialize(
    root: Any,
    *,
    prefix: str | None = None,
    quote: str = '"',
    shuffle: random.Random | None = None,
    newline: str = "",
    indent: str = "",
    self_close: bool = True,
    namespaces: dict[str, str] | None = None,
) -> bytes:
    """Write a tree as XML: the main namespace bound to `prefix` (or default), attributes in
    `quote`s and maybe shuffled, elements indented with `newline` + `indent`, empty elements
    self-closing or not; `namespaces` renames namespace URIs (for strict OOXML)."""
    rename = namespaces or {}
    prefixes = {MAIN: prefix or ""}
    for key, uri in root.nsmap.items():
        if uri != MAIN and key:
            prefixes.setdefault(uri, key)
    prefixes.setdefault(XML_NS, "xml")

    def name(clark: str) -> str:
        if not clark.startswith("{"):
            return clark
        uri, local = clark[1:].split("}")
        found = prefixes.get(uri)
        if found is None:
            found = prefixes[uri] = f"ns{len(prefixes)}"
        return f"{found}:{local}" if found else local

    def attr(text: str) -> str:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        text = text.replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#9;")
        return text.replace(quote, "&quot;" if quote == '"' else "&apos;")

    def body(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    out: list[str] = []

    def write(element: Any, depth: int) -> None:
        items = [(name(k), v) for k, v in element.attrib.items()]
        if shuffle is not None:
            shuffle.shuffle(items)
        if depth == 0:
            used = {
                uri: p for uri, p in prefixes.items() if uri != XML_NS
            }  # every namespace the tree uses, declared on the root
            decls = [
                (f"xmlns:{p}" if p else "xmlns", rename.get(uri, uri)) for uri, p in used.items()
            ]
            items = decls + items
        tag = name(element.tag)
        start = "<" + tag + "".join(f" {k}={quote}{attr(v)}{quote}" for k, v in items)
        children = list(element)
        text = element.text or ""
        pad = newline + indent * depth if newline else ""
        if not children and not text:
            out.append(start + ("/>" if self_close else f"></{tag}>"))
        elif not children:
            out.append(start + ">" + body(text) + f"</{tag}>")
        else:
            out.append(start + ">" + body(text))
            for child in children:
                if newline:
                    out.append(newline + indent * (depth + 1))
                write(child, depth + 1)
                out.append(body(child.tail or ""))
            out.append(pad + f"</{tag}>")

    # Names are collected in a first pass so that the root declares every namespace.
    for element in root.iter():
        name(element.tag)
        for key in element.attrib:
            name(key)
    write(root, 0)
    head = f"<?xml version={quote}1.0{quote} encoding={quote}UTF-8{quote} standalone={quote}yes{quote}?>"
    return (head + (newline or "\n") + "".join(out)).encode()


# -- rewrites of the tree -------------------------------------------------------------------------


def inline_strings(parts: dict[str, bytes]) -> None:
    """Every shared-string cell becomes an inline string (as the Open XML SDK often writes)."""
    strings = [
        "".join(si.itertext())
        for si in etree.fromstring(parts["xl/sharedStrings.xml"]).iter(q("si"))
    ]
    for part in SHEET_PARTS:
        root = etree.fromstring(parts[part])
        for c in root.iter(q("c")):
            if c.get("t") == "s":
                text = strings[int(c.find(q("v")).text)]
                for child in list(c):
                    c.remove(child)
                c.set("t", "inlineStr")
                t = etree.SubElement(etree.SubElement(c, q("is")), q("t"))
                t.text = text
                if text != text.strip():
                    t.set(f"{{{XML_NS}}}space", "preserve")
        parts[part] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def rich_runs(parts: dict[str, bytes], *, phonetic: bool = False) -> None:
    """Shared strings split into formatted runs (Excel and WPS after bold/colour edits), or with a
    phonetic guide added (Japanese and some Chinese IMEs); readers must show the same text."""
    root = etree.fromstring(parts["xl/sharedStrings.xml"])
    for si in root.iter(q("si")):
        text = "".join(si.itertext())
        for child in list(si):
            si.remove(child)
        if phonetic:
            etree.SubElement(si, q("t")).text = text
            rph = etree.SubElement(si, q("rPh"), sb="0", eb="1")
            etree.SubElement(rph, q("t")).text = "ㄓㄨㄥ"
            etree.SubElement(si, q("phoneticPr"), fontId="1", type="noConversion")
            continue
        middle = max(1, len(text) // 2)
        for piece, bold in ((text[:middle], True), (text[middle:], False)):
            if not piece:
                continue
            run = etree.SubElement(si, q("r"))
            props = etree.SubElement(run, q("rPr"))
            if bold:
                etree.SubElement(props, q("b"))
            etree.SubElement(props, q("sz"), val="11")
            t = etree.SubElement(run, q("t"))
            t.text = piece
            t.set(f"{{{XML_NS}}}space", "preserve")
    parts["xl/sharedStrings.xml"] = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", standalone=True
    )


def no_references(parts: dict[str, bytes]) -> None:
    """Rows and cells without r= (positions implied; gaps filled with empty elements)."""
    for part in SHEET_PARTS:
        root = etree.fromstring(parts[part])
        data = root.find(q("sheetData"))
        expected_row = 1
        for row in list(data):
            number = int(row.get("r"))
            while expected_row < number:  # an empty row keeps the next one's position
                row.addprevious(etree.Element(q("row")))
                expected_row += 1
            del row.attrib["r"]
            row.attrib.pop("spans", None)
            expected_col = 1
            for c in list(row):
                col = _column(c.get("r"))
                while expected_col < col:
                    c.addprevious(etree.Element(q("c")))
                    expected_col += 1
                del c.attrib["r"]
                expected_col += 1
            expected_row += 1
        parts[part] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def shared_formulas(parts: dict[str, bytes]) -> None:
    """Formulas down a column that are copies of the one above become one shared formula (as Excel
    writes a filled-down range): a master with t="shared" ref=.. si=.. and children with only si."""
    from openpyxl.formula.translate import Translator

    for part in SHEET_PARTS:
        root = etree.fromstring(parts[part])
        by_column: dict[str, list[tuple[int, Any]]] = {}
        for c in root.iter(q("c")):
            f = c.find(q("f"))
            if f is not None and f.text and not f.attrib:
                ref = c.get("r")
                letters = ref.rstrip("0123456789")
                by_column.setdefault(letters, []).append((int(ref[len(letters) :]), c))
        index = 0
        for cells in by_column.values():
            run: list[tuple[int, Any]] = []
            for number, c in [*cells, (None, None)]:
                if run and number is not None and number == run[-1][0] + 1:
                    master_ref = run[0][1].get("r")
                    master = run[0][1].find(q("f")).text
                    moved = Translator("=" + master, master_ref).translate_formula(c.get("r"))
                    if moved[1:] == c.find(q("f")).text:
                        run.append((number, c))
                        continue
                if len(run) > 1:
                    first, last = run[0][1].get("r"), run[-1][1].get("r")
                    f = run[0][1].find(q("f"))
                    f.set("t", "shared")
                    f.set("ref", f"{first}:{last}")
                    f.set("si", str(index))
                    for _, child in run[1:]:
                        g = child.find(q("f"))
                        g.text = None
                        g.set("t", "shared")
                        g.set("si", str(index))
                    index += 1
                run = [(number, c)] if number is not None else []
        parts[part] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _column(ref: str) -> int:
    col = 0
    for ch in ref:
        if not ch.isalpha():
            break
        col = col * 26 + ord(ch) - 64
    return col


def reserialized(**options: Any) -> Callable[[dict[str, bytes]], None]:
    def rewrite(parts: dict[str, bytes]) -> None:
        for part in XML_PARTS:
            parts[part] = serialize(etree.fromstring(parts[part]), **options)

    return rewrite


def strict(parts: dict[str, bytes]) -> None:
    """Strict OOXML (ISO 29500 strict): other namespace URIs for the same elements."""
    reserialized(namespaces={MAIN: STRICT, REL: STRICT_REL})(parts)


VARIANTS: dict[str, Callable[[dict[str, bytes]], None]] = {
    "prefix": reserialized(prefix="x"),  # Open XML SDK: <x:worksheet xmlns:x=...><x:c r=..>
    "single-quotes": reserialized(quote="'"),
    "shuffled-attributes": reserialized(shuffle=random.Random(11)),
    "crlf-indented": reserialized(newline="\r\n", indent="  "),
    "no-self-closing": reserialized(self_close=False),
    "inline-strings": inline_strings,
    "rich-text": rich_runs,
    "phonetic": lambda parts: rich_runs(parts, phonetic=True),
    "no-references": no_references,
    "shared-formulas": shared_formulas,
    "strict": strict,
}


def rewrite(data: bytes, change: Callable[[dict[str, bytes]], None]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = {info.filename: source.read(info) for info in source.infolist()}
    change(parts)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, body in parts.items():
            target.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), body,
                            compress_type=zipfile.ZIP_DEFLATED)  # fmt: skip
    return out.getvalue()


def openpyxl_resave(data: bytes) -> bytes:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def build(folder: Path = HERE) -> list[Path]:
    data = BASE.read_bytes()
    written = []
    for name, change in VARIANTS.items():
        path = folder / f"rewritten-{name}.xlsx"
        path.write_bytes(rewrite(data, change))
        written.append(path)
    path = folder / "openpyxl-resave.xlsx"
    path.write_bytes(openpyxl_resave(data))
    written.append(path)
    return written


if __name__ == "__main__":
    for path in build(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(path.name)
