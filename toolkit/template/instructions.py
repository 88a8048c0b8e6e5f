"""The 填报说明 sheet of a template: who fills what, deadline, contact, how to return it, and every
勾稽 rule in plain Chinese. Written last, so that the content sheets' XML is the same for every
agency of a run (see xlsxwriter_hooks.TemplateSheet)."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from xlsxwriter.worksheet import Worksheet

from ..core import texts as tx
from ..core.text import cell_text
from ..form.contract import Identity
from ..form.form import Form
from .styles import _ok

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
    title = cell_text(
        tx.INSTRUCTIONS_TITLE.format(
            district=identity.district, year=identity.year, title=form.title
        )
    )
    _ok(ws.merge_range(0, 0, 0, 1, "", styles["title"]), "title")
    _ok(ws.write_string(0, 0, title, styles["title"]), "title")
    ws.set_row(0, 30)
    sheet_names = "、".join(s.sheet for s in form.sections)
    deadline_text = tx.BEFORE.format(tx.DATE.format(deadline)) if deadline else tx.AS_NOTIFIED
    # The office as every other text names it: 示范区政务公开办 (区政务公开办 with no district).
    office = tx.office_name(identity.district)
    agency_key, agency_text = tx.INSTRUCTIONS_AGENCY
    year_key, year_text = tx.INSTRUCTIONS_YEAR
    content_key, content_text = tx.INSTRUCTIONS_CONTENT
    protection_key, protection_text = tx.INSTRUCTIONS_PROTECTION
    lines: list[tuple[str, str]] = [
        (agency_key, agency_text.format(name=identity.agency_name, code=identity.agency_code)),
        (year_key, year_text.format(year=identity.year, basis=form.basis)),
        (tx.INSTRUCTIONS_DEADLINE, deadline_text),
        (tx.INSTRUCTIONS_CONTACT, contact or office),
        (content_key, content_text.format(count=len(form.sections), sheets=sheet_names)),
        tx.INSTRUCTIONS_RULES,
        tx.INSTRUCTIONS_RETURN,
        (protection_key, protection_text.format(office=office)),
        (tx.INSTRUCTIONS_TEMPLATE_ID, identity.template_id),
    ]
    row = 2
    for key, value in lines:
        value = cell_text(value)
        _ok(ws.write_string(row, 0, key, styles["info_key"]), key)
        _ok(ws.write_string(row, 1, value, styles["info_value"]), key)
        ws.set_row(row, max(20, 15 * math.ceil(len(value) / 46) + 5))
        row += 1
    row += 1
    ws.write_string(row, 0, tx.INSTRUCTIONS_RULE_LIST, styles["info_heading"])
    row += 1
    for rule in form.rules:
        level = rule.severity.duty
        ws.write_string(row, 0, level, styles["info_key"])
        text = f"{rule.title}：{rule.explain}"
        ws.write_string(row, 1, text, styles["info_value"])
        ws.set_row(row, max(20, 15 * math.ceil(len(text) / 46) + 5))
        row += 1
    ws.activate()
    ws.protect(password, {"select_locked_cells": True, "select_unlocked_cells": True})
