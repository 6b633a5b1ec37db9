"""Page data from what the queries of `kg.publish.describe` return.

Everything a page shows is computed here from triples (pyoxigraph terms), so a page served
by `kg serve` and the same page written by `kg site` are made from the same data by the
same code. Names fall back to the IRI's local name; nothing here is markup (the templates
escape every value).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import DCTERMS, URIRef

from kg.explorer.network import sentence_from_context, view_kind, view_style
from kg.namespaces import GBA, ID, OA, PROV
from kg.pipeline.ontology import Schema

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_TYPE, _LABEL = _RDF + "type", _RDFS + "label"
_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
_SUBJECT, _PREDICATE, _OBJECT = _RDF + "subject", _RDF + "predicate", _RDF + "object"
_STATEMENT = _RDF + "Statement"
_DERIVED, _SOURCE, _SELECTOR = str(PROV.wasDerivedFrom), str(OA.hasSource), str(OA.hasSelector)
_ENTITY, _EVIDENCE, _DOCUMENT = str(GBA.Entity), str(GBA.Evidence), str(GBA.SourceDocument)
_ID = str(ID)
LANGS = ("zh", "en")


@dataclass(frozen=True)
class Names:
    """A thing's name in each language (the other language's, or its id, when missing)."""

    zh: str
    en: str

    def __lt__(self, other: Names) -> bool:
        return (self.en.casefold(), self.zh) < (other.en.casefold(), other.zh)


@dataclass(frozen=True)
class Thing:
    """Something a page names: an entity of the graph (`id` set), or a term (`iri` only)."""

    iri: str
    names: Names
    id: str = ""  # the local name under the entity namespace, for a link to its page
    kind: str = ""  # the class whose colour it is drawn in
    color: str = "#999999"
    shape: str = "dot"


@dataclass(frozen=True)
class Value:
    """A fact's value: a thing, or a literal's text (with its datatype's local name)."""

    thing: Thing | None = None
    text: str = ""
    lang: str = ""
    datatype: str = ""


@dataclass(frozen=True)
class Quote:
    """A passage a fact is quoted from: the verbatim words in their sentence, and where."""

    id: str  # the evidence node's local name
    exact: str
    before: str
    after: str
    start: int
    end: int
    source: Thing | None
    date: str = ""
    publisher: Names | None = None


@dataclass(frozen=True)
class Fact:
    """A reified statement: its property, value, qualifiers and quotes."""

    id: str
    prop: Thing
    subject: Thing
    value: Value
    qualifiers: tuple[tuple[Thing, Value], ...]
    quotes: tuple[Quote, ...]


@dataclass
class Group:
    """The facts of one property."""

    prop: Thing
    facts: list[Fact] = field(default_factory=list)


@dataclass(frozen=True)
class Passage:
    """A passage of a source, with the things whose facts it supports (on a source's page)."""

    quote: Quote
    supports: tuple[Thing, ...]


@dataclass
class EntityPage:
    """Everything an entity's page shows."""

    thing: Thing
    classes: list[Thing]
    alt: dict[str, list[str]]
    groups: list[Group]
    incoming: list[Group]
    quotes: list[Quote]  # the entity's own evidence (where it is named)
    passages: list[Passage]  # on a source document's page: every passage quoted from it
    neighbours: list[Thing]


@dataclass(frozen=True)
class Redirect:
    """An IRI with no page of its own (a statement, a passage, a selector): the page and
    anchor that show it."""

    id: str
    anchor: str


class Triples:
    """Triples indexed by subject and predicate, with the ontology to name terms: what a
    page's query returned, read for the page."""

    def __init__(self, triples: Iterable[ox.Triple], schema: Schema) -> None:
        self.schema = schema
        self.by: dict[str, dict[str, list[ox.NamedNode | ox.Literal | ox.BlankNode]]]
        self.by = defaultdict(lambda: defaultdict(list))
        self.pointing: dict[str, list[str]] = defaultdict(list)  # object IRI → statements
        for t in triples:
            if isinstance(t.subject, ox.NamedNode) and not isinstance(t.object, ox.Triple):
                self.by[t.subject.value][t.predicate.value].append(t.object)
        for s, props in self.by.items():
            for o in props.get(_OBJECT, []):
                if isinstance(o, ox.NamedNode):
                    self.pointing[o.value].append(s)
        for values in (v for props in self.by.values() for v in props.values()):
            values.sort(key=str)
        self._date, self._publisher = _document_fields(schema)
        self._things: dict[str, Thing] = {}
        self._quotes: dict[str, Quote] = {}

    def values(self, s: str, p: str) -> list[ox.NamedNode | ox.Literal | ox.BlankNode]:
        found = self.by.get(s)
        return found.get(p, []) if found else []

    def iris(self, s: str, p: str) -> list[str]:
        return [o.value for o in self.values(s, p) if isinstance(o, ox.NamedNode)]

    def one(self, s: str, p: str) -> str:
        found = self.values(s, p)
        return found[0].value if found else ""

    def names(self, iri: str) -> Names:
        found: dict[str, str] = {}
        for o in self.values(iri, _LABEL):
            if isinstance(o, ox.Literal) and o.language in LANGS:
                found.setdefault(o.language, o.value)
        if not found:  # a term of the ontology
            term = URIRef(iri)
            for lang in LANGS:
                name = self.schema.label(term, lang)
                if name != _local(iri):
                    found[lang] = name
        fallback = found.get("zh") or found.get("en") or _local(iri)
        return Names(found.get("zh", fallback), found.get("en", fallback))

    def thing(self, iri: str) -> Thing:
        found = self._things.get(iri)
        if found is None:
            found = self._things[iri] = self._thing(iri)
        return found

    def _thing(self, iri: str) -> Thing:
        names = self.names(iri)
        types = self.iris(iri, _TYPE)
        ident = iri[len(_ID) :] if iri.startswith(_ID) else ""
        if _ENTITY not in types:
            return Thing(iri, names, ident)
        cls = most_specific(self.schema, types)
        kind = view_kind(self.schema, self.schema.classes.get(URIRef(cls)) if cls else None)
        style = view_style(self.schema, kind)
        return Thing(iri, names, ident, kind, style["color"], style["shape"])

    def value(self, term: ox.NamedNode | ox.Literal | ox.BlankNode) -> Value:
        if isinstance(term, ox.NamedNode):
            return Value(thing=self.thing(term.value))
        if isinstance(term, ox.Literal):
            datatype = "" if term.language else _local(term.datatype.value)
            return Value(text=term.value, lang=term.language or "", datatype=datatype)
        return Value(text=str(term))

    def quote(self, evidence: str) -> Quote:
        found = self._quotes.get(evidence)
        if found is None:
            found = self._quotes[evidence] = self._quote(evidence)
        return found

    def _quote(self, evidence: str) -> Quote:
        exact = prefix = suffix = ""
        start = end = -1
        for sel in self.iris(evidence, _SELECTOR):
            exact = exact or self.one(sel, str(OA.exact))
            prefix = prefix or self.one(sel, str(OA.prefix))
            suffix = suffix or self.one(sel, str(OA.suffix))
            if (value := self.one(sel, str(OA.start))).isdigit():
                start = int(value)
            if (value := self.one(sel, str(OA.end))).isdigit():
                end = int(value)
        before, after = sentence_from_context(prefix, suffix)
        source = self.one(evidence, _SOURCE)
        date = publisher = None
        if source:
            date = self.one(source, self._date) if self._date else ""
            pub = self.values(source, self._publisher) if self._publisher else []
            if pub:
                publisher = (
                    self.names(pub[0].value)
                    if isinstance(pub[0], ox.NamedNode)
                    else Names(pub[0].value, pub[0].value)
                )
        return Quote(
            _local(evidence),
            exact,
            before,
            after,
            start,
            end,
            self.thing(source) if source else None,
            date or "",
            publisher,
        )

    def fact(self, st: str) -> Fact | None:
        subject, predicate = self.one(st, _SUBJECT), self.one(st, _PREDICATE)
        objects = self.values(st, _OBJECT)
        prop = self.schema.by_iri.get(URIRef(predicate)) if predicate else None
        if not subject or prop is None or not objects:
            return None
        qualifiers: list[tuple[Thing, Value]] = []
        for q_iri, values in sorted(self.by[st].items()):
            qprop = self.schema.by_iri.get(URIRef(q_iri))
            if qprop is not None and qprop.is_qualifier:
                qualifiers.extend((self.prop_thing(q_iri), self.value(v)) for v in values)
        quotes = sorted(
            (self.quote(e) for e in self.iris(st, _DERIVED)), key=lambda q: (q.start, q.id)
        )
        return Fact(
            _local(st),
            self.prop_thing(predicate),
            self.thing(subject),
            self.value(objects[0]),
            tuple(qualifiers),
            tuple(quotes),
        )

    def prop_thing(self, iri: str) -> Thing:
        prop = self.schema.by_iri.get(URIRef(iri))
        if prop is None:
            return Thing(iri, self.names(iri))
        labels = prop.labels
        return Thing(iri, Names(labels.get("zh", prop.key), labels.get("en", prop.key)))


_FIELDS: dict[int, tuple[Schema, tuple[str, str]]] = {}


def _document_fields(schema: Schema) -> tuple[str, str]:
    """The properties that give a source's date and publisher (looked up once per schema)."""
    found = _FIELDS.get(id(schema))
    if found is None or found[0] is not schema:
        date, publisher = schema.property_for(DCTERMS.date), schema.property_for(DCTERMS.publisher)
        fields = (str(date.iri) if date else "", str(publisher.iri) if publisher else "")
        found = _FIELDS[id(schema)] = (schema, fields)
    return found[1]


def most_specific(schema: Schema, types: Iterable[str]) -> str:
    """The deepest of `types` in the ontology's class tree (ties: by IRI)."""
    known = [t for t in types if URIRef(t) in schema.classes]
    if not known:
        return ""
    return max(known, key=lambda c: (len(schema.classes[URIRef(c)].ancestors), c))


def _local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _grouped(facts: Iterable[Fact], by_subject: bool = False) -> list[Group]:
    groups: dict[str, Group] = {}
    for fact in facts:
        groups.setdefault(fact.prop.iri, Group(fact.prop)).facts.append(fact)
    for group in groups.values():
        group.facts.sort(key=lambda f: (_sort_value(f.subject if by_subject else f.value), f.id))
    return sorted(groups.values(), key=lambda g: (g.prop.names, g.prop.iri))


def _sort_value(value: Value | Thing) -> tuple[str, str]:
    thing = value if isinstance(value, Thing) else value.thing
    if thing is not None:
        return (thing.names.en.casefold(), thing.iri)
    assert isinstance(value, Value)
    return (value.text.casefold(), value.lang)


def page_of(iri: str, triples: Iterable[ox.Triple], schema: Schema) -> EntityPage | Redirect | None:
    """The page of `iri` from what `describe.PAGE` returned for it: an entity's page, where
    a statement, passage or selector is shown, or None when the graph does not hold it."""
    graph = Triples(triples, schema)
    types = graph.iris(iri, _TYPE)
    if _STATEMENT in types:  # shown as a fact on its subject's page
        return _redirect(graph.one(iri, _SUBJECT), iri)
    if _EVIDENCE in types:  # shown as a passage on its source's page
        return _redirect(graph.one(iri, _SOURCE), iri)
    passage = next((s for s in graph.by if iri in graph.iris(s, _SELECTOR)), None)
    if passage is not None:  # a selector: shown with its passage
        return _redirect(graph.one(passage, _SOURCE), passage)
    if not types:
        return None
    thing = graph.thing(iri)
    facts = [f for st in graph.by if (f := graph.fact(st)) is not None]
    own = [f for f in facts if f.subject.iri == iri]
    pointing = set(graph.pointing.get(iri, ()))
    pointing_ids = {_local(p) for p in pointing}
    incoming = [f for f in facts if f.subject.iri != iri and f.id in pointing_ids]
    quotes = sorted(
        (graph.quote(e) for e in graph.iris(iri, _DERIVED)), key=lambda q: (q.start, q.id)
    )
    passages = _passages(graph, iri) if _DOCUMENT in types else []
    neighbours: dict[str, Thing] = {}
    for fact in own:
        if fact.value.thing is not None and fact.value.thing.kind:
            neighbours.setdefault(fact.value.thing.iri, fact.value.thing)
    for fact in incoming:
        neighbours.setdefault(fact.subject.iri, fact.subject)
    neighbours.pop(iri, None)
    classes = sorted(
        (graph.thing(t) for t in types if URIRef(t) in schema.classes and t != _ENTITY),
        key=lambda c: (-len(schema.classes[URIRef(c.iri)].ancestors), c.iri),
    )
    alt = {
        lang: sorted(
            o.value
            for o in graph.values(iri, _ALT)
            if isinstance(o, ox.Literal) and o.language == lang
        )
        for lang in LANGS
    }
    return EntityPage(
        thing,
        classes,
        alt,
        _grouped(own),
        _grouped(incoming, by_subject=True),
        quotes,
        passages,
        sorted(neighbours.values(), key=lambda t: (t.kind, t.names, t.iri)),
    )


def _redirect(page: str, anchor: str) -> Redirect | None:
    return Redirect(_local(page), _local(anchor)) if page.startswith(_ID) else None


def _passages(graph: Triples, source: str) -> list[Passage]:
    """Every passage quoted from `source`, in the order of the text, with what it supports."""
    supports: dict[str, set[str]] = defaultdict(set)
    for s, props in graph.by.items():
        for ev in props.get(_DERIVED, []):
            if isinstance(ev, ox.NamedNode):
                subject = graph.one(s, _SUBJECT) or s
                supports[ev.value].add(subject)
    evidence = [s for s, props in graph.by.items() if source in graph.iris(s, _SOURCE)]
    passages = [
        Passage(
            graph.quote(ev),
            tuple(sorted((graph.thing(t) for t in supports[ev]), key=lambda t: (t.names, t.iri))),
        )
        for ev in evidence
    ]
    return sorted(passages, key=lambda p: (p.quote.start, p.quote.id))
