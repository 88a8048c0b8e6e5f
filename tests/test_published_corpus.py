"""The corpus of real published reports (tests/reference/published/) is well formed.

Each report file has a hand-transcribed `<name>.expected.toml` beside it: its source recorded, every
cell key a real cell of the bundled form, every cell either transcribed or listed as missing, the six
sections stated, and every noted mistake named by a real rule id. The importer's own tests compare
its output against these files; this module only guards the corpus itself, so that a typo in a
transcription fails here with a clear message instead of as a puzzling import difference.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from toolkit.form.form_file import standard_form

CORPUS = Path(__file__).parent / "reference" / "published"
EXPECTED_SUFFIX = ".expected.toml"
REPORT_SUFFIXES = {".html", ".htm", ".txt", ".docx", ".pdf"}
MAX_BYTES = 1_000_000

FORM = standard_form()
CELL_KEYS = frozenset(FORM.cells)
RULE_IDS = frozenset(rule.id for rule in FORM.rules)
SECTION_KEYS = frozenset(section.key for section in FORM.sections)


def _reports() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.suffix.lower() in REPORT_SUFFIXES)


def _expected_of(report: Path) -> Path:
    return report.with_name(report.name[: -len(report.suffix)] + EXPECTED_SUFFIX)


def _load(report: Path) -> dict:
    with _expected_of(report).open("rb") as handle:
        return tomllib.load(handle)


REPORTS = _reports()
IDS = [p.name for p in REPORTS]


def test_the_corpus_holds_every_source_format() -> None:
    suffixes = {p.suffix.lower() for p in REPORTS}
    assert {".html", ".txt", ".docx", ".pdf"} <= suffixes
    assert len(REPORTS) >= 8


def test_no_two_reports_share_an_expected_file() -> None:
    names = [_expected_of(p).name for p in REPORTS]
    assert len(names) == len(set(names))


def test_every_expected_file_belongs_to_a_report() -> None:
    stems = {_expected_of(p).name for p in REPORTS}
    orphans = [p.name for p in CORPUS.glob("*" + EXPECTED_SUFFIX) if p.name not in stems]
    assert orphans == []


@pytest.mark.parametrize("report", REPORTS, ids=IDS)
def test_report_is_small_and_has_its_expected_file(report: Path) -> None:
    assert report.stat().st_size < MAX_BYTES
    assert _expected_of(report).is_file(), f"{report.name} has no {EXPECTED_SUFFIX}"


@pytest.mark.parametrize("report", REPORTS, ids=IDS)
def test_source_and_identity_are_recorded(report: Path) -> None:
    expected = _load(report)
    for field in ("source", "found_in", "agency", "format_notes"):
        assert isinstance(expected.get(field), str) and expected[field].strip(), field
    assert isinstance(expected.get("year"), int) and 2019 <= expected["year"] <= 2100


@pytest.mark.parametrize("report", REPORTS, ids=IDS)
def test_cells_are_real_form_cells_and_complete(report: Path) -> None:
    expected = _load(report)
    cells = expected.get("cells", {})
    missing = expected.get("missing", [])
    assert set(cells) <= CELL_KEYS, sorted(set(cells) - CELL_KEYS)
    assert set(missing) <= CELL_KEYS, sorted(set(missing) - CELL_KEYS)
    assert len(missing) == len(set(missing)), "a key is listed twice in missing"
    assert not set(cells) & set(missing), sorted(set(cells) & set(missing))
    # Every cell of the form is either transcribed or declared missing: nothing is forgotten.
    assert set(cells) | set(missing) == CELL_KEYS, sorted(CELL_KEYS - set(cells) - set(missing))


@pytest.mark.parametrize("report", REPORTS, ids=IDS)
def test_cell_values_are_figures_or_the_published_text(report: Path) -> None:
    for key, value in _load(report).get("cells", {}).items():
        if isinstance(value, bool):
            pytest.fail(f"{key}: a boolean is not a cell value")
        if isinstance(value, int | float):
            assert value >= 0, key
            if FORM.cells[key].type == "count":
                assert isinstance(value, int), f"{key}: a count is a whole number"
        else:
            assert isinstance(value, str), key


@pytest.mark.parametrize("report", REPORTS, ids=IDS)
def test_sections_and_mistakes_name_real_keys(report: Path) -> None:
    expected = _load(report)
    sections = expected.get("sections", {})
    assert set(sections) == SECTION_KEYS
    assert all(isinstance(v, bool) for v in sections.values())
    mistakes = expected.get("mistakes", {})
    assert set(mistakes) <= RULE_IDS, sorted(set(mistakes) - RULE_IDS)
    assert all(isinstance(v, str) and v.strip() for v in mistakes.values())


KNOWN_OPEN_CHECKS = {"figures", "title_sections"}


@pytest.mark.parametrize("report", REPORTS, ids=IDS)
def test_known_open_marks_name_a_check_and_say_why(report: Path) -> None:
    """A blind-set report the importer cannot read yet says so under [known_open], one reason per check
    of tests/test_published_corpus_import.py that fails on it today (that test expects those to fail)."""
    known_open = _load(report).get("known_open", {})
    assert set(known_open) <= KNOWN_OPEN_CHECKS, sorted(set(known_open) - KNOWN_OPEN_CHECKS)
    assert all(isinstance(v, str) and "issue" in v for v in known_open.values())


def test_readme_lists_every_report() -> None:
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    unlisted = [p.name for p in REPORTS if p.name not in readme]
    assert unlisted == []
