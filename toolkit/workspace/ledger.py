"""The workspace's ledger: one SQLite file (standard library `sqlite3`) that remembers the year.

What must outlive a command lives here, never re-derived differently by two commands: the agencies
and their canonical codes, every file received (by content hash) and where it came from, each
file's check result, which file counts for each agency and by which rule, the feedback copies made
and what they were made from, the explanations accepted, the mail outbox and the mailbox position.

The schema is versioned (`PRAGMA user_version`) and migrated forward step by step; the database
runs in WAL mode, so `status` reads while a command writes. One writer at a time: a command that
changes the workspace holds an exclusive lock on a separate lock database for its whole run (the
operating system releases it when the process dies, so a killed run never leaves the workspace
locked); a second writer is refused at once with the first one's command and start time.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..core.catalogue import UsageError

__all__ = [
    "LEDGER_FILE",
    "LOCK_FILE",
    "SCHEMA_VERSION",
    "Ledger",
    "Run",
    "now_text",
]

LEDGER_FILE = "nianbao.db"
LOCK_FILE = "nianbao.lock"
BUSY_TIMEOUT = 10.0  # seconds a reader or a short write waits for the writer's commit

# Each step takes the schema from version N to N + 1; a step is never edited once released (an
# office's ledger may be at any version), only new steps are added.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE agencies (
        code TEXT PRIMARY KEY,          -- canonical: the issued template's _meta code
        name TEXT NOT NULL,
        contact TEXT NOT NULL DEFAULT '',
        email TEXT NOT NULL DEFAULT '',
        roster_code TEXT NOT NULL DEFAULT '',  -- as the roster spells it (a hint, never the key)
        position INTEGER NOT NULL DEFAULT 0,   -- order in the roster
        template TEXT NOT NULL DEFAULT '',     -- path of the issued template, workspace-relative
        template_sha256 TEXT NOT NULL DEFAULT '',
        token TEXT NOT NULL DEFAULT '',
        issued_at TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE files (
        sha256 TEXT PRIMARY KEY,
        stored TEXT NOT NULL,                  -- workspace-relative path of the stored copy
        original_name TEXT NOT NULL,
        size INTEGER NOT NULL,
        first_received_at TEXT NOT NULL,
        agency_code TEXT NOT NULL DEFAULT '',
        agency_name TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL DEFAULT '',
        source_sha256 TEXT NOT NULL DEFAULT '',
        saved_at TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT '',       -- '' until checked; passed, warnings, failed, unreadable
        errors INTEGER NOT NULL DEFAULT 0,
        warnings INTEGER NOT NULL DEFAULT 0,
        checked_at TEXT NOT NULL DEFAULT '',
        needs_action INTEGER NOT NULL DEFAULT 0, -- the agency must correct or explain
        findings TEXT NOT NULL DEFAULT '[]'    -- the check's findings as JSON
    );
    CREATE TABLE receipts (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL REFERENCES files(sha256),
        via TEXT NOT NULL,                     -- folder, upload, mail, rebuild
        origin TEXT NOT NULL DEFAULT '',       -- the folder path, or the mail's Message-ID
        original_name TEXT NOT NULL DEFAULT '',
        sender TEXT NOT NULL DEFAULT '',
        received_at TEXT NOT NULL
    );
    CREATE INDEX receipts_by_file ON receipts(sha256);
    CREATE TABLE decisions (
        agency_code TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL DEFAULT '',       -- the file that counts ('' none: missing, conflict)
        state TEXT NOT NULL,                   -- a DecisionState value
        rule TEXT NOT NULL DEFAULT '',         -- a DecisionRule value
        reason TEXT NOT NULL DEFAULT '',       -- the rule in words, for the clerk
        decided_at TEXT NOT NULL
    );
    CREATE TABLE choices (                     -- the office's own decision, over the automatic one
        agency_code TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL,
        chosen_at TEXT NOT NULL
    );
    CREATE TABLE feedback (
        sha256 TEXT PRIMARY KEY,               -- the copy
        source_sha256 TEXT NOT NULL,           -- the received file it was made from
        agency_code TEXT NOT NULL,
        workbook TEXT NOT NULL DEFAULT '',
        email TEXT NOT NULL DEFAULT '',
        made_at TEXT NOT NULL
    );
    CREATE TABLE explanations (
        sha256 TEXT NOT NULL,
        agency_code TEXT NOT NULL,
        rule TEXT NOT NULL,
        explanation TEXT NOT NULL,
        accepted_at TEXT NOT NULL,
        PRIMARY KEY (sha256, rule)
    );
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        digest TEXT NOT NULL UNIQUE,           -- kind, agency and what is attached: never twice
        kind TEXT NOT NULL,
        agency_code TEXT NOT NULL,
        address TEXT NOT NULL DEFAULT '',
        message TEXT NOT NULL,                 -- the Outgoing as JSON, attachments apart
        state TEXT NOT NULL,                   -- queued, sent, failed
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT '',
        message_id TEXT NOT NULL DEFAULT '',
        queued_at TEXT NOT NULL,
        sent_at TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE outbox_attachments (
        outbox INTEGER NOT NULL REFERENCES outbox(id),
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (outbox, position)
    );
    CREATE TABLE mail_answers (                -- the mail a received file came in, to answer it
        sha256 TEXT NOT NULL,
        message_id TEXT NOT NULL,
        sender TEXT NOT NULL,
        answered INTEGER NOT NULL DEFAULT 0,   -- an answer was queued for it
        PRIMARY KEY (sha256, message_id)
    );
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        run INTEGER,
        agency_code TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX events_by_agency ON events(agency_code, kind);
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        command TEXT NOT NULL,
        pid INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL DEFAULT '',
        outcome TEXT NOT NULL DEFAULT ''       -- '' while running; done, failed, interrupted
    );
    """,
    # 2 (issue 25): the roster's 单位类别, which says which rules are for an agency.
    """
    ALTER TABLE agencies ADD COLUMN kind TEXT NOT NULL DEFAULT '';
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def now_text() -> str:
    return datetime.now().replace(microsecond=0).isoformat()


@dataclass(frozen=True, kw_only=True)
class Run:
    id: int
    command: str
    pid: int
    started_at: str
    finished_at: str = ""
    outcome: str = ""


class Ledger:
    """The open ledger of one workspace. Reading needs nothing; changing needs `writing()`."""

    def __init__(self, folder: Path, connection: sqlite3.Connection) -> None:
        self.folder = folder
        self.db = connection
        self.run: int | None = None

    # --- opening --------------------------------------------------------------------------
    @classmethod
    def open(cls, folder: Path, *, create: bool = False) -> Ledger:
        """The ledger in `folder`, migrated to the current schema; `create` makes a new one."""
        path = Path(folder) / LEDGER_FILE
        if not create and not path.is_file():
            raise UsageError("workspace-no-ledger", path=folder)
        try:
            connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA foreign_keys=ON")
            ledger = cls(Path(folder), connection)
            ledger._migrate()
        except sqlite3.DatabaseError as exc:
            raise UsageError("workspace-ledger-broken", path=path, reason=str(exc)) from None
        return ledger

    def close(self) -> None:
        self.db.close()

    def _migrate(self) -> None:
        version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise UsageError("workspace-ledger-newer", version=version, known=SCHEMA_VERSION)
        for step in range(version, SCHEMA_VERSION):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(MIGRATIONS[step]):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {step + 1}")
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    @property
    def version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    # --- one writer at a time -------------------------------------------------------------
    @contextmanager
    def writing(self, command: str) -> Iterator[int]:
        """Hold the workspace's writer lock for a command's whole run, recorded in `runs`.

        A second writer is refused at once (UsageError "workspace-busy", naming the first). The
        lock is a transaction on a lock database: a killed process loses it with its file handles.
        """
        lock = sqlite3.connect(self.folder / LOCK_FILE, timeout=0, isolation_level=None)
        try:
            lock.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError:
            lock.close()
            holder = self.running()
            raise UsageError(
                "workspace-busy",
                path=self.folder,
                command=holder.command if holder else "",
                since=holder.started_at if holder else "",
                pid=holder.pid if holder else "",
            ) from None
        try:
            with self.transaction():  # runs left open by a killed process: it was interrupted
                self.db.execute(
                    "UPDATE runs SET outcome = 'interrupted', finished_at = ? WHERE outcome = ''",
                    (now_text(),),
                )
                cursor = self.db.execute(
                    "INSERT INTO runs (command, pid, started_at) VALUES (?, ?, ?)",
                    (command, os.getpid(), now_text()),
                )
            run = int(cursor.lastrowid or 0)
            self.run = run
            outcome = "failed"
            try:
                yield run
                outcome = "done"
            except KeyboardInterrupt:
                outcome = "interrupted"
                raise
            finally:
                with self.transaction():
                    self.db.execute(
                        "UPDATE runs SET outcome = ?, finished_at = ? WHERE id = ?",
                        (outcome, now_text(), run),
                    )
                self.run = None
        finally:
            lock.execute("ROLLBACK")
            lock.close()

    def running(self) -> Run | None:
        row = self.db.execute(
            "SELECT * FROM runs WHERE outcome = '' ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return Run(**dict(row)) if row else None

    def runs(self) -> list[Run]:
        return [Run(**dict(r)) for r in self.db.execute("SELECT * FROM runs ORDER BY id")]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic change: all of it is committed, or none (an interruption rolls it back)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- small helpers --------------------------------------------------------------------
    def setting(self, key: str, default: str = "") -> str:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else default

    def settings(self) -> dict[str, str]:
        return {r["key"]: r["value"] for r in self.db.execute("SELECT key, value FROM settings")}

    def put_settings(self, values: Mapping[str, object]) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [(k, "" if v is None else str(v)) for k, v in values.items()],
            )

    def event(
        self, kind: str, agency_code: str = "", detail: Mapping[str, Any] | None = None
    ) -> None:
        """A line of history (inside the caller's transaction when there is one)."""
        self.db.execute(
            "INSERT INTO events (at, run, agency_code, kind, detail) VALUES (?, ?, ?, ?, ?)",
            (
                now_text(),
                self.run,
                agency_code,
                kind,
                json.dumps(dict(detail or {}), ensure_ascii=False, sort_keys=True),
            ),
        )

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        return list(self.db.execute(sql, params))


def _statements(script: str) -> list[str]:
    """A migration's statements, split where `sqlite3.complete_statement` says one ends (so a step
    runs inside one transaction; `executescript` would commit first)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return [s for s in statements if s]
