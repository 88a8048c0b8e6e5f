"""Province-scale benchmark: `nianbao import` through the command on 10,000 distinct published
pages (target: under 5 minutes on a 2-core machine, memory bounded whatever the number of pages).

The pages are the samples rendered once by the library and varied as bytes, each with its own
agency name, sentences and figures (bench/published_variants.py), made once into
bench/.cache/variants/html/ and reused. The command runs in a fresh process with its output to a
temporary folder; reported: wall time, CPU time of the command and its workers
(RUSAGE_CHILDREN), the largest resident set of any one of those processes (ru_maxrss, as the
kernel reports it) and the largest sum of resident sets of the whole process tree, sampled
every half second from /proc (Linux).

Run `.venv/bin/python bench/import_scale.py [--files N]`. Never run as a test.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from published_variants import variants

ROOT = Path(__file__).resolve().parent.parent


def tree_rss(root: int) -> int:
    """Resident bytes of `root` and every process descending from it, from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * page
        except (OSError, ValueError, IndexError):
            continue  # ended while being read
    total, wanted = 0, {root}
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in wanted and pid not in wanted:
                wanted.add(pid)
                changed = True
    for pid in wanted:
        total += rss.get(pid, 0)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10_000)
    args = parser.parse_args()
    started = time.perf_counter()
    pages = variants(".html", args.files)
    made = time.perf_counter() - started
    folder = pages[0].parent
    if len(list(folder.glob("*.html"))) != args.files:
        # the command takes a folder: one holding exactly these pages
        folder = folder.parent / f"html-{args.files}"
        folder.mkdir(exist_ok=True)
        for page in pages:
            link = folder / page.name
            if not link.exists():
                os.link(page, link)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{time.strftime('%Y-%m-%d %H:%M')}  load average {load}"
          f"  cores {len(os.sched_getaffinity(0))}  pages {args.files}"
          f" (made or found in {made:.0f} s)")  # fmt: skip
    with tempfile.TemporaryDirectory() as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        with open(Path(out) / "log.txt", "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "toolkit", "import", str(folder), "--out",
                 str(Path(out) / "books"), "--year", "2023", "--json", str(Path(out) / "log.json")],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            peak = [0]

            def sample() -> None:
                while process.poll() is None:
                    peak[0] = max(peak[0], tree_rss(process.pid))
                    time.sleep(0.5)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            code = process.wait()
            sampler.join()
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        books = len(list((Path(out) / "books").glob("*.xlsx")))
        tail = (Path(out) / "log.txt").read_text(errors="replace").strip().splitlines()[-1:]
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    print(f"exit code {code}, workbooks written {books}: {tail[0] if tail else ''}")
    print(f"wall {wall:.1f} s ({wall / args.files * 1000:.1f} ms a page), CPU {cpu:.1f} s"
          f" ({cpu / args.files * 1000:.1f} ms a page)")  # fmt: skip
    print(f"peak memory: largest process {after.ru_maxrss / 1024:.0f} MiB (ru_maxrss),"
          f" whole process tree {peak[0] / 1024**2:.0f} MiB (sampled)")  # fmt: skip
    if args.files < 10_000:
        print(f"10,000 pages at this rate: about {wall / args.files * 10_000:.0f} s (extrapolated)")


if __name__ == "__main__":
    main()
