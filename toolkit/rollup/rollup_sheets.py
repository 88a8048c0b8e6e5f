"""The sheets of the rollup workbook after the 全区汇总 (全市汇总 …) tables: 明细 (one row per agency, bulk
written), 状态 (every file and every agency of the roster), 已说明的提示, 图表 and the hidden _meta.
The 全区汇总 sheets themselves come from the template's sheet writer (template_sheets.py)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from xlsxwriter.utility import quote_sheetname

from .. import __version__
from ..core import texts as tx
from ..core.catalogue import finding_codes
from ..core.outputs import print_setup, row_height, write_text
from ..core.texts import CheckStatus, FileStatus, Severity
from ..form.contract import META_SHEET
from ..form.findings import CheckReport, FileResult, Finding
from ..form.form import Chart, Form
from ..form.layout import a1
from ..form.rollup_names import (
    CHART_SHEET,
    DETAIL_FIRST_ROW,
    DETAIL_FIXED,
    DETAIL_KEYS,
    DETAIL_SHEET,
    EXPLAINED_SHEET,
    ROLLUP_KIND,
    STATUS_SHEET,
    summary_name,
)
from ..inputs.roster import Agency, roster_position
from ..template.xlsxwriter_hooks import BulkSheet, xf_index

__all__: list[str] = []


CHART_WIDTH = 560  # pixels: columns A:E of 图表 (28 + 4 × 12 units)


def _quote(name: str) -> str:

    return quote_sheetname(name)


def _formats(book: Any) -> dict[str, Any]:
    font = {"font_name": tx.FONT, "font_size": 10}
    return {
        "head": book.add_format({**font, "bold": True, "bg_color": "#D9E1F2", "border": 1,
                                 "text_wrap": True, "valign": "vcenter", "align": "center"}),
        "key": book.add_format({**font, "font_color": "#7F7F7F", "border": 1, "font_size": 8}),
        "text": book.add_format({**font, "border": 1}),
        "number": book.add_format({**font, "border": 1, "num_format": "0.####"}),
        "title": book.add_format({**font, "bold": True, "font_size": 14}),
        "flag": book.add_format({**font, "border": 1, "bg_color": "#FFC7CE"}),
        "plain": book.add_format(font),
        "wrap": book.add_format({**font, "border": 1, "text_wrap": True, "valign": "top"}),
        "text_wrap": book.add_format({**font, "border": 1, "text_wrap": True, "valign": "top"}),
        "flag_wrap": book.add_format({**font, "border": 1, "text_wrap": True, "valign": "top",
                                      "bg_color": "#FFC7CE"}),
    }  # fmt: skip


def _detail_sheet(
    book: Any,
    form: Form,
    included: list[FileResult],
    details: list[dict[str, float]],
    columns: dict[str, int],
) -> None:
    ws = book.add_worksheet(DETAIL_SHEET, worksheet_class=BulkSheet)
    f = _formats(book)
    for col, title in enumerate(DETAIL_FIXED):
        ws.merge_range(0, col, DETAIL_FIRST_ROW - 2, col, title, f["head"])
        ws.write_string(DETAIL_FIRST_ROW - 1, col, DETAIL_KEYS[col], f["key"])
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 2, 12)
    ws.set_column(3, 4, 30)
    ws.set_column(5, 5, 12)
    ws.set_column(len(DETAIL_FIXED), len(DETAIL_FIXED) + len(columns), 11)
    for key, col in columns.items():
        cell = form.cells[key]
        ws.write_string(0, col, form.section_of_table(cell.table).title, f["head"])
        ws.write_string(1, col, cell.row_label or "".join(_path(form, key)[:-1]), f["head"])
        ws.write_string(2, col, cell.column_label, f["head"])
        ws.write_string(3, col, key, f["key"])
    ws.set_row(0, 45)
    ws.set_row(1, 60)
    ws.set_row(2, 30)
    keys = list(columns)
    rows: list[tuple[int, list[str | float]]] = []
    for result, values in zip(included, details, strict=True):
        status = _detail_status(result)
        style = xf_index(f["flag"] if status is FileStatus.INCLUDED_WITH_ERRORS else f["text"])
        texts: list[str | float] = [result.agency_code, result.agency_name, status.title,
                                    result.path, result.sha256,
                                    result.meta.get("district", "")]  # fmt: skip
        rows.append((style, texts + [values[k] for k in keys]))
    ws.set_bulk(DETAIL_FIRST_ROW, rows, xf_index(f["number"]))
    ws.freeze_panes(DETAIL_FIRST_ROW, 2)


def _detail_status(result: FileResult) -> FileStatus:
    """An included file's status in 明细: its own verdict (explained warnings do not show)."""
    if result.status == CheckStatus.FAILED:
        return FileStatus.INCLUDED_WITH_ERRORS
    return (
        FileStatus.PASSED
        if result.status == CheckStatus.PASSED
        else FileStatus.PASSED_WITH_WARNINGS
    )


def _file_status(result: FileResult, included: bool) -> FileStatus:
    """What the rollup did with a returned file, for 状态."""
    if included:
        if result.status == CheckStatus.FAILED:
            return FileStatus.INCLUDED_WITH_ERRORS
        if result.status == CheckStatus.PASSED:
            return FileStatus.PASSED_EXPLAINED if result.explained else FileStatus.PASSED
        return FileStatus.PASSED_WITH_WARNINGS
    if result.superseded:
        return FileStatus.SUPERSEDED
    if result.conflict:
        return FileStatus.CONFLICT
    if result.status == CheckStatus.UNREADABLE or not result.agency_code:
        return FileStatus.UNRECOGNISED
    return FileStatus.EXCLUDED


def _path(form: Form, key: str) -> tuple[str, ...]:
    cell = form.cells[key]
    return next(c.path for c in form.tables[cell.table].columns if c.key == cell.column)


STATUS_WIDTHS = (12, 28, 34, 6, 6, 60, 48, 36, 12, 30, 20, 20)


def _status_sheet(
    book: Any,
    form: Form,
    report: CheckReport,
    included: list[FileResult],
    excluded: list[FileResult],
    missing: tuple[Agency, ...],
    roster: Sequence[Agency] | None,
) -> None:
    ws = book.add_worksheet(STATUS_SHEET, worksheet_class=BulkSheet)
    f = _formats(book)
    titles = {code: message.title for code, message in finding_codes(form).items()}
    counts = (len(included), len(excluded), len(missing))
    write_text(
        ws, 0, 0, tx.STATUS_TITLE.format(district=report.district, year=report.year), f["title"]
    )
    ws.write_string(
        1,
        0,
        tx.STATUS_COUNTS.format(included=counts[0], excluded=counts[1], missing=counts[2]),
        f["plain"],
    )
    header = list(tx.STATUS_COLUMNS)
    ws.write_row(3, 0, header, f["head"])
    for col, width in enumerate(STATUS_WIDTHS):  # 状态 up to 已被替代（…）
        ws.set_column(col, col, width)
    rows: list[tuple[bool, list[str | float]]] = []
    taken = {r.path for r in included}
    for result in report.files:
        status = _file_status(result, result.path in taken)
        state = status.label(errors=result.count(Severity.ERROR))
        rows.append((status.flagged, [result.agency_code, result.agency_name, state,
                     result.count(Severity.ERROR), result.count(Severity.WARNING), _warnings_said(result, titles),
                     result.path, result.chosen_reason, result.meta.get("district", ""),
                     result.meta.get("rollup", ""),
                     datetime.fromtimestamp(result.mtime).strftime("%Y-%m-%d %H:%M:%S") if result.mtime else "",
                     result.sha256]))  # fmt: skip
    gone = FileStatus.MISSING
    rows += [
        (gone.flagged, [a.code, a.name, gone.label(), *[""] * (len(tx.STATUS_COLUMNS) - 3)])
        for a in missing
    ]
    rows += [_lower_row(finding) for finding in report.batch_findings if finding.code in LOWER]
    position = roster_position(roster or ())
    rows.sort(key=lambda r: (position(str(r[1][0])), r[1][0] == "", r[1][0], r[1][6]))
    styles = {True: xf_index(f["flag_wrap"]), False: xf_index(f["text_wrap"])}
    bulk = [(styles[flagged], row) for flagged, row in rows]
    ws.bulk_heights = {  # rows whose warnings and explanations need more than one line
        offset: height
        for offset, (_, row) in enumerate(rows)
        if (height := row_height([(row[i], STATUS_WIDTHS[i]) for i in (2, 5, 7)])) > 15
    }
    ws.set_bulk(4, bulk, xf_index(f["text"]))
    ws.freeze_panes(4, 0)
    ws.autofilter(3, 0, 3 + len(rows), len(header) - 1)
    print_setup(ws, header_rows=(3, 3))
    ws.print_area(0, 0, 3 + max(len(rows), 1), len(header) - 2)  # sha256 is for machines, not paper


# A lower rollup's own finding -> what became of its rows (rollup_levels.py)
LOWER = {
    "rollup-unreadable": FileStatus.LOWER_LEFT_OUT,
    "rollup-wrong-year": FileStatus.LOWER_LEFT_OUT,
    "rollup-sums-differ": FileStatus.LOWER_RECOMPUTED,
}


def _lower_row(finding: Finding) -> tuple[bool, list[str | float]]:
    """A lower rollup that was left out or summed again from its 明细: a row of its own, so that
    状态 shows it beside the agencies it carried (or would have)."""
    status = LOWER[finding.code]
    errors, warnings = (1, 0) if finding.severity == Severity.ERROR else (0, 1)
    blank = [""] * (len(tx.STATUS_COLUMNS) - 7)
    return status.flagged, ["", "", status.label(), errors, warnings, finding.message,
                            finding.file or "", *blank]  # fmt: skip


def _warnings_said(result: FileResult, titles: dict[str, str]) -> str:
    """Each warning of the file, by its Chinese title (and code, to find it in 规则说明), and
    where the agency explained it, its explanation."""
    lines = []
    for finding in result.findings:
        if finding.severity != Severity.WARNING or finding.code in ("text-number",):
            continue
        said = f"：{finding.explanation}" if finding.explained else tx.STATUS_UNEXPLAINED
        title = titles.get(finding.code, finding.code)
        lines.append(f"{title}（{finding.code}）{said}")
    return "\n".join(lines)


def _explained_sheet(book: Any, form: Form, included: list[FileResult]) -> None:
    """Every warning of the district that an agency explained and the checker let through, so the
    office reads why a soft rule did not hold before it signs the summary."""
    ws = book.add_worksheet(EXPLAINED_SHEET)
    f = _formats(book)
    titles = {rule.id: rule.title for rule in form.rules}
    write_text(ws, 0, 0, tx.EXPLAINED_TITLE, f["title"])
    header = list(tx.EXPLAINED_COLUMNS)
    ws.write_row(2, 0, header, f["head"])
    for col, width in enumerate([12, 24, 14, 28, 50, 50, 40]):
        ws.set_column(col, col, width)
    row = 3
    for result in included:
        for finding in result.findings:
            if not finding.explained:
                continue
            values = [result.agency_code, result.agency_name, finding.code,
                      titles.get(finding.code, ""), finding.message, finding.explanation,
                      result.path]  # fmt: skip
            for col, value in enumerate(values):
                write_text(ws, row, col, value, f["wrap"])
            longest = max(len(finding.message), len(finding.explanation))
            ws.set_row(row, max(30, 15 * (1 + longest // 25)))
            row += 1
    if row == 3:
        write_text(ws, row, 0, tx.EXPLAINED_NONE, f["plain"])
    ws.freeze_panes(3, 0)
    print_setup(ws, header_rows=(2, 2))


def _chart_sheet(
    book: Any,
    form: Form,
    included: list[FileResult],
    details: list[dict[str, float]],
    totals: dict[str, float],
    columns: dict[str, int],
    tables: list[Any],
    level: str = tx.DISTRICT_LEVEL,
) -> None:
    ws = book.add_worksheet(CHART_SHEET)
    f = _formats(book)
    ws.set_column(0, 0, 28)
    ws.set_column(1, 4, 12)
    where = {
        key: (summary_name(s.name, level), area) for s in tables for key, area in s.cells.items()
    }

    def summary_ref(key: str) -> str:
        sheet, area = where[key]
        return f"{_quote(sheet)}!{a1(area.row, area.col, absolute=True)}"

    row = 0
    breaks: list[int] = []
    for chart in form.charts:
        categories, series = _chart_data(
            chart, form, included, details, totals, columns, summary_ref
        )
        ws.write_string(row, 0, chart.title, f["title"])
        ws.write_string(row + 1, 0, tx.CHART_ITEM, f["head"])
        for s, (name, _) in enumerate(series):
            ws.write_string(row + 1, 1 + s, name, f["head"])
        for i, label in enumerate(categories):
            write_text(ws, row + 2 + i, 0, label, f["text"])  # agency names are untrusted
            for s, (_, cells) in enumerate(series):
                formula, value = cells[i]
                ws.write_formula(row + 2 + i, 1 + s, formula, f["number"], value)
        first, last = row + 2, row + 1 + max(len(categories), 1)
        excel = book.add_chart({"type": chart.type})
        for s in range(len(series)):
            options: dict[str, Any] = {
                "name": [CHART_SHEET, row + 1, 1 + s],
                "categories": [CHART_SHEET, first, 0, last, 0],
                "values": [CHART_SHEET, first, 1 + s, last, 1 + s],
            }
            if chart.type == "pie":
                options["data_labels"] = {"percentage": True, "category": True}
            excel.add_series(options)
        excel.set_title({"name": chart.title, "name_font": {"name": tx.FONT, "size": 12}})
        if chart.type != "pie":
            excel.set_legend({"position": "bottom" if len(series) > 1 else "none"})
        if chart.type == "bar":
            excel.set_y_axis({"reverse": True})  # the largest on top, as in the data
        # Each chart sits under its figures, as wide as the table (A:E), and starts a printed page:
        # the tallest block (15 agencies, 480 px) is 44 rows, an A4 portrait page about 50.
        height = 320 if len(categories) <= 10 else 480
        excel.set_size({"width": CHART_WIDTH, "height": height})
        chart_row = last + 2
        ws.insert_chart(chart_row, 0, excel)
        if row:
            breaks.append(row)
        row = chart_row + math.ceil(height / 20) + 2
    ws.set_h_pagebreaks(breaks)
    ws.set_paper(9)  # A4 portrait: a chart and its figures fit one page at full size
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.set_footer(tx.FOOTER)


def _chart_data(
    chart: Chart,
    form: Form,
    included: list[FileResult],
    details: list[dict[str, float]],
    totals: dict[str, float],
    columns: dict[str, int],
    summary_ref: Callable[[str], str],
) -> tuple[list[str], list[tuple[str, list[tuple[str, float]]]]]:
    """Category labels and, per series, (formula, value) per category: formulas keep it traceable."""
    if chart.by == "cells":
        labels = list(chart.categories) or [
            form.cells[k].column_label for k in chart.series[0].cells
        ]
        series = [
            (s.name, [(f"={summary_ref(k)}", totals[k]) for k in s.cells]) for s in chart.series
        ]
        return labels, series
    if chart.by == "groups":
        values = [
            ("=" + "+".join(summary_ref(k) for k in g.cells), math.fsum(totals[k] for k in g.cells))
            for g in chart.groups
        ]
        return [g.name for g in chart.groups], [(tx.COUNT, values)]
    rows = list(range(len(included)))
    weight = [math.fsum(details[r][k] for s in chart.series for k in s.cells) for r in rows]
    if chart.top:
        rows = sorted(rows, key=lambda r: (-weight[r], included[r].agency_code))[: chart.top]
    labels = [included[r].agency_name or included[r].agency_code for r in rows]

    def cell(r: int, keys: tuple[str, ...]) -> tuple[str, float]:
        refs = [
            f"{_quote(DETAIL_SHEET)}!{a1(DETAIL_FIRST_ROW + r, columns[k], absolute=True)}"
            for k in keys
        ]
        return "=" + "+".join(refs), math.fsum(details[r][k] for k in keys)

    return labels, [(s.name, [cell(r, s.cells) for r in rows]) for s in chart.series]


def _meta_sheet(
    book: Any,
    form: Form,
    report: CheckReport,
    included: list[FileResult],
    generated_at: datetime,
    level: str = tx.DISTRICT_LEVEL,
    roster: Sequence[Agency] | None = None,
) -> None:
    ws = book.add_worksheet(META_SHEET, worksheet_class=BulkSheet)
    text = book.add_format({"num_format": "@"})
    rows = [
        ("form_id", form.id),
        ("form_version", form.version),
        ("kind", ROLLUP_KIND),
        ("year", report.year),
        ("district", report.district),
        ("generated_at", generated_at.isoformat(timespec="seconds")),
        ("toolkit_version", __version__),
        ("layout_fingerprint", form.fingerprint()),
        ("agencies", str(len(included))),
        ("level", level),
        # agencies on the roster ("" without one): the district draft says whether all reported
        ("roster", str(len(roster)) if roster is not None else ""),
    ]
    for index, (key, value) in enumerate(rows):
        ws.write_string(index, 0, key, text)
        write_text(ws, index, 1, value, text)
    start = len(rows) + 1
    ws.write_row(start, 0, ["input", "sha256", "agency_code", "included"], text)
    used_paths = {r.path for r in included}
    style = xf_index(text)
    inputs: list[tuple[int, list[str | float]]] = [
        (style, [r.path, r.sha256, r.agency_code, "yes" if r.path in used_paths else "no"])
        for r in report.files
    ]
    ws.set_bulk(start + 1, inputs, style)
    ws.hide()
