"""Drive a real headless LibreOffice from end-to-end tests.

Entry points:

* :func:`convert` re-saves workbooks as xlsx / xls / ods with ``soffice --convert-to``;
* :func:`fill` opens a workbook through python-UNO, optionally changes its structure as a clerk
  would (:func:`unprotect`, :func:`insert_rows`, ... ), writes cells (by workbook-level defined
  name or ``"Sheet!A1"`` reference), recalculates and saves it;
* :func:`fill_many` does the same for several workbooks with one soffice start (about 1 s saved
  per file).

Every soffice process gets its own throw-away user profile whose registry forces a full
recalculation whenever a document is loaded, so stored formula results in the output never
come from stale cached values of the input.  Processes run in their own process group and
are always killed at the end (soffice is a shell script that starts ``oosplash``, which
starts ``soffice.bin``; killing just the first pid would leave the real office running).

python-UNO only exists for the Debian system python (package ``python3-uno``), not for the
project's virtualenv, so :func:`fill` runs ``/usr/bin/python3 tests/lo_uno_fill.py`` as a
subprocess.  ``scripts/ensure-libreoffice.sh`` installs both packages.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from toolkit.core.office import find_soffice

__all__ = [
    "CHUNK_SIZE",
    "SYSTEM_PYTHON",
    "TARGETS",
    "FillJob",
    "LibreOfficeError",
    "Operation",
    "convert",
    "delete_columns",
    "delete_rows",
    "fill",
    "fill_many",
    "insert_columns",
    "insert_rows",
    "is_available",
    "protect",
    "unprotect",
]

SYSTEM_PYTHON = "/usr/bin/python3"
UNO_FILL_SCRIPT = Path(__file__).with_name("lo_uno_fill.py")
CHUNK_SIZE = 100  # files per ``soffice --convert-to`` call

# target -> (file extension, ``--convert-to`` argument, UNO store filter name)
TARGETS: dict[str, tuple[str, str, str]] = {
    "xlsx": ("xlsx", "xlsx:Calc Office Open XML", "Calc Office Open XML"),
    "xls": ("xls", "xls:MS Excel 97", "MS Excel 97"),
    "ods": ("ods", "ods", "calc8"),
}

# Formula/Load recalc modes: 0 = always recalculate, 1 = never, 2 = ask (the default; in
# headless mode "ask" means "never", so cached results of the input would be kept).
_REGISTRY = """\
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""

_SOFFICE_FLAGS = ["--headless", "--invisible", "--norestore", "--nologo", "--nolockcheck"]


class LibreOfficeError(RuntimeError):
    """LibreOffice failed, timed out, or silently skipped a file."""


# A structural change made before the values are typed: {"op": ..., "sheet": ..., ...}, as the
# helpers below build it and tests/lo_uno_fill.py applies it.
Operation = Mapping[str, str | int]


def unprotect(sheet: str, password: str) -> Operation:
    """Tools > Protect Sheet off, with the password (a wrong one fails the fill)."""
    return {"op": "unprotect", "sheet": sheet, "password": password}


def protect(sheet: str, password: str) -> Operation:
    """Protect the sheet again, as a careful clerk does after changing it."""
    return {"op": "protect", "sheet": sheet, "password": password}


def insert_rows(sheet: str, before: int, count: int = 1) -> Operation:
    """Insert ``count`` empty rows before the zero-based row ``before``."""
    return {"op": "insert_rows", "sheet": sheet, "before": before, "count": count}


def delete_rows(sheet: str, first: int, count: int = 1) -> Operation:
    """Delete ``count`` rows starting at the zero-based row ``first``."""
    return {"op": "delete_rows", "sheet": sheet, "first": first, "count": count}


def insert_columns(sheet: str, before: int, count: int = 1) -> Operation:
    """Insert ``count`` empty columns before the zero-based column ``before``."""
    return {"op": "insert_columns", "sheet": sheet, "before": before, "count": count}


def delete_columns(sheet: str, first: int, count: int = 1) -> Operation:
    """Delete ``count`` columns starting at the zero-based column ``first``."""
    return {"op": "delete_columns", "sheet": sheet, "first": first, "count": count}


_OPERATION_KEYS = {
    "unprotect": {"password"},
    "protect": {"password"},
    "insert_rows": {"before", "count"},
    "delete_rows": {"first", "count"},
    "insert_columns": {"before", "count"},
    "delete_columns": {"first", "count"},
}


@dataclass(frozen=True)
class FillJob:
    """One workbook for :func:`fill_many`: ``operations``, then ``values``, then ``afterwards``
    (typically :func:`protect` again)."""

    template: Path
    output: Path
    values: Mapping[str, float | int | str]
    operations: Sequence[Operation] = field(default_factory=tuple)
    afterwards: Sequence[Operation] = field(default_factory=tuple)


@cache
def is_available() -> bool:
    """True when ``soffice`` is found and the system python can ``import uno``."""
    if find_soffice() is None or not Path(SYSTEM_PYTHON).exists():
        return False
    try:
        probe = subprocess.run(
            [SYSTEM_PYTHON, "-c", "import uno"],
            env=_clean_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def convert(
    inputs: list[Path], out_dir: Path, target: str, *, timeout: float = 180.0
) -> list[Path]:
    """Convert ``inputs`` to ``target`` ("xlsx", "xls" or "ods") into ``out_dir``.

    Returns the output paths in input order (``out_dir / f"{stem}.{target}"``); existing files
    there are overwritten.  LibreOffice writes into a fresh scratch directory first, so
    converting a file onto itself (same folder, same format) works — soffice alone fails to
    overwrite its own input yet exits 0, leaving the stale file looking like a result — and an
    output left over from an earlier run can never pass for a new one.  ``timeout`` applies to
    each soffice call (at most :data:`CHUNK_SIZE` files).  Raises :class:`LibreOfficeError`
    naming every input that produced no output (outputs already moved stay in ``out_dir``).
    """
    ext, convert_arg, _ = _target(target)
    sources = [Path(p).resolve() for p in inputs]
    for src in sources:
        if not src.is_file():
            raise FileNotFoundError(src)
    stems = [src.stem for src in sources]
    clashes = sorted({s for s in stems if stems.count(s) > 1})
    if clashes:
        raise ValueError(f"inputs would overwrite each other in {out_dir}: {clashes}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    outputs: list[Path] = []
    for start in range(0, len(sources), CHUNK_SIZE):
        chunk = sources[start : start + CHUNK_SIZE]
        with _profile() as profile, tempfile.TemporaryDirectory(prefix="nb-lo-out-") as scratch:
            cmd = [
                _soffice(),
                _profile_arg(profile),
                *_SOFFICE_FLAGS,
                "--convert-to",
                convert_arg,
                "--outdir",
                scratch,
                *map(str, chunk),
            ]
            result = _run(cmd, timeout)
            missing = []
            for src in chunk:
                produced = Path(scratch) / f"{src.stem}.{ext}"
                if not produced.is_file() or produced.stat().st_size == 0:
                    missing.append(src.name)
                    continue
                dest = out_dir / produced.name
                shutil.move(produced, dest)
                outputs.append(dest)
            if missing:
                raise LibreOfficeError(
                    f"soffice --convert-to {convert_arg} produced no output for "
                    f"{len(missing)} of {len(chunk)} file(s): {missing}"
                    f" (exit code {result.returncode})\n{_tail(result)}"
                )
    return outputs


def fill(
    template: Path,
    output: Path,
    values: Mapping[str, float | int | str],
    target: str = "xlsx",
    *,
    timeout: float = 120.0,
    allow_locked: bool = False,
    operations: Sequence[Operation] = (),
    afterwards: Sequence[Operation] = (),
) -> None:
    """Write ``values`` into a copy of ``template``, recalculate, save as ``output``.

    Keys are workbook-level defined names (``"nb_t3_new_natural"``) or sheet references
    (``"三、依申请公开!D7"``, quotes around the sheet name optional); each must denote one
    cell.  ints/floats are written as numbers, str as text.  ``operations`` (built with
    :func:`unprotect`, :func:`insert_rows`, ...) are applied first, in order; a ``Sheet!A1``
    key then names the cell where it is *after* them, while defined names follow their cells
    as Calc moves them; ``afterwards`` are applied after the values (say, :func:`protect`
    again).  Sheet protection stays as it is otherwise; like a real user, ``fill`` refuses
    locked cells of a protected sheet unless ``allow_locked`` (UNO itself would write them
    regardless), and structure changes on a protected sheet.  ``template`` itself is never
    modified (``output`` may be the same path).  ``timeout`` covers the whole run, soffice
    start-up included.
    """
    fill_many(
        [FillJob(Path(template), Path(output), values, tuple(operations), tuple(afterwards))],
        target,
        timeout=timeout,
        allow_locked=allow_locked,
    )


def fill_many(
    jobs: Sequence[FillJob],
    target: str = "xlsx",
    *,
    timeout: float | None = None,
    allow_locked: bool = False,
) -> None:
    """:func:`fill` for several workbooks with one soffice process, one after the other.

    All or nothing: outputs are moved into place only when every job succeeded; the error names
    the template that failed.  ``timeout`` covers the whole run (default 120 s plus 20 s per
    job).
    """
    _, _, filter_name = _target(target)
    if timeout is None:
        timeout = 120.0 + 20.0 * len(jobs)
    documents: list[dict[str, Any]] = []  # the jobs as lo_uno_fill.py reads them
    outputs: list[Path] = []
    for job in jobs:
        template = Path(job.template).resolve()
        if not template.is_file():
            raise FileNotFoundError(template)
        for key, value in job.values.items():
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise TypeError(f"{key}: unsupported value {value!r} (want int, float or str)")
        documents.append(
            {
                "template": str(template),
                "operations": _operations(job.operations),
                "values": dict(job.values),
                "afterwards": _operations(job.afterwards),
            }
        )
        outputs.append(Path(job.output).resolve())
    if len(set(outputs)) != len(outputs):
        raise ValueError("two jobs write the same output")
    if not jobs:
        return
    deadline = time.monotonic() + timeout
    pipe = f"nianbao-lo-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    names = [Path(d["template"]).name for d in documents]

    with _profile() as profile, tempfile.TemporaryDirectory(prefix="nb-lo-fill-") as scratch:
        job_file = Path(scratch) / "job.json"
        stored = [Path(scratch) / f"out-{i}.{TARGETS[target][0]}" for i in range(len(jobs))]
        job_file.write_text(
            json.dumps(
                {
                    "pipe": pipe,
                    "filter": filter_name,
                    "documents": [
                        d | {"output": str(out)} for d, out in zip(documents, stored, strict=True)
                    ],
                    "connect_timeout": max(1.0, min(60.0, timeout / 2)),
                    "allow_locked": allow_locked,
                },
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        office = _popen(
            [
                _soffice(),
                _profile_arg(profile),
                *_SOFFICE_FLAGS,
                "--nodefault",
                f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
            ]
        )
        try:
            client = _run(
                [SYSTEM_PYTHON, str(UNO_FILL_SCRIPT), str(job_file)],
                max(1.0, deadline - time.monotonic()),
            )
            if client.returncode == 0:
                # The client asked the office to terminate; give it a moment to exit cleanly
                # (on failure the output is discarded anyway, so just kill it).
                _stop(office, grace=max(0.5, min(10.0, deadline - time.monotonic())))
        finally:
            _stop(office, grace=0)
        if client.returncode != 0:
            raise LibreOfficeError(
                f"filling {', '.join(names)} failed (exit code {client.returncode})\n{_tail(client)}"
            )
        empty = [n for n, path in zip(names, stored, strict=True) if not _nonempty(path)]
        if empty:
            raise LibreOfficeError(f"filling {', '.join(empty)} produced no file\n{_tail(client)}")
        for path, output in zip(stored, outputs, strict=True):
            output.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, output)


# --------------------------------------------------------------------------- internals


def _operations(operations: Sequence[Operation]) -> list[dict[str, str | int]]:
    """Validated copies of ``operations``, so a typo fails here and not inside soffice."""
    checked = []
    for operation in operations:
        op = operation.get("op")
        if op not in _OPERATION_KEYS:
            raise ValueError(f"unknown operation {op!r} (want one of {sorted(_OPERATION_KEYS)})")
        wanted = {"op", "sheet"} | _OPERATION_KEYS[str(op)]
        if set(operation) != wanted:
            raise ValueError(f"{op} wants exactly {sorted(wanted)}, not {sorted(operation)}")
        for key in wanted - {"op", "sheet", "password"}:
            value = operation[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < (key == "count"):
                raise ValueError(f"{op}: {key} must be an int >= {int(key == 'count')}")
        checked.append(dict(operation))
    return checked


def _nonempty(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


def _target(target: str) -> tuple[str, str, str]:
    try:
        return TARGETS[target]
    except KeyError:
        raise ValueError(f"target must be one of {sorted(TARGETS)}, not {target!r}") from None


def _soffice() -> str:
    found = find_soffice()  # the finder nianbao's own PDF rendering uses
    if found is None:
        raise LibreOfficeError("soffice not found; run scripts/ensure-libreoffice.sh")
    return found


@contextmanager
def _profile() -> Iterator[Path]:
    """A fresh LibreOffice user profile that recalculates every document on load."""
    with tempfile.TemporaryDirectory(prefix="nb-lo-profile-") as root:
        user = Path(root) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_REGISTRY, encoding="utf-8")
        yield Path(root)


def _profile_arg(profile: Path) -> str:
    return f"-env:UserInstallation={profile.as_uri()}"


def _clean_env() -> dict[str, str]:
    """Environment for soffice and the system python: UTF-8 locale, no venv leakage."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}
        and not k.startswith(("SAL_", "URE_", "UNO_"))
    }
    # Non-UTF-8 locales (plain C in containers) garble non-ASCII file names and sheet names.
    if "UTF-8" not in (env.get("LC_ALL") or env.get("LC_CTYPE") or env.get("LANG") or "").upper():
        env["LC_ALL"] = "C.UTF-8"
    env.setdefault("HOME", tempfile.gettempdir())
    return env


def _popen(cmd: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        cmd,
        env=_clean_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # own process group: lets _stop() reach soffice.bin too
        text=True,
    )


def _run(cmd: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` in its own process group; kill the whole group on timeout."""
    proc = subprocess.Popen(
        cmd,
        env=_clean_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        text=True,
        errors="replace",
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _killpg(proc, signal.SIGKILL)
        out, err = proc.communicate()
        raise LibreOfficeError(
            f"timed out after {timeout:.0f}s: {_short(cmd)}\n"
            + _tail(subprocess.CompletedProcess(cmd, -9, out, err))
        ) from None
    finally:
        _killpg(proc, signal.SIGKILL)  # stragglers, e.g. soffice.bin left behind by oosplash
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _stop(proc: subprocess.Popen[str], grace: float) -> None:
    """Wait up to ``grace`` seconds for ``proc`` to exit, then kill its process group."""
    if grace > 0:
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
    if proc.poll() is None:
        _killpg(proc, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
    _killpg(proc, signal.SIGKILL)
    proc.wait()


def _killpg(proc: subprocess.Popen[str], sig: signal.Signals) -> None:
    # start_new_session=True made proc.pid the id of a process group that holds only the
    # processes we started (soffice's wrapper, oosplash, soffice.bin).
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def _short(cmd: list[str]) -> str:
    shown = " ".join(cmd[:8])
    return shown + (f" … (+{len(cmd) - 8} args)" if len(cmd) > 8 else "")


def _tail(result: subprocess.CompletedProcess[str], limit: int = 4000) -> str:
    text = "\n".join(s.strip() for s in (result.stdout, result.stderr) if s and s.strip())
    return text[-limit:] if text else "(no output)"
