"""The SPARQL SHACL engine (`kg.pipeline.shacl`) against pySHACL, the reference: on small graphs
made for each supported constraint, on the real data and on broken copies of it, and on the
bad cases whose problems come from the shapes. Both must give the same results, and so the
same problems; shapes the compiler refuses run on pySHACL instead.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

import kg
from kg.api import _sources
from kg.facts import SourcePos
from kg.namespaces import OA, PROV
from kg.pipeline.build import build_graph
from kg.pipeline.load import load_facts
from kg.pipeline.ontology import read_schema
from kg.pipeline.shacl import (
    ShapeResult,
    UnsupportedShapeError,
    class_hierarchy,
    compile_shapes,
    shape_results,
)
from kg.pipeline.shapes import (
    check_shapes,
    problems_of,
    pyshacl_problems,
    pyshacl_results,
    read_shapes,
    shape_problems,
)
from kg.pipeline.validate import check_facts
from tests.conftest import MINI, ROOT, TESTS

PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
"""
EX = "http://example.org/"
GBA_ = "https://w3id.org/gba-kg/ontology#"
GBA = Namespace(GBA_)


def turtle(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def store_of(graph: Graph) -> ox.Store:
    """The graph in a pyoxigraph store; blank nodes keep their ids, as pySHACL's report."""

    def term(t: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if isinstance(t, URIRef):
            return ox.NamedNode(str(t))
        if isinstance(t, BNode):
            return ox.BlankNode(str(t))
        assert isinstance(t, Literal)
        if t.language:
            return ox.Literal(str(t), language=t.language)
        if t.datatype:
            return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)))
        return ox.Literal(str(t))

    store = ox.Store()
    store.bulk_extend(ox.Quad(term(s), term(p), term(o)) for s, p, o in graph)  # type: ignore[arg-type]
    return store


def positions_of(graph: Graph) -> dict[URIRef, SourcePos]:
    subjects = sorted({s for s in graph.subjects() if isinstance(s, URIRef)})
    return {s: SourcePos("data/x.yaml", i + 1) for i, s in enumerate(subjects)}


def key(r: ShapeResult) -> tuple[object, ...]:
    return (r.focus, r.path, r.shape, r.message, r.component, r.severity, r.value)


def assert_same(
    graph: Graph,
    shapes: Graph,
    positions: dict[URIRef, SourcePos] | None = None,
    key_positions: dict[tuple[URIRef, URIRef], SourcePos] | None = None,
) -> list[str]:
    """Both engines give the same results and problems on `graph`; the problems, as text."""
    positions = positions_of(graph) if positions is None else positions
    key_positions = key_positions or {}
    store = store_of(graph)
    fast, slow = shape_results(store, shapes), pyshacl_results(graph, shapes)
    assert Counter(map(key, fast)) == Counter(map(key, slow))
    for check in compile_shapes(shapes, class_hierarchy(store)):  # a screen misses nothing
        if check.screen is not None and _any(store, check.query):
            assert _any(store, check.screen), check.query
    found = shape_problems(store, shapes, positions, key_positions)
    assert found == pyshacl_problems(graph, shapes, positions, key_positions)
    assert found == problems_of(fast, shapes, positions, key_positions)
    assert found == sorted(found)
    return [str(p) for p in found]


def _any(store: ox.Store, query: str) -> bool:
    rows = store.query(query)
    assert isinstance(rows, ox.QuerySolutions)
    return next(iter(rows), None) is not None


# one shape and one focus node of class ex:C for each supported constraint: (shapes, a graph
# that violates them, a graph that conforms)
NODE = "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; {} ] ."
CASES: dict[str, tuple[str, str, str]] = {
    "several constraints on one path, screened together": (
        NODE.format(
            'sh:minCount 1 ; sh:maxCount 1 ; sh:nodeKind sh:IRI ; sh:class ex:D ; sh:message "m"'
        ),
        "ex:a a ex:C . ex:b a ex:C ; ex:p ex:d1, ex:d2 . ex:c a ex:C ; ex:p 1 . "
        "ex:e a ex:C ; ex:p ex:x . ex:d1 a ex:D . ex:d2 a ex:D .",
        "ex:a a ex:C ; ex:p ex:d1 . ex:d1 a ex:D .",
    ),
    "a screened shape broken by one of its constraints only": (
        NODE.format(
            'sh:minCount 1 ; sh:datatype rdf:langString ; sh:languageIn ("zh") ; sh:message "m"'
        ),
        'ex:a a ex:C ; ex:p "x"@zh, "y"@en .',
        'ex:a a ex:C ; ex:p "x"@zh .',
    ),
    "minCount 1": (
        NODE.format('sh:minCount 1 ; sh:message "m"'),
        "ex:a a ex:C . ex:b a ex:C ; ex:q 1 .",
        "ex:a a ex:C ; ex:p 1 .",
    ),
    "minCount 2": (
        NODE.format('sh:minCount 2 ; sh:message "m"'),
        "ex:a a ex:C ; ex:p 1 . ex:b a ex:C .",
        "ex:a a ex:C ; ex:p 1, 2 .",
    ),
    "maxCount 0": (
        NODE.format('sh:maxCount 0 ; sh:message "m"'),
        "ex:a a ex:C ; ex:p 1 .",
        "ex:a a ex:C ; ex:q 1 .",
    ),
    "maxCount 1": (
        NODE.format('sh:maxCount 1 ; sh:message "m"'),
        'ex:a a ex:C ; ex:p 1, "1", ex:x . ex:b a ex:C ; ex:p "x"@en, "x"@zh .',
        "ex:a a ex:C ; ex:p 1 . ex:b a ex:C .",
    ),
    "maxCount 2": (
        NODE.format('sh:maxCount 2 ; sh:message "m"'),
        "ex:a a ex:C ; ex:p 1, 2, 3 .",
        "ex:a a ex:C ; ex:p 1, 2 .",
    ),
    "class": (
        NODE.format('sh:class ex:D ; sh:message "m"'),
        'ex:a a ex:C ; ex:p ex:x, ex:y, "ex:x", _:b . ex:y a ex:E . _:b a ex:E .',
        "ex:a a ex:C ; ex:p ex:x, _:b . ex:x a ex:D . _:b a ex:D .",
    ),
    "two classes": (
        NODE.format('sh:class ex:D, ex:E ; sh:message "m"'),
        "ex:a a ex:C ; ex:p ex:x, ex:y, 3 . ex:x a ex:D . ex:y a ex:D, ex:E .",
        "ex:a a ex:C ; ex:p ex:y . ex:y a ex:D, ex:E .",
    ),
    "class through rdfs:subClassOf in the data": (
        NODE.format('sh:class ex:D ; sh:message "m"'),
        "ex:F rdfs:subClassOf ex:E . ex:E rdfs:subClassOf ex:G . ex:a a ex:C ; ex:p ex:x . "
        "ex:x a ex:F . ex:K rdfs:subClassOf ex:C . ex:b a ex:K ; ex:p ex:y .",
        "ex:F rdfs:subClassOf ex:E . ex:E rdfs:subClassOf ex:D . ex:a a ex:C ; ex:p ex:x . "
        "ex:x a ex:F . ex:K rdfs:subClassOf ex:C . ex:b a ex:K ; ex:p ex:x .",
    ),
    "datatype xsd:decimal": (
        NODE.format('sh:datatype xsd:decimal ; sh:message "m"'),
        'ex:a a ex:C ; ex:p "2.5"^^xsd:decimal, "abc"^^xsd:decimal, "3"^^xsd:integer, '
        '"2.5", "2.5"@en, ex:x, _:b .',
        'ex:a a ex:C ; ex:p "2.5"^^xsd:decimal, "-3"^^xsd:decimal, ".5"^^xsd:decimal .',
    ),
    "datatype xsd:integer and xsd:date": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; "
        'sh:datatype xsd:integer ; sh:message "m" ] , [ sh:path ex:q ; sh:datatype xsd:date ; '
        'sh:message "d" ] .',
        'ex:a a ex:C ; ex:p "1.5"^^xsd:integer, "x"^^xsd:integer, "7"^^xsd:integer ; '
        'ex:q "2020-13-01"^^xsd:date, "2020-02-30"^^xsd:date, "2020-02-03"^^xsd:dateTime .',
        'ex:a a ex:C ; ex:p "7"^^xsd:integer, "-0"^^xsd:integer ; ex:q "2020-02-03"^^xsd:date .',
    ),
    "datatype of another vocabulary": (
        NODE.format('sh:datatype ex:T ; sh:message "m"'),
        'ex:a a ex:C ; ex:p "x"^^ex:U, "x" .',
        'ex:a a ex:C ; ex:p "x"^^ex:T .',
    ),
    "datatype xsd:string": (
        NODE.format('sh:datatype xsd:string ; sh:message "m"'),
        'ex:a a ex:C ; ex:p "x"@en, 1, ex:x .',
        'ex:a a ex:C ; ex:p "x", "y"^^xsd:string .',
    ),
    "datatype rdf:langString": (
        NODE.format('sh:datatype rdf:langString ; sh:message "m"'),
        'ex:a a ex:C ; ex:p "x", ex:x .',
        'ex:a a ex:C ; ex:p "x"@en, "y"@zh-Hant .',
    ),
    "datatype rdfs:Literal": (
        NODE.format('sh:datatype rdfs:Literal ; sh:message "m"'),
        "ex:a a ex:C ; ex:p ex:x, _:b .",
        'ex:a a ex:C ; ex:p "x"@en, 1, "y" .',
    ),
    "languageIn": (
        NODE.format('sh:languageIn ( "en" "zh" ) ; sh:message "m"'),
        'ex:a a ex:C ; ex:p "x"@fr, "y", ex:x, "z"@english, 3 .',
        'ex:a a ex:C ; ex:p "x"@en, "y"@EN-GB, "z"@zh-Hans-CN .',
    ),
    "languageIn any tag": (
        NODE.format('sh:languageIn ( "*" ) ; sh:message "m"'),
        'ex:a a ex:C ; ex:p "y", ex:x .',
        'ex:a a ex:C ; ex:p "x"@fr .',
    ),
    "languageIn with a range that has subtags": (
        NODE.format('sh:languageIn ( "en-GB" ) ; sh:message "m"'),
        'ex:a a ex:C ; ex:p "x"@en, "y"@en-gb-oxendict .',
        'ex:a a ex:C ; ex:p "x"@EN-gb .',
    ),
    "qualified languageIn, as the project's label shapes": (
        NODE.format(
            'sh:qualifiedValueShape [ sh:languageIn ( "zh" ) ] ; sh:qualifiedMinCount 1 ; '
            'sh:qualifiedMaxCount 1 ; sh:message "m"'
        ),
        'ex:a a ex:C ; ex:p "x"@en . ex:b a ex:C ; ex:p "x"@zh, "y"@zh-Hant . ex:c a ex:C .',
        'ex:a a ex:C ; ex:p "x"@zh, "y"@en, ex:x .',
    ),
    "qualified counts of 2 and 3": (
        NODE.format(
            "sh:qualifiedValueShape [ sh:nodeKind sh:IRI ; sh:class ex:D ] ; "
            'sh:qualifiedMinCount 2 ; sh:qualifiedMaxCount 3 ; sh:message "m"'
        ),
        "ex:a a ex:C ; ex:p ex:x, ex:y, 1 . ex:x a ex:D . "
        "ex:b a ex:C ; ex:p ex:x, ex:y, ex:z, ex:w, _:b . ex:y a ex:D . ex:z a ex:D . "
        "ex:w a ex:D . _:b a ex:D .",
        "ex:a a ex:C ; ex:p ex:x, ex:y, ex:e . ex:x a ex:D . ex:y a ex:D .",
    ),
    "qualified datatype (counted in Python)": (
        NODE.format(
            "sh:qualifiedValueShape [ sh:datatype xsd:integer ] ; "
            'sh:qualifiedMinCount 1 ; sh:qualifiedMaxCount 1 ; sh:message "m"'
        ),
        'ex:a a ex:C ; ex:p "x"^^xsd:integer, 2.5 . ex:b a ex:C ; ex:p 1, 2 . ex:c a ex:C .',
        'ex:a a ex:C ; ex:p 1, "x"^^xsd:integer, "1" .',
    ),
    "qualified with an empty shape and maxCount 0": (
        NODE.format(
            'sh:qualifiedValueShape [ sh:name "anything" ] ; sh:qualifiedMaxCount 0 ; '
            'sh:message "m"'
        ),
        "ex:a a ex:C ; ex:p ex:x .",
        "ex:a a ex:C .",
    ),
    "sequence path": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ( ex:p ex:q ) ; "
        'sh:minCount 1 ; sh:maxCount 1 ; sh:nodeKind sh:Literal ; sh:message "m" ] .',
        "ex:a a ex:C ; ex:p ex:x . ex:b a ex:C ; ex:p ex:x, ex:y . ex:x ex:q 1 . ex:y ex:q ex:z .",
        "ex:a a ex:C ; ex:p ex:x, ex:y . ex:x ex:q 1 . ex:y ex:q 1 .",
    ),
    "inverse, alternative and repeated paths": (
        """ex:S a sh:NodeShape ; sh:targetClass ex:C ;
        sh:property [ sh:path [ sh:inversePath ex:p ] ; sh:minCount 1 ; sh:message "inv" ] ,
          [ sh:path [ sh:alternativePath ( ex:p ex:q ) ] ; sh:maxCount 1 ; sh:message "alt" ] ,
          [ sh:path [ sh:zeroOrMorePath ex:p ] ; sh:maxCount 2 ; sh:message "star" ] ,
          [ sh:path [ sh:oneOrMorePath ex:p ] ; sh:class ex:D ; sh:message "plus" ] ,
          [ sh:path [ sh:zeroOrOnePath ex:p ] ; sh:minCount 2 ; sh:message "opt" ] ,
          [ sh:path ( [ sh:inversePath ex:p ] ex:q ) ; sh:maxCount 0 ; sh:message "seq" ] .""",
        "ex:a a ex:C ; ex:p ex:b ; ex:q ex:c . ex:b a ex:C ; ex:p ex:c . ex:c ex:q 1 .",
        "ex:a a ex:C ; ex:p ex:b . ex:b a ex:D . ex:z ex:p ex:a .",
    ),
    "node kinds": (
        """ex:S a sh:NodeShape ; sh:targetClass ex:C ;
        sh:property [ sh:path ex:p ; sh:nodeKind sh:IRI ; sh:message "iri" ] ,
          [ sh:path ex:p ; sh:nodeKind sh:BlankNode ; sh:message "blank" ] ,
          [ sh:path ex:p ; sh:nodeKind sh:Literal ; sh:message "literal" ] ,
          [ sh:path ex:p ; sh:nodeKind sh:BlankNodeOrIRI ; sh:message "blank or iri" ] ,
          [ sh:path ex:p ; sh:nodeKind sh:BlankNodeOrLiteral ; sh:message "blank or literal" ] ,
          [ sh:path ex:p ; sh:nodeKind sh:IRIOrLiteral ; sh:message "iri or literal" ] .""",
        'ex:a a ex:C ; ex:p ex:x, _:b, "x", 1 .',
        "ex:a a ex:C .",
    ),
    "constraints of a node shape on its focus node": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:nodeKind sh:IRI ; sh:class ex:D ; "
        'sh:message "m" .',
        "ex:a a ex:C . _:b a ex:C, ex:D .",
        "ex:a a ex:C, ex:D .",
    ),
    "a property shape with its own target, and two target classes": (
        "ex:P a sh:PropertyShape ; sh:targetClass ex:C, ex:D ; sh:path ex:p ; sh:minCount 1 ; "
        'sh:message "m" . ex:S a sh:NodeShape ; sh:targetClass ex:D ; sh:property ex:P .',
        "ex:a a ex:C . ex:b a ex:C, ex:D .",
        "ex:a a ex:C, ex:D ; ex:p 1 .",
    ),
    "severities: a warning beside a violation": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ; "
        'sh:message "w" ; sh:severity sh:Warning ] , [ sh:path ex:q ; sh:minCount 1 ; '
        'sh:message "v" ; sh:severity sh:Violation ] .',
        "ex:a a ex:C .",
        "ex:a a ex:C ; ex:p 1 ; ex:q 1 .",
    ),
    "deactivated shapes": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ; "
        'sh:message "on" ; sh:deactivated false ] , [ sh:path ex:q ; sh:minCount 1 ; '
        'sh:message "off" ; sh:deactivated true ] . ex:T a sh:NodeShape ; sh:targetClass ex:C ; '
        'sh:deactivated true ; sh:property [ sh:path ex:r ; sh:minCount 1 ; sh:message "x" ] .',
        "ex:a a ex:C .",
        "ex:a a ex:C ; ex:p 1 .",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_constraint_finds_what_pyshacl_finds(name: str) -> None:
    shapes_text, bad, good = CASES[name]
    shapes = turtle(shapes_text)
    compile_shapes(shapes)  # supported: no fallback hides a difference
    assert assert_same(turtle(bad), shapes), "the bad graph must violate the shape"
    assert assert_same(turtle(good), shapes) == []


def test_results_are_pyshacls_also_for_blank_node_focus_nodes() -> None:
    shapes = turtle(CASES["constraints of a node shape on its focus node"][0])
    graph = turtle("_:b a ex:C .")
    problems = assert_same(graph, shapes)
    (blank,) = graph.subjects(RDF.type, URIRef(EX + "C"))
    assert problems == [f"(graph):0: '{blank}': m — see shape S in ontology/shapes.ttl"] * 2


def test_a_warning_alone_is_no_problem() -> None:
    shapes = turtle(
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; "
        'sh:minCount 1 ; sh:message "w" ; sh:severity sh:Warning ] .'
    )
    graph = turtle("ex:a a ex:C .")
    assert len(shape_results(store_of(graph), shapes)) == 1
    assert assert_same(graph, shapes) == []


# the project's shapes


@pytest.fixture(scope="module")
def data() -> kg.Result:
    return kg.check(ROOT / "data")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return read_shapes()


def test_the_project_shapes_compile(shapes: Graph) -> None:
    checks = compile_shapes(shapes)
    assert len(checks) >= 30
    assert {c.message for c in checks} >= {"needs exactly one zh label", "has no evidence"}


def test_both_engines_find_nothing_wrong_in_the_data(data: kg.Result, shapes: Graph) -> None:
    built = data.built
    assert assert_same(data.graph, shapes, built.positions, built.key_positions) == []


def first(graph: Graph, cls: str) -> URIRef:
    found = sorted(URIRef(str(s)) for s in graph.subjects(RDF.type, URIRef(GBA_ + cls)))
    assert found, cls
    return found[0]


def _entity(g: Graph) -> URIRef:
    return first(g, "Project")


def _set(g: Graph, s: Node, p: Node, *objects: Node) -> Graph:
    g.remove((s, p, None))
    for o in objects:
        g.add((s, p, o))
    return g


def _label(lang: str | None) -> Callable[[Graph], object]:
    return lambda g: g.add((_entity(g), RDFS.label, Literal("又一个", lang=lang)))


def _selector(g: Graph, kind: str) -> Node:
    evidence = first(g, "Evidence")
    return next(s for s in g.objects(evidence, OA.hasSelector) if str(s).endswith(kind))


def _statement(g: Graph) -> URIRef:
    return sorted(URIRef(str(s)) for s in g.subjects(RDF.type, RDF.Statement))[0]


MUTATIONS: dict[str, Callable[[Graph], object]] = {
    "no zh label": lambda g: _set(
        g,
        _entity(g),
        RDFS.label,
        *(o for o in g.objects(_entity(g), RDFS.label) if o.language == "en"),  # type: ignore[attr-defined]
    ),
    "a second zh label": _label("zh"),
    "a label in French": _label("fr"),
    "a label without a language": _label(None),
    "an entity without evidence": lambda g: _set(g, _entity(g), PROV.wasDerivedFrom),
    "evidence that is a place and a literal": lambda g: _set(
        g, _entity(g), PROV.wasDerivedFrom, first(g, "Place"), Literal("quote")
    ),
    "a metric with two amounts": lambda g: g.add(
        (first(g, "Metric"), GBA.amount, Literal("3", datatype=XSD.decimal))
    ),
    "a metric amount that is not a decimal": lambda g: _set(
        g,
        first(g, "Metric"),
        GBA.amount,
        Literal("3", datatype=XSD.integer),
        Literal("three", datatype=XSD.decimal),
        Literal("3"),
    ),
    "a metric without amount, unit and subject": lambda g: [
        _set(g, first(g, "Metric"), p) for p in (GBA.amount, GBA.unit, GBA.subject)
    ],
    "a metric unit that is a literal": lambda g: _set(
        g, first(g, "Metric"), GBA.unit, Literal("个")
    ),
    "a metric with two units and two subjects": lambda g: [
        g.add((first(g, "Metric"), GBA.unit, URIRef(GBA_ + "unit-percent"))),
        g.add((first(g, "Metric"), GBA.subject, first(g, "Place"))),
    ],
    "a passage left out without a reason, and without its quote": lambda g: (
        [_set(g, first(g, "Omission"), URIRef(GBA_ + p)) for p in ("omissionReason",)]
        + [_set(g, sorted(g.subjects(RDF.type, URIRef(GBA_ + "Omission")))[1], PROV.wasDerivedFrom)]
    ),
    "a transport link to a literal and a non-place": lambda g: _set(
        g, first(g, "TransportLink"), GBA.connects, Literal("Shenzhen"), first(g, "Project")
    ),
    "a project phase of two facilities": lambda g: g.add(
        (first(g, "Project"), GBA.phaseOf, first(g, "Place"))
    ),
    "a statement with two subjects, a literal predicate, no object or evidence": lambda g: [
        g.add((_statement(g), RDF.subject, Literal("x"))),
        _set(g, _statement(g), RDF.predicate, Literal("p")),
        _set(g, _statement(g), RDF.object),
        _set(g, _statement(g), PROV.wasDerivedFrom),
    ],
    "evidence with two sources, one of them no document": lambda g: g.add(
        (first(g, "Evidence"), OA.hasSource, first(g, "Place"))
    ),
    "evidence without source": lambda g: _set(g, first(g, "Evidence"), OA.hasSource),
    "evidence with one selector, without quoted text": lambda g: _set(
        g, first(g, "Evidence"), OA.hasSelector, _selector(g, "position")
    ),
    "evidence with two quoted texts": lambda g: g.add(
        (_selector(g, "quote"), OA.exact, Literal("另一段"))
    ),
    "a source document without publisher and date": lambda g: [
        _set(g, first(g, "SourceDocument"), p) for p in (GBA.publisher, GBA.date)
    ],
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_broken_copies_of_the_data_give_the_same_problems(
    name: str, data: kg.Result, shapes: Graph
) -> None:
    graph = Graph()
    for triple in data.graph:
        graph.add(triple)
    MUTATIONS[name](graph)
    built = data.built
    problems = assert_same(graph, shapes, built.positions, built.key_positions)
    assert problems, "the change must break a shape"
    assert not any(p.startswith("(graph)") for p in problems)  # mapped back to a YAML line


SHAPE_CASES = sorted(
    p.stem
    for p in (TESTS / "cases" / "bad").glob("*.expected")
    if "ontology/shapes.ttl" in p.read_text(encoding="utf-8")
)


def test_some_bad_cases_come_from_the_shapes() -> None:
    assert len(SHAPE_CASES) >= 2


@pytest.mark.parametrize("name", SHAPE_CASES)
def test_bad_cases_from_the_shapes_give_the_same_problems(
    name: str, data_dir: Path, shapes: Graph
) -> None:
    shutil.copy(TESTS / "cases" / "bad" / f"{name}.yaml", data_dir / "case.yaml")
    data = Path("data")
    schema = read_schema()
    built = build_graph(check_facts(load_facts(data), schema, _sources(data)), schema)
    problems = assert_same(built.graph, shapes, built.positions, built.key_positions)
    expected = (TESTS / "cases" / "bad" / f"{name}.expected").read_text(encoding="utf-8")
    assert problems and expected.splitlines()[:-1] == problems
    assert [str(p) for p in check_shapes(built, shapes)] == problems
    assert [str(p) for p in check_shapes(built, shapes, engine="pyshacl")] == problems


# refusal and fallback

PATTERN_SHAPE = """ex:S a sh:NodeShape ; sh:targetClass ex:C ;
    sh:property [ sh:path ex:p ; sh:pattern "^a" ; sh:message "no a" ] ."""
SPARQL_SHAPE = """ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ a sh:SPARQLConstraint ;
    sh:message "has p" ; sh:select "SELECT $this WHERE { $this <http://example.org/p> ?v }" ] ."""
REFUSED = {
    "sh:pattern": PATTERN_SHAPE,
    "sh:sparql": SPARQL_SHAPE,
    "sh:message": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; "
    "sh:minCount 2 ] .",
    "sh:node": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; "
    'sh:node ex:T ; sh:message "m" ] . ex:T a sh:NodeShape ; sh:class ex:D .',
    "sh:targetNode": 'ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:class ex:D ; sh:message "m" .',
    "implicit targets": "ex:C a rdfs:Class, sh:NodeShape ; sh:property [ sh:path ex:p ; "
    'sh:minCount 2 ; sh:message "m" ] .',
    "sh:qualifiedValueShapesDisjoint": NODE.format(
        "sh:qualifiedValueShape [ sh:class ex:D ] ; sh:qualifiedMinCount 2 ; "
        'sh:qualifiedValueShapesDisjoint true ; sh:message "m"'
    ),
}


@pytest.mark.parametrize("feature", sorted(REFUSED))
def test_the_compiler_refuses_what_it_does_not_support(feature: str) -> None:
    shapes = turtle(REFUSED[feature])
    with pytest.raises(UnsupportedShapeError) as caught:
        compile_shapes(shapes)
    text = str(caught.value)
    assert "not supported by the SPARQL SHACL engine" in text
    if feature.startswith("sh:"):
        assert feature in text
    assert "shape " in text


@pytest.mark.parametrize("feature", ["sh:pattern", "sh:sparql"])
def test_refused_shapes_run_on_pyshacl_and_still_find_the_violation(feature: str) -> None:
    shapes = turtle(REFUSED[feature])
    graph = turtle('ex:a a ex:C ; ex:p "abc", "bcd" . ex:b a ex:C .')
    positions = positions_of(graph)
    store = store_of(graph)
    expected = pyshacl_problems(graph, shapes, positions, {})
    assert expected
    assert shape_problems(store, shapes, positions, {}) == expected  # a graph read from the store
    assert shape_problems(store, shapes, positions, {}, graph=graph) == expected
    assert shape_problems(store, shapes, positions, {}, graph=lambda: graph) == expected


def test_check_shapes_falls_back_to_pyshacl(data_dir: Path) -> None:
    shutil.copy(TESTS / "cases" / "bad" / "metric-without-unit.yaml", data_dir / "case.yaml")
    data = Path("data")
    schema = read_schema()
    built = build_graph(check_facts(load_facts(data), schema, _sources(data)), schema)
    shapes = read_shapes()
    shapes.add(
        (URIRef("https://w3id.org/gba-kg/shapes#Entity-label-lang"), SH.pattern, Literal("."))
    )
    with pytest.raises(UnsupportedShapeError):
        compile_shapes(shapes)
    found = check_shapes(built, shapes)
    assert found == check_shapes(built, shapes, engine="pyshacl")
    assert [p.message for p in found] == [
        "'baiyun-airport-phase-3-count': a metric needs exactly one unit"
    ]


def test_check_shapes_knows_its_engines(data: kg.Result, shapes: Graph) -> None:
    with pytest.raises(ValueError, match="unknown SHACL engine"):
        check_shapes(data.built, shapes, engine="jena")  # type: ignore[arg-type]
    assert check_shapes(data.built, shapes, engine="pyshacl") == []
    assert check_shapes(data.built, shapes, store=store_of(data.graph)) == []


def test_mini_data_conforms_on_both_engines(shapes: Graph) -> None:
    result = kg.check(MINI)
    assert assert_same(result.graph, shapes, result.built.positions) == []
