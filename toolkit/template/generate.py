"""The generate command: one locked template per agency into a folder, with manifest.csv,
password.txt and the office key; all or nothing (staging folder, then renames), on every core for a
large roster. One workbook is written by workbook.write_workbook."""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ..core.catalogue import UsageError, os_reason
from ..form.agency_kinds import possible_kinds
from ..form.contract import (
    Identity,
    file_name,
    identity_for,
)
from ..form.form import Form
from ..form.identity import KEY_FILE, key_note, new_key, read_key
from ..inputs.manifest import (
    MANIFEST,
    PASSWORD_FILE,
    manifest_text,
    merge_rows,
    password_note,
    read_manifest,
    read_password,
    refuse_collisions,
)
from ..inputs.roster import Agency
from .workbook import write_workbook

__all__ = ["GenerateResult", "generate"]

PARALLEL_MIN_PER_WORKER = 20  # below this, starting worker processes costs more than it saves


@dataclass(frozen=True, kw_only=True)
class GenerateResult:
    out_dir: Path
    files: tuple[Path, ...]  # templates written by this run
    manifest: Path
    password_file: Path
    password_generated: bool
    kept: tuple[Path, ...] = ()  # templates that were already there and were left alone
    password_reused: bool = False  # the folder's password.txt was used, not replaced
    key_file: Path | None = None
    notes: tuple[str, ...] = ()  # roster notes about the agencies written (no email, …)


def generate(
    agencies: Sequence[Agency],
    *,
    year: int,
    out_dir: Path,
    district: str = "",
    deadline: date | None = None,
    contact: str = "",
    password: str | None = None,
    generated_at: datetime,
    form: Form,
    force: bool = False,
) -> GenerateResult:
    """Write one template per agency into out_dir, with manifest.csv, password.txt and the key.

    A folder that already holds templates is added to: its password, key, manifest rows and
    templates are kept (a template is replaced only with `force`). Either everything new is
    written or nothing: files are built in a staging folder inside out_dir, moved into place only
    when all of them succeeded, and the staging folder is removed on every failure.
    """
    if not form.first_year <= year <= form.last_year:
        raise UsageError(
            "year-range", year=year, first=form.first_year, last=form.last_year, basis=form.basis
        )
    names = [file_name(form, agency, year) for agency in agencies]
    refuse_collisions(agencies, names)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError("out-not-folder", path=out_dir)
    old_password = read_password(out_dir / PASSWORD_FILE)
    if old_password is not None and password is not None and password != old_password:
        raise UsageError("password-mismatch", path=out_dir)
    old_rows = read_manifest(out_dir / MANIFEST)
    key = read_key(out_dir)
    if key is None and (out_dir / KEY_FILE).exists():
        raise UsageError("key-unreadable", path=out_dir / KEY_FILE)
    try:
        present = {p.name.casefold(): p for p in out_dir.iterdir()} if out_dir.is_dir() else {}
    except OSError as exc:
        raise UsageError("out-not-writable", path=out_dir, reason=os_reason(exc)) from exc
    todo: list[tuple[Agency, str]] = []
    kept: list[Path] = []
    for agency, name in zip(agencies, names, strict=True):
        existing = present.get(name.casefold())
        if existing is not None and not force:
            kept.append(existing)
        else:
            todo.append((agency, name))
    password_generated = password is None and old_password is None
    password = old_password or password or secrets.token_urlsafe(9)
    new_files = {PASSWORD_FILE: old_password is None, KEY_FILE: key is None}
    key = key or new_key()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".nianbao-staging-{os.getpid()}-", dir=out_dir))
    except OSError as exc:
        raise UsageError("out-not-writable", path=out_dir, reason=os_reason(exc)) from exc
    try:
        jobs = [
            _Job(
                path=staging / name,
                identity=identity_for(form, agency, year, district, generated_at, key),
                deadline=deadline,
                contact=contact,
                password=password,
                kinds=possible_kinds(form, agency.name, agency.kind),
            )
            for agency, name in todo
        ]
        digests = dict(zip((n for _, n in todo), _run_jobs(form, jobs), strict=True))
        rows = merge_rows(old_rows, agencies, names, digests, out_dir)
        _save_text(staging / MANIFEST, manifest_text(rows), encoding="utf-8-sig")
        _save_text(staging / PASSWORD_FILE, password_note(password, year, district))
        _save_text(staging / KEY_FILE, key_note(key, year=year, district=district))
        # The password and key first: a template in the folder without them could never be
        # checked or re-protected. The manifest last: it lists what is there.
        moving = [name for name, is_new in new_files.items() if is_new]
        moving += [n for _, n in todo] + [MANIFEST]
        for name in moving:
            target = present.get(name.casefold(), out_dir / name)
            os.replace(staging / name, target)
    except OSError as exc:
        raise UsageError("out-not-writable", path=out_dir, reason=os_reason(exc)) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    added = tuple(present.get(n.casefold(), out_dir / n) for _, n in todo)
    notes = tuple(f"{a.code} {a.name}：{a.note}" for a, _ in todo if a.note)
    return GenerateResult(
        out_dir=out_dir,
        files=added,
        kept=tuple(kept),
        manifest=out_dir / MANIFEST,
        password_file=out_dir / PASSWORD_FILE,
        password_generated=password_generated,
        password_reused=old_password is not None,
        key_file=out_dir / KEY_FILE,
        notes=notes,
    )


@dataclass(frozen=True, kw_only=True)
class _Job:
    path: Path
    identity: Identity
    deadline: date | None
    contact: str
    password: str
    kinds: frozenset[str] = frozenset()  # what the agency may be (its 单位类别, else its name)


_worker_form: Form | None = None


def _start_worker(form: Form) -> None:
    global _worker_form
    _worker_form = form


def _run_job(job: _Job, form: Form | None = None) -> str:
    """Write one template and return its sha256 (for the manifest)."""
    form = form or _worker_form
    assert form is not None, "the pool's initializer sets the worker's form"
    write_workbook(
        job.path,
        form=form,
        identity=job.identity,
        deadline=job.deadline,
        contact=job.contact,
        password=job.password,
        kinds=job.kinds,
    )
    return hashlib.sha256(job.path.read_bytes()).hexdigest()


def _run_jobs(form: Form, jobs: list[_Job]) -> list[str]:
    """Templates are independent: a large roster is written on every core, a small one in-process."""
    workers = min(os.cpu_count() or 1, len(jobs) // PARALLEL_MIN_PER_WORKER)
    if workers < 2:
        return [_run_job(job, form) for job in jobs]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(form,)) as pool:
        return list(pool.map(_run_job, jobs, chunksize=max(1, len(jobs) // (workers * 4))))


def _save_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.write_bytes(text.encode(encoding))
    _follow_umask(path)


def _follow_umask(path: Path) -> None:
    """Give a file the permissions an ordinary new file gets here (temporary-file helpers create
    0600 files; the office's folder may be shared)."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)
