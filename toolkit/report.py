"""Renders a check report: the terminal summary (rich) and the JSON file; writes outputs atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .catalogue import SEVERITY_TITLES, STATUS_TITLES, UsageError
from .check import CheckReport, FileResult, Finding

__all__ = ["render_terminal", "write_atomic", "write_findings_workbook", "write_json"]

_STATUS_STYLE = {"passed": "green", "warnings": "yellow", "failed": "red", "unreadable": "red"}
_SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "dim"}


def write_atomic(path: Path, data: bytes) -> None:
    """Write beside the target, then rename: an interrupted run leaves the old file or none."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    except OSError as exc:
        raise UsageError("output-failed", path=path, reason=exc.strerror or exc) from exc


def write_json(report: CheckReport, path: Path) -> None:
    text = json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
    write_atomic(path, text.encode("utf-8"))


def render_terminal(report: CheckReport, console: Any, *, quiet: bool = False) -> None:
    """A line per file with status and counts, then (unless quiet) every finding."""
    from rich.table import Table

    table = Table(title="审核结果", title_justify="left")
    table.add_column("状态", no_wrap=True)
    table.add_column("代码", no_wrap=True)
    table.add_column("单位", overflow="fold")
    for title in ("错误", "提示", "已说明"):
        table.add_column(title, justify="right", no_wrap=True)
    for result in report.files:
        status = STATUS_TITLES[result.status] + ("（已被替代）" if result.superseded else "")
        table.add_row(
            f"[{_STATUS_STYLE[result.status]}]{status}[/]",
            result.agency_code or "—",
            result.agency_name or f"（未识别：{Path(result.path).name}）",
            str(result.count("error")),
            str(result.count("warning")),
            str(result.explained),
        )
    console.print(table)
    if not quiet:
        for result in report.files:
            shown = [
                f for f in result.findings if f.severity != "info" or result.status != "passed"
            ]
            if not shown:
                continue
            console.print(f"\n[bold]{_agency(result)}[/]  {result.path}")
            for finding in shown:
                console.print("  " + _line(finding), highlight=False)
        if report.batch_findings:
            console.print("\n[bold]整批[/]")
            for finding in report.batch_findings:
                console.print("  " + _line(finding), highlight=False)
    summary = report.summary()
    console.print(
        f"\n共 {summary['files']} 个文件：通过 {summary['passed']}，有提示 {summary['warnings']}，"
        f"有错误 {summary['failed']}，无法读取 {summary['unreadable']}。"
        f"错误 {summary['errors']} 处，提示 {summary['warning_findings']} 处。",
        highlight=False,
    )


def _agency(result: FileResult) -> str:
    if not result.agency_code:
        return "（未识别）"
    return f"{result.agency_name}（{result.agency_code}）"


def _line(finding: Finding) -> str:
    where = f"{finding.sheet}!{finding.cell} " if finding.sheet and finding.cell else ""
    title = SEVERITY_TITLES[finding.severity]
    if finding.explained:
        title += "·已说明"
    text = f"[{_SEVERITY_STYLE[finding.severity]}]{title}[/] [dim]{finding.code}[/] {where}"
    text += _escape(finding.message)
    if finding.explained:
        text += f" [dim]说明：{_escape(finding.explanation)}[/]"
    return text


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def write_findings_workbook(
    report: CheckReport,
    path: Path,
    *,
    form: Any,
    feedback: dict[str, Path] | None = None,
) -> None:
    """The office's findings workbook: 汇总, 问题清单 (a filterable table, rows linked to the
    agency's feedback copy), and 规则说明 (the rulebook, from the form definition)."""
    import io

    import xlsxwriter

    from .catalogue import FINDINGS

    feedback = feedback or {}
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_urls": False})
    font = {"font_name": "宋体", "font_size": 10}
    header = book.add_format({**font, "bold": True, "bg_color": "#D9E1F2", "border": 1,
                              "text_wrap": True, "valign": "vcenter"})  # fmt: skip
    cell = book.add_format({**font, "border": 1, "text_wrap": True, "valign": "top"})
    title = book.add_format({**font, "bold": True, "font_size": 14})
    link = book.add_format({**font, "border": 1, "font_color": "blue", "underline": 1,
                            "valign": "top"})  # fmt: skip
    fills = {
        "passed": book.add_format({**font, "border": 1, "bg_color": "#C6EFCE"}),
        "warnings": book.add_format({**font, "border": 1, "bg_color": "#FFEB9C"}),
        "failed": book.add_format({**font, "border": 1, "bg_color": "#FFC7CE"}),
        "unreadable": book.add_format({**font, "border": 1, "bg_color": "#FFC7CE"}),
    }
    base = Path(path).resolve().parent

    summary = book.add_worksheet("汇总")
    counts = report.summary()
    summary.write(
        0, 0, f"{report.district}{report.year}年度政府信息公开工作年度报告审核汇总", title
    )
    summary.write(
        1, 0,
        f"共 {counts['files']} 个文件：通过 {counts['passed']}，有提示 {counts['warnings']}，"
        f"有错误 {counts['failed']}，无法读取 {counts['unreadable']}。",
        book.add_format(font),
    )  # fmt: skip
    columns = ["单位代码", "单位名称", "状态", "错误", "提示", "已说明", "文件", "审核意见副本"]
    widths = [10, 26, 14, 6, 6, 7, 48, 48]
    summary.write_row(3, 0, columns, header)
    for col, width in enumerate(widths):
        summary.set_column(col, col, width)
    for row, result in enumerate(report.files, start=4):
        status = STATUS_TITLES[result.status] + ("（已被替代）" if result.superseded else "")
        style = fills[result.status]
        summary.write_row(row, 0, [result.agency_code, result.agency_name, status,
                                   result.count("error"), result.count("warning"),
                                   result.explained, result.path], style)  # fmt: skip
        copy = feedback.get(result.path)
        if copy is not None:
            summary.write_url(row, 7, "external:" + _relative(copy, base), link, copy.name)
        else:
            summary.write_blank(row, 7, None, style)
    summary.freeze_panes(4, 0)
    summary.autofilter(3, 0, 3 + len(report.files), len(columns) - 1)

    issues = book.add_worksheet("问题清单")
    names = ["代码", "级别", "单位代码", "单位名称", "工作表", "单元格", "行", "列", "应为", "实为",
             "问题及修改要求", "单位说明", "文件"]  # fmt: skip
    widths = [16, 8, 10, 20, 14, 8, 24, 14, 10, 10, 60, 30, 40]
    rows = [(finding, result) for result in report.files for finding in result.findings] + [
        (finding, None) for finding in report.batch_findings
    ]
    for col, width in enumerate(widths):
        issues.set_column(col, col, width)
    if rows:
        issues.add_table(
            0, 0, len(rows), len(names) - 1,
            {"name": "问题清单", "style": "Table Style Light 9",
             "columns": [{"header": n, "header_format": header} for n in names]},
        )  # fmt: skip
    for row, (finding, result) in enumerate(rows, start=1):
        level = SEVERITY_TITLES[finding.severity] + ("（已说明）" if finding.explained else "")
        values = [finding.code, level, finding.agency_code, finding.agency_name, finding.sheet,
                  finding.cell, finding.row_label, finding.column_label, _cell(finding.expected),
                  _cell(finding.actual), finding.message, finding.explanation]  # fmt: skip
        issues.write_row(row, 0, values, cell)
        copy = feedback.get(result.path) if result is not None else None
        if copy is not None:
            issues.write_url(row, 12, "external:" + _relative(copy, base), link, copy.name)
        else:
            issues.write_string(row, 12, Path(finding.file).name if finding.file else "", cell)
    issues.freeze_panes(1, 0)

    rules = book.add_worksheet("规则说明")
    rules.write(0, 0, f"政府信息公开工作年度报告审核规则（{form.basis}）", title)
    rules.write_row(2, 0, ["代码", "级别", "规则", "说明"], header)
    for col, width in enumerate([18, 10, 36, 90]):
        rules.set_column(col, col, width)
    row = 3
    for rule in form.rules:
        level = "错误（须更正）" if rule.severity == "error" else "提示（须核对或说明）"
        rules.write_row(row, 0, [rule.id, level, rule.title, rule.explain], cell)
        row += 1
    for code, message in FINDINGS.items():
        rules.write_row(row, 0, [code, SEVERITY_TITLES[message.severity], message.title,
                                 _generic(message.template)], cell)  # fmt: skip
        row += 1
    rules.fit_to_pages(1, 0)
    rules.set_landscape()
    book.close()
    write_atomic(path, buffer.getvalue())


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
