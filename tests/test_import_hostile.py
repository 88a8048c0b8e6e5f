"""Hostile and broken files given to `nianbao import` (and `compare`), as a real process: each is
named with a Chinese reason, none stops the others, no traceback, bounded CPU time and memory,
and no input is changed."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tests.hostile_run import MAX_RSS, MAX_SECONDS, hashes, run_cli

SEED = Path(__file__).parent / "reference" / "000_257bd34ea451c6a3.txt"


def _zip_bomb() -> bytes:
    """300 MB of XML in a few hundred KB, written a megabyte at a time: the test process must not
    hold it whole (every subprocess a later test starts inherits this process's peak memory)."""
    buffer = io.BytesIO()
    chunk = b"a" * (1024 * 1024)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(b"<")
            for _ in range(300):
                part.write(chunk)
            part.write(b">")
    return buffer.getvalue()


def _deep_html() -> bytes:
    return b"<html><body>" + b"<div>" * 200_000 + b"x" + b"</div>" * 200_000 + b"</body></html>"


def _wide_html() -> bytes:
    row = '<tr><td colspan="1000000" rowspan="1000000">一、本年新收政府信息公开申请数量</td></tr>'
    return ("<html><body><table>" + row * 50 + "</table></body></html>").encode("utf-8")


HOSTILE = {
    "乱码.pdf": b"%PDF-1.7\n" + bytes(range(256)) * 64,
    "截断.pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n",
    "不是zip.docx": b"PK\x03\x04" + b"\x00" * 200,
    "炸弹.docx": _zip_bomb(),
    "旧版.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096,
    "嵌套.html": _deep_html(),
    "超宽.html": _wide_html(),
    "二进制.txt": bytes(range(256)) * 100,
    "空.txt": b"",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "in"
    path.mkdir()
    for name, data in HOSTILE.items():
        (path / name).write_bytes(data)
    (path / "科技局2023年政府信息公开工作年度报告.txt").write_bytes(SEED.read_bytes())
    return path


def test_every_hostile_file_is_named_and_the_real_report_imported(
    folder: Path, tmp_path: Path
) -> None:
    before = hashes(folder)
    run = run_cli(["import", str(folder), "--out", str(tmp_path / "out")], process=True, limit=120)
    assert run.exit == 1, run.output
    assert "Traceback" not in run.output
    assert "已导入：科技局2023年政府信息公开工作年度报告.txt" in run.output
    for name in HOSTILE:  # not a report, or no title to take a year from: named, not imported
        assert f"未能导入：{name}" in run.output, name
    assert run.seconds < MAX_SECONDS * 3, run.seconds  # ten files, each bounded
    assert run.rss < MAX_RSS, run.rss
    assert hashes(folder) == before
    assert len(list((tmp_path / "out").glob("*.xlsx"))) >= 1
