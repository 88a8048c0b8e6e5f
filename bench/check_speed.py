"""Benchmark: `check` on N generated, filled workbooks against the floor, a single-process loop
that only unzips the XML parts the reader parses (the form's sheets, `_meta`, shared strings), and
`read_workbook` alone, single-process, all in the same run and on the same files (targets: check
within 3x of the floor, about 1,000/s); also a plain python-calamine loop over the same sheets, and
what `rollup` adds to checking them (target: under 2 s for 1,000).

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

from toolkit.check.check import check
from toolkit.form.contract import identity_for
from toolkit.form.fill import Fill
from toolkit.form.form_file import standard_form
from toolkit.form.layout import layout
from toolkit.inputs.roster import Agency
from toolkit.template.workbook import write_workbook

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


def sheet_parts(path: Path) -> list[str]:
    """The parts the reader parses in a workbook of the bench: the form's sheets, `_meta` and the
    shared strings (every file of the bench has the same structure)."""
    import zipfile

    from lxml import etree

    names = {s.name for s in layout(standard_form())} | {"_meta"}
    with zipfile.ZipFile(path) as archive:
        book = etree.fromstring(archive.read("xl/workbook.xml"))
        rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): "xl/" + rel.get("Target") for rel in rels}
    rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    parts = [targets[s.get(rid)] for s in book.iter("{*}sheet") if s.get("name") in names]
    return [*parts, "xl/sharedStrings.xml"]


def _clock() -> tuple[float, float]:
    """Wall time and CPU time (this process and its finished children: the check's workers).
    CPU time hardly moves when other jobs share the machine, so ratios in it are the stable ones."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter(), time.process_time() + children.ru_utime + children.ru_stime


def _since(start: tuple[float, float]) -> tuple[float, float]:
    wall, cpu = _clock()
    return wall - start[0], cpu - start[1]


def floor_loop(files: list[Path], parts: list[str]) -> tuple[float, float]:
    """Only unzip the parts the reader parses: what no reader can go below."""
    import zipfile

    start = _clock()
    for path in files:
        with zipfile.ZipFile(path) as archive:
            for part in parts:
                archive.read(part)
    return _since(start)


def parse_floor_loop(files: list[Path], parts: list[str]) -> tuple[float, float]:
    """Unzip the same parts and build each one's tree with libxml2 (lxml, the reader's parser
    options), with no Python work per element: what no reader that really parses the XML can go
    below."""
    import zipfile

    from toolkit.xlsx.package import parse_whole

    start = _clock()
    for path in files:
        with zipfile.ZipFile(path) as archive:
            for part in parts:
                parse_whole(archive.read(part))
    return _since(start)


def reader_loop(files: list[Path]) -> tuple[float, float]:
    from toolkit.xlsx.read import read_workbook

    form = standard_form()
    start = _clock()
    for path in files:
        read_workbook(path, form)
    return _since(start)


def calamine_loop(files: list[Path]) -> tuple[float, float]:
    from python_calamine import CalamineWorkbook

    names = [s.name for s in layout(standard_form())] + ["_meta"]
    start = _clock()
    for path in files:
        book = CalamineWorkbook.from_path(str(path))
        for name in names:
            book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    return _since(start)


def check_run(files: list[Path]) -> tuple[float, float]:
    start = _clock()
    check(files, year=2025, form=standard_form())
    return _since(start)


def rollup_run(files: list[Path], out: Path) -> tuple[float, float]:
    from toolkit.rollup.rollup import rollup

    start = _clock()
    rollup(files, out=out, year=2025, include_errors=True, form=standard_form())
    return _since(start)


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
    reader_loop(files[:10])
    parts = sheet_parts(files[0])
    runs: dict[str, list[tuple[float, float]]] = {}
    for _ in range(args.repeat):  # interleaved, so that other load hits all of them alike
        runs.setdefault("floor (unzip the parts, 1 process)", []).append(floor_loop(files, parts))
        runs.setdefault("unzip + XML parse, no Python (1 process)", []).append(
            parse_floor_loop(files, parts)
        )
        runs.setdefault("read_workbook alone (1 process)", []).append(reader_loop(files))
        runs.setdefault("calamine loop (values only)", []).append(calamine_loop(files))
        runs.setdefault("nianbao check (all cores)", []).append(check_run(files))
    n = len(files)
    wall = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in runs.items()}
    floor_wall, floor_cpu = next(iter(wall.values())), next(iter(cpu.values()))
    print(f"cores: {os.cpu_count()}  workbooks: {n}  parts unzipped per file: {len(parts)}")
    print(f"{'':42} {'wall ms/file':>12} {'workbooks/s':>11} {'x floor':>7}"
          f" {'CPU ms/file':>12} {'x floor':>7}")  # fmt: skip
    for what in runs:
        print(f"{what:<42} {wall[what] / n * 1000:12.2f} {n / wall[what]:11.0f}"
              f" {wall[what] / floor_wall:7.1f} {cpu[what] / n * 1000:12.2f}"
              f" {cpu[what] / floor_cpu:7.1f}")  # fmt: skip
    ours = wall["nianbao check (all cores)"]
    with tempfile.TemporaryDirectory() as scratch:
        both = statistics.median(
            rollup_run(files, Path(scratch) / "rollup.xlsx")[0] for _ in range(args.repeat)
        )
    print(f"nianbao rollup (check included): {both:.2f} s: rollup adds {both - ours:.2f} s")
    print(f"nianbao --help:            {help_time():.2f} s")


if __name__ == "__main__":
    main()
