"""Checks of a command's arguments that the library makes too, so that the API refuses what the
command line refuses (exit 2 there, UsageError here), with the same Chinese message."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..core.catalogue import UsageError
from ..form.form import Form

__all__ = ["check_year", "refuse_same_year_previous"]


def check_year(form: Form, year: int | str | None) -> None:
    """A reporting year the form applies to; None (take the files' own year) passes."""
    if year is None or year == "":
        return
    try:
        number = int(str(year).strip())
    except ValueError:
        number = None
    if number is None or not form.first_year <= number <= form.last_year:
        raise UsageError(
            "year-range", year=year, first=form.first_year, last=form.last_year, basis=form.basis
        )


def refuse_same_year_previous(year: int | str, previous: Iterable[tuple[Path | str, str]]) -> None:
    """`--previous` must be last year's data: refuse files that record the year being checked.

    `previous` is (path, year recorded in the file's `_meta`) for each file read as last year's;
    a file whose year is unknown (a rollup, an unreadable `_meta`) is not judged here. check() calls
    this once it knows the target year (an explicit --year or the batch's most common year).
    """
    target = str(year).strip()
    if not target:
        return
    same = [Path(path).name for path, found in previous if str(found).strip() == target]
    if same:
        raise UsageError("previous-same-year", year=target, files="、".join(sorted(same)))
