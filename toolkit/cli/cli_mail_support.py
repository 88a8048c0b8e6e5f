"""What the mail commands share (`send`, `collect`, `outbox`, on folders or on a workspace): the
options of the sending server, the password prompt, the TLS option with its old alias, the SMTP
account, the sender check and the lines that say what was sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..core.texts import HELP_SMTP_TLS

if TYPE_CHECKING:
    from rich.console import Console

    from ..mail.mail_account import Account, Options
    from ..mail.send import SendReport

__all__ = ["CafileOption", "ContactOption", "DeadlineOption", "LegacyTlsOption", "SmtpTlsOption"]

CafileOption = Annotated[
    Path | None,
    typer.Option("--cafile", help="信任的证书文件（单位内部邮件服务器使用自签证书时）。"),
]
DeadlineOption = Annotated[
    str | None, typer.Option("--deadline", metavar="<日期>", help="报送截止日期，写入邮件正文。")
]
ContactOption = Annotated[str, typer.Option("--contact", help="联系人及电话，写入邮件正文。")]
SmtpTlsOption = Annotated[str | None, typer.Option("--smtp-tls", help=HELP_SMTP_TLS)]
# The one TLS option of earlier versions, kept for scripts: collect's IMAP, send's SMTP.
LegacyTlsOption = Annotated[str | None, typer.Option("--tls", hidden=True)]


def _password(variable: str, what: str) -> str:
    import sys

    from ..mail.mail_account import password_from

    prompt = None
    if sys.stdin.isatty():

        def prompt() -> str:
            return typer.prompt(f"{what}密码（不显示）", hide_input=True)

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
    password = _password(options.password, "发件邮箱") if user else ""
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
    from ..mail.send import FAILED, NO_ADDRESS, SENT, SKIPPED, WRITTEN
    from . import cli_support as cli

    for item in report.items:
        if item.result == SKIPPED:
            continue
        where = f" → {item.path}" if item.path is not None else ""
        reason = f"：{item.reason}" if item.reason else ""
        cli._say(
            console, f"  {item.result} {item.code} {item.name} <{item.address}>{reason}{where}"
        )
    parts = [
        f"{label} {report.count(result)} 封"
        for result, label in (
            (SENT, "已发送"),
            (WRITTEN, "已写入 .eml"),
            (SKIPPED, "此前已发送（跳过）"),
            (FAILED, "失败"),
            (NO_ADDRESS, "无地址"),
        )
        if report.count(result)
    ]
    cli._say(console, "；".join(parts) or "没有要发送的邮件。")
    if report.log is not None:
        cli._say(console, f"发送记录：{report.log}")
