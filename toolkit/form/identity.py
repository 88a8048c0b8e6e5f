"""The issuing office's key and the agency token: an identity that a returned file cannot borrow.

Every template carries, besides the editable `_meta` fields, a token that only the office can
compute: an HMAC of form, year, district and agency code under a random key kept beside
password.txt. A file relabelled with another agency's code keeps the old token, which then no
longer matches; `check` and `rollup` verify it when they can find the key (`--issued`, or beside
the roster). Without the key the identity is unverifiable, never assumed good.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from pathlib import Path

from ..core import texts as tx
from ..core.text import strip_blank

__all__ = [
    "KEY_BYTES",
    "KEY_FILE",
    "TOKEN_LENGTH",
    "agency_token",
    "find_key",
    "key_note",
    "new_key",
    "normalise_code",
    "read_key",
]

KEY_FILE = "nianbao-key.txt"
KEY_BYTES = 32
TOKEN_LENGTH = 32  # hex characters: 128 bits, far beyond guessing, short enough to read
_KEY_FILE_LIMIT = 64 * 1024  # a key file is a few hundred bytes; never read a large file whole
_KEY_LINE = "key:"


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def key_note(key: bytes, *, year: object = "", district: str = "") -> str:
    """The key file's text: the key on a marked line and, around it, what it is for (Chinese)."""
    return f"{_KEY_LINE}{key.hex()}\r\n\r\n" + tx.KEY_NOTE.format(district=district, year=year)


def read_key(path: Path) -> bytes | None:
    """The key in a key file, or in KEY_FILE inside a folder; None when absent or unreadable."""
    path = Path(path)
    if path.is_dir():
        path = path / KEY_FILE
    try:
        if not path.is_file():
            return None
        with path.open("rb") as handle:
            data = handle.read(_KEY_FILE_LIMIT)
    except OSError:
        return None
    text = data.decode("utf-8", "replace")
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(_KEY_LINE):
            try:
                key = bytes.fromhex(line[len(_KEY_LINE) :].strip())
            except ValueError:
                return None
            return key if len(key) >= 16 else None
    return None


def find_key(issued: Path | None, roster: Path | None) -> bytes | None:
    """The office's key: from `--issued` (a folder or the key file) first, else beside the roster,
    else None (the identity of returned files cannot be verified)."""
    if issued is not None:
        return read_key(issued)
    if roster is not None:
        return read_key(Path(roster).parent)
    return None


def normalise_code(code: str) -> str:
    """An agency code as compared everywhere: NFKC (full-width letters and digits become ASCII),
    every blank character removed (trailing spaces, zero-width spaces), upper case."""
    return strip_blank(unicodedata.normalize("NFKC", str(code))).upper()


def _field(value: object) -> str:
    return strip_blank(unicodedata.normalize("NFKC", str(value)))


def agency_token(
    key: bytes,
    *,
    form_id: str,
    form_version: str,
    year: object,
    district: str,
    agency_code: str,
) -> str:
    """HMAC-SHA256 over the normalised fields, as 32 hex characters.

    Fields are joined with a separator that normalisation removes from them (US), so no two
    different field tuples give the same message.
    """
    fields = [_field(form_id), _field(form_version), _field(year), _field(district)]
    fields.append(normalise_code(agency_code))
    message = "\x1f".join(field.replace("\x1f", "") for field in fields).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:TOKEN_LENGTH]
