"""The library a script calls (`import toolkit as nianbao`): the names it exports load on first use,
give what the commands give, and carry types a script's type checker reads."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

import toolkit as nianbao
from toolkit.cli.cli import app

from .conftest import ROOT, SAMPLES

RETURNED = sorted((SAMPLES / "returned").glob("*.xlsx"))
ROSTER = SAMPLES / "roster.csv"


def test_import_toolkit_loads_no_part_of_the_library() -> None:
    """A script that only asks the version (or the CLI's `--version`) pays for nothing else."""
    probe = (
        "import sys, toolkit\n"
        "print(toolkit.__version__)\n"
        "print(sorted(m for m in sys.modules if m.startswith('toolkit.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    version, loaded = done.stdout.splitlines()
    assert version == nianbao.__version__ and loaded == "[]"


@pytest.mark.parametrize("name", sorted(set(nianbao.__all__) - {"__version__"}))
def test_every_public_name_loads_and_is_annotated(name: str) -> None:
    value = getattr(nianbao, name)
    assert name in dir(nianbao)
    if inspect.isfunction(value):
        signature = inspect.signature(value)
        missing = [
            p
            for p in signature.parameters
            if signature.parameters[p].annotation is inspect.Parameter.empty
        ]
        assert not missing, f"{name}: parameters without a type: {missing}"
        assert signature.return_annotation is not inspect.Signature.empty, name
        assert value.__doc__, f"{name} says what it does"


def test_all_lists_every_export_once() -> None:
    assert sorted(nianbao.__all__) == sorted(["__version__", *nianbao._EXPORTS])
    assert len(set(nianbao.__all__)) == len(nianbao.__all__)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_step"):
        nianbao.no_such_step  # noqa: B018


def test_a_script_runs_the_year_with_the_results_of_the_commands(tmp_path: Path) -> None:
    """generate, check, rollup through the library give what the commands give on the samples."""
    form = nianbao.standard_form()
    agencies = nianbao.read_roster(ROSTER)
    made = nianbao.generate(
        agencies,
        year=2023,
        out_dir=tmp_path / "模板",
        district="示范区",
        form=form,
        generated_at=datetime(2023, 12, 1, 9),
    )
    assert len(made.files) == len(agencies) == 13
    key = nianbao.find_key(None, ROSTER)  # beside the roster, where the commands look for it
    assert key is not None
    report = nianbao.check_files(
        RETURNED, form=form, roster=agencies, year=2023, district="示范区", key=key
    )
    nianbao.write_json(report, tmp_path / "api.json")
    result = CliRunner().invoke(
        app,
        ["check", *map(str, RETURNED), "--roster", str(ROSTER), "--year", "2023",
         "--district", "示范区", "--json", str(tmp_path / "cli.json"), "--quiet"],
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    by_api = json.loads((tmp_path / "api.json").read_text(encoding="utf-8"))
    by_cli = json.loads((tmp_path / "cli.json").read_text(encoding="utf-8"))
    assert by_api["files"] == by_cli["files"]
    assert by_api["batch_findings"] == by_cli["batch_findings"]
    rolled = nianbao.rollup_files(
        RETURNED, out=tmp_path / "汇总.xlsx", form=form, roster=agencies, year=2023,
        district="示范区", generated_at=datetime(2024, 2, 1, 9), key=key,
    )  # fmt: skip
    assert (tmp_path / "汇总.xlsx").is_file() and rolled.included


def test_a_bad_input_raises_the_exported_usage_error_in_chinese(tmp_path: Path) -> None:
    with pytest.raises(nianbao.UsageError) as caught:
        nianbao.read_roster(tmp_path / "无此名单.csv")
    assert "名单" in str(caught.value)
    (tmp_path / "bad.toml").write_text("id = 1\n", encoding="utf-8")
    with pytest.raises(nianbao.FormError):
        nianbao.load_form(tmp_path / "bad.toml")


def test_a_scripts_type_checker_reads_the_types(tmp_path: Path) -> None:
    """mypy on a script: a right call passes, a year given as a list is an error, at its line."""
    script = tmp_path / "script.py"
    script.write_text(
        "from pathlib import Path\n"
        "import toolkit as nianbao\n"
        "form = nianbao.standard_form()\n"
        "report = nianbao.check_files([Path('报回')], form=form, year=2025)\n"
        "codes: list[str] = [r.agency_code for r in report.files]\n"
        "nianbao.check_files([Path('报回')], form=form, year=[2025])\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--follow-imports=silent",
         "--ignore-missing-imports", str(script)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1 and "script.py:6:" in errors[0] and '"year"' in errors[0], done.stdout
