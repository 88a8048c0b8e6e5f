"""The year's steps on a workspace, one function each, shared by the command line and the web
workbench (`nianbao serve`), so that both give the same results: the workspace's form, the
decision under the writer lock, check-and-feedback, the rollup, the rendered reports and the
comparison with published reports.

Moved down from the command line (cli_workspace.py, cli_rollup.py, cli_render.py,
cli_compare.py), where each command assembled these calls itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..core import texts as tx
from .workspace import Workspace
from .workspace_year import FeedbackMade, YearCheck, current, make_feedback

if TYPE_CHECKING:
    from ..compare.compare import Comparison
    from ..form.form import Form
    from ..render.render import RenderResult
    from ..rollup.rollup import RollupResult

__all__ = [
    "CheckedYear",
    "check_year",
    "compare_year",
    "decide",
    "feedback_words",
    "form_of",
    "render_year",
    "rollup_file",
    "rollup_of",
    "rollup_year",
]

Progress = Callable[[int, int], None]


def form_of(space: Workspace, bundled: Form) -> Form:
    """The form the workspace was started with: its own copy of a --form file, or `bundled`
    (the caller's bundled form: the command line names it, the library never picks it); a bad
    form file is a FormError."""
    from ..form.form_file import load_form

    own = space.form_file
    return bundled if own is None else load_form(own)


def rollup_file(space: Workspace) -> Path:
    """Where the workspace's rollup goes: 输出/<地区><年度>年度汇总.xlsx."""
    return space.output(tx.ROLLUP_FILE.format(district=space.district, year=space.year))


def rollup_of(space: Workspace) -> list[Path]:
    """The workspace's rollup when `rollup` has written it: the draft of the district's report is
    rendered from it."""
    path = rollup_file(space)
    return [path] if path.is_file() else []


def decide(
    space: Workspace,
    command: str,
    *,
    form: Form,
    progress: Progress | None = None,
) -> tuple[Form, YearCheck]:
    """Decide the year (check every stored file, record each agency's decision) under the
    writer lock, for a step that then only reads files and writes outputs."""
    with space.ledger.writing(command):
        year = current(space, form=form, progress=progress)
    return form, year


@dataclass(frozen=True, kw_only=True)
class CheckedYear:
    year: YearCheck
    feedback: FeedbackMade


def check_year(
    space: Workspace,
    *,
    form: Form,
    deadline: date | None = None,
    contact: str = "",
    progress: Progress | None = None,
) -> CheckedYear:
    """`check` on a workspace, once its files are stored: check and decide the whole year, then
    make the feedback each counted file needs, once. The caller holds the writer lock (it stores
    the files it was given under the same lock)."""
    year = current(space, form=form, progress=progress)
    made = make_feedback(space, year, form=form, deadline=deadline, contact=contact)
    return CheckedYear(year=year, feedback=made)


def feedback_words(year: YearCheck, made: FeedbackMade, space: Workspace) -> list[str]:
    """What a check says about feedback: the copies made now, and the reports with errors that
    got none (as `check --feedback` says it); a counted file whose feedback was made by an earlier
    run is not "nothing to ask"."""
    from ..results.feedback import feedback_lines

    lines = feedback_lines(year.report, made.files, made.folder or space.root, None)
    if made.earlier and not made.files:
        lines = [tx.WORKSPACE_FEEDBACK_PENDING if line == tx.FEEDBACK_NOTHING_TO_ASK else line
                 for line in lines]  # fmt: skip
    return lines


def rollup_year(
    space: Workspace,
    year: YearCheck,
    *,
    form: Form,
    out: Path | None = None,
    csv_path: Path | None = None,
    include_errors: bool = False,
    generated_at: datetime | None = None,
) -> RollupResult:
    """The workspace's rollup of its counted files, as its ledger decided them (not checked
    again), by default to 输出/<地区><年度>年度汇总.xlsx."""
    from ..rollup.rollup import rollup

    return rollup(
        list(space.stored()),
        key=None,
        out=out or rollup_file(space),
        roster=space.agencies(),
        year=space.year,
        district=space.district,
        csv_path=csv_path,
        include_errors=include_errors,
        generated_at=generated_at,
        form=form,
        level=space.level,
        report=year.report,
    )


def render_year(
    space: Workspace,
    year: YearCheck,
    *,
    form: Form,
    formats: Sequence[str],
    out: Path | None = None,
    include_errors: bool = False,
    template: Path | None = None,
    progress: Progress | None = None,
) -> RenderResult:
    """The published reports of the counted files and the draft of the district's report (from
    the workspace's rollup, when written), by default into 输出/报告."""
    from ..render.render import render

    return render(
        [*space.stored(), *rollup_of(space)],
        out=out or space.output(tx.REPORTS_FOLDER),
        formats=formats,
        form=form,
        include_errors=include_errors,
        template=template,
        year=space.year,
        district=space.district,
        checked_before=year.report,
        progress=progress,
    )


def compare_year(year: YearCheck, published: Sequence[str | Path], *, form: Form) -> Comparison:
    """The published reports against the files that count, as the ledger decided them."""
    from ..compare.compare import compare

    return compare(published, (), form=form, report=year.report)
