""".et files, as WPS 表格 saves them: an OLE2 workbook (the .xls format) or, from newer WPS, an
.xlsx under the .et name. Both are read by content; anything else under .et gets its own Chinese
message. Every way files come in (check, a workspace, mail attachments and zips in them) takes
.et. The OLE2 .et here is the committed sample LibreOffice saved as .xls, renamed as WPS names
its files."""

from __future__ import annotations

import email
import io
import shutil
import zipfile
from email.message import EmailMessage
from pathlib import Path

from typer.testing import CliRunner

from toolkit.check.check import check
from toolkit.cli.cli import app
from toolkit.core.catalogue import say
from toolkit.form.identity import read_key
from toolkit.inputs.discover import collect
from toolkit.mail.mail_attachments import Skip, workbooks
from toolkit.xlsx.read import read_workbook

from .conftest import FORM, SAMPLES

LIBREOFFICE = SAMPLES / "returned" / "libreoffice"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SAMPLE_KEY = read_key(SAMPLES)
runner = CliRunner()


def _et_files(folder: Path) -> dict[str, Path]:
    """An OLE2 .et, an .xlsx saved as .et and a garbage .et, beside their originals' copies."""
    folder.mkdir(parents=True, exist_ok=True)
    made = {
        "ole2": folder / "QK005-民政局-WPS.et",
        "xlsx": folder / "QK005-民政局-新版WPS.et",
        "garbage": folder / "不是表格.et",
    }
    shutil.copyfile(LIBREOFFICE / "QK005-libreoffice.xls", made["ole2"])
    shutil.copyfile(LIBREOFFICE / "QK005-libreoffice.xlsx", made["xlsx"])
    made["garbage"].write_bytes("这不是表格，只是一段文字。\n".encode() * 50)
    assert made["ole2"].read_bytes().startswith(OLE2)
    return made


def test_an_ole2_et_reads_as_the_xls_it_is(tmp_path: Path) -> None:
    files = _et_files(tmp_path)
    et = read_workbook(files["ole2"], FORM)
    xls = read_workbook(LIBREOFFICE / "QK005-libreoffice.xls", FORM)
    assert et.error == "" and et.kind == "xls"
    assert et.grids == xls.grids and et.meta == xls.meta


def test_et_files_are_checked_like_the_formats_inside(tmp_path: Path) -> None:
    files = _et_files(tmp_path)
    for kind in ("ole2", "xlsx"):
        report = check([files[kind]], year=2023, district="示范区", key=SAMPLE_KEY, form=FORM)
        (result,) = report.files
        # Passed with no finding at all: not even "the extension does not match", since WPS
        # itself saves both under .et.
        assert result.status == "passed", [f.message for f in result.findings]
        assert result.findings == ()
        assert result.agency_code == "QK005"
    xls = check([LIBREOFFICE / "QK005-libreoffice.xls"], year=2023, district="示范区",
                key=SAMPLE_KEY, form=FORM).files[0]  # fmt: skip
    et = check([files["ole2"]], year=2023, district="示范区", key=SAMPLE_KEY, form=FORM).files[0]
    assert et.values == xls.values and et.texts == xls.texts


def test_an_et_that_is_neither_says_so_in_chinese(tmp_path: Path) -> None:
    files = _et_files(tmp_path)
    book = read_workbook(files["garbage"], FORM)
    assert book.error == say("read-et-unknown")
    assert "WPS" in book.error and ".xlsx" in book.error
    (result,) = check([files["garbage"]], year=2023, district="示范区", form=FORM).files
    assert result.status == "unreadable"
    assert any(say("read-et-unknown") in f.message for f in result.findings)
    # Any other name keeps the general message.
    other = tmp_path / "不是表格.xls"
    shutil.copyfile(files["garbage"], other)
    assert read_workbook(other, FORM).error == say("read-not-spreadsheet")


def test_check_on_a_folder_finds_et_files(tmp_path: Path) -> None:
    files = _et_files(tmp_path / "报回")
    found, _ = collect([tmp_path / "报回"])
    assert sorted(found) == sorted(files.values())
    result = runner.invoke(
        app,
        ["check", str(tmp_path / "报回"), "--year", "2023", "--district", "示范区",
         "--issued", str(SAMPLES), "--json", str(tmp_path / "check.json")],
    )  # fmt: skip
    assert result.exit_code == 1, result.output  # the garbage one cannot be read
    assert "Traceback" not in result.output
    assert "不是表格.et" in result.output


def test_a_workspace_receives_et_files(tmp_path: Path) -> None:
    space = tmp_path / "年报"
    done = runner.invoke(
        app,
        ["init", str(space), "--year", "2023", "--district", "示范区",
         "--roster", str(SAMPLES / "roster.csv"), "--issued", str(SAMPLES),
         "--deadline", "2024-01-15", "--contact", "区政务公开办 张敏"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    files = _et_files(tmp_path / "下载")
    files["garbage"].unlink()
    files["xlsx"].unlink()  # the same agency twice would be a conflict; one .et is enough here
    done = runner.invoke(app, ["check", "-w", str(space), str(tmp_path / "下载"), "-q"])
    assert done.exit_code == 0, done.output
    assert "收到 1 份文件" in done.output, done.output
    stored = list((space / "收到").rglob("*.et"))
    assert [p.read_bytes() for p in stored] == [files["ole2"].read_bytes()]
    done = runner.invoke(app, ["status", "-w", str(space)])
    assert "通过 1" in done.output, done.output


def test_mail_takes_et_attachments_and_et_inside_zips(tmp_path: Path) -> None:
    files = _et_files(tmp_path)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.write(files["xlsx"], "报表/年报.et")
    message = EmailMessage()
    message["Subject"] = "年报"
    message.set_content("附件是年报。")
    message.add_attachment(
        files["ole2"].read_bytes(), maintype="application", subtype="octet-stream",
        filename="民政局年报.et",
    )  # fmt: skip
    message.add_attachment(
        archive.getvalue(), maintype="application", subtype="zip", filename="年报.zip"
    )
    # As collect reads it from the server: the bytes of the message, parsed.
    received = email.message_from_bytes(message.as_bytes())
    found = dict(workbooks(received, 10 * 1024 * 1024))
    assert set(found) == {"民政局年报.et", "年报.zip/年报.et"}, found
    assert not any(isinstance(v, Skip) for v in found.values())
    assert found["民政局年报.et"] == files["ole2"].read_bytes()
    assert found["年报.zip/年报.et"] == files["xlsx"].read_bytes()
