"""The template's look: its cell formats (shared with the rollup, which shows the same tables), and
the one check every xlsxwriter call of the sheet writers goes through (`_ok`)."""

from __future__ import annotations

from typing import Any

from xlsxwriter.workbook import Workbook

from ..core import texts as tx
from ..form.formulas import GenerateError
from .xlsxwriter_hooks import xf_index

__all__ = ["add_styles"]


_FONT = tx.FONT
_BORDER = {"border": 1, "border_color": "#808080"}
_STYLES: dict[str, dict[str, Any]] = {
    "title": {"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"},
    "summary": {"bold": True, "align": "left", "valign": "vcenter", "text_wrap": True},
    "hint": {"font_color": "#595959", "font_size": 9, "text_wrap": True, "valign": "vcenter"},
    "caption": {"bold": True, "valign": "vcenter", **_BORDER, "bg_color": "#F2F2F2"},
    "corner": {"text_wrap": True, "align": "center", "valign": "vcenter", **_BORDER},
    "header": {"text_wrap": True, "align": "center", "valign": "vcenter", **_BORDER},
    "row_label": {"text_wrap": True, "valign": "vcenter", **_BORDER},
    "status_header": {
        "text_wrap": True,
        "align": "center",
        "valign": "vcenter",
        "font_size": 9,
        "font_color": "#404040",
        **_BORDER,
    },
    "status_label": {"text_wrap": True, "valign": "vcenter", "font_size": 9, **_BORDER},
    "part_title": {"bold": True, "font_size": 12, "valign": "vcenter"},
    "prompt": {"font_color": "#595959", "font_size": 9, "text_wrap": True, "valign": "top"},
    "input_count": {"locked": False, "bg_color": "#FFF8DC", "num_format": "0", **_BORDER},
    "input_amount": {"locked": False, "bg_color": "#FFF8DC", "num_format": "0.00##", **_BORDER},
    "total_count": {"bold": True, "bg_color": "#E7E6E6", "num_format": "0", **_BORDER},
    "total_amount": {"bold": True, "bg_color": "#E7E6E6", "num_format": "0.00##", **_BORDER},
    "input_count_flagged": {
        "locked": False,
        "bg_color": "#FFC7CE",
        "num_format": "0",
        "border": 2,
        "border_color": "#C00000",
    },
    "input_amount_flagged": {
        "locked": False,
        "bg_color": "#FFC7CE",
        "num_format": "0.00##",
        "border": 2,
        "border_color": "#C00000",
    },
    "total_count_flagged": {
        "bold": True,
        "bg_color": "#FFC7CE",
        "num_format": "0",
        "border": 2,
        "border_color": "#C00000",
    },
    "total_amount_flagged": {
        "bold": True,
        "bg_color": "#FFC7CE",
        "num_format": "0.00##",
        "border": 2,
        "border_color": "#C00000",
    },
    "text_input_flagged": {
        "locked": False,
        "bg_color": "#FFC7CE",
        "text_wrap": True,
        "valign": "top",
        "border": 2,
        "border_color": "#C00000",
    },
    "review_header": {"bold": True, "bg_color": "#D9E1F2", "text_wrap": True, **_BORDER},
    "review_cell": {"text_wrap": True, "valign": "top", **_BORDER},
    "text_input": {
        "locked": False,
        "bg_color": "#FFF8DC",
        "text_wrap": True,
        "valign": "top",
        **_BORDER,
    },
    "note": {
        "locked": False,
        "bg_color": "#FFF8DC",
        "text_wrap": True,
        "valign": "vcenter",
        "font_size": 9,
        **_BORDER,
    },
    "status": {"align": "center", "valign": "vcenter", "font_size": 9, **_BORDER},
    "status_later": {
        "align": "center",
        "valign": "vcenter",
        "font_size": 9,
        "font_color": "#7F7F7F",
        "italic": True,
        **_BORDER,
    },
    "ok": {"bg_color": "#C6EFCE", "font_color": "#006100"},
    "bad": {"bg_color": "#FFC7CE", "font_color": "#9C0006"},
    "warn": {"bg_color": "#FFEB9C", "font_color": "#9C5700"},
    "info_key": {"bold": True, "valign": "top", "text_wrap": True},
    "info_value": {"valign": "top", "text_wrap": True},
    "info_heading": {"bold": True, "font_size": 12, "valign": "vcenter"},
    "meta": {"num_format": "@"},
}
_CONDITIONAL = ("ok", "bad", "warn")


def _ok(result: int | None, what: str) -> None:
    if result not in (None, 0):
        raise GenerateError(tx.WRITER_REFUSED.format(result=result, what=what))


def add_styles(book: Workbook) -> dict[str, Any]:
    """The template's cell formats, for another workbook that shows the same tables (rollup)."""
    styles = {
        name: book.add_format(
            spec if name in _CONDITIONAL else {"font_name": _FONT, "font_size": 11, **spec}
        )
        for name, spec in _STYLES.items()
    }
    for name in _STYLES:
        if name not in _CONDITIONAL:
            # Fix every cell format's index now, in one order, instead of in order of first
            # use while sheets are assembled: reused sheet XML refers to these indexes.
            xf_index(styles[name])
    return styles
