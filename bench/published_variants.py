"""Distinct published reports made cheaply for the import and compare benchmarks: the sample
reports rendered once by the library (`nianbao render`, into bench/.cache/reports/), then varied
as bytes, each variant with its own agency name and figures, so that a batch of thousands is
thousands of different pages and no cost hides behind a repeated file.

A variant renames the agency everywhere it appears (page title, heading, text), ends every sentence
with its own number and moves every figure of the tables by a few; the totals no longer add up,
which `import` reads as printed.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache"
REPORTS = CACHE / "reports"
SAMPLES = ROOT / "samples" / "returned"

_HTML_FIGURE = re.compile(rb"(<td[^>]*>)(\d{1,6})(</td>)")
_DOCX_FIGURE = re.compile(rb"(<w:t(?: [^>]*)?>)(\d{1,6})(</w:t>)")


def rendered() -> list[Path]:
    """The samples rendered as .html, .docx and .pdf (once: the PDFs need LibreOffice)."""
    if not any(REPORTS.glob("*.pdf")):
        subprocess.run(
            [sys.executable, "-m", "toolkit", "render", str(SAMPLES / "*.xlsx"),
             "--out", str(REPORTS), "--format", "docx,html,pdf"],
            check=True, stdout=subprocess.DEVNULL, cwd=ROOT,
        )  # fmt: skip
    return sorted(p for p in REPORTS.iterdir() if p.suffix in {".html", ".docx", ".pdf"})


def agency_of(path: Path) -> str:
    """The agency a rendered report is of, from its name: JD001-长江路街道办事处2023年…"""
    return path.stem.split("-", 1)[1].split("2023年", 1)[0]


def vary(data: bytes, suffix: str, agency: str, n: int) -> bytes:
    """Variant `n` of a rendered report: another agency name, other figures."""
    name = f"样本{n}{agency}".encode()
    shift = n % 7 + 1

    def figure(match: re.Match[bytes]) -> bytes:
        return match[1] + str(int(match[2]) + shift).encode() + match[3]

    def text(xml: bytes, pattern: re.Pattern[bytes]) -> bytes:
        # every sentence its own, so that no paragraph is one another variant has too
        xml = xml.replace("。".encode(), f"，第{n}号。".encode())
        return pattern.sub(figure, xml.replace(agency.encode(), name))

    if suffix == ".html":
        return text(data, _HTML_FIGURE)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            member = source.read(info)
            if info.filename.endswith(".xml"):
                member = text(member, _DOCX_FIGURE)
            target.writestr(info, member, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def variants(suffix: str, count: int) -> list[Path]:
    """`count` distinct reports of one format, made once into bench/.cache/variants/<format>/."""
    folder = CACHE / "variants" / suffix.lstrip(".")
    made = sorted(folder.glob(f"*{suffix}"))
    if len(made) >= count:
        return made[:count]
    folder.mkdir(parents=True, exist_ok=True)
    sources = [p for p in rendered() if p.suffix == suffix]
    out = []
    for n in range(count):
        source = sources[n % len(sources)]
        agency = agency_of(source)
        path = folder / f"{n:05d}-样本{n}{agency}2023年政府信息公开工作年度报告{suffix}"
        if not path.exists():
            path.write_bytes(vary(source.read_bytes(), suffix, agency, n))
        out.append(path)
    return out


def submitted(path: Path) -> Path:
    """The returned workbook a variant's report was rendered from (the submitted side of a pair)."""
    agency = path.stem.split("-", 1)[1].split("2023年", 1)[0]
    agency = re.sub(r"^样本\d+", "", agency)
    return next(SAMPLES.glob(f"*-{agency}-*.xlsx"))
