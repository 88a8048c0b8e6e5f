"""Long work of the workbench (checking hundreds of files, rendering, comparing) as background
jobs: each runs on a thread that calls the library, reports its progress and can be cancelled,
while the pages stay usable.

A job that changes the workspace holds the ledger's writer lock for its whole run, so only one
such job runs at a time: a second one is refused with the first one's name (the page says so),
as a second command is refused on the command line. Cancelling sets a flag that the job's
progress callback turns into `Cancelled` at the next file; the worker pool stops its workers on
the way out, and the ledger records the run as failed, as it records an interrupted command.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..core import texts as tx
from ..core.catalogue import UsageError
from ..form.form import FormError

__all__ = ["Busy", "Cancelled", "Job", "JobBoard"]


class Cancelled(Exception):
    """Raised inside a job (from its progress callback) once the clerk cancelled it."""


class Busy(Exception):
    """Another job that changes the workspace is running."""


@dataclass(eq=False)
class Job:
    """One job as the pages show it; the job's thread updates it, the pages only read it."""

    id: int
    kind: str  # a key of texts.SERVE_JOBS
    state: str = "running"  # a key of texts.SERVE_JOB_STATES
    done: int = 0
    total: int = 0
    lines: list[str] = field(default_factory=list)  # what it did, in the clerk's words
    error: str = ""
    result: dict[str, Any] = field(default_factory=dict)  # what the job's page shows after
    started_at: datetime = field(default_factory=datetime.now)
    finished_at: datetime | None = None
    cancel_requested: threading.Event = field(default_factory=threading.Event)

    @property
    def title(self) -> str:
        return tx.SERVE_JOBS[self.kind]

    @property
    def state_title(self) -> str:
        return tx.SERVE_JOB_STATES[self.state]

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    def progress(self, done: int, total: int) -> None:
        """The library's progress callback: counts, and stops the job once cancelled."""
        self.done, self.total = done, total
        self.stop_if_cancelled()

    def stop_if_cancelled(self) -> None:
        if self.cancel_requested.is_set():
            raise Cancelled

    def say(self, line: str) -> None:
        self.lines.append(line)


class JobBoard:
    """The jobs of this server, newest first; at most one that writes at a time."""

    def __init__(self) -> None:
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def get(self, job_id: int) -> Job | None:
        return self._jobs.get(job_id)

    def all(self) -> list[Job]:
        return sorted(self._jobs.values(), key=lambda j: j.id, reverse=True)

    def writing(self) -> Job | None:
        return next((j for j in self._jobs.values() if j.running), None)

    def start(self, kind: str, work: Callable[[Job], None]) -> Job:
        """Start `work(job)` on a thread; Busy when a job is already running (every job here
        writes to the workspace: its decision at least)."""
        with self._lock:
            running = self.writing()
            if running is not None:
                raise Busy(tx.SERVE_BUSY.format(title=running.title))
            job = Job(id=next(self._ids), kind=kind)
            self._jobs[job.id] = job
        thread = threading.Thread(
            target=_run, args=(job, work), name=f"nianbao-job-{job.id}", daemon=True
        )
        thread.start()
        return job

    def cancel(self, job_id: int) -> None:
        job = self._jobs.get(job_id)
        if job is not None and job.running:
            job.cancel_requested.set()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the running jobs (the server's shutdown and the tests)."""
        for thread in threading.enumerate():
            if thread.name.startswith("nianbao-job-"):
                thread.join(timeout)


def _run(job: Job, work: Callable[[Job], None]) -> None:
    """Run one job to its end; every outcome becomes a state and a Chinese line, never a
    traceback on the page."""
    try:
        work(job)
        job.state = "done"
    except Cancelled:
        job.state = "cancelled"
        job.error = tx.SERVE_CANCELLED
    except (UsageError, FormError) as exc:
        job.state = "failed"
        job.error = str(exc)
    except Exception as exc:  # a bug: the page says so instead of hanging at "running"
        job.state = "failed"
        job.error = tx.SERVE_UNEXPECTED.format(reason=f"{type(exc).__name__}: {exc}")
    finally:
        job.finished_at = datetime.now()
