"""Who reports: the kinds of agency a form knows ([[agency_kinds]]), which kinds an agency may be
of, and whether a rule is for it.

A rule that holds only for some agencies (a district department has no power to make 规章; a 设区的
市 government has) says so with `applies_to`. An agency's kind comes from the roster's 单位类别
column when it has one, else from its name: 「XX街道办事处」 is a 街道, 「XX区人民政府」 a county-level
government, while 「XX市人民政府」 may be a 设区的市 or a county-level city, both kinds. A rule is
checked when the agency's kind is unknown (as it always was) or every kind it may be of is one the
rule is for; when it may be of a kind the rule is not for, the checker says nothing: unsure is
silent, never a false warning.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from functools import cache
from typing import Any

from ..core import texts as tx
from ..core.catalogue import say
from ..core.text import compact
from .form import AgencyKind, Form, Rule

__all__ = ["applies", "load_applies_to", "load_kinds", "possible_kinds"]

_KINDS_KEYS = frozenset({"key", "title"})
_KINDS_OPTIONAL = frozenset({"aliases", "names"})
_MAX_NAME = 200  # characters of a name matched against the patterns (a roster cell is short)


def load_kinds(loader: Any, raw: Any) -> tuple[AgencyKind, ...]:
    """The [[agency_kinds]] entries, read by the form-file loader (`loader`: its field checks and
    errors naming the place). Every pattern must compile."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise loader.fail("[[agency_kinds]]", say("form-kinds-not-list"))
    out = []
    for index, item in enumerate(raw):
        where = tx.FORM_ITEM.format(list="[[agency_kinds]]", number=index + 1)
        item = loader.fields(item, where, set(_KINDS_KEYS), _KINDS_OPTIONAL)
        names = loader.texts(item.get("names", []), where) if item.get("names") else ()
        for pattern in names:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise loader.fail(
                    where, say("form-kinds-bad-pattern", pattern=pattern, reason=exc)
                ) from None
        aliases = loader.texts(item["aliases"], where) if item.get("aliases") else ()
        out.append(
            AgencyKind(
                key=loader.key(item["key"], where),
                title=loader.text(item["title"], where),
                aliases=aliases,
                names=names,
            )
        )
    loader.unique([k.key for k in out], "[[agency_kinds]] key")
    return tuple(out)


def load_applies_to(loader: Any, raw: Any, where: str, kinds: AbstractSet[str]) -> tuple[str, ...]:
    """A rule's `applies_to`: kinds the form file declares; () when the rule has none."""
    if raw is None:
        return ()
    applies_to = loader.texts(raw, where)
    if unknown := sorted(set(applies_to) - set(kinds)):
        raise loader.fail(where, say("form-rule-kind-unknown", kinds="、".join(unknown)))
    return tuple(applies_to)


def applies(rule: Rule, kinds: frozenset[str]) -> bool:
    """Whether `rule` is checked for an agency that may be of `kinds` (empty: not known)."""
    return not rule.applies_to or not kinds or kinds <= frozenset(rule.applies_to)


def possible_kinds(form: Form, name: str, declared: str = "") -> frozenset[str]:
    """The kinds an agency may be of: the one its roster row declares (by title, key or alias),
    else every kind whose name patterns match its name; empty when nothing says."""
    if not form.agency_kinds:
        return frozenset()
    words, patterns = _tables(form.agency_kinds)
    if declared:
        found = words.get(_plain(declared))
        if found is not None:
            return frozenset({found})
    plain = _plain(name)[:_MAX_NAME]
    if not plain:
        return frozenset()
    return frozenset(key for key, pattern in patterns if pattern.fullmatch(plain))


@cache
def _tables(
    kinds: tuple[AgencyKind, ...],
) -> tuple[dict[str, str], tuple[tuple[str, re.Pattern[str]], ...]]:
    words: dict[str, str] = {}
    for kind in kinds:
        for word in (kind.key, kind.title, *kind.aliases):
            words.setdefault(_plain(word), kind.key)
    patterns = tuple((k.key, re.compile(p)) for k in kinds for p in k.names)
    return words, patterns


def _plain(text: str) -> str:
    return compact(text)
