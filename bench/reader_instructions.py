"""Benchmark: what reading one returned workbook costs, counted in CPU instructions (valgrind's
callgrind) instead of seconds, so that the numbers do not move with other load on the machine.

Three loops over the same files of the check benchmark (bench/.cache, made by check_speed.py):
only unzip the parts the reader parses (the floor), unzip and build each part's tree with
libxml2 and no Python work per element (what any reader that really parses the XML pays), and
`read_workbook`. Each is run with N files, less a run with none, divided by N, so interpreter
start-up and imports cancel out.

Run with `.venv/bin/python bench/reader_instructions.py [--files N]` (needs valgrind; a few
minutes).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

LOOPS = {
    "unzip": "floor (unzip the parts)",
    "parse": "unzip + XML parse, no Python",
    "read": "read_workbook",
}


def loop(kind: str, count: int) -> None:
    """One loop over the first `count` files of the check benchmark (run under valgrind)."""
    from check_speed import make_files, sheet_parts

    from toolkit.form.form_file import standard_form
    from toolkit.xlsx.package import parse_whole
    from toolkit.xlsx.read import read_workbook

    form = standard_form()
    files = make_files(1000)[:count]
    parts = sheet_parts(make_files(1000)[0])
    for path in files:
        if kind == "read":
            read_workbook(path, form)
            continue
        with zipfile.ZipFile(path) as archive:
            for part in parts:
                data = archive.read(part)
                if kind == "parse":
                    parse_whole(data)


def instructions(kind: str, count: int) -> int:
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
         sys.executable, __file__, "--loop", kind, "--files", str(count)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    found = re.search(r"Collected : (\d+)", run.stderr)
    if found is None:
        raise SystemExit(f"valgrind gave no count: {run.stderr[-500:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--loop", choices=sorted(LOOPS))
    args = parser.parse_args()
    if args.loop:
        loop(args.loop, args.files)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    baseline = instructions("unzip", 0)  # start-up and imports: the same for every loop
    per_file = {kind: (instructions(kind, args.files) - baseline) / args.files for kind in LOOPS}
    floor = per_file["unzip"]
    print(f"workbooks: {args.files}   instructions per workbook (millions), x floor")
    for kind, what in LOOPS.items():
        print(f"{what:<32} {per_file[kind] / 1e6:8.1f} {per_file[kind] / floor:6.1f}")


if __name__ == "__main__":
    main()
