"""The workbench as a local server that other programs and web pages on the PC can reach: every
request needs the start token's cookie and this server's own Host, every form its CSRF token,
uploads are refused past their limits while they stream in (with or without Content-Length),
uploaded names cannot reach outside their folder, and a job can be cancelled while only one
writes at a time. Spoken over plain HTTP (http.client, a raw socket), as an attacker would.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from toolkit.form.form_file import standard_form
from toolkit.serve.jobs import Busy, Job, JobBoard
from toolkit.serve.security import Guard, Limits, upload_name
from toolkit.workspace.workspace import open_workspace
from toolkit.workspace.workspace_init import init_workspace

from .conftest import SAMPLES
from .serve_support import Client, multipart, running

SMALL = Limits(max_body=256 * 1024, max_files=5, max_fields=20)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("serve") / "年报"
    result = init_workspace(
        root,
        roster=SAMPLES / "roster.csv",
        year=2023,
        district="示范区",
        form=standard_form(),
        issued=SAMPLES,
        password="demo-2023",
    )
    result.workspace.ledger.close()
    return root


def _stored(root: Path) -> int:
    space = open_workspace(root)
    try:
        return len(space.stored())
    finally:
        space.ledger.close()


def test_the_start_address_sets_a_strict_cookie_and_only_it_opens_the_pages(
    workspace: Path,
) -> None:
    with running(workspace) as bench:
        client = Client(bench)
        assert bench.url.startswith(f"http://127.0.0.1:{bench.port}/?token=")
        status, _ = client.get("/")
        assert status == 403  # no cookie
        status, headers, _ = client.request("GET", "/?token=wrong-token")
        assert status == 403 and "set-cookie" not in headers
        client.cookie = "nianbao_token=wrong-token"
        assert client.get("/review")[0] == 403
        client.cookie = ""
        client.enter()
        status, headers, _ = client.request("GET", "/?token=" + bench.site.guard.token)
        cookie = headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert headers["location"] == "/"  # the token leaves the address bar
        status, page = client.get("/")
        assert status == 200 and "示范区2023年度" in page
        assert client.get("/static/style.css")[0] == 200


def test_a_foreign_host_header_is_refused_even_with_the_cookie(workspace: Path) -> None:
    """DNS rebinding: a page of evil.example whose name now points at 127.0.0.1."""
    with running(workspace) as bench:
        client = Client(bench)
        client.enter()
        for host in ("evil.example", f"evil.example:{bench.port}", "127.0.0.1:1", "[::1]"):
            status, _, body = client.request("GET", "/", headers={"Host": host})
            assert status == 400, host
            assert "主机名" in body.decode("utf-8")
        assert client.request("GET", "/", headers={"Host": f"localhost:{bench.port}"})[0] == 200


def test_a_form_without_this_starts_csrf_token_changes_nothing(workspace: Path) -> None:
    sample = next((SAMPLES / "returned").glob("QK001-*.xlsx"))
    with running(workspace) as bench:
        client = Client(bench)
        client.enter()
        files = [("files", sample.name, sample.read_bytes())]
        for fields in ({}, {"csrf": "forged"}, {"csrf": Guard().csrf}):
            status, _, page = client.post("/receive", fields, files)
            assert status == 403, fields
            assert "表单已过期" in page
        assert client.post("/rollup", {"csrf": "forged"})[0] == 403
        assert bench.site.board.all() == []  # no job started
        assert _stored(workspace) == 0


def test_an_upload_past_the_limit_is_refused_with_or_without_content_length(
    workspace: Path,
) -> None:
    big = b"x" * (SMALL.max_body + 1)
    with running(workspace, guard=Guard(limits=SMALL)) as bench:
        client = Client(bench)
        client.enter()
        csrf = client.csrf("/receive")
        # Content-Length says it: refused before the body is read
        status, _, page = client.post("/receive", {"csrf": csrf}, [("files", "a.xlsx", big)])
        assert status == 413 and "太大" in page
        # chunked: no Content-Length, the bytes are counted as they arrive
        status = _chunked_post(bench.port, client.cookie, csrf, big)
        assert status == 413
        # too many files in one form
        files = [("files", f"{n}.xlsx", b"PK") for n in range(SMALL.max_files + 1)]
        status, _, page = client.post("/receive", {"csrf": csrf}, files)
        assert status == 400 and "太多" in page
        assert bench.site.board.all() == []
    assert _stored(workspace) == 0


def _chunked_post(port: int, cookie: str, csrf: str, content: bytes) -> int:
    """POST a multipart upload with Transfer-Encoding: chunked over a raw socket; the status
    line the server answers with (it may answer before the body is sent)."""
    body, kind = multipart({"csrf": csrf}, [("files", "big.xlsx", content)])
    head = (
        f"POST /receive HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
        f"Content-Type: {kind}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head.encode("latin-1"))
        try:
            for start in range(0, len(body), 16384):
                chunk = body[start : start + 16384]
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server refused and closed while the body was still coming
        answer = b""
        try:
            while b"\r\n" not in answer:
                data = sock.recv(4096)
                if not data:
                    break
                answer += data
        except ConnectionResetError:
            pass
    assert answer.startswith(b"HTTP/1.1 "), answer[:100]
    return int(answer.split(b" ")[1])


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("区教育局.xlsx", "区教育局.xlsx"),
        ("C:\\Users\\张敏\\桌面\\区教育局.XLSX", "区教育局.xlsx"),
        ("../../nianbao.db", "nianbao.db"),
        ("..\\..\\模板\\password.txt", "password.txt"),
        ("<script>alert(1)</script>.xlsx", "script_.xlsx"),
        ("CON.xlsx", "_CON.xlsx"),
        ("..", "_"),
        ("", "upload"),
        ("a\x00b\u202e.xlsx", "a_b_.xlsx"),
    ],
)
def test_an_uploaded_name_stays_a_plain_file_name(given: str, expected: str) -> None:
    assert upload_name(given) == expected


def test_a_job_is_cancelled_at_its_next_file_and_a_second_writer_waits(tmp_path: Path) -> None:
    board = JobBoard()
    started, release = threading.Event(), threading.Event()

    def work(job: Job) -> None:
        started.set()
        release.wait(30)
        for done in range(1, 1000):
            job.progress(done, 1000)

    job = board.start("check", work)
    assert started.wait(30)
    with pytest.raises(Busy, match="收入并审核"):
        board.start("rollup", lambda job: None)
    board.cancel(job.id)
    release.set()
    board.wait(30)
    assert job.state == "cancelled" and job.done == 1
    assert board.start("rollup", lambda job: None).id == job.id + 1
    board.wait(30)


def test_a_cancelled_check_stops_in_the_pool_and_leaves_the_workspace_unlocked(
    tmp_path: Path,
) -> None:
    """Cancelled at its first file: the worker pool is stopped, the ledger records the run as
    failed, and the next writer gets the lock."""
    from toolkit.serve.work import check_job
    from toolkit.workspace.workspace import receive

    root = tmp_path / "年报"
    init_workspace(root, roster=SAMPLES / "roster.csv", year=2023, district="示范区",
                   form=standard_form(), issued=SAMPLES).workspace.ledger.close()  # fmt: skip
    space = open_workspace(root)
    try:
        returned = sorted((SAMPLES / "returned").glob("*.xlsx"))
        receive(space, returned, via="folder")  # stored, not yet checked
    finally:
        space.ledger.close()
    board = JobBoard()
    release = threading.Event()

    def work(job: Job) -> None:
        release.wait(30)
        check_job(job, root, None, [], bundled=standard_form())

    job = board.start("check", work)
    board.cancel(job.id)
    release.set()
    board.wait(60)
    assert job.state == "cancelled" and (job.done, job.total) == (1, 13)  # at its first file
    space = open_workspace(root)
    try:
        run = space.ledger.runs()[-1]
        assert run.command == "check" and run.outcome == "failed"
        with space.ledger.writing("next"):
            pass
        assert len(space.stored()) == 13
    finally:
        space.ledger.close()


def test_a_zip_upload_brings_its_spreadsheets_and_other_files_are_named(tmp_path: Path) -> None:
    import io
    import zipfile

    workspace = tmp_path / "年报"
    init_workspace(workspace, roster=SAMPLES / "roster.csv", year=2023, district="示范区",
                   form=standard_form(), issued=SAMPLES).workspace.ledger.close()  # fmt: skip
    samples = sorted((SAMPLES / "returned").glob("*.xlsx"))[:2]
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        for sample in samples:
            archive.write(sample, f"报表/{sample.name}")
        archive.writestr("说明.txt", "not a report")
    with running(workspace) as bench:
        client = Client(bench)
        client.enter()
        files = [
            ("files", "报回.zip", data.getvalue()),
            ("files", "notes.docx", b"PK"),
            ("files", "broken.zip", b"not a zip"),
        ]
        status, headers, _ = client.post("/receive", {"csrf": client.csrf("/receive")}, files)
        assert status == 303
        page = client.wait_job(headers["location"])
    assert "收到 2 份文件" in page
    assert "未收入：notes.docx" in page and "未收入：broken.zip" in page
    stored = {p.name for p in (workspace / "收到").glob("*/*")}
    assert stored == {s.name for s in samples}
