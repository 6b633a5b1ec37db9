"""Finding quotes in source texts, and explaining a miss."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.errors import KgError
from kg.pipeline import quotes
from kg.pipeline.quotes import SourceText, read_sources

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


# --- reading source texts: only files inside the folder, strict UTF-8, no hidden characters ---


def _sources_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "ok.txt").write_text("第一段。\n", encoding="utf-8")
    return folder


def _read_problems(folder: Path) -> list[str]:
    with pytest.raises(KgError) as info:
        read_sources(folder)
    return [str(p) for p in info.value.problems]


def test_sources_are_read_by_id(tmp_path: Path) -> None:
    assert list(read_sources(_sources_dir(tmp_path))) == ["ok"]


def test_a_source_linked_from_outside_the_folder_is_not_read(tmp_path: Path) -> None:
    folder = _sources_dir(tmp_path)
    secret = tmp_path / "secrets.txt"
    secret.write_text("password\n", encoding="utf-8")
    (folder / "leak.txt").symlink_to(secret)
    assert _read_problems(folder) == [
        f"{folder}/leak.txt:1: a source text must be a file inside the sources folder, and this "
        f"one leads to {secret}; it was not read — copy the text into the sources folder "
        "instead of linking to it"
    ]


def test_a_source_that_is_not_utf8_is_reported_at_its_line_and_column(tmp_path: Path) -> None:
    folder = _sources_dir(tmp_path)
    (folder / "gbk.txt").write_bytes("第一行\n第二行".encode("gbk"))
    assert _read_problems(folder) == [
        f"{folder}/gbk.txt:1: not valid UTF-8 (byte 0xb5 at line 1, column 1) — save the file "
        "as UTF-8; a file saved as GBK or GB18030 must be converted, e.g. "
        "`iconv -f GB18030 -t UTF-8`"
    ]


def test_a_source_with_a_bidi_override_is_an_error(tmp_path: Path) -> None:
    folder = _sources_dir(tmp_path)
    (folder / "bidi.txt").write_text("一\n二\u202e三\n", encoding="utf-8")
    assert _read_problems(folder)[0].startswith(
        f"{folder}/bidi.txt:2: bidirectional control U+202E RIGHT-TO-LEFT OVERRIDE at column 2"
    )


def test_a_source_over_the_size_limit_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(quotes, "MAX_SOURCE_BYTES", 8)
    assert _read_problems(_sources_dir(tmp_path))[0].startswith(
        f"{tmp_path}/sources/ok.txt:1: the source text is larger than 0 MiB"
    )


def test_a_missing_sources_folder_is_no_sources(tmp_path: Path) -> None:
    assert read_sources(tmp_path / "nothing") == {}
