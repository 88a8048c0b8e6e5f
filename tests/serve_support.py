"""What the workbench's tests share: the server started on a free port of 127.0.0.1 in a thread
(and stopped after), a small HTTP client that keeps the start token's cookie and posts
multipart forms, and headless Chromium driven through selenium (installed by
scripts/ensure-browser.sh, which `make test` runs)."""

from __future__ import annotations

import http.client
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from toolkit.serve.security import Guard
from toolkit.serve.server import Workbench

from .conftest import FORM

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT = 120.0  # seconds a test waits for a job (checking the samples takes a few)


@contextmanager
def running(workspace: Path | None, *, guard: Guard | None = None) -> Iterator[Workbench]:
    """The workbench on a free port, served by a thread until the test is done."""
    bench = Workbench(workspace, form=FORM, port=0, guard=guard)
    thread = threading.Thread(target=bench.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not bench.server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the workbench did not start")
        time.sleep(0.05)
    try:
        yield bench
    finally:
        bench.stop()
        thread.join(60)


class Client:
    """HTTP to the workbench as a browser would speak it: the start address opened first (its
    cookie kept), then pages, forms and uploads."""

    def __init__(self, bench: Workbench) -> None:
        self.bench = bench
        self.port = bench.port
        self.cookie = ""

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            sent = {"Cookie": self.cookie} if self.cookie else {}
            sent.update(headers or {})
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            return (
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                response.read(),
            )
        finally:
            connection.close()

    def enter(self) -> None:
        url = urlsplit(self.bench.url)
        status, headers, _ = self.request("GET", f"{url.path}?{url.query}")
        assert status == 303, status
        self.cookie = headers["set-cookie"].split(";")[0]

    def get(self, path: str) -> tuple[int, str]:
        status, _, body = self.request("GET", path)
        return status, body.decode("utf-8", "replace")

    def csrf(self, path: str = "/") -> str:
        _, page = self.get(path)
        return csrf_of(page)

    def post(
        self,
        path: str,
        fields: dict[str, str | Sequence[str]],
        files: Sequence[tuple[str, str, bytes]] = (),
    ) -> tuple[int, dict[str, str], str]:
        body, kind = multipart(fields, files)
        status, headers, data = self.request("POST", path, body, {"Content-Type": kind})
        return status, headers, data.decode("utf-8", "replace")

    def wait_job(self, location: str) -> str:
        """The job page once its job is no longer running."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            _, page = self.get(location)
            if 'data-state="running"' not in page:
                return page
            time.sleep(0.3)
        raise AssertionError(f"job {location} still running after {WAIT} s")


def multipart(
    fields: dict[str, str | Sequence[str]], files: Sequence[tuple[str, str, bytes]]
) -> tuple[bytes, str]:
    """A multipart/form-data body: fields, and files as (field, file name, content)."""
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        for one in [value] if isinstance(value, str) else value:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                + one.encode("utf-8")
                + b"\r\n"
            )
    for name, filename, content in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        parts.append(head.encode("utf-8") + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


@contextmanager
def chromium(*, javascript: bool = True) -> Iterator[Any]:
    """Headless Chromium through selenium, with the flags that keep it off the (closed)
    network, and a fresh profile; `javascript=False` as a browser with scripts turned off."""
    from selenium import webdriver

    with tempfile.TemporaryDirectory(prefix="nianbao-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in (
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
            "--lang=zh-CN",
            f"--user-data-dir={profile}",
        ):
            options.add_argument(flag)
        if not javascript:
            options.add_experimental_option(
                "prefs", {"profile.managed_default_content_settings.javascript": 2}
            )
        service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
        driver = webdriver.Chrome(options=options, service=service)
        driver.set_page_load_timeout(60)
        try:
            yield driver
        finally:
            driver.quit()
