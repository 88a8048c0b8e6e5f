"""What makes the workbench safe as a local server, as one ASGI layer in front of the pages.

- **Host check**: a request whose Host header is not this server's own address (127.0.0.1 or
  localhost, at its port) is refused, so a web page elsewhere cannot reach the workbench through
  DNS rebinding.
- **Start token**: each start makes a random token, printed in the first address. Opening that
  address puts the token in a cookie (HttpOnly, SameSite=Strict) and redirects to the same page
  without it; any request without the cookie is refused. Another user or web page on the machine
  does not know the token.
- **CSRF token**: every form carries a second random token that a POST must send back (checked
  by `check_csrf`, after the form is read under the limits below).
- **Upload limits while streaming**: the body is counted as it arrives, with or without a
  Content-Length (a chunked upload has none), and refused past `max_body` (a multipart upload)
  or `max_form` (any other body: the pages post nothing else large); at most `max_uploads`
  bodies stream in at once; `read_form` caps the number of files and fields and each field's
  length. Uploaded names go through `upload_name` before they touch a path.
- **The start address** redirects only to a path of this server (never `//other.host`, never a
  line break in the Location header).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect, Request

from ..core import texts as tx
from ..core.text import safe_file_name

__all__ = [
    "COOKIE",
    "Guard",
    "Limits",
    "check_csrf",
    "read_form",
    "upload_name",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "nianbao_token"
TOKEN_PARAMETER = "token"
CSRF_FIELD = "csrf"
LOCAL_HOSTS = ("127.0.0.1", "localhost")
UPLOAD_NAME_BYTES = 180


@dataclass(frozen=True)
class Limits:
    """Upload bounds: the whole request body (a multipart upload; any other body), files and
    fields per request, one field's length, request bodies streaming in at once."""

    max_body: int = 512 * 1024 * 1024
    max_files: int = 1000
    max_fields: int = 100
    max_form: int = 1024 * 1024  # a body that is not multipart: the pages post only multipart
    max_field: int = 64 * 1024  # a text field: a district's name, a mail server, a password
    max_uploads: int = 4  # bodies at once: each may reach max_body on disk while it streams


@dataclass
class Guard:
    """The per-start secrets and the server's own address (its port is known once bound)."""

    limits: Limits = field(default_factory=Limits)
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    port: int = 0
    streaming: int = 0  # request bodies being read now (the event loop's thread only)

    def start_url(self, port: int | None = None) -> str:
        return f"http://127.0.0.1:{port or self.port}/?{TOKEN_PARAMETER}={self.token}"

    def host_allowed(self, host: str) -> bool:
        name, _, port = host.rpartition(":") if ":" in host else (host, "", "")
        if name not in LOCAL_HOSTS:
            return False
        return not self.port or port == str(self.port)

    def wrap(self, app: ASGIApp) -> ASGIApp:
        """The ASGI application with every check of this module in front of it."""

        async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            headers = {
                k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]
            }
            if not self.host_allowed(headers.get("host", "")):
                await _refuse(send, 400, tx.SERVE_FOREIGN_HOST)
                return
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            given = query.pop(TOKEN_PARAMETER, None)
            if given is not None and _same(given, self.token):
                await _enter(send, scope["path"], query, self.token)
                return
            if not _same(_cookie(headers.get("cookie", ""), COOKIE), self.token):
                await _refuse(send, 403, tx.SERVE_NO_TOKEN)
                return
            length = headers.get("content-length", "")
            multipart = headers.get("content-type", "").lower().startswith("multipart/")
            limit = self.limits.max_body if multipart else self.limits.max_form
            if length.isdigit() and int(length) > limit:
                await _refuse(send, 413, _too_large(limit, multipart=multipart))
                return
            has_body = (length.isdigit() and int(length) > 0) or "transfer-encoding" in headers
            if has_body and self.streaming >= self.limits.max_uploads:
                await _refuse(
                    send, 503, tx.SERVE_UPLOADS_BUSY.format(count=self.limits.max_uploads)
                )
                return
            counted = _Counted(receive, limit, multipart=multipart)
            started = False

            async def watching(message: Message) -> None:
                nonlocal started
                started = started or message["type"] == "http.response.start"
                await send(message)

            self.streaming += has_body
            try:
                await app(scope, counted.receive, watching)
            except _TooLarge:
                if not started:
                    await _refuse(send, 413, _too_large(limit, multipart=multipart))
            except ClientDisconnect:
                pass  # the client left while its body was coming: nobody to answer
            finally:
                self.streaming -= has_body

        return guarded


class _TooLarge(MultiPartException):
    """The request body passed the limit while it was being read. A MultiPartException, so that
    starlette's form parser closes the files it had begun before passing it on."""

    def __init__(self, limit: int, *, multipart: bool) -> None:
        super().__init__(_too_large(limit, multipart=multipart))


def _too_large(limit: int, *, multipart: bool) -> str:
    if multipart:
        return tx.SERVE_TOO_LARGE.format(mb=limit >> 20)
    return tx.SERVE_FORM_TOO_LARGE.format(kb=limit >> 10)


class _Counted:
    """A `receive` that counts the body's bytes as they arrive and stops past the limit."""

    def __init__(self, receive: Receive, limit: int, *, multipart: bool) -> None:
        self._receive = receive
        self.limit = limit
        self.multipart = multipart
        self.seen = 0

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self.limit:
                raise _TooLarge(self.limit, multipart=self.multipart)
        return message


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _cookie(header: str, name: str) -> str:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""


async def _enter(send: Send, path: str, query: dict[str, str], token: str) -> None:
    """The start address opened: the token into the cookie, then the page without it (so that
    it stays out of the history and of links copied from the address bar). The path is quoted
    and kept on this server: `//evil.example` would be another host, a line break another
    header."""
    location = "/" + quote(path.lstrip("/\\"), safe="/") + ("?" + urlencode(query) if query else "")
    cookie = f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [
                (b"location", location.encode("latin-1", "replace")),
                (b"set-cookie", cookie.encode("latin-1")),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})


async def _refuse(send: Send, status: int, text: str) -> None:
    """A refusal as a short Chinese page (plain text: nothing of the request is echoed)."""
    body = text.encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def read_form(request: Request, limits: Limits) -> FormData:
    """The posted form, parsed with the file and field counts capped (the body's size is capped
    as it streams in, by the Guard)."""
    too_large = tx.SERVE_TOO_LARGE.format(mb=limits.max_body >> 20)
    try:
        return await request.form(
            max_files=limits.max_files,
            max_fields=limits.max_fields,
            max_part_size=limits.max_field,
        )
    except _TooLarge as exc:  # a body that is not multipart: starlette passes it on as it is
        raise HTTPException(413, exc.message) from None
    except HTTPException as exc:  # starlette's 400 for any MultiPartException
        if exc.detail == too_large:
            raise HTTPException(413, too_large) from None
        if str(exc.detail).startswith("Part exceeded"):  # starlette's words for max_part_size
            raise HTTPException(
                413, tx.SERVE_FIELD_TOO_LARGE.format(kb=limits.max_field >> 10)
            ) from None
        raise HTTPException(400, tx.SERVE_TOO_MANY) from None  # too many files or fields


def check_csrf(form: FormData, guard: Guard) -> None:
    """A POST must carry this start's CSRF token."""
    given = form.get(CSRF_FIELD)
    if not isinstance(given, str) or not _same(given, guard.csrf):
        raise HTTPException(403, tx.SERVE_BAD_CSRF)


def upload_name(name: str | None, default: str = "upload") -> str:
    """An uploaded file's name made safe for a path: its last part only (browsers on Windows may
    send a whole path), no reserved or control characters, no device name, bounded length."""
    raw = PureWindowsPath(PurePosixPath(name or "").name).name.strip()
    stem, dot, suffix = raw.rpartition(".")
    if not dot or not stem:
        stem, suffix = raw, ""
    suffix = ("." + safe_file_name(suffix.lower(), max_bytes=16)) if suffix else ""
    if suffix == "._":
        suffix = ""
    return safe_file_name(stem or default, suffix, max_bytes=UPLOAD_NAME_BYTES)
