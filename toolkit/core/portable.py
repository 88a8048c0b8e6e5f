"""The operating-system calls that differ between POSIX and Windows, each with a path for both:
whether a pid runs, the lock that serialises a folder's marker, an atomic replace, and the job
object of a worker pool (Windows' calls through ctypes).

A worker pool on Linux caps a worker's memory with `setrlimit`, asks the kernel to kill it when
the parent dies (`prctl`) and turns core dumps off. Windows does all three with a job object held
by the parent: a per-process memory ceiling, kill-on-close (the parent's handle closes when the
parent dies, however it dies) and die-on-unhandled-exception (no "Python has stopped working"
dialog that would keep a crashed worker alive until a clerk clicks it away). A pid's liveness is
asked with OpenProcess, never with `os.kill(pid, 0)`, which on Windows *terminates* the process.

On Windows `os.replace` is atomic too (MoveFileEx with REPLACE_EXISTING) but fails while any
program holds either file open, and a folder cannot be locked: see `replace_file`, `folder_lock`.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from .catalogue import UsageError

__all__ = [
    "LOCK_FILE",
    "WorkerJob",
    "commit_bytes",
    "folder_lock",
    "no_error_dialogs",
    "process_alive",
    "replace_file",
]

# Windows only: the file whose lock serialises marker updates (a folder cannot be locked there).
LOCK_FILE = ".nianbao-outputs.lock"
# Windows: a virus scanner or the search indexer opens a new file for a moment; a rename onto it
# (or from it) fails meanwhile with a sharing violation. Tries, 0.1 s apart and growing.
_REPLACE_TRIES = 6

_DWORD = ctypes.c_uint32  # wintypes.DWORD is c_ulong: 8 bytes off Windows, which breaks sizeof
_JOB_LIMIT_PROCESS_MEMORY = 0x100
_JOB_LIMIT_DIE_ON_UNHANDLED_EXCEPTION = 0x400
_JOB_LIMIT_KILL_ON_JOB_CLOSE = 0x2000
_JOB_EXTENDED_LIMIT_INFORMATION = 9  # JobObjectExtendedLimitInformation
_PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
_STILL_ACTIVE = 259
_ERROR_ACCESS_DENIED = 5
# SetErrorMode: no critical-error box, no fault box, no open-file box.
_QUIET_ERRORS = 0x0001 | 0x0002 | 0x8000


class _BasicLimits(ctypes.Structure):  # JOBOBJECT_BASIC_LIMIT_INFORMATION
    _fields_ = [
        ("PerProcessUserTimeLimit", ctypes.c_int64),
        ("PerJobUserTimeLimit", ctypes.c_int64),
        ("LimitFlags", _DWORD),
        ("MinimumWorkingSetSize", ctypes.c_size_t),
        ("MaximumWorkingSetSize", ctypes.c_size_t),
        ("ActiveProcessLimit", _DWORD),
        ("Affinity", ctypes.c_size_t),  # ULONG_PTR
        ("PriorityClass", _DWORD),
        ("SchedulingClass", _DWORD),
    ]


class _IoCounters(ctypes.Structure):  # IO_COUNTERS
    _fields_ = [
        (name, ctypes.c_uint64)
        for name in ("Read", "Write", "Other", "ReadBytes", "WriteBytes", "OtherBytes")
    ]


class _ExtendedLimits(ctypes.Structure):  # JOBOBJECT_EXTENDED_LIMIT_INFORMATION
    _fields_ = [
        ("BasicLimitInformation", _BasicLimits),
        ("IoInfo", _IoCounters),
        ("ProcessMemoryLimit", ctypes.c_size_t),
        ("JobMemoryLimit", ctypes.c_size_t),
        ("PeakProcessMemoryUsed", ctypes.c_size_t),
        ("PeakJobMemoryUsed", ctypes.c_size_t),
    ]


class _MemoryCounters(ctypes.Structure):  # PROCESS_MEMORY_COUNTERS_EX
    _fields_ = [
        ("cb", _DWORD),
        ("PageFaultCount", _DWORD),
        *(
            (name, ctypes.c_size_t)
            for name in (
                "PeakWorkingSetSize",
                "WorkingSetSize",
                "QuotaPeakPagedPoolUsage",
                "QuotaPagedPoolUsage",
                "QuotaPeakNonPagedPoolUsage",
                "QuotaNonPagedPoolUsage",
                "PagefileUsage",
                "PeakPagefileUsage",
                "PrivateUsage",
            )
        ),
    ]


if sys.platform == "win32":

    @cache
    def _kernel32() -> ctypes.CDLL | None:
        """kernel32 with the signatures used here (a HANDLE result must not be cut to an int)."""
        from ctypes import wintypes

        k = ctypes.WinDLL("kernel32", use_last_error=True)
        k.CreateJobObjectW.restype = wintypes.HANDLE
        k.CreateJobObjectW.argtypes = [ctypes.c_void_p, wintypes.LPCWSTR]
        k.SetInformationJobObject.restype = wintypes.BOOL
        k.SetInformationJobObject.argtypes = [
            wintypes.HANDLE,
            ctypes.c_int,
            ctypes.c_void_p,
            _DWORD,
        ]
        k.AssignProcessToJobObject.restype = wintypes.BOOL
        k.AssignProcessToJobObject.argtypes = [wintypes.HANDLE, wintypes.HANDLE]
        k.CloseHandle.restype = wintypes.BOOL
        k.CloseHandle.argtypes = [wintypes.HANDLE]
        k.OpenProcess.restype = wintypes.HANDLE
        k.OpenProcess.argtypes = [_DWORD, wintypes.BOOL, _DWORD]
        k.GetExitCodeProcess.restype = wintypes.BOOL
        k.GetExitCodeProcess.argtypes = [wintypes.HANDLE, ctypes.POINTER(_DWORD)]
        k.GetCurrentProcess.restype = wintypes.HANDLE
        k.K32GetProcessMemoryInfo.restype = wintypes.BOOL
        k.K32GetProcessMemoryInfo.argtypes = [wintypes.HANDLE, ctypes.c_void_p, _DWORD]
        k.SetErrorMode.restype = ctypes.c_uint
        k.SetErrorMode.argtypes = [ctypes.c_uint]
        return k

    def _last_error() -> int:
        return ctypes.get_last_error()

else:

    def _kernel32() -> ctypes.CDLL | None:
        return None

    def _last_error() -> int:
        return 0


def job_limits(memory_limit: int | None) -> _ExtendedLimits:
    """The limits of the workers' job: killed with the parent, no crash dialog, and at most
    `memory_limit` bytes committed by each worker (None: no ceiling)."""
    info = _ExtendedLimits()
    flags = _JOB_LIMIT_KILL_ON_JOB_CLOSE | _JOB_LIMIT_DIE_ON_UNHANDLED_EXCEPTION
    if memory_limit is not None:
        flags |= _JOB_LIMIT_PROCESS_MEMORY
        info.ProcessMemoryLimit = memory_limit
    info.BasicLimitInformation.LimitFlags = flags
    return info


class WorkerJob:
    """The job object a pool puts its workers in (Windows; elsewhere it does nothing). Each
    worker may commit `memory_limit` bytes beyond what this process has committed now (a spawned
    worker imports about what its parent did). Best effort, like setrlimit: where the job cannot
    be made or joined (an old Windows, a parent job that forbids it) the workers run without."""

    def __init__(self, memory_limit: int | None) -> None:
        self.handle: int | None = None
        kernel = self.kernel = _kernel32()
        if kernel is None:
            return
        handle = kernel.CreateJobObjectW(None, None)
        if not handle:
            return
        ceiling = None if memory_limit is None else commit_bytes() + memory_limit
        info = job_limits(ceiling)
        if not kernel.SetInformationJobObject(
            handle, _JOB_EXTENDED_LIMIT_INFORMATION, ctypes.byref(info), ctypes.sizeof(info)
        ):
            kernel.CloseHandle(handle)
            return
        self.handle = handle

    def add(self, process_handle: int) -> bool:
        """Put a worker (its process handle: `Process.sentinel` on Windows) into the job."""
        if self.kernel is None or self.handle is None:
            return False
        return bool(self.kernel.AssignProcessToJobObject(self.handle, process_handle))

    def close(self) -> None:
        """Close the job: any worker still in it is killed."""
        if self.kernel is not None and self.handle is not None:
            self.kernel.CloseHandle(self.handle)
        self.handle = None


def commit_bytes() -> int:
    """Bytes this process has committed (Windows' PrivateUsage); 0 where unknown."""
    kernel = _kernel32()
    if kernel is None:
        return 0
    counters = _MemoryCounters()
    counters.cb = ctypes.sizeof(counters)
    if not kernel.K32GetProcessMemoryInfo(
        kernel.GetCurrentProcess(), ctypes.byref(counters), counters.cb
    ):
        return 0
    return int(counters.PrivateUsage)


def no_error_dialogs() -> None:
    """A crash in this process ends it instead of waiting on a Windows error dialog."""
    kernel = _kernel32()
    if kernel is not None:
        kernel.SetErrorMode(_QUIET_ERRORS)


def process_alive(pid: int) -> bool:
    """Whether a process with this pid runs. Unknown counts as alive: the caller only removes
    what a dead process left."""
    if sys.platform == "win32":  # os.kill(pid, 0) there would terminate the process
        kernel = _kernel32()
        if kernel is None:
            return True
        handle = kernel.OpenProcess(_PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
        if not handle:
            return _last_error() == _ERROR_ACCESS_DENIED  # exists, not ours to ask
        try:
            code = _DWORD()
            if not kernel.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == _STILL_ACTIVE
        finally:
            kernel.CloseHandle(handle)
    else:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except OSError:  # exists, owned by someone else
            return True
        return True


def replace_file(temporary: Path, path: Path) -> None:
    """os.replace; on Windows retried briefly for a scanner's glance, and a target that stays
    open (a clerk has it in Excel or WPS) is a Chinese UsageError saying so."""
    if sys.platform == "win32":
        for attempt in range(_REPLACE_TRIES):
            try:
                os.replace(temporary, path)
                return
            except PermissionError as exc:
                if attempt == _REPLACE_TRIES - 1:
                    if path.exists():
                        raise UsageError("output-in-use", path=path) from exc
                    raise
                time.sleep(0.1 * (attempt + 1))
    else:
        os.replace(temporary, path)


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Held while a folder's marker is merged: flock on the folder itself, or on Windows
    msvcrt.locking on LOCK_FILE beside the marker. Without a lock (a folder that refuses it) a
    lost entry costs a note, not data."""
    if sys.platform == "win32":
        import msvcrt

        try:
            fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_BINARY, 0o666)
        except OSError:
            yield
            return
        try:
            locked = False
            with contextlib.suppress(OSError):  # LK_LOCK retries for about ten seconds
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                locked = True
            try:
                yield
            finally:
                if locked:
                    with contextlib.suppress(OSError):
                        os.lseek(fd, 0, os.SEEK_SET)
                        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        finally:
            os.close(fd)
    else:
        import fcntl

        try:
            fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError:
            yield
            return
        try:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock
