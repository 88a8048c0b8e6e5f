"""Sending mail: each agency its template (from manifest.csv), or its feedback (annotated copy and
<code>.txt), over SMTP or as .eml files for a dry run, with a send log that makes a rerun resume.

The send log (发送记录.csv, beside the manifest or in the feedback folder) has one row per attempt:
time, kind, agency, address, attachment digest, Message-ID, result and reason. A message counts as
sent when the log holds a 已发送 row of the same kind, agency and attachment digest; a rerun sends
the rest, `only` sends the named agencies again. The log is rewritten (atomically) after every
message, so a run stopped at any point has recorded everything it sent. A missing address, a
refused recipient or a server error costs that agency its message, never the others'. An answer
to a report names the report (`Outgoing.reference`, its sha256): that, not its text, makes it the
same answer on another day.
"""

from __future__ import annotations

import csv
import hashlib
import io
import smtplib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..core import texts as tx
from ..core.catalogue import UsageError, say
from ..core.outputs import write_atomic
from ..core.text import csv_safe, inert, safe_file_name
from .mail_account import (
    SMTP_OPTIONS,
    Account,
    login_error,
    network_reason,
    server_error,
    tls_context,
)
from .mail_message import Attachment, build_message, normal_address, valid_address

__all__ = [
    "LOG_HEADER",
    "SEND_LOG",
    "MailKind",
    "Outgoing",
    "SendReport",
    "SendResult",
    "Sent",
    "Smtp",
    "deliver",
    "read_log",
    "sent_keys",
    "sent_times",
]

SEND_LOG = tx.SEND_LOG
LOG_HEADER = (
    tx.LOG_TIME,
    tx.LOG_KIND,
    tx.AGENCY_CODE,
    tx.AGENCY_NAME,
    tx.EMAIL,
    tx.LOG_DIGEST,
    "Message-ID",
    tx.LOG_RESULT,
    tx.LOG_REASON,
)


class MailKind(StrEnum):
    """What a message carries: the 类别 column of the send log and the outbox store the word."""

    TEMPLATE = tx.MAIL_TEMPLATE
    FEEDBACK = tx.MAIL_FEEDBACK
    PASSED = tx.MAIL_PASSED  # the answer to a report that passed


class SendResult(StrEnum):
    """What became of one message: the 结果 column of the send log, which stores the Chinese word
    (a str enum, so that logs written by earlier versions read back the same)."""

    SENT = tx.SEND_SENT
    FAILED = tx.SEND_FAILED
    NO_ADDRESS = tx.SEND_NO_ADDRESS
    WRITTEN = tx.SEND_WRITTEN  # a dry run's .eml
    SKIPPED = tx.SEND_SKIPPED  # the log has it as sent already


LOG_MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class Outgoing:
    """One message to one agency, before it gets its Message-ID and date."""

    kind: MailKind
    code: str
    name: str
    address: str
    subject: str
    body: str
    attachments: tuple[Attachment, ...] = ()
    in_reply_to: str = ""
    problem: str = ""  # why it cannot be sent (its file is missing); reported for this agency
    reference: str = ""  # what it answers (a report's sha256): then its identity, not the text

    @property
    def digest(self) -> str:
        """What was sent: the attachments (a regenerated template or new feedback is new); for an
        answer with a `reference`, the kind and the report it answers (its text carries the date
        and its annotated copy a new password each time)."""
        digest = hashlib.sha256(self.kind.encode())
        if self.reference:
            digest.update(b"\0" + self.reference.encode())
            return digest.hexdigest()
        for attachment in self.attachments:
            digest.update(hashlib.sha256(attachment.data).digest())
        if not self.attachments:
            digest.update(self.body.encode("utf-8"))
        return digest.hexdigest()


@dataclass(frozen=True, kw_only=True)
class Sent:
    code: str
    name: str
    address: str
    result: SendResult
    reason: str = ""
    message_id: str = ""
    path: Path | None = None  # the .eml of a dry run
    data: bytes = field(default=b"", repr=False, compare=False)  # the message as sent


@dataclass(frozen=True, kw_only=True)
class SendReport:
    items: tuple[Sent, ...]
    log: Path | None

    def count(self, result: SendResult) -> int:
        return sum(item.result == result for item in self.items)

    @property
    def exit_code(self) -> int:
        return (
            1
            if any(item.result in (SendResult.FAILED, SendResult.NO_ADDRESS) for item in self.items)
            else 0
        )


class Smtp:
    """One SMTP connection, opened when first needed and again after the server dropped it."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.connection: smtplib.SMTP | None = None

    def open(self) -> smtplib.SMTP:
        if self.connection is not None:
            return self.connection
        account = self.account
        try:
            if account.tls == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    account.host,
                    account.port,
                    timeout=account.timeout,
                    context=tls_context(account),
                )
            else:
                smtp = smtplib.SMTP(account.host, account.port, timeout=account.timeout)
                if account.tls == "starttls":
                    smtp.starttls(context=tls_context(account))
        except (OSError, smtplib.SMTPException) as exc:
            raise server_error(account, SMTP_OPTIONS, exc) from None
        try:
            if account.user:
                smtp.login(account.user, account.password)
        except smtplib.SMTPAuthenticationError as exc:
            smtp.close()
            raise login_error(account, SMTP_OPTIONS, network_reason(exc)) from None
        except (OSError, smtplib.SMTPException) as exc:
            smtp.close()
            raise server_error(account, SMTP_OPTIONS, exc) from None
        self.connection = smtp
        return smtp

    def send(self, sender: str, to: str, data: bytes) -> None:
        smtp = self.open()
        try:
            smtp.sendmail(sender, [to], data)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (0, b""))
            raise _Refused(network_reason(smtplib.SMTPResponseException(code, text))) from None
        except smtplib.SMTPResponseException as exc:
            self._reset()
            raise _Refused(network_reason(exc)) from None
        except (OSError, smtplib.SMTPException) as exc:
            self.close()  # the connection is in an unknown state: the next message opens a new one
            raise _Refused(network_reason(exc)) from None

    def _reset(self) -> None:
        try:
            if self.connection is not None:
                self.connection.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (OSError, smtplib.SMTPException):
                self.connection.close()
            self.connection = None


class _Refused(Exception):
    """This message could not be sent; the others still are."""


def read_log(path: Path) -> list[dict[str, str]]:
    """The rows of a send log ([] when there is none); a log that cannot be read is refused, not
    replaced: it is the record of what was sent."""
    if not path.exists():
        return []
    try:
        with path.open("rb") as handle:
            data = handle.read(LOG_MAX_BYTES + 1)
        if len(data) > LOG_MAX_BYTES:
            raise OSError(0, tx.FILE_TOO_LARGE)
        text = data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = (
            tx.SEND_LOG_UNREADABLE if not isinstance(exc, OSError) or not exc.errno else str(exc)
        )
        raise UsageError("mail-log-unreadable", path=path, reason=reason) from None
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    return [{k: (v or "").removeprefix("'") for k, v in row.items() if k} for row in rows]


def sent_keys(rows: Iterable[Mapping[str, str]]) -> set[tuple[str, str, str]]:
    """(kind, agency code, digest) of every message a send log records as sent."""
    return {
        (r.get(tx.LOG_KIND, ""), r.get(tx.AGENCY_CODE, ""), r.get(tx.LOG_DIGEST, ""))
        for r in rows
        if r.get(tx.LOG_RESULT) == SendResult.SENT
    }


def sent_times(rows: Iterable[Mapping[str, str]]) -> dict[tuple[str, str], str]:
    """(kind, agency code) → when (ISO, as logged) such a message was last sent, from a send log."""
    found: dict[tuple[str, str], str] = {}
    for r in rows:
        if r.get(tx.LOG_RESULT) == SendResult.SENT:
            found[(r.get(tx.LOG_KIND, ""), r.get(tx.AGENCY_CODE, ""))] = r.get(tx.LOG_TIME, "")
    return found


def _log_text(rows: Iterable[dict[str, str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(LOG_HEADER)
    for row in rows:
        writer.writerow([csv_safe(row.get(name, "")) for name in LOG_HEADER])
    return buffer.getvalue().encode("utf-8-sig")


def deliver(
    messages: Sequence[Outgoing],
    *,
    sender: str,
    account: Account | None = None,
    log: Path | None = None,
    dry_run: Path | None = None,
    only: Sequence[str] = (),
    rate: float | None = None,
    progress: Callable[[Sent], None] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> SendReport:
    """Send each message (or write it as .eml into `dry_run`); record each in `log`.

    Messages already recorded as sent are passed over unless their agency is in `only` (which also
    limits the run to those agencies). `rate` is messages per minute at most.
    """
    if not valid_address(sender):
        raise UsageError("mail-address", option="--sender", address=inert(sender))
    if rate is not None and not rate > 0:
        raise UsageError("mail-rate", value=rate)
    wanted = {code.strip().upper() for code in only if code.strip()}
    if wanted:
        unknown = wanted - {m.code.upper() for m in messages}
        if unknown:
            raise UsageError("mail-only-unknown", codes="、".join(sorted(unknown)))
    clock = clock or (lambda: datetime.now().astimezone())
    rows = read_log(log) if log is not None and dry_run is None else []
    done = sent_keys(rows)
    smtp = Smtp(account) if account is not None and dry_run is None else None
    interval = 60.0 / rate if rate else 0.0
    last = 0.0
    items: list[Sent] = []
    try:
        for message in messages:
            if wanted and message.code.upper() not in wanted:
                continue
            digest = message.digest
            if not wanted and (message.kind, message.code, digest) in done:
                items.append(
                    Sent(
                        code=message.code,
                        name=message.name,
                        address=message.address,
                        result=SendResult.SKIPPED,
                    )
                )
                continue
            if interval and smtp is not None and last:
                time.sleep(max(0.0, last + interval - time.monotonic()))
            item = _one(message, sender, smtp, dry_run, clock())
            last = time.monotonic()
            items.append(item)
            if log is not None and dry_run is None:
                rows.append(
                    {
                        tx.LOG_TIME: clock().isoformat(timespec="seconds"),
                        tx.LOG_KIND: message.kind,
                        tx.AGENCY_CODE: message.code,
                        tx.AGENCY_NAME: message.name,
                        tx.EMAIL: message.address,
                        tx.LOG_DIGEST: digest,
                        "Message-ID": item.message_id,
                        tx.LOG_RESULT: item.result,
                        tx.LOG_REASON: item.reason,
                    }
                )
                write_atomic(log, _log_text(rows))
            if progress is not None:
                progress(item)
    finally:
        if smtp is not None:
            smtp.close()
    return SendReport(items=tuple(items), log=log if dry_run is None else None)


def _one(
    message: Outgoing, sender: str, smtp: Smtp | None, dry_run: Path | None, now: datetime
) -> Sent:
    who: dict[str, Any] = {"code": message.code, "name": message.name, "address": message.address}
    if message.problem:
        return Sent(**who, result=SendResult.FAILED, reason=message.problem)
    if not valid_address(message.address):
        reason = say("mail-no-address" if not message.address else "mail-bad-address")
        return Sent(**who, result=SendResult.NO_ADDRESS, reason=reason)
    message_id, data = build_message(
        sender=sender,
        to=message.address,
        subject=message.subject,
        body=message.body,
        attachments=message.attachments,
        date=now,
        in_reply_to=message.in_reply_to,
    )
    if dry_run is not None:
        path = dry_run / safe_file_name(f"{message.code}-{message.name}-{message.kind}", ".eml")
        write_atomic(path, data)
        return Sent(**who, result=SendResult.WRITTEN, message_id=message_id, path=path, data=data)
    assert smtp is not None
    try:
        # the envelope gets the same checked addresses as the headers (IDN domains as xn--)
        smtp.send(normal_address(sender), normal_address(message.address), data)
    except _Refused as exc:
        return Sent(**who, result=SendResult.FAILED, reason=str(exc), message_id=message_id)
    return Sent(**who, result=SendResult.SENT, message_id=message_id, data=data)
