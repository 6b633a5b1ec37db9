"""Reading YAML: every value stays the text the curator wrote, with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

import kg
from kg.load import load_facts


def _write(folder: Path, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "a.yaml").write_text(text, encoding="utf-8")
    return folder


def test_yaml_1_1_lookalikes_stay_text(tmp_path: Path) -> None:
    facts = load_facts(
        _write(
            tmp_path / "d",
            "entities:\n"
            "  - id: x\n"
            "    type: City\n"
            "    label: {zh: yes, en: on}\n"
            "    phase: 010\n"
            "    amount: 1.10\n"
            "    date: 2020-10-22\n"
            "    time: 1:30\n"
            "    big: 1_000\n",
        )
    )
    values = {(s.key, s.value.lang): s.value.text for s in facts.entities[0].statements}
    assert values == {
        ("label", "zh"): "yes",
        ("label", "en"): "on",
        ("phase", None): "010",
        ("amount", None): "1.10",
        ("date", None): "2020-10-22",
        ("time", None): "1:30",
        ("big", None): "1_000",
    }


def test_every_value_keeps_its_line(tmp_path: Path) -> None:
    facts = load_facts(
        _write(
            tmp_path / "d",
            "source: s\n"
            "entities:\n"
            "  - id: x\n"
            "    type: Road\n"
            "    connects:\n"
            "      - a\n"
            "      - {value: b, quote: q}\n",
        )
    )
    entity = facts.entities[0]
    assert (entity.pos.line, entity.id.pos.line, entity.type.pos.line) == (3, 3, 4)
    assert [(s.value.text, s.pos.line, s.value.pos.line) for s in entity.statements] == [
        ("a", 6, 6),
        ("b", 7, 7),
    ]
    assert entity.statements[1].evidence[0].quote == "q"
    assert entity.statements[1].evidence[0].source == "s"


def test_a_utf8_bom_changes_nothing(tmp_path: Path) -> None:
    text = "entities:\n  - id: x\n    type: City\n"
    plain = load_facts(_write(tmp_path / "plain", text))
    (tmp_path / "bom").mkdir()
    (tmp_path / "bom" / "a.yaml").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    bom = load_facts(tmp_path / "bom")
    assert [e.id for e in bom.entities][0].text == [e.id for e in plain.entities][0].text


def test_files_under_sources_are_not_read_as_facts(tmp_path: Path) -> None:
    folder = _write(tmp_path / "d", "entities: []\n")
    (folder / "sources").mkdir()
    (folder / "sources" / "notes.yaml").write_text("not: facts\n", encoding="utf-8")
    assert load_facts(folder).files == [str(folder / "a.yaml")]


def test_all_files_are_read_and_problems_from_all_of_them_reported(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "a.yaml").write_text("entities:\n  - id: x\n    id: y\n", encoding="utf-8")
    (folder / "b.yaml").write_text("entities: [\n", encoding="utf-8")
    with pytest.raises(kg.KgError) as info:
        load_facts(folder)
    assert [str(p.pos) for p in info.value.problems] == [
        f"{folder}/a.yaml:2",
        f"{folder}/a.yaml:3",
        f"{folder}/b.yaml:2",
    ]


def test_an_alias_bomb_fails_fast(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 30):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    folder = _write(tmp_path / "d", "\n".join(lines) + "\n")
    with pytest.raises(kg.KgError) as info:
        load_facts(folder)  # would be 10**30 items if expanded
    assert any("alias" in p.message for p in info.value.problems)
