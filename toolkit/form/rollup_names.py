"""What a rollup workbook is recognised and read back by: its sheet names, its kind and where the
明细 rows start. The rollup writes with these; `check --previous` reads last year's rollup by them,
without importing the writer."""

from __future__ import annotations

from ..core import texts as tx

__all__ = [
    "CHART_SHEET",
    "DETAIL_FIRST_ROW",
    "DETAIL_FIXED",
    "DETAIL_KEYS",
    "DETAIL_SHEET",
    "EXPLAINED_SHEET",
    "ROLLUP_KIND",
    "STATUS_SHEET",
    "summary_name",
]

DETAIL_SHEET = tx.DETAIL_SHEET
STATUS_SHEET = tx.STATUS_SHEET
EXPLAINED_SHEET = tx.EXPLAINED_SHEET
CHART_SHEET = tx.CHART_SHEET
ROLLUP_KIND = "rollup"
DETAIL_FIRST_ROW = 4  # zero-based: three label rows and the key row come first
DETAIL_FIXED = tx.DETAIL_FIXED
DETAIL_KEYS = ("code", "name", "status", "file", "sha256", "district")  # the key row of 明细


def summary_name(section_sheet: str, level: str = tx.DISTRICT_LEVEL) -> str:
    """The rollup's summary sheet of a section's table at a level: 全区汇总（三）, 全市汇总（三）.
    Readers take the summary sheets by position (they come first), so every level's names work."""
    return tx.SUMMARY_SHEET.format(whole=tx.whole(level), number=section_sheet.split("、")[0])
