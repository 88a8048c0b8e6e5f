"""Which files a run reads: paths named, folders searched, glob patterns expanded (here, so that
Windows cmd works too), minus lock files, hidden files, nianbao's own outputs and anything that is
not a regular file. Used by check, rollup and `check --previous`."""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from pathlib import Path

from ..core import texts as tx
from ..core.catalogue import UsageError, say
from ..core.texts import Severity
from ..form.findings import Finding

__all__ = ["SUFFIXES", "collect"]


SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".ods")  # .et: WPS 表格 (read as .xls or .xlsx)


def collect(
    paths: Sequence[str | Path],
    *,
    own_outputs: bool = False,
    suffixes: Sequence[str] = SUFFIXES,
    none_found: str = "no-files",
) -> tuple[list[Path], list[Finding]]:
    """Files named, found in folders (recursively) or matched by glob patterns (expanded here, so
    that Windows cmd works too). Lock files, hidden files, nianbao's own outputs (by the folder's
    marker, unless `own_outputs`) and anything that is not a regular file are skipped with a note.

    Only regular files are ever opened: a device, FIFO or socket (or a symlink to one) named
    explicitly stops the run in Chinese (exit 2); found in a folder, it gets a note. A file named
    explicitly is read even when nianbao wrote it (the user asked for it, e.g. last year's rollup).
    Folders are searched for `suffixes`; `none_found` is the message when nothing is left.
    """
    from ..core.outputs import is_marked_output, marked_hashes
    from ..core.text import inert

    found: list[Path] = []
    skipped: list[Finding] = []
    markers: dict[Path, dict[str, str]] = {}
    for raw in paths:
        text = str(raw)
        path = Path(text)
        named = False
        if path.is_dir():
            root = path
            candidates = sorted(p for p in path.rglob("*") if p.suffix.lower() in suffixes)
        elif os.path.lexists(path):
            kind = _special_kind(path)
            if kind:
                raise UsageError("input-not-regular", path=inert(text), kind=kind)
            root, candidates, named = path.parent, [path], True
        elif glob.has_magic(text):
            root = _fixed_prefix(text)  # hidden-ness is judged below the pattern's fixed folder
            candidates = sorted(Path(p) for p in glob.glob(text, recursive=True))
        else:
            raise UsageError("path-missing", path=inert(text))
        for candidate in candidates:
            if candidate.is_dir():
                continue
            reason = _skip_reason(candidate, root)
            if not reason and not named and not own_outputs:
                folder = candidate.parent
                if folder not in markers:
                    markers[folder] = marked_hashes(folder)
                if is_marked_output(candidate, markers[folder]):
                    reason = say("skip-own-output")
            if reason:
                skipped.append(_note(candidate, reason))
            else:
                found.append(candidate)
    unique: dict[str, Path] = {}
    for path in found:
        unique.setdefault(os.path.normcase(os.path.abspath(path)), path)
    if not unique:
        raise UsageError(none_found, paths="、".join(inert(p) for p in paths))
    return list(unique.values()), skipped


def _special_kind(path: Path) -> str:
    """What a path is when it is not a regular file (following symlinks), or ""."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError:
        return tx.BROKEN_LINK
    if stat.S_ISREG(mode):
        return ""
    if stat.S_ISDIR(mode):
        return tx.FOLDER
    if stat.S_ISFIFO(mode):
        return tx.PIPE
    if stat.S_ISSOCK(mode):
        return tx.SOCKET
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return tx.DEVICE
    return tx.SPECIAL_FILE


def _fixed_prefix(pattern: str) -> Path:
    parts = Path(pattern).parts
    fixed = [p for p in parts[: next(i for i, p in enumerate(parts) if glob.has_magic(p))]]
    return Path(*fixed) if fixed else Path()


def _skip_reason(path: Path, root: Path) -> str:
    """Lock files always; hidden files and folders only below the folder the user named; anything
    that is not a regular file (it is never opened: a FIFO would block, a device never ends)."""
    if path.name.startswith("~$"):
        return tx.LOCK_FILE
    try:
        below = path.relative_to(root).parts
    except ValueError:
        below = (path.name,)
    if any(part.startswith(".") for part in below):
        return tx.HIDDEN_FILE
    kind = _special_kind(path)
    if kind:
        return say("skip-not-regular", kind=kind)
    return ""


def _note(path: Path, reason: str) -> Finding:
    return Finding(
        code="skipped-file",
        severity=Severity.INFO,
        message=say("skipped-file", file=path, reason=reason),
        file=str(path),
    )
