"""Benchmark: the worker pool's own cost per item (toolkit/core/pool.py), on trivial items and on items
of about 1.5 ms of work (a checked file), against the same work done in one process in the same run.

Run with `.venv/bin/python bench/pool_overhead.py [--items N] [--workers W]`. Target: the pool's
overhead well under 100 µs per item, so that the checker can reach 1,000 files/s on 2 cores.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from toolkit.core.pool import run_isolated


def busy(x: int) -> int:
    """About 1.5 ms of pure-Python work, like checking one returned file."""
    end = time.perf_counter() + 0.0015
    while time.perf_counter() < end:
        pass
    return x


def _median(run: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n, w = args.items, args.workers
    items = list(range(n))
    trivial = _median(lambda: run_isolated(abs, items, workers=w), args.repeat)
    print(
        f"trivial items: {trivial / n * 1e6:.1f} µs per item in the pool ({n} items, {w} workers)"
    )
    few = items[: min(n, 2000)]
    alone = _median(lambda: [busy(x) for x in few], 1)
    pooled = _median(lambda: run_isolated(busy, few, workers=w), args.repeat)
    print(
        f"1.5 ms items: {len(few) / pooled:.0f}/s in the pool, {len(few) / alone:.0f}/s in one "
        f"process; {w} x one process would be {w * len(few) / alone:.0f}/s"
    )


if __name__ == "__main__":
    main()
