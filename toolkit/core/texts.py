"""Every Chinese word a user reads in a workbook, a report or the terminal that is not a message:
sheet names, headings, column titles, hints, prompts, statuses and severities. Messages with a code
live in catalogue.py; the command line's own words in cli_zh.py.

Grouped by where the words appear; a phrase used in several places is one name here. Templates
with `{…}` fields are filled with `str.format`. Statuses and severities are enums that carry their
Chinese titles, so that code decides (and colours) by the enum, never by parsing its own text; their
values are the strings the JSON output has always used.
"""

from __future__ import annotations

from enum import Enum, StrEnum

__all__ = [
    "LEVELS",
    "CheckStatus",
    "FileStatus",
    "Severity",
    "office_name",
    "unnamed_place",
    "whole",
]

# ------------------------------------------------------------------------------------------------
# Shared words
# ------------------------------------------------------------------------------------------------

REPORT_NAME = "政府信息公开工作年度报告"
NUMERALS = "一二三四五六七八九十"  # the numbers of headings: 一、 （一）
FONT = "宋体"  # the font of every workbook nianbao writes
FOOTER = "&C&9第 &P 页，共 &N 页"  # page footer of printed sheets (Excel header/footer codes)
WRITER_REFUSED = "xlsxwriter 返回 {result}：{what}"  # a GenerateError: a bug, not a user's mistake
DATE = "{0.year}年{0.month}月{0.day}日"  # a date as a Chinese letter writes it
BEFORE = "{0}前"  # a deadline: "2026年1月15日前"

AGENCY_CODE = "单位代码"
AGENCY_NAME = "单位名称"
ROW_TITLE = "行"
COLUMN_TITLE = "列"
CONTACT = "联系人"
EMAIL = "电子邮箱"
FILE = "文件"
STATUS = "状态"
CODE = "代码"
RULE = "规则"
LEVEL = "级别"
SHEET = "工作表"
CELL = "单元格"
ERRORS = "错误"
WARNINGS = "提示"
EXPLAINED = "已说明"
NOTE = "说明"
ISSUE = "问题及修改要求"
AGENCY_NOTE = "单位说明"
COUNT = "件数"
MISSING = "未报送"
SUPERSEDED = "（已被替代）"
EXPLAINED_MARK = "（已说明）"
RULES = "勾稽关系"
FILE_TIME = "文件修改时间"
WHOSE_REPORT = "{district}{year}年度"  # the start of a heading: 示范区2025年度…
INSTRUCTIONS_SHEET = "填报说明"
REVIEW_SHEET = "审核意见"  # in front of the others in a feedback copy
PASSED = "通过"
UNREADABLE = "无法读取"
PLACES = "处"  # the measure word of a count of findings or cells: 3处

_OFFICE = "{district}政务公开办"
_OFFICE_UNNAMED = "区政务公开办"  # no district given: the district's office, unnamed


def office_name(district: str) -> str:
    """The office that runs the collection, as every text names it: from the district."""
    return _OFFICE.format(district=district) if district else _OFFICE_UNNAMED


# ------------------------------------------------------------------------------------------------
# Statuses and severities
# ------------------------------------------------------------------------------------------------


class Severity(StrEnum):
    """How serious a finding is; the value is what findings, the form file and the JSON carry (a
    str enum, so that JSON written from it and read back keeps the same strings)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def title(self) -> str:  # type: ignore[override]  # str.title is never meant on a severity
        """The word a table or a comment shows: 错误, 提示, 说明."""
        return {"error": ERRORS, "warning": WARNINGS, "info": NOTE}[self.value]

    @property
    def duty(self) -> str:
        """What a rule of this severity asks of the agency, for the rule lists."""
        return {"error": "错误（须更正）", "warning": "提示（须核对或说明）"}.get(
            self.value, self.title
        )


class CheckStatus(StrEnum):
    """One checked file's verdict; the value is what FileResult.status, the ledger and the JSON
    carry (a str enum, so that what was stored as a string reads back equal)."""

    PASSED = "passed"
    WARNINGS = "warnings"
    FAILED = "failed"
    UNREADABLE = "unreadable"

    @property
    def title(self) -> str:  # type: ignore[override]  # str.title is never meant on a status
        return {
            "passed": PASSED,
            "warnings": "有提示",
            "failed": "有错误",
            "unreadable": UNREADABLE,
        }[self.value]


class FileStatus(Enum):
    """What the rollup did with a returned file (or a roster agency), shown in 明细 and 状态; the
    row is coloured by `flagged`, never by its text."""

    INCLUDED_WITH_ERRORS = "included-with-errors"  # --include-failed
    PASSED = "passed"
    PASSED_EXPLAINED = "passed-explained"  # every warning explained
    PASSED_WITH_WARNINGS = "passed-with-warnings"
    SUPERSEDED = "superseded"
    CONFLICT = "conflict"
    UNRECOGNISED = "unrecognised"
    EXCLUDED = "excluded"
    MISSING = "missing"
    LOWER_LEFT_OUT = "lower-left-out"  # a lower rollup (逐级汇总) unreadable or of another year
    LOWER_RECOMPUTED = "lower-recomputed"  # a lower rollup whose sums differ from its 明细

    @property
    def title(self) -> str:
        """The short title, as 明细 shows it."""
        return _FILE_STATUS[self][0]

    def label(self, errors: int = 0) -> str:
        """The title with its reason, as 状态 shows it."""
        return _FILE_STATUS[self][1].format(errors=errors)

    @property
    def flagged(self) -> bool:
        """Whether the office must look at this row (coloured)."""
        return self not in (FileStatus.PASSED, FileStatus.PASSED_EXPLAINED, FileStatus.SUPERSEDED)


_WITH_WARNINGS = PASSED + "（有提示）"
_LEFT_OUT = "未计入"
_UNRECOGNISED = "无法识别"
_FILE_STATUS = {
    FileStatus.INCLUDED_WITH_ERRORS: ("含错误计入", "含错误计入（{errors}处错误）"),
    FileStatus.PASSED: (PASSED, PASSED),
    FileStatus.PASSED_EXPLAINED: (_WITH_WARNINGS, _WITH_WARNINGS),
    FileStatus.PASSED_WITH_WARNINGS: (_WITH_WARNINGS, _WITH_WARNINGS),
    FileStatus.SUPERSEDED: ("已被替代", "已被替代（同一单位有更新的文件）"),
    FileStatus.CONFLICT: (_LEFT_OUT, _LEFT_OUT + "（同一单位有内容不同的报告，待确认）"),
    FileStatus.UNRECOGNISED: (_UNRECOGNISED, _UNRECOGNISED),
    FileStatus.EXCLUDED: (_LEFT_OUT, _LEFT_OUT + "（{errors}处错误）"),
    FileStatus.MISSING: (MISSING, MISSING),
    FileStatus.LOWER_LEFT_OUT: (_LEFT_OUT, _LEFT_OUT + "（下级汇总表）"),
    FileStatus.LOWER_RECOMPUTED: ("按明细计入", "按明细计入（下级汇总表合计不符）"),
}

# ------------------------------------------------------------------------------------------------
# The template: section sheets (layout.py, template_sheets.py)
# ------------------------------------------------------------------------------------------------

TABLE_SUMMARY = RULES  # the summary line's place holder on a table sheet
NARRATIVE_SUMMARY = "填写情况"  # … on a narrative sheet
TABLE_HINT = (
    "浅黄色单元格为填报项（已预填0，没有的保持0）；灰色单元格为公式自动计算，不能修改；"
    "右侧和下方为勾稽关系检查，显示“通过”或差额。"
)
NARRATIVE_HINT = (
    "请在浅黄色文本框内填写，每个文本框对应报告的一个部分；可以从Word中粘贴文字。"
    "单元格内换行：Excel 和 WPS 按 Alt+Enter，LibreOffice 按 Ctrl+Enter。"
)
RULE_LIST_ITEM = "核对项目"
RULE_LIST_NOTE = "说明（提示项与实际情况不符的，请在此写明原因）"
NOTE_PROMPT = "提示项与实际情况不符的，请在此写明原因，审核时将一并查看。"
SUMMARY_FAILED = "未通过"  # the summary line is red when it contains this …
SUMMARY_WARNED = PLACES + WARNINGS  # … amber when it contains this (no errors, open warnings) …
SUMMARY_PASSED = "全部" + PASSED
SUMMARY_CHECK = "勾稽关系与填写检查："
SUMMARY_ALL_PASSED = SUMMARY_CHECK + SUMMARY_PASSED  # … and green only when it is exactly this
# Before and after the count, which the summary formula computes.
SUMMARY_SOME_WARNINGS = (
    SUMMARY_CHECK + "错误项" + SUMMARY_PASSED + "；有",
    SUMMARY_WARNED + "，请核对或在说明栏说明",
)
SUMMARY_SOME_FAILED = (SUMMARY_CHECK + "有", PLACES + SUMMARY_FAILED + "，请按红色单元格提示修改")

# ------------------------------------------------------------------------------------------------
# Live statuses: what a status cell of the template shows (rules.py)
# ------------------------------------------------------------------------------------------------

STATUS_PASS = PASSED  # the rule holds
STATUS_LATER = "报送后核对"  # the template cannot compute the rule (cross-year, text figures)
STATUS_MISMATCH = "不一致"  # a status over several sums, some of which do not hold
STATUS_CHECK = "请核对"  # a zero rule does not hold
STATUS_UNFILLED = "未填写"  # a required text is blank
STATUS_UNSAID = "未写明"  # a text does not mention what it must
STATUS_NOT_APPLICABLE = "不适用"  # a rule for other kinds of agency (applies_to): not checked
ROLLUP_HINT = (  # {whole}: the level's word, 全区
    "本表为{whole}汇总：每个数字都是“明细”表中各单位同一单元格之和（公式），可逐格追溯到单位。"
)
AMOUNT_PROMPT = {
    "input_title": "金额（万元）",
    "input_message": "填写本年收费金额，单位万元，最多4位小数；没有的填0。",
    "error_title": "金额有误",
    "error_message": "请填写大于或等于0的数字（单位：万元）。没有的填0，不要留空或填“-”“/”“无”。",
}
COUNT_PROMPT = {
    "input_title": COUNT,
    "input_message": "填写大于或等于0的整数；没有的保持0。",
    "error_title": "须为整数",
    "error_message": "请填写大于或等于0的整数。没有的填0，不要留空或填“-”“/”“无”。",
}

# ------------------------------------------------------------------------------------------------
# The template: 填报说明 (instructions.py) and document properties (workbook.py)
# ------------------------------------------------------------------------------------------------

INSTRUCTIONS_TITLE = WHOSE_REPORT + "{title}填报模板"
AS_NOTIFIED = "按通知要求"  # no deadline given
INSTRUCTIONS_AGENCY = ("填报单位", "{name}（单位代码：{code}）")
INSTRUCTIONS_YEAR = ("报告年度", "{year}年度（{basis} 规定的格式）")
INSTRUCTIONS_DEADLINE = "报送截止"
INSTRUCTIONS_CONTACT = "联系方式"
INSTRUCTIONS_CONTENT = (
    "填写内容",
    "本工作簿按报告的六个部分分为 {count} 张工作表：{sheets}。"
    "表格部分只填浅黄色单元格（已预填0，没有的保持0，不要留空、不要填“-”“/”“无”）；"
    "灰色单元格为公式自动计算。文字部分在浅黄色文本框内填写，每个框上方有填写要求。",
)
INSTRUCTIONS_RULES = (
    RULES,
    "每张表的第二行显示勾稽关系检查结果；右侧和下方的检查单元格显示“通过”（绿色）或差额（红色）。"
    "红色须更正后再报送；黄色为提示，与实际情况不符的请在旁边的说明栏写明原因。",
)
INSTRUCTIONS_RETURN = (
    "报送方式",
    "填写完成后直接保存本文件（保持 .xlsx 格式，不要改文件名中的单位代码），按通知要求报送。"
    "请勿复制到其他模板、插入或删除行列、修改表头，否则无法自动审核。",
)
INSTRUCTIONS_PROTECTION = (
    "工作表保护",
    "各工作表已保护，只能在浅黄色单元格中填写，防止误改表头和公式。"
    "如确需调整，请联系{office}，不要自行撤销保护。",
)
INSTRUCTIONS_TEMPLATE_ID = "模板编号"
INSTRUCTIONS_RULE_LIST = "勾稽关系规则"
TEMPLATE_PROPERTIES_TITLE = "{agency}{year}年{title}"
TEMPLATE_PROPERTIES_COMMENTS = "{basis} 表式；由 nianbao {version} 生成"

# ------------------------------------------------------------------------------------------------
# Feedback copies and emails (feedback.py, review_sheet.py)
# ------------------------------------------------------------------------------------------------

REVIEW_HEADER = ("序号", LEVEL, SHEET, CELL, ISSUE)
AS_REQUIRED = "规定期限"  # a mail's deadline when none is given
MAIL_TEMPLATE = "模板"  # the kinds of message sent: a template, feedback, a pass notice
MAIL_FEEDBACK = REVIEW_SHEET
MAIL_PASSED = "审核" + PASSED
FEEDBACK_NO_COPY = "（请使用下发的模板重新填写）"  # the email's attachment when none is made
FEEDBACK_PASSWORD_NOTE = (
    "{password}\r\n\r\n以上为审核意见副本的工作表保护密码（未指定 --password 时随机生成）。\r\n"
)
FEEDBACK_YEAR_UNKNOWN = "报回文件的年度“{year}”" + _UNRECOGNISED + "，无法生成审核意见副本"
# What `check --feedback` says about the copies it wrote (and about files it could not serve).
FEEDBACK_WRITTEN = "已为 {agencies} 个单位生成审核意见（副本 {copies} 个）：{folder}"
FEEDBACK_NOTHING_TO_ASK = "没有需要单位修改或说明的问题，未生成审核意见。"
FEEDBACK_NOT_FOR_ALL = "此外，部分有错误的报告未生成审核意见，请另行处理：{reasons}。"
FEEDBACK_NOT_FOR_ANY = "本次有错误的报告均未生成审核意见，请另行处理：{reasons}。"
FEEDBACK_REASON_FAILED = "{count}个单位的审核意见未能生成（原因见下）"
FEEDBACK_REASON_UNIDENTIFIED = "{count}个文件无法识别所属单位，请直接联系报送单位"
FEEDBACK_REASON_CONFLICT = "{count}个单位报送了内容不同的报告，须先确认以哪份为准"
FEEDBACK_FAILED = "  未能为单位 {code} 生成审核意见：{error}"
FEEDBACK_RANDOM_PASSWORD = "副本保护密码为随机生成，见 {path}"

# ------------------------------------------------------------------------------------------------
# The check's report: terminal table and findings workbook (report.py)
# ------------------------------------------------------------------------------------------------

TERMINAL_TITLE = "审核结果"
TERMINAL_AGENCY = "单位"
TERMINAL_UNRECOGNISED = "（未识别）"
TERMINAL_UNRECOGNISED_FILE = "（未识别：{name}）"
TERMINAL_EXPLAINED = "·已说明"
TERMINAL_NOTE = "说明："
TERMINAL_SUPERSEDED = "（已被替代，不计）"
TERMINAL_BATCH = "整批"
FINDINGS_HEADING = WHOSE_REPORT + REPORT_NAME + TERMINAL_TITLE
FINDINGS_SUMMARY_SHEET = "汇总"
FINDINGS_SUMMARY_TITLE = WHOSE_REPORT + REPORT_NAME + "审核汇总"
FINDINGS_SUMMARY_LINE = "{headline}未报送 {missing} 个单位。"
FINDINGS_SUMMARY_COLUMNS = (
    AGENCY_CODE, AGENCY_NAME, STATUS, ERRORS, WARNINGS, EXPLAINED, FILE, "审核意见副本",
)  # fmt: skip
FINDINGS_ISSUES_SHEET = "问题清单"
FINDINGS_ISSUES_COLUMNS = (
    CODE, RULE, LEVEL, AGENCY_CODE, AGENCY_NAME, SHEET, CELL, ROW_TITLE, COLUMN_TITLE, "应为", "实为", ISSUE,
    AGENCY_NOTE, FILE,
)  # fmt: skip
FINDINGS_RULES_SHEET = "规则说明"
FINDINGS_RULES_TITLE = REPORT_NAME + "审核规则（{basis}）"
FINDINGS_RULES_COLUMNS = (CODE, LEVEL, RULE, NOTE)

# ------------------------------------------------------------------------------------------------
# The rollup workbook (rollup_names.py, rollup.py, rollup_sheets.py)
# ------------------------------------------------------------------------------------------------

# The levels a rollup is made at (逐级汇总): --level's value -> (the whole of it, the word every
# sheet name, title and drafted sentence of that level's rollup uses: 全市汇总（三）, 全市共…; and
# the place itself when the rollup names none: 本市). The one table of level words: nothing else
# writes 全区.
DISTRICT_LEVEL = "区"  # the default: a district's rollup of its agencies' files
LEVELS = {
    DISTRICT_LEVEL: ("全区", "本区"),
    "县": ("全县", "本县"),
    "市": ("全市", "本市"),
    "州": ("全州", "本州"),
    "省": ("全省", "本省"),
}


def whole(level: str) -> str:
    """The level's word for all of it: 全区, 全市; an unknown level (a hand-edited _meta) as 全区."""
    return LEVELS.get(level, LEVELS[DISTRICT_LEVEL])[0]


def unnamed_place(level: str) -> str:
    """The place a rollup that names none is of: 本区, 本市."""
    return LEVELS.get(level, LEVELS[DISTRICT_LEVEL])[1]


DETAIL_SHEET = "明细"
STATUS_SHEET = STATUS
EXPLAINED_SHEET = "已说明的提示"
CHART_SHEET = "图表"
# The summary sheets' names change with the level (全区汇总（二）, 全市汇总（二）); they are the
# first sheets of a rollup, and readers find them by position, never by name.
SUMMARY_SHEET = "{whole}汇总（{number}）"  # {number}: the section's number, 二
DISTRICT_COLUMN = "所属地区"  # 明细 and 状态: the district an agency reported to
DETAIL_FIXED = (AGENCY_CODE, AGENCY_NAME, "审核状态", "源文件", "sha256", DISTRICT_COLUMN)
ROLLUP_PROPERTIES_TITLE = WHOSE_REPORT + REPORT_NAME + FINDINGS_SUMMARY_SHEET
ROLLUP_PROPERTIES_COMMENTS = "{basis} 表式；由 nianbao {version} 汇总"
STATUS_TITLE = WHOSE_REPORT + "报告收集情况"
STATUS_COUNTS = "计入汇总 {included} 份；未计入 {excluded} 份；未报送 {missing} 个单位。"
STATUS_COLUMNS = (  # 来源汇总表: the lower rollup (逐级汇总) that carried the agency's row
    AGENCY_CODE, AGENCY_NAME, STATUS, ERRORS, WARNINGS, "提示及单位说明", FILE,
    "选用依据",  # an agency's several files: why this one is used (batch.py's rule)
    DISTRICT_COLUMN, "来源汇总表", FILE_TIME, "sha256",
)  # fmt: skip
STATUS_UNEXPLAINED = "（未说明）"
EXPLAINED_TITLE = "已说明的提示：单位在说明栏写明原因后计入汇总的提示项"
EXPLAINED_COLUMNS = (AGENCY_CODE, AGENCY_NAME, RULE, "规则内容", WARNINGS, AGENCY_NOTE, FILE)
EXPLAINED_NONE = "（本次汇总没有已说明的提示）"
CHART_ITEM = "项目"
SUMS_DIFFER_MORE = "等{count}" + PLACES  # after the first cells of a lower rollup whose sums differ

# ------------------------------------------------------------------------------------------------
# The contract and the office's files: sheet and file names, the roster's and the manifest's
# columns, password.txt and the key file (contract.py, roster.py, manifest.py, identity.py)
# ------------------------------------------------------------------------------------------------

FEEDBACK_COPY_SUFFIX = "-" + REVIEW_SHEET + ".xlsx"
FILE_NAME_TAIL = "-{year}年{title}"  # after <单位代码>-<单位名称>; the form's title
YEAR_PATTERN = (
    r"\s*(\d{4})\s*(?:年|年度)?\s*"  # a year as a clerk writes it: 2023, 2023年, 2023年度
)
AGENCY_KIND = "单位类别"  # the roster's optional column: the form's [[agency_kinds]] title
ROSTER_ALIASES: dict[
    str, tuple[str, ...]
] = {  # accepted header spellings, after normalisation; the first is the title
    "code": (AGENCY_CODE, "code", CODE),
    "name": (AGENCY_NAME, "name", "名称"),
    "contact": (CONTACT, "contact"),
    "email": (EMAIL, "email", "邮箱", "e-mail"),
    "kind": (AGENCY_KIND, "kind", "单位类型", "机构类别"),
}
ROSTER_OPTIONAL = frozenset({"kind"})  # columns a roster may leave out
NOTHING = "（无）"  # a list with nothing in it
MANIFEST_HEADER = (AGENCY_CODE, AGENCY_NAME, CONTACT, EMAIL, FILE, "sha256", "备注")
MANIFEST_NOT_UTF8 = "不是 UTF-8 编码的 CSV"
MANIFEST_NO_HEADER = "第一行不是清单的列名"
PASSWORD_MISSING = "第一行没有密码"
NOT_REGULAR_FILE = "不是普通文件"
FILE_TOO_LARGE = "文件过大"
ROSTER_LINE = "第{line}行 "
PASSWORD_NOTE = (
    "{password}\r\n\r\n"
    "以上为" + WHOSE_REPORT + REPORT_NAME + "模板的工作表保护密码。\r\n"
    "请勿发给填报单位；保护只防误改，不能防止有意篡改，报回的文件由 nianbao check 逐项核验。\r\n"
    "在本文件夹中再次生成（如补发单位）时，新模板沿用此密码；请勿修改或删除本文件。\r\n"
)
KEY_NOTE = (
    "以上为" + WHOSE_REPORT + REPORT_NAME + "模板的单位校验密钥（nianbao 自动生成）。\r\n"
    "每个模板都带有用本密钥计算的单位校验码；审核时（nianbao check/rollup 加 --issued 指向本文件夹，"
    "或本文件与单位名单放在同一文件夹）据此确认报回文件确属所标单位。\r\n"
    "请与 password.txt 一起妥善保管，勿发给填报单位；不要修改或删除本文件，"
    "否则已下发模板的校验码将无法核验。\r\n"
)

# ------------------------------------------------------------------------------------------------
# What a path is when it is not a regular file (discover.py, outputs.py)
# ------------------------------------------------------------------------------------------------

BROKEN_LINK = "无法访问的链接"  # a dangling or looping symlink
FOLDER = "文件夹"
PIPE = "管道"
SOCKET = "套接字"
DEVICE = "设备"
SPECIAL_FILE = "特殊文件"
NOT_A_FILE = "设备、管道或套接字"
LOCK_FILE = "Excel 或 WPS 打开文件时生成的临时锁定文件"
HIDDEN_FILE = "隐藏文件"

# ------------------------------------------------------------------------------------------------
# Words read in returned files (values.py, inspection.py): not shown, recognised
# ------------------------------------------------------------------------------------------------

EMPTY = "空"
PLACEHOLDER_WORDS = ("无", "没有", EMPTY, "暂无")  # typed for "nothing" instead of 0
UNIT_PATTERN = r"(件|个|项|条|万元|元)$"  # a unit typed after a number
OLD_FORMAT_MARK = "本年新制作数量"  # a column heading of the 2019 trial format's table 2

# ------------------------------------------------------------------------------------------------
# The {actual}, {expected}, {reason} … of findings (values.py, inspection*.py, batch.py, pool.py)
# ------------------------------------------------------------------------------------------------

FULL_WIDTH = "含全角字符"
SPACES = "含空格"
WITH_UNIT = "带单位“{unit}”"
GROUPED = "含千位分隔符"
AS_TEXT = "以文本形式保存"
A_NUMBER = "数字"
BROKEN_CONTENT = "文件内容异常，无法审核（{error}）"
FORMAT_2019 = "2019年试行"
FROM_YEAR = "{year}及以后"  # the format this form is for
THIS_FORMAT = "本"
TOKEN_MISSING = "模板标识缺失"
TOKEN_WRONG = "模板标识不符"
NO_OTHER_SHEET = "无其他工作表"
MOVED_TO = "（报回文件中为{ref}）"
AND_THE_REST = "等其余{count}个单元格"
SAME_CONTENT = "各份文件的数字和文字相同。"
DIFFERENT_CONTENT = "注意：各份文件的数字或文字不同，请确认使用的是最终版本。"
SAVED_IN_FUTURE = "有文件记录的保存时间晚于当前时间，可能不可信。"
BY_SAVE_TIME = "文件中记录的保存时间"
BY_FILE_TIME = FILE_TIME
BY_FILE_ORDER = "文件顺序"
# A file saved from a feedback copy (or the copy itself) over the file the copy was made from.
BY_LINEAGE = "更正关系（“{file}”由“{source}”的审核意见副本更正而来）"
UNDECIDABLE = "这些文件记录的保存时间和文件修改时间都相同，无法判断哪份是最新的。"
UNVERIFIED = (
    "无法核验这些文件确实来自该单位（未提供{office}的签发密钥，或模板标识不符），"
    "不能仅凭文件时间取舍；用 --issued 指定下发模板的文件夹（含 nianbao-key.txt）即可核验。"
)
UNKNOWN = "未知"
UNSET = "未设定"
TRUNCATED = "……（以下内容超出单元格上限，已截断）"  # the end of a text cut to a cell's limit
BULK_ONLY = "{sheet}：第 {row} 行起只能批量写入"  # a GenerateError: a bug, not a user's mistake

# ------------------------------------------------------------------------------------------------
# The run's verdict in one sentence (findings.py)
# ------------------------------------------------------------------------------------------------

HEADLINE_REPLACED = "（另有{count}份已被替代的文件不计）"
HEADLINE_WARNINGS = "{agencies}个单位均无错误，其中{warnings}个有提示待核对{replaced}。"
HEADLINE_PASSED = "{agencies}个单位全部通过{replaced}。"
HEADLINE_BATCH = "，整批问题{count}处"
HEADLINE = (
    "共{in_use}个文件：通过{passed}，有提示{warnings}，有错误{failed}，无法读取{unreadable}"
    "{replaced}。错误{errors}处{batch}，提示{warning_findings}处。"
)

# ------------------------------------------------------------------------------------------------
# Mail (mail_message.py, mail_attachments.py, mail_account.py)
# ------------------------------------------------------------------------------------------------

SUBJECT_PREFIXES = ("主题：", "主题:")  # the first line of a mail text file names the subject
NO_WORKBOOK = "无报表"  # why a reply's attachment was not taken
ATTACHMENT_TOO_LARGE = "过大"
ATTACHMENT_REFUSED = UNREADABLE
ATTACHMENT = "附件{suffix}"  # an attachment without a name
NOT_A_CERTIFICATE = "不是证书文件"
MAIL_INCOMING, MAIL_OUTGOING = "收件", "发件"  # the servers' roles: IMAP, SMTP
# --help of the servers' TLS options (cli_mail.py)
HELP_IMAP_TLS = (
    "收件服务器（--imap）的加密方式：ssl（默认，端口 993）、starttls（143）或 none（143）。"
)
HELP_SMTP_TLS = (
    "发件服务器（--smtp）的加密方式：ssl（默认，端口 465）、starttls（587）或 none（25）。"
)

# --- Published reports read by `nianbao import` (importer.py, compare.py) ---------------------------
IMPORT_STATUS = {
    "complete": "已导入",
    "partial": "已导入，有缺项",
    "failed": "未能导入",
}
IMPORTED_CODE_PREFIX = "GK-"  # the code of an imported agency not found in a roster (公开版)
IMPORT_CELL_MISSING = (
    "公开的年度报告中没有找到此格（或无法确定其数字），导入时留空。请按原件补填或核实。"
)
IMPORT_CELL_OCR = "此数字由 OCR 从扫描页识读，请与原件核对。"
IMPORT_TOTAL_UNREAD = (
    "公开的年度报告中此合计未能读取，其分项也有未读取的，导入时留空。请按原件补填或核实。"
)
IMPORT_TOTAL_SUMMED = (
    "公开的年度报告中此合计未能读取；此处为各分项之和（公式），不是原件印的数字，请与原件核对。"
)
IMPORT_WHOLE_ROW = "（无行标题的一行）"
IMPORT_HELP = (
    "导入公开的年度报告（网页 .html、Word .docx、PDF（含扫描件，需 OCR）、文本 .txt 或 markdown .md），"
    "每份写成一个标准工作簿，可直接用于 check、rollup、render 和 --previous。"
    "表格按行列标题查找，找不到或无法确定的格逐一列出并留空，不作猜测。"
    "退出码：0 全部完整导入，1 有缺项或有文件未能导入，2 无法运行。"
)
COMPARE_HELP = (
    "比对公开的年度报告与审核通过的报送工作簿：逐个单位列出数字不同的格、一方有另一方没有的部分，"
    "以及只在一方出现的单位。退出码：0 完全一致，1 有差异，2 无法运行。"
)
IMPORT_LINE = (
    "{status}：{file}（{fmt}）→ {agency}（{code}）{year}年，表格数字 {found}/{expected} 格"
)
IMPORT_LINE_FAILED = "未能导入：{file}：{reason}"
IMPORT_SECTION_MISSING = "  未找到章节：{title}"
IMPORT_HEADERS_MISSING = "  {table}：未找到列标题 {labels}（可能不是 2021 年格式的表格，请核对）"
IMPORT_PLACEHOLDERS = "  {count} 格不是数字，按原样导入：{cells}"
IMPORT_BLANK = "空白"
IMPORT_OCR = "  第 {pages} 页无文字层，已用 OCR 识读；{cells} 格数字来自 OCR，已在工作簿中加批注，请与原件核对。"
IMPORT_SUMMARY = "共 {total} 个文件，已导入 {done} 个。输出文件夹：{out}"
COMPARE_KINDS = {
    "figure": "数字不同",
    "not-published": "公开版中未找到此格",
    "not-a-number": "一方不是数字（“/”、“—”或空白）",
}
COMPARE_SHEET = "差异"
COMPARE_COLUMNS = (
    (AGENCY_CODE, 12),
    (AGENCY_NAME, 24),
    ("表格/部分", 24),
    (ROW_TITLE, 30),
    (COLUMN_TITLE, 14),
    ("报送数", 10),
    ("公开数", 10),
    (COMPARE_SHEET, 22),
    ("公开版文件", 30),
    ("报送文件", 30),
)
COMPARE_ONE_SIDE_SHEET = TERMINAL_AGENCY
COMPARE_ONE_SIDE_COLUMNS = ((AGENCY_CODE, 12), (AGENCY_NAME, 24), ("情况", 40), (FILE, 40))
COMPARE_PUBLISHED_ONLY = "只有公开版，没有报送的工作簿"
COMPARE_SUBMITTED_ONLY = "已报送，没有找到公开版"
COMPARE_UNREADABLE = UNREADABLE
COMPARE_NOT_A_REPORT = "不是可比对的年度报告工作簿"
COMPARE_SECTION_PUBLISHED_ONLY = "公开版有此部分，报送的工作簿中为空"
COMPARE_SECTION_SUBMITTED_ONLY = "报送的工作簿有此部分，公开版中没有"
COMPARE_PAIR = "{name}（{code}）：{count} 处不同　公开版 {published}　报送 {submitted}"
COMPARE_PAIR_SAME = "一致：{name}（{code}）"
COMPARE_BY_NAME = "（按单位名称完全一致配对：已发布的报告没有单位代码）"
COMPARE_CELL = "  {table}“{row}”（{column}）：报送 {submitted}，公开 {published}（{kind}）"
COMPARE_SUMMARY = "比对 {pairs} 个单位，{differing} 个有差异；只有公开版 {published_only} 个，只有报送 {submitted_only} 个，无法读取 {unreadable} 个。"
# --help of import and compare (cli_import.py, cli_compare.py)
HELP_PATHS_METAVAR = "路径"
HELP_IMPORT_PATHS = "公开的年度报告（.html、.htm、.docx、.pdf、.txt、.md）、文件夹或通配符。"
HELP_IMPORT_OUT = "输出文件夹：每份报告一个标准工作簿。"
HELP_IMPORT_YEAR = "报告年度；标题中没有年度时使用。"
HELP_IMPORT_ROSTER = "单位名单：按标题中的单位名称对应单位代码。"
HELP_IMPORT_DISTRICT = "区（县）名称，写入工作簿。"
HELP_IMPORT_JSON = "另存导入记录为 JSON 文件。"
HELP_IMPORT_ISSUED = (
    "下发模板的文件夹（含 nianbao-key.txt）：导入的工作簿带上单位校验码，"
    "check --issued 可核验；不给时在名单所在文件夹中找。"
)
HELP_COMPARE_PUBLISHED = (
    "公开的年度报告（.html、.docx、.pdf、.txt）或 import 生成的工作簿；可多次给出。"
)
HELP_COMPARE_SUBMITTED = "审核通过的报送工作簿、文件夹或通配符；可多次给出。"
HELP_COMPARE_JSON = "另存差异为 JSON 文件。"
HELP_COMPARE_XLSX = "另存差异清单为 Excel 工作簿（可转发各单位）。"
IMPORT_WHOLE_TABLE = "（整张表）"
COMPARE_DUPLICATE = "同一单位的另一份文件，未比对（请确定以哪一份为准）"
# What a rendered report prints for a part left empty (render_model.py); `import` reads it back
# as empty, never as the part's text.
RENDER_GAP = "（本部分未填写）"
# The district draft (render_draft.py). {whole}: 全区, 全市 (whole(level)). Its sentences with figures
# are declared in the form file (each part's `draft`), from the figure families of its rules.
DRAFT_PLACEHOLDER = "【请填写：{what}】"  # a place the office fills in, highlighted
DRAFT_MARK = "草稿：数字由{whole}汇总表生成，标有【请填写】处由政务公开工作机构补充后方可公开。"
DRAFT_BASIS = "本报告根据{whole}{count}个单位报送并经审核的年度报告数据汇总编制。"
DRAFT_ALL_REPORTED = "单位名单中的{count}个单位均已报送。"
DRAFT_NOT_REPORTED = "单位名单中另有{count}个单位未报送年度报告，其数据未计入本报告：{names}。"
DRAFT_LEFT_OUT = "另有{count}个单位报送的年度报告未计入汇总（未通过审核或待确认）：{names}。"
DRAFT_ROSTER_UNKNOWN = "汇总时未给出单位名单，无法核对应报送的单位是否均已报送"
DRAFT_YEAR = "年度"
DRAFT_NAMES_JOIN = "、"
DRAFT_PLACEHOLDER_PATTERN = r"【请填写：[^】]*】"  # DRAFT_PLACEHOLDER, recognised (render_model.py)
# The published report and its Word template (render*.py)
REPORT_YEAR_TITLE = "{year}年{title}"  # after the agency's or district's name: the report's title
RENDER_DRAFT_SUFFIX = "（草稿）"  # after the file name of a report from a workbook with errors
RENDER_DRAFT_NOTE = "草稿：所依据的工作簿未通过审核，本稿仅供核对，不得公开。"
PDF_NO_OUTPUT = "没有输出"  # LibreOffice said nothing about why it made no PDF
# The Word template's styles by role (render_template.py); an office's restyled template must keep
# these names.
REPORT_STYLES = {
    "title": "公文标题",
    "body": "公文正文",
    "heading1": "一级标题",
    "heading2": "二级标题",
    "table": "表格文字",
    "note": "公文说明",
}
REPORT_TEMPLATE_COMMENTS = (
    "nianbao 年报模板：可修改样式（{styles}）和页面设置，正文内容由 nianbao render 生成。"
)
# The published report's fonts (render_fonts.py): for each face of GB/T 9704 (and the 宋体 of tables
# and page numbers), the fonts that may stand for it in order: an office PC's names first, then the
# free faces scripts/ensure-fonts.sh installs. "name:bold": a lighter face used in its bold weight.
# The Word template names each chain's first font and offers its second as the substitute.
REPORT_FONTS = {
    "xiaobiaosong": ("方正小标宋简体", "华文中宋", "STZhongsong", "方正小标宋_GBK",
                     "FZXiaoBiaoSong-B05S", "Noto Serif CJK SC:bold", "Source Han Serif SC:bold",
                     "FandolSong:bold"),
    "fangsong": ("仿宋_GB2312", "仿宋", "FangSong", "FangSong_GB2312", "华文仿宋", "STFangsong",
                 "FandolFang", "Noto Serif CJK SC", "Source Han Serif SC"),
    "heiti": ("黑体", "SimHei", "华文黑体", "STHeiti", "FandolHei", "Noto Sans CJK SC",
              "Source Han Sans SC", "WenQuanYi Zen Hei"),
    "kaiti": ("楷体_GB2312", "楷体", "KaiTi", "KaiTi_GB2312", "华文楷体", "STKaiti", "FandolKai",
              "AR PL KaitiM GB", "AR PL UKai CN", "Noto Serif CJK SC"),
    "songti": (FONT, "SimSun", "NSimSun", "华文宋体", "STSong", "FandolSong", "Noto Serif CJK SC",
               "Source Han Serif SC", "AR PL SungtiL GB"),
}  # fmt: skip
# A font of an office's own template that no chain names joins the chain its name says it is of.
REPORT_FONT_WORDS = {
    "xiaobiaosong": "小标宋|中宋|XiaoBiaoSong|Zhongsong",
    "fangsong": "仿宋|FangSong",
    "kaiti": "楷|Kai",
    "heiti": "黑|Hei",
    "songti": "宋|Song|Sun|Ming",
}
IMPORT_PARTS_EMPTY = "  {title}：没有找到 {parts} 的文字（工作簿中留空，check 会提示）"
IMPORT_CELL_SIMILAR = (
    "公开的年度报告中此行的标题为“{label}”，与表式不完全相同，按其位置读取。请核对。"
)

# ------------------------------------------------------------------------------------------------
# The send log, 发送记录.csv (send.py): its columns and what became of each message
# ------------------------------------------------------------------------------------------------

SEND_LOG = "发送记录.csv"
LOG_TIME = "时间"
LOG_KIND = "类别"  # 模板, 审核意见, 审核通过 (MAIL_TEMPLATE, MAIL_FEEDBACK, MAIL_PASSED)
LOG_DIGEST = "附件sha256"
LOG_RESULT = "结果"
LOG_REASON = "原因"
# The 结果 column's words, stored in the log (send.SendResult's values)
SEND_SENT = "已发送"
SEND_FAILED = "失败"
SEND_NO_ADDRESS = "无地址"
SEND_WRITTEN = "已写入"
SEND_SKIPPED = "此前" + SEND_SENT
# … and how the console counts them (cli_mail_support.py): "已发送 3 封；无地址 1 封"
SEND_COUNT = "{label} {count} 封"
SEND_COUNT_WRITTEN = SEND_WRITTEN + " .eml"
SEND_COUNT_SKIPPED = SEND_SKIPPED + "（跳过）"
SEND_NOTHING = "没有要发送的邮件。"
SEND_LOG_LINE = "发送记录：{path}"
SEND_LOG_UNREADABLE = "文件过大或不是 UTF-8 编码"

# ------------------------------------------------------------------------------------------------
# The collection log, 收取记录.csv (collect.py): its columns and what became of each attachment
# ------------------------------------------------------------------------------------------------

COLLECT_LOG = "收取记录.csv"
COLLECT_TIME = "收取时间"
COLLECT_FOLDER = FOLDER  # the mailbox folder
COLLECT_SENDER = "发件人"
COLLECT_DATE = "邮件日期"
COLLECT_SUBJECT = "主题"
COLLECT_ATTACHMENT = "附件"
COLLECT_YEAR = DRAFT_YEAR
COLLECT_SAVED_AS = "保存为"
COLLECT_RESULT = LOG_RESULT
COLLECT_NOTE = NOTE
MAIL_ATTACHMENTS_FOLDER = COLLECT_ATTACHMENT  # in 邮件/: collect saves there, the store takes them
# The 结果 column's words, stored in the log (mail_attachments.CollectResult's values, with
# NO_WORKBOOK, ATTACHMENT_TOO_LARGE and ATTACHMENT_REFUSED)
COLLECT_SAVED = "已保存"
COLLECT_DUPLICATE = "重复"
COLLECT_UNIDENTIFIED = COLLECT_SAVED + "（未识别单位）"
COLLECT_UNIDENTIFIED_FILE = (
    "未识别-{when}-{digest}-{stem}"  # the saved name of an unidentified file
)
# Saved, but the sender is not the roster address of the agency the report claims: kept aside in
# the folder below (its leading dot keeps `check` from taking it as the agency's report).
COLLECT_SENDER_MISMATCH = COLLECT_SAVED + "（发件人不符，待核实）"
COLLECT_MISMATCH_FOLDER = ".发件人不符-待核实"
COLLECT_LOGIN_FAILED = "用户名或密码错误"  # the server gave no reason
COLLECT_NO_FOLDER = "不存在"  # the server gave no reason

# --- The web workbench (issue 24): `nianbao serve`, its refusals, jobs and --help ----------------
SERVE_FOREIGN_HOST = "拒绝访问：请求的主机名不是本机工作台的地址。"
SERVE_NO_TOKEN = "拒绝访问：请用启动 nianbao serve 时显示的地址（含访问令牌）打开工作台。"
SERVE_BAD_CSRF = "表单已过期或不是从本工作台提交的，请刷新页面后重试。"
SERVE_TOO_LARGE = "上传的内容太大（上限 {mb} MB），已拒绝。"
SERVE_TOO_MANY = "一次上传的文件或表单项太多，请分批上传。"
SERVE_FIELD_TOO_LARGE = "表单中有一项内容太长（上限 {kb} KB），已拒绝。"
SERVE_FORM_TOO_LARGE = "提交的表单太大（上限 {kb} KB），已拒绝；上传文件请用页面上的选择文件。"
SERVE_UPLOADS_BUSY = "同时进行的上传太多（上限 {count} 个），请等前面的上传完成后再试。"
SERVE_BAD_REQUEST = "请求无效（请求头太大或格式错误），已拒绝。"
SERVE_NO_FILES = "没有选择文件。"
SERVE_NOT_FOUND = "没有这个页面或文件。"
SERVE_NO_WORKSPACE = "还没有工作区：请先上传单位名单建立工作区。"
SERVE_BUSY = (
    "另一项任务（{title}）正在进行。一次只能进行一项改动工作区的任务，请等它完成或取消后再试。"
)
SERVE_CANCELLED = "已取消。"
SERVE_UNEXPECTED = "任务意外中止：{reason}"
SERVE_SKIPPED = "未收入：{name}（{reason}）"
SERVE_JOBS = {
    "init": "建立工作区",
    "roster": "补充名单",
    "check": "收入并审核",
    "recheck": "重新审核",
    "rollup": "生成汇总表",
    "render": "生成报告",
    "compare": "比对公开版",
    "choose": "指定计入的文件",
    "send-templates": "用邮件下发模板",
    "send-feedback": "用邮件发送审核意见",
    "collect": "从邮箱收取",
}
SERVE_SENDER_FIELD = "发件地址"
SERVE_MAIL_PROBLEM = "{code} {name}：{problem}"
SERVE_MAIL_SENT = "{result}：{code} {name} <{address}> {reason}"
SERVE_MAIL_COLLECTED = "{result}：{who} {what}（{sender}） {note}"
SERVE_NEW_FOLDER = "{year}年报"  # a workspace started from the page, in the current folder
SERVE_JOB_STATES = {
    "running": "进行中",
    "done": "已完成",
    "failed": SEND_FAILED,
    "cancelled": "已取消",
}
SERVE_ZIP_NOTE = (
    "{district}{year}年度政府信息公开工作年度报告填报模板\r\n\r\n"
    "每个单位一个文件，文件名以单位代码开头；manifest.csv 列出各单位的联系人、电子邮箱和文件。\r\n"
    "截止日期：{deadline}\r\n联系人：{contact}\r\n\r\n"
    "模板的工作表设有保护，只能填写黄色单元格。保护密码由办公室保存（工作区“模板”文件夹中的 "
    "password.txt），不随本压缩包下发，请勿发给填报单位。\r\n"
)
SERVE_ZIP_NOTE_FILE = "说明.txt"
SERVE_ZIP_FILE = "{district}{year}年度填报模板.zip"
SHORT_SERVE = "在浏览器中打开网页工作台，完成一年的收集（只在本机访问）。"
HELP_SERVE = (
    "启动本机的网页工作台（只监听 127.0.0.1）并打开浏览器：下发模板、收取和审核报回文件、汇总、"
    "生成报告、比对公开版，结果与各命令相同。第一行输出是带访问令牌的地址。按 Ctrl+C 结束。"
)
HELP_SERVE_PORT = "端口；0 表示任选一个空闲端口。不给时用 8765，被占用时任选一个。"
HELP_SERVE_NO_BROWSER = "不自动打开浏览器（只显示地址）。"
HELP_SERVE_WORKSPACE = (
    "工作区文件夹；不给时在当前文件夹及其上级中查找，找不到时在页面上上传名单新建。"
)
SERVE_STARTED = "网页工作台已启动：在浏览器中打开上面的地址（只能在本机访问）。按 Ctrl+C 结束。"
SERVE_STOPPED = "网页工作台已关闭。"
SERVE_PORT_BUSY = "无法在端口 {port} 启动网页工作台：{reason}"

# --- The workspace (issue 21): folders, decisions, states, --help ----------------------------------
# The folders of a workspace, in this order: rosters, issued templates, received files (by hash),
# feedback copies, mail, outputs (workspace.py).
WORKSPACE_FOLDERS = ("名单", MAIL_TEMPLATE, "收到", REVIEW_SHEET, "邮件", "输出")
# collect.py's log columns the workspace reads (收取记录.csv)
DECISION_STATES = {"counted": "计入", "conflict": "待确认", "none": MISSING}
DECISION_RULES = {
    "only": "该单位唯一的报回文件",
    "lineage": "按更正关系：由审核意见副本更正而来",
    "save-time": "按文件中记录的保存时间",
    "file-time": "按文件修改时间",
    "file-order": "按文件顺序",
    "office": "办公室指定",
    "conflict": "同一单位有内容不同的报告，待办公室确认（nianbao choose）",
    "none": "尚未收到报回文件",
}
AGENCY_STATES = {
    "not-issued": "未下发",
    "issued": "已下发",
    "overdue": "逾期",
    "received": "已报送",
    "failed": CheckStatus.FAILED.title,
    "feedback": "已反馈",
    "corrected": "已更正",
    "passed": PASSED,
}
ROLLUP_FILE = "{district}{year}年度汇总.xlsx"  # the workspace's rollup, in 输出/
REPORTS_FOLDER = "报告"  # rendered reports, in 输出/
YEAR_STATUS_HEADER = (AGENCY_CODE, AGENCY_NAME, STATUS, "下发", "发送", "报送", "反馈", PASSED, "文件数")  # fmt: skip
YEAR_STATUS_SEVERAL = "报送了多份文件（或由办公室指定）的单位，计入的文件："
YEAR_STATUS_TITLE = WHOSE_REPORT + REPORT_NAME + "收集情况（截止日期：{deadline}）"
YEAR_STATUS_COUNTS = "共 {total} 个单位：{counts}。"
YEAR_STATUS_DECIDED = "  {code} {name}：计入 {file}（{rule}）"
STATUS_UNASSIGNED = "另有 {count} 份文件不属于名单中的任何单位：{names}"
STATUS_QUEUED = "发件箱中有 {count} 封邮件待发送（nianbao outbox 查看，加 --smtp 发送）。"
STATUS_NO_DEADLINE = UNSET
WORKSPACE_CREATED = "已建立工作区 {root}：{year}年度，{district}，{count} 个单位。"
WORKSPACE_UPDATED = "工作区 {root} 已更新名单：新增 {count} 个单位。"
WORKSPACE_MATCHED = "  名单中的代码 {spelled} 对应已下发模板的单位代码 {code}（以模板为准）。"
WORKSPACE_TEMPLATES = "填报模板在 {folder}（保护密码和单位校验密钥也在其中，请勿发给填报单位）。"
WORKSPACE_NEXT = "下一步：把模板发给各单位（nianbao send --workspace {root} …，或自行发送），收到报回文件后运行 nianbao check --workspace {root} 文件或文件夹。"
WORKSPACE_REBUILT = "已从保存的文件重建台账 {root}：{agencies} 个单位，{files} 份收到的文件。请运行 nianbao check --workspace {root} 重新审核。"
WORKSPACE_RECEIVED = "收到 {count} 份文件（新保存 {new} 份，其余已在工作区中）。"
WORKSPACE_DECISION = "  {name}（{code}）：计入 {file}，依据：{rule}"
WORKSPACE_DECISION_NONE = "  {name}（{code}）：{rule}"
WORKSPACE_DECISIONS = "报送了多份文件的单位，计入的文件："
WORKSPACE_FEEDBACK_PENDING = (
    "有问题的单位的审核意见此前已生成（见 审核意见 文件夹，nianbao status 可查看）。"
)
WORKSPACE_CHOSEN = "已指定：单位 {code} 以 {file} 为准。"
WORKSPACE_QUEUED = "已排入发件箱 {count} 封邮件。"
WORKSPACE_OUTBOX_EMPTY = "发件箱中没有待发送的邮件。"
WORKSPACE_OUTBOX_ROW = "  {id}. {kind} → {code}（{address}）{state}{error}"
WORKSPACE_OUTBOX_STATES = {"queued": "待发送", "failed": "发送失败，将重试", "sent": SEND_SENT}
WORKSPACE_OUTBOX_LEFT = (
    "发件箱中还有 {count} 封邮件未发出，下次运行 send、collect --reply 或 outbox 时会补发。"
)
HELP_WORKSPACE = "工作区文件夹（nianbao init 建立）；不给时在当前文件夹及其上级中查找。"
HELP_INIT = (
    "建立一个年度的工作区：保存名单，生成并保存各单位的填报模板、保护密码和单位校验密钥，"
    "此后收到的文件、审核结果、审核意见和邮件都记在工作区的台账中。"
    "对已有的工作区再给一个名单，则只为新单位生成模板，原单位代码不变。"
    "--rebuild 在台账丢失时从保存的文件重建。退出码：0 完成，2 无法运行。"
)
HELP_INIT_DIR = "工作区文件夹（不存在时建立）。"
HELP_INIT_REBUILD = "从工作区中保存的名单、模板和收到的文件重建台账（原台账改名保留）。"
HELP_INIT_LEVEL = "汇总层级：区、县、市、州或省。"
HELP_STATUS = "显示本年度的收集情况：每个单位的状态（未下发、已下发、已报送、有错误、已反馈、已更正、通过、逾期）、日期和计入的文件。只读台账，不打开任何文件。退出码：0。"
HELP_STATUS_JSON = "另存为 JSON 文件（- 表示输出到屏幕）。"
HELP_OUTBOX = "查看工作区发件箱中待发送的邮件；给出 --smtp 和 --sender 时发送它们。退出码：0 没有待发送的邮件，1 有邮件未能发出，2 无法运行。"
HELP_CHOOSE = "办公室指定某单位以哪份报回文件为准（同一单位有内容不同的报告时），记入台账，此后各命令都以它为准。"
HELP_CHOOSE_CODE = "单位代码。"
HELP_CHOOSE_FILE = "文件的原名，或其 sha256（前几位即可）；nianbao status 可查看。"
COMPARE_SET_ASIDE = "已被替代，未比对（该单位另有计入的报送文件）"
COMPARE_FILE = "公开版比对差异.xlsx"  # compare's findings workbook in a workspace's 输出/
HELP_COMPARE_ISSUED = (
    "下发模板的文件夹（含 nianbao-key.txt）：核验报送文件的单位身份，"
    "同一单位的多份文件按与 check 相同的规则确定计入哪一份。"
)
HELP_INIT_ROSTER = (
    "单位名单：CSV（UTF-8 或 GBK）或 .xlsx，列为 单位代码、单位名称、联系人、电子邮箱。"
)
HELP_INIT_YEAR = "报告年度，如 2025（新建工作区时必填）。"
HELP_INIT_DISTRICT = "区（县）名称，写入模板。"
HELP_INIT_DEADLINE = "报送截止日期，如 2026-01-15（nianbao status 据此判断逾期）。"
HELP_INIT_CONTACT = "审核联系人及电话，写入填报说明和审核意见。"
HELP_INIT_PASSWORD = "工作表保护密码；不给时随机生成（保存在 模板/password.txt）。"
HELP_INIT_GENERATED_AT = "模板生成时间（ISO 格式）；给定时相同输入生成完全相同的模板。"
METAVAR_DATE, METAVAR_TIME, METAVAR_FOLDER, METAVAR_CODE, METAVAR_FILE = (
    "<日期>", "<时间>", "<文件夹>", "<单位代码>", "<文件>",
)  # fmt: skip
NOTE_LINE = "注意：{note}"
STATUS_CODE = "{code}（名单中为 {spelled}）"
LIST_COMMA = "，"
MAIL_NO_ATTACHMENT = "（邮件）"
WORKSPACE_COLLECTED = "新邮件 {messages} 封，存入工作区的附件 {stored} 份。"
METAVAR_HOST = "主机[:端口]"
HELP_OUTBOX_SMTP = "发件服务器；给出时发送发件箱中的邮件，不给时只列出。"
HELP_OUTBOX_USER = "发件邮箱的登录用户名。"
HELP_OUTBOX_SENDER = "发件地址，如 office@example.org。"
HELP_SEND_COPIES = "在工作区中：发送各单位计入文件的审核意见（默认发送填报模板）。"
# One line of each command in `nianbao --help` (click cuts a longer first sentence to "..." when it
# has no space to cut at, as Chinese has none).
SHORT_INIT = "建立一个年度的工作区（名单、模板、台账），或给工作区补充名单。"
SHORT_STATUS = "本年度的收集情况：每个单位的状态、日期和计入的文件。"
SHORT_CHOOSE = "办公室指定某单位以哪份报回文件为准。"
SHORT_OUTBOX = "查看或发送工作区发件箱中待发送的邮件。"
SHORT_COMPARE = "比对公开的年度报告与报送的工作簿，列出每处差异。"
HELP_INIT_ISSUED = (
    "此前用 generate 下发模板的文件夹（含 nianbao-key.txt）或该密钥文件：新工作区沿用这个密钥，"
    "用那些模板填报的文件在工作区中照样核验。"
)

# ------------------------------------------------------------------------------------------------
# The command line: nianbao --help, generate and check (cli.py)
# ------------------------------------------------------------------------------------------------

HELP_APP = "政府信息公开工作年度报告（国办公开办函〔2021〕30号格式）：生成填报模板、审核报回文件、汇总全区数据。"
HELP_VERSION = "显示版本号后退出。"
HELP_GENERATE = (
    "按单位名单生成带保护的填报模板（每个单位一个 .xlsx），另附 manifest.csv、password.txt 和单位校验密钥。"
    "输出文件夹中已有模板时只补充新单位：沿用原密码和密钥，保留已有模板和清单。"
)
HELP_GENERATE_YEAR = "报告年度，如 2025。"
HELP_GENERATE_OUT = "输出文件夹（不存在时自动创建；已有模板时在其中补充）。"
HELP_GENERATE_AGENCY_CODE = "不用名单时，单个单位的代码。"
HELP_GENERATE_AGENCY_NAME = "不用名单时，单个单位的名称。"
HELP_GENERATE_DEADLINE = "报送截止日期，如 2026-01-15。"
HELP_GENERATE_CONTACT = "审核联系人及电话，写入填报说明。"
HELP_GENERATE_PASSWORD = "工作表保护密码；不给时沿用文件夹中 password.txt 的密码，没有则随机生成。"
HELP_GENERATE_GENERATED_AT = "生成时间（ISO 格式）；给定时，相同输入和相同密钥生成完全相同的文件。"
HELP_GENERATE_FORCE = "文件夹中已有同名模板时重新生成并替换（默认保留不动）。"
GENERATED_TEMPLATES = "已生成 {count} 个模板，保存在 {folder}："
GENERATED_KEPT = "保留已有模板 {count} 个（未覆盖；如需重新生成，请加 --force）："
GENERATED_MANIFEST = "邮件合并清单：{path}"
GENERATED_PASSWORD_REUSED = "保护密码：沿用 {path} 中的原密码（请勿发给填报单位）"
GENERATED_PASSWORD_RANDOM = "（随机生成）"
GENERATED_PASSWORD = "保护密码{note}：{path}（请勿发给填报单位）"
GENERATED_KEY = "单位校验密钥：{path}（审核时用于核验单位身份，请妥善保管）"
HELP_CHECK = (
    "审核报回的工作簿：表式、填写、勾稽关系逐项核验。路径可为文件、文件夹或通配符（如 returned/*.xlsx）。"
    "退出码：0 无错误（可有提示），1 有错误，2 无法运行。"
)
HELP_CHECK_PATHS = (
    "报回的文件、文件夹、通配符或下级汇总表；在工作区中运行时，给出的文件先收入工作区。"
)
HELP_CHECK_ROSTER = "单位名单，用于发现未报送和名单外的单位。"
HELP_CHECK_YEAR = "本次收集的报告年度；不给时取多数文件的年度。"
HELP_CHECK_DISTRICT = "区（县）名称；给定时核对模板的地区。"
HELP_CHECK_PREVIOUS = "上年度报回的文件或文件夹，用于核对上年结转等跨年关系。"
HELP_CHECK_JSON = "另存完整结果为 JSON 文件。"
HELP_CHECK_QUIET = "只显示每个文件一行的汇总。"
HELP_CHECK_XLSX = "另存审核结果工作簿（汇总、问题清单、规则说明），可发给相关人员。"
HELP_CHECK_FEEDBACK = "为每个有问题的单位生成带批注的审核意见副本和邮件正文（<单位代码>.txt）。"
HELP_CHECK_PASSWORD = "审核意见副本的保护密码（用下发模板时的密码）；不给时随机生成。"
HELP_CHECK_DEADLINE = "要求重新报送的截止日期，如 2024-01-20。"
HELP_CHECK_CONTACT = "联系人及电话，写入审核意见和邮件正文。"
CHECK_SAVED_JSON = "完整结果"
CHECK_SAVED_XLSX = "审核结果工作簿"
CHECK_SAVED = "{what}已保存到 {path}"
CHECK_KEY_USED = "已用单位校验密钥核验各文件的单位身份。"
CHECK_KEY_MISSING = (
    "未找到单位校验密钥（nianbao-key.txt），未核验单位身份；可用 --issued 指定下发模板的文件夹。"
)
# after the error prefix (cli_zh.ERROR_PREFIX): the last line of defence, never a traceback
INTERNAL_ERROR = "nianbao 内部错误（{kind}：{error}）。请将此信息和所用文件反馈给维护人员。"

# ------------------------------------------------------------------------------------------------
# The command line: options every command shares (cli_support.py)
# ------------------------------------------------------------------------------------------------

HELP_FORM = (
    "表式定义文件（TOML，写法见内置的 gov-info-2021.toml）；"
    "不给时用内置的2021年表式（国办公开办函〔2021〕30号）。生成、审核、汇总须用同一表式。"
)
HELP_ISSUED = (
    "下发模板的文件夹（含 nianbao-key.txt）或该密钥文件，用于核验报回文件确属所标单位；"
    "不给时在名单所在的文件夹中查找。"
)
PROGRESS_CHECKING = "审核中"

# ------------------------------------------------------------------------------------------------
# The command line: rollup (cli_rollup.py)
# ------------------------------------------------------------------------------------------------

HELP_ROLLUP = (
    "汇总审核通过的报回文件，生成全区汇总表（全区汇总、明细、状态、图表；--level 市 时为全市汇总，"
    "输入可含下级汇总表）。先执行与 check 相同的审核。"
    "退出码：0 已生成汇总表；加 --strict 时有未计入或未报送的单位则为 1；2 无法运行。"
)
HELP_ROLLUP_PATHS = "报回的文件、文件夹、通配符或下级汇总表；在工作区中运行时不给。"
HELP_ROLLUP_OUT = "汇总表输出路径（.xlsx）；在工作区中默认为“输出”文件夹。"
HELP_ROLLUP_ROSTER = "单位名单，用于列出未报送的单位。"
HELP_YEAR = "报告年度。"
HELP_ROLLUP_DISTRICT = "区（县）、市或省的名称。"
HELP_ROLLUP_CSV = "另存长表 CSV（每个单位每个单元格一行）。"
HELP_ROLLUP_INCLUDE_ERRORS = "有错误的文件也计入汇总（在明细和状态中标出）。"
HELP_ROLLUP_STRICT = "有未计入或未报送的单位时退出码为 1。"
HELP_ROLLUP_GENERATED_AT = "生成时间（ISO 格式）；给定时相同输入生成完全相同的文件。"
HELP_ROLLUP_LEVEL = (
    "汇总层级：区、县、市、州或省，用于工作表名称、标题和起草的报告（如“全市汇总”）；"
    "输入可含下级汇总表（逐级汇总）。"
)
ROLLUP_WRITTEN = "已生成{whole}汇总表 {path}：计入 {included} 个单位，未计入 {excluded} 份文件，未报送 {missing} 个单位。"
ERROR_COUNT = "{count}处错误"
ROLLUP_SUPERSEDED = FileStatus.SUPERSEDED.title
ROLLUP_COUNTED_BELOW = "已计入下级汇总表，不重复计入"
ROLLUP_LEFT_OUT = "  未计入：{who}（{reason}） {path}"
ROLLUP_MISSING = "  未报送：{name}（{code}）"
ROLLUP_CSV_WRITTEN = "长表 CSV：{path}"

# ------------------------------------------------------------------------------------------------
# The command line: render (cli_render.py)
# ------------------------------------------------------------------------------------------------

HELP_RENDER = (
    "生成对外公开的年度报告（Word、网页、PDF）：审核通过的报回文件每个单位一份；"
    "给出汇总表（rollup 生成的 .xlsx）时起草全区（全市、全省）年度报告，数字由汇总数据生成，"
    "需补充的文字标为【请填写】。退出码：0 全部生成，1 有文件未生成（有错误或无法读取），2 无法运行。"
)
HELP_RENDER_PATHS = (
    "报回的文件、文件夹、通配符或汇总表；在工作区中运行时不给（用计入的文件和工作区的汇总表）。"
)
HELP_RENDER_OUT = "输出文件夹（不存在时自动创建）；在工作区中默认为“输出/报告”。"
HELP_RENDER_FORMAT = "输出格式，逗号分隔：docx、html、pdf（PDF 需要 LibreOffice）。"
HELP_RENDER_TEMPLATE = "Word 模板（.docx）；不给时用内置模板 templates/report-template.docx。"
HELP_RENDER_INCLUDE_ERRORS = "有错误的文件也生成报告，标为“草稿”（不得公开）。"
HELP_RENDER_DISTRICT = "区（县）名称。"
HELP_RENDER_ISSUED = (
    "下发模板的文件夹（含 nianbao-key.txt）或该密钥文件，用于核验报回文件确属所标单位。"
)
RENDERED_DRAFT = "已起草{whole}年度报告（汇总 {count} 个单位）：{title}（{kinds}）"
RENDERED_DRAFT_MARK = "（草稿：有错误，不得公开）"
RENDERED = "已生成：{title}（{kinds}）{mark}"
RENDERED_GAPS = "  未填写的部分（报告中标为“{gap}”）：{parts}"
RENDERED_EMPTY = "  未填写、按表式略去或写明“无”的部分：{parts}"
RENDERED_CUT = (
    "  文字过长、已截断的部分（每部分至多 {limit} 字、{lines} 段，文中有截断标记）：{parts}"
)
RENDER_TEXT_CUT = "……（以下内容过长，已截断）"  # the end of an agency's text cut to the limit
RENDER_FAILED = "未能生成：{who}：{reason}"
RENDER_FAILED_ERROR = "生成时出错（{error}），此报告未生成，其他报告不受影响"
RENDER_SUPERSEDED = "已被同一单位的其他文件替代"
RENDER_CONFLICT = "同一单位有内容不同的多份文件"
RENDER_STATUS_ERRORS = "{status}，" + ERROR_COUNT
RENDER_SKIPPED = "  未生成：{who}（{why}） {path}"
RENDER_NO_PDF = "  未能生成 PDF：{title}（LibreOffice 未转换此文件；Word 和网页版已生成）"
RENDER_SKIPPED_HINT = "有错误的文件可先用 nianbao check 查看问题；加 --include-errors 可生成草稿。"
RENDER_OUT = "输出文件夹：{folder}"

# ------------------------------------------------------------------------------------------------
# The command line: send and collect (cli_mail.py)
# ------------------------------------------------------------------------------------------------

METAVAR_TEMPLATES = "模板文件夹"
HELP_SEND_FOLDER = (
    "generate 的输出文件夹（含 manifest.csv）；发送审核意见时用于查找单位的电子邮箱。"
)
HELP_SEND_SMTP = "发件服务器，如 smtp.example.org:465。"
HELP_SEND_DRY_RUN = "不发送，每封邮件写成一个 .eml 文件存入此文件夹。"
HELP_SEND_ONLY = "只（重新）发送这个单位；可多次给出。"
HELP_SEND_RATE = "每分钟最多发送的封数，以免超出邮件服务器的限制。"
HELP_SEND_FEEDBACK = "发送 check --feedback 生成的审核意见（副本和 <单位代码>.txt）。"
HELP_SEND_COLLECTED = "collect 的保存文件夹：审核意见回复给报送的邮件（发件人和邮件编号）。"
HELP_SEND_TEXT = "自拟的邮件文本（格式同 templates/mail-send.txt）。"
SEND_NO_FOLDER = "（未给出模板文件夹）"
COLLECTED = (
    "新邮件 {messages} 封，保存报表 {saved} 份（重复 {duplicates} 份未重复保存）。收取记录：{log}"
)
COLLECT_REPLIES = "回复（审核意见在 {folder}）："
HELP_COLLECT_IMAP = "报送邮箱的收件服务器，如 imap.example.org:993。"
HELP_COLLECT_USER = "报送邮箱的登录用户名。"
HELP_COLLECT_OUT = "保存报回文件的文件夹（收取记录.csv 也在其中）；在工作区中不给。"
HELP_COLLECT_FOLDER = "邮箱文件夹。"
HELP_COLLECT_SINCE = "只收取此日期以后的邮件，如 2024-01-01。"
HELP_COLLECT_MARK_SEEN = "把处理过的邮件标为已读（默认不改动邮箱）。"
HELP_COLLECT_CHECK = "收取后审核文件夹中的全部报回文件。"
HELP_COLLECT_REPLY = "审核后回复每封新报送邮件：通过，或附审核意见副本和说明。"
HELP_COLLECT_SMTP = "回复用的发件服务器。"
HELP_COLLECT_SMTP_USER = "发件服务器的登录用户名（默认同 --user）。"
HELP_COLLECT_SENDER = "回复的发件地址。"
HELP_COLLECT_ROSTER = "单位名单（审核时用于发现未报送的单位）。"
HELP_COLLECT_FEEDBACK = "审核意见的文件夹（默认为 --out 中的“审核意见”）。"
HELP_COLLECT_PASSWORD = "审核意见副本的工作表保护密码（用下发模板时的密码）。"
HELP_COLLECT_ISSUED = "下发模板的文件夹（含 nianbao-key.txt），用于核验单位身份。"
MAILBOX_IMAP = "报送邮箱"
HELP_SEND = (
    "按 manifest.csv 给每个单位发送填报模板（或用 --feedback 发送审核意见），附件用中文文件名。"
    "密码取自环境变量 NIANBAO_SMTP_PASSWORD，没有时提示输入。重新运行时只发送尚未发出的邮件。"
    "退出码：0 全部发出，1 有单位未能发出，2 无法运行。"
)
HELP_COLLECT = (
    "从报送邮箱收取报回的报表附件（含 .zip 中的），按文件中的单位信息命名保存，同一文件只存一份；"
    "邮件不删除、默认不标为已读，重新运行时只收取新邮件。--check 审核，--reply 回复每个报送单位。"
    "密码取自环境变量 NIANBAO_IMAP_PASSWORD（回复用 NIANBAO_SMTP_PASSWORD），没有时提示输入。"
    "退出码：0 正常，1 有附件未能收取或报告有错误，2 无法运行。"
)

# ------------------------------------------------------------------------------------------------
# The command line: options and lines the mail commands share (cli_mail_support.py)
# ------------------------------------------------------------------------------------------------

HELP_MAIL_CAFILE = "信任的证书文件（单位内部邮件服务器使用自签证书时）。"
HELP_MAIL_DEADLINE = "报送截止日期，写入邮件正文。"
HELP_MAIL_CONTACT = "联系人及电话，写入邮件正文。"
PASSWORD_PROMPT = "{what}密码（不显示）"
MAILBOX_SMTP = "发件邮箱"

# ------------------------------------------------------------------------------------------------
# The places a form file's error names (form_file.py); the errors are in catalogue.py
# ------------------------------------------------------------------------------------------------

FORM_ITEM = "{list} 第{number}项"  # [[rules]] 第3项
FORM_RULE = RULE + " {id}"
