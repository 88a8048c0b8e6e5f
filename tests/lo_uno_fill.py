"""python-UNO client used by ``tests/lo.py:fill`` — run it with the *system* python.

Usage: ``/usr/bin/python3 tests/lo_uno_fill.py JOB.json`` (``-`` reads the job from stdin).

The job is a JSON object::

    {"pipe": "...", "filter": "Calc Office Open XML", "connect_timeout": 30,
     "allow_locked": false,
     "documents": [{"template": "/abs/in.xlsx", "output": "/abs/out.xlsx",
                    "operations": [{"op": "unprotect", "sheet": "S", "password": "pw"},
                                   {"op": "insert_rows", "sheet": "S", "before": 6, "count": 1}],
                    "values": {"nb_x": 3, "S!D7": "text"},
                    "afterwards": [{"op": "protect", "sheet": "S", "password": "pw"}]}, ...]}

(the older single-document form, with ``template``, ``output`` and ``values`` at the top level,
is still accepted).  It connects to an soffice already started with
``--accept=pipe,name=<pipe>;urp;...`` (retrying until ``connect_timeout``) and, document by
document, loads ``template`` hidden, applies the structural ``operations`` in order as a clerk
would in Calc, then writes every value (numbers via ``setValue``, strings via ``setString``),
applies the ``afterwards`` operations (protecting a sheet again, say), runs ``calculateAll()`` and stores to ``output`` with ``filter``; at the end it asks the office
to terminate.  A ``Sheet!A1`` key names the cell *after* the operations; defined names follow
their cells as Calc moves them.

Operations (row and column indexes zero-based): ``unprotect`` / ``protect`` (``sheet``,
``password``), ``insert_rows`` / ``insert_columns`` (``sheet``, ``before``, ``count``),
``delete_rows`` / ``delete_columns`` (``sheet``, ``first``, ``count``).  Like Calc's menus,
structure operations are refused on a protected sheet, and so is a wrong password.  Since UNO
would write locked cells of a protected sheet regardless, such cells are refused unless
``allow_locked`` is true.  Errors go to stderr with a non-zero exit status (3 for a bad key or
operation); the caller kills soffice in any case.
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


# op -> (rows or columns, insert or delete, the key holding the zero-based index)
STRUCTURE = {
    "insert_rows": ("rows", "insert", "before"),
    "delete_rows": ("rows", "delete", "first"),
    "insert_columns": ("columns", "insert", "before"),
    "delete_columns": ("columns", "delete", "first"),
}


def sheet_of(doc: Any, name: str) -> Any:
    sheets = doc.getSheets()
    if not sheets.hasByName(name):
        raise LookupError(f"no sheet {name!r} (have {list(sheets.getElementNames())})")
    return sheets.getByName(name)


def apply(doc: Any, operation: dict[str, Any]) -> None:
    """One structural change, as a clerk makes it through Calc's menus."""
    op = operation.get("op")
    where = f"{op} on {operation.get('sheet')!r}"
    sheet = sheet_of(doc, str(operation.get("sheet")))
    if op in ("unprotect", "protect"):
        password = str(operation.get("password", ""))
        if op == "protect":
            sheet.protect(password)
            return
        if sheet.isProtected():
            # Calc asks for the password; UNO raises IllegalArgumentException for a wrong one.
            with suppress(Exception):
                sheet.unprotect(password)
            if sheet.isProtected():
                raise LookupError(f"{where}: wrong password")
        return
    if op not in STRUCTURE:
        raise LookupError(f"unknown operation {op!r} (want one of {sorted(STRUCTURE)})")
    # Calc greys out Insert/Delete Rows on a protected sheet: refuse here too, whatever UNO does.
    if sheet.isProtected():
        raise LookupError(f"{where}: sheet is protected (unprotect it first)")
    axis, verb, index_key = STRUCTURE[op]
    index, count = operation.get(index_key), operation.get("count", 1)
    if not isinstance(index, int) or not isinstance(count, int) or index < 0 or count < 1:
        raise LookupError(f"{where}: want {index_key} >= 0 and count >= 1, not {operation}")
    ranges = sheet.getRows() if axis == "rows" else sheet.getColumns()
    try:
        if verb == "insert":
            ranges.insertByIndex(index, count)
        else:
            ranges.removeByIndex(index, count)
    except Exception as exc:  # IndexOutOfBoundsException / RuntimeException from UNO
        raise LookupError(f"{where}: LibreOffice refused: {exc}") from exc


def fill_document(
    desktop: Any, document: dict[str, Any], allow_locked: bool, filter_name: str
) -> None:
    template = document["template"]
    doc = desktop.loadComponentFromURL(
        uno.systemPathToFileUrl(template),
        "_blank",
        0,
        (prop("Hidden", True), prop("ReadOnly", False), prop("MacroExecutionMode", 0)),
    )
    if doc is None:
        raise SystemExit(f"LibreOffice could not load {template}")
    try:
        try:
            for operation in document.get("operations", ()):
                apply(doc, operation)
            for key, value in document["values"].items():
                cell = find_cell(doc, key, allow_locked)
                if isinstance(value, str):
                    cell.setString(value)
                else:
                    cell.setValue(float(value))
            for operation in document.get("afterwards", ()):
                apply(doc, operation)
        except LookupError as exc:
            raise LookupError(f"{template}: {exc}") from None
        doc.calculateAll()
        doc.storeToURL(
            uno.systemPathToFileUrl(document["output"]),
            (prop("FilterName", filter_name), prop("Overwrite", True)),
        )
    finally:
        doc.close(True)


def run(job: dict[str, Any]) -> None:
    ctx = connect(job["pipe"], float(job.get("connect_timeout", 30)))
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    documents = job.get("documents") or [
        {"template": job["template"], "output": job["output"], "values": job["values"]}
    ]
    try:
        for document in documents:
            fill_document(desktop, document, bool(job.get("allow_locked", False)), job["filter"])
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
