"""Feedback for agencies: an annotated copy of each report, rebuilt from the template with the
agency's own values (never by re-saving the agency's file), and a short email text.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from ..core import texts as tx
from ..core.catalogue import UsageError, say
from ..core.outputs import mark_output, write_atomic
from ..core.text import safe_file_name
from ..core.texts import Severity
from ..form.contract import FEEDBACK_KIND, Identity, file_name, identity_for
from ..form.fill import Fill, Review
from ..form.findings import CheckReport, FileResult, Finding
from ..form.form import Form
from ..form.layout import layout
from ..inputs.roster import Agency, kinds_by_roster
from ..template.workbook import write_workbook

__all__ = ["FeedbackFile", "feedback_lines", "needs_feedback", "write_feedback"]

# A copy cannot be rebuilt for a file that is not one of our reports of this form.
NO_COPY = frozenset({"unreadable", "not-our-template", "unknown-form", "old-format"})
EMAIL_ITEMS = 12  # findings listed in the email body; the rest are in the workbook


@dataclass(frozen=True, kw_only=True)
class FeedbackFile:
    source: str  # the returned file
    agency_code: str
    workbook: Path | None  # the annotated copy (None when it cannot be rebuilt)
    email: Path | None
    error: str = ""  # why this agency's feedback could not be written (the others still are)


def asks_agency(finding: Finding, form: Form) -> bool:
    """Whether a finding is work for the agency: an error, or a warning of a rule that the agency
    must explain in its 说明 cell and has not. Everything else (numbers the checker normalised
    itself, protection removed, pictures …) is for the office's own list."""
    if finding.severity == Severity.ERROR:
        return True
    explainable = {r.id for r in form.rules if r.severity == Severity.WARNING}
    return (
        finding.severity == Severity.WARNING
        and finding.code in explainable
        and not finding.explained
    )


def needs_feedback(result: FileResult, form: Form) -> bool:
    """Whether the agency must act on its file in use (a replaced file, or one of a conflict the
    office settles, asks nothing of the agency)."""
    return result.in_use and (
        bool(result.missing) or any(asks_agency(f, form) for f in result.findings)
    )


def write_feedback(
    report: CheckReport,
    out_dir: Path,
    *,
    form: Form,
    password: str | None = None,
    deadline: date | None = None,
    contact: str = "",
    today: date | None = None,
    protected: Sequence[Path] = (),
    made_at: datetime | None = None,
    roster: Sequence[Agency] = (),
) -> tuple[list[FeedbackFile], str | None]:
    """Write a copy and an email text per agency with findings; return them and the password
    used when one had to be generated (None when given).

    Each copy records its lineage in `_meta`: the returned file it was made from (its sha256) and
    its own creation time, `made_at` (now unless given, for byte-identical copies in tests). A
    copy's live statuses leave out the rules that are not for its agency, by the roster's 单位类别
    (as `check` was given it) or else by the agency's name.
    """
    generated = None
    if password is None:
        password = generated = secrets.token_urlsafe(9)
    today = today or date.today()
    made_at = made_at or datetime.now().replace(microsecond=0)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError("out-not-folder", path=out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError("out-not-writable", path=out_dir, reason=exc.strerror or exc) from exc
    keep = {Path(p).resolve() for p in protected} | {Path(r.path).resolve() for r in report.files}
    kinds_of = kinds_by_roster(form, roster)
    made = []
    for result in report.files:
        if not result.agency_code or not needs_feedback(result, form):
            continue
        try:
            made.append(
                _one(
                    form, report, result, out_dir, password, deadline, contact, today, keep,
                    made_at, kinds_of(result.agency_code, result.agency_name),
                )
            )  # fmt: skip
        except (ValueError, OverflowError, RuntimeError) as exc:
            # One odd file must not cost every other agency its feedback.
            made.append(
                FeedbackFile(
                    source=result.path,
                    agency_code=result.agency_code,
                    workbook=None,
                    email=None,
                    error=str(exc),
                )
            )
    if generated is not None and any(f.workbook for f in made):
        note = tx.FEEDBACK_PASSWORD_NOTE.format(password=password)
        write_atomic(out_dir / "password.txt", note.encode("utf-8"))
    return made, generated if any(f.workbook for f in made) else None


def feedback_lines(
    report: CheckReport, made: Sequence[FeedbackFile], out_dir: Path, generated: str | None
) -> list[str]:
    """What `check --feedback` tells the office: the copies written, and the reports with errors
    that got none (an unidentified file, a conflict the office settles, a copy that failed); it
    never says nothing was needed while a report in use has errors."""
    written = [f for f in made if not f.error]
    failed = [f for f in made if f.error]
    lines = []
    if written:
        copies = sum(f.workbook is not None for f in written)
        lines.append(
            tx.FEEDBACK_WRITTEN.format(agencies=len(written), copies=copies, folder=out_dir)
        )
    reasons = []
    if failed:
        reasons.append(tx.FEEDBACK_REASON_FAILED.format(count=len(failed)))
    unidentified = [
        r
        for r in report.files
        if not r.superseded and not r.agency_code and r.count(Severity.ERROR)
    ]
    if unidentified:
        reasons.append(tx.FEEDBACK_REASON_UNIDENTIFIED.format(count=len(unidentified)))
    conflicts = {r.agency_code for r in report.files if r.conflict}
    if conflicts:
        reasons.append(tx.FEEDBACK_REASON_CONFLICT.format(count=len(conflicts)))
    if reasons:
        said = tx.FEEDBACK_NOT_FOR_ALL if written else tx.FEEDBACK_NOT_FOR_ANY
        lines.append(said.format(reasons="；".join(reasons)))
    elif not written:
        lines.append(tx.FEEDBACK_NOTHING_TO_ASK)
    lines += [tx.FEEDBACK_FAILED.format(code=f.agency_code, error=f.error) for f in failed]
    if generated:
        lines.append(tx.FEEDBACK_RANDOM_PASSWORD.format(path=out_dir / "password.txt"))
    return lines


def _one(
    form: Form,
    report: CheckReport,
    result: FileResult,
    out_dir: Path,
    password: str,
    deadline: date | None,
    contact: str,
    today: date,
    keep: set[Path],
    made_at: datetime,
    kinds: frozenset[str],
) -> FeedbackFile:
    agency = Agency(code=result.agency_code, name=result.agency_name)
    shown = [f for f in result.findings if asks_agency(f, form)]
    errors = sum(f.severity == Severity.ERROR for f in shown)
    warnings = sum(f.severity == Severity.WARNING for f in shown)
    due = tx.BEFORE.format(tx.DATE.format(deadline)) if deadline else say("feedback-deadline")
    office = tx.office_name(report.district or result.meta.get("district", ""))
    who = contact or office
    workbook = None
    if not any(f.code in NO_COPY for f in shown):
        identity = _identity(form, report, result, made_at)
        year = int(identity.year)
        workbook = out_dir / _copy_name(form, agency, year)
        if workbook.resolve() in keep:  # an agency sent last round's copy back unrenamed
            raise UsageError("output-is-input", path=workbook)
        review = Review(
            title=say("feedback-title", agency=agency.name, year=identity.year),
            intro=say(
                "feedback-intro", errors=errors, warnings=warnings, deadline=due, contact=who
            ),
            header=tx.REVIEW_HEADER,
            rows=tuple(
                (str(i), _level(f), f.sheet or "—", f.cell or "—", f.message)
                for i, f in enumerate(shown, start=1)
            ),
        )
        write_workbook(
            workbook,
            form=form,
            identity=identity,
            password=password,
            deadline=deadline,
            contact=contact,
            fill=_fill(form, result, shown, review, office),
            kinds=kinds,
        )
        # Written by the template writer, not write_atomic: marked here, so that a copy saved into
        # the returned folder is never read back as the agency's report until the agency edits it.
        mark_output(workbook)
    items = [f"{i}. 【{_level(f)}】{_where(f)}{f.message}" for i, f in enumerate(shown, start=1)]
    if len(items) > EMAIL_ITEMS:
        items = [*items[:EMAIL_ITEMS], say("feedback-more", count=len(items) - EMAIL_ITEMS)]
    if result.missing:
        items.append(say("feedback-missing", cells="、".join(_missing_cells(form, result))))
    text = say(
        "feedback-email",
        agency=agency.name,
        year=report.year or result.year,
        file=Path(result.path).name,
        errors=errors,
        warnings=warnings,
        items="\n".join(items),
        attachment=workbook.name if workbook else tx.FEEDBACK_NO_COPY,
        deadline=due,
        contact=who,
        office=office,
        date=tx.DATE.format(today),
    )
    email = out_dir / safe_file_name(agency.code or "unknown", ".txt")
    if email.resolve() in keep:
        raise UsageError("output-is-input", path=email)
    write_atomic(email, text.replace("\n", "\r\n").encode("utf-8"))
    return FeedbackFile(source=result.path, agency_code=agency.code, workbook=workbook, email=email)


def _identity(form: Form, report: CheckReport, result: FileResult, made_at: datetime) -> Identity:
    """The returned file's own identity, so the copy is recognised as the same issued template;
    a template of the wrong year or district, or with odd identity values, is reissued. Either
    way the copy names the file it was made from (lineage, see batch.py) and when it was made."""
    lineage = {
        "kind": FEEDBACK_KIND,
        "source": Path(result.path).name,
        "source_sha256": result.sha256,
        "made_at": made_at.isoformat(timespec="seconds"),
    }
    meta = result.meta
    agency = Agency(code=result.agency_code, name=result.agency_name)
    year_text = report.year or meta.get("year", "")
    if not year_text.isdigit() or not form.first_year <= int(year_text) <= form.last_year:
        year_text = meta.get("year", "") if meta.get("year", "").isdigit() else ""
    if not year_text:
        raise ValueError(tx.FEEDBACK_YEAR_UNKNOWN.format(year=meta.get("year", "")))
    year = int(year_text)
    district = report.district or meta.get("district", "")
    try:
        generated = datetime.fromisoformat(meta.get("generated_at", ""))
    except ValueError:
        generated = None
    same = meta.get("year") == year_text and meta.get("district") == district
    if not same or generated is None or not meta.get("template_id"):
        return replace(identity_for(form, agency, year, district, made_at), **lineage)
    current = identity_for(form, agency, year, district, generated)
    # The copy is the same issued template: same id and the agency's own token, so that the
    # corrected copy is verified like the original.
    return replace(current, template_id=meta["template_id"], token=meta.get("token", ""), **lineage)


def _copy_name(form: Form, agency: Agency, year: int) -> str:
    stem = file_name(form, agency, year).removesuffix(".xlsx")
    return safe_file_name(stem, tx.FEEDBACK_COPY_SUFFIX)


def _missing_cells(form: Form, result: FileResult) -> list[str]:
    where = {
        key: (sheet.name, area.ref) for sheet in layout(form) for key, area in sheet.cells.items()
    }
    return [f"“{where[k][0]}”{where[k][1]}" for k in result.missing if k in where]


def _fill(
    form: Form, result: FileResult, shown: Sequence[Finding], review: Review, office: str
) -> Fill:
    inputs = {c.key for c in form.inputs}
    values = {
        key: value
        for key, value in result.values.items()
        if key in inputs and key not in result.raw and not math.isnan(value)
    }
    comments: dict[tuple[str, str], list[str]] = {}
    for finding in shown:
        if finding.sheet and finding.cell and finding.code != "cell-missing":
            note = f"【{_level(finding)}】{finding.message}"
            comments.setdefault((finding.sheet, finding.cell), []).append(note)
    where = {
        key: (sheet.name, area.ref) for sheet in layout(form) for key, area in sheet.cells.items()
    }
    for key in result.missing:  # every cell not found is red, not only the ones listed as findings
        if key in where:
            comments.setdefault(where[key], []).append(say("feedback-missing-cell"))
    warnings = {r.id for r in form.rules if r.severity == Severity.WARNING}
    return Fill(
        values=values,
        raw={
            **{k: v for k, v in result.raw.items() if k in inputs},
            **{k: "" for k in result.missing if k in inputs},
        },
        texts={k: v for k, v in result.texts.items() if k in form.parts},
        notes={k: v for k, v in result.notes.items() if k in warnings},
        comments={where: "\n".join(notes) for where, notes in comments.items()},
        review=review,
        reviewer=office,
    )


def _level(finding: Finding) -> str:
    title = finding.severity.title
    return title + tx.EXPLAINED_MARK if finding.explained else title


def _where(finding: Finding) -> str:
    return f"{finding.sheet} {finding.cell}：" if finding.sheet and finding.cell else ""
