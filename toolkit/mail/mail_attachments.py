"""Attachments from any mail client: file names in RFC 2231, RFC 2047 (also inside quotes) or raw
8-bit bytes (GBK, GB18030), headers decoded the same way, sizes judged before decoding, and zip
archives opened under the reader's limits (package.LIMITS: zip bombs, lying headers). Used by
collect.py; mail is untrusted, so nothing here raises for a bad message: a skipped attachment says why.
"""

from __future__ import annotations

import contextlib
import email
import email.utils
import io
import re
import zipfile
from collections.abc import Iterator
from email.header import decode_header
from email.message import Message
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote_to_bytes

from ..core import texts as tx
from ..core.catalogue import say
from ..core.text import inert
from ..xlsx.package import BROKEN_PACKAGE, LIMITS

__all__ = [
    "ARCHIVES",
    "SPREADSHEETS",
    "CollectResult",
    "Skip",
    "attachment_name",
    "header",
    "header_text",
    "parse_message",
    "unzip",
    "workbooks",
]


class CollectResult(StrEnum):
    """What became of one attachment (or of a message without any): the 结果 column of the
    collection log, which stores the Chinese word (a str enum, so that logs written by earlier
    versions read back the same)."""

    SAVED = tx.COLLECT_SAVED
    DUPLICATE = tx.COLLECT_DUPLICATE  # the same file was saved before: not saved again
    UNIDENTIFIED = tx.COLLECT_UNIDENTIFIED  # saved, but its agency could not be read
    NO_WORKBOOK = tx.NO_WORKBOOK
    TOO_LARGE = tx.ATTACHMENT_TOO_LARGE
    REFUSED = tx.ATTACHMENT_REFUSED
    SENDER_MISMATCH = tx.COLLECT_SENDER_MISMATCH  # set aside: not sent from its agency's address


# .et is WPS 表格's own name: an .xls inside (OLE2), or an .xlsx from newer WPS; read by content.
SPREADSHEETS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".et": "xls", ".ods": "ods"}
ARCHIVES = (".zip",)
_SPREADSHEET_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/zip": ".zip",
    "application/x-zip-compressed": ".zip",
}
ARCHIVE_MAX_MEMBERS = 200
# Bounds on one message's structure: a real return is one or two levels deep with a few
# attachments; a hostile one nests thousands deep (the parser recurses) or carries thousands.
MESSAGE_MAX_MULTIPARTS = 100  # multipart containers, counted in the raw bytes before parsing
MESSAGE_MAX_DEPTH = 20
MESSAGE_MAX_ATTACHMENTS = 50  # spreadsheets (and archives) taken from one message
_MULTIPART = re.compile(rb"(?im)^content-type:[ \t]*(?:\r?\n[ \t]+)?multipart/")
# Chinese mail clients label GBK text as gb2312 or gbk; GB18030 decodes all of them.
_CHARSETS = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "x-gbk": "gb18030"}


# ------------------------------------------------------------------------------------------------
# Names and headers from any mail client
# ------------------------------------------------------------------------------------------------


def _decode(data: bytes, charset: str | None) -> str:
    charset = (charset or "").lower().strip()
    charset = _CHARSETS.get(charset, charset)
    for candidate in (charset, "utf-8", "gb18030"):
        if not candidate:
            continue
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", "replace")


def _raw_bytes(text: str) -> bytes:
    """Header text as the bytes that came over the wire (8-bit bytes arrive as surrogates)."""
    return text.encode("ascii", "surrogateescape")


def header_text(value: object) -> str:
    """An RFC 2047 header (or raw 8-bit GBK/UTF-8 text) as one line of text."""
    if value is None:
        return ""
    text = str(value)
    try:
        parts = decode_header(text)
    except (ValueError, LookupError):
        parts = [(text, None)]
    out = []
    for part, charset in parts:
        if isinstance(part, bytes):
            try:
                out.append(_decode(part, charset))
            except UnicodeEncodeError:
                out.append(part.decode("utf-8", "replace"))
        else:
            out.append(_decode(_raw_bytes(part), None) if not part.isascii() else part)
    return " ".join("".join(out).split())


def header(message: Message, name: str) -> str:
    """A header as one line of text: RFC 2047 words or raw 8-bit UTF-8/GBK bytes decoded."""
    raw = next((v for k, v in message.raw_items() if k.lower() == name.lower()), None)
    return header_text(raw) if raw is not None else ""


def _param(part: Message, name: str, header: str) -> str:
    # Raw 8-bit bytes in a header reach us as surrogates, which get_param would turn into U+FFFD:
    # decode such a header (UTF-8, else GB18030) into a copy first, then read its parameters.
    raw = next((v for k, v in part.raw_items() if k.lower() == header), None)
    if raw is None:
        return ""
    copy = Message()
    copy[header] = raw if str(raw).isascii() else _decode(_raw_bytes(str(raw)), None)
    value = copy.get_param(name, header=header)
    if value is None:
        return ""
    if isinstance(value, tuple):  # RFC 2231: (charset, language, %-encoded text)
        charset, _, text = value
        return _decode(unquote_to_bytes(text.encode("latin-1", "replace")), charset)
    text = email.utils.unquote(str(value))
    return header_text(text) if "=?" in text else text


def attachment_name(part: Message) -> str:
    """The file name an attachment was sent under, whichever way the client encoded it:
    RFC 2231 (filename*=), RFC 2047 (=?GBK?B?…?=, also inside quotes), or raw 8-bit bytes."""
    name = _param(part, "filename", "content-disposition") or _param(part, "name", "content-type")
    return " ".join(name.replace("\\", "/").rsplit("/", 1)[-1].split())


# ------------------------------------------------------------------------------------------------
# Attachments and archives
# ------------------------------------------------------------------------------------------------


class Skip(Exception):
    def __init__(self, result: CollectResult, note: str) -> None:
        super().__init__(note)
        self.result = result


def _suffix(name: str, content_type: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in SPREADSHEETS or suffix in ARCHIVES:
        return suffix
    return _SPREADSHEET_TYPES.get(content_type, "") if not suffix else ""


def _megabytes(limit: int) -> str:
    return f"{limit / (1024 * 1024):g} MB"


def _payload(part: Message, limit: int) -> bytes:
    """The decoded attachment; its encoded size is judged first, so a huge one is never decoded."""
    encoded = part.get_payload()
    if isinstance(encoded, str) and len(encoded) * 3 // 4 > limit + 4096:
        raise Skip(CollectResult.TOO_LARGE, say("mail-too-large", size=_megabytes(limit)))
    decoded = part.get_payload(decode=True)
    data = decoded if isinstance(decoded, bytes) else b""  # not base64/qp: nothing to save
    if len(data) > limit:
        raise Skip(CollectResult.TOO_LARGE, say("mail-too-large", size=_megabytes(limit)))
    return data


def _zip_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:  # not flagged UTF-8: Chinese Windows zips names in GBK
        with contextlib.suppress(UnicodeEncodeError):
            name = _decode(name.encode("cp437"), None)
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def unzip(data: bytes, limit: int) -> Iterator[tuple[str, bytes]]:
    """The spreadsheets inside a zip attachment (or a zip uploaded to the workbench), under the
    reader's limits (zip bombs, lying headers, too many members); nested archives are not
    opened. Skip, with the reason in Chinese, for an archive refused as a whole."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
        if len(members) > ARCHIVE_MAX_MEMBERS:
            raise Skip(CollectResult.REFUSED, say("mail-zip-members", count=ARCHIVE_MAX_MEMBERS))
        total = 0
        for info in members:
            name = _zip_name(info)
            if info.is_dir() or Path(name).suffix.lower() not in SPREADSHEETS:
                continue
            if info.file_size > 1024 * 1024 and info.file_size > LIMITS["ratio"] * max(
                info.compress_size, 1
            ):
                raise Skip(CollectResult.REFUSED, say("mail-zip-ratio"))
            if info.file_size > limit:
                raise Skip(
                    CollectResult.TOO_LARGE,
                    say("mail-zip-member-too-large", name=name, size=_megabytes(limit)),
                )
            total += info.file_size
            if total > LIMITS["total_bytes"]:
                raise Skip(CollectResult.REFUSED, say("mail-zip-total"))
            with archive.open(info) as handle:
                content = handle.read(limit + 1)
            if len(content) > limit:
                raise Skip(CollectResult.REFUSED, say("mail-zip-size-lie"))
            yield name, content
    except RuntimeError:
        raise Skip(CollectResult.REFUSED, say("mail-zip-encrypted")) from None
    except BROKEN_PACKAGE:
        raise Skip(CollectResult.REFUSED, say("mail-zip-broken")) from None


def parse_message(raw: bytes) -> Message:
    """The message parsed, or Skip (REFUSED, why) for one nested too deep or too often: the
    containers are counted in the raw bytes first, so the parser never recurses thousands deep."""
    if len(_MULTIPART.findall(raw)) > MESSAGE_MAX_MULTIPARTS:
        raise Skip(CollectResult.REFUSED, say("mail-too-deep", count=MESSAGE_MAX_MULTIPARTS))
    try:
        message = email.message_from_bytes(raw)
    except (RecursionError, MemoryError, ValueError, LookupError, TypeError) as exc:
        reason = type(exc).__name__
        raise Skip(CollectResult.REFUSED, say("mail-unparsable", reason=reason)) from None
    _leaves(message)  # the depth is judged once, before anything is taken from it
    return message


def _leaves(message: Message) -> list[Message]:
    """The non-multipart parts in order, walked without recursion; Skip beyond MESSAGE_MAX_DEPTH."""
    found: list[Message] = []
    stack: list[tuple[Message, int]] = [(message, 0)]
    while stack:
        part, depth = stack.pop()
        if depth > MESSAGE_MAX_DEPTH:
            raise Skip(CollectResult.REFUSED, say("mail-too-deep", count=MESSAGE_MAX_DEPTH))
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list):
            children = [c for c in payload if isinstance(c, Message)]
            stack.extend((child, depth + 1) for child in reversed(children))
        elif not part.is_multipart():
            found.append(part)
    return found


def workbooks(message: Message, limit: int) -> Iterator[tuple[str, bytes | Skip]]:
    """(attachment name, bytes or why it was skipped) for every spreadsheet in a message, at
    most MESSAGE_MAX_ATTACHMENTS of them (then one Skip saying the rest were not taken)."""
    taken = 0
    for part in _leaves(message):
        name = inert(attachment_name(part))
        suffix = _suffix(name, part.get_content_type())
        if not suffix:
            continue
        if taken == MESSAGE_MAX_ATTACHMENTS:
            count = MESSAGE_MAX_ATTACHMENTS
            yield "", Skip(CollectResult.REFUSED, say("mail-too-many-attachments", count=count))
            return
        taken += 1
        name = name or tx.ATTACHMENT.format(suffix=suffix)
        try:
            data = _payload(part, limit)
            if suffix in ARCHIVES:
                found = list(unzip(data, limit))
                if not found:
                    yield name, Skip(CollectResult.NO_WORKBOOK, say("mail-zip-empty"))
                for inner, content in found:
                    yield f"{name}/{inert(inner)}", content
            else:
                yield name, data
        except Skip as skip:
            yield name, skip
