"""Argument checks that the library makes as the command line does (exit 2 there, UsageError here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.core.catalogue import UsageError
from toolkit.form.form import Form
from toolkit.inputs.arguments import check_year, refuse_same_year_previous


@pytest.mark.parametrize("year", [2021, 2025, "2023", None, ""])
def test_years_the_form_applies_to_pass(form: Form, year: object) -> None:
    check_year(form, year)


@pytest.mark.parametrize("year", [2020, 2101, "2023年", "x"])
def test_other_years_are_refused_in_chinese(form: Form, year: object) -> None:
    with pytest.raises(UsageError) as error:
        check_year(form, year)
    assert error.value.code == "year-range"
    assert f"年度 {year} 不在 2021–2100 之间" in str(error.value)


def test_previous_files_of_the_checked_year_are_refused() -> None:
    last_year = [(Path("in/QK001-甲.xlsx"), "2022"), (Path("汇总2022.xlsx"), "")]
    refuse_same_year_previous(2023, last_year)
    same = [*last_year, (Path("prev/QK002-乙.xlsx"), "2023"), (Path("prev/QK003-丙.xlsx"), "2023")]
    with pytest.raises(UsageError) as error:
        refuse_same_year_previous("2023", same)
    assert error.value.code == "previous-same-year"
    message = str(error.value)
    assert "2023 年度" in message and "QK002-乙.xlsx、QK003-丙.xlsx" in message
    assert "QK001" not in message
    refuse_same_year_previous("", same)  # no target year known: nothing to compare
