"""Hostile mail (issue 27, part 3 and the mail share of part 6): messages an attacker, or an
agency's broken client, puts into the collection mailbox, fetched from a real Dovecot on 127.0.0.1
(tests/mailserver.py), and the headers nianbao writes for its answers.

Each kind is a message built here byte by byte, delivered before a genuine report: the hostile one
becomes one logged row with a Chinese reason, the genuine one after it is still collected, a rerun
never stops on the hostile one again, the command's CPU time and memory are measured in a
subprocess (tests/hostile_run.py), nothing is written outside the output folder, and every name
that reaches the terminal or the log is inert (no control, escape or bidi character).
"""

from __future__ import annotations

import base64
import email
import re
from email import policy
from pathlib import Path

import pytest

from toolkit.inputs.roster import Agency
from toolkit.mail import collect as collect_module
from toolkit.mail.collect import collect_mail, read_collect_log
from toolkit.mail.mail_account import IMAP_PORTS, account
from toolkit.mail.mail_message import build_message, clean_message_id, normal_address, valid_address

from .conftest import FORM, SAMPLES
from .hostile_run import MAX_RSS, MAX_SECONDS, csv_cells, hashes, run_cli, sane
from .mailserver import HOST, USERS, MailServers, fixtures

pytestmark = [
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]
servers, clean = fixtures()

XLSX = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AGENCY = "agency@example.org"
REFUSED = "无法读取"
# What must never reach a terminal or the log: C0/C1 controls (ESC, NUL …) and bidi overrides.
UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _sample(code: str) -> bytes:
    return next((SAMPLES / "returned").glob(f"{code}-*.xlsx")).read_bytes()


def _message(headers: list[bytes], body: bytes, *, sender: bytes | None = None) -> bytes:
    top = [
        b"From: " + (sender if sender is not None else AGENCY.encode()),
        b"To: office@example.org",
        b"Subject: report",
        b"Date: Mon, 15 Jan 2024 10:00:00 +0800",
        b"MIME-Version: 1.0",
    ]
    if not any(h.lower().startswith(b"message-id:") for h in headers):
        top.append(b"Message-ID: <hostile@client.example.org>")
    return b"\r\n".join(top + headers) + b"\r\n\r\n" + body


def _with(parts: list[tuple[bytes, bytes]], *, headers: list[bytes] = (), **kw) -> bytes:
    """A multipart/mixed message whose parts are (raw part headers, content, base64-encoded)."""
    body = b""
    for head, content in parts:
        body += b"--B\r\n" + head + b"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        body += base64.encodebytes(content).replace(b"\n", b"\r\n")
    body += b"--B--\r\n"
    return _message([*headers, b'Content-Type: multipart/mixed; boundary="B"'], body, **kw)


def _report(code: str = "QK001", sender: bytes | None = None, message_id: bytes = b"") -> bytes:
    head = b"Content-Type: " + XLSX + b'; name="r.xlsx"'
    headers = [b"Message-ID: " + message_id] if message_id else []
    return _with([(head, _sample(code))], headers=headers, sender=sender)


def _nested(depth: int) -> bytes:
    body = b"".join(
        b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n' % (i, i)
        for i in range(1, depth)
    )
    body += b"Content-Type: text/plain\r\n\r\nhi\r\n"
    body += b"".join(b"--n%d--\r\n" % i for i in reversed(range(1, depth)))
    return _message(
        [b'Content-Type: multipart/mixed; boundary="n0"'], b"--n0\r\n" + body + b"--n0--\r\n"
    )


def _many_attachments(count: int) -> bytes:
    head = b'Content-Type: application/vnd.ms-excel; name="a.xls"'
    return _with([(head, b"not a workbook")] * count)


def _b64word(text: str, charset: str = "utf-8") -> bytes:
    return b"=?" + charset.encode() + b"?B?" + base64.b64encode(text.encode(charset)) + b"?="


NASTY_NAME = "年报\x00\x1b]52;c;ZXZpbA==\x07\x1b[2J\u202egpj.xlsx"

# kind → (message, the Chinese words its row must carry, the result of its row)
KINDS: dict[str, tuple[bytes, str, str]] = {
    "nested-3000-deep": (_nested(3000), "嵌套部分超过", REFUSED),
    "nested-30-deep": (_nested(30), "嵌套部分超过 20 层", REFUSED),
    # the first 50 are taken (each unidentified: they are not workbooks), the rest refused
    "ten-thousand-attachments": (_many_attachments(10_000), "报表附件超过 50 个", ""),
    "name-with-escapes": (
        _with([(b"Content-Type: " + XLSX + b"; name*=UTF-8''"
                + "".join(f"%{b:02X}" for b in NASTY_NAME.encode()).encode(), b"PK broken")]),
        "",
        "",
    ),
    "subject-and-message-id-with-escapes": (
        _with([(b"Content-Type: image/png; name=\"x.png\"", b"png")],
              headers=[b"Message-ID: " + _b64word("<\x1b]0;x\x07@\u202eevil>"),
                       b"Subject: " + _b64word("年报\x1b[31m\u202e")]),
        "邮件中没有报表附件",
        "无报表",
    ),
    "non-ascii-message-id": (
        _with([(b"Content-Type: image/png; name=\"x.png\"", b"png")],
              headers=["Message-ID: <报告@例子.中国>".encode()]),
        "邮件中没有报表附件",
        "无报表",
    ),
    "unknown-charset-name": (
        _with([(b'Content-Type: application/octet-stream; name="=?x-no-such?B?' +
                base64.b64encode(b"\xff\xfe") + b'?=.xlsx"', b"PK broken")]),
        "",
        "",
    ),
    "broken-rfc2231-name": (
        _with([(b"Content-Type: " + XLSX + b"; name*=x-bad''%ff%fe%zz.xlsx", b"PK broken")]),
        "",
        "",
    ),
    "date-overflow": (
        _message([b"Date: Mon, 15 Jan 999999999999 99:99:99 +9999"], b"hello"),
        "邮件中没有报表附件",
        "无报表",
    ),
    "no-closing-boundary": (
        _message([b'Content-Type: multipart/mixed; boundary="B"'],
                 b"--B\r\nContent-Type: " + XLSX + b'; name="r.xlsx"\r\n'
                 b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!"),
        "",
        "",
    ),
    # a path in the name: only its last part is kept, and the file is written in the folder
    "path-in-name": (
        _with([(b"Content-Type: " + XLSX + b'; name="../../../tmp/evil.xlsx"', _sample("QK005"))]),
        "",
        "已保存",
    ),
    "huge-subject": (
        _message([b"Subject: " + b"=?UTF-8?B?" + base64.b64encode("年".encode() * 30) + b"?="
                  + b" x" * 200_000], b"hello"),
        "邮件中没有报表附件",
        "无报表",
    ),
}  # fmt: skip


def _imap(servers: MailServers):
    return account(
        f"{HOST}:{servers.imaps_port}",
        option="--imap",
        tls="ssl",
        user="office",
        password=USERS["office"],
        ports=IMAP_PORTS,
        cafile=servers.cafile,
    )


def _messages(servers: MailServers) -> list[str]:
    """The messages in the mailbox, byte for byte (Dovecot's own index files change on reading;
    a message moves from new/ to cur/)."""
    root = servers.maildir("office")
    found = {**hashes(root / "new"), **hashes(root / "cur")} if root.exists() else {}
    return sorted(found.values())


def _collect_args(servers: MailServers, out: Path) -> list[str]:
    return ["collect", "--imap", f"{HOST}:{servers.imaps_port}", "--imap-tls", "ssl",
            "--user", "office", "--out", str(out), "--cafile", str(servers.cafile)]  # fmt: skip


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_hostile_message_is_one_row_and_the_next_report_still_comes(
    kind: str, clean: MailServers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw, words, result = KINDS[kind]
    clean.deliver("office", raw)
    clean.deliver("office", _report("QK002"))
    out = tmp_path / "out"
    before = _messages(clean)
    monkeypatch.setenv("NIANBAO_IMAP_PASSWORD", USERS["office"])
    run = run_cli(_collect_args(clean, out), process=True, limit=120)
    sane(run)
    assert run.exit in (0, 1), run.output
    assert run.seconds < MAX_SECONDS and run.rss < MAX_RSS, (run.seconds, run.rss)
    assert not UNSAFE.search(run.output), repr(run.output)
    rows = read_collect_log(out / "收取记录.csv")
    hostile = [r for r in rows if r["UID"] == "1"]
    assert hostile, rows
    if words:
        assert any(words in r["说明"] for r in hostile), hostile
        assert words in run.output
    if result:
        assert {r["结果"] for r in hostile} == {result}
    if result == REFUSED or kind == "ten-thousand-attachments":
        assert run.exit == 1
    genuine = [r for r in rows if r["UID"] == "2"]
    assert [(r["单位代码"], r["结果"]) for r in genuine] == [("QK002", "已保存")]
    assert not any(UNSAFE.search(cell) for cell in csv_cells(out)), csv_cells(out)
    # Nothing outside the output folder; the mailbox unchanged; names inert in the folder too.
    assert not list(tmp_path.glob("*")) or {p.name for p in tmp_path.iterdir()} == {"out"}
    assert _messages(clean) == before
    assert not any(UNSAFE.search(p.name) for p in out.rglob("*"))
    assert all(len(r["主题"]) <= 200 for r in rows)
    # The position is recorded: a rerun fetches nothing and says so, without an error.
    again = run_cli(_collect_args(clean, out), process=True, limit=120)
    sane(again)
    assert again.exit == 0 and "新邮件 0 封" in again.output, again.output


def test_nested_message_is_reported_once_then_skipped(clean: MailServers, tmp_path: Path) -> None:
    """Issue 27: a 3,000-deep message ended in 内部错误 every run and nothing after it was ever
    collected. Now: one row, the later report saved, and the next run starts after both."""
    clean.deliver("office", _nested(3000))
    clean.deliver("office", _report("QK003"))
    out = tmp_path / "out"
    first = collect_mail(_imap(clean), out, form=FORM)
    assert [(i.uid, i.result) for i in first.items] == [(1, REFUSED), (2, "已保存")]
    assert first.exit_code == 1
    clean.deliver("office", _report("QK004"))
    second = collect_mail(_imap(clean), out, form=FORM)
    assert [(i.uid, i.agency_code) for i in second.items] == [(3, "QK004")]


def test_a_broken_decoder_costs_only_its_message(
    clean: MailServers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever fails inside one message (here the parser itself, made to fail) is that message's
    row, 无法读取 with the reason; the run goes on, and the position is kept."""
    clean.deliver("office", _report("QK001"))
    clean.deliver("office", _report("QK002"))
    real = collect_module.parse_message
    calls = []

    def fails_once(raw: bytes):
        calls.append(raw)
        if len(calls) == 1:
            raise UnicodeError("boom")
        return real(raw)

    monkeypatch.setattr(collect_module, "parse_message", fails_once)
    out = tmp_path / "out"
    report = collect_mail(_imap(clean), out, form=FORM)
    assert [(i.uid, i.result) for i in report.items] == [(1, REFUSED), (2, "已保存")]
    assert "邮件结构无法解析（UnicodeError）" in report.items[0].note
    assert collect_mail(_imap(clean), out, form=FORM).messages == 0


def test_many_messages_are_taken_in_bounded_runs(
    clean: MailServers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flood of messages: each run takes at most MAX_MESSAGES (here 3) and says how many wait;
    the next run goes on from there, so every message is taken exactly once."""
    monkeypatch.setattr(collect_module, "MAX_MESSAGES", 3)
    for n in range(7):
        clean.deliver("office", _message([b"Message-ID: <m%d@x.example>" % n], b"hello"))
    out = tmp_path / "out"
    seen = []
    for expected, left in ((3, 4), (3, 1), (1, 0)):
        report = collect_mail(_imap(clean), out, form=FORM)
        assert (report.messages, report.left) == (expected, left)
        seen += [i.message_id for i in report.items]
    assert seen == [f"<m{n}@x.example>" for n in range(7)]


def test_encoded_display_name_never_steers_the_sender(clean: MailServers, tmp_path: Path) -> None:
    """The From address is parsed before any encoded word is decoded: a display name that decodes
    to `x <victim@evil.example>` is only a name; two addresses give no sender (no answer)."""
    steering = _b64word("填报人 <victim@evil.example>") + b" <" + AGENCY.encode() + b">"
    clean.deliver("office", _report("QK001", sender=steering))
    clean.deliver("office", _report("QK002", sender=b"a@example.org, victim@evil.example"))
    clean.deliver("office", _report("QK003", sender=b"<victim@evil.example\x1b>"))
    report = collect_mail(_imap(clean), tmp_path / "out", form=FORM)
    assert [i.sender for i in report.items] == [AGENCY, "", ""]


def test_sender_mismatch_never_replaces_the_agencys_own_report(
    clean: MailServers, tmp_path: Path
) -> None:
    """Agency B's report sent from agency A's address (B's token copied) is set aside with
    `sender-mismatch`: the report B sent from its own address stays the one in use, `check` of
    the folder does not see the other, and no answer goes to A for it."""
    roster = [
        Agency(code="QK001", name="区发展和改革委员会", email="fgw@example.org"),
        Agency(code="QK002", name="区教育局", email="jyj@example.org"),
    ]
    out = tmp_path / "out"
    clean.deliver("office", _report("QK002", sender=b"jyj@example.org"))
    first = collect_mail(_imap(clean), out, form=FORM, roster=roster)
    (genuine,) = first.items
    assert genuine.result == "已保存" and genuine.path.parent == out
    forged = _sample("QK002") + b"\0"  # not byte-identical, so not a duplicate
    head = b"Content-Type: " + XLSX + b'; name="r.xlsx"'
    clean.deliver("office", _with([(head, forged)], sender=b"fgw@example.org"))
    second = collect_mail(_imap(clean), out, form=FORM, roster=roster)
    (item,) = second.items
    assert item.result == "已保存（发件人不符，待核实）"
    assert item.note.startswith(
        "发件人 fgw@example.org 不是名册中 QK002 区教育局 的邮箱 jyj@example.org"
    )
    assert item.path.parent == out / ".发件人不符-待核实"
    assert second.exit_code == 1
    assert sorted(p.name for p in out.glob("*.xlsx")) == [genuine.path.name]
    from toolkit.mail.collect import answers

    assert answers(out)["QK002"].address == "jyj@example.org"


def test_reply_headers_are_built_from_checked_addresses() -> None:
    """Every header nianbao writes comes from a plain address: CR/LF, NUL, a second address, a
    display name or a trailing newline is refused; an IDN domain is written in its xn-- form;
    an agency's Message-ID that is not plain ASCII is never repeated in In-Reply-To."""
    for bad in (
        "victim@evil.example\r\nX-Injected: 1",
        "victim@evil.example\n",
        "victim@evil.example\rX",
        "a@example.org, b@example.org",
        "名字 <a@example.org>",
        "a\x00@example.org",
        "张三@例子.中国",
        "",
    ):
        assert not valid_address(bad), bad
        with pytest.raises(ValueError):
            build_message(sender="office@example.org", to=bad, subject="s", body="b")
    assert normal_address("agency@例子.中国") == "agency@xn--fsqu00a.xn--fiqs8s"
    _, data = build_message(
        sender="office@example.org",
        to="agency@例子.中国",
        subject="审核通过",
        body="正文",
        in_reply_to="<报告@例子.中国>",
    )
    message = email.message_from_bytes(data, policy=policy.default)
    assert message["To"] == "agency@xn--fsqu00a.xn--fiqs8s"
    assert message["In-Reply-To"] is None
    assert data.isascii() and b"\r\nX-Injected" not in data
    assert clean_message_id("<a@b.example>") == "<a@b.example>"
    for bad_id in ("<报告@例子>", "<a@b>\r\nBcc: x@y.example", "<a b@c>", "no-brackets@x"):
        assert clean_message_id(bad_id) == "", bad_id
