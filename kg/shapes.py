"""Step 4: check the built graph with the SHACL shapes of `ontology/shapes.ttl` (pySHACL).

Each violation is mapped back to the YAML line it came from: the line of the key when the
result names a property of an entity, else the line of the entity, statement or quote.
"""

from __future__ import annotations

from pathlib import Path

from pyshacl import validate
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from kg.build import Built
from kg.errors import Problem
from kg.facts import SourcePos
from kg.ontology import SHAPES_FILE, default_ontology_dir


def read_shapes(ontology_dir: str | Path | None = None) -> Graph:
    """The shapes graph of `ontology_dir/shapes.ttl`."""
    graph = Graph()
    graph.parse(Path(ontology_dir or default_ontology_dir()) / SHAPES_FILE, format="turtle")
    return graph


def check_shapes(built: Built, shapes: Graph) -> list[Problem]:
    """Run pySHACL on the built graph; one `Problem` per validation result."""
    conforms, report, _ = validate(
        built.graph,
        shacl_graph=shapes,
        inference="none",
        advanced=False,
        meta_shacl=False,
        allow_warnings=True,
    )
    if conforms:
        return []
    assert isinstance(report, Graph)
    problems = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        problems.append(_problem(built, shapes, report, result))
    return problems


def _problem(built: Built, shapes: Graph, report: Graph, result: Node) -> Problem:
    focus = report.value(result, SH.focusNode)
    path = report.value(result, SH.resultPath)
    shape = report.value(result, SH.sourceShape)
    message = report.value(result, SH.resultMessage)
    pos = None
    if isinstance(focus, URIRef):
        if isinstance(path, URIRef):
            pos = built.key_positions.get((focus, path))
        pos = pos or built.positions.get(focus)
    where = _local(focus) if isinstance(focus, URIRef) else str(focus)
    description = shapes.value(shape, SH.description) if shape is not None else None
    named = f"ontology/{SHAPES_FILE}"
    if isinstance(shape, URIRef):
        named = f"shape {_local(shape)} in {named}"
    fix = f"{description} ({named})" if isinstance(description, Literal) else f"see {named}"
    return Problem(pos or SourcePos("(graph)", 0), f"'{where}': {message}", fix)


def _local(term: URIRef) -> str:
    return str(term).rsplit("/", 1)[-1].rsplit("#", 1)[-1]
