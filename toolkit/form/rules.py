"""The rule kinds of a form: what each kind means, written once.

A rule in the form file has a `kind` (sum, zero, previous, text-required, mention, stated-figure).
Each kind is one class here, and that class is the only place its meaning is written:

* `load`: what the form loader checks about a rule of this kind and the instances it expands to;
* `formula`: the Excel status formula the template shows for it (generate);
* `value`: what that formula shows for given values, in Python (the stored result, samples);
* `residual`: the pandas column pandera checks for it (schema: 0 where it holds, NaN: unknown);
  `linear` gives it as signed cells instead, for the kinds whose residual is such a sum
  (`summed`), so that schema.py computes all of those in one matrix product;
* `sides` and `detail`: the figures a finding about it quotes (validate).

What counts as blank text is decided once, in toolkit/core/text.py: the Excel formula strips exactly
the characters `is_blank` ignores, so the template's live status and `check` agree.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ..core import texts as tx
from ..core.catalogue import say
from ..core.text import excel_without_blanks, is_blank, strip_blank
from . import stated
from .findings import plain
from .form import Form, Instance, Rule, Term
from .rule_loading import LoadContext, Loaded

if TYPE_CHECKING:  # pandas costs 0.4 s to import: only the residuals need it, and import it late
    import pandas as pd

__all__ = [
    "KINDS",
    "LATER",
    "PASS",
    "PREVIOUS",
    "Kind",
    "kind_of",
    "status_formula",
    "status_value",
    "term_column",
]

PASS = tx.STATUS_PASS  # what a live status cell shows when its rule holds
LATER = tx.STATUS_LATER  # status of rules the template cannot compute (cross-year, stated figures)
MISMATCH = tx.STATUS_MISMATCH  # a status over several sums, some of which do not hold
TOLERANCE = 1e-6  # amounts carry at most 4 decimals
PREVIOUS = "prev:"  # frame column prefix for last year's values
FORMULA_LIMIT = 8_192  # characters in one formula (Excel; LibreOffice allows more)
REFERENCE_ROOM = 80  # the longest reference: a quoted 31-character sheet name and an A1 address

# A cell or part key -> its reference in a formula written on the status cell's sheet.
Ref = Callable[[str], str]


class Kind:
    """One rule kind. Subclasses set the class attributes and override what differs."""

    name: ClassVar[str]
    keys: ClassVar[frozenset[str]]  # the kind's own required keys in [[rules]]
    optional: ClassVar[frozenset[str]] = frozenset({"over"})
    live: ClassVar[bool] = True  # the template can compute its status with a formula
    in_rollup: ClassVar[bool] = False  # a rollup sheet of sums still shows it live (with a table)
    cross_year: ClassVar[bool] = False  # needs last year's values
    failed: ClassVar[str] = ""  # what its status shows when it fails
    quotes: ClassVar[tuple[bool, bool]] = (False, False)  # a finding quotes (expected, actual)
    summed: ClassVar[bool] = True  # its residual is a signed sum of cells (see `linear`)

    @classmethod
    def load(cls, raw: Mapping[str, Any], rule_id: str, at: LoadContext) -> Loaded:
        return Loaded(instances=at.expand(cross_year=cls.cross_year))

    @classmethod
    def formula(cls, rule: Rule, instances: Sequence[Instance], ref: Ref) -> str:
        raise NotImplementedError(f"{cls.name} has no template formula")  # only when not live

    @classmethod
    def value(
        cls,
        rule: Rule,
        instances: Sequence[Instance],
        values: Mapping[str, float],
        texts: Mapping[str, str],
    ) -> str | float:
        return LATER

    @classmethod
    def residual(cls, rule: Rule, instance: Instance, frame: pd.DataFrame) -> pd.Series:
        return _side(frame, instance.lhs) - _side(frame, instance.rhs)

    @classmethod
    def linear(cls, rule: Rule, instance: Instance) -> tuple[tuple[str, int], ...] | None:
        """The residual as signed frame columns (lhs minus rhs) when it is their plain sum, so
        that every such instance of the form is one matrix product over the batch (schema.py);
        None for a kind whose residual is computed otherwise."""
        if not cls.summed:
            return None
        return tuple((term_column(t), t.sign) for t in instance.lhs) + tuple(
            (term_column(t), -t.sign) for t in instance.rhs
        )

    @classmethod
    def sides(
        cls, rule: Rule, instance: Instance, value: Callable[[str], float], residual: float
    ) -> tuple[float, float]:
        """The two sides a finding quotes ({lhs}, {rhs}); `value` reads a frame column."""
        return _total(instance.lhs, value), _total(instance.rhs, value)

    @classmethod
    def detail(
        cls,
        form: Form,
        rule: Rule,
        instance: Instance,
        value: Callable[[str], float],
        texts: Mapping[str, str],
        ref: Callable[[str], str],
    ) -> str:
        """The {cells} of a finding's message: the cells or parts that break the rule."""
        return ""


class Sum(Kind):
    """sum(lhs) = sum(rhs), for each instance; the status shows the difference."""

    name = "sum"
    keys = frozenset({"table", "each", "relations"})
    in_rollup = True
    quotes = (True, True)

    @classmethod
    def formula(cls, rule: Rule, instances: Sequence[Instance], ref: Ref) -> str:
        diffs = [f"ROUND(({_signed(i.lhs, ref)})-({_signed(i.rhs, ref)}),4)" for i in instances]
        if len(diffs) == 1:
            return f'=IF({diffs[0]}=0,"{PASS}",{diffs[0]})'
        return f'=IF(AND({",".join(d + "=0" for d in diffs)}),"{PASS}","{MISMATCH}")'

    @classmethod
    def value(
        cls,
        rule: Rule,
        instances: Sequence[Instance],
        values: Mapping[str, float],
        texts: Mapping[str, str],
    ) -> str | float:
        diffs = [
            round(
                math.fsum(t.sign * values[t.cell] for t in i.lhs)
                - math.fsum(t.sign * values[t.cell] for t in i.rhs),
                4,
            )
            for i in instances
        ]
        if all(d == 0 for d in diffs):
            return PASS
        return _number(diffs[0]) if len(diffs) == 1 else MISMATCH


class Previous(Sum):
    """Like sum, with terms written "prev:<key>" taken from last year: checked after return."""

    name = "previous"
    live = False
    in_rollup = False
    cross_year = True

    @classmethod
    def formula(cls, rule: Rule, instances: Sequence[Instance], ref: Ref) -> str:
        return Kind.formula(rule, instances, ref)

    @classmethod
    def value(
        cls,
        rule: Rule,
        instances: Sequence[Instance],
        values: Mapping[str, float],
        texts: Mapping[str, str],
    ) -> str | float:
        return LATER


class Zero(Kind):
    """Every listed cell is 0 (所列单元格之和为0: the cells are never negative)."""

    name = "zero"
    keys = frozenset({"table", "each", "cells"})
    in_rollup = True
    failed = tx.STATUS_CHECK

    @classmethod
    def load(cls, raw: Mapping[str, Any], rule_id: str, at: LoadContext) -> Loaded:
        if raw["each"] != "none":
            raise at.fail(say("form-zero-each"))
        if not isinstance(raw["cells"], list) or not raw["cells"]:
            raise at.fail(say("form-cells-empty"))
        terms = tuple(Term(cell=at.cell(c)) for c in raw["cells"])
        label = at.row_label(terms[0].cell)
        return Loaded(
            instances=(Instance(rule=rule_id, label=label, lhs=terms, anchor=terms[0].cell),)
        )

    @classmethod
    def formula(cls, rule: Rule, instances: Sequence[Instance], ref: Ref) -> str:
        cells = ",".join(ref(t.cell) for i in instances for t in i.lhs)
        return f'=IF(SUM({cells})=0,"{PASS}","{cls.failed}")'

    @classmethod
    def value(
        cls,
        rule: Rule,
        instances: Sequence[Instance],
        values: Mapping[str, float],
        texts: Mapping[str, str],
    ) -> str | float:
        total = math.fsum(values[t.cell] for i in instances for t in i.lhs)
        return PASS if total == 0 else cls.failed

    @classmethod
    def residual(cls, rule: Rule, instance: Instance, frame: pd.DataFrame) -> pd.Series:
        return _side(frame, instance.lhs)

    @classmethod
    def linear(cls, rule: Rule, instance: Instance) -> tuple[tuple[str, int], ...] | None:
        return tuple((term_column(t), t.sign) for t in instance.lhs)

    @classmethod
    def detail(
        cls,
        form: Form,
        rule: Rule,
        instance: Instance,
        value: Callable[[str], float],
        texts: Mapping[str, str],
        ref: Callable[[str], str],
    ) -> str:
        return "、".join(
            f"{ref(t.cell)}={plain(value(t.cell))}" for t in instance.lhs if value(t.cell)
        )


class TextRequired(Kind):
    """Every listed narrative part holds text; text made only of blank characters (text.py:
    full-width, no-break and zero-width spaces, tabs, line breaks ...) does not count.

    Every part, not at least one: the format lists each part as its own sub-section, and the
    rule's own explanation in the form file asks for them 逐项 (one by one).
    """

    name = "text-required"
    summed = False
    keys = frozenset({"parts"})
    failed = tx.STATUS_UNFILLED

    @classmethod
    def load(cls, raw: Mapping[str, Any], rule_id: str, at: LoadContext) -> Loaded:
        parts = tuple(at.part(p) for p in raw["parts"])
        if not parts:
            raise at.fail(say("form-parts-empty"))
        # Each part costs one chain of SUBSTITUTE over every blank character (about 950 characters)
        one = len(f"LEN({excel_without_blanks('')})>0,") + REFERENCE_ROOM
        if len(parts) * one + 20 > FORMULA_LIMIT:
            most = (FORMULA_LIMIT - 20) // one
            raise at.fail(say("form-parts-too-many", most=most, limit=FORMULA_LIMIT))
        return Loaded(instances=(Instance(rule=rule_id, label="", anchor=parts[0]),), parts=parts)

    @classmethod
    def formula(cls, rule: Rule, instances: Sequence[Instance], ref: Ref) -> str:
        tests = ",".join(f"LEN({excel_without_blanks(ref(p))})>0" for p in rule.parts)
        return f'=IF(AND({tests}),"{PASS}","{cls.failed}")'

    @classmethod
    def value(
        cls,
        rule: Rule,
        instances: Sequence[Instance],
        values: Mapping[str, float],
        texts: Mapping[str, str],
    ) -> str | float:
        filled = not any(is_blank(texts.get(p, "")) for p in rule.parts)
        return PASS if filled else cls.failed

    @classmethod
    def residual(cls, rule: Rule, instance: Instance, frame: pd.DataFrame) -> pd.Series:
        import pandas as pd

        filled = pd.Series(True, index=frame.index)
        for part in rule.parts:
            filled &= ~frame[part].map(is_blank)
        return (~filled).astype(float)

    @classmethod
    def detail(
        cls,
        form: Form,
        rule: Rule,
        instance: Instance,
        value: Callable[[str], float],
        texts: Mapping[str, str],
        ref: Callable[[str], str],
    ) -> str:
        return "、".join(form.parts[p].title for p in rule.parts if is_blank(texts.get(p, "")))


class Mention(Kind):
    """The part mentions every keyword (case-blind; "a|b": either, the ways reports say one thing);
    with `when_positive`, only when the sum of those cells is above 0. Blank characters in the
    text do not count here either: a keyword with a zero-width space or a line break inside it
    looks written, so it is written."""

    name = "mention"
    summed = False
    keys = frozenset({"part", "keywords"})
    optional = frozenset({"over", "when_positive", "table"})
    failed = tx.STATUS_UNSAID
    quotes = (False, True)

    @classmethod
    def load(cls, raw: Mapping[str, Any], rule_id: str, at: LoadContext) -> Loaded:
        when = tuple(at.cell(c) for c in raw.get("when_positive", ()))
        part = at.part(raw["part"])
        keywords = at.texts(raw["keywords"])
        if not keywords:
            raise at.fail(say("form-keywords-empty"))
        # The formula quotes a keyword in a string constant, and SEARCH takes * ? ~ for wildcards;
        # a keyword with blank characters could never be found in text stripped of them.
        words = [word for k in keywords for word in k.split("|")]
        if any(ch in k for k in words for ch in '"*?~'):
            raise at.fail(say("form-keywords-quote"))
        if any(strip_blank(k) != k or not k for k in words):
            raise at.fail(say("form-keywords-blank"))
        one = len(f'ISNUMBER(SEARCH("",{excel_without_blanks("")})),') + REFERENCE_ROOM
        if sum(one + len(k) + 4 for k in words) + 200 > FORMULA_LIMIT:
            raise at.fail(say("form-keywords-too-many", limit=FORMULA_LIMIT))
        instance = Instance(
            rule=rule_id, label="", lhs=tuple(Term(cell=c) for c in when), anchor=part
        )
        return Loaded(instances=(instance,), parts=(part,), keywords=keywords, when_positive=when)

    @classmethod
    def formula(cls, rule: Rule, instances: Sequence[Instance], ref: Ref) -> str:
        text = excel_without_blanks(ref(rule.parts[0]))
        tests = ",".join(_said_formula(k, text) for k in rule.keywords)
        inner = f'IF(AND({tests}),"{PASS}","{cls.failed}")'
        if rule.when_positive:
            cells = ",".join(ref(c) for c in rule.when_positive)
            return f'=IF(SUM({cells})>0,{inner},"{PASS}")'
        return "=" + inner

    @classmethod
    def value(
        cls,
        rule: Rule,
        instances: Sequence[Instance],
        values: Mapping[str, float],
        texts: Mapping[str, str],
    ) -> str | float:
        if rule.when_positive and math.fsum(values[c] for c in rule.when_positive) <= 0:
            return PASS
        text = strip_blank(texts.get(rule.parts[0], "")).lower()
        said = all(any(w.lower() in text for w in k.split("|")) for k in rule.keywords)
        return PASS if said else cls.failed

    @classmethod
    def residual(cls, rule: Rule, instance: Instance, frame: pd.DataFrame) -> pd.Series:
        import pandas as pd

        text = frame[rule.parts[0]].map(strip_blank).str.lower()
        said = pd.Series(True, index=frame.index)
        for keyword in rule.keywords:
            any_word = pd.Series(False, index=frame.index)
            for word in keyword.split("|"):
                any_word |= text.str.contains(word.lower(), regex=False)
            said &= any_word
        if rule.when_positive:
            said |= ~(_side(frame, instance.lhs) > TOLERANCE)
        return (~said).astype(float)


def _said_formula(keyword: str, text: str) -> str:
    tests = [f'ISNUMBER(SEARCH("{word}",{text}))' for word in keyword.split("|")]
    return tests[0] if len(tests) == 1 else f"OR({','.join(tests)})"


class StatedFigures(Kind):
    """A figure the narrative states equals its cells under some reading (stated.py, after return)."""

    name = "stated-figure"
    summed = False
    keys = frozenset({"parts", "figures"})
    optional = frozenset({"table", "families"})  # table: only where the template lists the rule
    live = False
    quotes = (True, True)

    @classmethod
    def load(cls, raw: Mapping[str, Any], rule_id: str, at: LoadContext) -> Loaded:
        parts = tuple(at.part(p) for p in at.texts(raw["parts"]))
        wanted = at.texts(raw["families"]) if "families" in raw else None
        try:
            families = stated.choose_families(at.source, raw["figures"], wanted)
        except ValueError as exc:  # what is wrong with the families file, in Chinese
            raise at.fail(str(exc)) from exc
        for cell in {c for f in families for cells in (f.cells, *f.alternatives) for c in cells}:
            try:
                at.row_label(cell)  # any table's cell, by its full key
            except KeyError:
                raise at.fail(say("form-figure-cell", figures=raw["figures"], cell=cell)) from None
        instances = stated.figure_instances(rule_id, parts, families)
        return Loaded(instances=instances, parts=parts, families=families)

    @classmethod
    def residual(cls, rule: Rule, instance: Instance, frame: pd.DataFrame) -> pd.Series:
        return stated.figure_residual(stated.family_of(rule, instance), instance.anchor, frame)

    @classmethod
    def sides(
        cls, rule: Rule, instance: Instance, value: Callable[[str], float], residual: float
    ) -> tuple[float, float]:
        table = _total(instance.lhs, value)
        return table + residual, table  # {lhs}: the text's figure, {rhs}: the table's

    @classmethod
    def detail(
        cls,
        form: Form,
        rule: Rule,
        instance: Instance,
        value: Callable[[str], float],
        texts: Mapping[str, str],
        ref: Callable[[str], str],
    ) -> str:
        return stated.quote(form, rule, instance, texts, value)


KINDS: dict[str, type[Kind]] = {
    kind.name: kind for kind in (Sum, Previous, Zero, TextRequired, Mention, StatedFigures)
}


def kind_of(rule: Rule) -> type[Kind]:
    return KINDS[rule.kind]  # the loader admits no other kind


def status_formula(rule: Rule, instances: Sequence[Instance], ref: Ref) -> str:
    """The Excel formula of a live status cell over these instances of the rule."""
    return kind_of(rule).formula(rule, instances, ref)


def status_value(
    rule: Rule, instances: Sequence[Instance], values: Mapping[str, float], texts: Mapping[str, str]
) -> str | float:
    """What the status formula shows for these values: PASS or the failure (LATER: not live)."""
    return kind_of(rule).value(rule, instances, values, texts)


def term_column(term: Term) -> str:
    """The frame column of a term: last year's values carry a prefix."""
    return PREVIOUS + term.cell if term.previous else term.cell


def _side(frame: pd.DataFrame, terms: Sequence[Term]) -> pd.Series:
    import pandas as pd

    total = pd.Series(0.0, index=frame.index)
    for term in terms:
        total = total + term.sign * frame[term_column(term)]
    return total


def _total(terms: Sequence[Term], value: Callable[[str], float]) -> float:
    return math.fsum(t.sign * value(term_column(t)) for t in terms)


def _signed(terms: Sequence[Term], ref: Ref) -> str:
    out = "".join(("-" if term.sign < 0 else "+") + ref(term.cell) for term in terms)
    return out.lstrip("+") or "0"


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value
