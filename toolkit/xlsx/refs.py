"""Cell references in a sheet's XML: "B7" to a place, "B2:C9" to a box, a validation's or an
array formula's ranges to their cells inside the bounded area, and a shared formula moved to a
child cell. Each is worked out once per batch where the same text recurs in every file (the
template's references), under a size limit so that a hostile file cannot grow the caches.
"""

from __future__ import annotations

from dataclasses import dataclass

from xlsxwriter.utility import xl_rowcol_to_cell

from .package import LIMITS

__all__ = ["Bounds", "box", "expand", "position", "translate"]


@dataclass(frozen=True)
class Bounds:
    """The bounded area of a sheet: zero-based last row and column kept."""

    rows: int
    cols: int


_POSITIONS: dict[str, tuple[int, int]] = {}


def position(ref: str) -> tuple[int, int] | None:
    """ "B7" -> (6, 1), zero-based; None when it is not a cell reference Excel could hold."""
    hit = _POSITIONS.get(ref)
    if hit is not None:
        return hit
    col = i = 0
    for ch in ref:
        o = ord(ch)
        if 65 <= o <= 90:
            col = col * 26 + o - 64
        elif 97 <= o <= 122:
            col = col * 26 + o - 96
        else:
            break
        i += 1
    digits = ref[i:]
    if not 1 <= i <= 3 or not (digits.isascii() and digits.isdigit()) or len(digits) > 7:
        return None
    row = int(digits)
    if not 1 <= row <= 1048576 or col > 16384:
        return None
    if len(_POSITIONS) < 100_000:
        _POSITIONS[ref] = (row - 1, col - 1)
    return row - 1, col - 1


_EXPANDED: dict[tuple[str, Bounds], tuple[frozenset[str], int]] = {}


def expand(sqref: str, bounds: Bounds, budget: int) -> tuple[frozenset[str], int]:
    """The cells of a space-separated list of ranges inside the bounded area, and how many were
    generated (at most `budget`); a range over `expand_cells` is skipped (a whole-column
    validation is not ours)."""
    hit = _EXPANDED.get((sqref, bounds))
    if hit is not None:
        return hit
    cells: list[str] = []
    for part in sqref.split()[:1000]:
        found = box(part)
        if found is None:
            continue
        first_row, first_col, last_row, last_col = found
        if (last_row - first_row + 1) * (last_col - first_col + 1) > LIMITS["expand_cells"]:
            continue
        rows = range(first_row, min(last_row, bounds.rows) + 1)
        cols = range(first_col, min(last_col, bounds.cols) + 1)
        if len(cells) + len(rows) * len(cols) > budget:
            break
        cells.extend(xl_rowcol_to_cell(r, c) for r in rows for c in cols)
    out = frozenset(cells), len(cells)
    if len(sqref) < 4096 and len(_EXPANDED) < 4096:
        _EXPANDED[(sqref, bounds)] = out
    return out


_BOXES: dict[str, tuple[int, int, int, int] | None] = {}


def box(cell_range: str) -> tuple[int, int, int, int] | None:
    """ "B2:C9" -> (first row, first col, last row, last col), zero-based; None if malformed.
    A batch repeats the template's merged ranges in every file: they are worked out once."""
    if cell_range in _BOXES:
        return _BOXES[cell_range]
    found = _box_of(cell_range)
    if len(_BOXES) < 100_000 and len(cell_range) < 64:
        _BOXES[cell_range] = found
    return found


def _box_of(cell_range: str) -> tuple[int, int, int, int] | None:
    first, _, last = cell_range.partition(":")
    start, end = position(first.replace("$", "")), position((last or first).replace("$", ""))
    if start is None or end is None:
        return None
    return (
        min(start[0], end[0]),
        min(start[1], end[1]),
        max(start[0], end[0]),
        max(start[1], end[1]),
    )


def translate(
    formulas: dict[str, str], masters: dict[str, tuple[str, str]], pending: list[tuple[str, str]]
) -> None:
    """A shared formula's children get the master's formula moved to their own position."""
    from openpyxl.formula.translate import Translator, TranslatorError

    for a1, si in pending:
        if si not in masters:
            continue
        origin, text = masters[si]
        try:
            formulas[a1] = Translator("=" + text, origin).translate_formula(a1)[1:]
        except (TranslatorError, ValueError, IndexError, KeyError):
            formulas[a1] = text  # an untranslatable formula still shows that one is there
