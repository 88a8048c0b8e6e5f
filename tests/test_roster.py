"""Rosters as offices really have them: UTF-8 with BOM, GBK from Excel, workbooks, and mistakes."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter

from toolkit.core.catalogue import UsageError
from toolkit.inputs.roster import Agency, read_roster

from .conftest import SAMPLES

HEADER = "单位代码,单位名称,联系人,电子邮箱\n"


def _csv(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "roster.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_sample_roster() -> None:
    agencies = read_roster(SAMPLES / "roster.csv")
    assert len(agencies) == 13
    assert agencies[2] == Agency(
        code="QK003", name="区科学技术局", contact="赵敏", email="kjj@shifanqu.gov.cn"
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_encodings_excel_writes(tmp_path: Path, encoding: str) -> None:
    path = _csv(tmp_path, HEADER + "A01,区教育局,李娜,a@b.cn\n", encoding)
    assert read_roster(path) == (
        Agency(code="A01", name="区教育局", contact="李娜", email="a@b.cn"),
    )


def test_english_aliases_and_extra_columns(tmp_path: Path) -> None:
    path = _csv(tmp_path, "Code,Name,Contact,Email,备注\nA01,区教育局,李娜,a@b.cn,新增\n")
    assert read_roster(path)[0].name == "区教育局"


def test_workbook_roster_with_numeric_codes(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("名单")
    ws.write_row(0, 0, ["单位代码", "单位名称", "联系人", "电子邮箱"])
    ws.write_row(1, 0, [1001, "区民政局", "刘洋", "m@b.cn"])
    book.close()
    assert read_roster(path) == (
        Agency(code="1001", name="区民政局", contact="刘洋", email="m@b.cn"),
    )


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = _csv(tmp_path, "单位代码,名字\nA01,区教育局\n")
    with pytest.raises(UsageError) as error:
        read_roster(path)
    assert error.value.code == "roster-columns"
    assert "单位名称、联系人、电子邮箱" in str(error.value)


def test_every_bad_row_is_listed_at_once(tmp_path: Path) -> None:
    text = HEADER + "A01,区教育局,,\n,区民政局,,\nA03,,,\nA01,区财政局,,\n"
    with pytest.raises(UsageError) as error:
        read_roster(_csv(tmp_path, text))
    message = str(error.value)
    assert error.value.code == "roster-rows"
    assert "3 处问题" in message
    assert "第3行：缺少单位代码" in message
    assert "第4行：缺少单位名称" in message
    assert "第2、5行：单位代码“A01”重复（区教育局、区财政局）" in message


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "roster-empty"),
        (HEADER.encode(), "roster-empty"),
        ("单位代码,单位名称\n".encode("utf-16"), "roster-encoding"),
    ],
)
def test_empty_or_unreadable_rosters(tmp_path: Path, content: bytes, code: str) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(content)
    with pytest.raises(UsageError) as error:
        read_roster(path)
    assert error.value.code == code


def test_missing_file_and_corrupt_workbook(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as error:
        read_roster(tmp_path / "nope.csv")
    assert error.value.code == "roster-unreadable"
    bad = tmp_path / "roster.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(UsageError) as error:
        read_roster(bad)
    assert error.value.code == "roster-unreadable"


def test_codes_are_normalised_and_collide_after_normalisation(tmp_path: Path) -> None:
    path = _csv(
        tmp_path, HEADER + "ｑｋ００１ ,区教育局,李娜,a@b.cn\nQK002\u200b,区民政局,刘洋,m@b.cn\n"
    )
    assert [a.code for a in read_roster(path)] == ["QK001", "QK002"]
    clash = _csv(tmp_path, HEADER + "qk001,区教育局,,\nＱＫ001,区民政局,,\n")
    with pytest.raises(UsageError) as error:
        read_roster(clash)
    assert "第2、3行：单位代码“QK001”重复" in str(error.value)


def test_notes_for_missing_email_and_trimmed_names(tmp_path: Path) -> None:
    from toolkit.inputs.roster import read_roster_with_notes

    path = _csv(tmp_path, HEADER + "A01, 区教育局\u3000,李娜,\nA02,区民政局,刘洋,m@b.cn\n")
    roster = read_roster_with_notes(path)
    first, second = roster.agencies
    assert first.name == "区教育局" and first.line == 2
    assert (
        "没有电子邮箱" in first.note and "单位名称“ 区教育局\u3000”有多余空格，已去除" in first.note
    )
    assert second.note == "" and roster.notes == ()


def test_numeric_codes_in_a_workbook_get_a_leading_zero_hint(tmp_path: Path) -> None:
    from toolkit.inputs.roster import read_roster_with_notes

    path = tmp_path / "roster.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("名单")
    ws.write_row(0, 0, ["单位代码", "单位名称", "联系人", "电子邮箱"])
    ws.write_row(1, 0, [1, "区民政局", "刘洋", "m@b.cn"])
    ws.write_row(2, 0, ["002", "区教育局", "李娜", "j@b.cn"])
    book.close()
    roster = read_roster_with_notes(path)
    assert [a.code for a in roster.agencies] == ["1", "002"]
    (note,) = roster.notes
    assert "单位代码列为数字格式，前导0可能已丢失" in note
    text = tmp_path / "text.xlsx"
    book = xlsxwriter.Workbook(str(text))
    ws = book.add_worksheet("名单")
    ws.write_row(0, 0, ["单位代码", "单位名称", "联系人", "电子邮箱"])
    ws.write_row(1, 0, ["001", "区民政局", "刘洋", 12345])  # a number elsewhere is no hint
    book.close()
    assert read_roster_with_notes(text).notes == ()
