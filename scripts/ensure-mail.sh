#!/usr/bin/env bash
# Make sure the real mail servers of the mail tests are available: Debian's Dovecot (IMAP) and
# OpenSSL (the self-signed certificate). The SMTP side is aiosmtpd from the dev extras.
#
# Idempotent and fast when everything is already there: it only checks that `dovecot` and
# `openssl` are on PATH. Otherwise it installs the Debian packages that provide them. The tests
# start their own Dovecot with a throwaway configuration on 127.0.0.1 (tests/mailserver.py); the
# system service the package installs is not used.
set -euo pipefail

PACKAGES=(dovecot-imapd openssl)

have_all() {
    { command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ]; } &&
        command -v openssl >/dev/null 2>&1
}

if have_all; then
    echo "ensure-mail: already installed ($(/usr/sbin/dovecot --version 2>/dev/null | head -n1))"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "ensure-mail: Dovecot or OpenSSL missing; run as root or install sudo, or run:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${PACKAGES[*]}" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-mail: apt-get is not available; install ${PACKAGES[*]} by hand" >&2
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
    echo "ensure-mail: apt-get failed (see output above)" >&2
    exit 1
fi

if ! have_all; then
    cat "$log" >&2
    echo "ensure-mail: installed ${PACKAGES[*]} but dovecot / openssl still missing" >&2
    exit 1
fi

echo "ensure-mail: installed ${PACKAGES[*]}"
