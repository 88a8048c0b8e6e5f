#!/usr/bin/env bash
# Make sure headless LibreOffice Calc and python-UNO are available for the end-to-end tests.
#
# Idempotent and fast when everything is already there: it only checks that `soffice` is on
# PATH and that the *system* python (/usr/bin/python3, not a venv) can `import uno`.
# Otherwise it installs the two Debian packages that provide them.
set -euo pipefail

SYSTEM_PYTHON=/usr/bin/python3
PACKAGES=(libreoffice-calc python3-uno)

have_soffice() { command -v soffice >/dev/null 2>&1; }
have_uno() { [ -x "$SYSTEM_PYTHON" ] && "$SYSTEM_PYTHON" -c 'import uno' >/dev/null 2>&1; }

if have_soffice && have_uno; then
    echo "ensure-libreoffice: already installed ($(soffice --version 2>/dev/null | head -n1))"
    exit 0
fi

missing=()
have_soffice || missing+=("soffice")
have_uno || missing+=("python3 uno module")

# shellcheck source=scripts/apt-install.sh
source "$(dirname "$0")/apt-install.sh"
trap 'rm -f "${APT_LOG:-}"' EXIT
apt_install ensure-libreoffice "${missing[*]}" "${PACKAGES[@]}"

if ! have_soffice || ! have_uno; then
    cat "$APT_LOG" >&2
    echo "ensure-libreoffice: installed ${PACKAGES[*]} but soffice / 'import uno' still missing" >&2
    exit 1
fi

echo "ensure-libreoffice: installed ${PACKAGES[*]} (was missing: ${missing[*]})"
