"""The workspace's mail on the command line: `send` and `collect` on a workspace (called by
cli_mail.py when the command runs on one) and `nianbao outbox`. Every message goes through the
ledger's outbox (workspace_mail.py): what a failed connection did not send stays queued, and the
next `send`, `collect --reply` or `outbox` sends it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..core import texts as tx
from .cli_mail_support import (
    CafileOption,
    LegacyTlsOption,
    SmtpTlsOption,
    _check_sender,
    _print_sent,
    _smtp_account,
    _tls,
)
from .cli_workspace import WorkspaceOption

if TYPE_CHECKING:
    from rich.console import Console

    from ..mail.mail_account import Account
    from ..mail.mail_outbox import MailSettings
    from ..workspace.workspace import Workspace

__all__ = ["collect_in_workspace", "outbox", "register", "send_in_workspace"]


def _settings(
    space: Workspace, sender: str, deadline: date | None, contact: str, text: Path | None = None
) -> MailSettings:
    from ..workspace.workspace_mail import mail_settings

    return mail_settings(space, sender, deadline, contact, text)


def _flush(
    console: Console,
    space: Workspace,
    *,
    sender: str,
    account: Account | None,
    dry_run: Path | None = None,
    rate: float | None = None,
) -> int:
    """Send what the outbox holds; print it; 0 when nothing is left, 1 when something is."""
    from ..core.catalogue import UsageError
    from ..workspace.workspace_mail import flush, queued
    from .cli_support import _say

    try:
        report = flush(space, sender=sender, account=account, dry_run=dry_run, rate=rate)
    except UsageError as exc:  # the server could not be reached, or refused the login
        _say(console, str(exc))
        _say(console, tx.WORKSPACE_OUTBOX_LEFT.format(count=len(queued(space))))
        return 1
    _print_sent(report, console)
    left = len(queued(space)) if dry_run is None else 0
    if left:
        _say(console, tx.WORKSPACE_OUTBOX_LEFT.format(count=left))
    return 1 if left or report.exit_code else 0


def send_in_workspace(
    console: Console,
    workspace: Path | None,
    *,
    copies: bool,
    smtp: str | None,
    smtp_tls: str,
    user: str,
    sender: str,
    dry_run: Path | None,
    rate: float | None,
    deadline: date | None,
    contact: str,
    text: Path | None,
    cafile: Path | None,
) -> int:
    """`send` on a workspace: queue each agency's template (or, with `copies`, the feedback of
    each counted file), then send everything the outbox holds."""
    from ..core.catalogue import UsageError
    from ..workspace.workspace_mail import queue_feedback, queue_templates
    from ..workspace.workspace_year import current
    from .cli_support import _say
    from .cli_workspace import _form_of, _open

    space = _open(workspace)
    form = _form_of(space)
    settings = _settings(space, sender, deadline, contact, text)
    _check_sender(sender)
    account = None
    if dry_run is None:
        if not smtp:
            raise UsageError("mail-smtp-missing")
        account = _smtp_account(smtp, smtp_tls, user, cafile)
    with space.ledger.writing("send"):
        if copies:
            year = current(space, form=form)
            new, problems = queue_feedback(space, year, settings, form=form)
        else:
            new, problems = queue_templates(space, settings, form=form)
        for message in problems:
            _say(console, f"  {message.code} {message.name}：{message.problem}")
        _say(console, tx.WORKSPACE_QUEUED.format(count=new))
        return _flush(
            console, space, sender=sender, account=account, dry_run=dry_run, rate=rate
        ) or (1 if problems else 0)


def collect_in_workspace(
    console: Console,
    workspace: Path | None,
    mailbox: Account,
    *,
    reply_account: Account | None,
    sender: str,
    run_check: bool,
    folder: str,
    since: date | None,
    mark_seen: bool,
    deadline: date | None,
    contact: str,
) -> int:
    """`collect` on a workspace: the new mail into the store, then (with `run_check`) the year's
    check and feedback, then (with a reply account) an answer queued for each report that came by
    mail and counts, and the outbox sent."""
    from ..results.report import render_terminal
    from ..workspace.workspace_mail import collect_into, queue_answers
    from ..workspace.workspace_steps import check_year
    from .cli_support import _say
    from .cli_workspace import _form_of, _open, feedback_said, print_decisions

    space = _open(workspace)
    form = _form_of(space)
    codes = [0]
    with space.ledger.writing("collect"):
        mail = collect_into(
            space, mailbox, form=form, folder=folder, since=since, mark_seen=mark_seen
        )
        for item in mail.report.items:
            what = item.attachment or tx.MAIL_NO_ATTACHMENT
            who = f" {item.agency_code} {item.agency_name}" if item.agency_code else ""
            note = f"：{item.note}" if item.note else ""
            _say(console, f"  {item.result}{who} {what}（{item.sender}）{note}")
        _say(
            console,
            tx.WORKSPACE_COLLECTED.format(messages=mail.report.messages, stored=mail.stored),
        )
        codes.append(mail.report.exit_code)
        if not run_check:
            return max(codes)
        checked = check_year(space, form=form, deadline=deadline, contact=contact)
        year, made = checked.year, checked.feedback
        render_terminal(year.report, console, quiet=True)
        print_decisions(console, space, year)
        for line in feedback_said(year, made, space):
            _say(console, line)
        codes.append(year.report.exit_code)
        if reply_account is None:
            return max(codes)
        settings = _settings(space, sender, deadline, contact)
        new, _ = queue_answers(space, year, settings, form=form)
        _say(console, tx.WORKSPACE_QUEUED.format(count=new))
        codes.append(_flush(console, space, sender=sender, account=reply_account))
    return max(codes)


def outbox(
    workspace: WorkspaceOption = None,
    smtp: Annotated[
        str | None,
        typer.Option("--smtp", metavar=tx.METAVAR_HOST, help=tx.HELP_OUTBOX_SMTP),
    ] = None,
    smtp_tls: SmtpTlsOption = None,
    tls: LegacyTlsOption = None,
    user: Annotated[str, typer.Option("--user", help=tx.HELP_OUTBOX_USER)] = "",
    sender: Annotated[str, typer.Option("--sender", help=tx.HELP_OUTBOX_SENDER)] = "",
    cafile: CafileOption = None,
) -> None:
    from ..core.catalogue import UsageError
    from ..mail.mail_account import SMTP_OPTIONS
    from ..workspace.workspace_mail import queued
    from .cli_support import _console, _fail, _say
    from .cli_workspace import _open

    console = _console()
    try:
        space = _open(workspace)
        waiting = queued(space)
        if not waiting:
            _say(console, tx.WORKSPACE_OUTBOX_EMPTY)
            raise typer.Exit(0)
        for item in waiting:
            error = f"：{item.last_error}" if item.last_error else ""
            _say(
                console,
                tx.WORKSPACE_OUTBOX_ROW.format(
                    id=item.id,
                    kind=item.kind,
                    code=item.agency_code,
                    address=item.address,
                    state=item.state.title,
                    error=error,
                ),
            )
        if smtp is None:
            raise typer.Exit(1)
        _check_sender(sender)
        account = _smtp_account(smtp, _tls(smtp_tls, tls, SMTP_OPTIONS), user, cafile)
        with space.ledger.writing("outbox"):
            code = _flush(console, space, sender=sender, account=account)
    except UsageError as exc:
        raise _fail(str(exc)) from None
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add `outbox` to the command line."""
    app.command(help=tx.HELP_OUTBOX, short_help=tx.SHORT_OUTBOX)(outbox)
