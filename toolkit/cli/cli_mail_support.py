"""What the mail commands share (`send`, `collect`, `outbox`, on folders or on a workspace): the
options of the sending server, the password prompt, the TLS option with its old alias, the SMTP
account, the sender check and the lines that say what was sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..core import texts as tx

if TYPE_CHECKING:
    from rich.console import Console

    from ..mail.mail_account import Account, Options
    from ..mail.send import SendReport

__all__ = ["CafileOption", "ContactOption", "DeadlineOption", "LegacyTlsOption", "SmtpTlsOption"]

CafileOption = Annotated[
    Path | None,
    typer.Option("--cafile", help=tx.HELP_MAIL_CAFILE),
]
DeadlineOption = Annotated[
    str | None, typer.Option("--deadline", metavar=tx.METAVAR_DATE, help=tx.HELP_MAIL_DEADLINE)
]
ContactOption = Annotated[str, typer.Option("--contact", help=tx.HELP_MAIL_CONTACT)]
SmtpTlsOption = Annotated[str | None, typer.Option("--smtp-tls", help=tx.HELP_SMTP_TLS)]
# The one TLS option of earlier versions, kept for scripts: collect's IMAP, send's SMTP.
LegacyTlsOption = Annotated[str | None, typer.Option("--tls", hidden=True)]


def _password(variable: str, what: str) -> str:
    import sys

    from ..mail.mail_account import password_from

    prompt = None
    if sys.stdin.isatty():

        def prompt() -> str:
            return typer.prompt(tx.PASSWORD_PROMPT.format(what=what), hide_input=True)

    return password_from(variable, prompt)


def _tls(value: str | None, legacy: str | None, options: Options) -> str:
    """The TLS mode of one server: its own option, or the hidden `--tls` of old scripts (with a
    note naming the new option); ssl when neither is given."""
    from ..core.catalogue import UsageError, say
    from .cli_support import _plain

    if legacy is None:
        return value if value is not None else "ssl"
    if value is not None and value != legacy:
        raise UsageError("mail-tls-twice", option=options.tls, old=legacy, new=value)
    typer.echo(_plain(say("mail-tls-renamed", option=options.tls, role=options.role)), err=True)
    return legacy


def _smtp_account(
    server: str, tls: str, user: str, cafile: Path | None, options: Options | None = None
) -> Account:
    from ..mail.mail_account import SMTP_OPTIONS, SMTP_PORTS, account

    options = options or SMTP_OPTIONS
    password = _password(options.password, tx.MAILBOX_SMTP) if user else ""
    return account(
        server,
        option=options.host,
        tls=tls,
        user=user,
        password=password,
        ports=SMTP_PORTS,
        cafile=cafile,
        options=options,
    )


def _check_sender(sender: str) -> None:
    from ..core.catalogue import UsageError
    from ..mail.mail_message import valid_address

    if not valid_address(sender):
        raise UsageError("mail-address", option="--sender", address=sender)


def _print_sent(report: SendReport, console: Console) -> None:
    from ..mail.send import SendResult
    from . import cli_support as cli

    for item in report.items:
        if item.result == SendResult.SKIPPED:
            continue
        where = f" → {item.path}" if item.path is not None else ""
        reason = f"：{item.reason}" if item.reason else ""
        cli._say(
            console, f"  {item.result} {item.code} {item.name} <{item.address}>{reason}{where}"
        )
    parts = [
        tx.SEND_COUNT.format(label=label, count=report.count(result))
        for result, label in (
            (SendResult.SENT, tx.SEND_SENT),
            (SendResult.WRITTEN, tx.SEND_COUNT_WRITTEN),
            (SendResult.SKIPPED, tx.SEND_COUNT_SKIPPED),
            (SendResult.FAILED, tx.SEND_FAILED),
            (SendResult.NO_ADDRESS, tx.SEND_NO_ADDRESS),
        )
        if report.count(result)
    ]
    cli._say(console, "；".join(parts) or tx.SEND_NOTHING)
    if report.log is not None:
        cli._say(console, tx.SEND_LOG_LINE.format(path=report.log))
