"""The zip package of an .xlsx or .ods, opened under fixed limits, and the one safe way to parse an
XML part of it: a linear scan that refuses any DTD before the root element, then lxml with entities,
network and DTD loading off.

Returned files are untrusted: every limit that keeps one file from exhausting time or memory is in
`LIMITS` (README, "Limits"); every refusal is a `ReadError` whose message is Chinese.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

from lxml import etree

from ..core.catalogue import say

__all__ = [
    "LIMITS",
    "Package",
    "ReadError",
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


class Package:
    """A zip package whose sizes were checked, with parts found case-insensitively (OOXML part
    names are case-insensitive; some producers write `xl/SharedStrings.xml`)."""

    def __init__(self, data: bytes) -> None:
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
        return self.archive.read(info)

    def xml(self, name: str) -> bytes | None:
        """The bytes of an XML part we are about to parse, refused when it carries a DTD."""
        data = self.read(name)
        if data is not None:
            refuse_dtd(data)
        return data


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
