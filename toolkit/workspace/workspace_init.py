"""Starting a workspace and recovering one: `init` (templates issued from the roster, agencies
recorded under the issued templates' own codes; run again with another roster, it adds the new
agencies and keeps every canonical code) and `init --rebuild` (a new ledger from what the folder
holds when the old one was lost: history goes, never a file).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ..core import texts as tx
from ..core.catalogue import UsageError, os_reason
from ..core.outputs import write_atomic
from ..form.contract import identity_for
from ..form.form import Form
from ..form.identity import KEY_FILE, key_note, normalise_code, read_key
from ..inputs.roster import Agency, match_code
from .ledger import LEDGER_FILE, Ledger, now_text
from .workspace import (
    FORM_FILE,
    RECEIVED,
    ROSTERS,
    SETTINGS_FILE,
    TEMPLATES,
    Workspace,
    copy_in,
    file_sha256,
    store_file,
)

__all__ = ["InitResult", "init_workspace", "rebuild_workspace"]


@dataclass(frozen=True, kw_only=True)
class InitResult:
    workspace: Workspace
    created: bool  # a new workspace (False: an existing one took a roster)
    added: tuple[Agency, ...]  # agencies new to the ledger, with templates issued
    matched: tuple[tuple[str, str], ...]  # (roster spelling, canonical code) that differ
    templates: Path
    notes: tuple[str, ...] = ()


def init_workspace(
    root: Path,
    *,
    roster: Path,
    year: int | None,
    district: str | None,
    form: Form,
    form_path: Path | None = None,
    deadline: date | None = None,
    contact: str = "",
    password: str | None = None,
    generated_at: datetime | None = None,
    level: str = tx.DISTRICT_LEVEL,
    issued: Path | None = None,
) -> InitResult:
    """Start a workspace from a roster, or give an existing one a new roster (new agencies get
    templates; known ones keep their canonical code, whatever the roster's spelling).

    `issued` (a folder of templates issued before, or its key file) hands the office's existing
    key to a new workspace: files returned from those templates verify in it."""
    from ..inputs.roster import read_roster_with_notes
    from ..template.generate import generate

    root = Path(root)
    existing = (root / LEDGER_FILE).is_file()
    if not existing:
        if year is None:
            raise UsageError("workspace-init-needs", option="--year")
        if root.exists() and not root.is_dir():
            raise UsageError("out-not-folder", path=root)
        if (root / RECEIVED).is_dir() or (root / SETTINGS_FILE).is_file():
            raise UsageError("workspace-ledger-lost", path=root)
    listed = read_roster_with_notes(roster)  # a bad roster stops before anything is written
    adopted = None
    if issued is not None:
        adopted = read_key(issued)
        if adopted is None:
            raise UsageError("issued-key-missing", path=issued)
        if existing and read_key(root / TEMPLATES) != adopted:
            raise UsageError("workspace-key-differs", path=issued)
    _make_folders(root)
    if adopted is not None and not existing:
        key_file = root / TEMPLATES / KEY_FILE
        note = key_note(adopted, year=year, district=district or "")
        write_atomic(key_file, note.encode("utf-8"), mark=False)
    ledger = Ledger.open(root, create=True)
    workspace = Workspace(root=root, ledger=ledger)
    with ledger.writing("init"):
        if existing:
            if year is not None and year != workspace.year:
                raise UsageError("workspace-year-differs", given=year, kept=workspace.year)
            year = workspace.year
            if district is not None and district != workspace.district:
                raise UsageError(
                    "workspace-district-differs", given=district, kept=workspace.district
                )
            district = workspace.district
            changed = {
                k: v
                for k, v in (
                    ("deadline", deadline.isoformat() if deadline else ""),
                    ("contact", contact),
                )
                if v
            }
            if changed:  # a deadline moved, a new contact: the year's settings follow
                ledger.put_settings(changed)
                _write_settings(root, {**ledger.settings()})
        else:
            assert year is not None
            if form_path is not None:
                _copy_form(Path(form_path), root / FORM_FILE)
            settings = {
                "year": year,
                "district": district or "",
                "deadline": deadline.isoformat() if deadline else "",
                "contact": contact,
                "level": level,
                "form_id": form.id,
                "form_version": form.version,
                "created_at": now_text(),
            }
            ledger.put_settings(settings)
            _write_settings(root, settings)
        copy_in(roster, _unique(root / ROSTERS, Path(roster).name))
        known = {r["code"] for r in ledger.rows("SELECT code FROM agencies")}
        canonical: list[Agency] = []
        matched: list[tuple[str, str]] = []
        for agency in listed.agencies:
            code = match_code(agency.code, frozenset(known)) or normalise_code(agency.code)
            if code != agency.code:
                matched.append((agency.code, code))
            canonical.append(_with_code(agency, code))
        new = [a for a in canonical if a.code not in known]
        result = None
        if new:
            result = generate(
                new,
                year=year,
                out_dir=root / TEMPLATES,
                district=district or "",
                deadline=workspace.deadline,
                contact=workspace.contact,
                password=password,
                generated_at=generated_at or datetime.now().replace(microsecond=0),
                form=form,
            )
        key = workspace.key()
        written = {p.name: p for p in (result.files if result else ())}
        from ..form.contract import file_name

        with ledger.transaction():
            for position, (agency, spelled) in enumerate(
                zip(canonical, listed.agencies, strict=True)
            ):
                template = written.get(file_name(form, agency, year))
                _record_agency(
                    ledger, workspace, form, agency, spelled.code, position, template, key
                )
            if matched:
                ledger.event("roster-matched", detail={"codes": matched})
            ledger.event("roster", detail={"file": Path(roster).name, "agencies": len(canonical)})
    return InitResult(
        workspace=workspace,
        created=not existing,
        added=tuple(new),
        matched=tuple(matched),
        templates=root / TEMPLATES,
        notes=(*listed.notes, *(result.notes if result else ())),
    )


def _record_agency(
    ledger: Ledger,
    workspace: Workspace,
    form: Form,
    agency: Agency,
    spelled: str,
    position: int,
    template: Path | None,
    key: bytes | None,
) -> None:
    # The token the issued template carries (contract.identity_for computes it the same way).
    token = identity_for(form, agency, workspace.year, workspace.district, "", key).token
    row = ledger.db.execute("SELECT code FROM agencies WHERE code = ?", (agency.code,)).fetchone()
    if row is None:
        ledger.db.execute(
            "INSERT INTO agencies (code, name, contact, email, kind, roster_code, position, "
            "template, template_sha256, token, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                agency.code,
                agency.name,
                agency.contact,
                agency.email,
                agency.kind,
                spelled,
                position,
                workspace.relative(template) if template else "",
                file_sha256(template) if template else "",
                token,
                now_text() if template else "",
            ),
        )
        if template is not None:
            ledger.event("issued", agency.code, {"template": template.name})
    else:  # a known agency: the roster may bring a new contact or address, never a new code
        ledger.db.execute(
            "UPDATE agencies SET contact = ?, email = ?, kind = ?, roster_code = ?, position = ? "
            "WHERE code = ?",
            (agency.contact, agency.email, agency.kind, spelled, position, agency.code),
        )


def rebuild_workspace(root: Path, *, form_of: Callable[[Workspace], Form]) -> Workspace:
    """A new ledger from what the folder holds: settings, rosters, issued templates and every
    stored file (whose hash is verified). The old ledger, if any, is kept aside, never deleted."""
    from ..inputs.manifest import read_manifest
    from ..inputs.roster import read_roster

    root = Path(root)
    settings_path = root / SETTINGS_FILE
    try:
        settings = json.loads(settings_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(
            "workspace-settings-missing", path=settings_path, reason=str(exc)
        ) from None
    old = root / LEDGER_FILE
    if old.exists():
        aside = old.with_name(f"{LEDGER_FILE}.{datetime.now():%Y%m%d-%H%M%S}.bak")
        os.replace(old, aside)
        for extra in ("-wal", "-shm"):
            side = old.with_name(LEDGER_FILE + extra)
            if side.exists():
                os.replace(side, aside.with_name(aside.name + extra))
    ledger = Ledger.open(root, create=True)
    workspace = Workspace(root=root, ledger=ledger)
    form = form_of(workspace)
    with ledger.writing("init --rebuild"):
        ledger.put_settings(settings)
        rosters = sorted((root / ROSTERS).glob("*"), key=lambda p: p.stat().st_mtime)
        agencies: list[Agency] = []
        for path in rosters:  # the latest roster's contacts win; codes stay canonical
            try:
                agencies = list(read_roster(path))
            except UsageError:
                continue
        templates = {
            normalise_code(r.code): root / TEMPLATES / r.file
            for r in read_manifest(root / TEMPLATES / "manifest.csv")
        }
        key = workspace.key()
        with ledger.transaction():
            for position, agency in enumerate(agencies):
                code = match_code(agency.code, frozenset(templates)) or normalise_code(agency.code)
                template = templates.get(code)
                _record_agency(
                    ledger,
                    workspace,
                    form,
                    _with_code(agency, code),
                    agency.code,
                    position,
                    template if template and template.is_file() else None,
                    key,
                )
            ledger.event("rebuilt")
        for folder in sorted((root / RECEIVED).glob("*")):
            for path in sorted(folder.glob("*")):
                if path.is_file() and file_sha256(path) == folder.name:
                    store_file(workspace, path, via="rebuild", origin="", original_name=path.name)
    return workspace


def _copy_form(source: Path, target: Path) -> None:
    """The form file and every file beside it that it names (a stated-figures file), so the
    workspace keeps working when the original is moved or edited."""
    import tomllib

    copy_in(source, target)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # it loaded a moment ago; a file that changes meanwhile keeps only itself
    for name in _strings(data):
        sibling = source.parent / name
        if Path(name).name == name and name.endswith(".toml") and sibling.is_file():
            copy_in(sibling, target.parent / name)


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _with_code(agency: Agency, code: str) -> Agency:
    return Agency(
        code=code, name=agency.name, contact=agency.contact, email=agency.email, line=agency.line
    )


def _make_folders(root: Path) -> None:
    try:
        for name in tx.WORKSPACE_FOLDERS:
            (root / name).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError("out-not-writable", path=root, reason=os_reason(exc)) from None


def _write_settings(root: Path, settings: dict[str, object]) -> None:
    from ..core.outputs import write_atomic

    text = json.dumps(settings, ensure_ascii=False, indent=2, default=str)
    write_atomic(root / SETTINGS_FILE, text.encode("utf-8"), mark=False)


def _unique(folder: Path, name: str) -> Path:
    """`name` in `folder`, or name-2, name-3 … when taken (a roster given again is kept too)."""
    from ..core.text import safe_file_name

    stem, suffix = Path(name).stem, Path(name).suffix
    candidate = folder / safe_file_name(stem, suffix)
    count = 2
    while candidate.exists():
        candidate = folder / safe_file_name(f"{stem}-{count}", suffix)
        count += 1
    return candidate
