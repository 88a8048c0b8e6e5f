"""Every user-facing Chinese message, declared once with a stable code, a title and a template.

Rule findings take their titles and messages from the form definition; everything else is here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "FINDINGS",
    "MESSAGES",
    "SEVERITY_TITLES",
    "STATUS_TITLES",
    "Message",
    "UsageError",
    "finding_codes",
    "say",
]

Severity = Literal["error", "warning", "info"]

STATUS_TITLES = {
    "passed": "通过",
    "warnings": "有提示",
    "failed": "有错误",
    "unreadable": "无法读取",
}
SEVERITY_TITLES = {"error": "错误", "warning": "提示", "info": "说明"}


@dataclass(frozen=True, kw_only=True)
class Message:
    code: str
    title: str
    template: str
    severity: Severity = "error"


_ALL = (
    # Command input problems (exit code 2).
    Message(
        code="no-files",
        title="没有找到工作簿",
        template="在 {paths} 中没有找到任何工作簿（.xlsx、.xls、.ods）。",
    ),
    Message(
        code="output-is-input",
        title="输出会覆盖报回文件",
        template="输出文件 {path} 是要审核的报回文件之一。报回文件不能被覆盖，请换一个输出路径。",
    ),
    Message(
        code="output-failed",
        title="无法写入输出",
        template="无法写入 {path}：{reason}",
    ),
    Message(
        code="previous-unreadable",
        title="上年数据无法读取",
        template="无法从 {path} 读取上年数据：它既不是上年报回的模板，也不是上年的汇总表。",
    ),
    Message(
        code="path-missing",
        title="路径不存在",
        template="找不到 {path}。",
    ),
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
    # Worker pool (toolkit/pool.py): why the process reading a file ended; the reason given in
    # that file's `unreadable` finding.
    Message(
        code="worker-signal",
        title="处理进程异常退出",
        template="读取此文件时处理进程异常退出（信号 {signal}），可能是文件内容异常或所需内存超出上限",
    ),
    Message(
        code="worker-killed",
        title="处理进程被系统终止",
        template="读取此文件时处理进程被系统终止（信号 SIGKILL），可能是所需内存超出上限",
    ),
    Message(
        code="worker-exit",
        title="处理进程意外结束",
        template="读取此文件时处理进程意外结束（退出码 {code}）",
    ),
    Message(
        code="worker-memory",
        title="超出内存上限",
        template="读取此文件所需内存超出上限（{limit}），已停止读取",
    ),
    Message(
        code="worker-timeout",
        title="处理超时",
        template="处理超时（超过 {seconds} 秒仍未读完），已停止读取",
    ),
)


# Findings about one returned file or the batch. Rule findings (t3-balance, …) are declared in the
# form definition with their own title and message; `finding_codes` lists both.
_FINDINGS = (
    Message(
        code="unreadable",
        title="文件无法读取",
        template="无法读取此文件：{reason}。请确认文件未损坏、未加密，用 Excel 或 WPS 打开后另存为 .xlsx 重新报送。",
    ),
    Message(
        code="not-our-template",
        title="不是下发的模板",
        template="此文件不是区政务公开办下发的填报模板（找不到模板标识）。请在下发的模板中填写后报送，不要另建表格。",
    ),
    Message(
        code="unknown-form",
        title="表式不符",
        template="此文件的表式为“{actual}”，不是本次收集的“{expected}”。请使用本次下发的模板。",
    ),
    Message(
        code="old-format",
        title="旧版表式",
        template="此文件使用的是旧版（{actual}）表式。{expected}年度报告须使用2021年新版表式（国办公开办函〔2021〕30号），请使用本次下发的模板重新填写。",
    ),
    Message(
        code="wrong-year",
        title="年度不符",
        template="此文件是{actual}年度的模板，本次收集的是{expected}年度报告。请使用本年度下发的模板。",
    ),
    Message(
        code="wrong-district",
        title="地区不符",
        template="此文件是“{actual}”下发的模板，不是“{expected}”的。请使用本区下发的模板。",
    ),
    Message(
        code="template-outdated",
        title="模板版本较旧",
        template="此模板由旧版工具生成（版式标识 {actual}，当前为 {expected}），已按标准位置读取，请核对结果。",
        severity="warning",
    ),
    Message(
        code="wrong-extension",
        title="扩展名与内容不符",
        template="文件扩展名为 .{actual}，内容实为 {expected} 格式，已按 {expected} 读取。建议另存为 .xlsx 后报送。",
        severity="info",
    ),
    Message(
        code="macros",
        title="含有宏",
        template="文件含有宏（VBA 代码）。下发的模板不含宏，请另存为不含宏的 .xlsx 后报送；审核不会运行宏。",
        severity="warning",
    ),
    Message(
        code="external-links",
        title="含有外部链接",
        template="文件含有指向其他工作簿的外部链接，数字可能随其他文件变化。请在原模板中直接填写数字。",
        severity="warning",
    ),
    Message(
        code="pictures",
        title="含有图片或图形",
        template="工作表“{sheet}”中有图片、图形或图表。表格须直接填写数字，不能以图片代替，审核只读取单元格中的数字。",
        severity="warning",
    ),
    Message(
        code="merged-cells",
        title="填报单元格被合并",
        template="{cell}（{label}）所在的单元格被合并为 {actual}，合并后各格数字无法区分。请在原模板中填写，不要合并单元格。",
    ),
    Message(
        code="input-formula",
        title="填报单元格中有公式",
        template="{cell}（{label}）中填的是公式“={actual}”而不是数字，已按其计算结果读取。请直接填写数字。",
        severity="warning",
    ),
    Message(
        code="extra-content",
        title="表格外有多余内容",
        template="工作表“{sheet}”在表格以外有{actual}个非空单元格（如 {cell}），审核不读取这些内容。请勿在模板中另加行列或内容。",
        severity="warning",
    ),
    Message(
        code="sheet-missing",
        title="缺少工作表",
        template="找不到工作表“{expected}”（可能被删除或改名；工作簿中现有：{actual}）。请使用原模板，不要改动工作表。",
    ),
    Message(
        code="layout-changed",
        title="表格结构被改动",
        template="{cell}应为“{expected}”，实为“{actual}”。表头、行列被修改、插入或删除，无法按标准位置读取数据，请在原模板中重新填写。",
    ),
    Message(
        code="formula-altered",
        title="合计公式被改写",
        template="{cell}（{label}）应为自动计算的公式，现为固定值{actual}，按各分项之和应为{expected}。请勿改写合计，恢复原模板公式后重新报送。",
    ),
    Message(
        code="protection-removed",
        title="工作表保护被撤销",
        template="工作表“{sheet}”的保护被撤销。审核仍按标准核验，但请勿自行撤销保护。",
        severity="warning",
    ),
    Message(
        code="validation-removed",
        title="数据有效性被删除",
        template="工作表“{sheet}”有{actual}个填报单元格的数据有效性被删除。审核仍逐项核验，但请使用原模板。",
        severity="warning",
    ),
    Message(
        code="stale-result",
        title="计算结果未更新",
        template="{cell}等{count}个合计单元格保存的计算结果与填报数据不符（{cell}保存为{actual}，按填报数据应为{expected}）：文件保存时未重新计算。审核按填报数据重新计算，无需处理。",
        severity="info",
    ),
    Message(
        code="blank",
        title="单元格为空",
        template="{cell}（{label}）为空。模板已预填0，没有的请填0，不要留空。",
    ),
    Message(
        code="placeholder",
        title="用符号代替0",
        template="{cell}（{label}）填写了“{actual}”。数字栏不能填“-”“/”“无”等符号，没有的请填0。",
    ),
    Message(
        code="not-a-number",
        title="不是数字",
        template="{cell}（{label}）填写了“{actual}”，不是数字。请填写阿拉伯数字。",
    ),
    Message(
        code="text-number",
        title="数字格式不规范",
        template="{cell}（{label}）的“{actual}”{what}，已按{expected}读取。请直接输入数字。",
        severity="warning",
    ),
    Message(
        code="not-integer",
        title="件数不是整数",
        template="{cell}（{label}）为{actual}，件数须为整数。",
    ),
    Message(
        code="negative",
        title="负数",
        template="{cell}（{label}）为{actual}，不能为负数。",
    ),
    Message(
        code="duplicate-agency",
        title="同一单位多份文件",
        template="单位“{agency}”报送了{count}份文件：{files}。按最新的“{expected}”审核，其余不计入汇总。",
        severity="warning",
    ),
    Message(
        code="missing-agency",
        title="未报送",
        template="名单中的单位“{agency}”尚未报送。",
        severity="warning",
    ),
    Message(
        code="unknown-agency",
        title="名单外单位",
        template="单位“{agency}”不在名单中，请核对单位代码，或将其加入名单。",
        severity="warning",
    ),
    Message(
        code="skipped-file",
        title="已跳过的文件",
        template="已跳过“{file}”：{reason}。",
        severity="info",
    ),
)

# The texts of the feedback sent back to an agency.
_FEEDBACK = (
    Message(
        code="feedback-title",
        title="审核意见标题",
        template="{agency}{year}年度政府信息公开工作年度报告审核意见",
    ),
    Message(
        code="feedback-intro",
        title="审核意见说明",
        template="经审核，本报告有{errors}处错误须更正、{warnings}处提示须核对。红色单元格为有问题的位置，"
        "鼠标移到单元格上可看批注。请直接在本文件中修改（不要另建文件），提示项与实际情况相符的请在"
        "说明栏写明原因，于{deadline}报回{contact}。",
    ),
    Message(
        code="feedback-email",
        title="邮件正文",
        template="{agency}：\n\n"
        "贵单位报送的{year}年度政府信息公开工作年度报告（{file}）经审核，有{errors}处错误须更正、"
        "{warnings}处提示须核对：\n\n{items}\n\n"
        "请在附件“{attachment}”中按红色单元格的批注修改（提示项与实际情况相符的，在说明栏写明原因），"
        "修改后直接保存，于{deadline}报回。\n\n联系人：{contact}\n{office}\n{date}\n",
    ),
    Message(code="feedback-deadline", title="默认期限", template="收到本通知后3个工作日内"),
    Message(
        code="feedback-more",
        title="更多问题",
        template="……另有{count}处问题，详见附件的“审核意见”工作表。",
    ),
)

MESSAGES: dict[str, Message] = {
    message.code: message for message in (*_ALL, *_FINDINGS, *_FEEDBACK)
}
FINDINGS: dict[str, Message] = {message.code: message for message in _FINDINGS}


def say(code: str, /, **params: Any) -> str:
    """The Chinese text of a message, filled in."""
    return MESSAGES[code].template.format(**params)


class UsageError(Exception):
    """The command cannot run as asked; the message is Chinese and meant for the user (exit 2)."""

    def __init__(self, code: str, /, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(say(code, **params))


def finding_codes(form: Any) -> dict[str, Message]:
    """Every finding code a check can report: the fixed ones here and one per rule of the form."""
    rules = {
        rule.id: Message(
            code=rule.id, title=rule.title, template=rule.message, severity=rule.severity
        )
        for rule in form.rules
    }
    return {**FINDINGS, **rules}
