"""Who sent a collected report, judged before anything else: the From address parsed from the
header as it came (an encoded display name is never decoded into an address), and whether it is
the roster address of the agency the report claims (`sender-mismatch` otherwise); and which
agency a report claims, from the workbook's own `_meta`, read in a worker process."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from email.message import Message
from email.utils import getaddresses
from pathlib import Path

from ..core import texts as tx
from ..core.catalogue import say
from ..form.form import Form
from ..inputs.roster import Agency
from .mail_message import normal_address

__all__ = ["mismatch_note", "report_identity", "roster_addresses", "sender_address"]


def roster_addresses(roster: Sequence[Agency] | None) -> dict[str, tuple[str, str]]:
    """Agency code → (its name, its roster address in plain form) for agencies with an address."""
    found = {}
    for agency in roster or ():
        address = normal_address(agency.email.strip())
        if agency.code and address:
            found[agency.code.strip().upper()] = (agency.name, address.lower())
    return found


def sender_address(message: Message) -> str:
    """The From address, parsed from the header as it came (before any encoded word is decoded,
    so an encoded display name can never become the address); "" unless it is exactly one plain
    address."""
    raw = next((str(v) for k, v in message.raw_items() if k.lower() == "from"), "")
    # raw 8-bit bytes (an old client's GBK display name) become "?": an address is ASCII anyway
    raw = raw.encode("ascii", "replace").decode("ascii")
    pairs = getaddresses([raw]) if raw else []
    addresses = [address for _, address in pairs if address]
    return normal_address(addresses[0]) if len(addresses) == 1 else ""


def mismatch_note(sender: str, code: str, addresses: Mapping[str, tuple[str, str]]) -> str:
    """Why a report for agency `code` is set aside: its roster address is not the sender's
    ("" when it is, or when the roster has no address for it)."""
    roster = addresses.get(code.upper()) if code else None
    if roster is None or sender.lower() == roster[1]:
        return ""
    return say(
        "sender-mismatch",
        sender=sender or "-",
        code=code,
        name=roster[0],
        roster=roster[1],
        folder=tx.COLLECT_MISMATCH_FOLDER,
    )


def report_identity(path: Path, form: Form) -> tuple[str, str, str, str]:
    """(agency code, agency name, year, why unreadable) from the workbook's own `_meta`, read in a
    worker process like `check` reads it: an attachment that crashes or exhausts the reader costs
    only itself."""
    from ..check.check import FILE_TIMEOUT
    from ..core.pool import WorkerDied, run_isolated

    (result,) = run_isolated(
        _read_identity,
        [path],
        workers=1,
        initializer=_use_form,
        initargs=(form,),
        timeout=FILE_TIMEOUT,
    )
    if isinstance(result, WorkerDied):
        return "", "", "", result.reason
    return result


_worker_form: Form | None = None  # the form of the run, set in the worker by _use_form


def _use_form(form: Form) -> None:
    global _worker_form
    _worker_form = form


def _read_identity(path: Path) -> tuple[str, str, str, str]:
    from ..xlsx.read import read_workbook

    assert _worker_form is not None, "the worker's initializer sets the form"
    workbook = read_workbook(path, _worker_form)
    meta = workbook.meta
    return (
        meta.get("agency_code", "").strip(),
        meta.get("agency_name", "").strip(),
        meta.get("year", "").strip(),
        workbook.error,
    )
