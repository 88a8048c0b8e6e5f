"""The `send` and `collect` commands (issue 16), registered on the app by `register(app)`.

Each command parses, calls one library function, prints and exits (0 ok, 1 an agency's message or
a file had a problem, 2 the command could not run). Passwords come from NIANBAO_SMTP_PASSWORD /
NIANBAO_IMAP_PASSWORD or a hidden prompt, never from an option.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from .mail_account import Account
    from .send import SendReport

__all__ = ["register"]

SMTP_PASSWORD, IMAP_PASSWORD = "NIANBAO_SMTP_PASSWORD", "NIANBAO_IMAP_PASSWORD"

CafileOption = Annotated[
    Path | None,
    typer.Option("--cafile", help="信任的证书文件（单位内部邮件服务器使用自签证书时）。"),
]
DeadlineOption = Annotated[
    str | None, typer.Option("--deadline", metavar="<日期>", help="报送截止日期，写入邮件正文。")
]
ContactOption = Annotated[str, typer.Option("--contact", help="联系人及电话，写入邮件正文。")]


def _password(variable: str, what: str) -> str:
    import sys

    from .mail_account import password_from

    prompt = None
    if sys.stdin.isatty():

        def prompt() -> str:
            return typer.prompt(f"{what}密码（不显示）", hide_input=True)

    return password_from(variable, prompt)


def _smtp_account(server: str, tls: str, user: str, cafile: Path | None) -> Account:
    from .mail_account import SMTP_PORTS, account

    password = _password(SMTP_PASSWORD, "发件邮箱") if user else ""
    return account(
        server,
        option="--smtp",
        tls=tls,
        user=user,
        password=password,
        ports=SMTP_PORTS,
        cafile=cafile,
    )


def _print_sent(report: SendReport, console) -> None:
    from . import cli
    from .send import FAILED, NO_ADDRESS, SENT, SKIPPED, WRITTEN

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


def send(
    folder: Annotated[
        Path | None,
        typer.Argument(
            metavar="模板文件夹",
            help="generate 的输出文件夹（含 manifest.csv）；发送审核意见时用于查找单位的电子邮箱。",
            show_default=False,
        ),
    ] = None,
    smtp: Annotated[
        str | None,
        typer.Option("--smtp", metavar="主机[:端口]", help="发件服务器，如 smtp.example.org:465。"),
    ] = None,
    tls: Annotated[
        str,
        typer.Option("--tls", help="加密方式：ssl（默认端口 465）、starttls（587）或 none（25）。"),
    ] = "ssl",
    user: Annotated[str, typer.Option("--user", help="发件邮箱的登录用户名。")] = "",
    sender: Annotated[str, typer.Option("--sender", help="发件地址，如 office@example.org。")] = "",
    dry_run: Annotated[
        Path | None,
        typer.Option(
            "--dry-run", metavar="文件夹", help="不发送，每封邮件写成一个 .eml 文件存入此文件夹。"
        ),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", metavar="单位代码", help="只（重新）发送这个单位；可多次给出。"),
    ] = None,
    rate: Annotated[
        float | None,
        typer.Option("--rate", help="每分钟最多发送的封数，以免超出邮件服务器的限制。"),
    ] = None,
    feedback: Annotated[
        Path | None,
        typer.Option(
            "--feedback", help="发送 check --feedback 生成的审核意见（副本和 <单位代码>.txt）。"
        ),
    ] = None,
    collected: Annotated[
        Path | None,
        typer.Option(
            "--collected",
            help="collect 的保存文件夹：审核意见回复给报送的邮件（发件人和邮件编号）。",
        ),
    ] = None,
    deadline: DeadlineOption = None,
    contact: ContactOption = "",
    text: Annotated[
        Path | None,
        typer.Option("--text", help="自拟的邮件文本（格式同 templates/mail-send.txt）。"),
    ] = None,
    cafile: CafileOption = None,
) -> None:
    from . import cli
    from .catalogue import UsageError
    from .mail_outbox import MailSettings, feedback_messages, template_messages
    from .send import SEND_LOG, deliver

    console = cli._console()
    try:
        settings = MailSettings(
            sender=sender, deadline=cli._date("--deadline", deadline), contact=contact, text=text
        )
        if feedback is not None:
            from .collect import answers
            from .manifest import MANIFEST, read_manifest

            rows = read_manifest(folder / MANIFEST) if folder is not None else []
            found = answers(collected) if collected is not None else {}
            messages = feedback_messages(feedback, settings, answers=found, manifest=rows)
            log = feedback / SEND_LOG
        elif folder is not None:
            messages = template_messages(folder, settings)
            log = folder / SEND_LOG
        else:
            raise UsageError("mail-manifest", path="（未给出模板文件夹）")
        account = None
        if dry_run is None:
            if not smtp:
                raise UsageError("mail-smtp-missing")
            account = _smtp_account(smtp, tls, user, cafile)
        report = deliver(
            messages,
            sender=sender,
            account=account,
            log=log,
            dry_run=dry_run,
            only=only or (),
            rate=rate,
        )
    except UsageError as exc:
        raise cli._fail(str(exc)) from None
    _print_sent(report, console)
    raise typer.Exit(report.exit_code)


def register(app: typer.Typer) -> None:
    """Add `send` and `collect` to the command line."""
    app.command(
        help="按 manifest.csv 给每个单位发送填报模板（或用 --feedback 发送审核意见），附件用中文文件名。"
        "密码取自环境变量 NIANBAO_SMTP_PASSWORD，没有时提示输入。重新运行时只发送尚未发出的邮件。"
        "退出码：0 全部发出，1 有单位未能发出，2 无法运行。"
    )(send)
