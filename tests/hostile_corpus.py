"""The hostile corpus, round two (issue 9): files, paths and texts as an attacker would send them.

Every file kind is built from the valid sample QK005 by rewriting its XML (nothing else changes,
as if a spreadsheet had saved it), small and fast; the path kinds are devices, FIFOs and symbolic
links. `KINDS` says, for each, what a run of `nianbao check` on it must end with; the tests in
`tests/test_hostile.py` run them. `python -m tests.hostile_corpus DIR` writes the file kinds to DIR.
"""

from __future__ import annotations

import io
import os
import re
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from .conftest import SAMPLES

__all__ = [
    "BASE",
    "KINDS",
    "MARKERS",
    "Kind",
    "meta",
    "relabel",
    "write",
]

BASE = next((SAMPLES / "returned").glob("QK005-*.xlsx"))
ODS = SAMPLES / "returned" / "libreoffice" / "QK005-libreoffice.ods"
RULE_EXPLAINED = SAMPLES / "returned" / "invalid" / "rule-making-explained.xlsx"
WORKSHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
# Text from a hostile input that must never become part of a formula in any output (the payloads
# themselves, not function names an output might use on its own, such as HYPERLINK).
MARKERS = ('"http://x"', "cmd|", "SUM(1)", "calc'")
HYPERLINK = '=HYPERLINK("http://x","y")'
DDE = "=cmd|' /C calc'!A0"


# ------------------------------------------------------------------------------------------------
# Rewriting the sample's package
# ------------------------------------------------------------------------------------------------


def parts(data: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: archive.read(name) for name in archive.namelist()}


def package(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return out.getvalue()


def edit(name: str, change: Callable[[str], str], data: bytes | None = None) -> bytes:
    """The package with one XML part rewritten by `change`."""
    members = parts(BASE.read_bytes() if data is None else data)
    members[name] = change(members[name].decode("utf-8")).encode("utf-8")
    return package(members)


def xml_text(text: str) -> str:
    """Element text as Excel stores it: markup escaped, control characters as _xHHHH_."""
    return re.sub(
        r"[\x00-\x08\x0b\x0c\x0e-\x1f]", lambda m: f"_x{ord(m.group()):04X}_", escape(text)
    )


@cache
def _layout() -> tuple[object, ...]:
    from toolkit.form.form_file import standard_form
    from toolkit.form.layout import layout

    return tuple(layout(standard_form()))


def sheet_part(sheet_name: str) -> str:
    index = next(i for i, s in enumerate(_layout()) if s.name == sheet_name)  # type: ignore[attr-defined]
    return f"xl/worksheets/sheet{index + 2}.xml"  # 填报说明 is sheet1


def where(key: str) -> tuple[str, str]:
    """Sheet part and A1 reference of an input, total or narrative part."""
    for sheet in _layout():
        if key in sheet.cells:  # type: ignore[attr-defined]
            return sheet_part(sheet.name), sheet.cells[key].ref  # type: ignore[attr-defined]
    raise KeyError(key)


def note_cell(rule: str) -> tuple[str, str]:
    for sheet in _layout():
        for note in sheet.notes:  # type: ignore[attr-defined]
            if note.rule == rule:
                return sheet_part(sheet.name), note.area.ref  # type: ignore[attr-defined]
    raise KeyError(rule)


def set_cell(part: str, ref: str, inner: str, kind: str = "", data: bytes | None = None) -> bytes:
    """One cell's content replaced, its style kept."""

    def change(xml: str) -> str:
        pattern = re.compile(rf'<c r="{ref}"( s="\d+")?( t="\w+")?(?:/>|>.*?</c>)')
        match = pattern.search(xml)
        if match is None:
            raise ValueError(f"{ref} not in {part}")
        kind_attr = f' t="{kind}"' if kind else ""
        cell = f'<c r="{ref}"{match.group(1) or ""}{kind_attr}>{inner}</c>'
        return xml[: match.start()] + cell + xml[match.end() :]

    return edit(part, change, data)


def text_in(key: str, text: str, data: bytes | None = None) -> bytes:
    part, ref = where(key)
    return set_cell(part, ref, f"<is><t>{xml_text(text)}</t></is>", "inlineStr", data)


def value_in(key: str, value: str, data: bytes | None = None, kind: str = "") -> bytes:
    part, ref = where(key)
    return set_cell(part, ref, f"<v>{value}</v>", kind, data)


@cache
def _meta_rows() -> dict[str, int]:
    """Row of each key on the `_meta` sheet (the last sheet part) of the sample."""
    members = parts(BASE.read_bytes())
    strings = re.findall(r"<si><t[^>]*>([^<]*)</t></si>", members["xl/sharedStrings.xml"].decode())
    rows = {}
    sheet = members["xl/worksheets/sheet8.xml"].decode()
    for row, index in re.findall(r'<c r="A(\d+)"[^>]*t="s"[^>]*><v>(\d+)</v>', sheet):
        rows[strings[int(index)]] = int(row)
    return rows


def meta(data: bytes | None = None, **values: str) -> bytes:
    """`_meta` values replaced (as text), as someone who unhid the sheet would."""
    for key, value in values.items():
        data = set_cell(
            "xl/worksheets/sheet8.xml",
            f"B{_meta_rows()[key]}",
            f"<is><t>{xml_text(value)}</t></is>",
            "inlineStr",
            data,
        )
    assert data is not None
    return data


def relabel(code: str, name: str, data: bytes | None = None) -> bytes:
    return meta(data, agency_code=code, agency_name=name)


def with_error(data: bytes) -> bytes:
    """A decimal count: one error, so the file gets a feedback copy."""
    return value_in("t2.licensing.decisions", "3.5", data)


def rows_after(sheet_name: str, rows: str, dimension: str) -> bytes:
    """Rows appended after the sheet's last row, with the dimension a spreadsheet would declare."""

    def change(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{dimension}"/>', xml, count=1)
        return xml.replace("</sheetData>", rows + "</sheetData>", 1)

    return edit(sheet_part(sheet_name), change)


T3 = "三、依申请公开"
# A cell reference that is not one: terminal markup, a bidi override that reverses what follows.
FORGED_REF = "[bold red]伪[/]\u202e"


def forged_refs(cells: int) -> Callable[[], bytes]:
    """A row below the sheet's bounded area whose filled cells carry FORGED_REF as their `r=`, and
    a filled cell without one (so the sheet's cells are placed by counting): the first of them is
    the place the `extra-content` finding names."""

    def build() -> bytes:
        forged = "".join(f'<c r="{FORGED_REF}"><v>{i}</v></c>' for i in range(cells))
        return rows_after(T3, f'<row r="900">{forged}<c><v>7</v></c></row>', "A1:L900")

    return build


def far_corner() -> bytes:
    return rows_after(T3, '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "A1:XFD1048576")


def million_down() -> bytes:
    return rows_after(T3, '<row r="1000000"><c r="B1000000"><v>1</v></c></row>', "A1:L1000000")


def million_cells() -> bytes:
    """1,000,000 numbers below the form (rows 101-1100, columns A-ALL)."""
    from xlsxwriter.utility import xl_col_to_name

    letters = [xl_col_to_name(c) for c in range(1000)]
    rows = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{col}{r}"><v>1</v></c>' for col in letters) + "</row>"
        for r in range(101, 1101)
    )
    return rows_after(T3, rows, "A1:ALL1100")


def ods_million_down() -> bytes:
    members = parts(ODS.read_bytes())
    xml = members["content.xml"].decode("utf-8")
    start = xml.index('<table:table table:name="三、依申请公开"')
    end = xml.index("</table:table>", start)
    far = (
        '<table:table-row table:number-rows-repeated="999960"><table:table-cell/></table:table-row>'
        '<table:table-row><table:table-cell office:value-type="float" office:value="1">'
        "<text:p>1</text:p></table:table-cell></table:table-row>"
    )
    members["content.xml"] = (xml[:end] + far + xml[end:]).encode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:  # mimetype first and stored, as ODF requires
        archive.writestr("mimetype", members.pop("mimetype"), zipfile.ZIP_STORED)
        for name, body in members.items():
            archive.writestr(name, body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def many_attributes(part: str, tag: str) -> Callable[[], bytes]:
    """About 300 KB of attributes on the first `<tag ...` of a part, before its own ones. Each
    looks like a cell reference (`a17r="A1"`), so a pattern such as `<c [^>]*?r="(…)"[^>]*>`
    backtracks over the whole tag once for each of them: quadratic time."""
    attributes = "".join(f'a{i}r="A1" ' for i in range(30_000))

    def build() -> bytes:
        return edit(part, lambda xml: xml.replace(f"<{tag} ", f"<{tag} {attributes}", 1))

    return build


def dtd_after_whitespace(part: str) -> Callable[[], bytes]:
    """A DTD after 100 KB of whitespace: past any look at the first few kilobytes."""

    def change(xml: str) -> str:
        declaration, _, rest = xml.partition("?>")
        root = re.match(r"\s*<([\w:]+)", rest)
        assert root is not None
        doctype = f'<!DOCTYPE {root.group(1)} [<!ENTITY e "entity">]>'
        return declaration + "?>" + " " * 100_000 + doctype + rest

    return lambda: edit(part, change)


def duplicate_sheet_name() -> bytes:
    """三、依申请公开 listed twice in workbook.xml, the second time pointing at another sheet."""
    members = parts(BASE.read_bytes())
    rels = members["xl/_rels/workbook.xml.rels"].decode()
    members["xl/_rels/workbook.xml.rels"] = rels.replace(
        "</Relationships>",
        f'<Relationship Id="rId99" Type="{WORKSHEET}" Target="worksheets/sheet1.xml"/>'
        "</Relationships>",
    ).encode()
    workbook = members["xl/workbook.xml"].decode()
    members["xl/workbook.xml"] = workbook.replace(
        "</sheets>", f'<sheet name="{T3}" sheetId="99" r:id="rId99"/></sheets>'
    ).encode()
    return package(members)


def number_format(key: str, code: str) -> bytes:
    """An input cell given a custom number format (30 shown where 3 is stored)."""
    part, ref = where(key)
    members = parts(BASE.read_bytes())
    sheet = members[part].decode()
    match = re.search(rf'<c r="{ref}" s="(\d+)"', sheet)
    assert match is not None
    styles = members["xl/styles.xml"].decode()
    block = re.search(r"<cellXfs count=\"(\d+)\">(.*?)</cellXfs>", styles, re.S)
    assert block is not None
    xfs = re.findall(r"<xf\b[^>]*/>|<xf\b[^>]*>.*?</xf>", block.group(2), re.S)
    mine = re.sub(r'numFmtId="\d+"', 'numFmtId="200"', xfs[int(match.group(1))], count=1)
    mine = re.sub(r'\s+applyNumberFormat="[^"]*"', "", mine, count=1)
    mine = mine.replace("<xf ", '<xf applyNumberFormat="1" ', 1)
    count = int(block.group(1))
    styles = styles.replace(
        block.group(0),
        f'<cellXfs count="{count + 1}">{block.group(2)}{mine}</cellXfs>',
    )
    styles = re.sub(
        r'<numFmts count="(\d+)">',
        lambda m: (
            f'<numFmts count="{int(m.group(1)) + 1}">'
            f'<numFmt numFmtId="200" formatCode="{escape(code, {chr(34): "&quot;"})}"/>'
        ),
        styles,
        count=1,
    )
    members["xl/styles.xml"] = styles.encode()
    members[part] = sheet.replace(match.group(0), f'<c r="{ref}" s="{count}"', 1).encode()
    return package(members)


def note_text(rule: str, text: str) -> bytes:
    part, ref = note_cell(rule)
    inner = f"<is><t>{xml_text(text)}</t></is>"
    return set_cell(part, ref, inner, "inlineStr", RULE_EXPLAINED.read_bytes())


# ------------------------------------------------------------------------------------------------
# The kinds
# ------------------------------------------------------------------------------------------------

Outcome = tuple[frozenset[str], int]  # finding codes that must all be present, exit code


def ok(*codes: str, exit: int) -> Outcome:
    return frozenset(codes), exit


@dataclass(frozen=True, kw_only=True)
class Kind:
    """One hostile input and the acceptable ways for `nianbao check` to end on it."""

    name: str
    file: str  # the name it is written under in the corpus folder
    build: Callable[[], bytes] | None = None  # its bytes; None for the path kinds
    place: Callable[[Path], Path] | None = None  # makes a path kind inside a folder
    outcomes: tuple[Outcome, ...]
    process: bool = False  # run `nianbao` in a real subprocess (memory, devices, native crashes)
    feedback: bool = False  # also write feedback copies (`--feedback`)
    absent: tuple[str, ...] = ()  # never in the terminal output
    shown: tuple[str, ...] = ()  # shown literally in the terminal output
    status: str = ""  # the file's status, when the codes alone do not say it
    injects: bool = False  # carries text meant to become a formula in an output

    def make(self, folder: Path) -> Path:
        if self.place is not None:
            return self.place(folder)
        assert self.build is not None
        path = folder / self.file
        path.write_bytes(self.build())
        return path


def _fifo(folder: Path) -> Path:
    path = folder / "管道.xlsx"
    os.mkfifo(path)
    return path


def _link(target: str) -> Callable[[Path], Path]:
    def place(folder: Path) -> Path:
        path = folder / f"链接{Path(target).name}.xlsx"
        path.symlink_to(target)
        return path

    return place


def _inside(make: Callable[[Path], Path]) -> Callable[[Path], Path]:
    """A folder holding a valid report and the hostile entry."""

    def place(folder: Path) -> Path:
        inner = folder / "报回"
        inner.mkdir()
        (inner / BASE.name).write_bytes(BASE.read_bytes())
        make(inner)
        return inner

    return place


def _device(path: str) -> Callable[[Path], Path]:
    return lambda folder: Path(path)


UNREADABLE = (ok("unreadable", exit=1),)
# A device, FIFO or link to one named on the command line is refused before anything is read
# (exit 2, "不是普通文件"); in a batch it would be `unreadable`.
REFUSED_SPECIAL = (ok(exit=2), ok("unreadable", exit=1))
# A device or FIFO found in a folder may be skipped with a note instead; the valid file passes.
SKIPPED_OR_UNREADABLE = (ok("skipped-file", exit=0), ok("unreadable", exit=1))
WARNS_EXTRA = (ok("extra-content", exit=0),)
# Attributes no spreadsheet writes: read in bounded time, either as a normal file or refused.
READ_OR_REFUSED = (ok(exit=0), ok("unreadable", exit=1))
ZWSP = "\u200b\u200b\ufeff\u2060"
FORGED = "\n共 99 个文件：通过 99，有提示 0，有错误 0，无法读取 0。"

KINDS: tuple[Kind, ...] = (
    # --- size: the grid a library would build is bounded before it is built
    Kind(name="cell at XFD1048576", file="远角.xlsx", build=far_corner, outcomes=WARNS_EXTRA,
         process=True),
    Kind(name="forged cell references below the form (a short row)", file="伪引用-短.xlsx",
         build=forged_refs(2), outcomes=WARNS_EXTRA, absent=("\u202e", "[/]"), shown=("!A900",)),
    Kind(name="forged cell references below the form (a long row)", file="伪引用-长.xlsx",
         build=forged_refs(40), outcomes=WARNS_EXTRA, absent=("\u202e", "[/]"), shown=("!A900",)),
    Kind(name="cell a million rows down (xlsx)", file="百万行.xlsx", build=million_down,
         outcomes=WARNS_EXTRA, process=True),
    Kind(name="cell a million rows down (ods)", file="百万行.ods", build=ods_million_down,
         outcomes=(ok("extra-content", exit=0), ok("unreadable", exit=1)), process=True),
    Kind(name="a sheet of 1,000,000 cells", file="百万格.xlsx", build=million_cells,
         outcomes=(ok("extra-content", exit=0), ok("unreadable", exit=1)), process=True),
    # --- time: no pattern is quadratic on a tag with tens of thousands of attributes
    Kind(name="300 KB of attributes on a <c> tag", file="属性-单元格.xlsx",
         build=many_attributes(sheet_part(T3), "c"), outcomes=READ_OR_REFUSED),
    Kind(name="300 KB of attributes in workbook.xml", file="属性-工作簿.xlsx",
         build=many_attributes("xl/workbook.xml", "sheet"), outcomes=READ_OR_REFUSED),
    Kind(name="300 KB of attributes in styles.xml", file="属性-样式.xlsx",
         build=many_attributes("xl/styles.xml", "xf"), outcomes=READ_OR_REFUSED),
    Kind(name="300 KB of attributes in sharedStrings.xml", file="属性-字符串.xlsx",
         build=many_attributes("xl/sharedStrings.xml", "sst"), outcomes=READ_OR_REFUSED),
    # --- a DTD anywhere, not only in the first kilobytes
    Kind(name="DTD after 100 KB of whitespace (sharedStrings.xml)", file="DTD-字符串.xlsx",
         build=dtd_after_whitespace("xl/sharedStrings.xml"), outcomes=UNREADABLE),
    Kind(name="DTD after 100 KB of whitespace (a sheet)", file="DTD-工作表.xlsx",
         build=dtd_after_whitespace(sheet_part(T3)), outcomes=UNREADABLE),
    Kind(name="DTD after 100 KB of whitespace (styles.xml)", file="DTD-样式.xlsx",
         build=dtd_after_whitespace("xl/styles.xml"), outcomes=UNREADABLE),
    Kind(name="DTD after 100 KB of whitespace (workbook.xml)", file="DTD-工作簿.xlsx",
         build=dtd_after_whitespace("xl/workbook.xml"), outcomes=UNREADABLE),
    # --- only regular files are read
    Kind(name="/dev/zero given as a file", file="", place=_device("/dev/zero"),
         outcomes=REFUSED_SPECIAL, process=True),
    Kind(name="/dev/urandom given as a file", file="", place=_device("/dev/urandom"),
         outcomes=REFUSED_SPECIAL, process=True),
    Kind(name="a symbolic link to /dev/zero", file="", place=_link("/dev/zero"),
         outcomes=REFUSED_SPECIAL, process=True),
    Kind(name="a FIFO given as a file", file="", place=_fifo, outcomes=REFUSED_SPECIAL, process=True),
    Kind(name="a symbolic link to /dev/urandom in a folder", file="",
         place=_inside(_link("/dev/urandom")), outcomes=SKIPPED_OR_UNREADABLE, process=True),
    Kind(name="a FIFO in a folder", file="", place=_inside(_fifo),
         outcomes=SKIPPED_OR_UNREADABLE, process=True),
    # --- numbers are finite, plausible, and what the reader sees
    Kind(name="NaN stored in an input", file="NaN.xlsx",
         build=lambda: value_in("t3.new.natural", "NaN"), outcomes=(ok("not-a-number", exit=1),)),
    Kind(name="inf stored in an input", file="inf.xlsx",
         build=lambda: value_in("t3.new.natural", "inf"), outcomes=(ok("not-a-number", exit=1),)),
    Kind(name="-inf stored in an input", file="负inf.xlsx",
         build=lambda: value_in("t4.cases.review_pending", "-inf"),
         outcomes=(ok("not-a-number", exit=1),)),
    Kind(name="1e20 stored in an input", file="1e20.xlsx",
         build=lambda: value_in("t3.new.natural", "1e20"), outcomes=(ok("implausible", exit=1),)),
    Kind(name='custom number format 0"0" on an input', file="格式.xlsx",
         build=lambda: number_format("t3.new.natural", '0"0"'),
         outcomes=(ok("number-format", exit=1),)),
    Kind(name="#DIV/0! in an input", file="除零.xlsx",
         build=lambda: value_in("t3.new.natural", "#DIV/0!", kind="e"),
         outcomes=(ok("error-value", exit=1),)),
    Kind(name="#REF! in an input", file="引用.xlsx",
         build=lambda: value_in("t2.licensing.decisions", "#REF!", kind="e"),
         outcomes=(ok("error-value", exit=1),)),
    Kind(name="a sheet name listed twice", file="重名.xlsx", build=duplicate_sheet_name,
         outcomes=UNREADABLE),
    # --- blank means blank
    Kind(name="narratives of zero-width spaces only", file="零宽-概述.xlsx",
         build=lambda: text_in("s1.active", ZWSP), outcomes=(ok("overview-required", exit=1),)),
    Kind(name="problems of zero-width spaces only", file="零宽-问题.xlsx",
         build=lambda: text_in("s5.problems", ZWSP), outcomes=(ok("problems-required", exit=1),)),
    Kind(name="说明 of zero-width spaces only", file="零宽-说明.xlsx",
         build=lambda: note_text("rule-making", ZWSP), outcomes=(ok("rule-making", exit=0),),
         status="warnings"),
    # --- one odd `_meta` never spoils the feedback (each carries one error of its own)
    Kind(name="generation time that is not a date", file="时间.xlsx",
         build=lambda: with_error(meta(generated_at="去年冬天")), outcomes=(ok(exit=1),),
         feedback=True),
    Kind(name='year written "2023年"', file="年度.xlsx",
         build=lambda: with_error(meta(year="2023年")), outcomes=(ok(exit=1),), feedback=True),
    Kind(name="a 60-character agency name", file="长名.xlsx",
         build=lambda: with_error(meta(agency_name="区" + "很长的单位名称" * 8 + "局")),
         outcomes=(ok(exit=1),), feedback=True),
    Kind(name="a 40,000-character narrative", file="四万字.xlsx",
         build=lambda: with_error(text_in("s5.problems", "问题" * 20_000)),
         outcomes=(ok(exit=1),), feedback=True),
    # --- untrusted text is data, never a formula or markup (each carries one error)
    Kind(name="agency name =HYPERLINK(...)", file="名称公式.xlsx",
         build=lambda: with_error(meta(agency_name=HYPERLINK)), outcomes=(ok(exit=1),),
         feedback=True, injects=True, shown=("HYPERLINK",)),
    Kind(name="agency code =cmd|' /C calc'!A0", file="代码公式.xlsx",
         build=lambda: with_error(meta(agency_code=DDE)), outcomes=(ok(exit=1),), feedback=True, injects=True),
    Kind(name="说明 @SUM(1)", file="说明公式.xlsx",
         build=lambda: with_error(note_text("rule-making", "@SUM(1)")), outcomes=(ok(exit=1),),
         feedback=True, injects=True),
    Kind(name="narrative +HYPERLINK(...)", file="文字公式.xlsx",
         build=lambda: with_error(text_in("s1.active", '+HYPERLINK("http://x","y")')),
         outcomes=(ok(exit=1),), feedback=True, injects=True),
    Kind(name="input text -SUM(1)", file="填报公式.xlsx",
         build=lambda: text_in("t3.new.natural", "-SUM(1)"),
         outcomes=(ok("not-a-number", exit=1),), feedback=True, injects=True),
    # --- the terminal shows names as text (the files named oddly carry an error, so that their
    # names are printed with the findings)
    Kind(name="agency name [/x]", file="标记1.xlsx", build=lambda: meta(agency_name="区[/x]局"),
         outcomes=(ok(exit=0),), shown=("区[/x]局",)),
    Kind(name="agency name [bold]", file="标记2.xlsx",
         build=lambda: meta(agency_name="[bold]区民政局[/bold]"), outcomes=(ok(exit=0),),
         shown=("[bold]区民政局",)),
    Kind(name="agency name with escape sequences", file="控制.xlsx",
         build=lambda: meta(agency_name="区\x1b[31m民政\x07局"), outcomes=(ok(exit=0),),
         absent=("\x1b", "\x07")),
    Kind(name="agency name with a newline", file="换行.xlsx",
         build=lambda: meta(agency_name="区民政局" + FORGED), outcomes=(ok(exit=0),),
         absent=("\n共 99 个文件",)),
    Kind(name="agency name with a bidi override", file="双向.xlsx",
         build=lambda: meta(agency_name="区民政局\u202excod.exe"), outcomes=(ok(exit=0),),
         absent=("\u202e",)),
    Kind(name="file name with a newline", file="报告" + FORGED + ".xlsx",
         build=lambda: with_error(BASE.read_bytes()), outcomes=(ok(exit=1),), absent=("\n共 99 个文件",)),
    Kind(name="file name with a bidi override", file="报告\u202excod.xlsx",
         build=lambda: with_error(BASE.read_bytes()), outcomes=(ok(exit=1),), absent=("\u202e",)),
    Kind(name="file name with escape sequences", file="报告\x1b[2J\x1b[H.xlsx",
         build=lambda: with_error(BASE.read_bytes()), outcomes=(ok(exit=1),), absent=("\x1b",)),
)  # fmt: skip


def write(folder: Path, kinds: tuple[Kind, ...] = KINDS) -> dict[str, Path]:
    """Every kind made inside its own subfolder of `folder`; the path to give `check`."""
    made = {}
    for number, kind in enumerate(kinds):
        home = folder / f"{number:02d}"
        home.mkdir(parents=True, exist_ok=True)
        made[kind.name] = kind.make(home)
    return made


if __name__ == "__main__":
    target = Path(sys.argv[1])
    write(target, tuple(k for k in KINDS if k.build is not None))
