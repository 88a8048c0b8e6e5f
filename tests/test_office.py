"""LibreOffice is found where it is installed: on PATH (Linux, macOS with a link), and on Windows
in its usual install folders, which its installer does not put on PATH. The Windows folders are
simulated with a fake tree and the environment variables that name them."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from toolkit.core.office import find_soffice
from toolkit.render import render_pdf


def _program(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"MZ")
    path.chmod(0o755)
    return path


def _windows(tmp_path: Path, **folders: str) -> dict[str, str]:
    """A Windows environment whose folders lie under tmp_path; PATH names an empty folder."""
    (tmp_path / "empty").mkdir(exist_ok=True)
    env = {"PATH": str(tmp_path / "empty"), "SYSTEMDRIVE": str(tmp_path / "nowhere")}
    env |= {name: str(tmp_path / folder) for name, folder in folders.items()}
    return env


@pytest.mark.parametrize(
    ("variable", "folder", "installed"),
    [
        ("ProgramFiles", "Program Files", "LibreOffice"),
        ("ProgramFiles(x86)", "Program Files (x86)", "LibreOffice"),  # 32-bit LibreOffice
        ("ProgramW6432", "Program Files", "LibreOffice"),  # seen from a 32-bit Python
        ("LOCALAPPDATA", "AppData/Local", "Programs/LibreOffice"),  # installed for one user
        ("PROGRAMFILES", "Program Files", "LibreOffice 7"),  # an older release's folder name
    ],
)
def test_windows_install_folders_are_searched(
    tmp_path: Path, variable: str, folder: str, installed: str
) -> None:
    program = _program(tmp_path / folder / installed / "program" / "soffice.exe")
    env = _windows(tmp_path, **{variable: folder})
    assert find_soffice(env, platform="win32") == str(program)
    # The same tree means nothing on Linux, where only PATH counts.
    assert find_soffice(env, platform="linux") is None


def test_without_the_variables_the_system_drive_is_searched(tmp_path: Path) -> None:
    """No ProgramFiles variable (a stripped environment): %SystemDrive%\\Program Files. Here the
    drive is a folder and the joined name "C:\\Program Files" one folder inside it."""
    program = _program(tmp_path / "C:\\Program Files" / "LibreOffice" / "program" / "soffice.exe")
    env = _windows(tmp_path)
    env["SYSTEMDRIVE"] = str(tmp_path / "C:")
    assert find_soffice(env, platform="win32") == str(program)


def test_the_newest_versioned_folder_comes_first(tmp_path: Path) -> None:
    _program(tmp_path / "PF" / "LibreOffice 6" / "program" / "soffice.exe")
    newer = _program(tmp_path / "PF" / "LibreOffice 7" / "program" / "soffice.exe")
    assert find_soffice(_windows(tmp_path, ProgramFiles="PF"), platform="win32") == str(newer)


def test_path_comes_before_the_install_folders(tmp_path: Path) -> None:
    _program(tmp_path / "PF" / "LibreOffice" / "program" / "soffice.exe")
    on_path = _program(tmp_path / "bin" / "soffice")
    env = _windows(tmp_path, ProgramFiles="PF")
    env["PATH"] = os.pathsep.join([env["PATH"], str(tmp_path / "bin")])
    assert find_soffice(env, platform="win32") == str(on_path)


def test_nianbao_soffice_names_it_anywhere(tmp_path: Path) -> None:
    program = _program(tmp_path / "D盘" / "绿色版" / "soffice.exe")
    env = _windows(tmp_path) | {"NIANBAO_SOFFICE": f'"{program}"'}  # quoted, as pasted
    assert find_soffice(env, platform="win32") == str(program)
    env["NIANBAO_SOFFICE"] = str(tmp_path / "没有这个文件.exe")
    assert find_soffice(env, platform="win32") is None


def test_nothing_installed_is_none(tmp_path: Path) -> None:
    env = _windows(tmp_path, ProgramFiles="PF", LOCALAPPDATA="AppData")
    assert find_soffice(env, platform="win32") is None
    assert find_soffice({"PATH": str(tmp_path)}, platform="darwin") in (None, str(
        Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")))  # fmt: skip


def test_pdf_rendering_uses_the_finder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`render --format pdf` finds LibreOffice in Program Files on a PC where it is not on PATH."""
    program = _program(tmp_path / "PF" / "LibreOffice" / "program" / "soffice.exe")
    for name, value in _windows(tmp_path, ProgramFiles="PF").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "platform", "win32")
    assert render_pdf.soffice() == str(program) and render_pdf.pdf_available()
    monkeypatch.setattr(sys, "platform", "linux")
    assert render_pdf.soffice() is None and not render_pdf.pdf_available()
