"""The worker pool: results in order, and a worker that aborts, runs out of memory, hangs or raises
never costs more than its own item, and never leaves a process behind."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from toolkit.core.pool import WorkerDied, run_isolated

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024
_state: dict[str, object] = {}


def _children() -> list[int]:
    """Process ids whose parent is this process (zombies included), from /proc."""
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ")"
        # multiprocessing's own resource tracker (spawn starts one) lives for the session
        mine = int(stat.rpartition(")")[2].split()[1]) == me
        if mine and b"resource_tracker" not in (entry / "cmdline").read_bytes():
            found.append(int(entry.name))
    return found


@pytest.fixture(autouse=True)
def no_leftover_processes() -> object:
    before = set(_children())
    yield
    assert multiprocessing.active_children() == []
    assert set(_children()) - before == set()


def square(x: int) -> int:
    if x % 7 == 0:
        time.sleep(0.002)  # uneven work: answers arrive out of order across workers
    return x * x


def abort_on_17(x: int) -> int:
    if x == 17:
        os.abort()
    return x + 1


def exit_on_3(x: int) -> int:
    if x == 3:
        os._exit(3)
    return x


def kill_self_on_2(x: int) -> int:
    if x == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


def allocate_on_4(x: int) -> int:
    if x == 4:
        return len(bytearray(1024 * MiB))  # past a 256 MiB ceiling
    return x


def hang_on_1(x: float) -> float:
    if x == 1:
        time.sleep(120)
    return x


def fail_on_5(x: int) -> int:
    if x == 5:
        raise ValueError("five is not allowed")
    return x


def unpicklable(x: int) -> object:
    return lambda: x


def pid(_: object) -> int:
    return os.getpid()


def remember(value: str) -> None:
    _state["value"] = value


def recall(x: int) -> str:
    return f"{_state.get('value')}-{x}"


def test_results_come_back_in_item_order() -> None:
    items = list(range(500))
    assert run_isolated(square, items, workers=2) == [x * x for x in items]


def test_delivered_results_are_handed_over_as_they_come_and_not_kept() -> None:
    seen: dict[int, object] = {}
    assert run_isolated(square, list(range(300)), workers=2, deliver=seen.__setitem__) == []
    assert seen == {x: x * x for x in range(300)}


def test_an_error_raised_where_results_are_delivered_stops_every_worker() -> None:
    def refuse(index: int, result: object) -> None:
        if index == 40:
            raise KeyError("the caller could not use it")

    with pytest.raises(KeyError):
        run_isolated(square, list(range(500)), workers=2, deliver=refuse)


def test_spawned_workers_as_on_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where fork does not exist: functions and initializer arguments travel by pickle."""
    import toolkit.core.pool

    monkeypatch.setattr(toolkit.core.pool, "START_METHOD", "spawn")
    results = run_isolated(
        recall, [1, 2, 17], workers=2, initializer=remember, initargs=("s",), memory_limit=None
    )
    assert results == ["s-1", "s-2", "s-17"]
    died = run_isolated(abort_on_17, [16, 17, 18], workers=1)
    assert died[0] == 17 and died[2] == 19 and isinstance(died[1], WorkerDied)


def test_nothing_to_do_starts_nothing() -> None:
    assert run_isolated(square, [], workers=2) == []


def test_even_one_item_runs_in_another_process() -> None:
    (worker,) = run_isolated(pid, ["x"], workers=4)
    assert worker != os.getpid()


def test_an_abort_costs_exactly_its_own_item() -> None:
    results = run_isolated(abort_on_17, list(range(50)), workers=2)
    died = [r for r in results if isinstance(r, WorkerDied)]
    assert died == [WorkerDied(17, died[0].reason)]
    assert "SIGABRT" in died[0].reason and "异常退出" in died[0].reason
    assert [r for i, r in enumerate(results) if i != 17] == [x + 1 for x in range(50) if x != 17]


def test_an_exit_and_a_kill_are_named() -> None:
    results = run_isolated(exit_on_3, list(range(10)), workers=1)
    assert isinstance(results[3], WorkerDied) and "退出码 3" in results[3].reason
    assert results[:3] + results[4:] == [0, 1, 2, 4, 5, 6, 7, 8, 9]
    results = run_isolated(kill_self_on_2, list(range(6)), workers=1)
    assert isinstance(results[2], WorkerDied) and "SIGKILL" in results[2].reason
    assert "内存" in results[2].reason  # what the kernel's out-of-memory killer looks like


def test_the_memory_ceiling_stops_one_item() -> None:
    results = run_isolated(allocate_on_4, list(range(8)), workers=2, memory_limit=256 * MiB)
    assert isinstance(results[4], WorkerDied)
    assert "内存超出上限" in results[4].reason and "256 MB" in results[4].reason
    assert [r for i, r in enumerate(results) if i != 4] == [0, 1, 2, 3, 5, 6, 7]


def test_the_ceiling_is_the_workers_own() -> None:
    import resource

    before = resource.getrlimit(resource.RLIMIT_AS)
    run_isolated(square, [1, 2], workers=1, memory_limit=256 * MiB)
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    # and without a ceiling the same allocation succeeds
    assert run_isolated(allocate_on_4, [4], workers=1, memory_limit=None) == [1024 * MiB]


def test_a_stuck_item_times_out() -> None:
    started = time.monotonic()
    results = run_isolated(hang_on_1, [0, 1, 2, 3], workers=1, timeout=1.0)
    assert time.monotonic() - started < 10
    assert isinstance(results[1], WorkerDied) and "处理超时" in results[1].reason
    assert [results[0], results[2], results[3]] == [0, 2, 3]


def test_an_exception_is_raised_in_the_caller_with_the_workers_traceback() -> None:
    with pytest.raises(ValueError, match="five is not allowed") as caught:
        run_isolated(fail_on_5, list(range(40)), workers=2)
    assert "fail_on_5" in str(caught.value.__cause__)


def test_an_unpicklable_result_is_an_error_not_a_hang() -> None:
    with pytest.raises(RuntimeError, match="not picklable"):
        run_isolated(unpicklable, [1, 2], workers=1)


def test_the_initializer_runs_in_each_worker() -> None:
    results = run_isolated(recall, [1, 2, 3], workers=2, initializer=remember, initargs=("v",))
    assert results == ["v-1", "v-2", "v-3"]
    assert "value" not in _state  # it ran there, not here


def test_progress_is_reported_for_every_item() -> None:
    seen: list[tuple[int, int]] = []
    run_isolated(abort_on_17, list(range(30)), workers=2, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(n, 30) for n in range(1, 31)]


def test_ctrl_c_in_the_caller_stops_every_worker() -> None:
    def interrupt(done: int, total: int) -> None:
        if done == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_isolated(square, list(range(2000)), workers=2, progress=interrupt)


def test_ten_thousand_trivial_items_cost_little() -> None:
    """The checker targets 1,000 files/s; the pool's own share must be small (bench/pool.py
    measures it; this only catches a gross regression on a loaded machine)."""
    started = time.perf_counter()
    results = run_isolated(abs, list(range(10_000)), workers=2)
    per_item = (time.perf_counter() - started) / 10_000
    assert results[-1] == 9_999
    assert per_item < 500e-6, f"{per_item * 1e6:.0f} µs per item"


_SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from toolkit.core.pool import run_isolated

    def slow(x):
        Path(sys.argv[1], str(os.getpid())).touch()
        time.sleep(60)
        return x

    if __name__ == "__main__":
        run_isolated(slow, list(range(8)), workers=2)
    """
)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL, signal.SIGINT])
def test_a_stopped_caller_leaves_no_orphans(how: signal.Signals, tmp_path: Path) -> None:
    """SIGTERM and Ctrl-C unwind the caller, which stops its workers; after a SIGKILL of the caller
    the kernel stops them (Linux's parent-death signal)."""
    script = tmp_path / "run.py"
    script.write_text(_SCRIPT, encoding="utf-8")
    pids = tmp_path / "pids"
    pids.mkdir()
    caller = subprocess.Popen(
        [sys.executable, str(script), str(pids)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stderr=subprocess.PIPE,
        preexec_fn=_as_from_a_terminal,
    )
    deadline = time.monotonic() + 30
    while len(list(pids.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = [int(p.name) for p in pids.iterdir()]
    assert len(workers) == 2
    caller.send_signal(how)
    _, stderr = caller.communicate(timeout=30)
    assert caller.returncode != 0
    assert b"Traceback" not in stderr or how == signal.SIGINT  # Python reports a bare Ctrl-C
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in workers)


def _as_from_a_terminal() -> None:
    """The caller starts with Ctrl-C live, as from a terminal: a shell running the tests in the
    background (`make test &`, CI wrappers) leaves SIGINT ignored, and an ignored SIGINT is
    inherited, so the caller would never see the Ctrl-C this test sends."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie is dead; its parent (init, here) reaps it


def test_a_file_that_kills_its_worker_is_unreadable_and_the_batch_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the checker: a native abort while reading one file (as a parsing library does on
    a hostile file) makes that file `unreadable` with the reason; the others are checked."""
    import shutil

    from typer.testing import CliRunner

    import toolkit.check.inspection
    from toolkit.check.check import check
    from toolkit.cli.cli import app

    from .conftest import FORM, SAMPLES

    base = next((SAMPLES / "returned").glob("QK005-*.xlsx"))
    for name in ("甲.xlsx", "致命.xlsx", "乙.xlsx"):
        shutil.copy(base, tmp_path / name)
    real = toolkit.check.inspection.read_workbook

    def fatal(path: Path, form: object) -> object:
        if path.name == "致命.xlsx":
            os.abort()
        return real(path, form)  # type: ignore[arg-type]

    monkeypatch.setattr(
        toolkit.check.inspection, "read_workbook", fatal
    )  # workers are forked: they see it
    report = check([tmp_path], year=2023, form=FORM)
    statuses = {Path(r.path).name: r.status for r in report.files}
    assert statuses == {"甲.xlsx": "passed", "致命.xlsx": "unreadable", "乙.xlsx": "passed"}
    (died,) = [r for r in report.files if r.status == "unreadable"]
    assert [f.code for f in died.findings] == ["unreadable"]
    assert "SIGABRT" in died.findings[0].message and died.sha256 == report.files[0].sha256
    result = CliRunner().invoke(app, ["check", str(tmp_path), "--year", "2023"], terminal_width=200)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "致命.xlsx" in result.output and "异常退出" in result.output
