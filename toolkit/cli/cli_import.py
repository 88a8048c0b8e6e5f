"""The `nianbao import` and `nianbao compare` commands: parse, call the library, print the log,
exit (import: 0 every report complete, 1 some cells, sections or files missing, 2 could not run;
compare: 0 the same, 1 differences found, 2 could not run).

Registered on the app by cli.py with one call each, like render and the mail commands.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..core import texts as tx
from .cli_support import FormOption

if TYPE_CHECKING:
    from rich.console import Console

    from ..form.form import Form
    from ..published.importer import ImportEntry, ImportResult

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add `import` and `compare` to the command line."""
    app.command(name="import", help=tx.IMPORT_HELP)(import_command)
    from .cli_compare import compare_command

    app.command(name="compare", help=tx.COMPARE_HELP, short_help=tx.SHORT_COMPARE)(compare_command)


def import_command(
    paths: Annotated[
        list[str],
        typer.Argument(
            metavar=tx.HELP_PATHS_METAVAR,
            help=tx.HELP_IMPORT_PATHS,
            show_default=False,
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help=tx.HELP_IMPORT_OUT)],
    year: Annotated[int | None, typer.Option("--year", help=tx.HELP_IMPORT_YEAR)] = None,
    roster: Annotated[Path | None, typer.Option("--roster", help=tx.HELP_IMPORT_ROSTER)] = None,
    district: Annotated[str, typer.Option("--district", help=tx.HELP_IMPORT_DISTRICT)] = "",
    issued: Annotated[
        Path | None,
        typer.Option(
            "--issued",
            help=tx.HELP_IMPORT_ISSUED,
        ),
    ] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help=tx.HELP_IMPORT_JSON)] = None,
    form_path: FormOption = None,
) -> None:
    from ..core.catalogue import UsageError
    from ..core.outputs import refuse_inputs, write_atomic
    from ..form.form import FormError
    from ..inputs.roster import read_roster
    from ..published.importer import import_reports, log_entry
    from .cli_support import _check_year, _console, _fail, _form, _key

    console = _console()
    try:
        if json_path is not None:  # before anything is read or written
            refuse_inputs(json_path, [Path(p) for p in paths])
        form = _form(form_path)
        _check_year(form, year)
        agencies = read_roster(roster) if roster is not None else None
        key = _key(issued, roster)
        folder = issued if issued is not None and issued.is_dir() else None
        if folder is None and roster is not None:
            folder = roster.parent
        logs: list[dict[str, object]] = []

        def written(entry: ImportEntry) -> None:
            # each report shown and logged as soon as its workbook is written, then let go: a
            # province's ten thousand pages need no more memory than a district's dozen
            _report_entry(console, form, entry)
            if json_path is not None:
                logs.append(log_entry(form, entry))

        result = import_reports(
            paths,
            out_dir=out,
            form=form,
            year=year,
            roster=agencies,
            district=district,
            key=key,
            issued=folder,
            generated_at=datetime.now().replace(microsecond=0),
            on_entry=written,
            keep_published=False,
        )
        if json_path is not None:
            text = json.dumps({"files": logs}, ensure_ascii=False, indent=2)
            write_atomic(json_path, text.encode("utf-8"))
    except (UsageError, FormError) as exc:
        raise _fail(str(exc)) from None
    _report_end(console, result)
    raise typer.Exit(0 if result.all_complete else 1)


def _report_entry(console: Console, form: Form, entry: ImportEntry) -> None:
    """The lines of one report: how it was read, what is missing, where its workbook is."""
    from ..core.text import inert
    from ..published.importer import ImportStatus, problem_lines
    from .cli_support import _say

    name = inert(entry.path.name)  # a line break in a name must not forge a line of output
    published = entry.published
    if entry.status is ImportStatus.FAILED or published is None:
        _say(console, tx.IMPORT_LINE_FAILED.format(file=name, reason=entry.error))
        return
    inputs = [c.key for c in form.inputs]
    _say(
        console,
        tx.IMPORT_LINE.format(
            file=name,
            status=entry.status.title,
            agency=inert(entry.agency.name) if entry.agency else "",
            code=entry.agency.code if entry.agency else "",
            year=entry.year or "",
            found=sum(1 for k in inputs if k in published.cells),
            expected=len(inputs),
            fmt=published.kind.value,
        ),
    )
    for note in (*entry.notes, *published.notes):
        _say(console, f"  {note}")
    for line in [*problem_lines(form, published), *problem_lines(form, published, True)]:
        where = f"（{line['place']}）" if line["place"] else ""
        _say(console, f"  {line['table']}“{line['row']}”：{line['message']}{where}")
    for section in form.sections:
        if section.key not in published.sections:
            _say(console, tx.IMPORT_SECTION_MISSING.format(title=section.title))
        elif section.parts:
            empty = [p.title for p in section.parts if not published.texts.get(p.key, "").strip()]
            if empty:
                _say(
                    console,
                    tx.IMPORT_PARTS_EMPTY.format(title=section.title, parts="、".join(empty)),
                )
    for table, labels in published.headers_missing.items():
        title = form.tables[table].title
        _say(console, tx.IMPORT_HEADERS_MISSING.format(table=title, labels="、".join(labels)))
    placeholders = {k: c.text for k, c in published.cells.items() if c.value is None}
    if placeholders:
        shown = "；".join(
            f"{form.cells[k].row_label or form.cells[k].column_label}"
            f"（{form.cells[k].column_label}）={v or tx.IMPORT_BLANK}"
            for k, v in list(placeholders.items())[:6]
        )
        _say(console, tx.IMPORT_PLACEHOLDERS.format(count=len(placeholders), cells=shown))
    if published.ocr_pages:
        pages = "、".join(str(p) for p in published.ocr_pages)
        _say(console, tx.IMPORT_OCR.format(pages=pages, cells=len(published.ocr_cells())))
    _say(console, f"  → {entry.workbook}")


def _report_end(console: Console, result: ImportResult) -> None:
    """What was skipped, and how many reports were imported."""
    from ..published.importer import ImportStatus
    from .cli_support import _say

    for note in result.skipped:
        _say(console, f"  {note}")
    done = sum(e.status is not ImportStatus.FAILED for e in result.entries)
    _say(
        console, tx.IMPORT_SUMMARY.format(done=done, total=len(result.entries), out=result.out_dir)
    )
