"""The `nianbao render` command: parse, call render.render, print what was written and what was
left empty or not rendered, exit (0 every report rendered, 1 some files not rendered, 2 failed).

Registered on the app by cli.py with one call, so the command lives beside, not inside, cli.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..core import texts as tx
from .cli_support import FormOption
from .cli_workspace import WorkspaceOption

if TYPE_CHECKING:
    from rich.console import Console

    from ..render.render import RenderResult

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add `render` to the command line."""
    app.command(
        name="render",
        help="生成对外公开的年度报告（Word、网页、PDF）：审核通过的报回文件每个单位一份；"
        "给出汇总表（rollup 生成的 .xlsx）时起草全区（全市、全省）年度报告，数字由汇总数据生成，"
        "需补充的文字标为【请填写】。退出码：0 全部生成，1 有文件未生成（有错误或无法读取），2 无法运行。",
    )(render)


def render(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="路径",
            help="报回的文件、文件夹、通配符或汇总表；在工作区中运行时不给（用计入的文件和工作区的汇总表）。",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="输出文件夹（不存在时自动创建）；在工作区中默认为“输出/报告”。"),
    ] = None,
    formats: Annotated[
        str,
        typer.Option(
            "--format", help="输出格式，逗号分隔：docx、html、pdf（PDF 需要 LibreOffice）。"
        ),
    ] = "docx,html,pdf",
    template: Annotated[
        Path | None,
        typer.Option(
            "--template",
            help="Word 模板（.docx）；不给时用内置模板 templates/report-template.docx。",
        ),
    ] = None,
    include_errors: Annotated[
        bool,
        typer.Option("--include-errors", help="有错误的文件也生成报告，标为“草稿”（不得公开）。"),
    ] = False,
    year: Annotated[int | None, typer.Option("--year", help="报告年度。")] = None,
    district: Annotated[str | None, typer.Option("--district", help="区（县）名称。")] = None,
    issued: Annotated[
        Path | None,
        typer.Option(
            "--issued",
            help="下发模板的文件夹（含 nianbao-key.txt）或该密钥文件，用于核验报回文件确属所标单位。",
        ),
    ] = None,
    form_path: FormOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    from ..core.catalogue import UsageError
    from ..form.form import FormError
    from ..render.render import parse_formats
    from ..render.render import render as run
    from .cli_support import EXIT_FAILED, _check_year, _console, _fail, _form, _key

    console = _console()
    try:
        wanted = parse_formats(formats)
        if workspace is not None or not paths:
            from ..workspace.workspace_steps import render_year
            from .cli_workspace import refuse_with_workspace, year_check

            if paths:
                raise UsageError("workspace-paths", command="render")
            refuse_with_workspace(year=year, district=district, issued=issued, form=form_path)
            form, decided, space = year_check(workspace, "render")
            out = out or space.output(tx.REPORTS_FOLDER)
            result = render_year(
                space,
                decided,
                form=form,
                formats=wanted,
                out=out,
                include_errors=include_errors,
                template=template,
            )
        else:
            if out is None:
                raise UsageError("workspace-needs-out", option="--out")
            form = _form(form_path)
            _check_year(form, year)
            key = _key(issued, None)
            result = run(
                paths,
                out=out,
                formats=wanted,
                form=form,
                include_errors=include_errors,
                template=template,
                year=year,
                district=district,
                key=key,
            )
    except (UsageError, FormError) as exc:
        raise _fail(str(exc)) from None
    if not result.rendered and not result.skipped:
        raise typer.Exit(EXIT_FAILED)
    _report(console, result, out)
    raise typer.Exit(result.exit_code)


def _report(console: Console, result: RenderResult, out: Path) -> None:
    from ..core.texts import CheckStatus, whole
    from .cli_support import _say

    titles = {status.value: status.title for status in CheckStatus}

    for item in result.rendered:
        kinds = "、".join(p.suffix[1:] for p in item.outputs)
        if item.district:
            _say(
                console,
                f"已起草{whole(item.level)}年度报告（汇总 {item.agencies} 个单位）：{item.title}（{kinds}）",
            )
        else:
            mark = "（草稿：有错误，不得公开）" if item.draft else ""
            _say(console, f"已生成：{item.title}（{kinds}）{mark}")
        if item.gaps and not item.district:
            _say(console, f"  未填写的部分（报告中标为“（本部分未填写）”）：{'；'.join(item.gaps)}")
        if item.empty and not item.district:
            _say(console, f"  未填写、按表式略去或写明“无”的部分：{'；'.join(item.empty)}")
    for skipped in result.skipped:
        who = skipped.agency_name or Path(skipped.path).name
        if not skipped.in_use:
            why = (
                "已被同一单位的其他文件替代"
                if skipped.superseded
                else "同一单位有内容不同的多份文件"
            )
        else:
            why = f"{titles.get(skipped.status, skipped.status)}，{skipped.count('error')}处错误"
        _say(console, f"  未生成：{who}（{why}） {skipped.path}")
    for item in result.missing_pdf:
        _say(
            console,
            f"  未能生成 PDF：{item.title}（LibreOffice 未转换此文件；Word 和网页版已生成）",
        )
    if any(not r.superseded for r in result.skipped):
        _say(console, "有错误的文件可先用 nianbao check 查看问题；加 --include-errors 可生成草稿。")
    _say(console, f"输出文件夹：{out}")
