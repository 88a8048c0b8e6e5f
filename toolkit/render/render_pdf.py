"""Converts rendered .docx files to PDF with headless LibreOffice.

One soffice process converts a whole batch (each start costs about a second), with its own
throw-away user profile (so a desktop LibreOffice that is open, or a broken profile, does not
interfere), in its own process group (soffice is a script that starts oosplash, which starts
soffice.bin: the whole group is killed when the time is up), and with its output captured: the
library prints nothing. LibreOffice converts a copy of each .docx that names installed fonts
(`for_pdf`, from render_fonts.py's chains): left to itself it sets a missing 仿宋_GB2312 in Noto
Sans CJK, whatever fontconfig says. Without a CJK font (scripts/ensure-fonts.sh) the PDF would
show empty boxes.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..core import texts as tx
from ..core.catalogue import UsageError
from ..core.office import find_soffice

__all__ = ["SECONDS_PER_FILE", "for_pdf", "pdf_available", "to_pdf"]

SECONDS_BASE = 60.0  # LibreOffice's start, cold
SECONDS_PER_FILE = 20.0


def for_pdf(data: bytes) -> bytes:
    """A copy of a .docx for LibreOffice on this machine: every font it names that is not
    installed here is replaced by the first installed font of its chain (render_fonts.pdf_face),
    in bold where the chain says so (the title's stand-in for 小标宋). Fonts named nowhere in the
    chains are left to LibreOffice. The .docx given to the office keeps the office's names."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            body = source.read(item)
            if _FONT_PARTS.match(item.filename):
                body = _replace_fonts(body)
            target.writestr(item, body)
    return out.getvalue()


_FONT_PARTS = re.compile(r"word/(styles|document|header\d*|footer\d*|numbering)\.xml$")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _replace_fonts(xml: bytes) -> bytes:
    from lxml import etree

    from .render_fonts import pdf_face

    root = etree.fromstring(xml)
    changed = False
    for fonts in root.iter(f"{_W}rFonts"):
        bold = False
        for attribute in ("ascii", "hAnsi", "eastAsia", "cs"):
            name = fonts.get(_W + attribute)
            face = pdf_face(name) if name else None
            if face is not None:
                fonts.set(_W + attribute, face.name)
                bold, changed = bold or face.bold, True
        if bold:  # the style may say "not bold" (<w:b w:val="0"/>): the stand-in is bold
            anchor = fonts
            for tag in ("b", "bCs"):
                element = fonts.getparent().find(_W + tag)
                if element is None:
                    element = etree.Element(_W + tag)
                    anchor.addnext(element)
                element.attrib.pop(f"{_W}val", None)
                anchor = element
    if not changed:
        return xml
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# For fonts a document names that `for_pdf` did not replace (a document not written by nianbao, a
# theme's 宋体): a fontconfig file, used only by the soffice started here, that prefers for each
# font of a chain the first installed font of its chain. Installed real fonts still win.
_FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
{aliases}
</fontconfig>
"""


def _fonts_conf() -> str:
    from html import escape

    from .render_fonts import CHAINS, pdf_face

    aliases = [
        f"  <alias><family>{escape(face.name)}</family>"
        f"<prefer><family>{escape(target.name)}</family></prefer></alias>"
        for chain in CHAINS.values()
        for face in chain
        if (target := pdf_face(face.name)) is not None
    ]
    return _FONTS_CONF.format(aliases="\n".join(aliases))


def soffice() -> str | None:
    """The soffice executable (on PATH or in its usual install folder), or None."""
    return find_soffice()


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
            start_new_session=sys.platform != "win32",
            # Windows: no console window flashing up for every batch.
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
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
        raise UsageError("render-pdf-failed", reason=(reason[-1] if reason else tx.PDF_NO_OUTPUT))
    return made


def _kill(process: subprocess.Popen[bytes]) -> None:
    """End soffice and everything it started (its process group; on Windows its process tree):
    soffice.bin may outlive the program that started it."""
    if sys.platform == "win32":
        if process.poll() is None:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                subprocess.run(
                    ["taskkill", "/T", "/F", "/PID", str(process.pid)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
                    timeout=30,
                    check=False,
                )
            with contextlib.suppress(OSError):
                process.kill()
    else:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()
