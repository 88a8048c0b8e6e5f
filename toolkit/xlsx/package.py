"""The zip package of an .xlsx or .ods, opened under fixed limits, and the one safe way to parse an
XML part of it: a linear scan that refuses any DTD before the root element, then lxml with entities,
network and DTD loading off.

Returned files are untrusted: every limit that keeps one file from exhausting time or memory is in
`LIMITS` (README, "Limits"); every refusal is a `ReadError` whose message is Chinese.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Hashable, Iterator
from typing import Any, TypeVar

from lxml import etree

from ..core.catalogue import say

__all__ = [
    "LIMITS",
    "Package",
    "PartCache",
    "ReadError",
    "directory_member",
    "elements",
    "iterparse",
    "parse_whole",
    "refuse_dtd",
]

LIMITS = {
    "file_bytes": 50 * 1024 * 1024,  # a real report is about 30 KB
    "part_bytes": 64 * 1024 * 1024,  # one XML part, uncompressed
    "total_bytes": 256 * 1024 * 1024,  # all parts, uncompressed
    "ratio": 200,  # uncompressed / compressed, per part (zip bombs reach thousands)
    # Cells kept around the form's own area: a clerk may insert rows or columns, or write a note
    # below a table; everything farther out is only counted (`Workbook.stray`).
    "row_margin": 200,
    "col_margin": 30,
    "glimpse_rows": 60,  # rows kept of a sheet in a workbook that is not ours
    "glimpse_cols": 60,
    # What python-calamine may build for an .xls or .ods (it allocates the whole rectangle from A1
    # to the last cell of every sheet when the file is opened): about 100 MB.
    "cell_budget": 2_000_000,
    "shared_strings": 2_000_000,  # entries of xl/sharedStrings.xml
    "formula_masters": 100_000,  # shared-formula masters remembered per sheet
    "merges": 1_000,  # merged ranges kept per sheet (a template has about 30)
    "expand_cells": 10_000,  # a validation or array range larger than this is not expanded
    "expand_total": 100_000,  # cells expanded from validations (and array ranges) per sheet
    # Parts up to this size are parsed into a tree at once (twice as fast as streaming, and the
    # tree stays under about 30 MB); larger ones are streamed and cleared row by row.
    "tree_bytes": 1024 * 1024,
}

_PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
}
_FEED = 1024 * 1024  # bytes handed to the streaming parser at a time
_PARSER = etree.XMLParser(remove_comments=True, remove_pis=True, **_PARSER_OPTIONS)
# What zipfile and zlib raise for a package whose directory looks fine but whose parts do not.
BROKEN_PACKAGE = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    KeyError,
    NotImplementedError,  # an unsupported compression method
    RuntimeError,  # an encrypted zip member
    UnicodeDecodeError,
)


class ReadError(Exception):
    """The file cannot be read; the message (Chinese, from the catalogue) says why."""

    def __init__(self, code: str, /, **params: Any) -> None:
        self.code = code
        super().__init__(say(code, **params))


_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, skipped fields, name and extra lengths
_END_RECORD = struct.Struct("<4s4H2LH")  # as zipfile's structEndArchive
_CENTRAL_ENTRY = struct.Struct("<4s4B4HL2L5H2L")  # as zipfile's structCentralDir
_PLAIN_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_T = TypeVar("_T")


class Package:
    """A zip package whose sizes were checked, with parts found case-insensitively (OOXML part
    names are case-insensitive; some producers write `xl/SharedStrings.xml`).

    zipfile reads the central directory; a part is inflated straight from the file's bytes (its
    local header checked, its size and CRC-32 verified, as zipfile does) without zipfile's
    per-member file objects, and anything unusual (encryption, another method, a header that does
    not match) is left to zipfile, which reads it or says why not."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
            infos = self.archive.infolist()
        except (zipfile.BadZipFile, ValueError, OSError, EOFError):
            raise ReadError("read-broken-zip") from None
        total = 0
        self.parts: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            total += info.file_size
            if info.file_size > LIMITS["part_bytes"] or total > LIMITS["total_bytes"]:
                raise ReadError("read-zip-bomb")
            ratio = info.file_size / info.compress_size if info.compress_size else 0
            if ratio > LIMITS["ratio"] and info.file_size > 1024 * 1024:
                raise ReadError("read-zip-ratio")
            key = info.filename.lower()
            if key in self.parts:  # which of the two a program shows is anyone's guess
                raise ReadError("read-duplicate-part", part=info.filename[:80])
            self.parts[key] = info
        self.names = tuple(info.filename for info in infos)

    def has(self, name: str) -> bool:
        return name.lower() in self.parts

    def read(self, name: str) -> bytes | None:
        """The bytes of a part (None when missing)."""
        info = self.parts.get(name.lower())
        if info is None:
            return None
        return self._inflate(info, self.compressed(info))

    def xml(self, name: str) -> bytes | None:
        """The bytes of an XML part we are about to parse, refused when it carries a DTD."""
        data = self.read(name)
        if data is not None:
            refuse_dtd(data)
        return data

    def compressed(self, info: zipfile.ZipInfo) -> bytes | None:
        """A part's bytes as stored in the file, when its local header agrees with the central
        directory and it is stored or deflated without encryption (else None)."""
        if info.flag_bits & 0x1 or info.compress_type not in _PLAIN_METHODS:
            return None
        offset = info.header_offset
        header = self.data[offset : offset + _LOCAL_HEADER.size]
        if len(header) < _LOCAL_HEADER.size:
            return None
        signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
        start = offset + _LOCAL_HEADER.size
        encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
        if signature != b"PK\x03\x04" or self.data[start : start + name_length] != (
            info.orig_filename.encode(encoding, "replace")
        ):
            return None
        start += name_length + extra_length
        raw = self.data[start : start + info.compress_size]
        return raw if len(raw) == info.compress_size else None

    def _inflate(self, info: zipfile.ZipInfo, raw: bytes | None) -> bytes:
        if raw is not None:
            if info.compress_type == zipfile.ZIP_STORED:
                out = raw
            else:  # bounded: never more than the size the directory declares (checked above)
                try:
                    out = zlib.decompressobj(-15).decompress(raw, info.file_size + 1)
                except zlib.error:
                    out = b""
            if len(out) == info.file_size and zlib.crc32(out) == info.CRC:
                return out
        return self.archive.read(info)  # the unusual or the damaged: zipfile reads it or says why

    def cached(
        self, name: str, cache: PartCache, key: Hashable, parse: Callable[[bytes], _T]
    ) -> _T:
        """`parse` of a part's bytes (b"" when missing), from `cache` when a part with the same
        stored bytes was parsed with the same `key` before; an XML part's DTD is refused first."""
        info = self.parts.get(name.lower())
        if info is None:
            return parse(b"")
        raw = self.compressed(info)
        found = cache.get(info, raw, key)
        if found is not None:
            return found[0]
        data = self._inflate(info, raw)
        refuse_dtd(data)
        value = parse(data)
        if raw is not None:
            cache.put(info, raw, key, value)
        return value


class PartCache:
    """What was made of parts that are byte for byte the same in many files of a batch (the
    workbook, its styles and relationships, tables of zeros): found by the zip directory's CRC-32
    and sizes and confirmed by comparing the stored bytes, so that the content is never hashed
    and a colliding CRC can never pass for another part. Bounded in entries and bytes."""

    def __init__(self, entries: int = 256, part_bytes: int = 256 * 1024) -> None:
        self.entries = entries
        self.part_bytes = part_bytes
        self._found: dict[tuple[Any, ...], tuple[bytes, tuple[Any]]] = {}

    def get(self, info: zipfile.ZipInfo, raw: bytes | None, key: Hashable) -> tuple[Any] | None:
        if raw is None:
            return None
        entry = self._found.get((info.CRC, info.file_size, info.compress_type, len(raw), key))
        return entry[1] if entry is not None and entry[0] == raw else None

    def put(self, info: zipfile.ZipInfo, raw: bytes, key: Hashable, value: Any) -> None:
        if len(raw) > self.part_bytes:
            return
        if len(self._found) >= self.entries:
            self._found.clear()
        self._found[(info.CRC, info.file_size, info.compress_type, len(raw), key)] = (raw, (value,))


def directory_member(data: bytes, name: str, max_bytes: int) -> bytes | None:
    """A member's bytes found through the zip's own end record and central directory, without
    zipfile's objects: a quick look for callers that fall back to zipfile on None, which comes for
    anything unusual (a comment or zip64 end record, a split archive, the name twice, encryption,
    another method, more than `max_bytes`, a local header or CRC-32 that does not agree)."""
    end = len(data) - _END_RECORD.size
    if end < 0 or data[end : end + 4] != b"PK\x05\x06":
        return None
    _, disk, first_disk, here, total, size, offset, comment = _END_RECORD.unpack_from(data, end)
    if disk or first_disk or here != total or comment or offset + size > end:
        return None
    wanted, found, position = name.lower().encode(), None, offset
    for _ in range(total):
        if position + _CENTRAL_ENTRY.size > end:
            return None
        entry = _CENTRAL_ENTRY.unpack_from(data, position)
        if entry[0] != b"PK\x01\x02":
            return None
        start = position + _CENTRAL_ENTRY.size
        name_length, extra_length, comment_length = entry[12], entry[13], entry[14]
        if data[start : start + name_length].lower() == wanted:
            if found is not None:
                return None
            found = entry
        position = start + name_length + extra_length + comment_length
    if found is None:
        return None
    flags, method, crc, packed, size, local = (
        found[5],
        found[6],
        found[9],
        found[10],
        found[11],
        found[18],
    )
    if flags & 0x1 or method not in _PLAIN_METHODS or size > max_bytes:
        return None
    header = data[local : local + _LOCAL_HEADER.size]
    if len(header) < _LOCAL_HEADER.size:
        return None
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    start = local + _LOCAL_HEADER.size + name_length + extra_length
    raw = data[start : start + packed]
    if signature != b"PK\x03\x04" or len(raw) != packed:
        return None
    try:
        out = (
            raw
            if method == zipfile.ZIP_STORED
            else zlib.decompressobj(-15).decompress(raw, size + 1)
        )
    except zlib.error:
        return None
    return out if len(out) == size and zlib.crc32(out) == crc else None


def refuse_dtd(data: bytes) -> None:
    """Refuse a part with a DTD before its root element, however much padding comes first.

    Real workbooks never carry one, and its entities are how "billion laughs" files exhaust memory.
    The prolog is walked once (declarations, processing instructions, comments, white space), so
    the scan is linear whatever it holds.
    """
    text: bytes | str = data
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:1] == b"\0" or data[1:2] == b"\0":
        try:  # UTF-16 (with its byte order mark, or without: UTF-16-BE/LE by the zero byte)
            encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else (
                "utf-16-be" if data[:1] == b"\0" else "utf-16-le"
            )  # fmt: skip
            text = data.decode(encoding)
        except UnicodeDecodeError:
            raise ReadError("read-bad-xml", part="") from None
    _scan_prolog(text)


def _scan_prolog(text: Any) -> None:
    # Works on bytes and on str alike: only find/startswith/strip and slicing are used.
    lt, end_pi, end_comment = ("<", "?>", "-->") if isinstance(text, str) else (b"<", b"?>", b"-->")
    pi, comment, bang = ("<?", "<!--", "<!") if isinstance(text, str) else (b"<?", b"<!--", b"<!")
    bom = "\ufeff" if isinstance(text, str) else b"\xef\xbb\xbf"
    i = len(bom) if text.startswith(bom) else 0
    while True:
        j = text.find(lt, i)
        if j < 0 or text[i:j].strip():
            return  # no element at all, or text before it: not well-formed, the parser says so
        if text.startswith(comment, j):
            k = text.find(end_comment, j + 4)
            if k < 0:
                return
            i = k + 3
        elif text.startswith(pi, j):
            k = text.find(end_pi, j + 2)
            if k < 0:
                return
            i = k + 2
        elif text.startswith(bang, j):  # <!DOCTYPE, <!ENTITY or anything else declarative
            raise ReadError("read-dtd")
        else:
            return  # the root element


def elements(data: bytes, tags: tuple[str, ...] | frozenset[str]) -> Iterator[Any]:
    """The elements with these tags in document order: from a tree for a small part, streamed and
    cleared behind us for a large one (so memory does not grow with the part)."""
    tags = tuple(tags)
    if len(data) <= LIMITS["tree_bytes"]:
        yield from parse_whole(data).iter(*tags)
        return
    for element in iterparse(data, tags):
        yield element
        element.clear()
        parent = element.getparent()
        if parent is not None:
            while element.getprevious() is not None:
                del parent[0]


def parse_whole(data: bytes) -> Any:
    """A small part as a tree (its size bounds the tree's memory)."""
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ReadError("read-bad-xml", part=_short(exc)) from None


def iterparse(
    data: bytes, tags: tuple[str, ...], events: tuple[str, ...] = ("end",)
) -> Iterator[Any]:
    """The elements with the given tags as their events come (end events by default), streamed;
    the caller clears what it has used. Fed a megabyte at a time (a third faster than lxml's
    iterparse reading a file object in its small chunks)."""
    parser = etree.XMLPullParser(
        events=events, tag=tags, remove_comments=True, remove_pis=True, **_PARSER_OPTIONS
    )
    only_end = events == ("end",)
    try:
        for start in range(0, len(data), _FEED):
            parser.feed(data[start : start + _FEED])
            for event, element in parser.read_events():
                yield element if only_end else (event, element)
        parser.close()
        for event, element in parser.read_events():
            yield element if only_end else (event, element)
    except etree.XMLSyntaxError as exc:
        raise ReadError("read-bad-xml", part=_short(exc)) from None


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]
