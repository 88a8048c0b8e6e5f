"""The narrative of a published report, split by its headings, and its title (agency and year).

Section headings are the lines that begin with a section's number (一、 … 六、) and share words
with that section's title in the form, in increasing order: "四、因政府信息公开工作被申请行政复议和
提起行政诉讼情况" is section 四 of the 2021 form, "一、本年新收政府信息公开申请数量" (a row of 表三) is
not section 一. Within a narrative section, a line beginning with （一） … is a part heading; it
goes to the part whose title it resembles most ("（五）政府信息公开监督保障及教育培训情况" → （五）监督
保障), else to the part of its number. Text before a section's first part heading belongs to its
first part. Lines inside tables, and lines that are table rows of plain text, are not narrative. A part whose
text is only the words the form prints for it when it is left empty (Part.if_empty: 「本年度无其他需要
报告的事项。」), like 「（本部分未填写）」, is empty.

A report that numbers its own way (issue 25) is read by the form's titles: the numbering style
whose headings name most sections is the sections' (「（三）收到和处理政府信息公开申请情况」 under a
single 「一、」), the nearest finer style the parts'. A section of problems and improvements printed
as one block is divided only at its one sentence that turns to improvements; a closing signature
and date are kept out of the last part; markdown's marks never reach a heading, a text or a name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial

from ..core import texts as tx
from ..core.catalogue import say
from ..core.text import compact
from ..form.form import Form, Part, Section
from .published_layouts import is_rule, pipe_row, plain_text
from .published_source import Place, SourceDocument, SourceKind, SourceLine
from .published_tables import line_candidate, normalise, parse_figure

__all__ = ["Narrative", "Title", "read_narrative", "read_title", "text_lines"]

_NUMERALS = "一二三四五六七八九十"
_SECTION_HEAD = re.compile(rf"^\s*([{_NUMERALS}]+)\s*[、.．]")
_PART_HEAD = re.compile(rf"^\s*[（(]\s*([{_NUMERALS}]+)\s*[）)]")
# A heading and its first sentence on one line: "（一）主动公开情况。本年度…"
_HEAD_END = re.compile(r"[。：:；;]")
_MAX_HEADING = 60  # characters: a longer line is a paragraph that happens to start with 一、
# The agency before or after the year; then the report's name.
_TITLE_START = r"^(?P<before>.*?)(?P<year>20\d\d)\s*年度?\s*(?P<after>.*?)"
_TITLE = re.compile(_TITLE_START + r"(?:政府)?(?:信息公开|政务公开)(?:工作)?(?:年度)?(?:报告|年报)")


@dataclass(frozen=True, kw_only=True)
class Title:
    agency: str  # "" when no title names one
    year: int | None
    place: Place | None = None
    # The agency each piece of evidence names, in order (the page's own title or meta tag, the
    # heading in the text, the file name), each once: importer.py refuses a report they disagree on.
    named: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Narrative:
    texts: dict[str, str] = field(default_factory=dict)  # part key -> text
    sections: dict[str, Place] = field(default_factory=dict)  # section key -> its heading
    closing: str = ""  # the signature and date that close the report, kept out of every part
    notes: tuple[str, ...] = ()  # Chinese: how an undivided section was divided, or why not


def read_title(
    document: SourceDocument,
    fallback: str = "",
    form_title: str = "",
    lines: Sequence[SourceLine] | None = None,
) -> Title:
    """Agency and year from the report's title: the document's own title (an HTML <title>, the
    document properties), else its first lines (a title set over two lines, the agency above
    「2023 年政府信息公开工作年度报告」, is one), else the file name (`fallback`), which sites and
    offices usually name after the title. The title is the 2021 format's (and the wordings
    agencies use for it), or `form_title`, the title of the form being read (another form names
    its report otherwise: 「2025年市直部门政府信息公开工作简报」). `lines`: the document's
    text_lines, when the caller has them already."""
    patterns = [_TITLE]
    if form_title:
        wanted = re.escape(compact(form_title))
        patterns.insert(0, re.compile(_TITLE_START + wanted))
    candidates: list[tuple[str, Place | None]] = [(document.title, None)] if document.title else []
    previous = ""
    for line in (text_lines(document) if lines is None else lines)[:40]:
        candidates.append((line.text, line.place))
        if previous:
            candidates.append((previous + line.text, line.place))
        previous = line.text if len(line.text.strip()) <= 30 else ""
    candidates.append((fallback, None))
    named = _agencies_named(candidates, patterns, bool(document.title))
    for text, place in candidates:
        found = _title(text, patterns)
        if found is not None and found[0]:
            return Title(agency=found[0], year=found[1], place=place, named=named)
    for text, place in candidates:  # a title naming no agency still gives the year
        found = _title(text, patterns)
        if found is not None:
            return Title(agency="", year=found[1], place=place)
    return Title(agency="", year=None)


def _agencies_named(
    candidates: list[tuple[str, Place | None]], patterns: list[re.Pattern[str]], own: bool
) -> tuple[str, ...]:
    """The agency named by the document's own title (when `own`), by the first heading in its
    text that names one, and by the file name (the last candidate): each source once."""
    sources = [candidates[:1] if own else [], candidates[1 if own else 0 : -1], candidates[-1:]]
    named: list[str] = []
    for source in sources:
        for text, _ in source:
            found = _title(text, patterns)
            if found is not None and found[0]:
                if found[0] not in named:
                    named.append(found[0])
                break
    return tuple(named)


def text_lines(document: SourceDocument) -> list[SourceLine]:
    """The document's lines of text in order: its lines, and the rows of its tables that hold one
    text and no figure (PDF producers frame whole pages of prose as tables; a caption row spans
    its table), a cell's own line breaks kept as lines. A text file's lines lose markdown's marks
    (published_layouts.plain_text); its table rule lines are no text."""
    out: list[SourceLine] = []
    for block in document.blocks:
        if isinstance(block, SourceLine):
            if document.kind is SourceKind.TEXT and is_rule(block.text):
                continue
            if document.kind is not SourceKind.TEXT or pipe_row(block.text):
                out.append(block)  # a markdown table row: kept whole, for _is_table_line
            else:
                out.append(replace(block, text=plain_text(block.text)))
            continue
        for row in block.rows:
            texts = list(dict.fromkeys(c.text for c in row.cells if c.text.strip()))
            if len(texts) != 1 or parse_figure(texts[0]) is not None:
                continue
            ocr = any(c.ocr for c in row.cells)
            out.extend(
                SourceLine(text=part, place=row.place, ocr=ocr)
                for part in texts[0].split("\n")
                if part.strip()
            )
    return out


def _title(text: str, patterns: Sequence[re.Pattern[str]]) -> tuple[str, int] | None:
    line = compact(text)
    if len(line) > 80:
        return None
    match = next((m for m in (p.match(line) for p in patterns) if m), None)
    if not match:
        return None
    agency = (match["before"] or match["after"]).strip("：:（）()《》“”\"' ")
    return agency, int(match["year"])


def _numeral(text: str) -> int:
    if text == "十":
        return 10
    if len(text) == 1:
        return _NUMERALS.index(text) + 1
    if text.startswith("十"):
        return 10 + _NUMERALS.index(text[1]) + 1
    return 0  # larger numbers are no heading of this form


# Words every heading of these reports shares: they say nothing about which heading it is.
_GENERIC = frozenset({"政府", "府信", "信息", "息公", "公开", "情况", "工作"})


# A heading is compared with every title and asked for its numbering by every heading style, and
# headings and titles repeat from report to report: their pieces and NFKC are kept (bounded).
@lru_cache(maxsize=4096)
def _bigrams(text: str) -> frozenset[str]:
    text = normalise(text)
    text = re.sub(rf"^[{_NUMERALS}0-9]+", "", text)
    return frozenset(text[i : i + 2] for i in range(len(text) - 1)) - _GENERIC


_nfkc = lru_cache(maxsize=1024)(partial(unicodedata.normalize, "NFKC"))


def _similarity(a: str, b: str) -> int:
    return len(_bigrams(a) & _bigrams(b))


def read_narrative(
    document: SourceDocument, form: Form, lines: Sequence[SourceLine] | None = None
) -> Narrative:
    """Each narrative part's text, the place of each section's heading, the closing signature, and
    what was odd (notes). `lines`: the document's text_lines, when the caller has them already."""
    narrative = Narrative()
    current: Section | None = None
    part_index = -1
    headed: set[str] = set()  # sections in which a part heading was seen
    texts: dict[str, list[str]] = {}
    last_key = ""
    sections = list(form.sections)
    lines = [
        line
        for line in _flowed(list(text_lines(document) if lines is None else lines), document.kind)
        if line.text.strip()
        and line.text.strip() != tx.RENDER_GAP  # a part our own rendering shows as not filled
        and not _PAGE_NUMBER.match(line.text)
        and not _is_table_line(line)
    ]
    outline = _outline([line.text.strip() for line in lines], sections)
    for block in lines:
        line = block.text.strip()
        section = _section_heading(line, sections, current, outline)
        if section is not None:
            current, part_index = section, -1
            narrative.sections[section.key] = block.place
            rest = _after_heading(line, section.title)
            if rest and section.parts:
                part_index = 0
                last_key = section.parts[0].key
                texts.setdefault(last_key, []).append(rest)
            continue
        if current is None or not current.parts:
            continue
        head = outline.part.match(_nfkc(line))
        if head and len(current.parts) > 1 and len(_head_only(line)) <= _MAX_HEADING:
            index = _part_of(line, current, _number(head.group(1)))
            if index is not None:
                part_index = index
                headed.add(current.key)
                rest = _after_part_heading(line)
                if rest:
                    last_key = current.parts[part_index].key
                    texts.setdefault(last_key, []).append(rest)
                continue
        last_key = current.parts[max(part_index, 0)].key
        texts.setdefault(last_key, []).append(line)
    notes: list[str] = []
    closing = _closing(texts.get(last_key, [])) if last_key else []
    if closing:
        del texts[last_key][-len(closing) :]
    for section in sections:
        if section.key in narrative.sections and section.key not in headed:
            notes.extend(_divide(section, texts))
    for key, part_lines in texts.items():
        text = "\n".join(part_lines)
        said = form.parts[key].if_empty
        if text and not (said and normalise(text) == normalise(said)):  # printed as left empty
            narrative.texts[key] = text
    return replace(narrative, closing="\n".join(closing), notes=tuple(notes))


# A page number on a line of its own, as text converters keep it: "-2-", "- 3 -", "第 4 页".
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–]\s*\d{1,3}\s*[-—–]|第\s*\d{1,3}\s*页(?:\s*共\s*\d+\s*页)?)\s*$"
)

# The closing of a report: who issues it and when, on the last lines ("淮安市洪泽区人民政府办公室" /
# "2024年1月20日", or both on one line once a PDF's lines are joined).
_DATE = r"(?:20\d\d|二[〇○零O][一二三四五六七八九〇○零O]{2})\s*年\s*[\d一二三四五六七八九十]{1,3}\s*月\s*[\d一二三四五六七八九十]{1,3}\s*日"
_CLOSING_DATE = re.compile(rf"^{_DATE}$")
_ISSUER = re.compile(
    r"^\S{2,40}?(?:政府|办公室|办公厅|局|委员会|委|厅|中心|院|所|办事处|街道|镇|乡|管委会|公司|站|队|馆|社)$"
)
_ISSUER_DATE = re.compile(rf"^(?P<issuer>\S{{2,40}}?)\s*(?P<date>{_DATE})$")
_CLOSING_LINES = 3


def _closing(lines: list[str]) -> list[str]:
    """The signature and date closing the report, from the end of the last part that has text:
    at most three short lines, one of them a date alone (or a name of an issuer followed by a
    date), the others names of issuers. [] when the end is anything else."""
    tail: list[str] = []
    dated = False
    for line in reversed(lines[-_CLOSING_LINES:]):
        text = "".join(line.split())
        issuer_date = _ISSUER_DATE.match(text)
        if _CLOSING_DATE.match(text) or (issuer_date and _ISSUER.match(issuer_date["issuer"])):
            dated = True
        elif not _ISSUER.match(text):
            break
        tail.insert(0, line)
    return tail if dated and len(tail) < len(lines) else []


# A sentence that begins what a report did or will do about its problems: where an undivided
# section 五 turns from problems to improvements.
_IMPROVING = re.compile(
    r"(?:^|(?<=[。！？；\n]))\s*(?=下一步|今后|针对(?:上述|以上|这些|存在的?|前述)?(?:问题|不足)|"
    r"(?:改进|整改)(?:措施|情况|方向|举措|落实)|(?:20\d\d)\s*年\s*[，,]?\s*(?:我|本)\S{0,8}?将)"
)
# A part that takes improvements (its title in the form): 改进情况, 整改情况.
_IMPROVEMENT_PART = re.compile(r"改进|整改")


def _divide(section: Section, texts: dict[str, list[str]]) -> list[str]:
    """A section whose parts are problems and improvements (五), printed as one block without its
    part headings: divided where the one sentence that turns to improvements begins ("下一步…",
    "针对上述问题…"), and a note says so; with none or several such sentences it stays whole in
    its first part, and a note says that. [] for any other section."""
    if len(section.parts) != 2 or not _IMPROVEMENT_PART.search(section.parts[1].title):
        return []
    first, second = (part.key for part in section.parts)
    if second in texts or not texts.get(first):
        return []
    text = "\n".join(texts[first])
    starts = sorted({m.end() for m in _IMPROVING.finditer(text) if text[m.end() :].strip()})
    starts = [i for i in starts if text[:i].strip()]
    names = {"section": section.title, "first": section.parts[0].title}
    if len(starts) != 1:
        return [say("import-part-undivided", **names)]
    before, after = text[: starts[0]].strip(), text[starts[0] :].strip()
    texts[first], texts[second] = [before], [after]
    return [say("import-part-divided", **names, second=section.parts[1].title, start=after[:12])]


# Where a paragraph ends: a PDF breaks lines inside paragraphs; a line ending in none of these
# continues on the next one.
_PARAGRAPH_END = tuple("。！？；：:;!?」”）)")


def _flowed(lines: list[SourceLine], kind: SourceKind) -> list[SourceLine]:
    """Lines as paragraphs: a PDF's wrapped lines joined back (a heading, a table row and a line
    after a finished sentence start anew); other formats already give paragraphs."""
    if kind is not SourceKind.PDF:
        return lines
    out: list[SourceLine] = []
    for line in lines:
        text = line.text.strip()
        starts_anew = (
            not out
            or out[-1].text.rstrip().endswith(_PARAGRAPH_END)
            or _is_heading(out[-1].text)
            or _SECTION_HEAD.match(text)
            or _PART_HEAD.match(text)
            or _is_table_line(line)
            or _is_table_line(out[-1])
        )
        if starts_anew:
            out.append(line)
        else:
            out[-1] = SourceLine(
                text=out[-1].text.rstrip() + text, place=out[-1].place, ocr=out[-1].ocr or line.ocr
            )
    return out


def _is_heading(text: str) -> bool:
    """A line that is a heading on its own (一、总体情况, （一）主动公开情况): short, numbered."""
    text = unicodedata.normalize("NFKC", text).strip()
    ended = _HEAD_END.search(text.rstrip("。：:；;"))  # a sentence inside: a run-in heading
    return (
        len(text) <= _HEADING_LINE
        and not ended
        and bool(_SECTION_HEAD.match(text) or _PART_HEAD.match(text))
    )


_HEADING_LINE = 40  # characters: a numbered line this short is a heading, not a wrapped paragraph


def _is_table_line(line: SourceLine) -> bool:
    """A line of a plain-text table: it has tabs or pipes, or ends in figures after its label."""
    if "\t" in line.text or pipe_row(line.text):
        return True
    candidate = line_candidate(line)
    return not candidate.header and len(candidate.values) >= 2


def _section_heading(
    line: str, sections: list[Section], current: Section | None, outline: _Outline
) -> Section | None:
    """The section a line is the heading of: numbered in the report's section style, short, and
    naming a section after the current one (headings only go forward: 一、本年新收… inside 三 is
    a table row). In the form's own style (一、) the numeral's section when the two share words
    (a misprinted heading still counts), else the one section whose title it names; in another
    style (a department numbering its whole report under 一 and its sections （一）…) by the
    title alone."""
    match = outline.section.match(_nfkc(line))
    if not match or len(line) > _MAX_HEADING:
        return None
    start = sections.index(current) + 1 if current is not None else 0
    heading = _head_only(line)
    if outline.standard:
        number = _number(match.group(1))
        if start <= number - 1 < len(sections):
            section = sections[number - 1]
            if _similarity(heading, section.title) > 0:
                return section
    return _named(heading, sections[start:])


def _named(heading: str, sections: Sequence[Section]) -> Section | None:
    """The one section whose title the heading names (shares two words with, more than with any
    other): 「（三）收到和处理政府信息公开申请情况」 is 三 whatever its numeral."""
    scores = [_similarity(heading, section.title) for section in sections]
    best = max(scores, default=0)
    if best < _NAMED or scores.count(best) != 1:
        return None
    return sections[scores.index(best)]


_NAMED = 2  # shared words (two-character pieces) that name a section


# Heading styles from the outermost: 一、  （一）  1.  （1）
_STYLES = (
    re.compile(rf"^\s*([{_NUMERALS}]+)\s*[、.．]"),
    re.compile(rf"^\s*[（(]\s*([{_NUMERALS}]+)\s*[）)]"),
    re.compile(r"^\s*(\d{1,2})\s*[、.．](?!\d)"),
    re.compile(r"^\s*[（(]\s*(\d{1,2})\s*[）)]"),
)
# Sections another style must name before it counts as the report's section style.
_OWN_STYLE = 4


@dataclass(frozen=True)
class _Outline:
    """How the report numbers its sections and their parts."""

    section: re.Pattern[str]
    part: re.Pattern[str]
    standard: bool  # sections numbered 一、二、 as the form numbers them


def _outline(lines: list[str], sections: list[Section]) -> _Outline:
    """The report's own numbering: the style whose headings name most of the form's sections in
    order (the form's 一、 unless another names at least four and more), and for parts the nearest
    finer style with headings that name parts ("1、主动公开" in a report without （一）)."""
    named = [_named_in_order(lines, style, sections) for style in _STYLES]
    level = 0
    for k in range(1, len(_STYLES)):
        if named[k] >= _OWN_STYLE and named[k] > named[level]:
            level = k
    finer = list(range(level + 1, len(_STYLES)))
    parts = [p for s in sections for p in s.parts]
    counts = [_part_headings(lines, _STYLES[k], parts) for k in finer]
    # the nearest finer style that names a part: (1) under （一） is a paragraph's own list
    part_level = next((k for k, n in zip(finer, counts, strict=True) if n > 0), level + 1)
    return _Outline(
        section=_STYLES[level],
        part=_STYLES[min(part_level, len(_STYLES) - 1)],
        standard=level == 0,
    )


def _named_in_order(lines: list[str], style: re.Pattern[str], sections: list[Section]) -> int:
    start, count = 0, 0
    for line in lines:
        if len(line) > _MAX_HEADING or not style.match(_nfkc(line)):
            continue
        section = _named(_head_only(line), sections[start:])
        if section is not None:
            start, count = sections.index(section) + 1, count + 1
    return count


def _part_headings(lines: list[str], style: re.Pattern[str], parts: list[Part]) -> int:
    return sum(
        1
        for line in lines
        if len(_head_only(line)) <= _MAX_HEADING
        and style.match(_nfkc(line))
        and any(_similarity(_head_only(line), part.title) > 0 for part in parts)
    )


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _numeral(text)


def _head_only(line: str) -> str:
    found = _HEAD_END.search(line)
    return line[: found.start()] if found else line


def _after_heading(line: str, title: str) -> str:
    """Text that follows a heading on its line ("一、总体情况。2023年，…")."""
    found = _HEAD_END.search(line)
    return line[found.end() :].strip() if found else ""


def _after_part_heading(line: str) -> str:
    found = _HEAD_END.search(line)
    if found is None:
        return ""
    return line[found.end() :].strip()


def _part_of(line: str, section: Section, number: int) -> int | None:
    """The part a heading line belongs to: the part of its number when the two share words, else
    the one part whose title it resembles most, else none (the line stays with the part before)."""
    heading = _head_only(line)
    scores = [_similarity(heading, part.title) for part in section.parts]
    if 1 <= number <= len(section.parts) and scores[number - 1] > 0:
        return number - 1
    best = max(scores)
    if best > 0 and scores.count(best) == 1:
        return scores.index(best)
    return None
