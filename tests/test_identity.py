"""The office's key and the agency token: computed only with the key, kept, and found again."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from toolkit.form.contract import identity_for
from toolkit.form.identity import (
    KEY_FILE,
    agency_token,
    find_key,
    new_key,
    normalise_code,
    read_key,
)
from toolkit.inputs.roster import Agency
from toolkit.template.generate import generate

from .conftest import FORM, GENERATED_AT

FIELDS = {"form_id": "gov-info-2021", "form_version": "2021", "year": 2025, "district": "示范区"}


def test_same_inputs_same_token_and_other_agency_or_key_differs() -> None:
    key = new_key()
    one = agency_token(key, **FIELDS, agency_code="QK003")
    assert one == agency_token(key, **FIELDS, agency_code="QK003")
    assert len(one) == 32 and int(one, 16) >= 0
    assert one != agency_token(key, **FIELDS, agency_code="QK004")
    assert one != agency_token(new_key(), **FIELDS, agency_code="QK003")
    assert one != agency_token(key, **{**FIELDS, "year": 2024}, agency_code="QK003")
    assert one != agency_token(key, **{**FIELDS, "district": "邻区"}, agency_code="QK003")


def test_codes_are_normalised_before_hashing() -> None:
    """Full-width letters, stray and zero-width spaces and case do not make another agency."""
    assert normalise_code(" ｑｋ００３\u200b ") == "QK003"
    assert normalise_code("qk 003\u3000") == "QK003"
    key = new_key()
    assert agency_token(key, **FIELDS, agency_code="ＱＫ003 ") == agency_token(
        key, **FIELDS, agency_code="QK003"
    )


def test_identity_carries_the_token_only_with_a_key(form) -> None:
    agency = Agency(code="QK003", name="区科学技术局")
    key = new_key()
    with_key = identity_for(form, agency, 2025, "示范区", GENERATED_AT, key)
    assert with_key.token == agency_token(
        key,
        form_id=form.id,
        form_version=form.version,
        year=2025,
        district="示范区",
        agency_code="QK003",
    )
    assert ("token", with_key.token) in with_key.items()
    without = identity_for(form, agency, 2025, "示范区", GENERATED_AT)
    assert without.token == "" and "token" not in dict(without.items())


@pytest.mark.parametrize(
    ("year", "generated_at", "expected_year"),
    [
        ("2023年", "2023-12-01T09:00:00", "2023"),
        ("2023", "not a date", "2023"),
        ("二〇二三", datetime(2023, 12, 1), "二〇二三"),
        (2023, "", "2023"),
    ],
)
def test_odd_meta_values_never_raise(form, year, generated_at, expected_year) -> None:
    agency = Agency(code="qk003 ", name="区科学技术局")
    identity = identity_for(form, agency, year, "示范区", generated_at, new_key())
    assert identity.year == expected_year
    assert identity.agency_code == "QK003"
    assert len(identity.template_id) == 20 and len(identity.token) == 32


def test_key_file_is_created_once_and_kept(tmp_path: Path) -> None:
    agency = Agency(code="QK003", name="区科学技术局")
    first = generate([agency], year=2025, out_dir=tmp_path, generated_at=GENERATED_AT, form=FORM)
    key_path = tmp_path / KEY_FILE
    assert first.key_file == key_path
    text = key_path.read_text(encoding="utf-8")
    assert "单位校验密钥" in text and "勿发给填报单位" in text
    key = read_key(tmp_path)
    assert key is not None and read_key(key_path) == key
    late = Agency(code="QK014", name="区新设局")
    generate([late], year=2025, out_dir=tmp_path, generated_at=datetime(2026, 1, 5), form=FORM)
    assert key_path.read_text(encoding="utf-8") == text  # never overwritten
    assert read_key(tmp_path) == key


def test_find_key_prefers_issued_then_the_roster_folder(tmp_path: Path) -> None:
    issued, beside = tmp_path / "issued", tmp_path / "office"
    for folder in (issued, beside):
        generate(
            [Agency(code="A1", name="甲")],
            year=2025,
            out_dir=folder,
            generated_at=GENERATED_AT,
            form=FORM,
        )
    roster = beside / "roster.csv"
    roster.write_text("单位代码,单位名称\nA1,甲\n", encoding="utf-8")
    assert find_key(issued, roster) == read_key(issued) != read_key(beside)
    assert find_key(None, roster) == read_key(beside)
    assert find_key(None, tmp_path / "elsewhere" / "roster.csv") is None
    assert find_key(None, None) is None
    (tmp_path / "bad.txt").write_text("key:not-hex\n", encoding="utf-8")
    assert read_key(tmp_path / "bad.txt") is None
