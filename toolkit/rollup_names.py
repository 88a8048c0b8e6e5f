"""What a rollup workbook is recognised and read back by: its sheet names, its kind and where the
明细 rows start. The rollup writes with these; `check --previous` reads last year's rollup by them,
without importing the writer."""

from __future__ import annotations

__all__ = [
    "CHART_SHEET",
    "DETAIL_FIRST_ROW",
    "DETAIL_FIXED",
    "DETAIL_KEYS",
    "DETAIL_SHEET",
    "EXPLAINED_SHEET",
    "ROLLUP_KIND",
    "STATUS_SHEET",
    "SUMMARY_PREFIX",
]

DETAIL_SHEET = "明细"
STATUS_SHEET = "状态"
EXPLAINED_SHEET = "已说明的提示"
CHART_SHEET = "图表"
ROLLUP_KIND = "rollup"
SUMMARY_PREFIX = "全区汇总"
DETAIL_FIRST_ROW = 4  # zero-based: three label rows and the key row come first
DETAIL_FIXED = ("单位代码", "单位名称", "审核状态", "源文件", "sha256", "所属地区")
DETAIL_KEYS = ("code", "name", "status", "file", "sha256", "district")  # the key row of 明细
