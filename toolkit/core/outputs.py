"""Every file nianbao writes goes through here: atomic, never over an input, never over a device,
with the umask's permissions, marked as nianbao's own, and cleaned up when a run is interrupted.

A write is: a temporary file beside the target (same file system, so the rename is atomic), data,
fsync, permissions, rename. Temporary files and staging folders in progress are kept in a registry;
`main()` turns SIGTERM into an interruption so that `finally` blocks and `cleanup_pending()` remove
them. A killed run (SIGKILL, power loss) leaves names that carry its pid; the next run removes those
of dead processes.

Each folder that receives an output gets a marker file listing the sha256 of what nianbao wrote
there, so that `collect()` never takes a feedback copy or a rollup for an agency's returned report;
a copy that the agency edited and saved has another hash and is read as its report.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from . import texts as tx
from .catalogue import UsageError, os_reason
from .portable import folder_lock, process_alive, replace_file
from .text import cell_text

__all__ = [
    "MARKER",
    "Inputs",
    "Interrupted",
    "cleanup_pending",
    "deferred_marks",
    "install_interrupt_handlers",
    "is_marked_output",
    "mark_output",
    "marked_hashes",
    "pending",
    "refuse_inputs",
    "replace_into",
    "staging_dir",
    "workbook_options",
    "write_atomic",
    "write_text",
]

MARKER = ".nianbao-outputs.json"
MARKER_MAX_BYTES = 4 * 1024 * 1024  # a marker is ours, but the folder may not be: bound the read
MARKER_MAX_ENTRIES = 20_000  # oldest entries go first beyond this
MARKED_MAX_BYTES = 1 << 30  # a rollup of 10,000 agencies is far below; bigger files are not ours
TEMP_PREFIX = ".nianbao-tmp-"
STAGING_PREFIX = ".nianbao-staging-"
_OWN_NAME = re.compile(r"^\.nianbao-(?:tmp|staging)-(\d+)-")

# Temporary files and folders of this process that an interruption must remove.
_PENDING: dict[Path, None] = {}
# Marker entries waiting to be written once per folder (inside `deferred_marks()`), or None.
_DEFERRED: dict[Path, dict[str, str]] | None = None


class Interrupted(KeyboardInterrupt):
    """SIGTERM (or SIGHUP) received: unwinds like Ctrl+C so that every `finally` runs."""


# ------------------------------------------------------------------------------------------------
# Interruption
# ------------------------------------------------------------------------------------------------


def _raise_interrupted(signum: int, frame: Any) -> None:
    raise Interrupted(signum)


def install_interrupt_handlers() -> None:
    """SIGTERM and SIGHUP unwind the main thread like Ctrl+C (SIGINT already does)."""
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            with contextlib.suppress(ValueError, OSError):  # not the main thread: leave it
                signal.signal(number, _raise_interrupted)


@contextlib.contextmanager
def pending(path: Path) -> Iterator[Path]:
    """Register a temporary file or folder for cleanup until the block ends; remove it on failure."""
    path = Path(path)
    _PENDING[path] = None
    try:
        yield path
    except BaseException:
        _remove(path)
        raise
    finally:
        _PENDING.pop(path, None)


def cleanup_pending() -> None:
    """Remove every temporary file and folder still in progress (after an interruption)."""
    for path in reversed(list(_PENDING)):
        _remove(path)
        _PENDING.pop(path, None)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    return pid == os.getpid() or process_alive(pid)


def _remove_stale(folder: Path) -> None:
    """Temporary files and staging folders left by nianbao runs that were killed."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        match = _OWN_NAME.match(entry.name)
        if match and not _alive(int(match.group(1))):
            _remove(Path(entry.path))


@contextlib.contextmanager
def staging_dir(parent: Path) -> Iterator[Path]:
    """A hidden folder beside the targets for a batch of outputs, removed when the block ends
    (whatever is left in it), on failure and on interruption. Stale ones of dead runs go first."""
    parent = Path(parent)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _remove_stale(parent)
        folder = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=parent))
    except OSError as exc:
        raise _failed(parent, exc) from exc
    with pending(folder):
        try:
            yield folder
        finally:
            _remove(folder)


# ------------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------------


def _failed(path: Path, exc: OSError) -> UsageError:
    return UsageError("output-failed", path=path, reason=os_reason(exc))


class Inputs:
    """Files no output may replace, each resolved and identified once: a batch that writes one
    output per input checks each output with one resolve and one stat, not one per input (300
    reports against 300 inputs were 90,000 resolves)."""

    def __init__(self, inputs: Iterable[str | Path]) -> None:
        self.paths: set[Path] = set()
        self.ids: set[tuple[int, int]] = set()
        for source in inputs:
            with contextlib.suppress(OSError, RuntimeError, ValueError):
                self.paths.add(Path(source).resolve())
                info = os.stat(source)
                self.ids.add((info.st_dev, info.st_ino))

    def holds(self, path: Path) -> bool:
        """Whether `path` is one of the inputs: by resolved path, or by identity (a hard link or a
        bind mount is the same file under another name)."""
        try:
            if path.resolve() in self.paths:
                return True
            info = os.stat(path)
        except (OSError, RuntimeError, ValueError):
            return False
        return (info.st_dev, info.st_ino) in self.ids


def refuse_inputs(path: Path, inputs: Iterable[str | Path] | Inputs) -> None:
    """UsageError when `path` is one of the input files (by resolved path or by identity: a hard
    link or a bind mount is the same file under another name)."""
    path = Path(path)
    if (inputs if isinstance(inputs, Inputs) else Inputs(inputs)).holds(path):
        raise UsageError("output-is-input", path=path)


def _refuse_special(path: Path) -> None:
    """Only a regular file (or nothing) may be replaced: never a device, FIFO, socket or folder."""
    try:
        mode = os.stat(path).st_mode  # follows a symlink: what it points at is what would be hit
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _failed(path, exc) from exc
    if not stat.S_ISREG(mode):
        kind = tx.FOLDER if stat.S_ISDIR(mode) else tx.NOT_A_FILE
        raise UsageError("output-not-regular", path=path, kind=kind)


def _umask_mode() -> int:
    mask = os.umask(0)  # the only way to read it; set straight back
    os.umask(mask)
    return 0o666 & ~mask


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(
    path: Path, data: bytes, *, inputs: Iterable[str | Path] | Inputs = (), mark: bool = True
) -> None:
    """Write `data` to `path` so that an interrupted run leaves the old file or none.

    Refuses an input file and a target that is not a regular file; every OS error becomes a
    Chinese UsageError("output-failed"). The output is recorded in the folder's marker.
    """
    path = Path(path)
    refuse_inputs(path, inputs)
    _refuse_special(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale(path.parent)
        handle, name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", dir=path.parent)
    except OSError as exc:
        raise _failed(path, exc) from exc
    with pending(Path(name)) as temporary:
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, _umask_mode())  # mkstemp makes 0600; a new file follows the umask
            replace_file(temporary, path)
        except OSError as exc:
            _remove(temporary)
            raise _failed(path, exc) from exc
        except UsageError:
            _remove(temporary)
            raise
    _fsync_folder(path.parent)
    if mark:
        mark_output(path, hashlib.sha256(data).hexdigest())


def replace_into(
    temporary: Path, path: Path, *, inputs: Iterable[str | Path] | Inputs = (), mark: bool = True
) -> None:
    """Move a finished file (written by a library that wants a path) into place, with the same
    refusals and marking as `write_atomic`. `temporary` must be in the target's folder."""
    path = Path(path)
    refuse_inputs(path, inputs)
    _refuse_special(path)
    try:
        os.chmod(temporary, _umask_mode())
        replace_file(Path(temporary), path)
    except OSError as exc:
        _remove(Path(temporary))
        raise _failed(path, exc) from exc
    except UsageError:
        _remove(Path(temporary))
        raise
    if mark:
        mark_output(path)


# ------------------------------------------------------------------------------------------------
# The marker of nianbao's own outputs
# ------------------------------------------------------------------------------------------------


def marked_hashes(folder: Path) -> dict[str, str]:
    """{sha256: file name} of the outputs nianbao wrote into `folder` ({} when none or unreadable)."""
    marker = Path(folder) / MARKER
    try:
        if not stat.S_ISREG(os.stat(marker).st_mode):
            return {}
        with open(marker, "rb") as handle:
            raw = handle.read(MARKER_MAX_BYTES + 1)
        if len(raw) > MARKER_MAX_BYTES:
            return {}
        loaded = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {k: v for k, v in loaded.items() if isinstance(k, str) and isinstance(v, str)}


def mark_output(path: Path, sha256: str | None = None) -> None:
    """Record `path` (by content) in its folder's marker. Best effort: a marker that cannot be
    written costs a skipped-file note later, never the output itself."""
    path = Path(path)
    try:
        if sha256 is None:
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            sha256 = digest.hexdigest()
        if _DEFERRED is not None:
            waiting = _DEFERRED.setdefault(path.parent, {})
            for stale in [k for k, v in waiting.items() if v == path.name]:
                del waiting[stale]  # written twice in the batch: only the last content is ours
            waiting[sha256] = path.name
            return
        _write_marker(path.parent, {sha256: path.name})
    except OSError:
        return


def _write_marker(folder: Path, new: dict[str, str]) -> None:
    """Merge `new` into the folder's marker. Two runs writing into one folder at once are
    serialised by a lock on the folder itself (flock), or on Windows on a lock file beside the
    marker (msvcrt.locking), so neither run's entries are lost."""
    with folder_lock(folder):
        _merge_marker(folder, new)


def _merge_marker(folder: Path, new: dict[str, str]) -> None:
    try:
        names = set(new.values())
        entries = {k: v for k, v in marked_hashes(folder).items() if v not in names}
        entries.update(new)
        if len(entries) > MARKER_MAX_ENTRIES:
            entries = dict(list(entries.items())[-MARKER_MAX_ENTRIES:])
        text = json.dumps(entries, ensure_ascii=False, indent=0, sort_keys=False)
        write_atomic(folder / MARKER, text.encode("utf-8"), mark=False)
    except (OSError, UsageError):
        return


@contextlib.contextmanager
def deferred_marks() -> Iterator[None]:
    """Within the block, marker entries are collected and each folder's marker is written once at
    the end (also after a failure: the outputs already in place are nianbao's). A batch of
    thousands of feedback copies then costs one marker write, not thousands."""
    global _DEFERRED
    if _DEFERRED is not None:  # nested: the outer block writes
        yield
        return
    _DEFERRED = {}
    try:
        yield
    finally:
        deferred, _DEFERRED = _DEFERRED, None
        for folder, entries in deferred.items():
            _write_marker(folder, entries)


def is_marked_output(path: Path, marked: dict[str, str]) -> bool:
    """True when the file's content is one that nianbao wrote (by sha256 in `marked`)."""
    if not marked:
        return False
    digest = hashlib.sha256()
    try:
        if os.stat(path).st_size > MARKED_MAX_BYTES:
            return False  # larger than anything nianbao writes: not worth reading twice
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return False
    return digest.hexdigest() in marked


# ------------------------------------------------------------------------------------------------
# Workbooks: untrusted text is always text
# ------------------------------------------------------------------------------------------------


def workbook_options(**extra: Any) -> dict[str, Any]:
    """xlsxwriter Workbook options for every workbook nianbao writes: a string is never turned into
    a formula or a link by the writer, whatever it starts with."""
    return {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, **extra}


def write_text(ws: Any, row: int, col: int, text: object, fmt: Any = None) -> None:
    """Write untrusted text (an agency's name, a 说明, a path) as a string cell, never a formula
    or a link, within Excel's cell limit. None becomes an empty string cell."""
    value = "" if text is None else str(text)
    ws.write_string(row, col, cell_text(value), fmt)


# ------------------------------------------------------------------------------------------------
# Workbooks that print: widths and heights estimated from the text
# ------------------------------------------------------------------------------------------------

LINE_POINTS = 13.5  # one line of 10-point 宋体, as Excel and LibreOffice lay it out
MAX_ROW_POINTS = 409  # Excel's limit for a row height
# Column units are widths of "0" in the default 11-point font; our cells use 10 points, measured
# in LibreOffice renderings at about 0.9 of that (a CJK character ~1.8 units, a digit ~0.9).
FONT_SCALE = 0.9


def display_width(text: str) -> int:
    """Width of one line in Excel's column units: CJK and full-width characters count two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def lines_needed(text: object, width: float) -> int:
    """Lines that wrapped text takes in a column `width` units wide (each paragraph at least one)."""
    import math

    usable = max(width - 1.0, 1.0)  # cell padding
    return sum(
        max(1, math.ceil(display_width(part) * FONT_SCALE / usable))
        for part in str(text or "").split("\n")
    )


def row_height(cells: Iterable[tuple[object, float]], *, points: float = LINE_POINTS) -> float:
    """A row height (points) that shows every (text, column width) pair of the row in full."""
    lines = max((lines_needed(text, width) for text, width in cells), default=1)
    return min(MAX_ROW_POINTS, round(lines * points + 3, 1))


def print_setup(ws: Any, *, header_rows: tuple[int, int] | None = None, title: str = "") -> None:
    """A4 landscape, fit to the page width, header rows repeated, page numbers in the footer."""
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    if header_rows is not None:
        ws.repeat_rows(*header_rows)
    if title:
        ws.set_header(f"&C&10{_header_text(title)}")
    ws.set_footer(tx.FOOTER)


def _header_text(text: str) -> str:
    return cell_text(text).replace("&", "&&")[:200]  # & starts a header code; Excel caps at 255
