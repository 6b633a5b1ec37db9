"""Read the facts back out of a built graph: each entity and each reified statement, with its
labels, qualifiers and the quotes of its evidence; and each evidence node's passage.

`kg coverage` (which passages support which facts) and `kg diff` (which facts two builds
differ in) both work on this view, so they need only the graph, not the YAML it came from.
"""

from __future__ import annotations

from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass

from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.term import Node

from kg.facts import SourcePos
from kg.namespaces import GBA, OA, PROV
from kg.ontology import PropertyInfo, Schema


def reified_statements(
    graph: Graph, schema: Schema, entities: Container[Node]
) -> Iterator[tuple[Node, URIRef, PropertyInfo, Node]]:
    """Each `rdf:Statement` about one of `entities` whose predicate the ontology maps, sorted:
    (statement node, subject, property, object)."""
    for st in sorted(graph.subjects(RDF.type, RDF.Statement), key=str):
        subject = graph.value(st, RDF.subject)
        predicate = graph.value(st, RDF.predicate)
        obj = graph.value(st, RDF.object)
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


@dataclass(frozen=True)
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


def local(term: Node) -> str:
    """The last segment of an IRI (`gbr:guangzhou` → `guangzhou`)."""
    return str(term).rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def label(graph: Graph, node: Node, lang: str) -> str:
    """`node`'s rdfs:label in `lang`, or its local name."""
    for value in sorted(graph.objects(node, RDFS.label), key=str):
        if isinstance(value, Literal) and value.language == lang:
            return str(value)
    return local(node)


def passages(graph: Graph) -> dict[str, Passage]:
    """Every evidence node with its source, offsets and exact text, by id."""
    out: dict[str, Passage] = {}
    for node in sorted(graph.subjects(RDF.type, GBA.Evidence), key=str):
        source = graph.value(node, OA.hasSource)
        exact, start, end = "", -1, -1
        for sel in graph.objects(node, OA.hasSelector):
            if (value := graph.value(sel, OA.exact)) is not None:
                exact = str(value)
            if isinstance(value := graph.value(sel, OA.start), Literal):
                start = int(value)
            if isinstance(value := graph.value(sel, OA.end), Literal):
                end = int(value)
        out[local(node)] = Passage(
            local(node), local(source) if source is not None else "", start, end, exact
        )
    return out


def most_specific_class(graph: Graph, schema: Schema, node: Node) -> URIRef | None:
    """The entity's class with the most ancestors (ties by IRI)."""
    types = [t for t in graph.objects(node, RDF.type) if isinstance(t, URIRef)]
    types = [t for t in types if t in schema.classes]
    if not types:
        return None
    return max(types, key=lambda c: (len(schema.classes[c].ancestors), str(c)))


def graph_facts(
    graph: Graph, schema: Schema, positions: Mapping[URIRef, SourcePos] | None = None
) -> dict[str, GraphFact]:
    """Every entity and every statement about an entity, by node id."""
    positions = positions or {}
    found = passages(graph)
    entities = {u for u in graph.subjects(RDF.type, GBA.Entity) if isinstance(u, URIRef)}
    out: dict[str, GraphFact] = {}

    def quotes_of(node: Node) -> tuple[tuple[str, ...], tuple[str, ...]]:
        evidence = sorted(local(e) for e in graph.objects(node, PROV.wasDerivedFrom))
        return tuple(evidence), tuple(found[e].exact if e in found else e for e in evidence)

    for node in sorted(entities, key=str):
        cls = most_specific_class(graph, schema, node)
        info = schema.classes.get(cls) if cls is not None else None
        type_word = (info.yaml_type if info else None) or (local(cls) if cls else "")
        evidence, quotes = quotes_of(node)
        labels = sorted(
            (local(p), o.language or "", str(o))
            for p in (RDFS.label, SKOS.altLabel)
            for o in graph.objects(node, p)
            if isinstance(o, Literal)
        )
        pos = positions.get(node)
        out[local(node)] = GraphFact(
            local(node),
            local(node),
            label(graph, node, "zh"),
            label(graph, node, "en"),
            "type",
            "类型",
            "type",
            type_word,
            schema.label(cls, "zh") if cls else type_word,
            schema.label(cls, "en") if cls else type_word,
            (),
            tuple(labels),
            evidence,
            quotes,
            str(pos) if pos else "",
        )
    for st, subject, prop, obj in reified_statements(graph, schema, entities):
        qualifiers = sorted(
            (qprop.key, str(v))
            for q, v in graph.predicate_objects(st)
            if isinstance(q, URIRef)
            and (qprop := schema.by_iri.get(q)) is not None
            and qprop.is_qualifier
        )
        if isinstance(obj, URIRef):
            value, zh, en = local(obj), label(graph, obj, "zh"), label(graph, obj, "en")
        else:
            value = zh = en = str(obj)
        evidence, quotes = quotes_of(st)
        pos = positions.get(st) if isinstance(st, URIRef) else None
        out[local(st)] = GraphFact(
            local(st),
            local(subject),
            label(graph, subject, "zh"),
            label(graph, subject, "en"),
            prop.key,
            prop.labels.get("zh", prop.key),
            prop.labels.get("en", prop.key),
            value,
            zh,
            en,
            tuple(qualifiers),
            (),
            evidence,
            quotes,
            str(pos) if pos else "",
        )
    return out
