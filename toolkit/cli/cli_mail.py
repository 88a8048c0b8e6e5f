"""The `send` and `collect` commands (issue 16), registered on the app by `register(app)`.

Each command parses, calls one library function, prints and exits (0 ok, 1 an agency's message or
a file had a problem, 2 the command could not run). Passwords come from NIANBAO_SMTP_PASSWORD /
NIANBAO_IMAP_PASSWORD or a hidden prompt, never from an option.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..core import texts as tx
from .cli_mail_support import (
    CafileOption,
    ContactOption,
    DeadlineOption,
    LegacyTlsOption,
    SmtpTlsOption,
    _check_sender,
    _password,
    _print_sent,
    _smtp_account,
    _tls,
)
from .cli_support import FormOption
from .cli_workspace import WorkspaceOption

if TYPE_CHECKING:
    from rich.console import Console

    from ..mail.mail_reply import Cycle

__all__ = ["register"]


def send(
    folder: Annotated[
        Path | None,
        typer.Argument(
            metavar=tx.METAVAR_TEMPLATES,
            help=tx.HELP_SEND_FOLDER,
            show_default=False,
        ),
    ] = None,
    smtp: Annotated[
        str | None,
        typer.Option("--smtp", metavar=tx.METAVAR_HOST, help=tx.HELP_SEND_SMTP),
    ] = None,
    smtp_tls: SmtpTlsOption = None,
    tls: LegacyTlsOption = None,
    user: Annotated[str, typer.Option("--user", help=tx.HELP_OUTBOX_USER)] = "",
    sender: Annotated[str, typer.Option("--sender", help=tx.HELP_OUTBOX_SENDER)] = "",
    dry_run: Annotated[
        Path | None,
        typer.Option("--dry-run", metavar=tx.FOLDER, help=tx.HELP_SEND_DRY_RUN),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", metavar=tx.AGENCY_CODE, help=tx.HELP_SEND_ONLY),
    ] = None,
    rate: Annotated[
        float | None,
        typer.Option("--rate", help=tx.HELP_SEND_RATE),
    ] = None,
    feedback: Annotated[
        Path | None,
        typer.Option("--feedback", help=tx.HELP_SEND_FEEDBACK),
    ] = None,
    collected: Annotated[
        Path | None,
        typer.Option(
            "--collected",
            help=tx.HELP_SEND_COLLECTED,
        ),
    ] = None,
    deadline: DeadlineOption = None,
    contact: ContactOption = "",
    text: Annotated[
        Path | None,
        typer.Option("--text", help=tx.HELP_SEND_TEXT),
    ] = None,
    cafile: CafileOption = None,
    form_path: FormOption = None,
    workspace: WorkspaceOption = None,
    copies: Annotated[bool, typer.Option("--copies", help=tx.HELP_SEND_COPIES)] = False,
) -> None:
    from ..core.catalogue import UsageError
    from ..form.form import FormError
    from ..mail.mail_account import SMTP_OPTIONS
    from ..mail.mail_outbox import MailSettings, feedback_messages, template_messages
    from ..mail.send import SEND_LOG, deliver
    from . import cli_support as cli

    console = cli._console()
    if workspace is not None or (folder is None and feedback is None):
        from .cli_workspace import refuse_with_workspace
        from .cli_workspace_mail import send_in_workspace

        try:
            refuse_with_workspace(collected=collected, only=only, form=form_path)
            code = send_in_workspace(
                console,
                workspace,
                copies=copies,
                smtp=smtp,
                smtp_tls=_tls(smtp_tls, tls, SMTP_OPTIONS),
                user=user,
                sender=sender,
                dry_run=dry_run,
                rate=rate,
                deadline=cli._date("--deadline", deadline),
                contact=contact,
                text=text,
                cafile=cafile,
            )
        except (UsageError, FormError) as exc:
            raise cli._fail(str(exc)) from None
        raise typer.Exit(code)
    try:
        mode = _tls(smtp_tls, tls, SMTP_OPTIONS)
        form = cli._form(form_path)
        settings = MailSettings(
            sender=sender, deadline=cli._date("--deadline", deadline), contact=contact, text=text
        )
        if feedback is not None:
            from ..inputs.manifest import MANIFEST, read_manifest
            from ..mail.collect import answers

            rows = read_manifest(folder / MANIFEST) if folder is not None else []
            found = answers(collected) if collected is not None else {}
            messages = feedback_messages(
                feedback, settings, form=form, answers=found, manifest=rows
            )
            log = feedback / SEND_LOG
        elif folder is not None:
            messages = template_messages(folder, settings, form=form)
            log = folder / SEND_LOG
        else:
            raise UsageError("mail-manifest", path=tx.SEND_NO_FOLDER)
        _check_sender(sender)  # before the password is asked for
        account = None
        if dry_run is None:
            if not smtp:
                raise UsageError("mail-smtp-missing")
            account = _smtp_account(smtp, mode, user, cafile)
        report = deliver(
            messages,
            sender=sender,
            account=account,
            log=log,
            dry_run=dry_run,
            only=only or (),
            rate=rate,
        )
    except (UsageError, FormError) as exc:
        raise cli._fail(str(exc)) from None
    _print_sent(report, console)
    raise typer.Exit(report.exit_code)


def _print_collected(cycle: Cycle, console: Console) -> None:
    from ..mail.mail_attachments import CollectResult
    from . import cli_support as cli

    collected = cycle.collected
    for item in collected.items:
        what = item.attachment or tx.MAIL_NO_ATTACHMENT
        who = f" {item.agency_code} {item.agency_name}" if item.agency_code else ""
        saved = f" → {item.path.name}" if item.path is not None else ""
        note = f"：{item.note}" if item.note else ""
        cli._say(console, f"  {item.result}{who} {what}（{item.sender}）{saved}{note}")
    cli._say(
        console,
        tx.COLLECTED.format(
            messages=collected.messages,
            saved=len(collected.saved),
            duplicates=collected.count(CollectResult.DUPLICATE),
            log=collected.log,
        ),
    )
    if collected.left:
        from ..core.catalogue import say
        from ..mail.collect import MAX_MESSAGES

        cli._say(console, say("mail-more-next-run", limit=MAX_MESSAGES, count=collected.left))
    if cycle.checked is not None:
        from ..results.report import render_terminal

        render_terminal(cycle.checked, console, quiet=True)
    if cycle.replies is not None:
        from ..core.catalogue import say

        cli._say(console, tx.COLLECT_REPLIES.format(folder=cycle.feedback_dir))
        if cycle.replies.items or not cycle.unsent:  # not "nothing to send" when some wait
            _print_sent(cycle.replies, console)
        if cycle.reply_failure:
            failed = say("mail-replies-failed", count=cycle.unsent, reason=cycle.reply_failure)
            cli._say(console, failed)
        elif cycle.unsent:
            cli._say(console, say("mail-replies-pending", count=cycle.unsent))


def collect(
    imap: Annotated[
        str,
        typer.Option("--imap", metavar=tx.METAVAR_HOST, help=tx.HELP_COLLECT_IMAP),
    ],
    user: Annotated[str, typer.Option("--user", help=tx.HELP_COLLECT_USER)],
    out: Annotated[
        Path | None,
        typer.Option("--out", help=tx.HELP_COLLECT_OUT),
    ] = None,
    imap_tls: Annotated[str | None, typer.Option("--imap-tls", help=tx.HELP_IMAP_TLS)] = None,
    tls: LegacyTlsOption = None,
    folder: Annotated[str, typer.Option("--folder", help=tx.HELP_COLLECT_FOLDER)] = "INBOX",
    since: Annotated[
        str | None,
        typer.Option("--since", metavar=tx.METAVAR_DATE, help=tx.HELP_COLLECT_SINCE),
    ] = None,
    mark_seen: Annotated[bool, typer.Option("--mark-seen", help=tx.HELP_COLLECT_MARK_SEEN)] = False,
    run_check: Annotated[bool, typer.Option("--check", help=tx.HELP_COLLECT_CHECK)] = False,
    reply: Annotated[
        bool,
        typer.Option("--reply", help=tx.HELP_COLLECT_REPLY),
    ] = False,
    smtp: Annotated[
        str | None, typer.Option("--smtp", metavar=tx.METAVAR_HOST, help=tx.HELP_COLLECT_SMTP)
    ] = None,
    smtp_tls: SmtpTlsOption = None,
    smtp_user: Annotated[
        str | None, typer.Option("--smtp-user", help=tx.HELP_COLLECT_SMTP_USER)
    ] = None,
    sender: Annotated[str, typer.Option("--sender", help=tx.HELP_COLLECT_SENDER)] = "",
    roster: Annotated[Path | None, typer.Option("--roster", help=tx.HELP_COLLECT_ROSTER)] = None,
    year: Annotated[int | None, typer.Option("--year", help=tx.HELP_YEAR)] = None,
    district: Annotated[
        str | None, typer.Option("--district", help=tx.HELP_RENDER_DISTRICT)
    ] = None,
    feedback: Annotated[
        Path | None,
        typer.Option("--feedback", help=tx.HELP_COLLECT_FEEDBACK),
    ] = None,
    password: Annotated[
        str | None,
        typer.Option("--password", help=tx.HELP_COLLECT_PASSWORD),
    ] = None,
    deadline: DeadlineOption = None,
    contact: ContactOption = "",
    issued: Annotated[
        Path | None,
        typer.Option("--issued", help=tx.HELP_COLLECT_ISSUED),
    ] = None,
    cafile: CafileOption = None,
    form_path: FormOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    from dataclasses import replace

    from ..core.catalogue import UsageError
    from ..form.form import FormError
    from ..inputs.roster import read_roster
    from ..mail.mail_account import IMAP_OPTIONS, IMAP_PORTS, SMTP_OPTIONS, account
    from ..mail.mail_outbox import MailSettings
    from ..mail.mail_reply import Reply, collect_cycle
    from . import cli_support as cli

    console = cli._console()
    try:
        imap_mode = _tls(imap_tls, tls, IMAP_OPTIONS)
        if reply and (not smtp or not sender or not run_check):
            raise UsageError("mail-reply-needs-smtp")
        if reply:
            _check_sender(sender)
        in_workspace = workspace is not None or out is None
        if in_workspace:
            from .cli_workspace import refuse_with_workspace

            refuse_with_workspace(
                roster=roster, year=year, district=district, issued=issued, feedback=feedback,
                password=password, form=form_path,
            )  # fmt: skip
        form = cli._form(form_path)
        cli._check_year(form, year)
        due = cli._date("--deadline", deadline)
        after = cli._date("--since", since)
        agencies = read_roster(roster) if roster is not None else None
        key = cli._key(issued, roster)
        answer = None
        if reply:
            assert smtp is not None
            answer = Reply(
                account=_smtp_account(
                    smtp,
                    _tls(smtp_tls, None, SMTP_OPTIONS),
                    smtp_user or user,
                    cafile,
                    replace(SMTP_OPTIONS, user="--smtp-user"),
                ),
                settings=MailSettings(sender=sender, deadline=due, contact=contact),
                feedback_dir=feedback,
                password=password,
                deadline=due,
            )
        mailbox = account(
            imap,
            option=IMAP_OPTIONS.host,
            tls=imap_mode,
            user=user,
            password=_password(IMAP_OPTIONS.password, tx.MAILBOX_IMAP),
            ports=IMAP_PORTS,
            cafile=cafile,
            options=IMAP_OPTIONS,
        )
        if in_workspace:
            from .cli_workspace_mail import collect_in_workspace

            code = collect_in_workspace(
                console,
                workspace,
                mailbox,
                reply_account=answer.account if answer is not None else None,
                sender=sender,
                run_check=run_check,
                folder=folder,
                since=after,
                mark_seen=mark_seen,
                deadline=due,
                contact=contact,
            )
            raise typer.Exit(code)
        if out is None:
            raise UsageError("workspace-needs-out", option="--out")
        cycle = collect_cycle(
            mailbox,
            out,
            folder=folder,
            since=after,
            mark_seen=mark_seen,
            check_files=run_check,
            reply=answer,
            key=key,
            year=year,
            district=district,
            roster=agencies,
            form=form,
        )
    except (UsageError, FormError) as exc:
        raise cli._fail(str(exc)) from None
    _print_collected(cycle, console)
    raise typer.Exit(cycle.exit_code)


def register(app: typer.Typer) -> None:
    """Add `send` and `collect` to the command line."""
    app.command(help=tx.HELP_SEND)(send)
    app.command(help=tx.HELP_COLLECT)(collect)
