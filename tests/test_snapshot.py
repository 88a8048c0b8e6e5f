"""A snapshot of one template, compared part by part with what the generator writes today.

Snapshot, not golden file: tests/snapshots/QK003-template-2025.xlsx was written by nianbao itself
and reviewed by eye, so this test catches any change in the bytes written, not whether they are
right. What a spreadsheet program makes of a template is checked against a file nianbao did not
write, LibreOffice's own save of a filled template (tests/test_reference.py).

Rewrite the snapshot after a reviewed change with `NIANBAO_UPDATE_SNAPSHOT=1 .venv/bin/python -m
pytest tests/test_snapshot.py`, then look at the workbook in a spreadsheet program before
committing it.
"""

from __future__ import annotations

import os
import re
import zipfile
from datetime import date
from pathlib import Path

from toolkit.form.contract import identity_for
from toolkit.form.form import Form
from toolkit.inputs.roster import Agency
from toolkit.template.workbook import write_workbook

from .conftest import GENERATED_AT

SNAPSHOT = Path(__file__).resolve().parent / "snapshots" / "QK003-template-2025.xlsx"
AGENCY = Agency(code="QK003", name="区科学技术局", contact="赵敏", email="kjj@shifanqu.gov.cn")


def _parts(path: Path) -> dict[str, str]:
    """The package's XML parts with what legitimately varies between writers removed."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name).decode("utf-8") for name in archive.namelist()}
    for name, text in parts.items():
        text = re.sub(r"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>", "", text)
        text = re.sub(r"<AppVersion>[^<]*</AppVersion>", "", text)
        if name.endswith(".rels"):  # relationship order carries no meaning
            text = "".join(sorted(re.findall(r"<Relationship [^>]*/>", text)))
        parts[name] = text
    return parts


def test_template_matches_its_reviewed_snapshot(form: Form, tmp_path: Path) -> None:
    made = tmp_path / "template.xlsx"
    write_workbook(
        made,
        form=form,
        identity=identity_for(form, AGENCY, 2025, "示范区", GENERATED_AT),
        deadline=date(2026, 1, 15),
        contact="区政务公开办 张敏 0371-12345678",
        password="golden",
    )
    if os.environ.get("NIANBAO_UPDATE_SNAPSHOT"):
        SNAPSHOT.write_bytes(made.read_bytes())
    expected, actual = _parts(SNAPSHOT), _parts(made)
    # A new or changed rule changes the template (checklist step 4 in README.md).
    rewrite = "if the change is intended, rewrite it with NIANBAO_UPDATE_SNAPSHOT=1 and review it"
    assert sorted(actual) == sorted(expected), rewrite
    for name in sorted(expected):
        assert actual[name] == expected[name], f"part {name} differs from the snapshot ({rewrite})"
