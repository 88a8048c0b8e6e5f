"""What a check finds: findings, one result per file, and the report of a whole run.

Plain records (picklable, JSON-ready) shared by the checker, the reports, the feedback and the rollup;
`file_finding` builds a catalogue finding about one file at one cell.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from ..core import texts as tx
from ..core.catalogue import FINDINGS, say
from ..core.texts import CheckStatus, Severity
from .form import Form

__all__ = [
    "CheckReport",
    "ChoiceRule",
    "FileResult",
    "Finding",
    "cell_order",
    "column_label",
    "file_finding",
    "plain",
    "shown",
]


class ChoiceRule(StrEnum):
    """The rule that chose the file in use of an agency that sent several (batch.py); the value
    is what FileResult.to_dict and the JSON carry as `chosen_by`."""

    LINEAGE = "lineage"  # made from a feedback copy of the other
    SAVE_TIME = "save-time"  # the save time the file records
    FILE_TIME = "file-time"
    FILE_ORDER = "file-order"  # nothing else told them apart and they say the same


@dataclass(frozen=True, kw_only=True)
class Finding:
    code: str
    severity: Severity
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
    status: CheckStatus
    findings: tuple[Finding, ...]
    kind: str = ""
    mtime: float = 0.0
    template_id: str = ""
    superseded: bool = False  # an older file of an agency that sent another one: not counted
    conflict: bool = False  # one of differing reports of one agency: none of them is used
    saved_at: str = ""  # the save time the file records (ISO), for deciding which file is newer
    verified: bool | None = None  # the office's token matched (None: no key to verify with)
    # The file in use of an agency that sent several: the rule that chose it (lineage, save-time,
    # file-time, file-order) and those words as the duplicate-agency message says them.
    chosen_by: ChoiceRule | None = None
    chosen_reason: str = ""
    # What the checker read, for the rollup and the feedback copies (not part of the JSON).
    values: dict[str, float] = field(default_factory=dict, repr=False, compare=False)
    texts: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    notes: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    raw: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    meta: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    missing: tuple[str, ...] = field(default=(), repr=False, compare=False)  # cells not found

    def count(self, severity: Severity) -> int:
        return sum(f.severity == severity for f in self.findings)

    @property
    def explained(self) -> int:
        return sum(f.explained for f in self.findings)

    @property
    def in_use(self) -> bool:
        """Whether this file is the one its agency is judged (and rolled up) by."""
        return not self.superseded and not self.conflict

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "agency_code": self.agency_code,
            "agency_name": self.agency_name,
            "year": self.year,
            "status": self.status,
            "superseded": self.superseded,
            "conflict": self.conflict,
            "in_use": self.in_use,
            "verified": self.verified,
            "saved_at": self.saved_at,
            "chosen_by": self.chosen_by or "",
            "chosen_reason": self.chosen_reason,
            "missing_cells": list(self.missing),
            "errors": self.count(Severity.ERROR),
            "warnings": self.count(Severity.WARNING),
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
    def in_use(self) -> tuple[FileResult, ...]:
        """The files the verdict is about: a replaced file's findings stay in the JSON, marked,
        but do not count."""
        return tuple(f for f in self.files if not f.superseded)

    @property
    def errors(self) -> int:
        return sum(f.count(Severity.ERROR) for f in self.in_use) + sum(
            f.severity == Severity.ERROR for f in self.batch_findings
        )

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def summary(self) -> dict[str, Any]:
        statuses: dict[CheckStatus, int] = defaultdict(int)
        for result in self.in_use:
            statuses[result.status] += 1
        agencies = {r.agency_code for r in self.in_use if r.agency_code}
        return {
            "files": len(self.files),
            "in_use": len(self.in_use),
            "superseded": len(self.files) - len(self.in_use),
            "agencies": len(agencies),
            "passed": statuses[CheckStatus.PASSED],
            "warnings": statuses[CheckStatus.WARNINGS],
            "failed": statuses[CheckStatus.FAILED],
            "unreadable": statuses[CheckStatus.UNREADABLE],
            "errors": self.errors,
            "warning_findings": sum(f.count(Severity.WARNING) for f in self.in_use)
            + sum(f.severity == Severity.WARNING for f in self.batch_findings),
            "year": self.year,
            "district": self.district,
        }

    def headline(self) -> str:
        """The run's verdict in one Chinese sentence, for the terminal and the findings workbook."""
        s = self.summary()
        replaced = tx.HEADLINE_REPLACED.format(count=s["superseded"]) if s["superseded"] else ""
        batch_errors = sum(f.severity == Severity.ERROR for f in self.batch_findings)
        if not self.errors and s["files"] and s["in_use"] == s["passed"] + s["warnings"]:
            if s["warnings"]:
                return tx.HEADLINE_WARNINGS.format(**s, replaced=replaced)
            return tx.HEADLINE_PASSED.format(**s, replaced=replaced)
        batch = tx.HEADLINE_BATCH.format(count=batch_errors) if batch_errors else ""
        return tx.HEADLINE.format(**s, replaced=replaced, batch=batch)

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary(),
            "files": [f.to_dict() for f in self.files],
            "batch_findings": [f.to_dict() for f in self.batch_findings],
        }


def file_finding(
    form: Form,
    item: Any,
    code: str,
    *,
    sheet: str = "",
    cell: str = "",
    key: str = "",
    severity: Severity | None = None,
    message: str = "",
    **params: Any,
) -> Finding:
    """A catalogue finding about one file (anything with `path` and `meta`), at one cell when
    given. `severity` overrides the catalogue's; `message` names another catalogue text to use."""
    spec = form.cells.get(key)
    row_label = spec.row_label if spec else ""
    column = column_label(form, key) if spec else ""
    params.setdefault("label", " · ".join(x for x in (row_label, column) if x))
    if "cell_text" in params:  # where the message says the cell is (the returned file's place)
        params["cell"] = params.pop("cell_text")
    params.setdefault("cell", f"“{sheet}”{cell}" if sheet else cell)
    params.setdefault("sheet", sheet)
    params.setdefault("expected", "")
    params.setdefault("actual", "")
    params.setdefault("office", tx.office_name(item.meta.get("district", "")))
    return Finding(
        code=code,
        severity=severity or FINDINGS[code].severity,
        message=say(message or code, **params),
        file=item.path,
        agency_code=item.meta.get("agency_code", ""),
        agency_name=item.meta.get("agency_name", ""),
        sheet=sheet,
        cell=cell,
        row_label=row_label,
        column_label=column,
        expected=plain(params["expected"]),
        actual=plain(params["actual"]),
    )


def plain(value: Any) -> Any:
    """Numbers as JSON-friendly ints where whole."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return int(value)
        return round(value, 6)
    return value


def shown(value: float) -> Any:
    return tx.EMPTY if isinstance(value, float) and math.isnan(value) else plain(value)


def column_label(form: Form, key: str) -> str:
    cell = form.cells[key]
    column = next(c for c in form.tables[cell.table].columns if c.key == cell.column)
    if cell.row_label:
        return column.label
    return " · ".join(column.path)  # 表四 has no row labels: the full header path says it


def cell_order(ref: str) -> tuple[int, str]:
    match = re.match(r"([A-Z]+)(\d+)", ref or "")
    return (int(match.group(2)), match.group(1)) if match else (0, "")
