"""Writes the locked template workbooks, one per agency, from the form definition and its layout."""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
import secrets
import shutil
import tempfile
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_cell_to_rowcol
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from . import __version__
from .catalogue import UsageError, os_reason
from .form import Form, Instance, Rule, complete, defined_name, standard_form
from .identity import KEY_FILE, agency_token, key_note, new_key, normalise_code, read_key
from .layout import Area, SheetLayout, Status, a1, layout
from .manifest import (
    MANIFEST,
    PASSWORD_FILE,
    manifest_text,
    merge_rows,
    password_note,
    read_manifest,
    read_password,
    refuse_collisions,
)
from .roster import Agency
from .rules import LATER, PASS, kind_of, status_formula, status_value
from .text import FILE_NAME_BYTES, cell_text, safe_file_name

__all__ = [
    "INSTRUCTIONS_SHEET",
    "META_SHEET",
    "PASS",
    "REVIEW_SHEET",
    "Fill",
    "GenerateResult",
    "Identity",
    "Review",
    "add_styles",
    "file_name",
    "generate",
    "identity_for",
    "status_value",
    "template_formulas",
    "write_summary_sheet",
    "write_workbook",
]

INSTRUCTIONS_SHEET = "填报说明"
REVIEW_SHEET = "审核意见"
REVIEWER = "区政务公开办"
ROLLUP_HINT = (
    "本表为全区汇总：每个数字都是“明细”表中各单位同一单元格之和（公式），可逐格追溯到单位。"
)
META_SHEET = "_meta"
META_PREFIX = "nianbao_"  # custom document property names
PARALLEL_MIN_PER_WORKER = 20  # below this, starting worker processes costs more than it saves

WORKBOOK_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}


@dataclass(frozen=True, kw_only=True)
class Identity:
    """What makes an issued workbook recognisable when it comes back; stored in `_meta` as text."""

    form_id: str
    form_version: str
    year: str
    district: str
    agency_code: str
    agency_name: str
    template_id: str
    generated_at: str
    toolkit_version: str
    layout_fingerprint: str
    token: str = ""  # the office's keyed hash (toolkit.identity); "" when made without the key

    def items(self) -> list[tuple[str, str]]:
        # A workbook made without the office's key (samples, tests) has no token row at all,
        # rather than an empty one that a reader might take for a token that failed.
        return [(k, v) for k, v in self.__dict__.items() if k != "token" or v]


@dataclass(frozen=True, kw_only=True)
class Fill:
    """Values to write into a template instead of the pre-filled zeros (samples, feedback copies)."""

    values: Mapping[str, float] = field(default_factory=dict)  # input cell key -> number
    texts: Mapping[str, str] = field(default_factory=dict)  # part key -> narrative text
    notes: Mapping[str, str] = field(default_factory=dict)  # rule id -> 说明
    raw: Mapping[str, str] = field(default_factory=dict)  # input key -> text as typed ("" blank)
    comments: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (sheet, A1) -> 批注
    review: Review | None = None  # an 审核意见 sheet in front of the others

    @property
    def empty(self) -> bool:
        return not (
            self.values or self.texts or self.notes or self.raw or self.comments or self.review
        )


@dataclass(frozen=True, kw_only=True)
class Review:
    """The 审核意见 sheet of a feedback copy: a heading, what to do, and one row per finding."""

    title: str
    intro: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, kw_only=True)
class GenerateResult:
    out_dir: Path
    files: tuple[Path, ...]  # templates written by this run
    manifest: Path
    password_file: Path
    password_generated: bool
    kept: tuple[Path, ...] = ()  # templates that were already there and were left alone
    password_reused: bool = False  # the folder's password.txt was used, not replaced
    key_file: Path | None = None
    notes: tuple[str, ...] = ()  # roster notes about the agencies written (no email, …)


def identity_for(
    form: Form,
    agency: Agency,
    year: int | str,
    district: str,
    generated_at: datetime | str,
    key: bytes | None = None,
) -> Identity:
    """The identity of one agency's workbook. Odd values read back from a returned file's `_meta`
    (a year written "2023年", a generation time that is not a date) are kept as text, never raised:
    one bad file must not stop the feedback of the others."""
    stamp = _stamp(generated_at)
    year_text = _year_text(year)
    code = normalise_code(agency.code)
    seed = "\x1f".join([form.id, form.version, district, year_text, code, stamp])
    token = ""
    if key is not None:
        token = agency_token(
            key,
            form_id=form.id,
            form_version=form.version,
            year=year_text,
            district=district,
            agency_code=code,
        )
    return Identity(
        form_id=form.id,
        form_version=form.version,
        year=year_text,
        district=district,
        agency_code=code,
        agency_name=agency.name,
        template_id=hashlib.sha256(seed.encode("utf-8", "replace")).hexdigest()[:20],
        generated_at=stamp,
        toolkit_version=__version__,
        layout_fingerprint=form.fingerprint(),
        token=token,
    )


def _stamp(generated_at: datetime | str) -> str:
    if isinstance(generated_at, datetime):
        return generated_at.isoformat(timespec="seconds")
    return str(generated_at)


def _year_text(year: int | str) -> str:
    """2023, "2023" and "2023年" are all 2023; anything else is kept as the text it was."""
    found = re.fullmatch(r"\s*(\d{4})\s*(?:年|年度)?\s*", unicodedata.normalize("NFKC", str(year)))
    return found.group(1) if found else str(year)


def _created(identity: Identity) -> datetime | None:
    try:
        return datetime.fromisoformat(identity.generated_at).replace(tzinfo=None)
    except ValueError:
        return None


def file_name(agency: Agency, year: int | str) -> str:
    """`<单位代码>-<单位名称>-<YEAR>年政府信息公开工作年度报告.xlsx`, safe on every file system and
    capped in bytes (a long agency name is cut, the code and the year stay)."""
    code = normalise_code(agency.code)
    tail = f"-{_year_text(year)}年政府信息公开工作年度报告"
    budget = FILE_NAME_BYTES - len((tail + ".xlsx").encode("utf-8"))
    head = safe_file_name(f"{code}-{agency.name}", max_bytes=budget)
    return safe_file_name(head + tail, ".xlsx")


def generate(
    agencies: Sequence[Agency],
    *,
    year: int,
    out_dir: Path,
    district: str = "",
    deadline: date | None = None,
    contact: str = "",
    password: str | None = None,
    generated_at: datetime,
    form: Form | None = None,
    force: bool = False,
) -> GenerateResult:
    """Write one template per agency into out_dir, with manifest.csv, password.txt and the key.

    A folder that already holds templates is added to: its password, key, manifest rows and
    templates are kept (a template is replaced only with `force`). Either everything new is
    written or nothing: files are built in a staging folder inside out_dir, moved into place only
    when all of them succeeded, and the staging folder is removed on every failure.
    """
    form = form or standard_form()
    if not form.first_year <= year <= form.last_year:
        raise UsageError(
            "year-range", year=year, first=form.first_year, last=form.last_year, basis=form.basis
        )
    names = [file_name(agency, year) for agency in agencies]
    refuse_collisions(agencies, names)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError("out-not-folder", path=out_dir)
    old_password = read_password(out_dir / PASSWORD_FILE)
    if old_password is not None and password is not None and password != old_password:
        raise UsageError("password-mismatch", path=out_dir)
    old_rows = read_manifest(out_dir / MANIFEST)
    key = read_key(out_dir)
    if key is None and (out_dir / KEY_FILE).exists():
        raise UsageError("key-unreadable", path=out_dir / KEY_FILE)
    try:
        present = {p.name.casefold(): p for p in out_dir.iterdir()} if out_dir.is_dir() else {}
    except OSError as exc:
        raise UsageError("out-not-writable", path=out_dir, reason=os_reason(exc)) from exc
    todo: list[tuple[Agency, str]] = []
    kept: list[Path] = []
    for agency, name in zip(agencies, names, strict=True):
        existing = present.get(name.casefold())
        if existing is not None and not force:
            kept.append(existing)
        else:
            todo.append((agency, name))
    password_generated = password is None and old_password is None
    password = old_password or password or secrets.token_urlsafe(9)
    new_files = {PASSWORD_FILE: old_password is None, KEY_FILE: key is None}
    key = key or new_key()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".nianbao-staging-{os.getpid()}-", dir=out_dir))
    except OSError as exc:
        raise UsageError("out-not-writable", path=out_dir, reason=os_reason(exc)) from exc
    try:
        jobs = [
            _Job(
                path=staging / name,
                identity=identity_for(form, agency, year, district, generated_at, key),
                deadline=deadline,
                contact=contact,
                password=password,
            )
            for agency, name in todo
        ]
        digests = dict(zip((n for _, n in todo), _run_jobs(form, jobs), strict=True))
        rows = merge_rows(old_rows, agencies, names, digests, out_dir)
        _save_text(staging / MANIFEST, manifest_text(rows), encoding="utf-8-sig")
        _save_text(staging / PASSWORD_FILE, password_note(password, year, district))
        _save_text(staging / KEY_FILE, key_note(key, year=year, district=district))
        # The password and key first: a template in the folder without them could never be
        # checked or re-protected. The manifest last: it lists what is there.
        moving = [name for name, is_new in new_files.items() if is_new]
        moving += [n for _, n in todo] + [MANIFEST]
        for name in moving:
            target = present.get(name.casefold(), out_dir / name)
            os.replace(staging / name, target)
    except OSError as exc:
        raise UsageError("out-not-writable", path=out_dir, reason=os_reason(exc)) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    added = tuple(present.get(n.casefold(), out_dir / n) for _, n in todo)
    notes = tuple(f"{a.code} {a.name}：{a.note}" for a, _ in todo if a.note)
    return GenerateResult(
        out_dir=out_dir,
        files=added,
        kept=tuple(kept),
        manifest=out_dir / MANIFEST,
        password_file=out_dir / PASSWORD_FILE,
        password_generated=password_generated,
        password_reused=old_password is not None,
        key_file=out_dir / KEY_FILE,
        notes=notes,
    )


@dataclass(frozen=True, kw_only=True)
class _Job:
    path: Path
    identity: Identity
    deadline: date | None
    contact: str
    password: str


_worker_form: Form | None = None


def _start_worker(form: Form) -> None:
    global _worker_form
    _worker_form = form


def _run_job(job: _Job, form: Form | None = None) -> str:
    """Write one template and return its sha256 (for the manifest)."""
    write_workbook(
        job.path,
        form=form or _worker_form,
        identity=job.identity,
        deadline=job.deadline,
        contact=job.contact,
        password=job.password,
    )
    return hashlib.sha256(job.path.read_bytes()).hexdigest()


def _run_jobs(form: Form, jobs: list[_Job]) -> list[str]:
    """Templates are independent: a large roster is written on every core, a small one in-process."""
    workers = min(os.cpu_count() or 1, len(jobs) // PARALLEL_MIN_PER_WORKER)
    if workers < 2:
        return [_run_job(job, form) for job in jobs]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(form,)) as pool:
        return list(pool.map(_run_job, jobs, chunksize=max(1, len(jobs) // (workers * 4))))


def _save_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.write_bytes(text.encode(encoding))
    _follow_umask(path)


def _follow_umask(path: Path) -> None:
    """Give a file the permissions an ordinary new file gets here (temporary-file helpers create
    0600 files; the office's folder may be shared)."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


# ------------------------------------------------------------------------------------------------
# One workbook
# ------------------------------------------------------------------------------------------------

_FONT = "宋体"
_BORDER = {"border": 1, "border_color": "#808080"}
_STYLES: dict[str, dict[str, Any]] = {
    "title": {"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"},
    "summary": {"bold": True, "align": "left", "valign": "vcenter", "text_wrap": True},
    "hint": {"font_color": "#595959", "font_size": 9, "text_wrap": True, "valign": "vcenter"},
    "caption": {"bold": True, "valign": "vcenter", **_BORDER, "bg_color": "#F2F2F2"},
    "corner": {"text_wrap": True, "align": "center", "valign": "vcenter", **_BORDER},
    "header": {"text_wrap": True, "align": "center", "valign": "vcenter", **_BORDER},
    "row_label": {"text_wrap": True, "valign": "vcenter", **_BORDER},
    "status_header": {
        "text_wrap": True,
        "align": "center",
        "valign": "vcenter",
        "font_size": 9,
        "font_color": "#404040",
        **_BORDER,
    },
    "status_label": {"text_wrap": True, "valign": "vcenter", "font_size": 9, **_BORDER},
    "part_title": {"bold": True, "font_size": 12, "valign": "vcenter"},
    "prompt": {"font_color": "#595959", "font_size": 9, "text_wrap": True, "valign": "top"},
    "input_count": {"locked": False, "bg_color": "#FFF8DC", "num_format": "0", **_BORDER},
    "input_amount": {"locked": False, "bg_color": "#FFF8DC", "num_format": "0.00##", **_BORDER},
    "total_count": {"bold": True, "bg_color": "#E7E6E6", "num_format": "0", **_BORDER},
    "total_amount": {"bold": True, "bg_color": "#E7E6E6", "num_format": "0.00##", **_BORDER},
    "input_count_flagged": {
        "locked": False,
        "bg_color": "#FFC7CE",
        "num_format": "0",
        "border": 2,
        "border_color": "#C00000",
    },
    "input_amount_flagged": {
        "locked": False,
        "bg_color": "#FFC7CE",
        "num_format": "0.00##",
        "border": 2,
        "border_color": "#C00000",
    },
    "total_count_flagged": {
        "bold": True,
        "bg_color": "#FFC7CE",
        "num_format": "0",
        "border": 2,
        "border_color": "#C00000",
    },
    "total_amount_flagged": {
        "bold": True,
        "bg_color": "#FFC7CE",
        "num_format": "0.00##",
        "border": 2,
        "border_color": "#C00000",
    },
    "text_input_flagged": {
        "locked": False,
        "bg_color": "#FFC7CE",
        "text_wrap": True,
        "valign": "top",
        "border": 2,
        "border_color": "#C00000",
    },
    "review_header": {"bold": True, "bg_color": "#D9E1F2", "text_wrap": True, **_BORDER},
    "review_cell": {"text_wrap": True, "valign": "top", **_BORDER},
    "text_input": {
        "locked": False,
        "bg_color": "#FFF8DC",
        "text_wrap": True,
        "valign": "top",
        **_BORDER,
    },
    "note": {
        "locked": False,
        "bg_color": "#FFF8DC",
        "text_wrap": True,
        "valign": "vcenter",
        "font_size": 9,
        **_BORDER,
    },
    "status": {"align": "center", "valign": "vcenter", "font_size": 9, **_BORDER},
    "status_later": {
        "align": "center",
        "valign": "vcenter",
        "font_size": 9,
        "font_color": "#7F7F7F",
        "italic": True,
        **_BORDER,
    },
    "ok": {"bg_color": "#C6EFCE", "font_color": "#006100"},
    "bad": {"bg_color": "#FFC7CE", "font_color": "#9C0006"},
    "warn": {"bg_color": "#FFEB9C", "font_color": "#9C5700"},
    "info_key": {"bold": True, "valign": "top", "text_wrap": True},
    "info_value": {"valign": "top", "text_wrap": True},
    "info_heading": {"bold": True, "font_size": 12, "valign": "vcenter"},
    "meta": {"num_format": "@"},
}
_CONDITIONAL = ("ok", "bad", "warn")


_SHEET_XML: dict[tuple[int, str, str], str] = {}  # (form, sheet, password) -> worksheet XML


class _Worksheet(Worksheet):
    """An xlsxwriter worksheet with two shortcuts that make generation several times faster.

    - It skips the future-function rewriting of every formula: our formulas use only classic
      functions (SUM, IF, ROUND, AND, COUNTIF, LEN, TRIM, ISNUMBER, SEARCH) that Excel, WPS and
      LibreOffice read without the `_xlfn.` prefix, and the rewriting ran about 400 regular
      expressions per conditional format.
    - A content sheet of an unfilled template is the same XML for every agency of a run (same
      form, same password, same shared-string indexes): it is assembled once and reused. The
      write calls still run, so shared strings, defined names and workbook settings are built
      as usual; tests compare reused output with freshly assembled output.
    """

    xml_cache_key: tuple[int, str, str] | None = None

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        return formula.removeprefix("{").removeprefix("=").removesuffix("}")

    def _assemble_xml_file(self) -> None:
        key = self.xml_cache_key
        if key is None:
            super()._assemble_xml_file()
            return
        if key not in _SHEET_XML:
            target, internal = self.fh, self.internal_fh
            self.fh, self.internal_fh = io.StringIO(), False
            super()._assemble_xml_file()
            _SHEET_XML[key] = self.fh.getvalue()
            self.fh, self.internal_fh = target, internal
        self.fh.write(_SHEET_XML[key])
        self._xml_close()


class GenerateError(RuntimeError):
    """xlsxwriter refused something: a bug in the form definition or the generator."""


def _ok(result: int | None, what: str) -> None:
    if result not in (None, 0):
        raise GenerateError(f"xlsxwriter 返回 {result}：{what}")


def write_workbook(
    path: Path,
    *,
    form: Form,
    identity: Identity,
    password: str,
    deadline: date | None = None,
    contact: str = "",
    fill: Fill | None = None,
) -> None:
    """Write one template atomically (a temporary file beside `path`, then a rename).

    xlsxwriter warnings are errors: a template that only half worked is a bug.
    """
    fill = fill or Fill()
    _check_fill(form, fill)
    path = Path(path)
    temporary = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.tmp.xlsx")
    try:
        _write(temporary, form, identity, password, deadline, contact, fill)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _check_fill(form: Form, fill: Fill) -> None:
    """A misspelt or computed key would silently become 0 or be recomputed: refuse it."""
    inputs = list(fill.values) + list(fill.raw)
    wrong = sorted(k for k in inputs if k not in form.cells or form.cells[k].is_total)
    wrong += sorted(k for k in fill.texts if k not in form.parts)
    rules = {rule.id for rule in form.rules if rule.severity == "warning"}
    wrong += sorted(k for k in fill.notes if k not in rules)
    if wrong:
        raise ValueError(f"not input cells, narrative parts or warning rules: {', '.join(wrong)}")


def _write(
    path: Path,
    form: Form,
    identity: Identity,
    password: str,
    deadline: date | None,
    contact: str,
    fill: Fill,
) -> None:
    values = complete(form, fill.values)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # Text from rosters and returned files is written as text, never as a formula or link.
        book = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
        styles = add_styles(book)
        book.set_properties(
            {
                "title": f"{identity.agency_name}{identity.year}年{form.title}",
                "subject": form.title,
                "author": identity.district or "nianbao",
                "company": identity.district,
                "comments": f"{form.basis} 表式；由 nianbao {__version__} 生成",
            }
            | ({"created": created} if (created := _created(identity)) else {})
        )
        for key, value in identity.items():
            _ok(
                book.set_custom_property(META_PREFIX + key, cell_text(value)[:255]),
                f"custom property {key}",
            )
        # Sheets are added in report order, but the agency-specific instructions are written last
        # so that the content sheets' shared-string indexes, and so their XML, are the same for
        # every agency of a run (see _Worksheet).
        review = book.add_worksheet(REVIEW_SHEET) if fill.review else None
        info = book.add_worksheet(INSTRUCTIONS_SHEET, worksheet_class=_Worksheet)
        formulas = _formulas(form)
        reusable = fill.empty
        for sheet in layout(form):
            ws = _sheet(book, styles, form, sheet, formulas, values, fill, password)
            if reusable:
                ws.xml_cache_key = (id(form), sheet.name, password)
        _instructions(info, styles, form, identity, deadline, contact, password)
        if review is not None and fill.review is not None:
            _review(review, styles, fill.review, password)
        _meta(book, styles, identity, password)
        book.close()


def template_formulas(form: Form) -> dict[str, str]:
    """Each total cell's formula as the template writes it ("=SUM(D7:I7)")."""
    return dict(_formulas(form).totals)


def _references(sheets: Sequence[SheetLayout]) -> dict[str, tuple[str, str]]:
    """Cell or part key -> (sheet name, A1) for formulas."""
    return {key: (sheet.name, area.ref) for sheet in sheets for key, area in sheet.cells.items()}


@dataclass(frozen=True)
class _Formulas:
    """Every formula and defined name of a form's template, built once per run, not per workbook."""

    totals: dict[str, str]
    names: dict[str, str]
    statuses: dict[tuple[str, str, tuple[int, ...]], str]


@cache
def _formulas(form: Form) -> _Formulas:
    sheets = layout(form)
    refs = _references(sheets)
    rules = {rule.id: rule for rule in form.rules}
    totals, names, statuses = {}, {}, {}
    for sheet in sheets:
        for key, area in sheet.cells.items():
            names[key] = f"={_qualified(sheet.name, area)}"
            cell = form.cells.get(key)
            if cell is not None and cell.is_total:
                totals[key] = "=" + _sum([_ref(s, refs, sheet.name) for s in cell.sources])
        for status in sheet.statuses:
            rule = rules[status.rule]
            if rule.live:
                instances = [rule.instances[i] for i in status.instances]
                statuses[sheet.name, rule.id, status.instances] = _status_formula(
                    rule, instances, refs, sheet.name
                )
    return _Formulas(totals=totals, names=names, statuses=statuses)


def _instructions(
    ws: Worksheet,
    styles: dict[str, Any],
    form: Form,
    identity: Identity,
    deadline: date | None,
    contact: str,
    password: str,
) -> None:
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 96)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    title = cell_text(f"{identity.district}{identity.year}年度{form.title}填报模板")
    _ok(ws.merge_range(0, 0, 0, 1, "", styles["title"]), "title")
    _ok(ws.write_string(0, 0, title, styles["title"]), "title")
    ws.set_row(0, 30)
    sheet_names = "、".join(s.sheet for s in form.sections)
    deadline_text = (
        f"{deadline.year}年{deadline.month}月{deadline.day}日前" if deadline else "按通知要求"
    )
    lines: list[tuple[str, str]] = [
        ("填报单位", f"{identity.agency_name}（单位代码：{identity.agency_code}）"),
        ("报告年度", f"{identity.year}年度（{form.basis} 规定的格式）"),
        ("报送截止", deadline_text),
        ("联系方式", contact or "区政务公开办"),
        (
            "填写内容",
            f"本工作簿按报告的六个部分分为 {len(form.sections)} 张工作表：{sheet_names}。"
            "表格部分只填浅黄色单元格（已预填0，没有的保持0，不要留空、不要填“-”“/”“无”）；"
            "灰色单元格为公式自动计算。文字部分在浅黄色文本框内填写，每个框上方有填写要求。",
        ),
        (
            "勾稽关系",
            "每张表的第二行显示勾稽关系检查结果；右侧和下方的检查单元格显示“通过”（绿色）或差额（红色）。"
            "红色须更正后再报送；黄色为提示，与实际情况不符的请在旁边的说明栏写明原因。",
        ),
        (
            "报送方式",
            "填写完成后直接保存本文件（保持 .xlsx 格式，不要改文件名中的单位代码），按通知要求报送。"
            "请勿复制到其他模板、插入或删除行列、修改表头，否则无法自动审核。",
        ),
        (
            "工作表保护",
            "各工作表已保护，只能在浅黄色单元格中填写，防止误改表头和公式。"
            "如确需调整，请联系区政务公开办，不要自行撤销保护。",
        ),
        ("模板编号", identity.template_id),
    ]
    row = 2
    for key, value in lines:
        value = cell_text(value)
        _ok(ws.write_string(row, 0, key, styles["info_key"]), key)
        _ok(ws.write_string(row, 1, value, styles["info_value"]), key)
        ws.set_row(row, max(20, 15 * math.ceil(len(value) / 46) + 5))
        row += 1
    row += 1
    ws.write_string(row, 0, "勾稽关系规则", styles["info_heading"])
    row += 1
    for rule in form.rules:
        level = "错误（须更正）" if rule.severity == "error" else "提示（须核对或说明）"
        ws.write_string(row, 0, level, styles["info_key"])
        text = f"{rule.title}：{rule.explain}"
        ws.write_string(row, 1, text, styles["info_value"])
        ws.set_row(row, max(20, 15 * math.ceil(len(text) / 46) + 5))
        row += 1
    ws.activate()
    ws.protect(password, {"select_locked_cells": True, "select_unlocked_cells": True})


def _sheet(
    book: Workbook,
    styles: dict[str, Any],
    form: Form,
    sheet: SheetLayout,
    formulas: _Formulas,
    values: dict[str, float],
    fill: Fill,
    password: str | None,
    sums: Mapping[str, str] | None = None,
    name: str | None = None,
) -> _Worksheet:
    """One section's sheet. With `sums` (the rollup), every number is the given formula, nothing
    is an input, and only the rules that hold within the sheet get a live status."""
    ws = book.add_worksheet(name or sheet.name, worksheet_class=_Worksheet)
    for col, width in enumerate(sheet.column_widths):
        _ok(ws.set_column(col, col, width), "column width")
    for row, height in sorted(sheet.row_heights.items()):
        _ok(ws.set_row(row, height), "row height")
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.center_horizontally()
    ws.freeze_panes(*sheet.freeze)

    note_cols = {n.area.col for n in sheet.notes}
    for label in sheet.labels:
        if label.style == "summary":
            continue
        if sums is not None and label.style == "status_header" and label.area.col in note_cols:
            continue  # the rollup has no 说明 to write: no empty column under a header (H2)
        text = ROLLUP_HINT if sums is not None and label.style == "hint" else label.text
        _write_text(ws, label.area, text, styles[label.style])
    for key, area in sheet.cells.items():
        flagged = (sheet.name, area.ref) in fill.comments
        if sums is not None:
            style = styles["total_" + form.cells[key].type]
            value = _number(values[key])
            if area.merged:  # single-value rows span the table as in the template (H2)
                _ok(
                    ws.merge_range(area.row, area.col, area.last_row, area.last_col, "", style), key
                )
            _ok(ws.write_formula(area.row, area.col, sums[key], style, value), key)
        elif key in form.cells:
            _number_cell(ws, styles, form, key, area, formulas, values, fill.raw.get(key), flagged)
        else:
            _text_input(ws, styles, form, key, area, fill.texts.get(key, ""), flagged)
        target = formulas.names[key] if name is None else f"={_qualified(name, area)}"
        _ok(book.define_name(defined_name(key), target), f"defined name {key}")
    if sums is None:
        _validations(ws, form, sheet)
    rules = {rule.id: rule for rule in form.rules}
    texts = {key: fill.texts.get(key, "") for key in form.parts}
    live: list[tuple[Rule, Status]] = []
    for status in sheet.statuses:
        rule = rules[status.rule]
        instances = [rule.instances[i] for i in status.instances]
        if sums is not None and not (kind_of(rule).in_rollup and rule.table):
            _ok(
                ws.write_string(status.area.row, status.area.col, "—", styles["status_later"]),
                f"status {rule.id}",
            )
        elif rule.live:
            formula = formulas.statuses[sheet.name, rule.id, status.instances]
            result = status_value(rule, instances, values, texts)
            _ok(
                ws.write_formula(
                    status.area.row, status.area.col, formula, styles["status"], result
                ),
                f"status {rule.id}",
            )
            live.append((rule, status))
        else:
            _ok(
                ws.write_string(status.area.row, status.area.col, LATER, styles["status_later"]),
                f"status {rule.id}",
            )
    _status_colours(ws, styles, live)
    for note in sheet.notes if sums is None else ():
        _write_text(ws, note.area, fill.notes.get(note.rule, ""), styles["note"])
        _ok(
            ws.data_validation(
                note.area.row,
                note.area.col,
                note.area.last_row,
                note.area.last_col,
                {
                    "validate": "any",
                    "input_title": "说明",
                    "input_message": "提示项与实际情况不符的，请在此写明原因，审核时将一并查看。",
                },
            ),
            "note prompt",
        )
    if sheet.summary:
        formula, result = _summary(live, values, texts)
        area = sheet.summary
        if area.merged:
            _ok(
                ws.merge_range(
                    area.row, area.col, area.last_row, area.last_col, "", styles["summary"]
                ),
                "summary",
            )
        _ok(ws.write_formula(area.row, area.col, formula, styles["summary"], result), "summary")
        for phrase, colour in (("未通过", styles["bad"]), ("全部通过", styles["ok"])):
            rule = {"type": "text", "criteria": "containing", "value": phrase, "format": colour}
            _ok(
                ws.conditional_format(area.row, area.col, area.row, area.col, rule),
                "summary colour",
            )
    for (sheet_name, ref), text in sorted(fill.comments.items()):
        if sheet_name == sheet.name:
            _ok(
                ws.write_comment(ref, text, {"author": REVIEWER, "x_scale": 3, "y_scale": 2.5}),
                f"comment {ref}",
            )
    if password is not None:
        ws.protect(password, {"select_locked_cells": True, "select_unlocked_cells": True})
    return ws


def add_styles(book: Workbook) -> dict[str, Any]:
    """The template's cell formats, for another workbook that shows the same tables (rollup)."""
    styles = {
        name: book.add_format(
            spec if name in _CONDITIONAL else {"font_name": _FONT, "font_size": 11, **spec}
        )
        for name, spec in _STYLES.items()
    }
    for name in _STYLES:
        if name not in _CONDITIONAL:
            # Fix every cell format's index now, in one order, instead of in order of first
            # use while sheets are assembled: reused sheet XML refers to these indexes.
            styles[name]._get_xf_index()
    return styles


def write_summary_sheet(
    book: Workbook,
    styles: dict[str, Any],
    form: Form,
    sheet: SheetLayout,
    sums: Mapping[str, str],
    values: Mapping[str, float],
    *,
    name: str,
) -> Worksheet:
    """A table sheet laid out like the template, named `name`, whose numbers are the given
    formulas with the given results (the rollup)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return _sheet(
            book, styles, form, sheet, _formulas(form), dict(values), Fill(), None, sums, name
        )


def _write_text(ws: Worksheet, area: Area, text: str, style: Any) -> None:
    if area.merged:
        _ok(ws.merge_range(area.row, area.col, area.last_row, area.last_col, "", style), text[:20])
    if text:
        _ok(ws.write_string(area.row, area.col, cell_text(text), style), text[:20])
    elif not area.merged:
        _ok(ws.write_blank(area.row, area.col, None, style), "blank")


def _qualified(sheet: str, area: Area) -> str:
    return f"{quote_sheetname(sheet)}!{a1(area.row, area.col, absolute=True)}"


def _ref(key: str, refs: dict[str, tuple[str, str]], here: str) -> str:
    sheet, ref = refs[key]
    return ref if sheet == here else f"{quote_sheetname(sheet)}!{ref}"


def _number_cell(
    ws: Worksheet,
    styles: dict[str, Any],
    form: Form,
    key: str,
    area: Area,
    formulas: _Formulas,
    values: dict[str, float],
    raw: str | None = None,
    flagged: bool = False,
) -> None:
    cell = form.cells[key]
    style = styles[("total_" if cell.is_total else "input_") + cell.type + ("_flagged" * flagged)]
    if area.merged:
        _ok(ws.merge_range(area.row, area.col, area.last_row, area.last_col, "", style), key)
    value = _number(values[key])
    if cell.is_total:
        _ok(ws.write_formula(area.row, area.col, formulas.totals[key], style, value), key)
    elif raw is not None:  # a feedback copy shows what the agency typed, to be corrected there
        if raw:
            _ok(ws.write_string(area.row, area.col, cell_text(raw), style), key)
        else:
            _ok(ws.write_blank(area.row, area.col, None, style), key)
    else:
        _ok(ws.write_number(area.row, area.col, value, style), key)


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _sum(refs: list[str]) -> str:
    """SUM over references, written as one range when they are a contiguous run of one row or column."""
    if len(refs) > 2 and all("!" not in r for r in refs):
        rows, cols = zip(*(xl_cell_to_rowcol(r) for r in refs), strict=True)
        run = list(range(len(refs)))
        if (len(set(rows)) == 1 and [c - cols[0] for c in cols] == run) or (
            len(set(cols)) == 1 and [r - rows[0] for r in rows] == run
        ):
            return f"SUM({refs[0]}:{refs[-1]})"
    return f"SUM({','.join(refs)})"


def _text_input(
    ws: Worksheet,
    styles: dict[str, Any],
    form: Form,
    key: str,
    area: Area,
    text: str,
    flagged: bool = False,
) -> None:
    _write_text(ws, area, text, styles["text_input_flagged" if flagged else "text_input"])
    part = form.parts[key]
    _ok(
        ws.data_validation(
            area.row,
            area.col,
            area.last_row,
            area.last_col,
            {"validate": "any", "input_title": part.title[:32], "input_message": part.prompt[:255]},
        ),
        f"prompt {key}",
    )


def _validations(ws: Worksheet, form: Form, sheet: SheetLayout) -> None:
    """Whole number (or 万元 amount) ≥ 0 on every input, one validation per run of adjacent cells."""
    runs: dict[tuple[str, int], list[int]] = {}
    for key, area in sheet.cells.items():
        cell = form.cells.get(key)
        if cell is None or cell.is_total:
            continue
        runs.setdefault((cell.type, area.row), []).append(area.col)
    for (kind, row), cols in sorted(runs.items(), key=lambda item: (item[0][1], item[0][0])):
        cols.sort()
        start = prev = cols[0]
        for col in [*cols[1:], None]:
            if col is not None and col == prev + 1:
                prev = col
                continue
            _ok(ws.data_validation(row, start, row, prev, _validation(kind)), "validation")
            if col is not None:
                start = prev = col


def _validation(kind: str) -> dict[str, Any]:
    if kind == "amount":
        return {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "error_type": "stop",
            "input_title": "金额（万元）",
            "input_message": "填写本年收费金额，单位万元，最多4位小数；没有的填0。",
            "error_title": "金额有误",
            "error_message": "请填写大于或等于0的数字（单位：万元）。没有的填0，不要留空或填“-”“/”“无”。",
        }
    return {
        "validate": "integer",
        "criteria": ">=",
        "value": 0,
        "error_type": "stop",
        "input_title": "件数",
        "input_message": "填写大于或等于0的整数；没有的保持0。",
        "error_title": "须为整数",
        "error_message": "请填写大于或等于0的整数。没有的填0，不要留空或填“-”“/”“无”。",
    }


def _status_colours(ws: Worksheet, styles: dict[str, Any], live: list[tuple[Rule, Status]]) -> None:
    """Green for 通过, red (errors) or amber (warnings) otherwise: one rule set per sheet."""
    for severity, colour in (("error", styles["bad"]), ("warning", styles["warn"])):
        areas = [status.area for rule, status in live if rule.severity == severity]
        if not areas:
            continue
        first = areas[0]
        where = {"multi_range": " ".join(area.ref for area in areas)}
        _ok(
            ws.conditional_format(
                first.row,
                first.col,
                first.row,
                first.col,
                {
                    "type": "cell",
                    "criteria": "==",
                    "value": f'"{PASS}"',
                    "format": styles["ok"],
                    "stop_if_true": True,
                    **where,
                },
            ),
            "status colour",
        )
        _ok(
            ws.conditional_format(
                first.row,
                first.col,
                first.row,
                first.col,
                {"type": "no_blanks", "format": colour, **where},
            ),
            "status colour",
        )


# ------------------------------------------------------------------------------------------------
# Live 勾稽 status: the same rule as an Excel formula and as the value it yields.
# ------------------------------------------------------------------------------------------------


def _status_formula(
    rule: Rule, instances: Sequence[Instance], refs: dict[str, tuple[str, str]], here: str
) -> str:
    return status_formula(rule, instances, lambda key: _ref(key, refs, here))


def _summary(
    live: list[tuple[Rule, Status]], values: dict[str, float], texts: dict[str, str]
) -> tuple[str, str]:
    """The sheet's one-line verdict, as a formula and its current value."""
    counts: dict[str, list[str]] = {"error": [], "warning": []}
    totals = {"error": 0, "warning": 0}
    passed = {"error": 0, "warning": 0}
    for rule, status in live:
        counts[rule.severity].append(f'COUNTIF({status.area.ref},"{PASS}")')
        totals[rule.severity] += 1
        instances = [rule.instances[i] for i in status.instances]
        passed[rule.severity] += status_value(rule, instances, values, texts) == PASS
    ne, nw = totals["error"], totals["warning"]
    e = "+".join(counts["error"]) or "0"
    w = "+".join(counts["warning"]) or "0"
    all_ok = "勾稽关系与填写检查：全部通过"
    warn = (
        '"勾稽关系与填写检查：错误项全部通过；有"&('
        + f"{nw}-({w})"
        + ')&"处提示，请核对或在说明栏说明"'
    )
    fail = '"勾稽关系与填写检查：有"&(' + f"{ne}-({e})" + ')&"处未通过，请按红色单元格提示修改"'
    inner = f'IF(({w})={nw},"{all_ok}",{warn})' if nw else f'"{all_ok}"'
    formula = f"=IF(({e})={ne},{inner},{fail})"
    if passed["error"] < ne:
        result = f"勾稽关系与填写检查：有{ne - passed['error']}处未通过，请按红色单元格提示修改"
    elif passed["warning"] < nw:
        result = f"勾稽关系与填写检查：错误项全部通过；有{nw - passed['warning']}处提示，请核对或在说明栏说明"
    else:
        result = all_ok
    return formula, result


def _review(ws: Worksheet, styles: dict[str, Any], review: Review, password: str) -> None:
    """The 审核意见 sheet: what the office found, where, and what to do; shown first."""
    widths = [6, 10, 16, 10, 90][: len(review.header)]
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    last = len(review.header) - 1
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    # The title, intro and rows quote agency names and cell content: written as strings only.
    intro = cell_text(review.intro)
    _ok(ws.merge_range(0, 0, 0, last, "", styles["title"]), "review title")
    _ok(ws.write_string(0, 0, cell_text(review.title), styles["title"]), "review title")
    ws.set_row(0, 30)
    _ok(ws.merge_range(1, 0, 1, last, "", styles["info_value"]), "review intro")
    _ok(ws.write_string(1, 0, intro, styles["info_value"]), "review intro")
    ws.set_row(1, min(409, max(20, 15 * math.ceil(len(intro) / 60) + 5)))
    for col, title in enumerate(review.header):
        _ok(ws.write_string(3, col, cell_text(title), styles["review_header"]), "review header")
    for index, row in enumerate(review.rows, start=4):
        for col, value in enumerate(row):
            _ok(ws.write_string(index, col, cell_text(str(value)), styles["review_cell"]), "review")
        last_text = str(row[-1]) if row else ""
        ws.set_row(index, min(409, max(20, 15 * math.ceil(len(last_text) / 42) + 5)))
    ws.freeze_panes(4, 0)
    ws.activate()
    ws.protect(password, {"select_locked_cells": True, "select_unlocked_cells": True})


def _meta(book: Workbook, styles: dict[str, Any], identity: Identity, password: str) -> None:
    ws = book.add_worksheet(META_SHEET, worksheet_class=_Worksheet)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 60)
    for row, (key, value) in enumerate(identity.items()):
        _ok(ws.write_string(row, 0, key, styles["meta"]), key)
        _ok(ws.write_string(row, 1, cell_text(value), styles["meta"]), key)
    ws.very_hidden()
    ws.protect(password, {"select_locked_cells": True, "select_unlocked_cells": True})
