"""The ruled tables of a scanned page, read cell by cell.

Reading a whole scanned page as lines loses what makes a table a table: figures of a row whose
label wraps over two lines drift away from it, zeros of neighbouring cells run together, a "1"
beside a ruling line becomes "]" (measured on the real 洪泽区 scan of tests/reference/published/:
30 of 172 figures not read). A printed table has its ruling lines, so they are found first: long
straight runs of dark pixels, horizontal and vertical. Between two horizontal rules lies a band;
a band with vertical rules is a table row, and the rules present between two cells say which
cells are one merged cell (no rule between them). Each cell is then read on its own, with a white
margin (tesseract misses a lone "1" at a crop's edge): all cells of a page in one tesseract run
(a list of images, the model loaded once), then the cells that read as a figure, or as one odd
character, again with tesseract's English model restricted to digits, which reads printed figures
better than the Chinese model does. The text between the tables is read as lines, as before.

The result is the model every reader produces: tables with merged cells expanded (`Covered`) and
lines, in page order, every cell and line marked `ocr`.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .published_ocr import LANGUAGE, join_cjk, ocr_image, rule_mask, run_tesseract
from .published_source import (
    Block,
    Covered,
    Place,
    SourceCell,
    SourceLine,
    SourceRow,
    SourceTable,
)

__all__ = ["read_scanned_page"]

H_RULE_INCHES = 0.5  # a horizontal ruling line is at least this long
V_RULE_INCHES = 0.2  # a vertical one at least this tall (one table row; a character is shorter)
PRESENT = 0.6  # a rule is there between two cells when it covers this share of their border
INSET = 4  # pixels left out inside a cell's rules
MARGIN = 40  # white pixels around a cell given to tesseract
_FIGURE_LIKE = re.compile(r"^[\d\]\[|lI!.,:;oO\s]{1,12}$")
_DIGITS = ("-c", "tessedit_char_whitelist=0123456789.")


def read_scanned_page(image: Any, page: int, dpi: int, tables: int) -> tuple[list[Block], int]:
    """The blocks of one scanned page (tables read cell by cell, the text around them as lines)
    and the number of the last table so far. A page without ruled tables is read as lines."""
    gray = np.asarray(image.convert("L"))
    dark = gray < 160
    horizontal = rule_mask(dark, max(int(dpi * H_RULE_INCHES), 8), vertical=False)
    vertical = rule_mask(dark, max(int(dpi * V_RULE_INCHES), 8), vertical=True)
    h_lines = _groups(horizontal.any(axis=1))
    v_lines = _groups(vertical.any(axis=0))
    bands = [(h_lines[i][1] + 1, h_lines[i + 1][0]) for i in range(len(h_lines) - 1)]
    found: list[list[tuple[int, list[int]]]] = []  # tables: (band index, rules present) per row
    for index, (top, bottom) in enumerate(bands):
        rules = [
            j
            for j, (left, right) in enumerate(v_lines)
            if _share(vertical[top + 3 : bottom - 2, left : right + 1].any(axis=1)) >= PRESENT
        ]
        if len(rules) >= 2 and found and found[-1][-1][0] == index - 1:
            found[-1].append((index, rules))
        elif len(rules) >= 2:
            found.append([(index, rules)])
    if not found:
        return list(ocr_image(image, page, dpi)), tables
    from PIL import Image  # Pillow comes with pdfplumber

    # the cells are read with the rules whitened: a rule's end beside a "1" reads as "]"
    cleaned = Image.fromarray(np.where(horizontal | vertical, np.uint8(255), gray))
    blocks: list[Block] = []
    lines = 0
    top = 0
    for rows in found:
        start, end = bands[rows[0][0]][0], bands[rows[-1][0]][1]
        lines = _text_between(image, page, dpi, top, start, blocks, lines)
        tables += 1
        blocks.append(_table(cleaned, rows, bands, h_lines, v_lines, horizontal, page, tables))
        top = end
    _text_between(image, page, dpi, top, image.height, blocks, lines)
    return blocks, tables


def _text_between(
    image: Any, page: int, dpi: int, top: int, bottom: int, blocks: list[Block], lines: int
) -> int:
    """The lines of text in a strip of the page between tables, numbered on from `lines`."""
    if bottom - top < dpi // 10:
        return lines
    for line in ocr_image(image.crop((0, top, image.width, bottom)), page, dpi):
        lines += 1
        blocks.append(SourceLine(text=line.text, place=Place(page=page, line=lines), ocr=True))
    return lines


def _groups(present: Any, gap: int = 4) -> list[tuple[int, int]]:
    """Runs of positions holding a rule, as (first, last) pairs: one ruling line each."""
    groups: list[list[int]] = []
    for position in np.flatnonzero(present).tolist():
        if groups and position - groups[-1][1] <= gap:
            groups[-1][1] = position
        else:
            groups.append([position, position])
    return [(first, last) for first, last in groups]


def _share(values: Any) -> float:
    return float(values.mean()) if values.size else 0.0


def _table(
    image: Any,
    rows: list[tuple[int, list[int]]],
    bands: list[tuple[int, int]],
    h_lines: list[tuple[int, int]],
    v_lines: list[tuple[int, int]],
    horizontal: Any,
    page: int,
    number: int,
) -> SourceTable:
    """One ruled table: its cells merged where no rule separates them, each read once."""
    columns = sorted({j for _, rules in rows for j in rules})
    height, width = len(rows), len(columns) - 1
    parent = list(range(height * width))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for r, (band, rules) in enumerate(rows):
        for c in range(width):
            if c + 1 < width and columns[c + 1] not in rules:  # no rule on the right: merged
                parent[find(r * width + c + 1)] = find(r * width + c)
            if r + 1 < height:
                left, right = v_lines[columns[c]][1] + 1, v_lines[columns[c + 1]][0]
                line = h_lines[band + 1]
                under = horizontal[line[0] : line[1] + 1, left + 3 : right - 2].any(axis=0)
                if _share(under) < PRESENT:  # no rule below: merged with the cell under it
                    parent[find((r + 1) * width + c)] = find(r * width + c)
    members: dict[int, list[tuple[int, int]]] = {}
    for r in range(height):
        for c in range(width):
            members.setdefault(find(r * width + c), []).append((r, c))
    boxes = {}
    for root, group in members.items():
        first_row, last_row = min(r for r, _ in group), max(r for r, _ in group)
        first_col, last_col = min(c for _, c in group), max(c for _, c in group)
        top, bottom = bands[rows[first_row][0]][0], bands[rows[last_row][0]][1]
        left, right = v_lines[columns[first_col]][1] + 1, v_lines[columns[last_col + 1]][0]
        boxes[root] = (left + INSET, top + INSET, right - INSET, bottom - INSET)
    texts = _read_cells(image, boxes)
    out = []
    for r in range(height):
        cells = []
        for c in range(width):
            root = find(r * width + c)
            anchor = min(members[root])
            covered = (
                Covered.NO
                if (r, c) == anchor
                else (Covered.FROM_ABOVE if r > anchor[0] else Covered.FROM_LEFT)
            )
            cells.append(SourceCell(text=texts[root], covered=covered, ocr=True))
        out.append(SourceRow(cells=tuple(cells), place=Place(page=page, table=number, row=r + 1)))
    return SourceTable(rows=tuple(out), place=Place(page=page, table=number))


def _read_cells(image: Any, boxes: dict[int, tuple[int, int, int, int]]) -> dict[int, str]:
    """Every cell's text: the Chinese model first, then digits only where a figure belongs."""
    roots = [
        root for root, (left, top, right, bottom) in boxes.items() if right > left and bottom > top
    ]
    texts = dict.fromkeys(boxes, "")
    first = _tesseract_many([image.crop(boxes[root]) for root in roots], LANGUAGE, "6")
    texts.update(zip(roots, first, strict=True))
    again = [
        root
        for root in roots
        if not texts[root] or len(texts[root]) == 1 or _FIGURE_LIKE.match(texts[root])
    ]
    digits = _tesseract_many([image.crop(boxes[root]) for root in again], "eng", "7", _DIGITS)
    for root, text in zip(again, digits, strict=True):
        if text.lstrip("."):
            texts[root] = text.lstrip(".")  # a speck read as a leading point: ".0"
    # a lone "1" still unread (it looks like a rule's end): once more as a single character
    single = [root for root in again if len(texts[root]) <= 1 and not texts[root].isdigit()]
    for root, text in zip(
        single,
        _tesseract_many([image.crop(boxes[r]) for r in single], "eng", "10", _DIGITS),
        strict=True,
    ):
        if text.isdigit():
            texts[root] = text
    return texts


def _tesseract_many(
    images: list[Any], language: str, psm: str, extra: tuple[str, ...] = ()
) -> list[str]:
    """One tesseract run over many small images (a list file): their texts, in order."""
    from PIL import ImageOps

    if not images:
        return []
    with tempfile.TemporaryDirectory(prefix="nianbao-ocr-") as scratch:
        names = []
        for n, cell in enumerate(images):
            path = Path(scratch) / f"cell{n:05d}.png"
            ImageOps.expand(cell, border=MARGIN, fill=255).save(path)
            names.append(str(path))
        listing = Path(scratch) / "cells.txt"
        listing.write_text("\n".join(names) + "\n", encoding="utf-8")
        output = run_tesseract([str(listing), "stdout", "-l", language, "--psm", psm, *extra])
    pages = output.split("\f")
    texts = [join_cjk(" ".join(page.split())) for page in pages[: len(images)]]
    return texts + [""] * (len(images) - len(texts))
