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

# shellcheck source=scripts/apt-install.sh
source "$(dirname "$0")/apt-install.sh"
trap 'rm -f "${APT_LOG:-}"' EXIT
apt_install ensure-mail "${PACKAGES[*]}" "${PACKAGES[@]}"

if ! have_all; then
    cat "$APT_LOG" >&2
    echo "ensure-mail: installed ${PACKAGES[*]} but dovecot / openssl still missing" >&2
    exit 1
fi

echo "ensure-mail: installed ${PACKAGES[*]}"
