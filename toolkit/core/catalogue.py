"""Every user-facing Chinese message, declared once with a stable code, a title and a template.

Rule findings take their titles and messages from the form definition; everything else is here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .texts import Severity

__all__ = [
    "FINDINGS",
    "MESSAGES",
    "OS_ERRORS",
    "Message",
    "UsageError",
    "finding_codes",
    "os_reason",
    "say",
]


@dataclass(frozen=True, kw_only=True)
class Message:
    code: str
    title: str
    template: str
    severity: Severity = Severity.ERROR


_ALL = (
    # Command input problems (exit code 2).
    Message(
        code="no-files",
        title="没有找到工作簿",
        template="在 {paths} 中没有找到任何工作簿（.xlsx、.xls、.et、.ods）。",
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
        code="output-in-use",
        title="输出文件正被占用",
        template="无法写入 {path}：该文件可能正在 Excel、WPS 或其他程序中打开，或被设为只读。"
        "请关闭该文件后重试。",
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
        template="名单文件 {path} 不是 CSV 或 Excel 工作簿（.csv、.xlsx、.xls、.et、.ods）。",
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
    # H3: identity key, generating into an existing folder, file names, argument checks.
    Message(
        code="roster-rows-review",
        title="名单有误",
        template="名单文件 {path} 有 {count} 处问题，请更正名单后重新运行：\n{problems}",
    ),
    Message(
        code="roster-note-no-email",
        title="没有电子邮箱",
        template="没有电子邮箱，请另行发送模板",
    ),
    Message(
        code="roster-note-name-trimmed",
        title="单位名称有多余空格",
        template="单位名称“{raw}”有多余空格，已去除",
    ),
    Message(
        code="roster-numeric-codes",
        title="单位代码为数字格式",
        template="名单文件 {path} 的单位代码列为数字格式，前导0可能已丢失（如 001 变成 1）。"
        "请核对生成的文件名和 manifest.csv；如有丢失，在 Excel 中把该列设为“文本”格式后重新输入代码，"
        "再重新生成。",
        severity=Severity.WARNING,
    ),
    Message(
        code="file-name-collision",
        title="模板文件名相同",
        template="以下单位的模板文件名相同（Windows 不区分大小写），未生成任何文件。"
        "请修改名单中的单位代码，使每个单位的文件名不同：\n{groups}",
    ),
    Message(
        code="file-name-collision-group",
        title="文件名相同的单位",
        template="{agencies} → {name}",
    ),
    Message(
        code="password-mismatch",
        title="密码与已下发模板不同",
        template="输出文件夹 {path} 中已有 password.txt，已生成的模板使用其中的密码；"
        "--password 给出的密码与之不同，未生成任何文件。"
        "请去掉 --password（新模板沿用原密码），或换一个输出文件夹。",
    ),
    Message(
        code="manifest-unreadable",
        title="已有清单无法读取",
        template="输出文件夹中已有的 {path} 无法读取（{reason}）。为免丢失已有记录，未生成任何文件；"
        "请修复或移走该文件后重试。",
    ),
    Message(
        code="key-unreadable",
        title="单位校验密钥无效",
        template="输出文件夹中的 {path} 不是有效的单位校验密钥文件。为免已生成模板无法核验，"
        "未生成任何文件；请恢复原文件后重试。",
    ),
    Message(
        code="previous-same-year",
        title="上年数据年度不对",
        template="--previous 给出的文件是 {year} 年度的，与本次审核的年度相同：{files}。"
        "--previous 应为上一年度报回的文件或上年的汇总表。",
    ),
    Message(
        code="previous-unusable",
        title="上年数据无法使用",
        template="上年数据（--previous）无法使用：{reason}",
    ),
    Message(
        code="issued-key-missing",
        title="找不到单位校验密钥",
        template="在 {path} 中找不到单位校验密钥文件 nianbao-key.txt。--issued 应指向 generate 生成模板的文件夹或其中的 nianbao-key.txt。",
    ),
    # Outputs and inputs that are not regular files, interruption (H2: toolkit/core/outputs.py).
    Message(
        code="output-not-regular",
        title="输出位置不是普通文件",
        template="输出路径 {path} 已存在，但它是{kind}，不是普通文件。nianbao 只替换普通文件，请换一个输出路径。",
    ),
    Message(
        code="input-not-regular",
        title="不是普通文件",
        template="{path} 不是普通文件（{kind}），不会被读取。请指定报回的工作簿文件或其所在的文件夹。",
    ),
    Message(
        code="interrupted",
        title="已中断",
        template="已中断，未完成的输出已清理。",
    ),
    Message(
        code="skip-own-output",
        title="nianbao 生成的文件",
        template="nianbao 生成的文件（如审核意见副本），不是单位报回的报告",
    ),
    Message(
        code="skip-not-regular",
        title="不是普通文件",
        template="不是普通文件（{kind}），未读取",
    ),
    # Why the reader refuses a returned file: the {reason} of an `unreadable` finding (h1-reader).
    Message(code="read-empty", title="空文件", template="文件为空（0 字节）"),
    Message(
        code="read-too-large", title="文件过大", template="文件过大（{size} MB），超过 50 MB 上限"
    ),
    Message(code="read-os", title="无法打开", template="无法打开（{reason}）"),
    Message(
        code="read-not-file",
        title="不是普通文件",
        template="不是普通文件（可能是设备、管道或指向它们的链接），已拒绝读取",
    ),
    Message(
        code="read-not-spreadsheet",
        title="不是电子表格",
        template="不是电子表格文件（既不是 .xlsx/.ods 也不是 .xls）",
    ),
    Message(
        code="read-et-unknown",
        title="WPS 表格文件无法识别",
        template="这个 .et 文件的内容既不是 WPS 表格的常用格式（与 .xls 相同），也不是 .xlsx 格式，"
        "无法读取。请在 WPS 表格中打开后“另存为” Excel 工作簿（.xlsx）再报送",
    ),
    Message(
        code="read-broken-zip",
        title="压缩包损坏",
        template="文件已损坏或不完整，不是有效的 Excel 文件",
    ),
    Message(
        code="read-no-workbook",
        title="没有工作簿",
        template="压缩包中没有工作簿，不是 Excel 或 WPS 表格文件",
    ),
    Message(
        code="read-encrypted",
        title="已加密",
        template="文件设置了打开密码（已加密），请取消密码后重新保存",
    ),
    Message(
        code="read-zip-bomb",
        title="解压后过大",
        template="文件解压后过大，疑似压缩炸弹，已拒绝读取",
    ),
    Message(
        code="read-zip-ratio",
        title="压缩比异常",
        template="文件压缩比异常，疑似压缩炸弹，已拒绝读取",
    ),
    Message(
        code="read-duplicate-part",
        title="部件重名",
        template="压缩包中有两个同名部件“{part}”，无法确定应读取哪一个，已拒绝读取；请用 Excel 或 WPS 重新保存",
    ),
    Message(
        code="read-dtd",
        title="含有 DTD",
        template="文件含有 XML 实体定义（DTD），可能是恶意构造的文件，已拒绝读取",
    ),
    Message(
        code="read-bad-xml",
        title="XML 格式错误",
        template="文件内容格式错误，无法读取（{part}）",
    ),
    Message(
        code="read-corrupt",
        title="内容损坏",
        template="文件内容损坏，无法读取（{reason}）",
    ),
    Message(
        code="read-duplicate-sheet",
        title="工作表重名",
        template="工作簿中有两个同名工作表“{sheet}”（名称不区分大小写），无法确定应读取哪一个，已拒绝读取；"
        "请删除或重命名其中一个后重新保存",
    ),
    Message(
        code="read-far-content",
        title="内容远超表格范围",
        template="工作表“{sheet}”在第{row}行有内容，远超报告表格范围，疑似恶意构造，已拒绝读取；"
        "请删除表格以外的内容后重新保存",
    ),
    Message(
        code="read-too-many-strings",
        title="文字条目过多",
        template="文件中的文字条目超过 {limit} 条，疑似恶意构造，已拒绝读取",
    ),
    # Worker pool (toolkit/core/pool.py): why the process reading a file ended; the reason given in
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
        code="worker-cpu",
        title="超出处理时间上限",
        template="读取此文件所用处理时间超出上限（{seconds} 秒 CPU 时间），已停止读取，疑似恶意构造",
    ),
    Message(
        code="worker-timeout",
        title="处理超时",
        template="处理超时（超过 {seconds} 秒仍未读完），已停止读取",
    ),
    # mail (issue 16): send and collect (toolkit/mail/send.py, collect.py, mail_message.py).
    Message(
        code="mail-template",
        title="邮件文本模板有误",
        template="邮件文本模板 {path} 无法使用：{reason}",
    ),
    Message(
        code="mail-server",
        title="无法连接邮件服务器",
        template="无法连接{role}服务器 {server}：{reason}。{hint}",
    ),
    Message(
        code="mail-login",
        title="邮箱登录失败",
        template="{role}服务器 {server} 拒绝登录（用户 {user}）：{reason}。"
        "请核对 {user_option} 和密码（授权码，取自环境变量 {variable} 或提示输入）。",
    ),
    Message(
        code="mail-cafile",
        title="证书文件无法使用",
        template="--cafile 指定的证书文件 {path} 无法使用：{reason}。",
    ),
    Message(
        code="mail-tls-twice",
        title="加密方式给出了两次",
        template="--tls 是 {option} 的旧名称，两者的值不同（{old}、{new}）；请只用 {option}。",
    ),
    Message(
        code="mail-address",
        title="发件地址无效",
        template="{option} 的地址“{address}”无效，应形如 office@example.org。",
    ),
    Message(
        code="mail-server-option",
        title="服务器地址有误",
        template="{option} 的值“{value}”无效，应为 主机名 或 主机名:端口，如 smtp.example.org:465。",
    ),
    Message(
        code="mail-tls",
        title="加密方式有误",
        template="{option} 只能是 {choices}，不能是“{value}”。",
    ),
    Message(
        code="mail-manifest",
        title="没有发送清单",
        template="在 {path} 中没有找到 manifest.csv（由 nianbao generate 生成），或其中没有任何单位。",
    ),
    Message(
        code="mail-only-unknown",
        title="没有该单位",
        template="--only 指定的单位代码 {codes} 不在发送清单中。",
    ),
    Message(
        code="mail-folder",
        title="邮箱文件夹无法打开",
        template="无法打开邮箱文件夹“{folder}”：{reason}",
    ),
    Message(
        code="mail-no-password",
        title="没有密码",
        template="没有邮箱密码：请设置环境变量 {variable}，或在终端中运行以便输入密码。",
    ),
    Message(
        code="mail-rate",
        title="发送速率有误",
        template="--rate 应为每分钟发送的封数（大于 0），不能是“{value}”。",
    ),
    Message(
        code="mail-feedback-empty",
        title="没有审核意见",
        template="在 {path} 中没有找到审核意见（<单位代码>.txt，由 nianbao check --feedback 生成）。",
    ),
    Message(
        code="mail-log-unreadable",
        title="记录文件无法读取",
        template="记录文件 {path} 无法读取（{reason}）。为免丢失已有记录，未收发任何邮件；请修复或移走该文件后重试。",
    ),
    Message(
        code="mail-smtp-missing",
        title="没有发件服务器",
        template="请用 --smtp 指定发件服务器，或用 --dry-run 文件夹 只生成 .eml 文件。",
    ),
    Message(
        code="mail-reply-needs-smtp",
        title="回复需要发件服务器",
        template="--reply 须同时给出 --smtp 和 --sender（回复用的发件服务器和地址），并加 --check。",
    ),
    # mail (issue 16): reasons given per agency, per attachment and per server reply.
    Message(code="mail-no-address", title="没有电子邮箱", template="名单中没有电子邮箱"),
    Message(code="mail-bad-address", title="电子邮箱无效", template="电子邮箱地址无效"),
    Message(code="mail-attach-missing", title="附件文件不存在", template="找不到文件 {name}"),
    Message(
        code="mail-attach-unreadable",
        title="附件文件无法读取",
        template="无法读取 {name}：{reason}",
    ),
    Message(
        code="mail-attach-too-large",
        title="附件过大",
        template="{name} 超过 25 MB，邮件服务器通常不接受",
    ),
    Message(code="mail-text-too-large", title="文本过大", template="文件过大"),
    Message(code="mail-text-encoding", title="文本编码有误", template="不是 UTF-8 编码的文本"),
    Message(code="mail-text-subject", title="缺少主题行", template="第一行须为“主题：……”"),
    Message(
        code="mail-net-certificate",
        title="证书无法验证",
        template="服务器证书无法验证（{reason}）",
    ),
    Message(code="mail-net-tls", title="加密连接失败", template="加密连接失败（{reason}）"),
    Message(
        code="mail-net-unsupported",
        title="服务器不支持",
        template="服务器不支持所需的功能（如登录或 STARTTLS）",
    ),
    # What to change when a server cannot be reached: the options of that server only.
    Message(
        code="mail-hint-server",
        title="请核对服务器设置",
        template="请核对 {host}（主机名和端口）和 {tls}（加密方式 ssl、starttls 或 none，须与端口相符）。",
    ),
    Message(
        code="mail-hint-certificate",
        title="请核对证书",
        template="请核对 {host} 的主机名（须与证书相符）；单位内部证书请用 --cafile 指定。",
    ),
    Message(
        code="mail-tls-renamed",
        title="选项已改名",
        template="提示：--tls 已改名为 {option}（{role}服务器的加密方式），旧名称仍可使用。",
    ),
    Message(
        code="mail-replies-pending",
        title="回复未能发出",
        template="{count} 封回复未能发出，下次运行 collect --reply 时会补发。",
    ),
    Message(
        code="mail-replies-failed",
        title="回复未能发出",
        template="{count} 封回复未能发出，下次运行 collect --reply 时会补发。原因：{reason}",
    ),
    Message(code="mail-net-disconnected", title="连接断开", template="服务器断开了连接"),
    Message(code="mail-net-reply", title="服务器答复", template="服务器答复 {code} {text}"),
    Message(code="mail-net-host", title="找不到主机", template="找不到该主机名"),
    Message(code="mail-net-timeout", title="连接超时", template="连接超时"),
    Message(
        code="mail-net-refused", title="连接被拒绝", template="连接被拒绝（端口上没有邮件服务）"
    ),
    Message(code="mail-too-large", title="附件过大", template="附件超过 {size}"),
    Message(
        code="mail-message-too-large", title="邮件过大", template="邮件大小 {size} 字节，超过上限"
    ),
    Message(code="mail-fetch-failed", title="邮件无法取回", template="邮件无法取回"),
    Message(
        code="mail-unparsable",
        title="邮件无法解析",
        template="邮件结构无法解析（{reason}），已跳过，以后收取不再重复处理",
    ),
    Message(
        code="mail-too-deep",
        title="邮件嵌套过深",
        template="邮件的嵌套部分超过 {count} 层（个），疑似恶意构造，已跳过",
    ),
    Message(
        code="mail-too-many-attachments",
        title="附件过多",
        template="邮件的报表附件超过 {count} 个，其余未处理",
    ),
    Message(
        code="mail-more-next-run",
        title="邮件过多",
        template="本次最多收取 {limit} 封邮件，还有 {count} 封留待下次收取",
        severity=Severity.WARNING,
    ),
    Message(
        code="sender-mismatch",
        title="发件人不符",
        template="发件人 {sender} 不是名册中 {code} {name} 的邮箱 {roster}："
        "未作为该单位的报表使用，另存于 {folder}，请人工核实",
    ),
    Message(code="mail-no-workbook", title="没有报表附件", template="邮件中没有报表附件"),
    Message(code="mail-duplicate", title="重复的附件", template="与已保存的 {file} 相同"),
    Message(
        code="mail-unidentified",
        title="未识别单位",
        template="不是下发的模板（没有单位信息），请人工查看",
    ),
    Message(
        code="mail-zip-members",
        title="压缩包文件过多",
        template="压缩包内文件超过 {count} 个，疑似恶意构造",
    ),
    Message(
        code="mail-zip-ratio",
        title="压缩比异常",
        template="压缩包压缩比异常（疑似“压缩炸弹”），已拒绝",
    ),
    Message(
        code="mail-zip-member-too-large",
        title="压缩包内文件过大",
        template="压缩包内的 {name} 超过 {size}",
    ),
    Message(
        code="mail-zip-total",
        title="压缩包解压后过大",
        template="压缩包解压后过大（疑似“压缩炸弹”），已拒绝",
    ),
    Message(
        code="mail-zip-size-lie",
        title="压缩包记录不符",
        template="压缩包中的文件大小与记录不符，已拒绝",
    ),
    Message(code="mail-zip-encrypted", title="压缩包已加密", template="压缩包已加密，无法打开"),
    Message(code="mail-zip-broken", title="压缩包已损坏", template="压缩包已损坏，无法打开"),
    Message(code="mail-zip-empty", title="压缩包中没有报表", template="压缩包中没有报表文件"),
    # issue 12 part 3 (--form): the form definition file a command is given.
    Message(
        code="form-unreadable",
        title="表式定义文件无法读取",
        template="无法读取表式定义文件 {path}：{reason}",
    ),
    Message(
        code="form-too-large",
        title="表式定义文件过大",
        template="表式定义文件 {path} 超过 {limit}，不像是表式定义文件。",
    ),
    Message(
        code="form-malformed",
        title="表式定义文件内容有误",
        template="表式定义文件 {path} 内容有误：某一项的值类型不对（{reason}）。请对照内置的 gov-info-2021.toml 检查各项的写法。",
    ),
    Message(
        code="previous-other-form",
        title="上年汇总表的表式不同",
        template="上年汇总表 {path} 的表式为“{actual}”，不是本次使用的“{expected}”，无法用于核对上年数据。"
        "请用同一表式的上年汇总表或上年报回的文件。",
    ),
    # render: the published report (issue 13)
    Message(
        code="render-format",
        title="输出格式无效",
        template="--format 的值“{value}”无效：可选 {known}，多个用逗号分隔（如 docx,html）。",
    ),
    Message(
        code="render-template-bad",
        title="Word 模板无法使用",
        template="Word 模板 {path} 无法打开（{reason}）。请确认它是 .docx 文件，或不给 --template 使用内置模板。",
    ),
    Message(
        code="render-template-styles",
        title="Word 模板缺少样式",
        template="Word 模板 {path} 缺少样式：{styles}。修改模板时可以改样式的字体字号，但请保留样式名称。",
    ),
    Message(
        code="render-no-libreoffice",
        title="未安装 LibreOffice",
        template="生成 PDF 需要 LibreOffice（soffice），本机未找到。请安装 LibreOffice（Debian/Ubuntu："
        "make libreoffice fonts），或用 --format docx,html 只生成 Word 和网页版。",
    ),
    Message(
        code="render-pdf-timeout",
        title="生成 PDF 超时",
        template="LibreOffice 转换 PDF 超过 {seconds} 秒仍未完成，已停止。Word 和网页版不受影响。",
    ),
    Message(
        code="render-pdf-failed",
        title="生成 PDF 失败",
        template="LibreOffice 未能生成 PDF（{reason}）。",
    ),
    Message(
        code="rollup-level",
        title="汇总层级无效",
        template="--level 的值“{value}”无效：可选 {known}。",
    ),
    Message(
        code="render-rollup-unreadable",
        title="汇总表无法读取",
        template="无法从汇总表 {path} 读取明细数据，不能起草汇总的年度报告。",
    ),
    # Published reports read by `nianbao import` (issue 14): where something is in the source.
    Message(code="place-page", title="页", template="第{n}页"),
    Message(code="place-table", title="表格", template="第{n}个表格"),
    Message(code="place-row", title="行", template="第{n}行"),
    Message(code="place-line", title="行（文本）", template="第{n}行"),
    Message(
        code="no-published",
        title="没有找到公开的年度报告",
        template="在 {paths} 中没有找到任何年度报告文件（.html、.htm、.docx、.pdf、.txt、.md）。",
    ),
    Message(
        code="import-worker-died",
        title="无法读取",
        template="读取时中止：{reason}",
    ),
    Message(
        code="import-no-year",
        title="无法确定年度",
        template="标题中没有找到报告年度，文件名中也没有；请用 --year 指定。",
    ),
    Message(
        code="import-year-differs",
        title="年度与 --year 不同",
        template="报告标题为 {found} 年，与 --year {expected} 不同；按标题的 {found} 年导入。",
    ),
    Message(
        code="import-agency-disagrees",
        title="单位名称不一致",
        template="页面标题、正文标题和文件名所指的单位不一致（{names}），未导入、未生成令牌，请人工核实。",
    ),
    Message(
        code="import-agency-near",
        title="单位按名称近似匹配",
        template="标题中的单位“{title}”按名称近似对应名单中的“{name}”（{code}），请核对。",
    ),
    Message(
        code="import-agency-unmatched",
        title="名单中没有对应单位",
        template="标题中的单位“{title}”在名单中没有唯一对应的单位（近似的有 {count} 个），"
        "已按标题名称导入，单位代码由名称生成。",
    ),
    # Why a table cell of a published report was not read (published_tables.Problem.reason).
    Message(
        code="import-table-missing",
        title="未找到此表",
        template="报告中没有找到这张表（按其行标题查找）。",
    ),
    Message(
        code="import-other-columns",
        title="列标题不是本表式的",
        template="找到这一行，但报告中没有本表式的列标题（可能是旧版表式的表格），数字的含义不同，未导入。",
    ),
    Message(
        code="import-label-similar",
        title="按相近的行标题读取",
        template="报告中这一行的标题为“{detail}”，与表式不完全相同；按其位置和相近的标题读取，请核对。",
    ),
    Message(
        code="import-row-missing",
        title="未找到此行",
        template="报告中没有找到这一行。",
    ),
    Message(
        code="import-columns-unclear",
        title="列对不上",
        template="找到这一行，但其中的格数与表式的列对不上，无法确定各数字属于哪一列：{detail}",
    ),
    Message(
        code="import-part-divided",
        title="未分部分的段落已按语句分开",
        template="“{section}”没有分部分，已在“{start}…”处分开：之前记入“{first}”，"
        "之后记入“{second}”，请核对。",
    ),
    Message(
        code="import-part-undivided",
        title="未分部分的段落整段保留",
        template="“{section}”没有分部分，也找不到唯一的分界（如“下一步”“整改措施”），"
        "全文记入“{first}”，请核对。",
    ),
    Message(
        code="import-row-short",
        title="此行数字少于列数",
        template="找到这一行，但其中的数字少于表式的列数（数字个数/列数：{detail}），"
        "无法确定缺的是哪几列（可能是空白格），此行未导入，请按原报告填写。",
    ),
    Message(
        code="import-row-twice",
        title="此行出现两次且数字不同",
        template="这一行在报告中出现两次（另一处在{detail}），数字不同，无法确定哪个是本表的数字。",
    ),
    # import readers: why a published report cannot be read, and what a reader wants the user to know
    Message(
        code="import-empty", title="文件为空", template="文件为空（0 字节），没有可读取的内容。"
    ),
    Message(
        code="import-unreadable",
        title="无法读取",
        template="无法读取文件：{reason}。",
    ),
    Message(
        code="import-too-large",
        title="文件过大",
        template="文件过大（{size} MB），超过此类文件 {limit} MB 的上限。",
    ),
    Message(
        code="import-not-text",
        title="编码无法识别",
        template="文件内容既不是 UTF-8 也不是 GBK（GB18030）编码的文本，可能不是文本文件或已损坏。",
    ),
    Message(
        code="import-wrong-content",
        title="内容与扩展名不符",
        template="文件扩展名为 {suffix}，但内容不是 {kind} 格式（可能已损坏，或扩展名被改过）。",
    ),
    Message(
        code="import-unknown-format",
        title="格式无法识别",
        template="无法识别文件格式：可读取网页（.html/.htm）、Word（.docx）、PDF 和文本（.txt、markdown .md）文件。",
    ),
    Message(
        code="import-doc",
        title="旧版 Word 文件",
        template="这是旧版 Word（.doc）文件，无法直接读取：请用 Word 或 WPS 打开后“另存为”.docx 格式再导入。",
    ),
    Message(
        code="import-office-encrypted",
        title="文件已加密",
        template="这是设置了打开密码的 Office 文件，无法读取：请取消密码后另存为 .docx 再导入。",
    ),
    Message(
        code="import-broken-html",
        title="网页无法解析",
        template="网页文件无法解析（{reason}），请在浏览器中打开后另存为网页再导入。",
    ),
    Message(
        code="import-broken-docx",
        title="Word 文件已损坏",
        template="不是有效的 .docx 文件（{reason}），请用 Word 或 WPS 打开后重新保存再导入。",
    ),
    Message(
        code="import-broken-zip",
        title="Word 文件已损坏",
        template="不是有效的 .docx 文件：压缩包已损坏或不完整，请用 Word 或 WPS 打开后重新保存再导入。",
    ),
    Message(
        code="import-not-docx",
        title="不是 Word 文档",
        template="文件是压缩包，但不是 Word 文档（.docx）：其中没有正文部分（word/document.xml）。",
    ),
    Message(
        code="import-zip-bomb",
        title="压缩内容异常",
        template=".docx 文件解压后过大或压缩比异常（疑似压缩炸弹），为安全起见未读取。",
    ),
    Message(
        code="import-broken-pdf",
        title="PDF 文件已损坏",
        template="不是有效的 PDF 文件（{reason}），请重新下载或导出后再导入。",
    ),
    Message(
        code="import-pdf-encrypted",
        title="PDF 已加密",
        template="PDF 文件设置了打开密码，无法读取：请取消密码（或另存一份不加密的 PDF）后再导入。",
    ),
    Message(
        code="import-pdf-bomb",
        title="PDF 压缩内容异常",
        template="PDF 文件中的压缩数据解压后超过 {limit} MB（疑似压缩炸弹），为安全起见未读取。",
    ),
    Message(
        code="import-pdf-complex",
        title="PDF 页面过于复杂",
        template="PDF 的绘制指令过多（到第{page}页为止超过上限，单页上限 {limit} MB），远超年度报告的正常大小，为避免长时间卡住未读取。",
    ),
    Message(
        code="import-pdf-loop",
        title="PDF 对象引用循环",
        template="PDF 中的对象引用首尾相连（超过 {limit} 层仍未结束），疑似恶意构造，为避免卡住未读取。",
    ),
    Message(
        code="import-pdf-xobjects",
        title="PDF 图形对象过多",
        template="PDF 中的图形对象（XObject）被反复嵌套调用，超过 {limit} 次的上限，疑似恶意构造，为避免长时间卡住未读取。",
    ),
    Message(
        code="import-pdf-no-pages",
        title="PDF 没有页面",
        template="PDF 中找不到可读取的页面（页面目录或交叉引用表已损坏），请重新下载或导出后再导入。",
    ),
    Message(
        code="import-too-many-pages",
        title="页数过多",
        template="PDF 共 {pages} 页，超过 {limit} 页的上限：年度报告一般不超过 20 页，请确认文件是否正确。",
    ),
    Message(
        code="import-no-ocr",
        title="未安装文字识别（OCR）",
        template="第{pages}页是扫描图片（没有文字层），需要文字识别（OCR）才能读取，但本机未安装 tesseract 及其简体中文模型。"
        "安装方法：Debian/Ubuntu 在项目目录运行 make ocr，或 sudo apt install tesseract-ocr tesseract-ocr-chi-sim；"
        "Windows 安装 UB Mannheim 版 Tesseract（安装时勾选简体中文 chi_sim），并把安装目录加入 PATH。",
    ),
    Message(
        code="import-note-grid-clamped",
        title="表格过大已截断",
        template="{place}的合并单元格或行列数超出上限（{cols} 列、{rows} 行），超出部分未读取。",
    ),
    Message(
        code="import-note-ocr-pages",
        title="经文字识别读取",
        template="第{pages}页没有文字层（扫描件），已用文字识别（OCR）读取：识别出的数字可能有误，请与原件核对。",
    ),
    Message(
        code="import-note-ocr-off",
        title="扫描页未读取",
        template="第{pages}页没有文字层（扫描件），本次未做文字识别，这些页的内容未读取。",
    ),
    Message(
        code="import-note-ocr-failed",
        title="文字识别失败",
        template="第{page}页的文字识别（OCR）未能完成（{reason}），该页内容未读取。",
    ),
    Message(
        code="import-note-depth",
        title="嵌套过深",
        template="网页的元素嵌套超过 {limit} 层，更深处的内容按纯文本读取。",
    ),
)

# Operating-system errors in Chinese (H2): no English strerror reaches the user.
OS_ERRORS = {
    "ENOSPC": "磁盘空间不足",
    "EDQUOT": "超出磁盘配额",
    "EACCES": "没有权限",
    "EPERM": "操作不被允许（没有权限）",
    "ENOENT": "文件或文件夹不存在",
    "ENOTDIR": "路径中有一部分不是文件夹",
    "EISDIR": "这是一个文件夹",
    "EEXIST": "已存在同名的文件或文件夹",
    "ENAMETOOLONG": "文件名或路径过长",
    "EROFS": "所在磁盘为只读",
    "EIO": "磁盘读写出错",
    "EBUSY": "文件正被占用",
    "ETXTBSY": "文件正被占用",
    "EMFILE": "打开的文件过多",
    "ENFILE": "打开的文件过多",
    "EXDEV": "不能跨磁盘移动文件",
    "ELOOP": "符号链接层数过多（可能是循环链接）",
    "EINVAL": "文件名或参数无效",
    "ENXIO": "设备不存在或未就绪",
    "ENODEV": "设备不存在",
    "EFBIG": "文件过大",
    "ENOTEMPTY": "文件夹不为空",
}
# Windows errors that errno names only vaguely (a sharing violation is EACCES there).
WINDOWS_ERRORS = {
    32: "文件正被其他程序使用（例如在 Excel 或 WPS 中打开），请关闭后重试",  # SHARING_VIOLATION
    33: "文件的一部分被其他程序锁定，请关闭使用它的程序后重试",  # LOCK_VIOLATION
    1224: "文件正被其他程序以映射方式打开，请关闭后重试",  # USER_MAPPED_FILE
}


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
        template="此文件不是{office}下发的填报模板（找不到模板标识）。请在下发的模板中填写后报送，不要另建表格。",
    ),
    Message(
        code="unknown-form",
        title="表式不符",
        template="此文件的表式为“{actual}”，不是本次收集的“{expected}”。请使用本次下发的模板。",
    ),
    Message(
        code="old-format",
        title="旧版表式",
        template="此文件使用的是旧版（{actual}）表式。{expected}年度报告须使用{version}年新版表式（{basis}），请使用本次下发的模板重新填写。",
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
        severity=Severity.WARNING,
    ),
    Message(
        code="wrong-extension",
        title="扩展名与内容不符",
        template="文件扩展名为 .{actual}，内容实为 {expected} 格式，已按 {expected} 读取。建议另存为 .xlsx 后报送。",
        severity=Severity.INFO,
    ),
    Message(
        code="macros",
        title="含有宏",
        template="文件含有宏（VBA 代码）。下发的模板不含宏，请另存为不含宏的 .xlsx 后报送；审核不会运行宏。",
        severity=Severity.WARNING,
    ),
    Message(
        code="external-links",
        title="含有外部链接",
        template="文件含有指向其他工作簿的外部链接，数字可能随其他文件变化。请在原模板中直接填写数字。",
        severity=Severity.WARNING,
    ),
    Message(
        code="pictures",
        title="含有图片或图形",
        template="工作表“{sheet}”中有图片、图形或图表。表格须直接填写数字，不能以图片代替，审核只读取单元格中的数字。",
        severity=Severity.WARNING,
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
        severity=Severity.WARNING,
    ),
    Message(
        code="extra-content",
        title="表格外有多余内容",
        template="工作表“{sheet}”在表格以外有{actual}个非空单元格（如 {cell}），审核不读取这些内容。请勿在模板中另加行列或内容。",
        severity=Severity.WARNING,
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
        code="published-total",
        title="公开版合计与分项之和不符",
        template="{cell}（{label}）公开版印为{actual}，按各分项之和应为{expected}。",
    ),
    Message(
        code="published-total-open",
        title="公开版合计无法核算",
        template="{cell}（{label}）公开版印为{actual}；其分项中有空白或非数字的格，无法核算合计应为多少。",
    ),
    Message(
        code="published-total-unread",
        title="公开版合计未能读取",
        template="{cell}（{label}）公开版印的合计导入时未能读取，表中为各分项之和{expected}，不是原件的数字。请与原件核对。",
        severity=Severity.WARNING,
    ),
    Message(
        code="published-total-unread-open",
        title="公开版合计未能读取",
        template="{cell}（{label}）公开版印的合计导入时未能读取，其分项也不全，已留空。请按原件补填。",
        severity=Severity.WARNING,
    ),
    Message(
        code="protection-removed",
        title="工作表保护被撤销",
        template="工作表“{sheet}”的保护被撤销。审核仍按标准核验，但请勿自行撤销保护。",
        severity=Severity.WARNING,
    ),
    Message(
        code="validation-removed",
        title="数据有效性被删除",
        template="工作表“{sheet}”有{actual}个填报单元格的数据有效性被删除。审核仍逐项核验，但请使用原模板。",
        severity=Severity.WARNING,
    ),
    Message(
        code="stale-result",
        title="计算结果未更新",
        template="{cell}等{count}个合计单元格保存的计算结果与填报数据不符（{cell}保存为{actual}，按填报数据应为{expected}）：文件保存时未重新计算。审核按填报数据重新计算，无需处理。",
        severity=Severity.INFO,
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
        severity=Severity.WARNING,
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
        template="单位“{agency}”报送了{count}份文件：{files}。按{reason}，使用最新的“{expected}”，"
        "其余已被替代，不计入审核结果和汇总。{difference}",
        severity=Severity.WARNING,
    ),
    Message(
        code="missing-agency",
        title="未报送",
        template="名单中的单位“{agency}”尚未报送。",
        severity=Severity.WARNING,
    ),
    Message(
        code="unknown-agency",
        title="名单外单位",
        template="单位“{agency}”不在名单中，请核对单位代码，或将其加入名单。",
        severity=Severity.WARNING,
    ),
    Message(
        code="skipped-file",
        title="已跳过的文件",
        template="已跳过“{file}”：{reason}。",
        severity=Severity.INFO,
    ),
    Message(
        code="previous-unreadable",
        title="上年报告未能读取",
        template="上年报告“{file}”未能读取，未用于跨年核对：{reason}",
        severity=Severity.INFO,
    ),
    Message(
        code="previous-unpaired",
        title="上年报告未对应到单位",
        template="上年报告“{file}”的标题未与名单或本年文件中的任何单位完全一致，未用于跨年核对",
        severity=Severity.INFO,
    ),
    # --- lead: trust (issues 9 and 10): identity, figures, recovery, replaced files ---
    Message(
        code="identity-mismatch",
        title="单位身份不符",
        template="此文件自称“{agency}”的报告，但其模板标识与{office}为该单位签发的不符（{actual}）。"
        "请使用本单位收到的模板填写，不要使用其他单位的模板或修改模板中的单位信息。",
    ),
    Message(
        code="agency-conflict",
        title="同一单位报告不一致",
        template="单位“{agency}”有{count}份内容不同的报告：{files}。{reason}两份均未计入汇总，"
        "请与该单位确认以哪份为准，删除或移走另一份后重新审核。",
    ),
    Message(
        code="implausible",
        title="数字超出合理范围",
        template="{cell}（{label}）为{actual}，超出合理范围（上限{expected}）。请核对是否多填了位数或单位有误。",
    ),
    Message(
        code="error-value",
        title="单元格为错误值",
        template="{cell}（{label}）显示错误值“{actual}”，不是数字。请直接填写阿拉伯数字，不要填写公式。",
    ),
    Message(
        code="number-format",
        title="单元格格式被改动",
        template="{cell}（{label}）的数字格式被改为“{actual}”，显示的数字可能与实际保存的{expected}不同。"
        "审核按实际保存的数字进行，请恢复模板原有格式并核对数字。",
    ),
    Message(
        code="cell-missing",
        title="单元格未能读取",
        template="{cell}（{label}）未能从报回文件中读取（表格结构被改动，找不到对应的行列标题）。请补填。",
    ),
    Message(
        code="roster-leading-zeros",
        title="名单单位代码疑似丢失前导零",
        template="名单中的单位代码“{roster}”与报回文件中的“{actual}”只差开头的0（前导零），已按同一单位处理。"
        "名单可能在 Excel 中被当作数字保存，请将代码列设为文本格式后改正名单。",
        severity=Severity.WARNING,
    ),
    # rollup of rollups (issue 13, part 3)
    Message(
        code="counted-twice",
        title="单位被重复计入",
        template="{agency}已包含在下级汇总表 {rollup} 中，不能再次计入（同一单位只计一次）；此份未计入。",
    ),
    Message(
        code="rollup-sums-differ",
        title="下级汇总表合计不符",
        template="下级汇总表 {path} 的汇总数与其明细之和不符：{cells}。汇总表可能被手工改动，"
        "本次按明细重新计算，请向报送单位核实。",
        severity=Severity.WARNING,
    ),
    Message(
        code="rollup-unreadable",
        title="下级汇总表无法读取",
        template="无法读取下级汇总表 {path} 的明细或汇总数据{reason}。",
    ),
    Message(
        code="rollup-wrong-year",
        title="下级汇总表年度不符",
        template="下级汇总表 {path} 是 {actual} 年度的，本次汇总 {expected} 年度，未计入。",
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
    Message(
        code="layout-shifted",
        title="表格结构被改动",
        template="工作表“{sheet}”的表格被插入或删除了行列（如{cell}应为“{expected}”，实为“{actual}”），"
        "已按行列标题找到全部数据并据此审核。请使用原模板，不要插入或删除行列。",
        severity=Severity.WARNING,
    ),
    Message(
        code="feedback-missing",
        title="未能读取的单元格",
        template="以下单元格未能从报回文件中读取，请补填：{cells}。",
    ),
    Message(
        code="feedback-missing-cell",
        title="未能读取",
        template="【错误】此单元格未能从报回文件中读取（表格结构被改动），请补填。",
    ),
    Message(code="feedback-deadline", title="默认期限", template="收到本通知后3个工作日内"),
    Message(
        code="feedback-more",
        title="更多问题",
        template="……另有{count}处问题，详见附件的“审核意见”工作表。",
    ),
    # --- The workspace and its ledger (issue 21) ---
    Message(
        code="workspace-none",
        title="不在工作区中",
        template="当前文件夹 {path} 不在任何工作区中。请用 --workspace 指定工作区文件夹，"
        "或先用 nianbao init 建立工作区；也可以像以前一样直接给出文件或文件夹。",
    ),
    Message(
        code="workspace-no-ledger",
        title="不是工作区",
        template="{path} 不是 nianbao 工作区（其中没有台账 nianbao.db）。"
        "请先运行 nianbao init {path} --year 年度 --district 地区 --roster 名单。",
    ),
    Message(
        code="workspace-ledger-lost",
        title="工作区台账丢失",
        template="{path} 中有工作区的文件，但台账 nianbao.db 不见了。"
        "请运行 nianbao init {path} --rebuild 从保存的文件重建台账（文件都还在）。",
    ),
    Message(
        code="workspace-ledger-broken",
        title="工作区台账无法打开",
        template="工作区台账 {path} 无法打开：{reason}。可把它改名后运行 nianbao init --rebuild "
        "从保存的文件重建（收到的文件不会丢失）。",
    ),
    Message(
        code="workspace-ledger-newer",
        title="台账版本较新",
        template="工作区台账由较新版本的 nianbao 建立（第 {version} 版格式，本版本只认识到第 {known} 版）。"
        "请升级 nianbao 后再使用这个工作区。",
    ),
    Message(
        code="workspace-busy",
        title="工作区正被使用",
        template="另一个 nianbao 命令正在写入工作区 {path}（{command}，进程 {pid}，开始于 {since}）。"
        "请等它结束后再运行。",
    ),
    Message(
        code="workspace-init-needs",
        title="缺少选项",
        template="新建工作区需要 {option}。",
    ),
    Message(
        code="workspace-year-differs",
        title="年度不同",
        template="工作区收集的是{kept}年度的报告，与给定的 --year {given} 不同。"
        "每个年度请建立一个工作区。",
    ),
    Message(
        code="workspace-key-differs",
        title="单位校验密钥不同",
        template="{path} 中的单位校验密钥与工作区已有的不同。一个工作区只用一个密钥："
        "用不同密钥下发的模板，报回后无法在同一工作区中核验。",
    ),
    Message(
        code="workspace-district-differs",
        title="地区不同",
        template="工作区的地区是“{kept}”，与给定的 --district “{given}”不同。"
        "一个工作区只收集一个地区一个年度的报告。",
    ),
    Message(
        code="workspace-settings-missing",
        title="工作区设置无法读取",
        template="无法读取工作区设置 {path}：{reason}。重建台账需要 nianbao init 时写下的这个文件。",
    ),
    Message(
        code="workspace-file-changed",
        title="文件在读取时被改动",
        template="{path} 在读取时被改动，未保存到工作区。请稍后重试。",
    ),
    Message(
        code="workspace-file-too-large",
        title="文件过大",
        template="{path} 超过 {limit} MB，不是年报工作簿，未保存到工作区。",
    ),
    Message(
        code="workspace-file-unreadable",
        title="文件无法读取",
        template="无法读取 {path}：{reason}",
    ),
    Message(
        code="workspace-choose-none",
        title="没有该单位的文件",
        template="工作区中没有单位 {code} 的报回文件。",
    ),
    Message(
        code="workspace-choose-which",
        title="无法确定是哪份文件",
        template="单位 {code} 的文件中没有唯一与“{file}”对应的一份。该单位的文件：{files}",
    ),
    Message(
        code="workspace-paths",
        title="工作区中不需要给出文件",
        template="{command} 在工作区中运行时使用台账中计入的文件，不需要再给出文件或文件夹"
        "（要收入新文件，请用 nianbao check --workspace 工作区 文件或文件夹）。",
    ),
    Message(
        code="workspace-option",
        title="工作区中不使用该选项",
        template="在工作区中运行时不使用 {options}：名单、年度、地区、校验密钥和表式都由工作区记录，"
        "文件由工作区收取。请去掉这些选项（或不用 --workspace，按文件夹运行）。",
    ),
    Message(
        code="workspace-needs-out",
        title="缺少输出",
        template="不在工作区中运行时需要 {option}。",
    ),
    # --- figb: text-vs-table from the extractor (issue 15, phase B) ---
    Message(
        code="stated-figure-quote",
        title="文中数字与表格单元格",
        template="文中：“{sentence}”；表{table}“{cell}” = {value}",
    ),
)


# Errors of a form definition file (form_file.py, form_charts.py, rules.py, stated.py), read by
# whoever writes a form file, not by the office. `form-file-error` says where; the others are the
# problem it names.
_FORM_FILE = (
    Message(
        code="form-file-error",
        title="表式定义文件有误",
        template="表式定义文件 {path}：{where}：{problem}",
    ),
    Message(
        code="form-syntax",
        title="表式定义文件格式错误",
        template="表式定义文件 {path} 格式错误：{reason}",
    ),
    Message(code="form-not-utf8", title="不是 UTF-8 编码", template="不是 UTF-8 编码"),
    Message(
        code="form-total-cycle",
        title="合计循环引用",
        template="表式定义文件 {path}：合计之间循环引用",
    ),
    Message(code="form-not-table", title="应为表", template="应为表（键值对）"),
    Message(code="form-unknown-keys", title="未知的键", template="未知的键 {keys}"),
    Message(code="form-missing-keys", title="缺少键", template="缺少键 {keys}"),
    Message(
        code="form-bad-key",
        title="键的写法不对",
        template="键 {key} 须为小写字母开头的 ASCII 标识符",
    ),
    Message(code="form-not-text", title="应为文字", template="应为非空文字"),
    Message(code="form-not-texts", title="应为文字列表", template="应为文字列表"),
    Message(code="form-duplicates", title="重复", template="重复：{values}"),
    Message(code="form-table-unreferenced", title="表未被引用", template="须恰好被一个章节引用"),
    Message(
        code="form-rule-id-taken",
        title="规则代码已被占用",
        template="{ids} 已是固定的问题代码，请换一个",
    ),
    Message(code="form-max", title="上限不对", template="max 须为正数"),
    Message(
        code="form-sheet-name",
        title="工作表名不对",
        template="工作表名 {sheet} 不能超过31个字符或含有 []:*?/\\",
    ),
    Message(
        code="form-table-section",
        title="表格章节不对",
        template="表格章节须以 table 指向已定义的表，且不含 parts",
    ),
    Message(
        code="form-section-kind",
        title="章节类型不对",
        template="kind 须为 table 或 narrative；文字章节须有 parts（draft 写在各部分）",
    ),
    Message(
        code="form-omit-if-empty",
        title="omit_if_empty 不对",
        template="omit_if_empty 须为 true 或 false，且不与 if_empty 同时给出",
    ),
    Message(
        code="form-label-columns", title="标签列数不对", template="label_columns 须为0到5的整数"
    ),
    Message(code="form-block-empty", title="表块为空", template="须至少有一列和一行"),
    Message(
        code="form-label-columns-differ",
        title="标签列数不一致",
        template="同一表各块的 label_columns 须相同",
    ),
    Message(
        code="form-column-types-differ",
        title="列类型不一致",
        template="列 {column} 在不同块中类型不一致",
    ),
    Message(
        code="form-column-type", title="列类型不对", template="type {type} 须为 count 或 amount"
    ),
    Message(code="form-column-path", title="列没有表头", template="列 {column} 须有表头文字"),
    Message(
        code="form-row-path",
        title="行标签层数过多",
        template="行 {row} 的标签层数超过 label_columns",
    ),
    Message(
        code="form-total-kind",
        title="合计写法不对",
        template="须为 column + sum_of_columns 或 row + sum_of_rows",
    ),
    Message(code="form-total-empty", title="合计所指不存在", template="所指的行或列不存在"),
    Message(
        code="form-unknown-cells", title="单元格不存在", template="引用了不存在的单元格 {cells}"
    ),
    Message(
        code="form-rule-id", title="规则代码写法不对", template="id {id} 须为小写字母、数字和连字符"
    ),
    Message(code="form-severity", title="规则级别不对", template="severity 须为 error 或 warning"),
    Message(code="form-layout", title="规则排列不对", template="layout 须为 row、column 或 list"),
    Message(
        code="form-warning-layout",
        title="提示级规则排列不对",
        template="提示级规则须用 layout = list（模板为其留说明栏）",
    ),
    Message(code="form-unknown-table", title="表未定义", template="table {table} 未定义"),
    Message(code="form-rule-target", title="规则没有对象", template="须指明 table 或文字部分"),
    Message(code="form-each", title="each 不对", template="each 须为 row 或 column"),
    Message(
        code="form-over-keys", title="over 中的键不存在", template="over 中有不存在的键 {keys}"
    ),
    Message(
        code="form-previous-only",
        title="上年数据只能由 previous 规则引用",
        template="只有 previous 规则可以引用上年数据（prev:）",
    ),
    Message(
        code="form-unknown-part", title="文字部分不存在", template="引用了不存在的文字部分 {part}"
    ),
    Message(
        code="form-draft-braces",
        title="draft 花括号不成对",
        template="draft 中的花括号不成对：{reason}",
    ),
    Message(
        code="form-draft-field",
        title="draft 字段不可用",
        template="draft 中的 {{{name}}} 不是可用的字段（可用：{known}）",
    ),
    Message(
        code="form-chart-type", title="图表类型不对", template="type {type} 须为 column、bar 或 pie"
    ),
    Message(
        code="form-chart-by",
        title="图表 by 不对",
        template="by {by} 须为 cells、groups 或 agencies",
    ),
    Message(
        code="form-chart-fields",
        title="图表的键不对",
        template="by = {by} 的图表须有 {needed}，且只有 {needed}",
    ),
    Message(
        code="form-chart-series",
        title="图表系列不一致",
        template="各系列的单元格数须相同，并与 categories 一致",
    ),
    Message(code="form-chart-top", title="图表 top 不对", template="top 须为非负整数"),
    Message(
        code="form-zero-each", title="zero 规则的 each 不对", template="zero 规则的 each 须为 none"
    ),
    Message(code="form-cells-empty", title="没有单元格", template="cells 须至少列出一个单元格"),
    Message(code="form-parts-empty", title="没有文字部分", template="parts 须至少列出一个文字部分"),
    Message(
        code="form-parts-too-many",
        title="文字部分过多",
        template="parts 最多{most}个：模板的状态公式不能超过{limit}个字符",
    ),
    Message(code="form-keywords-empty", title="没有关键词", template="keywords 须至少有一个关键词"),
    Message(
        code="form-keywords-quote",
        title="关键词含有特殊字符",
        template='keywords 不能含有英文双引号 " 或 * ? ~',
    ),
    Message(
        code="form-kinds-not-list",
        title="单位类别不是列表",
        template="应为 [[agency_kinds]] 表的列表",
    ),
    Message(
        code="form-kinds-bad-pattern",
        title="单位类别的名称规则无效",
        template="names 中的正则表达式“{pattern}”无效：{reason}",
    ),
    Message(
        code="form-rule-kind-unknown",
        title="规则的适用单位类别未定义",
        template="applies_to 中的单位类别 {kinds} 未在 [[agency_kinds]] 中定义",
    ),
    Message(
        code="form-keywords-blank",
        title="关键词含有空白",
        template="keywords 不能含有空格或其他空白字符",
    ),
    Message(
        code="form-keywords-too-many",
        title="关键词过多",
        template="keywords 过多：模板的状态公式不能超过{limit}个字符",
    ),
    Message(
        code="form-figure-cell",
        title="数字所指单元格不存在",
        template="{figures} 引用了不存在的单元格 {cell}",
    ),
    Message(
        code="form-unknown-kind", title="规则类型未知", template="kind {kind} 未知，须为 {kinds}"
    ),
    Message(
        code="form-kind-retired",
        title="规则类型已停用",
        template='规则类型 text-figure 已停用，请改用 kind = "stated-figure"（parts、figures）',
    ),
    Message(
        code="form-figures-name",
        title="figures 文件名不对",
        template="{name} 须为表式定义文件同一文件夹中的 .toml 文件名",
    ),
    Message(
        code="form-figures-too-large", title="figures 文件过大", template="{name} 超过 {size} KB"
    ),
    Message(
        code="form-figures-not-utf8",
        title="figures 文件编码不对",
        template="{name} 不是 UTF-8 文本",
    ),
    Message(
        code="form-figures-unreadable",
        title="figures 文件无法读取",
        template="无法读取 {name}：{reason}",
    ),
    Message(
        code="form-figures-syntax",
        title="figures 文件格式错误",
        template="figures 文件 {source} 格式错误：{reason}",
    ),
    Message(
        code="form-families",
        title="数字类别未定义",
        template="families 须为 {source} 中定义的类别：{unknown}",
    ),
    Message(code="form-families-none", title="没有类别", template="（空）"),
)

MESSAGES: dict[str, Message] = {
    message.code: message for message in (*_ALL, *_FINDINGS, *_FEEDBACK, *_FORM_FILE)
}
FINDINGS: dict[str, Message] = {message.code: message for message in _FINDINGS}


def os_reason(exc: OSError) -> str:
    """An operating-system error in Chinese: the translated errno, or its symbolic name."""
    import errno

    winerror = getattr(exc, "winerror", None)  # set on Windows only
    if winerror in WINDOWS_ERRORS:
        return WINDOWS_ERRORS[winerror]
    name = errno.errorcode.get(exc.errno or 0, "")
    if name in OS_ERRORS:
        return OS_ERRORS[name]
    return f"系统错误（{name or exc.errno or type(exc).__name__}）"


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
