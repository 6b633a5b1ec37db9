"""The built graph: golden outputs, re-parsing by two parsers, and queryable evidence."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import XSD, BNode, Graph, Literal, URIRef

import kg
from kg.namespaces import ID
from kg.outputs.export import WRITERS, Graphs
from tests.conftest import MINI, ROOT, TESTS
from tests.helpers import assert_golden, assert_isomorphic

GOLDEN = TESTS / "golden" / "mini"
RDF_FORMATS = {"turtle": "turtle", "nt": "nt", "json-ld": "json-ld"}
OX_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES}
OX_FORMATS["json-ld"] = ox.RdfFormat.JSON_LD


@pytest.fixture(scope="module")
def mini() -> kg.Result:
    return kg.check(MINI)


@pytest.mark.parametrize("name", ["turtle", "nt", "json-ld", "graphml"])
def test_outputs_match_golden_files(mini: kg.Result, name: str, update_golden: bool) -> None:
    writer = WRITERS[name]
    assert_golden(
        writer.write(Graphs(mini.graph, mini.schema)), GOLDEN / writer.filename, update_golden
    )


@pytest.mark.parametrize("name", sorted(RDF_FORMATS))
def test_every_rdf_output_reparses_with_rdflib_to_the_same_graph(
    mini: kg.Result, name: str
) -> None:
    data = WRITERS[name].write(Graphs(mini.graph, mini.schema))
    assert_isomorphic(mini.graph, Graph().parse(data=data, format=RDF_FORMATS[name]))


@pytest.mark.parametrize("name", sorted(OX_FORMATS))
def test_every_rdf_output_reparses_with_pyoxigraph_to_the_same_graph(
    mini: kg.Result, name: str
) -> None:
    data = WRITERS[name].write(Graphs(mini.graph, mini.schema))
    reparsed = Graph()
    for triple in ox.parse(data, format=OX_FORMATS[name]):
        reparsed.add(tuple(_from_ox(t) for t in (triple.subject, triple.predicate, triple.object)))
    assert_isomorphic(mini.graph, reparsed)


def _from_ox(term):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == str(XSD.string):
        return Literal(term.value)  # RDF 1.1: a plain literal is an xsd:string
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def test_the_graph_has_no_blank_nodes(mini: kg.Result) -> None:
    assert not any(isinstance(t, BNode) for triple in mini.graph for t in triple)


QUOTE_BEHIND_EDGE = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX gba: <https://w3id.org/gba-kg/ontology#>
SELECT ?exact ?start ?end ?source WHERE {
  ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; prov:wasDerivedFrom ?ev .
  ?ev oa:hasSource ?source ;
      oa:hasSelector [ oa:exact ?exact ] , [ oa:start ?start ; oa:end ?end ] .
}
"""


def test_the_quote_behind_an_edge_is_one_query(mini: kg.Result) -> None:
    rows = list(
        mini.graph.query(
            QUOTE_BEHIND_EDGE,
            initBindings={
                "s": ID["baiyun-airport"],
                "p": URIRef("https://w3id.org/gba-kg/ontology#linkedWith"),
                "o": ID["shenzhen-baoan-airport"],
            },
        )
    )
    assert [(str(r[0]), r[3]) for r in rows] == [
        ("促进白云国际空港与深圳宝安国际机场协同发展", ID["mini-source"])
    ]


def test_statement_without_its_own_quote_uses_the_entity_s_quote(mini: kg.Result) -> None:
    rows = mini.graph.query(
        QUOTE_BEHIND_EDGE,
        initBindings={
            "s": ID["shenzhen-zhongshan-link"],
            "p": URIRef("https://w3id.org/gba-kg/ontology#connects"),
            "o": ID["zhongshan"],
        },
    )
    assert [str(r[0]) for r in rows] == ["加快建设深中通道和南中高速"]


def test_evidence_offsets_point_at_the_quote_in_the_source(mini: kg.Result) -> None:
    text = (MINI / "sources" / "mini-source.txt").read_text(encoding="utf-8")
    rows = list(mini.graph.query(QUOTE_BEHIND_EDGE))
    assert rows
    for exact, start, end, _ in rows:
        assert text[int(start) : int(end)] == str(exact)


def test_qualifiers_sit_on_the_statement(mini: kg.Result) -> None:
    rows = mini.graph.query(
        """PREFIX gba: <https://w3id.org/gba-kg/ontology#>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?status ?asof WHERE {
          ?st rdf:subject ?s ; rdf:predicate gba:status ; rdf:object ?status ; gba:asOf ?asof }""",
        initBindings={"s": ID["baiyun-airport-phase-3"]},
    )
    assert [(str(s).rsplit("#")[-1], str(a)) for s, a in rows] == [
        ("status-under-construction", "2020-11-23")
    ]


def test_typed_literals_follow_the_ontology(mini: kg.Result) -> None:
    phase = mini.graph.value(ID["baiyun-airport-phase-3"], mini.schema.properties["phase"].iri)
    assert phase == Literal("3", datatype=XSD.positiveInteger)


def test_the_real_data_is_a_real_slice() -> None:
    result = kg.check(ROOT / "data")
    per_class = result.entities_per_class
    assert sum(per_class.values()) >= 40
    assert len(per_class) >= 8
    assert result.quotes_checked >= 40


def test_real_evidence_offsets_match_the_source_text() -> None:
    result = kg.check(ROOT / "data")
    source = ROOT / "data" / "sources" / "duite-2020-11-zhang-shuofu-interview.txt"
    text = source.read_text(encoding="utf-8")
    rows = list(result.graph.query(QUOTE_BEHIND_EDGE))
    assert len(rows) > 100
    for exact, start, end, _ in rows:
        assert text[int(start) : int(end)] == str(exact)


def test_source_folder_holds_the_article_with_attribution() -> None:
    readme = (ROOT / "data" / "sources" / "README.md").read_text(encoding="utf-8")
    assert "读特" in readme and "duite-2020-11-zhang-shuofu-interview.txt" in readme


@pytest.mark.parametrize("name", sorted(RDF_FORMATS))
def test_real_data_outputs_reparse_to_the_built_graph(name: str) -> None:
    result = kg.check(ROOT / "data")
    data = WRITERS[name].write(Graphs(result.graph, result.schema))
    assert_isomorphic(result.graph, Graph().parse(data=data, format=RDF_FORMATS[name]))
