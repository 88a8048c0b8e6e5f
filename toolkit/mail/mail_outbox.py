"""What to send: each agency's template from a template folder's manifest.csv, each agency's
feedback from a `check --feedback` folder, and the answers of `collect --reply`, as `Outgoing`
messages for `send.deliver`. The texts come from the editable templates/mail-*.txt.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..core import texts as tx
from ..core.catalogue import UsageError, os_reason, say
from ..core.texts import CheckStatus
from ..form.findings import FileResult
from ..form.form import Form
from ..inputs.manifest import MANIFEST, ManifestRow, read_manifest
from .mail_message import Attachment, load_text
from .send import MailKind, Outgoing

__all__ = [
    "Answer",
    "MailSettings",
    "answer_outgoing",
    "feedback_messages",
    "feedback_outgoing",
    "pass_outgoing",
    "template_messages",
]

SEND_TEXT, PASS_TEXT, FEEDBACK_TEXT = (
    "mail-send.txt",
    "mail-reply-pass.txt",
    "mail-reply-feedback.txt",
)
ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024  # what common mail servers accept in one message
DATE_FORMAT = tx.DATE
FEEDBACK_SUFFIX = tx.FEEDBACK_COPY_SUFFIX


@dataclass(frozen=True, kw_only=True)
class MailSettings:
    """What the texts need besides the agency: the office's deadline, contact and sender."""

    sender: str
    deadline: date | None = None
    contact: str = ""
    district: str = ""
    year: str = ""
    today: date | None = None
    text: Path | None = None  # the office's own mail text instead of templates/mail-*.txt


def _values(settings: MailSettings, **agency: str) -> dict[str, str]:
    today = settings.today or date.today()
    district = agency.pop("district", "") or settings.district
    office = tx.office_name(district)
    return {
        "district": district,
        "year": agency.pop("year", "") or settings.year,
        "deadline": DATE_FORMAT.format(settings.deadline) if settings.deadline else tx.AS_REQUIRED,
        "contact": settings.contact or office,
        "sender": settings.sender,
        "office": office,
        "date": DATE_FORMAT.format(today),
        **agency,
    }


def _read(path: Path) -> tuple[bytes, str]:
    """A file nianbao attaches (its own template or copy), bounded; (b"", reason) when it cannot."""
    try:
        if not path.is_file():
            return b"", say("mail-attach-missing", name=path.name)
        with path.open("rb") as handle:
            data = handle.read(ATTACHMENT_MAX_BYTES + 1)
    except OSError as exc:
        return b"", say("mail-attach-unreadable", name=path.name, reason=os_reason(exc))
    if len(data) > ATTACHMENT_MAX_BYTES:
        return b"", say("mail-attach-too-large", name=path.name)
    return data, ""


def _meta(path: Path, form: Form) -> dict[str, str]:
    """The identity a workbook nianbao wrote carries (year, district, agency)."""
    from ..xlsx.read import read_workbook

    return read_workbook(path, form).meta if path.is_file() else {}


def template_messages(folder: Path, settings: MailSettings, *, form: Form) -> list[Outgoing]:
    """One message per manifest row: the agency's template attached, the text of mail-send.txt."""
    folder = Path(folder)
    rows = read_manifest(folder / MANIFEST)
    if not rows:
        raise UsageError("mail-manifest", path=folder)
    text = load_text(SEND_TEXT, settings.text)
    messages = []
    for row in rows:
        path = folder / row.file
        data, problem = _read(path)
        meta = _meta(path, form) if data else {}
        subject, body = text.render(
            _values(
                settings,
                agency=row.name,
                code=row.code,
                file=row.file,
                year=meta.get("year", ""),
                district=meta.get("district", ""),
            )
        )
        messages.append(
            Outgoing(
                kind=MailKind.TEMPLATE,
                code=row.code,
                name=row.name,
                address=row.email.strip(),
                subject=subject,
                body=body,
                attachments=(Attachment(name=row.file, data=data),) if data else (),
                problem=problem,
            )
        )
    return messages


@dataclass(frozen=True, kw_only=True)
class Answer:
    """Where an agency's answer goes: its address and the message it answers (when known)."""

    address: str
    in_reply_to: str = ""


def feedback_outgoing(
    code: str,
    email_text: Path,
    workbook: Path | None,
    answer: Answer,
    settings: MailSettings,
    *,
    form: Form,
    name: str = "",
) -> Outgoing:
    """The feedback of one agency: its <code>.txt as the body, the annotated copy attached."""
    body_bytes, problem = _read(email_text)
    body = body_bytes.decode("utf-8-sig", "replace").replace("\r\n", "\n")
    attachments: tuple[Attachment, ...] = ()
    meta: dict[str, str] = {}
    if workbook is not None and not problem:
        data, problem = _read(workbook)
        attachments = (Attachment(name=workbook.name, data=data),) if data else ()
        meta = _meta(workbook, form) if data else {}
    name = meta.get("agency_name", "") or name or code
    subject, body = load_text(FEEDBACK_TEXT, None).render(
        _values(
            settings,
            agency=name,
            code=code,
            feedback=body,
            year=meta.get("year", ""),
            district=meta.get("district", ""),
            file=workbook.name if workbook else "",
        )
    )
    return Outgoing(
        kind=MailKind.FEEDBACK,
        code=code,
        name=name,
        address=answer.address,
        subject=subject,
        body=body,
        attachments=attachments,
        in_reply_to=answer.in_reply_to,
        problem=problem,
    )


def pass_outgoing(
    code: str, name: str, file: str, answer: Answer, settings: MailSettings, **meta: str
) -> Outgoing:
    """通过: the agency's report needs nothing more."""
    subject, body = load_text(PASS_TEXT, None).render(
        _values(settings, agency=name, code=code, file=file, **meta)
    )
    return Outgoing(
        kind=MailKind.PASSED,
        code=code,
        name=name,
        address=answer.address,
        subject=subject,
        body=body,
        in_reply_to=answer.in_reply_to,
    )


def feedback_messages(
    folder: Path,
    settings: MailSettings,
    *,
    form: Form,
    answers: Mapping[str, Answer] | None = None,
    manifest: Sequence[ManifestRow] = (),
) -> list[Outgoing]:
    """Each agency's feedback in a `check --feedback` folder, addressed to whoever sent the report
    (`answers`, from the collection log) or else to the roster's address (`manifest`)."""
    folder = Path(folder)
    answers = answers or {}
    listed = {row.code.upper(): row for row in manifest}
    texts = sorted(
        p for p in _entries(folder) if p.suffix.lower() == ".txt" and p.name != "password.txt"
    )
    if not texts:
        raise UsageError("mail-feedback-empty", path=folder)
    copies = [p for p in _entries(folder) if p.name.endswith(FEEDBACK_SUFFIX)]
    messages = []
    for text in texts:
        code = text.stem
        workbook = next((p for p in sorted(copies) if p.name.startswith(f"{code}-")), None)
        row = listed.get(code.upper())
        answer = answers.get(code.upper()) or Answer(address=row.email.strip() if row else "")
        messages.append(
            feedback_outgoing(
                code, text, workbook, answer, settings, form=form, name=row.name if row else ""
            )
        )
    return messages


def _entries(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.is_file()]
    except OSError as exc:
        raise UsageError("path-missing", path=f"{folder}（{os_reason(exc)}）") from None


def answer_outgoing(
    result: FileResult,
    answer: Answer,
    settings: MailSettings,
    *,
    form: Form,
    file: str,
    district: str,
    reference: str,
    feedback: tuple[Path, Path | None] | None,
) -> Outgoing | None:
    """The answer to one report that came by mail and counts for its agency: its feedback (the
    email text and the annotated copy made for it, `feedback`) when the agency must act, 通过 when
    it passed; None when there is nothing to send (feedback that could not be written is reported
    by the check). `reference` (the report's sha256) makes it this report's answer in the log."""
    from dataclasses import replace

    from ..results.feedback import needs_feedback

    if needs_feedback(result, form):
        if feedback is None:
            return None
        email_text, workbook = feedback
        message = feedback_outgoing(
            result.agency_code,
            email_text,
            workbook,
            answer,
            settings,
            form=form,
            name=result.agency_name,
        )
    elif result.status in (CheckStatus.PASSED, CheckStatus.WARNINGS):
        message = pass_outgoing(
            result.agency_code,
            result.agency_name,
            file,
            answer,
            settings,
            year=result.year,
            district=district,
        )
    else:
        return None
    return replace(message, reference=reference)
