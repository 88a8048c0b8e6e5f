"""The `nianbao rollup` command: parse, call rollup.rollup (on the files given, or on a workspace's
counted files as its ledger decided), print what was included, left out and missing, exit (0
written; 1 with --strict when anything was left out or is missing; 2 could not run).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .cli_support import (
    FormOption,
    IssuedOption,
    _check_year,
    _console,
    _datetime,
    _fail,
    _form,
    _inputs,
    _key,
    _progress,
    _say,
)
from .cli_workspace import WorkspaceOption, refuse_with_workspace

__all__ = ["register"]


_HELP = (
    "汇总审核通过的报回文件，生成全区汇总表（全区汇总、明细、状态、图表；--level 市 时为全市汇总，"
    "输入可含下级汇总表）。先执行与 check 相同的审核。"
    "退出码：0 已生成汇总表；加 --strict 时有未计入或未报送的单位则为 1；2 无法运行。"
)


def rollup(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="路径",
            help="报回的文件、文件夹、通配符或下级汇总表；在工作区中运行时不给。",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="汇总表输出路径（.xlsx）；在工作区中默认为“输出”文件夹。"),
    ] = None,
    roster: Annotated[
        Path | None, typer.Option("--roster", help="单位名单，用于列出未报送的单位。")
    ] = None,
    year: Annotated[int | None, typer.Option("--year", help="报告年度。")] = None,
    district: Annotated[
        str | None, typer.Option("--district", help="区（县）、市或省的名称。")
    ] = None,
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="另存长表 CSV（每个单位每个单元格一行）。")
    ] = None,
    include_errors: Annotated[
        bool,
        typer.Option("--include-errors", help="有错误的文件也计入汇总（在明细和状态中标出）。"),
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="有未计入或未报送的单位时退出码为 1。")
    ] = False,
    generated_at: Annotated[
        str | None,
        typer.Option(
            "--generated-at",
            metavar="<时间>",
            help="生成时间（ISO 格式）；给定时相同输入生成完全相同的文件。",
        ),
    ] = None,
    issued: IssuedOption = None,
    level: Annotated[
        str,
        typer.Option(
            "--level",
            help="汇总层级：区、县、市、州或省，用于工作表名称、标题和起草的报告（如“全市汇总”）；"
            "输入可含下级汇总表（逐级汇总）。",
        ),
    ] = "区",
    form_path: FormOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    from ..core.catalogue import UsageError
    from ..core.texts import whole
    from ..form.form import FormError
    from ..rollup.rollup import rollup as run

    console = _console()
    try:
        stamp = _datetime("--generated-at", generated_at)
        if workspace is not None or not paths:
            from .cli_workspace import year_check

            if paths:
                raise UsageError("workspace-paths", command="rollup")
            refuse_with_workspace(
                roster=roster, year=year, district=district, issued=issued, form=form_path
            )
            from ..workspace.workspace_steps import rollup_year

            form, decided, space = year_check(workspace, "rollup")
            level = space.level
            result = rollup_year(  # checked already: no progress bar
                space,
                decided,
                form=form,
                out=out,
                csv_path=csv_path,
                include_errors=include_errors,
                generated_at=stamp,
            )
        else:
            if out is None:
                raise UsageError("workspace-needs-out", option="--out")
            form = _form(form_path)
            _check_year(form, year)
            agencies, files = _inputs(paths, roster, (out, csv_path))
            with _progress(console, len(files)) as progress:
                result = run(
                    list(paths),
                    key=_key(issued, roster),
                    out=out,
                    roster=agencies,
                    year=year,
                    district=district,
                    csv_path=csv_path,
                    include_errors=include_errors,
                    generated_at=stamp,
                    form=form,
                    progress=progress,
                    level=level,
                )
    except (UsageError, FormError) as exc:
        raise _fail(str(exc)) from None
    _say(
        console,
        f"已生成{whole(level)}汇总表 {result.out}：计入 {len(result.included)} 个单位，"
        f"未计入 {len(result.excluded)} 份文件，未报送 {len(result.missing)} 个单位。",
    )
    for finding in result.report.batch_findings:  # lower rollups that do not add up
        if finding.code in ("rollup-sums-differ", "rollup-unreadable", "rollup-wrong-year"):
            _say(console, f"  {finding.message}")
    for item in result.excluded:
        reason = "已被替代" if item.superseded else f"{item.count('error')}处错误"
        if any(f.code == "counted-twice" for f in item.findings):
            reason = "已计入下级汇总表，不重复计入"
        who = item.agency_name or Path(item.path).name
        _say(console, f"  未计入：{who}（{reason}） {item.path}")
    for agency in result.missing:
        _say(console, f"  未报送：{agency.name}（{agency.code}）")
    if result.csv is not None:
        _say(console, f"长表 CSV：{result.csv}")
    raise typer.Exit(result.exit_code(strict))


def register(app: typer.Typer) -> None:
    """Add `rollup` to the command line."""
    app.command(help=_HELP)(rollup)
