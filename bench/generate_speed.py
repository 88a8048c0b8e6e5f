"""Benchmark: templates per second for `nianbao generate` (target: at least 100/s on 2 cores).

Run with `make bench` or `.venv/bin/python bench/generate_speed.py [--agencies N] [--repeat R]`.
Reports the median of several runs of the library call the CLI makes, for a roster of N agencies.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from toolkit.form.form_file import standard_form
from toolkit.inputs.roster import Agency
from toolkit.template.generate import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agencies", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    agencies = [Agency(code=f"B{i:05d}", name=f"测试单位{i}") for i in range(args.agencies)]
    timings = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            generate(
                agencies,
                year=2025,
                out_dir=Path(out),
                district="基准区",
                password="bench",
                generated_at=datetime(2025, 12, 1, 9),
                form=standard_form(),
            )
            timings.append(time.perf_counter() - start)
    best, median = min(timings), statistics.median(timings)
    print(f"cores: {os.cpu_count()}  agencies: {args.agencies}  runs: {args.repeat}")
    print(
        f"median {median:.2f} s = {args.agencies / median:.0f} templates/s (best {args.agencies / best:.0f}/s)"
    )


if __name__ == "__main__":
    main()
