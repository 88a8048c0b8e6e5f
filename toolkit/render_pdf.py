"""Converts rendered .docx files to PDF with headless LibreOffice.

One soffice process converts a whole batch (each start costs about a second), with its own
throw-away user profile (so a desktop LibreOffice that is open, or a broken profile, does not
interfere), in its own process group (soffice is a script that starts oosplash, which starts
soffice.bin: the whole group is killed when the time is up), and with its output captured: the
library prints nothing. The fonts come from fontconfig; without a CJK font (fonts-noto-cjk, see
scripts/ensure-fonts.sh) the PDF would show empty boxes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .catalogue import UsageError

__all__ = ["SECONDS_PER_FILE", "pdf_available", "to_pdf"]

SECONDS_BASE = 60.0  # LibreOffice's start, cold
SECONDS_PER_FILE = 20.0


# Where the report's fonts are not installed (any machine but a Chinese Windows one), fontconfig
# would pick any face with the glyphs, often a sans one for every style. This configuration, used
# only by the soffice started here, maps the serif faces (宋, 仿宋, 楷, 小标宋) to Noto Serif CJK
# and 黑体 to Noto Sans CJK; installed real fonts still win (an alias only adds a preference).
_SERIF = ("方正小标宋简体", "华文中宋", "仿宋_GB2312", "仿宋", "FangSong", "宋体", "SimSun",
          "楷体_GB2312", "楷体", "KaiTi")  # fmt: skip
_SANS = ("黑体", "SimHei")
_FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
{aliases}
  <match target="pattern">
    <test name="family"><string>方正小标宋简体</string></test>
    <edit name="weight" mode="assign"><const>bold</const></edit>
  </match>
</fontconfig>
"""


def _fonts_conf() -> str:
    aliases = [
        f"  <alias><family>{name}</family><prefer><family>{target}</family></prefer></alias>"
        for names, target in ((_SERIF, "Noto Serif CJK SC"), (_SANS, "Noto Sans CJK SC"))
        for name in names
    ]
    return _FONTS_CONF.format(aliases="\n".join(aliases))


def soffice() -> str | None:
    """The soffice executable, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf_available() -> bool:
    return soffice() is not None


def to_pdf(documents: Sequence[Path], out_dir: Path) -> dict[Path, Path]:
    """Convert `documents` (.docx) into PDFs in `out_dir` (same stems); {document: pdf} for
    those that were converted. Raises UsageError when LibreOffice is missing or fails as a whole."""
    program = soffice()
    if program is None:
        raise UsageError("render-no-libreoffice")
    if not documents:
        return {}
    timeout = SECONDS_BASE + SECONDS_PER_FILE * len(documents)
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as scratch:
        profile = Path(scratch) / "profile"
        fonts = Path(scratch) / "fonts.conf"
        fonts.write_text(_fonts_conf(), encoding="utf-8")
        command = [
            program,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nolockcheck",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(out_dir),
            *(str(d) for d in documents),
        ]
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "HOME": scratch, "FONTCONFIG_FILE": str(fonts)},
        )
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            raise UsageError("render-pdf-timeout", seconds=int(timeout)) from None
        finally:
            _kill(process)
    made = {d: out_dir / f"{d.stem}.pdf" for d in documents}
    made = {d: p for d, p in made.items() if p.is_file() and p.stat().st_size > 0}
    if not made:
        reason = output.decode("utf-8", "replace").strip().splitlines()
        raise UsageError("render-pdf-failed", reason=(reason[-1] if reason else "没有输出"))
    return made


def _kill(process: subprocess.Popen[bytes]) -> None:
    """End soffice and everything it started (its process group): soffice.bin may outlive the
    script that started it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
