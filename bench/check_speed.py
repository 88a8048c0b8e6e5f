"""Benchmark: `check` on N generated, filled workbooks against a plain python-calamine loop that
only reads the same sheets of the same files, in the same run (target: within 3x, about 1,000/s),
and what `rollup` adds to checking them (target: under 2 s for 1,000).

Run with `make bench` or `.venv/bin/python bench/check_speed.py [--files N]`. The workbooks are
made once into bench/.cache/ (filled with varied figures, a few with mistakes) and reused.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from toolkit.check import check
from toolkit.form import standard_form
from toolkit.generate import Fill, identity_for, write_workbook
from toolkit.layout import layout
from toolkit.roster import Agency

CACHE = Path(__file__).resolve().parent / ".cache"


def make_files(count: int) -> list[Path]:
    folder = CACHE / f"filled-{count}"
    files = sorted(folder.glob("*.xlsx"))
    if len(files) == count:
        return files
    folder.mkdir(parents=True, exist_ok=True)
    form = standard_form()
    rng = random.Random(count)
    inputs = [c.key for c in form.inputs if c.type == "count"]
    texts = {p: "本年度未收取信息处理费。" for p in form.parts}
    for i in range(count):
        values = {key: rng.choice((0, 0, 0, 1, 2, 5)) for key in inputs}
        agency = Agency(code=f"B{i:05d}", name=f"测试单位{i}")
        write_workbook(
            folder / f"{agency.code}.xlsx",
            form=form,
            identity=identity_for(form, agency, 2025, "基准区", datetime(2025, 12, 1)),
            password="bench",
            fill=Fill(values=values, texts=texts),
        )
    return sorted(folder.glob("*.xlsx"))


def calamine_loop(files: list[Path]) -> float:
    from python_calamine import CalamineWorkbook

    names = [s.name for s in layout(standard_form())] + ["_meta"]
    start = time.perf_counter()
    for path in files:
        book = CalamineWorkbook.from_path(str(path))
        for name in names:
            book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    return time.perf_counter() - start


def check_run(files: list[Path]) -> float:
    start = time.perf_counter()
    check(files, year=2025)
    return time.perf_counter() - start


def rollup_run(files: list[Path], out: Path) -> float:
    from toolkit.rollup import rollup

    start = time.perf_counter()
    rollup(files, out=out, year=2025, include_errors=True)
    return time.perf_counter() - start


def help_time() -> float:
    nianbao = Path(sys.executable).with_name("nianbao")
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([str(nianbao), "--help"], capture_output=True, check=True)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = make_files(args.files)
    check_run(files[:10])  # imports and caches, as any real run pays once
    plain = statistics.median(calamine_loop(files) for _ in range(args.repeat))
    ours = statistics.median(check_run(files) for _ in range(args.repeat))
    print(f"cores: {os.cpu_count()}  workbooks: {len(files)}")
    print(f"calamine loop (read only): {plain:.2f} s = {len(files) / plain:.0f} workbooks/s")
    print(f"nianbao check:             {ours:.2f} s = {len(files) / ours:.0f} workbooks/s"
          f"  ({ours / plain:.1f}x the read-only loop)")  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        both = statistics.median(
            rollup_run(files, Path(scratch) / "rollup.xlsx") for _ in range(args.repeat)
        )
    print(f"nianbao rollup (check included): {both:.2f} s: rollup adds {both - ours:.2f} s")
    print(f"nianbao --help:            {help_time():.2f} s")


if __name__ == "__main__":
    main()
