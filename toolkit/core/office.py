"""Where LibreOffice's `soffice` is: the one finder for every caller (PDF rendering, the tests'
LibreOffice harness).

On Linux and macOS it is on PATH (or in the app bundle); on Windows the installer puts it in
`%ProgramFiles%\\LibreOffice\\program\\soffice.exe` and does not add it to PATH, so the usual
install folders are searched without the registry: 64-bit and 32-bit Program Files, a per-user
install under `%LOCALAPPDATA%\\Programs`, and the versioned folder names of older releases
("LibreOffice 7"). `NIANBAO_SOFFICE` names the program outright when it is anywhere else.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

__all__ = ["ENV_VARIABLE", "find_soffice", "windows_candidates"]

ENV_VARIABLE = "NIANBAO_SOFFICE"
_MAC_BUNDLE = Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")


def find_soffice(
    environ: Mapping[str, str] | None = None, platform: str | None = None
) -> str | None:
    """The soffice program to run, or None: `NIANBAO_SOFFICE` when it names a file, then PATH,
    then the usual install folders of the platform (this one unless `platform` is given)."""
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    named = env.get(ENV_VARIABLE, "").strip().strip('"')
    if named and Path(named).is_file():
        return named
    search = env.get("PATH", os.defpath)
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name, path=search)
        if found:
            return found
    if platform == "win32":
        candidates: Iterator[Path] = windows_candidates(env)
    elif platform == "darwin":
        candidates = iter([_MAC_BUNDLE])
    else:
        return None
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    return None


def windows_candidates(environ: Mapping[str, str]) -> Iterator[Path]:
    """soffice.exe in each usual install folder on Windows, most likely first."""
    env = {k.upper(): v for k, v in environ.items()}  # Windows' variable names ignore case
    drive = env.get("SYSTEMDRIVE", "C:")
    roots = [
        env.get("PROGRAMFILES", ""),
        env.get("PROGRAMW6432", ""),  # the 64-bit folder, seen from a 32-bit Python
        env.get("PROGRAMFILES(X86)", ""),
        str(Path(env["LOCALAPPDATA"]) / "Programs") if env.get("LOCALAPPDATA") else "",
        f"{drive}\\Program Files",
        f"{drive}\\Program Files (x86)",
    ]
    seen: set[str] = set()
    for root in roots:
        if not root or root.lower() in seen:
            continue
        seen.add(root.lower())
        base = Path(root)
        yield base / "LibreOffice" / "program" / "soffice.exe"
        try:  # "LibreOffice 7", "LibreOffice 24.2": newest name first
            versioned = sorted(base.glob("LibreOffice*"), key=lambda p: p.name, reverse=True)
        except OSError:
            continue
        for folder in versioned:
            if folder.name != "LibreOffice":
                yield folder / "program" / "soffice.exe"
