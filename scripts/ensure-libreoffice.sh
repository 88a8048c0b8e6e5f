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

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "ensure-libreoffice: missing ${missing[*]}; run as root or install sudo, or run:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${PACKAGES[*]}" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-libreoffice: missing ${missing[*]} and apt-get is not available;" \
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
    echo "ensure-libreoffice: apt-get failed (see output above)" >&2
    exit 1
fi

if ! have_soffice || ! have_uno; then
    cat "$log" >&2
    echo "ensure-libreoffice: installed ${PACKAGES[*]} but soffice / 'import uno' still missing" >&2
    exit 1
fi

echo "ensure-libreoffice: installed ${PACKAGES[*]} (was missing: ${missing[*]})"
