"""A mail account as the office configures it for `send` and `collect`: server, port, TLS mode, user,
and the password, which comes from an environment variable or a prompt, never from the command line,
and is never logged or printed. Also the Chinese reasons for what a mail server or the network said,
and the errors of a server that cannot be reached or refuses the login, which name the server (收件
or 发件) and the options that set it (`Options`): never the other server's.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..core import texts as tx
from ..core.catalogue import UsageError, os_reason, say

__all__ = [
    "IMAP_OPTIONS",
    "IMAP_PORTS",
    "SMTP_OPTIONS",
    "SMTP_PORTS",
    "TLS_MODES",
    "Account",
    "Options",
    "account",
    "login_error",
    "network_reason",
    "password_from",
    "server_error",
    "tls_context",
]

TLS_MODES = ("ssl", "starttls", "none")
SMTP_PORTS = {"ssl": 465, "starttls": 587, "none": 25}
IMAP_PORTS = {"ssl": 993, "starttls": 143, "none": 143}
TIMEOUT = 60.0  # seconds a mail server may take to answer one command


@dataclass(frozen=True, kw_only=True)
class Options:
    """Where an account comes from on the command line, named in its errors: the server's role
    (收件 or 发件), its host and TLS options, the user option and the password's variable."""

    role: str
    host: str
    tls: str
    user: str = "--user"
    password: str = ""


IMAP_OPTIONS = Options(
    role=tx.MAIL_INCOMING, host="--imap", tls="--imap-tls", password="NIANBAO_IMAP_PASSWORD"
)
SMTP_OPTIONS = Options(
    role=tx.MAIL_OUTGOING, host="--smtp", tls="--smtp-tls", password="NIANBAO_SMTP_PASSWORD"
)


@dataclass(frozen=True, kw_only=True)
class Account:
    host: str
    port: int
    tls: str  # ssl, starttls, none
    user: str = ""
    password: str = field(default="", repr=False)  # never printed, never logged
    cafile: Path | None = None  # a certificate authority to trust besides the system's
    timeout: float = TIMEOUT
    options: Options | None = None  # the options it came from (None: the protocol's usual ones)

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"


def account(
    server: str,
    *,
    option: str,
    tls: str,
    user: str,
    password: str,
    ports: dict[str, int],
    cafile: Path | None = None,
    options: Options | None = None,
) -> Account:
    """An Account from `HOST[:PORT]` and the TLS mode (the port defaults to the mode's usual one).
    `option` is the host option (`--imap`, `--smtp`); `options` name the rest in errors (by
    default those of the protocol whose host option is `option`)."""
    if options is None:
        options = next((o for o in (IMAP_OPTIONS, SMTP_OPTIONS) if o.host == option), None)
    if tls not in TLS_MODES:
        tls_option = options.tls if options is not None else "--tls"
        raise UsageError("mail-tls", option=tls_option, choices="、".join(TLS_MODES), value=tls)
    host, port = server.strip(), ports[tls]
    if host.startswith("[") and "]" in host:  # [::1]:993
        inner, _, rest = host[1:].partition("]")
        host, text = inner, rest.lstrip(":")
    elif host.count(":") == 1:
        host, _, text = host.partition(":")
    else:
        text = ""
    if text:
        if not text.isdigit() or not 0 < int(text) < 65536:
            raise UsageError("mail-server-option", option=option, value=server)
        port = int(text)
    if not host or any(c.isspace() or c in "/@" for c in host):
        raise UsageError("mail-server-option", option=option, value=server)
    return Account(
        host=host,
        port=port,
        tls=tls,
        user=user,
        password=password,
        cafile=cafile,
        options=options,
    )


def tls_context(account: Account) -> ssl.SSLContext:
    """The system's trusted certificates (and the office's own authority when given); the server's
    name is always verified."""
    try:
        return ssl.create_default_context(
            cafile=str(account.cafile) if account.cafile is not None else None
        )
    except (OSError, ssl.SSLError) as exc:
        reason = os_reason(exc) if isinstance(exc, OSError) and exc.errno else tx.NOT_A_CERTIFICATE
        raise UsageError("mail-cafile", path=account.cafile, reason=reason) from None


def server_error(
    account: Account, usual: Options, exc: BaseException, *, connecting: bool = True
) -> UsageError:
    """The server could not be reached (or dropped the connection): the error names the server's
    role and, while `connecting`, the options to change (`--cafile` for a certificate). `usual`
    names the options of an account made without any (IMAP_OPTIONS, SMTP_OPTIONS)."""
    options = account.options or usual
    if not connecting:
        hint = ""
    elif isinstance(exc, ssl.SSLCertVerificationError):
        hint = say("mail-hint-certificate", host=options.host)
    else:
        hint = say("mail-hint-server", host=options.host, tls=options.tls)
    return UsageError(
        "mail-server",
        role=options.role,
        server=account.server,
        reason=network_reason(exc),
        hint=hint,
    )


def login_error(account: Account, usual: Options, reason: str) -> UsageError:
    """The server refused the login: the error names the server's role, the user option and the
    password's environment variable."""
    options = account.options or usual
    return UsageError(
        "mail-login",
        role=options.role,
        server=account.server,
        user=account.user,
        reason=reason,
        user_option=options.user,
        variable=options.password,
    )


def network_reason(exc: BaseException) -> str:
    """What went wrong talking to a mail server, in Chinese (the server's own words kept short)."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return say("mail-net-certificate", reason=exc.verify_message)
    if isinstance(exc, ssl.SSLError):
        return say("mail-net-tls", reason=exc.reason or type(exc).__name__)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return say("mail-net-unsupported")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return say("mail-net-disconnected")
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else ""
        )
        return say("mail-net-reply", code=exc.smtp_code, text=" ".join(text.split())[:200])
    if isinstance(exc, socket.gaierror):
        return say("mail-net-host")
    if isinstance(exc, TimeoutError | socket.timeout):
        return say("mail-net-timeout")
    if isinstance(exc, ConnectionRefusedError):
        return say("mail-net-refused")
    if isinstance(exc, OSError) and exc.errno:
        return os_reason(exc)
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}{('：' + text) if text else ''}"


def password_from(variable: str, prompt: Callable[[], object] | None) -> str:
    """The password from the environment, or asked for (hidden) when there is a terminal."""
    value = os.environ.get(variable)
    if value:
        return value
    if prompt is None:
        raise UsageError("mail-no-password", variable=variable)
    return str(prompt())
