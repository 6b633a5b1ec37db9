"""`GraphView` (rdflib-style reads over the pyoxigraph store) answers as the rdflib graph does,
and `Built` keeps the triples in the order every RDF output is written in."""

from __future__ import annotations

import gc
import io
import os
import tempfile
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef

import kg
from kg.namespaces import GBA, ID, OA
from kg.pipeline.build import Built, nt
from kg.pipeline.graph_view import GraphView
from tests.conftest import MINI

ONTOLOGY = "https://w3id.org/gba-kg/ontology#"
CITY = URIRef(ONTOLOGY + "City")


@pytest.fixture(scope="module")
def built() -> Built:
    return kg.check(MINI).built


def test_every_read_gives_what_rdflib_gives(built: Built) -> None:
    graph, view = built.graph, built.view
    assert len(view) == len(graph) == built.size == len(list(built.triples))
    assert set(view) == set(graph)
    for node in sorted(set(graph.subjects()), key=str):
        assert sorted(view.predicate_objects(node)) == sorted(graph.predicate_objects(node))
        assert sorted(view.objects(node, RDFS.label)) == sorted(graph.objects(node, RDFS.label))
    for cls in (GBA.Entity, CITY, RDF.Statement, OA.TextQuoteSelector):
        assert sorted(view.subjects(RDF.type, cls)) == sorted(graph.subjects(RDF.type, cls))
    assert view.value(ID["shenzhen"], RDFS.label) in set(graph.objects(ID["shenzhen"], RDFS.label))
    assert view.value(ID["shenzhen"], URIRef("urn:nothing")) is None
    assert (ID["shenzhen"], RDF.type, CITY) in view
    assert (ID["shenzhen"], RDF.type, URIRef(ONTOLOGY + "Person")) not in view
    assert list(view.objects(Literal("x"), RDF.type)) == []  # a literal is never a subject


def test_literals_keep_language_and_datatype() -> None:
    g = Graph()
    s, p = URIRef("https://example.org/s"), URIRef("https://example.org/p")
    values = {
        Literal("深圳", lang="zh"),
        Literal('a "quoted" \\ line\nbreak'),
        Literal("2.53", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal")),
        # the store gives these back as "2.5", "7"^^xsd:integer and "true": the view must not
        Literal("2.50", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal")),
        Literal("7", datatype=URIRef("http://www.w3.org/2001/XMLSchema#nonNegativeInteger")),
        Literal("1", datatype=URIRef("http://www.w3.org/2001/XMLSchema#boolean")),
        Literal("2020-11", datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYearMonth")),
    }
    for v in values:
        g.add((s, p, v))
    built = Built.of_graph(g)
    assert set(built.view.objects(s, p)) == values
    assert set(GraphView(built.store).objects(s, p)) != values  # what the store alone gives
    assert set(built.graph.objects(s, p)) == values


def test_triples_are_sorted_types_then_labels_then_the_rest(built: Built) -> None:
    lines = [f"{nt(s)} {nt(p)} {nt(o)}" for s, p, o in built.graph]
    assert len(lines) == len(set(lines))
    order = [(t.subject.value, t.predicate.value) for t in built.triples]
    subjects = [s for s, _ in order]
    assert subjects == sorted(subjects)
    first = {
        str(RDF.type): 0,
        str(RDFS.label): 1,
        "http://www.w3.org/2004/02/skos/core#altLabel": 2,
    }
    for subject in set(subjects):
        preds = [p for s, p in order if s == subject]
        assert preds == sorted(preds, key=lambda p: (first.get(p, 3), p))


def test_the_document_is_what_pyoxigraph_writes(built: Built) -> None:
    g = Graph()
    s = URIRef("https://example.org/s")
    for i, text in enumerate(['a "q" \\ \n\t\r\x01', "\u2028 é 深圳 \x7f", ""]):
        g.add((s, URIRef(f"https://example.org/p{i}"), Literal(text)))
        g.add((s, URIRef(f"https://example.org/q{i}"), Literal(text, lang="zh-Hant")))
    for made in (built, Built.of_graph(g)):
        assert made.nt == ox.serialize(list(made.triples), format=ox.RdfFormat.N_TRIPLES)


def test_a_spilled_graph_reads_the_same() -> None:
    """While its N-Triples are in a file (a large build frees their memory so), a `Built`
    gives the same triples, store, size and file; the file goes with the object."""
    result = kg.check(MINI)
    built = Built(result.built.nt, result.built.positions)
    before = (built.nt, list(built.triples), built.size, len(Built(built.nt).store))
    built.spill()
    assert built.spilled is not None and built.nt == before[0]
    assert b"".join(built.chunks(size=1000)) == before[0]
    assert list(built.triples) == before[1]
    assert (built.size, len(built.store)) == (before[2], before[3])
    spilled = built.spilled
    del built
    gc.collect()
    assert not spilled.exists()


def test_a_graph_that_cannot_spill_stays_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full temporary folder costs memory, never the build, and leaves no file behind."""
    built = Built(kg.check(MINI).built.nt)
    before = built.nt
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    real = os.fdopen

    class Full(io.BufferedWriter):
        def write(self, data: object) -> int:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: Full(real(fd, mode)))
    built.spill()
    assert built.spilled is None and built.nt == before
    assert list(tmp_path.iterdir()) == []
