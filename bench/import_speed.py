"""Benchmark: reading published reports (`nianbao import`'s per-file work) against the floor of
each format, in one run on the same files: the sample reports rendered as .html, .docx and .pdf
(`render`), and the real corpus of tests/reference/published/.

For every file, single-process CPU time of
- the floor: the format's own parse and nothing else (lxml.html for a page, unzip + lxml for a
  .docx's document.xml, pdfplumber's text and table finding for a PDF, decoding for text);
- `published_read.parse_published`: the format reader (SourceDocument);
- `published.match_report` on top: tables by labels, narrative, title.

Run with `.venv/bin/python bench/import_speed.py [--repeat N]`. It renders the samples once into
bench/.cache/reports/ with LibreOffice (for the PDFs).
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import time
import zipfile
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import lxml.etree
import lxml.html

from toolkit.form.form_file import standard_form
from toolkit.published.published import match_report
from toolkit.published.published_read import parse_published

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache" / "reports"
CORPUS = ROOT / "tests" / "reference" / "published"


def rendered() -> list[Path]:
    if not any(CACHE.glob("*.pdf")):
        subprocess.run(
            [sys.executable, "-m", "toolkit", "render", str(ROOT / "samples" / "returned" / "*.xlsx"),
             "--out", str(CACHE), "--format", "docx,html,pdf"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    return sorted(p for p in CACHE.iterdir() if p.suffix in {".html", ".docx", ".pdf"})


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


def cpu(action) -> float:  # type: ignore[no-untyped-def]
    start = time.process_time()
    action()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    form = standard_form()
    files = rendered() + sorted(
        p for p in CORPUS.iterdir() if p.suffix in {".html", ".docx", ".pdf", ".txt"}
        and "scan" not in p.name  # OCR: seconds a page, measured apart
    )  # fmt: skip
    rows: dict[str, list[tuple[float, float, float]]] = {}
    for path in files:
        data = path.read_bytes()
        suffix = path.suffix.lower()
        times = []
        for _ in range(args.repeat):
            base = cpu(partial(floor, data, suffix))
            start = time.process_time()
            document = parse_published(data, suffix)
            reader = time.process_time() - start
            matcher = cpu(partial(match_report, document, form, source=path.name, sha256=""))
            times.append((base, reader, matcher))
        best = min(times, key=lambda t: t[1] + t[2])
        group = ("corpus " if path.parent == CORPUS else "rendered ") + suffix
        rows.setdefault(group, []).append(best)
    print(f"{'files':<16}{'n':>4}{'floor ms':>11}{'reader ms':>11}{'+ match ms':>12}{'× floor':>9}")
    for group, times in sorted(rows.items()):
        base = statistics.mean(t[0] for t in times) * 1000
        reader = statistics.mean(t[1] for t in times) * 1000
        matcher = statistics.mean(t[2] for t in times) * 1000
        ratio = (reader + matcher) / base if base else float("nan")
        print(
            f"{group:<16}{len(times):>4}{base:>11.1f}{reader:>11.1f}{matcher:>12.1f}{ratio:>9.1f}"
        )


if __name__ == "__main__":
    main()
