"""Mail in (issue 16) against real servers on 127.0.0.1: replies built here as common Chinese mail
clients write them, put into Dovecot's Maildir and fetched over IMAP; the reply loop answers over
aiosmtpd (tests/mailserver.py). No address outside the loopback range is ever contacted.
"""

from __future__ import annotations

import base64
import email
import io
import re
import socket
import zipfile
from email import policy
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pytest
from typer.testing import CliRunner

from toolkit.cli.cli import app
from toolkit.mail.collect import collect_mail, read_collect_log
from toolkit.mail.mail_account import IMAP_PORTS, account
from toolkit.mail.send import read_log

from .conftest import FORM, SAMPLES
from .mailserver import HOST, USERS, MailServers, fixtures

pytestmark = [
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]
servers, clean = fixtures()
runner = CliRunner()
SENDER = "office@example.org"


RETURNED = SAMPLES / "returned"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sample(code: str) -> Path:
    return next(RETURNED.glob(f"{code}-*.xlsx"))


def _reply(sender: str, subject: bytes, parts: list[tuple[bytes, bytes]], stamp: int = 0) -> bytes:
    """A reply as a mail client makes it: `parts` are (raw MIME headers, content) with the
    headers written exactly as the test gives them (8-bit bytes, RFC 2047, RFC 2231 …)."""
    boundary = b"----=_Part_%d" % stamp
    out = [
        b"From: =?GBK?B?"
        + base64.b64encode("填报人".encode("gbk"))
        + b"?= <"
        + sender.encode()
        + b">",
        b"To: office@example.org",
        b"Subject: " + subject,
        b"Date: Mon, 15 Jan 2024 10:%02d:00 +0800" % stamp,
        b"Message-ID: <reply-%d@client.example.org>" % stamp,
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/mixed; boundary="' + boundary + b'"',
        b"",
        b"--" + boundary,
        b"Content-Type: text/plain; charset=GBK",
        b"Content-Transfer-Encoding: base64",
        b"",
        base64.encodebytes("报表见附件。".encode("gbk")).strip(),
    ]
    for headers, content in parts:
        out += [b"--" + boundary, headers, b"Content-Transfer-Encoding: base64", b""]
        out.append(base64.encodebytes(content).replace(b"\n", b"\r\n").rstrip())
    out.append(b"--" + boundary + b"--")
    return b"\r\n".join(out) + b"\r\n"


class _GbkName(zipfile.ZipInfo):
    """A member named in GBK without the UTF-8 flag, as Windows' built-in compressor writes it."""

    __slots__ = ()

    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def _gbk_zip(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = _GbkName(name, date_time=(2024, 1, 15, 10, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, data)
    assert zipfile.ZipFile(io.BytesIO(buffer.getvalue())).infolist()[0].flag_bits & 0x800 == 0
    return buffer.getvalue()


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("报表.xlsx", b"\0" * (5 * 1024 * 1024))
    return buffer.getvalue()


def _b64word(text: str, charset: str) -> bytes:
    return b"=?" + charset.encode() + b"?B?" + base64.b64encode(text.encode(charset)) + b"?="


def _returns(servers: MailServers) -> dict[str, bytes]:
    """Replies from common Chinese clients' encodings, delivered to the collection mailbox."""
    agency = "agency@example.org"
    qk001, qk002, qk003, qk004 = (
        _sample(c).read_bytes() for c in ("QK001", "QK002", "QK003", "QK004")
    )
    gbk_name = _b64word("区发展和改革委员会年报.xlsx", "gbk")
    messages = {
        # Foxmail / Outlook: RFC 2047 in GBK inside the quotes, in both headers.
        "rfc2047-gbk": _reply(agency, _b64word("回复：年报", "gbk"), [
            (b'Content-Type: ' + XLSX.encode() + b'; name="' + gbk_name + b'"\r\n'
             b'Content-Disposition: attachment; filename="' + gbk_name + b'"', qk001),
        ], 1),
        # An old client: the GB18030 bytes themselves (one character only GB18030 has).
        "raw-gb18030": _reply(agency, "年报".encode("gb18030"), [
            (b'Content-Type: application/octet-stream\r\nContent-Disposition: attachment; '
             b'filename="' + "区教育局䶮年报.xlsx".encode("gb18030") + b'"', qk002),
        ], 2),
        # RFC 2231 with the GBK charset, continued over two lines.
        "rfc2231-gbk": _reply(agency, b"report", [
            (b"Content-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n"
             b" filename*0*=GBK''" + quote("报表".encode("gbk")).encode() + b";\r\n"
             b" filename*1*=" + quote("（科技局）.xlsx".encode("gbk")).encode(), qk003),
        ], 3),
        # A zip made on Chinese Windows (member name in GBK) and a file that is not a report.
        "zip": _reply(agency, b"zip", [
            (b'Content-Type: application/x-zip-compressed; name="' + _b64word("年报.zip", "gb2312") + b'"',
             _gbk_zip("区公安分局年报.xlsx", qk004)),
            (b'Content-Type: application/pdf; name="scan.pdf"', b"%PDF-1.4 not a report"),
        ], 4),
        # The same attachment again, in nianbao's own encoding (RFC 2231 UTF-8 + RFC 2047).
        "duplicate": _reply(agency, b"again", [
            (b'Content-Type: ' + XLSX.encode() + b'; name="' + _b64word("again.xlsx", "utf-8") + b'"\r\n'
             b"Content-Disposition: attachment; filename*=UTF-8''" + quote("再次报送.xlsx").encode(), qk001),
        ], 5),
        "no-workbook": _reply(agency, _b64word("请问截止日期", "utf-8"), [
            (b'Content-Type: image/png; name="logo.png"', b"\x89PNG not a report"),
        ], 6),
        "oversized": _reply(agency, b"big", [
            (b'Content-Type: ' + XLSX.encode() + b'; name="big.xlsx"', qk001 + b"\0" * (3 * 1024 * 1024)),
        ], 7),
        "zip-bomb": _reply(agency, b"bomb", [
            (b'Content-Type: application/zip; name="bomb.zip"', _bomb()),
        ], 8),
    }  # fmt: skip
    for raw in messages.values():
        servers.deliver("office", raw)
    return messages


def _imap_office(servers: MailServers):
    return account(
        f"{HOST}:{servers.imaps_port}",
        option="--imap",
        tls="ssl",
        user="office",
        password=USERS["office"],
        ports=IMAP_PORTS,
        cafile=servers.cafile,
    )


def test_collect_saves_each_report_once_under_its_agency(
    clean: MailServers, tmp_path: Path
) -> None:
    _returns(clean)
    out = tmp_path / "returned"
    report = collect_mail(_imap_office(clean), out, limit=2 * 1024 * 1024, form=FORM)
    assert report.messages == 8
    by_result: dict[str, list] = {}
    for item in report.items:
        by_result.setdefault(item.result, []).append(item)
    saved = {item.agency_code: item for item in by_result["已保存"]}
    assert set(saved) == {"QK001", "QK002", "QK003", "QK004"}
    names = {code: item.attachment for code, item in saved.items()}
    assert names == {
        "QK001": "区发展和改革委员会年报.xlsx",
        "QK002": "区教育局䶮年报.xlsx",
        "QK003": "报表（科技局）.xlsx",
        "QK004": "年报.zip/区公安分局年报.xlsx",
    }
    for code, item in saved.items():  # named from _meta, byte for byte what the agency sent
        assert item.path.name.startswith(f"{code}-{_sample(code).name.split('-')[1]}-20240115-")
        assert item.path.read_bytes() == _sample(code).read_bytes()
    assert [i.note for i in by_result["重复"]] == [f"与已保存的 {saved['QK001'].path.name} 相同"]
    assert [i.subject for i in by_result["无报表"]] == ["请问截止日期"]
    assert [i.attachment for i in by_result["过大"]] == ["big.xlsx"]
    assert [i.attachment for i in by_result["无法读取"]] == ["bomb.zip"]
    assert all(i.sender == "agency@example.org" for i in report.items)
    assert report.exit_code == 1  # something could not be taken: the clerk should look
    assert sorted(p.name for p in out.glob("*.xlsx")) == sorted(i.path.name for i in saved.values())
    rows = read_collect_log(out / "收取记录.csv")
    assert len(rows) == len(report.items)
    assert {r["Message-ID"] for r in rows} >= {
        f"<reply-{n}@client.example.org>" for n in range(1, 9)
    }
    assert all(r["UIDVALIDITY"].isdigit() and r["UID"].isdigit() for r in rows)
    # Nothing was marked or deleted; a rerun fetches nothing; a new message is fetched alone.
    assert all(b"\\Seen" not in flags for flags in clean.flags("office"))
    assert collect_mail(_imap_office(clean), out, form=FORM).messages == 0
    clean.deliver("office", _returns_one(_sample("QK005").read_bytes(), 9))
    again = collect_mail(_imap_office(clean), out, mark_seen=True, form=FORM)
    assert [(i.agency_code, i.result) for i in again.items] == [("QK005", "已保存")]
    assert sum(b"\\Seen" in flags for flags in clean.flags("office")) == 1


def _returns_one(data: bytes, stamp: int, sender: str = "agency@example.org") -> bytes:
    return _reply(
        sender, b"report", [(b"Content-Type: " + XLSX.encode() + b'; name="r.xlsx"', data)], stamp
    )


def test_collect_check_reply_loop(clean: MailServers, tmp_path: Path) -> None:
    """collect --check --reply answers each sender: 通过 for a valid report, the annotated copy and
    its text for one with errors, each as a reply to the message it came in; a rerun answers
    nothing again; send --feedback --only resends one agency's feedback."""
    clean.deliver("office", _returns_one(_sample("QK001").read_bytes(), 11))
    clean.deliver("office", _returns_one((RETURNED / "invalid" / "blank.xlsx").read_bytes(), 12))
    out = tmp_path / "returned"
    args = ["collect", "--imap", f"{HOST}:{clean.imap_port}", "--imap-tls", "starttls", "--user", "office",
            "--out", str(out), "--check", "--reply", "--smtp", f"{HOST}:{clean.smtps_port}",
            "--sender", SENDER, "--year", "2023", "--district", "示范区", "--cafile", str(clean.cafile),
            "--contact", "区政务公开办 张敏 0371-12345678", "--deadline", "2024-01-20"]  # fmt: skip
    env = {"NIANBAO_IMAP_PASSWORD": USERS["office"], "NIANBAO_SMTP_PASSWORD": USERS["office"]}
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 1, result.output  # blank.xlsx has errors
    assert "已发送 2 封" in result.output
    assert USERS["office"] not in result.output
    answers = {}
    for raw in clean.fetch_all("agency"):
        message = email.message_from_bytes(raw, policy=policy.default)
        answers[message["In-Reply-To"]] = message
    passed = answers["<reply-11@client.example.org>"]
    assert "审核通过" in passed["Subject"] and "区发展和改革委员会" in passed["Subject"]
    assert not list(passed.iter_attachments())
    failed = answers["<reply-12@client.example.org>"]
    assert "审核意见" in failed["Subject"]
    (copy,) = list(failed.iter_attachments())
    assert copy.get_filename().startswith("YS001-") and copy.get_filename().endswith(
        "-审核意见.xlsx"
    )
    feedback = out / "审核意见"
    assert copy.get_content() == next(feedback.glob("YS001-*-审核意见.xlsx")).read_bytes()
    body = failed.get_body(("plain",)).get_content()
    assert (
        body.replace("\r\n", "\n").strip()
        == (feedback / "YS001.txt").read_text(encoding="utf-8").replace("\r\n", "\n").strip()
    )
    # A rerun: no new message, no new answer.
    again = runner.invoke(app, args, env=env)
    assert (
        "新邮件 0 封" in again.output
        and "已发送" not in again.output.split("回复")[-1].split("；")[0]
    )
    assert len(clean.fetch_all("agency")) == 2
    # send --feedback: the same answer again for one agency, still a reply to its message.
    resend = runner.invoke(
        app,
        [
            "send",
            "--feedback",
            str(feedback),
            "--collected",
            str(out),
            "--only",
            "YS001",
            "--smtp",
            f"{HOST}:{clean.smtps_port}",
            "--user",
            "office",
            "--sender",
            SENDER,
            "--cafile",
            str(clean.cafile),
        ],
        env=env,
    )
    assert resend.exit_code == 0, resend.output
    fetched = [
        email.message_from_bytes(r, policy=policy.default) for r in clean.fetch_all("agency")
    ]
    assert [m["In-Reply-To"] for m in fetched].count("<reply-12@client.example.org>") == 2


def test_collect_refuses_what_it_cannot_do(clean: MailServers, tmp_path: Path) -> None:
    """No password, a TLS mode the port does not speak, a folder that does not exist: exit 2 with
    a Chinese reason; --since after every message fetches nothing (plain IMAP, --tls none)."""
    clean.deliver("office", _returns_one(_sample("QK001").read_bytes(), 21))
    base = [
        "collect",
        "--user",
        "office",
        "--out",
        str(tmp_path / "out"),
        "--cafile",
        str(clean.cafile),
    ]
    plain = ["--imap", f"{HOST}:{clean.imap_port}", "--tls", "none"]
    env = {"NIANBAO_IMAP_PASSWORD": USERS["office"]}
    result = runner.invoke(app, [*base, *plain], env={"NIANBAO_IMAP_PASSWORD": ""})
    assert result.exit_code == 2 and "NIANBAO_IMAP_PASSWORD" in result.output
    result = runner.invoke(
        app, [*base, "--imap", f"{HOST}:{clean.imap_port}", "--tls", "ssl"], env=env
    )
    assert result.exit_code == 2 and "加密连接失败" in result.output
    result = runner.invoke(app, [*base, *plain, "--folder", "报送箱"], env=env)
    assert result.exit_code == 2 and "无法打开邮箱文件夹“报送箱”" in result.output
    result = runner.invoke(app, [*base, *plain, "--since", "2999-01-01"], env=env)
    assert result.exit_code == 0 and "新邮件 0 封" in result.output
    result = runner.invoke(app, [*base, *plain], env=env)
    assert result.exit_code == 0 and "新邮件 1 封，保存报表 1 份" in result.output


def test_collect_keeps_foreign_workbooks_for_the_clerk(clean: MailServers, tmp_path: Path) -> None:
    """A spreadsheet that is not one of the templates is saved as 未识别 for the clerk to look at;
    a broken zip is logged and skipped; --check on a folder with nothing yet does not fail."""
    out = tmp_path / "out"
    imap = ["collect", "--imap", f"{HOST}:{clean.imaps_port}", "--user", "office", "--out",
            str(out), "--cafile", str(clean.cafile), "--check"]  # fmt: skip
    env = {"NIANBAO_IMAP_PASSWORD": USERS["office"]}
    empty = runner.invoke(app, imap, env=env)
    assert empty.exit_code == 0 and "新邮件 0 封" in empty.output, empty.output
    foreign = io.BytesIO()
    openpyxl.Workbook().save(foreign)
    clean.deliver("office", _returns_one(foreign.getvalue(), 31))
    clean.deliver("office", _reply("agency@example.org", b"zip", [
        (b'Content-Type: application/zip; name="broken.zip"', b"PK\x03\x04 not really a zip"),
    ], 32))  # fmt: skip
    report = collect_mail(_imap_office(clean), out, form=FORM)
    results = [(i.attachment, i.result) for i in report.items]
    assert results == [("r.xlsx", "已保存（未识别单位）"), ("broken.zip", "无法读取")]
    (saved,) = report.saved
    assert saved.path.name.startswith("未识别-20240115-") and saved.path.name.endswith("-r.xlsx")
    assert saved.path.read_bytes() == foreign.getvalue()
    assert report.exit_code == 1


# ------------------------------------------------------------------------------------------------
# Replies that cannot be lost (issue 21, part 5), and one TLS option per server
# ------------------------------------------------------------------------------------------------


def _resaved(data: bytes, modified: str) -> bytes:
    """The same report saved again later (its core.xml says when): other bytes, same figures."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            part = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                part = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + modified.encode(), part
                )
            target.writestr(info, part)
    return out.getvalue()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


def _sent(servers: MailServers) -> dict[str, tuple[list[str], email.message.EmailMessage]]:
    """What the SMTP server accepted, by the message it answers: (envelope recipients, message)."""
    found = {}
    for _, recipients, data in servers.received:
        message = email.message_from_bytes(data, policy=policy.default)
        assert message["In-Reply-To"] not in found, "an answer sent twice"
        found[message["In-Reply-To"]] = (recipients, message)
    return found


def test_replies_left_pending_by_a_failed_smtp_are_sent_by_the_next_run(
    clean: MailServers, tmp_path: Path
) -> None:
    """The reply's SMTP fails (a wrong --smtp-tls, then nothing listening): the reports are stored
    and checked, the answers left pending (exit 1, not 2) with the reason naming the SMTP options
    only; a report replaced meanwhile is not answered, its replacement is. The next run, with no
    new mail, sends every pending answer once, to its sender, as a reply to its message; a run
    after that sends nothing."""
    qk001, qk002 = (_sample(c).read_bytes() for c in ("QK001", "QK002"))
    # Another sender (the test server delivers it into the agency's mailbox too, by local part).
    clean.deliver("office", _returns_one(qk001, 41, sender="Agency@example.org"))
    clean.deliver("office", _returns_one(qk002, 42))
    out = tmp_path / "returned"
    imap = ["collect", "--imap", f"{HOST}:{clean.imap_port}", "--imap-tls", "starttls",
            "--user", "office", "--out", str(out), "--check", "--reply", "--sender", SENDER,
            "--year", "2023", "--district", "示范区", "--cafile", str(clean.cafile)]  # fmt: skip
    env = {"NIANBAO_IMAP_PASSWORD": USERS["office"], "NIANBAO_SMTP_PASSWORD": USERS["office"]}
    # Implicit TLS against the plain SMTP port.
    wrong_tls = ["--smtp", f"{HOST}:{clean.smtp_port}", "--smtp-tls", "ssl"]
    first = runner.invoke(app, [*imap, *wrong_tls], env=env)
    assert first.exit_code == 1, first.output
    assert "新邮件 2 封，保存报表 2 份" in first.output
    (failed,) = [line for line in first.output.splitlines() if "未能发出" in line]
    assert failed.startswith("2 封回复未能发出，下次运行 collect --reply 时会补发。"), failed
    assert "发件服务器" in failed and "--smtp-tls（" in failed and "--smtp（" in failed
    assert "--imap" not in failed and "收件" not in failed
    assert len(list(out.glob("QK00*.xlsx"))) == 2 and not clean.received
    assert USERS["office"] not in first.output
    # Meanwhile QK002 sends its report again (saved later) and YS001 one with errors; the
    # SMTP server cannot be reached at all.
    clean.deliver("office", _returns_one(_resaved(qk002, "2024-01-10T09:00:00Z"), 43))
    clean.deliver("office", _returns_one((RETURNED / "invalid" / "blank.xlsx").read_bytes(), 44))
    refused = ["--smtp", f"{HOST}:{_closed_port()}", "--smtp-tls", "none"]
    second = runner.invoke(app, [*imap, *refused], env=env)
    assert second.exit_code == 1, second.output
    assert "新邮件 2 封" in second.output
    assert "3 封回复未能发出" in second.output and "连接被拒绝" in second.output
    assert not clean.received
    # SMTP works again; no new mail: the three pending answers go out, each once.
    working = ["--smtp", f"{HOST}:{clean.smtps_port}"]
    third = runner.invoke(app, [*imap, *working], env=env)
    assert "新邮件 0 封" in third.output and "已发送 3 封" in third.output, third.output
    assert "未能发出" not in third.output
    assert third.exit_code == 1  # YS001's report has errors
    sent = _sent(clean)
    assert set(sent) == {f"<reply-{n}@client.example.org>" for n in (41, 43, 44)}
    for answered, (recipient, kind) in {
        41: ("Agency@example.org", "审核通过"),
        43: ("agency@example.org", "审核通过"),
        44: ("agency@example.org", "审核意见"),
    }.items():
        recipients, message = sent[f"<reply-{answered}@client.example.org>"]
        assert recipients == [recipient] and message["To"] == recipient
        assert kind in message["Subject"]
    assert "区教育局" in sent["<reply-43@client.example.org>"][1]["Subject"]
    rows = read_log(out / "审核意见" / "发送记录.csv")
    assert [r["结果"] for r in rows] == ["已发送"] * 3
    # Nothing is pending any more: a fourth run sends nothing.
    fourth = runner.invoke(app, [*imap, *working], env=env)
    assert "新邮件 0 封" in fourth.output and "没有要发送的邮件" in fourth.output, fourth.output
    assert len(clean.received) == 3
    # A log as the first release wrote it (digests of the text, not of the report answered):
    # an answer of the kind sent after the report came in counts as its answer.
    log = out / "审核意见" / "发送记录.csv"
    text = log.read_text(encoding="utf-8-sig")
    for row in rows:
        text = text.replace(row["附件sha256"], "0" * 64)
    log.write_text(text, encoding="utf-8-sig")
    fifth = runner.invoke(app, [*imap, *working], env=env)
    assert "没有要发送的邮件" in fifth.output and len(clean.received) == 3, fifth.output


def test_each_server_error_names_its_own_options(clean: MailServers, tmp_path: Path) -> None:
    """A wrong --imap-tls is named as the 收件 server's, never with --smtp options; the login
    names the user option and the password variable; --tls still sets the IMAP mode, with a
    note naming --imap-tls, and cannot contradict --imap-tls."""
    base = ["collect", "--user", "office", "--out", str(tmp_path / "out"), "--cafile",
            str(clean.cafile), "--imap", f"{HOST}:{clean.imap_port}"]  # fmt: skip
    env = {"NIANBAO_IMAP_PASSWORD": USERS["office"]}
    wrong = runner.invoke(app, [*base, "--imap-tls", "ssl"], env=env)
    assert wrong.exit_code == 2, wrong.output
    assert "无法连接收件服务器" in wrong.output and "加密连接失败" in wrong.output
    assert "--imap-tls" in wrong.output and "--imap（" in wrong.output
    assert "--smtp" not in wrong.output and "改名" not in wrong.output
    login = runner.invoke(
        app, [*base, "--imap-tls", "none"], env={"NIANBAO_IMAP_PASSWORD": "not-the-password"}
    )
    assert login.exit_code == 2 and "收件服务器" in login.output and "拒绝登录" in login.output
    assert "--user" in login.output and "NIANBAO_IMAP_PASSWORD" in login.output
    assert "not-the-password" not in login.output
    legacy = runner.invoke(app, [*base, "--tls", "none"], env=env)
    assert legacy.exit_code == 0 and "新邮件 0 封" in legacy.output, legacy.output
    assert "--tls 已改名为 --imap-tls（收件服务器的加密方式）" in legacy.output
    both = runner.invoke(app, [*base, "--tls", "none", "--imap-tls", "ssl"], env=env)
    assert both.exit_code == 2 and "--imap-tls" in both.output
    same = runner.invoke(app, [*base, "--tls", "none", "--imap-tls", "none"], env=env)
    assert same.exit_code == 0, same.output
    bad = runner.invoke(app, [*base, "--imap-tls", "tls"], env=env)
    assert bad.exit_code == 2 and "--imap-tls 只能是 ssl、starttls、none" in bad.output
    helped = runner.invoke(app, ["collect", "--help"], env={"COLUMNS": "200"})
    assert "--imap-tls" in helped.output and "--smtp-tls" in helped.output
    assert "--tls " not in helped.output
