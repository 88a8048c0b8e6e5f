"""Rebuild the reference workbook: a template nianbao wrote, filled in and saved by LibreOffice.

`QK003-filled-libreoffice.xlsx` beside this file is what a clerk's copy looks like after a
spreadsheet program has had it: nianbao's blank template for 区科学技术局 (2025), the numbers,
narrative texts and one 说明 below typed into it by headless LibreOffice (through python-UNO, as a
user types: unlocked cells only), recalculated and saved as .xlsx by LibreOffice itself. Every
byte of it was written by LibreOffice, so tests/test_reference.py, which compares it with what
nianbao writes today for the same fill (`filled`), checks the generator against a file nianbao did
not write: values and formula results as LibreOffice computed them, formulas, sheet protection,
the cells a clerk may type into, data validations and defined names.

Run `.venv/bin/python -m tests.reference.build` from the repository root (needs LibreOffice:
`make libreoffice`) after a reviewed change of what templates hold, then commit the new file with
the change.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date, datetime
from pathlib import Path

from toolkit.form.contract import identity_for
from toolkit.form.fill import Fill
from toolkit.form.form import Form, defined_name
from toolkit.form.form_file import standard_form
from toolkit.form.layout import a1, layout
from toolkit.inputs.roster import Agency
from toolkit.template.workbook import write_workbook

__all__ = [
    "AGENCY",
    "NOTES",
    "REFERENCE",
    "TEXTS",
    "VALUES",
    "blank",
    "build",
    "filled",
    "typed",
]

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "QK003-filled-libreoffice.xlsx"

AGENCY = Agency(code="QK003", name="区科学技术局", contact="赵敏", email="kjj@shifanqu.gov.cn")
YEAR = 2025
DISTRICT = "示范区"
GENERATED_AT = datetime(2025, 12, 1, 9, 0, 0)
DEADLINE = date(2026, 1, 15)
CONTACT = "区政务公开办 张敏 0371-12345678"
PASSWORD = "reference"

# A plausible 科技局 report with the slips clerks make, so that statuses other than 通过 are
# compared too: 表三 自然人 一 + 二 (7 + 1) is not 办理结果 + 四 (7) (an error the workbook shows),
# a 规章 counted by a department without the power to make one (a warning the workbook shows,
# explained in its 说明), and a text that says 8 applications where 表三 totals 9 (a warning that
# `check` finds after submission; the workbook shows 报送后核对, and the clerk's 说明).
VALUES: dict[str, float] = {
    "t2.regulations.in_force": 1,
    "t2.normative.issued": 3,
    "t2.normative.repealed": 1,
    "t2.normative.in_force": 12,
    "t2.licensing.decisions": 1520,
    "t2.penalty.decisions": 4,
    "t2.fees.fee_amount": 2.5,
    "t3.new.natural": 7,
    "t3.new.business": 2,
    "t3.carried_in.natural": 1,
    "t3.granted.natural": 4,
    "t3.granted.business": 2,
    "t3.partial.natural": 1,
    "t3.unable_not_held.natural": 1,
    "t3.carried_out.natural": 1,
    "t4.cases.review_upheld": 2,
    "t4.cases.direct_pending": 1,
}
TEXTS: dict[str, str] = {
    "s1.active": "2025年，我局通过门户网站主动公开政府信息14条，其中政策文件3件。",
    "s1.request": "本年新收政府信息公开申请8件，均在法定期限内答复。",
    "s1.management": "明确分管领导及责任人，由办公室统一审核发布，确保信息准确、及时。",
    "s1.platform": "依托区人民政府门户网站科技局专栏公开信息，栏目按季度检查更新。",
    "s1.oversight": "组织学习《中华人民共和国政府信息公开条例》两次，未发生责任追究情形。",
    "s1.assessment": "本单位不适用。",
    "s5.problems": "政策解读形式较单一，图解、视频解读较少。",
    "s5.improvements": "2026年将增加图解解读，并对上年指出的栏目更新不及时问题建立月度检查。",
    "s6.fees": "本年度未收取信息处理费。",
    "s6.key_tasks": "按区政务公开要点完成科技政策专栏建设。",
    "s6.proposals": "本年承办人大代表建议1件，已按期办复并公开。",
    "s6.innovation": "试行“政策找企业”主动推送。",
    "s6.other": "无。",
}
# The 说明 of the warnings: what a clerk writes beside a figure they stand by.
NOTES: dict[str, str] = {
    "rule-making": "此为本局执行的市政府规章，非本局制定。",
    "text-vs-table": "文字所写8件未计入区政府转来的1件，以表三为准。",
}


def blank(form: Form, path: Path) -> None:
    """The template LibreOffice is given: nianbao's own, as `generate` writes it."""
    _write(form, path, None)


def filled(form: Form, path: Path) -> None:
    """What nianbao writes for the same fill (feedback copies and samples are written this way)."""
    _write(form, path, Fill(values=VALUES, texts=TEXTS, notes=NOTES))


def typed(form: Form) -> dict[str, float | int | str]:
    """The fill as LibreOffice types it: cells by defined name, 说明 cells by sheet reference."""
    entries: dict[str, float | int | str] = {defined_name(k): v for k, v in VALUES.items()}
    entries |= {defined_name(k): v for k, v in TEXTS.items()}
    for sheet in layout(form):
        for note in sheet.notes:
            if note.rule in NOTES:
                entries[f"{sheet.name}!{a1(note.area.row, note.area.col)}"] = NOTES[note.rule]
    missing = set(NOTES) - {n.rule for s in layout(form) for n in s.notes}
    if missing:
        raise LookupError(f"no 说明 cell for {sorted(missing)}")
    return entries


def build(out: Path = REFERENCE) -> Path:
    """Write the blank template, have LibreOffice fill, recalculate and save it as `out`."""
    from tests import lo

    form = standard_form()
    with tempfile.TemporaryDirectory(prefix="nb-reference-") as scratch:
        template = Path(scratch) / "template.xlsx"
        blank(form, template)
        lo.fill(template, out, typed(form))
    return out


def _write(form: Form, path: Path, fill: Fill | None) -> None:
    write_workbook(
        path,
        form=form,
        identity=identity_for(form, AGENCY, YEAR, DISTRICT, GENERATED_AT),
        deadline=DEADLINE,
        contact=CONTACT,
        password=PASSWORD,
        fill=fill,
    )


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else REFERENCE))
