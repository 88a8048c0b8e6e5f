"""Every Chinese word a user reads is declared in one place: the texts table (toolkit/core/texts.py), the
message catalogue (toolkit/core/catalogue.py) or the command line's translation (toolkit/cli/cli_zh.py).
A Chinese string anywhere else in the code fails here, named with its module and line; docstrings
and comments may say what they like. The statuses and severities carry their titles."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pytest

import toolkit
from toolkit.core.texts import CheckStatus, FileStatus, Severity, office_name

PACKAGE = Path(toolkit.__file__).parent
CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Where Chinese words are declared.
HOMES = {"core/texts.py", "core/catalogue.py", "cli/cli_zh.py"}

# Modules whose Chinese strings have not moved yet (paths inside toolkit/), each with the reason.
# Shrink this list; never add to it without a reason a reviewer accepts.
NOT_YET = {
    "form/figures.py": "the extractor's vocabulary: words and patterns it recognises in report text, "
    "never shown; they stay beside the patterns they are part of",
    "published/published_sections.py": "the heading vocabulary of published reports (numerals, words every "
    "heading shares, the title's pattern): recognised, never shown, like figures.py's",
    "published/published_tables.py": "the numbering a row label may start with (一二三…): recognised, never "
    "shown, like figures.py's",
}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _chinese_strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    return [
        f"{path.name}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and CHINESE.search(node.value)
    ]


def test_no_chinese_string_outside_the_texts_table_catalogue_and_cli_zh() -> None:
    stray = [
        line
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).as_posix() not in HOMES | NOT_YET.keys()
        for line in _chinese_strings(path)
    ]
    assert not stray, "Chinese strings outside texts.py, catalogue.py, cli_zh.py:\n" + "\n".join(
        stray
    )


@pytest.mark.parametrize("name", sorted(NOT_YET))
def test_every_module_not_yet_moved_still_has_chinese_strings(name: str) -> None:
    """An entry of NOT_YET whose module has been cleaned (or is gone) must leave the list."""
    path = PACKAGE / name
    assert path.exists() and _chinese_strings(path), f"{name} is clean: remove it from NOT_YET"


def test_the_check_finds_a_chinese_string_but_not_a_docstring_or_comment(tmp_path: Path) -> None:
    module = tmp_path / "sample.py"
    module.write_text(
        '"""模块说明。"""\n\n\ndef f() -> str:\n    """函数说明。"""\n    # 注释\n'
        '    return f"{1}处错误"\n',
        encoding="utf-8",
    )
    assert _chinese_strings(module) == ["sample.py:7: '处错误'"]


def test_a_phrase_is_declared_once_in_the_texts_table() -> None:
    """Two literals with the same Chinese text in the table are one phrase declared twice: name it
    once and build the others from the name (read from the source: the compiler merges equal
    constants, so the values cannot tell)."""
    path = PACKAGE / "core" / "texts.py"
    literals = Counter(line.split(": ", 1)[1] for line in _chinese_strings(path))
    assert not [text for text, count in literals.items() if count > 1]


def test_no_name_in_the_texts_table_is_assigned_twice() -> None:
    """A second `NAME = …` silently replaces the first everywhere it is used (a rollup sheet's
    title once became the year status's, with a field the sheet does not fill)."""
    tree = ast.parse((PACKAGE / "core" / "texts.py").read_text(encoding="utf-8"))
    names = Counter(
        node.id
        for statement in tree.body
        if isinstance(statement, ast.Assign)
        for target in statement.targets
        for node in ast.walk(target)
        if isinstance(node, ast.Name)
    )
    assert not [name for name, count in names.items() if count > 1]


def test_severities_and_statuses_keep_their_serialised_values_and_carry_titles() -> None:
    assert [s.value for s in Severity] == ["error", "warning", "info"]
    assert [s.title for s in Severity] == ["错误", "提示", "说明"]
    assert Severity("warning").duty == "提示（须核对或说明）"
    assert [s.value for s in CheckStatus] == ["passed", "warnings", "failed", "unreadable"]
    assert [s.title for s in CheckStatus] == ["通过", "有提示", "有错误", "无法读取"]
    assert FileStatus.EXCLUDED.label(errors=3) == "未计入（3处错误）"
    assert FileStatus.INCLUDED_WITH_ERRORS.title == "含错误计入"
    flagged = {s for s in FileStatus if s.flagged}
    assert flagged == set(FileStatus) - {
        FileStatus.PASSED,
        FileStatus.PASSED_EXPLAINED,
        FileStatus.SUPERSEDED,
    }


def test_stored_statuses_keep_the_values_logs_ledgers_and_json_already_hold() -> None:
    """The words and codes earlier versions wrote into 发送记录.csv, 收取记录.csv, the ledger and the
    JSON must read back as the same members."""
    from toolkit.form.findings import ChoiceRule
    from toolkit.mail.mail_attachments import CollectResult
    from toolkit.mail.send import MailKind, SendResult
    from toolkit.workspace.workspace_mail import OutboxState

    assert [r.value for r in SendResult] == ["已发送", "失败", "无地址", "已写入", "此前已发送"]
    assert [k.value for k in MailKind] == ["模板", "审核意见", "审核通过"]
    assert [r.value for r in CollectResult] == [
        "已保存", "重复", "已保存（未识别单位）", "无报表", "过大", "无法读取",
        "已保存（发件人不符，待核实）",
    ]  # fmt: skip
    assert [s.value for s in OutboxState] == ["queued", "sent", "failed"]
    assert [r.value for r in ChoiceRule] == ["lineage", "save-time", "file-time", "file-order"]
    assert SendResult("已发送") is SendResult.SENT and CheckStatus("failed") == "failed"


def test_the_office_is_named_from_the_district() -> None:
    assert office_name("示范区") == "示范区政务公开办"
    assert office_name("") == "区政务公开办"
