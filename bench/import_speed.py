"""Benchmark: reading published reports (`nianbao import`'s per-file work) and comparing them
(`nianbao compare`'s per-pair work), each against its floor, in one run.

Two parts:

* Per file, on the sample reports rendered as .html, .docx and .pdf (`render`, once, into
  bench/.cache/reports/) and on the real corpus of tests/reference/published/: single-process CPU
  and wall milliseconds of the floor (the format's own parse and nothing else: lxml.html for a page,
  unzip + lxml for a .docx's document.xml, pdfplumber's text and table finding for a PDF, decoding
  for text), of `published_read.parse_published` (the reader) and of `published.match_report` on
  top (the matcher: tables by labels, narrative, title).
* Slopes, on distinct variants of the rendered pages (bench/published_variants.py: each its own
  agency name and figures), each loop run in a fresh process on two batch sizes and the
  difference divided by the difference in files, so that start-up, imports and the form's
  one-off work cancel: CPU and wall milliseconds (best of three) and, with `--instructions`,
  instructions under valgrind's callgrind, which do not move with the machine's load. Loops, for
  .html and .docx: `floor`, `read` (the reader), `import` (reader + matcher: the matcher is the
  difference); for `compare`, per pair of a page and the workbook it was rendered from: `floor`
  (parsing both files: lxml.html, unzip + lxml of the workbook's XML parts) and `pair` (the page
  read and matched, the workbook checked as `compare` checks it, the two sides compared).

Run `.venv/bin/python bench/import_speed.py [--repeat N] [--instructions] [--small 5 --large 15]`
(the callgrind loops take a few minutes, two at a time). Never run as a test.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import statistics
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import lxml.etree
import lxml.html
from published_variants import rendered, submitted, variants

from toolkit.form.form_file import standard_form
from toolkit.published.published import match_report
from toolkit.published.published_read import parse_published

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "reference" / "published"
LOOPS = {
    ("html", "floor"): "page: floor (lxml.html)",
    ("html", "read"): "page: reader",
    ("html", "import"): "page: reader + matcher",
    ("docx", "floor"): "docx: floor (unzip + lxml)",
    ("docx", "read"): "docx: reader",
    ("docx", "import"): "docx: reader + matcher",
    ("compare", "floor"): "compare pair: floor (both parsed)",
    ("compare", "pair"): "compare pair: read, check, compare",
}


def floor(data: bytes, suffix: str) -> None:
    if suffix in {".html", ".htm"}:
        lxml.html.document_fromstring(data)
    elif suffix == ".docx":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            lxml.etree.fromstring(archive.read("word/document.xml"))
    elif suffix == ".pdf":
        import pdfplumber

        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                page.find_tables()
                page.extract_text()
    else:
        data.decode("utf-8", "replace")


def timed(action) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    cpu, wall = time.process_time(), time.perf_counter()
    action()
    return time.process_time() - cpu, time.perf_counter() - wall


def per_file(repeat: int) -> None:
    """CPU and wall milliseconds of floor, reader and matcher, per file, best of `repeat`."""
    form = standard_form()
    files = rendered() + sorted(
        p for p in CORPUS.iterdir() if p.suffix in {".html", ".docx", ".pdf", ".txt"}
        and "scan" not in p.name  # OCR: seconds a page, measured apart
    )  # fmt: skip
    rows: dict[str, list[tuple[tuple[float, float], ...]]] = {}
    for path in files:
        data = path.read_bytes()
        suffix = path.suffix.lower()
        times = []
        for _ in range(repeat):
            base = timed(partial(floor, data, suffix))
            holder = []
            reader = timed(lambda: holder.append(parse_published(data, suffix)))  # noqa: B023
            document = holder[0]
            matcher = timed(partial(match_report, document, form, source=path.name, sha256=""))
            times.append((base, reader, matcher))
        best = min(times, key=lambda t: t[1][0] + t[2][0])
        group = ("corpus " if path.parent == CORPUS else "rendered ") + suffix
        rows.setdefault(group, []).append(best)
    print("per file, single process, best of", repeat, "(CPU ms / wall ms)")
    print(f"{'files':<16}{'n':>4}{'floor':>14}{'reader':>14}{'matcher':>14}{'× floor':>9}")
    for group, times in sorted(rows.items()):
        cols = [
            tuple(statistics.mean(t[i][j] for t in times) * 1000 for j in (0, 1)) for i in range(3)
        ]
        ratio = (cols[1][0] + cols[2][0]) / cols[0][0] if cols[0][0] else math.nan
        shown = "".join(f"{c:>7.1f}/{w:<6.1f}" for c, w in cols)
        print(f"{group:<16}{len(times):>4}{shown}{ratio:>9.1f}")


def loop(kind: str, stage: str, count: int) -> None:
    """One loop over the first `count` distinct variants (run under valgrind, or timed)."""
    form = standard_form()
    if kind == "compare":
        compare_loop(form, stage, count)
        return
    suffix = f".{kind}"
    for path in variants(suffix, count):
        data = path.read_bytes()
        if stage == "floor":
            floor(data, suffix)
            continue
        document = parse_published(data, suffix)
        if stage == "import":
            match_report(document, form, source=path.name, sha256="")


def compare_loop(form, stage: str, count: int) -> None:  # type: ignore[no-untyped-def]
    """Per pair, what `compare` does in its workers and after them, in one process."""
    from toolkit.check.inspection import FileCheck
    from toolkit.compare.compare import Side, _differences, _report_side, _written
    from toolkit.form.identity import normalise_code
    from toolkit.inputs.roster import Agency
    from toolkit.published.published import read_report

    checker = FileCheck(form, "", "", None)
    for path in variants(".html", count):
        book = submitted(path)
        if stage == "floor":
            lxml.html.document_fromstring(path.read_bytes())
            with zipfile.ZipFile(book) as archive:
                for name in archive.namelist():
                    if name.endswith((".xml", ".rels")):
                        lxml.etree.fromstring(archive.read(name))
            continue
        published = read_report(path, form)
        item = checker(book)
        code = normalise_code(item.meta.get("agency_code", ""))
        mine = Side(
            path=book,
            code=code,
            name=item.meta.get("agency_name", ""),
            values={k: v for k, v in item.values.items() if not math.isnan(v)},
            raw={k: item.raw.get(k, "") for k, v in item.values.items() if math.isnan(v)},
            sections=_written(form, item.texts),
            unread=frozenset(item.missing),
        )
        theirs = _report_side(path, published, form, [Agency(code=code, name=mine.name)])
        _differences(form, theirs, mine)


def command(kind: str, stage: str, count: int) -> list[str]:
    return [sys.executable, __file__, "--loop", f"{kind}:{stage}", "--files", str(count)]


def instructions(kind: str, stage: str, count: int) -> int:
    """Instructions of one loop under callgrind (every process counted)."""
    from reader_instructions import callgrind

    return callgrind(command(kind, stage, count))


def slope_times(kind: str, stage: str, small: int, large: int) -> tuple[float, float]:
    """CPU and wall milliseconds per file of one loop in a fresh process: the slope between two
    batch sizes, best of three each."""
    from reader_instructions import slope_times as slope

    return slope(lambda count: command(kind, stage, count), small, large)


def slopes(args: argparse.Namespace) -> None:
    chosen = [k for k in LOOPS if not args.only or k[0] in args.only]
    variants(".html", max(args.large, args.timed))  # made once, before anything is measured
    variants(".docx", max(args.large, args.timed))
    counted: dict[tuple[str, str], float] = {}
    if args.instructions:
        jobs = [(k, s, n) for k, s in chosen for n in (args.small, args.large)]
        with ThreadPoolExecutor(max_workers=len(os.sched_getaffinity(0))) as pool:
            done = dict(zip(jobs, pool.map(lambda j: instructions(*j), jobs), strict=True))
        for k, s in chosen:
            counted[(k, s)] = (done[(k, s, args.large)] - done[(k, s, args.small)]) / (
                args.large - args.small
            )
    print(f"\nslopes on distinct variants: M instructions ({args.small} → {args.large} files),"
          f" CPU ms and wall ms ({args.small} → {args.timed} files, best of three)")  # fmt: skip
    print(f"{'loop':<38}{'M instr':>9}{'× floor':>9}{'CPU ms':>9}{'wall ms':>9}")
    for kind, stage in chosen:
        cpu, wall = slope_times(kind, stage, args.small, args.timed)
        spent = counted.get((kind, stage))
        base = counted.get((kind, "floor"))
        shown = f"{spent / 1e6:9.1f}" if spent is not None else f"{'-':>9}"
        ratio = f"{spent / base:9.1f}" if spent is not None and base else f"{'-':>9}"
        print(f"{LOOPS[(kind, stage)]:<38}{shown}{ratio}{cpu:9.2f}{wall:9.2f}")
    for kind in ("html", "docx"):
        if (kind, "import") in counted and (kind, "read") in counted:
            matcher = counted[(kind, "import")] - counted[(kind, "read")]
            print(f"{kind}: the matcher alone {matcher / 1e6:.1f} M instructions a file")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--instructions", action="store_true", help="callgrind slopes too")
    parser.add_argument("--small", type=int, default=5, help="files of the smaller batch")
    parser.add_argument("--large", type=int, default=15, help="files of the larger callgrind batch")
    parser.add_argument("--timed", type=int, default=100, help="files of the larger timed batch")
    parser.add_argument("--only", action="append", choices=["html", "docx", "compare"])
    parser.add_argument("--skip-per-file", action="store_true")
    parser.add_argument("--loop", help=argparse.SUPPRESS)
    parser.add_argument("--files", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.loop:
        kind, stage = args.loop.split(":")
        loop(kind, stage, args.files)
        return
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{time.strftime('%Y-%m-%d %H:%M')}  load average {load}"
          f"  cores {len(os.sched_getaffinity(0))}  python {sys.version.split()[0]}")  # fmt: skip
    if not args.skip_per_file:
        per_file(args.repeat)
    slopes(args)


if __name__ == "__main__":
    main()
