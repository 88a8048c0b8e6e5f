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

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "ensure-ocr: tesseract with chi_sim is missing; run as root or install sudo, or run:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${PACKAGES[*]}" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-ocr: tesseract with chi_sim is missing and apt-get is not available;" \
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
    echo "ensure-ocr: apt-get failed (see output above)" >&2
    exit 1
fi

if ! have_chi_sim; then
    cat "$log" >&2
    echo "ensure-ocr: installed ${PACKAGES[*]} but tesseract still lacks chi_sim" >&2
    exit 1
fi

echo "ensure-ocr: installed ${PACKAGES[*]}"
