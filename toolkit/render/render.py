"""`nianbao render`: the published reports, from the checked workbooks (and the district draft from
a rollup), as .docx, .html and .pdf.

Returned workbooks go through the same check as `nianbao check` (check.check): only files that
pass are rendered, or with `include_errors` every readable one, marked as a draft. Texts and
figures come from the checked result, totals recomputed (render_model.py). A rollup workbook named
among the inputs (previous.is_rollup) gives the district's draft (render_draft.py). Every file is
written through outputs.py (atomic, never over an input, marked as nianbao's own); the PDFs are
converted from the .docx in a staging folder by one LibreOffice run (render_pdf.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

from ..core import texts as tx
from ..core.catalogue import UsageError
from ..core.text import safe_file_name
from ..core.texts import CheckStatus
from ..form.findings import CheckReport, FileResult
from ..form.form import Form
from .render_model import Report, report_of

__all__ = ["FORMATS", "RenderResult", "Rendered", "parse_formats", "render"]

FORMATS = ("docx", "html", "pdf")
# Each report is built in a worker process under these limits, so that one agency's text can
# neither stop the others' reports nor run for minutes (its text is bounded too: render_model).
REPORT_CPU_SECONDS = 60.0
REPORT_MEMORY = 1024**3
REPORT_TIMEOUT = 300.0


@dataclass(frozen=True)
class Rendered:
    """One report written: where from, where to, and what it left empty."""

    source: str
    title: str
    outputs: tuple[Path, ...]
    draft: bool
    gaps: tuple[str, ...]  # titles of the parts rendered as an explicit gap
    empty: tuple[str, ...] = ()  # titles of parts left empty as the form says (left out, if_empty)
    district: bool = False  # the district draft from a rollup
    agencies: int = 0  # for the district draft: agencies its rollup sums
    level: str = ""  # for the district draft: its rollup's level (区, 市 …), texts.LEVELS
    formats: tuple[str, ...] = ()  # the formats asked for
    cut: tuple[str, ...] = ()  # parts whose text was too long and was cut (render_model)
    error: str = ""  # why this report could not be written (Chinese); the others were


@dataclass(frozen=True)
class RenderResult:
    rendered: tuple[Rendered, ...]
    skipped: tuple[FileResult, ...]  # returned files not rendered (errors, unreadable, superseded)
    report: CheckReport | None = None

    @property
    def missing_pdf(self) -> tuple[Rendered, ...]:
        """Reports LibreOffice did not convert (the others of the batch were)."""
        return tuple(
            r
            for r in self.rendered
            if r.formats
            and not r.error
            and "pdf" in r.formats
            and not any(p.suffix == ".pdf" for p in r.outputs)
        )

    @property
    def exit_code(self) -> int:
        """1 when a report that counts was not rendered (errors, unreadable, a conflict) or its
        PDF is missing; a file its agency replaced is not an error."""
        failed = any(r.error for r in self.rendered)
        return 1 if any(not r.superseded for r in self.skipped) or self.missing_pdf or failed else 0


def parse_formats(text: str) -> tuple[str, ...]:
    """ "docx,html" -> ("docx", "html"); an unknown one is refused in Chinese."""
    wanted = [part.strip().lower() for part in text.replace("，", ",").split(",") if part.strip()]
    unknown = [part for part in wanted if part not in FORMATS]
    if unknown or not wanted:
        raise UsageError("render-format", value=text, known="、".join(FORMATS))
    return tuple(f for f in FORMATS if f in wanted)


def render(
    paths: Sequence[str | Path],
    *,
    out: Path,
    formats: Sequence[str] = FORMATS,
    form: Form,
    include_errors: bool = False,
    template: Path | None = None,
    year: int | str | None = None,
    district: str | None = None,
    key: bytes | None = None,
    progress: Callable[[int, int], None] | None = None,
    checked_before: CheckReport | None = None,
) -> RenderResult:
    """Render every usable report among `paths` into the folder `out`. A workspace passes its
    report as `checked_before` (its files checked and decided as its ledger says): they are not
    checked again."""
    from ..check.check import check
    from ..core.outputs import deferred_marks, refuse_inputs
    from ..inputs.discover import collect
    from .render_draft import district_report, is_rollup

    out = Path(out)
    if "pdf" in formats:  # before anything is read or written: no half-done batch
        from .render_pdf import pdf_available

        if not pdf_available():
            raise UsageError("render-no-libreoffice")
    if {"docx", "pdf"} & set(formats):
        from .render_docx import check_template

        check_template(template)
    files, _ = collect(paths)
    refuse_inputs(out, files)  # the folder itself must not be one of the inputs
    rollups = [p for p in files if is_rollup(p)]
    returned = [p for p in files if p not in rollups]
    reports: list[tuple[Report, Rendered]] = []
    skipped: list[FileResult] = []
    checked: CheckReport | None = None
    if returned:
        checked = checked_before or check(
            returned, form=form, year=year, district=district, progress=progress, key=key
        )
        for result in checked.files:
            usable = result.status in (CheckStatus.PASSED, CheckStatus.WARNINGS) or (
                include_errors and result.status == CheckStatus.FAILED
            )
            if not usable or not result.in_use or not result.values:  # values: it was our form
                skipped.append(result)
                continue
            report = report_of(
                form,
                name=result.agency_name or result.agency_code or Path(result.path).stem,
                year=result.year,
                values=result.values,
                texts=result.texts,
                draft=result.status == CheckStatus.FAILED,
                agency_code=result.agency_code,
            )
            stem = f"{result.agency_code}-{report.title}" if result.agency_code else report.title
            reports.append((report, _planned(result.path, report, stem)))
    for path in rollups:
        report, agencies, level = district_report(
            form, path, district=district or "", year=str(year or "")
        )
        planned = _planned(str(path), report, report.title)
        reports.append((report, replace(planned, district=True, agencies=agencies, level=level)))
    if not reports:
        return RenderResult(rendered=(), skipped=tuple(skipped), report=checked)
    with deferred_marks():
        done = _write(reports, out, formats, template, files)
    return RenderResult(rendered=tuple(done), skipped=tuple(skipped), report=checked)


def _planned(source: str, report: Report, stem: str) -> Rendered:
    if report.draft:
        stem += tx.RENDER_DRAFT_SUFFIX
    return Rendered(
        source=source,
        title=stem,
        outputs=(),
        draft=report.draft,
        gaps=tuple(gap.title for gap in report.gaps),
        empty=report.empty,
        cut=report.cut,
    )


def _write(
    reports: list[tuple[Report, Rendered]],
    out: Path,
    formats: Sequence[str],
    template: Path | None,
    inputs: Sequence[Path],
) -> list[Rendered]:
    from ..core.outputs import Inputs, replace_into, staging_dir, write_atomic

    protected = Inputs([*inputs, *([template] if template else [])])  # resolved once
    written: dict[int, list[Path]] = {i: [] for i in range(len(reports))}
    names: list[str] = []
    for _, planned in reports:  # two reports never share a name (drafts of unnamed files)
        name, n = safe_file_name(planned.title), 1
        while name in names:
            n += 1
            name = safe_file_name(f"{planned.title}-{n}")
        names.append(name)
    built = _build_isolated([r for r, _ in reports], formats, template)
    errors = {i: b for i, b in enumerate(built) if isinstance(b, str)}
    with staging_dir(out) as staging:
        documents: dict[Path, int] = {}
        for index in range(len(reports)):
            if index in errors:
                continue
            data, page = cast("tuple[bytes, bytes]", built[index])
            if "docx" in formats:
                target = out / f"{names[index]}.docx"
                write_atomic(target, data, inputs=protected)
                written[index].append(target)
            if "pdf" in formats:
                from .render_pdf import for_pdf

                staged = staging / f"{index:05d}.docx"
                staged.write_bytes(for_pdf(data))
                documents[staged] = index
            if "html" in formats:
                target = out / f"{names[index]}.html"
                write_atomic(target, page, inputs=protected)
                written[index].append(target)
        if documents:
            from .render_pdf import to_pdf

            converted = to_pdf(list(documents), staging)
            for document, pdf in converted.items():
                index = documents[document]
                target = out / f"{names[index]}.pdf"
                replace_into(pdf, target, inputs=protected)
                written[index].append(target)
    return [
        replace(
            planned,
            outputs=tuple(sorted(written[i], key=_order)),
            formats=tuple(formats),
            error=errors.get(i, ""),
        )
        for i, (_, planned) in enumerate(reports)
    ]


def _build_isolated(
    reports: list[Report], formats: Sequence[str], template: Path | None
) -> list[tuple[bytes, bytes] | str]:
    """Each report's .docx and .html bytes, built in a worker under REPORT_CPU_SECONDS and
    REPORT_MEMORY; a report that fails or dies is the reason (Chinese), the others are built."""
    import os

    from ..core.pool import WorkerDied, run_isolated

    docx, html = bool({"docx", "pdf"} & set(formats)), "html" in formats
    results = run_isolated(
        _build,
        [(report, docx, html, template) for report in reports],
        workers=max(1, min(os.cpu_count() or 1, len(reports))),
        cpu_limit=REPORT_CPU_SECONDS,
        memory_limit=REPORT_MEMORY,
        timeout=REPORT_TIMEOUT,
    )
    return [r.reason if isinstance(r, WorkerDied) else r for r in results]


def _build(item: tuple[Report, bool, bool, Path | None]) -> tuple[bytes, bytes] | str:
    from .render_docx import docx_bytes
    from .render_html import html_page

    report, docx, html, template = item
    try:
        data = docx_bytes(report, template) if docx else b""
        page = html_page(report).encode("utf-8") if html else b""
    except Exception as exc:  # a text no rule foresaw stops this report only
        return tx.RENDER_FAILED_ERROR.format(error=type(exc).__name__)
    return data, page


def _order(path: Path) -> int:
    return FORMATS.index(path.suffix[1:]) if path.suffix[1:] in FORMATS else len(FORMATS)
