"""Province-scale benchmark: `check` and `rollup` together on 10,000 generated, filled workbooks
(target: under 30 s on a 2-core machine, peak memory under 1 GiB).

Run with `.venv/bin/python bench/scale.py [--files N]`. The workbooks are made once into
bench/.cache/filled-N/ on every core and reused. Peak memory is the largest resident set of this
process and of its worker processes (ru_maxrss), as the kernel reports it.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from toolkit.form.contract import identity_for
from toolkit.form.fill import Fill
from toolkit.form.form_file import standard_form
from toolkit.inputs.roster import Agency
from toolkit.template.workbook import write_workbook

CACHE = Path(__file__).resolve().parent / ".cache"


def _one(args: tuple[Path, int]) -> None:
    folder, index = args
    form = standard_form()
    rng = random.Random(index)
    columns = ["natural", "business", "research", "public_interest", "legal_service", "other_org"]
    values: dict[str, float] = {}
    for column in columns:  # a balanced table 3: every application gets one result
        new = rng.choice((0, 0, 1, 2, 5, 12))
        values[f"t3.new.{column}"] = new
        for _ in range(new):
            row = rng.choice(
                ("granted", "granted", "partial", "unable_not_held", "declined_repeat")
            )
            key = f"t3.{row}.{column}"
            values[key] = values.get(key, 0) + 1
    values["t2.licensing.decisions"] = rng.randint(0, 3000)
    values["t2.penalty.decisions"] = rng.randint(0, 500)
    texts = {p: "本年度未收取信息处理费。" for p in form.parts}
    texts["s1.request"] = (
        f"本年新收政府信息公开申请{sum(values[f't3.new.{c}'] for c in columns)}件。"
    )
    agency = Agency(code=f"P{index:05d}", name=f"测试单位{index}")
    write_workbook(
        folder / f"{agency.code}.xlsx",
        form=form,
        identity=identity_for(form, agency, 2025, "基准省", datetime(2025, 12, 1)),
        password="bench",
        fill=Fill(values=values, texts=texts),
    )


def make_files(count: int) -> list[Path]:
    folder = CACHE / f"scale-{count}"
    files = sorted(folder.glob("*.xlsx"))
    if len(files) != count:
        folder.mkdir(parents=True, exist_ok=True)
        with ProcessPoolExecutor() as pool:
            list(pool.map(_one, [(folder, i) for i in range(count)], chunksize=50))
        files = sorted(folder.glob("*.xlsx"))
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10_000)
    args = parser.parse_args()
    files = make_files(args.files)
    from toolkit.rollup.rollup import rollup

    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        result = rollup(
            [files[0].parent], out=Path(scratch) / "rollup.xlsx", year=2025, form=standard_form()
        )
        elapsed = time.perf_counter() - start
        size = (Path(scratch) / "rollup.xlsx").stat().st_size
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"cores: {os.cpu_count()}  workbooks: {len(files)}  included: {len(result.included)}")
    print(f"check + rollup: {elapsed:.1f} s = {len(files) / elapsed:.0f} workbooks/s")
    print(f"peak memory: main process {own:.0f} MiB, largest worker {workers:.0f} MiB")
    print(f"rollup workbook: {size / 1024 / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
