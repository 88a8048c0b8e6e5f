"""The worker pool as Windows runs it: workers started with multiprocessing's "spawn" (a fresh
interpreter that imports what it needs and receives everything by pickle), not "fork". A real check
of real workbooks, hostile ones included, gives the same report either way, and the bounds on one
file (memory ceiling, timeout, a native abort) still hold."""

from __future__ import annotations

import multiprocessing
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import toolkit.core.pool
from toolkit.check.check import check
from toolkit.core.pool import WorkerDied, run_isolated
from toolkit.form.identity import read_key

from .conftest import FORM, SAMPLES
from .test_hostile import write_corpus
from .test_pool import MiB, abort_on_17, allocate_on_4, hang_on_1

SAMPLE_KEY = read_key(SAMPLES)


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Start the pool's workers with spawn; the start methods the pool asked for, in order."""
    methods: list[str] = []
    real = multiprocessing.get_context

    def get_context(method: str | None = None) -> Any:
        methods.append(str(method))
        return real(method)

    monkeypatch.setattr(toolkit.core.pool, "START_METHOD", "spawn")
    monkeypatch.setattr(toolkit.core.pool.multiprocessing, "get_context", get_context)
    yield methods


@pytest.fixture(scope="module")
def returned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every bundled sample (valid, invalid, saved by LibreOffice in each format, an .et) and the
    hostile corpus: enough files for two workers."""
    folder = tmp_path_factory.mktemp("报回")
    for sample in (SAMPLES / "returned").rglob("*"):
        if sample.is_file() and sample.suffix in (".xlsx", ".xls", ".ods"):
            shutil.copyfile(sample, folder / f"{sample.parent.name}-{sample.name}")
    shutil.copyfile(
        SAMPLES / "returned" / "libreoffice" / "QK005-libreoffice.xls", folder / "WPS.et"
    )
    (folder / "hostile").mkdir()
    write_corpus(folder / "hostile")
    return folder


def _report(folder: Path) -> dict[str, Any]:
    return check([folder], year=2023, district="示范区", key=SAMPLE_KEY, form=FORM).to_dict()


def test_a_real_check_gives_the_same_report_under_spawn(returned: Path, started: list[str]) -> None:
    toolkit.core.pool.START_METHOD = "fork"  # the default on Linux, for the reference run
    forked = _report(returned)
    toolkit.core.pool.START_METHOD = "spawn"
    spawned = _report(returned)
    assert started == ["fork", "spawn"]
    files = forked["files"]
    assert len(files) >= 64  # two workers, as a large batch has
    statuses = {f["status"] for f in files}
    assert {"passed", "failed", "unreadable"} <= statuses  # hostile files among good ones
    assert spawned == forked


def test_the_bounds_on_one_item_hold_under_spawn(started: list[str]) -> None:
    results = run_isolated(allocate_on_4, list(range(6)), workers=2, memory_limit=256 * MiB)
    assert isinstance(results[4], WorkerDied) and "256 MB" in results[4].reason
    assert [r for i, r in enumerate(results) if i != 4] == [0, 1, 2, 3, 5]
    results = run_isolated(hang_on_1, [0, 1, 2], workers=1, timeout=1.0)
    assert isinstance(results[1], WorkerDied) and "处理超时" in results[1].reason
    assert [results[0], results[2]] == [0, 2]
    results = run_isolated(abort_on_17, [16, 17, 18], workers=1)
    assert isinstance(results[1], WorkerDied) and "SIGABRT" in results[1].reason
    assert set(started) == {"spawn"}
