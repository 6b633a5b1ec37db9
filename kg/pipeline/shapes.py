"""Step 4: check the built graph with the SHACL shapes of `ontology/shapes.ttl`.

Two engines give the same results: "sparql" (the default) compiles the shapes to SPARQL and
runs them on a pyoxigraph store of the graph (`kg.pipeline.shacl`, about ten times faster on
large graphs); "pyshacl" runs pySHACL, the reference. Shapes the compiler does not support
fall back to pySHACL, so no constraint is ever skipped.

Each violation is mapped back to the YAML line it came from: the line of the key when the
result names a property of an entity, else the line of the entity, statement or quote.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Literal as Choice

import pyoxigraph as ox
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from kg.errors import Problem
from kg.facts import SourcePos
from kg.pipeline.build import Built
from kg.pipeline.ontology import SHAPES_FILE, default_ontology_dir, read_turtle
from kg.pipeline.shacl import (
    ShapeResult,
    UnsupportedShapeError,
    compile_shapes,
    conforms,
    shape_results,
    to_rdflib,
)

Engine = Choice["sparql", "pyshacl"]
ENGINES: tuple[Engine, ...] = ("sparql", "pyshacl")

Positions = Mapping[URIRef, SourcePos]
KeyPositions = Mapping[tuple[URIRef, URIRef], SourcePos]

log = logging.getLogger(__name__)


def read_shapes(ontology_dir: str | Path | None = None) -> Graph:
    """The shapes graph of `ontology_dir/shapes.ttl`."""
    return read_turtle(Path(ontology_dir or default_ontology_dir()) / SHAPES_FILE)


def check_shapes(
    built: Built, shapes: Graph, store: ox.Store | None = None, engine: Engine = "sparql"
) -> list[Problem]:
    """One `Problem` per validation result of `shapes` on the built graph, sorted.

    `store` holds exactly the built graph (made from `built` when not given). With engine
    "sparql", shapes the SPARQL compiler refuses are run by pySHACL on `built.graph`.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown SHACL engine {engine!r}; use one of {', '.join(ENGINES)}")
    if engine == "sparql":
        try:
            compile_shapes(shapes)  # refuse before making a store
        except UnsupportedShapeError as exc:
            log.info("SHACL shapes run by pySHACL: %s", exc)
        else:
            if store is None:
                store = built.store
            return shape_problems(
                store, shapes, built.positions, built.key_positions, graph=lambda: built.graph
            )
    return pyshacl_problems(built.graph, shapes, built.positions, built.key_positions)


def shape_problems(
    store: ox.Store,
    shapes: Graph,
    positions: Positions,
    key_positions: KeyPositions,
    graph: Graph | Callable[[], Graph] | None = None,
) -> list[Problem]:
    """`check_shapes` with the SPARQL engine, given the graph's store and positions only.

    When the compiler refuses the shapes, pySHACL runs on `graph` (an rdflib graph, or a
    function making one); by default, on a copy of the store in an rdflib graph.
    """
    try:
        results = shape_results(store, shapes)
    except UnsupportedShapeError as exc:
        log.info("SHACL shapes run by pySHACL: %s", exc)
        if graph is None:
            data = store_graph(store)
        else:
            data = graph if isinstance(graph, Graph) else graph()
        return pyshacl_problems(data, shapes, positions, key_positions)
    return problems_of(results, shapes, positions, key_positions)


def pyshacl_problems(
    graph: Graph, shapes: Graph, positions: Positions, key_positions: KeyPositions
) -> list[Problem]:
    """`check_shapes` with pySHACL, the reference engine."""
    conforms_, results = _pyshacl(graph, shapes)
    if conforms_:
        return []
    return sorted(_problem(r, shapes, positions, key_positions) for r in results)


def pyshacl_results(graph: Graph, shapes: Graph) -> list[ShapeResult]:
    """pySHACL's validation results on `graph` (warnings too, when it conforms)."""
    return _pyshacl(graph, shapes)[1]


def _pyshacl(graph: Graph, shapes: Graph) -> tuple[bool, list[ShapeResult]]:
    from pyshacl import validate  # the reference: only for shapes the engine refuses

    conforms_, report, _ = validate(
        graph,
        shacl_graph=shapes,
        inference="none",
        advanced=False,
        meta_shacl=False,
        allow_warnings=True,
    )
    assert isinstance(report, Graph)
    results = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        message = report.value(result, SH.resultMessage)
        component = report.value(result, SH.sourceConstraintComponent)
        severity = report.value(result, SH.resultSeverity)
        focus, shape = report.value(result, SH.focusNode), report.value(result, SH.sourceShape)
        assert focus is not None and shape is not None
        assert isinstance(component, URIRef) and isinstance(severity, URIRef)
        results.append(
            ShapeResult(
                focus,
                report.value(result, SH.resultPath),
                shape,
                str(message),
                component,
                severity,
                report.value(result, SH.value),
            )
        )
    return bool(conforms_), results


def problems_of(
    results: Sequence[ShapeResult],
    shapes: Graph,
    positions: Positions,
    key_positions: KeyPositions,
) -> list[Problem]:
    """One `Problem` per result, sorted; none when the results are only warnings (pySHACL
    conforms then, with `allow_warnings`)."""
    if conforms(results):
        return []
    return sorted(_problem(r, shapes, positions, key_positions) for r in results)


def store_graph(store: ox.Store) -> Graph:
    """The default graph of `store` as an rdflib graph (for pySHACL)."""
    graph = Graph()
    for quad in store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    return graph


def _problem(
    result: ShapeResult, shapes: Graph, positions: Positions, key_positions: KeyPositions
) -> Problem:
    focus, path, shape = result.focus, result.path, result.shape
    pos = None
    if isinstance(focus, URIRef):
        if isinstance(path, URIRef):
            pos = key_positions.get((focus, path))
        pos = pos or positions.get(focus)
    where = _local(focus) if isinstance(focus, URIRef) else str(focus)
    description = shapes.value(shape, SH.description)
    named = f"ontology/{SHAPES_FILE}"
    if isinstance(shape, URIRef):
        named = f"shape {_local(shape)} in {named}"
    fix = f"{description} ({named})" if isinstance(description, Literal) else f"see {named}"
    return Problem(pos or SourcePos("(graph)", 0), f"'{where}': {result.message}", fix)


def _local(term: Node) -> str:
    return str(term).rsplit("/", 1)[-1].rsplit("#", 1)[-1]
