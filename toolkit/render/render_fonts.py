"""The published report's fonts: for each face GB/T 9704 names, the chain of fonts that can stand
for it, the names an office PC has first, then the free faces this project installs
(scripts/ensure-fonts.sh: fonts-noto-cjk, fonts-arphic-gkai00mp). The chains are declared once,
with the report's other words, in texts.REPORT_FONTS; this module gives them their uses.

Who reads the chains:
- render_template.py: each Word style names its chain's first font (w:eastAsia and the others),
  and the font table names the second as the Word/WPS substitute (w:altName).
- render_html.py: the CSS font-family lists, the whole chain then a generic family.
- render_pdf.py: the copy of a .docx that LibreOffice converts names, for every font not installed
  on this machine, the first installed font of its chain (`pdf_face`), so the PDF is set in serif
  faces for 仿宋, 宋 and 小标宋 and a Kai face for 楷体, never in whatever fontconfig would pick.

A chain's free stand-in may be marked bold: Noto Serif CJK SC in its regular weight is far lighter
than 方正小标宋, so the title takes its bold weight where the real face is missing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache

from ..core import texts as tx

__all__ = [
    "CHAINS",
    "Face",
    "chain_of",
    "css_family",
    "first",
    "font_faces_css",
    "installed",
    "pdf_face",
]


@dataclass(frozen=True)
class Face:
    name: str  # the family name, as Word, fontconfig and CSS know it
    bold: bool = False  # a regular face standing in for a heavier one: use its bold weight


def _face(spec: str) -> Face:
    name, _, style = spec.partition(":")
    return Face(name, bold=style == "bold")


# Keys are the faces of GB/T 9704 (and the 宋体 of tables and page numbers); the names are declared
# with the report's other words (texts.REPORT_FONTS).
CHAINS: dict[str, tuple[Face, ...]] = {
    kind: tuple(_face(spec) for spec in specs) for kind, specs in tx.REPORT_FONTS.items()
}
GENERIC = {"heiti": "sans-serif"}  # the CSS generic family after a chain (default serif)
_KIND_WORDS = tuple((kind, re.compile(words, re.I)) for kind, words in tx.REPORT_FONT_WORDS.items())


def first(kind: str) -> str:
    """The font the Word template names for a face."""
    return CHAINS[kind][0].name


def chain_of(name: str) -> str | None:
    """The chain a font belongs to: by its name in a chain, else by the words of its name."""
    for kind, chain in CHAINS.items():
        if any(face.name == name for face in chain):
            return kind
    return next((kind for kind, words in _KIND_WORDS if words.search(name)), None)


@cache
def installed() -> frozenset[str]:
    """The font families fontconfig knows on this machine (each of a font's localised names)."""
    program = shutil.which("fc-list")
    if program is None:
        return frozenset()
    try:
        done = subprocess.run(
            [program, ":", "family"], capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    names = done.stdout.decode("utf-8", "replace").replace("\\-", "-").splitlines()
    return frozenset(part.strip() for line in names for part in line.split(",") if part.strip())


def pdf_face(name: str) -> Face | None:
    """What a .docx converted here should name instead of `name`: None when `name` is installed
    (or belongs to no chain), else the first installed face of its chain."""
    have = installed()
    if name in have:
        return None
    kind = chain_of(name)
    if kind is None:
        return None
    return next((face for face in CHAINS[kind] if face.name in have), None)


def _css_name(face: Face) -> str:
    return f"{face.name} Bold nianbao" if face.bold else face.name


def css_family(kind: str) -> str:
    """A CSS font-family list for a face: the whole chain, then a generic family."""
    names = ", ".join(f'"{_css_name(face)}"' for face in CHAINS[kind])
    return f"{names}, {GENERIC.get(kind, 'serif')}"


def font_faces_css() -> str:
    """@font-face rules giving each bold stand-in its bold weight under a name of its own, so that
    the page asks for the weight it needs while the real face (regular, already heavy) is not
    made bolder."""
    rules = []
    for kind in CHAINS:
        for face in CHAINS[kind]:
            if face.bold:
                rules.append(
                    f'@font-face {{ font-family: "{_css_name(face)}"; '
                    f'src: local("{face.name} Bold"); }}'
                )
    return "\n".join(dict.fromkeys(rules))
