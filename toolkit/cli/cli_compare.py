"""The `nianbao compare` command: parse, call compare.compare, print the differences, write the
JSON and the findings workbook when asked, exit (0 the same, 1 differences, 2 could not run)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..core import texts as tx
from .cli_support import FormOption
from .cli_workspace import WorkspaceOption

if TYPE_CHECKING:
    from rich.console import Console

    from ..compare.compare import Comparison
    from ..form.form import Form

__all__ = ["compare_command"]


def compare_command(
    published: Annotated[
        list[str],
        typer.Option(
            "--published",
            help=tx.HELP_COMPARE_PUBLISHED,
        ),
    ],
    submitted: Annotated[
        list[str] | None,
        typer.Option("--submitted", help=tx.HELP_COMPARE_SUBMITTED),
    ] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help=tx.HELP_COMPARE_JSON)] = None,
    xlsx_path: Annotated[Path | None, typer.Option("--xlsx", help=tx.HELP_COMPARE_XLSX)] = None,
    issued: Annotated[Path | None, typer.Option("--issued", help=tx.HELP_COMPARE_ISSUED)] = None,
    workspace: WorkspaceOption = None,
    form_path: FormOption = None,
) -> None:
    from ..compare.compare import compare, write_xlsx
    from ..core.catalogue import UsageError
    from ..core.outputs import write_atomic
    from ..form.form import FormError
    from .cli_support import _console, _fail, _form, _key

    console = _console()
    try:
        if submitted:
            form = _form(form_path)
            result = compare(published, submitted, form=form, key=_key(issued, None))
        else:
            from .cli_workspace import year_check

            form, year, space = year_check(workspace, "compare")
            result = compare(published, (), form=form, report=year.report)
            if json_path is None and xlsx_path is None:
                xlsx_path = space.output(tx.COMPARE_FILE)
        inputs = [p.published.path for p in result.pairs] + [p.submitted.path for p in result.pairs]
        if json_path is not None:
            text = json.dumps(_as_json(result, form), ensure_ascii=False, indent=2)
            write_atomic(json_path, text.encode("utf-8"), inputs=inputs)
        if xlsx_path is not None:
            write_xlsx(xlsx_path, result, form, inputs)
    except (UsageError, FormError) as exc:
        raise _fail(str(exc)) from None
    _report(console, result, form)
    raise typer.Exit(1 if result.differs else 0)


def _as_json(result: Comparison, form: Form) -> dict[str, object]:
    return {
        "agencies": [
            {
                "agency_code": pair.submitted.code,
                "agency_name": pair.submitted.name,
                "published": str(pair.published.path),
                "submitted": str(pair.submitted.path),
                "decision": pair.submitted.decision,
                "cells": [
                    {
                        "cell": d.key,
                        "table": form.tables[form.cells[d.key].table].title,
                        "row": form.cells[d.key].row_label,
                        "column": form.cells[d.key].column_label,
                        "published": d.published,
                        "submitted": d.submitted,
                        "kind": d.kind.value,
                    }
                    for d in pair.cells
                ],
                "sections_published_only": list(pair.sections_published_only),
                "sections_submitted_only": list(pair.sections_submitted_only),
                "by_name": pair.by_name,
            }
            for pair in result.pairs
        ],
        "published_only": [
            {"agency_code": s.code, "agency_name": s.name, "path": str(s.path)}
            for s in result.published_only
        ],
        "submitted_only": [
            {"agency_code": s.code, "agency_name": s.name, "path": str(s.path)}
            for s in result.submitted_only
        ],
        "unreadable": [{"path": str(p), "reason": r} for p, r in result.unreadable],
        "duplicates": [
            {"agency_code": s.code, "agency_name": s.name, "path": str(s.path)}
            for s in result.duplicates
        ],
        "set_aside": [
            {"agency_code": s.code, "agency_name": s.name, "path": str(s.path)}
            for s in result.set_aside
        ],
    }


def _report(console: Console, result: Comparison, form: Form) -> None:
    from .cli_support import _say

    titles = {s.key: s.title for s in form.sections}
    for pair in result.pairs:
        who = {"name": pair.submitted.name, "code": pair.submitted.code}
        by_name = f"  {tx.COMPARE_BY_NAME}" if pair.by_name else ""
        if not pair.differs:
            _say(console, tx.COMPARE_PAIR_SAME.format(**who) + by_name)
            if pair.submitted.decision:
                _say(console, f"  {pair.submitted.decision}")
            continue
        count = len(pair.cells) + len(pair.sections_published_only)
        count += len(pair.sections_submitted_only)
        _say(
            console,
            tx.COMPARE_PAIR.format(
                **who,
                count=count,
                published=pair.published.path.name,
                submitted=pair.submitted.path.name,
            )
            + by_name,
        )
        if pair.submitted.decision:
            _say(console, f"  {pair.submitted.decision}")
        for diff in pair.cells:
            cell = form.cells[diff.key]
            _say(
                console,
                tx.COMPARE_CELL.format(
                    table=form.tables[cell.table].title,
                    row=cell.row_label or cell.column_label,
                    column=cell.column_label,
                    submitted=diff.submitted or tx.IMPORT_BLANK,
                    published=diff.published or tx.IMPORT_BLANK,
                    kind=diff.kind.title,
                ),
            )
        for key in pair.sections_published_only:
            _say(console, f"  {titles[key]}：{tx.COMPARE_SECTION_PUBLISHED_ONLY}")
        for key in pair.sections_submitted_only:
            _say(console, f"  {titles[key]}：{tx.COMPARE_SECTION_SUBMITTED_ONLY}")
    for side in result.published_only:
        _say(console, f"{tx.COMPARE_PUBLISHED_ONLY}：{side.name}（{side.code}） {side.path}")
    for side in result.submitted_only:
        _say(console, f"{tx.COMPARE_SUBMITTED_ONLY}：{side.name}（{side.code}） {side.path}")
    for side in result.duplicates:
        _say(console, f"{tx.COMPARE_DUPLICATE}：{side.name}（{side.code}） {side.path}")
    for side in result.set_aside:
        _say(console, f"{tx.COMPARE_SET_ASIDE}：{side.name}（{side.code}） {side.path}")
    for path, reason in result.unreadable:
        _say(console, f"{tx.COMPARE_UNREADABLE}：{path}：{reason}")
    _say(
        console,
        tx.COMPARE_SUMMARY.format(
            pairs=len(result.pairs),
            differing=sum(p.differs for p in result.pairs),
            published_only=len(result.published_only),
            submitted_only=len(result.submitted_only),
            unreadable=len(result.unreadable),
        ),
    )
