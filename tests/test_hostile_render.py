"""Agency text given to `nianbao render` as an attacker would write it (issue 27, part 2): a lone
surrogate (Excel's `_xD800_`), terminal escapes, bidi overrides, markup, a narrative as long as a
cell allows or of thousands of lines. Two agencies per batch: the hostile text never stops the
other's report, is normalised once (U+FFFD for a surrogate, controls dropped, long parts cut with a
note), and the run stays within CPU time and memory bounds, writing only into its output folder."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests import hostile_corpus as hostile
from tests.hostile_run import MAX_RSS, Run, hashes, run_cli, sane
from toolkit.cli.cli import app
from toolkit.core import texts as tx
from toolkit.render.render_model import MAX_PART_CHARS

PARTS = ("s1.active", "s1.request", "s5.problems", "s6.other")
CPU_SECONDS = 30  # two agencies checked and rendered, including every worker
RAW = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def _workbook(raw: str, *, code: str = "QK005", name: str = "区科技局") -> bytes:
    """The sample with `raw` (XML element text, escapes allowed) in four narrative parts."""
    data = hostile.relabel(code, name)
    for key in PARTS:
        part, ref = hostile.where(key)
        data = hostile.set_cell(part, ref, f"<is><t>{raw}</t></is>", "inlineStr", data)
    return data


def _render(tmp_path: Path, hostile_bytes: bytes) -> tuple[Run, Path]:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "QK005-hostile.xlsx").write_bytes(hostile_bytes)
    (folder / "QK006-plain.xlsx").write_bytes(hostile.relabel("QK006", "区财政局"))
    before = hashes(folder)
    out = tmp_path / "out"
    run = run_cli(
        ["render", str(folder), "--out", str(out), "--format", "docx,html"], process=True, limit=180
    )
    assert hashes(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]
    sane(run)
    assert run.seconds < CPU_SECONDS, run.seconds
    assert run.rss < MAX_RSS, run.rss
    assert not RAW.search(run.output), run.output
    return run, out


def _texts(out: Path) -> dict[str, str]:
    """Every output's text: the .html as it is, the .docx's document.xml."""
    found = {}
    for path in sorted(out.iterdir()):
        if path.suffix == ".html":
            found[path.name] = path.read_text(encoding="utf-8")
        elif path.suffix == ".docx":
            with zipfile.ZipFile(path) as archive:
                found[path.name] = archive.read("word/document.xml").decode("utf-8")
    return found


KINDS = {
    "lone surrogate": ("前_xD800_后_xDFFF_", "前\ufffd后\ufffd"),
    "terminal escapes": ("前_x001B_]0;标题_x0007__x001B_[31m后", "前]0;标题[31m后"),
    "bidi override": ("前\u202e后\u2066中\u2069", "前后中"),
    "markup": (
        "&lt;script&gt;alert(1)&lt;/script&gt;前",
        "&lt;script&gt;alert(1)&lt;/script&gt;前",
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_hostile_text_is_normalised_and_both_reports_are_written(tmp_path: Path, kind: str) -> None:
    raw, shown = KINDS[kind]
    run, out = _render(tmp_path, _workbook(raw))
    assert run.exit == 0, run.output
    texts = _texts(out)
    assert len([n for n in texts if n.startswith("QK005")]) == 2, texts.keys()
    assert len([n for n in texts if n.startswith("QK006")]) == 2, texts.keys()
    for name, text in texts.items():
        assert not RAW.search(text), name
        assert "<script>" not in text, name
        if name.startswith("QK005") and name.endswith(".html"):
            assert shown in text, name


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("a cell's worth of text in four parts", "政" * 32_000),
        ("thousands of lines", "第一行&#10;" * 8_000),
    ],
)
def test_a_very_long_narrative_is_cut_with_a_note(tmp_path: Path, kind: str, raw: str) -> None:
    run, out = _render(tmp_path, _workbook(raw))
    output = run.output
    assert run.exit == 0, output
    assert "文字过长、已截断的部分" in output, output
    assert "一、总体情况（一）主动公开" in output, output
    page = next(out.glob("QK005*.html")).read_text(encoding="utf-8")
    assert tx.RENDER_TEXT_CUT in page
    assert page.count("政") <= len(PARTS) * MAX_PART_CHARS + 200
    assert len(list(out.glob("QK006*"))) == 2


def test_one_report_failing_never_stops_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure no rule foresaw, building one agency's document: that report is named with a
    Chinese reason and exit 1; the other agency's report is written."""
    import toolkit.render.render_docx as render_docx

    real = render_docx.docx_bytes

    def failing(report, template=None):  # type: ignore[no-untyped-def]
        if "科技局" in report.title:
            raise UnicodeEncodeError("utf-8", "x", 0, 1, "hostile")
        return real(report, template)

    monkeypatch.setattr(render_docx, "docx_bytes", failing)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "QK005-hostile.xlsx").write_bytes(_workbook("前"))
    (folder / "QK006-plain.xlsx").write_bytes(hostile.relabel("QK006", "区财政局"))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["render", str(folder), "--out", str(out), "--format", "docx,html"],
        terminal_width=200,
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "内部错误" not in result.output
    assert "未能生成：QK005-区科技局" in result.output, result.output
    assert "生成时出错（UnicodeEncodeError）" in result.output, result.output
    assert not list(out.glob("QK005*"))
    assert sorted(p.suffix for p in out.glob("QK006*")) == [".docx", ".html"]
