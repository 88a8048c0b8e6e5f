"""The district's list of reporting agencies, read from CSV (UTF-8 or GBK) or a workbook."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from .catalogue import UsageError, say

__all__ = ["Agency", "read_roster"]

# Accepted header spellings, after normalisation (NFKC, no spaces, lower case).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("单位代码", "code", "代码"),
    "name": ("单位名称", "name", "名称"),
    "contact": ("联系人", "contact"),
    "email": ("电子邮箱", "email", "邮箱", "e-mail"),
}
COLUMN_TITLES = {"code": "单位代码", "name": "单位名称", "contact": "联系人", "email": "电子邮箱"}
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


@dataclass(frozen=True, kw_only=True)
class Agency:
    code: str
    name: str
    contact: str = ""
    email: str = ""


def read_roster(path: Path) -> tuple[Agency, ...]:
    """Read and validate a roster; raise UsageError listing every problem at once."""
    path = Path(path)
    numbered = [
        (line, row)
        for line, row in enumerate(_read_rows(path), start=1)
        if any(cell.strip() for cell in row)
    ]
    if not numbered:
        raise UsageError("roster-empty", path=path)
    _, header_row = numbered[0]
    header = [_normalise(cell) for cell in header_row]
    where: dict[str, int] = {}
    for field, aliases in COLUMN_ALIASES.items():
        for index, title in enumerate(header):
            if title in aliases and field not in where:
                where[field] = index
    missing = [COLUMN_TITLES[f] for f in COLUMN_ALIASES if f not in where]
    if missing:
        found = "、".join(cell.strip() for cell in header_row if cell.strip()) or "（无）"
        raise UsageError("roster-columns", path=path, columns="、".join(missing), found=found)
    if len(numbered) == 1:
        raise UsageError("roster-empty", path=path)

    agencies: list[tuple[int, Agency]] = []
    problems: list[str] = []
    for line, row in numbered[1:]:
        values = {f: row[i].strip() if i < len(row) else "" for f, i in where.items()}
        values["code"] = unicodedata.normalize("NFKC", values["code"]).strip()
        blank = [COLUMN_TITLES[f] for f in ("code", "name") if not values[f]]
        if blank:
            problems.append(say("roster-row-blank", line=line, what="、".join(blank)))
            continue
        agencies.append((line, Agency(**values)))
    by_code: dict[str, list[tuple[int, Agency]]] = defaultdict(list)
    for line, agency in agencies:
        by_code[agency.code].append((line, agency))
    for code, group in by_code.items():
        if len(group) > 1:
            problems.append(
                say(
                    "roster-row-duplicate",
                    lines="、".join(str(line) for line, _ in group),
                    code=code,
                    names="、".join(agency.name for _, agency in group),
                )
            )
    if problems:
        raise UsageError(
            "roster-rows", path=path, count=len(problems), problems="\n".join(problems)
        )
    return tuple(agency for _, agency in agencies)


def _read_rows(path: Path) -> list[list[str]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError("roster-unreadable", path=path, reason=exc.strerror or exc) from exc
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return _workbook_rows(path)
    if path.suffix.lower() not in (".csv", ".txt"):
        raise UsageError("roster-format", path=path)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return list(csv.reader(io.StringIO(text, newline="")))
    raise UsageError("roster-encoding", path=path)


def _workbook_rows(path: Path) -> list[list[str]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, OSError, ValueError) as exc:
        raise UsageError("roster-unreadable", path=path, reason=exc) from exc
    return [[_text(value) for value in row] for row in sheet]


def _text(value: object) -> str:
    """A workbook value as roster text: 1001.0 becomes "1001" (codes typed as numbers)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _normalise(title: str) -> str:
    return "".join(unicodedata.normalize("NFKC", title).split()).lower()
