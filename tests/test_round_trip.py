"""The correction round trip, end to end through headless LibreOffice (issue 10, "Done when").

Ten agencies get templates; six fill theirs in LibreOffice, four with openpyxl. One LibreOffice
clerk unprotects 三、依申请公开 and inserts a row "其中：网上申请" under 一、本年新收 before typing;
one openpyxl clerk makes two real mistakes. The office checks with --feedback; the mistaken agency
corrects exactly the cells its copy flags, in LibreOffice, and saves the copy beside its original
(all attachments saved in bulk: one modification time). The re-check passes and the rollup equals
an independent sum of every agency's true figures, with nothing lost on the way.

Each step is a module fixture and each test asserts one thing a user would notice, so a failure
names the step and the agency and cell that differ.
"""

from __future__ import annotations

import csv
import json
import math
import os
import random
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from toolkit.check.check import check
from toolkit.cli.cli import app
from toolkit.form.findings import CheckReport, FileResult
from toolkit.form.form import Form, complete, defined_name
from toolkit.form.form_file import standard_form
from toolkit.form.identity import read_key
from toolkit.form.layout import SheetLayout, a1, layout
from toolkit.inputs.roster import Agency, read_roster
from toolkit.template.generate import generate

from . import lo
from .conftest import FORM, SAMPLES

sys.path.insert(0, str(SAMPLES))
import build as sample_build

pytestmark = pytest.mark.libreoffice

YEAR = 2023  # the sample narratives speak of 2023
DISTRICT = "示范区"
PASSWORD = "roundtrip-2023"
GENERATED_AT = datetime(2023, 12, 1, 9, 0, 0)
SEED = 20231201
# Agencies with a sample profile (QK003 has fixed all-zero figures, JD002/XZ001 are left out).
CODES = ("QK001", "QK002", "QK004", "QK005", "QK006", "QK007", "QK008", "QK009", "QK010", "JD001")
BY_LIBREOFFICE = CODES[:6]
BY_OPENPYXL = CODES[6:]
INSERTER = "QK004"  # 公安分局: dozens of applications, so a non-zero 网上申请 figure
MISTAKEN = "JD001"  # 街道: no 行政许可 and nothing carried over, so the mistakes are plausible
T3 = "三、依申请公开"
NEW_ROW_LABEL = "一、本年新收政府信息公开申请数量"
NOTE = "其中：网上申请"
# The mistaken clerk types "—" for "none" and a 结转下年度 figure that breaks t3-balance.
DASHED = "t2.licensing.decisions"
MISTYPED = "t3.carried_out.natural"
BULK_SAVED = datetime(2024, 1, 10, 9, 30).timestamp()  # one time for every attachment

runner = CliRunner()


@dataclass(frozen=True)
class Truth:
    """An agency's figures as it means them: inputs, totals from the form, narrative texts."""

    agency: Agency
    inputs: dict[str, float]
    values: dict[str, float]
    texts: dict[str, str]


@dataclass(frozen=True)
class World:
    root: Path
    form: Form
    roster: Path
    templates: dict[str, Path]
    truth: dict[str, Truth]

    @property
    def returned(self) -> Path:
        return self.root / "returned"

    @property
    def feedback(self) -> Path:
        return self.root / "审核意见"


def _cli(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args], terminal_width=200)
    return result.exit_code, result.output


def _sheet(form: Form, name: str) -> SheetLayout:
    return next(s for s in layout(form) if s.name == name)


def _where(form: Form) -> dict[tuple[str, str], str]:
    """(sheet, A1) -> the key of the input, total or text written there."""
    return {(s.name, area.ref): key for s in layout(form) for key, area in s.cells.items()}


def _typed(value: float) -> float | int:
    """A figure as a clerk types it: 12, not 12.0."""
    return int(value) if float(value).is_integer() else value


def _same(actual: object, expected: float) -> bool:
    return isinstance(actual, int | float) and math.isclose(actual, expected, abs_tol=1e-6)


# ------------------------------------------------------------------------------------------------
# 1-2. Templates for ten agencies, and what each of them means to report
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("round-trip")
    form = standard_form()
    sample_roster = {a.code: a for a in read_roster(SAMPLES / "roster.csv")}
    roster = root / "roster.csv"
    with roster.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["单位代码", "单位名称", "联系人", "电子邮箱"])
        for code in CODES:
            a = sample_roster[code]
            writer.writerow([a.code, a.name, a.contact, a.email])
    agencies = read_roster(roster)
    made = generate(
        agencies,
        year=YEAR,
        out_dir=root / "templates",
        district=DISTRICT,
        contact="区政务公开办 张敏 0371-12345678",
        password=PASSWORD,
        generated_at=GENERATED_AT,
        form=form,
    )
    templates = {a.code: path for a, path in zip(agencies, made.files, strict=True)}
    rng = random.Random(SEED)
    truth = {}
    for agency in agencies:
        profile = sample_build.PROFILES[agency.code]
        inputs: dict[str, float] = {cell.key: 0 for cell in form.inputs}
        inputs |= sample_build.figures(rng, profile)
        texts = sample_build.narratives(rng, profile, inputs)
        sample_build.check(form, agency, inputs, texts)  # every rule passes, texts quote figures
        truth[agency.code] = Truth(agency, inputs, complete(form, inputs), texts)
    # The scenario needs figures the mistakes and the note can be made with.
    assert truth[INSERTER].inputs["t3.new.natural"] >= 2
    assert truth[MISTAKEN].inputs[DASHED] == 0 and truth[MISTAKEN].inputs[MISTYPED] == 0
    return World(root, form, roster, templates, truth)


# ------------------------------------------------------------------------------------------------
# 3. The agencies fill their templates and send them back
# ------------------------------------------------------------------------------------------------


def _by_name(form: Form, truth: Truth) -> dict[str, float | int | str]:
    entries: dict[str, float | int | str] = {
        defined_name(k): _typed(v) for k, v in truth.inputs.items()
    }
    entries |= {defined_name(k): v for k, v in truth.texts.items()}
    return entries


def _inserter_job(form: Form, truth: Truth, template: Path, out: Path) -> lo.FillJob:
    """Unprotect 三, insert "其中：网上申请" under 一、本年新收, type everything into the moved cells."""
    t3 = _sheet(form, T3)
    inserted = next(label.area.row for label in t3.labels if label.text == NEW_ROW_LABEL) + 1
    natural = t3.cells["t3.new.natural"]
    entries = _by_name(form, truth)
    for key, area in t3.cells.items():
        if key in truth.inputs:  # sheet references name the cells after the insertion
            del entries[defined_name(key)]
            row = area.row + 1 if area.row >= inserted else area.row
            entries[f"{T3}!{a1(row, area.col)}"] = _typed(truth.inputs[key])
    entries[f"{T3}!{a1(inserted, 0)}"] = NOTE
    entries[f"{T3}!{a1(inserted, natural.col)}"] = int(truth.inputs["t3.new.natural"]) - 1
    return lo.FillJob(
        template,
        out,
        entries,
        [lo.unprotect(T3, PASSWORD), lo.insert_rows(T3, before=inserted)],
        [lo.protect(T3, PASSWORD)],  # a careful clerk protects the sheet again
    )


def _fill_with_openpyxl(form: Form, truth: Truth, template: Path, out: Path) -> None:
    """What a script or another spreadsheet program does: write each input by its defined name."""
    book = openpyxl.load_workbook(template)
    entries: dict[str, object] = {defined_name(k): v for k, v in truth.inputs.items()}
    entries |= {defined_name(k): (v or None) for k, v in truth.texts.items()}
    if truth.agency.code == MISTAKEN:
        entries[defined_name(DASHED)] = "—"
        entries[defined_name(MISTYPED)] = 1
    for name, value in entries.items():
        ((sheet, ref),) = book.defined_names[name].destinations
        book[sheet][ref.replace("$", "").split(":")[0]].value = value
    book.save(out)


@pytest.fixture(scope="module")
def returned(world: World) -> Path:
    folder = world.returned
    folder.mkdir()
    jobs = []
    for code in BY_LIBREOFFICE:
        truth, template = world.truth[code], world.templates[code]
        out = folder / template.name
        if code == INSERTER:
            jobs.append(_inserter_job(world.form, truth, template, out))
        else:
            jobs.append(lo.FillJob(template, out, _by_name(world.form, truth)))
    lo.fill_many(jobs)
    for code in BY_OPENPYXL:
        template = world.templates[code]
        _fill_with_openpyxl(world.form, world.truth[code], template, folder / template.name)
    return folder


def test_the_row_inserter_sent_every_figure_one_row_down(world: World, returned: Path) -> None:
    """The scenario itself, read without nianbao: the note row sits under 一、本年新收 and every
    figure of 三 (LibreOffice's own totals too) one row further down, so all of it is there to
    be recovered."""
    truth = world.truth[INSERTER]
    t3 = _sheet(world.form, T3)
    book = CalamineWorkbook.from_path(str(returned / world.templates[INSERTER].name))
    rows = book.get_sheet_by_name(T3).to_python(skip_empty_area=False)
    inserted = next(label.area.row for label in t3.labels if label.text == NEW_ROW_LABEL) + 1
    assert rows[inserted][0] == NOTE
    below = next(label.text for label in t3.labels if label.area.row == inserted)
    assert rows[inserted + 1][0] == below  # 二、上年结转… moved one row down
    wrong = [
        (a1(area.row + 1, area.col), key, rows[area.row + 1][area.col], truth.values[key])
        for key, area in t3.cells.items()
        if area.row >= inserted and not _same(rows[area.row + 1][area.col], truth.values[key])
    ]
    assert not wrong, f"{INSERTER}: 三 after the inserted row (cell, key, file, true): {wrong}"


# ------------------------------------------------------------------------------------------------
# 4. The office checks them and writes feedback
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    code: int
    output: str
    report: dict[str, object]  # the --json file
    library: CheckReport  # the same check through the API: the values it read


def _check(world: World, name: str, *extra: str | Path) -> Checked:
    out = world.root / f"{name}.json"
    # The office verifies identities with the key `generate` wrote beside the templates.
    code, output = _cli("check", world.returned, "--roster", world.roster, "--year", YEAR,
                        "--district", DISTRICT, "--json", out,
                        "--issued", world.root / "templates", *extra)  # fmt: skip
    assert code in (0, 1), output  # 2 would mean the command could not run at all
    library = check(
        [world.returned],
        roster=read_roster(world.roster),
        year=YEAR,
        district=DISTRICT,
        key=read_key(world.root / "templates"),
        form=FORM,
    )
    return Checked(code, output, json.loads(out.read_text(encoding="utf-8")), library)


@pytest.fixture(scope="module")
def first(world: World, returned: Path) -> Checked:
    return _check(world, "first", "--feedback", world.feedback, "--password", PASSWORD)


def _result(checked: Checked, code: str) -> FileResult:
    """The agency's file in use (not set aside for a newer one)."""
    results = [r for r in checked.library.files if r.agency_code == code and not r.superseded]
    assert len(results) == 1, f"{code}: {len(results)} files in use"
    return results[0]


def test_row_inserting_agency_loses_nothing(world: World, first: Checked) -> None:
    truth = world.truth[INSERTER]
    result = _result(first, INSERTER)
    wrong = {
        key: (result.values.get(key), expected)
        for key, expected in truth.values.items()
        if not _same(result.values.get(key), expected)
    }
    assert not wrong, f"{INSERTER}: values read differ from what it typed (read, true): {wrong}"
    texts = {k: result.texts.get(k) for k, v in truth.texts.items() if result.texts.get(k) != v}
    assert not texts, f"{INSERTER}: texts read differ from what it typed: {texts}"


def test_row_insertion_is_a_warning_not_an_error(first: Checked) -> None:
    result = _result(first, INSERTER)
    errors = [(f.code, f.sheet, f.cell) for f in result.findings if f.severity == "error"]
    assert not errors, f"{INSERTER}: an inserted note row is not an error: {errors}"
    assert "layout-changed" in {f.code for f in result.findings}, f"{INSERTER}: not reported"


def test_mistakes_are_caught_and_nothing_else(world: World, first: Checked) -> None:
    assert first.code == 1, first.output
    failed = {r.agency_code: r for r in first.library.files if r.status == "failed"}
    assert set(failed) == {MISTAKEN}, first.output
    found = {(f.code, f.sheet, f.cell) for f in failed[MISTAKEN].findings}
    at = {key: where for where, key in _where(world.form).items()}
    assert ("placeholder", *at[DASHED]) in found, f"{MISTAKEN}: {found}"
    assert ("t3-balance", *at[MISTYPED]) in found, f"{MISTAKEN}: {found}"


def test_feedback_only_for_agencies_that_must_act(world: World, first: Checked) -> None:
    copies = sorted(p.name for p in world.feedback.glob("*-审核意见.xlsx"))
    emails = sorted(p.name for p in world.feedback.glob("*.txt") if p.name != "password.txt")
    mistaken = world.templates[MISTAKEN].name.replace(".xlsx", "-审核意见.xlsx")
    assert copies == [mistaken], f"copies made: {copies}"
    assert emails == [f"{MISTAKEN}.txt"], f"emails made: {emails}"


def test_a_copy_carries_every_figure_it_does_not_flag(world: World, first: Checked) -> None:
    """Feedback copies are never blank templates: every value and text the agency sent is there
    (the row-inserter's too, should it get one)."""
    for copy in sorted(world.feedback.glob("*-审核意见.xlsx")):
        code = copy.name.split("-")[0]
        truth = world.truth[code]
        book = CalamineWorkbook.from_path(str(copy))
        wrong = []
        for sheet in layout(world.form):
            rows = book.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False)
            for key, area in sheet.cells.items():
                shown = rows[area.row][area.col] if area.row < len(rows) else None
                if key in truth.texts:
                    ok = (shown or "") == truth.texts[key]
                elif key in truth.inputs and not (code == MISTAKEN and key in (DASHED, MISTYPED)):
                    ok = _same(shown, truth.inputs[key])
                else:
                    continue
                if not ok:
                    wrong.append((sheet.name, area.ref, key, shown))
        assert not wrong, f"{copy.name}: cells that lost the agency's entry: {wrong[:10]}"


# ------------------------------------------------------------------------------------------------
# 5. The agency corrects what its copy asks, and sends the copy back
# ------------------------------------------------------------------------------------------------


def _flagged(copy: Path) -> list[tuple[str, str]]:
    """(sheet, cell) of every row of the copy's 审核意见 sheet that names a cell."""
    book = CalamineWorkbook.from_path(str(copy))
    rows = book.get_sheet_by_name("审核意见").to_python(skip_empty_area=False)
    header = next(i for i, row in enumerate(rows) if "工作表" in row and "单元格" in row)
    sheet_col, cell_col = rows[header].index("工作表"), rows[header].index("单元格")
    return [
        (row[sheet_col], row[cell_col])
        for row in rows[header + 1 :]
        if len(row) > cell_col and row[sheet_col] not in ("", "—") and row[cell_col] != "—"
    ]


@pytest.fixture(scope="module")
def corrected(world: World, first: Checked) -> Path:
    mistaken = world.templates[MISTAKEN].name.replace(".xlsx", "-审核意见.xlsx")
    copy = world.feedback / mistaken
    assert copy.is_file(), f"no feedback copy for {MISTAKEN}: {first.output}"
    where = _where(world.form)
    truth = world.truth[MISTAKEN]
    typed: dict[str, float | int | str] = {}
    for sheet, ref in _flagged(copy):
        key = where.get((sheet, ref))
        if key in truth.inputs:  # totals and status cells follow from the inputs
            typed[f"{sheet}!{ref}"] = _typed(truth.inputs[key])
    assert {where[tuple(k.split("!"))] for k in typed} == {DASHED, MISTYPED}, typed
    out = world.returned / mistaken
    lo.fill(copy, out, typed)
    # What tells the two files apart now is what they record: LibreOffice stamps the copy's save
    # time, seconds after openpyxl stamped the original's (the first check ran in between).
    for path in world.returned.iterdir():  # attachments saved in bulk share one time
        os.utime(path, (BULK_SAVED, BULK_SAVED))
    return out


# ------------------------------------------------------------------------------------------------
# 6. The re-check passes; 7. the rollup equals the true figures
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def second(world: World, corrected: Path) -> Checked:
    return _check(world, "second")


def test_recheck_uses_the_corrected_copy(world: World, corrected: Path, second: Checked) -> None:
    files = [f for f in second.report["files"] if f["agency_code"] == MISTAKEN]
    used = [Path(f["path"]).name for f in files if not f["superseded"]]
    assert used == [corrected.name], f"{MISTAKEN}: in use {used}, not the corrected copy"


def test_recheck_passes_and_does_not_count_the_replaced_file(second: Checked) -> None:
    assert second.code == 0, second.output
    # the row-inserter keeps its layout-changed warning: no errors, one agency with a warning
    assert "10个单位均无错误，其中1个有提示待核对" in second.output, second.output
    assert "已被替代" in second.output, second.output
    assert second.report["summary"]["errors"] == 0, second.report["summary"]
    failed = [(f["agency_code"], f["status"]) for f in second.report["files"]
              if f["status"] == "failed" and not f["superseded"]]  # fmt: skip
    assert not failed, failed


@pytest.fixture(scope="module")
def rolled_up(world: World, second: Checked) -> Path:
    out = world.root / "示范区2023年度汇总.xlsx"
    code, output = _cli("rollup", world.returned, "--roster", world.roster, "--year", YEAR,
                        "--district", DISTRICT, "--out", out, "--issued", world.root / "templates",
                        "--generated-at", "2024-02-01T09:00:00")  # fmt: skip
    assert code == 0, output
    return out


def test_rollup_equals_an_independent_sum_of_the_true_figures(
    world: World, rolled_up: Path
) -> None:
    form = world.form
    expected = {k: math.fsum(t.values[k] for t in world.truth.values()) for k in form.cells}
    book = CalamineWorkbook.from_path(str(rolled_up))
    wrong = []
    for sheet in layout(form):
        if not any(key in form.cells for key in sheet.cells):
            continue  # a narrative sheet
        name = f"全区汇总（{sheet.name.split('、')[0]}）"
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        for key, area in sheet.cells.items():
            if key in form.cells and not _same(rows[area.row][area.col], expected[key]):
                wrong.append((name, area.ref, key, rows[area.row][area.col], expected[key]))
    assert not wrong, f"全区汇总 differs from the sum of true figures: {wrong[:10]}"


def test_rollup_details_hold_every_agency_and_every_figure(world: World, rolled_up: Path) -> None:
    rows = CalamineWorkbook.from_path(str(rolled_up)).get_sheet_by_name("明细").to_python()
    keys = next(row for row in rows if "code" in row)
    start = rows.index(keys) + 1
    details = {row[keys.index("code")]: row for row in rows[start:] if row and row[0]}
    assert sorted(details) == sorted(CODES), f"agencies in 明细: {sorted(details)}"
    wrong = []
    for code, row in details.items():
        truth = world.truth[code]
        for key, value in truth.values.items():
            if not _same(row[keys.index(key)], value):
                wrong.append((code, key, row[keys.index(key)], value))
    assert not wrong, (
        f"明细 differs from what the agencies meant (agency, cell, 明细, true): {wrong[:10]}"
    )


def test_rollup_status_lists_the_replaced_file_apart(world: World, rolled_up: Path) -> None:
    rows = CalamineWorkbook.from_path(str(rolled_up)).get_sheet_by_name("状态").to_python()
    header = next(i for i, row in enumerate(rows) if "状态" in row and "文件" in row)
    state, file = rows[header].index("状态"), rows[header].index("文件")
    states = {Path(row[file]).name: row[state] for row in rows[header + 1 :] if row[file]}
    original = world.templates[MISTAKEN].name
    assert "已被替代" in states.pop(original, ""), f"{original}: {states}"
    not_taken = {name: s for name, s in states.items() if not s.startswith("通过")}
    assert not not_taken, f"files in use not counted as 通过: {not_taken}"
    assert len(states) == len(CODES), f"files in use: {sorted(states)}"
