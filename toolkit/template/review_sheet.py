"""The 审核意见 sheet of a feedback copy: what the office found, where, and what to do; shown in
front of the report's own sheets."""

from __future__ import annotations

import math
from typing import Any

from xlsxwriter.worksheet import Worksheet

from ..core.text import cell_text
from ..form.fill import Review
from .styles import _ok

__all__: list[str] = []


def _review(ws: Worksheet, styles: dict[str, Any], review: Review, password: str) -> None:
    """The 审核意见 sheet: what the office found, where, and what to do; shown first."""
    widths = [6, 10, 16, 10, 90][: len(review.header)]
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    last = len(review.header) - 1
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    # The title, intro and rows quote agency names and cell content: written as strings only.
    intro = cell_text(review.intro)
    _ok(ws.merge_range(0, 0, 0, last, "", styles["title"]), "review title")
    _ok(ws.write_string(0, 0, cell_text(review.title), styles["title"]), "review title")
    ws.set_row(0, 30)
    _ok(ws.merge_range(1, 0, 1, last, "", styles["info_value"]), "review intro")
    _ok(ws.write_string(1, 0, intro, styles["info_value"]), "review intro")
    ws.set_row(1, min(409, max(20, 15 * math.ceil(len(intro) / 60) + 5)))
    for col, title in enumerate(review.header):
        _ok(ws.write_string(3, col, cell_text(title), styles["review_header"]), "review header")
    for index, row in enumerate(review.rows, start=4):
        for col, value in enumerate(row):
            _ok(ws.write_string(index, col, cell_text(str(value)), styles["review_cell"]), "review")
        last_text = str(row[-1]) if row else ""
        ws.set_row(index, min(409, max(20, 15 * math.ceil(len(last_text) / 42) + 5)))
    ws.freeze_panes(4, 0)
    ws.activate()
    ws.protect(password, {"select_locked_cells": True, "select_unlocked_cells": True})
