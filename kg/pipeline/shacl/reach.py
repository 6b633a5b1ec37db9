"""How far past a focus node the shapes read (`shapes_reach`), for the checks near a change."""

from __future__ import annotations

from rdflib import RDF, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node


def shapes_reach(shapes: Graph) -> int | None:
    """How far past a focus node the checks of `shapes` read: the most steps from a focus
    node to a node whose own triples a check reads (its path's steps after the first, and
    one more for `sh:class`). None when a path may go backwards or has no bound (inverse,
    `*`, `+`): then any triple may matter.

    So a focus node's results depend only on the triples of the nodes within that many
    steps forward of it (its own included), which is what lets a rebuild check only the
    nodes near a change (`kg.incremental.units`)."""
    reach = 0
    for shape in set(shapes.subjects(SH.path, None)):
        length = _path_length(shapes, shapes.value(shape, SH.path))
        if length is None:
            return None
        classes = shapes.value(shape, SH["class"]) is not None
        qualified = shapes.value(shape, SH.qualifiedValueShape)
        if qualified is not None and shapes.value(qualified, SH["class"]) is not None:
            classes = True
        reach = max(reach, length - 1 + (1 if classes else 0))
    return reach


def _path_length(g: Graph, path: Node | None) -> int | None:
    if isinstance(path, URIRef):
        return 1
    if path is None or (path, RDF.first, None) not in g:
        if path is not None and (alternatives := g.value(path, SH.alternativePath)) is not None:
            lengths = [_path_length(g, p) for p in Collection(g, alternatives)]
            return None if None in lengths else max(x for x in lengths if x is not None)
        if path is not None and (optional := g.value(path, SH.zeroOrOnePath)) is not None:
            return _path_length(g, optional)
        return None  # inverse, zero-or-more, one-or-more, or not a path
    steps = [_path_length(g, p) for p in Collection(g, path)]
    return None if None in steps else sum(x for x in steps if x is not None)
