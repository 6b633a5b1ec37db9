"""The graph as Linked Data: `kg site` (a page and a description for every IRI, relative
links, void.ttl, deterministic) and `kg serve`'s content negotiation, which answer from the
same queries and templates (`kg.publish`)."""

from __future__ import annotations

import hashlib
import http.client
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import to_isomorphic

import kg
from kg.errors import UsageError
from kg.namespaces import ID
from kg.outputs.built import load_store
from kg.publish import describe
from kg.publish.site import write_site
from kg.sparql.serve import Limits, Server, start_server
from tests.conftest import MINI, ROOT
from tests.test_html_escaping import HOSTILE, LINK, QUOTE, write_hostile

VOID = "http://rdfs.org/ns/void#"


class _Page(HTMLParser):
    """A page's links, element ids, tags and text."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.main: list[str] = []  # the text inside <main>
        self._in_main = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_main = self._in_main or tag == "main"
        found = dict(attrs)
        for key in ("href", "src"):
            if found.get(key):
                self.links.append(str(found[key]))
        if found.get("id"):
            self.ids.add(str(found["id"]))

    def handle_endtag(self, tag: str) -> None:
        self._in_main = self._in_main and tag != "main"

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_main:
            self.main.append(data)


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text("utf-8"))
    return page


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("publish")
    result, summary = kg.site(root / "site", ROOT / "data", root / "build")
    return {"root": root, "site": root / "site", "build": root / "build", "result": result,
            "summary": summary, "store": load_store(root / "build")}  # fmt: skip


def _iris(store: ox.Store) -> list[str]:
    from kg.publish.site import iris

    return iris(store)


def test_every_iri_of_the_graph_has_a_page_and_a_description(built: dict[str, Any]) -> None:
    site, store = built["site"], built["store"]
    every = _iris(store)
    assert len(every) > 2000 and built["summary"].descriptions == len(every)
    for iri in every:
        ident = iri[len(str(ID)) :]
        assert (site / "id" / ident / "index.html").is_file(), ident
        for suffix in ("ttl", "jsonld", "nt"):
            assert (site / "id" / f"{ident}.{suffix}").is_file(), (ident, suffix)


def test_every_relative_link_of_every_page_resolves(built: dict[str, Any]) -> None:
    site = built["site"]
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 2000
    ids: dict[Path, set[str]] = {}
    checked = 0
    for page in pages:
        if page.name == "network.html":
            continue
        for link in parse(page).links:
            assert not link.startswith(("http:", "https:", "//", "/")), (page, link)
            parts = urlsplit(link)
            if parts.scheme:  # data: in no page; javascript: never
                raise AssertionError((page, link))
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_file(), (page, link)
            if parts.fragment and target.suffix == ".html" and target.name != "network.html":
                if target not in ids:
                    ids[target] = parse(target).ids
                assert parts.fragment in ids[target], (page, link)
            checked += 1
    assert checked > 10_000


def test_each_entity_page_shows_each_of_its_facts_with_its_quotes(built: dict[str, Any]) -> None:
    site, store = built["site"], built["store"]
    rows = store.query(
        """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?st ?s ?exact WHERE { ?st a rdf:Statement ; rdf:subject ?s ;
          prov:wasDerivedFrom/oa:hasSelector/oa:exact ?exact }"""
    )
    facts: dict[str, dict[str, set[str]]] = {}
    for row in rows:
        subject = row["s"].value[len(str(ID)) :]
        st = row["st"].value[len(str(ID)) :]
        facts.setdefault(subject, {}).setdefault(st, set()).add(row["exact"].value)
    assert sum(len(v) for v in facts.values()) > 900
    for subject, statements in facts.items():
        page = parse(site / "id" / subject / "index.html")
        text = "".join(page.text)
        for st, quotes in statements.items():
            assert st in page.ids, (subject, st)
            for quote in quotes:
                assert quote in text, (subject, st, quote)


def test_a_statement_page_sends_the_reader_to_its_fact(built: dict[str, Any]) -> None:
    page = (built["site"] / "id" / "gz-sz-hk-xrl--connects--shenzhen" / "index.html").read_text()
    assert (
        'content="0; url=../../id/gz-sz-hk-xrl/index.html#gz-sz-hk-xrl--connects--shenzhen"' in page
    )


def test_descriptions_parse_back_to_exactly_the_iri_s_triples(built: dict[str, Any]) -> None:
    site, store = built["site"], built["store"]
    for ident in ("gz-sz-hk-xrl", "shenzhen", "gz-sz-hk-xrl--connects--shenzhen"):
        iri = f"{ID}{ident}"
        expected = list(store.query(describe.query_for(describe.DESCRIPTION, iri)))
        assert expected
        want = Graph()
        for t in expected:
            want.parse(data=f"{t} .", format="nt")
        for suffix, fmt in (("ttl", "turtle"), ("jsonld", "json-ld"), ("nt", "nt")):
            got = Graph().parse(site / "id" / f"{ident}.{suffix}", format=fmt)
            assert to_isomorphic(got) == to_isomorphic(want), (ident, suffix)
        ox_format = {"ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD}
        for suffix, rdf_format in ox_format.items():
            parsed = {q.triple for q in ox.parse(path=site / "id" / f"{ident}.{suffix}",
                                                 format=rdf_format)}  # fmt: skip
            assert parsed == set(expected), (ident, suffix)


def test_void_describes_the_dataset_with_dumps_that_exist(built: dict[str, Any]) -> None:
    site, store = built["site"], built["store"]
    void = Graph().parse(site / "void.ttl", format="turtle", publicID=(site / "void.ttl").as_uri())
    dataset = URIRef((site / "void.ttl").as_uri() + "#dataset")
    assert int(void.value(dataset, URIRef(VOID + "triples"))) == len(store)
    assert int(void.value(dataset, URIRef(VOID + "entities"))) == len(_iris(store))
    partitions = {
        str(void.value(p, URIRef(VOID + "class"))): int(void.value(p, URIRef(VOID + "entities")))
        for p in void.objects(dataset, URIRef(VOID + "classPartition"))
    }
    for cls, count in partitions.items():
        counted = store.query(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{cls}> }}")
        assert count == int(next(counted)["n"].value), cls
    assert partitions["https://w3id.org/gba-kg/ontology#City"] == 13
    dumps = list(void.objects(dataset, URIRef(VOID + "dataDump")))
    assert len(dumps) == 4
    for dump in dumps:
        assert Path(unquote(urlsplit(str(dump)).path)).is_file(), dump
    examples = list(void.objects(dataset, URIRef(VOID + "exampleResource")))
    assert examples and all(str(e).startswith(str(ID)) for e in examples)
    license_ = void.value(dataset, URIRef("http://purl.org/dc/terms/license"))
    assert license_ is not None
    sources = list(void.objects(dataset, URIRef("http://purl.org/dc/terms/source")))
    assert URIRef(f"{ID}duite-2020-11-zhang-shuofu-interview") in sources


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_the_same_build_gives_the_same_bytes(built: dict[str, Any]) -> None:
    again = built["root"] / "again"
    result = kg.build(ROOT / "data", built["build"], cache=True)
    write_site(built["build"], again, result.schema, _saved())
    assert _digests(again) == _digests(built["site"])


def _saved() -> dict[str, Any]:
    from kg.sparql.query import saved_questions

    return saved_questions(None)


def test_a_folder_that_is_not_a_site_is_left_alone(built: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    result = kg.build(ROOT / "data", built["build"], cache=True)
    with pytest.raises(UsageError, match="not a site"):
        write_site(built["build"], tmp_path, result.schema, _saved())
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    with pytest.raises(UsageError, match="not a site"):
        write_site(built["build"], tmp_path / "notes.txt", result.schema, _saved())
    assert not [p for p in tmp_path.parent.iterdir() if p.name.startswith(f".{tmp_path.name}.")]


def test_hostile_labels_and_quotes_stay_text(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(MINI, data)
    write_hostile(data)
    kg.site(tmp_path / "site", data, tmp_path / "build")
    for name in ("id/hostile/index.html", "id/shenzhen/index.html", "index.html",
                 "class/City/index.html"):  # fmt: skip
        html = (tmp_path / "site" / name).read_text("utf-8")
        for text in (HOSTILE, LINK, QUOTE, "<img", '<a href="javascript'):
            assert text not in html, (name, text)
        page = parse(tmp_path / "site" / name)
        assert "img" not in page.tags
        assert not [link for link in page.links if "javascript" in link]
        assert [t for t in page.tags if t == "script"] == ["script", "script", "script"]
    text = "".join(parse(tmp_path / "site" / "id" / "hostile" / "index.html").text)
    assert HOSTILE in text and QUOTE in text
    index = (tmp_path / "site" / "search-index.js").read_text("utf-8")
    assert "</script" not in index and "<img" not in index


# --- kg serve: the same pages and descriptions by content negotiation ---------------------


@pytest.fixture(scope="module")
def server(built: dict[str, Any]) -> Any:
    with start_server(built["build"], port=0, limits=Limits(timeout_s=5)) as running:
        yield running


def get(server: Server, path: str, accept: str = "*/*") -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", path, headers={"Accept": accept})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("text/html", "text/html"),
        ("text/turtle", "text/turtle"),
        ("application/n-triples", "application/n-triples"),
        ("application/ld+json", "application/ld+json"),
        ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
        ("text/html;q=0.1, text/turtle;q=0.9", "text/turtle"),
        ("application/*", "application/n-triples"),
        ("text/*;q=0.5, text/turtle", "text/turtle"),
        ("*/*", "text/html"),
        ("", "text/html"),
    ],
)
def test_an_iri_answers_the_format_its_accept_header_prefers(
    server: Server, accept: str, media: str
) -> None:
    status, headers, _ = get(server, "/id/gz-sz-hk-xrl", accept)
    assert status == 200 and headers["content-type"].startswith(media)
    assert headers["vary"] == "Accept"


def test_nothing_acceptable_is_406_and_an_unknown_id_404(server: Server) -> None:
    status, headers, body = get(server, "/id/gz-sz-hk-xrl", "image/png, text/turtle;q=0")
    assert status == 406 and b"text/turtle" in body and headers["vary"] == "Accept"
    status, _, body = get(server, "/id/no-such-thing", "text/html")
    assert status == 404 and b"no entity 'no-such-thing'" in body
    status, _, _ = get(server, "/id/no-such-thing.ttl")
    assert status == 404
    status, _, _ = get(server, "/id/%3Cscript%3E", "text/html")
    assert status == 404


def test_served_descriptions_are_the_site_s_bytes(server: Server, built: dict[str, Any]) -> None:
    site = built["site"]
    for ident in ("gz-sz-hk-xrl", "guangzhou", "duite-2020-11-zhang-shuofu-interview--5438-5453"):
        for accept, suffix in (("text/turtle", "ttl"), ("application/ld+json", "jsonld"),
                               ("application/n-triples", "nt")):  # fmt: skip
            status, _, body = get(server, f"/id/{ident}", accept)
            assert status == 200 and body == (site / "id" / f"{ident}.{suffix}").read_bytes()
            status, _, body = get(server, f"/id/{ident}.{suffix}")
            assert status == 200 and body == (site / "id" / f"{ident}.{suffix}").read_bytes()


def test_served_descriptions_parse_back_with_pyoxigraph(
    server: Server, built: dict[str, Any]
) -> None:
    iri = f"{ID}gz-sz-hk-xrl"
    expected = set(built["store"].query(describe.query_for(describe.DESCRIPTION, iri)))
    formats = [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ]
    for accept, fmt in formats:
        _, _, body = get(server, "/id/gz-sz-hk-xrl", accept)
        assert {q.triple for q in ox.parse(body, format=fmt)} == expected


def test_a_served_page_is_the_site_s_page_with_the_endpoint_s_links(
    server: Server, built: dict[str, Any]
) -> None:
    status, headers, body = get(server, "/id/gz-sz-hk-xrl", "text/html")
    served = _Page()
    served.feed(body.decode())
    static = parse(built["site"] / "id" / "gz-sz-hk-xrl" / "index.html")
    assert "".join(served.main).split() == "".join(static.main).split()
    assert served.ids == static.ids
    assert "/id/guangzhou" in served.links and "../../id/guangzhou/index.html" in static.links
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_a_statement_iri_is_a_303_to_its_fact(server: Server) -> None:
    status, headers, _ = get(server, "/id/gz-sz-hk-xrl--connects--shenzhen", "text/html")
    assert status == 303
    assert headers["location"] == "/id/gz-sz-hk-xrl#gz-sz-hk-xrl--connects--shenzhen"


def test_class_index_ontology_and_search_index_are_served(
    server: Server, built: dict[str, Any]
) -> None:
    status, _, body = get(server, "/class/City", "text/html")
    assert status == 200 and b'href="/id/shenzhen"' in body
    status, _, body = get(server, "/class/NoSuchClass", "text/html")
    assert status == 404
    status, _, body = get(server, "/", "text/html")
    assert status == 200 and b'href="/class/City"' in body and b"/query" in body
    status, headers, body = get(server, "/ontology", "text/html")
    assert status == 200 and b'id="City"' in body and headers["vary"] == "Accept"
    status, _, body = get(server, "/search-index.js")
    assert (
        status == 200 and body.startswith(b"window.GBA_KG_SEARCH = [") and "深圳".encode() in body
    )
    status, _, _ = get(server, "/assets/../app.py")
    assert status == 404
    status, _, body = get(server, "/dumps/graph.nt")
    assert status == 200 and body == (built["build"] / "graph.nt").read_bytes()
