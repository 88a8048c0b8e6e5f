"""Hostile and broken inputs, as they arrive by email: every kind gives a clear Chinese finding or
message with the right exit code, within bounded time and memory, and never a traceback.

The corpus is built here, from the valid sample QK005 and small hand-made files, into a temporary
folder; `python -m tests.test_hostile DIR` writes it to DIR to look at.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolkit.check.check import check
from toolkit.cli.cli import app

from . import hostile_corpus as hostile
from .conftest import FORM, SAMPLES
from .hostile_run import (
    MAX_RSS,
    MAX_SECONDS,
    codes,
    feedback_is_sound,
    formulas_in,
    hashes,
    read_report,
    run_cli,
    sane,
)

sys.path.insert(0, str(SAMPLES))
import build_invalid

BASE = next((SAMPLES / "returned").glob("QK005-*.xlsx"))
LIBREOFFICE = SAMPLES / "returned" / "libreoffice"
runner = CliRunner()


def _base() -> bytes:
    return BASE.read_bytes()


def _encrypted() -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(_base())).encrypt("1234", out)
    return out.getvalue()


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + b"\0" * (80 * 1024 * 1024) + b"</sst>")
    return out.getvalue()


def _laughs() -> bytes:
    lol = (
        '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">'
        + "".join(
            f'<!ENTITY {c} "&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};">'
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        )
        + ']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>&i;</t></si></sst>"
    )
    source = zipfile.ZipFile(io.BytesIO(_base()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = lol.encode() if info.filename == "xl/sharedStrings.xml" else source.read(info)
            target.writestr(info, body)
    return out.getvalue()


def _cell(key: str, inner: str, kind: str = "") -> Callable[[], bytes]:
    def build() -> bytes:
        from toolkit.form.form_file import standard_form

        _, ref, part = build_invalid._where(standard_form(), key)
        return build_invalid._set_cell(_base(), part, ref, inner, kind)

    return build


def _huge_sheet() -> bytes:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(_base()))
    ws = book["三、依申请公开"]
    for row in range(60, 5060):
        ws.cell(row=row, column=2, value=row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _other_office() -> bytes:
    from datetime import datetime

    from toolkit.form.contract import identity_for
    from toolkit.form.form_file import standard_form
    from toolkit.inputs.roster import Agency
    from toolkit.template.workbook import write_workbook

    form = standard_form()
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"other-{os.getpid()}.xlsx"
    write_workbook(
        path,
        form=form,
        identity=identity_for(
            form, Agency(code="QK005", name="区民政局"), 2023, "邻区", datetime(2023, 12, 1)
        ),
        password="other",
    )
    data = path.read_bytes()
    path.unlink()
    return data


# name -> (file name, builder, expected finding codes (all present), expected status)
CORPUS: dict[str, tuple[str, Callable[[], bytes], set[str], str]] = {
    "corrupt zip": (
        "损坏.xlsx",
        lambda: b"PK\x03\x04" + os.urandom(2000),
        {"unreadable"},
        "unreadable",
    ),
    "zero bytes": ("空文件.xlsx", lambda: b"", {"unreadable"}, "unreadable"),
    "truncated": ("截断.xlsx", lambda: _base()[:9000], {"unreadable"}, "unreadable"),
    "encrypted": ("加密.xlsx", _encrypted, {"unreadable"}, "unreadable"),
    "xls renamed xlsx": (
        "改名.xlsx",
        lambda: (LIBREOFFICE / "QK005-libreoffice.xls").read_bytes(),
        {"wrong-extension"},
        "passed",
    ),
    "xlsm with macros": (
        "宏.xlsm",
        lambda: build_invalid._add_part(_base(), "xl/vbaProject.bin", b"x"),
        {"macros"},
        "warnings",
    ),
    "external links": (
        "外链.xlsx",
        lambda: build_invalid._add_part(
            _base(), "xl/externalLinks/externalLink1.xml", b"<externalLink/>"
        ),
        {"external-links"},
        "warnings",
    ),
    "zip bomb": ("炸弹.xlsx", _zip_bomb, {"unreadable"}, "unreadable"),
    "entity expansion": ("实体.xlsx", _laughs, {"unreadable"}, "unreadable"),
    "huge sheet": ("大表.xlsx", _huge_sheet, {"extra-content"}, "warnings"),
    "pictures over the tables": (
        "图片.xlsx",
        lambda: (SAMPLES / "returned" / "invalid" / "pictures.xlsx").read_bytes(),
        {"pictures"},
        "warnings",
    ),
    "merged input cells": (
        "合并.xlsx",
        lambda: (SAMPLES / "returned" / "invalid" / "merged-cells.xlsx").read_bytes(),
        {"merged-cells"},
        "failed",
    ),
    "2019 format": (
        "2019版.xlsx",
        lambda: (SAMPLES / "returned" / "invalid" / "old-format.xlsx").read_bytes(),
        {"old-format"},
        "failed",
    ),
    "another office's template": ("邻区模板.xlsx", _other_office, {"wrong-district"}, "failed"),
    "text where numbers belong": (
        "文字.xlsx",
        _cell("t3.new.natural", "<is><t>约十件</t></is>", "inlineStr"),
        {"not-a-number"},
        "failed",
    ),
    "formula typed into an input": (
        "公式.xlsx",
        _cell("t3.new.business", "<f>1+0</f><v>1</v>"),
        {"input-formula"},
        "warnings",
    ),
    "negative count": (
        "负数.xlsx",
        _cell("t4.cases.review_pending", "<v>-2</v>"),
        {"negative"},
        "failed",
    ),
    "decimal count": (
        "小数.xlsx",
        _cell("t2.licensing.decisions", "<v>3.5</v>"),
        {"not-integer"},
        "failed",
    ),
    "pdf renamed xlsx": (
        "报告.xlsx",
        lambda: b"%PDF-1.7\n" + os.urandom(500),
        {"unreadable"},
        "unreadable",
    ),
    "word file renamed xlsx": (
        "报告.docx.xlsx",
        lambda: build_invalid._add_part(
            _zip_with("word/document.xml", b"<document/>"), "docProps/app.xml", b"<Properties/>"
        ),
        {"unreadable"},
        "unreadable",
    ),
    "identity only in document properties": (
        "无meta.xlsx",
        lambda: _without_meta(),
        set(),
        "passed",
    ),
    "very long narrative": ("长文.xlsx", lambda: _long_text(), set(), "passed"),
}


def _zip_with(name: str, body: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, body)
    return out.getvalue()


def _without_meta() -> bytes:
    """The `_meta` sheet deleted (as a clerk might, after unhiding it); the properties remain."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(_base()))
    del book["_meta"]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _long_text() -> bytes:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(_base()))
    ws = book["五、问题及改进"]
    cell = next(
        c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and len(c.value) > 40
    )
    cell.value = cell.value + "另外，" * 10000
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("报回 文件")  # a Chinese, space-containing path
    write_corpus(folder)
    return folder


def write_corpus(folder: Path) -> None:
    for name, builder, _, _ in CORPUS.values():
        (folder / name).write_bytes(builder())


def test_corpus_has_at_least_25_kinds() -> None:
    # The kinds above plus the batch and output cases tested below.
    assert len(CORPUS) + 7 >= 25


@pytest.mark.parametrize("kind", sorted(CORPUS))
def test_each_kind_gives_a_clear_finding(kind: str, corpus: Path) -> None:
    name, _, codes, status = CORPUS[kind]
    report = check([corpus / name], year=2023, district="示范区", form=FORM)
    (result,) = report.files
    found = {f.code for f in result.findings}
    assert codes <= found, found
    assert result.status == status, [f.message for f in result.findings]
    for finding in result.findings:
        assert finding.message and not any(w in finding.message for w in ("Traceback", "Error:"))
    if "unreadable" in codes:
        (finding,) = result.findings
        assert "：" in finding.message  # the reason is said, in Chinese


def test_the_whole_corpus_in_one_run_checks_the_good_ones(corpus: Path) -> None:
    shutil.copy(BASE, corpus / "好的.xlsx")
    try:
        result = runner.invoke(
            app, ["check", str(corpus), "--year", "2023", "-q"], terminal_width=120
        )
    finally:
        (corpus / "好的.xlsx").unlink()
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"共{len(CORPUS) + 1}个文件" in result.output


def test_folder_with_no_workbooks(tmp_path: Path) -> None:
    (tmp_path / "说明.txt").write_text("没有工作簿", encoding="utf-8")
    result = runner.invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 2 and "没有找到任何工作簿" in result.output


def test_same_file_twice_and_a_lock_file(tmp_path: Path) -> None:
    target = tmp_path / "报告.xlsx"
    shutil.copy(BASE, target)
    (tmp_path / "~$报告.xlsx").write_bytes(b"\0" * 165)
    report = check([target, target, tmp_path], year=2023, form=FORM)
    assert len(report.files) == 1 and report.files[0].status == "passed"
    assert [f.code for f in report.batch_findings] == ["skipped-file"]


def test_unreadable_output_folder_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only folder (simulated: tests run as root, for whom permissions do not apply)."""
    import tempfile

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    result = runner.invoke(app, ["check", str(BASE), "--json", str(tmp_path / "ro" / "r.json")])
    assert (
        result.exit_code == 2
        and "无法写入" in result.output
        and "没有权限" in result.output  # the OS reason in Chinese, no English strerror
        and "Permission denied" not in result.output
    )


def test_output_equal_to_an_input_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "报告.xlsx"
    shutil.copy(BASE, target)
    for option in ("--json", "--xlsx"):
        result = runner.invoke(app, ["check", str(target), option, str(target)])
        assert result.exit_code == 2 and "不能被覆盖" in result.output
    assert target.read_bytes() == BASE.read_bytes()


def test_an_interrupted_write_leaves_no_half_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outputs are written beside the target and renamed: a failure leaves nothing behind."""
    import os as real_os

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(real_os, "replace", crash)
    result = runner.invoke(app, ["check", str(BASE), "--json", str(tmp_path / "r.json")])
    assert result.exit_code == 2
    assert list(tmp_path.iterdir()) == []


if __name__ == "__main__":
    write_corpus(Path(sys.argv[1]))


def test_two_runs_at_once_on_the_same_folder_do_not_interfere(tmp_path: Path) -> None:
    """Two offices' clerks (or a double click) running generate and check into one folder."""
    import subprocess

    out = tmp_path / "输出"
    nianbao = str(Path(sys.executable).with_name("nianbao"))
    generate = [
        nianbao,
        "generate",
        "--roster",
        str(SAMPLES / "roster.csv"),
        "--year",
        "2023",
        "--out",
        str(out),
        "--password",
        "pw",
        "--generated-at",
        "2023-12-01T09:00:00",
    ]
    checking = [
        nianbao,
        "check",
        str(SAMPLES / "returned" / "invalid"),
        "--year",
        "2023",
        "-q",
        "--json",
        str(out / "结果.json"),
        "--feedback",
        str(out / "意见"),
    ]
    runs = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for c in (generate, generate, checking, checking)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 1, 1], outputs
    import json

    import openpyxl

    assert len(list(out.glob("*.xlsx"))) == 13
    for path in out.glob("*.xlsx"):
        openpyxl.load_workbook(path)  # complete, not interleaved
    json.loads((out / "结果.json").read_text(encoding="utf-8"))
    leftovers = [  # the marker of nianbao's own outputs stays (toolkit/core/outputs.py)
        p.name
        for p in out.rglob("*")
        if p.name.startswith(".") and p.name != ".nianbao-outputs.json"
    ]
    assert leftovers == []


# ------------------------------------------------------------------------------------------------
# Round two (issue 9): tests/hostile_corpus.py, each kind through the command line
# ------------------------------------------------------------------------------------------------


def test_round_two_has_at_least_50_kinds_in_all() -> None:
    first_round = len(CORPUS) + 7  # the kinds above and their seven batch and output tests
    # tests/test_hostile_outputs.py: three spellings of a code, a roster without leading zeros, a
    # relabelled code, two reports with equal times, formulas and NaN in outputs, a hostile roster;
    # and --previous at each hostile path, and at all of them at once (below).
    separate = 3 + 6 + 2
    assert first_round + len(hostile.KINDS) + separate >= 50


@pytest.mark.parametrize("kind", hostile.KINDS, ids=lambda k: k.name)
def test_hostile_kind_through_the_cli(kind: hostile.Kind, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    target = kind.make(tmp_path / "in")
    before = hashes(target)
    out = tmp_path / "out"
    json_path = out / "结果.json"
    args = [
        "check",
        str(target),
        "--year",
        "2023",
        "--district",
        "示范区",
        "--json",
        str(json_path),
    ]
    if kind.feedback:
        args += ["--feedback", str(out / "意见"), "--xlsx", str(out / "审核结果.xlsx")]
    run = run_cli(args, process=kind.process)
    sane(run)
    report = read_report(json_path)
    found = codes(report)
    assert any(run.exit == exit and wanted <= found for wanted, exit in kind.outcomes), (
        run.exit,
        found,
        run.output[-1500:],
    )
    assert run.seconds < MAX_SECONDS, run.seconds
    if kind.process:
        assert run.rss < MAX_RSS, f"{run.rss / 1024**2:.0f} MiB"
    assert hashes(target) == before
    for text in kind.absent:
        assert text not in run.output
    for text in kind.shown:
        assert text in run.output
    if kind.status:
        assert [f["status"] for f in report["files"]] == [kind.status]
    if kind.feedback:
        feedback_is_sound(out / "意见")
        assert not [f for f in formulas_in(out) if any(m in f[2] for m in hostile.MARKERS)]


@pytest.mark.parametrize("kind", [k for k in hostile.KINDS if k.process], ids=lambda k: k.name)
def test_previous_pointing_at_a_hostile_path(kind: hostile.Kind, tmp_path: Path) -> None:
    """Last year's files go through the same limits as this year's."""
    (tmp_path / "in").mkdir()
    target = kind.make(tmp_path / "in")
    before = hashes(target)
    run = run_cli(["check", str(BASE), "--year", "2023", "--previous", str(target)], process=True)
    sane(run)
    assert run.exit in (0, 1) or (run.exit == 2 and "上年" in run.output), run.output[-1500:]
    assert run.seconds < MAX_SECONDS and run.rss < MAX_RSS, (run.seconds, run.rss)
    assert hashes(target) == before


def test_previous_pointing_at_every_hostile_file_at_once(tmp_path: Path) -> None:
    made = hostile.write(tmp_path / "in")
    before = {k: hashes(p) for k, p in made.items()}
    args = ["check", str(BASE), "--year", "2023"]
    for path in made.values():
        args += ["--previous", str(path)]
    run = run_cli(args, process=True)
    sane(run)
    assert run.exit in (0, 1) or (run.exit == 2 and "上年" in run.output), run.output[-1500:]
    assert run.seconds < 3 * MAX_SECONDS and run.rss < MAX_RSS, (run.seconds, run.rss)
    assert {k: hashes(p) for k, p in made.items()} == before
