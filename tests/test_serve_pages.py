"""The workbench's pages over HTTP, where a browser adds nothing: the office's own choice of the
file that counts, pages that need a workspace before there is one, and file names in addresses
that try to leave their folder."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

from toolkit.core import texts as tx
from toolkit.form.form_file import standard_form
from toolkit.workspace.workspace_init import init_workspace

from .conftest import SAMPLES
from .serve_support import Client, running


def _workspace(root: Path) -> Path:
    init_workspace(root, roster=SAMPLES / "roster.csv", year=2023, district="示范区",
                   form=standard_form(), issued=SAMPLES).workspace.ledger.close()  # fmt: skip
    return root


def _older_copy(sample: Path) -> bytes:
    """The sample with other figures, recorded as saved earlier: a second, differing report."""
    import openpyxl

    book = openpyxl.load_workbook(sample)
    ((sheet, ref),) = book.defined_names["nb_t3_new_natural"].destinations
    book[sheet][ref.replace("$", "")].value = 1
    saved = io.BytesIO()
    book.save(saved)
    out = io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2023-11-01T09:00:00Z", data)  # fmt: skip
            target.writestr(item, data)
    return out.getvalue()


def test_the_office_chooses_the_file_that_counts_on_the_agencys_page(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "年报")
    sample = next((SAMPLES / "returned").glob("QK001-*.xlsx"))
    with running(root) as bench:
        client = Client(bench)
        client.enter()
        csrf = client.csrf("/receive")
        files = [("files", sample.name, sample.read_bytes()),
                 ("files", "QK001-旧.xlsx", _older_copy(sample))]  # fmt: skip
        status, headers, _ = client.post("/receive", {"csrf": csrf}, files)
        assert status == 303
        assert "已完成" in client.wait_job(headers["location"])
        (row,) = [a for a in json.loads(client.get("/status.json")[1])["agencies"] if a["code"] == "QK001"]  # fmt: skip
        assert row["file"] == sample.name and "保存时间" in row["rule"]
        _, page = client.get("/review/QK001")
        older = re.findall(r'name="sha256" value="([0-9a-f]{64})"', page)
        assert len(older) == 1  # a button for the file that does not count
        status, headers, _ = client.post("/review/QK001/choose", {"csrf": csrf, "sha256": older[0]})  # fmt: skip
        assert status == 303
        assert "已完成" in client.wait_job(headers["location"])
        (row,) = [a for a in json.loads(client.get("/status.json")[1])["agencies"] if a["code"] == "QK001"]  # fmt: skip
        assert row["file"] == "QK001-旧.xlsx" and row["rule"] == tx.DECISION_RULES["office"]
        assert row["sha256"] == older[0]


def test_without_a_workspace_only_the_setup_page_answers(tmp_path: Path) -> None:
    with running(tmp_path / "新工作区") as bench:
        client = Client(bench)
        client.enter()
        status, page = client.get("/")
        assert status == 200 and "建立本年度的工作区" in page
        for path in ("/review", "/rollup", "/issue/templates.zip", "/status.json"):
            status, page = client.get(path)
            assert status == 409 and "请先上传单位名单建立工作区" in page, path


def test_a_file_name_in_an_address_cannot_leave_its_folder(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "年报")
    reports = root / "输出" / "报告"
    reports.mkdir(parents=True)
    (reports / "a.html").write_text("<p>报告</p>", encoding="utf-8")
    with running(root) as bench:
        client = Client(bench)
        client.enter()
        status, headers, body = client.request("GET", "/publish/preview/a.html")
        assert status == 200 and "sandbox" in headers["content-security-policy"]
        assert "报告" in body.decode("utf-8")
        for name in ("..%2Fnianbao.db", "..%2F..%2Fnianbao.db", "%2E%2E%2Fnianbao.db",
                     "..%5Cnianbao.db", ".nianbao-outputs.json", "..", "%2Fetc%2Fpasswd"):  # fmt: skip
            for route in ("/publish/file/", "/publish/preview/"):
                assert client.request("GET", route + name)[0] == 404, route + name
        assert client.request("GET", "/issue/template/..%2F..%2Fnianbao.db")[0] == 404


def test_a_file_name_cannot_reorder_what_a_page_shows(tmp_path: Path) -> None:
    """A report received from a folder under a name with a right-to-left override (「报告」, U+202E,
    「xslx.exe」 would show as 「报告exe.xlsx」): the agency's page shows the override as an escape."""
    from typer.testing import CliRunner

    from toolkit.cli.cli import app

    root = _workspace(tmp_path / "年报")
    folder = tmp_path / "下载"
    folder.mkdir()
    sample = next((SAMPLES / "returned").glob("QK001-*.xlsx"))
    name = "QK001-报告\u202egpj.xlsx"
    (folder / name).write_bytes(sample.read_bytes())
    result = CliRunner().invoke(app, ["check", "-w", str(root), str(folder), "-q"])
    assert result.exit_code == 0, result.output
    with running(root) as bench:
        client = Client(bench)
        client.enter()
        _, page = client.get("/review/QK001")
    assert "\u202e" not in page
    assert "QK001-报告\\u202egpj.xlsx" in page
