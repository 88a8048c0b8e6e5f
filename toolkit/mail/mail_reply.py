"""The collection cycle of `nianbao collect`: fetch the new returns, optionally check everything in
the folder, and answer the sender of each report with the result: 通过 (mail-reply-pass.txt), or
the annotated copy and its text (check --feedback's), as a reply to the message the report came in.

What is answered is every report the collection log holds (from any run) that is still its agency's
report in use and whose answer the reply log does not record as sent (`pending_answers`): a run
whose mail server could not be reached leaves its answers pending, and the next run sends them,
even when no new mail has come. The answers go through send.deliver, so they are logged, and each
names the report it answers (`Outgoing.reference`), so no answer is sent twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ..core import texts as tx
from ..core.catalogue import UsageError
from ..form.findings import CheckReport
from ..form.form import Form
from ..inputs.roster import Agency
from ..results.feedback import FeedbackFile, write_feedback
from .collect import CollectReport, collect_mail, read_collect_log, saved_reports
from .mail_account import Account
from .mail_outbox import Answer, MailSettings, answer_outgoing
from .send import (
    SEND_LOG,
    Outgoing,
    SendReport,
    SendResult,
    Sent,
    deliver,
    read_log,
    sent_keys,
    sent_times,
)

__all__ = ["Cycle", "Reply", "collect_cycle", "pending_answers"]

FEEDBACK_FOLDER = tx.REVIEW_SHEET


@dataclass(frozen=True, kw_only=True)
class Reply:
    """How to answer: the SMTP account, the texts' settings, where the feedback goes."""

    account: Account
    settings: MailSettings
    feedback_dir: Path | None = None  # default: <out>/审核意见
    password: str | None = None  # protection of the annotated copies
    deadline: date | None = None


@dataclass(frozen=True, kw_only=True)
class Cycle:
    collected: CollectReport
    checked: CheckReport | None = None
    feedback: tuple[FeedbackFile, ...] = ()
    feedback_dir: Path | None = None
    replies: SendReport | None = None
    unsent: int = 0  # answers left pending: the next run sends them
    reply_failure: str = ""  # why the answers stopped (the server could not be reached …)

    @property
    def exit_code(self) -> int:
        codes = [self.collected.exit_code, 1 if self.unsent or self.reply_failure else 0]
        if self.checked is not None:
            codes.append(self.checked.exit_code)
        if self.replies is not None:
            codes.append(self.replies.exit_code)
        return max(codes)


def collect_cycle(
    imap: Account,
    out_dir: Path,
    *,
    folder: str = "INBOX",
    since: date | None = None,
    mark_seen: bool = False,
    check_files: bool = False,
    reply: Reply | None = None,
    key: bytes | None = None,
    year: int | None = None,
    district: str | None = None,
    roster: Sequence[Agency] | None = None,
    form: Form,
) -> Cycle:
    """Collect; with `check_files`, check the folder; with `reply`, answer each report whose
    answer is pending. A mail server that cannot be reached for the answers leaves them pending
    (`Cycle.unsent`, `Cycle.reply_failure`) instead of failing the run: the reports are stored."""
    collected = collect_mail(
        imap, out_dir, folder=folder, since=since, mark_seen=mark_seen, form=form, roster=roster
    )
    if not check_files:
        return Cycle(collected=collected)
    from ..check.check import check

    try:
        report = check([out_dir], form=form, key=key, year=year, district=district, roster=roster)
    except UsageError as exc:
        if exc.code != "no-files":
            raise
        return Cycle(collected=collected)  # nothing has come in yet: nothing to check or answer
    if reply is None:
        return Cycle(collected=collected, checked=report)
    feedback_dir = reply.feedback_dir or Path(out_dir) / FEEDBACK_FOLDER
    made, _ = write_feedback(
        report,
        feedback_dir,
        form=form,
        password=reply.password,
        deadline=reply.deadline,
        contact=reply.settings.contact,
        roster=roster or (),
    )
    log = feedback_dir / SEND_LOG
    messages = pending_answers(
        read_collect_log(collected.log),
        report,
        made,
        reply.settings,
        form,
        read_log(log),
        folder=out_dir,
    )
    done: list[Sent] = []
    failure = ""
    try:
        sent = deliver(
            messages,
            sender=reply.settings.sender,
            account=reply.account,
            log=log,
            progress=done.append,
        )
    except UsageError as exc:  # the server cannot be reached or refuses the login
        failure = str(exc)
        sent = SendReport(items=tuple(done), log=log)
    return Cycle(
        collected=collected,
        checked=report,
        feedback=tuple(made),
        feedback_dir=feedback_dir,
        replies=sent,
        unsent=len(messages)
        - sent.count(SendResult.SENT)
        - sent.count(SendResult.NO_ADDRESS),  # never sendable
        reply_failure=failure,
    )


def pending_answers(
    collect_log_rows: Sequence[Mapping[str, str]],
    report: CheckReport,
    made: Sequence[FeedbackFile],
    settings: MailSettings,
    form: Form,
    sent_log_rows: Sequence[Mapping[str, str]],
    *,
    folder: Path,
) -> list[Outgoing]:
    """The answers still to send: one per report in the collection log (its files in `folder`)
    that `report` checked and counts for its agency (not one the agency has replaced), unless
    the reply log (`sent_log_rows`) records it as sent. Each is a reply to the message the report
    came in, to its sender; 通过, or the feedback `made` for it.

    Sent means: an answer naming this report (`Outgoing.reference`), or an answer of the same kind
    sent to the agency after the report was collected (a log of an earlier version, whose answers
    did not name their report, or feedback the clerk sent with `send --feedback`)."""
    results = {_key(r.path): r for r in report.files}
    feedback = {_key(f.source): f for f in made}
    done = sent_keys(sent_log_rows)
    last = sent_times(sent_log_rows)
    messages: list[Outgoing] = []
    for item in saved_reports(collect_log_rows, folder):
        result = results.get(_key(item.path))
        if result is None or not result.in_use or not item.sender:
            continue
        made_for = feedback.get(_key(result.path))
        message = answer_outgoing(
            result,
            Answer(address=item.sender, in_reply_to=item.message_id),
            settings,
            form=form,
            file=item.attachment.rsplit("/", 1)[-1],
            district=report.district or result.meta.get("district", ""),
            reference=item.sha256 or result.sha256,
            feedback=(made_for.email, made_for.workbook)
            if made_for is not None and made_for.email is not None
            else None,
        )
        if message is None:
            continue
        key = (message.kind, message.code, message.digest)
        if key in done or _not_before(last.get(key[:2], ""), item.received_at):
            continue
        done.add(key)  # one answer per report, however often the log names it
        messages.append(message)
    return messages


def _not_before(sent: str, received: str) -> bool:
    """Whether the time `sent` (ISO, from the reply log) is at or after `received` (from the
    collection log); False when either is missing or unreadable."""
    moments = []
    for text in (sent, received):
        try:
            moments.append(datetime.fromisoformat(text).astimezone())  # naive: local time
        except ValueError:
            return False
    return moments[0] >= moments[1]


def _key(path: object) -> str:
    try:
        return str(Path(str(path)).resolve())
    except (OSError, RuntimeError):
        return str(path)
