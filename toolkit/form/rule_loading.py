"""What the form-file loader and a rule kind exchange while one [[rules]] entry is read: the
loader's services a kind may call (`LoadContext`: failing with the rule named, resolving cell and
part references, expanding a table relation) and what a kind returns (`Loaded`).

form_file.py implements the context; each kind in rules.py reads its own keys through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from .figures import Family
from .form import Instance

__all__ = ["LoadContext", "Loaded"]


class LoadContext(Protocol):
    """What the form loader offers a kind while it reads one [[rules]] entry."""

    source: str  # the form file, where the files it names are looked for first

    def fail(self, problem: str) -> Exception:
        """An error naming the rule, to raise."""
        ...

    def cell(self, ref: str) -> str:
        """The full key of a cell of the rule's table (fails when there is none)."""
        ...

    def part(self, ref: str) -> str:
        """A narrative part key, checked to exist."""
        ...

    def expand(self, *, cross_year: bool) -> tuple[Instance, ...]:
        """The instances of a table relation (`each`, `over`, `relations`); terms "prev:<key>"
        (last year's values) only when `cross_year`."""
        ...

    def texts(self, value: Any) -> tuple[str, ...]:
        """A list of non-empty strings."""
        ...

    def row_label(self, cell: str) -> str:
        """The row label of a cell, to report an instance under."""
        ...


@dataclass(frozen=True, kw_only=True)
class Loaded:
    """What a kind reads from its [[rules]] entry, beyond the keys every rule has."""

    instances: tuple[Instance, ...]
    parts: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    when_positive: tuple[str, ...] = ()
    families: tuple[Family, ...] = ()
