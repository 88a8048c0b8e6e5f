"""The contract between the template writer and the checker: what an issued workbook carries so
that it is recognised when it comes back (the identity in `_meta` and the document properties),
the names of the sheets around the tables, and the file name an agency receives.

Both sides import this module; the reader never imports the writer.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .. import __version__
from ..core import texts as tx
from ..core.text import FILE_NAME_BYTES, safe_file_name
from .form import Form
from .identity import agency_token, normalise_code

if TYPE_CHECKING:  # only .code and .name are used; the roster reader comes later in the data flow
    from ..inputs.roster import Agency

__all__ = [
    "FEEDBACK_KIND",
    "IMPORTED_KIND",
    "INSTRUCTIONS_SHEET",
    "META_PREFIX",
    "META_SHEET",
    "REVIEW_SHEET",
    "Identity",
    "file_name",
    "identity_for",
]


INSTRUCTIONS_SHEET = tx.INSTRUCTIONS_SHEET
REVIEW_SHEET = tx.REVIEW_SHEET  # in front of the others in a feedback copy
META_SHEET = "_meta"
META_PREFIX = "nianbao_"  # custom document property names


@dataclass(frozen=True, kw_only=True)
class Identity:
    """What makes an issued workbook recognisable when it comes back; stored in `_meta` as text."""

    form_id: str
    form_version: str
    year: str
    district: str
    agency_code: str
    agency_name: str
    template_id: str
    generated_at: str
    toolkit_version: str
    layout_fingerprint: str
    token: str = ""  # the office's keyed hash (toolkit.form.identity); "" when made without the key
    # What the workbook was made from; empty in a template. A workbook filled from a published
    # report (`nianbao import`): kind = IMPORTED_KIND, the published file's name and its sha256. A
    # feedback copy: kind = FEEDBACK_KIND, the returned file's name and sha256 (its lineage: a file
    # saved from the copy keeps these, and supersedes the file they name), and made_at, the copy's
    # own creation time (ISO seconds).
    kind: str = ""
    source: str = ""
    source_sha256: str = ""
    made_at: str = ""
    # An imported workbook: the totals the report prints that the import could not read (cell
    # keys, space-separated), so that `check` says so instead of judging a sum nobody printed.
    unread_totals: str = ""

    def items(self) -> list[tuple[str, str]]:
        # A workbook made without the office's key (samples, tests) has no token row at all,
        # rather than an empty one that a reader might take for a token that failed; a template
        # has no import rows.
        return [(k, v) for k, v in self.__dict__.items() if k not in _OPTIONAL or v]


_OPTIONAL = frozenset({"token", "kind", "source", "source_sha256", "made_at", "unread_totals"})
IMPORTED_KIND = "imported"  # `_meta` kind of a workbook filled from a published report
FEEDBACK_KIND = "feedback"  # `_meta` kind of a feedback copy (and of a file saved from one)


def identity_for(
    form: Form,
    agency: Agency,
    year: int | str,
    district: str,
    generated_at: datetime | str,
    key: bytes | None = None,
) -> Identity:
    """The identity of one agency's workbook. Odd values read back from a returned file's `_meta`
    (a year written "2023年", a generation time that is not a date) are kept as text, never raised:
    one bad file must not stop the feedback of the others."""
    stamp = _stamp(generated_at)
    year_text = _year_text(year)
    code = normalise_code(agency.code)
    seed = "\x1f".join([form.id, form.version, district, year_text, code, stamp])
    token = ""
    if key is not None:
        token = agency_token(
            key,
            form_id=form.id,
            form_version=form.version,
            year=year_text,
            district=district,
            agency_code=code,
        )
    return Identity(
        form_id=form.id,
        form_version=form.version,
        year=year_text,
        district=district,
        agency_code=code,
        agency_name=agency.name,
        template_id=hashlib.sha256(seed.encode("utf-8", "replace")).hexdigest()[:20],
        generated_at=stamp,
        toolkit_version=__version__,
        layout_fingerprint=form.fingerprint(),
        token=token,
    )


def _stamp(generated_at: datetime | str) -> str:
    if isinstance(generated_at, datetime):
        return generated_at.isoformat(timespec="seconds")
    return str(generated_at)


def _year_text(year: int | str) -> str:
    """2023, "2023" and "2023年" are all 2023; anything else is kept as the text it was."""
    found = re.fullmatch(tx.YEAR_PATTERN, unicodedata.normalize("NFKC", str(year)))
    return found.group(1) if found else str(year)


def created_time(identity: Identity) -> datetime | None:
    """The time written into docProps/core.xml (created and modified): a feedback copy's own
    creation time, in UTC as the format wants (a file saved from it is then compared fairly with
    the agency's other files); else the generation time, as the template has always carried it."""
    try:
        if identity.made_at:
            made = datetime.fromisoformat(identity.made_at)
            return made.astimezone(UTC).replace(tzinfo=None)
        return datetime.fromisoformat(identity.generated_at).replace(tzinfo=None)
    except ValueError:
        return None


def file_name(form: Form, agency: Agency, year: int | str) -> str:
    """`<单位代码>-<单位名称>-<YEAR>年<form title>.xlsx` (the 2021 form: …年政府信息公开工作年度报告.xlsx),
    safe on every file system and capped in bytes (a long agency name is cut, the code and the
    year stay)."""
    code = normalise_code(agency.code)
    tail = tx.FILE_NAME_TAIL.format(year=_year_text(year), title=form.title)
    budget = FILE_NAME_BYTES - len((tail + ".xlsx").encode("utf-8"))
    head = safe_file_name(f"{code}-{agency.name}", max_bytes=budget)
    return safe_file_name(head + tail, ".xlsx")
