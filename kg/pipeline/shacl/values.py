"""SPARQL patterns over a property shape's value nodes: counts under or over a bound, and a
condition on every value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from kg.pipeline.shacl.checks import UnsupportedShapeError, iri


@dataclass
class Values:
    """The value nodes of a property shape: query forms over its focus nodes (`?this`)
    and their values, chosen for pyoxigraph (which evaluates NOT EXISTS from the bound end
    only for one triple pattern, and a pair join faster than a grouped count)."""

    focus: str  # a pattern binding ?this
    triples: Callable[[str], list[str] | None]  # the path from ?this to a variable
    expr: str  # the path as a SPARQL property path

    def pattern(self, o: str) -> str:
        triples = self.triples(o)
        return " ".join(triples) if triples is not None else f"?this {self.expr} {o} ."

    def _test(self, cond: Callable[[str], str] | None, *variables: str) -> str:
        return "".join(f" FILTER({cond(v)})" for v in variables) if cond else ""

    def under(self, bound: int, cond: Callable[[str], str] | None = None) -> str:
        """The focus nodes with fewer than `bound` (≥ 1) values (meeting `cond`)."""
        values = f"{self.pattern('?v')}{self._test(cond, '?v')}"
        if bound == 1:
            triples = self.triples("?v")
            if triples is not None and len(triples) == 1:
                return f"SELECT ?this WHERE {{ {self.focus} FILTER NOT EXISTS {{ {values} }} }}"
            return (
                f"SELECT ?this WHERE {{ {self.focus} OPTIONAL {{ {values} }} FILTER(!BOUND(?v)) }}"
            )
        return (
            f"SELECT ?this WHERE {{ {self.focus} OPTIONAL {{ {values} }} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {bound})"
        )

    def over(self, bound: int, cond: Callable[[str], str] | None = None) -> str:
        """The focus nodes with more than `bound` values (meeting `cond`)."""
        values = f"{self.pattern('?v')}{self._test(cond, '?v')}"
        if bound == 0:
            return f"SELECT DISTINCT ?this WHERE {{ {self.focus} {values} }}"
        if bound == 1 and self.triples("?w") is not None:
            return (
                f"SELECT DISTINCT ?this WHERE {{ {self.focus} {values} {self.pattern('?w')}"
                f"{self._test(cond, '?w')} FILTER(!sameTerm(?v, ?w)) }}"
            )
        return (
            f"SELECT ?this WHERE {{ {self.focus} {values} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {bound})"
        )

    def all(self, cond: Callable[[str], str], optional: bool) -> str:
        """Each focus node and its values meeting `cond` (with `optional`, also the focus
        nodes that have none, with `?v` unbound)."""
        values = f"{self.pattern('?v')}{self._test(cond, '?v')}"
        if optional:
            values = f"OPTIONAL {{ {values} }}"
        return f"SELECT DISTINCT ?this ?v WHERE {{ {self.focus} {values} }}"


def datatype_cond(datatype: URIRef) -> Callable[[str], str]:
    """The SPARQL part of `sh:datatype`: exact for `rdfs:Literal`, `xsd:string` and
    `rdf:langString`; for other datatypes, rdflib's well-typedness is checked after."""
    if datatype == RDFS.Literal:
        return lambda v: f"isLiteral({v})"
    if datatype == RDF.langString:
        return lambda v: f'(isLiteral({v}) && LANG({v}) != "")'
    return lambda v: f"(isLiteral({v}) && DATATYPE({v}) = {iri(datatype)})"


def language_cond(shape: Node, head: Node, g: Graph) -> Callable[[str], str]:
    """`sh:languageIn` as pySHACL tests it: the tag, or its first subtag, is in the list
    (ignoring case); `*` admits any tag."""
    if not (head == RDF.nil or (head, RDF.first, None) in g):
        raise UnsupportedShapeError(shape, "sh:languageIn that is not a list")
    ranges = []
    for item in Collection(g, head):
        if not isinstance(item, Literal) or not isinstance(item.value, str):
            raise UnsupportedShapeError(shape, "a sh:languageIn item that is not a string")
        text = str(item).lower()
        if text != "*" and not (text and text.replace("-", "").isalnum() and text.isascii()):
            raise UnsupportedShapeError(shape, f"the sh:languageIn range {text!r}")
        ranges.append(text)
    if "*" in ranges:
        return lambda v: f'(isLiteral({v}) && LANG({v}) != "")'
    if not ranges:
        return lambda v: "false"
    listed = ", ".join(f'"{r}"' for r in sorted(set(ranges)))
    return lambda v: (
        f'(isLiteral({v}) && LANG({v}) != "" && (LCASE(LANG({v})) IN ({listed}) || '
        f'LCASE(STRBEFORE(CONCAT(LANG({v}), "-"), "-")) IN ({listed})))'
    )
