"""Shared fixtures: the standard form and templates generated once per test session."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from toolkit.form.form import Form
from toolkit.form.form_file import standard_form
from toolkit.inputs.roster import read_roster
from toolkit.template.generate import GenerateResult, generate

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
REFERENCE = Path(__file__).resolve().parent / "reference"
GENERATED_AT = datetime(2025, 12, 1, 9, 0, 0)
PASSWORD = "test-secret-2025"
FORM = standard_form()  # the library is always given its form; the tests give the bundled one


@pytest.fixture(scope="session")
def form() -> Form:
    return FORM


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> GenerateResult:
    """Templates for the sample roster, as `make demo` makes them (read-only for tests)."""
    return generate(
        read_roster(SAMPLES / "roster.csv"),
        year=2025,
        out_dir=tmp_path_factory.mktemp("templates"),
        district="示范区",
        contact="区政务公开办 张敏 0371-12345678",
        password=PASSWORD,
        generated_at=GENERATED_AT,
        form=FORM,
    )


@pytest.fixture(scope="session")
def template(generated: GenerateResult) -> Path:
    return generated.files[0]


def validations_by_cell(ws: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, object]:
    """Each validated cell of a sheet (openpyxl) with the data validation that covers it."""
    found: dict[str, object] = {}
    for dv in ws.data_validations.dataValidation:
        for cell_range in dv.sqref.ranges:
            for row in ws.iter_rows(
                min_row=cell_range.min_row, max_row=cell_range.max_row,
                min_col=cell_range.min_col, max_col=cell_range.max_col,
            ):  # fmt: skip
                found.update((cell.coordinate, dv) for cell in row)
    return found
