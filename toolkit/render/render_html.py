"""Writes a report (render_model.Report) as one self-contained HTML page for the website's
政府信息公开年报 column: no external file, the tables as real <table> markup with rowspan and
colspan as the standard draws them, a caption and header cells with scope for screen readers, and
print CSS (A4, the document margins, header rows repeated, rows never split).

Every text an agency typed is untrusted: all of it is escaped, quotes included.
"""

from __future__ import annotations

from html import escape

from .render_fonts import CHAINS, css_family, font_faces_css
from .render_model import Gap, Grid, GridCell, Heading, Paragraph, Report, segments

__all__ = ["html_page"]

_CSS = """
:root { color-scheme: light; }
body { margin: 0; background: #f4f4f4; color: #000; }
main { max-width: 210mm; margin: 0 auto; padding: 24px 28px 48px; background: #fff;
  font-family: {fangsong}; font-size: 16pt; line-height: 1.75; }
h1 { font-family: {xiaobiaosong}; font-size: 22pt; font-weight: normal; text-align: center;
  line-height: 1.5; margin: 0.5em 0 1em; }
h1 span { display: block; }
h2 { font-family: {heiti}; font-size: 16pt; font-weight: normal; margin: 0.6em 0 0;
  text-indent: 2em; }
h3 { font-family: {kaiti}; font-size: 16pt; font-weight: normal; margin: 0; text-indent: 2em; }
p { margin: 0; text-indent: 2em; text-align: justify; }
p.note { text-align: center; text-indent: 0; font-family: {kaiti}; color: #a00;
  margin-bottom: 1em; }
p.gap { color: #555; }
mark { background: #fff3a0; }
.table-wrap { overflow-x: auto; margin: 0.5em 0 1em; }
table { border-collapse: collapse; width: 100%;
  font-family: {songti}; font-size: 10.5pt; line-height: 1.4; }
th, td { border: 1px solid #000; padding: 2px 4px; text-align: center; vertical-align: middle;
  font-weight: normal; }
th[scope="row"], th[scope="rowgroup"] { text-align: left; }
td { font-variant-numeric: tabular-nums; }
caption { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
@page { size: A4; margin: 37mm 26mm 35mm 28mm; }
@media print {
  body { background: #fff; }
  main { max-width: none; padding: 0; }
  .table-wrap { overflow: visible; }
  thead { display: table-header-group; }
  tr, h2, h3 { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  table { font-size: 9pt; }
}
"""
# Fonts from render_fonts.py's chains (the same as the Word template's and the PDF's).
for _kind in CHAINS:
    _CSS = _CSS.replace(f"{{{_kind}}}", css_family(_kind))
_CSS = font_faces_css() + "\n" + _CSS


def _text(value: str) -> str:
    return escape(value, quote=True)


def html_page(report: Report) -> str:
    """The report as a complete HTML document."""
    body: list[str] = []
    title = "".join(f"<span>{_text(line)}</span>" for line in report.title_lines)
    body.append(f"<h1>{title}</h1>")
    if report.note:
        body.append(f'<p class="note" role="note">{_text(report.note)}</p>')
    for block in report.blocks:
        if isinstance(block, Heading):
            tag = "h2" if block.level == 1 else "h3"
            body.append(f"<{tag}>{_text(block.text)}</{tag}>")
        elif isinstance(block, Paragraph):
            text = "".join(
                f"<mark>{_text(piece)}</mark>" if fill_in or block.placeholder else _text(piece)
                for piece, fill_in in segments(block.text)
            )
            body.append(f"<p>{text}</p>")
        elif isinstance(block, Gap):
            body.append(f'<p class="gap">{_text(block.text)}</p>')
        elif isinstance(block, Grid):
            body.append(_table(block))
    robots = '\n<meta name="robots" content="noindex">' if report.draft else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'{robots}\n<meta name="generator" content="nianbao">\n'
        f"<title>{_text(report.title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        "<body>\n<main>\n" + "\n".join(body) + "\n</main>\n</body>\n</html>\n"
    )


def _table(grid: Grid) -> str:
    rows = [_row(row, grid) for row in grid.rows]
    head, rest = rows[: grid.header_rows], rows[grid.header_rows :]
    parts = ['<div class="table-wrap"><table>', f"<caption>{_text(grid.title)}</caption>"]
    if head:
        parts += ["<thead>", *head, "</thead>"]
    parts += ["<tbody>", *rest, "</tbody>", "</table></div>"]
    return "\n".join(parts)


def _row(cells: tuple[GridCell, ...], grid: Grid) -> str:
    return "<tr>" + "".join(_cell(cell, grid) for cell in cells) + "</tr>"


def _cell(cell: GridCell, grid: Grid) -> str:
    spans = ""
    if cell.rowspan > 1:
        spans += f' rowspan="{cell.rowspan}"'
    if cell.colspan > 1:
        spans += f' colspan="{cell.colspan}"'
    text = _text(cell.text)
    if cell.kind == "value":
        return f"<td{spans}>{text}</td>"
    if cell.kind == "row_label":
        scope = "rowgroup" if cell.rowspan > 1 else "row"
    elif cell.kind == "caption" or cell.colspan > 1:
        scope = "colgroup"
    else:
        scope = "col"
    return f'<th scope="{scope}"{spans}>{text}</th>'
