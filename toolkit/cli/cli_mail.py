"""The `send` and `collect` commands (issue 16), registered on the app by `register(app)`.

Each command parses, calls one library function, prints and exits (0 ok, 1 an agency's message or
a file had a problem, 2 the command could not run). Passwords come from NIANBAO_SMTP_PASSWORD /
NIANBAO_IMAP_PASSWORD or a hidden prompt, never from an option.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..core.texts import HELP_IMAP_TLS, HELP_SEND_COPIES
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
            metavar="模板文件夹",
            help="generate 的输出文件夹（含 manifest.csv）；发送审核意见时用于查找单位的电子邮箱。",
            show_default=False,
        ),
    ] = None,
    smtp: Annotated[
        str | None,
        typer.Option("--smtp", metavar="主机[:端口]", help="发件服务器，如 smtp.example.org:465。"),
    ] = None,
    smtp_tls: SmtpTlsOption = None,
    tls: LegacyTlsOption = None,
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
    form_path: FormOption = None,
    workspace: WorkspaceOption = None,
    copies: Annotated[bool, typer.Option("--copies", help=HELP_SEND_COPIES)] = False,
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
            raise UsageError("mail-manifest", path="（未给出模板文件夹）")
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
    from . import cli_support as cli

    collected = cycle.collected
    for item in collected.items:
        what = item.attachment or "（邮件）"
        who = f" {item.agency_code} {item.agency_name}" if item.agency_code else ""
        saved = f" → {item.path.name}" if item.path is not None else ""
        note = f"：{item.note}" if item.note else ""
        cli._say(console, f"  {item.result}{who} {what}（{item.sender}）{saved}{note}")
    cli._say(
        console,
        f"新邮件 {collected.messages} 封，保存报表 {len(collected.saved)} 份"
        f"（重复 {collected.count('重复')} 份未重复保存）。收取记录：{collected.log}",
    )
    if cycle.checked is not None:
        from ..results.report import render_terminal

        render_terminal(cycle.checked, console, quiet=True)
    if cycle.replies is not None:
        from ..core.catalogue import say

        cli._say(console, f"回复（审核意见在 {cycle.feedback_dir}）：")
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
        typer.Option(
            "--imap", metavar="主机[:端口]", help="报送邮箱的收件服务器，如 imap.example.org:993。"
        ),
    ],
    user: Annotated[str, typer.Option("--user", help="报送邮箱的登录用户名。")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="保存报回文件的文件夹（收取记录.csv 也在其中）；在工作区中不给。"
        ),
    ] = None,
    imap_tls: Annotated[str | None, typer.Option("--imap-tls", help=HELP_IMAP_TLS)] = None,
    tls: LegacyTlsOption = None,
    folder: Annotated[str, typer.Option("--folder", help="邮箱文件夹。")] = "INBOX",
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="<日期>", help="只收取此日期以后的邮件，如 2024-01-01。"),
    ] = None,
    mark_seen: Annotated[
        bool, typer.Option("--mark-seen", help="把处理过的邮件标为已读（默认不改动邮箱）。")
    ] = False,
    run_check: Annotated[
        bool, typer.Option("--check", help="收取后审核文件夹中的全部报回文件。")
    ] = False,
    reply: Annotated[
        bool,
        typer.Option("--reply", help="审核后回复每封新报送邮件：通过，或附审核意见副本和说明。"),
    ] = False,
    smtp: Annotated[
        str | None, typer.Option("--smtp", metavar="主机[:端口]", help="回复用的发件服务器。")
    ] = None,
    smtp_tls: SmtpTlsOption = None,
    smtp_user: Annotated[
        str | None, typer.Option("--smtp-user", help="发件服务器的登录用户名（默认同 --user）。")
    ] = None,
    sender: Annotated[str, typer.Option("--sender", help="回复的发件地址。")] = "",
    roster: Annotated[
        Path | None, typer.Option("--roster", help="单位名单（审核时用于发现未报送的单位）。")
    ] = None,
    year: Annotated[int | None, typer.Option("--year", help="报告年度。")] = None,
    district: Annotated[str | None, typer.Option("--district", help="区（县）名称。")] = None,
    feedback: Annotated[
        Path | None,
        typer.Option("--feedback", help="审核意见的文件夹（默认为 --out 中的“审核意见”）。"),
    ] = None,
    password: Annotated[
        str | None,
        typer.Option("--password", help="审核意见副本的工作表保护密码（用下发模板时的密码）。"),
    ] = None,
    deadline: DeadlineOption = None,
    contact: ContactOption = "",
    issued: Annotated[
        Path | None,
        typer.Option("--issued", help="下发模板的文件夹（含 nianbao-key.txt），用于核验单位身份。"),
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
            password=_password(IMAP_OPTIONS.password, "报送邮箱"),
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
    app.command(
        help="按 manifest.csv 给每个单位发送填报模板（或用 --feedback 发送审核意见），附件用中文文件名。"
        "密码取自环境变量 NIANBAO_SMTP_PASSWORD，没有时提示输入。重新运行时只发送尚未发出的邮件。"
        "退出码：0 全部发出，1 有单位未能发出，2 无法运行。"
    )(send)
    app.command(
        help="从报送邮箱收取报回的报表附件（含 .zip 中的），按文件中的单位信息命名保存，同一文件只存一份；"
        "邮件不删除、默认不标为已读，重新运行时只收取新邮件。--check 审核，--reply 回复每个报送单位。"
        "密码取自环境变量 NIANBAO_IMAP_PASSWORD（回复用 NIANBAO_SMTP_PASSWORD），没有时提示输入。"
        "退出码：0 正常，1 有附件未能收取或报告有错误，2 无法运行。"
    )(collect)
