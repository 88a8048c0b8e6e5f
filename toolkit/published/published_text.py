"""A published report given as plain text (.txt), in UTF-8 or GBK, read line by line.

Real reports come as text when an office copies a web page into Notepad (the seed of issue 14 is
one): its tables are then tab-separated lines, so tabs are kept as they are and the matcher splits
them. The encoding is taken from a byte order mark, else UTF-8 when the bytes are valid UTF-8,
else GB18030 (a superset of GBK and GB2312, which Windows Notepad writes as "ANSI" on a Chinese
system). Bytes that are neither are not a text file.
"""

from __future__ import annotations

import re

from .published_source import Place, SourceDocument, SourceError, SourceKind, SourceLine

__all__ = ["decode_text", "read_text"]

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# C0 controls other than tab, line feed, form feed and carriage return: text files hold none, a
# binary file decoded by luck holds many.
# A line of tabs or no-break spaces only: the blank cells of a table a browser copied (kept for
# published_layouts); a line of plain spaces is nothing.
_FILLER = re.compile(r"[\t\u00a0\u3000]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def decode_text(data: bytes, declared: str | None = None) -> str:
    """The text of `data`: by its byte order mark, else the `declared` encoding (from an HTML
    page's meta tag) when it decodes, else UTF-8, else GB18030. SourceError when nothing fits or
    the result holds control characters (a binary file)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _checked(data, encoding)
    tried: list[str] = []
    if declared:
        tried.append(declared)
    tried += ["utf-8", "gb18030"]
    for encoding in tried:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        return _no_controls(text)
    raise SourceError("import-not-text")


def _checked(data: bytes, encoding: str) -> str:
    try:
        return _no_controls(data.decode(encoding))
    except UnicodeDecodeError:
        raise SourceError("import-not-text") from None


def _no_controls(text: str) -> str:
    # A few stray controls happen in real files (a page break copied from Word); a binary file
    # that happens to decode has them everywhere.
    if len(_CONTROL.findall(text[:65536])) > 8:
        raise SourceError("import-not-text")
    return _CONTROL.sub("", text)


def read_text(data: bytes) -> SourceDocument:
    """One SourceLine per non-blank line, tabs kept, `Place(line=n)` its line number in the file
    (blank lines are skipped but counted, so the number is the one an editor shows). A line of
    tabs or no-break spaces only is kept: in a browser's copy of a table it marks blank cells."""
    text = decode_text(data)
    lines = [
        SourceLine(text=line, place=Place(line=number))
        for number, line in enumerate(_LINE_BREAK.split(text), start=1)
        if line.strip() or _FILLER.search(line)
    ]
    return SourceDocument(kind=SourceKind.TEXT, blocks=tuple(lines))
