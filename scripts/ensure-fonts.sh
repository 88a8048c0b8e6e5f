#!/usr/bin/env bash
# Make sure `nianbao render --format pdf` and its tests have what they need: LibreOffice Writer
# (the .docx -> .pdf conversion), CJK fonts (without them every Chinese character of the PDF is an
# empty box) and poppler-utils (pdftotext/pdftoppm: the tests read the PDF back as text).
#
# Idempotent and fast when everything is there; otherwise installs the Debian packages.
set -euo pipefail

PACKAGES=(libreoffice-writer fonts-noto-cjk poppler-utils)

have_writer() { command -v soffice >/dev/null 2>&1 && dpkg -s libreoffice-writer >/dev/null 2>&1; }
have_cjk() { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family 2>/dev/null | head -n1)" ]; }
have_poppler() { command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; }

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

if ! have_writer || ! have_cjk || ! have_poppler; then
    cat "$APT_LOG" >&2
    echo "ensure-fonts: installed ${PACKAGES[*]} but something is still missing" >&2
    exit 1
fi
fc-cache -f >/dev/null 2>&1 || true
echo "ensure-fonts: installed ${PACKAGES[*]} (was missing: ${missing[*]})"
