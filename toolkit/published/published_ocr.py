"""Text read from a page image with OCR, for the scanned pages of a published PDF.

The engine is tesseract with its simplified-Chinese model (Debian: tesseract-ocr and
tesseract-ocr-chi-sim; `make ocr` installs them), run as a subprocess: nothing is downloaded at
run time, and a page that takes too long is stopped (`SECONDS_PER_PAGE`). Page segmentation mode 6
(one uniform block) keeps a table row on one line with its cells separated by runs of spaces, which
is what the matcher splits. A table's ruling lines make tesseract lose whole rows (measured: of a
6-row table only 2 rows came out), so long straight runs of dark pixels are whitened first
(`unrule`); a rule left over is read as "|" and taken out. Chinese OCR puts single spaces between
characters; they are removed between two CJK characters, and every other space is kept (between
figures and between cells they separate table cells).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from .published_source import Place, SourceLine

__all__ = [
    "SECONDS_PER_PAGE",
    "OcrFailed",
    "join_cjk",
    "ocr_available",
    "ocr_image",
    "rule_mask",
    "run_tesseract",
    "unrule",
]

SECONDS_PER_PAGE = 180.0
LANGUAGE = "chi_sim"
_CJK = r"\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u3000-\u303f"
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")
# "|", its full-width form and 丨 (U+4E28: what chi_sim reads a rule as), written escaped so that
# no Chinese text lives outside the catalogue
_RULE_LEFT = re.compile(r"(^|\s)[|\uff5c\u4e28](?=\s|$)")
# What is left of a rule's junctions is read as quote marks: a closing quote at the start of a
# word, or any quote before a figure at the start of a word, is never text
_STRAY_QUOTES = re.compile(r"(?:(?<=\s)|^)(?:[\u201d]+|[\u201c\u201d\"']+(?=\d))")
_BAND = 256  # lines of the page worked at once by unrule
RULE_INCHES = 1 / 3  # a straight dark run this long is a ruling line: no character stroke is


class OcrFailed(Exception):
    """OCR of one page did not finish (`reason`: a short text for the note)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _tesseract() -> str | None:
    return shutil.which("tesseract")


def run_tesseract(arguments: list[str]) -> str:
    """tesseract's standard output for `arguments`, within `SECONDS_PER_PAGE`; OcrFailed with the
    reason when it is missing, fails or runs out of time."""
    program = _tesseract()
    if program is None:
        raise OcrFailed("tesseract")
    try:
        result = subprocess.run(
            [program, *arguments],
            capture_output=True,
            timeout=SECONDS_PER_PAGE,
            check=False,
            # one thread: the machine is shared, and pages are read one after another anyway
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise OcrFailed(f"timeout {int(SECONDS_PER_PAGE)} s") from None
    except OSError as exc:
        raise OcrFailed(type(exc).__name__) from None
    if result.returncode != 0:
        last = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrFailed((last[-1] if last else f"exit {result.returncode}")[:120])
    return result.stdout.decode("utf-8", "replace")


@cache
def ocr_available() -> bool:
    """Whether tesseract is installed with the simplified-Chinese model."""
    program = _tesseract()
    if program is None:
        return False
    try:
        result = subprocess.run(
            [program, "--list-langs"], capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    output = (result.stdout + result.stderr).decode("utf-8", "replace").split()
    return LANGUAGE in output


def join_cjk(text: str) -> str:
    """The single spaces OCR puts between Chinese characters removed, a leftover ruling line ("|"
    standing alone) turned into a space, stray quote marks at the start of a word taken out; runs
    of spaces (cell gaps) kept."""
    return _STRAY_QUOTES.sub("", _CJK_SPACE.sub("", _RULE_LEFT.sub(r"\1 ", text))).strip()


def unrule(gray: Any, run: int) -> Any:
    """A grayscale page (numpy array) with every horizontal or vertical run of at least `run`
    dark pixels whitened: linear in the pixels (two prefix sums per direction), worked in bands of
    `_BAND` lines so that a 300 dpi page needs a few megabytes, not hundreds."""
    out = gray.copy()
    dark = gray < 160
    for transpose in (False, True):
        plane = dark.T if transpose else dark
        target = out.T if transpose else out
        for first in range(0, plane.shape[0], _BAND):
            band = plane[first : first + _BAND]
            target[first : first + _BAND][_runs(band, run)] = 255
    return out


def rule_mask(dark: Any, run: int, *, vertical: bool) -> Any:
    """The pixels of a boolean page (True: dark) that lie in a straight run of at least `run`
    dark pixels, horizontal or vertical: the ruling lines. Worked in bands, like `unrule`."""
    plane = dark.T if vertical else dark
    out = np.zeros(plane.shape, dtype=bool)
    for first in range(0, plane.shape[0], _BAND):
        out[first : first + _BAND] = _runs(plane[first : first + _BAND], run)
    return out.T if vertical else out


def _runs(band: Any, run: int) -> Any:
    """The pixels of `band` (rows of booleans) that lie in a horizontal run of `run` or more."""
    height, width = band.shape
    if width < run:
        return np.zeros(band.shape, dtype=bool)
    sums = np.zeros((height, width + 1), dtype=np.int32)
    np.cumsum(band, axis=1, out=sums[:, 1:])
    starts = np.zeros((height, width + 1), dtype=np.int32)  # a full window starts at column j
    starts[:, 1 : width - run + 2] = (sums[:, run:] - sums[:, :-run]) == run
    np.cumsum(starts, axis=1, out=starts)  # now: full windows starting before column j
    covered = starts[:, 1:].copy()  # windows starting at or before j ...
    covered[:, run:] -= starts[:, 1 : width - run + 1]  # ... minus those ending before j
    return covered > 0


def ocr_image(image: Any, page: int, dpi: int) -> list[SourceLine]:
    """The non-blank lines of a page image (a PIL image rendered at `dpi`), each a
    SourceLine(ocr=True) at Place(page=page, line=n). Raises OcrFailed when tesseract fails or
    runs out of time."""
    from PIL import Image  # Pillow comes with pdfplumber

    gray = unrule(np.asarray(image.convert("L")), max(int(dpi * RULE_INCHES), 8))
    png = io.BytesIO()
    Image.fromarray(gray).save(png, format="PNG")
    with tempfile.TemporaryDirectory(prefix="nianbao-ocr-") as scratch:
        path = Path(scratch) / "page.png"
        path.write_bytes(png.getvalue())
        output = run_tesseract([str(path), "stdout", "-l", LANGUAGE, "--psm", "6"])
    lines: list[SourceLine] = []
    for raw in output.splitlines():
        text = join_cjk(raw)
        if text:
            place = Place(page=page, line=len(lines) + 1)
            lines.append(SourceLine(text=text, place=place, ocr=True))
    return lines
