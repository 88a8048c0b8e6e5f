"""nianbao: generate, check and roll up 政府信息公开工作年度报告 workbooks in the national 2021 format.

The library a script calls, one name per step of the year (each is the function the command of
the same job calls, with the same checks and the same results)::

    import toolkit as nianbao

    form = nianbao.standard_form()                    # or nianbao.load_form("my-form.toml")
    agencies = nianbao.read_roster(Path("名单.csv"))
    nianbao.generate(agencies, year=2025, out_dir=Path("模板"), form=form, generated_at=now)
    key = nianbao.find_key(Path("模板"), None)       # the office's key: identities verified
    report = nianbao.check_files(["报回"], form=form, roster=agencies, year=2025, key=key)
    nianbao.write_json(report, Path("审核结果.json"))
    nianbao.rollup_files(["报回"], out=Path("汇总.xlsx"), form=form, year=2025)

or, for the year as one workspace (the folder `nianbao init` makes)::

    space = nianbao.open_workspace(Path("2025年报"))
    year = nianbao.decide_year(space, form=nianbao.load_form(space.form_file))
    status = nianbao.year_status(space)

Names that would shadow a sub-package of the same name carry a verb (`check_files`, not
`check`: `toolkit.check` is the checking package). The names are loaded when first used, so
`import toolkit` stays as fast as the version lookup; every function is annotated, and the
package ships `py.typed`, so a script's type checker sees the types.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> (module, name there). Each is the library function (or type) a command uses.
_EXPORTS: dict[str, tuple[str, str]] = {
    # the form
    "Form": ("toolkit.form.form", "Form"),
    "standard_form": ("toolkit.form.form_file", "standard_form"),
    "load_form": ("toolkit.form.form_file", "load_form"),
    # what the office gives
    "Agency": ("toolkit.inputs.roster", "Agency"),
    "read_roster": ("toolkit.inputs.roster", "read_roster"),
    "find_key": ("toolkit.form.identity", "find_key"),
    # templates out
    "generate": ("toolkit.template.generate", "generate"),
    "GenerateResult": ("toolkit.template.generate", "GenerateResult"),
    # returned files checked, and what a check produces
    "check_files": ("toolkit.check.check", "check"),
    "CheckReport": ("toolkit.form.findings", "CheckReport"),
    "write_json": ("toolkit.results.report", "write_json"),
    "write_findings_workbook": ("toolkit.results.report", "write_findings_workbook"),
    "write_feedback": ("toolkit.results.feedback", "write_feedback"),
    # the rollup and the published report
    "rollup_files": ("toolkit.rollup.rollup", "rollup"),
    "RollupResult": ("toolkit.rollup.rollup", "RollupResult"),
    "render_reports": ("toolkit.render.render", "render"),
    "RenderResult": ("toolkit.render.render", "RenderResult"),
    # published reports in, and against the submissions
    "import_reports": ("toolkit.published.importer", "import_reports"),
    "ImportResult": ("toolkit.published.importer", "ImportResult"),
    "LAST_YEAR_REPORTS": ("toolkit.published.last_year", "READER"),
    "compare_reports": ("toolkit.compare.compare", "compare"),
    "write_differences": ("toolkit.compare.compare", "write_xlsx"),
    "Comparison": ("toolkit.compare.compare", "Comparison"),
    # mail
    "collect_mail": ("toolkit.mail.collect", "collect_mail"),
    # the year as one workspace
    "init_workspace": ("toolkit.workspace.workspace_init", "init_workspace"),
    "open_workspace": ("toolkit.workspace.workspace", "open_workspace"),
    "find_workspace": ("toolkit.workspace.workspace", "find_workspace"),
    "Workspace": ("toolkit.workspace.workspace", "Workspace"),
    "receive": ("toolkit.workspace.workspace", "receive"),
    "decide_year": ("toolkit.workspace.workspace_year", "current"),
    "choose": ("toolkit.workspace.workspace_year", "choose"),
    "YearCheck": ("toolkit.workspace.workspace_year", "YearCheck"),
    "year_status": ("toolkit.workspace.workspace_status", "year_status"),
    "YearStatus": ("toolkit.workspace.workspace_status", "YearStatus"),
    # what a bad input raises: a Chinese message (str(exc)) the caller shows
    "UsageError": ("toolkit.core.catalogue", "UsageError"),
    "FormError": ("toolkit.form.form", "FormError"),
}

# Spelled out (not built from _EXPORTS) so that linters and type checkers read it; a test keeps
# the two the same.
__all__ = [
    "LAST_YEAR_REPORTS",
    "Agency",
    "CheckReport",
    "Comparison",
    "Form",
    "FormError",
    "GenerateResult",
    "ImportResult",
    "RenderResult",
    "RollupResult",
    "UsageError",
    "Workspace",
    "YearCheck",
    "YearStatus",
    "__version__",
    "check_files",
    "choose",
    "collect_mail",
    "compare_reports",
    "decide_year",
    "find_key",
    "find_workspace",
    "generate",
    "import_reports",
    "init_workspace",
    "load_form",
    "open_workspace",
    "read_roster",
    "receive",
    "render_reports",
    "rollup_files",
    "standard_form",
    "write_differences",
    "write_feedback",
    "write_findings_workbook",
    "write_json",
    "year_status",
]

if TYPE_CHECKING:  # what a type checker sees; at run time each name is loaded on first use
    from .check.check import check as check_files
    from .compare.compare import Comparison
    from .compare.compare import compare as compare_reports
    from .compare.compare import write_xlsx as write_differences
    from .core.catalogue import UsageError
    from .form.findings import CheckReport
    from .form.form import Form, FormError
    from .form.form_file import load_form, standard_form
    from .form.identity import find_key
    from .inputs.roster import Agency, read_roster
    from .mail.collect import collect_mail
    from .published.importer import ImportResult, import_reports
    from .published.last_year import READER as LAST_YEAR_REPORTS
    from .render.render import RenderResult
    from .render.render import render as render_reports
    from .results.feedback import write_feedback
    from .results.report import write_findings_workbook, write_json
    from .rollup.rollup import RollupResult
    from .rollup.rollup import rollup as rollup_files
    from .template.generate import GenerateResult, generate
    from .workspace.workspace import Workspace, find_workspace, open_workspace, receive
    from .workspace.workspace_init import init_workspace
    from .workspace.workspace_status import YearStatus, year_status
    from .workspace.workspace_year import YearCheck, choose
    from .workspace.workspace_year import current as decide_year


def __getattr__(name: str) -> Any:
    """Load a public name on first use (PEP 562) and keep it."""
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'toolkit' has no attribute {name!r}") from None
    value = getattr(import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
