"""Province-scale benchmark: `check` and `rollup` together on 10,000 generated, filled workbooks
(target: under 30 s on a 2-core machine, peak memory under 1 GiB).

Run with `.venv/bin/python bench/scale.py [--files N] [--producer P]`. The workbooks are distinct
(every agency its own name, code, figures and texts: no parse cache helps across them), made once
by bench/producers.py into bench/.cache/<producer>-N/ and reused. Peak memory is the largest
resident set of this process and of its worker processes (ru_maxrss), as the kernel reports it.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from producers import PRODUCERS
from producers import files as producer_files

from toolkit.form.form_file import standard_form


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--producer", choices=PRODUCERS, default="nianbao")
    args = parser.parse_args()
    files = producer_files(args.producer, args.files)
    from toolkit.rollup.rollup import rollup

    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        cpu = time.process_time()
        result = rollup(
            [files[0].parent], out=Path(scratch) / "rollup.xlsx", year=2025, form=standard_form()
        )
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu
        size = (Path(scratch) / "rollup.xlsx").stat().st_size
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers_cpu = children.ru_utime + children.ru_stime
    print(f"{time.strftime('%Y-%m-%d %H:%M')}  load average before the run {load}"
          f"  cores {len(os.sched_getaffinity(0))}")  # fmt: skip
    print(f"workbooks: {len(files)} saved by {args.producer}, included: {len(result.included)}")
    print(f"check + rollup: {elapsed:.1f} s wall = {len(files) / elapsed:.0f} workbooks/s;"
          f" CPU {cpu:.1f} s here + {workers_cpu:.1f} s in workers")  # fmt: skip
    print(
        f"peak memory: main process {own:.0f} MiB, largest worker {children.ru_maxrss / 1024:.0f} MiB"
    )
    print(f"rollup workbook: {size / 1024 / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
