"""Benchmark: workbooks per second, as a district office waits for them, beside the floors in the
same run and on the same files.

For each producer (bench/producers.py: distinct filled workbooks saved by nianbao, openpyxl,
LibreOffice or Gnumeric; no parse cache helps across them), wall time and CPU time of

* the floors, in one process: unzipping the XML parts the reader parses; unzipping them and
  building each one's tree with libxml2 (no Python per element); python-calamine reading every
  one of the form's sheets as values;
* `read_workbook` alone, in one process;
* `check(files)`, the library call, on every core (targets: at least 400 workbooks/s on two free
  cores);
* `nianbao check <folder> --quiet`, the command a clerk runs, interpreter start-up and imports
  included, as installed without the development extras (target: at least 330 workbooks/s);
* `rollup` (check included).

Runs are interleaved, so that other load on the machine hits all of them alike, and the median of
`--repeat` runs is shown. CPU time (this process and its finished workers) hardly moves with other
load; wall time does: the load average before the run is printed with the date. Instruction
counts per workbook, which do not move at all, are in bench/reader_instructions.py.

Run with `make bench` or `.venv/bin/python bench/check_speed.py [--files N] [--producer P ...]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from producers import PRODUCERS
from producers import files as producer_files
from reader_instructions import reader_parts

from toolkit.check.check import check
from toolkit.form.form_file import standard_form
from toolkit.form.layout import layout

Run = Callable[[list[Path]], None]


def _clock() -> tuple[float, float]:
    """Wall time and CPU time (this process and its finished children: the check's workers)."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter(), time.process_time() + children.ru_utime + children.ru_stime


def timed(run: Run, files: list[Path]) -> tuple[float, float]:
    start = _clock()
    run(files)
    wall, cpu = _clock()
    return wall - start[0], cpu - start[1]


def unzip_floor(parts: list[str]) -> Run:
    def run(files: list[Path]) -> None:
        for path in files:
            with zipfile.ZipFile(path) as archive:
                for part in parts:
                    archive.read(part)

    return run


def parse_floor(parts: list[str]) -> Run:
    from toolkit.xlsx.package import parse_whole

    def run(files: list[Path]) -> None:
        for path in files:
            with zipfile.ZipFile(path) as archive:
                for part in parts:
                    parse_whole(archive.read(part))

    return run


def calamine(files: list[Path]) -> None:
    from python_calamine import CalamineWorkbook

    names = [s.name for s in layout(standard_form())] + ["_meta"]
    for path in files:
        book = CalamineWorkbook.from_path(str(path))
        for name in names:
            book.get_sheet_by_name(name).to_python(skip_empty_area=False)


def reader(files: list[Path]) -> None:
    from toolkit.xlsx.read import read_workbook

    form = standard_form()
    for path in files:
        read_workbook(path, form)


def library_check(files: list[Path]) -> None:
    check(files, year=2025, form=standard_form())


def command_check(files: list[Path]) -> None:
    """The command as installed for a clerk. The development environment has hypothesis (a dev
    extra), and pandera imports it when present, and through its plugins pytest and trio: 0.6 to
    0.8 s a run that an installation without the dev extras never pays. A module of that name
    that refuses to import hides it, as if it were not installed."""
    nianbao = Path(sys.executable).with_name("nianbao")
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as hidden:
        Path(hidden, "hypothesis.py").write_text('raise ImportError("a development extra")\n')
        run = subprocess.run(
            [str(nianbao), "check", str(files[0].parent), "--year", "2025", "--quiet"],
            capture_output=True,
            check=False,
            env={**os.environ, "PYTHONPATH": hidden},
        )
    if run.returncode not in (0, 1):
        raise SystemExit(f"nianbao check failed ({run.returncode}): {run.stderr[-500:]!r}")


def rollup_run(files: list[Path]) -> None:
    from toolkit.rollup.rollup import rollup

    with tempfile.TemporaryDirectory() as scratch:
        rollup(
            files, out=Path(scratch) / "rollup.xlsx", year=2025, include_errors=True,
            form=standard_form(),
        )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--producer", action="append", choices=PRODUCERS)
    args = parser.parse_args()
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{time.strftime('%Y-%m-%d %H:%M')}  load average {load}"
          f"  cores {len(os.sched_getaffinity(0))}")  # fmt: skip
    print(f"{'':44} {'wall ms':>8} {'/s':>6} {'CPU ms':>8} {'x parse':>7} {'x calamine':>10}")
    for producer in args.producer or PRODUCERS:
        files = producer_files(producer, args.files)
        parts = reader_parts(files[0])
        runs: dict[str, Run] = {
            "floor: unzip the parts (1 process)": unzip_floor(parts),
            "floor: unzip + libxml2 parse (1 process)": parse_floor(parts),
            "python-calamine, values (1 process)": calamine,
            "read_workbook (1 process)": reader,
            "check, library call (every core)": library_check,
            "nianbao check <folder> --quiet (command)": command_check,
            "rollup, check included (every core)": rollup_run,
        }
        for run in (reader, library_check):  # imports and caches, as any real run pays once
            run(files[:10])
        measured: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
        for _ in range(args.repeat):
            for name, run in runs.items():
                measured[name].append(timed(run, files))
        n = len(files)
        wall = {k: statistics.median(w for w, _ in v) / n * 1000 for k, v in measured.items()}
        cpu = {k: statistics.median(c for _, c in v) / n * 1000 for k, v in measured.items()}
        parse = cpu["floor: unzip + libxml2 parse (1 process)"]
        values = cpu["python-calamine, values (1 process)"]
        print(f"== {producer}: {n} distinct workbooks, {len(parts)} parts each")
        for name in runs:
            print(f"  {name:<42} {wall[name]:8.2f} {1000 / wall[name]:6.0f} {cpu[name]:8.2f}"
                  f" {cpu[name] / parse:7.2f} {cpu[name] / values:10.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
