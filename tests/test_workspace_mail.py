"""The workspace's mail against real servers on 127.0.0.1 (Dovecot and aiosmtpd, tests/mailserver.py):
templates sent through the ledger's outbox, returns collected into the store with their
Message-IDs, answers queued for each report that counts; a reply server that fails leaves them
queued (`outbox` lists them) and the next run sends each once, as a reply to its message.
"""

from __future__ import annotations

import csv
import email
import json
from email import policy
from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolkit.cli.cli import app

from .mailserver import HOST, USERS, MailServers, fixtures
from .test_mail_collect import _returns_one
from .test_workspace import AGENCIES, DEADLINE, DISTRICT, YEAR, _fill, _sample_values

pytestmark = [
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]
servers, clean = fixtures()
runner = CliRunner()
SENDER = "office@example.org"
ENV = {"NIANBAO_IMAP_PASSWORD": USERS["office"], "NIANBAO_SMTP_PASSWORD": USERS["office"]}


def _nianbao(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args], env=ENV)
    return result.exit_code, result.output


def _roster(path: Path, address: str) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["单位代码", "单位名称", "联系人", "电子邮箱"])
        for code, (name, _) in AGENCIES.items():
            writer.writerow([code, name, "张三", address])
    return path


def _agency_mail(servers: MailServers) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(raw, policy=policy.default)  # type: ignore[misc]
        for raw in servers.fetch_all("agency")
    ]


def test_the_outbox_keeps_what_a_failed_server_did_not_send(
    clean: MailServers, tmp_path: Path
) -> None:
    space = tmp_path / "2023年报"
    code, out = _nianbao(
        "init", space, "--year", YEAR, "--district", DISTRICT, "--deadline", DEADLINE,
        "--roster", _roster(tmp_path / "名单.csv", clean.address("agency")),
    )  # fmt: skip
    assert code == 0, out
    smtp = ["--smtp", f"{HOST}:{clean.smtps_port}", "--user", "office", "--sender", SENDER,
            "--cafile", str(clean.cafile)]  # fmt: skip
    # The templates: one message per agency, through the outbox; a rerun sends nothing again.
    code, out = _nianbao("send", "-w", space, *smtp)
    assert code == 0, out
    assert "已排入发件箱 4 封邮件" in out and "已发送 4 封" in out
    assert len(_agency_mail(clean)) == 4
    code, out = _nianbao("send", "-w", space, *smtp)
    assert code == 0 and "已排入发件箱 0 封邮件" in out, out
    assert len(_agency_mail(clean)) == 4
    status = json.loads(_nianbao("status", "-w", space, "--json", "-")[1])
    assert all(a["sent_at"] for a in status["agencies"])

    # Two agencies answer with their filled templates; 010's has an error.
    templates = {c: next((space / "模板").glob(f"{c}-*.xlsx")) for c in AGENCIES}
    good = _fill(templates["001"], tmp_path / "001.xlsx", _sample_values("QK001"))
    bad = _fill(
        templates["010"],
        tmp_path / "010.xlsx",
        _sample_values("QK002") | {"nb_t2_licensing_decisions": -1},
    )
    clean.deliver("office", _returns_one(good.read_bytes(), 51))
    clean.deliver("office", _returns_one(bad.read_bytes(), 52))
    collect = ["collect", "-w", space, "--imap", f"{HOST}:{clean.imap_port}", "--imap-tls",
               "starttls", "--user", "office", "--check", "--reply", "--sender", SENDER,
               "--cafile", str(clean.cafile)]  # fmt: skip
    # The reply server is asked for implicit TLS on its plain port: nothing is sent.
    wrong = ["--smtp", f"{HOST}:{clean.smtp_port}", "--smtp-tls", "ssl"]
    code, out = _nianbao(*collect, *wrong)
    assert code == 1, out
    assert "存入工作区的附件 2 份" in out and "已排入发件箱 2 封邮件" in out
    assert "--smtp-tls" in out and "--imap-tls" not in out.split("已排入发件箱")[1]
    assert "发件箱中还有 2 封邮件未发出" in out
    assert len(_agency_mail(clean)) == 4 and len(list((space / "收到").glob("*/*"))) == 2
    code, out = _nianbao("outbox", "-w", space)
    assert code == 1 and out.count("→") == 2, out
    status = json.loads(_nianbao("status", "-w", space, "--json", "-")[1])
    assert status["queued"] == 2
    # Next run, no new mail, the server right: each answer once, to the message it answers.
    right = ["--smtp", f"{HOST}:{clean.smtps_port}"]
    code, out = _nianbao(*collect, *right)
    assert code == 1, out  # 010's report still has its error
    assert "新邮件 0 封" in out and "已发送 2 封" in out
    answers = {m["In-Reply-To"]: m for m in _agency_mail(clean)[4:]}
    assert sorted(answers) == ["<reply-51@client.example.org>", "<reply-52@client.example.org>"]
    assert "审核通过" in answers["<reply-51@client.example.org>"]["Subject"]
    (copy,) = list(answers["<reply-52@client.example.org>"].iter_attachments())
    assert copy.get_filename().startswith("010-")  # the issued code, zeros kept
    code, out = _nianbao(*collect, *right)
    assert "已排入发件箱 0 封邮件" in out and len(_agency_mail(clean)) == 6
    code, out = _nianbao("outbox", "-w", space)
    assert code == 0 and "没有待发送的邮件" in out
    # The stored file remembers the message it came in.
    status = json.loads(_nianbao("status", "-w", space, "--json", "-")[1])
    states = {a["code"]: a["state"] for a in status["agencies"]}
    assert states["001"] == "passed" and states["010"] == "feedback"
