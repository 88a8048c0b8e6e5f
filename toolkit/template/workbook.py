"""One template workbook, written atomically: document properties and identity, the section sheets,
填报说明, an 审核意见 sheet when asked, and the very-hidden `_meta` sheet."""

from __future__ import annotations

import os
import secrets
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook

from .. import __version__
from ..core import texts as tx
from ..core.text import cell_text
from ..core.texts import Severity
from ..form.agency_kinds import applies
from ..form.contract import (
    INSTRUCTIONS_SHEET,
    META_PREFIX,
    META_SHEET,
    REVIEW_SHEET,
    Identity,
    created_time,
)
from ..form.fill import Fill
from ..form.form import Form, complete
from ..form.formulas import form_formulas
from ..form.layout import layout
from .instructions import _instructions
from .review_sheet import _review
from .styles import _ok, add_styles
from .template_sheets import _sheet
from .xlsxwriter_hooks import TemplateSheet, sheet_key

__all__ = ["WORKBOOK_OPTIONS", "write_workbook"]


WORKBOOK_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}


def write_workbook(
    path: Path,
    *,
    form: Form,
    identity: Identity,
    password: str,
    deadline: date | None = None,
    contact: str = "",
    fill: Fill | None = None,
    kinds: frozenset[str] = frozenset(),
) -> None:
    """Write one template atomically (a temporary file beside `path`, then a rename).

    `kinds` are the kinds the agency may be of (agency_kinds.possible_kinds; empty when nothing
    says): a rule that `check` does not apply to it shows 不适用 instead of a live status.
    xlsxwriter warnings are errors: a template that only half worked is a bug.
    """
    fill = fill or Fill()
    _check_fill(form, fill)
    path = Path(path)
    exempt = frozenset(rule.id for rule in form.rules if not applies(rule, kinds))
    temporary = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.tmp.xlsx")
    try:
        _write(temporary, form, identity, password, deadline, contact, fill, exempt)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _check_fill(form: Form, fill: Fill) -> None:
    """A misspelt or computed key would silently become 0 or be recomputed: refuse it."""
    inputs = list(fill.values) + list(fill.raw)
    wrong = sorted(k for k in inputs if k not in form.cells or form.cells[k].is_total)
    wrong += sorted(k for k in fill.totals if k not in form.cells or not form.cells[k].is_total)
    wrong += sorted(k for k in fill.texts if k not in form.parts)
    rules = {rule.id for rule in form.rules if rule.severity == Severity.WARNING}
    wrong += sorted(k for k in fill.notes if k not in rules)
    if wrong:
        raise ValueError(f"not input cells, narrative parts or warning rules: {', '.join(wrong)}")


def _write(
    path: Path,
    form: Form,
    identity: Identity,
    password: str,
    deadline: date | None,
    contact: str,
    fill: Fill,
    exempt: frozenset[str],
) -> None:
    values = complete(form, fill.values)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # Text from rosters and returned files is written as text, never as a formula or link.
        book = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
        styles = add_styles(book)
        book.set_properties(
            {
                "title": tx.TEMPLATE_PROPERTIES_TITLE.format(
                    agency=identity.agency_name, year=identity.year, title=form.title
                ),
                "subject": form.title,
                "author": identity.district or "nianbao",
                "company": identity.district,
                "comments": tx.TEMPLATE_PROPERTIES_COMMENTS.format(
                    basis=form.basis, version=__version__
                ),
            }
            | ({"created": created} if (created := created_time(identity)) else {})
        )
        for key, value in identity.items():
            _ok(
                book.set_custom_property(META_PREFIX + key, cell_text(value)[:255]),
                f"custom property {key}",
            )
        # Sheets are added in report order, but the agency-specific instructions are written last
        # so that the content sheets' shared-string indexes, and so their XML, are the same for
        # every agency of a run (see TemplateSheet).
        review = book.add_worksheet(REVIEW_SHEET) if fill.review else None
        info = book.add_worksheet(INSTRUCTIONS_SHEET, worksheet_class=TemplateSheet)
        formulas = form_formulas(form)
        reusable = fill.empty
        for sheet in layout(form):
            ws = _sheet(book, styles, form, sheet, formulas, values, fill, password, exempt=exempt)
            if reusable:
                ws.xml_cache_key = sheet_key(form, sheet.name, password, exempt)
        _instructions(info, styles, form, identity, deadline, contact, password)
        if review is not None and fill.review is not None:
            _review(review, styles, fill.review, password)
        _meta(book, styles, identity, password)
        book.close()


def _meta(book: Workbook, styles: dict[str, Any], identity: Identity, password: str) -> None:
    ws = book.add_worksheet(META_SHEET, worksheet_class=TemplateSheet)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 60)
    for row, (key, value) in enumerate(identity.items()):
        _ok(ws.write_string(row, 0, key, styles["meta"]), key)
        _ok(ws.write_string(row, 1, cell_text(value), styles["meta"]), key)
    ws.very_hidden()
    ws.protect(password, {"select_locked_cells": True, "select_unlocked_cells": True})
