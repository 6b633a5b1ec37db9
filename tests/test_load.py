"""Reading YAML: every value stays the text the curator wrote, with its line."""

from __future__ import annotations

import importlib
import os
import re
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib import RDFS, SKOS, XSD, Literal, Namespace, URIRef

import kg
from kg.namespaces import ID
from kg.pipeline.compose import MAX_DEPTH, MAX_FILE_BYTES, MAX_REPORTED_LINES, MAX_TEXT_CHARS
from kg.pipeline.load import load_facts
from kg.pipeline.quotes import MAX_SOURCE_BYTES
from tests.conftest import ROOT

GBA_TERM = Namespace("https://w3id.org/gba-kg/ontology#")
LOAD = importlib.import_module("kg.pipeline.load")
UNITS = importlib.import_module("kg.incremental.units")


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


def test_a_data_file_linked_from_outside_the_folder_is_not_read(tmp_path: Path) -> None:
    folder = _write(tmp_path / "d", "entities: []\n")
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("entities: []\n", encoding="utf-8")
    (folder / "b.yaml").symlink_to(outside)
    (folder / "c.yaml").symlink_to(folder / "a.yaml")  # a link inside the folder is fine
    with pytest.raises(kg.KgError) as info:
        load_facts(folder)
    assert [str(p) for p in info.value.problems] == [
        f"{folder}/b.yaml:1: a data file must be a file inside the data folder, and this one "
        f"leads to {outside}; it was not read — copy the file into the data folder instead of "
        "linking to it"
    ]


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


# --- limits: bounded time and memory before and while parsing -------------------------------


def _problems(folder: Path) -> list[str]:
    with pytest.raises(kg.KgError) as info:
        load_facts(folder)
    return [str(p) for p in info.value.problems]


def test_a_file_over_the_size_limit_is_not_parsed(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "a.yaml").write_bytes(b"# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    assert _problems(folder) == [
        f"{folder}/a.yaml:1: the file is larger than 1024 KiB, the limit for a data file; it "
        "was not read — split it into several files, one per topic"
    ]


def test_a_file_at_the_size_limit_is_read(tmp_path: Path) -> None:
    text = "entities: []\n"
    folder = _write(tmp_path / "d", text + "#" * (MAX_FILE_BYTES - len(text) - 1) + "\n")
    assert load_facts(folder).entities == []


def test_a_text_over_the_length_limit_is_an_error(tmp_path: Path) -> None:
    long = "广" * (MAX_TEXT_CHARS + 1)
    folder = _write(tmp_path / "d", f"entities:\n  - id: x\n    type: City\n    quote: {long}\n")
    assert _problems(folder) == [
        f"{folder}/a.yaml:4: a text of 2001 characters, longer than the limit of 2000 — quote "
        "a shorter passage: a quote needs only enough text to support the fact"
    ]


def test_a_text_at_the_length_limit_is_read(tmp_path: Path) -> None:
    text = "广" * MAX_TEXT_CHARS
    folder = _write(tmp_path / "d", f"entities:\n  - id: x\n    type: City\n    quote: {text}\n")
    assert load_facts(folder).entities[0].evidence[0].quote == text


def test_nesting_is_capped_even_where_libyaml_would_allow_it(tmp_path: Path) -> None:
    depth = MAX_DEPTH + 1
    folder = _write(tmp_path / "d", "entities: " + "[" * depth + "x" + "]" * depth + "\n")
    problems = _problems(folder)
    assert problems[-1].startswith(
        f"{folder}/a.yaml:1: lists and mappings are nested more than 20 levels deep"
    )


def test_very_deep_nesting_fails_cleanly_with_libyaml(tmp_path: Path) -> None:
    folder = _write(tmp_path / "d", "a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert _problems(folder)[0].startswith(
        f"{folder}/a.yaml:1: lists and mappings are nested more than 20 levels deep"
    )


def test_very_deep_nesting_fails_cleanly_without_libyaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loader = importlib.import_module("kg.pipeline.compose")
    monkeypatch.setattr(loader, "_Loader", yaml.BaseLoader)  # the pure-Python composer
    folder = _write(tmp_path / "d", "a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert _problems(folder)[0].startswith(
        f"{folder}/a.yaml:1: lists and mappings are nested more than 20 levels deep"
    )


def test_an_alias_bomb_fails_with_flat_memory(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 30):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    folder = _write(tmp_path / "d", "\n".join(lines) + "\n")
    tracemalloc.start()
    problems = [p for p in _problems(folder) if "YAML a" in p]  # 10**30 items if expanded
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 5 * 1024 * 1024
    assert problems[0] == (
        f"{folder}/a.yaml:1: YAML anchor '&a0' (reused at line 2): anchors and aliases are not "
        "allowed — write the value out; to reuse a quote, name it under `quotes:` and `cite:` it"
    )
    assert problems[1].startswith(
        f"{folder}/a.yaml:2: YAML alias '*a0' repeats the value anchored at line 1;"
    )


def test_an_anchor_name_given_twice_names_both_lines(tmp_path: Path) -> None:
    folder = _write(tmp_path / "d", "a: &n x\nb: &n y\nc: *n\n")
    assert _problems(folder) == [
        f"{folder}/a.yaml:2: YAML anchor given twice (first at line 1); anchors and aliases are "
        "not allowed — write the value out; to reuse a quote, name it under `quotes:` and "
        "`cite:` it"
    ]


def test_nothing_is_constructed_from_any_tag(tmp_path: Path) -> None:
    folder = _write(
        tmp_path / "d",
        "entities:\n"
        "  - !!python/object/new:os.system [echo pwned]\n"
        "  - id: !!binary aGVsbG8=\n"
        "    type: !City City\n"
        "    quote: !!str fine\n",  # the standard string tag is a plain string
    )
    assert [p.split(" — ")[0] for p in _problems(folder)] == [
        f"{folder}/a.yaml:2: YAML tag 'tag:yaml.org,2002:python/object/new:os.system' is not "
        "allowed",
        f"{folder}/a.yaml:3: YAML tag 'tag:yaml.org,2002:binary' is not allowed",
        f"{folder}/a.yaml:4: YAML tag '!City' is not allowed",
    ]


# --- characters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("char", "described"),
    [
        ("\x01", "control character U+0001"),
        ("\x7f", "control character U+007F DELETE"),
        ("\x9b", "control character U+009B"),
        ("\u2066", "bidirectional control U+2066 LEFT-TO-RIGHT ISOLATE"),
        ("\u200f", "bidirectional mark U+200F RIGHT-TO-LEFT MARK"),
        ("\ufeff", "invisible character U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    ],
)
def test_forbidden_characters_are_named_with_line_and_column(
    tmp_path: Path, char: str, described: str
) -> None:
    folder = _write(tmp_path / "d", f"entities:\n  - id: x\n    type: Ci{char}ty\n")
    assert [p.split(" — ")[0] for p in _problems(folder)] == [
        f"{folder}/a.yaml:3: {described} at column 13"
    ]


def test_forbidden_characters_in_comments_count_too(tmp_path: Path) -> None:
    folder = _write(tmp_path / "d", "# see \u202egnp.exe\nentities: []\n")
    assert [p.split(" — ")[0] for p in _problems(folder)] == [
        f"{folder}/a.yaml:1: bidirectional control U+202E RIGHT-TO-LEFT OVERRIDE at column 7"
    ]


def test_tab_and_line_breaks_are_allowed_in_text(tmp_path: Path) -> None:
    folder = _write(
        tmp_path / "d", 'entities:\n  - id: x\n    type: City\n    quote: "a\\tb\\r\\nc"\n'
    )
    assert load_facts(folder).entities[0].evidence[0].quote == "a\tb\r\nc"


def test_a_utf16_file_is_reported_in_a_few_lines_not_thousands(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    text = "".join(f"# line {i}\n" for i in range(500)) + "entities: []\n"
    (folder / "a.yaml").write_bytes(text.encode("utf-16-le"))
    problems = _problems(folder)
    assert len(problems) == MAX_REPORTED_LINES + 1
    assert problems[0].startswith(f"{folder}/a.yaml:1: control character U+0000 NULL at column 2")
    assert problems[-1] == (
        f"{folder}/a.yaml:11: this and later lines hold more such characters — is the file "
        "UTF-16? save it as UTF-8"
    )


def test_a_utf16_file_with_a_bom_is_not_utf8(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "a.yaml").write_bytes("entities: []\n".encode("utf-16"))
    assert _problems(folder)[0].startswith(
        f"{folder}/a.yaml:1: not valid UTF-8 (byte 0xff at line 1, column 1)"
    )


# --- YAML 1.1 look-alikes reach the graph as written ------------------------------------------


def test_yaml_1_1_lookalikes_reach_the_graph_as_written(data_dir: Path) -> None:
    (data_dir / "case.yaml").write_text(
        "source: mini-source\n"
        "entities:\n"
        "  - id: x\n"
        "    type: Metric\n"
        "    label: {zh: yes, en: Off}\n"
        "    alt: {en: [NO, on, ~x, 1:30, 0755, 1_000, 2020-10-22, 0x1F, .inf]}\n"
        "    quote: 深圳\n"
        "    aim: {zh: 010, en: 0x1F}\n"
        "    subject: shenzhen\n"
        "    amount: 1.10\n"
        "    unit: count\n"
        "    measure: stock\n"
        "    date: 2020-10-22\n"
        "    period-start: 2020-10\n"
        "    period-end: 2021\n",
        encoding="utf-8",
    )
    graph = kg.check(data_dir).graph
    x = ID["x"]
    assert set(graph.objects(x, RDFS.label)) == {
        Literal("yes", lang="zh"),
        Literal("Off", lang="en"),
    }
    assert {str(o) for o in graph.objects(x, SKOS.altLabel)} == {
        "NO", "on", "~x", "1:30", "0755", "1_000", "2020-10-22", "0x1F", ".inf"
    }  # fmt: skip
    assert set(graph.objects(x, GBA_TERM["aim"])) == {
        Literal("010", lang="zh"),
        Literal("0x1F", lang="en"),
    }
    assert graph.value(x, GBA_TERM["date"]) == Literal("2020-10-22", datatype=XSD.date)
    assert graph.value(x, GBA_TERM["periodStart"]) == Literal("2020-10", datatype=XSD.gYearMonth)
    assert graph.value(x, GBA_TERM["periodEnd"]) == Literal("2021", datatype=XSD.gYear)
    # a decimal is a number: 1.10 and 1.1 are one value, stored in canonical form
    assert graph.value(x, GBA_TERM["amount"]) == Literal("1.1", datatype=XSD.decimal)


def test_labels_reach_the_graph_in_nfc(data_dir: Path) -> None:
    (data_dir / "case.yaml").write_text(
        "source: mini-source\n"
        "entities:\n"
        "  - id: x\n"
        "    type: City\n"
        '    label: {zh: 深圳湾, en: "Cafe\\u0301 Bay"}\n'
        '    alt: {en: ["Ame\\u0301lie"]}\n'
        "    quote: 深圳\n",
        encoding="utf-8",
    )
    graph = kg.check(data_dir).graph
    assert graph.value(ID["x"], RDFS.label, any=True) in {
        Literal("深圳湾", lang="zh"),
        Literal("Caf\u00e9 Bay", lang="en"),
    }
    assert Literal("Caf\u00e9 Bay", lang="en") in set(graph.objects(ID["x"], RDFS.label))
    assert set(graph.objects(ID["x"], SKOS.altLabel)) == {Literal("Am\u00e9lie", lang="en")}


def test_every_minted_iri_is_made_of_valid_ids(data_dir: Path) -> None:
    graph = kg.check(data_dir).graph
    real = kg.check(ROOT / "data").graph
    for g in (graph, real):
        for term in set(g.subjects()) | set(g.objects()):
            if isinstance(term, URIRef) and str(term).startswith(str(ID)):
                local = str(term)[len(str(ID)) :]
                assert re.fullmatch(r"[a-z0-9]+(-{1,2}[a-z0-9]+)*", local), term


def test_the_docs_state_the_limits_as_they_are() -> None:
    page = (ROOT / "docs" / "limits.md").read_text(encoding="utf-8")
    section = page.split("## What the builder rejects and why", 1)[1].split("\n## ", 1)[0]
    assert (MAX_FILE_BYTES, MAX_SOURCE_BYTES) == (1024 * 1024, 4 * 1024 * 1024)
    for text in (
        "| 1 MiB (`MAX_FILE_BYTES`)",
        "| 4 MiB (`MAX_SOURCE_BYTES`)",
        f"| {MAX_TEXT_CHARS} characters (`MAX_TEXT_CHARS`",
        f"| {MAX_DEPTH} levels (`MAX_DEPTH`",
        f"| {MAX_REPORTED_LINES} per file",
    ):
        assert text in section, text


def _read_in_two(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Make every data folder big enough for the forked second reader, on any machine;
    the list returned collects the helpers started."""
    forked = importlib.import_module("kg.runtime.forked")
    monkeypatch.setattr(UNITS, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(forked, "can_fork", lambda: True)
    started: list[object] = []
    start = forked.Forked.start

    def counted(*args: Any) -> object:
        helper = start(*args)
        started.append(helper)
        return helper

    monkeypatch.setattr(forked.Forked, "start", counted)
    return started


def _files(folder: Path) -> list[Path]:
    return LOAD.find_data_files(folder)


def test_reading_in_two_processes_gives_the_same_facts(monkeypatch: pytest.MonkeyPatch) -> None:
    alone = LOAD.read_files(_files(ROOT / "data"))
    started = _read_in_two(monkeypatch)
    assert UNITS.read_each(_files(ROOT / "data")) == alone
    assert len(started) == 1 and started[0] is not None


def test_reading_in_two_processes_reports_every_problem_in_file_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a", "b", "c", "d"):
        (tmp_path / f"{name}.yaml").write_text(
            f"entities:\n  - id: x-{name}\n    type: City\n    bad key: 1\n  - id: [y]\n",
            encoding="utf-8",
        )
    alone = [p for _, found in LOAD.read_files(_files(tmp_path)) for p in found]
    started = _read_in_two(monkeypatch)
    two = [p for _, found in UNITS.read_each(_files(tmp_path)) for p in found]
    assert [str(p) for p in two] == [str(p) for p in alone]
    assert {p.pos.path for p in two} == {str(tmp_path / f"{n}.yaml") for n in "abcd"}
    assert len(started) == 1 and started[0] is not None


def test_a_failing_second_reader_falls_back_to_reading_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alone = LOAD.read_files(_files(ROOT / "data"))
    parent = os.getpid()
    read = LOAD._FileReader.read

    def read_or_die_in_child(self: Any) -> None:
        if os.getpid() != parent:
            raise MemoryError("the child ran out of memory")
        read(self)

    started = _read_in_two(monkeypatch)
    monkeypatch.setattr(LOAD._FileReader, "read", read_or_die_in_child)
    assert UNITS.read_each(_files(ROOT / "data")) == alone
    assert len(started) == 1 and started[0] is not None
