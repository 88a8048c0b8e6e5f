"""Finds a template's rows and columns in a sheet whose layout a clerk changed, by their labels.

An agency that unprotects a sheet can insert or delete rows and columns, add a note row ("其中：网上
申请") or move a table. The standard cells are still there, under the same row and column labels. This
module maps every row and column of the template's layout to the row and column of the returned sheet
that carries the same labels, in the same order, so that the checker reads each value where it now is
instead of dropping the whole sheet. It is pure: a grid of values and a layout in, a placement out.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, get_args

from ..core.text import compact
from .layout import Area, SheetLayout, Style

__all__ = ["Placement", "label_key", "place"]

# Styles whose text is compared: everything the template prints as a fixed label. The summary line is
# a formula result and varies.
_COMPARED = frozenset(get_args(Style)) - {"summary"}
CANDIDATES = 8  # sheet positions considered per template row or column
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"'})


def label_key(value: Any) -> str:
    """A label as compared: NFKC (full- and half-width alike), no white space, one kind of quote."""
    if isinstance(value, str) and len(value) < 200:
        return _label_key(value)  # the same few labels recur in every file of a batch
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    return "".join(text.split()).translate(_QUOTES)


@lru_cache(maxsize=8192)
def _label_key(value: str) -> str:
    return compact(value).translate(_QUOTES)


@dataclass(frozen=True)
class Placement:
    """Where the template's rows and columns are in the returned sheet.

    `rows`/`cols` map every template row/column to the sheet's (a best guess for those without a
    label of their own); `sure_rows`/`sure_cols` are the ones placed by their own labels or between
    neighbours that agree, where the guess is certain.
    """

    rows: dict[int, int]
    cols: dict[int, int]
    sure_rows: frozenset[int]
    sure_cols: frozenset[int]

    @property
    def moved(self) -> bool:
        return any(r != a for r, a in self.rows.items()) or any(
            c != a for c, a in self.cols.items()
        )

    def at(self, row: int, col: int) -> tuple[int, int]:
        if not self.rows and not self.cols:
            return row, col
        return self.rows.get(row, row), self.cols.get(col, col)

    def sure(self, area: Area) -> bool:
        return area.row in self.sure_rows and area.col in self.sure_cols

    def area(self, area: Area) -> Area:
        """The template area as it stands in the sheet."""
        if not self.rows and not self.cols:  # nothing moved: the common case, first
            return area
        row, col = self.at(area.row, area.col)
        last_row, last_col = self.at(area.last_row, area.last_col)
        return Area(row, col, max(row, last_row), max(col, last_col))


IDENTITY = Placement({}, {}, frozenset(), frozenset())


def compared_labels(sheet: SheetLayout) -> list[tuple[Area, str]]:
    return [
        (label.area, label_key(label.text))
        for label in sheet.labels
        if label.style in _COMPARED and label_key(label.text)
    ]


def place(grid: Sequence[Sequence[Any]], sheet: SheetLayout) -> Placement:
    """Map the template's rows and columns onto the grid by the labels found there."""
    labels = compared_labels(sheet)
    found: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if isinstance(value, str) and value:
                found[label_key(value)].append((r, c))

    by_row: dict[int, list[str]] = defaultdict(list)
    for area, text in labels:
        by_row[area.row].append(text)
    row_scores = {
        r: _count(actual for text in texts for actual, _ in found.get(text, ()))
        for r, texts in by_row.items()
    }
    rows = _assign(row_scores)

    by_col: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for area, text in labels:
        if area.row in rows:
            by_col[area.col].append((rows[area.row], text))
    col_scores = {
        c: _count(
            actual
            for actual_row, text in items
            for hit_row, actual in found.get(text, ())
            if hit_row == actual_row
        )
        for c, items in by_col.items()
    }
    cols = _assign(col_scores)

    height = max(a.last_row for a in _areas(sheet)) + 1
    width = max(a.last_col for a in _areas(sheet)) + 1
    full_rows, sure_rows = _fill(rows, height)
    full_cols, sure_cols = _fill(cols, width)
    return Placement(full_rows, full_cols, sure_rows, sure_cols)


def _count(items: Any) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for item in items:
        counts[item] += 1
    return counts


def _assign(scores: dict[int, dict[int, int]]) -> dict[int, int]:
    """An order-keeping assignment of template positions to sheet positions that matches the most
    labels (rows and columns keep their order when a clerk inserts or deletes some); among equals,
    the one that moves things least."""
    keys = sorted(scores)
    # A hostile sheet can repeat a label in every cell: keep the few likeliest places per position,
    # so the search stays small whatever the sheet holds.
    scores = {
        key: dict(
            sorted(found.items(), key=lambda item: (-item[1], abs(item[0] - key)))[:CANDIDATES]
        )
        for key, found in scores.items()
    }
    # best[(i, actual)] = (score, back-pointer) for assignments ending with keys[i] -> actual
    best: dict[tuple[int, int], tuple[float, tuple[int, int] | None]] = {}
    for i, key in enumerate(keys):
        for actual, hits in scores[key].items():
            gain = hits - 1e-3 * abs(actual - key)
            before = max(
                (
                    (value[0], state)
                    for state, value in best.items()
                    if state[0] < i and state[1] < actual
                ),
                default=(0.0, None),
            )
            best[(i, actual)] = (before[0] + gain, before[1])
    if not best:
        return {}
    state: tuple[int, int] | None = max(best, key=lambda s: best[s][0])
    out = {}
    while state is not None:
        out[keys[state[0]]] = state[1]
        state = best[state][1]
    return out


def _fill(mapped: dict[int, int], size: int) -> tuple[dict[int, int], frozenset[int]]:
    """Every position mapped: those without labels by the offset of their neighbours, sure where
    the neighbours above and below agree (or only one side exists)."""
    full, sure = dict(mapped), set(mapped)
    known = sorted(mapped)
    for position in range(size):
        if position in mapped:
            continue
        above = max((k for k in known if k < position), default=None)
        below = min((k for k in known if k > position), default=None)
        offsets = [mapped[k] - k for k in (above, below) if k is not None]
        if not offsets:
            full[position] = position
            continue
        full[position] = position + offsets[0]
        if len(set(offsets)) == 1:
            sure.add(position)
    return full, frozenset(sure)


def _areas(sheet: SheetLayout) -> list[Area]:
    return (
        [label.area for label in sheet.labels]
        + list(sheet.cells.values())
        + [status.area for status in sheet.statuses]
        + [note.area for note in sheet.notes]
    )


def between(
    grid: Sequence[Sequence[Any]],
    placement: Placement,
    row: int,
    col: int,
    filled: Callable[[Any], bool],
) -> list[int]:
    """Sheet rows between the placed neighbours of an unsure template row that hold content in its
    column: the candidates for where that row went."""
    above = max((r for r in placement.sure_rows if r < row), default=None)
    below = min((r for r in placement.sure_rows if r > row), default=None)
    first = placement.rows[above] + 1 if above is not None else 0
    last = placement.rows[below] if below is not None else len(grid)
    actual_col = placement.cols.get(col, col)
    return [
        r
        for r in range(first, min(last, len(grid)))
        if actual_col < len(grid[r]) and filled(grid[r][actual_col])
    ]
