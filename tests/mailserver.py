"""Real mail servers for the mail tests, on 127.0.0.1 only: Debian's Dovecot for IMAP and aiosmtpd
for SMTP, delivering into the Maildirs that Dovecot serves.

Dovecot runs from a generated configuration in a temporary folder (its own base_dir, free
unprivileged ports, a passwd-file of throwaway users, a self-signed certificate made with openssl
for IMAPS and STARTTLS); it runs as root here, so the mail processes run as root too
(first_valid_uid = 0). aiosmtpd listens in three modes (plain, STARTTLS, implicit TLS), requires
AUTH with the same users, and can be told to refuse recipients. Both are stopped afterwards.
"""

from __future__ import annotations

import contextlib
import imaplib
import mailbox
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["MailServers", "fixtures", "mail_servers"]

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
HOST = "127.0.0.1"
USERS = {"office": "office-secret", "agency": "agency-secret"}
DOMAIN = "example.org"
# Dovecot never gives mail access to root, so the mailboxes belong to an unprivileged user.
MAIL_USER, MAIL_GROUP = "nobody", "nogroup"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _wait_port(port: int, timeout: float = 15.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listening on {HOST}:{port}")


@dataclass
class MailServers:
    root: Path
    store: Path  # the Maildirs, one per user, owned by MAIL_USER
    cafile: Path
    imap_port: int  # plain, STARTTLS offered
    imaps_port: int  # implicit TLS
    smtp_port: int  # plain, AUTH without TLS allowed
    smtp_starttls_port: int
    smtps_port: int
    users: dict[str, str] = field(default_factory=lambda: dict(USERS))
    rejected: set[str] = field(default_factory=set)  # recipients the SMTP server refuses
    fail_next_data: str = ""  # a reply to give the next DATA instead of accepting it (once)
    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    def address(self, user: str) -> str:
        return f"{user}@{DOMAIN}"

    def maildir(self, user: str) -> Path:
        return self.store / user

    def deliver(self, user: str, data: bytes) -> None:
        """Put a message straight into a user's INBOX (as a mail client's reply would arrive)."""
        box = mailbox.Maildir(self.maildir(user), create=True)
        box.add(data)
        box.close()
        self._own(user)

    def clear(self, user: str) -> None:
        shutil.rmtree(self.maildir(user), ignore_errors=True)
        mailbox.Maildir(self.maildir(user), create=True).close()
        self._own(user)

    def _own(self, user: str) -> None:
        for folder, dirs, files in os.walk(self.maildir(user)):
            for name in (folder, *(os.path.join(folder, n) for n in (*dirs, *files))):
                shutil.chown(name, MAIL_USER, MAIL_GROUP)

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cafile))

    def fetch_all(self, user: str) -> list[bytes]:
        """Every message in a user's INBOX over IMAPS, as the server gives it back."""
        with imaplib.IMAP4_SSL(HOST, self.imaps_port, ssl_context=self.client_context()) as imap:
            imap.login(user, USERS[user])
            imap.select("INBOX", readonly=True)
            _, data = imap.uid("SEARCH", None, "ALL")
            found = []
            for uid in data[0].split():
                _, fetched = imap.uid("FETCH", uid, "(BODY.PEEK[])")
                found.append(fetched[0][1])
            return found

    def flags(self, user: str) -> list[bytes]:
        """The FLAGS of every message in a user's INBOX (plain IMAP with STARTTLS)."""
        with imaplib.IMAP4(HOST, self.imap_port) as imap:
            imap.starttls(ssl_context=self.client_context())
            imap.login(user, USERS[user])
            imap.select("INBOX", readonly=True)
            _, data = imap.fetch("1:*", "(FLAGS)")
            return [d for d in data if isinstance(d, bytes)]


def _certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _dovecot_config(root: Path, store: Path, cert: Path, key: Path, imap: int, imaps: int) -> Path:
    users = root / "users"
    users.write_text(
        "".join(f"{name}:{{PLAIN}}{password}::::::\n" for name, password in USERS.items())
    )
    config = root / "dovecot.conf"
    config.write_text(
        f"""
protocols = imap
listen = {HOST}
base_dir = {root}/run
state_dir = {root}/state
instance_name = nianbao-test-{os.getpid()}
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_uid = {MAIL_USER}
mail_gid = {MAIL_GROUP}
mail_location = maildir:{store}/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {users}
}}
userdb {{
  driver = static
  args = home={store}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = {HOST}
    port = {imap}
  }}
  inet_listener imaps {{
    address = {HOST}
    port = {imaps}
    ssl = yes
  }}
}}
service auth {{
  user = root
}}
service auth-worker {{
  user = root
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""
    )
    for name in ("run", "state"):
        (root / name).mkdir(exist_ok=True)
    return config


class _Handler:
    """aiosmtpd handler: refuses the recipients in `servers.rejected`, stores the rest in the
    recipients' Maildirs byte for byte (the message as the client sent it)."""

    def __init__(self, servers: MailServers) -> None:
        self.servers = servers

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.servers.rejected:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.servers.fail_next_data:
            reply, self.servers.fail_next_data = self.servers.fail_next_data, ""
            return reply
        data = envelope.original_content
        self.servers.received.append((envelope.mail_from, list(envelope.rcpt_tos), data))
        for rcpt in envelope.rcpt_tos:
            local = rcpt.split("@", 1)[0].lower()
            self.servers.deliver(local if local in USERS else "office", data)
        return "250 Message accepted"


def _authenticator(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult, LoginPassword

    if isinstance(auth_data, LoginPassword):
        user = auth_data.login.decode()
        if USERS.get(user) == auth_data.password.decode():
            return AuthResult(success=True)
    return AuthResult(success=False, handled=False)


@contextlib.contextmanager
def mail_servers(root: Path) -> Iterator[MailServers]:
    """Start Dovecot and three aiosmtpd listeners on 127.0.0.1 under `root`; stop them after."""
    from aiosmtpd.controller import Controller

    root.mkdir(parents=True, exist_ok=True)
    cert, key = _certificate(root)
    ports = [_free_port() for _ in range(5)]
    # Outside `root` (pytest's folders are private to root): the mail user must reach it.
    store = Path(tempfile.mkdtemp(prefix="nianbao-mail-"))
    store.chmod(0o755)
    servers = MailServers(root, store, cert, *ports)
    config = _dovecot_config(root, store, cert, key, ports[0], ports[1])
    for user in USERS:
        servers.clear(user)
    with open(root / "dovecot.stderr", "wb") as errors:
        process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            start_new_session=True,
        )
    controllers = []
    try:
        try:
            _wait_port(ports[0])
            _wait_port(ports[1])
        except RuntimeError:
            log = root / "dovecot.log"
            said = (root / "dovecot.stderr").read_text(errors="replace")
            said += log.read_text(errors="replace") if log.exists() else ""
            raise RuntimeError(f"Dovecot did not start:\n{said[-3000:]}") from None
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(cert, key)
        handler = _Handler(servers)
        common = {"hostname": HOST, "authenticator": _authenticator, "auth_required": True}
        controllers = [
            Controller(handler, port=ports[2], auth_require_tls=False, **common),
            Controller(handler, port=ports[3], tls_context=tls, require_starttls=True, **common),
            # Implicit TLS: aiosmtpd does not count the socket's TLS as TLS for AUTH.
            Controller(handler, port=ports[4], ssl_context=tls, auth_require_tls=False, **common),
        ]
        with warnings.catch_warnings():  # "AUTH without TLS": wanted here, for --tls none
            warnings.simplefilter("ignore")
            for controller in controllers:
                controller.start()
        yield servers
    finally:
        for controller in controllers:
            with contextlib.suppress(Exception):
                controller.stop()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        shutil.rmtree(store, ignore_errors=True)


def fixtures():
    """The `servers` fixture (started once per test module) and `clean` (empty mailboxes, no
    refused recipients) for a test module: `servers, clean = fixtures()`."""
    import pytest

    @pytest.fixture(scope="module")
    def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailServers]:
        with mail_servers(tmp_path_factory.mktemp("mail")) as running:
            yield running

    @pytest.fixture
    def clean(servers: MailServers) -> MailServers:
        for user in USERS:
            servers.clear(user)
        servers.rejected.clear()
        servers.received.clear()
        return servers

    return servers, clean


if __name__ == "__main__":  # a manual smoke test: python -m tests.mailserver
    import imaplib
    import smtplib

    with mail_servers(Path(tempfile.mkdtemp())) as s:
        print(s.root)
        with smtplib.SMTP_SSL(HOST, s.smtps_port, context=s.client_context()) as smtp:
            smtp.login("office", USERS["office"])
            smtp.sendmail(
                "office@example.org", ["agency@example.org"], b"Subject: hi\r\n\r\nbody\r\n"
            )
        with imaplib.IMAP4_SSL(HOST, s.imaps_port, ssl_context=s.client_context()) as imap:
            imap.login("agency", USERS["agency"])
            print(imap.select("INBOX"), imap.fetch(b"1", "(BODY.PEEK[])"))
