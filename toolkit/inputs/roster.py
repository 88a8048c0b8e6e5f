"""The district's list of reporting agencies, read from CSV (UTF-8 or GBK) or a workbook."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..core import texts as tx
from ..core.catalogue import UsageError, os_reason, say
from ..core.text import BLANK_CHARACTERS, compact, is_blank
from ..form.agency_kinds import possible_kinds
from ..form.form import Form
from ..form.identity import normalise_code

__all__ = [
    "Agency",
    "Roster",
    "clean_name",
    "kinds_by_roster",
    "match_code",
    "read_roster",
    "read_roster_with_notes",
    "roster_codes",
    "roster_position",
]

# Accepted header spellings, after normalisation (NFKC, no spaces, lower case).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = tx.ROSTER_ALIASES
COLUMN_TITLES = {column: aliases[0] for column, aliases in COLUMN_ALIASES.items()}
ROSTER_ROWS = 20_000  # agencies; a province's roster has a few thousand
ROSTER_COLUMNS = 40
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".ods")


@dataclass(frozen=True, kw_only=True)
class Agency:
    code: str
    name: str
    contact: str = ""
    email: str = ""
    # The roster's 单位类别 (a kind of the form's [[agency_kinds]], by its title): which rules are
    # for this agency (agency_kinds.py); "" when the roster has no such column.
    kind: str = ""
    # What the office should know about this row (no email address, a name that was trimmed):
    # shown at generation and kept in manifest.csv's 备注 column. Not part of the identity.
    note: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)  # the roster row, for messages; 0 when typed


@dataclass(frozen=True, kw_only=True)
class Roster:
    agencies: tuple[Agency, ...]
    notes: tuple[str, ...] = ()  # about the whole roster (codes stored as numbers)


def roster_codes(agencies: Iterable[Agency]) -> frozenset[str]:
    """The roster's codes as `match_code` compares them (normalised), built once per run."""
    return frozenset(normalise_code(a.code) for a in agencies)


def match_code(code: str, codes: frozenset[str]) -> str | None:
    """The roster code (from `roster_codes`) that a file's agency code belongs to, or None.

    The one rule by which a file is matched to the roster, used by the check (agencies missing,
    files not on the roster) and the rollup (missing agencies, roster order) alike: the same code
    after normalisation (full-width, blanks, case), or, for a roster that Excel stripped of leading
    zeros, the only roster code that is the same number ("10" for a file's "010"). The file's own
    code stays the agency's code everywhere; the roster's spelling only finds it.
    """
    code = normalise_code(code)
    if not code:
        return None
    if code in codes:
        return code
    if not code.isdigit():
        return None
    same = _by_number(codes).get(code.lstrip("0"), ())
    return same[0] if len(same) == 1 else None


def roster_position(agencies: Sequence[Agency]) -> Callable[[str], int]:
    """Where an agency code stands in the roster, matched by `match_code` (the rollup's order);
    after every roster agency when it is not on the roster."""
    codes = roster_codes(agencies)
    place: dict[str, int] = {}
    for index, agency in enumerate(agencies):
        place.setdefault(normalise_code(agency.code), index)

    def position(code: str) -> int:
        found = match_code(code, codes)
        return place[found] if found is not None else len(agencies)

    return position


@lru_cache(maxsize=8)
def _by_number(codes: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """The roster's all-digit codes by their number (leading zeros removed)."""
    found: dict[str, list[str]] = defaultdict(list)
    for code in sorted(codes):
        if code.isdigit():
            found[code.lstrip("0")].append(code)
    return {number: tuple(group) for number, group in found.items()}


def read_roster(path: Path) -> tuple[Agency, ...]:
    """Read and validate a roster; raise UsageError listing every problem at once."""
    return read_roster_with_notes(path).agencies


def clean_name(name: str) -> str:
    """A name without leading, trailing or doubled blanks (what a clerk's stray spaces leave)."""
    return re.sub(r"\s+", " ", name.strip(BLANK_CHARACTERS))


def read_roster_with_notes(path: Path) -> Roster:
    """The roster and the notes that generation prints and writes into manifest.csv."""
    path = Path(path)
    rows, numeric = _read_rows(path)
    numbered = [
        (line, row) for line, row in enumerate(rows, start=1) if not all(map(is_blank, row))
    ]
    if not numbered:
        raise UsageError("roster-empty", path=path)
    _, header_row = numbered[0]
    header = [_normalise(cell) for cell in header_row]
    where: dict[str, int] = {}
    for column, aliases in COLUMN_ALIASES.items():
        for index, title in enumerate(header):
            if title in aliases and column not in where:
                where[column] = index
    missing = [
        COLUMN_TITLES[f] for f in COLUMN_ALIASES if f not in where and f not in tx.ROSTER_OPTIONAL
    ]
    if missing:
        found = "、".join(cell.strip() for cell in header_row if cell.strip()) or tx.NOTHING
        raise UsageError("roster-columns", path=path, columns="、".join(missing), found=found)
    if len(numbered) == 1:
        raise UsageError("roster-empty", path=path)

    agencies: list[tuple[int, Agency]] = []
    problems: list[str] = []
    for line, row in numbered[1:]:
        values = {f: row[i].strip() if i < len(row) else "" for f, i in where.items()}
        values["code"] = normalise_code(values["code"])
        raw_name = row[where["name"]] if where["name"] < len(row) else ""
        values["name"] = clean_name(raw_name)
        blank = [COLUMN_TITLES[f] for f in ("code", "name") if not values[f]]
        if blank:
            problems.append(say("roster-row-blank", line=line, what="、".join(blank)))
            continue
        notes = []
        if not values["email"]:
            notes.append(say("roster-note-no-email"))
        if values["name"] != raw_name:
            notes.append(say("roster-note-name-trimmed", raw=raw_name.strip("\r\n")))
        agencies.append((line, Agency(**values, note="；".join(notes), line=line)))
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
    roster_notes = []
    if any(col == where["code"] for _, col in numeric):
        roster_notes.append(say("roster-numeric-codes", path=path))
    return Roster(agencies=tuple(agency for _, agency in agencies), notes=tuple(roster_notes))


def _read_rows(path: Path) -> tuple[list[list[str]], set[tuple[int, int]]]:
    """The rows as text, and the (row, column) of cells a workbook stored as numbers."""
    from ..xlsx.read import ReadError, read_bytes

    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return _workbook_rows(path)
    try:
        data = read_bytes(path)
    except OSError as exc:
        raise UsageError("roster-unreadable", path=path, reason=os_reason(exc)) from exc
    except ReadError as exc:
        raise UsageError("roster-unreadable", path=path, reason=exc) from exc
    if path.suffix.lower() not in (".csv", ".txt"):
        raise UsageError("roster-format", path=path)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return list(csv.reader(io.StringIO(text, newline=""))), set()
    raise UsageError("roster-encoding", path=path)


def _workbook_rows(path: Path) -> tuple[list[list[str]], set[tuple[int, int]]]:
    from ..xlsx.read import ReadError, read_table

    try:  # the same limits as a returned file: a roster is a file from outside the tool too
        sheet = read_table(path, 0, rows=ROSTER_ROWS, cols=ROSTER_COLUMNS)
    except OSError as exc:
        raise UsageError("roster-unreadable", path=path, reason=os_reason(exc)) from exc
    except ReadError as exc:
        raise UsageError("roster-unreadable", path=path, reason=exc) from exc
    numeric = {
        (r, c)
        for r, row in enumerate(sheet)
        for c, value in enumerate(row)
        if isinstance(value, int | float) and not isinstance(value, bool)
    }
    return [[_text(value) for value in row] for row in sheet], numeric


def _text(value: object) -> str:
    """A workbook value as roster text: 1001.0 becomes "1001" (codes typed as numbers)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _normalise(title: str) -> str:
    return compact(title).lower()


def kinds_by_roster(form: Form, roster: Sequence[Agency]) -> Callable[[str, str], frozenset[str]]:
    """`kinds(code, name)`: what an agency may be (agency_kinds.possible_kinds), as `check` and
    the feedback copies judge it: the 单位类别 of its roster row, found by code, else its name."""
    declared = {normalise_code(a.code): a.kind for a in roster if a.kind}

    def kinds(code: str, name: str) -> frozenset[str]:
        return possible_kinds(form, name, declared.get(normalise_code(code), ""))

    return kinds
