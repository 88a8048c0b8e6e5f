"""Collecting the returned reports from the collection mailbox (报送邮箱) over IMAP.

Every spreadsheet attachment (.xlsx, .xls, .et, .ods, and spreadsheets inside .zip attachments) is saved
into the output folder under a clear name; the agency comes from the workbook's own `_meta` (read by
toolkit.xlsx.read, under the reader's limits), never from the attachment's name or the sender. The
collection log (收取记录.csv, beside the files) has one row per attachment or message: folder,
UIDVALIDITY and UID, Message-ID, sender, date, subject, attachment name, agency, saved file, sha256,
result. A rerun fetches only messages with a higher UID (within the same UIDVALIDITY); an attachment
whose sha256 is already in the log is stored once. Messages are opened read-only and fetched with
BODY.PEEK, so nothing changes on the server unless `mark_seen` is asked.

Mail is untrusted: attachment names in RFC 2231, RFC 2047 or raw 8-bit (GBK, GB18030) are decoded
here, sizes are checked before decoding, and zip archives are opened under package.LIMITS.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import imaplib
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from ..core import texts as tx
from ..core.catalogue import UsageError, say
from ..core.outputs import replace_into, staging_dir, write_atomic
from ..core.text import csv_safe, inert, safe_file_name
from ..form.form import Form
from ..inputs.roster import Agency
from ..xlsx.package import LIMITS
from .mail_account import IMAP_OPTIONS, Account, login_error, server_error, tls_context
from .mail_attachments import (
    SPREADSHEETS,
    CollectResult,
    Skip,
    header,
    parse_message,
    workbooks,
)
from .mail_outbox import Answer
from .mail_sender import mismatch_note, report_identity, roster_addresses, sender_address

__all__ = [
    "COLLECT_LOG",
    "CollectReport",
    "Collected",
    "answers",
    "collect_mail",
    "read_collect_log",
    "saved_reports",
]

COLLECT_LOG = tx.COLLECT_LOG
LOG_HEADER = (
    tx.COLLECT_TIME, tx.COLLECT_FOLDER, "UIDVALIDITY", "UID", "Message-ID", tx.COLLECT_SENDER, tx.COLLECT_DATE, tx.COLLECT_SUBJECT,
    tx.COLLECT_ATTACHMENT, tx.AGENCY_CODE, tx.AGENCY_NAME, tx.COLLECT_YEAR, tx.COLLECT_SAVED_AS, "sha256", tx.COLLECT_RESULT, tx.COLLECT_NOTE,
)  # fmt: skip
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
MAX_MESSAGES = 500  # fetched per run; the rest wait for the next run (their UIDs are higher)


@dataclass(frozen=True, kw_only=True)
class Collected:
    """One attachment (or one message without any) and what became of it."""

    uid: int
    message_id: str
    sender: str
    subject: str
    sent_at: str
    attachment: str = ""
    agency_code: str = ""
    agency_name: str = ""
    year: str = ""
    path: Path | None = None
    sha256: str = ""
    result: CollectResult | None = None  # None only before it is decided
    note: str = ""
    received_at: str = ""  # when it was collected (ISO), as read back from the log


@dataclass(frozen=True, kw_only=True)
class CollectReport:
    items: tuple[Collected, ...]
    log: Path
    messages: int  # new messages fetched
    left: int = 0  # new messages beyond MAX_MESSAGES, left for the next run

    @property
    def saved(self) -> tuple[Collected, ...]:
        return tuple(i for i in self.items if i.path is not None)

    def count(self, result: CollectResult) -> int:
        return sum(i.result == result for i in self.items)

    @property
    def exit_code(self) -> int:
        return (
            1
            if any(
                i.result
                in (
                    CollectResult.TOO_LARGE,
                    CollectResult.REFUSED,
                    CollectResult.UNIDENTIFIED,
                    CollectResult.SENDER_MISMATCH,
                )
                for i in self.items
            )
            else 0
        )


# ------------------------------------------------------------------------------------------------
# The log
# ------------------------------------------------------------------------------------------------


def read_collect_log(path: Path) -> list[dict[str, str]]:
    from .send import read_log

    return read_log(path) if path.exists() else []


def _log_bytes(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(LOG_HEADER)
    for row in rows:
        writer.writerow([csv_safe(row.get(name, "")) for name in LOG_HEADER])
    return buffer.getvalue().encode("utf-8-sig", "replace")


def answers(folder: Path) -> dict[str, Answer]:
    """For each agency, where its latest report came from (sender, Message-ID), from the log."""
    found: dict[str, Answer] = {}
    for row in read_collect_log(Path(folder) / COLLECT_LOG):
        if row.get(tx.AGENCY_CODE) and row.get(tx.COLLECT_RESULT) in (
            CollectResult.SAVED,
            CollectResult.DUPLICATE,
        ):
            found[row[tx.AGENCY_CODE].upper()] = Answer(
                address=row.get(tx.COLLECT_SENDER, ""), in_reply_to=row.get("Message-ID", "")
            )
    return found


def saved_reports(rows: Iterable[Mapping[str, str]], folder: Path) -> list[Collected]:
    """Every report the collection log records as saved with its agency, in the order received,
    with its file in `folder` (whether or not the file is still there)."""
    found = []
    for row in rows:
        name, code = row.get(tx.COLLECT_SAVED_AS, ""), row.get(tx.AGENCY_CODE, "")
        if not name or not code or row.get(tx.COLLECT_RESULT) != CollectResult.SAVED:
            continue
        uid = row.get("UID", "")
        found.append(
            Collected(
                uid=int(uid) if uid.isdigit() else 0,
                message_id=row.get("Message-ID", ""),
                sender=row.get(tx.COLLECT_SENDER, ""),
                subject=row.get(tx.COLLECT_SUBJECT, ""),
                sent_at=row.get(tx.COLLECT_DATE, ""),
                attachment=row.get(tx.COLLECT_ATTACHMENT, ""),
                agency_code=code,
                agency_name=row.get(tx.AGENCY_NAME, ""),
                year=row.get(tx.COLLECT_YEAR, ""),
                path=Path(folder) / name,
                sha256=row.get("sha256", ""),
                result=CollectResult.SAVED,
                note=row.get(tx.COLLECT_NOTE, ""),
                received_at=row.get(tx.COLLECT_TIME, ""),
            )
        )
    return found


# ------------------------------------------------------------------------------------------------
# IMAP
# ------------------------------------------------------------------------------------------------


def _utf7(folder: str) -> str:
    """An IMAP mailbox name in modified UTF-7 (RFC 3501 5.1.3), quoted."""
    out, pending = [], ""

    def flush() -> None:
        nonlocal pending
        if pending:
            import base64

            encoded = base64.b64encode(pending.encode("utf-16-be")).decode().rstrip("=")
            out.append("&" + encoded.replace("/", ",") + "-")
            pending = ""

    for char in folder:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending += char
    flush()
    text = "".join(out)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _open(account: Account) -> imaplib.IMAP4:
    try:
        if account.tls == "ssl":
            imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                account.host,
                account.port,
                ssl_context=tls_context(account),
                timeout=account.timeout,
            )
        else:
            imap = imaplib.IMAP4(account.host, account.port, timeout=account.timeout)
            if account.tls == "starttls":
                imap.starttls(ssl_context=tls_context(account))
    except (OSError, imaplib.IMAP4.error) as exc:
        raise server_error(account, IMAP_OPTIONS, exc) from None
    try:
        imap.login(account.user, account.password)
    except imaplib.IMAP4.error as exc:
        _close(imap)
        reason = " ".join(str(exc).split())[:200] or tx.COLLECT_LOGIN_FAILED
        raise login_error(account, IMAP_OPTIONS, reason) from None
    return imap


def _close(imap: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        imap.logout()


def _since(day: date) -> str:
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{day.day}-{months[day.month - 1]}-{day.year}"


def collect_mail(
    account: Account,
    out_dir: Path,
    *,
    folder: str = "INBOX",
    since: date | None = None,
    mark_seen: bool = False,
    now: datetime | None = None,
    limit: int = LIMITS["file_bytes"],
    form: Form,
    roster: Sequence[Agency] | None = None,
) -> CollectReport:
    """Fetch the new messages of `folder` (at most MAX_MESSAGES a run) and save their spreadsheets
    into `out_dir`; an attachment over `limit` bytes (the reader's file limit) is logged and
    skipped. A spreadsheet's agency is read from its `_meta` as a workbook of `form`; with a
    `roster`, a report sent from another address than its agency's is set aside
    (`sender-mismatch`). Each message's UID is logged as it is done, so a message that cannot be
    read is reported once and never stops a later run."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError("out-not-folder", path=out_dir)
    log = out_dir / COLLECT_LOG
    rows = read_collect_log(log)
    imap = _open(account)
    try:
        try:
            typ, data = imap.select(_utf7(folder), readonly=not mark_seen)
        except (OSError, imaplib.IMAP4.error) as exc:
            typ, data = "NO", [str(exc).encode()]
        if typ != "OK":
            reason = (data[0] or b"").decode("utf-8", "replace") if data else ""
            raise UsageError("mail-folder", folder=folder, reason=reason or tx.COLLECT_NO_FOLDER)
        validity = (imap.response("UIDVALIDITY")[1] or [b""])[0]
        validity = (validity or b"").decode("ascii", "replace")
        last = max(
            (int(r["UID"]) for r in rows if r.get(tx.COLLECT_FOLDER) == folder and r.get("UIDVALIDITY") == validity
             and r.get("UID", "").isdigit()),
            default=0,
        )  # fmt: skip
        criteria = [f"UID {last + 1}:*"] + ([f"SINCE {_since(since)}"] if since else [])
        typ, found = imap.uid("SEARCH", *criteria)
        uids = (
            sorted(int(u) for u in (found[0] or b"").split() if int(u) > last)
            if typ == "OK"
            else []
        )
        left = max(0, len(uids) - MAX_MESSAGES)
        uids = uids[:MAX_MESSAGES]
        known = {
            r["sha256"]: r
            for r in rows
            if r.get("sha256")
            and r.get(tx.COLLECT_SAVED_AS)
            and r.get(tx.COLLECT_RESULT) != CollectResult.SENDER_MISMATCH
        }
        items: list[Collected] = []
        addresses = roster_addresses(roster)
        with staging_dir(out_dir) as staging:
            for uid in uids:
                new = _guarded(imap, uid, out_dir, staging, known, now, limit, form, addresses)
                for item in new:
                    rows.append(_row(item, folder, validity, now))
                    if (
                        item.path is not None
                        and item.sha256
                        and item.result != CollectResult.SENDER_MISMATCH
                    ):
                        known[item.sha256] = rows[-1]
                items.extend(new)
                write_atomic(log, _log_bytes(rows))
                if mark_seen:
                    imap.uid("STORE", str(uid), "+FLAGS", "(\\Seen)")
    except (OSError, imaplib.IMAP4.error) as exc:
        raise server_error(account, IMAP_OPTIONS, exc, connecting=False) from None
    finally:
        _close(imap)
    if not log.exists():
        write_atomic(log, _log_bytes(rows))
    return CollectReport(items=tuple(items), log=log, messages=len(uids), left=left)


def _guarded(
    imap: imaplib.IMAP4,
    uid: int,
    out_dir: Path,
    staging: Path,
    known: dict[str, dict[str, str]],
    now: datetime | None,
    limit: int,
    form: Form,
    addresses: Mapping[str, tuple[str, str]],
) -> list[Collected]:
    """One message, whatever it holds: a mail that breaks the parser or the decoders becomes one
    REFUSED row (its UID logged, so no later run stops on it again); only the server's own
    failures (OSError, IMAP errors) end the run."""
    try:
        return _one_message(imap, uid, out_dir, staging, known, now, limit, form, addresses)
    except (OSError, imaplib.IMAP4.error):
        raise
    except Exception as exc:  # untrusted mail: any other failure is this message's alone
        note = say("mail-unparsable", reason=type(exc).__name__)
        base = Collected(uid=uid, message_id="", sender="", subject="", sent_at="")
        return [replace(base, result=CollectResult.REFUSED, note=note)]


def _row(item: Collected, folder: str, validity: str, now: datetime | None) -> dict[str, str]:
    return {
        tx.COLLECT_TIME: (now or datetime.now().astimezone()).isoformat(timespec="seconds"),
        tx.COLLECT_FOLDER: folder,
        "UIDVALIDITY": validity,
        "UID": str(item.uid),
        "Message-ID": item.message_id,
        tx.COLLECT_SENDER: item.sender,
        tx.COLLECT_DATE: item.sent_at,
        tx.COLLECT_SUBJECT: item.subject,
        tx.COLLECT_ATTACHMENT: item.attachment,
        tx.AGENCY_CODE: item.agency_code,
        tx.AGENCY_NAME: item.agency_name,
        tx.COLLECT_YEAR: item.year,
        tx.COLLECT_SAVED_AS: item.path.name if item.path is not None else "",
        "sha256": item.sha256,
        tx.COLLECT_RESULT: item.result or "",
        tx.COLLECT_NOTE: item.note,
    }


def _one_message(
    imap: imaplib.IMAP4,
    uid: int,
    out_dir: Path,
    staging: Path,
    known: dict[str, dict[str, str]],
    now: datetime | None,
    limit: int,
    form: Form,
    addresses: Mapping[str, tuple[str, str]],
) -> list[Collected]:
    typ, data = imap.uid("FETCH", str(uid), "(RFC822.SIZE)")
    size = _SIZE.search(b" ".join(d if isinstance(d, bytes) else b"" for d in data or []))
    base = Collected(uid=uid, message_id="", sender="", subject="", sent_at="")
    if size and int(size.group(1)) > 2 * limit + 1024 * 1024:  # base64 adds a third
        return [
            replace(
                base,
                result=CollectResult.TOO_LARGE,
                note=say("mail-message-too-large", size=int(size.group(1))),
            )
        ]
    typ, data = imap.uid("FETCH", str(uid), "(BODY.PEEK[])")
    raw = next((d[1] for d in data or [] if isinstance(d, tuple) and len(d) > 1), None)
    if typ != "OK" or raw is None:
        return [replace(base, result=CollectResult.REFUSED, note=say("mail-fetch-failed"))]
    try:
        message = parse_message(raw)
    except Skip as skip:
        return [replace(base, result=skip.result, note=str(skip))]
    try:
        sent = parsedate_to_datetime(header(message, "Date"))
    except (TypeError, ValueError, IndexError, OverflowError):
        sent = None
    base = replace(
        base,
        message_id=inert(" ".join(header(message, "Message-ID").split())[:500]),
        sender=sender_address(message),
        subject=inert(header(message, "Subject")[:200]),
        sent_at=sent.isoformat(timespec="seconds") if sent else "",
    )
    stamp = sent or now or datetime.now().astimezone()
    items = []
    for name, content in workbooks(message, limit):
        if isinstance(content, Skip):
            items.append(replace(base, attachment=name, result=content.result, note=str(content)))
            continue
        items.append(_store(base, name, content, out_dir, staging, known, stamp, form, addresses))
    return items or [replace(base, result=CollectResult.NO_WORKBOOK, note=say("mail-no-workbook"))]


def _store(
    base: Collected,
    name: str,
    data: bytes,
    out_dir: Path,
    staging: Path,
    known: dict[str, dict[str, str]],
    stamp: datetime,
    form: Form,
    addresses: Mapping[str, tuple[str, str]],
) -> Collected:
    """Save one attachment under its agency's name. A report whose sender is not its agency's
    roster address goes into COLLECT_MISMATCH_FOLDER instead (`check` does not read it), logged
    as SENDER_MISMATCH, so it never replaces the report the agency sent itself; the clerk
    decides."""
    digest = hashlib.sha256(data).hexdigest()
    item = replace(base, attachment=name, sha256=digest)
    if digest in known:
        earlier = known[digest]
        return replace(
            item,
            agency_code=earlier.get(tx.AGENCY_CODE, ""),
            agency_name=earlier.get(tx.AGENCY_NAME, ""),
            result=CollectResult.DUPLICATE,
            note=say("mail-duplicate", file=earlier.get(tx.COLLECT_SAVED_AS, "")),
        )
    suffix = Path(name).suffix.lower()
    suffix = suffix if suffix in SPREADSHEETS else ".xlsx"
    temporary = staging / f"{digest}{suffix}"
    temporary.write_bytes(data)
    code, agency, year, error = report_identity(temporary, form)
    when = stamp.strftime("%Y%m%d-%H%M%S")
    if code:
        stem = f"{code}-{agency}-{when}-{digest[:8]}"
        result, note = CollectResult.SAVED, ""
    else:
        stem = tx.COLLECT_UNIDENTIFIED_FILE.format(
            when=when, digest=digest[:8], stem=Path(name).stem
        )
        result = CollectResult.UNIDENTIFIED
        note = error or say("mail-unidentified")
    folder = out_dir
    mismatch = mismatch_note(base.sender, code, addresses)
    if mismatch:
        folder = out_dir / tx.COLLECT_MISMATCH_FOLDER
        folder.mkdir(exist_ok=True)
        result, note = CollectResult.SENDER_MISMATCH, mismatch
    target = folder / safe_file_name(stem, suffix)
    if target.exists():  # never over a file already there (another report or the clerk's own)
        target = folder / safe_file_name(f"{stem}-{digest}", suffix)
    replace_into(temporary, target, mark=False)  # not marked: it is the agency's report
    return replace(
        item,
        agency_code=code,
        agency_name=agency,
        year=year,
        path=target,
        result=result,
        note=note,
    )
