"""What only the batch as a whole shows: an agency's several files, agencies missing, files of
agencies not on the roster, and each file's verdict.

When one agency sent more than one file, the file that counts is decided by what the files record:
first their lineage (a file saved from a feedback copy replaces the file the copy was made from,
whatever the clocks say), then the save time in their document properties, then the file system's
time; the terminal, the JSON and the rollup's 状态 say which rule decided. Whether the agency's
identity is verified matters: two differing reports that cannot both be shown to come from the
agency are a conflict the office settles.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from ..core import texts as tx
from ..core.catalogue import FINDINGS, say
from ..core.texts import CheckStatus, Severity
from ..form.contract import FEEDBACK_KIND
from ..form.findings import ChoiceRule, FileResult, Finding, cell_order
from ..form.identity import normalise_code
from ..inputs.roster import Agency, match_code, roster_codes
from .inspection_values import Inspected

__all__ = ["judge", "verdict"]

_ORDER = {severity: order for order, severity in enumerate(Severity)}  # errors first
FUTURE_SLACK = timedelta(days=1)  # clocks differ; a save time further ahead is not believed


def verdict(item: Inspected, sheets: dict[str, int]) -> FileResult:
    """The file's verdict, its findings worst first and then in report order."""
    findings = tuple(
        sorted(
            item.findings,
            key=lambda f: (_ORDER[f.severity], sheets.get(f.sheet, -1), cell_order(f.cell)),
        )
    )
    if not item.readable:
        status = CheckStatus.UNREADABLE
    elif any(f.severity == Severity.ERROR for f in findings):
        status = CheckStatus.FAILED
    elif any(f.severity == Severity.WARNING and not f.explained for f in findings):
        status = CheckStatus.WARNINGS
    else:
        status = CheckStatus.PASSED
    return FileResult(
        path=item.path,
        sha256=item.sha256,
        agency_code=normalise_code(item.meta.get("agency_code", "")),
        agency_name=item.meta.get("agency_name", ""),
        year=item.meta.get("year", ""),
        status=status,
        findings=findings,
        kind=item.kind,
        mtime=item.mtime,
        saved_at=item.saved_at,
        template_id=item.meta.get("template_id", ""),
        values=item.values,
        texts=item.texts,
        notes=item.notes,
        raw=item.raw,
        meta=item.meta,
        missing=tuple(item.missing),
        verified=item.verified,
    )


def judge(
    results: list[FileResult], roster: Sequence[Agency] | None, now: datetime | None = None
) -> tuple[list[FileResult], list[Finding]]:
    """Several files of one agency, and with a roster: agencies missing and files not on it.

    A file's agency is the code in its own `_meta` (verified by its token when the office's key is
    there); the roster only matches it (`roster.match_code`), so that a roster whose codes lost
    their leading zeros changes nothing in what is reported, copied or rolled up.
    """
    now = now or datetime.now()
    findings: list[Finding] = []
    codes = roster_codes(roster or ())
    matched: dict[str, str | None] = {}
    for result in results:
        if roster is None or not result.agency_code:
            continue
        found = matched.setdefault(result.agency_code, match_code(result.agency_code, codes))
        if found is not None and found != result.agency_code:  # "1" in the roster for "001"
            findings.append(
                _finding(
                    "roster-leading-zeros",
                    result.agency_code,
                    result.agency_name,
                    {"roster": found, "actual": result.agency_code},
                    file=result.path,
                )
            )
    by_agency: dict[str, list[FileResult]] = defaultdict(list)
    for result in results:
        if result.agency_code and result.status != CheckStatus.UNREADABLE:
            by_agency[result.agency_code].append(result)
    replaced: set[str] = set()
    conflicted: set[str] = set()
    decided: dict[str, Decision] = {}
    for code, group in by_agency.items():
        if len(group) < 2:
            continue
        finding, decision = _several(code, group, now)
        findings.append(finding)
        if decision is None:
            conflicted |= {r.path for r in group}
        else:
            decided[decision.newest.path] = decision
            replaced |= {r.path for r in group if r is not decision.newest}
    results = [
        replace(
            r,
            superseded=r.path in replaced,
            conflict=r.path in conflicted,
            chosen_by=decided[r.path].rule if r.path in decided else None,
            chosen_reason=decided[r.path].reason if r.path in decided else "",
        )
        for r in results
    ]
    if roster is None:
        return results, findings
    present = {matched[code] for code in by_agency}
    for agency in roster:
        if normalise_code(agency.code) not in present:
            present.add(normalise_code(agency.code))  # a code listed twice is missing once
            findings.append(
                _finding(
                    "missing-agency",
                    agency.code,
                    agency.name,
                    {"agency": f"{agency.name}（{agency.code}）"},
                )
            )
    for code, group in by_agency.items():
        if matched[code] is None:
            name = group[0].agency_name
            findings.append(
                _finding(
                    "unknown-agency",
                    code,
                    name,
                    {"agency": f"{name}（{code}）"},
                    file=group[0].path,
                )
            )
    return results, findings


@dataclass(frozen=True, kw_only=True)
class Decision:
    """Which of an agency's files is used, and by which rule (`rule`: a code for the JSON;
    `reason`: the words of the duplicate-agency message)."""

    newest: FileResult
    rule: ChoiceRule
    reason: str


def _several(code: str, group: list[FileResult], now: datetime) -> tuple[Finding, Decision | None]:
    """The finding about an agency's several files, and the file used (None: a conflict).

    A file made from a feedback copy of another file of the group (or the copy itself) replaces
    that file, whatever the clocks say; among the files no other was made from, the newest by the
    save time recorded in the file, then by the file time.
    """
    latest = _latest(group)
    ranked = sorted(latest, key=lambda r: _when(r, now), reverse=True)
    ranked += sorted((r for r in group if r not in latest), key=lambda r: _when(r, now),
                     reverse=True)  # fmt: skip
    newest = ranked[0]
    lineage = _lineage_rule(newest, ranked)
    rule = lineage if len(latest) == 1 and lineage else _deciding_rule(ranked[0], ranked[1], now)
    if rule is None and lineage is not None and not _differ(latest):
        rule = lineage  # the latest files say the same: what they replaced is what matters
    differ = _differ(group)
    agency = f"{newest.agency_name}（{code}）"
    files = "、".join(Path(r.path).name for r in ranked)
    verified = all(r.verified for r in group)
    if differ and (rule is None or not verified):
        if rule is None:
            reason = tx.UNDECIDABLE
        else:
            reason = tx.UNVERIFIED.format(office=tx.office_name(newest.meta.get("district", "")))
        return (
            _finding(
                "agency-conflict",
                code,
                newest.agency_name,
                {"agency": agency, "count": len(group), "files": files, "reason": reason},
                file=newest.path,
                actual=[r.path for r in ranked],
            ),
            None,
        )
    rule = rule or (ChoiceRule.FILE_ORDER, tx.BY_FILE_ORDER)
    difference = tx.DIFFERENT_CONTENT if differ else tx.SAME_CONTENT
    if any(_future(r, now) for r in group):
        difference += tx.SAVED_IN_FUTURE
    return (
        _finding(
            "duplicate-agency",
            code,
            newest.agency_name,
            {
                "agency": agency,
                "count": len(group),
                "files": files,
                "expected": Path(newest.path).name,
                "reason": rule[1],
                "difference": difference,
            },
            file=newest.path,
            expected=newest.path,
            actual=[r.path for r in ranked],
        ),
        Decision(newest=newest, rule=rule[0], reason=rule[1]),
    )


def _source(result: FileResult) -> str:
    """The sha256 of the returned file that this one's feedback copy was made from: recorded in
    the copy's `_meta` and kept by every save of it; "" for any other file."""
    if result.meta.get("kind") != FEEDBACK_KIND:
        return ""
    source = result.meta.get("source_sha256", "").strip().lower()
    return source if source != result.sha256 else ""


def _latest(group: list[FileResult]) -> list[FileResult]:
    """The files of the group that no other file of it was made from, so that a chain (original →
    corrected copy → corrected again) ends at its last file. Every file when the recorded lineage
    goes round in a circle (only an edited `_meta` can do that)."""
    sources = {_source(r) for r in group} - {""}
    return [r for r in group if r.sha256 not in sources] or list(group)


def _lineage_rule(newest: FileResult, group: list[FileResult]) -> tuple[ChoiceRule, str] | None:
    """The lineage rule naming the file `newest` was made from, when that file is in the group."""
    source = _source(newest)
    parent = next((r for r in group if source and r.sha256 == source), None)
    if parent is None:
        return None
    names = {"file": Path(newest.path).name, "source": Path(parent.path).name}
    return ChoiceRule.LINEAGE, tx.BY_LINEAGE.format(**names)


def _finding(
    code: str,
    agency_code: str,
    agency_name: str,
    words: dict[str, object],
    *,
    file: str = "",
    expected: object = None,
    actual: object = None,
) -> Finding:
    """A catalogue finding about the batch, for one agency; `words` fill its message."""
    return Finding(
        code=code,
        severity=FINDINGS[code].severity,
        message=say(code, **words),
        file=file,
        agency_code=agency_code,
        agency_name=agency_name,
        expected=expected,
        actual=actual,
    )


def _when(result: FileResult, now: datetime) -> tuple[float, float]:
    """What makes a file newer: the save time it records (one in the future counts as none),
    then the file system's modification time."""
    saved = _saved(result)
    recorded = saved.timestamp() if saved is not None and not _future(result, now) else -math.inf
    return recorded, result.mtime


def _deciding_rule(
    newest: FileResult, runner_up: FileResult, now: datetime
) -> tuple[ChoiceRule, str] | None:
    a, b = _when(newest, now), _when(runner_up, now)
    if a[0] != b[0]:
        return ChoiceRule.SAVE_TIME, tx.BY_SAVE_TIME
    if a[1] != b[1]:
        return ChoiceRule.FILE_TIME, tx.BY_FILE_TIME
    return None


def _saved(result: FileResult) -> datetime | None:
    text = result.saved_at or (  # a copy written without document properties: when it was made
        result.meta.get("made_at", "") if result.meta.get("kind") == FEEDBACK_KIND else ""
    )
    if not text:
        return None
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is not None:  # core.xml times are UTC; compare as local wall time
        stamp = stamp.astimezone().replace(tzinfo=None)
    return stamp


def _future(result: FileResult, now: datetime) -> bool:
    saved = _saved(result)
    return saved is not None and saved > now + FUTURE_SLACK


def _differ(group: list[FileResult]) -> bool:
    """Whether the reports say different things (figures, texts or explanations)."""
    first = group[0]
    return any(
        _figures(r) != _figures(first) or r.texts != first.texts or r.notes != first.notes
        for r in group[1:]
    )


def _figures(result: FileResult) -> dict[str, float | None]:
    return {k: (None if math.isnan(v) else round(v, 6)) for k, v in result.values.items()}
