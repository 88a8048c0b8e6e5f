"""Distinct filled workbooks, as four programs save them, for the benches.

A clerk's workbook reaches the district as the program that last saved it wrote it, and a batch is
never one file copied many times: every agency has its own name, code and figures. So the benches
read files that are each different (no parse cache can help across them), saved by

* `nianbao`: the template as `generate` writes it, filled by the generator itself (xlsxwriter);
* `openpyxl`: the template filled and saved by openpyxl (the way many scripts and some WPS
  exports write: shared strings, no stored formula results, every styled empty cell kept);
* `libreoffice`: the openpyxl file opened and saved again by headless LibreOffice Calc;
* `gnumeric`: the openpyxl file converted by Gnumeric's ssconvert.

Files are made once into bench/.cache/<producer>-<count>/ and reused. The figures are random but
table 三 balances, as a real report's does, so a check finds what it finds on real ones.

Run `.venv/bin/python bench/producers.py [--files N] [--producer P ...]` to make them ahead.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CACHE = Path(__file__).resolve().parent / ".cache"
PRODUCERS = ("nianbao", "openpyxl", "libreoffice", "gnumeric")
COLUMNS = ("natural", "business", "research", "public_interest", "legal_service", "other_org")
RESULTS = ("granted", "granted", "partial", "unable_not_held", "declined_repeat")


def figures(index: int) -> tuple[dict[str, float], dict[str, str]]:
    """Agency `index`'s figures and texts: table 三 balanced, the rest random."""
    from toolkit.form.form_file import standard_form

    form = standard_form()
    rng = random.Random(index)
    values: dict[str, float] = {}
    for column in COLUMNS:  # every new application gets one result
        new = rng.choice((0, 0, 1, 2, 5, 12))
        values[f"t3.new.{column}"] = new
        for _ in range(new):
            key = f"t3.{rng.choice(RESULTS)}.{column}"
            values[key] = values.get(key, 0) + 1
    for cell in form.inputs:
        if cell.type == "count" and cell.key.startswith(("t2.", "t4.")):
            values[cell.key] = rng.choice((0, 0, 0, 1, 2, 5, 17, 240))
    new_total = sum(values[f"t3.new.{c}"] for c in COLUMNS)
    texts = {part: f"本单位第{index}号。本年度未收取信息处理费。" for part in form.parts}
    texts["s1.request"] = f"本年新收政府信息公开申请{new_total:.0f}件。"
    return values, texts


def _write(args: tuple[Path, int, bool]) -> None:
    """One agency's workbook: filled by the generator, or left as a template (for openpyxl)."""
    from toolkit.form.contract import identity_for
    from toolkit.form.fill import Fill
    from toolkit.form.form_file import standard_form
    from toolkit.inputs.roster import Agency
    from toolkit.template.workbook import write_workbook

    folder, index, filled = args
    form = standard_form()
    agency = Agency(code=f"P{index:05d}", name=f"基准区第{index}单位")
    values, texts = figures(index)
    write_workbook(
        folder / f"{agency.code}.xlsx",
        form=form,
        identity=identity_for(form, agency, 2025, "基准区", datetime(2025, 12, 1)),
        password="bench",
        fill=Fill(values=values, texts=texts) if filled else None,
    )


def _openpyxl_fill(args: tuple[Path, Path, int]) -> None:
    """Fill a template's input cells with openpyxl, as a script (or a clerk's tool) would."""
    import openpyxl

    from toolkit.form.form_file import standard_form
    from toolkit.form.layout import a1, layout

    template, target, index = args
    values, texts = figures(index)
    book = openpyxl.load_workbook(template)
    for sheet in layout(standard_form()):
        worksheet = book[sheet.name]
        for key, area in sheet.cells.items():
            if key in values:
                worksheet[a1(area.row, area.col)] = values[key]
            elif key in texts:
                worksheet[a1(area.row, area.col)] = texts[key]
    book.save(target)


def files(producer: str, count: int) -> list[Path]:
    """`count` distinct filled workbooks saved by `producer`, made once and reused."""
    if producer not in PRODUCERS:
        raise SystemExit(f"unknown producer {producer!r}: one of {', '.join(PRODUCERS)}")
    folder = CACHE / f"{producer}-{count}"
    found = sorted(folder.glob("*.xlsx"))
    if len(found) == count:
        return found
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if producer == "nianbao":
        _pool(_write, [(folder, i, True) for i in range(count)])
    elif producer == "openpyxl":
        with tempfile.TemporaryDirectory() as scratch:
            _pool(_write, [(Path(scratch), i, False) for i in range(count)])
            _pool(
                _openpyxl_fill,
                [(Path(scratch) / f"P{i:05d}.xlsx", folder / f"P{i:05d}.xlsx", i) for i in range(count)],
            )  # fmt: skip
    elif producer == "libreoffice":
        sys.path.insert(0, str(ROOT / "tests"))
        from lo import convert

        convert(files("openpyxl", count), folder, "xlsx", timeout=1800)
    else:
        if shutil.which("ssconvert") is None:
            raise SystemExit("ssconvert is not installed (Debian: apt-get install gnumeric)")
        sources = files("openpyxl", count)
        _pool(_ssconvert, [(path, folder / path.name) for path in sources])
    return sorted(folder.glob("*.xlsx"))


def _ssconvert(args: tuple[Path, Path]) -> None:
    source, target = args
    subprocess.run(
        ["ssconvert", "--export-type=Gnumeric_Excel:xlsx2", str(source), str(target)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def _pool(work: object, items: Iterable[object]) -> None:
    with ProcessPoolExecutor() as pool:
        list(pool.map(work, list(items), chunksize=20))  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--producer", action="append", choices=PRODUCERS)
    args = parser.parse_args()
    for producer in args.producer or PRODUCERS:
        made = files(producer, args.files)
        size = sum(p.stat().st_size for p in made) / len(made) / 1024
        print(f"{producer:<12} {len(made)} files in {made[0].parent}  ({size:.0f} KB each)")


if __name__ == "__main__":
    main()
