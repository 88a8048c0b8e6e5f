"""The workbench's mail, as jobs on the workspace's mail functions (workspace_mail.py), the same
`send` and `collect` call on a workspace: the templates or the feedback queued in the ledger's
outbox and sent (what a failed connection did not send stays queued for the next time), the
mailbox's new mail stored and checked.

The password comes with the form and is used for this job only; nothing keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..core import texts as tx
from ..core.catalogue import UsageError
from ..form.form import Form
from ..mail.mail_account import Account
from ..workspace.workspace_mail import (
    collect_into,
    flush,
    mail_settings,
    queue_feedback,
    queue_templates,
    queued,
)
from ..workspace.workspace_steps import check_year, feedback_words, form_of
from ..workspace.workspace_year import current
from .jobs import Job
from .work import opened

__all__ = ["Server", "collect_job", "send_job"]


@dataclass(frozen=True, kw_only=True)
class Server:
    """A mail server as the clerk gave it on the page."""

    host: str  # HOST[:PORT]
    tls: str  # ssl, starttls, none
    user: str
    password: str
    cafile: Path | None = None  # a certificate to trust besides the system's (a private server)

    def account(self, *, outgoing: bool) -> Account:
        from ..mail.mail_account import IMAP_OPTIONS, IMAP_PORTS, SMTP_OPTIONS, SMTP_PORTS, account

        options = SMTP_OPTIONS if outgoing else IMAP_OPTIONS
        return account(
            self.host,
            option=options.host,
            tls=self.tls,
            user=self.user,
            password=self.password if self.user else "",
            ports=SMTP_PORTS if outgoing else IMAP_PORTS,
            cafile=self.cafile,
            options=options,
        )


def send_job(
    job: Job, root: Path, *, copies: bool, server: Server, sender: str, bundled: Form
) -> None:
    """`send` on the workspace: each agency's template (or, with `copies`, the feedback of each
    counted file) queued once in the outbox, then everything the outbox holds sent."""
    from ..mail.mail_message import valid_address
    from ..mail.send import SendResult

    if not valid_address(sender):
        raise UsageError("mail-address", option=tx.SERVE_SENDER_FIELD, address=sender)
    account = server.account(outgoing=True)
    with opened(root) as space:
        form = form_of(space, bundled)
        settings = mail_settings(space, sender)
        with space.ledger.writing("send"):
            if copies:
                year = current(space, form=form, progress=job.progress)
                new, problems = queue_feedback(space, year, settings, form=form)
            else:
                new, problems = queue_templates(space, settings, form=form)
            for message in problems:
                job.say(
                    tx.SERVE_MAIL_PROBLEM.format(
                        code=message.code, name=message.name, problem=message.problem
                    )
                )
            job.say(tx.WORKSPACE_QUEUED.format(count=new))
            job.stop_if_cancelled()
            try:
                report = flush(space, sender=sender, account=account)
            except UsageError:  # the server could not be reached, or refused the login
                job.say(tx.WORKSPACE_OUTBOX_LEFT.format(count=len(queued(space))))
                raise
            for item in report.items:
                if item.result != SendResult.SKIPPED:
                    job.say(
                        tx.SERVE_MAIL_SENT.format(
                            result=item.result,
                            code=item.code,
                            name=item.name,
                            address=item.address,
                            reason=item.reason,
                        )
                    )
            left = len(queued(space))
            if left:
                job.say(tx.WORKSPACE_OUTBOX_LEFT.format(count=left))


def collect_job(job: Job, root: Path, *, server: Server, folder: str, bundled: Form) -> None:
    """`collect --check` on the workspace: the new mail's attachments stored, then the year
    checked and the feedback made, as after an upload."""
    account = server.account(outgoing=False)
    with opened(root) as space:
        form = form_of(space, bundled)
        with space.ledger.writing("collect"):
            mail = collect_into(space, account, form=form, folder=folder or "INBOX")
            for item in mail.report.items:
                job.say(
                    tx.SERVE_MAIL_COLLECTED.format(
                        result=item.result,
                        who=f"{item.agency_code} {item.agency_name}".strip(),
                        what=item.attachment or tx.MAIL_NO_ATTACHMENT,
                        sender=item.sender,
                        note=item.note,
                    )
                )
            job.say(
                tx.WORKSPACE_COLLECTED.format(messages=mail.report.messages, stored=mail.stored)
            )
            job.stop_if_cancelled()
            job.total = len(space.stored())
            checked = check_year(space, form=form, progress=job.progress)
        for line in feedback_words(checked.year, checked.feedback, space):
            job.say(line)
