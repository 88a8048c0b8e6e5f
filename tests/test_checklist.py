"""The checklist for adding a rule or a form (README "Checklist: adding a rule or a form", and the
header of templates/gov-info-2021.toml): each test names the missing item and the step adding it.
The snapshot (step 4) and the LibreOffice reference (step 5) fail in their own tests, whose
messages say how to rewrite them."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from toolkit.core.bundled import STANDARD_FILE, bundled
from toolkit.core.catalogue import finding_codes
from toolkit.core.texts import Severity
from toolkit.form.form import Form
from toolkit.form.form_file import load_form

from .conftest import ROOT, SAMPLES

README = ROOT / "README.md"
INVALID = SAMPLES / "returned" / "invalid"
# The bundled form files (templates/ also holds mail texts and the figures file, which are no forms).
BUNDLED = sorted(
    p for p in (ROOT / "templates").glob("*.toml") if "form" in tomllib.loads(p.read_text("utf-8"))
)
CHECKLIST = "README.md, “Checklist: adding a rule or a form”"


def _readme_codes() -> dict[str, tuple[str, str]]:
    """README's finding codes table: code -> (severity column, meaning column)."""
    text = README.read_text(encoding="utf-8")
    assert "### Finding codes" in text, "README.md has lost its “Finding codes” section"
    section = text.split("### Finding codes", 1)[1].split("\n## ", 1)[0]
    rows = re.finditer(r"^\| `([^`]+)` \| ([^|]+?) \| ([^|]+?) \|$", section, re.MULTILINE)
    return {m.group(1): (m.group(2), m.group(3)) for m in rows}


@pytest.mark.parametrize("path", BUNDLED, ids=[p.name for p in BUNDLED])
def test_every_rule_of_a_bundled_form_is_in_the_readme_codes_table(path: Path) -> None:
    form = load_form(path)
    table = _readme_codes()
    for rule in form.rules:
        row = f"| `{rule.id}` | {Severity(rule.severity).title} ({rule.severity}) | {rule.title} |"
        assert rule.id in table, (
            f"rule {rule.id} of {path.name} is missing from README.md's finding codes table "
            f"(checklist step 2: add the row {row}; {CHECKLIST})"
        )
        assert table[rule.id] == (f"{Severity(rule.severity).title} ({rule.severity})", rule.title), (
            f"README.md's row for rule {rule.id} does not match {path.name} "
            f"(checklist step 2: the row should read {row})"
        )  # fmt: skip


def test_readme_codes_table_lists_every_code_and_no_other(form: Form) -> None:
    table = _readme_codes()
    rules = {r.id for p in BUNDLED for r in load_form(p).rules}
    for code in finding_codes(form):
        assert code in table, (
            f"finding code {code} (toolkit/core/catalogue.py) is missing from README.md's finding "
            f"codes table (checklist step 2; {CHECKLIST})"
        )
    stale = sorted(set(table) - set(finding_codes(form)) - rules)
    assert not stale, f"README.md lists codes that nothing reports any more: {stale}"


def _single_file_rules(form: Form) -> list[str]:
    """Rules one returned file can break on its own; `previous` rules need last year's file too
    and are tested with it (tests/test_check.py, tests/test_rollup.py)."""
    return [rule.id for rule in form.rules if rule.kind != "previous"]


def test_every_rule_of_the_standard_form_has_an_invalid_sample(form: Form) -> None:
    expected = json.loads((INVALID / "expected.json").read_text(encoding="utf-8"))
    step = (
        "checklist step 3: add a case that breaks only this rule to samples/build_invalid.py "
        "and run `.venv/bin/python samples/build.py`"
    )
    for rule in _single_file_rules(form):
        assert (INVALID / f"{rule}.xlsx").is_file(), (
            f"rule {rule} of {STANDARD_FILE} has no invalid sample "
            f"samples/returned/invalid/{rule}.xlsx ({step})"
        )
        assert rule in expected, (
            f"rule {rule} of {STANDARD_FILE} has no entry (sheet, cell) in "
            f"samples/returned/invalid/expected.json ({step})"
        )


def test_rule_ids_cannot_shadow_a_fixed_finding_code(tmp_path: Path) -> None:
    """A rule called like a fixed code (`blank`) would take over its title and message."""
    text = bundled().read_text(encoding="utf-8")
    path = tmp_path / "clash.toml"
    path.write_text(text.replace('id = "t3-balance"', 'id = "blank"', 1), encoding="utf-8")
    with pytest.raises(ValueError, match="blank"):
        load_form(path)


def test_the_checklist_is_written_where_a_form_editor_looks() -> None:
    header = bundled().read_text(encoding="utf-8").split("[form]", 1)[0]
    readme = README.read_text(encoding="utf-8")
    for text, where in ((header, STANDARD_FILE), (readme, "README.md")):
        for item in ("expected.json", "build_invalid.py", "NIANBAO_UPDATE_SNAPSHOT",
                     "tests.reference.build", "Finding codes", "--form"):  # fmt: skip
            assert item in text, f"the checklist in {where} does not mention {item}"
