"""What a template folder holds: manifest.csv, password.txt, and one file name per agency.

Generating into a folder adds to it. Templates already sent out were protected with the password
in password.txt and carry tokens made with the key, so both are read back and never replaced; the
manifest's rows are read (Chinese or the older English header) and kept, and new rows are added.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core import texts as tx
from ..core.catalogue import UsageError, os_reason, say
from ..core.text import csv_safe
from .roster import Agency

__all__ = [
    "MANIFEST",
    "MANIFEST_HEADER",
    "PASSWORD_FILE",
    "ManifestRow",
    "file_digest",
    "manifest_text",
    "merge_rows",
    "password_note",
    "read_manifest",
    "read_password",
    "refuse_collisions",
]

MANIFEST = "manifest.csv"
PASSWORD_FILE = "password.txt"
MANIFEST_HEADER = tx.MANIFEST_HEADER
_ENGLISH_HEADER = ("code", "name", "contact", "email", "file", "sha256", "note")
_FIELDS = ("code", "name", "contact", "email", "file", "sha256", "note")
_SMALL_FILE = 16 * 1024 * 1024  # a manifest of thousands of agencies is well under a megabyte


@dataclass(frozen=True, kw_only=True)
class ManifestRow:
    code: str
    name: str
    contact: str = ""
    email: str = ""
    file: str = ""
    sha256: str = ""
    note: str = ""


def manifest_text(rows: Iterable[ManifestRow]) -> str:
    """The manifest as CSV (CRLF lines, for Excel's mail merge); no value can become a formula."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(MANIFEST_HEADER)
    for row in rows:
        writer.writerow([csv_safe(getattr(row, name)) for name in _FIELDS])
    return buffer.getvalue()


def read_manifest(path: Path) -> list[ManifestRow]:
    """The rows of an existing manifest (empty when there is none). A manifest that cannot be read
    is refused rather than replaced: its rows are the record of what was sent."""
    if not path.exists():
        return []
    try:
        data = _read_small(path)
        text = data.decode("utf-8-sig")
    except (OSError, ValueError) as exc:
        reason = os_reason(exc) if isinstance(exc, OSError) else tx.MANIFEST_NOT_UTF8
        raise UsageError("manifest-unreadable", path=path, reason=reason) from exc
    lines = [row for row in csv.reader(io.StringIO(text, newline="")) if any(row)]
    if not lines:
        return []
    header = [cell.strip().lower() for cell in lines[0]]
    where: dict[str, int] = {}
    for name, chinese, english in zip(_FIELDS, MANIFEST_HEADER, _ENGLISH_HEADER, strict=True):
        for index, title in enumerate(header):
            if title in (chinese, english):
                where[name] = index
                break
    if "code" not in where or "file" not in where:
        raise UsageError("manifest-unreadable", path=path, reason=tx.MANIFEST_NO_HEADER)
    rows = []
    for line in lines[1:]:
        values = {n: _unquote(line[i]) if i < len(line) else "" for n, i in where.items()}
        rows.append(ManifestRow(**{"name": "", **values}))
    return rows


def read_password(path: Path) -> str | None:
    """The password on the first line of password.txt, or None when there is no such file.

    One that exists but cannot be read is refused: the templates already sent use it."""
    if not path.exists():
        return None
    try:
        text = _read_small(path).decode("utf-8-sig", "replace")
    except OSError as exc:
        raise UsageError("manifest-unreadable", path=path, reason=os_reason(exc)) from exc
    first = text.splitlines()[0].strip() if text.strip() else ""
    if not first:
        raise UsageError("manifest-unreadable", path=path, reason=tx.PASSWORD_MISSING)
    return first


def password_note(password: str, year: int, district: str) -> str:
    return tx.PASSWORD_NOTE.format(password=password, district=district, year=year)


def _read_small(path: Path) -> bytes:
    if not path.is_file():
        raise OSError(0, tx.NOT_REGULAR_FILE)
    with path.open("rb") as handle:
        data = handle.read(_SMALL_FILE + 1)
    if len(data) > _SMALL_FILE:
        raise OSError(0, tx.FILE_TOO_LARGE)
    return data


def _unquote(value: str) -> str:
    """Undo csv_safe's apostrophe, so that a value read back is the value written."""
    if value.startswith("'") and value[1:2] in ("=", "+", "-", "@", "\t", "\r", "\n"):
        return value[1:]
    return value


def refuse_collisions(agencies: Sequence[Agency], names: Sequence[str]) -> None:
    """Two agencies whose templates would have one file name (compared as Windows does): refuse
    before anything is written, naming them."""
    groups: dict[str, list[tuple[Agency, str]]] = {}
    for agency, name in zip(agencies, names, strict=True):
        groups.setdefault(name.casefold(), []).append((agency, name))
    clashes = [
        say(
            "file-name-collision-group",
            agencies="、".join(_who(agency) for agency, _ in group),
            name=group[0][1],
        )
        for group in groups.values()
        if len(group) > 1
    ]
    if clashes:
        raise UsageError("file-name-collision", groups="\n".join(clashes))


def _who(agency: Agency) -> str:
    where = tx.ROSTER_LINE.format(line=agency.line) if agency.line else ""
    return f"{where}{agency.code}（{agency.name}）"


def merge_rows(
    old: Sequence[ManifestRow],
    agencies: Sequence[Agency],
    names: Sequence[str],
    digests: Mapping[str, str],
    out_dir: Path,
) -> list[ManifestRow]:
    """The manifest's rows: every existing row kept in its place (a regenerated template's row
    updated), then a row for each agency that has none."""
    fresh: dict[str, ManifestRow] = {}
    for agency, name in zip(agencies, names, strict=True):
        digest = digests.get(name)
        if digest is None:  # kept: its row stays as it was, or is rebuilt if it was lost
            path = out_dir / name
            digest = file_digest(path) if path.is_file() else ""
            if any(row.code == agency.code for row in old):
                continue
        fresh[agency.code] = ManifestRow(
            code=agency.code,
            name=agency.name,
            contact=agency.contact,
            email=agency.email,
            file=name,
            sha256=digest,
            note=agency.note,
        )
    rows = [fresh.pop(row.code, row) for row in old]
    return rows + list(fresh.values())


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
