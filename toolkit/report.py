"""Renders a check report: the terminal summary (rich) and the JSON file; writes outputs atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .catalogue import SEVERITY_TITLES, STATUS_TITLES, UsageError
from .check import CheckReport, FileResult, Finding

__all__ = ["render_terminal", "write_atomic", "write_json"]

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
