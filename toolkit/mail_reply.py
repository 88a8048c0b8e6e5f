"""The collection cycle of `nianbao collect`: fetch the new returns, optionally check everything in
the folder, and answer each sender of a new report with the result: 通过 (mail-reply-pass.txt), or
the annotated copy and its text (check --feedback's), as a reply to the message the report came in.
The answers go through send.deliver, so they are logged and a rerun does not repeat them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from . import texts as tx
from .collect import CollectReport, collect_mail
from .feedback import FeedbackFile, needs_feedback, write_feedback
from .findings import CheckReport
from .form import Form
from .mail_account import Account
from .mail_outbox import Answer, MailSettings, feedback_outgoing, pass_outgoing
from .roster import Agency
from .send import SEND_LOG, Outgoing, SendReport, deliver

__all__ = ["Cycle", "Reply", "collect_cycle"]

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

    @property
    def exit_code(self) -> int:
        codes = [self.collected.exit_code]
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
    """Collect; with `check_files`, check the folder; with `reply`, answer each new report."""
    collected = collect_mail(
        imap, out_dir, folder=folder, since=since, mark_seen=mark_seen, form=form
    )
    if not check_files:
        return Cycle(collected=collected)
    from .catalogue import UsageError
    from .check import check

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
    )
    messages = _answers(collected, report, made, reply.settings, form)
    sent = deliver(
        messages, sender=reply.settings.sender, account=reply.account, log=feedback_dir / SEND_LOG
    )
    return Cycle(
        collected=collected,
        checked=report,
        feedback=tuple(made),
        feedback_dir=feedback_dir,
        replies=sent,
    )


def _answers(
    collected: CollectReport,
    report: CheckReport,
    made: Sequence[FeedbackFile],
    settings: MailSettings,
    form: Form,
) -> list[Outgoing]:
    """One answer per report that came in this run and counts (not one an agency replaced)."""
    results = {_key(r.path): r for r in report.files}
    feedback = {_key(f.source): f for f in made}
    messages = []
    for item in collected.saved:
        result = results.get(_key(item.path))
        if result is None or not item.agency_code or not result.in_use or not item.sender:
            continue
        answer = Answer(address=item.sender, in_reply_to=item.message_id)
        if needs_feedback(result, form):
            made_for = feedback.get(_key(result.path))
            if made_for is None or made_for.email is None:
                continue  # its feedback could not be written: reported by the command
            messages.append(
                feedback_outgoing(
                    result.agency_code,
                    made_for.email,
                    made_for.workbook,
                    answer,
                    settings,
                    form=form,
                    name=result.agency_name,
                )
            )
        elif result.status in ("passed", "warnings"):
            messages.append(
                pass_outgoing(
                    result.agency_code,
                    result.agency_name,
                    item.attachment.rsplit("/", 1)[-1],
                    answer,
                    settings,
                    year=result.year,
                    district=report.district or result.meta.get("district", ""),
                )
            )
    return messages


def _key(path: object) -> str:
    try:
        return str(Path(str(path)).resolve())
    except (OSError, RuntimeError):
        return str(path)
