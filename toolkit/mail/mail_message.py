"""Building the messages nianbao sends: the subject and body from an editable text template under
templates/ (mail-*.txt), the workbook attached under its Chinese file name, as bytes ready for SMTP
or for a .eml file.

The message is written out here byte by byte rather than by the standard library's generator, whose
refolding turned a long RFC 2047 file name into a broken Content-Type: every header is ASCII (RFC
2047 encoded words for the subject), the body is UTF-8 in base64 (no server needs 8BITMIME), and each
attachment names its file twice, as RFC 2231 (`filename*=UTF-8''…`, what standard clients read) and
as RFC 2047 in `name="=?UTF-8?B?…?="` (what Outlook, Foxmail and older webmail read).
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, make_msgid
from importlib.resources.abc import Traversable
from pathlib import Path
from urllib.parse import quote

from ..core import texts as tx
from ..core.bundled import bundled
from ..core.catalogue import UsageError, say

__all__ = [
    "Attachment",
    "MailText",
    "build_message",
    "clean_message_id",
    "load_text",
    "normal_address",
    "valid_address",
]

TEXT_MAX_BYTES = 64 * 1024  # a mail template is a few hundred bytes
SUBJECT_PREFIXES = tx.SUBJECT_PREFIXES
_MIME = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xls": "application/vnd.ms-excel",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".zip": "application/zip",
    ".txt": "text/plain; charset=UTF-8",
}
# A plain address: no display name, no spaces, ASCII only (what every server accepts in RCPT TO).
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
# A Message-ID nianbao repeats in In-Reply-To: `<left@right>`, printable ASCII, no spaces.
_MESSAGE_ID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]{1,250}@[\x21-\x3b\x3d\x3f-\x7e]{1,250}>")
_WORD_BYTES = 45  # UTF-8 bytes per encoded word: 60 base64 characters, 73 with the wrapper


@dataclass(frozen=True, kw_only=True)
class MailText:
    """An editable mail text: a subject line (the first line, after 主题：) and a body."""

    path: Path | Traversable  # the office's file, or one shipped in toolkit.templates
    subject: str
    body: str

    def render(self, values: Mapping[str, object]) -> tuple[str, str]:
        """Subject and body with {placeholders} filled; an unknown placeholder stays as written."""
        filled = _Values({k: str(v) for k, v in values.items()})
        try:
            subject = self.subject.format_map(filled)
            body = self.body.format_map(filled)
        except (ValueError, IndexError, AttributeError) as exc:
            raise UsageError("mail-template", path=self.path, reason=str(exc)) from None
        return " ".join(subject.split()), body


class _Values(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def load_text(name: str, path: Path | None = None) -> MailText:
    """The mail text `templates/<name>` (or the office's own file at `path`)."""
    source = Path(path) if path is not None else bundled(name)
    try:
        with source.open("rb") as handle:
            data = handle.read(TEXT_MAX_BYTES + 1)
        if len(data) > TEXT_MAX_BYTES:
            raise UsageError("mail-template", path=source, reason=say("mail-text-too-large"))
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError("mail-template", path=source, reason=say("mail-text-encoding")) from None
    except OSError as exc:
        from ..core.catalogue import os_reason

        raise UsageError("mail-template", path=source, reason=os_reason(exc)) from None
    lines = text.replace("\r\n", "\n").split("\n")
    first = lines[0].strip()
    if not first.startswith(SUBJECT_PREFIXES):
        raise UsageError("mail-template", path=source, reason=say("mail-text-subject"))
    subject = first[len(SUBJECT_PREFIXES[0]) :].strip()
    body = "\n".join(lines[1:]).strip("\n") + "\n"
    return MailText(path=source, subject=subject, body=body)


def normal_address(address: str) -> str:
    """The address as it may go into RCPT TO and a header: ASCII, an internationalised domain
    in IDNA (xn--) form; "" for anything else (a display name, spaces, CR/LF, two addresses)."""
    text = address or ""
    if len(text) > 254 or any(c in text for c in "\r\n\0"):
        return ""
    local, at, domain = text.strip().rpartition("@")
    if not at or not local.isascii():
        return ""
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return ""
    candidate = f"{local}@{domain}"
    return candidate if _ADDRESS.fullmatch(candidate) else ""


def valid_address(address: str) -> bool:
    """Whether `address` is one plain address (IDN domains too) and nothing else."""
    return bool(normal_address(address))


def clean_message_id(text: str) -> str:
    """A Message-ID fit to be repeated in In-Reply-To (RFC 5322 msg-id, ASCII); "" otherwise, so
    that an agency's non-ASCII or forged Message-ID never reaches a header nianbao writes."""
    text = (text or "").strip()
    return text if _MESSAGE_ID.fullmatch(text) else ""


@dataclass(frozen=True, kw_only=True)
class Attachment:
    name: str
    data: bytes


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    body: str,
    attachments: Sequence[Attachment] = (),
    date: datetime | None = None,
    in_reply_to: str = "",
    message_id: str = "",
) -> tuple[str, bytes]:
    """(Message-ID, the whole message as bytes with CRLF line ends). `sender` and `to` must be
    plain addresses (ValueError otherwise: no CR/LF or second header can pass); an `in_reply_to`
    that is not a well-formed ASCII Message-ID is left out."""
    sender, to = normal_address(sender) or _refuse(sender), normal_address(to) or _refuse(to)
    in_reply_to = clean_message_id(in_reply_to)
    date = date or datetime.now().astimezone()
    if date.tzinfo is None:
        date = date.astimezone()
    domain = sender.rpartition("@")[2] or "localhost"
    message_id = clean_message_id(message_id) or make_msgid(
        idstring=secrets.token_hex(4), domain=domain
    )
    boundary = "=_nianbao_" + secrets.token_hex(12)
    headers = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {_encoded(subject, 'Subject')}",
        f"Date: {format_datetime(date)}",
        f"Message-ID: {message_id}",
    ]
    if in_reply_to:
        headers += [f"In-Reply-To: {in_reply_to}", f"References: {in_reply_to}"]
    headers += [
        "MIME-Version: 1.0",
        f'Content-Type: multipart/mixed; boundary="{boundary}"',
    ]
    parts = [
        "\r\n".join(
            [
                "Content-Type: text/plain; charset=UTF-8",
                "Content-Transfer-Encoding: base64",
                "",
                _base64(body.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")),
            ]
        )
    ]
    for attachment in attachments:
        mime = _MIME.get(Path(attachment.name).suffix.lower(), "application/octet-stream")
        parts.append(
            "\r\n".join(
                [
                    f'Content-Type: {mime};\r\n name="{_encoded(attachment.name, "", quoted=True)}"',
                    f"Content-Disposition: attachment;\r\n {_rfc2231('filename', attachment.name)}",
                    "Content-Transfer-Encoding: base64",
                    "",
                    _base64(attachment.data),
                ]
            )
        )
    text = "\r\n".join(headers) + "\r\n\r\n" + "This is a multipart message in MIME format.\r\n"
    for part in parts:
        text += f"\r\n--{boundary}\r\n{part}"
    text += f"\r\n--{boundary}--\r\n"
    return message_id, text.encode("ascii")


def _refuse(address: str) -> str:
    raise ValueError(f"not a plain address: {address!r}")


def _base64(data: bytes) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    return "\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))


def _encoded(text: str, header: str, *, quoted: bool = False) -> str:
    """RFC 2047: plain ASCII stays as it is; anything else becomes UTF-8 base64 encoded words,
    each whole characters and at most 75 characters long, one per folded line."""
    text = " ".join(text.split())  # never a line break inside a header
    if text.isascii() and not quoted:
        return str(Header(text, "us-ascii", header_name=header).encode(linesep="\r\n"))
    if text.isascii() and '"' not in text and "\\" not in text:
        return text
    words, chunk = [], b""
    for char in text:
        encoded = char.encode("utf-8")
        if len(chunk) + len(encoded) > _WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += encoded
    words.append(chunk)
    return "\r\n ".join(
        "=?UTF-8?B?" + base64.b64encode(word).decode("ascii") + "?=" for word in words
    )


def _rfc2231(parameter: str, value: str) -> str:
    """`filename*0*=UTF-8''…; filename*1*=…` in lines of at most about 78 characters."""
    encoded = quote(value, safe="")
    if value.isascii() and len(value) < 60 and '"' not in value and "\\" not in value:
        return f'{parameter}="{value}"'
    pieces, rest = [], encoded
    while rest:
        cut = min(len(rest), 60)
        while cut < len(rest) and "%" in rest[cut - 2 : cut]:  # never split a %XX escape
            cut -= 1
        pieces.append(rest[:cut])
        rest = rest[cut:]
    lines = []
    for index, piece in enumerate(pieces):
        prefix = "UTF-8''" if index == 0 else ""
        lines.append(f"{parameter}*{index}*={prefix}{piece}")
    return ";\r\n ".join(lines)
