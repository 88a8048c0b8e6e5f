"""The clerk's workbench in a real browser (Debian's chromium, headless, through selenium): the year
run from the page alone, from the roster to the compared published reports, with the same
results as the commands; what an agency wrote shown as text, never as markup.

Screenshots of each page go to $NIANBAO_SCREENSHOTS when it is set (docs/screenshots/ holds the
ones the README shows).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from typer.testing import CliRunner

from toolkit.cli.cli import app
from toolkit.core import texts as tx
from toolkit.workspace.workspace import open_workspace
from toolkit.workspace.workspace_status import year_status

from .conftest import SAMPLES
from .serve_support import WAIT, Client, chromium, running

RETURNED = sorted((SAMPLES / "returned").glob("*.xlsx"))
INVALID = [SAMPLES / "returned" / "invalid" / f"{n}.xlsx" for n in ("blank", "cell-missing")]
EXPECTED = json.loads((SAMPLES / "returned" / "invalid" / "expected.json").read_text("utf-8"))
DEADLINE = (date.today() + timedelta(days=30)).isoformat()  # the collection is under way
SETTINGS = {
    "year": "2023",
    "district": "示范区",
    "deadline": DEADLINE,
    "contact": "区政务公开办 张敏 0371-12345678",
    "password": "demo-2023",
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as driver:
        yield driver


def _shot(driver: Any, name: str) -> None:
    """A screenshot of the whole page, for the README (only when asked for)."""
    folder = os.environ.get("NIANBAO_SCREENSHOTS")
    if not folder:
        return
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(int(height), 700), 2400))
    Path(folder).mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(Path(folder) / f"{name}.png"))
    driver.set_window_size(1280, 900)


def _finished(driver: Any) -> str:
    """Wait on a job's page until its job is over; its state."""

    def state(d: Any) -> str | bool:
        value = d.find_element(By.ID, "job").get_attribute("data-state")
        return value if value and value != "running" else False

    result: str = WebDriverWait(
        driver,
        WAIT,
        poll_frequency=0.3,
        ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
    ).until(state)
    return result


def _submit(driver: Any, form_action: str) -> None:
    driver.find_element(
        By.CSS_SELECTOR, f"form[action='{form_action}'] button[type=submit]"
    ).click()


def _client(bench: Any, driver: Any) -> Client:
    """HTTP with the browser's cookie, to fetch what a link downloads."""
    client = Client(bench)
    client.cookie = f"nianbao_token={driver.get_cookie('nianbao_token')['value']}"
    return client


def _download(client: Client, driver: Any, link_id: str) -> bytes:
    href = driver.find_element(By.ID, link_id).get_attribute("href")
    status, headers, body = client.request("GET", re.sub(r"^http://[^/]+", "", href))
    assert status == 200 and "attachment" in headers.get("content-disposition", "")
    return body


def _expected(root: Path) -> dict[str, str]:
    """Each agency's state as `nianbao status` has it."""
    space = open_workspace(root)
    try:
        return {a.code: a.state.title for a in year_status(space).agencies}
    finally:
        space.ledger.close()


def _blanked(sample: Path, out: Path) -> Path:
    """A returned file with one input left blank, saved before the sample was (so the sample,
    sent again, is the newer report and counts)."""
    import zipfile

    book = openpyxl.load_workbook(sample)
    ((sheet, ref),) = book.defined_names["nb_t3_new_natural"].destinations
    book[sheet][ref.replace("$", "")].value = None
    saved = io.BytesIO()
    book.save(saved)  # openpyxl records the time of this save: set back as Excel would have
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2023-11-01T09:00:00Z", data
                )
            target.writestr(item, data)
    return out


def _states(driver: Any) -> dict[str, str]:
    """工作台's table: each agency's code and state as the page shows them."""
    rows = driver.find_elements(By.CSS_SELECTOR, "#agencies tbody tr")
    return {
        row.get_attribute("data-code"): row.find_element(By.CSS_SELECTOR, ".state").text
        for row in rows
    }


def test_a_clerk_runs_the_year_from_the_page_alone(tmp_path: Path, browser: Any) -> None:
    root = tmp_path / "年报"
    with running(root) as bench:
        base = f"http://127.0.0.1:{bench.port}"
        driver = browser
        driver.get(bench.url)
        # no workspace yet: the page offers to start one from the roster
        assert "建立本年度的工作区" in driver.page_source
        driver.find_element(By.NAME, "roster").send_keys(str(SAMPLES / "roster.csv"))
        for name in ("year", "district", "contact"):
            driver.find_element(By.NAME, name).send_keys(SETTINGS[name])
        driver.execute_script(
            "document.querySelector('input[name=deadline]').value = arguments[0]", DEADLINE
        )
        driver.find_element(By.CSS_SELECTOR, "details summary").click()
        driver.find_element(By.NAME, "password").send_keys(SETTINGS["password"])
        driver.find_element(By.NAME, "key").send_keys(str(SAMPLES / "nianbao-key.txt"))
        _shot(driver, "setup")
        _submit(driver, "/init")
        assert _finished(driver) == "done"
        driver.get(base + "/")
        states = _states(driver)
        assert len(states) == 13 and set(states.values()) == {"已下发"}

        # 下发: the templates as one zip, with the manifest and the note, without the password
        driver.get(base + "/issue")
        _shot(driver, "issue")
        client = _client(bench, driver)
        import zipfile

        names = zipfile.ZipFile(io.BytesIO(_download(client, driver, "templates-zip"))).namelist()
        assert len([n for n in names if n.endswith(".xlsx")]) == 13
        assert "manifest.csv" in names and tx.SERVE_ZIP_NOTE_FILE in names
        assert "password.txt" not in names and "nianbao-key.txt" not in names

        # 收取, first the files that came early, one of them broken (an input left blank)
        broken = _blanked(RETURNED[4], tmp_path / "early" / RETURNED[4].name)  # QK003
        early = [*RETURNED[:4], broken, *RETURNED[5:9]]
        driver.get(base + "/receive")
        driver.find_element(By.ID, "files").send_keys("\n".join(str(p) for p in early))
        assert len(driver.find_elements(By.CSS_SELECTOR, "#chosen li")) == len(early)
        _shot(driver, "receive")
        _submit(driver, "/receive")
        assert _finished(driver) == "done"
        _shot(driver, "job")
        assert "收到 9 份文件" in driver.find_element(By.ID, "job").text
        driver.get(base + "/")
        _shot(driver, "home")
        assert _states(driver) == _expected(root)
        assert _states(driver)["QK003"] == "已反馈"
        driver.get(base + "/review")
        _shot(driver, "review")
        driver.find_element(By.LINK_TEXT, "区科学技术局").click()
        errors = driver.find_elements(By.CSS_SELECTOR, "table.findings tr.error td.cell")
        assert "D7" in [e.text for e in errors]
        _shot(driver, "agency")

        # then the rest, the corrected QK003 and two broken files of agencies not on the roster
        driver.get(base + "/receive")
        late = [*RETURNED[4:5], *RETURNED[9:], *INVALID]
        driver.find_element(By.ID, "files").send_keys("\n".join(str(p) for p in late))
        _submit(driver, "/receive")
        assert _finished(driver) == "done"
        assert f"收到 {len(late)} 份文件" in driver.find_element(By.ID, "job").text

        # 工作台: every agency's state, as `nianbao status` has it
        driver.get(base + "/")
        expected = _expected(root)
        assert _states(driver) == expected
        assert set(expected.values()) == {"通过"}

        # 审核: a broken file's error at its cell, and the feedback copy
        driver.get(base + "/review")
        _shot(driver, "review")
        driver.find_element(By.LINK_TEXT, "blank.xlsx").click()
        where = EXPECTED["blank"]
        rows = driver.find_elements(By.CSS_SELECTOR, "table.findings tr.error")
        cells = {(r.find_elements(By.TAG_NAME, "td")[1].text, r.find_element(By.CSS_SELECTOR, "td.cell").text) for r in rows}  # fmt: skip
        assert (where["sheet"], where["cell"]) in cells
        copy = openpyxl.load_workbook(io.BytesIO(_download(client, driver, "feedback-download")))
        assert where["sheet"] in copy.sheetnames

        # 汇总: the rollup, its charts as pictures, the download
        driver.get(base + "/rollup")
        _submit(driver, "/rollup")
        assert _finished(driver) == "done"
        driver.get(base + "/rollup")
        images = driver.find_elements(By.CSS_SELECTOR, "figure.chart img")
        assert len(images) == 5
        for image in images:
            assert driver.execute_script(
                "return arguments[0].complete && arguments[0].naturalWidth", image
            )
        _shot(driver, "rollup")
        rollup = openpyxl.load_workbook(io.BytesIO(_download(client, driver, "rollup-download")))
        assert tx.CHART_SHEET in rollup.sheetnames

        # 发布: a render job to completion, the district draft among the reports, a preview
        driver.get(base + "/publish")
        _submit(driver, "/publish")
        assert _finished(driver) == "done"
        driver.get(base + "/publish")
        reports = [
            a.text for a in driver.find_elements(By.CSS_SELECTOR, "#reports td:first-child a")
        ]
        assert len([r for r in reports if r.endswith(".html")]) == 14  # 13 agencies, the draft
        assert len([r for r in reports if r.endswith(".docx")]) == 14
        driver.find_element(By.LINK_TEXT, "预览").click()
        driver.switch_to.frame("preview")
        WebDriverWait(driver, 30).until(lambda d: "年度报告" in d.page_source)
        driver.switch_to.default_content()
        _shot(driver, "publish")

        # 比对: the rendered web pages as the published reports: nothing differs
        driver.get(base + "/compare")
        reports_folder = root / "输出" / tx.REPORTS_FOLDER
        published = tmp_path / "公开版"
        published.mkdir()
        for path in reports_folder.glob("[A-Z]*.html"):
            shutil.copy(path, published / path.name)
        driver.find_element(By.NAME, "folder").send_keys(str(published))
        _submit(driver, "/compare")
        assert _finished(driver) == "done"
        driver.get(base + "/compare")
        _shot(driver, "compare")
        assert driver.page_source.count("一致") == 13


def test_with_javascript_off_the_forms_and_the_job_page_still_work(tmp_path: Path) -> None:
    """Plain forms and links: a workspace started, files uploaded, the job page refreshing
    itself until the job is done."""
    root = tmp_path / "年报"
    with chromium(javascript=False) as driver, running(root) as bench:
        base = f"http://127.0.0.1:{bench.port}"
        driver.get(bench.url)
        driver.find_element(By.NAME, "roster").send_keys(str(SAMPLES / "roster.csv"))
        for name in ("year", "district"):
            driver.find_element(By.NAME, name).send_keys(SETTINGS[name])
        driver.find_element(By.CSS_SELECTOR, "details summary").click()
        driver.find_element(By.NAME, "key").send_keys(str(SAMPLES / "nianbao-key.txt"))
        _submit(driver, "/init")
        assert _finished(driver) == "done"
        driver.get(base + "/receive")
        driver.find_element(By.ID, "files").send_keys("\n".join(str(p) for p in RETURNED))
        assert driver.find_elements(By.CSS_SELECTOR, "#chosen li") == []  # the script is off
        _submit(driver, "/receive")
        assert _finished(driver) == "done"  # reached by the page's own refresh
        driver.find_element(By.LINK_TEXT, "查看审核结果").click()
        assert len(driver.find_elements(By.CSS_SELECTOR, "#review tbody tr")) == 13
    assert set(_expected(root).values()) == {"通过"}


def test_what_an_agency_wrote_is_shown_as_text_never_run(tmp_path: Path, browser: Any) -> None:
    """A narrative holding <script> and an upload named as markup: escaped on every page, in
    the rendered report too, and nothing runs."""
    root = tmp_path / "年报"
    _cli("init", root, "--roster", SAMPLES / "roster.csv", "--issued", SAMPLES,
         *_options("year", "district", "password", "deadline"))  # fmt: skip
    payload = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'
    sample = next((SAMPLES / "returned").glob("QK001-*.xlsx"))
    book = openpyxl.load_workbook(sample)
    ((sheet, ref),) = book.defined_names["nb_s1_active"].destinations
    book[sheet][ref.replace("$", "").split(":")[0]].value = "本年度主动公开工作" + payload
    named = '<img src=x onerror="window.pwned = 3">'  # a file name cannot hold a slash
    hostile = tmp_path / "up" / f"{named}.xlsx"
    hostile.parent.mkdir()
    book.save(hostile)
    with running(root) as bench:
        base = f"http://127.0.0.1:{bench.port}"
        driver = browser
        driver.get(bench.url)
        driver.get(base + "/receive")
        driver.find_element(By.ID, "files").send_keys(str(hostile))
        assert named in driver.find_element(By.ID, "chosen").text  # listed as text
        _submit(driver, "/receive")
        assert _finished(driver) == "done"
        for page in ("/", "/review", "/review/QK001"):
            driver.get(base + page)
            assert driver.execute_script("return window.pwned") is None
        driver.get(base + "/publish")
        _submit(driver, "/publish")
        assert _finished(driver) == "done"
        driver.get(base + "/publish")
        link = next(
            a
            for a in driver.find_elements(By.LINK_TEXT, "预览")
            if "QK001" in a.get_attribute("href")
        )
        link.click()
        driver.switch_to.frame("preview")
        WebDriverWait(driver, 30).until(
            lambda d: "window.pwned" in d.find_element(By.TAG_NAME, "body").text
        )
        assert driver.execute_script("return window.pwned") is None
        driver.switch_to.default_content()
        assert driver.execute_script("return window.pwned") is None
    html = next((root / "输出" / tx.REPORTS_FOLDER).glob("QK001*.html")).read_text("utf-8")
    assert "<script>window.pwned" not in html and "&lt;script&gt;" in html


def _cli(*args: object) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code in (0, 1), result.output
    return result.output


def _options(*names: str) -> list[str]:
    return [x for name in names for x in (f"--{name}", SETTINGS[name])]


def _status(payload: dict[str, Any]) -> dict[str, Any]:
    """What must be the same however the year was run: each agency's state, counted file, the
    rule that chose it and its findings; the files of no agency."""
    keep = ("code", "name", "state", "files", "file", "sha256", "rule", "errors", "warnings")
    return {
        "agencies": [{k: a[k] for k in keep} for a in payload["agencies"]],
        "counts": payload["counts"],
        "unassigned": sorted(payload["unassigned"]),
    }


def test_the_page_and_the_commands_decide_the_year_alike(tmp_path: Path) -> None:
    """The same roster and files, once through `init`, `check`, `status --json` and once
    through the page's forms: the same decisions and states."""
    files = [*RETURNED, *INVALID, *sorted((SAMPLES / "returned" / "invalid").glob("t3-*.xlsx"))]
    commands = tmp_path / "命令"
    _cli("init", commands, "--roster", SAMPLES / "roster.csv", "--issued", SAMPLES,
         *_options("year", "district", "password", "deadline"))  # fmt: skip
    _cli("check", "-w", commands, *files, "--quiet")
    by_commands = json.loads(_cli("status", "-w", commands, "--json", "-"))

    page = tmp_path / "网页"
    with running(page) as bench:
        client = Client(bench)
        client.enter()
        csrf = client.csrf()
        roster = [
            ("roster", "roster.csv", (SAMPLES / "roster.csv").read_bytes()),
            ("key", "nianbao-key.txt", (SAMPLES / "nianbao-key.txt").read_bytes()),
        ]
        fields = {"csrf": csrf, **{k: v for k, v in SETTINGS.items() if k != "contact"}}
        status, headers, _ = client.post("/init", fields, roster)
        assert status == 303
        assert "已完成" in client.wait_job(headers["location"])
        uploads = [("files", p.name, p.read_bytes()) for p in files]
        status, headers, _ = client.post("/receive", {"csrf": csrf}, uploads)
        assert status == 303
        assert "已完成" in client.wait_job(headers["location"])
        status, body = client.get("/status.json")
        by_page = json.loads(body)
    assert _status(by_page) == _status(by_commands)
    assert by_page["counts"]["passed"] == 13


def test_nianbao_serve_prints_its_address_first_and_ends_on_ctrl_c(tmp_path: Path) -> None:
    root = tmp_path / "年报"
    _cli("init", root, "--roster", SAMPLES / "roster.csv", *_options("year", "district"))
    process = subprocess.Popen(
        [sys.executable, "-m", "toolkit", "serve", "-w", str(root), "--port", "0", "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().strip()
        found = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/\?token=[\w-]{20,}", first)
        assert found, first

        class Bench:
            port = int(found.group(1))
            url = first

        client = Client(Bench())
        client.enter()
        status, page = client.get("/")
        assert status == 200 and "示范区2023年度" in page
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert tx.SERVE_STOPPED in err and "Traceback" not in err


def test_serve_takes_form_only_for_a_workspace_it_starts(tmp_path: Path) -> None:
    """--form is the form of a workspace started from the page; beside an existing workspace,
    whose form is recorded, it is refused (exit 2) before anything is served."""
    from .conftest import ROOT

    root = tmp_path / "年报"
    _cli("init", root, "--roster", SAMPLES / "roster.csv", *_options("year", "district"))
    form = ROOT / "templates" / "gov-info-2021.toml"
    result = CliRunner().invoke(
        app, ["serve", "-w", str(root), "--form", str(form), "--port", "0", "--no-browser"]
    )
    assert result.exit_code == 2 and "--form" in result.output
    assert "http://" not in result.output
