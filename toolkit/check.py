"""Checks returned workbooks: identity, layout, cell values, and every 勾稽 rule through pandera.

`check()` reads every file (on every core for large batches), inspects each one on its own, then
validates all of them at once as one frame, and adds the findings about the batch as a whole.
"""

from __future__ import annotations

import glob
import math
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from .catalogue import FINDINGS, UsageError, say
from .form import Form, Rule, complete, standard_form
from .generate import template_formulas
from .layout import Area, SheetLayout, a1, layout
from .read import Workbook, read_workbook
from .roster import Agency

__all__ = [
    "SUFFIXES",
    "CheckReport",
    "FileResult",
    "Finding",
    "check",
    "collect",
]

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
PLACEHOLDERS = frozenset(
    {"-", "--", "—", "——", "/", "\\", "无", "没有", "空", "暂无", "n/a", "na", "null", "x", "×"}
)
PARALLEL_MIN_FILES = 64  # below this, more than one worker process costs more than it saves
FILE_TIMEOUT = 30.0  # seconds for one file; a real one takes a few milliseconds
MAX_LAYOUT_FINDINGS = 5  # per sheet; the rest are counted in the last one
TOLERANCE = 1e-6
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_UNIT = re.compile(r"(件|个|项|条|万元|元)$")


@dataclass(frozen=True, kw_only=True)
class Finding:
    code: str
    severity: str  # error, warning, info
    message: str
    file: str = ""
    agency_code: str = ""
    agency_name: str = ""
    sheet: str = ""
    cell: str = ""
    row_label: str = ""
    column_label: str = ""
    expected: Any = None
    actual: Any = None
    explained: bool = False
    explanation: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, kw_only=True)
class FileResult:
    path: str
    sha256: str
    agency_code: str
    agency_name: str
    year: str
    status: str  # passed, warnings, failed, unreadable
    findings: tuple[Finding, ...]
    kind: str = ""
    mtime: float = 0.0
    template_id: str = ""
    superseded: bool = False  # an older file of an agency that sent another one
    # What the checker read, for the rollup and the feedback copies (not part of the JSON).
    values: dict[str, float] = field(default_factory=dict, repr=False, compare=False)
    texts: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    notes: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    raw: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    meta: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.findings)

    @property
    def explained(self) -> int:
        return sum(f.explained for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "agency_code": self.agency_code,
            "agency_name": self.agency_name,
            "year": self.year,
            "status": self.status,
            "superseded": self.superseded,
            "errors": self.count("error"),
            "warnings": self.count("warning"),
            "explained": self.explained,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True, kw_only=True)
class CheckReport:
    files: tuple[FileResult, ...]
    batch_findings: tuple[Finding, ...]
    year: str = ""
    district: str = ""

    @property
    def errors(self) -> int:
        return sum(f.count("error") for f in self.files) + sum(
            f.severity == "error" for f in self.batch_findings
        )

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def summary(self) -> dict[str, Any]:
        statuses = defaultdict(int)
        for result in self.files:
            statuses[result.status] += 1
        return {
            "files": len(self.files),
            "passed": statuses["passed"],
            "warnings": statuses["warnings"],
            "failed": statuses["failed"],
            "unreadable": statuses["unreadable"],
            "errors": self.errors,
            "warning_findings": sum(f.count("warning") for f in self.files)
            + sum(f.severity == "warning" for f in self.batch_findings),
            "year": self.year,
            "district": self.district,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary(),
            "files": [f.to_dict() for f in self.files],
            "batch_findings": [f.to_dict() for f in self.batch_findings],
        }


# ------------------------------------------------------------------------------------------------
# Which files
# ------------------------------------------------------------------------------------------------


def collect(paths: Sequence[str | Path]) -> tuple[list[Path], list[Finding]]:
    """Files named, found in folders (recursively) or matched by glob patterns (expanded here, so
    that Windows cmd works too). Lock files and hidden files are skipped with a note."""
    found: list[Path] = []
    skipped: list[Finding] = []
    for raw in paths:
        text = str(raw)
        path = Path(text)
        if path.is_dir():
            root = path
            candidates = sorted(p for p in path.rglob("*") if p.is_file())
            candidates = [p for p in candidates if p.suffix.lower() in SUFFIXES]
        elif path.exists():
            root, candidates = path.parent, [path]
        elif glob.has_magic(text):
            root = _fixed_prefix(text)  # hidden-ness is judged below the pattern's fixed folder
            candidates = sorted(
                Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file()
            )
        else:
            raise UsageError("path-missing", path=text)
        for candidate in candidates:
            reason = _skip_reason(candidate, root)
            if reason:
                skipped.append(_note(candidate, reason))
            else:
                found.append(candidate)
    unique: dict[str, Path] = {}
    for path in found:
        unique.setdefault(os.path.normcase(os.path.abspath(path)), path)
    if not unique:
        raise UsageError("no-files", paths="、".join(str(p) for p in paths))
    return list(unique.values()), skipped


def _fixed_prefix(pattern: str) -> Path:
    parts = Path(pattern).parts
    fixed = [p for p in parts[: next(i for i, p in enumerate(parts) if glob.has_magic(p))]]
    return Path(*fixed) if fixed else Path()


def _skip_reason(path: Path, root: Path) -> str:
    """Lock files always; hidden files and folders only below the folder the user named."""
    if path.name.startswith("~$"):
        return "Excel 或 WPS 打开文件时生成的临时锁定文件"
    try:
        below = path.relative_to(root).parts
    except ValueError:
        below = (path.name,)
    if any(part.startswith(".") for part in below):
        return "隐藏文件"
    return ""


def _note(path: Path, reason: str) -> Finding:
    return Finding(
        code="skipped-file",
        severity="info",
        message=say("skipped-file", file=path, reason=reason),
        file=str(path),
    )


# ------------------------------------------------------------------------------------------------
# One file on its own
# ------------------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class _Inspected:
    """What one file yields before the batch-wide validation (picklable, from worker processes)."""

    path: str
    sha256: str = ""
    kind: str = ""
    mtime: float = 0.0
    meta: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    evaluable: bool = False  # identity and layout fit: values can be validated
    readable: bool = True
    values: dict[str, float] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)  # inputs that are not numbers, as typed


class _FileCheck:
    """Inspects one workbook: identity, layout, values, texts, notes."""

    def __init__(self, form: Form, year: str, district: str) -> None:
        self.form = form
        self.year = year
        self.district = district
        self.sheets = layout(form)
        self.formulas = {key: _squash_formula(f) for key, f in template_formulas(form).items()}
        # Per sheet, what every file is compared with, prepared once.
        self.labels = {
            sheet.name: [
                (label, _squash(label.text))
                for label in sheet.labels
                if label.style not in ("title", "summary", "hint", "status_header", "status_label")
            ]
            for sheet in self.sheets
        }
        self.merges = {
            sheet.name: {
                _range(area)
                for area in [lb.area for lb in sheet.labels]
                + list(sheet.cells.values())
                + [n.area for n in sheet.notes]
                if area.merged
            }
            for sheet in self.sheets
        }
        self.extent = {
            sheet.name: (
                max(a.last_row for a in _areas(sheet)),
                max(a.last_col for a in _areas(sheet)),
            )
            for sheet in self.sheets
        }
        self.input_keys = {
            sheet.name: {
                area.ref: key
                for key, area in sheet.cells.items()
                if key in form.cells and not form.cells[key].is_total
            }
            for sheet in self.sheets
        }
        self.input_refs = {name: list(refs) for name, refs in self.input_keys.items()}
        # Where each cell is read from, sorted by kind once rather than for every file.
        self.reads = {
            sheet.name: [
                (key, area, "part" if key in form.parts else
                 ("total" if form.cells[key].is_total else "input"))
                for key, area in sheet.cells.items()
            ]
            for sheet in self.sheets
        }  # fmt: skip

    def __call__(self, path: Path) -> _Inspected:
        book = read_workbook(path, self.form)
        try:
            return self.inspect(book)
        except (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError) as exc:
            # One malformed file must not stop a batch of hundreds: it is reported, not crashed on.
            out = _Inspected(path=str(path), sha256=book.sha256, kind=book.kind, mtime=book.mtime)
            out.readable = False
            out.findings.append(
                _file_finding(
                    self.form,
                    out,
                    "unreadable",
                    reason=f"文件内容异常，无法审核（{type(exc).__name__}）",
                )
            )
            return out

    def inspect(self, book: Workbook) -> _Inspected:
        out = _Inspected(path=str(book.path), sha256=book.sha256, kind=book.kind, mtime=book.mtime)
        self.out = out
        if book.error:
            out.readable = False
            self.add("unreadable", reason=book.error)
            return out
        out.meta = dict(book.meta)
        if not self.identity(book):
            return out
        laid_out = all([self.sheet_fits(book, sheet) for sheet in self.sheets])
        self.file_signals(book)
        if book.xml is not None:
            self.xml_signals(book)
        if not laid_out:
            return out
        out.evaluable = True
        self.values(book)
        return out

    def add(
        self, code: str, *, sheet: str = "", cell: str = "", key: str = "", **params: Any
    ) -> None:
        self.out.findings.append(
            _file_finding(self.form, self.out, code, sheet=sheet, cell=cell, key=key, **params)
        )

    def identity(self, book: Workbook) -> bool:
        meta, form = book.meta, self.form
        if not meta.get("form_id"):
            if _looks_like_2019(book):
                self.add("old-format", actual="2019年试行", expected=self.year or "2021及以后")
            else:
                self.add("not-our-template")
            return False
        if meta["form_id"] != form.id:
            self.add("unknown-form", actual=meta["form_id"], expected=form.id)
            return False
        if meta.get("form_version") != form.version:
            self.add("old-format", actual=meta.get("form_version", "?"), expected=self.year or "本")
            return False
        if self.year and meta.get("year") != self.year:
            self.add("wrong-year", actual=meta.get("year", "?"), expected=self.year)
        if self.district and meta.get("district") != self.district:
            self.add("wrong-district", actual=meta.get("district", "?"), expected=self.district)
        if meta.get("layout_fingerprint") != form.fingerprint():
            self.add(
                "template-outdated",
                actual=meta.get("layout_fingerprint", "?"),
                expected=form.fingerprint(),
            )
        return True

    def sheet_fits(self, book: Workbook, sheet: SheetLayout) -> bool:
        grid = book.grids.get(sheet.name)
        if grid is None:
            others = [n for n in book.sheet_names if n not in {s.name for s in self.sheets}]
            self.add(
                "sheet-missing",
                sheet=sheet.name,
                expected=sheet.name,
                actual="、".join(others) or "无其他工作表",
            )
            return False
        wrong = []
        for label, squashed in self.labels[sheet.name]:
            shown = _at(grid, label.area)
            if shown != label.text and _squash(shown) != squashed:
                wrong.append((label, shown))
        for label, shown in wrong[:MAX_LAYOUT_FINDINGS]:
            self.add(
                "layout-changed",
                sheet=sheet.name,
                cell=label.area.ref,
                expected=label.text,
                actual="" if shown is None else str(shown),
            )
        # A label edited in place still reads from the right cells; a moved table does not.
        return len(wrong) <= 2

    def file_signals(self, book: Workbook) -> None:
        """What the file as a whole says: its real format, macros, links, content off the form."""
        claimed = {"xlsm": "xlsx"}.get(book.suffix_kind, book.suffix_kind)
        if claimed in ("xlsx", "xls", "ods") and claimed != book.kind:
            self.add("wrong-extension", actual=book.suffix_kind, expected=book.kind)
        if book.macros or book.suffix_kind == "xlsm":
            self.add("macros")
        if book.external_links:
            self.add("external-links")
        for sheet in self.sheets:
            grid = book.grids.get(sheet.name)
            if grid is None:
                continue
            last_row, last_col = self.extent[sheet.name]
            stray = (
                [
                    (r, c)
                    for r, row in enumerate(grid)
                    for c, value in enumerate(row)
                    if (r > last_row or c > last_col) and value not in (None, "")
                ]
                if len(grid) > last_row + 1 or any(len(row) > last_col + 1 for row in grid)
                else []
            )
            if stray:
                r, c = stray[0]
                self.add("extra-content", sheet=sheet.name, cell=a1(r, c), actual=len(stray))

    def xml_signals(self, book: Workbook) -> None:
        assert book.xml is not None
        for sheet in self.sheets:
            xml = book.xml.get(sheet.name)
            if xml is None:
                continue
            if xml.drawing:
                self.add("pictures", sheet=sheet.name)
            inputs = self.input_keys[sheet.name]
            for merged in set(xml.merged) - self.merges[sheet.name]:
                for ref in _cells_of(merged):
                    if ref in inputs:
                        self.add("merged-cells", key=inputs[ref], sheet=sheet.name, cell=ref,
                                 actual=merged)  # fmt: skip
                        break
            for ref, key in inputs.items():
                if ref in xml.formulas:
                    self.add("input-formula", key=key, sheet=sheet.name, cell=ref,
                             actual=xml.formulas[ref])  # fmt: skip
            if not xml.protected:
                self.add("protection-removed", sheet=sheet.name)
            unvalidated = [ref for ref in self.input_refs[sheet.name] if ref not in xml.validated]
            if unvalidated:
                self.add(
                    "validation-removed",
                    sheet=sheet.name,
                    cell=unvalidated[0],
                    actual=len(unvalidated),
                )

    def values(self, book: Workbook) -> None:
        out, form = self.out, self.form
        raw: dict[str, float] = {}
        where: dict[str, tuple[SheetLayout, Area]] = {}
        inputs: dict[str, float] = {}
        for sheet in self.sheets:
            grid = book.grids[sheet.name]
            for key, area, kind in self.reads[sheet.name]:
                value = _at(grid, area)
                if kind == "part":
                    out.texts[key] = _text(value)
                    continue
                where[key] = (sheet, area)
                if kind == "total":
                    raw[key] = _number_or_nan(value)
                elif type(value) is float:  # the common case, first
                    raw[key] = inputs[key] = value
                else:
                    raw[key] = inputs[key] = self.number(value, key, sheet, area)
                    if math.isnan(raw[key]):
                        out.raw[key] = _text(value).strip()
            for note in sheet.notes:
                text = _text(_at(grid, note.area))
                if text.strip():
                    out.notes[note.rule] = text.strip()
        computed = complete(form, {k: (0.0 if math.isnan(v) else v) for k, v in inputs.items()})
        values = dict(inputs)
        stale: dict[str, list[tuple[str, str, float, float]]] = defaultdict(list)
        for cell in form.totals:
            sheet, area = where[cell.key]
            stored = raw[cell.key]
            formula_ok = self.formula_intact(book, sheet, area, cell.key)
            expected = computed[cell.key]
            if formula_ok is False or (
                formula_ok is None and not math.isnan(stored) and abs(stored - expected) > TOLERANCE
            ):
                self.add(
                    "formula-altered",
                    key=cell.key,
                    sheet=sheet.name,
                    cell=area.ref,
                    actual=_shown(stored),
                    expected=_plain(expected),
                )
                values[cell.key] = stored  # the figure the agency would publish
                continue
            if math.isnan(stored) or abs(stored - expected) > TOLERANCE:
                stale[sheet.name].append((cell.key, area.ref, stored, expected))
            values[cell.key] = expected
        for sheet_name, cells in stale.items():  # one note per sheet: a file saved uncalculated
            key, ref, stored, expected = cells[0]
            self.add(
                "stale-result",
                key=key,
                sheet=sheet_name,
                cell=ref,
                count=len(cells),
                actual=_shown(stored),
                expected=_plain(expected),
            )
        # Totals over totals (（七）总计 × 总计) follow what the agency's own totals say.
        out.values = values

    def formula_intact(
        self, book: Workbook, sheet: SheetLayout, area: Area, key: str
    ) -> bool | None:
        """True or False for .xlsx; None where the format hides formulas (.xls, .ods)."""
        if book.xml is None or sheet.name not in book.xml:
            return None
        written = book.xml[sheet.name].formulas.get(area.ref)
        return written is not None and _squash_formula(written) == self.formulas[key]

    def number(self, value: Any, key: str, sheet: SheetLayout, area: Area) -> float:
        """An input cell as a number, or NaN with a finding; odd but readable forms get a warning."""
        where = {"key": key, "sheet": sheet.name, "cell": area.ref}
        if isinstance(value, bool):
            self.add("not-a-number", actual="TRUE" if value else "FALSE", **where)
            return math.nan
        if isinstance(value, int | float):
            if math.isnan(value) or math.isinf(value):
                self.add("not-a-number", actual=str(value), **where)
                return math.nan
            return float(value)
        if value is None or value == "":
            self.add("blank", **where)
            return math.nan
        if not isinstance(value, str):  # dates and times
            self.add("not-a-number", actual=str(value), **where)
            return math.nan
        text = value.strip()
        if not text:
            self.add("blank", **where)
            return math.nan
        if text.lower() in PLACEHOLDERS or unicodedata.normalize("NFKC", text) in PLACEHOLDERS:
            self.add("placeholder", actual=text, **where)
            return math.nan
        number, what = _parse_number(text)
        if number is None:
            self.add("not-a-number", actual=text, **where)
            return math.nan
        self.add("text-number", actual=text, expected=_plain(number), what=what, **where)
        return number


def _areas(sheet: SheetLayout) -> list[Area]:
    return (
        [lb.area for lb in sheet.labels]
        + list(sheet.cells.values())
        + [st.area for st in sheet.statuses]
        + [n.area for n in sheet.notes]
    )


def _range(area: Area) -> str:
    return f"{area.ref}:{a1(area.last_row, area.last_col)}"


def _cells_of(merged: str) -> list[str]:
    from openpyxl.utils.cell import get_column_letter, range_boundaries

    first, _, last = merged.partition(":")
    min_col, min_row, max_col, max_row = range_boundaries(f"{first}:{last or first}")
    if (max_row - min_row + 1) * (max_col - min_col + 1) > 10_000:
        return []
    return [
        f"{get_column_letter(c)}{r}"
        for r in range(min_row, max_row + 1)
        for c in range(min_col, max_col + 1)
    ]


def _file_finding(
    form: Form,
    item: _Inspected,
    code: str,
    *,
    sheet: str = "",
    cell: str = "",
    key: str = "",
    **params: Any,
) -> Finding:
    """A catalogue finding about one file, at one cell when given."""
    spec = form.cells.get(key)
    row_label = spec.row_label if spec else ""
    column_label = _column_label(form, key) if spec else ""
    params.setdefault("label", " · ".join(x for x in (row_label, column_label) if x))
    params.setdefault("cell", f"“{sheet}”{cell}" if sheet else cell)
    params.setdefault("sheet", sheet)
    params.setdefault("expected", "")
    params.setdefault("actual", "")
    return Finding(
        code=code,
        severity=FINDINGS[code].severity,
        message=say(code, **params),
        file=item.path,
        agency_code=item.meta.get("agency_code", ""),
        agency_name=item.meta.get("agency_name", ""),
        sheet=sheet,
        cell=cell,
        row_label=row_label,
        column_label=column_label,
        expected=_plain(params["expected"]),
        actual=_plain(params["actual"]),
    )


def _parse_number(text: str) -> tuple[float | None, str]:
    """Read "１２", "1,234", " 5 ", "3件" as numbers; say what was unusual about them."""
    notes = []
    normal = unicodedata.normalize("NFKC", text)
    if normal != text:
        notes.append("含全角字符")
    compact = "".join(normal.split())
    if compact != normal.strip():
        notes.append("含空格")
    unit = _UNIT.search(compact)
    if unit and len(compact) > len(unit.group(1)):
        compact = compact[: -len(unit.group(1))]
        notes.append(f"带单位“{unit.group(1)}”")
    if _GROUPED.match(compact):
        compact = compact.replace(",", "")
        notes.append("含千位分隔符")
    if not _NUMBER.match(compact):
        return None, ""
    notes.append("以文本形式保存")
    return float(compact), "，".join(dict.fromkeys(notes))


def _number_or_nan(value: Any) -> float:
    if isinstance(value, bool):
        return math.nan
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        number, _ = _parse_number(value.strip()) if value.strip() else (None, "")
        return math.nan if number is None else number
    return math.nan


def _looks_like_2019(book: Workbook) -> bool:
    """The 2019 trial format, recognised by its table-2 columns anywhere in the file's values."""
    for grid in book.grids.values():
        for row in grid[:60]:
            if any(isinstance(v, str) and "本年新制作数量" in v for v in row):
                return True
    return False


def _at(grid: list[list[Any]], area: Area) -> Any:
    try:  # the common case is a cell inside the grid; asking first costs more than failing
        return grid[area.row][area.col]
    except IndexError:
        return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _squash(value: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", "" if value is None else str(value)).split())


@cache  # the same few formulas recur in every file of a batch
def _squash_formula(formula: str) -> str:
    return formula.removeprefix("=").replace("$", "").replace(" ", "").upper()


def _plain(value: Any) -> Any:
    """Numbers as JSON-friendly ints where whole."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return int(value)
        return round(value, 6)
    return value


def _shown(value: float) -> Any:
    return "空" if isinstance(value, float) and math.isnan(value) else _plain(value)


def _column_label(form: Form, key: str) -> str:
    cell = form.cells[key]
    column = next(c for c in form.tables[cell.table].columns if c.key == cell.column)
    if cell.row_label:
        return column.label
    return " · ".join(column.path)  # 表四 has no row labels: the full header path says it


# ------------------------------------------------------------------------------------------------
# The whole batch
# ------------------------------------------------------------------------------------------------

_worker: _FileCheck | None = None


def _start_worker(prepared: _FileCheck) -> None:
    global _worker
    _worker = prepared


def _inspect_in_worker(path: Path) -> _Inspected:
    assert _worker is not None
    return _worker(path)


def _inspect_all(
    paths: list[Path],
    form: Form,
    year: str,
    district: str,
    progress: Callable[[int, int], None] | None,
) -> list[_Inspected]:
    """Every file in worker processes (one for a small batch, every core for a large one): a file
    that kills its worker (a native abort, the memory ceiling, a hang) is `unreadable` with the
    reason, and the rest of the batch is checked."""
    # Prepared once here and imported here: forked workers inherit both instead of each paying
    # for them again (a few hundred milliseconds per worker, in every run).
    import openpyxl.utils.cell  # noqa: F401  (validation ranges)
    import python_calamine  # noqa: F401

    from .pool import WorkerDied, run_isolated

    workers = max(1, min(os.cpu_count() or 1, len(paths) // (PARALLEL_MIN_FILES // 2)))
    results = run_isolated(
        _inspect_in_worker,
        paths,
        workers=workers,
        initializer=_start_worker,
        initargs=(_FileCheck(form, year, district),),
        timeout=FILE_TIMEOUT,
        progress=progress,
    )
    return [
        _died(form, paths[r.index], r.reason) if isinstance(r, WorkerDied) else r for r in results
    ]


def _died(form: Form, path: Path, reason: str) -> _Inspected:
    """An `unreadable` result for a file whose worker died; its hash only when that is safe."""
    import hashlib
    import stat

    from .read import LIMITS

    out = _Inspected(path=str(path), readable=False)
    try:
        info = path.stat()
        out.mtime = info.st_mtime
        if stat.S_ISREG(info.st_mode) and info.st_size <= LIMITS["file_bytes"]:
            out.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        pass
    out.findings.append(_file_finding(form, out, "unreadable", reason=reason))
    return out


def check(
    paths: Sequence[str | Path],
    *,
    form: Form | None = None,
    roster: Sequence[Agency] | None = None,
    year: int | str | None = None,
    district: str | None = None,
    previous: Sequence[str | Path] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CheckReport:
    """Check returned workbooks; the report lists every finding, file by file and for the batch."""
    form = form or standard_form()
    files, skipped = collect(paths)
    inspected = _inspect_all(files, form, str(year or ""), district or "", progress)
    target_year = str(
        year or _most_common(i.meta.get("year", "") for i in inspected if i.evaluable)
    )
    if not year and target_year:  # no --year: the batch's own year; the odd ones out are flagged
        for item in inspected:
            if item.evaluable and item.meta.get("year") not in ("", target_year):
                item.findings.append(
                    _file_finding(
                        form, item, "wrong-year", actual=item.meta.get("year"), expected=target_year
                    )
                )
    previous_values = _previous(previous, form) if previous else None
    _validate(form, [i for i in inspected if i.evaluable], previous_values)
    sheets = {sheet.name: index for index, sheet in enumerate(layout(form))}
    results = [_result(item, sheets) for item in inspected]
    results, batch = _batch(form, results, roster)
    return CheckReport(
        files=tuple(results),
        batch_findings=tuple(skipped + batch),
        year=target_year,
        district=district or "",
    )


def _most_common(values: Iterable[str]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for value in values:
        if value:
            counts[value] += 1
    return max(sorted(counts), key=lambda v: counts[v]) if counts else ""


def _previous(paths: Sequence[str | Path], form: Form) -> dict[str, dict[str, float]]:
    """Last year's values by agency code, from last year's returned files."""
    from .rollup import is_rollup, read_details

    files, _ = collect(paths)
    one = _FileCheck(form, "", "")
    out: dict[str, dict[str, float]] = {}
    returned = []
    for path in files:
        if is_rollup(path):  # last year's rollup: its 明细 sheet has every agency
            out.update(read_details(path, form))
        else:
            returned.append(one(path))
    for item in sorted(returned, key=lambda i: i.mtime):
        code = item.meta.get("agency_code", "")
        if item.evaluable and code:
            out[code] = item.values  # a returned file is more specific than a rollup row
    return out


def _validate(
    form: Form, items: list[_Inspected], previous: dict[str, dict[str, float]] | None
) -> None:
    """All evaluable files as one frame, one lazy pandera call; failures become findings."""
    if not items:
        return
    import pandas as pd
    import pandera.pandas as pa

    from .schema import build_schema, residuals, rule_failures, term_column

    records = []
    for item in items:
        record: dict[str, Any] = {k: item.values.get(k, math.nan) for k in form.cells}
        record.update({k: item.texts.get(k, "") for k in form.parts})
        if previous is not None:
            last = previous.get(item.meta.get("agency_code", ""), {})
            for rule in form.rules:
                if rule.kind == "previous":
                    for instance in rule.instances:
                        for term in (*instance.lhs, *instance.rhs):
                            if term.previous:
                                record[term_column(term)] = last.get(term.cell, math.nan)
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    for key in form.cells:
        frame[key] = frame[key].astype("float64")
    for key in form.parts:
        frame[key] = frame[key].astype(str)
    schema = build_schema(form, previous=previous is not None)
    frame = residuals(form, frame, previous=previous is not None)
    try:
        schema.validate(frame, lazy=True)
        return
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    failures, other = rule_failures(form, cases)
    numeric = frame.drop(columns=list(form.parts))
    numbers = numeric.to_numpy(dtype=float)  # row lookups in a plain array, not frame.at
    columns = {name: i for i, name in enumerate(numeric.columns)}
    sheets = layout(form)
    where = {key: (s, area) for s in sheets for key, area in s.cells.items()}
    for check_name, column, index, value in other[
        ["check", "column", "index", "failure_case"]
    ].itertuples(index=False):
        if check_name not in ("not-integer", "negative") or column not in form.cells:
            raise RuntimeError(f"pandera reported an unexpected failure: {check_name} {column}")
        item = items[int(index)]
        sheet, area = where[column]
        item.findings.append(
            _file_finding(
                form, item, check_name, key=column, sheet=sheet.name, cell=area.ref, actual=value
            )
        )
    for failure in failures:
        item = items[failure.row]
        item.findings.append(
            _rule_finding(
                form, failure.rule, failure.instance, numbers, columns, failure.row, item, where
            )
        )


def _rule_finding(
    form: Form,
    rule: Rule,
    index: int,
    numbers: Any,
    columns: dict[str, int],
    row: int,
    item: _Inspected,
    where: dict[str, tuple[SheetLayout, Area]],
) -> Finding:
    from .schema import term_column

    instance = rule.instances[index]

    def value(column: str) -> float:
        return float(numbers[row, columns[column]])

    def side(terms: Sequence[Any]) -> float:
        return math.fsum(t.sign * value(term_column(t)) for t in terms)

    lhs, rhs = side(instance.lhs), side(instance.rhs)
    cells = ""
    if rule.kind == "zero":
        cells = "、".join(
            f"{where[t.cell][1].ref}={_plain(value(t.cell))}" for t in instance.lhs if value(t.cell)
        )
    elif rule.kind == "text-required":
        parts = form.parts
        cells = "、".join(parts[p].title for p in rule.parts if not item.texts.get(p, "").strip())
    elif rule.kind == "text-figure":  # the residual is cell - quoted figure
        rhs = lhs - value(f"{rule.id}#{index}")
    message = rule.message.format(
        label=instance.label,
        lhs=_plain(lhs),
        rhs=_plain(rhs),
        diff=_plain(lhs - rhs),
        cells=cells,
    )
    sheet, area = where[instance.anchor]
    cell = form.cells.get(instance.anchor)
    explanation = item.notes.get(rule.id, "") if rule.severity == "warning" else ""
    return Finding(
        code=rule.id,
        severity=rule.severity,
        message=message,
        file=item.path,
        agency_code=item.meta.get("agency_code", ""),
        agency_name=item.meta.get("agency_name", ""),
        sheet=sheet.name,
        cell=area.ref,
        row_label=cell.row_label if cell else form.parts[instance.anchor].title,
        column_label=_column_label(form, instance.anchor) if cell else "",
        expected=_plain(rhs) if rule.kind in ("sum", "previous", "text-figure") else None,
        actual=_plain(lhs) if rule.kind in ("sum", "previous", "text-figure", "mention") else None,
        explained=bool(explanation),
        explanation=explanation,
    )


def _result(item: _Inspected, sheets: dict[str, int]) -> FileResult:
    """The file's verdict, its findings worst first and then in report order."""
    order = {"error": 0, "warning": 1, "info": 2}
    findings = tuple(
        sorted(
            item.findings,
            key=lambda f: (order[f.severity], sheets.get(f.sheet, -1), _cell_order(f.cell)),
        )
    )
    if not item.readable:
        status = "unreadable"
    elif any(f.severity == "error" for f in findings):
        status = "failed"
    elif any(f.severity == "warning" and not f.explained for f in findings):
        status = "warnings"
    else:
        status = "passed"
    return FileResult(
        path=item.path,
        sha256=item.sha256,
        agency_code=item.meta.get("agency_code", ""),
        agency_name=item.meta.get("agency_name", ""),
        year=item.meta.get("year", ""),
        status=status,
        findings=findings,
        kind=item.kind,
        mtime=item.mtime,
        template_id=item.meta.get("template_id", ""),
        values=item.values,
        texts=item.texts,
        notes=item.notes,
        raw=item.raw,
        meta=item.meta,
    )


def _cell_order(ref: str) -> tuple[int, str]:
    match = re.match(r"([A-Z]+)(\d+)", ref or "")
    return (int(match.group(2)), match.group(1)) if match else (0, "")


def _batch(
    form: Form, results: list[FileResult], roster: Sequence[Agency] | None
) -> tuple[list[FileResult], list[Finding]]:
    """Duplicates, and with a roster: agencies missing and files of agencies not on it."""
    findings: list[Finding] = []
    by_agency: dict[str, list[FileResult]] = defaultdict(list)
    for result in results:
        if result.agency_code:
            by_agency[result.agency_code].append(result)
    superseded: set[str] = set()
    for code, group in by_agency.items():
        if len(group) < 2:
            continue
        newest = max(group, key=lambda r: (r.mtime, r.path))
        superseded |= {r.path for r in group if r is not newest}
        findings.append(
            Finding(
                code="duplicate-agency",
                severity=FINDINGS["duplicate-agency"].severity,
                message=say(
                    "duplicate-agency",
                    agency=f"{newest.agency_name}（{code}）",
                    count=len(group),
                    files="、".join(Path(r.path).name for r in group),
                    expected=Path(newest.path).name,
                ),
                file=newest.path,
                agency_code=code,
                agency_name=newest.agency_name,
                expected=newest.path,
                actual=[r.path for r in group],
            )
        )
    results = [replace(r, superseded=True) if r.path in superseded else r for r in results]
    if roster is not None:
        listed = {a.code: a for a in roster}
        for agency in roster:
            if agency.code not in by_agency:
                findings.append(
                    Finding(
                        code="missing-agency",
                        severity=FINDINGS["missing-agency"].severity,
                        message=say("missing-agency", agency=f"{agency.name}（{agency.code}）"),
                        agency_code=agency.code,
                        agency_name=agency.name,
                    )
                )
        for code, group in by_agency.items():
            if code not in listed:
                findings.append(
                    Finding(
                        code="unknown-agency",
                        severity=FINDINGS["unknown-agency"].severity,
                        message=say("unknown-agency", agency=f"{group[0].agency_name}（{code}）"),
                        file=group[0].path,
                        agency_code=code,
                        agency_name=group[0].agency_name,
                    )
                )
    return results, findings
