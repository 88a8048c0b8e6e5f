#!/usr/bin/env bash
# Make sure tesseract with its simplified-Chinese model is available: `nianbao import` reads
# scanned PDF pages (pages without a text layer) with it, and the tests OCR one scanned page.
#
# Idempotent and fast when everything is already there: it only asks `tesseract --list-langs`
# whether chi_sim is installed. Otherwise it installs the two Debian packages that provide them.
set -euo pipefail

PACKAGES=(tesseract-ocr tesseract-ocr-chi-sim)

have_chi_sim() {
    command -v tesseract >/dev/null 2>&1 &&
        tesseract --list-langs 2>/dev/null | grep -qx 'chi_sim'
}

if have_chi_sim; then
    echo "ensure-ocr: already installed ($(tesseract --version 2>/dev/null | head -n1))"
    exit 0
fi

# shellcheck source=scripts/apt-install.sh
source "$(dirname "$0")/apt-install.sh"
trap 'rm -f "${APT_LOG:-}"' EXIT
apt_install ensure-ocr "tesseract with chi_sim" "${PACKAGES[@]}"

if ! have_chi_sim; then
    cat "$APT_LOG" >&2
    echo "ensure-ocr: installed ${PACKAGES[*]} but tesseract still lacks chi_sim" >&2
    exit 1
fi

echo "ensure-ocr: installed ${PACKAGES[*]}"
