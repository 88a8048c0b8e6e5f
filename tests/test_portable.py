"""The calls that differ on Windows (toolkit/core/portable.py). What can be checked on Linux is:
the job object's structures have Windows' x64 layout (a wrong offset would set the wrong limit),
the limits asked for, the liveness check, Windows' error codes in Chinese, and the replace that
waits out a scanner and names a file open in Excel (simulated: os.replace failing as Windows'
does). The ctypes calls themselves run only on Windows."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.core import portable
from toolkit.core.catalogue import UsageError, os_reason, say
from toolkit.core.outputs import write_atomic
from toolkit.core.pool import _why


def test_the_job_structures_have_the_windows_x64_layout() -> None:
    assert ctypes.sizeof(ctypes.c_void_p) == 8  # the wheelhouse is win_amd64 only
    basic, extended = portable._BasicLimits, portable._ExtendedLimits
    assert ctypes.sizeof(basic) == 64
    assert basic.LimitFlags.offset == 16 and basic.Affinity.offset == 48
    assert ctypes.sizeof(extended) == 144
    assert extended.IoInfo.offset == 64 and extended.ProcessMemoryLimit.offset == 112
    assert ctypes.sizeof(portable._MemoryCounters) == 80
    assert portable._MemoryCounters.PrivateUsage.offset == 72


def test_the_job_kills_with_the_parent_quietly_and_caps_memory() -> None:
    info = portable.job_limits(2 * 1024**3)
    flags = info.BasicLimitInformation.LimitFlags
    assert flags == 0x2000 | 0x400 | 0x100  # kill on close, no crash dialog, process memory
    assert info.ProcessMemoryLimit == 2 * 1024**3
    assert portable.job_limits(None).BasicLimitInformation.LimitFlags == 0x2000 | 0x400


def test_off_windows_the_job_does_nothing() -> None:
    job = portable.WorkerJob(256 * 1024**2)
    assert job.handle is None and not job.add(1234)
    job.close()
    assert portable.commit_bytes() == 0
    portable.no_error_dialogs()  # a no-op here


def test_a_pid_is_alive_until_its_process_ends() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert portable.process_alive(child.pid)
    finally:
        child.kill()
        child.wait()
    assert not portable.process_alive(child.pid)
    assert portable.process_alive(1)  # someone else's (init): alive, not ours to judge


def test_windows_errors_are_said_in_chinese() -> None:
    sharing = PermissionError(13, "The process cannot access the file")
    sharing.winerror = 32  # type: ignore[attr-defined]  # what Windows sets on its OSErrors
    assert "Excel" in os_reason(sharing) and "关闭" in os_reason(sharing)
    assert os_reason(PermissionError(13, "denied")) == "没有权限"
    assert _why(0xC0000005) == say("worker-exit", code="0xC0000005")  # an access violation


@pytest.fixture
def windows_replace(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """os.replace as on Windows while another program holds the target: PermissionError until
    the list of failures left is used up (-1: for ever)."""
    failures = [0]
    real = os.replace

    def replace(source: str | Path, target: str | Path) -> None:
        if failures[0] != 0:
            failures[0] -= 1
            raise PermissionError(13, "Access is denied", str(target))
        real(source, target)

    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(portable.os, "replace", replace)
    monkeypatch.setattr(portable.time, "sleep", lambda _: None)
    return failures


def test_a_scanner_s_glance_is_waited_out(tmp_path: Path, windows_replace: list[int]) -> None:
    target = tmp_path / "审核结果.xlsx"
    target.write_bytes(b"old")
    windows_replace[0] = 3
    write_atomic(target, b"new", mark=False)
    assert target.read_bytes() == b"new" and windows_replace[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["审核结果.xlsx"]


def test_a_target_open_in_excel_is_named(tmp_path: Path, windows_replace: list[int]) -> None:
    target = tmp_path / "审核结果.xlsx"
    target.write_bytes(b"old")
    windows_replace[0] = -1
    with pytest.raises(UsageError) as caught:
        write_atomic(target, b"new", mark=False)
    assert caught.value.code == "output-in-use"
    assert "Excel" in str(caught.value) and "审核结果.xlsx" in str(caught.value)
    # The old file is untouched and no temporary file is left beside it.
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["审核结果.xlsx"]
