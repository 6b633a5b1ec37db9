"""Read the facts back out of a built graph: each entity and each reified statement, with its
labels, qualifiers and the quotes of its evidence; and each evidence node's passage.

`kg coverage` (which passages support which facts) and `kg diff` (which facts two builds
differ in) both work on this view, so they need only the graph, not the YAML it came from.
"""

from __future__ import annotations

import functools
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.term import Node

from kg.facts import SourcePos
from kg.namespaces import GBA, OA, PROV
from kg.pipeline.graph_view import GraphView
from kg.pipeline.ontology import PropertyInfo, Schema


def reified_statements(
    graph: Graph, schema: Schema, entities: Container[Node]
) -> Iterator[tuple[Node, URIRef, PropertyInfo, Node]]:
    """Each `rdf:Statement` about one of `entities` whose predicate the ontology maps, sorted:
    (statement node, subject, property, object)."""
    subject_, predicate_, object_ = RDF.subject, RDF.predicate, RDF.object  # made once
    for st in sorted(graph.subjects(RDF.type, RDF.Statement), key=str):
        subject = graph.value(st, subject_)
        predicate = graph.value(st, predicate_)
        obj = graph.value(st, object_)
        prop = schema.by_iri.get(predicate) if isinstance(predicate, URIRef) else None
        if isinstance(subject, URIRef) and subject in entities and prop and obj is not None:
            yield st, subject, prop, obj


@dataclass(frozen=True)
class Passage:
    """An evidence node: a quoted passage of a source text."""

    id: str
    source: str
    start: int
    end: int
    exact: str


@dataclass(frozen=True, kw_only=True)
class GraphFact:
    """An entity (`key` is "type") or a statement about one, as the graph holds it."""

    id: str  # local name of the entity or statement node
    subject: str
    subject_zh: str
    subject_en: str
    key: str  # the YAML key, or "type" for the entity itself
    property_zh: str
    property_en: str
    value: str  # an entity's id, a term's local name, or a literal's text
    value_zh: str
    value_en: str
    qualifiers: tuple[tuple[str, str], ...]
    labels: tuple[tuple[str, str, str], ...]  # entities: (property, lang, text)
    evidence: tuple[str, ...]  # evidence ids
    quotes: tuple[str, ...]
    file_line: str

    @property
    def is_entity(self) -> bool:
        """Is this the entity itself rather than one of its statements?"""
        return self.key == "type"


def local(term: Node | str) -> str:
    """The last segment of an IRI (`gbr:guangzhou` → `guangzhou`)."""
    return str(term).rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def label(graph: Graph | GraphView, node: Node, lang: str) -> str:
    """`node`'s rdfs:label in `lang`, or its local name."""
    for value in sorted(graph.objects(node, RDFS.label), key=str):
        if isinstance(value, Literal) and value.language == lang:
            return str(value)
    return local(node)


def passages(graph: Graph | GraphView) -> dict[str, Passage]:
    """Every evidence node with its source, offsets and exact text, by id."""
    return _Index(graph).passages()


def most_specific_class(graph: Graph, schema: Schema, node: Node) -> URIRef | None:
    """The entity's class with the most ancestors (ties by IRI)."""
    types = [t for t in graph.objects(node, RDF.type) if isinstance(t, URIRef)]
    types = [t for t in types if t in schema.classes]
    if not types:
        return None
    return max(types, key=lambda c: (len(schema.classes[c].ancestors), str(c)))


def graph_facts(
    graph: Graph | GraphView,
    schema: Schema,
    positions: Mapping[URIRef, SourcePos] | None = None,
) -> dict[str, GraphFact]:
    """Every entity and every statement about an entity, by node id."""
    return _Index(graph).facts(schema, positions or {})


def _store(graph: Graph | GraphView) -> ox.Store:
    if isinstance(graph, GraphView):
        return graph.store
    from kg.pipeline.build import Built  # kg.build needs this module's neighbours, not this module

    return Built.of_graph(graph).store


class _Index:
    """The few predicates the facts are made of, each read from the store in one scan and
    kept as plain strings: much faster than a lookup per node and property."""

    def __init__(self, graph: Graph | GraphView) -> None:
        self.store = _store(graph)

    def _scan(self, predicate: URIRef) -> list[tuple[_Term, _Term]]:
        quads = self.store.quads_for_pattern(None, ox.NamedNode(predicate), None)
        return [(q.subject, q.object) for q in quads]

    def _many(self, predicate: URIRef) -> dict[str, list[_Term]]:
        out: dict[str, list[_Term]] = {}
        for s, o in self._scan(predicate):
            if isinstance(s, ox.NamedNode):
                out.setdefault(s.value, []).append(o)
        return out

    def _one(self, predicate: URIRef) -> dict[str, _Term]:
        """One value per subject (the first the store gives, as `Graph.value` would)."""
        out: dict[str, _Term] = {}
        for s, o in self._scan(predicate):
            if isinstance(s, ox.NamedNode):
                out.setdefault(s.value, o)
        return out

    def passages(self) -> dict[str, Passage]:
        sources = self._one(OA.hasSource)
        selectors = self._many(OA.hasSelector)
        exact, start, end = self._one(OA.exact), self._one(OA.start), self._one(OA.end)
        out: dict[str, Passage] = {}
        evidence = sorted(
            s.value
            for s, o in self._scan(RDF.type)
            if isinstance(s, ox.NamedNode) and o == _EVIDENCE
        )
        for node in evidence:
            text, at, to = "", -1, -1
            for sel in selectors.get(node, ()):
                if not isinstance(sel, ox.NamedNode):
                    continue
                if isinstance(value := exact.get(sel.value), ox.Literal | ox.NamedNode):
                    text = value.value
                if isinstance(value := start.get(sel.value), ox.Literal):
                    at = int(value.value)
                if isinstance(value := end.get(sel.value), ox.Literal):
                    to = int(value.value)
            source = sources.get(node)
            name = local(node)
            where = local(source.value) if isinstance(source, ox.NamedNode | ox.Literal) else ""
            out[name] = Passage(name, where, at, to, text)
        return out

    def facts(self, schema: Schema, positions: Mapping[URIRef, SourcePos]) -> dict[str, GraphFact]:
        found = self.passages()
        at = {str(k): v for k, v in positions.items()}
        types = self._many(RDF.type)
        names: dict[str, dict[str, list[str]]] = {}  # node → lang → labels
        labels: dict[str, list[tuple[str, str, str]]] = {}
        for label_prop in (RDFS.label, SKOS.altLabel):
            for node, values in self._many(label_prop).items():
                for o in values:
                    if isinstance(o, ox.Literal):
                        lang = o.language or ""
                        labels.setdefault(node, []).append((local(label_prop), lang, o.value))
                        if label_prop == RDFS.label:
                            names.setdefault(node, {}).setdefault(lang, []).append(o.value)
        derived = self._many(PROV.wasDerivedFrom)
        classes = {str(k): v for k, v in schema.classes.items()}
        by_iri = {str(k): v for k, v in schema.by_iri.items()}

        def name(node: str, lang: str) -> str:  # as `label`: the first in order, or the id
            texts = names.get(node, {}).get(lang)
            return min(texts) if texts else local(node)

        @functools.cache
        def class_name(cls: str, lang: str) -> str:
            return schema.label(URIRef(cls), lang)

        def quotes_of(node: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
            evidence = sorted(
                local(e.value) for e in derived.get(node, ()) if isinstance(e, ox.NamedNode)
            )
            return tuple(evidence), tuple(found[e].exact if e in found else e for e in evidence)

        entities = sorted(s for s, ts in types.items() if any(t == _ENTITY for t in ts))
        out: dict[str, GraphFact] = {}
        for node in entities:
            known = [
                t.value for t in types[node] if isinstance(t, ox.NamedNode) and t.value in classes
            ]
            cls = max(known, key=lambda c: (len(classes[c].ancestors), c)) if known else None
            info = classes[cls] if cls is not None else None
            type_word = (info.yaml_type if info else None) or (local(cls) if cls else "")
            evidence, quotes = quotes_of(node)
            pos = at.get(node)
            out[local(node)] = GraphFact(
                id=local(node),
                subject=local(node),
                subject_zh=name(node, "zh"),
                subject_en=name(node, "en"),
                key="type",
                property_zh="类型",
                property_en="type",
                value=type_word,
                value_zh=class_name(cls, "zh") if cls else type_word,
                value_en=class_name(cls, "en") if cls else type_word,
                qualifiers=(),
                labels=tuple(sorted(labels.get(node, ()))),
                evidence=evidence,
                quotes=quotes,
                file_line=str(pos) if pos else "",
            )
        entity_set = set(entities)
        subjects, predicates = self._one(RDF.subject), self._one(RDF.predicate)
        objects = self._one(RDF.object)
        qualifiers: dict[str, list[tuple[str, str]]] = {}
        for iri, qualifier in by_iri.items():
            if qualifier.is_qualifier:
                for node, values in self._many(URIRef(iri)).items():
                    for v in values:
                        if isinstance(v, ox.NamedNode | ox.Literal):
                            qualifiers.setdefault(node, []).append((qualifier.key, v.value))
        statements = sorted(
            s.value
            for s, o in self._scan(RDF.type)
            if isinstance(s, ox.NamedNode) and o == _STATEMENT
        )
        for st in statements:
            subject, predicate, obj = subjects.get(st), predicates.get(st), objects.get(st)
            prop = by_iri.get(predicate.value) if isinstance(predicate, ox.NamedNode) else None
            if not (isinstance(subject, ox.NamedNode) and subject.value in entity_set):
                continue
            if prop is None or not isinstance(obj, ox.NamedNode | ox.Literal):
                continue
            if isinstance(obj, ox.NamedNode):
                value, zh, en = local(obj.value), name(obj.value, "zh"), name(obj.value, "en")
            else:
                value = zh = en = obj.value
            evidence, quotes = quotes_of(st)
            pos = at.get(st)
            out[local(st)] = GraphFact(
                id=local(st),
                subject=local(subject.value),
                subject_zh=name(subject.value, "zh"),
                subject_en=name(subject.value, "en"),
                key=prop.key,
                property_zh=prop.labels.get("zh", prop.key),
                property_en=prop.labels.get("en", prop.key),
                value=value,
                value_zh=zh,
                value_en=en,
                qualifiers=tuple(sorted(qualifiers.get(st, ()))),
                labels=(),
                evidence=evidence,
                quotes=quotes,
                file_line=str(pos) if pos else "",
            )
        return out


_Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
_ENTITY = ox.NamedNode(GBA.Entity)
_EVIDENCE = ox.NamedNode(GBA.Evidence)
_STATEMENT = ox.NamedNode(RDF.Statement)
