#!/usr/bin/env bash
# Make sure the benches' programs are available: Gnumeric's ssconvert (one of the four programs
# whose saved files bench/producers.py makes) and valgrind (bench/reader_instructions.py counts
# instructions with callgrind). LibreOffice comes from ensure-libreoffice.sh.
#
# Idempotent and fast when both are there; otherwise it installs the Debian packages.
set -euo pipefail

PACKAGES=(gnumeric valgrind)

have_ssconvert() { command -v ssconvert >/dev/null 2>&1; }
have_valgrind() { command -v valgrind >/dev/null 2>&1; }

if have_ssconvert && have_valgrind; then
    echo "ensure-bench-tools: already installed (ssconvert, valgrind)"
    exit 0
fi

missing=()
have_ssconvert || missing+=("ssconvert")
have_valgrind || missing+=("valgrind")

# shellcheck source=scripts/apt-install.sh
source "$(dirname "$0")/apt-install.sh"
trap 'rm -f "${APT_LOG:-}"' EXIT
apt_install ensure-bench-tools "${missing[*]}" "${PACKAGES[@]}"

if ! have_ssconvert || ! have_valgrind; then
    cat "$APT_LOG" >&2
    echo "ensure-bench-tools: installed ${PACKAGES[*]} but ssconvert / valgrind still missing" >&2
    exit 1
fi

echo "ensure-bench-tools: installed ${PACKAGES[*]} (was missing: ${missing[*]})"
