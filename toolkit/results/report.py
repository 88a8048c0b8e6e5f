"""Renders a check report: the terminal summary (rich), the JSON file and the findings workbook.

Everything from a returned file (names, codes, paths, messages quoting cells) is untrusted: on the
terminal it goes through `inert()` and rich's escaping or `Text` objects; in the workbook through
`write_text()`. Writing goes through toolkit.core.outputs.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

from ..core import texts as tx
from ..core.catalogue import finding_codes
from ..core.outputs import print_setup, row_height, workbook_options, write_atomic, write_text
from ..core.text import cell_text, inert
from ..core.texts import CheckStatus, FileStatus, Severity
from ..form.findings import CheckReport, FileResult, Finding

__all__ = ["render_terminal", "write_findings_workbook", "write_json"]

_STATUS_STYLE = {
    CheckStatus.PASSED: "green",
    CheckStatus.WARNINGS: "yellow",
    CheckStatus.FAILED: "red",
    CheckStatus.UNREADABLE: "red",
}
_SEVERITY_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "dim"}


def _inputs(report: CheckReport) -> list[str]:
    return [result.path for result in report.files]


def write_json(report: CheckReport, path: Path) -> None:
    """The whole report as JSON; refuses to write over one of the checked files."""
    text = json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
    write_atomic(path, text.encode("utf-8"), inputs=_inputs(report))


def render_terminal(report: CheckReport, console: Any, *, quiet: bool = False) -> None:
    """A line per file with status and counts, then (unless quiet) every finding.

    Untrusted text goes into the table as `Text` (never parsed as markup) and into markup lines
    escaped; both after `inert()`, so a name cannot forge a line, reorder one or style the output.
    """
    from rich.table import Table
    from rich.text import Text

    several = Counter(r.agency_code for r in report.files if r.agency_code)
    naming = any(n > 1 for n in several.values())
    table = Table(title=tx.TERMINAL_TITLE, title_justify="left")
    table.add_column(tx.STATUS, no_wrap=True)
    table.add_column(tx.CODE, no_wrap=True)
    table.add_column(tx.TERMINAL_AGENCY, overflow="fold")
    for title in (tx.ERRORS, tx.WARNINGS, tx.EXPLAINED):
        table.add_column(title, justify="right", no_wrap=True)
    if naming:  # an agency sent more than one file: say which row is which
        table.add_column(tx.FILE, overflow="fold")
    for result in report.files:
        status = _status(result)
        row = [
            Text(status, style=_STATUS_STYLE[CheckStatus(result.status)]),
            Text(inert(result.agency_code) or "—"),
            Text(
                inert(result.agency_name)
                or tx.TERMINAL_UNRECOGNISED_FILE.format(name=inert(Path(result.path).name))
            ),
            Text(str(result.count(Severity.ERROR))),
            Text(str(result.count(Severity.WARNING))),
            Text(str(result.explained)),
        ]
        if naming:
            named = several[result.agency_code] > 1
            row.append(Text(inert(Path(result.path).name) if named else ""))
        table.add_row(*row)
    console.print(table)
    if not quiet:
        for result in report.files:
            shown = [
                f
                for f in result.findings
                if f.severity != Severity.INFO or result.status != CheckStatus.PASSED
            ]
            if not shown:
                continue
            console.print(
                f"\n[bold]{_escape(_agency(result))}[/]  {_escape(result.path)}"
                + (f"  [dim]{tx.TERMINAL_SUPERSEDED}[/]" if result.superseded else ""),
                highlight=False,
            )
            for finding in shown:
                console.print("  " + _line(finding), highlight=False)
        if report.batch_findings:
            console.print(f"\n[bold]{tx.TERMINAL_BATCH}[/]")
            for finding in report.batch_findings:
                console.print("  " + _line(finding), highlight=False)
    console.print("\n" + report.headline(), highlight=False, markup=False)


def _status(result: FileResult) -> str:
    """A file's verdict as the terminal and 汇总 show it, marked when a newer file replaced it."""
    return CheckStatus(result.status).title + (tx.SUPERSEDED if result.superseded else "")


def _agency(result: FileResult) -> str:
    if not result.agency_code:
        return tx.TERMINAL_UNRECOGNISED
    return f"{result.agency_name}（{result.agency_code}）"


def _line(finding: Finding) -> str:
    where = (
        f"{_escape(finding.sheet)}!{_escape(finding.cell)} "
        if finding.sheet and finding.cell
        else ""
    )
    severity = finding.severity
    title = severity.title
    if finding.explained:
        title += tx.TERMINAL_EXPLAINED
    text = f"[{_SEVERITY_STYLE[severity]}]{title}[/] [dim]{_escape(finding.code)}[/] {where}"
    text += _escape(finding.message)
    if finding.explained:
        text += f" [dim]{tx.TERMINAL_NOTE}{_escape(finding.explanation)}[/]"
    return text


def _escape(text: object) -> str:
    """Untrusted text for a rich markup line: controls shown as escapes, brackets escaped."""
    from rich.markup import escape

    return escape(inert(text))


def write_findings_workbook(
    report: CheckReport,
    path: Path,
    *,
    form: Any,
    feedback: dict[str, Path] | None = None,
) -> None:
    """The office's findings workbook: 汇总 (every file, and every roster agency that sent
    nothing), 问题清单 (a filterable table with each finding's Chinese title, rows linked to the
    agency's feedback copy), and 规则说明 (the rulebook, from the form definition).

    Every sheet prints on A4 landscape, one page wide, with its header rows repeated; rows are as
    high as their wrapped text. Refuses to write over one of the checked files.
    """
    import io

    import xlsxwriter

    feedback = feedback or {}
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, workbook_options())
    f = _findings_formats(book)
    base = Path(path).resolve().parent
    heading = tx.FINDINGS_HEADING.format(district=report.district, year=report.year)
    _summary_sheet(book, f, report, feedback, base, heading)
    _issues_sheet(book, f, report, form, feedback, base, heading)
    _rules_sheet(book, f, form, heading)
    book.close()
    write_atomic(path, buffer.getvalue(), inputs=_inputs(report))


def _findings_formats(book: Any) -> dict[str, Any]:
    font = {"font_name": tx.FONT, "font_size": 10}
    cell = {**font, "border": 1, "text_wrap": True, "valign": "top"}
    fills = {"passed": "#C6EFCE", "warnings": "#FFEB9C", "failed": "#FFC7CE",
             "unreadable": "#FFC7CE", "missing": "#FCE4D6"}  # fmt: skip
    return {
        "header": book.add_format({**font, "bold": True, "bg_color": "#D9E1F2", "border": 1,
                                   "text_wrap": True, "valign": "vcenter"}),
        "cell": book.add_format(cell),
        "title": book.add_format({**font, "bold": True, "font_size": 14}),
        "plain": book.add_format(font),
        "link": book.add_format({**cell, "font_color": "blue", "underline": 1}),
        **{key: book.add_format({**cell, "bg_color": color}) for key, color in fills.items()},
    }  # fmt: skip


def _summary_sheet(
    book: Any, f: dict[str, Any], report: CheckReport, feedback: dict[str, Path], base: Path,
    heading: str,
) -> None:  # fmt: skip
    ws = book.add_worksheet(tx.FINDINGS_SUMMARY_SHEET)
    missing = [b for b in report.batch_findings if b.code == "missing-agency"]
    title = tx.FINDINGS_SUMMARY_TITLE.format(district=report.district, year=report.year)
    write_text(ws, 0, 0, title, f["title"])
    ws.set_row(0, 22)
    ws.write_string(
        1, 0,
        tx.FINDINGS_SUMMARY_LINE.format(headline=report.headline(), missing=len(missing)),
        f["plain"],
    )  # fmt: skip
    columns = list(tx.FINDINGS_SUMMARY_COLUMNS)
    texts = [(r.agency_code, r.agency_name, r.path) for r in report.files]
    widths = [
        _fit([t[0] for t in texts] + [m.agency_code for m in missing], 10, 18),
        _fit([t[1] for t in texts] + [m.agency_name for m in missing], 14, 30),
        18, 6, 6, 7, 48, 36,
    ]  # fmt: skip
    ws.write_row(3, 0, columns, f["header"])
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    row = 4
    for result in report.files:
        status = _status(result)
        style = f[result.status]
        write_text(ws, row, 0, result.agency_code, style)
        write_text(ws, row, 1, result.agency_name, style)
        ws.write_string(row, 2, status, style)
        for col, number in enumerate(
            (result.count(Severity.ERROR), result.count(Severity.WARNING), result.explained),
            start=3,
        ):
            ws.write_number(row, col, number, style)
        write_text(ws, row, 6, result.path, style)
        copy = feedback.get(result.path)
        if copy is not None:
            _link(ws, row, 7, copy, base, f["link"])
        else:
            ws.write_blank(row, 7, None, style)
        ws.set_row(row, row_height(zip((result.agency_code, result.agency_name, status, "", "",
                                        "", result.path, copy.name if copy else ""),
                                       widths, strict=True)))  # fmt: skip
        row += 1
    for finding in missing:  # roster agencies that sent nothing: the office chases them
        style = f["missing"]
        write_text(ws, row, 0, finding.agency_code, style)
        write_text(ws, row, 1, finding.agency_name, style)
        ws.write_string(row, 2, FileStatus.MISSING.title, style)
        for col in range(3, len(columns)):
            ws.write_blank(row, col, None, style)
        ws.set_row(
            row,
            row_height(zip((finding.agency_code, finding.agency_name), widths[:2], strict=True)),
        )
        row += 1
    ws.freeze_panes(4, 0)
    ws.autofilter(3, 0, max(row - 1, 3), len(columns) - 1)
    print_setup(ws, header_rows=(3, 3), title=heading)


def _issues_sheet(
    book: Any, f: dict[str, Any], report: CheckReport, form: Any, feedback: dict[str, Path],
    base: Path, heading: str,
) -> None:  # fmt: skip
    ws = book.add_worksheet(tx.FINDINGS_ISSUES_SHEET)
    titles = finding_codes(form)
    names = list(tx.FINDINGS_ISSUES_COLUMNS)
    pairs = [(finding, result) for result in report.files for finding in result.findings] + [
        (finding, None) for finding in report.batch_findings
    ]
    rows = []
    for finding, result in pairs:
        level = finding.severity.title + (tx.EXPLAINED_MARK if finding.explained else "")
        title = titles[finding.code].title if finding.code in titles else ""
        copy = feedback.get(result.path) if result is not None else None
        shown_file = (
            copy.name if copy is not None else Path(finding.file).name if finding.file else ""
        )
        rows.append(([finding.code, title, level, finding.agency_code, finding.agency_name,
                      finding.sheet, finding.cell, finding.row_label, finding.column_label,
                      _cell(finding.expected), _cell(finding.actual), finding.message,
                      finding.explanation, shown_file], copy))  # fmt: skip
    widths = [
        _fit([r[0][0] for r in rows], 12, 20), _fit([r[0][1] for r in rows], 16, 30), 10,
        _fit([r[0][3] for r in rows], 8, 14), _fit([r[0][4] for r in rows], 12, 24),
        _fit([r[0][5] for r in rows], 8, 16), 7, 24, 16, 10, 10, 56, 30, 30,
    ]  # fmt: skip
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    if rows:
        ws.add_table(
            0, 0, len(rows), len(names) - 1,
            {"name": tx.FINDINGS_ISSUES_SHEET, "style": "Table Style Light 9",
             "columns": [{"header": n, "header_format": f["header"]} for n in names]},
        )  # fmt: skip
    else:
        ws.write_row(0, 0, names, f["header"])
    ws.set_row(0, row_height(zip(names, widths, strict=True)))
    for row, (values, copy) in enumerate(rows, start=1):
        for col, value in enumerate(values[:-1]):
            if isinstance(value, int | float) and not isinstance(value, bool):
                ws.write_number(row, col, value, f["cell"])
            else:
                write_text(ws, row, col, value, f["cell"])
        if copy is not None:
            _link(ws, row, len(names) - 1, copy, base, f["link"])
        else:
            write_text(ws, row, len(names) - 1, values[-1], f["cell"])
        ws.set_row(row, row_height(zip(values, widths, strict=True)))
    ws.freeze_panes(1, 0)
    print_setup(ws, header_rows=(0, 0), title=heading)


def _rules_sheet(book: Any, f: dict[str, Any], form: Any, heading: str) -> None:
    from ..core.catalogue import FINDINGS

    ws = book.add_worksheet(tx.FINDINGS_RULES_SHEET)
    ws.write_string(0, 0, tx.FINDINGS_RULES_TITLE.format(basis=form.basis), f["title"])
    ws.set_row(0, 22)
    widths = [18, 12, 36, 90]
    ws.write_row(2, 0, list(tx.FINDINGS_RULES_COLUMNS), f["header"])
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    rows = [
        (rule.id, rule.severity.duty, rule.title, rule.explain)
        for rule in form.rules
    ] + [
        (code, message.severity.title, message.title, _generic(message.template))
        for code, message in FINDINGS.items()
    ]  # fmt: skip
    for row, values in enumerate(rows, start=3):
        for col, value in enumerate(values):
            write_text(ws, row, col, value, f["cell"])
        ws.set_row(row, row_height(zip(values, widths, strict=True)))
    print_setup(ws, header_rows=(2, 2), title=heading)


def _fit(texts: list[Any], least: int, most: int) -> int:
    """A column width that shows the longest text on one line, within [least, most]."""
    from ..core.outputs import display_width

    widest = max((display_width(str(t or "")) for t in texts), default=0)
    return max(least, min(most, widest + 2))


def _link(ws: Any, row: int, col: int, target: Path, base: Path, fmt: Any) -> None:
    """A link to a feedback copy that works wherever the folder is copied: relative to the findings
    workbook, with forward slashes (xlsxwriter writes backslashes, which only Windows Excel reads)."""
    from xlsxwriter.url import Url

    from ..template.xlsxwriter_hooks import relative_url

    try:
        relative = _relative(target, base)
    except ValueError:  # another drive (Windows): only an absolute link can reach it
        url = Url(Path(target).resolve().as_uri())
    else:
        url = relative_url(relative)
    url.text = cell_text(Path(target).name)
    ws.write_url(row, col, url, fmt)


def _relative(target: Path, base: Path) -> str:
    return os.path.relpath(Path(target).resolve(), base).replace(os.sep, "/")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return value


def _generic(template: str) -> str:
    """A message template as a rule description: placeholders become "…"."""
    import re

    return re.sub(r"\{[a-z_]+\}", "…", template)
