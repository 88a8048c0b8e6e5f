"""The package structure, read from the imports: no loops between packages or between modules,
every import points back along the data flow, no module reaches into another package's private
names, no module too long to read. A change that breaks one of these fails here with the modules
named, instead of slowly turning the package into a ball of mud."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import toolkit

PACKAGE = Path(toolkit.__file__).parent

# The data flow, package by package, from the words every module may use to the command line that
# drives it all, and inside each package its modules in flow order. A package may import only the
# packages before it (core is first, so every package may use it); a module only the modules of
# its package before it. Written down here (not derived) so that adding a module is a decision
# about where it belongs, and the reader can never come to depend on the writer. The imports
# themselves are derived from the code.
LAYERS: dict[str, list[str]] = {
    # Words and plain text, the bundled files, writing outputs, the worker pool: no project
    # imports outside core.
    "core": [
        "texts",
        "text",
        "catalogue",
        "bundled",
        "office",
        "portable",
        "outputs",
        "pool_limits",
        "pool",
    ],
    # The form definition, the findings model its rules produce, the meaning of each rule kind,
    # the loader of form files (which asks each kind what its entries may hold), where each cell
    # sits on a sheet; the contract between the writer and the reader (identity, `_meta` and sheet
    # names, file names, the rollup's sheet and column names, what may be filled into a template);
    # the formula compiler (totals and live 勾稽 statuses, written by the template and recognised
    # by the checker).
    "form": [
        "form",
        "findings",
        "figures",
        "stated",
        "rule_loading",
        "rules",
        "agency_kinds",
        "form_charts",
        "form_file",
        "layout",
        "locate",
        "identity",
        "contract",
        "rollup_names",
        "fill",
        "formulas",
    ],
    # Reading untrusted files, bounded (the .xlsx package, its sheets, .xls/.ods, cell values).
    "xlsx": ["package", "refs", "xlsx_cells", "xlsx_sheet", "xlsx", "prescan", "read", "values"],
    # What the user gives: the roster (a workbook roster is read by the reader), arguments, the
    # manifest of a template folder, which files a glob or folder names.
    "inputs": ["roster", "arguments", "manifest", "discover"],
    # Writing templates: the private xlsxwriter hooks, styles, the sheet writers, one workbook,
    # then the batch of all agencies.
    "template": [
        "xlsxwriter_hooks",
        "styles",
        "template_sheets",
        "instructions",
        "review_sheet",
        "workbook",
        "generate",
    ],
    # Checking: one file, last year's data (a workbook or rollup; published reports through the
    # reader a command hands in), the pandera rules, the batch in the pool, the check command.
    "check": [
        "inspection_values",
        "inspection",
        "previous",
        "schema",
        "validate",
        "batch",
        "check",
    ],
    # What a check produces: feedback copies, the terminal/JSON/xlsx report.
    "results": ["feedback", "report"],
    # The district's rollup of the checked files.
    "rollup": ["rollup_sheets", "rollup_levels", "rollup"],
    # The published report (issue 13): the model of a report, the Word template, its writers
    # (.docx, .html, .pdf), the district's draft from a rollup, then the batch.
    "render": [
        "render_model",
        "render_fonts",
        "render_template",
        "render_docx",
        "render_html",
        "render_pdf",
        "render_draft",
        "render",
    ],
    # Published reports (issue 14), read bounded like returned workbooks: the model of a source
    # document, its format readers, matching it to the form (tables by their labels, narrative by
    # its headings), one report read, then written as standard workbooks (import); last year's reports
    # handed to the checker through its ReportReader (the checker never imports the readers).
    "published": [
        "published_source",
        "published_text",
        "published_layouts",
        "published_html",
        "published_docx",
        "published_ocr",
        "published_ocr_tables",
        "published_pdf_guards",
        "published_pdf",
        "published_read",
        "published_tables",
        "published_sections",
        "published",
        "importer",
        "last_year",
    ],
    # A published report against the submissions: the published readers and the checker meet here.
    "compare": ["compare"],
    # Mail: the account, one message, sending, the outbox of templates, attachments received,
    # who sent them, collecting them, answering each agency.
    "mail": [
        "mail_account",
        "mail_message",
        "send",
        "mail_outbox",
        "mail_attachments",
        "mail_sender",
        "collect",
        "mail_reply",
    ],
    # The workspace (issue 21): the ledger (SQLite: what must outlive a command), one folder for
    # the year, the one decision per agency recorded in the ledger, the year at a glance, its mail.
    "workspace": [
        "ledger",
        "workspace",
        "workspace_init",
        "workspace_year",
        "workspace_status",
        "workspace_mail",
        "workspace_steps",
    ],
    # The web workbench (issue 24): its guard, jobs, the work behind its buttons, the rollup's
    # charts, what its pages share, the pages, the application, the server.
    "serve": [
        "security",
        "jobs",
        "chart",
        "work",
        "work_mail",
        "site",
        "pages_year",
        "pages_output",
        "pages_mail",
        "app",
        "server",
    ],
    # The command line (toolkit/__main__.py runs it).
    "cli": [
        "cli_zh",
        "cli_support",
        "cli_workspace",
        "cli_mail_support",
        "cli_workspace_mail",
        "cli_mail",
        "cli_rollup",
        "cli_render",
        "cli_compare",
        "cli_import",
        "cli_serve",
        "cli",
    ],
}
PACKAGES = list(LAYERS)
# The top of the tree: toolkit/__init__.py (the version, which any module may read) comes before
# everything, toolkit/__main__.py (`python -m toolkit`) after everything.
ROOT_INIT, ROOT_MAIN = "__init__", "__main__"

# A `_private` name imported from another package, each with the reason it stays for now. Shrink
# this list: make the name public where it is a real API, or move the code that needs it.
PRIVATE_ALLOWED: dict[tuple[str, str], str] = {}

MAX_LINES = 500
# The catalogue is a table of every Chinese message (one record per code), not logic: it is long
# because the tool says many things, and splitting it by area would only scatter the words. The
# texts table is the same for the words of workbooks, the terminal and --help.
LONG_ALLOWED = {"core.catalogue", "core.texts"}


def _name(path: Path) -> str:
    """`check.inspection` for toolkit/check/inspection.py, `form` for toolkit/form/__init__.py,
    `__init__` and `__main__` for the two files at the top."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if len(parts) == 1:
        return parts[0]
    return parts[0] if parts[-1] == "__init__" else ".".join(parts)


def _files() -> dict[str, Path]:
    return {_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _package(module: str) -> str:
    """The package a module belongs to (the top-level files are their own)."""
    return module.split(".")[0]


def _resolve(base: list[str], names: list[str], known: set[str]) -> tuple[str, bool]:
    """The module `base` (package parts below toolkit) plus `names` designate, and whether it is a
    module (else a name inside base's module or package)."""
    dotted = ".".join([*base, *names])
    if dotted in known:
        return dotted, True
    return (".".join(base) or ROOT_INIT), False


def _imports(module: str, path: Path, known: set[str]) -> dict[str, set[str]]:
    """The toolkit modules a module imports, each with the names it takes from it, at the top or
    inside functions (a lazy import is still a dependency), but not under `if TYPE_CHECKING:`
    (annotations only, never run). `from x import y` where y is a module counts as importing y;
    the module's attributes read through such an alias (`y._z`) count as names taken from y."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(sub) for stmt in node.body for sub in ast.walk(stmt))
    # The package parts a relative import starts from: toolkit/check/check.py is in ["check"].
    here = module.split(".")[:-1] if "." in module else []
    found: dict[str, set[str]] = {}
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)] if node.level > 1 else list(here)
                parts = [*base, *(node.module.split(".") if node.module else [])]
            elif node.module and node.module.split(".")[0] == "toolkit":
                parts = node.module.split(".")[1:]
            else:
                continue
            target, _ = _resolve(parts, [], known)
            for alias in node.names:
                sub, is_module = _resolve(parts, [alias.name], known)
                if is_module:
                    found.setdefault(sub, set())
                    aliases[alias.asname or alias.name] = sub
                else:
                    found.setdefault(target, set()).add(alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "toolkit":
                    found.setdefault(_resolve(parts[1:], [], known)[0], set())
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            found[aliases[node.value.id]].add(node.attr)
    found.pop(module, None)
    return found


def _graph() -> dict[str, dict[str, set[str]]]:
    files = _files()
    return {module: _imports(module, path, set(files)) for module, path in files.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def _package_graph() -> dict[str, set[str]]:
    packages: dict[str, set[str]] = {}
    for module, targets in _graph().items():
        packages.setdefault(_package(module), set()).update(
            _package(target) for target in targets if _package(target) != _package(module)
        )
    return packages


def _position(module: str) -> tuple[int, int]:
    """Where a module sits in the flow: its package's place, then its place in the package."""
    if module == ROOT_INIT:
        return (-1, 0)
    if module == ROOT_MAIN:
        return (len(PACKAGES), 0)
    package, _, name = module.partition(".")
    return (PACKAGES.index(package), LAYERS[package].index(name) if name else -1)


def test_every_module_has_a_place_in_the_data_flow() -> None:
    listed = {f"{package}.{name}" for package, names in LAYERS.items() for name in names}
    modules = set(_files()) - {ROOT_INIT, ROOT_MAIN, *PACKAGES}
    assert not modules - listed, f"add to LAYERS where they belong: {sorted(modules - listed)}"
    assert not listed - modules, f"no longer exist: {sorted(listed - modules)}"
    assert sum(len(names) for names in LAYERS.values()) == len(listed)
    packages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")} - {"templates"}
    assert packages == set(PACKAGES), f"packages not in LAYERS: {sorted(packages ^ set(PACKAGES))}"


def test_every_package_says_what_it_owns() -> None:
    for package in PACKAGES:
        tree = ast.parse((PACKAGE / package / "__init__.py").read_text(encoding="utf-8"))
        docstring = ast.get_docstring(tree) or ""
        assert "May import" in docstring, f"toolkit/{package}/__init__.py: say what it may import"


def test_no_import_cycles_between_modules() -> None:
    cycles = _cycles({module: set(targets) for module, targets in _graph().items()})
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_no_import_cycles_between_packages() -> None:
    cycles = _cycles(_package_graph())
    assert not cycles, "package cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_a_package_imports_only_packages_before_it() -> None:
    wrong = [
        f"{package} imports {target}"
        for package, targets in _package_graph().items()
        for target in sorted(targets)
        if _position(target)[0] >= _position(package)[0]
    ]
    assert not wrong, "imports further down the data flow: " + "; ".join(wrong)


def test_every_import_points_back_along_the_data_flow() -> None:
    wrong = [
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for target in sorted(targets)
        if _position(target) >= _position(module)
    ]
    assert not wrong, "imports further down the data flow: " + "; ".join(wrong)


def test_no_private_name_is_taken_from_another_package() -> None:
    taken = {
        (module, f"{target}.{name}")
        for module, targets in _graph().items()
        for target, names in targets.items()
        for name in names
        if _package(target) != _package(module) and name.startswith("_")
        if not name.startswith("__")
    }
    assert not taken - PRIVATE_ALLOWED.keys(), "private names of another package: " + "; ".join(
        f"{module} takes {name}" for module, name in sorted(taken - PRIVATE_ALLOWED.keys())
    )
    assert not PRIVATE_ALLOWED.keys() - taken, (
        f"no longer taken, remove from PRIVATE_ALLOWED: {sorted(PRIVATE_ALLOWED.keys() - taken)}"
    )


def test_the_architecture_test_sees_the_imports(tmp_path: Path) -> None:
    """The resolver itself: relative imports at both levels, absolute ones, a module imported by
    name, an attribute read through its alias, and TYPE_CHECKING left out."""
    source = tmp_path / "sample.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "from .inspection import inspect\n"
        "from ..core import outputs\n"
        "from ..form.rules import _private\n"
        "from .. import __version__\n"
        "import toolkit.xlsx.read\n"
        "if TYPE_CHECKING:\n"
        "    from ..mail.send import Sent\n"
        "def f() -> None:\n"
        "    from toolkit.inputs.roster import Roster\n"
        "    outputs._PENDING\n",
        encoding="utf-8",
    )
    found = _imports("check.sample", source, set(_files()))
    assert found == {
        "check.inspection": {"inspect"},
        "core.outputs": {"_PENDING"},
        "form.rules": {"_private"},
        ROOT_INIT: {"__version__"},
        "xlsx.read": set(),
        "inputs.roster": {"Roster"},
    }


def test_no_module_is_too_long_to_read() -> None:
    long = {
        module: n
        for module, path in _files().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
        and module not in LONG_ALLOWED
    }
    assert not long, f"over {MAX_LINES} lines: " + ", ".join(
        f"{m} ({n} lines)" for m, n in long.items()
    )


def test_the_reader_does_not_import_the_writer() -> None:
    """The checker side must never need xlsxwriter's writer modules to read a returned file."""
    graph = _graph()
    writer = {f"template.{name}" for name in LAYERS["template"]}
    reader = [f"xlsx.{name}" for name in LAYERS["xlsx"]]
    reader += ["check.inspection", "check.check"]
    seen: set[str] = set()
    todo = list(reader)
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph[module])
    assert not seen & writer, f"the reader reaches the writer: {sorted(seen & writer)}"


def test_the_checker_runs_without_the_published_report_readers() -> None:
    """`check` is the command run on every returned file; the PDF, Word, HTML and OCR readers of
    published reports reach it only as the `ReportReader` a command hands in (for --previous), so
    a check loads none of them."""
    probe = (
        "import sys\n"
        "from toolkit.check.check import check\n"
        "from toolkit.results.report import render_terminal\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('toolkit.published', 'pdfplumber',"
        " 'docx')))\n"
        "print(loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]", done.stdout
