"""Shared fixtures: the standard form and templates generated once per test session."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from toolkit.form import Form, standard_form
from toolkit.generate import GenerateResult, generate
from toolkit.roster import read_roster

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
REFERENCE = Path(__file__).resolve().parent / "reference"
GENERATED_AT = datetime(2025, 12, 1, 9, 0, 0)
PASSWORD = "test-secret-2025"


@pytest.fixture(scope="session")
def form() -> Form:
    return standard_form()


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
    )


@pytest.fixture(scope="session")
def template(generated: GenerateResult) -> Path:
    return generated.files[0]
