"""`make wheelhouse` builds the offline install folder for Windows office PCs. Its download is not
run here (it needs the internet); what it is made of is: the requirement list read from
pyproject.toml, the Windows-only requirements that `pip download --platform` would miss, and the
install script and guide an office PC reads."""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import wheelhouse


def _names(requirements: list[Requirement]) -> list[str]:
    return [r.name.lower() for r in requirements]


def test_the_requirements_are_pyproject_s_plus_the_web_workbench() -> None:
    names = _names(wheelhouse.runtime_requirements())
    for listed in ("xlsxwriter", "pandas", "python-calamine", "typer", "pdfplumber"):
        assert listed in names
    for web in ("starlette", "uvicorn", "jinja2", "python-multipart"):
        assert names.count(web) == 1
    assert len(names) == len(set(names))


def test_once_pyproject_lists_the_web_packages_they_come_from_it(tmp_path: Path) -> None:
    """After the web workbench's branch is merged, pyproject.toml lists them (with its bounds):
    nothing is added twice and the bounds are pyproject's."""
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "nianbao"\ndependencies = [\n  "rich>=13",\n'
        '  "starlette>=0.40",  # the web page\n  "Jinja2>=3.1",\n]\n'
        '[project.optional-dependencies]\nserve = ["uvicorn>=0.30"]\n',
        encoding="utf-8",
    )
    requirements = wheelhouse.runtime_requirements(pyproject)
    assert [str(r) for r in requirements] == [
        "rich>=13",
        "starlette>=0.40",
        "Jinja2>=3.1",
        "uvicorn>=0.30",
        "python-multipart",
    ]
    # nianbao's wheel brings its own dependencies; requirements.txt names only the others.
    assert wheelhouse.extra_requirements(pyproject) == ["uvicorn>=0.30", "python-multipart"]


def _wheel(folder: Path, name: str, version: str, tag: str, requires: list[str]) -> Path:
    path = folder / f"{name}-{version}-{tag}.whl"
    with zipfile.ZipFile(path, "w") as archive:
        metadata = [f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}"]
        metadata += [f"Requires-Dist: {r}" for r in requires]
        archive.writestr(f"{name}-{version}.dist-info/METADATA", "\n".join(metadata) + "\n")
    return path


def test_windows_only_requirements_are_found(tmp_path: Path) -> None:
    """click needs colorama on Windows only; pip download on Linux does not fetch it."""
    _wheel(tmp_path, "click", "8.1.7", "py3-none-any", ['colorama; platform_system == "Windows"'])
    _wheel(tmp_path, "uvloop", "0.19", "cp312-cp312-win_amd64", [])
    _wheel(
        tmp_path,
        "pandas",
        "2.2.0",
        "cp312-cp312-win_amd64",
        ['tzdata>=2022.7', 'pytz; sys_platform == "linux"', 'numpy>=1.26; python_version >= "3.12"'],
    )  # fmt: skip
    missing = [str(r) for r in wheelhouse.missing(tmp_path, "3.12")]
    assert missing == ["colorama", "numpy>=1.26", "tzdata>=2022.7"]
    # For 3.11 the cp312 wheel of pandas does not count, and neither do its requirements.
    assert [str(r) for r in wheelhouse.missing(tmp_path, "3.11")] == ["colorama"]
    _wheel(tmp_path, "colorama", "0.4.6", "py2.py3-none-any", [])
    assert [str(r) for r in wheelhouse.missing(tmp_path, "3.11")] == []


@pytest.mark.parametrize(
    ("tag", "pythons"),
    [
        ("cp311-abi3-win_amd64", ["3.11", "3.12", "3.13"]),
        ("cp312-cp312-win_amd64", ["3.12"]),
        ("py3-none-any", ["3.11", "3.12", "3.13"]),
        ("cp312-cp312-manylinux_2_17_x86_64", []),
        ("cp312-cp312-win32", []),
    ],
)
def test_which_wheel_installs_on_which_python(tmp_path: Path, tag: str, pythons: list[str]) -> None:
    wheel = _wheel(tmp_path, "x", "1.0", tag, [])
    assert [p for p in ("3.11", "3.12", "3.13") if wheelhouse.compatible(wheel, p)] == pythons


def test_the_install_script_installs_from_the_folder_alone() -> None:
    data = wheelhouse.install_script("1.2.3")
    text = data.decode("gbk")  # cmd.exe on a Chinese Windows reads the GBK code page
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    assert "@" not in re.sub(r"@echo off", "", text), "a placeholder left unfilled"
    install = next(line for line in text.splitlines() if "pip install" in line)
    assert "--no-index" in install and '--find-links "%HERE%."' in install
    assert '-r "%HERE%requirements.txt"' in install
    # The newest supported Python first, through the py launcher, then python on PATH.
    assert "for %%v in (3.13 3.12 3.11) do call :find py -%%v" in text
    assert "(3, 11) <= sys.version_info[:2] <= (3, 13)" in text
    assert "struct.calcsize('P') == 8" in text  # 64-bit only: pandas has no 32-bit wheels
    assert "nianbao 1.2.3" in text and "安装完成" in text and "64 位的 Python 3.11 至 3.13" in text
    assert "exit /b 1" in text  # a failure is an exit code, not a silent window


def test_the_guide_opens_in_notepad_and_names_the_version() -> None:
    data = wheelhouse.guide("1.2.3")
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert "nianbao 1.2.3" in text and "3.11、3.12、3.13" in text and "install.bat" in text


def test_requirements_text_pins_nianbao() -> None:
    text = wheelhouse.requirements_text("1.2.3", ["uvicorn", "jinja2"])
    assert text.splitlines() == ["nianbao==1.2.3", "uvicorn", "jinja2"]
