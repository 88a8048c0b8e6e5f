"""The 填报说明 sheet of a template: who fills what, deadline, contact, how to return it, and every
勾稽 rule in plain Chinese. Written last, so that the content sheets' XML is the same for every
agency of a run (see xlsxwriter_hooks.TemplateSheet)."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from xlsxwriter.worksheet import Worksheet

from .contract import Identity
from .form import Form
from .styles import _ok
from .text import cell_text

__all__: list[str] = []


def _instructions(
    ws: Worksheet,
    styles: dict[str, Any],
    form: Form,
    identity: Identity,
    deadline: date | None,
    contact: str,
    password: str,
) -> None:
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 96)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    title = cell_text(f"{identity.district}{identity.year}年度{form.title}填报模板")
    _ok(ws.merge_range(0, 0, 0, 1, "", styles["title"]), "title")
    _ok(ws.write_string(0, 0, title, styles["title"]), "title")
    ws.set_row(0, 30)
    sheet_names = "、".join(s.sheet for s in form.sections)
    deadline_text = (
        f"{deadline.year}年{deadline.month}月{deadline.day}日前" if deadline else "按通知要求"
    )
    lines: list[tuple[str, str]] = [
        ("填报单位", f"{identity.agency_name}（单位代码：{identity.agency_code}）"),
        ("报告年度", f"{identity.year}年度（{form.basis} 规定的格式）"),
        ("报送截止", deadline_text),
        ("联系方式", contact or "区政务公开办"),
        (
            "填写内容",
            f"本工作簿按报告的六个部分分为 {len(form.sections)} 张工作表：{sheet_names}。"
            "表格部分只填浅黄色单元格（已预填0，没有的保持0，不要留空、不要填“-”“/”“无”）；"
            "灰色单元格为公式自动计算。文字部分在浅黄色文本框内填写，每个框上方有填写要求。",
        ),
        (
            "勾稽关系",
            "每张表的第二行显示勾稽关系检查结果；右侧和下方的检查单元格显示“通过”（绿色）或差额（红色）。"
            "红色须更正后再报送；黄色为提示，与实际情况不符的请在旁边的说明栏写明原因。",
        ),
        (
            "报送方式",
            "填写完成后直接保存本文件（保持 .xlsx 格式，不要改文件名中的单位代码），按通知要求报送。"
            "请勿复制到其他模板、插入或删除行列、修改表头，否则无法自动审核。",
        ),
        (
            "工作表保护",
            "各工作表已保护，只能在浅黄色单元格中填写，防止误改表头和公式。"
            "如确需调整，请联系区政务公开办，不要自行撤销保护。",
        ),
        ("模板编号", identity.template_id),
    ]
    row = 2
    for key, value in lines:
        value = cell_text(value)
        _ok(ws.write_string(row, 0, key, styles["info_key"]), key)
        _ok(ws.write_string(row, 1, value, styles["info_value"]), key)
        ws.set_row(row, max(20, 15 * math.ceil(len(value) / 46) + 5))
        row += 1
    row += 1
    ws.write_string(row, 0, "勾稽关系规则", styles["info_heading"])
    row += 1
    for rule in form.rules:
        level = "错误（须更正）" if rule.severity == "error" else "提示（须核对或说明）"
        ws.write_string(row, 0, level, styles["info_key"])
        text = f"{rule.title}：{rule.explain}"
        ws.write_string(row, 1, text, styles["info_value"])
        ws.set_row(row, max(20, 15 * math.ceil(len(text) / 46) + 5))
        row += 1
    ws.activate()
    ws.protect(password, {"select_locked_cells": True, "select_unlocked_cells": True})
