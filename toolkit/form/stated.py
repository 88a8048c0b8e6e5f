"""The work of the stated-figure rule kind (rules.StatedFigures): its families chosen from a
families file, the figures each narrative part states (read once per part and file, then asked
per family), the residual pandera checks, and the sentence a finding quotes beside its cell.

Agency text is untrusted: what a finding quotes is cut short and made inert.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from ..core.bundled import bundled
from ..core.catalogue import say
from ..core.text import inert
from .figures import Family, StatedFigure, agrees, parse_families, stated_figures
from .findings import plain
from .form import Form, Instance, Rule, Term

if TYPE_CHECKING:  # pandas costs 0.4 s to import: only the residuals need it
    import pandas as pd

__all__ = [
    "RETIRED",
    "YEAR",
    "choose_families",
    "family_of",
    "figure_instances",
    "figure_residual",
    "quote",
    "read_beside",
    "stated",
]

YEAR = "#year"  # frame column: the year the batch reports on (NaN: unknown)
QUOTE_ROOM = 60  # characters quoted either side of a figure: a clause may be a whole cell
FILE_LIMIT = 1 << 20  # bytes of a families file (the standard one is a few KB)
# Rule kinds no longer offered, with what the loader says instead of "unknown kind".
RETIRED = {
    # one regular expression, one phrasing: it warned on none of 22 real reports that disagreed
    "text-figure": "form-kind-retired",
}


def read_beside(form_source: str, name: object) -> str:
    """The text of a file a form file names: a plain .toml name, looked for beside the form file,
    then among the shipped templates; read bounded. ValueError says what is wrong, in Chinese."""
    if not isinstance(name, str) or not re.fullmatch(r"[\w.-]+\.toml", name) or ".." in name:
        raise ValueError(say("form-figures-name", name=repr(name)))
    here = Path(form_source).parent / name
    path = here if here.is_file() else bundled(name)
    try:
        with path.open("rb") as file:
            data = file.read(FILE_LIMIT + 1)
        if len(data) > FILE_LIMIT:
            raise ValueError(say("form-figures-too-large", name=name, size=FILE_LIMIT // 1024))
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(say("form-figures-not-utf8", name=name)) from exc
    except OSError as exc:
        raise ValueError(
            say("form-figures-unreadable", name=name, reason=exc.strerror or exc)
        ) from exc


def choose_families(
    form_source: str, source: str, wanted: Sequence[str] | None
) -> tuple[Family, ...]:
    """The families of the families file a form file names (all, or the `wanted` ones); ValueError
    says what is wrong."""
    text = read_beside(form_source, source)
    try:
        families = parse_families(text)
    except ValueError as exc:  # tomllib.TOMLDecodeError is one
        raise ValueError(say("form-figures-syntax", source=source, reason=exc)) from exc
    keys = tuple(families) if wanted is None else tuple(wanted)
    unknown = [key for key in keys if key not in families]
    if not keys or unknown:
        raise ValueError(
            say(
                "form-families",
                source=source,
                unknown="、".join(unknown) or say("form-families-none"),
            )
        )
    return tuple(families[key] for key in keys)


def family_of(rule: Rule, instance: Instance) -> Family:
    """The family an instance of a stated-figure rule compares (the loader made both)."""
    return next(f for f in rule.families if f.key == instance.figure)


def figure_instances(
    rule_id: str, parts: Sequence[str], families: Sequence[Family]
) -> tuple[Instance, ...]:
    """One instance per narrative part and family, reported at the part."""
    return tuple(
        Instance(
            rule=rule_id,
            label=family.title,
            lhs=tuple(Term(cell=c) for c in family.cells),
            anchor=part,
            figure=family.key,
        )
        for part in parts
        for family in families
    )


@lru_cache(maxsize=4096)  # each part of each file is read once, then asked once per family
def stated(text: str, year: float) -> Mapping[str, StatedFigure]:
    """The figures a narrative part states, by family; `year` the report's (NaN: unknown)."""
    known = None if math.isnan(year) else int(year)
    return MappingProxyType({f.family: f for f in stated_figures(text, known)})


@lru_cache(maxsize=64)  # one narrative column is asked once per family: read it once
def _column_figures(
    texts: tuple[str, ...], years: tuple[float, ...]
) -> Mapping[str, tuple[tuple[int, StatedFigure], ...]]:
    """Family -> (row, figure) of every row of a narrative column that states it."""
    found: dict[str, list[tuple[int, StatedFigure]]] = {}
    for row, (text, year) in enumerate(zip(texts, years, strict=True)):
        for key, figure in stated(text, float(year)).items():
            found.setdefault(key, []).append((row, figure))
    return MappingProxyType({key: tuple(rows) for key, rows in found.items()})


def figure_residual(family: Family, part: str, frame: pd.DataFrame) -> pd.Series:
    """The part's stated figure minus the table's (0: agrees under some reading, or nothing is
    stated; NaN: a cell it needs is blank, nothing can be said)."""
    import pandas as pd

    years = frame[YEAR].tolist() if YEAR in frame else [math.nan] * len(frame)
    found = _column_figures(tuple(frame[part].tolist()), tuple(years)).get(family.key, ())
    out = [0.0] * len(frame)
    if found:  # most parts state few families: read the cells only for those
        needed = {c for cells in (family.cells, *family.alternatives) for c in cells}
        columns = {c: frame[c].to_numpy(dtype=float) for c in needed}
        for row, figure in found:
            values = {c: float(column[row]) for c, column in columns.items()}
            verdict = agrees(figure, family, values)
            table = math.fsum(values[c] for c in family.cells)
            out[row] = math.nan if verdict is None else 0.0 if verdict else figure.value - table
    return pd.Series(out, index=frame.index, dtype=float)


def quote(
    form: Form,
    rule: Rule,
    instance: Instance,
    texts: Mapping[str, str],
    value: Callable[[str], float],
) -> str:
    """The sentence and the table cell side by side: 文中：“…”；表三“…” = 13."""
    family, text = family_of(rule, instance), texts.get(instance.anchor, "")
    year, table = value(YEAR), math.fsum(t.sign * value(t.cell) for t in instance.lhs)
    figure = stated(text, year).get(family.key)
    quoted = _excerpt(text, figure) if figure else ""
    section = form.section_of_table(form.cells[family.cells[0]].table).title
    number = section.split("、")[0]  # "三、收到和处理…" is 表三
    return say(
        "stated-figure-quote", sentence=quoted, table=number, cell=family.title, value=plain(table)
    )


def _excerpt(text: str, figure: StatedFigure) -> str:
    """The figure's sentence, cut to QUOTE_ROOM characters either side of the figure, inert."""
    sentence = figure.sentence
    start = text.rfind(sentence, 0, figure.span[0] + len(sentence))
    at = max(0, figure.span[0] - start) if start >= 0 else 0
    first, last = max(0, at - QUOTE_ROOM), min(len(sentence), at + QUOTE_ROOM)
    cut = ("…" if first else "") + sentence[first:last] + ("…" if last < len(sentence) else "")
    return inert(cut)
