"""Rule queries (`queries/rules/*.rq`) must return no rows; each row is a problem at a YAML line."""

from __future__ import annotations

import copy
from dataclasses import dataclass

import pytest
from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef

import kg
from kg.facts import SourcePos
from kg.namespaces import ID, OA, PROV
from kg.pipeline.build import Built
from kg.pipeline.rules import check_rules, read_rules
from tests.conftest import MINI

RULES = read_rules()
GBA = "https://w3id.org/gba-kg/ontology#"


@dataclass
class Edited:
    """A built graph as an rdflib graph to change by hand, and the YAML lines of its nodes."""

    graph: Graph
    positions: dict[URIRef, SourcePos]


@pytest.fixture
def built() -> Edited:
    result = kg.check(MINI)
    return Edited(copy.deepcopy(result.graph), dict(result.built.positions))


def _messages(edited: Edited) -> list[str]:
    return [str(p) for p in check_rules(Built.of_graph(edited.graph, edited.positions), RULES)]


def test_there_are_rules_and_the_clean_graph_passes_them(built: Edited) -> None:
    assert len(RULES) >= 5
    assert _messages(built) == []


def test_a_statement_without_evidence_is_reported_at_its_line(built: Edited) -> None:
    st = ID["shenzhen-zhongshan-link--connects--zhongshan"]
    built.graph.remove((st, PROV.wasDerivedFrom, None))
    assert _messages(built) == [
        f"{MINI}/entities.yaml:59: 'gbr:shenzhen-zhongshan-link--connects--zhongshan': "
        "statement has no evidence quote — give the statement a quote (or its entity one) "
        "(rule statement-has-evidence.rq in queries/rules/)"
    ]


def test_an_entity_without_an_en_label(built: Edited) -> None:
    built.graph.remove((ID["zhongshan"], RDFS.label, Literal("Zhongshan", lang="en")))
    assert _messages(built) == [
        f"{MINI}/entities.yaml:61: 'gbr:zhongshan': entity lacks a zh or an en label — write "
        "label: {zh: …, en: …} (rule entity-has-zh-and-en-label.rq in queries/rules/)"
    ]


def test_a_transport_link_with_one_end(built: Edited) -> None:
    built.graph.remove((ID["shenzhen-zhongshan-link"], URIRef(GBA + "connects"), ID["zhongshan"]))
    messages = _messages(built)
    assert (
        f"{MINI}/entities.yaml:55: 'gbr:shenzhen-zhongshan-link': transport link connects "
        "fewer than two places (1) — list both ends under connects:, or say why the text "
        "names none with ends-not-named: (rule transport-link-has-two-ends.rq in "
        "queries/rules/)" in messages
    )


def test_a_transport_link_whose_ends_the_text_does_not_name_keeps_its_class(
    built: Edited,
) -> None:
    link = ID["shenzhen-zhongshan-link"]
    built.graph.remove((link, URIRef(GBA + "connects"), None))
    assert any("transport link connects fewer than two places (0)" in m for m in _messages(built))
    built.graph.add((link, URIRef(GBA + "endsNotNamed"), Literal("named only by its abbreviation")))
    assert not any("fewer than two places" in m for m in _messages(built))


def test_a_metric_among_the_top_has_no_amount_and_a_rank_its_scope(built: Edited) -> None:
    link = ID["shenzhen-zhongshan-link"]
    metric = ID["standing"]
    g = built.graph
    g.add((metric, RDF.type, URIRef(GBA + "Metric")))
    g.add((metric, RDF.type, URIRef(GBA + "Entity")))
    g.add((metric, URIRef(GBA + "subject"), link))
    g.add((metric, URIRef(GBA + "unit"), URIRef(GBA + "unit-rank")))
    g.add((metric, URIRef(GBA + "measureKind"), URIRef(GBA + "measure-rank")))
    g.add((metric, URIRef(GBA + "bound"), URIRef(GBA + "bound-among-the-top")))
    built.positions[metric] = built.positions[link]
    found = _messages(built)
    assert any("without its ranking scope" in m for m in found), found
    assert not any("needs an amount" in m for m in found), found
    g.add((metric, URIRef(GBA + "rankingScope"), URIRef(GBA + "scope-national")))
    g.add((metric, URIRef(GBA + "amount"), Literal("3", datatype=XSD.decimal)))
    found = _messages(built)
    assert any("(among the top, with an amount)" in m for m in found), found
    assert not any("without its ranking scope" in m for m in found), found


def test_a_self_reference(built: Edited) -> None:
    built.graph.add((ID["guangzhou"], URIRef(GBA + "partOf"), ID["guangzhou"]))
    assert _messages(built) == [
        f"{MINI}/entities.yaml:27: 'gbr:guangzhou': refers to itself (partOf) — point the key at "
        "another entity (rule no-self-reference.rq in queries/rules/)"
    ]


def test_a_statement_whose_triple_is_missing(built: Edited) -> None:
    built.graph.remove((ID["zhongshan"], RDF.type, URIRef(GBA + "City")))
    built.graph.remove((ID["shenzhen-baoan-airport"], URIRef(GBA + "locatedIn"), ID["shenzhen"]))
    assert any(
        "shenzhen-baoan-airport--located-in--shenzhen': the reified" in m for m in _messages(built)
    )


def test_evidence_offsets_out_of_order(built: Edited) -> None:
    pos = next(built.graph.subjects(RDF.type, OA.TextPositionSelector))
    start = built.graph.value(pos, OA.start)
    built.graph.set((pos, OA.end, start))
    assert any("evidence ends before it starts" in m for m in _messages(built))
