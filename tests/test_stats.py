"""kg stats: entities and statements per class and source, evidence, orphans."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

import kg
from kg.cli import main
from kg.outputs.export import Graphs
from tests.conftest import MINI, ROOT


def test_stats_of_the_mini_data() -> None:
    found = kg.stats(kg.check(MINI))
    assert (found.entities, found.statements, found.passages) == (9, 10, 8)
    assert found.per_class["City"] == {"entities": 3, "statements": 0}
    assert found.per_class["Airport"] == {"entities": 2, "statements": 3}
    assert sum(c["entities"] for c in found.per_class.values()) == found.entities
    assert sum(c["statements"] for c in found.per_class.values()) == found.statements
    assert found.per_source == {"mini-source": {"entities": 9, "statements": 10, "passages": 8}}
    assert sum(found.evidence_per_statement.values()) == found.statements
    assert sum(found.per_property.values()) == found.statements
    assert found.orphans == []


def test_an_entity_with_no_relation_is_an_orphan(data_dir: Path) -> None:
    (data_dir / "more.yaml").write_text(
        "source: mini-source\n"
        "entities:\n"
        "  - id: nansha\n"
        "    type: District\n"
        "    label: {zh: 南沙, en: Nansha}\n"
        '    quote: "尽早实现南沙与深圳新增衔接通道"\n',
        encoding="utf-8",
    )
    found = kg.stats(kg.check(data_dir))
    assert found.orphans == [{"id": "nansha", "type": "District", "zh": "南沙", "en": "Nansha"}]


def test_kg_stats_text_and_json(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["stats", "data"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:2] == ["entities    9", "statements  10"]
    assert "orphans (no relation to another entity): 0" in lines
    result = CliRunner().invoke(main, ["stats", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["entities"] == 9
    assert data["evidence_per_statement"]["min"] >= 1
    assert data["per_source"]["mini-source"]["statements"] == 10


def test_orphans_are_the_entities_alone_in_the_explorer() -> None:
    """An orphan is an entity with no relation to another one, either way round: alone in
    the explorer's network (which `kg stats` no longer builds, as it is slow)."""
    result = kg.check(ROOT / "data")
    net = Graphs(result.built, result.schema).network
    alone = net.to_undirected(as_view=True)
    expected = sorted(n for n in net.nodes if not any(m != n for m in alone.neighbors(n)))
    assert [o["id"] for o in kg.stats(result).orphans] == expected
    assert expected == []  # the commendation and the directive now link the last two


QUOTES = 361  # the evidence nodes of data/: passages of facts and passages left out


def test_one_count_of_quotes_in_the_build_stats_and_coverage(tmp_path: Path) -> None:
    # data/ has a named quote that no fact cites: it is checked, but it is no passage of
    # the graph, so no count may include it (the build once said 222 where stats said 221)
    result = kg.check(ROOT / "data")
    passages = kg.stats(result).passages
    in_coverage = sum(len(s.passages) for s in kg.coverage(result).sources)
    cached = kg.build(ROOT / "data", tmp_path, formats=["nt"], cache=True)
    replayed = kg.build(ROOT / "data", tmp_path, formats=["nt"], cache=True)
    assert replayed.cached
    assert (
        result.quotes_checked
        == cached.quotes_checked
        == replayed.quotes_checked
        == passages
        == in_coverage
        == QUOTES
    )
    # the pipeline's own steps, for library users who walk them one by one, count the same
    from kg.pipeline.load import SOURCES_DIR
    from kg.pipeline.quotes import read_sources
    from kg.pipeline.validate import check_facts

    walked = check_facts(
        kg.load(ROOT / "data"), kg.read_schema(), read_sources(ROOT / "data" / SOURCES_DIR)
    )
    assert walked.quotes_checked == QUOTES
