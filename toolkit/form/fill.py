"""What to write into a template instead of its pre-filled zeros: values, texts, 说明, cells as
typed, 批注 and an 审核意见 sheet (samples and feedback copies). Records only; the sheet writers
read them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Fill", "Review"]


@dataclass(frozen=True, kw_only=True)
class Fill:
    """Values to write into a template instead of the pre-filled zeros (samples, feedback copies)."""

    values: Mapping[str, float] = field(default_factory=dict)  # input cell key -> number
    texts: Mapping[str, str] = field(default_factory=dict)  # part key -> narrative text
    notes: Mapping[str, str] = field(default_factory=dict)  # rule id -> 说明
    raw: Mapping[str, str] = field(default_factory=dict)  # input key -> text as typed ("" blank)
    # total key -> what a published report prints in place of the total's formula: a figure that
    # is not the sum of its parts, or its text ("" blank, "/") (`nianbao import`), so that `check`
    # finds it
    totals: Mapping[str, float | str] = field(default_factory=dict)
    comments: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (sheet, A1) -> 批注
    review: Review | None = None  # an 审核意见 sheet in front of the others
    reviewer: str = ""  # the 批注's author: the office (texts.office_name); "" for the unnamed one

    @property
    def empty(self) -> bool:
        return not (
            self.values
            or self.texts
            or self.notes
            or self.raw
            or self.totals
            or self.comments
            or self.review
        )


@dataclass(frozen=True, kw_only=True)
class Review:
    """The 审核意见 sheet of a feedback copy: a heading, what to do, and one row per finding."""

    title: str
    intro: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
