"""The pages, drawn from one set of Jinja templates (`kg/publish/templates/`) for `kg serve`
and `kg site`: only `Links` differs, absolute paths of the endpoint when served and paths
relative to the page in the static site (so it works from `file://` and any static host).

Every value is escaped by Jinja's autoescaping; the templates mark nothing safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import OWL, RDFS, Literal, URIRef

from kg.pipeline.ontology import Schema
from kg.publish.describe import SUFFIXES
from kg.publish.model import EntityPage, Names, Redirect, Thing
from kg.publish.svg import picture

if TYPE_CHECKING:
    from jinja2 import Environment

    from kg.pipeline.questions import Question

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
ASSETS = ("site.css", "lang.js", "site.js", "favicon.svg")
"""The files every page loads (`STATIC`), served at `/assets/NAME` and copied to
`OUT/assets/NAME` by `kg site`; `lang.js` (the language a page is shown in) is the query
editor's too."""

SERVED_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""The Content-Security-Policy of every page `kg serve` answers."""

STATIC_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:"
"""The same policy in the static site's pages (a `<meta>`, which cannot say frame-ancestors)."""

DUMP_TYPES = {
    "graph.ttl": "text/turtle; charset=utf-8",
    "graph.nt": "application/n-triples",
    "graph.jsonld": "application/ld+json",
    "graph.graphml": "application/graphml+xml",
}
"""The media type of each dump file."""

DUMPS = (
    ("graph.ttl", "Turtle"),
    ("graph.nt", "N-Triples"),
    ("graph.jsonld", "JSON-LD"),
    ("graph.graphml", "GraphML"),
)


@dataclass(frozen=True)
class Links:
    """How a page writes links: `served` by `kg serve`, or in the static site `depth`
    folders below its root."""

    served: bool
    depth: int = 0
    dumps: tuple[str, ...] = ()  # the dump files there are
    query: bool = False  # is there a query editor to link to
    explorer_page: bool = True  # is there a network.html

    @property
    def root(self) -> str:
        return "/" if self.served else "../" * self.depth

    def at(self, depth: int) -> Links:
        return Links(self.served, depth, self.dumps, self.query, self.explorer_page)

    def entity(self, ident: str, anchor: str = "") -> str:
        path = f"/id/{ident}" if self.served else f"{self.root}id/{ident}/index.html"
        return path + (f"#{anchor}" if anchor else "")

    def thing(self, thing: Thing) -> str:
        """A thing's page: an entity's, a term's place in the ontology, or its own IRI."""
        if thing.id:
            return self.entity(thing.id)
        if thing.iri.startswith("https://w3id.org/gba-kg/ontology#"):
            return self.ontology(thing.iri.rsplit("#", 1)[1])
        return thing.iri

    def description(self, ident: str, fmt: str) -> str:
        return f"{self.root}id/{ident}.{SUFFIXES[fmt]}"

    def cls(self, name: str) -> str:
        return f"/class/{name}" if self.served else f"{self.root}class/{name}/index.html"

    def ontology(self, anchor: str = "") -> str:
        path = "/ontology" if self.served else f"{self.root}ontology/index.html"
        return path + (f"#{anchor}" if anchor else "")

    def index(self) -> str:
        return "/" if self.served else f"{self.root}index.html"

    def explorer(self, ident: str = "") -> str:
        return f"{self.root}network.html" + (f"#id={ident}" if ident else "")

    def asset(self, name: str) -> str:
        return f"{self.root}assets/{name}"

    def dump(self, name: str) -> str:
        return f"/dumps/{name}" if self.served else f"{self.root}{name}"

    def search_index(self) -> str:
        return f"{self.root}search-index.js"

    def query_editor(self) -> str:
        return "/query"


@cache
def environment(*more: Path) -> Environment:
    """The pages' Jinja environment; templates in the folders `more` come first and may
    extend `base.html` (the query editor of `kg serve` does)."""
    from jinja2 import (
        ChoiceLoader,
        Environment,
        FileSystemLoader,
        StrictUndefined,
        select_autoescape,
    )

    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(folder) for folder in (*more, TEMPLATES)]),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["dumps_known"] = DUMPS
    return env


def _render(template: str, links: Links, **context: Any) -> bytes:
    page = environment().get_template(template)
    text = page.render(links=links, csp=None if links.served else STATIC_CSP, **context)
    return text.encode("utf-8")


def entity_page(page: EntityPage, links: Links) -> bytes:
    """An entity's page."""
    return _render("entity.html", links, page=page, picture=picture(page.thing, page.neighbours))


def redirect_page(where: Redirect, links: Links) -> bytes:
    """The static site's page for a statement, passage or selector: it sends the reader on
    to the page that shows it (a meta refresh, and a link)."""
    return _render("redirect.html", links, target=links.entity(where.id, where.anchor))


@dataclass(frozen=True)
class ClassDoc:
    """A class as the ontology documents it."""

    thing: Thing
    name: str  # its local name: the anchor on the ontology page, and its page's folder
    comment: Names
    parents: list[Thing]
    children: list[Thing]
    yaml_type: str
    properties: list[PropDoc] = field(default_factory=list)


@dataclass(frozen=True)
class PropDoc:
    """A property as the ontology documents it."""

    thing: Thing
    name: str
    comment: Names
    key: str
    domain: list[Thing]
    range: list[Thing]
    traits: list[str]


@dataclass(frozen=True)
class OntologyDoc:
    title: Names
    comment: Names
    version: str
    classes: list[ClassDoc]
    properties: list[PropDoc]
    terms: list[tuple[Thing, list[tuple[Thing, str]]]]  # vocabulary class → (term, YAML word)


def _term(schema: Schema, iri: URIRef) -> Thing:
    return Thing(str(iri), Names(schema.label(iri, "zh"), schema.label(iri, "en")))


def _comment(schema: Schema, iri: URIRef) -> Names:
    found = {
        v.language: str(v)
        for v in schema.graph.objects(iri, RDFS.comment)
        if isinstance(v, Literal) and v.language
    }
    en = found.get("en", "")
    return Names(found.get("zh", en), en or found.get("zh", ""))


def _name(iri: URIRef | str) -> str:
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def ontology_doc(schema: Schema) -> OntologyDoc:
    """The ontology's classes, properties and vocabulary terms, documented from the
    ontology itself (labels, comments, domain, range, YAML key)."""
    graph = schema.graph

    def props_of(cls: URIRef) -> list[PropDoc]:
        return [p for p in props if any(d.iri == str(cls) for d in p.domain)]

    props = []
    for info in sorted(schema.properties.values(), key=lambda p: p.key):
        traits = [
            name
            for name, yes in (
                ("functional", info.is_functional),
                ("symmetric", info.is_symmetric),
                ("one end", info.one_end),
                ("acyclic", info.is_acyclic),
                ("qualifier", info.is_qualifier),
            )
            if yes
        ]
        rng = sorted(info.range_classes or info.datatypes)
        props.append(
            PropDoc(
                _term(schema, info.iri),
                _name(info.iri),
                _comment(schema, info.iri),
                info.key,
                [_term(schema, d) for d in sorted(info.domain)],
                [_term(schema, r) for r in rng],
                traits,
            )
        )
    classes = []
    for iri, cinfo in sorted(schema.classes.items(), key=lambda kv: _name(kv[0])):
        parents = sorted(
            (p for p in graph.objects(iri, RDFS.subClassOf) if isinstance(p, URIRef)), key=str
        )
        children = sorted(
            (c for c in graph.subjects(RDFS.subClassOf, iri) if isinstance(c, URIRef)), key=str
        )
        classes.append(
            ClassDoc(
                _term(schema, iri),
                _name(iri),
                _comment(schema, iri),
                [_term(schema, p) for p in parents],
                [_term(schema, c) for c in children],
                cinfo.yaml_type or "",
                props_of(iri),
            )
        )
    terms = [
        (
            _term(schema, cls),
            [(_term(schema, term), word) for word, term in sorted(words.items())],
        )
        for cls, words in sorted(schema.vocabulary.items())
    ]
    onto = next((s for s in graph.subjects(None, OWL.Ontology) if isinstance(s, URIRef)), None)
    version = str(graph.value(onto, OWL.versionInfo) or "") if onto is not None else ""
    title = _term(schema, onto).names if onto is not None else Names("", "")
    comment = _comment(schema, onto) if onto is not None else Names("", "")
    return OntologyDoc(title, comment, version, classes, props, terms)


def ontology_page(schema: Schema, links: Links) -> bytes:
    """The ontology's page (pyLODE-like): every class, property and vocabulary term."""
    return _render("ontology.html", links, doc=ontology_doc(schema))


def class_page(doc: ClassDoc, members: list[tuple[Thing, list[str]]], links: Links) -> bytes:
    """A class's page: what the ontology says of it, and its members (each with its
    alternative names)."""
    return _render("class.html", links, doc=doc, members=members)


@dataclass(frozen=True)
class IndexData:
    """What the index lists."""

    title: Names
    classes: list[tuple[ClassDoc, int]]  # classes with members, and how many
    sources: list[Thing]
    questions: list[tuple[str, Question]]
    entities: int
    left_out: int  # passages left out with a reason (gba:Omission, not entities)
    triples: int


def index_page(data: IndexData, links: Links) -> bytes:
    return _render("index.html", links, data=data)


def class_docs(schema: Schema) -> Mapping[str, ClassDoc]:
    """Each class's documentation by its local name."""
    return {c.name: c for c in ontology_doc(schema).classes}
