"""The module structure, read from the imports: no loops, every import points back along the data
flow, no module too long to read. A change that breaks one of these fails here with the modules
named, instead of slowly turning the package into a ball of mud."""

from __future__ import annotations

import ast
from pathlib import Path

import toolkit

PACKAGE = Path(toolkit.__file__).parent

# The data flow, from the words every module may use to the command line that drives it all. Each
# module may import only modules before it. Written down here (not derived) so that adding a module
# is a decision about where it belongs, and the reader can never come to depend on the writer.
ORDER = [
    # Words and plain text: no project imports.
    "__init__",
    "texts",
    "text",
    "catalogue",
    "cli_zh",
    # The form definition, the findings model its rules produce, the meaning of each rule kind,
    # the loader of form files (which asks each kind what its entries may hold), and where each
    # cell sits on a sheet.
    "form",
    "findings",
    "figures",
    "bundled",
    "stated",
    "rules",
    "form_charts",
    "form_file",
    "layout",
    "locate",
    # The contract between the writer and the reader: identity, `_meta` and sheet names, file
    # names, the rollup's sheet and column names, what may be filled into a template.
    "identity",
    "contract",
    "rollup_names",
    "fill",
    # The formula compiler: totals and live 勾稽 statuses, written by the template and recognised
    # by the checker.
    "formulas",
    # Reading untrusted files, bounded (the .xlsx package, its sheets, .xls/.ods, cell values).
    "package",
    "xlsx_sheet",
    "xlsx",
    "prescan",
    "read",
    "values",
    # What the user gives: the roster (a workbook roster is read by the reader), arguments, the
    # manifest of a template folder.
    "roster",
    "arguments",
    "manifest",
    # Outputs: atomic writes, the overwrite refusal, our own outputs' marker.
    "outputs",
    # The workspace's ledger (SQLite): what must outlive a command.
    "ledger",
    # Writing templates: the private xlsxwriter hooks, styles, the sheet writers, one workbook,
    # then the batch of all agencies.
    "xlsxwriter_hooks",
    "styles",
    "template_sheets",
    "instructions",
    "review_sheet",
    "workbook",
    "generate",
    # Checking: which files, one file, many files in the pool, last year's data, the pandera
    # rules, the batch, then the check command.
    "discover",
    "inspection_values",
    "inspection",
    "pool",
    # Published reports (issue 14), read bounded like returned workbooks: the model of a source
    # document, then its format readers.
    "published_source",
    "published_text",
    "published_html",
    "published_docx",
    "published_ocr",
    "published_ocr_tables",
    "published_pdf",
    "published_read",
    # Matching a source document to the form: tables by their labels, narrative by its headings,
    # then one report read (import, compare and --previous share it).
    "published_tables",
    "published_sections",
    "published",
    "previous",
    "schema",
    "validate",
    "batch",
    "check",
    # What a check produces: feedback copies, the terminal/JSON/xlsx report, the rollup.
    "feedback",
    "report",
    "rollup_sheets",
    "rollup_levels",
    "rollup",
    # The workspace (issue 21): one folder for the year, the one decision per agency recorded in
    # the ledger, and the year at a glance.
    "workspace",
    "workspace_init",
    "workspace_year",
    "workspace_status",
    # The published report (issue 13): the model of a report, the Word template, its writers
    # (.docx, .html, .pdf), the district's draft from a rollup, then the batch.
    "render_model",
    "render_fonts",
    "render_template",
    "render_docx",
    "render_html",
    "render_pdf",
    "render_draft",
    "render",
    # Published reports in (issue 14): written as standard workbooks, compared with submissions.
    "importer",
    "compare",
    # Mail: the account, one message, sending, the outbox of templates, attachments received,
    # collecting them, answering each agency.
    "mail_account",
    "mail_message",
    "send",
    "mail_outbox",
    "mail_attachments",
    "collect",
    "mail_reply",
    "workspace_mail",
    # The command line.
    "cli_support",
    "cli_workspace",
    "cli_mail_support",
    "cli_workspace_mail",
    "cli_mail",
    "cli_rollup",
    "cli_render",
    "cli_compare",
    "cli_import",
    "cli",
    "__main__",
]

MAX_LINES = 500
# The catalogue is a table of every Chinese message (one record per code), not logic: it is long
# because the tool says many things, and splitting it by area would only scatter the words. The
# texts table is the same for the words of workbooks, the terminal and --help.
LONG_ALLOWED = {"catalogue", "texts"}


def _imports(path: Path) -> set[str]:
    """The toolkit modules a module imports, at the top or inside functions (a lazy import is still
    a dependency), but not under `if TYPE_CHECKING:` (annotations only, never run)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(sub) for stmt in node.body for sub in ast.walk(stmt))
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:  # from . import x: a module only when x is one (not __version__)
                found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] == "toolkit":
                found.add(parts[1] if len(parts) > 1 else "__init__")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "toolkit":
                    found.add(parts[1] if len(parts) > 1 else "__init__")
    return found - {path.stem}


def _graph() -> dict[str, set[str]]:
    return {path.stem: _imports(path) for path in sorted(PACKAGE.glob("*.py"))}


def test_every_module_has_a_place_in_the_data_flow() -> None:
    modules = set(_graph())
    assert not modules - set(ORDER), (
        f"add to ORDER where they belong: {sorted(modules - set(ORDER))}"
    )
    assert not set(ORDER) - modules, f"no longer exist: {sorted(set(ORDER) - modules)}"
    assert len(ORDER) == len(set(ORDER))


def test_no_import_cycles() -> None:
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_every_import_points_back_along_the_data_flow() -> None:
    position = {module: index for index, module in enumerate(ORDER)}
    wrong = [
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for target in sorted(targets)
        if module in position and target in position and position[target] >= position[module]
    ]
    assert not wrong, "imports further down the data flow: " + "; ".join(wrong)


def test_no_module_is_too_long_to_read() -> None:
    long = {
        path.stem: n
        for path in sorted(PACKAGE.glob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
        and path.stem not in LONG_ALLOWED
    }
    assert not long, f"over {MAX_LINES} lines: " + ", ".join(
        f"{m}.py ({n})" for m, n in long.items()
    )


def test_the_reader_does_not_import_the_writer() -> None:
    """The checker side must never need xlsxwriter's writer modules to read a returned file."""
    graph = _graph()
    writer = {"xlsxwriter_hooks", "styles", "template_sheets", "instructions", "review_sheet"}
    writer |= {"workbook", "generate"}
    reader = ["read", "xlsx", "xlsx_sheet", "prescan", "package", "values", "inspection", "check"]
    seen: set[str] = set()
    todo = list(reader)
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph[module])
    assert not seen & writer, f"the reader reaches the writer: {sorted(seen & writer)}"
