"""Warnings: reported as `path:line: warning: …` on stderr, never a change of exit code."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import kg
from kg.cli import main
from kg.errors import WARNING, KgError, Problem
from kg.facts import SourcePos
from kg.pipeline.consistency import fold_label

# 广州 of the mini data set, written in Traditional characters; its Shenzhen in capitals
LOOK_ALIKES = """\
source: mini-source
entities:
  - id: guangzhou-city
    type: City
    label: {zh: 廣州, en: Guangzhou City}
    quote: "提升广州、深圳国际航空枢纽竞争力"

  - id: shenzhen-city
    type: City
    label: {zh: 深圳市, en: SHENZHEN}
    quote: "提升广州、深圳国际航空枢纽竞争力"
"""


def test_look_alike_labels_are_warnings_and_the_run_still_passes(data_dir: Path) -> None:
    (data_dir / "case.yaml").write_text(LOOK_ALIKES, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "data"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "data/entities.yaml:29: warning: 'guangzhou' has the zh label '广州', the same when "
        "Traditional characters are read as Simplified as 'guangzhou-city' ('廣州', at "
        "data/case.yaml:5) — if both are the same thing, merge them into one entity; "
        "if not, make the labels tell them apart",
        "data/entities.yaml:46: warning: 'shenzhen' has the en label 'Shenzhen', the same when "
        "case is ignored as 'shenzhen-city' ('SHENZHEN', at data/case.yaml:10) — if both are "
        "the same thing, merge them into one entity; if not, make the labels tell them apart",
    ]
    assert "all checks passed" in result.stdout


def test_build_prints_warnings_and_writes_everything(data_dir: Path) -> None:
    (data_dir / "case.yaml").write_text(LOOK_ALIKES, encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "data", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert result.stderr.count(": warning: ") == 2
    assert (data_dir.parent / "out" / "graph.ttl").is_file()


def test_the_library_returns_warnings_with_the_result(data_dir: Path) -> None:
    (data_dir / "case.yaml").write_text(LOOK_ALIKES, encoding="utf-8")
    result = kg.check(data_dir)
    assert [w.severity for w in result.warnings] == [WARNING, WARNING]
    assert [str(w.pos) for w in result.warnings] == [
        f"{data_dir}/entities.yaml:29",
        f"{data_dir}/entities.yaml:46",
    ]


def test_warnings_are_printed_beside_errors_and_not_counted_as_problems(
    data_dir: Path,
) -> None:
    (data_dir / "case.yaml").write_text(LOOK_ALIKES + "    located-in: nowhere\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "data"])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert [line.split(" ")[0] for line in lines[:-1]] == [
        "data/case.yaml:12:",
        "data/entities.yaml:29:",
        "data/entities.yaml:46:",
    ]
    assert "refers to 'nowhere'" in lines[0]
    assert ": warning: " in lines[1] and ": warning: " in lines[2]
    assert lines[-1] == "1 problem found, 2 warnings"


def test_a_kg_error_keeps_errors_and_warnings_apart() -> None:
    error = Problem(SourcePos("a.yaml", 2), "bad")
    warning = Problem(SourcePos("a.yaml", 1), "odd", "look", WARNING)
    exc = KgError([error, warning])
    assert exc.problems == [error] and exc.warnings == [warning]
    assert exc.report().splitlines() == [
        "a.yaml:1: warning: odd — look",
        "a.yaml:2: bad",
        "1 problem found, 1 warning",
    ]


@pytest.mark.parametrize(
    ("a", "b", "lang"),
    [
        ("香港國際機場", "香港国际机场", "zh"),
        ("廣深港高鐵", "广深港高铁", "zh"),
        ("Hong  Kong", "hong kong", "en"),
        ("STRASSE", "straße", "en"),
    ],
)
def test_labels_fold_to_one_form(a: str, b: str, lang: str) -> None:
    assert fold_label(a, lang) == fold_label(b, lang)


def test_different_places_do_not_fold_together() -> None:
    assert fold_label("广州", "zh") != fold_label("深圳", "zh")
    assert fold_label("Zhuhai", "en") != fold_label("Zhongshan", "en")
