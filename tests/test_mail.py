"""Mail out (issue 16) against real servers on 127.0.0.1: aiosmtpd (SMTP, plain, STARTTLS and
implicit TLS) delivering into Dovecot's Maildirs, read back over IMAP (tests/mailserver.py). No
address outside the loopback range is ever contacted: every server here is started by the test.
"""

from __future__ import annotations

import csv
import email
import time
from datetime import datetime
from email import policy
from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolkit.cli.cli import app
from toolkit.inputs.roster import read_roster
from toolkit.mail.mail_account import SMTP_PORTS, account
from toolkit.mail.mail_outbox import MailSettings, template_messages
from toolkit.mail.send import SEND_LOG, deliver, read_log
from toolkit.template.generate import generate

from .conftest import FORM
from .mailserver import HOST, USERS, MailServers, fixtures

pytestmark = [
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]
servers, clean = fixtures()
runner = CliRunner()
SENDER = "office@example.org"
ROSTER = (
    "单位代码,单位名称,联系人,电子邮箱\n"
    "QK001,区发展和改革委员会,王磊,agency@example.org\n"
    "QK002,区教育局,李娜,agency@example.org\n"
    "QK003,区科学技术局,赵敏,\n"
    "QK004,区公安分局,陈刚,refused@example.org\n"
    "QK005,区民政局,刘洋,agency@example.org\n"
)


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    """A district's templates for five agencies (two without a usable address)."""
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    out = tmp_path / "templates"
    generate(
        read_roster(roster),
        year=2025,
        out_dir=out,
        district="示范区",
        password="pw",
        generated_at=datetime(2025, 12, 1, 9, 0, 0),
        form=FORM,
    )
    return out


def _smtp(servers: MailServers, tls: str = "ssl", password: str | None = None):
    port = {"ssl": servers.smtps_port, "starttls": servers.smtp_starttls_port}.get(
        tls, servers.smtp_port
    )
    return account(
        f"{HOST}:{port}",
        option="--smtp",
        tls=tls,
        user="office",
        password=USERS["office"] if password is None else password,
        ports=SMTP_PORTS,
        cafile=servers.cafile,
    )


def _settings() -> MailSettings:
    return MailSettings(sender=SENDER, contact="区政务公开办 张敏 0371-12345678")


# ------------------------------------------------------------------------------------------------
# send
# ------------------------------------------------------------------------------------------------


def test_send_templates_arrive_byte_for_byte(clean: MailServers, templates: Path) -> None:
    """Each agency with an address gets its own template; what IMAP gives back is what was sent,
    the attachment is the template's bytes and its Chinese file name and subject decode."""
    messages = template_messages(templates, _settings(), form=FORM)
    report = deliver(messages, sender=SENDER, account=_smtp(clean), log=templates / SEND_LOG)
    sent = {item.code: item for item in report.items if item.result == "已发送"}
    assert set(sent) == {"QK001", "QK002", "QK004", "QK005"}
    assert [(i.code, i.result) for i in report.items if i.code not in sent] == [("QK003", "无地址")]
    del sent["QK004"]  # refused@ is delivered to the office's mailbox by the test server
    fetched = clean.fetch_all("agency")
    assert sorted(fetched) == sorted(item.data for item in sent.values())
    for raw in fetched:
        message = email.message_from_bytes(raw, policy=policy.default)
        code = next(c for c, item in sent.items() if item.message_id == message["Message-ID"])
        (attachment,) = list(message.iter_attachments())
        template = next(templates.glob(f"{code}-*.xlsx"))
        assert attachment.get_filename() == template.name
        assert attachment.get_content() == template.read_bytes()
        assert (
            message["Subject"]
            == f"示范区2025年度政府信息公开工作年度报告填报模板（{sent[code].name}）"
        )
        body = message.get_body(("plain",)).get_content()
        assert sent[code].name in body and "区政务公开办 张敏 0371-12345678" in body
        assert SENDER in body and template.name in body


def test_rejected_and_missing_addresses_do_not_stop_the_others(
    clean: MailServers, templates: Path
) -> None:
    """Through the command line, in plain SMTP: a temporary error after DATA, a refused recipient
    and a missing address are reported for their agencies (exit 1), everyone else's template is
    sent, and a rerun sends only the one that failed for a reason that passed; the password is
    neither printed nor logged."""
    clean.rejected.add("refused@example.org")
    clean.fail_next_data = "451 4.3.0 Try again later"  # QK001, the first message
    args = ["send", str(templates), "--smtp", f"{HOST}:{clean.smtp_port}", "--tls", "none",
            "--user", "office", "--sender", SENDER]  # fmt: skip
    env = {"NIANBAO_SMTP_PASSWORD": USERS["office"]}
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 1, result.output
    assert "--tls 已改名为 --smtp-tls（发件服务器的加密方式）" in result.output  # still works
    assert "失败 QK001" in result.output and "451" in result.output
    assert "失败 QK004" in result.output and "550" in result.output
    assert "无地址 QK003" in result.output
    assert "已发送 2 封" in result.output
    log = (templates / SEND_LOG).read_text(encoding="utf-8-sig")
    assert USERS["office"] not in log and USERS["office"] not in result.output
    rows = [(row["单位代码"], row["结果"]) for row in read_log(templates / SEND_LOG)]
    assert rows == [("QK001", "失败"), ("QK002", "已发送"), ("QK003", "无地址"),
                    ("QK004", "失败"), ("QK005", "已发送")]  # fmt: skip
    assert len(clean.fetch_all("agency")) == 2
    again = runner.invoke(app, args, env=env)
    assert again.exit_code == 1  # QK003 and QK004 still cannot be reached
    assert "已发送 1 封" in again.output and "此前已发送（跳过） 2 封" in again.output
    assert len(clean.fetch_all("agency")) == 3


def test_interrupted_run_resumes_and_only_resends_one(clean: MailServers, templates: Path) -> None:
    """A run stopped after its first message has logged it; the rerun sends only the rest, a
    third run nothing; --only sends one agency again."""
    messages = template_messages(templates, _settings(), form=FORM)
    log = templates / SEND_LOG

    def stop(item) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        deliver(messages, sender=SENDER, account=_smtp(clean, "starttls"), log=log, progress=stop)
    assert [row["单位代码"] for row in read_log(log)] == ["QK001"]
    again = deliver(messages, sender=SENDER, account=_smtp(clean, "starttls"), log=log)
    assert [i.code for i in again.items if i.result == "已发送"] == ["QK002", "QK004", "QK005"]
    assert [i.code for i in again.items if i.result == "此前已发送"] == ["QK001"]
    third = deliver(messages, sender=SENDER, account=_smtp(clean, "starttls"), log=log)
    assert not [i for i in third.items if i.result == "已发送"]
    only = deliver(
        messages, sender=SENDER, account=_smtp(clean, "starttls"), log=log, only=["qk002"]
    )
    assert [(i.code, i.result) for i in only.items] == [("QK002", "已发送")]
    subjects = sorted(
        email.message_from_bytes(raw, policy=policy.default)["Subject"].split("（")[-1]
        for raw in clean.fetch_all("agency")
    )
    assert subjects == sorted(["区发展和改革委员会）", "区教育局）", "区教育局）", "区民政局）"])


def test_wrong_password_stops_with_exit_2(clean: MailServers, templates: Path) -> None:
    result = runner.invoke(
        app,
        [
            "send",
            str(templates),
            "--smtp",
            f"{HOST}:{clean.smtps_port}",
            "--user",
            "office",
            "--sender",
            SENDER,
            "--cafile",
            str(clean.cafile),
        ],
        env={"NIANBAO_SMTP_PASSWORD": "not-the-password"},
    )
    assert result.exit_code == 2
    assert "发件服务器" in result.output and "拒绝登录" in result.output
    assert "--user" in result.output and "NIANBAO_SMTP_PASSWORD" in result.output
    assert "not-the-password" not in result.output
    assert not clean.fetch_all("agency")


def test_a_wrong_smtp_tls_is_named(clean: MailServers, templates: Path) -> None:
    """Implicit TLS against the plain port: exit 2, naming the 发件 server's --smtp and
    --smtp-tls (send has no other server); nothing is sent or logged as sent."""
    args = ["send", str(templates), "--smtp", f"{HOST}:{clean.smtp_port}", "--smtp-tls", "ssl",
            "--user", "office", "--sender", SENDER]  # fmt: skip
    result = runner.invoke(app, args, env={"NIANBAO_SMTP_PASSWORD": USERS["office"]})
    assert result.exit_code == 2, result.output
    assert "无法连接发件服务器" in result.output and "加密连接失败" in result.output
    assert "--smtp（" in result.output and "--smtp-tls（" in result.output
    assert "--imap" not in result.output and "改名" not in result.output
    assert not clean.received
    assert not [r for r in read_log(templates / SEND_LOG) if r["结果"] == "已发送"]


def test_dry_run_writes_one_eml_per_agency(tmp_path: Path, templates: Path) -> None:
    out = tmp_path / "eml"
    result = runner.invoke(app, ["send", str(templates), "--sender", SENDER, "--dry-run", str(out)])
    assert result.exit_code == 1  # QK003 has no address
    files = sorted(p.name for p in out.glob("*.eml"))
    assert len(files) == 4 and files[0].startswith("QK001-区发展和改革委员会")
    message = email.message_from_bytes((out / files[0]).read_bytes(), policy=policy.default)
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == next(templates.glob("QK001-*.xlsx")).name
    assert not (templates / SEND_LOG).exists()  # a dry run sends nothing and logs nothing
    next(templates.glob("QK002-*.xlsx")).unlink()  # a template the office deleted by mistake
    again = runner.invoke(app, ["send", str(templates), "--sender", SENDER, "--dry-run", str(out)])
    assert (
        again.exit_code == 1
        and "失败 QK002 区教育局 <agency@example.org>：找不到文件" in again.output
    )
    with (templates / "manifest.csv").open(encoding="utf-8-sig") as handle:
        assert len(list(csv.DictReader(handle))) == 5


def test_rate_spaces_the_messages(clean: MailServers, templates: Path) -> None:
    messages = [m for m in template_messages(templates, _settings(), form=FORM) if m.address]
    started = time.monotonic()
    report = deliver(messages, sender=SENDER, account=_smtp(clean), rate=300)  # one per 0.2 s
    assert report.count("已发送") == 4
    assert time.monotonic() - started >= 0.6
