"""Finding quotes in source texts, and explaining a miss."""

from __future__ import annotations

from pathlib import Path

from kg.quotes import SourceText

TEXT = "第一段:广州与深圳。\n\n  第二段,共建“双城联动”论坛。"


def _source() -> SourceText:
    return SourceText("s", Path("s.txt"), TEXT)


def test_exact_quote_is_found_with_offsets_into_the_original_text() -> None:
    match = _source().find("共建“双城联动”论坛")
    assert match is not None
    assert TEXT[match.start : match.end] == match.exact == "共建“双城联动”论坛"
    assert match.line == 3


def test_whitespace_runs_and_line_breaks_match_one_space() -> None:
    match = _source().find("广州与深圳。 第二段")
    assert match is not None
    assert match.exact == "广州与深圳。\n\n  第二段"
    assert match.prefix == "第一段:"


def test_punctuation_is_not_forgiven_and_the_miss_names_the_first_difference() -> None:
    source = _source()
    assert source.find("第一段\uff1a广州与深圳") is None  # full-width colon
    assert source.explain_miss("第一段\uff1a广州与深圳") == (
        "its first 3 characters match line 1 of source 's', "
        "then it has '\uff1a' (U+FF1A) where the source has ':' (U+003A)"
    )


def test_a_quote_sharing_nothing_with_the_source() -> None:
    assert _source().explain_miss("完全不同") == "no part of it occurs in source 's'"
