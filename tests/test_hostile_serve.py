"""The hostile corpus of the web workbench (issue 27, part 5): requests as an attacker would send
them to `nianbao serve` (uploads past the limits, chunked or lying about their length, zip bombs
and zip members with paths, HTML and script in the fields the pages show back, forged CSRF
tokens, cookies and tokens of another start, foreign and doubled Host headers, huge heads, many
uploads at once).

The workbench runs as its own process (tests/serve_hostile_server.py) under an address-space
cap, with its own temporary folder. Each kind is sent over plain HTTP and must end with its status
and Chinese message; after each, the test reads the server's CPU time and peak memory from /proc
(never the wall clock), and checks that the server still runs, wrote no traceback, left nothing
in its temporary folder or beside the workspace, and changed no stored file it was not given.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest

from toolkit.form.form_file import standard_form
from toolkit.workspace.workspace_init import init_workspace

from .conftest import SAMPLES
from .hostile_run import MAX_RSS, MAX_SECONDS, cap_memory, hashes
from .serve_support import Client, multipart

MAX_BODY = 1024 * 1024  # the server's upload limit in this corpus (the default is 512 MB)
RETURNED = sorted((SAMPLES / "returned").glob("QK00[1-4]-*.xlsx"))  # four distinct reports
SAMPLE = RETURNED[0]
SCRIPT = "<script>alert(1)</script>"
TICKS = os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------------------------------------
# The server as a process, and what the test reads of it
# ------------------------------------------------------------------------------------------------


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    client: Client
    port: int
    token: str
    root: Path  # the workspace: the only folder the server may write in
    outside: Path  # the folder around the workspace
    tmp: Path  # the server's TMPDIR: staging and spooled uploads, empty after each request
    log: Path  # the server's stderr

    def cpu(self) -> float:
        """CPU seconds of the server and of the workers it waited for."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(f) for f in fields[11:15]) / TICKS

    def peak(self) -> int:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        found = re.search(r"VmHWM:\s+(\d+) kB", status)
        assert found
        return int(found.group(1)) * 1024

    def raw(self, data: bytes, *, timeout: float = 30) -> bytes:
        """Bytes sent on one connection, and everything answered until it closes."""
        answer = b""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            # refused and closed while we were still sending: the answer is what counts
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                sock.sendall(data)
            try:
                while chunk := sock.recv(65536):
                    answer += chunk
            except ConnectionResetError:
                pass
        return answer


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    outside = tmp_path_factory.mktemp("hostile-serve")
    root = outside / "年报"
    init_workspace(
        root,
        roster=SAMPLES / "roster.csv",
        year=2023,
        district="示范区",
        form=standard_form(),
        issued=SAMPLES,
    ).workspace.ledger.close()
    tmp, log = outside / "tmp", outside / "server.log"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONIOENCODING": "utf-8"}
    with log.open("wb") as errors:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.serve_hostile_server", str(root), str(MAX_BODY)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            env=env,
            cwd=Path(__file__).parent.parent,
            preexec_fn=cap_memory,
        )
    assert proc.stdout is not None and proc.stdin is not None
    url = proc.stdout.readline().decode().strip()
    assert url.startswith("http://127.0.0.1:"), log.read_text()
    parts = urlsplit(url)
    port = int(parts.port or 0)
    bench = SimpleNamespace(port=port, url=url)
    client = Client(bench)  # type: ignore[arg-type]
    client.enter()
    try:
        yield Served(proc, client, port, url.split("token=")[1], root, outside, tmp, log)
    finally:
        proc.stdin.close()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


# ------------------------------------------------------------------------------------------------
# Building hostile requests
# ------------------------------------------------------------------------------------------------


def _head(s: Served, method: str, path: str, extra: str = "", *, cookie: bool = True) -> str:
    cookie_line = f"Cookie: {s.client.cookie}\r\n" if cookie else ""
    return (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{s.port}\r\n{cookie_line}{extra}"
        "Connection: close\r\n"
    )


def _answer(data: bytes) -> tuple[int, dict[str, str], str]:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1.1 "), data[:200]
    headers: dict[str, str] = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers.setdefault(key.strip().lower(), value.strip())
    return int(lines[0].split()[1]), headers, body.decode("utf-8", "replace")


def _chunked(s: Served, path: str, body: bytes, kind: str) -> tuple[int, dict[str, str], str]:
    chunks = b"".join(
        f"{len(body[i : i + 16384]):x}\r\n".encode() + body[i : i + 16384] + b"\r\n"
        for i in range(0, len(body), 16384)
    )
    head = _head(s, "POST", path, f"Content-Type: {kind}\r\nTransfer-Encoding: chunked\r\n")
    return _answer(s.raw(head.encode() + b"\r\n" + chunks + b"0\r\n\r\n"))


def _post(
    s: Served, path: str, fields: dict[str, Any], files: Sequence[tuple[str, str, bytes]] = ()
) -> tuple[int, dict[str, str], str]:
    csrf = s.client.csrf("/receive")
    return s.client.post(path, {"csrf": csrf, **fields}, files)


def _job(s: Served, answer: tuple[int, dict[str, str], str]) -> tuple[int, dict[str, str], str]:
    """A form that starts a job: its page once the job ended (status 303 kept)."""
    status, headers, _ = answer
    if status != 303:
        return answer
    return status, headers, s.client.wait_job(headers["location"])


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def _bomb() -> bytes:
    return _zip({"炸弹.xlsx": bytes(20 * 1024 * 1024)})  # 20 MB of zeros in about 20 KB


# ------------------------------------------------------------------------------------------------
# The kinds
# ------------------------------------------------------------------------------------------------

Answer = tuple[int, dict[str, str], str]


@dataclass(frozen=True, kw_only=True)
class Kind:
    name: str
    send: Callable[[Served], Answer]
    status: int
    message: str  # Chinese words the answer must hold
    stored: tuple[str, ...] = ()  # file names the workspace may newly store (else: nothing new)
    made: tuple[str, ...] = ()  # other files it may make (a new agency's template)


def _oversized_declared(s: Served) -> Answer:
    body, kind = multipart({"csrf": s.client.csrf("/receive")}, [("files", "a.xlsx", b"PK")])
    head = _head(s, "POST", "/receive", f"Content-Type: {kind}\r\n")
    head += f"Content-Length: {MAX_BODY * 600}\r\n"  # says 600 MB, sends almost nothing
    return _answer(s.raw(head.encode() + b"\r\n" + body))


def _oversized_chunked(s: Served) -> Answer:
    body, kind = multipart(
        {"csrf": s.client.csrf("/receive")}, [("files", "a.xlsx", b"x" * (MAX_BODY + 1))]
    )
    return _chunked(s, "/receive", body, kind)


def _urlencoded(s: Served) -> Answer:
    body = b"csrf=" + b"a" * (2 * 1024 * 1024)
    head = _head(s, "POST", "/rollup", "Content-Type: application/x-www-form-urlencoded\r\n")
    return _answer(s.raw(head.encode() + f"Content-Length: {len(body)}\r\n\r\n".encode() + body))


def _urlencoded_chunked(s: Served) -> Answer:
    kind = "application/x-www-form-urlencoded"
    return _chunked(s, "/rollup", b"x=" + b"a" * (2 * 1024 * 1024), kind)


def _long_field(s: Served) -> Answer:
    return _post(s, "/mail/send", {"sender": "a" * (100 * 1024), "smtp": "x"})


def _many_files(s: Served) -> Answer:
    return _post(s, "/receive", {}, [("files", f"{n}.xlsx", b"PK") for n in range(21)])


def _many_fields(s: Served) -> Answer:
    return _post(s, "/receive", {f"f{n}": "1" for n in range(41)})


def _zip_bomb(s: Served) -> Answer:
    return _job(s, _post(s, "/receive", {}, [("files", "报回.zip", _bomb())]))


def _zip_bomb_after_a_report(s: Served) -> Answer:
    data = _zip({"a/" + SAMPLE.name: SAMPLE.read_bytes(), "b/炸弹.xlsx": bytes(20 * 1024**2)})
    return _job(s, _post(s, "/receive", {}, [("files", "一半.zip", data)]))


def _zip_many_members(s: Served) -> Answer:
    data = _zip({f"{n}.xlsx": b"PK" for n in range(201)})
    return _job(s, _post(s, "/receive", {}, [("files", "许多.zip", data)]))


def _zip_member_paths(s: Served) -> Answer:
    data = _zip(
        {
            "../../../出逃.xlsx": RETURNED[1].read_bytes(),
            "/etc/cron.d/绝对.xlsx": RETURNED[2].read_bytes(),
            "C:\\Windows\\盘符.xlsx": RETURNED[3].read_bytes(),
        }
    )
    return _job(s, _post(s, "/receive", {}, [("files", "路径.zip", data)]))


def _upload_name_path(s: Served) -> Answer:
    return _job(
        s, _post(s, "/receive", {}, [("files", "../../上级.xlsx", RETURNED[0].read_bytes())])
    )


def _script_in_upload_name(s: Served) -> Answer:
    return _job(s, _post(s, "/receive", {}, [("files", f"{SCRIPT}.docx", b"PK")]))


def _script_in_mail_fields(s: Served) -> Answer:
    fields = {k: f'"><{SCRIPT}' for k in ("smtp", "smtp_user", "cafile")}
    status, headers, page = _job(s, _post(s, "/mail/send", {**fields, "sender": SCRIPT}))
    _, shown = s.client.get("/issue")  # the remembered settings, shown back in the form
    return status, headers, page + shown


def _script_in_roster(s: Served) -> Answer:
    """An agency whose name and contact are markup, added from an uploaded roster: shown on the
    job's page, 下发 and 审核, always as text."""
    roster = (SAMPLES / "roster.csv").read_text(encoding="utf-8")
    roster += f'QK099,"{SCRIPT}局",{SCRIPT},x@example.org\n'
    files = [("roster", "名单.csv", roster.encode("utf-8"))]
    status, headers, page = _job(s, _post(s, "/init", {}, files))
    shown = "".join(s.client.get(path)[1] for path in ("/issue", "/review", "/review/QK099"))
    return status, headers, page + shown


def _no_csrf(s: Served) -> Answer:
    return s.client.post("/receive", {}, [("files", SAMPLE.name, SAMPLE.read_bytes())])


def _csrf_of_another_start(s: Served) -> Answer:
    from toolkit.serve.security import Guard

    return s.client.post("/rollup", {"csrf": Guard().csrf})


def _cookie_of_another_start(s: Served) -> Answer:
    from toolkit.serve.security import Guard

    head = _head(s, "GET", "/review", f"Cookie: nianbao_token={Guard().token}\r\n", cookie=False)
    return _answer(s.raw(head.encode() + b"\r\n"))


def _token_of_another_start(s: Served) -> Answer:
    from toolkit.serve.security import Guard

    return _answer(
        s.raw(_head(s, "GET", f"/?token={Guard().token}", cookie=False).encode() + b"\r\n")
    )


def _foreign_host(s: Served) -> Answer:
    head = f"GET / HTTP/1.1\r\nHost: evil.example:{s.port}\r\nCookie: {s.client.cookie}\r\n"
    return _answer(s.raw(head.encode() + b"Connection: close\r\n\r\n"))


def _two_hosts(s: Served) -> Answer:
    head = _head(s, "GET", "/", "Host: evil.example\r\n")  # ours first, then a foreign one
    return _answer(s.raw(head.encode() + b"\r\n"))


def _huge_header(s: Served) -> Answer:
    head = _head(s, "GET", "/", "X-Padding: " + "a" * 200_000 + "\r\n")
    return _answer(s.raw(head.encode() + b"\r\n"))


def _many_headers(s: Served) -> Answer:
    head = _head(s, "GET", "/", "X-A: b\r\n" * 20_000)
    return _answer(s.raw(head.encode() + b"\r\n"))


def _huge_cookie(s: Served) -> Answer:
    """10,000 cookies (50 KB, one read), none of them the token."""
    head = _head(s, "GET", "/", "Cookie: " + "c=1; " * 10_000 + "\r\n", cookie=False)
    return _answer(s.raw(head.encode() + b"\r\n"))


def _bad_length(s: Served) -> Answer:
    return _answer(s.raw(_head(s, "POST", "/rollup", "Content-Length: -5\r\n").encode() + b"\r\n"))


def _line_break_in_start_path(s: Served) -> Answer:
    path = f"/%0d%0aSet-Cookie:%20stolen=1?token={s.token}"
    return _answer(s.raw(_head(s, "GET", path, cookie=False).encode() + b"\r\n"))


def _other_host_in_start_path(s: Served) -> Answer:
    path = f"//evil.example/%2e%2e?token={s.token}"
    return _answer(s.raw(_head(s, "GET", path, cookie=False).encode() + b"\r\n"))


def _parallel_uploads(s: Served) -> Answer:
    """Four uploads stalled half-way hold every place; a fifth is refused until they end."""
    body, kind = multipart({"csrf": s.client.csrf("/receive")}, [("files", "a.xlsx", b"PK" * 400)])
    head = _head(s, "POST", "/receive", f"Content-Type: {kind}\r\n")
    head += f"Content-Length: {len(body)}\r\n\r\n"
    stalled = []
    try:
        for _ in range(4):
            sock = socket.create_connection(("127.0.0.1", s.port), timeout=30)
            sock.sendall(head.encode() + body[:200])
            stalled.append(sock)
        deadline = time.monotonic() + 60  # the server reads the four heads in its own time
        while True:
            answer = s.client.post("/rollup", {"csrf": "x"})
            if answer[0] == 503 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    finally:
        for sock in stalled:
            sock.close()
    deadline = time.monotonic() + 60  # the places are given back once the uploads are gone
    while s.client.post("/rollup", {"csrf": "x"})[0] == 503 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert s.client.post("/rollup", {"csrf": "x"})[0] == 403  # a place again: CSRF checked
    return answer


def _report_name_outside(s: Served) -> Answer:
    status, body = s.client.get("/publish/preview/..%2f..%2fnianbao.db")
    return status, {}, body


KINDS = (
    Kind(name="oversized-declared", send=_oversized_declared, status=413, message="太大"),
    Kind(name="oversized-chunked", send=_oversized_chunked, status=413, message="太大"),
    Kind(name="urlencoded-large", send=_urlencoded, status=413, message="提交的表单太大"),
    Kind(name="non-multipart-chunked", send=_urlencoded_chunked, status=413, message="表单太大"),
    Kind(name="long-field", send=_long_field, status=413, message="表单中有一项内容太长"),
    Kind(name="many-files", send=_many_files, status=400, message="文件或表单项太多"),
    Kind(name="many-fields", send=_many_fields, status=400, message="文件或表单项太多"),
    Kind(name="zip-bomb", send=_zip_bomb, status=303, message="未收入：报回.zip"),
    Kind(
        name="zip-bomb-after-a-report",
        send=_zip_bomb_after_a_report,
        status=303,
        message="未收入：一半.zip",
    ),
    Kind(name="zip-many-members", send=_zip_many_members, status=303, message="未收入：许多.zip"),
    Kind(
        name="zip-member-paths",
        send=_zip_member_paths,
        status=303,
        message="收到 3 份文件",
        stored=("出逃.xlsx", "绝对.xlsx", "盘符.xlsx"),
    ),
    Kind(
        name="upload-name-path",
        send=_upload_name_path,
        status=303,
        message="收到 1 份文件",
        stored=("上级.xlsx",),
    ),
    Kind(
        name="script-in-upload-name",
        send=_script_in_upload_name,
        status=303,
        message="未收入：script_.docx",
    ),
    Kind(
        name="script-in-mail-fields",
        send=_script_in_mail_fields,
        status=303,
        message="&lt;script&gt;alert(1)&lt;/script&gt;”无效",
    ),
    Kind(
        name="script-in-roster",
        send=_script_in_roster,
        status=303,
        message="&lt;script&gt;alert(1)&lt;/script&gt;局",
        made=("QK099-_script_alert(1)__script_局-2023年政府信息公开工作年度报告.xlsx",),
    ),
    Kind(name="no-csrf", send=_no_csrf, status=403, message="表单已过期"),
    Kind(
        name="csrf-of-another-start", send=_csrf_of_another_start, status=403, message="表单已过期"
    ),
    Kind(
        name="cookie-of-another-start",
        send=_cookie_of_another_start,
        status=403,
        message="访问令牌",
    ),
    Kind(
        name="token-of-another-start", send=_token_of_another_start, status=403, message="访问令牌"
    ),
    Kind(name="foreign-host", send=_foreign_host, status=400, message="主机名"),
    Kind(name="two-hosts", send=_two_hosts, status=400, message="请求无效"),
    Kind(name="huge-header", send=_huge_header, status=400, message="请求无效"),
    Kind(name="many-headers", send=_many_headers, status=400, message="请求无效"),
    Kind(name="cookie-flood", send=_huge_cookie, status=403, message="访问令牌"),
    Kind(name="bad-content-length", send=_bad_length, status=400, message="请求无效"),
    Kind(name="line-break-in-start-path", send=_line_break_in_start_path, status=303, message=""),
    Kind(name="other-host-in-start-path", send=_other_host_in_start_path, status=303, message=""),
    Kind(name="parallel-uploads", send=_parallel_uploads, status=503, message="同时进行的上传太多"),
    Kind(name="report-name-outside", send=_report_name_outside, status=404, message="没有这个页面"),
)


def _received(root: Path) -> dict[str, str]:
    return {k: v for k, v in hashes(root).items() if "/收到/" in k or k.endswith(".xlsx")}


def _beside(s: Served) -> set[str]:
    """What lies around the workspace: the server may write nothing there."""
    return {str(p) for p in s.outside.rglob("*") if s.root not in p.parents and p != s.root}


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_a_hostile_request_is_refused_in_chinese_within_bounds(served: Served, kind: Kind) -> None:
    s = served
    before_files, before_beside = _received(s.root), _beside(s)
    log_at = s.log.stat().st_size
    cpu = s.cpu()

    status, headers, body = kind.send(s)

    spent = s.cpu() - cpu
    assert status == kind.status, (status, body[:500])
    assert kind.message in body, body[:2000]
    if kind.message or status != 303:
        assert re.search(r"[\u4e00-\u9fff]", body), body[:500]
    assert "Traceback" not in body and "内部错误" not in body and "意外中止" not in body
    # outputs inert: nothing of the request comes back as markup, nor as a header
    assert "<script>alert" not in body and "<script" not in body.split("</head>")[-1]
    assert "stolen" not in headers.get("set-cookie", "")
    location = headers.get("location", "")
    assert not location.startswith("//") and "\r" not in location and "\n" not in location
    # bounded, and the server lives on without a traceback in its log
    assert spent < MAX_SECONDS, spent
    assert s.peak() < MAX_RSS, s.peak()
    assert s.proc.poll() is None
    log = s.log.read_bytes()[log_at:].decode("utf-8", "replace")
    assert "Traceback" not in log and "Exception" not in log, log[-2000:]
    # nothing written outside the workspace; staging and spooled uploads gone; stored files
    # unchanged, and only what the kind may add is new
    assert _beside(s) == before_beside
    assert list(s.tmp.iterdir()) == []
    after = _received(s.root)
    assert {k: v for k, v in after.items() if k in before_files} == before_files
    new = sorted(Path(k).name for k in after.keys() - before_files.keys())
    assert new == sorted(kind.stored + kind.made), new
    contents = {Path(k).read_bytes() for k in after.keys() - before_files.keys() if "/收到/" in k}
    assert contents <= {p.read_bytes() for p in RETURNED}  # stored as sent
    assert len(contents) == len(kind.stored)


def test_the_corpus_has_its_kinds() -> None:
    assert len({k.name for k in KINDS}) == len(KINDS) >= 14


def test_an_uploaded_zip_is_read_only_up_to_a_mail_attachments_limit(tmp_path: Path) -> None:
    """A zip is read into memory to be opened: past the reader's file limit (50 MB) it is refused
    before it is read further, whatever the upload limit, and nothing of it is staged."""
    from toolkit.serve.work import Upload, stage
    from toolkit.xlsx.package import LIMITS

    big = io.BytesIO()
    with zipfile.ZipFile(big, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("a.xlsx", SAMPLE.read_bytes())
        archive.writestr("b.bin", bytes(LIMITS["file_bytes"]))
    big.seek(0)
    notes = stage(
        [Upload(name="大.zip", handle=big)], tmp_path, accepted=(".zip",), limit=512 * 1024**2
    )
    assert notes == ["未收入：大.zip（过大）"]
    assert big.tell() == LIMITS["file_bytes"] + 1  # read no further than the limit
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
