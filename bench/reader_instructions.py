"""Benchmark: what checking one returned workbook costs, in CPU instructions (valgrind's callgrind)
beside CPU milliseconds, with the floors measured in the same run, on distinct files saved by each
of four programs (bench/producers.py).

Instructions do not move with other load on the machine, so the ratios are the stable figures.
Each loop is run under callgrind on two batch sizes and the difference is divided by the
difference in files: interpreter start-up, imports and anything done once per batch cancel, what
is left is the cost of one more workbook. Every process is counted (check's workers are forked).

Loops, each over the same distinct files of one producer:

* `unzip`: only unzip the XML parts the reader parses (the floor of any reader);
* `parse`: unzip them and build each one's tree with libxml2, no Python per element (the floor of
  any reader that really parses the XML);
* `calamine`: python-calamine, every one of the form's sheets as values (a fast reader that sees no
  formulas, protection or validations);
* `read`: `read_workbook`, values and what the XML says beside them;
* `check`: the library call `check(files)`, workers and the frame's validation included;
* `naive`: the naive peer, openpyxl and one pandera validation per file.

Run `.venv/bin/python bench/reader_instructions.py [--producer P ...] [--small 20 --large 60]`
(needs valgrind; about ten minutes for the four producers).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import resource
import shutil
import subprocess
import sys
import time
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from producers import PRODUCERS, files

LOOPS = {
    "unzip": "floor: unzip the parts",
    "parse": "floor: unzip + libxml2 parse",
    "calamine": "python-calamine, values",
    "read": "read_workbook",
    "check": "check (library call)",
    "naive": "naive peer (openpyxl + pandera)",
}
NAIVE_FILES = (2, 6)  # the naive peer costs about a hundred times more: fewer files
CORPUS = 200  # files made per producer; the loops take the first ones


def reader_parts(path: Path) -> list[str]:
    """The XML parts the reader parses in this workbook: the package and workbook relationships,
    the workbook, shared strings, styles, document properties and the form's sheets and `_meta`."""
    import posixpath

    from lxml import etree

    from toolkit.form.form_file import standard_form
    from toolkit.form.layout import layout

    wanted = {s.name for s in layout(standard_form())} | {"_meta"}
    rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    with zipfile.ZipFile(path) as archive:
        names = {n.lower(): n for n in archive.namelist()}
        book = etree.fromstring(archive.read(names["xl/workbook.xml"]))
        rels = etree.fromstring(archive.read(names["xl/_rels/workbook.xml.rels"]))
    targets = {
        r.get("Id"): posixpath.normpath(posixpath.join("xl", r.get("Target") or ""))
        if not (r.get("Target") or "").startswith("/")
        else (r.get("Target") or "").lstrip("/")
        for r in rels
    }
    parts = ["_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"]
    parts += [t for t in targets.values() if t.endswith(("sharedStrings.xml", "styles.xml"))]
    parts += [targets[s.get(rid)] for s in book.iter("{*}sheet") if s.get("name") in wanted]
    parts += ["docProps/core.xml", "docProps/custom.xml"]
    return [names[p.lower()] for p in parts if p.lower() in names]


def loop(kind: str, producer: str, count: int) -> None:
    """One loop over the first `count` files of `producer` (run under valgrind, or timed)."""
    from toolkit.form.form_file import standard_form
    from toolkit.form.layout import layout

    form = standard_form()
    paths = files(producer, CORPUS)[:count]
    if kind == "read":
        from toolkit.xlsx.read import read_workbook

        for path in paths:
            read_workbook(path, form)
    elif kind == "check":
        from toolkit.check.check import check

        if paths:
            check(paths, year=2025, form=form)
    elif kind == "calamine":
        from python_calamine import CalamineWorkbook

        names = [s.name for s in layout(form)] + ["_meta"]
        for path in paths:
            book = CalamineWorkbook.from_path(str(path))
            for name in names:
                book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    elif kind == "naive":
        naive_peer(paths, form)
    else:
        from toolkit.xlsx.package import parse_whole

        parts = reader_parts(files(producer, CORPUS)[0])
        for path in paths:
            with zipfile.ZipFile(path) as archive:
                for part in parts:
                    data = archive.read(part)
                    if kind == "parse":
                        parse_whole(data)


def naive_peer(paths: list[Path], form: object) -> None:
    """What a first attempt does: openpyxl opens each workbook, its cells become a one-row frame,
    and the form's pandera schema validates it, one call per file."""
    import math

    import openpyxl
    import pandas as pd

    from toolkit.check.schema import build_schema, residuals
    from toolkit.form.form import Form
    from toolkit.form.layout import a1, layout

    assert isinstance(form, Form)
    warnings.simplefilter(
        "ignore"
    )  # openpyxl's notes on other programs' styles: not the peer's cost
    for path in paths:
        book = openpyxl.load_workbook(path)
        record: dict[str, object] = {}
        for sheet in layout(form):
            worksheet = book[sheet.name]
            for key, area in sheet.cells.items():
                value = worksheet[a1(area.row, area.col)].value
                if key in form.parts:
                    record[key] = "" if value is None else str(value)
                else:
                    record[key] = float(value) if isinstance(value, int | float) else math.nan
        frame = residuals(form, pd.DataFrame([record]), previous=False)
        with contextlib.suppress(Exception):  # failures are what the peer reports
            build_schema(form, previous=False).validate(frame, lazy=True)


def instructions(kind: str, producer: str, count: int) -> int:
    """Instructions of every process of one loop under callgrind."""
    return callgrind(
        [sys.executable, __file__, "--loop", kind, "--producer", producer, "--files", str(count)]
    )


def callgrind(command: list[str]) -> int:
    """Instructions of a command and every process it starts, counted by callgrind."""
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", "--trace-children=yes",
         *command],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    counts = [int(n) for n in re.findall(r"Collected : (\d+)", run.stderr)]
    if run.returncode != 0 or not counts:
        raise SystemExit(f"valgrind failed ({run.returncode}): {run.stderr[-800:]}")
    return sum(counts)


def timed(kind: str, producer: str, small: int, large: int) -> tuple[float, float]:
    """CPU and wall milliseconds per file of one loop in a fresh process (its workers included)."""
    return slope_times(
        lambda count: [
            sys.executable, __file__, "--loop", kind, "--producer", producer, "--files", str(count)
        ],
        small,
        large,
    )  # fmt: skip


def slope_times(command: Callable[[int], list[str]], small: int, large: int) -> tuple[float, float]:
    """CPU and wall milliseconds per file of `command(count)` run in a fresh process (its workers
    included): the slope between two batch sizes, best of three each, so start-up and imports
    cancel."""

    def run(count: int) -> tuple[float, float]:
        start = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(command(count), check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        return cpu, time.perf_counter() - start

    few = [run(small) for _ in range(3)]
    many = [run(large) for _ in range(3)]
    cpu = (min(c for c, _ in many) - min(c for c, _ in few)) / (large - small)
    wall = (min(w for _, w in many) - min(w for _, w in few)) / (large - small)
    return cpu * 1000, wall * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--producer", action="append", choices=PRODUCERS)
    parser.add_argument("--small", type=int, default=20)
    parser.add_argument("--large", type=int, default=60)
    parser.add_argument(
        "--cpu-files", type=int, default=200, help="files of the larger timed batch"
    )
    parser.add_argument("--only", action="append", choices=sorted(LOOPS))
    parser.add_argument("--loop", choices=sorted(LOOPS))
    parser.add_argument("--files", type=int, default=0)
    args = parser.parse_args()
    if args.loop:
        loop(args.loop, (args.producer or ["nianbao"])[0], args.files)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    kinds = args.only or list(LOOPS)
    print(f"{time.strftime('%Y-%m-%d %H:%M')}  load average {' '.join(f'{x:.1f}' for x in _load())}"
          f"  cores {len(os.sched_getaffinity(0))}")  # fmt: skip
    print("per workbook: M instructions (callgrind slope), x parse floor, x calamine;"
          " CPU ms and wall ms (slope)")  # fmt: skip
    for producer in args.producer or PRODUCERS:
        files(producer, CORPUS)
        per_file: dict[str, float] = {}
        for kind in kinds:
            small, large = NAIVE_FILES if kind == "naive" else (args.small, args.large)
            spent = instructions(kind, producer, large) - instructions(kind, producer, small)
            per_file[kind] = spent / (large - small)
        print(f"== {producer}")
        parse, calamine = per_file.get("parse"), per_file.get("calamine")
        for kind in kinds:
            small, large = (
                NAIVE_FILES if kind == "naive" else (args.small, min(args.cpu_files, CORPUS))
            )
            cpu, wall = timed(kind, producer, small, large)
            print(f"  {LOOPS[kind]:<34} {per_file[kind] / 1e6:8.1f} {_ratio(per_file[kind], parse)}"
                  f" {_ratio(per_file[kind], calamine)} {cpu:8.2f} {wall:8.2f}")  # fmt: skip


def _ratio(value: float, floor: float | None) -> str:
    return f"{value / floor:6.2f}" if floor else "     -"


def _load() -> tuple[float, ...]:
    return os.getloadavg()


if __name__ == "__main__":
    main()
