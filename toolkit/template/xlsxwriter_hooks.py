"""Every use of xlsxwriter's private API, in one place, for speed.

xlsxwriter has no public way to skip its per-formula rewriting, to reuse a sheet's XML, to write
millions of numbers without one cell object each, or to fix a format's index early. These hooks
do, by overriding or calling private methods of xlsxwriter 3.x:

- `TemplateSheet._prepare_formula`: our formulas are left exactly as written;
- `TemplateSheet._assemble_xml_file`: an unfilled content sheet is assembled once per content
  (`sheet_key`) and reused;
- `BulkSheet._write_rows` (with `dim_rowmax`/`dim_colmax`): bulk rows appended after xlsxwriter's
  own rows;
- `xf_index` (`Format._get_xf_index`);
- `relative_url` (`Url._relationship_link`): a relative link with forward slashes.

tests/test_xlsxwriter_hooks.py asserts each assumption by name, so a release that breaks one fails
a named test rather than writing a wrong workbook.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from functools import cache
from typing import IO, Any

import xlsxwriter
from xlsxwriter.url import Url
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from ..core import texts as tx
from ..core.text import cell_text
from ..form.form import Form
from ..form.formulas import GenerateError

__all__ = [
    "BulkSheet",
    "TemplateSheet",
    "form_digest",
    "relative_url",
    "sheet_key",
    "xf_index",
]


_SHEET_XML: dict[str, str] = {}  # sheet_key(...) -> worksheet XML


@cache
def form_digest(form: Form) -> str:
    """A hash of everything the form defines (labels, keys, rules, prompts, bounds, charts).

    The dataclass repr lists every field, nested records included, in definition order. Two forms
    loaded from the same file have the same digest; a form that differs in any field does not.
    """
    return hashlib.sha256(repr(form).encode("utf-8")).hexdigest()


def sheet_key(form: Form, sheet: str, password: str, exempt: frozenset[str] = frozenset()) -> str:
    """What a reusable content sheet's XML is determined by: the form's content, which sheet, the
    protection password (its hash is in the XML), the rules the agency is exempt from (their
    status says 不适用) and the xlsxwriter that assembles it. The style and shared-string indexes
    it refers to follow from the form too, as long as the writer adds formats and writes the
    content sheets in a fixed order (see workbook.py and styles.py).

    Keyed on content, not on `id(form)`: an id is reused once a form is collected, and a different
    form would then get another form's sheet."""
    parts = (form_digest(form), sheet, password, " ".join(sorted(exempt)), xlsxwriter.__version__)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def relative_url(relative: str) -> Url:
    """A link to a file relative to the workbook, with forward slashes: xlsxwriter turns them into
    backslashes, which only Windows Excel follows (LibreOffice, WPS and Excel for Mac do not)."""
    url = Url("external:" + relative)
    url._relationship_link = url._relationship_link.replace("\\", "/")
    return url


def xf_index(style: Any) -> int:
    """The cell-format index a format gets in the workbook, fixed now (xlsxwriter assigns it on
    first use otherwise; reused and bulk-written XML refers to it by number)."""
    return int(style._get_xf_index())


class TemplateSheet(Worksheet):
    """An xlsxwriter worksheet with two shortcuts that make generation several times faster.

    - It skips the future-function rewriting of every formula: our formulas use only classic
      functions (SUM, IF, ROUND, AND, COUNTIF, LEN, TRIM, ISNUMBER, SEARCH) that Excel, WPS and
      LibreOffice read without the `_xlfn.` prefix, and the rewriting ran about 400 regular
      expressions per conditional format.
    - A content sheet of an unfilled template is the same XML for every agency of a run (same
      form, same password, same shared-string indexes): it is assembled once and reused. The
      write calls still run, so shared strings, defined names and workbook settings are built
      as usual; tests compare reused output with freshly assembled output.
    """

    xml_cache_key: str | None = None  # sheet_key(...) for a sheet whose XML may be reused
    # Set by xlsxwriter's untyped XMLwriter: declared so that mypy knows what we swap.
    fh: IO[str]
    internal_fh: bool

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        return formula.removeprefix("{").removeprefix("=").removesuffix("}")

    def _assemble_xml_file(self) -> None:
        key = self.xml_cache_key
        if key is None:
            super()._assemble_xml_file()
            return
        if key not in _SHEET_XML:
            target, internal = self.fh, self.internal_fh
            self.fh, self.internal_fh = io.StringIO(), False
            super()._assemble_xml_file()
            _SHEET_XML[key] = self.fh.getvalue()
            self.fh, self.internal_fh = target, internal
        self.fh.write(_SHEET_XML[key])
        self._xml_close()


class BulkSheet(Worksheet):
    """A sheet whose many data rows are written straight into the sheet XML instead of through
    one xlsxwriter cell object per value (明细, 状态 and _meta of the rollup).

    At province scale 明细 holds millions of numbers; xlsxwriter's per-cell bookkeeping made it most
    of the rollup's time and memory. Headers, widths and panes still go through xlsxwriter; the
    data rows are plain `<row>`s with inline strings and numbers, which Excel, WPS and LibreOffice
    read like any other (tests read them back with openpyxl, python-calamine and LibreOffice).
    """

    bulk: Sequence[tuple[int, list[str | float]]] = ()  # (text style index, values) per row
    bulk_first_row = 0
    number_style = 0
    bulk_heights: dict[int, float] | None = None  # bulk row offset -> height (wrapped text)
    # Set by xlsxwriter's untyped Worksheet: declared so that mypy knows what we extend.
    dim_rowmax: int | None
    dim_colmax: int | None
    fh: IO[str]

    def set_bulk(
        self, first_row: int, rows: list[tuple[int, list[str | float]]], number_style: int
    ) -> None:
        self.bulk, self.bulk_first_row, self.number_style = rows, first_row, number_style
        if rows:  # the sheet's dimension must cover them
            self.dim_rowmax = max(self.dim_rowmax or 0, first_row + len(rows) - 1)
            self.dim_colmax = max(self.dim_colmax or 0, max(len(r[1]) for r in rows) - 1)

    def _write_rows(self) -> None:
        # The bulk rows are appended after xlsxwriter's own: a row of its own at or after them
        # would come out of order (a file Excel repairs). Refuse instead of writing one.
        own = [*self.row_info, *self.comments, *(r for r, cells in self.table.items() if cells)]
        if self.bulk and any(row >= self.bulk_first_row for row in own):
            raise GenerateError(tx.BULK_ONLY.format(sheet=self.name, row=self.bulk_first_row + 1))
        super()._write_rows()
        width = max((len(values) for _, values in self.bulk), default=0)
        letters = [xl_col_to_name(c) for c in range(width)]
        write = self.fh.write
        shown_numbers: dict[float, str] = {}
        number_style = self.number_style
        for offset, (text_style, values) in enumerate(self.bulk):
            row = self.bulk_first_row + offset + 1  # one-based in the XML
            height = (self.bulk_heights or {}).get(offset)
            parts = [
                f'<row r="{row}" ht="{height}" customHeight="1">' if height else f'<row r="{row}">'
            ]
            for col, value in enumerate(values):
                if isinstance(value, str):
                    parts.append(
                        f'<c r="{letters[col]}{row}" s="{text_style}" t="inlineStr"><is><t>'
                        f"{_xml_text(value)}</t></is></c>"
                    )
                    continue
                shown = shown_numbers.get(value)
                if shown is None:  # most figures are small whole numbers: format each once
                    shown = shown_numbers[value] = (
                        str(int(value)) if float(value).is_integer() else repr(float(value))
                    )
                parts.append(f'<c r="{letters[col]}{row}" s="{number_style}"><v>{shown}</v></c>')
            parts.append("</row>")
            write("".join(parts))


def _xml_text(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(cell_text(text))
