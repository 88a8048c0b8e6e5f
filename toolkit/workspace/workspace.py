"""A workspace: one folder for one year's collection, and its ledger.

```
<DIR>/
  nianbao.db, nianbao.lock    the ledger (ledger.py) and its writer lock
  workspace.json              year, district, deadline, form: what `init --rebuild` starts from
  名单/                        every roster given, as given
  模板/                        the issued templates, manifest.csv, password.txt, nianbao-key.txt
  收到/<sha256>/<原文件名>      every received file, stored once by content hash, never modified
  审核意见/<时间>/              the feedback copies of each check that made any
  邮件/                        the mailbox's collection log (收取记录.csv) and the send log
  输出/                        rollups, rendered reports, comparisons
  form/                       only after `init --form`: that form file and the files it names
```

This module opens one (`open_workspace`, or `find_workspace` from a folder inside it) and fills
its store: `receive` and `store_file` keep each file once, by content, read-only, and record where
each copy came from (a folder, an upload, a mail). Starting and rebuilding one is workspace_init.py;
the decision per agency is workspace_year.py; the year at a glance is workspace_status.py.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..core import texts as tx
from ..core.catalogue import UsageError, os_reason
from ..form.findings import Finding
from ..form.identity import read_key
from ..inputs.roster import Agency
from .ledger import LEDGER_FILE, Ledger, now_text

__all__ = [
    "Received",
    "Workspace",
    "copy_in",
    "file_sha256",
    "find_workspace",
    "open_workspace",
    "receive",
    "store_file",
]

SETTINGS_FILE = "workspace.json"
# A workspace started with --form keeps its own copy of the form (and of the files it names)
FORM_FILE = "form/form.toml"
ROSTERS, TEMPLATES, RECEIVED, FEEDBACK, MAIL, OUTPUT = tx.WORKSPACE_FOLDERS
STORED_NAME_BYTES = 180  # the original name is kept, cut to what every file system takes
READ_CHUNK = 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class Workspace:
    """An open workspace: its folder, ledger and settings."""

    root: Path
    ledger: Ledger

    @property
    def year(self) -> int:
        return int(self.ledger.setting("year", "0"))

    @property
    def district(self) -> str:
        return self.ledger.setting("district")

    @property
    def deadline(self) -> date | None:
        text = self.ledger.setting("deadline")
        return date.fromisoformat(text) if text else None

    @property
    def contact(self) -> str:
        return self.ledger.setting("contact")

    @property
    def level(self) -> str:
        return self.ledger.setting("level", tx.DISTRICT_LEVEL)

    def output(self, name: str) -> Path:
        """Where a command's output goes in the workspace: 输出/<name>."""
        return self.root / OUTPUT / name

    def key(self) -> bytes | None:
        return read_key(self.root / TEMPLATES)

    def password(self) -> str | None:
        from ..inputs.manifest import read_password

        return read_password(self.root / TEMPLATES / "password.txt")

    @property
    def form_file(self) -> Path | None:
        """The workspace's own copy of its form when it was started with --form (None: the
        bundled form); the command line loads it, as it loads any --form."""
        own = self.root / FORM_FILE
        return own if own.is_file() else None

    def agencies(self) -> tuple[Agency, ...]:
        """The roster as the ledger holds it: canonical codes, in roster order."""
        return tuple(
            Agency(
                code=r["code"],
                name=r["name"],
                contact=r["contact"],
                email=r["email"],
                kind=r["kind"],
            )
            for r in self.ledger.rows("SELECT * FROM agencies ORDER BY position, code")
        )

    def stored(self) -> list[Path]:
        """Every received file, by the ledger, oldest receipt first."""
        return [
            self.root / r["stored"]
            for r in self.ledger.rows("SELECT stored FROM files ORDER BY first_received_at, sha256")
        ]

    def relative(self, path: Path) -> str:
        try:
            return Path(path).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)


@dataclass(frozen=True, kw_only=True)
class Received:
    path: Path  # the stored copy
    sha256: str
    original_name: str
    new: bool  # stored by this call (False: the same content was already there)


def find_workspace(start: Path | None = None) -> Path | None:
    """The workspace holding `start` (or the current folder): the nearest folder upwards with a
    ledger."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / LEDGER_FILE).is_file():
            return folder
    return None


def open_workspace(root: Path | None) -> Workspace:
    """The workspace at `root` (or around the current folder); UsageError when there is none."""
    found = find_workspace(root) if root is None else Path(root)
    if found is None:
        raise UsageError("workspace-none", path=Path.cwd())
    if not (found / LEDGER_FILE).is_file():
        if (found / RECEIVED).is_dir() or (found / SETTINGS_FILE).is_file():
            raise UsageError("workspace-ledger-lost", path=found)
        raise UsageError("workspace-no-ledger", path=found)
    return Workspace(root=found, ledger=Ledger.open(found))


def receive(
    workspace: Workspace,
    paths: Sequence[str | Path],
    *,
    via: str,
    origin: str = "",
    sender: str = "",
    names: dict[Path, str] | None = None,
) -> tuple[list[Received], list[Finding]]:
    """Store every file found at `paths` once, by content, and record this receipt. The files
    themselves are only read. Returns what was received and the skip notes of discovery."""
    from ..inputs.discover import collect

    files, skipped = collect(paths)
    received: list[Received] = []
    for path in files:
        original = (names or {}).get(path, path.name)
        received.append(
            store_file(
                workspace,
                path,
                via=via,
                origin=origin or str(path.parent),
                sender=sender,
                original_name=original,
            )
        )
    return received, list(skipped)


def store_file(
    workspace: Workspace,
    path: Path,
    *,
    via: str,
    origin: str,
    sender: str = "",
    original_name: str = "",
) -> Received:
    """One file into the store (written atomically, made read-only) and its receipt into the
    ledger; the same content received again is stored once and gets only a receipt."""
    from ..core.text import safe_file_name
    from ..xlsx.read import LIMITS

    name = original_name or path.name
    digest, size = _hash_bounded(path, LIMITS["file_bytes"])
    suffix = Path(name).suffix.lower() or path.suffix.lower()
    stem = Path(name).stem if Path(name).suffix else name
    safe = safe_file_name(stem, suffix, max_bytes=STORED_NAME_BYTES)
    ledger = workspace.ledger
    row = ledger.db.execute("SELECT stored FROM files WHERE sha256 = ?", (digest,)).fetchone()
    new = row is None
    if new:
        target = workspace.root / RECEIVED / digest / safe
        if not target.is_file() or file_sha256(target) != digest:
            copy_in(path, target, expect=digest)
        stored = workspace.relative(target)
    else:
        stored = row["stored"]
        target = workspace.root / stored
    with ledger.transaction():
        if new:
            ledger.db.execute(
                "INSERT INTO files (sha256, stored, original_name, size, first_received_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (digest, stored, name, size, now_text()),
            )
        same = ledger.db.execute(
            "SELECT id FROM receipts WHERE sha256 = ? AND via = ? AND origin = ?",
            (digest, via, origin),
        ).fetchone()
        if same is None:  # the same folder checked twice is one receipt
            ledger.db.execute(
                "INSERT INTO receipts (sha256, via, origin, original_name, sender, received_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (digest, via, origin, name, sender, now_text()),
            )
            ledger.event("received", detail={"sha256": digest, "name": name, "via": via})
    return Received(path=target, sha256=digest, original_name=name, new=new)


def copy_in(source: Path, target: Path, expect: str | None = None) -> None:
    """Copy a file in atomically (temporary file, then rename) and make it read-only; with
    `expect`, the copy must have that hash (the source changed while read: refused)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".nianbao-", dir=target.parent)
        with os.fdopen(handle, "wb") as out, Path(source).open("rb") as src:
            shutil.copyfileobj(src, out, READ_CHUNK)
            out.flush()
            os.fsync(out.fileno())
        if expect is not None and file_sha256(Path(name)) != expect:
            os.unlink(name)
            raise UsageError("workspace-file-changed", path=source)
        os.chmod(name, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        if target.is_file():  # a damaged copy, read-only: Windows refuses to replace one
            os.chmod(target, stat.S_IRUSR | stat.S_IWUSR)
        os.replace(name, target)
    except OSError as exc:
        raise UsageError("output-failed", path=target, reason=os_reason(exc)) from None


def _hash_bounded(path: Path, limit: int) -> tuple[str, int]:
    """The file's sha256 and size, read in chunks; a file over `limit` is refused (the reader
    would refuse it too, and the store must stay bounded)."""
    digest = hashlib.sha256()
    size = 0
    try:
        with Path(path).open("rb") as handle:
            while chunk := handle.read(READ_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise UsageError("workspace-file-too-large", path=path, limit=limit // 2**20)
                digest.update(chunk)
    except OSError as exc:
        raise UsageError("workspace-file-unreadable", path=path, reason=os_reason(exc)) from None
    return digest.hexdigest(), size


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
