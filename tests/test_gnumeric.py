"""Reports saved by Gnumeric (issue 25, part 5): the valid samples QK004 (a fee of 44.32 万元) and
QK005 (a fee of 0) opened and saved by Gnumeric's `ssconvert` 1.12.55 as .xlsx, .xls and .ods
(tests/producers/gnumeric/, made once by the real program: see tests/producers/README.md) check
exactly as the originals: the same figures in every cell, the same findings.

Before: Gnumeric's .xls showed the 万元 fee to python-calamine as a time (0 as 00:00, a
`not-a-number` error) and its .ods, indented, was `unreadable`."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from toolkit.check.check import check
from toolkit.check.inspection import FileCheck

from .conftest import FORM, SAMPLES

GNUMERIC = Path(__file__).resolve().parent / "producers" / "gnumeric"
SAVED = sorted(GNUMERIC.glob("QK00*-gnumeric.*"))


def _original(saved: Path) -> Path:
    return next((SAMPLES / "returned").glob(f"{saved.name[:5]}-*.xlsx"))


def test_the_corpus_has_each_format_of_each_sample() -> None:
    assert sorted(p.name for p in SAVED) == [
        f"{code}-gnumeric.{ext}" for code in ("QK004", "QK005") for ext in ("ods", "xls", "xlsx")
    ]


@pytest.mark.parametrize("saved", SAVED, ids=lambda p: p.name)
def test_a_report_saved_by_gnumeric_reads_as_the_original(saved: Path) -> None:
    one = FileCheck(FORM, "2023", "示范区")
    theirs, ours = one(saved), one(_original(saved))
    assert theirs.evaluable, [f.message for f in theirs.findings]
    differ = {
        key: (theirs.values.get(key), value)
        for key, value in ours.values.items()
        if not (
            theirs.values.get(key) == value
            or (math.isnan(value) and math.isnan(theirs.values.get(key, 0.0)))
        )
    }
    assert not differ
    assert theirs.texts == ours.texts
    assert theirs.values["t2.fees.fee_amount"] == (44.32 if "QK004" in saved.name else 0.0)


@pytest.mark.parametrize("saved", SAVED, ids=lambda p: p.name)
def test_a_report_saved_by_gnumeric_checks_as_the_original(saved: Path) -> None:
    (theirs,) = check([saved], form=FORM, year=2023, district="示范区").files
    (ours,) = check([_original(saved)], form=FORM, year=2023, district="示范区").files
    assert theirs.status == ours.status
    assert [(f.code, f.cell) for f in theirs.findings] == [(f.code, f.cell) for f in ours.findings]
