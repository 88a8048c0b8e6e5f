"""Build samples/returned/invalid/<finding-code>.xlsx: one returned file per finding code it shows.

Each file starts from a valid sample (QK005 区民政局) or a freshly filled template and breaks it the
way clerks do: by typing into cells (edits of the sheet XML, so everything else stays as the
spreadsheet saved it), by structural edits (openpyxl, as a program would), or by filling the
template with figures that break a rule. `tests/test_check.py` checks every file against its name.
Run through `python samples/build.py`, which also writes the valid samples.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import xlsxwriter

from toolkit.form.contract import IMPORTED_KIND, META_SHEET, identity_for
from toolkit.form.fill import Fill
from toolkit.form.form import Form, complete
from toolkit.form.identity import KEY_FILE, key_note
from toolkit.form.layout import layout
from toolkit.inputs.roster import Agency
from toolkit.template.workbook import write_workbook

BASE_CODE = "QK005"  # 区民政局: non-zero figures in every table
YEAR = 2023
DISTRICT = "示范区"
GENERATED_AT = datetime(2023, 12, 1, 9, 0, 0)
PASSWORD = "demo-2023"
# The sample district's office key, kept beside samples/roster.csv so that `check --roster
# samples/roster.csv` verifies the samples' tokens (a real office's key is random and secret).
SAMPLE_KEY = hashlib.sha256(b"nianbao sample district key").digest()
KEY_PATH = Path(__file__).resolve().parent / KEY_FILE

# code -> (sheet, cell): where the file's own finding must point; saved as expected.json for tests.
EXPECTED: dict[str, tuple[str, str]] = {}


def _where(form: Form, key: str) -> tuple[str, str, int]:
    """Sheet name, A1 reference and 1-based sheet part number of a cell or part key."""
    for index, sheet in enumerate(layout(form)):
        if key in sheet.cells:
            return sheet.name, sheet.cells[key].ref, index + 2  # 填报说明 is sheet1
    raise KeyError(key)


def _set_cell(data: bytes, part: int, ref: str, inner: str, kind: str = "") -> bytes:
    """Replace one cell's content in the sheet XML, keeping its style."""
    name = f"xl/worksheets/sheet{part}.xml"
    source = zipfile.ZipFile(io.BytesIO(data))
    xml = source.read(name).decode("utf-8")
    pattern = re.compile(rf'<c r="{ref}"( s="\d+")?( t="\w+")?(?:/>|>.*?</c>)')
    match = pattern.search(xml)
    if match is None:
        raise ValueError(f"{ref} not found in {name}")
    style = match.group(1) or ""
    kind_attr = f' t="{kind}"' if kind else ""
    cell = f'<c r="{ref}"{style}{kind_attr}>{inner}</c>' if inner else f'<c r="{ref}"{style}/>'
    xml = xml[: match.start()] + cell + xml[match.end() :]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = xml.encode("utf-8") if info.filename == name else source.read(info.filename)
            target.writestr(info, body)
    return out.getvalue()


def _text(data: bytes, part: int, ref: str, text: str) -> bytes:
    return _set_cell(data, part, ref, f"<is><t>{text}</t></is>", "inlineStr")


def _openpyxl(data: bytes, edit: Callable[[openpyxl.Workbook], None]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    edit(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _insert_row_like_a_spreadsheet(ws: Any, at: int) -> None:
    """Insert a row before one-based row `at` and move formulas, merges and validations below it."""
    from openpyxl.worksheet.cell_range import CellRange

    merged = [CellRange(str(r)) for r in ws.merged_cells.ranges]
    for cell_range in merged:
        ws.unmerge_cells(str(cell_range))
    ws.insert_rows(at)

    def shift(match: re.Match[str]) -> str:
        row = int(match.group(2))
        return f"{match.group(1)}{row + 1 if row >= at else row}"

    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.value = re.sub(r"(\$?[A-Z]{1,3}\$?)(\d+)", shift, cell.value)
    for cell_range in merged:
        if cell_range.min_row >= at:
            cell_range.shift(row_shift=1)
        elif cell_range.max_row >= at:
            cell_range.expand(down=1)
        ws.merge_cells(str(cell_range))
    for validation in ws.data_validations.dataValidation:
        moved = []
        for cell_range in validation.sqref.ranges:
            cell_range = CellRange(str(cell_range))
            if cell_range.min_row >= at:
                cell_range.shift(row_shift=1)
            moved.append(str(cell_range))
        validation.sqref = openpyxl.worksheet.cell_range.MultiCellRange(" ".join(moved))


def write_key() -> None:
    KEY_PATH.write_text(key_note(SAMPLE_KEY, year=YEAR, district=DISTRICT), encoding="utf-8")


def _filled(
    form: Form,
    fill: Fill,
    *,
    agency: Agency,
    year: int = YEAR,
    district: str = DISTRICT,
    token_of: Agency | None = None,
    imported: bool = False,
    unread_totals: tuple[str, ...] = (),
) -> bytes:
    target = Path(f"/tmp/nianbao-sample-{agency.code}-{year}.xlsx")
    identity = identity_for(form, agency, year, district, GENERATED_AT, SAMPLE_KEY)
    if imported:  # as `nianbao import` writes a published report
        identity = replace(
            identity,
            kind=IMPORTED_KIND,
            source="年度报告.html",
            source_sha256="0" * 64,
            unread_totals=" ".join(unread_totals),
        )
    if token_of is not None:  # a file relabelled as `agency`, still carrying another's token
        other = identity_for(form, token_of, year, district, GENERATED_AT, SAMPLE_KEY)
        identity = replace(identity, token=other.token)
    write_workbook(
        target,
        form=form,
        identity=identity,
        password=PASSWORD,
        deadline=date(2024, 1, 15),
        contact="区政务公开办 张敏 0371-12345678",
        fill=fill,
    )
    data = target.read_bytes()
    target.unlink()
    return data


def build_invalid(
    form: Form, base: bytes, base_fill: Fill, agency: Agency, out_dir: Path
) -> list[Path]:
    """Write every invalid sample; return the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*.xlsx"):
        stale.unlink()
    EXPECTED.clear()
    made: dict[str, bytes] = {}

    def expect(code: str, key: str = "", sheet: str = "") -> None:
        if key:
            sheet_name, ref, _ = _where(form, key)
            EXPECTED[code] = (sheet_name, ref)
        else:
            EXPECTED[code] = (sheet, "")

    def refill(**changes: object) -> Fill:
        values = dict(base_fill.values)
        texts = dict(base_fill.texts)
        notes = dict(base_fill.notes)
        values.update(changes.get("values", {}))  # type: ignore[arg-type]
        texts.update(changes.get("texts", {}))  # type: ignore[arg-type]
        notes.update(changes.get("notes", {}))  # type: ignore[arg-type]
        return Fill(values=values, texts=texts, notes=notes)

    # --- the file as a whole
    made["unreadable"] = base[: len(base) // 2]
    expect("unreadable")
    plain = io.BytesIO()
    book = xlsxwriter.Workbook(plain, {"in_memory": True})
    sheet = book.add_worksheet("Sheet1")
    sheet.write_row(0, 0, ["单位", "本年新收政府信息公开申请数量"])
    sheet.write_row(1, 0, ["区民政局", 12])
    book.close()
    made["not-our-template"] = plain.getvalue()
    expect("not-our-template")
    old = io.BytesIO()
    book = xlsxwriter.Workbook(old, {"in_memory": True})
    sheet = book.add_worksheet("二、主动公开政府信息情况")
    sheet.write_row(0, 0, ["第二十条第（一）项"])
    sheet.write_row(1, 0, ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"])
    sheet.write_row(2, 0, ["规章", 0, 0, 0])
    sheet.write_row(3, 0, ["规范性文件", 2, 2, 15])
    book.close()
    made["old-format"] = old.getvalue()
    expect("old-format")

    def meta(key: str, value: str) -> Callable[[openpyxl.Workbook], None]:
        def edit(book: openpyxl.Workbook) -> None:
            for row in book[META_SHEET].iter_rows(max_col=2):
                if row[0].value == key:
                    row[1].value = value

        return edit

    made["unknown-form"] = _openpyxl(base, meta("form_id", "another-office-form"))
    expect("unknown-form")
    made["template-outdated"] = _openpyxl(base, meta("layout_fingerprint", "0000000000000000"))
    expect("template-outdated")
    made["wrong-year"] = _filled(form, base_fill, agency=agency, year=YEAR - 1)
    expect("wrong-year")
    made["wrong-district"] = _filled(form, base_fill, agency=agency, district="邻区")
    expect("wrong-district")
    made["unknown-agency"] = _filled(form, base_fill, agency=Agency(code="QK099", name="区档案馆"))
    expect("unknown-agency")
    made["identity-mismatch"] = _filled(
        form, base_fill, agency=Agency(code="QK004", name="区公安分局"), token_of=agency
    )
    expect("identity-mismatch")

    # --- structure
    t3 = next(s for s in layout(form) if s.name == form.section_of_table("t3").sheet)
    t2 = next(s for s in layout(form) if s.name == form.section_of_table("t2").sheet)
    t4 = next(s for s in layout(form) if s.name == form.section_of_table("t4").sheet)

    def drop_sheet(book: openpyxl.Workbook) -> None:
        del book[t4.name]

    made["sheet-missing"] = _openpyxl(base, drop_sheet)
    expect("sheet-missing", sheet=t4.name)

    def insert_row(book: openpyxl.Workbook) -> None:
        """A clerk unprotects 三 and inserts a note row above 三、本年度办理结果, as a spreadsheet
        program does it: formulas, merged ranges and validations below move down with the rows
        (openpyxl's insert_rows moves only the values, so the rest is moved here)."""
        ws = book[t3.name]
        ws.protection.sheet = False
        at = t3.cells["t3.granted.natural"].row + 1  # one-based row of （一）予以公开
        _insert_row_like_a_spreadsheet(ws, at)
        ws.cell(at, 1, "其中：网上申请")
        ws.cell(at, 4, 3)

    made["layout-changed"] = _openpyxl(base, insert_row)
    third_party = next(lb for lb in t3.labels if lb.text == "4.保护第三方合法权益")

    def insert_row_and_edit_label(book: openpyxl.Workbook) -> None:
        """A note row with figures, and the next row's label typed over: the row cannot be told
        apart from the note, so its cells are not recovered (and no figure is guessed)."""
        ws = book[t3.name]
        ws.protection.sheet = False
        at = third_party.area.row + 1
        _insert_row_like_a_spreadsheet(ws, at)
        ws.cell(at, 3, "其中：涉及企业")
        for col in range(4, 10):
            ws.cell(at, col, 1)
        ws.cell(at + 1, third_party.area.col + 1, "")

    made["cell-missing"] = _openpyxl(base, insert_row_and_edit_label)
    EXPECTED["cell-missing"] = (t3.name, t3.cells["t3.withheld_third_party.natural"].ref)
    first_moved = min(
        (
            label
            for label in t3.labels
            if label.area.row + 1 >= t3.cells["t3.granted.natural"].row + 1
        ),
        key=lambda label: (label.area.row, label.area.col),
    )
    EXPECTED["layout-changed"] = (t3.name, first_moved.area.ref)

    def unprotect(book: openpyxl.Workbook) -> None:
        book[t3.name].protection.sheet = False

    made["protection-removed"] = _openpyxl(base, unprotect)
    expect("protection-removed", sheet=t3.name)

    def no_validation(book: openpyxl.Workbook) -> None:
        book[t2.name].data_validations.dataValidation = []

    made["validation-removed"] = _openpyxl(base, no_validation)
    EXPECTED["validation-removed"] = (t2.name, t2.cells["t2.regulations.issued"].ref)

    # --- typed into cells (sheet XML edits, as a spreadsheet would save them)
    _, ref, part = _where(form, "t3.new.total")
    made["formula-altered"] = _set_cell(base, part, ref, "<v>99</v>")
    expect("formula-altered", "t3.new.total")
    made["t3-row-total"] = made["formula-altered"]
    expect("t3-row-total", "t3.new.total")
    _, ref, part = _where(form, "t3.result_total.natural")
    made["t3-result-total"] = _set_cell(base, part, ref, "<v>1</v>")
    expect("t3-result-total", "t3.result_total.natural")
    _, ref, part = _where(form, "t4.cases.review_total")
    made["t4-total"] = _set_cell(base, part, ref, "<v>7</v>")
    expect("t4-total", "t4.cases.review_total")
    _, ref, part = _where(form, "t3.carried_out.total")
    made["stale-result"] = _set_cell(
        base, part, ref, f"<f>{_formula(base, part, ref)}</f><v>42</v>"
    )
    expect("stale-result", "t3.carried_out.total")

    key = "t3.granted.research"
    _, ref, part = _where(form, key)
    made["blank"] = _set_cell(base, part, ref, "")
    expect("blank", key)
    made["placeholder"] = _text(base, part, ref, "-")
    expect("placeholder", key)
    made["not-a-number"] = _text(base, part, ref, "若干")
    expect("not-a-number", key)
    key = "t2.licensing.decisions"
    _, ref, part = _where(form, key)
    number = int(base_fill.values.get(key, 0))
    made["text-number"] = _text(base, part, ref, f"{number:,}件".translate(_FULL_WIDTH))
    expect("text-number", key)
    key = "t3.partial.research"
    _, ref, part = _where(form, key)
    made["error-value"] = _set_cell(base, part, ref, "<v>#DIV/0!</v>", "e")
    expect("error-value", key)
    key = "t4.cases.review_corrected"
    _, ref, part = _where(form, key)
    made["implausible"] = _set_cell(base, part, ref, "<v>100000000000000000000</v>")
    expect("implausible", key)
    key = "t2.penalty.decisions"
    sheet_name, ref, _ = _where(form, key)

    def custom_format(book: openpyxl.Workbook) -> None:
        book[sheet_name][ref].number_format = '0"0"'  # shows 30 where 3 is stored

    made["number-format"] = _openpyxl(base, custom_format)
    expect("number-format", key)
    key = "t4.cases.review_upheld"
    _, ref, part = _where(form, key)
    made["not-integer"] = _set_cell(base, part, ref, "<v>1.5</v>")
    expect("not-integer", key)
    made["negative"] = _set_cell(base, part, ref, "<v>-1</v>")
    expect("negative", key)

    # --- what else arrives in the mail
    lo_xls = out_dir.parent / "libreoffice" / f"{BASE_CODE}-libreoffice.xls"
    if lo_xls.exists():  # a real .xls, as LibreOffice saved it, renamed .xlsx
        made["wrong-extension"] = lo_xls.read_bytes()
        expect("wrong-extension")
    made["macros"] = _add_part(base, "xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not run, only seen")
    expect("macros")
    made["external-links"] = _add_part(
        base,
        "xl/externalLinks/externalLink1.xml",
        b'<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="http://schemas.'
        b'openxmlformats.org/spreadsheetml/2006/main"/>',
    )
    expect("external-links")

    def chart_over_table(book: openpyxl.Workbook) -> None:
        from openpyxl.chart import BarChart, Reference

        ws = book[t3.name]
        chart = BarChart()
        chart.add_data(Reference(ws, min_col=4, min_row=7, max_col=9, max_row=7))
        ws.add_chart(chart, "D7")

    made["pictures"] = _openpyxl(base, chart_over_table)
    expect("pictures", sheet=t3.name)

    def merge_inputs(book: openpyxl.Workbook) -> None:
        ws = book[t3.name]
        ws.protection.sheet = False
        first = t3.cells["t3.granted.natural"]
        ws.merge_cells(f"{first.ref}:{t3.cells['t3.granted.business'].ref}")

    made["merged-cells"] = _openpyxl(base, merge_inputs)
    expect("merged-cells", "t3.granted.natural")
    _, ref, part = _where(form, "t2.normative.issued")
    issued = int(base_fill.values.get("t2.normative.issued", 0))
    made["input-formula"] = _set_cell(base, part, ref, f"<f>{issued}-1+1</f><v>{issued}</v>")
    expect("input-formula", "t2.normative.issued")

    def note_below(book: openpyxl.Workbook) -> None:
        book[t3.name]["B60"] = "备注：本表数据截至12月31日。"

    made["extra-content"] = _openpyxl(base, note_below)
    EXPECTED["extra-content"] = (t3.name, "B60")

    # --- figures that break a rule
    new = base_fill.values
    made["t3-balance"] = _filled(
        form, refill(values={"t3.carried_out.natural": new.get("t3.carried_out.natural", 0) + 2}),
        agency=agency,
    )  # fmt: skip
    expect("t3-balance", "t3.carried_out.natural")
    made["rule-making"] = _filled(form, refill(values={"t2.regulations.issued": 1}), agency=agency)
    expect("rule-making", "t2.regulations.issued")
    made["rule-making-explained"] = _filled(
        form,
        refill(values={"t2.regulations.issued": 1},
               notes={"rule-making": "本局受区政府委托起草规章一件，已由区政府发布。"}),
        agency=agency,
    )  # fmt: skip
    EXPECTED["rule-making-explained"] = EXPECTED["rule-making"]
    made["fee-note"] = _filled(
        form,
        refill(values={"t3.other_unpaid_fee.natural": 1,
                       "t3.granted.natural": new["t3.granted.natural"] - 1},
               texts={"s6.fees": "本年度无其他需要报告的事项。"}),
        agency=agency,
    )  # fmt: skip
    expect("fee-note", "s6.fees")
    made["fee-statement"] = _filled(form, refill(texts={"s6.fees": "无。"}), agency=agency)
    expect("fee-statement", "s6.fees")
    made["overview-required"] = _filled(form, refill(texts={"s1.platform": ""}), agency=agency)
    expect("overview-required", "s1.active")
    made["problems-required"] = _filled(
        form, refill(texts={"s5.problems": "", "s5.improvements": ""}), agency=agency
    )
    expect("problems-required", "s5.problems")
    made["text-vs-table"] = _filled(
        form, refill(texts={"s1.request": "2023年，本局本年新收政府信息公开申请999件，均按时答复。"}),
        agency=agency,
    )  # fmt: skip
    expect("text-vs-table", "s1.request")

    # --- a published report imported with a total that is not the sum of its parts
    printed = complete(form, new)["t3.new.total"] + 5
    made["published-total"] = _filled(
        form, replace(refill(), totals={"t3.new.total": printed}), agency=agency, imported=True
    )
    expect("published-total", "t3.new.total")
    open_values = {k: v for k, v in refill().values.items() if k != "t3.new.natural"}
    made["published-total-open"] = _filled(
        form,
        replace(refill(), values=open_values, raw={"t3.new.natural": ""},
                totals={"t3.new.total": ""}),
        agency=agency,
        imported=True,
    )  # fmt: skip
    expect("published-total-open", "t3.new.total")
    # --- a printed total the import could not read: its parts' sum, or blank when one is lost too
    made["published-total-unread"] = _filled(
        form, refill(), agency=agency, imported=True, unread_totals=("t3.new.total",)
    )
    expect("published-total-unread", "t3.new.total")
    made["published-total-unread-open"] = _filled(
        form,
        replace(refill(), values=open_values, raw={"t3.new.natural": ""},
                totals={"t3.new.total": ""}),
        agency=agency,
        imported=True,
        unread_totals=("t3.new.total",),
    )  # fmt: skip
    expect("published-total-unread-open", "t3.new.total")

    written = []
    for number, (code, data) in enumerate(sorted(made.items()), start=1):
        path = out_dir / f"{code}.xlsx"
        # Each sample is its own (fictional) agency, so that a batch of them shows one agency per
        # problem, as a district's real batch would, instead of one agency's many conflicting files.
        path.write_bytes(_relabel(form, data, agency, f"YS{number:03d}", f"演示单位{number:02d}"))
        written.append(path)
    expected = {
        code: {"sheet": sheet, "cell": cell} for code, (sheet, cell) in sorted(EXPECTED.items())
    }
    (out_dir / "expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return written


def _relabel(form: Form, data: bytes, agency: Agency, code: str, name: str) -> bytes:
    """The sample as another agency's: its code and name replaced in every XML part, and its token
    too where the sample carries a valid one (a relabelled file keeps its wrong token)."""
    from toolkit.form.identity import agency_token
    from toolkit.xlsx.read import read_workbook

    if not data.startswith(b"PK"):
        return data  # not a package (a truncated file, an .xls): nothing to relabel
    probe = Path(f"/tmp/nianbao-relabel-{code}.xlsx")
    probe.write_bytes(data)
    meta = read_workbook(probe, form).meta
    probe.unlink()
    old_code = meta.get("agency_code", "")
    if old_code not in (agency.code, "QK004"):
        return data  # another district's or an unknown agency's sample keeps its identity

    def token(agency_code: str) -> str:
        return agency_token(
            SAMPLE_KEY,
            form_id=form.id,
            form_version=form.version,
            year=meta.get("year", ""),
            district=meta.get("district", ""),
            agency_code=agency_code,
        )

    swaps = [(old_code, code), (meta.get("agency_name", agency.name), name)]
    if meta.get("token") and meta.get("token") == token(old_code):
        swaps.append((meta["token"], token(code)))
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename.endswith((".xml", ".rels")):
                for old, new in swaps:  # openpyxl writes non-ASCII as character references
                    body = body.replace(old.encode(), new.encode())
                    referenced = old.encode("ascii", "xmlcharrefreplace")
                    body = body.replace(referenced, new.encode("ascii", "xmlcharrefreplace"))
            target.writestr(info, body)
    return out.getvalue()


def _add_part(data: bytes, name: str, body: bytes) -> bytes:
    """The workbook with one more part in its package (what macros and links leave behind)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), body)
    return out.getvalue()


def _formula(data: bytes, part: int, ref: str) -> str:
    xml = zipfile.ZipFile(io.BytesIO(data)).read(f"xl/worksheets/sheet{part}.xml").decode()
    match = re.search(rf'<c r="{ref}"[^>]*><f>([^<]*)</f>', xml)
    if match is None:
        raise ValueError(f"no formula at {ref}")
    return match.group(1)


_FULL_WIDTH = str.maketrans("0123456789,", "０１２３４５６７８９，")
