"""Identity first (issue 27, part 4): `compare` pairs agencies by code, and by name only when the
name is exactly one agency's, saying so; a look-alike title never takes another agency's figures.
"""

from __future__ import annotations

import json
from pathlib import Path

from .test_import import SEED, TITLE, published, roster, run, seed_text  # noqa: F401 (fixture)


def test_a_look_alike_title_is_never_paired(tmp_path: Path, roster: Path) -> None:  # noqa: F811
    """区发展和改革委员会教育局 was paired silently with 区发展和改革委员会: a published report whose
    title only contains an agency's name is listed on its own, and that agency as not published."""
    assert run("import", published(tmp_path / "a", SEED.read_text(encoding="utf-8")),
               "--out", tmp_path / "submitted", "--roster", roster)[0] == 0  # fmt: skip
    look_alike = seed_text(
        **{"科技局 2023 年": "科技局教育局 2023 年", "行政许可\t0": "行政许可\t9"}
    )
    site = tmp_path / "site"
    published(site, look_alike, name="科技局教育局2023年政府信息公开工作年度报告")
    before = {p: p.read_bytes() for p in site.iterdir()}
    code, output = run("compare", "--published", site, "--submitted", tmp_path / "submitted",
                       "--json", tmp_path / "d.json")  # fmt: skip
    assert code == 1, output
    assert "Traceback" not in output and "内部错误" not in output
    diff = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert diff["agencies"] == []
    assert [a["agency_name"] for a in diff["published_only"]] == ["科技局教育局"]
    assert [a["agency_code"] for a in diff["submitted_only"]] == ["QK003"]
    assert {p: p.read_bytes() for p in site.iterdir()} == before  # inputs unchanged


def test_an_exact_name_pairs_and_says_so(tmp_path: Path, roster: Path) -> None:  # noqa: F811
    assert run("import", published(tmp_path / "a", SEED.read_text(encoding="utf-8")),
               "--out", tmp_path / "submitted", "--roster", roster)[0] == 0  # fmt: skip
    site = tmp_path / "site"
    published(site, seed_text(**{"行政许可\t0": "行政许可\t4"}), name=TITLE)
    code, output = run("compare", "--published", site, "--submitted", tmp_path / "submitted",
                       "--json", tmp_path / "d.json")  # fmt: skip
    assert code == 1, output
    (pair,) = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))["agencies"]
    assert (pair["agency_code"], pair["by_name"]) == ("QK003", True)
    assert "按单位名称完全一致配对" in output


def _page(meta: str, body_text: str) -> str:
    lines = "".join(f"<p>{line}</p>" for line in body_text.splitlines() if line.strip())
    return (
        '<html><head><meta charset="utf-8"><meta name="ArticleTitle" content="'
        + meta
        + '"><title>'
        + meta
        + "</title></head><body>"
        + lines
        + "</body></html>"
    )


def test_an_article_title_meta_never_overrides_the_heading_and_file_name(
    tmp_path: Path,
    roster: Path,  # noqa: F811
) -> None:
    """Agency A's page carrying B's name in its ArticleTitle meta was imported as B, with B's
    token and no note. Now the disagreement is reported, nothing is written for it (no token),
    and a page whose evidence agrees is imported as before."""
    site = tmp_path / "site"
    hostile = published(
        site,
        _page("区公安分局2023年政府信息公开工作年度报告", SEED.read_text(encoding="utf-8")),
        name=TITLE,
        suffix=".html",
    )
    before = hostile.read_bytes()
    code, output = run("import", site, "--out", tmp_path / "out", "--roster", roster)
    assert code == 1, output
    assert "未能导入" in output and "单位不一致" in output and "区公安分局" in output
    assert "Traceback" not in output and "内部错误" not in output
    assert not list((tmp_path / "out").glob("*.xlsx"))  # no workbook, so no token minted
    assert hostile.read_bytes() == before
    agreeing = published(
        tmp_path / "ok",
        _page(TITLE, SEED.read_text(encoding="utf-8")),
        name=TITLE,
        suffix=".html",
    )
    code, output = run("import", agreeing, "--out", tmp_path / "out2", "--roster", roster)
    assert code in (0, 1) and "单位不一致" not in output, output
    (book,) = (tmp_path / "out2").glob("*.xlsx")
    assert book.name.startswith("QK003-")
