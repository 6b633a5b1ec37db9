"""`kg serve`: the SPARQL 1.1 Protocol, read-only and bounded, tested with a real client."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest
from SPARQLWrapper import CSV, JSON, XML, SPARQLWrapper

import kg
from kg.sparql.serve import Limits, Server, start_server
from tests.conftest import ROOT

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CITIES = "SELECT ?city WHERE { ?city a <https://w3id.org/gba-kg/ontology#City> } ORDER BY ?city"


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build")
    kg.build(ROOT / "data", out, formats=["nt"])
    return out


def _running(server: Server) -> Iterator[Server]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.close()


@pytest.fixture(scope="module")
def server(build_dir: Path) -> Iterator[Server]:
    yield from _running(start_server(build_dir, port=0, limits=Limits(timeout_s=1.5)))


def request(
    server: Server, method: str, path: str, body: bytes | None = None, headers: dict | None = None
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


# --- a real client ----------------------------------------------------------------------------


def _client(server: Server, method: str = "GET") -> SPARQLWrapper:
    client = SPARQLWrapper(server.url)
    client.setMethod(method)
    return client


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_as_json(server: Server, method: str) -> None:
    client = _client(server, method)
    client.setQuery(CITIES)
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    cities = [r["city"]["value"].rsplit("/", 1)[-1] for r in rows]
    assert {"guangzhou", "shenzhen", "zhongshan"} <= set(cities)


def test_sparqlwrapper_xml_csv_and_ask(server: Server) -> None:
    client = _client(server)
    client.setQuery(CITIES)
    client.setReturnFormat(XML)
    xml = client.query().convert()
    assert len(xml.getElementsByTagName("result")) >= 7
    client.setReturnFormat(CSV)
    csv_text = client.query().convert().decode("utf-8")
    assert csv_text.startswith("city\r\n") and "/id/guangzhou\r\n" in csv_text
    client.setQuery("ASK { ?s a <https://w3id.org/gba-kg/ontology#Airport> }")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True


def test_construct_comes_as_turtle(server: Server) -> None:
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"
    status, headers, body = request(
        server, "GET", "/sparql?" + urlencode({"query": query}), headers={"Accept": "text/turtle"}
    )
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    assert body.count(b" .\n") >= 1


def test_saved_questions_are_listed_and_run_with_bound_parameters(server: Server) -> None:
    status, _, body = request(server, "GET", "/queries")
    listing = {q["name"]: q for q in json.loads(body)}
    assert status == 200 and len(listing) >= 15
    assert listing["links-of-place"]["params"][0]["name"] == "place"
    status, _, body = request(server, "GET", "/queries/links-of-place?place=zhongshan&format=json")
    links = [b["link_zh"]["value"] for b in json.loads(body)["results"]["bindings"]]
    assert status == 200 and "深中通道" in links
    hostile = quote('x" } UNION { ?s ?p ?o } #')
    status, _, body = request(server, "GET", f"/queries/facts-from-passage?passage={hostile}")
    assert status == 200 and json.loads(body)["results"]["bindings"] == []
    status, _, body = request(server, "GET", "/queries/links-of-place?city=x")
    assert status == 400 and b"declares no parameter 'city'" in body


def test_the_page_has_a_query_box_and_the_saved_questions(server: Server) -> None:
    status, headers, body = request(server, "GET", "/")
    page = body.decode("utf-8")
    assert status == 200 and "Content-Security-Policy" in page
    assert '<form action="/sparql"' in page and "/queries/metrics?format=json" in page
    assert "&lt;https://w3id.org/gba-kg/ontology#City&gt;" in page  # the example, escaped


def test_cors_for_browser_clients(server: Server) -> None:
    status, headers, _ = request(server, "OPTIONS", "/sparql")
    assert status == 204 and "POST" in headers["access-control-allow-methods"]
    status, headers, _ = request(server, "GET", "/sparql?" + urlencode({"query": CITIES}))
    assert headers["access-control-allow-origin"] == "*"


# --- the W3C SPARQL 1.1 protocol negative cases: 4xx, never 5xx ---------------------------------

ASK = "ASK {}"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
NEGATIVE = {
    "bad_query_method": ("PUT", "/sparql?query=" + quote(ASK), None, {}, 405),
    "bad_multiple_queries": (
        "GET", "/sparql?" + urlencode([("query", ASK), ("query", "SELECT * {}")]), None, {}, 400,
    ),
    "bad_query_wrong_media_type": (
        "POST", "/sparql", ASK.encode(), {"Content-Type": "text/plain"}, 415,
    ),
    "bad_query_missing_form_type": ("POST", "/sparql", b"query=ASK%20%7B%7D", {}, 400),
    "bad_query_missing_direct_type": ("POST", "/sparql", ASK.encode(), {}, 400),
    "bad_query_non_utf8": (
        "POST", "/sparql", ASK.encode("utf-16"),
        {"Content-Type": "application/sparql-query; charset=UTF-16"}, 400,
    ),
    "bad_query_syntax": ("GET", "/sparql?query=" + quote("ASK {"), None, {}, 400),
    "bad_update_get": ("GET", "/sparql?update=" + quote("CLEAR ALL"), None, {}, 403),
    "bad_multiple_updates": (
        "POST", "/sparql", urlencode([("update", "CLEAR NAMED"), ("update", "CLEAR DEFAULT")])
        .encode(), FORM, 403,
    ),
    "bad_update_wrong_media": (
        "POST", "/sparql", b"CLEAR NAMED", {"Content-Type": "text/plain"}, 415,
    ),
    "bad_update_missing_form_type": ("POST", "/sparql", b"update=CLEAR%20NAMED", {}, 400),
    "bad_update_direct": (
        "POST", "/sparql", b"CLEAR ALL", {"Content-Type": "application/sparql-update"}, 403,
    ),
    "bad_update_syntax": ("POST", "/sparql", b"update=CLEAR%20XYZ", FORM, 403),
    "bad_update_dataset_conflict": (
        "POST", "/sparql",
        b"using-graph-uri=http%3A%2F%2Fx&update=CLEAR%20ALL", FORM, 403,
    ),
    "update_as_query": ("GET", "/sparql?query=" + quote("INSERT DATA { <a:a> <a:b> <a:c> }"),
                        None, {}, 403),
    "graph_store_put": ("PUT", "/sparql?graph=" + quote("http://x"), b"<a:a> <a:b> <a:c> .",
                        {"Content-Type": "application/n-triples"}, 405),
    "graph_store_delete": ("DELETE", "/sparql?default", None, {}, 405),
    "service": ("GET", "/sparql?query=" + quote("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }"),
                None, {}, 400),
    "from": ("GET", "/sparql?query=" + quote("SELECT * FROM <http://x/> { ?s ?p ?o }"),
             None, {}, 400),
    "from_named": ("GET", "/sparql?query=" + quote("SELECT * FROM NAMED <http://x/> { }"),
                   None, {}, 400),
    "dataset_params": ("GET", "/sparql?" + urlencode({"query": ASK, "default-graph-uri": "x:y"}),
                       None, {}, 400),
    "no_query": ("GET", "/sparql", None, {}, 400),
    "unknown_page": ("GET", "/nope", None, {}, 404),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(NEGATIVE))
def test_protocol_negative_cases_get_4xx(server: Server, name: str) -> None:
    method, path, body, headers, expected = NEGATIVE[name]
    status, _, text = request(server, method, path, body, headers)
    assert status == expected, text
    assert text  # every refusal says why


# --- bounds -------------------------------------------------------------------------------------


def test_a_slow_query_is_killed_at_the_deadline_while_a_cheap_one_stays_fast(
    server: Server,
) -> None:
    with ThreadPoolExecutor(2) as pool:
        slow = pool.submit(request, server, "GET", "/sparql?" + urlencode({"query": SLOW}))
        time.sleep(0.2)
        status, _, _ = request(server, "GET", "/sparql?" + urlencode({"query": CITIES}))
        answered_while_slow_ran = not slow.done()
        slow_status, _, slow_body = slow.result()
    assert status == 200 and answered_while_slow_ran
    assert slow_status == 503 and b"1.5 s time limit" in slow_body
    deadline = time.time() + 30  # the killed worker is replaced by a fresh one
    while server.endpoint.pool.idle.qsize() < 2 and time.time() < deadline:
        time.sleep(0.1)
    assert server.endpoint.pool.idle.qsize() == 2
    assert request(server, "GET", "/sparql?" + urlencode({"query": ASK}))[0] == 200


def test_too_big_and_too_deep_queries_are_refused(server: Server) -> None:
    deep = "SELECT * WHERE " + "{ " * 40 + "}" * 40
    status, _, body = request(server, "GET", "/sparql?" + urlencode({"query": deep}))
    assert status == 400 and b"nested 40 deep; the limit is 32" in body
    huge = ("# " + "x" * 70_000 + "\nASK {}").encode()
    headers = {"Content-Type": "application/sparql-query"}
    status, _, _ = request(server, "POST", "/sparql", huge, headers)
    assert status == 413


def test_row_and_byte_caps_cut_the_answer_and_say_so(build_dir: Path) -> None:
    limits = Limits(max_rows=5, max_bytes=2048)
    for server in _running(start_server(build_dir, port=0, limits=limits)):
        query = urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"})
        status, headers, body = request(server, "GET", f"/sparql?{query}")
        assert status == 200 and headers["x-kg-truncated"] == "rows"
        assert len(json.loads(body)["results"]["bindings"]) == 5
        query = urlencode({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 4", "format": "json"})
        big = urlencode({"query": "SELECT ?o WHERE { ?s ?p ?o . FILTER(STRLEN(STR(?o)) > 40) }"})
        status, headers, body = request(server, "GET", f"/sparql?{big}")
        assert status == 200 and headers["x-kg-truncated"] in ("rows", "bytes")
        assert len(body) <= 2048 and "results" in json.loads(body)
        status, headers, _ = request(server, "GET", f"/sparql?{query}")
        assert status == 200 and "x-kg-truncated" not in headers


def test_kg_serve_without_a_built_graph_says_so(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kg.cli import main

    result = CliRunner().invoke(main, ["serve", "--build", str(tmp_path), "--port", "0"])
    assert result.exit_code == 2
    assert "no built graph" in result.stderr and "run `kg build` first" in result.stderr
