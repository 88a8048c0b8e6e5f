"""The workspace on the command line: `init`, `status`, `choose`, `outbox`, and the workspace side
of `check`, `rollup` and `render` (each command that works on a workspace opens it here, holds its
writer lock while it changes the ledger, and takes the one decision from workspace_year.current).

Registered on the app by cli.py with one call. Parse, call the library, print, exit.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..core import texts as tx
from .cli_support import FormOption

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console

    from ..form.form import Form
    from ..workspace.workspace import Workspace
    from ..workspace.workspace_status import YearStatus
    from ..workspace.workspace_year import FeedbackMade, YearCheck

__all__ = [
    "WorkspaceOption",
    "check_in_workspace",
    "refuse_with_workspace",
    "register",
    "year_check",
]

WorkspaceOption = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", metavar=tx.METAVAR_FOLDER, help=tx.HELP_WORKSPACE),
]


def refuse_with_workspace(**given: object) -> None:
    """Options a workspace records itself (roster, year, district, key, form …) are refused
    beside it: the workspace's own values are the ones every command uses."""
    from ..core.catalogue import UsageError

    named = [f"--{name.replace('_', '-')}" for name, value in given.items() if value]
    if named:
        raise UsageError("workspace-option", options="、".join(named))


def _form_of(space: Workspace) -> Form:
    """The form the workspace was started with (its own copy of a --form file, or the bundled)."""
    from ..workspace.workspace_steps import form_of
    from .cli_support import _form

    return form_of(space, _form(None))


def _open(workspace: Path | None) -> Workspace:
    from ..workspace.workspace import open_workspace

    return open_workspace(workspace)


def year_check(
    workspace: Path | None,
    command: str,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Form, YearCheck, Workspace]:
    """Open the workspace, decide (recording it, under the writer lock) and return the decision
    for a command that then only reads files and writes outputs."""
    from ..workspace.workspace_steps import decide

    space = _open(workspace)
    form, year = decide(space, command, form=_form_of(space), progress=progress)
    return form, year, space


def init(
    root: Annotated[Path, typer.Argument(metavar=tx.METAVAR_FOLDER, help=tx.HELP_INIT_DIR)],
    roster: Annotated[
        Path | None,
        typer.Option(
            "--roster",
            help=tx.HELP_INIT_ROSTER,
        ),
    ] = None,
    year: Annotated[int | None, typer.Option("--year", help=tx.HELP_INIT_YEAR)] = None,
    district: Annotated[str | None, typer.Option("--district", help=tx.HELP_INIT_DISTRICT)] = None,
    deadline: Annotated[
        str | None,
        typer.Option("--deadline", metavar=tx.METAVAR_DATE, help=tx.HELP_INIT_DEADLINE),
    ] = None,
    contact: Annotated[str, typer.Option("--contact", help=tx.HELP_INIT_CONTACT)] = "",
    password: Annotated[str | None, typer.Option("--password", help=tx.HELP_INIT_PASSWORD)] = None,
    generated_at: Annotated[
        str | None,
        typer.Option("--generated-at", metavar=tx.METAVAR_TIME, help=tx.HELP_INIT_GENERATED_AT),
    ] = None,
    level: Annotated[str, typer.Option("--level", help=tx.HELP_INIT_LEVEL)] = tx.DISTRICT_LEVEL,
    rebuild: Annotated[bool, typer.Option("--rebuild", help=tx.HELP_INIT_REBUILD)] = False,
    issued: Annotated[
        Path | None, typer.Option("--issued", metavar=tx.METAVAR_FOLDER, help=tx.HELP_INIT_ISSUED)
    ] = None,
    form_path: FormOption = None,
) -> None:
    from ..core.catalogue import UsageError
    from ..core.text import inert
    from ..form.form import FormError
    from ..workspace.workspace import TEMPLATES
    from ..workspace.workspace_init import init_workspace, rebuild_workspace
    from .cli_support import _check_year, _console, _date, _datetime, _fail, _form, _say

    console = _console()
    try:
        if rebuild:
            space = rebuild_workspace(root, form_of=_form_of)
            files = len(space.stored())
            _say(
                console,
                tx.WORKSPACE_REBUILT.format(root=root, agencies=len(space.agencies()), files=files),
            )
            raise typer.Exit(0)
        if roster is None:
            raise UsageError("workspace-init-needs", option="--roster")
        if level not in tx.LEVELS:
            raise UsageError("rollup-level", value=level, known="、".join(tx.LEVELS))
        form = _form(form_path)
        _check_year(form, year)
        result = init_workspace(
            root,
            roster=roster,
            year=year,
            district=district,
            form=form,
            form_path=form_path,
            deadline=_date("--deadline", deadline),
            contact=contact,
            password=password,
            generated_at=_datetime("--generated-at", generated_at) if generated_at else None,
            level=level,
            issued=issued,
        )
    except (UsageError, FormError) as exc:
        raise _fail(str(exc)) from None
    space = result.workspace
    if result.created:
        _say(
            console,
            tx.WORKSPACE_CREATED.format(
                root=root,
                year=space.year,
                district=space.district,
                count=len(result.added),
            ),
        )
    else:
        _say(console, tx.WORKSPACE_UPDATED.format(root=root, count=len(result.added)))
    for spelled, code in result.matched:
        _say(console, tx.WORKSPACE_MATCHED.format(spelled=spelled, code=code))
    for note in result.notes:
        _say(console, tx.NOTE_LINE.format(note=inert(note)))
    _say(console, tx.WORKSPACE_TEMPLATES.format(folder=root / TEMPLATES))
    if result.created:
        _say(console, tx.WORKSPACE_NEXT.format(root=root))


def status(
    workspace: WorkspaceOption = None,
    json_path: Annotated[
        str | None, typer.Option("--json", metavar=tx.METAVAR_FILE, help=tx.HELP_STATUS_JSON)
    ] = None,
) -> None:
    from ..core.catalogue import UsageError
    from ..core.outputs import write_atomic
    from ..workspace.workspace_status import year_status
    from .cli_support import _console, _fail

    try:
        space = _open(workspace)
        seen = year_status(space)
        if json_path is not None:
            text = json.dumps(seen.to_dict(), ensure_ascii=False, indent=2)
            if json_path == "-":
                typer.echo(text)
                raise typer.Exit(0)
            write_atomic(Path(json_path), text.encode("utf-8"))
    except UsageError as exc:
        raise _fail(str(exc)) from None
    print_status(_console(), seen)


def print_status(console: Console, seen: YearStatus) -> None:
    """The year as a table: one row per agency, its state and its dates; then, for agencies that
    sent several files or whose file the office chose, the file that counts and why."""
    from rich.table import Table
    from rich.text import Text

    from ..core.text import inert
    from ..workspace.workspace_status import AgencyState

    deadline = tx.DATE.format(seen.deadline) if seen.deadline else tx.STATUS_NO_DEADLINE
    title = tx.YEAR_STATUS_TITLE.format(district=seen.district, year=seen.year, deadline=deadline)
    table = Table(title=Text(inert(title)))
    for heading in tx.YEAR_STATUS_HEADER:
        table.add_column(heading, overflow="fold", no_wrap=heading != tx.AGENCY_NAME)
    colours = {
        AgencyState.PASSED: "green",
        AgencyState.CORRECTED: "green",
        AgencyState.FAILED: "red",
        AgencyState.OVERDUE: "red",
        AgencyState.FEEDBACK: "yellow",
    }
    for row in seen.agencies:
        code = (
            tx.STATUS_CODE.format(code=row.code, spelled=row.roster_code)
            if row.roster_code
            else row.code
        )
        cells = (
            code,
            row.name,
            row.state.title,
            *(
                _day(d)
                for d in (
                    row.issued_at,
                    row.sent_at,
                    row.received_at,
                    row.feedback_at,
                    row.passed_at,
                )
            ),
            str(row.files) if row.files else "",
        )
        table.add_row(*(Text(inert(c)) for c in cells), style=colours.get(row.state, ""))
    console.print(table)
    counts = seen.counts()
    words = tx.LIST_COMMA.join(
        f"{state.title} {counts[state.value]}" for state in AgencyState if counts[state.value]
    )
    lines = [tx.YEAR_STATUS_COUNTS.format(total=len(seen.agencies), counts=words)]
    several = [
        row
        for row in seen.agencies
        if row.file and (row.files > 1 or row.rule == tx.DECISION_RULES["office"])
    ]
    if several:
        lines.append(tx.YEAR_STATUS_SEVERAL)
        lines += [
            tx.YEAR_STATUS_DECIDED.format(code=r.code, name=r.name, file=r.file, rule=r.rule)
            for r in several
        ]
    if seen.unassigned:
        names = "、".join(seen.unassigned)
        lines.append(tx.STATUS_UNASSIGNED.format(count=len(seen.unassigned), names=names))
    if seen.queued:
        lines.append(tx.STATUS_QUEUED.format(count=seen.queued))
    for line in lines:
        console.print(Text(inert(line)))


def _day(stamp: str) -> str:
    """A date as the table shows it: month and day (the year is the workspace's)."""
    return stamp[5:10] if len(stamp) >= 10 else stamp


def choose(
    code: Annotated[str, typer.Argument(metavar=tx.METAVAR_CODE, help=tx.HELP_CHOOSE_CODE)],
    file: Annotated[str, typer.Argument(metavar=tx.METAVAR_FILE, help=tx.HELP_CHOOSE_FILE)],
    workspace: WorkspaceOption = None,
) -> None:
    from ..core.catalogue import UsageError
    from ..workspace.workspace_year import choose as run
    from ..workspace.workspace_year import current
    from .cli_support import _console, _fail, _say

    console = _console()
    try:
        space = _open(workspace)
        with space.ledger.writing("choose"):
            decision = run(space, code, file)
            current(space, form=_form_of(space))
    except UsageError as exc:
        raise _fail(str(exc)) from None
    row = space.ledger.db.execute(
        "SELECT original_name FROM files WHERE sha256 = ?", (decision.sha256,)
    ).fetchone()
    name = row[0] if row else decision.sha256
    _say(console, tx.WORKSPACE_CHOSEN.format(code=decision.agency_code, file=name))


def check_in_workspace(
    console: Console,
    workspace: Path | None,
    paths: list[str],
    *,
    deadline: date | None,
    contact: str,
    quiet: bool,
    json_path: Path | None,
    xlsx_path: Path | None,
) -> int:
    """`check` on a workspace: store the files given (if any), check and decide the whole year,
    make the feedback each counted file needs once, print, and return the exit code."""
    from ..results.report import render_terminal, write_json
    from ..workspace.workspace import receive
    from ..workspace.workspace_steps import check_year
    from .cli_support import _progress, _say

    space = _open(workspace)
    form = _form_of(space)
    with space.ledger.writing("check"):
        if paths:
            received, _ = receive(space, paths, via="folder")
            _say(
                console,
                tx.WORKSPACE_RECEIVED.format(count=len(received), new=sum(r.new for r in received)),
            )
        with _progress(console, len(space.stored())) as progress:
            checked = check_year(
                space, form=form, deadline=deadline, contact=contact, progress=progress
            )
        year, made = checked.year, checked.feedback
        if json_path is not None:
            write_json(year.report, json_path)
        if xlsx_path is not None:
            from ..results.report import write_findings_workbook

            copies = {f.source: f.workbook for f in made.files if f.workbook is not None}
            write_findings_workbook(year.report, xlsx_path, form=form, feedback=copies)
    render_terminal(year.report, console, quiet=quiet)
    print_decisions(console, space, year)
    for line in feedback_said(year, made, space):
        _say(console, line)
    return year.report.exit_code


def feedback_said(year: YearCheck, made: FeedbackMade, space: Workspace) -> list[str]:
    """What the check says about feedback (workspace_steps.feedback_words)."""
    from ..workspace.workspace_steps import feedback_words

    return feedback_words(year, made, space)


def print_decisions(console: Console, space: Workspace, year: YearCheck) -> None:
    """For each agency with more than one file, or decided by the office: the file that counts
    and the rule that chose it."""
    from .cli_support import _say

    counts: dict[str, int] = {}
    for result in year.report.files:
        if result.agency_code:
            counts[result.agency_code] = counts.get(result.agency_code, 0) + 1
    names = {a.code: a.name for a in space.agencies()}
    stored = {r["sha256"]: r["original_name"] for r in space.ledger.rows("SELECT * FROM files")}
    lines = []
    for code, decision in sorted(year.decisions.items()):
        if counts.get(code, 0) < 2 and decision.rule.value != "office":
            continue
        words = {"name": names.get(code, ""), "code": code, "rule": decision.rule.title}
        if decision.sha256:
            lines.append(
                tx.WORKSPACE_DECISION.format(**words, file=stored.get(decision.sha256, ""))
            )
        else:
            lines.append(tx.WORKSPACE_DECISION_NONE.format(**words))
    if lines:
        _say(console, tx.WORKSPACE_DECISIONS)
        for line in lines:
            _say(console, line)


def register(app: typer.Typer) -> None:
    """Add `init`, `status` and `choose` to the command line."""
    app.command(help=tx.HELP_INIT, short_help=tx.SHORT_INIT)(init)
    app.command(help=tx.HELP_STATUS, short_help=tx.SHORT_STATUS)(status)
    app.command(help=tx.HELP_CHOOSE, short_help=tx.SHORT_CHOOSE)(choose)
