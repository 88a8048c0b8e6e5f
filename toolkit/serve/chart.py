"""The rollup's charts as pictures for the 汇总 page: SVG drawn on the server from the figures the
rollup workbook's 图表 sheet holds (the same numbers its Excel charts show, as the form file
defines them), so no chart library is needed in the browser.

Labels are agency names, untrusted: every text goes through `xml.sax.saxutils.escape`, and the
page shows the picture with <img>, where an SVG runs no script.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from ..core import texts as tx
from ..form.form import Chart, Form

__all__ = ["ChartData", "read_charts", "svg"]

COLOURS = ("#2f6db5", "#e07b39", "#4a9e5c", "#b54a4a", "#7d5bb5", "#c9a227", "#3aa5a5")
FONT = "Noto Sans CJK SC, Microsoft YaHei, SimHei, sans-serif"
MAX_ROWS = 100  # a chart block longer than this is not ours


@dataclass(frozen=True)
class ChartData:
    id: str
    title: str
    type: str  # column, bar, pie
    series: tuple[str, ...]
    categories: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]  # per category, one value per series


def read_charts(path: Path, form: Form) -> list[ChartData]:
    """The figures of each of the form's charts, as the rollup workbook's 图表 sheet holds them
    (values the rollup stored with its formulas)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if tx.CHART_SHEET not in book.sheetnames:
            return []
        rows = [list(r) for r in book[tx.CHART_SHEET].iter_rows(values_only=True)]
    finally:
        book.close()
    by_title: dict[str, Chart] = {c.title: c for c in form.charts}
    charts: list[ChartData] = []
    for index, row in enumerate(rows):
        first = row[0] if row else None
        if not isinstance(first, str) or first not in by_title or index + 1 >= len(rows):
            continue
        chart = by_title[first]
        header = [c for c in rows[index + 1][1:] if isinstance(c, str)]
        categories: list[str] = []
        values: list[tuple[float, ...]] = []
        for body in rows[index + 2 : index + 2 + MAX_ROWS]:
            if not body or body[0] is None:
                break
            categories.append(str(body[0]))
            values.append(tuple(_number(v) for v in body[1 : 1 + len(header)]))
        charts.append(
            ChartData(
                id=chart.id,
                title=chart.title,
                type=chart.type,
                series=tuple(header),
                categories=tuple(categories),
                values=tuple(values),
            )
        )
    return charts


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def svg(chart: ChartData) -> str:
    """The chart as an SVG document."""
    if chart.type == "pie":
        return _pie(chart)
    return _bars(chart, horizontal=chart.type == "bar")


def _text(x: float, y: float, text: str, *, size: int = 12, anchor: str = "start") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}">'
        f"{escape(text)}</text>"
    )


def _document(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family={quoteattr(FONT)}>'
        f'<rect width="100%" height="100%" fill="#ffffff"/>'
        f"<title>{escape(title)}</title>"
        + _text(width / 2, 24, title, size=15, anchor="middle")
        + "".join(body)
        + "</svg>"
    )


def _legend(series: tuple[str, ...], x: float, y: float) -> list[str]:
    out = []
    for s, name in enumerate(series):
        colour = COLOURS[s % len(COLOURS)]
        out.append(f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{colour}"/>')
        out.append(_text(x + 16, y, name))
        x += 28 + 13 * len(name)
    return out


def _bars(chart: ChartData, *, horizontal: bool) -> str:
    count = max(len(chart.categories), 1)
    groups = max(len(chart.series), 1)
    top = max((v for row in chart.values for v in row), default=0.0) or 1.0
    legend = len(chart.series) > 1
    if horizontal:
        width, label_w, row_h = 760, 220, 10 + 14 * groups
        height = 60 + count * row_h + (30 if legend else 0)
        plot_w = width - label_w - 70
        body = []
        for i, (label, row) in enumerate(zip(chart.categories, chart.values, strict=False)):
            y = 44 + i * row_h
            body.append(_text(label_w - 8, y + row_h / 2 + 4, _cut(label, 16), anchor="end"))
            for s, value in enumerate(row):
                w = plot_w * value / top
                colour = COLOURS[s % len(COLOURS)]
                by = y + 5 + s * 14
                body.append(
                    f'<rect x="{label_w}" y="{by:.1f}" width="{w:.1f}" height="12" '
                    f'fill="{colour}"/>'
                )
                body.append(_text(label_w + w + 4, by + 10, _figure(value), size=11))
        if legend:
            body += _legend(chart.series, label_w, height - 12)
        return _document(width, height, chart.title, body)
    width, height = 760, 340
    left, bottom, plot_h = 50, height - (80 if legend else 56), 220
    slot = (width - left - 20) / count
    bar = min(40.0, (slot - 10) / groups)
    body = [f'<line x1="{left}" y1="{bottom}" x2="{width - 20}" y2="{bottom}" stroke="#888"/>']
    for i, (label, row) in enumerate(zip(chart.categories, chart.values, strict=False)):
        x0 = left + i * slot + (slot - bar * groups) / 2
        for s, value in enumerate(row):
            h = plot_h * value / top
            colour = COLOURS[s % len(COLOURS)]
            x = x0 + s * bar
            body.append(
                f'<rect x="{x:.1f}" y="{bottom - h:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" '
                f'fill="{colour}"/>'
            )
            body.append(
                _text(x + bar / 2, bottom - h - 4, _figure(value), size=11, anchor="middle")
            )
        body.append(
            _text(left + i * slot + slot / 2, bottom + 18, _cut(label, 8), size=11, anchor="middle")
        )
    if legend:
        body += _legend(chart.series, left, height - 16)
    return _document(width, height, chart.title, body)


def _pie(chart: ChartData) -> str:
    import math

    width, height, cx, cy, r = 760, 340, 220, 180, 130
    values = [row[0] if row else 0.0 for row in chart.values]
    total = sum(values)
    body: list[str] = []
    if total <= 0:
        body.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="#eeeeee"/>')
    angle = -math.pi / 2
    for i, value in enumerate(values):
        if total <= 0 or value <= 0:
            continue
        sweep = 2 * math.pi * value / total
        colour = COLOURS[i % len(COLOURS)]
        if sweep >= 2 * math.pi - 1e-9:
            body.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{colour}"/>')
        else:
            x1, y1 = cx + r * math.cos(angle), cy + r * math.sin(angle)
            x2, y2 = cx + r * math.cos(angle + sweep), cy + r * math.sin(angle + sweep)
            large = 1 if sweep > math.pi else 0
            body.append(
                f'<path d="M{cx},{cy} L{x1:.1f},{y1:.1f} A{r},{r} 0 {large} 1 {x2:.1f},{y2:.1f} Z" '
                f'fill="{colour}" stroke="#fff"/>'
            )
        angle += sweep
    for i, (label, value) in enumerate(zip(chart.categories, values, strict=False)):
        y = 70 + i * 26
        colour = COLOURS[i % len(COLOURS)]
        share = f"{100 * value / total:.1f}%" if total > 0 else "0%"
        body.append(f'<rect x="420" y="{y - 11}" width="14" height="14" fill="{colour}"/>')
        body.append(_text(442, y, f"{_cut(label, 14)}  {_figure(value)}  {share}"))
    return _document(width, height, chart.title, body)


def _figure(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def _cut(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"
