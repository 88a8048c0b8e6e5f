"""The workbench's mail against real servers on loopback (Dovecot for IMAP, aiosmtpd for SMTP,
tests/mailserver.py): the templates sent from 下发, the returned files collected from the office's
mailbox on 收取 and checked, the feedback sent from 审核; a refused login fails the job in Chinese
and leaves the messages queued for the next time.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolkit.cli.cli import app

from .mailserver import HOST, USERS, MailServers, fixtures
from .serve_support import Client, running
from .test_mail_collect import _returns_one
from .test_workspace import AGENCIES, DEADLINE, DISTRICT, YEAR, _fill, _sample_values
from .test_workspace_mail import _agency_mail, _roster

pytestmark = [
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]
servers, clean = fixtures()
SENDER = "office@example.org"


def _post_job(client: Client, path: str, fields: dict[str, str]) -> str:
    status, headers, page = client.post(path, {"csrf": client.csrf("/receive"), **fields})
    assert status == 303, page
    return client.wait_job(headers["location"])


def test_the_year_by_mail_from_the_page(clean: MailServers, tmp_path: Path) -> None:
    space = tmp_path / "2023年报"
    result = CliRunner().invoke(app, [
        "init", str(space), "--year", YEAR, "--district", DISTRICT, "--deadline", DEADLINE,
        "--roster", str(_roster(tmp_path / "名单.csv", clean.address("agency"))),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    smtp = {"smtp": f"{HOST}:{clean.smtps_port}", "smtp_tls": "ssl", "smtp_user": "office",
            "sender": SENDER, "cafile": str(clean.cafile)}  # fmt: skip
    with running(space) as bench:
        client = Client(bench)
        client.enter()
        # a wrong password: the job fails in Chinese, the templates wait in the outbox
        page = _post_job(client, "/mail/send", {**smtp, "what": "templates",
                                                 "smtp_password": "wrong"})  # fmt: skip
        assert 'data-state="failed"' in page and "已排入发件箱 4 封邮件" in page
        assert "发件箱中还有 4 封邮件未发出" in page and "Traceback" not in page
        assert _agency_mail(clean) == []
        # the settings are remembered on the form, the password is not
        _, form = client.get("/issue")
        assert f'value="{HOST}:{clean.smtps_port}"' in form and "wrong" not in form
        page = _post_job(client, "/mail/send", {**smtp, "what": "templates",
                                                 "smtp_password": USERS["office"]})  # fmt: skip
        assert 'data-state="done"' in page and "已排入发件箱 0 封邮件" in page
        assert page.count("已发送：") == 4
        assert len(_agency_mail(clean)) == 4

        # two agencies answer with their filled templates; 010's has an error
        templates = {c: next((space / "模板").glob(f"{c}-*.xlsx")) for c in AGENCIES}
        good = _fill(templates["001"], tmp_path / "001.xlsx", _sample_values("QK001"))
        bad = _fill(
            templates["010"],
            tmp_path / "010.xlsx",
            _sample_values("QK002") | {"nb_t2_licensing_decisions": -1},
        )
        clean.deliver("office", _returns_one(good.read_bytes(), 61))
        clean.deliver("office", _returns_one(bad.read_bytes(), 62))
        page = _post_job(client, "/mail/collect", {
            "imap": f"{HOST}:{clean.imap_port}", "imap_tls": "starttls", "imap_user": "office",
            "imap_password": USERS["office"], "folder": "INBOX", "cafile": str(clean.cafile),
        })  # fmt: skip
        assert 'data-state="done"' in page and "存入工作区的附件 2 份" in page
        states = {a["code"]: a["state"] for a in json.loads(client.get("/status.json")[1])["agencies"]}  # fmt: skip
        assert states["001"] == "passed" and states["010"] == "feedback"

        # 审核: the feedback copy to the agency that must correct
        page = _post_job(client, "/mail/send", {**smtp, "what": "feedback",
                                                 "smtp_password": USERS["office"]})  # fmt: skip
        assert 'data-state="done"' in page and page.count("已发送：") == 1
        mails = _agency_mail(clean)
        assert len(mails) == 5
        (copy,) = list(mails[-1].iter_attachments())
        assert copy.get_filename().startswith("010-")
