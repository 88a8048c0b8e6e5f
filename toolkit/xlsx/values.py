"""What a cell of a returned report holds, as a number: figures typed as text ("１２", "1,234",
"3件"), placeholders for zero, error values, and number formats that show something other than the
stored number. Pure functions, shared by the inspection of a file and anything that reads figures.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from typing import Any

from ..core import texts as tx
from .xlsx import CellError

__all__ = ["PLACEHOLDERS", "big", "faithful_format", "number_or_nan", "parse_number"]

PLACEHOLDERS = frozenset(
    {"-", "--", "—", "——", "/", "\\", *tx.PLACEHOLDER_WORDS, "n/a", "na", "null", "x", "×"}
)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_UNIT = re.compile(tx.UNIT_PATTERN)
# Number formats that show the stored number as it is (digits, grouping, decimals, colours).
_COLOUR = re.compile(r"\[(?:black|blue|cyan|green|magenta|red|white|yellow|color\d{1,2})\]", re.I)
_FAITHFUL_SECTION = re.compile(r"^[#0]*(?:,[#0]+)*(?:\.[#0]*)?$")


@lru_cache(maxsize=1024)  # a workbook has a few formats; a batch repeats them
def faithful_format(code: str) -> bool:
    """Whether a number format shows the stored number as it is: General, text, or digits with
    grouping, decimals and colours; not literal text, scaling, percent, exponent, dates."""
    if code.strip().lower() in ("general", "@", ""):
        return True
    sections = _COLOUR.sub("", code).split(";")
    return len(sections) <= 4 and all(_FAITHFUL_SECTION.match(s) for s in sections)


def big(value: float) -> str:
    return f"{value:.0f}" if abs(value) < 1e16 else f"{value:.3g}"


def parse_number(text: str) -> tuple[float | None, str]:
    """Read "１２", "1,234", " 5 ", "3件" as numbers; say what was unusual about them."""
    notes = []
    normal = unicodedata.normalize("NFKC", text)
    if normal != text:
        notes.append(tx.FULL_WIDTH)
    compact = "".join(normal.split())
    if compact != normal.strip():
        notes.append(tx.SPACES)
    unit = _UNIT.search(compact)
    if unit and len(compact) > len(unit.group(1)):
        compact = compact[: -len(unit.group(1))]
        notes.append(tx.WITH_UNIT.format(unit=unit.group(1)))
    if len(compact) > 40:  # no figure of a report is this long; keeps the patterns cheap
        return None, ""
    if _GROUPED.match(compact):
        compact = compact.replace(",", "")
        notes.append(tx.GROUPED)
    if not _NUMBER.match(compact):
        return None, ""
    notes.append(tx.AS_TEXT)
    return float(compact), "，".join(dict.fromkeys(notes))


def number_or_nan(value: Any) -> float:
    if isinstance(value, bool | CellError):
        return math.nan
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else math.nan
    if isinstance(value, str):
        number, _ = parse_number(value.strip()) if value.strip() else (None, "")
        return math.nan if number is None else number
    return math.nan
