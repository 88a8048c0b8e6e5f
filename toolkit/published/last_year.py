"""Last year's published reports for the checker's cross-year rules (`check --previous`).

The checker reads them through `check.previous.ReportReader` and never imports the readers: this
module is the reader it is handed, the published-report stack (PDF, Word, HTML, OCR) behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..check.previous import LastYearReport, ReportReader
from ..form.form import Form
from ..inputs.roster import Agency
from .published import PUBLISHED_SUFFIXES, Published, match_agency, read_isolated

__all__ = ["READER", "read_last_year"]


def read_last_year(
    paths: Sequence[Path], form: Form, agencies: Sequence[Agency]
) -> list[LastYearReport]:
    """Each report read in a worker process (one that cannot be read carries its reason and no
    figures: last year's figures are a help, not a requirement), paired with the one agency of `agencies` its title
    names exactly; a near or missing match pairs with none, so no agency is compared with
    another's figures."""
    out = []
    for path, report in zip(paths, read_isolated(paths, form), strict=True):
        if not isinstance(report, Published):  # said to the user, not silently left out
            out.append(
                LastYearReport(source=path.name, year="", agency=None, values={}, error=report)
            )
            continue
        agency: Agency | None = None
        if report.title.agency and agencies:
            matched, note = match_agency(report.title.agency, agencies)
            agency = None if note else matched
        values = {k: c.value for k, c in report.cells.items() if c.value is not None}
        out.append(
            LastYearReport(
                source=report.source,
                year=str(report.title.year or ""),
                agency=agency,
                values=values,
            )
        )
    return out


READER = ReportReader(suffixes=PUBLISHED_SUFFIXES, read=read_last_year)
