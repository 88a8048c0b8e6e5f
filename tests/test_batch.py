"""Several files of one agency, replaced files, conflicts and rosters: what the batch decides."""

from __future__ import annotations

import io
import os
import re
import shutil
import sys
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from toolkit.check.check import check
from toolkit.cli.cli import app
from toolkit.form.form_file import standard_form
from toolkit.form.identity import read_key
from toolkit.inputs.roster import Agency

from .conftest import FORM, SAMPLES

sys.path.insert(0, str(SAMPLES))
import build_invalid

RETURNED = SAMPLES / "returned"
KEY = read_key(SAMPLES)  # the sample office's key: every sample carries its agency's token
BASE = next(RETURNED.glob("QK005-*.xlsx"))
runner = CliRunner()


def _saved(data: bytes, stamp: str) -> bytes:
    """The workbook as if saved at `stamp` (docProps/core.xml dcterms:modified)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp.encode() + rb"\g<2>",
                    body,
                )
            target.writestr(info, body)
    return out.getvalue()


def _blank() -> bytes:
    """QK005's report with one input of 三 left empty (an error the correction fixes)."""
    _, ref, part = build_invalid._where(standard_form(), "t3.granted.research")
    return build_invalid._set_cell(BASE.read_bytes(), part, ref, "")


def _replaced(data: bytes, old: bytes, new: bytes) -> bytes:
    """The workbook with a text replaced inside its parts (identity fields, figures)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info).replace(old, new))
    return out.getvalue()


def _pair(folder: Path, first: bytes, second: bytes) -> tuple[Path, Path]:
    """Two files of one agency with the SAME file-system time, as attachments saved in bulk."""
    folder.mkdir()
    a, b = folder / "a-原报.xlsx", folder / "b-更正.xlsx"
    a.write_bytes(first)
    b.write_bytes(second)
    for path in (a, b):
        os.utime(path, (1_700_000_000, 1_700_000_000))
    return a, b


def test_the_save_time_recorded_in_the_file_decides_not_the_name_or_file_time(
    tmp_path: Path,
) -> None:
    # The corrected copy sorts first by name, yet was saved later: it must win.
    corrected = _saved(BASE.read_bytes(), "2024-01-10T08:00:00Z")
    original = _saved(_blank(), "2024-01-05T08:00:00Z")
    folder = tmp_path / "returned"
    folder.mkdir()
    (folder / "a-更正.xlsx").write_bytes(corrected)
    (folder / "z-原报.xlsx").write_bytes(original)
    for path in folder.iterdir():
        os.utime(path, (1_700_000_000, 1_700_000_000))
    report = check([folder], year=2023, key=KEY, form=FORM)
    used = [r for r in report.files if r.in_use]
    assert [Path(r.path).name for r in used] == ["a-更正.xlsx"]
    (finding,) = [f for f in report.batch_findings if f.code == "duplicate-agency"]
    assert "文件中记录的保存时间" in finding.message and "a-更正.xlsx" in finding.message


def test_a_replaced_file_does_not_count(tmp_path: Path) -> None:
    folder = tmp_path / "returned"
    _pair(
        folder,
        _saved(_blank(), "2024-01-05T08:00:00Z"),
        _saved(BASE.read_bytes(), "2024-01-10T08:00:00Z"),
    )
    report = check([folder], year=2023, key=KEY, form=FORM)
    old = next(r for r in report.files if r.superseded)
    assert old.status == "failed" and old.count("error") == 1  # kept in the JSON, marked
    assert report.exit_code == 0 and report.errors == 0
    assert report.headline() == "1个单位全部通过（另有1份已被替代的文件不计）。"
    result = runner.invoke(app, ["check", str(folder), "--year", "2023", "--issued", str(SAMPLES)])
    assert result.exit_code == 0, result.output
    assert "1个单位全部通过" in result.output
    data = report.to_dict()
    assert [f["superseded"] for f in data["files"]].count(True) == 1


def test_differing_reports_without_verified_identity_are_a_conflict(tmp_path: Path) -> None:
    """Without the office's key, differing reports of one agency are settled by the office: the
    file time alone (or the time a file says it was saved) never decides."""
    folder = tmp_path / "returned"
    _pair(
        folder,
        _saved(_blank(), "2024-01-05T08:00:00Z"),
        _saved(BASE.read_bytes(), "2024-01-10T08:00:00Z"),
    )
    # a second, different report whose figures differ: without the office's key nobody can say
    # which one the agency sent, so neither is used
    other = tmp_path / "returned" / "c-另一份.xlsx"
    changed = _replaced(BASE.read_bytes(), b"<v>3</v>", b"<v>4</v>")
    other.write_bytes(_saved(changed, "2024-01-11T08:00:00Z"))
    report = check([folder], year=2023, form=FORM)
    assert report.exit_code == 1
    (conflict,) = [f for f in report.batch_findings if f.code == "agency-conflict"]
    assert "无法核验" in conflict.message
    assert all(r.conflict and not r.in_use for r in report.files)


def test_equal_times_everywhere_cannot_decide(tmp_path: Path) -> None:
    folder = tmp_path / "returned"
    stamp = "2024-01-05T08:00:00Z"
    _pair(folder, _saved(_blank(), stamp), _saved(BASE.read_bytes(), stamp))
    report = check([folder], year=2023, key=KEY, form=FORM)
    (conflict,) = [f for f in report.batch_findings if f.code == "agency-conflict"]
    assert "无法判断哪份是最新的" in conflict.message
    assert report.exit_code == 1


def test_the_same_report_twice_is_only_a_note(tmp_path: Path) -> None:
    folder = tmp_path / "returned"
    folder.mkdir()
    shutil.copy(BASE, folder / "a.xlsx")
    shutil.copy(BASE, folder / "b.xlsx")
    report = check([folder], year=2023, form=FORM)
    (finding,) = [f for f in report.batch_findings if f.code == "duplicate-agency"]
    assert "相同" in finding.message
    assert report.exit_code == 0 and sum(r.in_use for r in report.files) == 1


def test_a_roster_stripped_of_leading_zeros_still_matches_with_a_hint(tmp_path: Path) -> None:
    report = check([BASE], year=2023, roster=[Agency(code="qk005 ", name="区民政局")], form=FORM)
    assert not [f for f in report.batch_findings if f.code in ("missing-agency", "unknown-agency")]
    numeric = tmp_path / "001.xlsx"
    numeric.write_bytes(_replaced(BASE.read_bytes(), b"QK005", b"00005"))
    report = check([numeric], year=2023, roster=[Agency(code="5", name="区民政局")], form=FORM)
    codes = [f.code for f in report.batch_findings]
    assert "roster-leading-zeros" in codes and "missing-agency" not in codes
    # the file's own code stays the agency's code: the roster's spelling only finds it
    assert report.files[0].agency_code == "00005"


def test_a_relabelled_file_is_caught_with_the_key_and_only_then() -> None:
    relabelled = RETURNED / "invalid" / "identity-mismatch.xlsx"
    (result,) = check([relabelled], year=2023, key=KEY, form=FORM).files
    (finding,) = [f for f in result.findings if f.code == "identity-mismatch"]
    assert finding.severity == "error" and f"（{result.agency_code}）" in finding.message
    assert result.verified is False
    (unverified,) = check([relabelled], year=2023, form=FORM).files
    assert unverified.verified is None and unverified.status == "passed"
    (genuine,) = check([BASE], year=2023, key=KEY, form=FORM).files
    assert genuine.verified is True and genuine.status == "passed"
