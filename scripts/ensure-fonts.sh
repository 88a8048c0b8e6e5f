#!/usr/bin/env bash
# Make sure `nianbao render --format pdf` and its tests have what they need: LibreOffice Writer
# (the .docx -> .pdf conversion), the CJK faces of the report's font chain (toolkit/render/render_fonts.py:
# fonts-noto-cjk for 宋/仿宋/小标宋 (Noto Serif CJK SC) and 黑体 (Noto Sans CJK SC),
# fonts-arphic-gkai00mp for 楷体 (AR PL KaitiM GB); without a CJK font every Chinese character of the
# PDF is an empty box) and poppler-utils (pdftotext/pdftoppm/pdffonts: the tests read the PDF back).
#
# Idempotent and fast when everything is there; otherwise installs the Debian packages.
set -euo pipefail

PACKAGES=(libreoffice-writer fonts-noto-cjk fonts-arphic-gkai00mp poppler-utils)

have_writer() { command -v soffice >/dev/null 2>&1 && dpkg -s libreoffice-writer >/dev/null 2>&1; }
have_face() { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list "$1" family 2>/dev/null | head -n1)" ]; }
have_cjk() { have_face "Noto Serif CJK SC" && have_face "Noto Sans CJK SC" && have_face "AR PL KaitiM GB"; }
have_poppler() { command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 && command -v pdffonts >/dev/null 2>&1; }

if have_writer && have_cjk && have_poppler; then
    echo "ensure-fonts: already installed (LibreOffice Writer, CJK fonts, poppler-utils)"
    exit 0
fi

missing=()
have_writer || missing+=("libreoffice-writer")
have_cjk || missing+=("CJK fonts")
have_poppler || missing+=("poppler-utils")

# shellcheck source=scripts/apt-install.sh
source "$(dirname "$0")/apt-install.sh"
trap 'rm -f "${APT_LOG:-}"' EXIT
apt_install ensure-fonts "${missing[*]}" "${PACKAGES[@]}"
fc-cache -f >/dev/null 2>&1 || true

if ! have_writer || ! have_cjk || ! have_poppler; then
    cat "$APT_LOG" >&2
    echo "ensure-fonts: installed ${PACKAGES[*]} but something is still missing" >&2
    exit 1
fi
echo "ensure-fonts: installed ${PACKAGES[*]} (was missing: ${missing[*]})"
