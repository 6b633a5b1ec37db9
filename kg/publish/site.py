"""`kg site OUT`: the graph as a static Linked Data site, from a build folder.

    OUT/index.html                  classes, sources, saved questions
    OUT/id/ID/index.html            a page per IRI of the graph (statements, passages and
                                    selectors send the reader to the page that shows them)
    OUT/id/ID.ttl, .jsonld, .nt     each IRI's description (what `kg serve` answers)
    OUT/class/NAME/index.html       a page per class with members
    OUT/ontology/index.html         the ontology, documented; OUT/ontology.ttl
    OUT/network.html                the explorer
    OUT/graph.*                     the dumps the build wrote
    OUT/void.ttl                    a VoID and DCAT description of the dataset
    OUT/search-index.js, assets/    the search index; the pages' CSS and script

Every link is relative, so the site works from `file://` and from any static host; nothing
is fetched; the same build gives the same bytes. The site is written into a folder beside
OUT and moved into place whole.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef

from kg.errors import UsageError
from kg.namespaces import GBA, ID
from kg.outputs.built import load_store
from kg.pipeline.ontology import Schema
from kg.pipeline.questions import Question
from kg.publish import describe, render
from kg.publish.model import EntityPage, Names, Thing, Triples, most_specific, page_of
from kg.runtime.forked import in_two

_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
TITLE = Names("粤港澳大湾区知识图谱", "Greater Bay Area knowledge graph")
LICENCE = "https://spdx.org/licenses/MIT"
PAGES_MARK = b'<meta name="kg-pages" content="">'
"""The explorer's marker: a site or server that has entity pages fills it in, and the
explorer then links each selection to its page."""


@dataclass(frozen=True)
class SiteSummary:
    out: Path
    pages: int  # entity pages
    redirects: int  # pages of statements, passages and selectors
    descriptions: int  # IRIs with a description (each in three formats)
    classes: int
    files: int


def iris(store: ox.Store) -> list[str]:
    """Every IRI under the entity namespace that the graph holds, sorted."""
    found = store.query(
        f"""SELECT DISTINCT ?s WHERE {{ {{ ?s ?p ?o }} UNION {{ ?x ?p ?s }}
        FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{ID}")) }}"""
    )
    assert isinstance(found, ox.QuerySolutions)
    return sorted(row[0].value for row in found if row[0] is not None)


def _triples(store: ox.Store, text: str) -> list[ox.Triple]:
    result = store.query(text)
    assert isinstance(result, ox.QueryTriples)
    return list(result)


def names_index(triples: Iterable[ox.Triple], schema: Schema) -> list[list[str]]:
    """The search index: [id, zh, en, alternative names, class zh, class en] per entity."""
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    alts: dict[str, list[str]] = defaultdict(list)
    types: dict[str, list[str]] = defaultdict(list)
    for t in triples:
        if not isinstance(t.subject, ox.NamedNode) or not t.subject.value.startswith(str(ID)):
            continue
        s, p, o = t.subject.value, t.predicate.value, t.object
        if p == _LABEL and isinstance(o, ox.Literal) and o.language:
            labels[s].setdefault(o.language, o.value)
        elif p == _ALT and isinstance(o, ox.Literal):
            alts[s].append(o.value)
        elif p == _TYPE and isinstance(o, ox.NamedNode):
            types[s].append(o.value)
    rows = []
    for s in sorted(types):
        cls = most_specific(schema, types[s])
        name = labels[s].get("zh") or labels[s].get("en") or s[len(str(ID)) :]
        rows.append(
            [
                s[len(str(ID)) :],
                labels[s].get("zh", name),
                labels[s].get("en", name),
                " ".join(sorted(alts[s])),
                schema.label(URIRef(cls), "zh") if cls else "",
                schema.label(URIRef(cls), "en") if cls else "",
            ]
        )
    return sorted(rows, key=lambda r: (r[2].casefold(), r[0]))


def search_script(rows: list[list[str]]) -> bytes:
    """The search index as a script (a `fetch` of JSON is refused under `file://`); `<`
    is escaped so that no name can close the script."""
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.GBA_KG_SEARCH = {text};\n".encode()


def members_of(triples: Iterable[ox.Triple], schema: Schema) -> list[tuple[Thing, list[str]]]:
    """A class page's members from what `describe.MEMBERS` returned."""
    graph = Triples(triples, schema)
    members = [
        (
            graph.thing(s),
            sorted(o.value for o in graph.values(s, _ALT) if isinstance(o, ox.Literal)),
        )
        for s in graph.by
        if s.startswith(str(ID))
    ]
    return sorted(members, key=lambda m: (m[0].names, m[0].iri))


def index_data(
    counts: Iterable[ox.Triple],
    names: Iterable[ox.Triple],
    schema: Schema,
    questions: dict[str, Question],
    triples: int,
) -> render.IndexData:
    """The index page's data from what `describe.COUNTS` and `describe.NAMES` returned."""
    docs = render.class_docs(schema)
    by_class = {
        t.subject.value.rsplit("#", 1)[-1]: int(t.object.value)
        for t in counts
        if t.predicate == describe.MEMBER_COUNT
        and isinstance(t.subject, ox.NamedNode)
        and isinstance(t.object, ox.Literal)
        and t.subject.value.startswith(str(GBA._NS))
    }
    graph = Triples(names, schema)
    sources = sorted(
        (graph.thing(s) for s in graph.by if str(GBA.SourceDocument) in graph.iris(s, _TYPE)),
        key=lambda t: (t.names, t.iri),
    )
    entities = by_class.pop("Entity", 0)
    classes = [(docs[name], n) for name, n in sorted(by_class.items()) if name in docs and n]
    classes.sort(key=lambda c: (c[0].thing.names, c[0].name))
    left_out = by_class.get("Omission", 0)
    return render.IndexData(
        TITLE, classes, sources, sorted(questions.items()), entities, left_out, triples
    )


def void(
    store: ox.Store,
    described: int,
    classes: list[tuple[render.ClassDoc, int]],
    sources: list[Thing],
    dumps: list[str],
    examples: list[str],
    endpoint: str | None,
    base_url: str | None,
    licence: str,
) -> bytes:
    """The dataset described in VoID and DCAT, as Turtle. Dump links are relative to the
    file (resolved against where it is read from) unless `base_url` is given."""

    def ref(name: str) -> str:
        return f"<{base_url.rstrip('/')}/{name}>" if base_url else f"<{name}>"

    def lit(text: str, lang: str | None = None) -> str:
        return str(ox.Literal(text, language=lang))

    lines = [
        "@prefix void: <http://rdfs.org/ns/void#> .",
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .",
        "@prefix dcterms: <http://purl.org/dc/terms/> .",
        "@prefix foaf: <http://xmlns.com/foaf/0.1/> .",
        "",
        f"{ref('void.ttl')} a void:DatasetDescription ;",
        f"    dcterms:title {lit('A description of the gba-kg dataset', 'en')} ;",
        f"    foaf:primaryTopic {ref('void.ttl#dataset')} .",
        "",
        f"{ref('void.ttl#dataset')} a void:Dataset , dcat:Dataset ;",
        f"    dcterms:title {lit(TITLE.zh, 'zh')} , {lit(TITLE.en, 'en')} ;",
        "    dcterms:description "
        + lit(
            "Facts curated by hand from Guangdong–Hong Kong–Macao Greater Bay Area policy and "
            "news documents, each with the verbatim quote of its source, under an OWL ontology.",
            "en",
        )
        + " ;",
        f"    dcterms:license <{licence}> ;",
        "    dcterms:rights "
        + lit(
            "The quotes remain the work of their publishers, named on each source's page.",
            "en",
        )
        + " ;",
        "    dcterms:publisher [ a foaf:Organization ; foaf:name " + lit("gba-kg") + " ] ;",
        f"    void:triples {len(store)} ;",
        f"    void:entities {described} ;",
        f"    void:uriSpace {lit(str(ID))} ;",
        "    void:vocabulary <https://w3id.org/gba-kg/ontology> ;",
        f"    void:rootResource {ref('index.html')} ;",
    ]
    for source in sources:
        lines.append(f"    dcterms:source <{source.iri}> ;")
    for doc, count in sorted(classes, key=lambda c: c[0].thing.iri):
        lines.append(
            f"    void:classPartition [ void:class <{doc.thing.iri}> ; void:entities {count} ] ;"
        )
    for example in examples:
        lines.append(f"    void:exampleResource <{example}> ;")
    if endpoint:
        lines.append(f"    void:sparqlEndpoint <{endpoint}> ;")
    for name in dumps:
        lines.append(f"    void:dataDump {ref(name)} ;")
    for name in dumps:
        lines.append(
            f"    dcat:distribution [ a dcat:Distribution ; dcat:downloadURL {ref(name)} ;"
            f" dcat:mediaType {lit(render.DUMP_TYPES[name].split(';')[0])} ] ;"
        )
    lines[-1] = lines[-1][: -len(" ;")] + " ."
    return ("\n".join(lines) + "\n").encode("utf-8")


def examples_of(store: ox.Store, limit: int = 3) -> list[str]:
    """The entities with the most statements about them: the dataset's example resources."""
    found = store.query(
        """SELECT ?s (COUNT(?st) AS ?n) WHERE {
             ?st <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> ?s }
           GROUP BY ?s ORDER BY DESC(?n) ?s LIMIT """
        + str(limit)
    )
    assert isinstance(found, ox.QuerySolutions)
    return [row[0].value for row in found if row[0] is not None]


def explorer_with_pages(page: bytes, served: bool) -> bytes:
    """The explorer with its link to entity pages switched on."""
    pattern = b"/id/{id}" if served else b"id/{id}/index.html"
    return page.replace(PAGES_MARK, b'<meta name="kg-pages" content="' + pattern + b'">', 1)


@contextmanager
def _whole(out: Path) -> Iterator[Path]:
    """A folder beside `out` to write the site into, moved into place when all is written
    (the old site, if any, removed only then); removed on failure."""
    if out.exists() and (
        not out.is_dir() or (not (out / "void.ttl").is_file() and any(out.iterdir()))
    ):
        raise UsageError(
            f"{out}: not a site `kg site` wrote — give a new or empty folder, or the site's own"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield work
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            if old.exists():
                shutil.rmtree(old)
            os.replace(out, old)
        os.replace(work, out)
        if old is not None:
            shutil.rmtree(old)
    finally:
        if work.exists():
            shutil.rmtree(work)


class _Files:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0
        self.folders: set[Path] = set()

    def write(self, name: str, data: bytes) -> None:
        path = self.root / name
        if path.parent not in self.folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.folders.add(path.parent)
        with open(path, "wb") as f:
            f.write(data)
        self.count += 1


def _write_iris(
    every: list[str], store: ox.Store, schema: Schema, links: render.Links, work: Path
) -> list[str]:
    """Write the description and the page of each IRI of `every`; what each page is."""
    files = _Files(work)
    kinds = []
    for iri in every:
        ident = iri[len(str(ID)) :]
        description = _triples(store, describe.query_for(describe.DESCRIPTION, iri))
        for fmt, suffix in describe.SUFFIXES.items():
            files.write(f"id/{ident}.{suffix}", describe.serialize(description, fmt))
        page = page_of(iri, _triples(store, describe.query_for(describe.PAGE, iri)), schema)
        if isinstance(page, EntityPage):
            files.write(f"id/{ident}/index.html", render.entity_page(page, links.at(2)))
            kinds.append("page")
        elif page is not None:
            files.write(f"id/{ident}/index.html", render.redirect_page(page, links.at(2)))
            kinds.append("redirect")
        else:  # no triple has it as its subject: its description says so, and no page
            raise UsageError(f"{iri}: in the graph but described by no triple")
    return kinds


def write_site(
    build_dir: Path,
    out: Path,
    schema: Schema,
    questions: dict[str, Question],
    endpoint: str | None = None,
    base_url: str | None = None,
    licence: str = LICENCE,
) -> SiteSummary:
    """Write the static site of the graph built in `build_dir` into `out`."""
    store = load_store(build_dir)
    dumps = [name for name, _ in render.DUMPS if (build_dir / name).is_file()]
    explorer = build_dir / "network.html"
    links = render.Links(False, 0, tuple(dumps), False, explorer.is_file())
    every = iris(store)
    classes = 0
    with _whole(out) as work:
        files = _Files(work)
        # the IRIs' pages and descriptions, half of them in a forked helper on a second core
        kinds = in_two(_write_iris, every, len(every) // 2, store, schema, links, work)
        pages, redirects = kinds.count("page"), kinds.count("redirect")
        files.count += 4 * len(every)
        docs = render.class_docs(schema)
        for name, doc in sorted(docs.items()):
            members = members_of(
                _triples(store, describe.query_for(describe.MEMBERS, doc.thing.iri)), schema
            )
            if members:
                files.write(
                    f"class/{name}/index.html", render.class_page(doc, members, links.at(2))
                )
                classes += 1
        names = _triples(store, describe.query_for(describe.NAMES))
        data = index_data(
            _triples(store, describe.query_for(describe.COUNTS)),
            names,
            schema,
            questions,
            len(store),
        )
        files.write("index.html", render.index_page(data, links))
        files.write("ontology/index.html", render.ontology_page(schema, links.at(1)))
        files.write("ontology.ttl", schema.path.read_bytes())
        files.write("search-index.js", search_script(names_index(names, schema)))
        for asset in render.ASSETS:
            files.write(f"assets/{asset}", (render.STATIC / asset).read_bytes())
        if explorer.is_file():
            files.write("network.html", explorer_with_pages(explorer.read_bytes(), served=False))
        for name in dumps:
            files.write(name, (build_dir / name).read_bytes())
        files.write(
            "void.ttl",
            void(
                store,
                len(every),
                data.classes,
                data.sources,
                dumps,
                examples_of(store),
                endpoint,
                base_url,
                licence,
            ),  # fmt: skip
        )
        count = files.count
    return SiteSummary(out, pages, redirects, len(every), classes, count)
