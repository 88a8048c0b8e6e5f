"""The limits a worker process of pool.py puts on itself: CPU time per item, address space, no
core files, and a stderr that never reaches the user's terminal (POSIX; on Windows the parent's
job object holds the memory ceiling)."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from typing import Any

__all__ = ["CpuExceeded", "cpu_budget", "limit_memory", "no_core_dumps", "quiet_stderr"]


class CpuExceeded(BaseException):
    """Raised in a worker by SIGXCPU: the item used its CPU time (a BaseException, so that no
    `except Exception` in a reader takes it for a broken file and goes on)."""


if sys.platform == "win32":

    @contextlib.contextmanager
    def cpu_budget(seconds: float | None) -> Any:
        """No RLIMIT_CPU on Windows: the parent's wall-clock timeout is the bound there."""
        yield

else:

    @contextlib.contextmanager
    def cpu_budget(seconds: float | None) -> Any:
        """Allow the item `seconds` of CPU time from now (RLIMIT_CPU counts the whole process, so the
        soft limit is moved for each item). Past it the kernel sends SIGXCPU, raised here as
        `CpuExceeded`. The hard limit is left alone (lowered, it could never be raised again for the
        next item): a worker stuck inside one C call is stopped by the parent's wall-clock timeout."""
        if not seconds:
            yield
            return
        import resource

        used = resource.getrusage(resource.RUSAGE_SELF)
        soft = int(used.ru_utime + used.ru_stime + seconds) + 1
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)

        def exceeded(signum: int, frame: Any) -> None:
            raise CpuExceeded

        previous = signal.signal(signal.SIGXCPU, exceeded)
        try:
            resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
            yield
        finally:
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
            signal.signal(signal.SIGXCPU, previous)


if sys.platform != "win32":

    def no_core_dumps() -> None:
        """A native abort in a worker must not write a core file of the size of the process."""
        import resource

        with contextlib.suppress(ValueError, OSError):
            limit = resource.getrlimit(resource.RLIMIT_CORE)[1]
            resource.setrlimit(resource.RLIMIT_CORE, (0, limit))

    def quiet_stderr() -> None:
        """What a worker would write to stderr never reaches the user's terminal: a library's
        warnings quote the hostile file's bytes, and "Fatal Python error" at the memory ceiling
        is English noise (the parent reports the death in Chinese)."""
        with contextlib.suppress(OSError):
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 2)
            os.close(null)

    def limit_memory(limit: int | None) -> None:
        """Cap the worker's address space at what it has now plus `limit` (this process only)."""
        if limit is None:
            return
        import resource

        try:
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            ceiling = _mapped() + limit
            for bound in (soft, hard):
                if bound != resource.RLIM_INFINITY:
                    ceiling = min(ceiling, bound)
            resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))
        except (ValueError, OSError):
            pass

    def _mapped() -> int:
        """Bytes of address space mapped now (Linux); 0 where it cannot be read."""
        try:
            with open("/proc/self/statm", encoding="ascii") as statm:
                return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            return 0
