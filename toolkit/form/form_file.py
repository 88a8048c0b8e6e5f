"""Reads a form definition file (TOML) into the records of form.py, strictly: unknown keys, broken
references and circular totals are a FormError naming the place; `standard_form()` is the bundled
2021 form (bundled.py)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Set as AbstractSet
from dataclasses import replace
from functools import cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from ..core import texts as tx
from ..core.bundled import STANDARD_FILE, bundled
from ..core.catalogue import FINDINGS, os_reason, say
from ..core.texts import Severity
from . import stated
from .agency_kinds import load_applies_to, load_kinds
from .form import (
    Block,
    Cell,
    Column,
    Form,
    FormError,
    Instance,
    Part,
    Row,
    Rule,
    Section,
    Table,
    Term,
    _group_label,
    _total_order,
)
from .form_charts import draft_problem, load_chart
from .rules import KINDS

__all__ = ["load_form", "standard_form"]

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_RULE_ID = re.compile(r"^[a-z][a-z0-9-]*$")
_LARGEST_FILE = 4 * 1024 * 1024  # bytes; the 2021 form is about 30 KB


@cache
def standard_form() -> Form:
    """The bundled 2021 form. Only the command line and the tests pick it: the library is given one."""
    return load_form(bundled(STANDARD_FILE))


def load_form(path: str | Path | Traversable) -> Form:
    """Read and validate a form definition file (from anyone: `--form`); whatever is wrong with it
    is a FormError naming the problem, never another exception (a wrong value type included)."""
    source = Path(path) if isinstance(path, str) else path
    try:
        with source.open("rb") as stream:  # bounded: a wrong path may name a huge file
            raw = stream.read(_LARGEST_FILE + 1)
        if len(raw) > _LARGEST_FILE:
            raise FormError(say("form-too-large", path=path, limit=f"{_LARGEST_FILE >> 20} MB"))
        form = _Loader(str(path)).form(tomllib.loads(raw.decode("utf-8")))
        _total_order(form)  # totals that sum each other in a circle are refused now, not mid-check
    except FormError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        reason = os_reason(exc) if isinstance(exc, OSError) else say("form-not-utf8")
        raise FormError(say("form-unreadable", path=path, reason=reason)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise FormError(say("form-syntax", path=path, reason=exc)) from exc
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, RecursionError) as exc:
        raise FormError(say("form-malformed", path=path, reason=repr(exc))) from exc
    return form


class _Loader:
    """Turns the parsed TOML into records, rejecting unknown keys and broken references."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> FormError:
        return FormError(say("form-file-error", path=self.source, where=where, problem=problem))

    def fields(
        self, raw: Any, where: str, required: set[str], optional: AbstractSet[str] = frozenset()
    ) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise self.fail(where, say("form-not-table"))
        unknown = sorted(set(raw) - required - set(optional))
        if unknown:
            raise self.fail(where, say("form-unknown-keys", keys=", ".join(unknown)))
        missing = sorted(required - set(raw))
        if missing:
            raise self.fail(where, say("form-missing-keys", keys=", ".join(missing)))
        return raw

    def key(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not _KEY.match(value):
            raise self.fail(where, say("form-bad-key", key=repr(value)))
        return value

    def text(self, value: Any, where: str, *, empty: bool = False) -> str:
        if not isinstance(value, str) or (not empty and not value.strip()):
            raise self.fail(where, say("form-not-text"))
        return value

    def texts(self, value: Any, where: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(where, say("form-not-texts"))
        return tuple(value)

    def form(self, data: dict[str, Any]) -> Form:
        self.fields(
            data,
            tx.FILE,
            {"form", "sections", "tables", "rules"},
            {"charts", "value_types", "agency_kinds"},
        )
        head = self.fields(
            data["form"],
            "[form]",
            {"id", "version", "title", "basis", "first_year", "last_year"},
        )
        tables = {
            self.key(key, f"[tables.{key}]"): self.table(key, raw)
            for key, raw in self.fields(
                data["tables"], "[tables]", set(), set(data["tables"])
            ).items()
        }
        sections = tuple(
            self.section(raw, tx.FORM_ITEM.format(list="[[sections]]", number=i + 1), tables)
            for i, raw in enumerate(data["sections"])
        )
        self.unique([s.key for s in sections], "[[sections]] key")
        self.unique([s.sheet for s in sections], "[[sections]] sheet")
        for table in tables:
            if sum(s.table == table for s in sections) != 1:
                raise self.fail(f"[tables.{table}]", say("form-table-unreferenced"))
        cells = self.cells(tables, data["tables"])
        parts = {p.key for s in sections for p in s.parts}
        kinds = load_kinds(self, data.get("agency_kinds"))
        rules = tuple(
            self.rule(
                raw,
                tx.FORM_ITEM.format(list="[[rules]]", number=i + 1),
                tables,
                cells,
                parts,
                {k.key for k in kinds},
            )
            for i, raw in enumerate(data["rules"])
        )
        self.unique([r.id for r in rules], "[[rules]] id")
        if clash := sorted({r.id for r in rules} & set(FINDINGS)):  # it would shadow a message
            raise self.fail("[[rules]] id", say("form-rule-id-taken", ids=", ".join(clash)))
        charts = tuple(
            load_chart(self, raw, tx.FORM_ITEM.format(list="[[charts]]", number=i + 1), cells)
            for i, raw in enumerate(data.get("charts", []))
        )
        families = {f.key for r in rules for f in r.families}
        for section in sections:
            for key, text in (
                (section.key, section.draft),
                *((p.key, p.draft) for p in section.parts),
            ):
                if problem := draft_problem(text, families):
                    raise self.fail(f"{key} draft", problem)
        self.unique([c.id for c in charts], "[[charts]] id")
        bounds = {}
        for kind, raw in self.fields(
            data.get("value_types", {}), "[value_types]", set(), {"count", "amount"}
        ).items():
            spec = self.fields(raw, f"[value_types] {kind}", {"max"})
            if not isinstance(spec["max"], int | float) or spec["max"] <= 0:
                raise self.fail(f"[value_types] {kind}", say("form-max"))
            bounds[kind] = float(spec["max"])
        return Form(
            bounds=bounds,
            id=self.text(head["id"], "[form] id"),
            version=self.text(str(head["version"]), "[form] version"),
            title=self.text(head["title"], "[form] title"),
            basis=self.text(head["basis"], "[form] basis"),
            first_year=int(head["first_year"]),
            last_year=int(head["last_year"]),
            sections=sections,
            tables=tables,
            rules=rules,
            charts=charts,
            agency_kinds=kinds,
            source=self.source,
            cells=cells,
        )

    def unique(self, values: list[str], where: str) -> None:
        dupes = sorted({v for v in values if values.count(v) > 1})
        if dupes:
            raise self.fail(where, say("form-duplicates", values=", ".join(dupes)))

    def section(self, raw: Any, where: str, tables: dict[str, Table]) -> Section:
        raw = self.fields(
            raw, where, {"key", "title", "sheet", "kind"}, {"table", "parts", "draft"}
        )
        key = self.key(raw["key"], where)
        kind = raw["kind"]
        sheet = self.text(raw["sheet"], where)
        if len(sheet) > 31 or re.search(r"[\[\]:*?/\\]", sheet):
            raise self.fail(where, say("form-sheet-name", sheet=repr(sheet)))
        if kind == "table":
            if raw.get("table") not in tables or "parts" in raw:
                raise self.fail(where, say("form-table-section"))
            return Section(
                key=key,
                title=self.text(raw["title"], where),
                sheet=sheet,
                kind="table",
                table=raw["table"],
                draft=self.text(raw.get("draft", ""), where, empty=True),
            )
        if kind != "narrative" or "table" in raw or "draft" in raw or not raw.get("parts"):
            raise self.fail(where, say("form-section-kind"))
        parts = []
        for j, praw in enumerate(raw["parts"]):
            pw = tx.FORM_ITEM.format(list=f"{where} parts", number=j + 1)
            praw = self.fields(
                praw, pw, {"key", "title", "prompt"}, {"if_empty", "omit_if_empty", "draft"}
            )
            omit = praw.get("omit_if_empty", False)
            if not isinstance(omit, bool) or (omit and "if_empty" in praw):
                raise self.fail(pw, say("form-omit-if-empty"))
            parts.append(
                Part(
                    key=f"{key}.{self.key(praw['key'], pw)}",
                    title=self.text(praw["title"], pw),
                    prompt=self.text(praw["prompt"], pw),
                    if_empty=self.text(praw["if_empty"], pw) if "if_empty" in praw else "",
                    omit_if_empty=omit,
                    draft=self.text(praw.get("draft", ""), pw, empty=True),
                )
            )
        self.unique([p.key for p in parts], f"{where} parts key")
        return Section(
            key=key,
            title=self.text(raw["title"], where),
            sheet=sheet,
            kind="narrative",
            parts=tuple(parts),
        )

    def table(self, key: str, raw: Any) -> Table:
        where = f"[tables.{key}]"
        raw = self.fields(raw, where, {"title", "blocks"}, {"totals"})
        blocks = []
        for i, braw in enumerate(raw["blocks"]):
            bw = tx.FORM_ITEM.format(list=f"{where} blocks", number=i + 1)
            braw = self.fields(
                braw, bw, {"label_columns", "columns", "rows"}, {"caption", "corner"}
            )
            label_columns = braw["label_columns"]
            if not isinstance(label_columns, int) or not 0 <= label_columns <= 5:
                raise self.fail(bw, say("form-label-columns"))
            columns = tuple(self.column(c, f"{bw} columns") for c in braw["columns"])
            rows = tuple(self.row(r, f"{bw} rows", label_columns) for r in braw["rows"])
            if not columns or not rows:
                raise self.fail(bw, say("form-block-empty"))
            self.unique([c.key for c in columns], f"{bw} columns key")
            blocks.append(
                Block(
                    caption=self.text(braw.get("caption", ""), bw, empty=True),
                    corner=self.text(braw.get("corner", ""), bw, empty=True),
                    label_columns=label_columns,
                    columns=columns,
                    rows=rows,
                )
            )
        if len({b.label_columns for b in blocks}) != 1:
            raise self.fail(where, say("form-label-columns-differ"))
        table = Table(key=key, title=self.text(raw["title"], where), blocks=tuple(blocks))
        self.unique([r.key for r in table.rows], f"{where} rows key")
        for column in table.columns:
            types = {c.type for b in table.blocks for c in b.columns if c.key == column.key}
            if len(types) > 1:
                raise self.fail(where, say("form-column-types-differ", column=column.key))
        return table

    def column(self, raw: Any, where: str) -> Column:
        raw = self.fields(raw, where, {"key", "path"}, {"type"})
        kind = raw.get("type", "count")
        if kind not in ("count", "amount"):
            raise self.fail(where, say("form-column-type", type=repr(kind)))
        path = self.texts(raw["path"], where)
        if not path:
            raise self.fail(where, say("form-column-path", column=raw["key"]))
        return Column(key=self.key(raw["key"], where), path=path, type=kind)

    def row(self, raw: Any, where: str, label_columns: int) -> Row:
        raw = self.fields(raw, where, {"key", "path"})
        path = tuple(raw["path"]) if raw["path"] == [] else self.texts(raw["path"], where)
        if len(path) > label_columns:
            raise self.fail(where, say("form-row-path", row=raw["key"]))
        return Row(key=self.key(raw["key"], where), path=path)

    def cells(self, tables: dict[str, Table], raw_tables: dict[str, Any]) -> dict[str, Cell]:
        cells: dict[str, Cell] = {}
        for key, table in tables.items():
            for block in table.blocks:
                for row in block.rows:
                    for column in block.columns:
                        cell_key = f"{key}.{row.key}.{column.key}"
                        cells[cell_key] = Cell(
                            key=cell_key,
                            table=key,
                            row=row.key,
                            column=column.key,
                            type=column.type,
                            row_label=row.label,
                            column_label=column.label,
                        )
            for i, traw in enumerate(raw_tables[key].get("totals", [])):
                tw = tx.FORM_ITEM.format(list=f"[tables.{key}] totals", number=i + 1)
                traw = self.fields(
                    traw, tw, set(), {"column", "sum_of_columns", "row", "sum_of_rows"}
                )
                if set(traw) == {"column", "sum_of_columns"}:
                    pairs = [
                        (
                            f"{key}.{r.key}.{traw['column']}",
                            [f"{key}.{r.key}.{c}" for c in traw["sum_of_columns"]],
                        )
                        for b in table.blocks
                        if any(c.key == traw["column"] for c in b.columns)
                        for r in b.rows
                    ]
                elif set(traw) == {"row", "sum_of_rows"}:
                    pairs = [
                        (
                            f"{key}.{traw['row']}.{c.key}",
                            [f"{key}.{r}.{c.key}" for r in traw["sum_of_rows"]],
                        )
                        for b in table.blocks
                        if any(r.key == traw["row"] for r in b.rows)
                        for c in b.columns
                    ]
                else:
                    raise self.fail(tw, say("form-total-kind"))
                if not pairs:
                    raise self.fail(tw, say("form-total-empty"))
                for target, sources in pairs:
                    missing = [s for s in sources if s not in cells]
                    if missing or target in sources:
                        raise self.fail(
                            tw, say("form-unknown-cells", cells=", ".join(missing) or target)
                        )
                    if not cells[target].sources:  # a crossing of two totals keeps the first
                        cells[target] = replace(cells[target], sources=tuple(sources))
        return cells

    def rule(
        self,
        raw: Any,
        where: str,
        tables: dict[str, Table],
        cells: dict[str, Cell],
        parts: set[str],
        kinds: AbstractSet[str] = frozenset(),
    ) -> Rule:
        common = {"id", "severity", "kind", "layout", "title", "explain", "message"}
        name = raw.get("kind") if isinstance(raw, dict) else None
        if name not in KINDS:
            raise self.fail(where, _unknown_kind(name))
        kind = KINDS[name]
        raw = self.fields(raw, where, common | kind.keys, kind.optional | {"applies_to"})
        rule_id = raw["id"]
        if not isinstance(rule_id, str) or not _RULE_ID.match(rule_id):
            raise self.fail(where, say("form-rule-id", id=repr(rule_id)))
        where = tx.FORM_RULE.format(id=rule_id)
        if raw["severity"] not in (Severity.ERROR, Severity.WARNING):
            raise self.fail(where, say("form-severity"))
        if raw["layout"] not in ("row", "column", "list"):
            raise self.fail(where, say("form-layout"))
        if raw["severity"] == Severity.WARNING and raw["layout"] != "list":
            raise self.fail(where, say("form-warning-layout"))
        table_key = raw.get("table")
        if table_key is not None and table_key not in tables:
            raise self.fail(where, say("form-unknown-table", table=repr(table_key)))
        loaded = kind.load(raw, rule_id, _RuleContext(self, where, raw, tables, cells, parts))
        if table_key is None and not loaded.parts:
            raise self.fail(where, say("form-rule-target"))
        applies_to = load_applies_to(self, raw.get("applies_to"), where, kinds)
        return Rule(
            id=rule_id,
            severity=Severity(raw["severity"]),
            kind=name,
            layout=raw["layout"],
            title=self.text(raw["title"], where),
            explain=self.text(raw["explain"], where),
            message=self.text(raw["message"], where),
            table=table_key,
            instances=loaded.instances,
            parts=loaded.parts,
            keywords=loaded.keywords,
            when_positive=loaded.when_positive,
            families=loaded.families,
            applies_to=applies_to,
        )

    def instances(
        self,
        raw: dict[str, Any],
        where: str,
        table: Table,
        cells: dict[str, Cell],
        *,
        cross_year: bool,
    ) -> tuple[Instance, ...]:
        """A table relation expanded over `each` row or column (limited by `over`)."""
        each = raw["each"]
        if each not in ("row", "column"):
            raise self.fail(where, say("form-each"))
        along = table.columns if each == "column" else table.rows
        over = raw.get("over", [item.key for item in along])
        known = {item.key for item in along}
        if not set(over) <= known:
            raise self.fail(where, say("form-over-keys", keys=sorted(set(over) - known)))
        out = []
        for item_key in over:
            for rel in raw["relations"]:
                rel = self.fields(rel, f"{where} relations", {"lhs", "rhs"}, {"anchor"})

                def term(ref: str, item_key: str = item_key) -> Term:
                    sign = -1 if ref.startswith("-") else 1
                    ref = ref.lstrip("-")
                    previous = ref.startswith("prev:")
                    if previous and not cross_year:
                        raise self.fail(where, say("form-previous-only"))
                    ref = ref.removeprefix("prev:")
                    parts = (ref, item_key) if each == "column" else (item_key, ref)
                    cell = self.full(table.key, ".".join(parts), cells, where)
                    return Term(cell=cell, sign=sign, previous=previous)

                lhs = tuple(term(t) for t in rel["lhs"])
                rhs = tuple(term(t) for t in rel["rhs"])
                anchor = term(rel["anchor"]).cell if "anchor" in rel else lhs[0].cell
                anchor_cell = cells[anchor]
                label = anchor_cell.column_label if each == "column" else anchor_cell.row_label
                if not label:
                    label = _group_label(table, anchor_cell)
                out.append(Instance(rule=raw["id"], label=label, lhs=lhs, rhs=rhs, anchor=anchor))
        return tuple(out)

    def full(self, table: str, ref: str, cells: dict[str, Cell], where: str) -> str:
        full = f"{table}.{ref}"
        if full not in cells:
            raise self.fail(where, say("form-unknown-cells", cells=full))
        return full


class _RuleContext:
    """What a rule kind may ask of the loader while it reads one [[rules]] entry
    (toolkit.form.rules.LoadContext): references checked, errors that name the rule."""

    def __init__(
        self,
        loader: _Loader,
        where: str,
        raw: dict[str, Any],
        tables: dict[str, Table],
        cells: dict[str, Cell],
        parts: set[str],
    ) -> None:
        self.loader, self.where, self.raw, self.source = loader, where, raw, loader.source
        self.tables, self.cells, self.parts = tables, cells, parts

    def fail(self, problem: str) -> FormError:
        return self.loader.fail(self.where, problem)

    def cell(self, ref: str) -> str:
        return self.loader.full(str(self.raw.get("table")), ref, self.cells, self.where)

    def part(self, ref: str) -> str:
        if ref not in self.parts:
            raise self.fail(say("form-unknown-part", part=ref))
        return ref

    def expand(self, *, cross_year: bool) -> tuple[Instance, ...]:
        table = self.tables[self.raw["table"]]
        return self.loader.instances(self.raw, self.where, table, self.cells, cross_year=cross_year)

    def texts(self, value: Any) -> tuple[str, ...]:
        return self.loader.texts(value, self.where)

    def row_label(self, cell: str) -> str:
        return self.cells[cell].row_label


def _unknown_kind(name: object) -> str:
    """What the loader says of a kind it does not know (a retired one names its successor)."""
    code = stated.RETIRED.get(str(name), "form-unknown-kind")
    return say(code, kind=repr(name), kinds="、".join(KINDS))
