"""Last year's figures for the cross-year rules: from last year's returned files or rollup.

Last year's files come from the same untrusted places as this year's, so they are read through the
same bounded reader and inspection; a file of the year being checked is refused (it would compare a
report with itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .arguments import refuse_same_year_previous
from .form import Form
from .identity import normalise_code

__all__ = ["previous_values"]


def previous_values(
    paths: Sequence[str | Path], form: Form, year: str = ""
) -> dict[str, dict[str, float]]:
    """Last year's values by (normalised) agency code."""
    from .check import collect
    from .inspection import FileCheck
    from .rollup import is_rollup, read_details

    files, _ = collect(paths)
    one = FileCheck(form, "", "")
    out: dict[str, dict[str, float]] = {}
    returned = []
    for path in files:
        if is_rollup(path):  # last year's rollup: its 明细 sheet has every agency
            out.update((normalise_code(k), v) for k, v in read_details(path, form).items())
        else:
            returned.append(one(path))
    refuse_same_year_previous(year, [(i.path, i.meta.get("year", "")) for i in returned])
    for item in sorted(returned, key=lambda i: i.mtime):
        code = normalise_code(item.meta.get("agency_code", ""))
        if item.evaluable and code:
            out[code] = item.values  # a returned file is more specific than a rollup row
    return out
