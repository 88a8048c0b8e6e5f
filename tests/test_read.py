"""The reader: every producer's way of writing a workbook reads the same, it agrees with
python-calamine on every value of every sample, and no file makes it use unbounded time or memory.
"""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys
import zipfile
import zlib
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from toolkit.check.check import check
from toolkit.form.form import Form
from toolkit.form.layout import layout
from toolkit.xlsx import package
from toolkit.xlsx.read import CellError, Workbook, bounds_of, read_workbook

from .conftest import FORM, ROOT, SAMPLES

BASE = next((SAMPLES / "returned").glob("QK005-*.xlsx"))
PRODUCERS = Path(__file__).resolve().parent / "producers"
LIBREOFFICE = SAMPLES / "returned" / "libreoffice"
SHEET3 = "xl/worksheets/sheet4.xml"  # 三、依申请公开
SHEET3_NAME = "三、依申请公开"
# Every file made by another program or by our rewriting of QK005; each must read as QK005 does.
VARIANTS = sorted(PRODUCERS.glob("*.xlsx")) + sorted(LIBREOFFICE.iterdir())


def _structure(book: Workbook) -> dict[str, Any]:
    assert book.xml is not None
    return {
        name: (xml.formulas, xml.protected, xml.validated, sorted(xml.merged), xml.drawing)
        for name, xml in book.xml.items()
    }


@pytest.fixture(scope="module")
def original(form: Form) -> Workbook:
    return read_workbook(BASE, form)


@pytest.mark.parametrize("path", VARIANTS, ids=lambda p: p.name)
def test_every_producer_variant_reads_as_the_original(
    path: Path, form: Form, original: Workbook
) -> None:
    book = read_workbook(path, form)
    assert not book.error and book.meta == original.meta
    formulas = {name: xml.formulas for name, xml in (original.xml or {}).items()}
    for name, grid in original.grids.items():
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                theirs = book.grids[name][r][c] if r < len(book.grids[name]) else None
                if theirs is None and value is not None and path.name == "openpyxl-resave.xlsx":
                    # openpyxl keeps formulas but drops their stored results
                    assert _a1(r, c) in formulas[name], (name, r, c, value)
                    continue
                assert theirs == value, (name, _a1(r, c), value, theirs)
    if path.suffix == ".xlsx":
        assert _structure(book) == _structure(original)
    report = check([path], year=2023, district="示范区", form=FORM)
    assert report.files[0].status == "passed", [f.message for f in report.files[0].findings]


@pytest.mark.parametrize(
    "path", [p for p in VARIANTS if p.name.startswith("rewritten-")], ids=lambda p: p.name
)
def test_streamed_parts_read_as_parsed_trees(
    path: Path, form: Form, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large parts are streamed, small ones parsed whole: both ways give the same workbook."""
    whole = read_workbook(path, form)
    monkeypatch.setitem(package.LIMITS, "tree_bytes", 0)
    streamed = read_workbook(path, form)
    assert streamed.grids == whole.grids and streamed.meta == whole.meta
    assert _structure(streamed) == _structure(whole)
    assert streamed.saved_at == whole.saved_at == "2023-12-01T09:00:00Z" or path.suffix != ".xlsx"


def test_the_rewritten_files_are_what_the_builder_writes(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(PRODUCERS / "build.py"), str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for path in tmp_path.glob("rewritten-*.xlsx"):
        assert path.read_bytes() == (PRODUCERS / path.name).read_bytes(), path.name


# -- agreement with python-calamine ---------------------------------------------------------------

AGREEMENT = (
    sorted((SAMPLES / "returned").rglob("*.xls*"))
    + VARIANTS
    + [p for p in sorted((SAMPLES / "returned").rglob("*.ods")) if p not in VARIANTS]
)


@pytest.mark.parametrize("path", AGREEMENT, ids=lambda p: str(p.relative_to(ROOT)))
def test_reader_and_calamine_agree_on_every_value(path: Path, form: Form) -> None:
    """Per cell of every sheet we read. calamine shows empty cells as "" (error cells too) and may
    turn numbers with a date format into dates; we keep the number (and its format): such pairs
    are compared through Excel's day count."""
    from python_calamine import CalamineError, CalamineWorkbook

    book = read_workbook(path, form)
    try:  # by content: some samples carry another format's extension
        theirs = CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    except CalamineError:
        assert book.error  # neither can read it
        return
    if book.error:
        pytest.fail(f"we refuse what calamine reads: {book.error}")
    grids = dict(book.grids)
    compared = 0
    for name in grids:
        bounds = bounds_of(form).get(name)
        rows = theirs.get_sheet_by_name(name).to_python(skip_empty_area=False)
        ours = grids[name]
        for r, row in enumerate(rows):
            if bounds and r > bounds.rows:
                break
            for c, value in enumerate(row):
                if bounds and c > bounds.cols:
                    break
                mine = ours[r][c] if r < len(ours) and c < len(ours[r]) else None
                assert _same(mine, value), (name, _a1(r, c), mine, value)
                compared += 1
    assert compared or not grids


def _same(ours: Any, theirs: Any) -> bool:
    if theirs == "" or theirs is None:
        # python-calamine shows an error value in an .xlsx cell (t="e") as empty; we name it
        return ours is None or ours == "" or isinstance(ours, CellError)
    if isinstance(theirs, bool) or isinstance(ours, bool):
        return ours is theirs or ours == theirs
    if isinstance(theirs, int | float) and isinstance(ours, float):
        return ours == theirs or (math.isnan(ours) and math.isnan(theirs))
    if isinstance(theirs, datetime | date) and isinstance(ours, float):
        return datetime(1899, 12, 30) + timedelta(days=ours) == _as_datetime(theirs)
    if isinstance(ours, CellError):
        return str(ours) == str(theirs)
    return ours == theirs


def _as_datetime(value: date) -> datetime:
    return value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)


def _a1(row: int, col: int) -> str:
    from xlsxwriter.utility import xl_rowcol_to_cell

    return xl_rowcol_to_cell(row, col)


# -- values of every kind -------------------------------------------------------------------------


def _sheet3(body: str, *, dtd_padding: int = 0) -> bytes:
    """QK005 with rows appended to the sheet data of 三、依申请公开."""
    source = zipfile.ZipFile(io.BytesIO(BASE.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == SHEET3:
                data = data.replace(b"</sheetData>", body.encode() + b"</sheetData>")
                if dtd_padding:
                    head, _, rest = data.partition(b"?>")
                    padding = b"<!-- padding -->\n" * (dtd_padding // 34) + b" \n" * (
                        dtd_padding // 4
                    )
                    data = head + b"?>" + padding + b'<!DOCTYPE w [<!ENTITY a "b">]>' + rest
            target.writestr(info, data)
    return out.getvalue()


def test_cells_of_every_kind(tmp_path: Path, form: Form) -> None:
    path = tmp_path / "kinds.xlsx"
    path.write_bytes(
        _sheet3(
            '<row r="45"><c r="A45" t="b"><v>1</v></c><c r="B45" t="e"><v>#DIV/0!</v></c>'
            '<c r="C45" t="d"><v>2023-12-31T08:30:00</v></c><c r="D45"><v>NaN</v></c>'
            '<c r="E45"><v>inf</v></c><c r="F45"><v>十二</v></c><c r="G45" t="str"><f>"a"&amp;"b"</f>'
            '<v>ab</v></c><c r="H45" t="inlineStr"><is><r><t>富</t></r><r><t xml:space="preserve">'
            ' 文本</t></r><rPh sb="0" eb="1"><t>フ</t></rPh></is></c><c r="I45" t="s"><v>99999</v>'
            '</c><c r="J45"><f t="array" ref="J45:K45">D7:E7*2</f><v>4</v></c></row>'
        )
    )
    book = read_workbook(path, form)
    row = book.grids[SHEET3_NAME][44]
    assert row[0] is True
    assert isinstance(row[1], CellError) and row[1] == "#DIV/0!"
    assert row[2] == datetime(2023, 12, 31, 8, 30)
    assert math.isnan(row[3]) and row[4] == math.inf
    assert row[5:8] == ["十二", "ab", "富 文本"]
    assert row[8] is None  # a shared string that does not exist
    xml = book.xml[SHEET3_NAME]
    assert xml.formulas["J45"] == xml.formulas["K45"] == "D7:E7*2"
    assert xml.formulas["G45"] == '"a"&"b"'


def test_an_unaddressed_cell_takes_its_place_after_addressed_empty_ones(
    tmp_path: Path, form: Form
) -> None:
    """Most cells carry `r=`, and empty ones are passed over unread; a filled cell without one is
    placed after the cells before it, empty or not, as a spreadsheet program places it."""
    path = tmp_path / "mixed.xlsx"
    path.write_bytes(
        _sheet3(
            '<row r="45"><c r="A45" s="1"/><c r="B45" s="1"/><c><v>7</v></c><c r="E45" s="1"/>'
            "<c><v>8</v></c></row>"
        )
    )
    row = read_workbook(path, form).grids[SHEET3_NAME][44]
    assert row[:6] == [None, None, 7.0, None, None, 8.0]


# -- bounded time and memory ----------------------------------------------------------------------

_MEASURE = """
import json, resource, sys, time
from pathlib import Path
from toolkit.form.form_file import standard_form
from toolkit.xlsx.read import read_workbook
form = standard_form()
start, wall = time.process_time(), time.perf_counter()
book = read_workbook(Path(sys.argv[1]), form)
seconds = time.process_time() - start  # CPU time: other jobs on the machine do not count
print(json.dumps({"seconds": seconds, "wall": time.perf_counter() - wall, "error": book.error, "stray": book.stray,
                  "megabytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "rows": {k: len(v) for k, v in book.grids.items()},
                  "width": {k: max(map(len, v), default=0) for k, v in book.grids.items()}}))
"""


def _measured(path: Path) -> dict[str, Any]:
    """Read a file in a subprocess: what it found, the CPU time the reading took and the peak
    RSS."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True, cwd=ROOT,
        check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)  # the peak RSS is the subprocess's own, not other tests'.


def _bounded(result: dict[str, Any]) -> None:
    assert result["seconds"] < 10, result  # linear: a million cells take 2-4 s of CPU
    assert result["megabytes"] < 500, result
    for name, rows in result["rows"].items():
        assert rows <= 300 and result["width"][name] <= 60, result


def _dense_rows(rows: range, columns: int) -> str:
    import random

    from xlsxwriter.utility import xl_col_to_name

    rng = random.Random(7)  # varied values, so that the zip's ratio stays like a real file's
    letters = [xl_col_to_name(c) for c in range(columns)]
    return "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{col}{r}"><v>{rng.randrange(10**6)}</v></c>' for col in letters)
        + "</row>"
        for r in rows
    )


HOSTILE_XLSX = {
    # name -> (sheet rows appended, expected stray count on 三、依申请公开 or an error word)
    "far corner XFD1048576": ('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', 1),
    "row 1,000,000": ('<row r="1000000"><c r="A1000000"><v>1</v></c></row>', 1),
    "1,000,000 small cells": (_dense_rows(range(40, 1040), 1000), 1000 * 1000 - 200 * 42),
    "300 KB of attributes on one cell": (
        '<row r="41"><c r="A41" '
        + " ".join(f'a{i}="{i}"' for i in range(30_000))
        + "><v>5</v></c></row>",
        0,
    ),
    "cells without r= beyond the columns": (
        '<row r="42">' + "<c><v>1</v></c>" * 100 + "</row>",
        58,
    ),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_XLSX))
def test_hostile_xlsx_is_read_within_bounds(kind: str, tmp_path: Path) -> None:
    rows, stray = HOSTILE_XLSX[kind]
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(_sheet3(rows))
    result = _measured(path)
    _bounded(result)
    assert not result["error"]
    assert result["stray"].get(SHEET3_NAME, [0])[0] == stray, result["stray"]


def test_far_content_is_reported_by_check(tmp_path: Path) -> None:
    path = tmp_path / "远处.xlsx"
    path.write_bytes(_sheet3('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))
    (result,) = check([path], year=2023, district="示范区", form=FORM).files
    (finding,) = [f for f in result.findings if f.code == "extra-content"]
    assert finding.cell == "XFD1048576" and result.status == "warnings"


def test_dtd_after_100_kb_of_padding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dtd.xlsx"
    path.write_bytes(_sheet3("", dtd_padding=100_000))
    result = _measured(path)
    _bounded(result)
    assert "DTD" in result["error"]


def test_dtd_in_utf16_is_refused() -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x><x/>'
    with pytest.raises(package.ReadError, match="DTD"):
        package.refuse_dtd(text.encode("utf-16"))
    package.refuse_dtd(b"<?xml version='1.0'?><!-- <!DOCTYPE in a comment --><x/>")  # no DTD


def test_sheet_listed_twice_is_refused(tmp_path: Path, form: Form) -> None:
    """Excel compares sheet names without case: `_META` and `_meta` are one name."""
    source = zipfile.ZipFile(BASE)
    out = tmp_path / "重名.xlsx"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/workbook.xml":
                data = data.replace('name="填报说明"'.encode(), b'name="_META"')
            target.writestr(info, data)
    book = read_workbook(out, form)
    assert "同名工作表" in book.error and "_meta" in book.error.lower()
    (result,) = check([out], year=2023, form=FORM).files
    assert result.status == "unreadable"


def test_ods_content_a_million_rows_down_is_refused(tmp_path: Path) -> None:
    source = zipfile.ZipFile(LIBREOFFICE / "QK005-libreoffice.ods")
    path = tmp_path / "far.ods"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "content.xml":
                text = data.decode()
                start = text.index('table:name="三、依申请公开"')
                tail = text.index('table:number-rows-repeated="1048536"', start)
                row = text.rindex("<table:table-row", 0, tail)
                end = text.index("<calcext:conditional-formats", tail)
                far = (
                    '<table:table-row table:number-rows-repeated="999960"><table:table-cell/>'
                    '</table:table-row><table:table-row><table:table-cell office:value-type="float"'
                    ' office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>'
                )
                data = (text[:row] + far + text[end:]).encode()
            target.writestr(info, data)
    result = _measured(path)
    _bounded(result)
    assert "第1000000行" in result["error"] and SHEET3_NAME in result["error"]


def _xls_cell_moved_to(tmp_path: Path, row: int, col: int) -> Path:
    """The LibreOffice .xls of QK005 with one text cell of 三、依申请公开 moved elsewhere (the
    record is rewritten in place, so the file keeps its size and structure)."""
    import struct

    import olefile

    from toolkit.xlsx.prescan import _records

    path = tmp_path / f"moved-{row}.xls"
    path.write_bytes((LIBREOFFICE / "QK005-libreoffice.xls").read_bytes())
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        stream = bytearray(ole.openstream("Workbook").read())
        offsets = [
            struct.unpack_from("<I", body, 0)[0]
            for rtype, body, _ in _records(bytes(stream), 0)
            if rtype == 0x0085 and "三".encode("utf-16-le") in body
        ]
        for rtype, _, at in _records(bytes(stream), offsets[0]):
            if rtype == 0x00FD:  # LABELSST: a cell holding a shared string
                struct.pack_into("<HH", stream, at + 4, row, col)
                break
        ole.write_stream("Workbook", bytes(stream))
    return path


def test_xls_cell_at_iv65536_is_refused(tmp_path: Path) -> None:
    result = _measured(_xls_cell_moved_to(tmp_path, 65535, 255))
    _bounded(result)
    assert "第65536行" in result["error"]


def test_xls_cell_below_the_area_is_counted(tmp_path: Path) -> None:
    result = _measured(_xls_cell_moved_to(tmp_path, 1000, 3))
    _bounded(result)
    assert not result["error"] and result["stray"][SHEET3_NAME] == [1, "D1001"]


def test_bounds_leave_room_for_inserted_rows_and_columns(form: Form) -> None:
    for sheet in layout(form):
        bounds = bounds_of(form)[sheet.name]
        assert bounds.rows >= max(a.last_row for a in sheet.cells.values()) + 100
        assert bounds.cols >= max(a.last_col for a in sheet.cells.values()) + 20


def test_devices_and_pipes_are_refused_without_blocking(tmp_path: Path, form: Form) -> None:
    import os

    pipe = tmp_path / "管道.xlsx"
    os.mkfifo(pipe)  # opening it for reading would wait for a writer forever
    link = tmp_path / "设备.xlsx"
    link.symlink_to("/dev/zero")  # reading it would never end
    for path in (pipe, link):
        assert "不是普通文件" in read_workbook(path, form).error


def test_other_workbooks_are_read_under_the_same_bounds(tmp_path: Path) -> None:
    """A roster or last year's rollup goes through the same reader: a far cell costs nothing."""
    from toolkit.xlsx.read import ReadError, read_table

    assert read_table(BASE, "_meta", rows=2, cols=2) == [
        ["form_id", "gov-info-annual-report"],
        ["form_version", "2021"],
    ]
    ods = read_table(LIBREOFFICE / "QK005-libreoffice.ods", 7, rows=1, cols=2)
    assert ods == [["form_id", "gov-info-annual-report"]]
    far = tmp_path / "far.xlsx"
    far.write_bytes(_sheet3('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))
    assert len(read_table(far, SHEET3_NAME, rows=50, cols=20)) <= 50
    with pytest.raises(ReadError, match="第65536行"):
        read_table(_xls_cell_moved_to(tmp_path, 65535, 255), 0, rows=10, cols=10)


def test_xlsx_parts_hidden_in_an_ods_never_reach_calamine(tmp_path: Path) -> None:
    """python-calamine guesses a zip's format from its parts: an .ods carrying an .xlsx's parts
    with a cell at XFD1048576 beside a harmless content.xml would abort it."""
    hostile = zipfile.ZipFile(
        io.BytesIO(_sheet3('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))
    )
    source = zipfile.ZipFile(LIBREOFFICE / "QK005-libreoffice.ods")
    path = tmp_path / "mixed.ods"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        for info in hostile.infolist():
            target.writestr(info, hostile.read(info))
    result = _measured(path)  # the subprocess exits normally
    _bounded(result)
    assert not result["error"] and result["rows"][SHEET3_NAME] == 39


def test_floods_of_validations_and_merges_stay_bounded(tmp_path: Path) -> None:
    """Thousands of validations over thousands of ranges, and 100,000 merged ranges: only what
    reaches into the bounded area is kept, and expanding validations stops at a budget."""
    ranges = " ".join(f"A{r}:J{r + 999}" for r in range(1, 1001))
    validations = f'<dataValidation type="whole" sqref="{ranges}"/>' * 300
    merges = "".join(f'<mergeCell ref="A{r}:B{r}"/>' for r in range(5000, 105000))
    source = zipfile.ZipFile(BASE)
    path = tmp_path / "flood.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == SHEET3:
                data = data.replace(b'<dataValidations count="27">', b"<dataValidations>"
                                    + validations.encode())  # fmt: skip
                data = data.replace(b'<mergeCells count="30">', b"<mergeCells>" + merges.encode())
            target.writestr(info, data)
    result = _measured(path)
    _bounded(result)
    assert not result["error"]
    (checked,) = check([path], year=2023, district="示范区", form=FORM).files
    assert checked.status == "passed", [f.message for f in checked.findings]


# -- parts reused across a batch ------------------------------------------------------------------


def _same_crc(text: bytes, offset: int) -> bytes:
    """`text` with some digits after `offset` changed so that its CRC-32 stays the same: CRC-32 is
    linear, so flipping the low bit of digits (which keeps them digits) along a combination whose
    CRCs cancel leaves the checksum and the length as they were."""
    zeros = zlib.crc32(bytes(len(text)))
    basis: list[tuple[int, int]] = []  # (reduced CRC difference, digits flipped)
    for position in range(offset, len(text)):
        flip = bytearray(len(text))
        flip[position] = 1
        vector, mask = zlib.crc32(bytes(flip)) ^ zeros, 1 << (position - offset)
        for pivot, pivot_mask in basis:
            if vector ^ pivot < vector:
                vector, mask = vector ^ pivot, mask ^ pivot_mask
        if vector == 0:
            forged = bytearray(text)
            for bit in range(mask.bit_length()):
                if mask >> bit & 1:
                    forged[offset + bit] ^= 1
            return bytes(forged)
        basis.append((vector, mask))
        basis.sort(reverse=True)
    raise AssertionError("no combination found")


def test_a_part_with_the_same_crc_and_sizes_is_still_read_as_its_own(
    tmp_path: Path, form: Form
) -> None:
    """A batch's identical parts are parsed once, found by the CRC-32 and sizes the zip directory
    declares; two different parts that share them (a forged CRC) must each be read as they are."""
    digits = "0123456789" * 7
    first = _sheet3(f'<row r="45"><c r="F45" t="inlineStr"><is><t>{digits}</t></is></c></row>')
    source = zipfile.ZipFile(io.BytesIO(first))
    sheet = source.read(SHEET3)
    forged = _same_crc(sheet, sheet.index(digits.encode()))
    assert forged != sheet and zlib.crc32(forged) == zlib.crc32(sheet)
    paths = []
    for name, part in (("first", sheet), ("second", forged)):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
            for info in source.infolist():
                target.writestr(
                    info.filename, part if info.filename == SHEET3 else source.read(info)
                )
        paths.append(tmp_path / f"{name}.xlsx")
        paths[-1].write_bytes(out.getvalue())
    values = [read_workbook(path, form).grids[SHEET3_NAME][44][5] for path in paths]
    expected = forged[sheet.index(digits.encode()) :].split(b"<")[0].decode()
    assert values == [digits, expected] and expected != digits


def test_the_quick_directory_look_agrees_with_zipfile() -> None:
    """`directory_member` (the rollup's quick look for 明细) reads a member as zipfile does from
    files of every producer, and says None, for zipfile to decide, on anything unusual."""
    from toolkit.xlsx.package import directory_member

    files = [p for p in sorted(PRODUCERS.rglob("*.xlsx")) + sorted(SAMPLES.rglob("*.xlsx"))
             if zipfile.is_zipfile(p)]  # fmt: skip
    assert len(files) > 20
    for path in files:
        data = path.read_bytes()
        with zipfile.ZipFile(path) as archive:
            names = {n.lower(): n for n in archive.namelist()}
            expected = archive.read(names["xl/workbook.xml"])
        assert directory_member(data, "xl/workbook.xml", 1 << 20) == expected, path
        assert directory_member(data, "xl/workbook.xml", len(expected) - 1) is None
        assert directory_member(data, "xl/nothing.xml", 1 << 20) is None
    data = BASE.read_bytes()
    with_comment = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(with_comment, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.comment = b"note"
    assert directory_member(with_comment.getvalue(), "xl/workbook.xml", 1 << 20) is None
    for cut in (data[:-1], data[: len(data) // 2], b""):
        assert directory_member(cut, "xl/workbook.xml", 1 << 20) is None
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # a byte of the stored part changed
        info = archive.getinfo("xl/workbook.xml")
    local = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    damaged = bytearray(data)
    damaged[local + info.compress_size // 2] ^= 0xFF
    assert directory_member(bytes(damaged), "xl/workbook.xml", 1 << 20) is None


@pytest.mark.parametrize(
    ("recorded", "kept"),
    [
        ("2024-01-05T09:00:00Z", "2024-01-05T09:00:00Z"),
        ("2024-01-05T09:00:00.123+08:00", "2024-01-05T09:00:00.123+08:00"),
        ("\u202e[red]2099-01-01[/]", ""),  # the file's own words where a time belongs
        ("昨天下午", ""),
    ],
)
def test_the_save_time_is_kept_only_when_it_is_a_time(
    recorded: str, kept: str, tmp_path: Path, form: Form
) -> None:
    source = zipfile.ZipFile(io.BytesIO(BASE.read_bytes()))
    path = tmp_path / "保存时间.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "docProps/core.xml":
                start = data.index(b">", data.index(b"<dcterms:modified")) + 1
                data = data[:start] + recorded.encode() + data[data.index(b"</dcterms:modified") :]
            target.writestr(info, data)
    book = read_workbook(path, form)
    assert not book.error and book.saved_at == kept
