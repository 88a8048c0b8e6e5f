"""Who a returned workbook belongs to: normalised agency codes and the token only the office can make.

A template carries, besides the agency code anyone can edit, a keyed hash of form, year, district and
code. The key stays with the issuing office (beside password.txt), so an agency cannot make another
agency's token, and `check` can tell a relabelled file from a real one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from pathlib import Path

from .text import strip_blank

__all__ = [
    "KEY_FILE",
    "agency_token",
    "find_key",
    "new_key",
    "normalise_code",
    "read_key",
]

KEY_FILE = "nianbao-key.txt"
KEY_BYTES = 32


def normalise_code(code: object) -> str:
    """An agency code as compared everywhere: NFKC (full-width letters and digits), no blanks,
    upper case."""
    text = "" if code is None else str(code)
    return strip_blank(unicodedata.normalize("NFKC", text)).upper()


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def read_key(path: Path) -> bytes | None:
    """The key in a key file, or in the KEY_FILE of a folder; None when there is none."""
    path = Path(path)
    if path.is_dir():
        path = path / KEY_FILE
    try:
        if not path.is_file() or path.stat().st_size > 4096:
            return None
        first = path.read_text(encoding="utf-8", errors="replace").splitlines()[0].strip()
        return bytes.fromhex(first) if first else None
    except (OSError, ValueError, IndexError):
        return None


def find_key(issued: Path | None, roster: Path | None) -> bytes | None:
    """The office's key: from --issued (a folder or the key file), else beside the roster."""
    if issued is not None:
        return read_key(issued)
    if roster is not None:
        return read_key(Path(roster).parent)
    return None


def agency_token(
    key: bytes, *, form_id: str, form_version: str, year: str, district: str, agency_code: str
) -> str:
    fields = [
        form_id,
        form_version,
        str(year).strip(),
        district.strip(),
        normalise_code(agency_code),
    ]
    message = "\x1f".join(fields).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]
