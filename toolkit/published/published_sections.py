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
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ..core import texts as tx
from ..form.form import Form, Section
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


@dataclass(frozen=True, kw_only=True)
class Narrative:
    texts: dict[str, str] = field(default_factory=dict)  # part key -> text
    sections: dict[str, Place] = field(default_factory=dict)  # section key -> its heading


def read_title(document: SourceDocument, fallback: str = "", form_title: str = "") -> Title:
    """Agency and year from the report's title: the document's own title (an HTML <title>, the
    document properties), else its first lines (a title set over two lines, the agency above
    「2023 年政府信息公开工作年度报告」, is one), else the file name (`fallback`), which sites and
    offices usually name after the title. The title is the 2021 format's (and the wordings
    agencies use for it), or `form_title`, the title of the form being read (another form names
    its report otherwise: 「2025年市直部门政府信息公开工作简报」)."""
    patterns = [_TITLE]
    if form_title:
        wanted = re.escape(re.sub(r"\s+", "", unicodedata.normalize("NFKC", form_title)))
        patterns.insert(0, re.compile(_TITLE_START + wanted))
    candidates: list[tuple[str, Place | None]] = [(document.title, None)] if document.title else []
    previous = ""
    for line in text_lines(document)[:40]:
        candidates.append((line.text, line.place))
        if previous:
            candidates.append((previous + line.text, line.place))
        previous = line.text if len(line.text.strip()) <= 30 else ""
    candidates.append((fallback, None))
    for text, place in candidates:
        found = _title(text, patterns)
        if found is not None and found[0]:
            return Title(agency=found[0], year=found[1], place=place)
    for text, place in candidates:  # a title naming no agency still gives the year
        found = _title(text, patterns)
        if found is not None:
            return Title(agency="", year=found[1], place=place)
    return Title(agency="", year=None)


def text_lines(document: SourceDocument) -> list[SourceLine]:
    """The document's lines of text in order: its lines, and the rows of its tables that hold one
    text and no figure (PDF producers frame whole pages of prose as tables; a caption row spans
    its table), a cell's own line breaks kept as lines."""
    out: list[SourceLine] = []
    for block in document.blocks:
        if isinstance(block, SourceLine):
            if is_rule(block.text):
                continue
            if pipe_row(block.text):
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
    line = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
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


def _bigrams(text: str) -> set[str]:
    text = normalise(text)
    text = re.sub(rf"^[{_NUMERALS}0-9]+", "", text)
    return {text[i : i + 2] for i in range(len(text) - 1)} - _GENERIC


def _similarity(a: str, b: str) -> int:
    return len(_bigrams(a) & _bigrams(b))


def read_narrative(document: SourceDocument, form: Form) -> Narrative:
    """Each narrative part's text, the place of each section's heading, and what was odd."""
    narrative = Narrative()
    current: Section | None = None
    part_index = -1
    texts: dict[str, list[str]] = {}
    sections = list(form.sections)
    for block in _flowed(text_lines(document), document.kind):
        line = block.text.strip()
        if line == tx.RENDER_GAP:  # a part our own rendering shows as not filled: empty
            continue
        if not line or _is_table_line(block):
            continue
        section = _section_heading(line, sections, current)
        if section is not None:
            current, part_index = section, -1
            narrative.sections[section.key] = block.place
            rest = _after_heading(line, section.title)
            if rest and section.parts:
                part_index = 0
                texts.setdefault(section.parts[0].key, []).append(rest)
            continue
        if current is None or not current.parts:
            continue
        head = _PART_HEAD.match(line)
        if head and len(current.parts) > 1:
            index = _part_of(line, current, _numeral(head.group(1)))
            if index is not None:
                part_index = index
                rest = _after_part_heading(line)
                if rest:
                    texts.setdefault(current.parts[part_index].key, []).append(rest)
                continue
        key = current.parts[max(part_index, 0)].key
        texts.setdefault(key, []).append(line)
    for key, lines in texts.items():
        text = "\n".join(lines)
        said = form.parts[key].if_empty
        if not (said and normalise(text) == normalise(said)):  # a part printed as left empty
            narrative.texts[key] = text
    return narrative


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


def _section_heading(line: str, sections: list[Section], current: Section | None) -> Section | None:
    match = _SECTION_HEAD.match(unicodedata.normalize("NFKC", line))
    if not match or len(line) > _MAX_HEADING:
        return None
    number = _numeral(match.group(1))
    if not 1 <= number <= len(sections):
        return None
    section = sections[number - 1]
    if current is not None and sections.index(current) >= number - 1:
        return None  # headings only go forward: 一、本年新收… inside 三 is a table row
    if _similarity(_head_only(line), section.title) == 0:
        return None
    return section


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
