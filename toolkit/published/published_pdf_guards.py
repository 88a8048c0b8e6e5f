"""Bounds put on pdfminer while it reads an untrusted PDF, where its own code has none.

Two shapes of hostile PDF make pdfminer run without end: an indirect reference that leads back to
itself (`5 0 obj 7 0 R`, `7 0 obj 5 0 R`: its `resolve1` follows references in an unbounded loop),
and form XObjects that draw each other (a form drawing another twenty times, seven levels deep, is
a billion glyphs from a 3 KB file: pdfminer interprets every one). The guards make the first a
SourceError after a few hops and count the second against a budget per document; the worker's
CPU time and memory limits (pool.run_isolated) remain the bound for everything else.

pdfminer imports `resolve1` by name into several modules, so the bounded one is put in each; the
guards are installed once per process, and only change what happens on a file that would never
finish.
"""

from __future__ import annotations

import sys
from typing import Any

from .published_source import SourceError

__all__ = ["MAX_FORM_CALLS", "MAX_REFERENCE_HOPS", "install_guards", "new_document"]

MAX_REFERENCE_HOPS = 32  # a reference to a reference: real files have one or two
MAX_FORM_CALLS = 5_000  # form XObjects drawn in one document: a report draws a few per page

_budget = [MAX_FORM_CALLS]
_installed = [False]


def new_document() -> None:
    """Start counting for the next document."""
    _budget[0] = MAX_FORM_CALLS


def install_guards() -> None:
    """Install the bounded `resolve1` and the counting `do_Do` (idempotent)."""
    if _installed[0]:
        return
    from pdfminer import pdftypes
    from pdfminer.pdfinterp import PDFPageInterpreter

    reference = pdftypes.PDFObjRef

    def resolve1(x: object, default: object = None) -> Any:
        hops = 0
        while isinstance(x, reference):
            hops += 1
            if hops > MAX_REFERENCE_HOPS:
                raise SourceError("import-pdf-loop", limit=MAX_REFERENCE_HOPS)
            x = x.resolve(default=default)
        return x

    original = pdftypes.resolve1
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] in ("pdfminer", "pdfplumber") and (
            getattr(module, "resolve1", None) is original
        ):
            module.resolve1 = resolve1  # type: ignore[attr-defined]

    draw = PDFPageInterpreter.do_Do

    def do_Do(self: Any, xobjid_arg: Any) -> None:
        _budget[0] -= 1
        if _budget[0] < 0:
            raise SourceError("import-pdf-xobjects", limit=MAX_FORM_CALLS)
        draw(self, xobjid_arg)

    PDFPageInterpreter.do_Do = do_Do  # type: ignore[method-assign]
    _installed[0] = True
