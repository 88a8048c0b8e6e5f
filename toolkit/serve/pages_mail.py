"""The workbench's mail forms: send the templates (下发) or the feedback (审核) through the
office's outgoing server, collect the returned files from its mailbox (收取). Each starts a job
of work_mail.py. The server settings are remembered for the next form (the password is not).
"""

from __future__ import annotations

from pathlib import Path

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .site import closing, site_of
from .work_mail import Server, collect_job, send_job

__all__ = ["routes"]

TLS_MODES = ("ssl", "starttls", "none")
REMEMBERED = ("smtp", "smtp_tls", "smtp_user", "sender", "imap", "imap_tls", "imap_user", "folder", "cafile")  # fmt: skip


def _server(form: FormData, prefix: str) -> Server:
    tls = str(form.get(f"{prefix}_tls", "ssl"))
    cafile = str(form.get("cafile", "")).strip()
    return Server(
        host=str(form.get(prefix, "")).strip(),
        tls=tls if tls in TLS_MODES else "ssl",
        user=str(form.get(f"{prefix}_user", "")).strip(),
        password=str(form.get(f"{prefix}_password", "")),
        cafile=Path(cafile) if cafile else None,
    )


async def send(request: Request) -> Response:
    site = site_of(request)
    root = site.workspace()
    form = await site.form(request)
    site.mail.update({k: str(form.get(k, "")) for k in REMEMBERED if k in form})
    copies = form.get("what") == "feedback"
    server, sender = _server(form, "smtp"), str(form.get("sender", "")).strip()
    return site.start(
        request,
        "send-feedback" if copies else "send-templates",
        lambda job: send_job(
            job, root, copies=copies, server=server, sender=sender, bundled=site.new_form
        ),
    )


async def collect(request: Request) -> Response:
    site = site_of(request)
    root = site.workspace()
    form = await site.form(request)
    site.mail.update({k: str(form.get(k, "")) for k in REMEMBERED if k in form})
    server, folder = _server(form, "imap"), str(form.get("folder", "")).strip()
    return site.start(
        request,
        "collect",
        lambda job: collect_job(job, root, server=server, folder=folder, bundled=site.new_form),
    )


routes = [
    Route("/mail/send", closing(send), methods=["POST"]),
    Route("/mail/collect", closing(collect), methods=["POST"]),
]
