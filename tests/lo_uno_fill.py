"""python-UNO client used by ``tests/lo.py:fill`` — run it with the *system* python.

Usage: ``/usr/bin/python3 tests/lo_uno_fill.py JOB.json`` (``-`` reads the job from stdin).

The job is a JSON object::

    {"pipe": "...", "template": "/abs/in.xlsx", "output": "/abs/out.xlsx",
     "filter": "Calc Office Open XML", "values": {"nb_x": 3, "Sheet!D7": "text"},
     "connect_timeout": 30, "allow_locked": false}

It connects to an soffice already started with ``--accept=pipe,name=<pipe>;urp;...``
(retrying until ``connect_timeout``), loads ``template`` hidden, writes every value (numbers
via ``setValue``, strings via ``setString``), runs ``calculateAll()``, stores to ``output``
with ``filter`` and asks the office to terminate.  Sheet protection is not touched; since UNO
would write locked cells of a protected sheet regardless, such cells are refused unless
``allow_locked`` is true.  Errors go to stderr with a non-zero exit status (3 for a bad key);
the caller kills soffice in any case.
"""

from __future__ import annotations

import json
import sys
import time
from contextlib import suppress
from typing import Any

import uno  # type: ignore[import-not-found]  # Debian package python3-uno; must come first
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.connection import NoConnectException  # type: ignore[import-not-found]


def prop(name: str, value: Any) -> PropertyValue:
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def connect(pipe: str, timeout: float) -> Any:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    url = f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext"
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        try:
            return resolver.resolve(url)
        except NoConnectException:
            if time.monotonic() >= deadline:
                raise SystemExit(
                    f"could not connect to soffice on pipe {pipe} in {timeout}s"
                ) from None
            time.sleep(delay)
            delay = min(delay * 1.5, 0.5)


def find_cell(doc: Any, key: str, allow_locked: bool = False) -> Any:
    """The single cell named by a workbook-level defined name or a ``Sheet!A1`` reference."""
    if "!" in key:
        sheet_name, ref = key.rsplit("!", 1)
        if len(sheet_name) >= 2 and sheet_name[0] == sheet_name[-1] == "'":
            sheet_name = sheet_name[1:-1].replace("''", "'")
        sheets = doc.getSheets()
        if not sheets.hasByName(sheet_name):
            raise LookupError(
                f"{key}: no sheet {sheet_name!r} (have {list(sheets.getElementNames())})"
            )
        try:
            cells = sheets.getByName(sheet_name).getCellRangeByName(ref.replace("$", ""))
        except Exception as exc:  # IllegalArgumentException / RuntimeException from UNO
            raise LookupError(f"{key}: bad cell reference {ref!r}") from exc
    else:
        names = doc.NamedRanges
        if not names.hasByName(key):
            raise LookupError(f"{key}: no workbook-level defined name {key!r}")
        cells = names.getByName(key).getReferredCells()
        if cells is None:
            raise LookupError(f"{key}: defined name does not refer to cells")
    addr = cells.getRangeAddress()
    if addr.StartColumn != addr.EndColumn or addr.StartRow != addr.EndRow:
        raise LookupError(f"{key}: refers to a range, not a single cell")
    cell = cells.getCellByPosition(0, 0)
    # The API ignores sheet protection (it happily overwrites locked cells), so check by hand:
    # a user in Excel/Calc could only type into unlocked cells of a protected sheet.
    if not allow_locked and cell.CellProtection.IsLocked:
        sheet = doc.getSheets().getByIndex(addr.Sheet)
        if sheet.isProtected():
            raise LookupError(f"{key}: cell is locked on protected sheet {sheet.getName()!r}")
    return cell


def run(job: dict[str, Any]) -> None:
    ctx = connect(job["pipe"], float(job.get("connect_timeout", 30)))
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    try:
        doc = desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(job["template"]),
            "_blank",
            0,
            (prop("Hidden", True), prop("ReadOnly", False), prop("MacroExecutionMode", 0)),
        )
        if doc is None:
            raise SystemExit(f"LibreOffice could not load {job['template']}")
        try:
            for key, value in job["values"].items():
                cell = find_cell(doc, key, bool(job.get("allow_locked", False)))
                if isinstance(value, str):
                    cell.setString(value)
                else:
                    cell.setValue(float(value))
            doc.calculateAll()
            doc.storeToURL(
                uno.systemPathToFileUrl(job["output"]),
                (prop("FilterName", job["filter"]), prop("Overwrite", True)),
            )
        finally:
            doc.close(True)
    finally:
        # The bridge may drop while the office goes away; lo.py kills it in any case.
        with suppress(Exception):
            desktop.terminate()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    if argv[1] == "-":
        job = json.load(sys.stdin)
    else:
        with open(argv[1], encoding="utf-8") as fh:
            job = json.load(fh)
    try:
        run(job)
    except LookupError as exc:
        print(f"lo_uno_fill: {exc}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
