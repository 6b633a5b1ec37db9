"""The read side of rdflib's `Graph` API over a pyoxigraph store: what the network view,
coverage, statistics and fact walks need (`objects`, `subjects`, `value`,
`predicate_objects`, `triples`, `len`, `in`), answered by the store's indexes.

The builder no longer fills an `rdflib.Graph`: adding half a million rdflib terms to its
memory store costs more than every check together (see `make bench`). The view converts
terms at the boundary, each distinct term once. `to_rdflib()` makes a real `rdflib.Graph`
for what needs one (isomorphism in `kg diff`, notebooks, callers of `kg.check().graph`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Identifier, Node

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

Triple = tuple[Identifier, Identifier, Identifier]
Any_ = Node | None  # a term, or None for "any"


def to_rdflib_term(term: ox.NamedNode | ox.Literal | ox.BlankNode | ox.Triple) -> Identifier:
    """The rdflib term of a pyoxigraph IRI, blank node (same id) or literal."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == _XSD_STRING else URIRef(datatype))
    raise TypeError(f"not an RDF term of the default graph: {term!r}")


def to_ox_term(term: Node) -> ox.NamedNode | ox.Literal:
    """The pyoxigraph term of an rdflib IRI or literal."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an IRI or a literal: {term!r}")


_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {
    _XSD + name
    for name in (
        "integer nonNegativeInteger positiveInteger nonPositiveInteger negativeInteger "
        "long int short byte unsignedLong unsignedInt unsignedShort unsignedByte"
    ).split()
}
_DECIMAL, _BOOLEAN = _XSD + "decimal", _XSD + "boolean"


def store_form(literal: ox.Literal) -> ox.Literal | None:
    """The literal as pyoxigraph's store gives it back, where that differs: the store keeps
    values, not lexical forms, so `"2.50"^^xsd:decimal` comes back `"2.5"`, and every
    integer type comes back `xsd:integer` (`"5"^^xsd:nonNegativeInteger` → `"5"^^xsd:integer`).
    None when the store keeps the literal as it is (or for a form not handled here)."""
    datatype = literal.datatype.value
    text = literal.value.strip()
    try:
        if datatype in _INTEGERS:
            value = str(int(text))
            datatype = _XSD + "integer"
        elif datatype == _DECIMAL:
            sign, _, digits = text.rpartition("-") if text.startswith("-") else ("", "", text)
            whole, _, frac = digits.lstrip("+").partition(".")
            whole, frac = whole.lstrip("0") or "0", frac.rstrip("0")
            value = ("-" if sign == "" and text.startswith("-") else "") + whole
            value = value + ("." + frac if frac else "")
            if value == "-0":
                value = "0"
        elif datatype == _BOOLEAN:
            value = {"1": "true", "0": "false"}.get(text, text)
        else:
            return None
    except ValueError:
        return None
    if value == literal.value and datatype == literal.datatype.value:
        return None
    return ox.Literal(value, datatype=ox.NamedNode(datatype))


class GraphView:
    """rdflib-style reads of the default graph of `store`, with rdflib terms in and out.

    `triples` (a function giving what the store was filled with) lets the view give back
    each literal as it was written where the store rewrites it (see `store_form`): a view
    must not change a curated value. From them it also indexes each subject's predicates
    and objects, made on first use with one pass, which answers the reads that name a
    subject (most of what the network view asks) faster than a store lookup each.
    """

    def __init__(
        self,
        store: ox.Store | Callable[[], ox.Store],
        triples: Callable[[], Iterable[ox.Triple]] | None = None,
    ) -> None:
        self._store = store
        self._in: dict[Node, ox.NamedNode | ox.Literal] = {}
        self._out: dict[object, Identifier] = {}
        self._len: int | None = None
        self._triples = triples
        self._rewritten: dict[tuple[object, object, object], ox.Literal] | None = None
        self._by_subject: dict[str, dict[str, list[Identifier]]] | None = None
        self._predicates: dict[str, URIRef] = {}

    @property
    def _written(self) -> dict[tuple[object, object, object], ox.Literal]:
        """(subject, predicate, literal as stored) → literal as written, for the literals
        the store rewrites; found on first use (one pass over the triples)."""
        if self._rewritten is None:
            self._rewritten = {}
            for t in self._triples() if self._triples else ():
                o = t.object
                if isinstance(o, ox.Literal) and not o.language and (stored := store_form(o)):
                    self._rewritten[(t.subject, t.predicate, stored)] = o
        return self._rewritten

    def _subject_index(self) -> dict[str, dict[str, list[Identifier]]] | None:
        """subject IRI → predicate IRI → objects as written; None without triples."""
        if self._by_subject is None and self._triples is not None:
            index: dict[str, dict[str, list[Identifier]]] = {}
            names: dict[ox.NamedNode, str] = {}  # one string per predicate, not per triple
            rdf = self._rdf
            for t in self._triples():
                subject, predicate = t.subject, t.predicate
                if isinstance(subject, ox.NamedNode):
                    by_p = index.get(subject.value)
                    if by_p is None:
                        by_p = index[subject.value] = {}
                    name = names.get(predicate)
                    if name is None:
                        name = names[predicate] = predicate.value
                    objects = by_p.get(name)
                    if objects is None:
                        objects = by_p[name] = []
                    o = t.object  # literals are mostly unique: not worth a cache entry
                    objects.append(to_rdflib_term(o) if isinstance(o, ox.Literal) else rdf(o))
            self._by_subject = index
        return self._by_subject

    def _predicate(self, iri: str) -> URIRef:
        found = self._predicates.get(iri)
        if found is None:
            found = self._predicates[iri] = URIRef(iri)
        return found

    def _indexed(self, s: Node | None, p: Node | None) -> Iterator[tuple[str, list[Identifier]]]:
        """`(predicate IRI, objects)` of IRI subject `s` (of its predicate `p`), or nothing;
        None when there is no index to answer from."""
        if not isinstance(s, URIRef):
            return None  # type: ignore[return-value]
        index = self._by_subject if self._by_subject is not None else self._subject_index()
        if index is None:
            return None  # type: ignore[return-value]
        by_p = index.get(str(s), {})
        if p is None:
            return iter(by_p.items())
        if not isinstance(p, URIRef):
            return iter(())
        key = str(p)
        return iter(((key, by_p[key]),)) if key in by_p else iter(())

    @property
    def store(self) -> ox.Store:
        """The store (made on first use when given as a function)."""
        if not isinstance(self._store, ox.Store):
            self._store = self._store()
        return self._store

    def _ox(self, term: Node | None) -> ox.NamedNode | ox.Literal | None:
        if term is None:
            return None
        found = self._in.get(term)
        if found is None:
            found = self._in[term] = to_ox_term(term)
        return found

    def _rdf(self, term: ox.NamedNode | ox.Literal | ox.BlankNode | ox.Triple) -> Identifier:
        found = self._out.get(term)
        if found is None:
            found = self._out[term] = to_rdflib_term(term)
        return found

    def _quads(self, s: Node | None, p: Node | None, o: Node | None) -> Iterator[ox.Quad]:
        subject, predicate, obj = self._ox(s), self._ox(p), self._ox(o)
        if isinstance(subject, ox.Literal) or isinstance(predicate, ox.Literal):
            return iter(())  # no triple has a literal there
        # no graph name: the builder's store has only the default graph, and naming it
        # makes pyoxigraph scan instead of using its indexes (100× slower)
        return iter(self.store.quads_for_pattern(subject, predicate, obj))

    def _object(self, q: ox.Quad) -> Identifier:
        """The object of `q` as it was written."""
        o = q.object
        if self._written and isinstance(o, ox.Literal):
            o = self._written.get((q.subject, q.predicate, o), o)
        return self._rdf(o)

    def triples(self, pattern: tuple[Node | None, Node | None, Node | None]) -> Iterator[Triple]:
        """The triples matching `(s, p, o)`, where None matches anything."""
        s, p, o = pattern
        indexed = self._indexed(s, p)
        if indexed is not None and s is not None:
            for predicate, objects in indexed:
                for value in objects:
                    if o is None or value == o:
                        yield s, self._predicate(predicate), value  # type: ignore[misc]
            return
        for q in self._quads(s, p, o):
            yield self._rdf(q.subject), self._rdf(q.predicate), self._object(q)

    def objects(
        self, subject: Node | None = None, predicate: Node | None = None
    ) -> Iterator[Identifier]:
        """The objects of `subject`'s `predicate` values."""
        indexed = self._indexed(subject, predicate)
        if indexed is not None:
            for _, objects in indexed:
                yield from objects
            return
        for q in self._quads(subject, predicate, None):
            yield self._object(q)

    def subjects(
        self, predicate: Node | None = None, obj: Node | None = None
    ) -> Iterator[Identifier]:
        """The subjects that have `predicate` `obj`."""
        index = self._by_subject if self._by_subject is not None else self._subject_index()
        if index is not None and isinstance(predicate, URIRef):  # a scan: no store needed
            key = str(predicate)
            for subject, by_p in index.items():
                objects = by_p.get(key)
                if objects is not None and (obj is None or obj in objects):
                    yield URIRef(subject)
            return
        for q in self._quads(None, predicate, obj):
            yield self._rdf(q.subject)

    def predicate_objects(
        self, subject: Node | None = None
    ) -> Iterator[tuple[Identifier, Identifier]]:
        """`(predicate, object)` of each triple about `subject`."""
        indexed = self._indexed(subject, None)
        if indexed is not None:
            for predicate, objects in indexed:
                p = self._predicate(predicate)
                for value in objects:
                    yield p, value
            return
        for q in self._quads(subject, None, None):
            yield self._rdf(q.predicate), self._object(q)

    def value(
        self, subject: Node | None = None, predicate: Node | None = None
    ) -> Identifier | None:
        """One object of `subject`'s `predicate`, or None (as rdflib's `Graph.value`)."""
        indexed = self._indexed(subject, predicate)
        if indexed is not None:
            for _, objects in indexed:
                return objects[0]
            return None
        for q in self._quads(subject, predicate, None):
            return self._object(q)
        return None

    def __iter__(self) -> Iterator[Triple]:
        return self.triples((None, None, None))

    def __len__(self) -> int:
        if self._len is None:
            self._len = len(self.store)
        return self._len

    def __contains__(self, triple: tuple[Node, Node, Node]) -> bool:
        return next(self._quads(*triple), None) is not None

    def to_rdflib(self) -> Graph:
        """The same triples in a new `rdflib.Graph`."""
        graph = Graph()
        for triple in self:
            graph.add(triple)
        return graph
