"""The form definition as frozen records (loaded from a format file by form_file.py), and the
values of every cell computed from the inputs.

Everything else (layout, generator, checker, rollup) reads these records; no label is written in code.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import TYPE_CHECKING, Literal

from ..core.catalogue import say
from ..core.texts import Severity

if TYPE_CHECKING:  # annotations only: the figure families are read by the stated-figure kind
    from .figures import Family

__all__ = [
    "AgencyKind",
    "Block",
    "Cell",
    "Chart",
    "Column",
    "Form",
    "FormError",
    "Instance",
    "Part",
    "Row",
    "Rule",
    "Section",
    "Series",
    "Table",
    "Term",
    "complete",
    "defined_name",
    "total_sources",
]


ValueType = Literal["count", "amount"]


class FormError(ValueError):
    """The form definition file is malformed; the message says where, in Chinese."""


@dataclass(frozen=True, kw_only=True)
class Column:
    key: str
    path: tuple[str, ...]
    type: ValueType = "count"

    @property
    def label(self) -> str:
        return self.path[-1] if self.path else ""


@dataclass(frozen=True, kw_only=True)
class Row:
    key: str
    path: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.path[-1] if self.path else ""


@dataclass(frozen=True, kw_only=True)
class Block:
    caption: str
    corner: str
    label_columns: int
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True, kw_only=True)
class Cell:
    """One numeric cell of a table: an input the agency fills, or a total computed from inputs."""

    key: str  # "t3.new.natural"
    table: str
    row: str
    column: str
    type: ValueType
    row_label: str
    column_label: str
    sources: tuple[str, ...] = ()  # for a total: the cells it sums

    @property
    def is_total(self) -> bool:
        return bool(self.sources)

    @property
    def name(self) -> str:
        return defined_name(self.key)


@dataclass(frozen=True, kw_only=True)
class Table:
    key: str
    title: str
    blocks: tuple[Block, ...]

    @cached_property
    def columns(self) -> tuple[Column, ...]:
        seen: dict[str, Column] = {}
        for block in self.blocks:
            for column in block.columns:
                seen.setdefault(column.key, column)
        return tuple(seen.values())

    @cached_property
    def rows(self) -> tuple[Row, ...]:
        return tuple(row for block in self.blocks for row in block.rows)

    def cell_keys(self) -> tuple[str, ...]:
        return tuple(
            f"{self.key}.{row.key}.{column.key}"
            for block in self.blocks
            for row in block.rows
            for column in block.columns
        )


@dataclass(frozen=True, kw_only=True)
class Part:
    key: str  # "s1.active"
    title: str
    prompt: str
    # A published report whose workbook left the part empty: prints `if_empty` (the standard's
    # words, 「本年度无其他需要报告的事项。」), or leaves the part out (`omit_if_empty`), or else shows
    # the gap (texts.RENDER_GAP).
    if_empty: str = ""
    omit_if_empty: bool = False
    draft: str = ""  # the district draft's sentences with figures: {family}, {year}, {whole}

    @property
    def name(self) -> str:
        return defined_name(self.key)


@dataclass(frozen=True, kw_only=True)
class Section:
    key: str
    title: str
    sheet: str
    kind: Literal["narrative", "table"]
    table: str | None = None
    parts: tuple[Part, ...] = ()
    draft: str = ""  # a table section's sentence above its table in the district draft


@dataclass(frozen=True, kw_only=True)
class Term:
    """A signed reference to a cell, this year's or last year's."""

    cell: str
    sign: int = 1
    previous: bool = False


@dataclass(frozen=True, kw_only=True)
class Instance:
    """One concrete check of a rule: a relation bound to cells, with the label it is reported under."""

    rule: str
    label: str
    lhs: tuple[Term, ...] = ()
    rhs: tuple[Term, ...] = ()
    anchor: str = ""  # cell or part key where a failure is reported
    figure: str = ""  # stated-figure: the figure family this instance compares (figures.py)

    @property
    def cells(self) -> tuple[str, ...]:
        return tuple(term.cell for term in (*self.lhs, *self.rhs))


@dataclass(frozen=True, kw_only=True)
class Rule:
    id: str
    severity: Severity
    kind: Literal["sum", "zero", "previous", "text-required", "mention", "stated-figure"]
    layout: Literal["row", "column", "list"]
    title: str
    explain: str
    message: str
    table: str | None = None
    instances: tuple[Instance, ...] = ()
    parts: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    when_positive: tuple[str, ...] = ()
    families: tuple[Family, ...] = ()  # stated-figure: the families its instances compare
    # The kinds of agency (AgencyKind keys) the rule is for; () for every agency. An agency whose
    # kind is not known is checked; one that may be of a kind outside the list is not.
    applies_to: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class AgencyKind:
    """A kind of reporting agency ([[agency_kinds]] in the form file): what a roster's 单位类别
    column calls it, and the names that show it when no roster says (full matches, after NFKC
    and with blanks removed). Rules say which kinds they are for (`applies_to`)."""

    key: str
    title: str
    aliases: tuple[str, ...] = ()
    names: tuple[str, ...] = ()  # regular expressions


@dataclass(frozen=True, kw_only=True)
class Series:
    name: str
    cells: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Chart:
    """A chart of the district rollup; see the [[charts]] comment in the form definition."""

    id: str
    title: str
    type: Literal["column", "bar", "pie"]
    by: Literal["cells", "groups", "agencies"]
    series: tuple[Series, ...] = ()  # cells, agencies
    groups: tuple[Series, ...] = ()  # groups: name is the category label
    categories: tuple[str, ...] = ()  # cells: labels for the categories
    top: int = 0  # agencies: only the largest N


@dataclass(frozen=True, kw_only=True, eq=False)  # identity: a loaded form is a singleton
class Form:
    id: str
    version: str
    title: str
    basis: str
    first_year: int
    last_year: int
    sections: tuple[Section, ...]
    tables: dict[str, Table]
    rules: tuple[Rule, ...]
    charts: tuple[Chart, ...] = ()
    agency_kinds: tuple[AgencyKind, ...] = ()
    source: str = ""
    cells: dict[str, Cell] = field(default_factory=dict)
    # The largest plausible value of one agency's cell, per value type ([value_types] in the file);
    # a larger one is a typing error (extra digits, 元 for 万元), never a figure to roll up.
    bounds: dict[str, float] = field(default_factory=dict)

    @cached_property
    def parts(self) -> dict[str, Part]:
        return {part.key: part for section in self.sections for part in section.parts}

    @cached_property
    def inputs(self) -> tuple[Cell, ...]:
        return tuple(cell for cell in self.cells.values() if not cell.is_total)

    @cached_property
    def totals(self) -> tuple[Cell, ...]:
        return tuple(cell for cell in self.cells.values() if cell.is_total)

    def section_of_table(self, table: str) -> Section:
        return next(s for s in self.sections if s.table == table)

    def section_of_part(self, part: str) -> Section:
        return next(s for s in self.sections if any(p.key == part for p in s.parts))

    @cache  # noqa: B019 - forms live for the whole run; the cache holds one entry per form
    def fingerprint(self) -> str:
        """A hash of every label and key, so a template can be matched to the definition it came from."""
        shape = {
            "id": self.id,
            "version": self.version,
            "sections": [
                [s.key, s.title, s.sheet, s.table, [[p.key, p.title] for p in s.parts]]
                for s in self.sections
            ],
            "tables": {
                key: [
                    [b.caption, b.corner, b.label_columns]
                    + [[c.key, list(c.path), c.type] for c in b.columns]
                    + [[r.key, list(r.path)] for r in b.rows]
                    for b in table.blocks
                ]
                for key, table in self.tables.items()
            },
            "totals": {key: list(cell.sources) for key, cell in self.cells.items() if cell.sources},
        }
        blob = json.dumps(shape, ensure_ascii=False, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def defined_name(key: str) -> str:
    """The workbook-level defined name of a cell or narrative key ("t3.new.total" → "nb_t3_new_total")."""
    return "nb_" + key.replace(".", "_")


def complete(form: Form, inputs: Mapping[str, float]) -> dict[str, float]:
    """Every cell's value: the inputs as given (missing ones 0) and each total recomputed from them."""
    values = {key: float(inputs.get(key, 0) or 0) for key in _input_keys(form)}
    for key, sources in _total_order(form):
        values[key] = math.fsum(values[s] for s in sources)
    return values


@cache
def _input_keys(form: Form) -> tuple[str, ...]:
    return tuple(c.key for c in form.inputs)


@cache
def _total_order(form: Form) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Totals in an order where every total comes after the totals it sums."""
    done = {c.key for c in form.inputs}
    order, pending = [], [c for c in form.totals]
    while pending:
        ready = [c for c in pending if all(s in done for s in c.sources)]
        if not ready:
            raise FormError(say("form-total-cycle", path=form.source))
        order += [(c.key, c.sources) for c in ready]
        done |= {c.key for c in ready}
        pending = [c for c in pending if c.key not in done]
    return tuple(order)


@cache
def total_sources(form: Form) -> dict[str, frozenset[str]]:
    """Each total with every cell it depends on (directly or through other totals), totals in
    the order they are computed: a total over a cell that is unknown is unknown too."""
    out: dict[str, frozenset[str]] = {}
    for key, sources in _total_order(form):
        deep = set(sources)
        for source in sources:
            deep |= out.get(source, frozenset())
        out[key] = frozenset(deep)
    return out


def _group_label(table: Table, cell: Cell) -> str:
    """A readable label for a cell with no row label (表四): its column path without the leaf."""
    column = next(c for c in table.columns if c.key == cell.column)
    return "".join(column.path[:-1]) or column.label
