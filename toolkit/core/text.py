"""Text rules shared by every stage: what counts as blank, and how untrusted text is made inert.

Returned files, rosters and last year's rollups are written by others. Their text reaches the
terminal, file names, CSV files and workbooks that nianbao writes; each of those has its own way of
being tricked (markup, control characters, formulas, over-long names), and each is handled here once.
"""

from __future__ import annotations

import re
import unicodedata

from . import texts as tx

__all__ = [
    "BLANK_CHARACTERS",
    "EXCEL_CELL_LIMIT",
    "FILE_NAME_BYTES",
    "cell_text",
    "compact",
    "csv_safe",
    "excel_without_blanks",
    "inert",
    "is_blank",
    "page_text",
    "safe_file_name",
    "strip_blank",
]

# The one definition of blank text: a narrative part, an explanation or a name made only of these
# characters is empty. Whitespace as Python and Unicode know it (ASCII, no-break, ideographic and
# typographic spaces, line and paragraph separators), the invisible format characters that editors
# and web pages leave behind (zero-width spaces and joiners, word joiner, BOM, soft hyphen,
# direction marks and embeddings), and the invisible fillers (Hangul fillers, braille blank).
# The template's Excel formulas are generated from the same list (`excel_without_blanks`), so the
# live status in the workbook and the checker agree.
BLANK_CHARACTERS = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
    "\u200b\u200c\u200d\u2060\ufeff\u180e\u00ad\u034f"
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    "\u115f\u1160\u3164\uffa0\u2800"
)
_DELETE_BLANKS = {ord(ch): None for ch in BLANK_CHARACTERS}

EXCEL_CELL_LIMIT = 32_767  # characters in one cell (Excel, WPS and LibreOffice alike)
TRUNCATION_MARK = tx.TRUNCATED
FILE_NAME_BYTES = 180  # a file name in UTF-8; ext4 allows 255, and Windows paths stay short

# Characters that must never reach a terminal raw: C0/C1 controls (ESC starts terminal sequences,
# a newline forges lines), bidi overrides and isolates (they reorder what is shown).
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)
# Excel rejects these in cell text (the XML cannot carry them); tab and newline are kept.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Not allowed in Windows file names, or dangerous in any: reserved punctuation, controls, bidi.
_FILE_UNSAFE = re.compile(
    '[<>:"/\\\\|?*\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]'
)
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def compact(text: str) -> str:
    """Text as names and labels are compared: NFKC (full-width letters and digits as half-width)
    and without any whitespace (「区 教育局」 and 「区教育局」 are one name)."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def strip_blank(text: str) -> str:
    """The text without any blank character (used to decide emptiness, not to store)."""
    return text.translate(_DELETE_BLANKS)


def is_blank(text: object) -> bool:
    """True for None, "" and text made only of blank characters."""
    if text is None:
        return True
    return not strip_blank(str(text))


def excel_without_blanks(ref: str) -> str:
    """An Excel expression for the text at `ref` with every blank character removed.

    The characters are written literally inside string constants (not as UNICHAR, which Excel 2010
    lacks), one SUBSTITUTE each; nesting stays under Excel's limit of 64 levels.
    """
    # The control characters (tab, line breaks and those a cell holds only through Excel's
    # `_x000B_` escape) go with CLEAN, which removes codes 0-31 in Excel and LibreOffice alike:
    # SUBSTITUTE(…,CHAR(9),"") leaves a character behind in a LibreOffice cell holding both a
    # tab and a line break.
    expression = f"CLEAN({ref})"
    for ch in BLANK_CHARACTERS:
        if ord(ch) >= 32:
            expression = f'SUBSTITUTE({expression},"{ch}","")'
    return expression


def inert(text: object) -> str:
    """Untrusted text made safe to print: controls, line breaks and bidi marks shown as escapes.

    rich markup is escaped separately where text goes into markup; this keeps one file's name or
    content from forging lines or reordering what the terminal shows.
    """
    value = "" if text is None else str(text)
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", value)


# What `page_text` shows as escapes: as `inert`, but tab and line breaks stay (a page lays them out
# as white space; a narrative keeps its lines).
_PAGE_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)


def page_text(text: str) -> str:
    """Untrusted text for a web page (after HTML escaping, which is the page's own): controls and
    bidi marks shown as escapes, so that a file name cannot reorder what the page shows."""
    return _PAGE_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def csv_safe(value: object) -> object:
    """A CSV value that no spreadsheet program will take for a formula: text starting with
    = + - @ (or a tab, CR or LF) gets a leading apostrophe, as OWASP recommends. Numbers pass."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def cell_text(text: str) -> str:
    """Text that fits one spreadsheet cell: characters XML cannot hold removed, and text over the
    cell limit cut with a visible mark (never silently, never by the writer refusing it)."""
    text = _XML_ILLEGAL.sub("", text)
    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - len(TRUNCATION_MARK)] + TRUNCATION_MARK
    return text


def safe_file_name(stem: str, suffix: str = "", *, max_bytes: int = FILE_NAME_BYTES) -> str:
    """`stem + suffix` as a file name that every common file system accepts.

    Reserved and invisible characters become "_", leading/trailing dots and spaces go, Windows'
    device names are prefixed, and the stem is cut (at a character boundary) so that the whole name
    stays within `max_bytes` bytes of UTF-8: file systems limit bytes, not characters.
    """
    stem = unicodedata.normalize("NFC", stem)
    stem = _FILE_UNSAFE.sub("_", stem).strip(" .")
    if not stem or _WINDOWS_RESERVED.match(stem):
        stem = "_" + stem
    budget = max_bytes - len(suffix.encode("utf-8"))
    encoded = stem.encode("utf-8")
    if len(encoded) > budget:
        stem = encoded[:budget].decode("utf-8", "ignore").rstrip(" .") or "_"
    return stem + suffix
