"""Figures stated in the narrative of an annual report, and the table cells they must equal.

Real reports state their figures in prose in many ways: "2023年共受理政府信息依申请公开121件(其中
本年度新收申请数112件,上年结转申请数9件),已答复119件,属于同意公开的60件", "全年未接到信息公开
申请", "共收到政府信息公开申请十二件", "办理回复23件". `stated_figures` finds every such statement
and names it by a figure family ("new", "accepted", "granted", "review_total", "normative_issued"…);
templates/gov-info-2021-figures.toml maps each family to the table cells it must equal
(`parse_families`), and `agrees` compares one statement with the tables.

How a figure is named: the text is cut into clauses at 。；; and line ends; each number followed by a
counting unit (件, 条, 宗, 项, 份, 次, 起, 例, 篇; 万元 or 元 for fees) is named by the keyword nearest
before it in its own part of the clause (after the previous figure and the last comma): a verb
(收到 → new, 受理 → accepted, 办结/答复 → handled), a result category (部分公开 → partial), a
carry-over (上年结转, 结转下一年, 结转至<year>), 行政复议, 行政诉讼, a 规范性文件 action (制发, 废止,
现行有效), a 表二 row named right before its figure (行政处罚538件). With no keyword before it, a
category right after the figure ("1件…不予公开") or a request noun ("依申请公开3次", weaker than any
keyword) names it. Keywords for other things (留言, 热线, 信访, 访问量, 行政许可申请, 类信息,
比去年, 处理…) are named too, so that the nearest keyword being one of them silences the figure. A
clause whose paragraph never says "申请" gives no figure named by a verb. Statements of none
("未收到政府信息公开申请", "无下年度结转", "未发生…行政复议、行政诉讼") give 0.

A statement that cannot be read with confidence gives nothing: a false warning costs an office more
than a missed one. When one text gives two different values to one family, neither is kept.

Pure functions, no I/O: callers read the files (form loader, check, the importer, the bench).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace

__all__ = [
    "Family",
    "StatedFigure",
    "agrees",
    "chinese_number",
    "parse_families",
    "stated_figures",
]


@dataclass(frozen=True)
class StatedFigure:
    """One figure a narrative states: its family, its value, the clause it came from and where."""

    family: str
    value: float
    sentence: str  # the clause, as written (original characters)
    span: tuple[int, int]  # the figure's characters in the text given to `stated_figures`


@dataclass(frozen=True)
class Family:
    """A figure family of the form: the table cells whose sum the stated figure must equal."""

    key: str
    title: str
    cells: tuple[str, ...]
    alternatives: tuple[tuple[str, ...], ...] = ()
    unit: str = "count"


def parse_families(toml_text: str) -> dict[str, Family]:
    """The families of a figures file (templates/gov-info-2021-figures.toml), by key."""
    data = tomllib.loads(toml_text)
    families: dict[str, Family] = {}
    for key, spec in data.get("families", {}).items():
        if not isinstance(spec, dict) or not spec.get("cells"):
            raise ValueError(f"figure family {key!r} has no cells")
        families[key] = Family(
            key=key,
            title=str(spec.get("title", key)),
            cells=tuple(str(c) for c in spec["cells"]),
            alternatives=tuple(tuple(str(c) for c in alt) for alt in spec.get("alternatives", ())),
            unit=str(spec.get("unit", "count")),
        )
    return families


def agrees(figure: StatedFigure, family: Family, values: Mapping[str, float]) -> bool | None:
    """Whether a stated figure equals the tables under some reading of its family: True, False, or
    None when a cell it needs is missing (then nothing can be said)."""
    readings = (family.cells, *family.alternatives)
    known = False
    for cells in readings:
        if any(values.get(c) is None or values.get(c) != values.get(c) for c in cells):
            continue  # a blank or NaN cell: this reading cannot be judged
        known = True
        if abs(sum(float(values[c]) for c in cells) - figure.value) < 1e-6:
            return True
    return False if known else None


# --- numbers -----------------------------------------------------------------------------------

# Full-width digits and separators read as ASCII, one character for one, so that spans still hold.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_CN_DIGITS |= {"七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_CN = "零〇一二两三四五六七八九十百千万"
_COUNT_UNIT = "件宗项份次起条例篇"
# A figure: Arabic digits (optionally grouped "1,046") or Chinese numerals, then a counting unit,
# or an amount then 万元 or 元 (fees, read as 万元). Not a figure: "第三", "100余条", "60多批次", "3.5%", years ("2023年").
# Each alternative starts only where its run of digits or numerals starts, and is bounded, so that a
# hostile cell of 32,767 digits costs one attempt, not one per character.
_FIGURE = re.compile(
    rf"(?<![\d.第])(?<!\d,)(?P<num>\d{{1,3}}(?:,\d{{3}})+|\d{{1,12}}(?!\d)"
    rf"|(?<![{_CN}])[{_CN}]{{1,12}}(?![{_CN}]))\s{{0,3}}(?P<unit>[{_COUNT_UNIT}])(?!次数)"
    rf"|(?<![\d.])(?P<amount>\d{{1,3}}(?:,\d{{3}})+(?:\.\d{{1,6}})?|\d{{1,12}}(?:\.\d{{1,6}})?)\s{{0,3}}(?P<scale>万元|元)"
)


def chinese_number(text: str) -> int | None:
    """The value of a Chinese numeral ("十二" 12, "一百零五" 105, "两" 2, "〇" 0), None if not one."""
    if not text or any(ch not in _CN for ch in text):
        return None
    if text[0] not in _CN_DIGITS and text[0] != "十":
        return None  # "万", "百件": a unit word, not a number
    if all(ch in _CN_DIGITS for ch in text):  # "一〇五" read digit by digit
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch == "万":
            total += (section + (digit or 0)) * 10000
            section, digit = 0, None
        else:
            section += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
    return total + section + (digit or 0)


# --- keywords ------------------------------------------------------------------------------------
# (pattern, family). Family None: a keyword of something else, which silences a figure it is nearest
# to. "doc:" families are 表二 actions whose document kind (规章 or 规范性文件) comes from the clause.
# The nearest keyword before a figure wins; of two ending at the same place, the longer.
_APPLICATION_KEYWORDS: tuple[tuple[str, str | None], ...] = (
    (r"新收|新受理|新接收|收到|接到|接收到?|收悉", "new"),
    (r"收到(和|并|及)[^，,]{0,4}?(办理|处理|答复)", "new"),
    (r"受理", "accepted"),
    (r"办结|答复|回复|办理(?!事项)|处理完毕|办复|作出答复", "handled"),
    # "处理N件" is the result total in one report and new + carried over in the next: say nothing
    (r"处理(?!结果|意见|情况)", None),
    # "上年结转1件,共计4件": a bare total right after its parts is new + carried over
    (r"^\s*(共计|合计|总计)(?=\s*$)", "accepted"),
    # a breakdown by channel ("通过网络平台接收27件") is no table figure
    (
        r"通过[^，,。；;]{0,6}?(网络|网上|信函|当面|现场|邮寄|传真|电子邮件)[^，,。；;]{0,8}?"
        r"(接收|收到|提交|申请)(?=\s*$)",
        None,
    ),
    (
        r"(结转|转结|转)(至|到|入)?下一?个?年度?(继续)?(办理|处理|答复)?"
        r"|下一?年度?继续办理",
        "carried_out",
    ),
    (r"上一?年度?(结转|转结|遗留)(答复|办理|处理)?|结转上一?年度?", "carried_in"),
    # carry-overs named by year ("2022年结转至2023年", "结转到2025年度继续办理", "含2022年结转的"):
    # which way they go depends on the year the report covers (`_carry_by_year`)
    (
        r"(\d{4}年度?)?(结转|转结)(至|到|入)?\d{4}年度?(继续)?(办理|处理|答复)?"
        r"|\d{4}年度?结转的?(办理|处理|答复)?",
        "year:",
    ),
    (r"予以公开|同意公开|全部公开|准予公开", "granted"),
    (r"部分公开", "partial"),
    (r"(予以|同意|全部)?公开或部分公开", None),  # two rows merged: no single cell
    (r"不予公开", "withheld"),
    (r"国家秘密", "withheld_secret"),
    (r"法律行政法规禁止公开", "withheld_law"),
    (r"三安全一稳定", "withheld_safety"),
    (r"第三方合法权益", "withheld_third_party"),
    (r"内部事务", "withheld_internal"),
    (r"过程性", "withheld_process"),
    (r"行政执法案卷", "withheld_enforcement"),
    (r"行政查询", "withheld_query"),
    (r"无法提供", "unable"),
    (r"不掌握|信息不存在|政府信息不存在", "unable_not_held"),
    (r"另行制作|没有现成", "unable_create"),
    (r"仍不明确", "unable_unclear"),
    (r"不予处理", "declined"),
    (r"信访举报投诉", "declined_petition"),
    (r"重复申请", "declined_repeat"),
    (r"公开出版物", "declined_publication"),
    (r"大量反复", "declined_mass"),
    (r"确认或重新出具", "declined_confirm"),
    (r"其他处理|其他情形", "other_handling"),
    (r"其他(?=\s*$)", "other_handling?"),  # a bare 其他: only in a clause about requests
    (r"逾期不补正", "other_no_correction"),
    (r"逾期未按收费|未缴纳费用", "other_unpaid_fee"),
    (r"(自然人|公民个人|公民)(提出)?的?申请|(自然人|公民个人)(?=\s*$)", "applicant_natural"),
    (r"法人(或者?|及|和)其他组织((提出)?的?申请|(?=\s*$))", "applicant_org"),
)
_OTHER_KEYWORDS: tuple[tuple[str, str | None], ...] = (
    (r"行政复议|复议", "review_total"),
    (r"行政诉讼|诉讼|起诉", "litigation_total"),
    (r"维持", "case:upheld"),
    (r"纠正|纠错|被撤销|确认违法", "case:corrected"),
    (r"其他结果|撤回|驳回", "case:other"),
    (r"尚未审结|未审结|未结案|审理中|正在办理|正在审理", "case:pending"),
    (r"制发|制定|出台|印发|新发布|发布实施", "doc:issued"),
    (r"废止|清理废止|宣布失效", "doc:repealed"),
    (r"现行有效|继续有效|有效", "doc:in_force"),
    (r"行政许可(决定|办件)|(办理|办结|作出|审批)[^，,。；;]{0,6}行政许可", "licensing"),
    (r"行政处罚(决定|案件)|(作出|办理|办结|查处)[^，,。；;]{0,6}行政处罚", "penalty"),
    (r"行政强制(决定|措施)|(作出|采取|实施)[^，,。；;]{0,6}行政强制", "coercion"),
    (r"行政事业性收费|收费金额", "fees"),
    # keywords of other things: the figure nearest to one of them is not a table figure
    # a kind named right before its figure ("行政处罚538件") counts decisions; anywhere else
    # ("行政许可类信息10条", "行政许可事项14项", "行政处罚信息2条") it counts something else
    (r"行政许可(?=\s*$)", "bare:licensing"),
    # the table's own words: "行政处罚本年处理决定数量803条", "行政许可数量共2条"
    (r"行政许可(本年)?(处理决定)?数量(共|为)?(?=\s*$)", "licensing"),
    (r"行政处罚(本年)?(处理决定)?数量(共|为)?(?=\s*$)", "penalty"),
    (r"行政强制(本年)?(处理决定)?数量(共|为)?(?=\s*$)", "coercion"),
    (r"行政处罚(?=\s*$)", "bare:penalty"),
    (r"行政强制(?=\s*$)", "bare:coercion"),
    (r"行政许可|行政处罚|行政强制|行政执法|许可申请|许可事项", None),
    (
        r"留言|热线|12345|信访|来信|来访|来电|咨询|建议|提案|人大议案|代表议案|工单|诉求件|清单|其他文件|决定书",
        None,
    ),
    (r"访问量|浏览量|点击量|阅读量|关注|粉丝|播放", None),
    (r"比去年|比上年|较去年|较上年|同比|环比|增加|减少|增长|下降|上升", None),
    (r"指南|目录|流程|制度|修改|修订|解读|类信息|信息类", None),
)
_KEYWORDS = tuple((re.compile(p), family) for p, family in _APPLICATION_KEYWORDS + _OTHER_KEYWORDS)
# Words that stand for an information request when no verb is near ("依申请公开3次").
_APPLICATION_NOUN = re.compile(
    r"依申请公开|依申请|信息公开申请|公开申请|申请公开|信息公开的申请|公开(政府)?信息的?申请"
)
# The nouns that name a request figure when no keyword is near; weaker than any keyword.
_WEAK_NOUN = re.compile(r"依申请公开|信息公开申请|公开申请|申请公开|信息公开的申请")
# Result categories may follow their figure ("1件…不予公开", "另2件结转下一年处理").
_AFTER_FAMILIES = frozenset(
    {"granted", "partial", "withheld", "unable", "declined", "other_handling", "carried_out"}
    | {"applicant_natural", "applicant_org"}
)
_DOC_KIND = re.compile(r"规范性文件|规章")
_CASE_KIND = re.compile(r"复议|诉讼|起诉")
# Families named by a verb or a generic word: only in a clause about requests. Result categories and
# carry-overs ("部分公开", "上年结转") are specific enough to stand alone ("处理结果中,部分公开2件").
_REQUEST_ONLY = frozenset(
    {"new", "new~", "accepted", "handled", "applicant_natural", "applicant_org", "other_handling?"}
)
# "其中2件公开": a figure right before a bare 公开 is a granted one.
_GRANTED_AFTER = re.compile(r"\s*(?:予以)?公开(?!或|的|信息|政府)")

# --- statements of none ---------------------------------------------------------------------------
_NEG = r"(?:未(?!经)|没有|无|尚未|均未|暂无|不存在|未曾)"
_NONE_RECEIVED = re.compile(
    rf"{_NEG}(?:收到|接到|接收到?|受理|收)[^，,]{{0,40}}?(?:{_APPLICATION_NOUN.pattern})"
    rf"|无(?:{_APPLICATION_NOUN.pattern})|未有?(?:依)?申请公开(?:件|事项|信息)"
)
_NONE_ACCEPTED = re.compile(rf"{_NEG}受理")
_NONE_CASES = re.compile(
    rf"(?:未发生|未出现|没有发生|没有出现|{_NEG})[^，,]{{0,25}}?(?:复议|诉讼|起诉)"
)
_OUTCOME = re.compile(r"纠错|纠正|败诉|被撤销|确认违法")
_NONE_CARRIED_OUT = re.compile(
    r"无(?:下一?年度?|下年)结转|无结转(?:至|到)?(?:下|\d{4}年)"
    r"|结转(?:至|到)?下一?年度?[^，,]{0,10}?[为:：]?\s*无$"
)
_NONE_CARRIED_IN = re.compile(r"无上一?年度?结转|上一?年度?结转[^，,]{0,10}?[为:：]?\s*无$")
_NONE_ISSUED = re.compile(
    r"(?:未|无|没有)(?P<verbs>(?:制定|出台|制发|印发|发布|废止|、|和|及|或)*)(?:行政)?规范性文件"
    r"(?P<after>出台|制发|印发)?(?!的)"
)
# How far back a keyword is looked for (characters): real clauses are far shorter; a returned file
# may hold 32,767 characters without a stop, and every figure must not rescan all of them.
_REACH = 200
_CLAUSE = re.compile(r"[^。；;！？!?\n]+")
_SUBCLAUSE = re.compile(r"[^，,。；;！？!?\n]+")


def stated_figures(text: str, year: int | None = None) -> list[StatedFigure]:
    """Every figure the text states that a table also holds, in order; see the module docstring.
    `year` is the year the report covers: it tells "结转至2024年" (carried out of 2023, carried into
    2024) one way from the other; without it such a statement says nothing."""
    if not text:
        return []
    norm = text.translate(_FULL_WIDTH)
    found: list[StatedFigure] = []
    for clause in _CLAUSE.finditer(norm):
        if "\t" in clause.group() or "|" in clause.group():
            continue  # a table row pasted into the text: the tables are checked as tables
        found.extend(_clause_figures(text, norm, clause.start(), clause.end(), year))
    return _unambiguous(found)


def _clause_figures(
    text: str, norm: str, start: int, end: int, year: int | None
) -> list[StatedFigure]:
    sentence = text[start:end].strip()
    about_requests = "申请" in _paragraph(norm, start, end)
    figures: list[StatedFigure] = []
    previous_end = start
    matches = list(_FIGURE.finditer(norm, start, end))
    for i, match in enumerate(matches):
        value = _value(match)
        if value is None:
            continue
        before = _own_part(norm[max(previous_end, match.start() - _REACH) : match.start()])
        previous_end = match.end()
        next_start = matches[i + 1].start() if i + 1 < len(matches) else end
        after = _SUBCLAUSE.match(norm, match.end(), next_start)
        family = _family(before, after.group() if after else "", about_requests, year)
        if family and family.startswith("bare:"):
            family = family[5:] if match.group("unit") == "件" else None
        if family and family.startswith("doc:"):
            family = _document_family(
                norm[max(start, match.start() - _REACH) : match.start()], family[4:]
            )
        elif family and family.startswith("case:"):
            family = _case_family(
                norm[max(start, match.start() - _REACH) : match.start()], family[5:]
            )
        if family is None or (match.group("amount") is not None) != (family == "fees"):
            continue
        figures.append(StatedFigure(family, value, sentence, (match.start(), match.end())))
    figures.extend(_statements_of_none(text, norm, start, end))
    return figures


_PART_BREAK = re.compile(r"[，,：:（(]")


def _own_part(before: str) -> str:
    """The words of the figure's own sub-clause: a keyword behind a comma ("…做好答复工作,
    1项当事人撤销申请") speaks of something else."""
    breaks = list(_PART_BREAK.finditer(before))
    return before[breaks[-1].end() :] if breaks else before


def _paragraph(norm: str, start: int, end: int) -> str:
    """A clause's line and the non-blank line before it (a heading such as "(二)依申请公开", or the
    sentence that opened the paragraph): where a clause says what it is about."""
    line_start = norm.rfind("\n", 0, start) + 1
    previous_end = line_start - 1
    while previous_end > 0 and norm[previous_end - 1].isspace():  # skip blank lines
        previous_end -= 1
    previous_start = norm.rfind("\n", 0, max(previous_end, 0)) + 1
    line_end = norm.find("\n", end)
    context = norm[previous_start : line_end if line_end >= 0 else len(norm)]
    return context if len(context) <= 4 * _REACH else norm[start:end]


def _value(match: re.Match[str]) -> float | None:
    if match.group("amount") is not None:  # fees are stated in 万元 in the table
        amount = float(match.group("amount").replace(",", ""))
        return amount if match.group("scale") == "万元" else amount / 10_000
    number = match.group("num")
    if number[0].isdigit():
        return float(number.replace(",", ""))
    value = chinese_number(number)
    return None if value is None else float(value)


def _nearest(window: str, year: int | None) -> tuple[int, str | None] | None:
    """The keyword ending last in the window (the longer of two ending together): (end, family)."""
    best: tuple[int, int, str | None] | None = None
    for pattern, family in _KEYWORDS:
        for m in pattern.finditer(window):
            named = _carry_by_year(m.group(), year) if family == "year:" else family
            candidate = (m.end(), m.end() - m.start(), named)
            if best is None or candidate[:2] > best[:2]:
                best = candidate
    return None if best is None else (best[0], best[2])


_YEAR = re.compile(r"\d{4}")


def _carry_by_year(words: str, year: int | None) -> str | None:
    """ "2022年结转至2023年", "结转到2025年度", "2022年结转的": carried in or out of `year`, or
    nothing when the year is unknown or neither."""
    years = [int(y) for y in _YEAR.findall(words)]
    head = words.split(str(years[-1]))[0]
    target = years[-1] if "结转" in head or "转结" in head else None  # 结转至<target>
    if target is None:  # "<year>年结转的": a carry-over from an earlier year
        return "carried_in" if year is None or years[0] == year - 1 else None
    if year is None:
        return None
    return {year: "carried_in", year + 1: "carried_out"}.get(target)


def _family(before: str, after: str, about_requests: bool, year: int | None) -> str | None:
    nearest = _nearest(before, year)
    family = nearest[1] if nearest else None
    if nearest is None:
        # No keyword before: a category after the figure ("1件…不予公开"), or a bare request noun
        # ("依申请公开3次", "依申请公开信息0条").
        following = _nearest(after[:40], year)
        if following and following[1] in _AFTER_FAMILIES:
            family = following[1]
        elif _GRANTED_AFTER.match(after):
            family = "granted"
        elif _WEAK_NOUN.search(before):
            family = "new~"  # weak: a keyword elsewhere in the text wins (`_unambiguous`)
        else:
            return None
    if family in _REQUEST_ONLY and not (about_requests or "信息公开" in before):
        return None  # "收到248条网民留言", "其他类2条": not about requests at all
    return family.rstrip("?") if family else None


def _document_family(before: str, action: str) -> str | None:
    """A 表二 action belongs to the document kind named last before the figure in its clause."""
    kinds = _DOC_KIND.findall(before)
    if not kinds:
        return None
    return f"{'regulations' if kinds[-1] == '规章' else 'normative'}_{action}"


def _case_family(before: str, outcome: str) -> str | None:
    """An outcome (维持, 纠正…) belongs to the kind of case named last before it: 复议 or 诉讼."""
    kinds = _CASE_KIND.findall(before)
    if not kinds:
        return None
    return f"{'review' if kinds[-1] == '复议' else 'litigation'}_{outcome}"


def _statements_of_none(text: str, norm: str, start: int, end: int) -> list[StatedFigure]:
    """Zeros stated in words, one sub-clause at a time: 未收到…申请, 无下年度结转, 未发生…复议."""
    figures: list[StatedFigure] = []
    for part in _SUBCLAUSE.finditer(norm, start, end):
        words, offset = part.group(), part.start()
        read = list(_FIGURE.finditer(words))
        if read:  # only the words after the last figure: the figures were read
            words, offset = words[read[-1].end() :], offset + read[-1].end()
        sentence = text[part.start() : part.end()].strip()
        span = (offset, part.end())
        cases = _NONE_CASES.search(words)
        if cases and _OUTCOME.search(words):
            continue  # "未发生被行政复议纠错或败诉情况": no corrected case, not no case
        if cases:
            tail = words[cases.start() :]
            if "复议" in tail:
                figures.append(StatedFigure("review_total", 0.0, sentence, span))
            if "诉讼" in tail or "起诉" in tail:
                figures.append(StatedFigure("litigation_total", 0.0, sentence, span))
            continue  # "未收到因依申请公开答复而引起的行政复议": about cases, not requests
        if "许可" in words or "信访" in words:
            continue
        none = _NONE_RECEIVED.search(words)
        if none:
            accepted = _NONE_ACCEPTED.match(words, none.start())
            figures.append(StatedFigure("accepted" if accepted else "new", 0.0, sentence, span))
        elif _NONE_CARRIED_OUT.search(words):
            figures.append(StatedFigure("carried_out", 0.0, sentence, span))
        elif _NONE_CARRIED_IN.search(words):
            figures.append(StatedFigure("carried_in", 0.0, sentence, span))
        elif issued := _NONE_ISSUED.search(words):
            verbs = issued.group("verbs") + (issued.group("after") or "")
            if not verbs or re.search("制定|出台|制发|印发|发布", verbs):
                figures.append(StatedFigure("normative_issued", 0.0, sentence, span))
            if "废止" in verbs:
                figures.append(StatedFigure("normative_repealed", 0.0, sentence, span))
    return figures


def _unambiguous(figures: list[StatedFigure]) -> list[StatedFigure]:
    """Drop every family given two different values in one text: which one is meant is unknown.
    A figure named only by a noun ("new~") gives way to one named by a keyword."""
    strong = {f.family for f in figures if not f.family.endswith("~")}
    figures = [
        replace(f, family=f.family[:-1]) if f.family.endswith("~") else f
        for f in figures
        if not (f.family.endswith("~") and f.family[:-1] in strong)
    ]
    values: dict[str, set[float]] = {}
    for f in figures:
        values.setdefault(f.family, set()).add(f.value)
    seen: set[tuple[str, float]] = set()
    kept: list[StatedFigure] = []
    for f in figures:
        if len(values[f.family]) == 1 and (f.family, f.value) not in seen:
            seen.add((f.family, f.value))
            kept.append(f)
    return kept
