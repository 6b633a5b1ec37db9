"""Read `ontology/gba.ttl` into a `Schema`: which YAML `type:` makes which class, which YAML
key fills which property, and each property's domain, range and datatypes.

`validate.py` and `build.py` ask only the `Schema`; a new kind of fact is an ontology and
YAML change, never a Python one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from kg.namespaces import KG

ONTOLOGY_FILE = "gba.ttl"
SHAPES_FILE = "shapes.ttl"


def default_ontology_dir() -> Path:
    """`kg/ontology` when installed from a wheel, else the checkout's `ontology/`."""
    packaged = Path(__file__).parents[1] / "ontology"
    if (packaged / ONTOLOGY_FILE).is_file():
        return packaged
    return Path(__file__).parents[2] / "ontology"


@dataclass(frozen=True)
class ClassInfo:
    """A class of the ontology, and the `type:` word that makes an entity of it."""

    iri: URIRef
    yaml_type: str | None
    labels: dict[str, str]
    ancestors: frozenset[URIRef]  # the class itself and every superclass


@dataclass(frozen=True)
class PropertyInfo:
    """A property the curator fills through `key`, with what it accepts."""

    iri: URIRef
    key: str
    labels: dict[str, str]
    domain: frozenset[URIRef]  # any of these classes (or a subclass) may use the key
    range_classes: frozenset[URIRef]  # object property: the value is one of these
    datatypes: tuple[URIRef, ...]  # datatype property: lexical forms tried in order
    is_functional: bool = False
    is_symmetric: bool = False
    is_acyclic: bool = False  # kg:acyclic true: following it must never lead back
    one_end: bool = False  # symmetric, kg:oneEnd true: a fact is written at one end only
    languages: tuple[str, ...] = ()
    required_languages: tuple[str, ...] = ()

    @property
    def is_object_property(self) -> bool:
        return bool(self.range_classes)

    @property
    def is_lang_string(self) -> bool:
        return self.datatypes == _LANG_STRING

    @property
    def is_qualifier(self) -> bool:
        return self.domain == _STATEMENT_DOMAIN


_LANG_STRING = (RDF.langString,)
_STATEMENT_DOMAIN = frozenset({RDF.Statement})  # rdflib's `RDF.x` is a lookup each time


@dataclass
class Schema:
    """What the ontology says about YAML keys and types."""

    graph: Graph
    classes: dict[URIRef, ClassInfo]
    properties: dict[str, PropertyInfo]  # by YAML key
    vocabulary: dict[URIRef, dict[str, URIRef]]  # class → {YAML word → term}
    path: Path = field(default=Path(ONTOLOGY_FILE))

    @cached_property
    def types(self) -> dict[str, ClassInfo]:
        """Classes by their `type:` word."""
        return {c.yaml_type: c for c in self.classes.values() if c.yaml_type}

    @cached_property
    def by_iri(self) -> dict[URIRef, PropertyInfo]:
        return {p.iri: p for p in self.properties.values()}

    def property_for(self, iri: URIRef) -> PropertyInfo | None:
        """The property filled through a YAML key that is `iri` or a sub-property of it
        (e.g. the one that says a document's `dcterms:publisher`), if there is one."""
        for prop in self.properties.values():
            if iri in self.graph.transitive_objects(prop.iri, RDFS.subPropertyOf):
                return prop
        return None

    @cached_property
    def view_area(self) -> PropertyInfo | None:
        """The property whose values group entities into areas in the network view
        (`kg:viewArea true`), if any."""
        for prop in self.properties.values():
            if (prop.iri, KG.viewArea, Literal(True)) in self.graph:
                return prop
        return None

    def is_a(self, cls: URIRef, of: frozenset[URIRef]) -> bool:
        """Is `cls` one of `of`, or a subclass of one?"""
        info = self.classes.get(cls)
        ancestors = info.ancestors if info else frozenset({cls})
        return not ancestors.isdisjoint(of)

    def label(self, term: URIRef, lang: str = "en") -> str:
        """The term's label in `lang` (falls back to its local name)."""
        for value in self.graph.objects(term, RDFS.label):
            if isinstance(value, Literal) and value.language == lang:
                return str(value)
        return str(term).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


_XSD_STRING = ox.NamedNode(str(XSD.string))


def read_turtle(path: Path) -> Graph:
    """The rdflib graph of the Turtle file `path`, parsed by pyoxigraph: the same triples
    as `Graph().parse(path)` (tests/test_ontology.py compares them), in a third of the time
    (rdflib's Turtle parser took a sixth of `kg check`'s time on the curated data).

    >>> len(read_turtle(default_ontology_dir() / ONTOLOGY_FILE)) > 500
    True
    """
    graph = Graph()
    blanks: dict[str, BNode] = {}

    def term(t: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
        if isinstance(t, ox.NamedNode):
            return URIRef(t.value)
        if isinstance(t, ox.BlankNode):
            return blanks.setdefault(t.value, BNode())
        if isinstance(t, ox.Literal):
            if t.language:
                return Literal(t.value, lang=t.language)
            if t.datatype == _XSD_STRING:
                return Literal(t.value)
            return Literal(t.value, datatype=URIRef(t.datatype.value))
        raise ValueError(f"{path}: RDF-star triple terms are not supported")

    for base in ox.parse(path=path, format=ox.RdfFormat.TURTLE):
        graph.add((term(base.subject), term(base.predicate), term(base.object)))
    return graph


def read_schema(ontology_dir: str | Path | None = None) -> Schema:
    """Parse `ontology_dir/gba.ttl` into a `Schema`.

    >>> schema = read_schema()
    >>> schema.properties["located-in"].iri
    rdflib.term.URIRef('https://w3id.org/gba-kg/ontology#locatedIn')
    """
    path = Path(ontology_dir or default_ontology_dir()) / ONTOLOGY_FILE
    graph = read_turtle(path)
    classes = _read_classes(graph)
    properties = _read_properties(graph)
    vocabulary: dict[URIRef, dict[str, URIRef]] = {}
    for term, word in graph.subject_objects(KG.yamlValue):
        for cls in graph.objects(term, RDF.type):
            vocabulary.setdefault(URIRef(str(cls)), {})[str(word)] = URIRef(str(term))
    return Schema(graph, classes, properties, vocabulary, path)


def _labels(graph: Graph, term: Node) -> dict[str, str]:
    return {
        value.language: str(value)
        for value in graph.objects(term, RDFS.label)
        if isinstance(value, Literal) and value.language
    }


def _read_classes(graph: Graph) -> dict[URIRef, ClassInfo]:
    classes: dict[URIRef, ClassInfo] = {}
    named = {c for c in graph.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    for cls in sorted(named):  # blank owl:unionOf classes are left out
        ancestors = frozenset(
            c for c in graph.transitive_objects(cls, RDFS.subClassOf) if isinstance(c, URIRef)
        )
        yaml_type = graph.value(cls, KG.yamlType)
        classes[cls] = ClassInfo(
            cls, str(yaml_type) if yaml_type else None, _labels(graph, cls), ancestors
        )
    return classes


def _members(graph: Graph, node: Node | None) -> frozenset[URIRef]:
    """A class or datatype, or the members of its owl:unionOf list."""
    if node is None:
        return frozenset()
    union = graph.value(node, OWL.unionOf)
    if union is not None:
        return frozenset(URIRef(str(m)) for m in Collection(graph, union))
    return frozenset({URIRef(str(node))})


_DATATYPE_ORDER = (XSD.date, XSD.gYearMonth, XSD.gYear)


def _read_properties(graph: Graph) -> dict[str, PropertyInfo]:
    properties: dict[str, PropertyInfo] = {}
    for node, key in sorted(graph.subject_objects(KG.yamlKey)):
        prop = URIRef(str(node))
        types = set(graph.objects(prop, RDF.type))
        domain = _members(graph, graph.value(prop, RDFS.domain) or graph.value(prop, KG.yamlDomain))
        rng = _members(graph, graph.value(prop, RDFS.range) or graph.value(prop, KG.yamlRange))
        is_object = OWL.ObjectProperty in types
        datatypes: tuple[URIRef, ...] = ()
        if not is_object:
            # a union of date types is tried from the most precise to the least
            datatypes = tuple(sorted(rng, key=lambda d: (d not in _DATATYPE_ORDER, _rank(d))))
        properties[str(key)] = PropertyInfo(
            iri=prop,
            key=str(key),
            labels=_labels(graph, prop),
            domain=domain,
            range_classes=rng if is_object else frozenset(),
            datatypes=datatypes,
            is_functional=OWL.FunctionalProperty in types,
            is_symmetric=OWL.SymmetricProperty in types,
            is_acyclic=graph.value(prop, KG.acyclic) == Literal(True),
            one_end=OWL.SymmetricProperty in types
            and graph.value(prop, KG.oneEnd) == Literal(True),
            languages=tuple(str(graph.value(prop, KG.languages) or "").split()),
            required_languages=tuple(str(graph.value(prop, KG.requiredLanguages) or "").split()),
        )
    return properties


def _rank(datatype: URIRef) -> int:
    return _DATATYPE_ORDER.index(datatype) if datatype in _DATATYPE_ORDER else 0
