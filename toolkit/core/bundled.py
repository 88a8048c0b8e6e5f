"""The files shipped with nianbao in templates/ (the form definitions, the mail texts, the figures
file): inside the installed package `toolkit.templates` (pyproject.toml maps templates/ there), or
beside toolkit/ when a source checkout is used without being installed."""

from __future__ import annotations

import importlib.resources
from importlib.resources.abc import Traversable
from pathlib import Path

__all__ = ["STANDARD_FILE", "bundled"]

STANDARD_FILE = "gov-info-2021.toml"  # the national 2021 form, the default of every command


def bundled(name: str = STANDARD_FILE) -> Traversable:
    """A file of templates/, read through importlib.resources (a wheel has no templates/ folder)."""
    try:
        return importlib.resources.files("toolkit.templates") / name
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "templates" / name
