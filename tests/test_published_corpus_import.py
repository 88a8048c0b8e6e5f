"""The real published reports of tests/reference/published/, imported: every figure transcribed by
hand must come out exactly, every cell the report does not show must be listed as not found, the
real mistakes must be found by `check`, and a report rendered from the imported workbook must
import back to the same figures.

The expected figures were transcribed by a person reading each source (see that folder's README),
never by this code: they are references, not snapshots.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from toolkit.cli.cli import app
from toolkit.form.form_file import standard_form
from toolkit.form.layout import layout
from toolkit.published.published import Published, read_isolated, read_report

FORM = standard_form()
WHERE = {key: (sheet.name, area.ref) for sheet in layout(FORM) for key, area in sheet.cells.items()}
CORPUS = Path(__file__).parent / "reference" / "published"
REPORTS = sorted(p for p in CORPUS.iterdir() if p.suffix in {".html", ".docx", ".pdf", ".txt"})


def expected(report: Path) -> dict:  # type: ignore[type-arg]
    return tomllib.loads(report.with_name(report.stem + ".expected.toml").read_text("utf-8"))


_READ: dict[Path, Published] = {}


def imported(report: Path) -> Published:
    """The report read as `import` reads it: in a worker process, as the command does (which also
    keeps OCR's page images out of the test process, whose peak memory every subprocess that a
    later test starts inherits)."""
    if not _READ:
        for path, read in zip(REPORTS, read_isolated(REPORTS, FORM), strict=True):
            assert isinstance(read, Published), (path.name, read)
            _READ[path] = read
    return _READ[report]


SCANNED = [p for p in REPORTS if imported(p).ocr_pages]


def cases(reports: list[Path], check: str) -> list:  # type: ignore[type-arg]
    """`reports` as parameters of `check`. A report whose expected file names this check under
    [known_open] (a blind-set layout the importer does not read yet, with the reason and its issue) is a
    strict xfail: the test must still fail there, and passes only once the mark is removed, so the mark
    cannot outlive the fix. No report transcribed before the blind set has such a mark."""
    params = []
    for path in reports:
        reason = expected(path).get("known_open", {}).get(check)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(path, id=path.name, marks=marks))
    return params


@pytest.mark.parametrize("report", cases(REPORTS, "figures"))
def test_every_transcribed_figure_is_reproduced_exactly(report: Path) -> None:
    truth = expected(report)
    read = imported(report)
    wrong = []
    for key, value in truth["cells"].items():
        got = read.cells.get(key)
        if got is None:
            wrong.append(f"{key}: not read, expected {value!r}")
        elif isinstance(value, str):
            if got.value is not None or got.text != value:
                wrong.append(f"{key}: read {got.text!r}, expected the text {value!r}")
        elif got.value != value:
            wrong.append(f"{key}: read {got.text!r}, expected {value!r}")
    extra = sorted(set(read.cells) - set(truth["cells"]))
    assert not wrong, "\n".join(wrong)
    assert not extra, f"cells read that the report does not show: {extra}"
    not_found = {k for p in read.problems for k in p.keys}
    assert set(truth.get("missing", [])) <= not_found


@pytest.mark.parametrize("report", REPORTS, ids=[p.name for p in REPORTS])
def test_no_figure_is_ever_read_wrong(report: Path) -> None:
    """Nothing guessed, on every report, the blind set's open ones included: a cell the import
    could not place with certainty is not read (and listed), never given another cell's figure
    (a converter that stacks two rows' labels above one row of figures, say)."""
    truth = expected(report)
    read = imported(report)
    wrong = [
        f"{key}: read {got.text!r}, expected {value!r}"
        for key, value in truth["cells"].items()
        if (got := read.cells.get(key)) is not None
        and not (got.value == value if not isinstance(value, str) else got.text == value)
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("report", SCANNED, ids=[p.name for p in SCANNED])
def test_a_scan_is_read_by_ocr_and_every_figure_marked(report: Path, tmp_path: Path) -> None:
    """Every figure of a scanned page comes from OCR and says so: in the log and as a 批注 on its
    cell in the workbook."""
    read = imported(report)
    assert read.cells and set(read.ocr_cells()) == set(read.cells)
    runner = CliRunner()
    args = ["import", str(report), "--out", str(tmp_path), "--year", str(expected(report)["year"])]
    result = runner.invoke(app, args)
    assert "已用 OCR 识读" in result.output, result.output
    (book,) = tmp_path.glob("*.xlsx")
    sheet, ref = WHERE["t3.new.natural"]
    comment = openpyxl.load_workbook(book)[sheet][ref].comment
    assert comment is not None and "OCR" in comment.text


@pytest.mark.parametrize("report", cases(REPORTS, "title_sections"))
def test_title_sections_and_agency(report: Path) -> None:
    """A report's title gives agency and year; a scan of pages without the title gives neither
    (the office says --year), never a guess."""
    truth = expected(report)
    read = imported(report)
    if read.title.year is not None or not read.ocr_pages:
        assert read.title.year == truth["year"]
        assert truth["agency"] in read.title.agency or read.title.agency in truth["agency"]
    for section, present in truth["sections"].items():
        table = next(s.table for s in FORM.sections if s.key == section)
        shown = section in read.sections or (table is not None and table in read.tables)
        assert shown == present, section


@pytest.mark.parametrize(
    "report",
    [p for p in REPORTS if expected(p).get("mistakes")],
    ids=[p.name for p in REPORTS if expected(p).get("mistakes")],
)
def test_check_finds_the_real_mistakes(report: Path, tmp_path: Path) -> None:
    """Each real mistake is found by its rule. A cross-year one with the report the transcriber
    named as last year's (published, read by --previous); a total printed wrong is `published-total`
    at the total (or `published-total-open` where blank parts leave the sum unknown), whether or
    not the 勾稽 rule can also be evaluated."""
    mistakes = expected(report)["mistakes"]
    runner = CliRunner()
    result = runner.invoke(app, ["import", str(report), "--out", str(tmp_path / "out")])
    assert result.exit_code in (0, 1), result.output
    args = ["check", str(tmp_path / "out"), "--json", str(tmp_path / "check.json")]
    for note in mistakes.values():
        last_year = re.search(r"with (\S+) as last year", note)
        if last_year:
            args += ["--previous", str(CORPUS / last_year.group(1))]
    result = runner.invoke(app, args)
    # 1 with an error among the findings; a report whose real mistakes are all 提示 (text-vs-table,
    # in-force) and that is otherwise complete checks with 0: the findings below are what counts
    assert result.exit_code in (0, 1), result.output
    (checked,) = json.loads((tmp_path / "check.json").read_text("utf-8"))["files"]
    found = {f["code"] for f in checked["findings"]}
    if found & {"published-total", "published-total-open"}:
        found |= TOTAL_RULES
    if "blank" in found:
        # cells the report left blank are errors themselves, and leave every figure that depends
        # on them unknown: a figure in the text cannot be compared with an unknown total
        mistakes = {k: v for k, v in mistakes.items() if k != "text-vs-table"}
    assert set(mistakes) <= found, found


TOTAL_RULES = {"t3-row-total", "t3-result-total", "t4-total"}


ROUND_TRIP = [p for p in REPORTS if p.suffix in {".html", ".docx"}][:2]


@pytest.mark.parametrize("report", ROUND_TRIP, ids=[p.name for p in ROUND_TRIP])
def test_render_and_import_again_gives_the_same_figures(report: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["import", str(report), "--out", str(tmp_path / "wb")])
    assert result.exit_code in (0, 1), result.output
    result = runner.invoke(
        app,
        [
            "render",
            str(tmp_path / "wb"),
            "--out",
            str(tmp_path / "r"),
            "--format",
            "docx,html",
            "--include-errors",
        ],
    )
    assert result.exit_code in (0, 1), result.output
    first = imported(report)
    inputs = {c.key for c in FORM.inputs}
    rendered_files = sorted([*(tmp_path / "r").glob("*.docx"), *(tmp_path / "r").glob("*.html")])
    assert len(rendered_files) == 2
    for rendered in rendered_files:
        again = read_report(rendered, FORM)
        for key in inputs & set(first.cells):
            value = first.cells[key].value
            if value is not None and FORM.cells[key].type == "amount":
                value = round(value, 4)  # the form's amounts have 4 decimals; 平潭 printed 6
            assert again.cells[key].value == value, (rendered.name, key)
        assert again.title.year == first.title.year
