"""The year's one decision per agency, made and recorded in the workspace's ledger.

`current()` checks every stored file with the same code as the folder commands (check.py, whose
batch.py decides which file counts), applies the office's own choices, records in the ledger each
file's result and each agency's decision (the file that counts and the rule that chose it), and
returns the check report *as the ledger now says*: `check`, `feedback`, `rollup`, `render`,
`compare` and the mail all take it from here, so no two of them can decide differently.
`make_feedback()` writes the feedback copies each counted file needs once, recording what each
copy was made from. `choose()` records the office's own decision for an agency.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import Enum
from pathlib import Path

from ..core import texts as tx
from ..core.catalogue import UsageError
from ..core.texts import CheckStatus, Severity
from ..form.contract import FEEDBACK_KIND
from ..form.findings import CheckReport, ChoiceRule, FileResult
from ..form.form import Form
from ..results.feedback import FeedbackFile
from .ledger import now_text
from .workspace import FEEDBACK, Workspace

__all__ = [
    "Decision",
    "DecisionRule",
    "DecisionState",
    "YearCheck",
    "choose",
    "current",
    "make_feedback",
]


class DecisionState(Enum):
    COUNTED = "counted"  # one file counts for the agency
    CONFLICT = "conflict"  # differing reports, none counts until the office decides
    NONE = "none"  # nothing received

    @property
    def title(self) -> str:
        return tx.DECISION_STATES[self.value]


class DecisionRule(Enum):
    ONLY = "only"
    LINEAGE = "lineage"
    SAVE_TIME = "save-time"
    FILE_TIME = "file-time"
    FILE_ORDER = "file-order"
    OFFICE = "office"
    CONFLICT = "conflict"
    NONE = "none"

    @property
    def title(self) -> str:
        return tx.DECISION_RULES[self.value]


@dataclass(frozen=True, kw_only=True)
class Decision:
    agency_code: str
    sha256: str
    state: DecisionState
    rule: DecisionRule
    reason: str  # the rule in the clerk's words, naming the files where there were several
    decided_at: str = ""


@dataclass(frozen=True, kw_only=True)
class YearCheck:
    report: CheckReport  # every stored file, flags as the ledger's decisions say
    decisions: Mapping[str, Decision]

    def counted(self) -> list[FileResult]:
        return [r for r in self.report.files if r.in_use and r.agency_code]


def _sha_of(result: FileResult) -> str:
    """A stored file's hash is its folder's name (收到/<sha256>/<name>): known even for a file the
    reader could not hash."""
    return result.sha256 or Path(result.path).parent.name


def current(
    workspace: Workspace,
    *,
    form: Form,
    progress: Callable[[int, int], None] | None = None,
) -> YearCheck:
    """Check every stored file, decide per agency, record it all, and return it as recorded."""
    from ..check.batch import judge
    from ..check.check import check

    paths = workspace.stored()
    roster = workspace.agencies()
    if paths:
        report = check(
            paths,
            form=form,
            roster=roster,
            year=workspace.year,
            district=workspace.district,
            key=workspace.key(),
            progress=progress,
        )
    else:
        _, missing = judge([], roster)
        report = CheckReport(
            files=(),
            batch_findings=tuple(missing),
            year=str(workspace.year),
            district=workspace.district,
        )
    report = _apply_choices(report, _choices(workspace))
    decisions = _decide(report, roster_codes=[a.code for a in roster], choices=_choices(workspace))
    _record(workspace, form, report, decisions)
    recorded = _recorded(workspace)
    return YearCheck(report=_as_recorded(report, recorded), decisions=recorded)


def _choices(workspace: Workspace) -> dict[str, str]:
    return {
        r["agency_code"]: r["sha256"]
        for r in workspace.ledger.rows("SELECT agency_code, sha256 FROM choices")
    }


def _apply_choices(report: CheckReport, choices: Mapping[str, str]) -> CheckReport:
    """The office's choice wins over the automatic decision: the chosen file counts, the agency's
    other files are set aside, and its conflict (an error until decided) is settled."""
    settled = {
        code
        for code, sha in choices.items()
        if any(r.agency_code == code and _sha_of(r) == sha for r in report.files)
    }
    if not settled:
        return report
    files = tuple(
        replace(r, superseded=_sha_of(r) != choices[r.agency_code], conflict=False)
        if r.agency_code in settled
        else r
        for r in report.files
    )
    batch = tuple(
        f
        for f in report.batch_findings
        if not (f.agency_code in settled and f.code in ("agency-conflict", "duplicate-agency"))
    )
    return replace(report, files=files, batch_findings=batch)


def _decide(
    report: CheckReport, *, roster_codes: list[str], choices: Mapping[str, str]
) -> dict[str, Decision]:
    """Each agency's decision, as batch.py made it (the rule and its words on the file in use)
    or as the office chose."""
    groups: dict[str, list[FileResult]] = {code: [] for code in roster_codes}
    for result in report.files:
        if result.agency_code and result.status != CheckStatus.UNREADABLE:
            groups.setdefault(result.agency_code, []).append(result)
    conflicts = {
        f.agency_code: f.message for f in report.batch_findings if f.code == "agency-conflict"
    }
    decisions = {}
    for code, group in groups.items():
        counted = [r for r in group if r.in_use]
        if not group:
            rule, sha, state, reason = DecisionRule.NONE, "", DecisionState.NONE, ""
        elif not counted:
            rule, sha, state = DecisionRule.CONFLICT, "", DecisionState.CONFLICT
            reason = conflicts.get(code, "")
        else:
            chosen = counted[0]
            sha, state = _sha_of(chosen), DecisionState.COUNTED
            if code in choices:
                rule, reason = DecisionRule.OFFICE, ""
            elif len(group) == 1:
                rule, reason = DecisionRule.ONLY, ""
            else:
                rule = _RULES.get(
                    chosen.chosen_by or ChoiceRule.FILE_ORDER, DecisionRule.FILE_ORDER
                )
                reason = chosen.chosen_reason
        decisions[code] = Decision(
            agency_code=code, sha256=sha, state=state, rule=rule, reason=reason or rule.title
        )
    return decisions


# batch.py's names for the rule that chose an agency's file (FileResult.chosen_by)
_RULES = {
    ChoiceRule.LINEAGE: DecisionRule.LINEAGE,
    ChoiceRule.SAVE_TIME: DecisionRule.SAVE_TIME,
    ChoiceRule.FILE_TIME: DecisionRule.FILE_TIME,
    ChoiceRule.FILE_ORDER: DecisionRule.FILE_ORDER,
}


def _record(
    workspace: Workspace, form: Form, report: CheckReport, decisions: Mapping[str, Decision]
) -> None:
    from ..results.feedback import needs_feedback

    ledger = workspace.ledger
    stamp = now_text()
    with ledger.transaction() as db:
        for result in report.files:
            sha = _sha_of(result)
            kind = result.meta.get("kind", "")
            db.execute(
                "UPDATE files SET agency_code = ?, agency_name = ?, kind = ?, source_sha256 = ?, "
                "saved_at = ?, status = ?, errors = ?, warnings = ?, needs_action = ?, "
                "checked_at = CASE WHEN checked_at = '' THEN ? ELSE checked_at END, "
                "findings = ? WHERE sha256 = ?",
                (
                    result.agency_code,
                    result.agency_name,
                    kind,
                    result.meta.get("source_sha256", "") if kind == FEEDBACK_KIND else "",
                    result.saved_at,
                    result.status,
                    result.count(Severity.ERROR),
                    result.count(Severity.WARNING),
                    int(result.status != CheckStatus.UNREADABLE and needs_feedback(result, form)),
                    stamp,
                    json.dumps([f.to_dict() for f in result.findings], ensure_ascii=False),
                    sha,
                ),
            )
            if result.in_use:
                for finding in result.findings:
                    if finding.explained:
                        db.execute(
                            "INSERT OR IGNORE INTO explanations (sha256, agency_code, rule, "
                            "explanation, accepted_at) VALUES (?, ?, ?, ?, ?)",
                            (sha, result.agency_code, finding.code, finding.explanation, stamp),
                        )
        before = _recorded(workspace)
        for code, decision in decisions.items():
            old = before.get(code)
            if old is not None and (old.sha256, old.state, old.rule) == (
                decision.sha256,
                decision.state,
                decision.rule,
            ):
                db.execute(
                    "UPDATE decisions SET reason = ? WHERE agency_code = ?",
                    (decision.reason, code),
                )
                continue
            db.execute(
                "INSERT INTO decisions (agency_code, sha256, state, rule, reason, decided_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(agency_code) DO UPDATE SET "
                "sha256 = excluded.sha256, state = excluded.state, rule = excluded.rule, "
                "reason = excluded.reason, decided_at = excluded.decided_at",
                (
                    code,
                    decision.sha256,
                    decision.state.value,
                    decision.rule.value,
                    decision.reason,
                    stamp,
                ),
            )
            ledger.event(
                "decided",
                code,
                {
                    "sha256": decision.sha256,
                    "state": decision.state.value,
                    "rule": decision.rule.value,
                },
            )


def _recorded(workspace: Workspace) -> dict[str, Decision]:
    return {
        r["agency_code"]: Decision(
            agency_code=r["agency_code"],
            sha256=r["sha256"],
            state=DecisionState(r["state"]),
            rule=DecisionRule(r["rule"]),
            reason=r["reason"],
            decided_at=r["decided_at"],
        )
        for r in workspace.ledger.rows("SELECT * FROM decisions")
    }


def _as_recorded(report: CheckReport, decisions: Mapping[str, Decision]) -> CheckReport:
    """The report with each file's flags exactly as the ledger's decision says."""
    files = []
    for result in report.files:
        decision = decisions.get(result.agency_code)
        if decision is None or result.status == CheckStatus.UNREADABLE:
            files.append(result)
            continue
        sha = _sha_of(result)
        files.append(
            replace(
                result,
                superseded=decision.state is DecisionState.COUNTED and sha != decision.sha256,
                conflict=decision.state is DecisionState.CONFLICT,
            )
        )
    return replace(report, files=tuple(files))


def choose(workspace: Workspace, code: str, file: str) -> Decision:
    """The office decides which file counts for an agency (a conflict, or a file it prefers):
    `file` is a stored file's hash (or its first characters) or its original name."""
    from ..form.identity import normalise_code

    code = normalise_code(code)
    rows = workspace.ledger.rows(
        "SELECT sha256, original_name FROM files WHERE agency_code = ?", (code,)
    )
    if not rows:
        raise UsageError("workspace-choose-none", code=code)
    wanted = file.strip()
    hits = [
        r for r in rows if r["sha256"].startswith(wanted.lower()) or r["original_name"] == wanted
    ]
    if len(hits) != 1 or not wanted:
        names = "、".join(f"{r['original_name']}（{r['sha256'][:12]}）" for r in rows)
        raise UsageError("workspace-choose-which", code=code, file=wanted, files=names)
    with workspace.ledger.transaction() as db:
        db.execute(
            "INSERT INTO choices (agency_code, sha256, chosen_at) VALUES (?, ?, ?) "
            "ON CONFLICT(agency_code) DO UPDATE SET sha256 = excluded.sha256, "
            "chosen_at = excluded.chosen_at",
            (code, hits[0]["sha256"], now_text()),
        )
        workspace.ledger.event("chosen", code, {"sha256": hits[0]["sha256"]})
    return Decision(
        agency_code=code,
        sha256=hits[0]["sha256"],
        state=DecisionState.COUNTED,
        rule=DecisionRule.OFFICE,
        reason=DecisionRule.OFFICE.title,
    )


@dataclass(frozen=True, kw_only=True)
class FeedbackMade:
    """What one `make_feedback` wrote: the copies and texts (as write_feedback reports them), the
    folder, and how many counted files that need the agency's action had their feedback before."""

    files: tuple[FeedbackFile, ...] = ()
    folder: Path | None = None
    earlier: int = 0


def make_feedback(
    workspace: Workspace,
    year: YearCheck,
    *,
    form: Form,
    deadline: date | None = None,
    contact: str = "",
    today: date | None = None,
    made_at: datetime | None = None,
) -> FeedbackMade:
    """A feedback copy and email text for each counted file that needs one and has none yet, in
    审核意见/<time>/, each recorded with the file it was made from (its hash)."""
    from ..inputs.manifest import file_digest
    from ..results.feedback import needs_feedback, write_feedback

    made_for = {
        r["source_sha256"] for r in workspace.ledger.rows("SELECT source_sha256 FROM feedback")
    }
    needing = [r for r in year.counted() if needs_feedback(r, form)]
    todo = [r for r in needing if _sha_of(r) not in made_for]
    earlier = len(needing) - len(todo)
    if not todo:
        return FeedbackMade(earlier=earlier)
    stamp = made_at or datetime.now().replace(microsecond=0)
    folder = workspace.root / FEEDBACK / f"{stamp:%Y%m%d-%H%M%S}"
    written, _ = write_feedback(
        replace(year.report, files=tuple(todo)),
        folder,
        form=form,
        password=workspace.password(),
        deadline=deadline,
        contact=contact or workspace.contact,
        today=today,
        protected=workspace.stored(),
        made_at=stamp,
        roster=workspace.agencies(),
    )
    sources = {r.path: _sha_of(r) for r in todo}
    with workspace.ledger.transaction() as db:
        for item in written:
            if item.error or item.email is None:
                continue
            copy = item.workbook if item.workbook is not None else item.email
            db.execute(
                "INSERT OR REPLACE INTO feedback (sha256, source_sha256, agency_code, workbook, "
                "email, made_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    file_digest(copy),
                    sources.get(item.source, ""),
                    item.agency_code,
                    workspace.relative(item.workbook) if item.workbook else "",
                    workspace.relative(item.email),
                    stamp.isoformat(),
                ),
            )
            workspace.ledger.event(
                "feedback",
                item.agency_code,
                {"source": sources.get(item.source, ""), "folder": folder.name},
            )
    return FeedbackMade(files=tuple(written), folder=folder, earlier=earlier)
