"""Builds the offline install folder for Windows office PCs: `make wheelhouse`.

The folder holds nianbao's own wheel, the win_amd64 wheels of every runtime dependency for CPython
3.11, 3.12 and 3.13, a requirements.txt, install.bat (creates a venv with the PC's Python and
installs from the folder alone: `pip install --no-index --find-links`) and 安装说明.txt. Copy the
folder to a USB stick; the PC needs Python but no internet.

The dependencies are read from pyproject.toml, so whatever a merge adds there is in the next
wheelhouse without touching this script. `pip download --platform win_amd64` evaluates environment
markers against *this* machine (Linux), so a Windows-only dependency (click's colorama) would be
missed: after each download the wheels' own metadata is read, its markers evaluated as Windows
would, and whatever is missing is downloaded too, until nothing is.

Usage: python scripts/wheelhouse.py [--out out/wheelhouse] [--python 3.11,3.12,3.13]
"""

from __future__ import annotations

import argparse
import email.parser
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "wheelhouse"  # install.bat and 安装说明.txt, as data
PYTHONS = ("3.11", "3.12", "3.13")
# What the whole build of a wheel reads (the same list as tests/test_packaging.py).
BUILD_INPUTS = ("pyproject.toml", "README.md", "toolkit", "templates")
# The web workbench (`nianbao serve`, issue 24) needs these; they are added here until
# pyproject.toml lists them (its branch is merged separately), and then add nothing.
WEB_DEPENDENCIES = ("starlette", "uvicorn", "jinja2", "python-multipart")
# install.bat is read by cmd.exe in the console's code page: GBK (936) on a Chinese Windows.
BAT_ENCODING = "gbk"


def runtime_requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[Requirement]:
    """nianbao's runtime dependencies as pyproject.toml lists them (plus an optional `serve` or
    `web` extra, should the web workbench arrive as one), then the web workbench's packages
    that it does not list yet."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    listed = list(project.get("dependencies", []))
    for extra in ("serve", "web"):
        listed += project.get("optional-dependencies", {}).get(extra, [])
    requirements = [Requirement(_strip_comment(line)) for line in listed]
    names = {canonicalize_name(r.name) for r in requirements}
    requirements += [Requirement(n) for n in WEB_DEPENDENCIES if canonicalize_name(n) not in names]
    return requirements


def extra_requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """The packages to install besides nianbao itself: those its wheel does not require."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    own = {canonicalize_name(Requirement(_strip_comment(d)).name) for d in project["dependencies"]}
    return [str(r) for r in runtime_requirements(pyproject) if canonicalize_name(r.name) not in own]


def _strip_comment(line: str) -> str:
    return line.split("#", 1)[0].strip()


def windows_environment(python: str) -> dict[str, str]:
    """The marker environment of 64-bit CPython `python` ("3.12") on Windows."""
    return {
        "implementation_name": "cpython",
        "implementation_version": f"{python}.0",
        "os_name": "nt",
        "platform_machine": "AMD64",
        "platform_python_implementation": "CPython",
        "platform_release": "10",
        "platform_system": "Windows",
        "platform_version": "10.0.19045",
        "python_full_version": f"{python}.0",
        "python_version": python,
        "sys_platform": "win32",
        "extra": "",
    }


def applies(requirement: Requirement, environment: dict[str, str]) -> bool:
    marker: Marker | None = requirement.marker
    return marker is None or marker.evaluate(environment)


def wheel_requirements(wheel: Path) -> list[Requirement]:
    """The Requires-Dist lines of a wheel's METADATA."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n))
        metadata = email.parser.BytesParser().parsebytes(archive.read(name), headersonly=True)
    return [Requirement(line) for line in metadata.get_all("Requires-Dist") or []]


def compatible(wheel: Path, python: str) -> bool:
    """Whether a wheel installs on 64-bit CPython `python` on Windows (abi3 wheels of an older
    CPython included, as pip sees it)."""
    return bool(parse_wheel_filename(wheel.name)[3] & supported_tags(python))


@cache
def supported_tags(python: str) -> frozenset[Tag]:
    version = tuple(int(part) for part in python.split("."))
    interpreter = f"cp{python.replace('.', '')}"
    return frozenset(
        [
            *cpython_tags(version, abis=[interpreter], platforms=["win_amd64"]),
            *compatible_tags(version, interpreter, platforms=["win_amd64"]),
        ]
    )


def missing(folder: Path, python: str) -> list[Requirement]:
    """Requirements (markers evaluated as on Windows) that no wheel in `folder` for `python`
    satisfies by name."""
    environment = windows_environment(python)
    wheels = [w for w in folder.glob("*.whl") if compatible(w, python)]
    present = {canonicalize_name(parse_wheel_filename(w.name)[0]) for w in wheels}
    needed: dict[str, Requirement] = {}
    for wheel in wheels:
        for requirement in wheel_requirements(wheel):
            if requirement.marker is not None and not applies(requirement, environment):
                continue
            name = canonicalize_name(requirement.name)
            if name not in present and name not in needed:
                needed[name] = Requirement(str(requirement).split(";", 1)[0])
    return sorted(needed.values(), key=lambda r: r.name)


def download(requirements: Iterable[Requirement | str], folder: Path, python: str) -> None:
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--disable-pip-version-check",
        "--only-binary=:all:",
        "--platform",
        "win_amd64",
        "--python-version",
        python,
        "--implementation",
        "cp",
        "--abi",
        f"cp{python.replace('.', '')}",
        "--abi",
        "abi3",
        "--abi",
        "none",
        "--find-links",
        str(folder),
        "--dest",
        str(folder),
        *(str(r) for r in requirements),
    ]
    print("+", " ".join(command[3:]), flush=True)
    subprocess.run(command, check=True)


def build_own_wheel(folder: Path) -> Path:
    """nianbao's wheel, built from a copy of the sources (nothing written into the checkout)."""
    with tempfile.TemporaryDirectory(prefix="nianbao-wheel-") as scratch:
        source = Path(scratch) / "source"
        for name in BUILD_INPUTS:
            path = ROOT / name
            if path.is_dir():
                shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                source.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, source / name)
        for old in folder.glob("nianbao-*.whl"):
            old.unlink()
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), source],
            check=True,
        )
    (wheel,) = folder.glob("nianbao-*.whl")
    return wheel


def requirements_text(version: str, extras: Sequence[str]) -> str:
    """requirements.txt of the folder: nianbao itself, then what its wheel does not pull in."""
    lines = [f"nianbao=={version}", *extras]
    return "\n".join(lines) + "\n"


def install_script(version: str, pythons: Sequence[str] = PYTHONS) -> bytes:
    """install.bat for this version: GBK, CRLF line ends (cmd.exe reads it in the console's code
    page; a UTF-8 batch file shows its Chinese lines as mojibake on a Chinese Windows)."""
    text = (DATA / "install.bat").read_text(encoding="utf-8")
    candidates = " ".join(reversed(pythons))  # newest first
    text = text.replace("@VERSION@", version).replace("@PYTHONS@", candidates)
    text = text.replace("@LOWEST@", pythons[0]).replace("@HIGHEST@", pythons[-1])
    text = text.replace("@LOWEST_TUPLE@", pythons[0].replace(".", ", "))
    text = text.replace("@HIGHEST_TUPLE@", pythons[-1].replace(".", ", "))
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode(BAT_ENCODING)


def guide(version: str, pythons: Sequence[str] = PYTHONS) -> bytes:
    """安装说明.txt: UTF-8 with a byte-order mark, which every Notepad opens correctly."""
    text = (DATA / "安装说明.txt").read_text(encoding="utf-8")
    text = text.replace("@VERSION@", version).replace("@PYTHONS@", "、".join(pythons))
    return "\ufeff".encode() + text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def build(out: Path, pythons: Sequence[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    wheel = build_own_wheel(out)
    version = parse_wheel_filename(wheel.name)[1]
    requirements = runtime_requirements()
    for python in pythons:
        download(requirements, out, python)
        for _ in range(
            10
        ):  # each round may bring wheels with Windows-only requirements of their own
            needed = missing(out, python)
            if not needed:
                break
            download(needed, out, python)
        else:
            raise SystemExit(f"Windows-only requirements still missing for {python}: {needed}")
    (out / "requirements.txt").write_text(
        requirements_text(str(version), extra_requirements()), encoding="utf-8"
    )
    (out / "install.bat").write_bytes(install_script(str(version), pythons))
    (out / "安装说明.txt").write_bytes(guide(str(version), pythons))
    wheels = sorted(out.glob("*.whl"))
    size = sum(w.stat().st_size for w in wheels)
    print(f"{out}: {len(wheels)} wheels, {size / 1e6:.1f} MB, nianbao {version}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "wheelhouse")
    parser.add_argument("--python", default=",".join(PYTHONS))
    args = parser.parse_args(argv)
    build(args.out, [p.strip() for p in args.python.split(",") if p.strip()])


if __name__ == "__main__":
    main()
