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

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "ensure-fonts: missing ${missing[*]}; run as root or install sudo, or run:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${PACKAGES[*]}" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-fonts: missing ${missing[*]} and apt-get is not available;" \
        "install ${PACKAGES[*]} by hand" >&2
    exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! {
    "${SUDO[@]}" apt-get update -q &&
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
} >"$log" 2>&1; then
    cat "$log" >&2
    echo "ensure-fonts: apt-get failed (see output above)" >&2
    exit 1
fi

if ! have_writer || ! have_cjk || ! have_poppler; then
    cat "$log" >&2
    echo "ensure-fonts: installed ${PACKAGES[*]} but something is still missing" >&2
    exit 1
fi
fc-cache -f >/dev/null 2>&1 || true
echo "ensure-fonts: installed ${PACKAGES[*]} (was missing: ${missing[*]})"
