"""The year at a glance: one row per agency, read from the ledger alone (no file is opened), so
`nianbao status` is instant and can run while another command writes.

The state of an agency follows the year's steps: 未下发 (no template issued), 已下发 (issued,
nothing back yet), 逾期 (nothing back after the deadline), 已报送 (a file came and waits for its
check), 有错误 (the file that counts needs correcting or explaining, or differing reports wait for
the office), 已反馈 (its feedback was made and, where mail is used, sent), 已更正 (the file that
counts was made from a feedback copy and passes), 通过.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from enum import Enum
from typing import Any

from ..core import texts as tx
from ..core.texts import CheckStatus
from ..form.contract import FEEDBACK_KIND
from ..mail.send import MailKind
from .workspace import Workspace

__all__ = ["AgencyState", "AgencyYear", "YearStatus", "year_status"]


class AgencyState(Enum):
    NOT_ISSUED = "not-issued"
    ISSUED = "issued"
    OVERDUE = "overdue"
    RECEIVED = "received"
    FAILED = "failed"
    FEEDBACK = "feedback"
    CORRECTED = "corrected"
    PASSED = "passed"

    @property
    def title(self) -> str:
        return tx.AGENCY_STATES[self.value]


@dataclass(frozen=True, kw_only=True)
class AgencyYear:
    code: str
    name: str
    state: AgencyState
    roster_code: str = ""  # as the roster spells it, when that differs from the canonical code
    issued_at: str = ""
    sent_at: str = ""
    received_at: str = ""  # the first file
    checked_at: str = ""
    feedback_at: str = ""
    passed_at: str = ""
    files: int = 0
    file: str = ""  # the original name of the file that counts
    sha256: str = ""
    rule: str = ""  # the rule that chose it, in words
    errors: int = 0
    warnings: int = 0
    queued: int = 0  # messages to this agency waiting in the outbox

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["state"] = self.state.value
        out["state_title"] = self.state.title
        return out


@dataclass(frozen=True, kw_only=True)
class YearStatus:
    year: int
    district: str
    deadline: date | None
    agencies: tuple[AgencyYear, ...]
    unassigned: tuple[str, ...]  # stored files of no roster agency (not ours, unreadable …)
    queued: int  # messages in the outbox

    def counts(self) -> dict[str, int]:
        out = {state.value: 0 for state in AgencyState}
        for agency in self.agencies:
            out[agency.state.value] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "district": self.district,
            "deadline": self.deadline.isoformat() if self.deadline else "",
            "counts": self.counts(),
            "agencies": [a.to_dict() for a in self.agencies],
            "unassigned": list(self.unassigned),
            "queued": self.queued,
        }


def year_status(workspace: Workspace, today: date | None = None) -> YearStatus:
    """The year at a glance, as `nianbao status` shows it: each roster agency's state from the
    ledger's decisions, feedback and mail, the counts, and the days to the deadline."""
    today = today or date.today()
    ledger = workspace.ledger
    files = {r["sha256"]: r for r in ledger.rows("SELECT * FROM files")}
    first_received = {
        r["sha256"]: r["at"]
        for r in ledger.rows("SELECT sha256, MIN(received_at) AS at FROM receipts GROUP BY sha256")
    }
    decisions = {r["agency_code"]: r for r in ledger.rows("SELECT * FROM decisions")}
    feedback = {
        r["source_sha256"]: r["made_at"]
        for r in ledger.rows(
            "SELECT source_sha256, MAX(made_at) AS made_at FROM feedback GROUP BY source_sha256"
        )
    }
    sent = {
        (r["agency_code"], r["kind"]): r["sent_at"]
        for r in ledger.rows(
            "SELECT agency_code, kind, MAX(sent_at) AS sent_at FROM outbox WHERE state = 'sent' "
            "GROUP BY agency_code, kind"
        )
    }
    queued = {
        r["agency_code"]: r["n"]
        for r in ledger.rows(
            "SELECT agency_code, COUNT(*) AS n FROM outbox WHERE state != 'sent' "
            "GROUP BY agency_code"
        )
    }
    deadline = workspace.deadline
    rows = []
    codes = set()
    for agency in ledger.rows("SELECT * FROM agencies ORDER BY position, code"):
        code = agency["code"]
        codes.add(code)
        own = [f for f in files.values() if f["agency_code"] == code]
        received = min((first_received.get(f["sha256"], "") for f in own), default="")
        decision = decisions.get(code)
        counted = files.get(decision["sha256"]) if decision and decision["sha256"] else None
        state = _state(agency, own, decision, counted, feedback, deadline, today)
        rows.append(
            AgencyYear(
                code=code,
                name=agency["name"],
                state=state,
                roster_code=agency["roster_code"] if agency["roster_code"] != code else "",
                issued_at=agency["issued_at"],
                sent_at=sent.get((code, MailKind.TEMPLATE), ""),
                received_at=received,
                checked_at=counted["checked_at"] if counted else "",
                feedback_at=feedback.get(counted["sha256"], "") if counted else "",
                # when the file that passes became the one that counts (it was checked then)
                passed_at=max(counted["checked_at"], decision["decided_at"])
                if counted and decision and state in (AgencyState.PASSED, AgencyState.CORRECTED)
                else "",
                files=len(own),
                file=counted["original_name"] if counted else "",
                sha256=counted["sha256"] if counted else "",
                rule=decision["reason"] if decision else "",
                errors=counted["errors"] if counted else 0,
                warnings=counted["warnings"] if counted else 0,
                queued=queued.get(code, 0),
            )
        )
    unassigned = tuple(
        f["original_name"]
        for f in files.values()
        if f["agency_code"] not in codes or not f["agency_code"]
    )
    return YearStatus(
        year=workspace.year,
        district=workspace.district,
        deadline=deadline,
        agencies=tuple(rows),
        unassigned=unassigned,
        queued=sum(queued.values()),
    )


def _state(
    agency: Any,
    own: list[Any],
    decision: Any,
    counted: Any,
    feedback: dict[str, str],
    deadline: date | None,
    today: date,
) -> AgencyState:
    if not own:
        if not agency["issued_at"]:
            return AgencyState.NOT_ISSUED
        if deadline is not None and today > deadline:
            return AgencyState.OVERDUE
        return AgencyState.ISSUED
    if decision is None or any(not f["checked_at"] for f in own):
        return AgencyState.RECEIVED
    if counted is None:  # differing reports wait for the office
        return AgencyState.FAILED
    if counted["status"] in (CheckStatus.FAILED, CheckStatus.UNREADABLE) or counted["needs_action"]:
        return AgencyState.FEEDBACK if counted["sha256"] in feedback else AgencyState.FAILED
    if counted["kind"] == FEEDBACK_KIND and counted["source_sha256"]:
        return AgencyState.CORRECTED
    return AgencyState.PASSED
