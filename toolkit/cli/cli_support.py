"""What the commands of cli.py share: exit codes, plain (inert) printing, consoles and the progress
bar, date options, the roster and files a command reads, the office key, and the one-line ending
after an interruption. Heavy libraries are imported inside, so that `nianbao --help` stays fast."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..core import texts as tx
from .cli_zh import ERROR_PREFIX

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console

    from ..form.form import Form
    from ..inputs.roster import Agency

__all__ = ["EXIT_FAILED", "EXIT_FINDINGS", "EXIT_OK", "FormOption", "IssuedOption"]

EXIT_OK, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2

# The form definition, for every command: loaded once by the command, then passed on.
FormOption = Annotated[
    Path | None,
    typer.Option(
        "--form",
        metavar=tx.METAVAR_FILE,
        help=tx.HELP_FORM,
    ),
]


# The office's key, for `check` and `rollup` alike.
IssuedOption = Annotated[
    Path | None,
    typer.Option(
        "--issued",
        help=tx.HELP_ISSUED,
    ),
]


def _fail(message: str) -> typer.Exit:
    typer.echo(ERROR_PREFIX + _plain(message), err=True)
    return typer.Exit(EXIT_FAILED)


def _plain(message: object) -> str:
    """A message that may quote untrusted text (a path, a name), made inert line by line: the
    message's own line breaks stay, anything a file brought in is shown as escapes."""
    from ..core.text import inert

    return "\n".join(inert(line) for line in str(message).split("\n"))


def _say(console: Console, text: str) -> None:
    """Print a plain line (no rich markup is parsed: names and paths come from outside)."""
    console.print(_plain(text), markup=False, highlight=False)


def _datetime(option: str, value: str | None) -> datetime:
    from ..core.catalogue import UsageError

    if value is None:
        return datetime.now().replace(microsecond=0)
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise UsageError("bad-datetime", option=option, value=value) from None


def _date(option: str, value: str | None) -> date | None:
    from ..core.catalogue import UsageError

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError("bad-date", option=option, value=value) from None


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def _inputs(
    paths: list[str], roster: Path | None, outputs: tuple[Path | None, ...]
) -> tuple[tuple[Agency, ...] | None, list[Path]]:
    """The roster and the files a command reads, refusing outputs that would overwrite one
    (before the long check; the library refuses again when it writes)."""
    from ..core.catalogue import UsageError
    from ..core.outputs import refuse_inputs
    from ..inputs.discover import collect
    from ..inputs.roster import read_roster

    try:
        agencies = read_roster(roster) if roster is not None else None
    except UsageError as exc:
        if exc.code != "roster-rows":
            raise
        raise UsageError("roster-rows-review", **exc.params) from None  # not "未生成任何文件"
    files, _ = collect(paths)
    for output in outputs:
        if output is not None:
            refuse_inputs(output, [*files, *([roster] if roster is not None else [])])
    return agencies, files


def _key(issued: Path | None, roster: Path | None) -> bytes | None:
    """The office's key for verifying identities; a named --issued without one is an error."""
    from ..core.catalogue import UsageError
    from ..form.identity import find_key

    key = find_key(issued, roster)
    if issued is not None and key is None:
        raise UsageError("issued-key-missing", path=issued)
    return key


def _form(path: Path | None) -> Form:
    """The form definition of a run, loaded once by the command and passed to the library: the
    file given with --form, or the bundled 2021 form. A bad file is a FormError (exit 2)."""
    from ..form.form_file import load_form, standard_form

    return standard_form() if path is None else load_form(path)


def _check_year(form: Form, year: int | None) -> None:
    """--year outside the years the form applies to is refused before any file is read."""
    if year is not None:
        from ..inputs.arguments import check_year

        check_year(form, year)


class _progress:
    """A progress bar on stderr for long runs; nothing for short ones or when not a terminal."""

    def __init__(self, console: Console, total: int) -> None:
        self.total = total
        self.bar = None
        if total >= 50 and console.stderr is False:
            import sys

            if sys.stderr.isatty():
                from rich.progress import Progress

                self.bar = Progress(transient=True, console=_stderr_console())

    def __enter__(self) -> Callable[[int, int], None] | None:
        if self.bar is None:
            return None
        self.bar.start()
        self.task = self.bar.add_task(tx.PROGRESS_CHECKING, total=self.total)
        bar = self.bar
        return lambda done, total: bar.update(self.task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


def _interrupted(exc: BaseException) -> bool:
    """True when an exception was caused, somewhere down its chain, by an interruption."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _stop_after_interruption() -> None:
    """Remove the outputs in progress, say so in one Chinese line, exit 2."""
    import contextlib
    import os
    import signal
    import sys

    from ..core.catalogue import say
    from ..core.outputs import cleanup_pending

    for name in ("SIGINT", "SIGTERM", "SIGHUP"):  # a second signal must not stop the cleanup
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    cleanup_pending()
    typer.echo(say("interrupted"), err=True)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    # Exit now: an interpreter torn down mid-import (a signal can land anywhere) was seen to die by
    # the signal during finalisation under load, losing the exit code. Everything of ours is clean.
    os._exit(EXIT_FAILED)
