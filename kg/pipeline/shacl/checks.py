"""What a compiled shape is (`Check`) and what running one finds (`ShapeResult`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node


class UnsupportedShapeError(ValueError):
    """The shapes use a SHACL feature this engine does not compile (run pySHACL instead)."""

    def __init__(self, shape: Node | None, feature: str) -> None:
        self.shape = shape
        self.feature = feature
        where = f"shape {name_of(shape)}" if shape is not None else "the shapes graph"
        super().__init__(f"{where}: {feature} is not supported by the SPARQL SHACL engine")


@dataclass(frozen=True)
class ShapeResult:
    """One validation result, as pySHACL reports it (terms are rdflib terms)."""

    focus: Node
    path: Node | None  # the shape's sh:path node (an IRI, or the blank node of a complex path)
    shape: Node  # the sh:sourceShape
    message: str
    component: URIRef  # the sh:sourceConstraintComponent
    severity: URIRef
    value: Node | None = None


@dataclass(frozen=True)
class Check:
    """One SPARQL query of one constraint of one shape, and how to read its rows.

    `kind` is "focus" (a result per row, at `?this`), "value" (a result per row, at `?this`
    with value `?v`), "datatype" (rows are every value; a result for those that do not
    conform to `datatype`), or "min"/"max" (rows are `?this` and its qualifying values `?v`,
    counted in Python because `datatype` needs rdflib's well-typedness; a result when the
    count is below/above `bound`).
    """

    shape: Node
    path: Node | None
    component: URIRef
    message: str
    severity: URIRef
    query: str
    kind: str = "focus"
    datatype: URIRef | None = None
    bound: int = 0
    screen: str | None = None  # a query with rows wherever this check could have any


Hierarchy = Mapping[URIRef, Sequence[URIRef]]
"""For each class, its subclasses in the data graph (through `rdfs:subClassOf+`)."""

ALLOWED_SEVERITIES = {SH.Info, SH.Warning}  # pySHACL's `allow_warnings=True`


def one(g: Graph, subject: Node, key: URIRef) -> Node:
    values = list(g.objects(subject, key))
    if len(values) != 1:
        raise UnsupportedShapeError(subject, f"{len(values)} values of {curie(key)} (one expected)")
    return values[0]


def iri(term: Node) -> str:
    if not isinstance(term, URIRef) or any(c in str(term) for c in '<>"{}|^`\\ '):
        raise UnsupportedShapeError(None, f"the term {term!r} in a query")
    return f"<{term}>"


def sort_key(term: Node) -> tuple[int, str]:
    return (0 if isinstance(term, URIRef) else 1, str(term))


def curie(term: Node) -> str:
    text = str(term)
    return "sh:" + text[len(str(SH)) :] if text.startswith(str(SH)) else text


def name_of(term: Node | None) -> str:
    if isinstance(term, URIRef):
        return str(term).rsplit("/", 1)[-1].rsplit("#", 1)[-1] or str(term)
    return f"[] ({term})" if isinstance(term, BNode) else repr(term)
