#!/usr/bin/env bash
# Make sure headless Chromium and its WebDriver are available for the browser tests of
# `nianbao serve` (tests/test_serve_browser.py drives them through selenium).
#
# Idempotent and fast when both are there: it only checks /usr/bin/chromium and
# /usr/bin/chromedriver. Otherwise it installs Debian's `chromium` and `chromium-driver`.
set -euo pipefail

PACKAGES=(chromium chromium-driver)
CHROMIUM=/usr/bin/chromium
DRIVER=/usr/bin/chromedriver

have_chromium() { [ -x "$CHROMIUM" ]; }
have_driver() { [ -x "$DRIVER" ]; }

if have_chromium && have_driver; then
    echo "ensure-browser: already installed ($("$CHROMIUM" --version 2>/dev/null | head -n1))"
    exit 0
fi

missing=()
have_chromium || missing+=("chromium")
have_driver || missing+=("chromedriver")

# shellcheck source=scripts/apt-install.sh
source "$(dirname "$0")/apt-install.sh"
trap 'rm -f "${APT_LOG:-}"' EXIT
apt_install ensure-browser "${missing[*]}" "${PACKAGES[@]}"

if ! have_chromium || ! have_driver; then
    cat "$APT_LOG" >&2
    echo "ensure-browser: installed ${PACKAGES[*]} but $CHROMIUM / $DRIVER still missing" >&2
    exit 1
fi

echo "ensure-browser: installed ${PACKAGES[*]} (was missing: ${missing[*]})"
