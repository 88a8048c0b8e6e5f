"""Every user-facing Chinese message, declared once with a stable code, a title and a template.

Rule findings take their titles and messages from the form definition; everything else is here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["MESSAGES", "Message", "UsageError", "say"]

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, kw_only=True)
class Message:
    code: str
    title: str
    template: str
    severity: Severity = "error"


_ALL = (
    # Command input problems (exit code 2).
    Message(
        code="roster-unreadable",
        title="名单无法读取",
        template="无法读取名单文件 {path}：{reason}",
    ),
    Message(
        code="roster-encoding",
        title="名单编码无法识别",
        template="名单文件 {path} 既不是 UTF-8 也不是 GBK 编码。请在 Excel 中另存为“CSV UTF-8”或 .xlsx 后重试。",
    ),
    Message(
        code="roster-format",
        title="名单格式不支持",
        template="名单文件 {path} 不是 CSV 或 Excel 工作簿（.csv、.xlsx、.xls、.ods）。",
    ),
    Message(
        code="roster-empty",
        title="名单为空",
        template="名单文件 {path} 没有任何单位。第一行为列名（单位代码、单位名称、联系人、电子邮箱），从第二行起每行一个单位。",
    ),
    Message(
        code="roster-columns",
        title="名单缺少列",
        template="名单文件 {path} 缺少列：{columns}。第一行须为列名：单位代码、单位名称、联系人、电子邮箱（也可用 code、name、contact、email）。现有列名：{found}。",
    ),
    Message(
        code="roster-rows",
        title="名单有误",
        template="名单文件 {path} 有 {count} 处问题，未生成任何文件：\n{problems}",
    ),
    Message(code="roster-row-blank", title="缺少必填项", template="第{line}行：缺少{what}"),
    Message(
        code="roster-row-duplicate",
        title="单位代码重复",
        template="第{lines}行：单位代码“{code}”重复（{names}）",
    ),
    Message(
        code="year-range",
        title="年度超出范围",
        template="年度 {year} 不在 {first}–{last} 之间：本表式（{basis}）适用于 {first} 年度及以后的报告。",
    ),
    Message(
        code="out-not-folder",
        title="输出位置不是文件夹",
        template="输出位置 {path} 已存在，但不是文件夹。请换一个文件夹。",
    ),
    Message(
        code="out-not-writable",
        title="输出文件夹不可写",
        template="无法写入输出文件夹 {path}：{reason}",
    ),
    Message(
        code="agency-missing",
        title="未指定单位",
        template="请用 --roster 指定单位名单，或同时给出 --agency-code 和 --agency-name 生成单个模板。",
    ),
    Message(
        code="agency-both",
        title="单位来源冲突",
        template="--roster 与 --agency-code/--agency-name 只能二选一。",
    ),
    Message(
        code="bad-datetime",
        title="时间格式错误",
        template="{option} 的值“{value}”不是有效的日期时间，请写成 2025-12-01T09:00:00 的形式。",
    ),
    Message(
        code="bad-date",
        title="日期格式错误",
        template="{option} 的值“{value}”不是有效的日期，请写成 2026-01-15 的形式。",
    ),
    Message(
        code="form-invalid",
        title="表式定义有误",
        template="{reason}",
    ),
    Message(
        code="write-failed",
        title="写入失败",
        template="生成 {path} 时出错：{reason}。未留下不完整的文件。",
    ),
)

MESSAGES: dict[str, Message] = {message.code: message for message in _ALL}


def say(code: str, /, **params: Any) -> str:
    """The Chinese text of a message, filled in."""
    return MESSAGES[code].template.format(**params)


class UsageError(Exception):
    """The command cannot run as asked; the message is Chinese and meant for the user (exit 2)."""

    def __init__(self, code: str, /, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(say(code, **params))
