"""Reads any published report file into a SourceDocument: decides its format by its content (the
name's suffix is only a hint, for the cases the content cannot settle) and hands it to its reader.

The file is untrusted and read bounded (read.read_bytes: a regular file within the size limit).
A file whose content is not what its name says, an old binary Word .doc, an encrypted Office file,
an empty file: each is a SourceError with a Chinese message saying what to do, never a traceback.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ..xlsx.read import ReadError, read_bytes
from .published_docx import read_docx
from .published_html import read_html
from .published_pdf import read_pdf
from .published_source import SourceDocument, SourceError, SourceKind
from .published_text import read_text

__all__ = ["SUFFIXES", "load_published", "parse_published", "read_published", "sniff"]

SUFFIXES = {
    ".html": SourceKind.HTML,
    ".htm": SourceKind.HTML,
    ".shtml": SourceKind.HTML,
    ".xhtml": SourceKind.HTML,
    ".docx": SourceKind.DOCX,
    ".pdf": SourceKind.PDF,
    ".txt": SourceKind.TEXT,
    ".md": SourceKind.TEXT,  # a PDF or web page converted to markdown: text with pipe tables
    ".markdown": SourceKind.TEXT,
}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_MARKUP = ("<html", "<!doctype html", "<head", "<body", "<table", "<meta", "<div", "<p>", "<p ")
_NAMES = {SourceKind.HTML: "HTML", SourceKind.DOCX: "Word（.docx）", SourceKind.PDF: "PDF"}


def read_published(path: Path, *, ocr: bool = True) -> SourceDocument:
    """The SourceDocument of a published report file (SourceError when it cannot be read)."""
    return parse_published(load_published(path), Path(path).suffix.lower(), ocr=ocr)


def load_published(path: Path) -> bytes:
    """A published report's bytes, through the same bounded loader as every file nianbao reads."""
    try:
        return read_bytes(Path(path))
    except ReadError as exc:
        raise SourceError("import-unreadable", reason=str(exc).rstrip("。")) from None


def parse_published(data: bytes, suffix: str, *, ocr: bool = True) -> SourceDocument:
    """The SourceDocument of a report's bytes; `suffix` (".pdf") only hints at the format."""
    if not data.strip():
        raise SourceError("import-empty")
    kind = sniff(data, suffix)
    try:
        if kind is SourceKind.PDF:
            return read_pdf(data, ocr=ocr)
        if kind is SourceKind.DOCX:
            return read_docx(data)
        if kind is SourceKind.HTML:
            return read_html(data)
        return read_text(data)
    except SourceError:
        raise
    except zipfile.BadZipFile:  # a member failing its CRC, found only when python-docx reads it
        raise SourceError("import-broken-zip") from None
    except (RecursionError, MemoryError, ValueError, LookupError, TypeError, OSError) as exc:
        # the readers turn the failures they know into SourceErrors; a hostile file may still
        # find one they do not, and the user must get a message, not a traceback
        raise SourceError("import-unreadable", reason=type(exc).__name__) from None


def sniff(data: bytes, suffix: str) -> SourceKind:
    """The format of a file by its first bytes; the suffix decides only between HTML and text
    (a page without markup at its start), and a .pdf or .docx whose content is neither is refused
    rather than read as text."""
    head = data[:1024]
    if b"%PDF-" in head:  # the header may follow some junk bytes, as PDF readers allow
        return SourceKind.PDF
    if data.startswith(_ZIP):
        return SourceKind.DOCX  # read_docx says so when the zip holds no Word document
    if data.startswith(_OLE):
        raise SourceError(_ole_code(data, suffix))
    if _markup(data[:4096]):
        return SourceKind.HTML
    expected = SUFFIXES.get(suffix)
    if expected in (SourceKind.PDF, SourceKind.DOCX):
        raise SourceError("import-wrong-content", suffix=suffix, kind=_NAMES[expected])
    if expected is SourceKind.HTML:
        return SourceKind.HTML
    if suffix in (".doc", ".wps", ".rtf"):
        raise SourceError("import-doc")
    return SourceKind.TEXT


def _markup(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", "ignore")
    else:
        text = head.decode("latin-1")
    text = text.lstrip("\ufeff\xef\xbb\xbf \t\r\n").lower()
    if not text.startswith("<"):
        return False
    return any(marker in text for marker in _MARKUP)


def _ole_code(data: bytes, suffix: str) -> str:
    """Why an OLE compound file cannot be read: an old Word document, an Office file encrypted
    with a password to open (a .docx is then an OLE file), or something else."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
        try:
            if ole.exists("WordDocument"):
                return "import-doc"
            if ole.exists("EncryptedPackage") or ole.exists("EncryptionInfo"):
                return "import-office-encrypted"
        finally:
            ole.close()
    except Exception:  # olefile raises many types on a broken file; the answer is the same
        pass
    return "import-doc" if suffix in (".doc", ".wps") else "import-unknown-format"
