"""The bundled samples are what samples/build.py makes, and they reproduce the seed report."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from python_calamine import CalamineWorkbook

from toolkit.form.form import Form
from toolkit.form.layout import layout

from .conftest import REFERENCE, ROOT, SAMPLES

RETURNED = SAMPLES / "returned"


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.xlsx")}


def test_committed_samples_are_what_the_seeded_script_builds(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SAMPLES / "build.py"), "--out", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert _digests(tmp_path) == _digests(RETURNED)
    assert len(_digests(RETURNED)) == 13


def test_seed_agency_reproduces_the_published_report(form: Form) -> None:
    """QK003 carries the published 科技局 report's numbers (all 0) and its text verbatim."""
    (path,) = RETURNED.glob("QK003-*.xlsx")
    book = CalamineWorkbook.from_path(str(path))
    published = (REFERENCE / "000_257bd34ea451c6a3.txt").read_text(encoding="utf-8")
    texts = []
    for sheet in layout(form):
        rows = book.get_sheet_by_name(sheet.name).to_python()
        for key, area in sheet.cells.items():
            value = rows[area.row][area.col]
            if key in form.cells:
                assert value == 0, key
            elif value:
                texts.append(value)
    assert len(texts) >= 8
    for text in texts:
        assert text in published
    assert "2023 年，我局未收到依申请公开。" in texts
