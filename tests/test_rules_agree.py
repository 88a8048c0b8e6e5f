"""Each rule means one thing: the status LibreOffice computes in the template, the Python value
the generator stores for it, and the pandera verdict of `check` agree, for random fills.

Fills are drawn by hypothesis: balanced and unbalanced figures, zeros, figures typed as text
("１２", " 12 ", "12") or left blank, and narratives made of random mixes of blank characters
(full-width, no-break and zero-width spaces, tabs, line breaks) and text. Each batch is written
by the generator, recalculated by one headless LibreOffice run, read back by `check`, and then,
for every status cell of every rule:

* LibreOffice's result == the generator's stored result == `status_value` on what check read;
* it shows 通过 exactly when check reports no failure of that rule there.

Where a figure the rule depends on is text or blank, the template cannot see what check sees
(a total's SUM skips text; check reads "１２" as 12 with a warning, and treats a blank as
unknown). There the property is weaker but still one a user notices: check points at that
cell itself, so the disagreement never goes unexplained.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from toolkit.check.check import check
from toolkit.core.text import BLANK_CHARACTERS, cell_text
from toolkit.form.contract import identity_for
from toolkit.form.fill import Fill
from toolkit.form.form import Form, Instance, Rule, complete
from toolkit.form.form_file import standard_form
from toolkit.form.layout import layout
from toolkit.form.rules import LATER, PASS, kind_of, status_value
from toolkit.inputs.roster import Agency
from toolkit.template.workbook import write_workbook

from . import lo

FORM = standard_form()
BATCH = 10  # workbooks per LibreOffice run: one soffice start (about 1 s) per batch
YEAR = 2025
# Findings about a cell that the template reads differently from check.
CELL_FINDINGS = {"blank", "text-number", "not-a-number", "placeholder"}

# Blank characters a cell can hold (XML cannot carry some C0 controls; the writer drops them).
BLANKS = "".join(ch for ch in BLANK_CHARACTERS if cell_text(ch) == ch)
INPUTS = [cell.key for cell in FORM.inputs]
T3 = FORM.tables["t3"]
T3_COLUMNS = [c.key for c in T3.columns if not FORM.cells[f"t3.new.{c.key}"].is_total]
T3_RESULTS = [
    r.key
    for r in T3.rows
    if r.key not in ("new", "carried_in", "carried_out")
    and not FORM.cells[f"t3.{r.key}.{T3_COLUMNS[0]}"].is_total
]
KEYWORDS = sorted({k for rule in FORM.rules for k in rule.keywords})


def _sources(form: Form, key: str) -> set[str]:
    """The input cells a cell depends on (itself for an input)."""
    cell = form.cells[key]
    if not cell.is_total:
        return {key}
    out: set[str] = set()
    for source in cell.sources:
        out |= _sources(form, source)
    return out


# Cells that rules single out (the zero rule, when_positive): drawn more often than the rest.
SINGLED_OUT = sorted(
    {t.cell for r in FORM.rules if r.kind == "zero" for i in r.instances for t in i.lhs}
    | {src for r in FORM.rules for c in r.when_positive for src in _sources(FORM, c)}
)


# ------------------------------------------------------------------------------------------------
# What a fill is made of
# ------------------------------------------------------------------------------------------------

figures = st.integers(min_value=0, max_value=30)
blank_runs = st.text(alphabet=BLANKS, min_size=1, max_size=6)
# The rules' keywords often, so that mention rules pass as well as fail.
words = st.sampled_from(["已按要求公开", "无", "0", "本年度", "a", "。", *KEYWORDS * 4])


@st.composite
def broken_keywords(draw: st.DrawFn) -> str:
    """A keyword with blank characters inside: it looks written, and counts as written."""
    keyword = draw(st.sampled_from(KEYWORDS))
    cut = draw(st.integers(1, len(keyword) - 1))
    return keyword[:cut] + draw(blank_runs) + keyword[cut:]


@st.composite
def narratives(draw: st.DrawFn) -> str:
    """Empty, only blank characters, or words with blank characters around and between them."""
    shape = draw(st.sampled_from(["empty", "blank", "blank", *["words"] * 7]))
    if shape == "empty":
        return ""
    if shape == "blank":
        return draw(blank_runs)
    pieces = draw(st.lists(st.one_of(words, blank_runs, broken_keywords()), min_size=1, max_size=5))
    return "".join(pieces)


def as_text(value: int, style: str) -> str:
    """A figure typed as text, the way clerks do it."""
    if style == "full-width":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(value))
    if style == "padded":
        return f" {value} "
    return str(value)


@st.composite
def fills(draw: st.DrawFn) -> Fill:
    values: dict[str, float] = {}
    # Balanced figures: a new request and its result keep every 表三 relation.
    for _ in range(draw(st.integers(0, 4))):
        column, result, n = (
            draw(st.sampled_from(T3_COLUMNS)),
            draw(st.sampled_from(T3_RESULTS)),
            draw(figures),
        )
        for row in ("new", result):
            key = f"t3.{row}.{column}"
            values[key] = values.get(key, 0) + n
    # Anything anywhere, and the cells that rules single out.
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from(INPUTS if draw(st.booleans()) else SINGLED_OUT))
        scale = 4 if FORM.cells[key].type == "amount" else 1  # 万元 with up to 2 decimals here
        values[key] = draw(figures) / scale
    # Some figures typed as text or left blank.
    raw: dict[str, str] = {}
    for _ in range(draw(st.integers(0, 2))):
        key = draw(st.sampled_from(sorted(values) or INPUTS))
        style = draw(st.sampled_from(["full-width", "padded", "plain", "blank"]))
        number = int(values.get(key, 0))
        raw[key] = "" if style == "blank" else as_text(number, style)
        values.pop(key, None)  # what the writer stores for it: text, never a number
    texts = {part: draw(narratives()) for part in FORM.parts}
    return Fill(values=values, raw=raw, texts=texts)


# Fills that must always be tried: every blank character the ASCII-minded TRIM misses.
TRICKY = [
    Fill(
        texts={
            "s1.active": "\u3000",
            "s1.request": "\u00a0\u200b",
            "s1.management": "\t\n",
            "s1.platform": "\ufeff\u200c\u200d",
            "s1.oversight": "监督",
            "s5.problems": "\u3000\u3000",
            "s5.improvements": "已整改",
            "s6.fees": "本年度未收取信息\u200b处理费",  # the keyword broken by a zero-width space
        },
        values={"t3.new.natural": 3, "t3.granted.natural": 3},
    ),
    Fill(
        texts={part: "\u3000正文\u00a0" for part in FORM.parts},
        values={"t3.new.natural": 3, "t3.granted.natural": 3, "t2.regulations.issued": 1},
        raw={
            "t3.new.business": "１２",
            "t3.granted.business": " 12 ",
            "t4.cases.review_upheld": "",
        },
    ),
]


# ------------------------------------------------------------------------------------------------
# The property
# ------------------------------------------------------------------------------------------------


@pytest.mark.libreoffice
@settings(
    max_examples=3,  # batches of BATCH random fills (the first is hypothesis's simplest), plus
    # the explicit batch below
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking would rerun LibreOffice
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@example(batch=TRICKY)
@given(batch=st.lists(fills(), min_size=BATCH, max_size=BATCH))
def test_template_python_and_pandera_agree(
    batch: list[Fill], tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("agree")
    written = []
    for index, fill in enumerate(batch):
        agency = Agency(code=f"PT{index:03d}", name=f"测试单位{index}")
        identity = identity_for(FORM, agency, YEAR, "示范区", datetime(2025, 12, 1, 9, 0, 0))
        path = folder / f"{agency.code}.xlsx"
        write_workbook(path, form=FORM, identity=identity, password="agree", fill=fill)
        written.append(path)
    recalculated = lo.convert(written, folder / "libreoffice", "xlsx")
    report = check(recalculated, form=FORM, year=YEAR, district="示范区")
    results = {Path(r.path).name: r for r in report.files}
    compared = 0
    for fill, path in zip(batch, recalculated, strict=True):
        result = results[path.name]
        shown = _statuses(path)
        stored = complete(FORM, fill.values)
        flagged = {(f.sheet, f.cell) for f in result.findings if f.code in CELL_FINDINGS}
        failed = {(f.code, f.sheet, f.cell) for f in result.findings}
        typed = set(fill.raw)
        for sheet, rule, instances, place in _status_cells():
            libreoffice = shown[sheet][place]
            context = (path.name, rule.id, [i.anchor for i in instances], libreoffice)
            if not kind_of(rule).live:
                assert libreoffice == LATER == status_value(rule, instances, stored, fill.texts)
                continue
            depends = set().union(*(_depends(rule, i) for i in instances))
            if depends & typed:  # a figure here is text or blank: check must point at it
                cells = {_where(key) for key in depends & typed}
                assert cells <= flagged, (*context, cells)
                continue
            generator = status_value(rule, instances, stored, fill.texts)
            checker = status_value(rule, instances, result.values, result.texts)
            fails = any((rule.id, *_where(i.anchor)) in failed for i in instances)
            assert libreoffice == generator == checker, (*context, generator, checker)
            assert (libreoffice != PASS) == fails, (*context, fails)
            compared += 1
    assert compared >= len(batch) * len(FORM.rules) // 2  # most statuses were compared in full


@settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking a fill takes minutes
    suppress_health_check=[HealthCheck.too_slow],
)
@given(fill=fills())
def test_python_value_and_pandera_residual_agree(fill: Fill) -> None:
    """Without LibreOffice, many more fills: a status shows 通过 exactly when every residual
    pandera checks for it is 0 (the frame built as validate builds it)."""
    import pandas as pd

    from toolkit.check.schema import residuals

    values = complete(FORM, fill.values)
    texts = {part: fill.texts.get(part, "") for part in FORM.parts}
    frame = pd.DataFrame([{**values, **texts}])
    frame = residuals(FORM, frame.astype({k: "float64" for k in FORM.cells}), previous=False)
    for _, rule, instances, _ in _status_cells():
        if not kind_of(rule).live:
            continue
        columns = [f"{rule.id}#{rule.instances.index(i)}" for i in instances]
        holds = all(abs(frame.at[0, column]) < 1e-6 for column in columns)
        shown = status_value(rule, instances, values, texts)
        assert (shown == PASS) == holds, (rule.id, columns, shown, fill)


# ------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------


def _status_cells() -> Iterator[tuple[str, Rule, list[Instance], tuple[int, int]]]:
    rules = {rule.id: rule for rule in FORM.rules}
    for sheet in layout(FORM):
        for status in sheet.statuses:
            rule = rules[status.rule]
            instances = [rule.instances[i] for i in status.instances]
            yield sheet.name, rule, instances, (status.area.row, status.area.col)


def _depends(rule: Rule, instance: Instance) -> set[str]:
    """The input cells a rule instance reads (through totals)."""
    keys = {*instance.cells, *rule.when_positive}
    return set().union(*(_sources(FORM, k) for k in keys if k in FORM.cells))


def _where(key: str) -> tuple[str, str]:
    for sheet in layout(FORM):
        if key in sheet.cells:
            return sheet.name, sheet.cells[key].ref
    raise KeyError(key)


def _statuses(path: Path) -> dict[str, dict[tuple[int, int], Any]]:
    """Every status cell's value as LibreOffice computed and saved it ("" for an error)."""
    book = CalamineWorkbook.from_path(str(path))
    out: dict[str, dict[tuple[int, int], Any]] = {}
    grids: dict[str, list[list[Any]]] = {}
    for sheet, _, _, (row, col) in _status_cells():
        if sheet not in grids:
            grids[sheet] = book.get_sheet_by_name(sheet).to_python()
        out.setdefault(sheet, {})[row, col] = grids[sheet][row][col]
    return out


@pytest.mark.parametrize("previous", [False, True])
def test_residuals_of_the_whole_batch_are_those_of_each_rule(previous: bool) -> None:
    """The summed rules' residuals, computed for the whole batch as one matrix product, are what
    each rule's own residual says term by term: the same gaps, NaN where a term is unknown; the
    other kinds are left to their own residual."""
    import math
    import random

    import numpy as np
    import pandas as pd

    from toolkit.check.schema import residuals
    from toolkit.form.form_file import standard_form
    from toolkit.form.rules import kind_of, term_column
    from toolkit.form.stated import YEAR

    form = standard_form()
    rng = random.Random(7)
    columns: dict[str, list[object]] = {}
    for rule in form.rules:
        for instance in rule.instances:
            for term in (*instance.lhs, *instance.rhs):
                columns.setdefault(term_column(term), [])
    columns.update({key: [] for key in form.cells})
    for key in columns:
        columns[key] = [rng.choice((0.0, 1.0, 2.5, 17.0, 300.0, math.nan)) for _ in range(40)]
    for part in form.parts:
        columns[part] = ["本年度未收取信息处理费。"] * 40
    columns[YEAR] = [2025.0] * 40
    frame = pd.DataFrame(columns)
    out = residuals(form, frame, previous=previous)
    summed = 0
    for rule in form.rules:
        if kind_of(rule).cross_year and not previous:
            assert not any(name.startswith(f"{rule.id}#") for name in out.columns)
            continue
        for index, instance in enumerate(rule.instances):
            expected = kind_of(rule).residual(rule, instance, frame).to_numpy(dtype=float)
            got = out[f"{rule.id}#{index}"].to_numpy(dtype=float)
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9, equal_nan=True)
            if kind_of(rule).summed:
                assert kind_of(rule).linear(rule, instance) is not None
                summed += 1
    assert summed >= 40  # the sum, zero and previous rules of the 2021 form
