"""The workspace's mail: an outbox in the ledger that nothing falls out of, and mail collected
straight into the store.

Every message the office sends (templates, feedback, the answers to reports that came by mail) is
first queued in the ledger with its attachments; `flush()` sends what is queued through
send.deliver and marks each message sent only when the server took it. A refused connection, a
wrong TLS mode or an interruption leaves the rest queued, and the next `send`, `collect --reply` or
`nianbao outbox` sends them. A message is queued once (by kind, agency and content), so a rerun
never sends twice.

`collect_into()` fetches the mailbox with collect.py (its log keeps the mailbox position) and moves
every saved attachment into the store with its Message-ID and sender, so that its answer goes to
the message it came in; attachments a killed run left behind are stored by the next run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from ..core import texts as tx
from ..form.form import Form
from ..mail.mail_account import Account
from ..mail.mail_message import Attachment
from ..mail.mail_outbox import (
    Answer,
    MailSettings,
    answer_outgoing,
    feedback_outgoing,
    template_messages,
)
from ..mail.send import SEND_LOG as SEND_LOG_NAME
from ..mail.send import MailKind, Outgoing, SendReport, SendResult, deliver
from .ledger import now_text
from .workspace import MAIL, TEMPLATES, Workspace, store_file
from .workspace_year import YearCheck, _sha_of

if TYPE_CHECKING:
    from ..mail.collect import CollectReport

__all__ = [
    "MailIn",
    "OutboxState",
    "Queued",
    "collect_into",
    "flush",
    "mail_settings",
    "queue",
    "queue_answers",
    "queue_feedback",
    "queue_templates",
    "queued",
    "store_collected",
]

ATTACHMENTS = tx.MAIL_ATTACHMENTS_FOLDER  # collect.py's folder, emptied into the store


class OutboxState(StrEnum):
    """Where a queued message stands: the outbox's `state` column stores the value."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"  # tried and refused: sent again by the next flush

    @property
    def title(self) -> str:  # type: ignore[override]  # str.title is never meant on a state
        return tx.WORKSPACE_OUTBOX_STATES[self.value]


@dataclass(frozen=True, kw_only=True)
class Queued:
    id: int
    kind: MailKind
    agency_code: str
    address: str
    state: OutboxState
    attempts: int
    last_error: str
    queued_at: str
    sent_at: str


def _digest(message: Outgoing) -> str:
    return f"{message.kind}|{message.code}|{message.digest}"


def queue(workspace: Workspace, messages: Sequence[Outgoing]) -> tuple[int, list[Outgoing]]:
    """Queue each message once; returns how many are new and those that cannot be queued (their
    attachment is missing: `problem` says why)."""
    new = 0
    problems = []
    with workspace.ledger.transaction() as db:
        for message in messages:
            if message.problem:
                problems.append(message)
                continue
            body = {
                f.name: getattr(message, f.name)
                for f in fields(Outgoing)
                if f.name not in ("attachments", "problem")
            }
            cursor = db.execute(
                "INSERT OR IGNORE INTO outbox (digest, kind, agency_code, address, message, state, "
                "queued_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    _digest(message),
                    message.kind,
                    message.code,
                    message.address,
                    json.dumps(body, ensure_ascii=False),
                    OutboxState.QUEUED.value,
                    now_text(),
                ),
            )
            if cursor.rowcount:
                row = int(cursor.lastrowid or 0)
                db.executemany(
                    "INSERT INTO outbox_attachments (outbox, position, name, data) "
                    "VALUES (?, ?, ?, ?)",
                    [(row, i, a.name, a.data) for i, a in enumerate(message.attachments)],
                )
                workspace.ledger.event("queued", message.code, {"kind": message.kind})
                new += 1
    return new, problems


def queued(workspace: Workspace, *, all_messages: bool = False) -> list[Queued]:
    where, unsent = ("", ()) if all_messages else ("WHERE state != ?", (OutboxState.SENT.value,))
    return [
        Queued(
            id=r["id"],
            kind=MailKind(r["kind"]),
            agency_code=r["agency_code"],
            address=r["address"],
            state=OutboxState(r["state"]),
            attempts=r["attempts"],
            last_error=r["last_error"],
            queued_at=r["queued_at"],
            sent_at=r["sent_at"],
        )
        for r in workspace.ledger.rows(f"SELECT * FROM outbox {where} ORDER BY id", unsent)
    ]


def flush(
    workspace: Workspace,
    *,
    sender: str,
    account: Account | None,
    dry_run: Path | None = None,
    rate: float | None = None,
    kinds: Sequence[MailKind] = (),
) -> SendReport:
    """Send what is queued (of `kinds`, or all); each message is marked sent only when the server
    took it, so whatever fails stays queued for the next run."""
    rows = [
        r
        for r in workspace.ledger.rows(
            "SELECT * FROM outbox WHERE state != ? ORDER BY id", (OutboxState.SENT.value,)
        )
        if not kinds or r["kind"] in kinds
    ]
    messages = []
    for row in rows:
        body = json.loads(row["message"])
        attachments = tuple(
            Attachment(name=a["name"], data=bytes(a["data"]))
            for a in workspace.ledger.rows(
                "SELECT name, data FROM outbox_attachments WHERE outbox = ? ORDER BY position",
                (row["id"],),
            )
        )
        messages.append(
            Outgoing(attachments=attachments, **{**body, "kind": MailKind(body["kind"])})
        )
    report = deliver(
        messages,
        sender=sender,
        account=account,
        log=workspace.root / MAIL / SEND_LOG_NAME,
        dry_run=dry_run,
        rate=rate,
    )
    if dry_run is not None:
        return report
    by_row = dict(zip((r["id"] for r in rows), report.items, strict=False))
    with workspace.ledger.transaction() as db:
        for row_id, item in by_row.items():
            # SKIPPED: the send log already has it as sent
            if item.result in (SendResult.SENT, SendResult.SKIPPED):
                db.execute(
                    "UPDATE outbox SET state = ?, sent_at = ?, message_id = ?, "
                    "attempts = attempts + 1, last_error = '' WHERE id = ?",
                    (OutboxState.SENT.value, now_text(), item.message_id, row_id),
                )
                workspace.ledger.event("sent", item.code, {"outbox": row_id})
            else:
                db.execute(
                    "UPDATE outbox SET state = ?, attempts = attempts + 1, "
                    "last_error = ? WHERE id = ?",
                    (OutboxState.FAILED.value, item.reason or item.result.value, row_id),
                )
    return report


def mail_settings(
    workspace: Workspace,
    sender: str,
    deadline: date | None = None,
    contact: str = "",
    text: Path | None = None,
) -> MailSettings:
    """The settings of the workspace's mail: its district, year, deadline and contact unless
    given otherwise (the command line's --deadline, --contact, --text)."""
    return MailSettings(
        sender=sender,
        deadline=deadline or workspace.deadline,
        contact=contact or workspace.contact,
        district=workspace.district,
        year=str(workspace.year),
        text=text,
    )


def queue_templates(
    workspace: Workspace, settings: MailSettings, *, form: Form
) -> tuple[int, list[Outgoing]]:
    """Each agency's issued template, to the roster's address (once per template's content)."""
    return queue(workspace, template_messages(workspace.root / TEMPLATES, settings, form=form))


def _answer_for(workspace: Workspace, sha: str, code: str) -> Answer:
    """Where an agency's answer goes: the mail its counted file came in, else the roster's
    address."""
    row = workspace.ledger.db.execute(
        "SELECT message_id, sender FROM mail_answers WHERE sha256 = ? ORDER BY rowid DESC",
        (sha,),
    ).fetchone()
    if row is not None and row["sender"]:
        return Answer(address=row["sender"], in_reply_to=row["message_id"])
    agency = workspace.ledger.db.execute(
        "SELECT email FROM agencies WHERE code = ?", (code,)
    ).fetchone()
    return Answer(address=(agency["email"] if agency else "").strip())


def queue_feedback(
    workspace: Workspace, year: YearCheck, settings: MailSettings, *, form: Form
) -> tuple[int, list[Outgoing]]:
    """The feedback of every agency whose counted file has feedback: as an answer to the mail it
    came in, or to the roster's address."""
    messages = []
    for result in year.counted():
        sha = _sha_of(result)
        row = workspace.ledger.db.execute(
            "SELECT * FROM feedback WHERE source_sha256 = ? ORDER BY made_at DESC", (sha,)
        ).fetchone()
        if row is None or not row["email"]:
            continue
        outgoing = feedback_outgoing(
            result.agency_code,
            workspace.root / row["email"],
            workspace.root / row["workbook"] if row["workbook"] else None,
            _answer_for(workspace, sha, result.agency_code),
            settings,
            form=form,
            name=result.agency_name,
        )
        messages.append(replace(outgoing, reference=sha))
    return queue(workspace, messages)


def queue_answers(
    workspace: Workspace, year: YearCheck, settings: MailSettings, *, form: Form
) -> tuple[int, list[Outgoing]]:
    """An answer to every mail whose report is the one its agency is judged by and that has not
    been answered: 通过, or the feedback (made by make_feedback). Reports replaced by a newer one
    are not answered; the newer one is."""

    counted = {_sha_of(r): r for r in year.counted()}
    pending = workspace.ledger.rows("SELECT * FROM mail_answers WHERE answered = 0")
    messages: list[Outgoing] = []
    answered: list[tuple[str, str]] = []
    for row in pending:
        result = counted.get(row["sha256"])
        if result is None or not row["sender"]:
            continue
        made = workspace.ledger.db.execute(
            "SELECT * FROM feedback WHERE source_sha256 = ? ORDER BY made_at DESC",
            (row["sha256"],),
        ).fetchone()
        outgoing = answer_outgoing(
            result,
            Answer(address=row["sender"], in_reply_to=row["message_id"]),
            settings,
            form=form,
            file=Path(result.path).name,
            district=workspace.district,
            reference=row["sha256"],
            feedback=(
                workspace.root / made["email"],
                workspace.root / made["workbook"] if made["workbook"] else None,
            )
            if made is not None and made["email"]
            else None,
        )
        if outgoing is not None:
            messages.append(outgoing)
            answered.append((row["sha256"], row["message_id"]))
    new, problems = queue(workspace, messages)
    with workspace.ledger.transaction() as db:
        db.executemany(
            "UPDATE mail_answers SET answered = 1 WHERE sha256 = ? AND message_id = ?", answered
        )
    return new, problems


@dataclass(frozen=True, kw_only=True)
class MailIn:
    report: CollectReport
    stored: int  # attachments moved into the store by this run (left-overs included)


def collect_into(
    workspace: Workspace,
    account: Account,
    *,
    form: Form,
    folder: str = "INBOX",
    since: date | None = None,
    mark_seen: bool = False,
) -> MailIn:
    """Fetch the new mail into 邮件/附件 (collect.py keeps the mailbox position in its log), then
    move every saved attachment into the store with the message it came in."""
    from ..mail.collect import collect_mail

    inbox = workspace.root / MAIL / ATTACHMENTS
    report = collect_mail(
        account,
        inbox,
        folder=folder,
        since=since,
        mark_seen=mark_seen,
        form=form,
        roster=workspace.agencies(),  # a report from another address is set aside, not stored
    )
    return MailIn(report=report, stored=store_collected(workspace))


def store_collected(workspace: Workspace) -> int:
    """Every attachment collect.py saved that is not yet in the store (this run's, and what a
    killed run left): stored with its Message-ID and sender, then removed from 邮件/附件."""
    from ..mail.collect import COLLECT_LOG, read_collect_log

    inbox = workspace.root / MAIL / ATTACHMENTS
    stored = 0
    for row in read_collect_log(inbox / COLLECT_LOG):
        name = row.get(tx.COLLECT_SAVED_AS, "")
        path = inbox / name if name else None
        if path is None or not path.is_file():
            continue
        received = store_file(
            workspace,
            path,
            via="mail",
            origin=row.get("Message-ID", ""),
            sender=row.get(tx.COLLECT_SENDER, ""),
            original_name=row.get(tx.COLLECT_ATTACHMENT, "") or name,
        )
        with workspace.ledger.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO mail_answers (sha256, message_id, sender) VALUES (?, ?, ?)",
                (received.sha256, row.get("Message-ID", ""), row.get(tx.COLLECT_SENDER, "")),
            )
        os.chmod(path, 0o600)
        path.unlink()
        stored += 1
    return stored
