"""Runs one function over many items in worker processes that are allowed to die.

A returned file can make a parsing library abort natively or allocate without bound; inside a
`concurrent.futures` pool that breaks the pool and ends the whole run with nothing written. Here
every item runs in a real worker process (even a single item, so that a crash never takes down the
caller), under a memory ceiling and a CPU time limit per item where the platform allows them
(a wall-clock timeout alone lets a file burn a core for minutes on a busy machine). Workers report each result as it is
finished, so when one dies the parent knows the exact item it was working on: that item becomes a
`WorkerDied` with the reason in Chinese, the rest of its chunk goes to a fresh worker, and the run
always completes.

An exception raised by `func` is a bug in the caller (whose `func` catches the errors it expects),
not a death: it is re-raised in the parent, with the worker's traceback as its `__cause__`, after
every worker has been stopped.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any, TypeVar, cast

from . import texts as tx
from .catalogue import say
from .pool_limits import CpuExceeded, cpu_budget
from .portable import WorkerJob, no_error_dialogs

if sys.platform != "win32":
    from .pool_limits import limit_memory, no_core_dumps, quiet_stderr

if TYPE_CHECKING:
    if sys.platform == "win32":
        from multiprocessing.connection import PipeConnection
        from multiprocessing.context import SpawnContext

        _Context = SpawnContext
        _Conn = PipeConnection[Any, Any]
    else:
        from multiprocessing.context import ForkContext, SpawnContext

        _Context = ForkContext | SpawnContext
        _Conn = Connection[Any, Any]

__all__ = [
    "DEFAULT_MEMORY_LIMIT",
    "WorkerDied",
    "run_isolated",
]

R = TypeVar("R")

DEFAULT_MEMORY_LIMIT = 2 * 1024**3  # address space a worker may add to what it started with
MAX_CHUNK = 32  # items sent at once; small, so a death re-queues little and workers stay balanced
_STOP_GRACE = 5.0  # seconds a worker gets to exit after being told to stop
_START_FAILURES = 3  # workers dying before they are ready, in a row, before the run gives up
# fork is fast and needs nothing picklable; spawn is what Windows has.
START_METHOD = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"

# Messages from a worker: (kind, index, payload).
_READY, _DONE, _FAILED, _OUT_OF_MEMORY, _START_FAILED, _OUT_OF_TIME = range(6)


@dataclass(frozen=True)
class WorkerDied:
    """The worker processing `items[index]` died (or was stopped) before giving a result."""

    index: int  # position of the item in `items`
    reason: str  # Chinese, for the user


class _RemoteTraceback(Exception):
    """The worker's traceback, attached as `__cause__` of an exception re-raised in the parent."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def run_isolated(
    func: Callable[[Any], R],
    items: Sequence[Any],
    *,
    workers: int,
    initializer: Callable[..., object] | None = None,
    initargs: Iterable[Any] = (),
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
    timeout: float | None = None,
    cpu_limit: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    deliver: Callable[[int, R | WorkerDied], None] | None = None,
) -> list[R | WorkerDied]:
    """`func(item)` for every item, in worker processes; results in item order.

    `func` and `initializer` must be importable top-level functions (Windows has no fork).
    `initializer(*initargs)` runs once in each worker before its first item. `memory_limit` (bytes,
    None for none) caps the address space each worker may map beyond what it had when it started.
    `timeout` (seconds) stops a worker stuck longer on one item; `cpu_limit` (CPU seconds, POSIX
    only) stops an item that has used more CPU time than that, whatever the machine's load. `progress(done, total)` is called
    in the parent after every item. An item whose worker died is a `WorkerDied`; an exception raised
    by `func` is re-raised here once every worker has been stopped. With `deliver`, each result is
    handed to `deliver(index, result)` as it comes, in the order they finish, and not kept (a
    batch of thousands needs no memory for the results already dealt with): the list returned is
    then empty, and an exception raised by `deliver` stops every worker and is re-raised here.
    """
    total = len(items)
    if total == 0:
        return []
    pool = _Pool(
        func,
        items,
        workers=max(1, min(workers, total)),
        initializer=initializer,
        initargs=tuple(initargs),
        memory_limit=memory_limit,
        timeout=timeout,
        cpu_limit=cpu_limit,
        progress=progress,
        deliver=deliver,
    )
    previous = _on_sigterm()
    try:
        return pool.run()
    finally:
        pool.stop_all()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


# ------------------------------------------------------------------------------------------------
# The parent
# ------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Worker:
    process: Any  # multiprocessing.process.BaseProcess
    conn: _Conn
    assigned: deque[int] = field(default_factory=deque)  # sent, not yet answered, in order
    ready: bool = False  # the initializer has run
    started: float = 0.0  # when the item at assigned[0] was begun (as far as the parent knows)


class _Pool:
    def __init__(
        self,
        func: Callable[[Any], Any],
        items: Sequence[Any],
        *,
        workers: int,
        initializer: Callable[..., object] | None,
        initargs: tuple[Any, ...],
        memory_limit: int | None,
        timeout: float | None,
        cpu_limit: float | None,
        progress: Callable[[int, int], None] | None,
        deliver: Callable[[int, Any], None] | None = None,
    ) -> None:
        self.func = func
        self.items = items
        self.size = workers
        self.initializer = initializer
        self.initargs = initargs
        self.memory_limit = memory_limit
        self.timeout = timeout
        self.cpu_limit = cpu_limit
        self.progress = progress
        self.deliver = deliver
        self.total = len(items)
        self.chunk = max(1, min(MAX_CHUNK, self.total // (workers * 4)))
        self.queue: deque[int] = deque(range(self.total))
        self.results: list[Any] = [] if deliver else [None] * self.total
        self.done = 0
        self.workers: list[_Worker] = []
        self.start_failures = 0
        # cast: typeshed types get_context(str) as BaseContext, which has no .Process
        self.context = cast("_Context", multiprocessing.get_context(START_METHOD))
        # Windows: the job that caps each worker's memory and kills the workers with the parent.
        self.job = WorkerJob(memory_limit) if sys.platform == "win32" else None

    def run(self) -> list[Any]:
        while self.done < self.total:
            while len(self.workers) < self.size and self.queue:
                self.start()
            conns = [w.conn for w in self.workers]
            sentinels = [w.process.sentinel for w in self.workers]
            for ready in wait(conns + sentinels, self.wait_time()):
                worker = self.owner(ready)
                if worker is not None:
                    self.receive(worker)
            self.enforce_timeout()
        return self.results

    def start(self) -> None:
        parent_end, child_end = self.context.Pipe(duplex=True)
        fork = self.context.get_start_method() == "fork"
        # A forked child inherits the parent's ends of the other workers' pipes; it closes them so
        # that each pipe has exactly one reader and one writer.
        inherited = [w.conn for w in self.workers] + [parent_end] if fork else []
        process = self.context.Process(
            target=_serve,
            args=(
                child_end,
                inherited,
                self.func,
                self.initializer,
                self.initargs,
                self.memory_limit,
                os.getpid(),
                self.cpu_limit,
            ),
            daemon=True,
        )
        process.start()
        if self.job is not None:
            self.job.add(process.sentinel)  # on Windows the sentinel is the process handle
        child_end.close()
        worker = _Worker(process=process, conn=parent_end, started=time.monotonic())
        self.workers.append(worker)
        self.feed(worker)

    def feed(self, worker: _Worker) -> None:
        """Keep up to two chunks in flight, so a worker never waits for the parent between them."""
        while self.queue and len(worker.assigned) <= self.chunk:
            chunk = [self.queue.popleft() for _ in range(min(self.chunk, len(self.queue)))]
            if not worker.assigned:
                worker.started = time.monotonic()
            worker.assigned.extend(chunk)
            try:
                worker.conn.send([(i, self.items[i]) for i in chunk])
            except (OSError, EOFError):
                return  # it died: its sentinel says so on the next wait

    def owner(self, ready: Any) -> _Worker | None:
        for worker in self.workers:
            if ready is worker.conn or ready == worker.process.sentinel:
                return worker
        return None  # already buried during this round

    def receive(self, worker: _Worker) -> None:
        """Every message the worker has sent; a closed pipe or an ended process means it died."""
        try:
            self.drain(worker)
            if not worker.process.is_alive():
                self.drain(worker)  # what it sent just before it ended
                raise EOFError
        except (EOFError, OSError):
            self.bury(worker, None)
            return
        self.feed(worker)
        if not worker.assigned and not self.queue:
            self.retire(worker)

    def drain(self, worker: _Worker) -> None:
        while worker.conn.poll():
            kind, index, payload = worker.conn.recv()
            self.handle(worker, kind, index, payload)

    def handle(self, worker: _Worker, kind: int, index: int, payload: Any) -> None:
        if kind == _READY:
            worker.ready = True
            self.start_failures = 0
            worker.started = time.monotonic()
            return
        if kind == _START_FAILED:
            raise RuntimeError(f"worker initializer failed:\n{payload}")
        if kind == _FAILED:
            exc, text = payload
            if not isinstance(exc, BaseException):
                exc = RuntimeError(f"{exc} (raised in a worker; not picklable)")
            exc.__cause__ = _RemoteTraceback(text)
            raise exc
        # The worker works through its items in order: the answer is for the oldest one sent.
        if worker.assigned and worker.assigned[0] == index:
            worker.assigned.popleft()
        worker.started = time.monotonic()
        if kind == _OUT_OF_MEMORY:
            self.finish(index, WorkerDied(index, say("worker-memory", limit=_mb(payload))))
        elif kind == _OUT_OF_TIME:
            self.finish(index, WorkerDied(index, say("worker-cpu", seconds=f"{payload:g}")))
        else:
            self.finish(index, payload)

    def finish(self, index: int, result: Any) -> None:
        if self.deliver is not None:
            self.deliver(index, result)
        else:
            self.results[index] = result
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total)

    def bury(self, worker: _Worker, reason: str | None) -> None:
        """A worker died (or was killed with `reason`): blame its current item, re-queue the rest."""
        self.workers.remove(worker)
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join()
        worker.conn.close()
        if not worker.ready and reason is None:
            # It died before its first item (in the initializer or starting up): no item to blame.
            self.start_failures += 1
            if self.start_failures >= _START_FAILURES:
                raise RuntimeError(f"worker processes die on start (exit code {_exit(worker)})")
            self.queue.extendleft(reversed(worker.assigned))
            return
        if worker.assigned:
            culprit = worker.assigned.popleft()
            if reason is None and self.cpu_limit and _cpu_killed(worker.process.exitcode):
                reason = say("worker-cpu", seconds=f"{self.cpu_limit:g}")
            self.finish(culprit, WorkerDied(culprit, reason or _why(worker.process.exitcode)))
            self.queue.extendleft(reversed(worker.assigned))

    def retire(self, worker: _Worker) -> None:
        self.workers.remove(worker)
        with contextlib.suppress(OSError, EOFError):
            worker.conn.send(None)
        worker.process.join(_STOP_GRACE)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.conn.close()

    def wait_time(self) -> float | None:
        if self.timeout is None:
            return None
        busy = [w.started for w in self.workers if w.assigned and w.ready]
        if not busy:
            return self.timeout
        return max(0.0, min(busy) + self.timeout - time.monotonic())

    def enforce_timeout(self) -> None:
        if self.timeout is None:
            return
        now = time.monotonic()
        for worker in list(self.workers):
            if worker.ready and worker.assigned and now - worker.started > self.timeout:
                self.bury(worker, say("worker-timeout", seconds=f"{self.timeout:g}"))

    def stop_all(self) -> None:
        """On any way out (done, an exception, Ctrl-C, SIGTERM): no worker outlives the run."""
        for worker in self.workers:
            if worker.process.is_alive():
                worker.process.kill()
        for worker in self.workers:
            worker.process.join()
            worker.conn.close()
        self.workers.clear()
        if self.job is not None:
            self.job.close()


def _on_sigterm() -> Any:
    """Turn SIGTERM into an exception while the pool runs, so that the workers are stopped on the
    way out; Python's default would end the parent at once and leave them running."""
    if threading.current_thread() is not threading.main_thread():
        return None
    previous = signal.getsignal(signal.SIGTERM)
    if previous is signal.SIG_IGN:
        return None

    def stop(signum: int, frame: Any) -> None:
        if callable(previous):  # the application's own handler decides; it usually raises
            previous(signum, frame)
            return
        raise SystemExit(128 + signum)  # unwinds through run_isolated, which stops the workers

    signal.signal(signal.SIGTERM, stop)
    return previous if previous is not None else signal.SIG_DFL


def _why(exitcode: int | None) -> str:
    if exitcode is not None and exitcode >= 0xC0000000:  # a Windows NTSTATUS (0xC0000005: crash)
        return say("worker-exit", code=f"0x{exitcode:08X}")
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = str(-exitcode)
        if name == "SIGKILL":  # what the kernel's out-of-memory killer sends
            return say("worker-killed")
        return say("worker-signal", signal=name)
    return say("worker-exit", code=exitcode if exitcode is not None else tx.UNKNOWN)


def _cpu_killed(exitcode: int | None) -> bool:
    """The kernel ended the worker with SIGXCPU: past its CPU limit outside our handler."""
    xcpu = getattr(signal, "SIGXCPU", None)
    return exitcode is not None and xcpu is not None and exitcode == -xcpu


def _exit(worker: _Worker) -> str:
    code = worker.process.exitcode
    return "unknown" if code is None else str(code)


def _mb(limit: int | None) -> str:
    return tx.UNSET if not limit else f"{limit // (1024 * 1024)} MB"


# ------------------------------------------------------------------------------------------------
# The worker
# ------------------------------------------------------------------------------------------------


def _serve(
    conn: _Conn,
    inherited: list[_Conn],
    func: Callable[[Any], Any],
    initializer: Callable[..., object] | None,
    initargs: tuple[Any, ...],
    memory_limit: int | None,
    parent: int,
    cpu_limit: float | None = None,
) -> None:
    for other in inherited:
        other.close()
    # Ctrl-C reaches the whole process group: the parent decides, and stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)
    # The parent reports a death in Chinese; a dump of Python or Rust frames on the user's
    # terminal helps nobody (Rust reads RUST_BACKTRACE when it aborts, so this still applies).
    faulthandler.disable()
    os.environ["RUST_BACKTRACE"] = "0"
    if sys.platform == "win32":
        # The parent's job object holds the memory ceiling and ends the worker with the parent.
        no_error_dialogs()
    else:
        no_core_dumps()
        quiet_stderr()
        limit_memory(memory_limit)
    try:
        if initializer is not None:
            initializer(*initargs)
    except BaseException:
        conn.send((_START_FAILED, -1, traceback.format_exc()))
        return
    # What the worker holds now (inherited through fork, imported, prepared by the initializer)
    # lives as long as it does: out of the collector's sight, a collection no longer walks it (nor
    # writes to its pages, which fork shares until written). About a seventh of a check's CPU.
    gc.freeze()
    conn.send((_READY, -1, None))
    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if chunk is None:
            return
        for index, item in chunk:
            try:
                with cpu_budget(cpu_limit):
                    message = (_DONE, index, func(item))
            except CpuExceeded:  # the limit was reached in Python code: stopped cleanly
                message = (_OUT_OF_TIME, index, cpu_limit)
            except MemoryError:  # the ceiling was reached in Python code: the frames are freed now
                message = (_OUT_OF_MEMORY, index, memory_limit)
            except BaseException as exc:
                message = (_FAILED, index, (exc, traceback.format_exc()))
            _send(conn, message)


def _send(conn: _Conn, message: tuple[int, int, Any]) -> None:
    try:
        conn.send(message)
    except (OSError, EOFError):
        os._exit(0)  # the parent is gone
    except Exception as exc:  # the result (or the exception) cannot be pickled
        kind, index, payload = message
        text = payload[1] if kind == _FAILED else traceback.format_exc()
        conn.send((_FAILED, index, (f"{type(exc).__name__}: {exc}", text)))


def _die_with_parent(parent: int) -> None:
    """On Linux, the kernel kills the worker when the parent dies, even by SIGKILL (on Windows
    the parent's job object does it; elsewhere a worker ends when its pipe to the parent does)."""
    if sys.platform == "linux":
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            return
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)
