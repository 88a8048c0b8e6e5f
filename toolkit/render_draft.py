"""The district's own report, drafted from its rollup workbook: the three tables with the district
totals, and for every section the sentences that carry figures, drafted from the same totals, with
marked places 【请填写：…】 for the office's own text.

The totals are summed again from the rollup's 明细 sheet (one row per agency) and completed with
form.complete, so the draft never repeats a figure the rollup's own summary sheets stored. Cells are
picked by their stable keys; the words quoted from the tables (result groups, 复议/诉讼 outcomes) are
the form's labels.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path

from . import texts as tx
from .catalogue import UsageError
from .form import Form, Section
from .previous import is_rollup, read_details
from .render_model import Block, Grid, Heading, Paragraph, Report, figure, grid, table_figures
from .render_model import title_lines as split_title

__all__ = ["PLACEHOLDER", "district_report", "is_rollup", "rollup_figures"]

PLACEHOLDER = "【请填写：{what}】"
# {whole}: the rollup's level word (texts.whole: 全区, 全市), in this note and every sentence below
DRAFT_NOTE = "草稿：数字由{whole}汇总表生成，标有【请填写】处由政务公开工作机构补充后方可公开。"
_NUMBERING = re.compile(r"^（[一二三四五六七八九十]+）|^[0-9]+\.")
_REMARK = re.compile(r"（[^）]*）$")


def rollup_figures(path: Path, form: Form) -> tuple[dict[str, float], int, dict[str, str]]:
    """The district totals (every cell, totals recomputed), the number of agencies and the
    rollup's _meta entries (year, district)."""
    from .contract import META_SHEET
    from .read import ReadError, read_table

    try:
        details = read_details(path, form)
    except UsageError:
        raise UsageError("render-rollup-unreadable", path=path) from None
    sums = {
        cell.key: math.fsum(
            v for values in details.values() if math.isfinite(v := values.get(cell.key, math.nan))
        )
        for cell in form.inputs
    }
    try:
        rows = read_table(path, META_SHEET, rows=40, cols=2)
    except ReadError:
        rows = []
    meta = {str(r[0]): str(r[1]) for r in rows if len(r) > 1 and r[0] and r[1] is not None}
    return table_figures(form, sums), len(details), meta


def _ask(what: str) -> str:
    return PLACEHOLDER.format(what=what)


def _short(label: str) -> str:
    """A table label as prose quotes it: without its numbering and trailing remark."""
    return _REMARK.sub("", _NUMBERING.sub("", label)).strip()


class _Figures:
    def __init__(self, form: Form, values: Mapping[str, float]) -> None:
        self.form, self.values = form, values

    def __call__(self, key: str) -> str:
        return figure(self.values.get(key, math.nan), self.form.cells[key].type) or "0"

    def total(self, keys: list[str]) -> str:
        return figure(math.fsum(self.values.get(k, 0.0) for k in keys))


def _active(n: _Figures, year: str, whole: str) -> str:
    return (
        f"{year}年，{whole}共主动公开政府信息{_ask('条数')}条。"
        f"{whole}本年制发规章{n('t2.regulations.issued')}件、行政规范性文件{n('t2.normative.issued')}件，"
        f"废止规章{n('t2.regulations.repealed')}件、行政规范性文件{n('t2.normative.repealed')}件，"
        f"现行有效规章{n('t2.regulations.in_force')}件、行政规范性文件{n('t2.normative.in_force')}件；"
        f"作出行政许可决定{n('t2.licensing.decisions')}件、行政处罚决定{n('t2.penalty.decisions')}件、"
        f"行政强制决定{n('t2.coercion.decisions')}件；"
        f"行政事业性收费{n('t2.fees.fee_amount')}万元。"
    )


def _request(form: Form, n: _Figures, year: str, whole: str) -> str:
    t3 = form.tables["t3"]
    applicants = [c.key for c in t3.columns if c.key not in ("natural", "total")]
    rows = {r.key: r for r in t3.rows}
    results = rows["granted"].path[0]
    groups: dict[str, list[str]] = {}
    for row in t3.rows:
        if len(row.path) > 1 and row.path[0] == results and row.key != "result_total":
            groups.setdefault(row.path[1], []).append(f"t3.{row.key}.total")
    outcomes = "、".join(f"{_short(label)}{n.total(keys)}件" for label, keys in groups.items())
    return (
        f"{year}年，{whole}各级行政机关共收到政府信息公开申请{n('t3.new.total')}件，"
        f"上年结转{n('t3.carried_in.total')}件。其中，自然人申请{n('t3.new.natural')}件，"
        f"法人或其他组织申请{n.total([f't3.new.{k}' for k in applicants])}件。"
        f"本年度办结{n('t3.result_total.total')}件，其中{outcomes}；"
        f"结转下年度继续办理{n('t3.carried_out.total')}件。"
    )


def _appeals(form: Form, n: _Figures, year: str, whole: str) -> str:
    """The 复议/诉讼 outcomes, group by group, in the table's words."""
    t4 = form.tables["t4"]
    groups: dict[tuple[str, ...], list[str]] = {}
    for column in t4.columns:
        groups.setdefault(column.path[:-1], []).append(column.key)

    def outcome(path: tuple[str, ...]) -> tuple[str, str]:
        keys = groups[path]
        total = next(k for k in keys if form.cells[f"t4.cases.{k}"].is_total)
        parts = "、".join(
            f"{next(c.label for c in t4.columns if c.key == k)}{n(f't4.cases.{k}')}件"
            for k in keys
            if k != total
        )
        return n(f"t4.cases.{total}"), parts

    by_kind: dict[
        str, list[tuple[str, str, str]]
    ] = {}  # 行政复议 / 行政诉讼 -> (sub, total, parts)
    for path in groups:
        total, parts = outcome(path)
        by_kind.setdefault(path[0], []).append(("".join(path[1:]), total, parts))
    sentences = []
    for kind, subgroups in by_kind.items():
        if len(subgroups) == 1 and not subgroups[0][0]:
            _, total, parts = subgroups[0]
            sentences.append(f"{kind}{total}件（{parts}）")
            continue
        whole = n.total([f"t4.cases.{k}" for p, keys in groups.items() if p[0] == kind
                         for k in keys if form.cells[f"t4.cases.{k}"].is_total])  # fmt: skip
        each = "、".join(f"{sub}{total}件（{parts}）" for sub, total, parts in subgroups)
        sentences.append(f"{kind}{whole}件，其中{each}")
    return f"{year}年，{whole}因政府信息公开引起的" + "；".join(sentences) + "。"


def _narrative(section: Section, drafted: Mapping[str, str]) -> list[Block]:
    out: list[Block] = []
    for part in section.parts:
        out.append(Heading(part.title, 2))
        if part.key in drafted:
            out.append(Paragraph(drafted[part.key]))
        out.append(Paragraph(_ask(part.prompt), placeholder=True))
    return out


def district_report(
    form: Form, path: Path, *, district: str = "", year: str = ""
) -> tuple[Report, int, str]:
    """The district draft from a rollup workbook, the number of agencies it sums and the
    rollup's level (区, 市 …: a key of texts.LEVELS)."""
    values, agencies, meta = rollup_figures(path, form)
    level = meta.get("level", "") or tx.DISTRICT_LEVEL  # a rollup written before --level: 区
    whole = tx.whole(level)
    district = district or meta.get("district", "") or tx.unnamed_place(level)
    year = year or meta.get("year", "")
    n = _Figures(form, values)
    drafted = {
        "s1.active": _active(n, year, whole),
        "s1.request": _request(form, n, year, whole),
        "s6.fees": (
            f"{whole}因申请人逾期未按收费通知要求缴纳费用而不再处理的政府信息公开申请"
            f"{n('t3.other_unpaid_fee.total')}件。{_ask('本年收取信息处理费的情况')}"
        ),
    }
    blocks: list[Block] = []
    for section in form.sections:
        blocks.append(Heading(section.title, 1))
        if section.kind == "table" and section.table:
            if section.table == "t4":
                blocks.append(Paragraph(_appeals(form, n, year, whole)))
            table: Grid = grid(form, section.table, values)
            blocks.append(table)
        else:
            if section.key == form.sections[0].key:
                blocks.append(
                    Paragraph(
                        f"本报告根据{whole}{agencies}个单位报送并经审核的年度报告数据汇总编制。"
                    )
                )
            blocks.extend(_narrative(section, drafted))
    rest = f"{year}年{form.title}"
    return (
        Report(
            title=f"{district}{rest}",
            title_lines=split_title(district, rest),
            blocks=tuple(blocks),
            draft=True,
            note=DRAFT_NOTE.format(whole=whole),
        ),
        agencies,
        level,
    )
