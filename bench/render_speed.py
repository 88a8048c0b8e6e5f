"""Render speed (issue 22): reports per second for .html, .docx and .pdf, each beside its floor
measured in the same run, and `render --format docx` end to end for a district of 300 agencies
(target: under 30 s on a 2-core machine).

Floors: .html, encoding the finished page and writing it to a file; .docx, zipping the finished
document's parts with zipfile (deflating them all: what any writer of the same file pays); .pdf,
LibreOffice converting the same .docx files in one run (nianbao's own share is the rest). The
figures are CPU time of this process (best of --repeat) except the LibreOffice ones and the end to
end run, which are wall time (LibreOffice and the check's workers are other processes).

Run with `.venv/bin/python bench/render_speed.py [--agencies 300] [--pdf 20]`. The workbooks are
bench/scale.py's, made once into bench/.cache/scale-N/ and reused. Never a timed test.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import make_files

from toolkit.check.check import check
from toolkit.form.form_file import standard_form
from toolkit.render.render import render
from toolkit.render.render_docx import docx_bytes
from toolkit.render.render_html import html_page
from toolkit.render.render_model import Report, report_of


def best(repeat: int, work: Callable[[], object]) -> float:
    """The least CPU time of `repeat` runs of `work`, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return min(times)


def rezip(data: bytes) -> bytes:
    """The floor of a .docx: its parts, already serialized, zipped again with zipfile."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = [(info.filename, source.read(info)) for info in source.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, part in parts:
            target.writestr(name, part)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agencies", type=int, default=300)
    parser.add_argument("--pdf", type=int, default=20, help="reports converted to PDF")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    form = standard_form()
    files = make_files(args.agencies)
    print(f"{len(files)} workbooks; {os.cpu_count()} cores")

    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        start, cpu = time.perf_counter(), time.process_time()
        result = render(files, out=out / "docx", formats=("docx",), form=form)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        rendered = len(result.rendered)
        print(f"render --format docx, end to end (check included): {rendered} reports in "
              f"{wall:.1f} s wall ({cpu:.1f} s CPU in this process)")  # fmt: skip

        checked = check(files, form=form)
        reports: list[Report] = [
            report_of(form, name=r.agency_name, year=r.year, values=r.values, texts=r.texts)
            for r in checked.files
            if r.values
        ]
        n = len(reports)
        pages = [html_page(r) for r in reports]
        documents = [docx_bytes(r) for r in reports]
        target = out / "floor"

        def write_pages() -> None:
            for page in pages:
                target.write_bytes(page.encode("utf-8"))

        rows = [
            ("html", best(args.repeat, lambda: [html_page(r) for r in reports]),
             best(args.repeat, write_pages), "encode + write the page"),
            ("docx", best(args.repeat, lambda: [docx_bytes(r) for r in reports]),
             best(args.repeat, lambda: [rezip(d) for d in documents]), "zip its parts (zipfile)"),
        ]  # fmt: skip
        print(
            f"\n{'format':<6} {'ours ms/report':>15} {'floor ms/report':>16} {'reports/s':>10}  floor"
        )
        for name, ours, floor, what in rows:
            print(f"{name:<6} {1000 * ours / n:>15.2f} {1000 * floor / n:>16.2f} "
                  f"{n / ours:>10.0f}  {what}")  # fmt: skip

        if args.pdf:
            from toolkit.render.render_pdf import for_pdf, pdf_available, to_pdf

            if not pdf_available():
                print("pdf: LibreOffice is not installed (make fonts)")
                return
            k = min(args.pdf, n)
            plain, ours_dir = out / "plain", out / "ours"
            plain.mkdir()
            ours_dir.mkdir()
            for index, data in enumerate(documents[:k]):
                (plain / f"{index:05d}.docx").write_bytes(data)
            start = time.perf_counter()
            to_pdf(sorted(plain.glob("*.docx")), plain)
            floor = time.perf_counter() - start
            start = time.perf_counter()
            for index, report in enumerate(reports[:k]):
                (ours_dir / f"{index:05d}.docx").write_bytes(for_pdf(docx_bytes(report)))
            converted = to_pdf(sorted(ours_dir.glob("*.docx")), ours_dir)
            ours = time.perf_counter() - start
            assert len(converted) == k
            print(f"{'pdf':<6} {1000 * ours / k:>15.0f} {1000 * floor / k:>16.0f} "
                  f"{k / ours:>10.1f}  LibreOffice converting the same {k} .docx in one run "
                  "(wall)")  # fmt: skip


if __name__ == "__main__":
    main()
