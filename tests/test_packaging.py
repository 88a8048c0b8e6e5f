"""`pip install .` (not editable) must carry the bundled form: the wheel holds templates/ as
toolkit.templates, and nianbao loads its form from the installed package, not from a checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT

# What the build reads; copied so that the build leaves nothing (build/, *.egg-info) in the tree.
BUILD_INPUTS = ("pyproject.toml", "README.md", "toolkit", "templates")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, source / name)
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (built,) = out.glob("nianbao-*.whl")
    return built


def test_the_wheel_holds_everything_in_templates(wheel: Path) -> None:
    """The forms, the mail texts, the figures file: whatever templates/ holds is read at run time."""
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = sorted(p.name for p in (ROOT / "templates").iterdir() if p.is_file())
    assert "gov-info-2021.toml" in shipped
    for name in shipped:
        member = f"toolkit/templates/{name}"
        assert member in names, f"templates/{name} is not packaged (pyproject.toml package-data)"
        packaged = zipfile.ZipFile(wheel).read(member)
        assert packaged == (ROOT / "templates" / name).read_bytes()


def test_the_wheel_holds_every_package_and_the_type_marker(wheel: Path) -> None:
    """Every sub-package of toolkit/ (pyproject.toml lists them by hand) and py.typed, which
    lets a script's type checker read the public API's types."""
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = sorted((ROOT / "toolkit").glob("*/__init__.py"))
    assert len(packages) >= 14
    for init in packages:
        member = init.relative_to(ROOT).as_posix()
        assert member in names, (
            f"{member} is not packaged (pyproject.toml [tool.setuptools] packages)"
        )
    assert "toolkit/py.typed" in names


def test_the_installed_package_loads_its_own_form(wheel: Path, tmp_path: Path) -> None:
    """Unpacked as pip installs it, away from the checkout: the form comes from the package."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    script = (
        "from toolkit.core.bundled import bundled\n"
        "from toolkit.form.form_file import standard_form\n"
        "from toolkit.mail.mail_message import load_text\n"
        "form = standard_form()\n"
        "print(bundled())\n"
        "print(form.id, len(form.cells), len(form.rules), bool(load_text('mail-send.txt').subject))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    where, loaded = done.stdout.splitlines()
    assert Path(where).is_relative_to(site), where
    form_id, cells, rules, mail_text = loaded.split()
    assert form_id == "gov-info-annual-report" and int(cells) > 100 and int(rules) >= 10
    assert mail_text == "True"  # the mail texts come from the package too


def test_the_wheel_holds_the_workbenchs_pages_and_static_files(wheel: Path) -> None:
    """`nianbao serve` renders its pages from toolkit/serve/templates and serves its CSS and
    script from toolkit/serve/static (package data): all of them in the wheel, as they are."""
    names = set(zipfile.ZipFile(wheel).namelist())
    serve = ROOT / "toolkit" / "serve"
    shipped = sorted([*serve.glob("templates/*.html"), *serve.glob("static/*")])
    assert len(shipped) >= 14
    for path in shipped:
        member = path.relative_to(ROOT).as_posix()
        assert member in names, f"{member} is not packaged (pyproject.toml package-data)"
        assert zipfile.ZipFile(wheel).read(member) == path.read_bytes()
