"""The [[charts]] entries of a form definition file (the district rollup's 图表 sheet), read by the
form-file loader (form_file.py, which passes itself as `loader`: its strict field and reference
checks, its errors naming the place); and the check of a district-draft sentence's fields."""

from __future__ import annotations

import string
from collections.abc import Set as AbstractSet
from typing import Any

from ..core.catalogue import say
from .form import Cell, Chart, Series

__all__ = ["DRAFT_WORDS", "draft_problem", "load_chart"]

# The fields a draft sentence may hold besides its figure families: the report year and the level
# word (全区, 全市), filled by render_draft.py.
DRAFT_WORDS = frozenset({"year", "whole"})


def draft_problem(text: str, families: AbstractSet[str]) -> str:
    """What is wrong with a draft sentence ("" when nothing): every {field} names a figure family
    of the form's stated-figure rules (so the checker reads the sentence back), the year or the
    level word; no format specification, no stray brace."""
    try:
        fields = [
            (name, spec, conversion)
            for _, name, spec, conversion in string.Formatter().parse(text)
            if name is not None
        ]
    except ValueError as exc:
        return say("form-draft-braces", reason=exc)
    for name, spec, conversion in fields:
        if spec or conversion or name not in families | DRAFT_WORDS:
            known = "、".join(sorted(DRAFT_WORDS | families))
            return say("form-draft-field", name=name, known=known)
    return ""


def load_chart(loader: Any, raw: Any, where: str, cells: dict[str, Cell]) -> Chart:
    raw = loader.fields(
        raw, where, {"id", "title", "type", "by"}, {"series", "groups", "categories", "top"}
    )
    if raw["type"] not in ("column", "bar", "pie"):
        raise loader.fail(where, say("form-chart-type", type=repr(raw["type"])))
    by = raw["by"]
    if by not in ("cells", "groups", "agencies"):
        raise loader.fail(where, say("form-chart-by", by=repr(by)))
    needed = "groups" if by == "groups" else "series"
    if not raw.get(needed) or ("groups" in raw and by != "groups"):
        raise loader.fail(where, say("form-chart-fields", by=by, needed=needed))

    def series(items: Any, label: str) -> tuple[Series, ...]:
        out = []
        for item in items:
            item = loader.fields(item, f"{where} {needed}", {label, "cells"})
            refs = loader.texts(item["cells"], where)
            missing = [c for c in refs if c not in cells]
            if missing:
                raise loader.fail(where, say("form-unknown-cells", cells=", ".join(missing)))
            out.append(Series(name=loader.text(item[label], where), cells=refs))
        return tuple(out)

    chart_series = series(raw.get("series", []), "name")
    groups = series(raw.get("groups", []), "label")
    categories = loader.texts(raw.get("categories", []), where)
    if by == "cells":
        sizes = {len(s.cells) for s in chart_series}
        if len(sizes) != 1 or (categories and len(categories) not in sizes):
            raise loader.fail(where, say("form-chart-series"))
    top = raw.get("top", 0)
    if not isinstance(top, int) or top < 0:
        raise loader.fail(where, say("form-chart-top"))
    return Chart(
        id=loader.key(raw["id"].replace("-", "_"), where) and raw["id"],
        title=loader.text(raw["title"], where),
        type=raw["type"],
        by=by,
        series=chart_series,
        groups=groups,
        categories=categories,
        top=top,
    )
