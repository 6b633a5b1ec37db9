"""`kg serve`: the SPARQL 1.1 Protocol, read-only and bounded, tested with real clients
(SPARQLWrapper, http.client, raw sockets) and the W3C SPARQL 1.1 syntax tests."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
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
    kg.build(ROOT / "data", out, formats=["nt", "html"])
    return out


def _running(server: Server) -> Iterator[Server]:
    with server:
        yield server


@pytest.fixture(scope="module")
def server(build_dir: Path) -> Iterator[Server]:
    limits = Limits(timeout_s=1.5, header_timeout_s=1.0, body_timeout_s=1.0)
    yield from _running(start_server(build_dir, port=0, limits=limits))


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


def test_the_front_page_is_the_index_and_leads_to_the_editor(server: Server) -> None:
    status, headers, body = request(server, "GET", "/")
    page = body.decode("utf-8")
    assert status == 200 and "script-src 'self'" in headers["content-security-policy"]
    assert 'href="/query"' in page and 'href="/class/City"' in page and "metrics" in page
    status, headers, body = request(server, "GET", "/query")
    assert status == 200 and "script-src 'self'" in headers["content-security-policy"]


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
    _wait_for_workers(server)
    assert request(server, "GET", "/sparql?" + urlencode({"query": ASK}))[0] == 200


def _wait_for_workers(server: Server) -> None:
    """Until every worker process (replacements included) holds the graph again."""
    pool = server.endpoint.pool
    full = pool.limits.workers + pool.limits.reserved + pool.limits.spare
    deadline = time.time() + 60
    while time.time() < deadline:
        if len(pool.procs) == full and all(w.ready for w in pool.procs):
            return
        time.sleep(0.05)
    raise AssertionError(f"{len(pool.procs)} of {full} workers after 60 s")


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


# --- hostile queries: every one answered, no worker lost ----------------------------------------

TRIPLE_TERM = "SELECT ?t WHERE { BIND(<<( <http://a> <http://b> <http://c> )>> AS ?t) }"
HOSTILE = {
    "bangs": ("!" * 10_000, 400, b"the limit is 32"),
    "brackets": ("ASK { ?s ?p " + "[ <p> " * 700 + "]" * 700 + " }", 400, b"the limit is 32"),
    "param_header": ("# param: x\nASK {}", 400, b"query:1:"),
    "undeclared_prefix": ("SELECT * WHERE { ?s nope:p ?o }", 400, b"'nope:'"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_queries_get_a_4xx_with_a_reason(server: Server, name: str) -> None:
    query, expected, reason = HOSTILE[name]
    status, _, body = request(server, "POST", "/sparql", query.encode(), QUERY_TYPE)
    assert status == expected and reason in body, body[:300]
    assert request(server, "GET", "/sparql?" + urlencode({"query": ASK}))[0] == 200


QUERY_TYPE = {"Content-Type": "application/sparql-query"}


def test_triple_terms_come_in_every_results_format(server: Server) -> None:
    path = "/sparql?" + urlencode({"query": TRIPLE_TERM})
    status, _, body = request(server, "GET", path, headers={"Accept": "application/json"})
    term = json.loads(body)["results"]["bindings"][0]["t"]
    assert status == 200 and term["type"] == "triple"
    assert term["value"]["predicate"] == {"type": "uri", "value": "http://b"}
    for fmt, expected in [
        ("xml", b"<triple><subject><uri>http://a</uri></subject>"),
        ("csv", b"<<( <http://a> <http://b> <http://c> )>>"),
        ("tsv", b"<<( <http://a> <http://b> <http://c> )>>"),
    ]:
        status, _, body = request(server, "GET", f"{path}&format={fmt}")
        assert status == 200 and expected in body, (fmt, body)


def test_a_worker_killed_mid_query_is_replaced_and_the_query_answered(server: Server) -> None:
    pool = server.endpoint.pool
    _wait_for_workers(server)
    with ThreadPoolExecutor(1) as executor:
        slow = executor.submit(request, server, "GET", "/sparql?" + urlencode({"query": SLOW}))
        deadline = time.time() + 10
        while not any(w.job for w in pool.procs) and time.time() < deadline:
            time.sleep(0.01)
        busy = next(w for w in pool.procs if w.job)
        os.kill(busy.process.pid, signal.SIGKILL)
        status, _, body = slow.result()
    assert status == 500 and b"query engine stopped on this query (signal 9)" in body
    _wait_for_workers(server)
    assert busy.process.returncode == -signal.SIGKILL  # reaped: not a zombie
    assert request(server, "GET", "/sparql?" + urlencode({"query": ASK}))[0] == 200


def test_short_queries_are_answered_while_heavy_ones_fill_every_slot(build_dir: Path) -> None:
    """4 × workers clients send a heavy query again and again; each `ASK {}` sent meanwhile
    is answered 200 while heavy queries are still running, never queued behind them."""
    limits = Limits(timeout_s=6.0, workers=2, short_s=0.3)
    with start_server(build_dir, port=0, limits=limits) as server:
        stop = threading.Event()

        def heavy() -> list[int]:
            statuses = []
            while not stop.is_set():
                statuses.append(request(server, "POST", "/sparql", SLOW.encode(), QUERY_TYPE)[0])
            return statuses

        with ThreadPoolExecutor(8) as executor:
            heavies = [executor.submit(heavy) for _ in range(8)]
            time.sleep(1.0)  # the heavy query is known to be heavy by now
            answered = []
            for _ in range(5):
                running = sum(1 for w in server.endpoint.pool.procs if w.job and w.job.heavy)
                status, _, body = request(server, "GET", "/sparql?" + urlencode({"query": ASK}))
                answered.append((status, running, body[:120]))
                time.sleep(0.2)
            stop.set()
            heavy_statuses = [s for f in heavies for s in f.result()]
    assert [s for s, _, _ in answered] == [200] * 5, answered
    running = [r for _, r, _ in answered]  # heavy queries running as each ASK was sent
    assert min(running) >= 1 and max(running) == 2, running
    assert set(heavy_statuses) <= {503}  # heavy ones hit the 6 s deadline, or waited


# --- HTTP: malformed, slow and oversized requests, on raw sockets -------------------------------


def raw(server: Server, data: bytes, *, pause: float = 0.0, rest: bytes = b"") -> bytes:
    """Send `data` (then `rest` after `pause` s) on a new connection; all the server sent."""
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(data)
        if pause:
            time.sleep(pause)
        if rest:
            with contextlib.suppress(OSError):
                sock.sendall(rest)
        chunks = []
        with contextlib.suppress(TimeoutError, ConnectionResetError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    return b"".join(chunks)


def status_of(response: bytes) -> int:
    assert response.startswith(b"HTTP/1.1 "), response[:100]
    return int(response[9:12])


GET_ASK = b"GET /sparql?query=ASK%20%7B%7D HTTP/1.1\r\nHost: x\r\n"
POST = b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"


@pytest.mark.parametrize(
    ("request_bytes", "expected"),
    [
        (POST + b"Content-Length: abc\r\n\r\nASK {}", 400),
        (POST + b"Content-Length: -1\r\n\r\nASK {}", 400),
        (POST + b"Content-Length: 6\r\nContent-Length: 7\r\n\r\nASK {}", 400),
        (POST + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nASK {}\r\n0\r\n\r\n", 400),
        (b"GARBAGE\r\n\r\n", 400),
        (POST + b"Content-Length: 999999999\r\n\r\n", 413),
        (GET_ASK + b"X-Big: " + b"a" * 40_000 + b"\r\n\r\n", 431),
    ],
    ids=["length-abc", "length-negative", "length-twice", "bad-chunk", "garbage", "too-long",
         "headers-too-big"],
)  # fmt: skip
def test_malformed_requests_are_answered_not_dropped(
    server: Server, request_bytes: bytes, expected: int
) -> None:
    assert status_of(raw(server, request_bytes)) == expected


def test_chunked_bodies_are_read_and_capped(server: Server) -> None:
    body = b"ASK {}"
    chunked = POST + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    ok = raw(server, chunked + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
    assert status_of(ok) == 200 and b'"boolean": true' in ok
    big = b"#" + b"x" * 70_000 + b"\n"
    too_big = raw(server, chunked + b"%x\r\n%s\r\n0\r\n\r\n" % (len(big), big))
    assert status_of(too_big) == 413


def test_slow_clients_get_408_and_lose_the_connection(server: Server) -> None:
    """The server's header and body timeouts are 1 s here: a client that sends part of a
    request and stops is answered 408 and disconnected, not held forever."""
    started = time.monotonic()
    assert status_of(raw(server, b"GET /sparql?query=ASK HTTP/1.1\r\nHost:")) == 408
    assert status_of(raw(server, POST + b"Content-Length: 20\r\n\r\nASK")) == 408
    assert time.monotonic() - started < 8  # both were cut, neither waited for the client
    assert raw(server, b"") == b""  # a connection that never sends a request is just closed


def test_keep_alive_serves_many_requests_on_one_connection(server: Server) -> None:
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    for _ in range(50):
        conn.request("GET", "/sparql?" + urlencode({"query": ASK}))
        response = conn.getresponse()
        assert response.status == 200 and response.read()
    assert conn.sock is not None  # the same connection all along
    conn.close()


def test_many_clients_connecting_at_once_are_all_answered(server: Server) -> None:
    parts = urlsplit(server.url)
    sockets = [socket.create_connection((parts.hostname, parts.port)) for _ in range(150)]
    try:
        for sock in sockets:
            sock.sendall(GET_ASK + b"Connection: close\r\n\r\n")
        statuses = []
        for sock in sockets:
            sock.settimeout(30)
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
            statuses.append(status_of(data))
    finally:
        for sock in sockets:
            sock.close()
    assert set(statuses) <= {200, 503} and statuses.count(200) >= 100


# --- the W3C SPARQL 1.1 syntax tests ------------------------------------------------------------

W3C = ROOT / "tests" / "fixtures" / "w3c-sparql11"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"


def _w3c_cases() -> list[tuple[str, str, Path]]:
    from rdflib import Graph, URIRef
    from rdflib.collection import Collection

    cases = []
    for folder in ("syntax-query", "syntax-update-1"):
        manifest = (W3C / folder / "manifest.ttl").resolve()
        graph = Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
        head = next(graph.objects(None, URIRef(MF + "entries")))
        for entry in Collection(graph, head):
            kind = str(
                graph.value(entry, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"))
            )
            action = Path(str(graph.value(entry, URIRef(MF + "action"))).removeprefix("file://"))
            cases.append((f"{folder}/{action.name}", kind.rsplit("#", 1)[-1], action))
    return cases


W3C_CASES = _w3c_cases()
ENGINE_LIMITS = {"syntax-select-expr-04.rq": b"custom function <http://example/function> is not"}


@pytest.mark.parametrize(("name", "kind", "path"), W3C_CASES, ids=[c[0] for c in W3C_CASES])
def test_w3c_syntax_tests(server: Server, name: str, kind: str, path: Path) -> None:
    from kg.sparql.text import refusal

    text = path.read_bytes()
    status, _, body = request(server, "POST", "/sparql", text, QUERY_TYPE)
    if "Update" in kind:  # updates, valid or not, are never run
        assert 400 <= status < 500, body
    elif kind.startswith("Negative"):
        assert status == 400, body
    elif refusal(text.decode("utf-8")) is not None:  # valid, but FROM / SERVICE: refused
        assert status == 400 and b"not allowed" in body, body
    elif path.name in ENGINE_LIMITS:  # valid, but pyoxigraph cannot run it: says so in 400
        assert status == 400 and ENGINE_LIMITS[path.name] in body, body
    else:
        assert status == 200, body


# --- the process: signals, shutdown, no leftovers -----------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_answers_the_queries_in_flight_and_leaves_no_process(
    build_dir: Path, sig: int
) -> None:
    """SIGTERM from a service manager, SIGINT from Ctrl-C: the same clean stop."""
    import subprocess
    import sys

    command = [sys.executable, "-c", "from kg.cli import main; main()", "serve",
               "--build", str(build_dir), "--port", "0", "--timeout", "3"]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert server.stdout is not None
    line = server.stdout.readline()
    url = line.split("SPARQL ")[1].split()[0]
    parts = urlsplit(url)
    workers = _children(server.pid)
    assert len(workers) == 5

    def ask(query: str) -> int:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        conn.request("GET", "/sparql?" + urlencode({"query": query}))
        status = conn.getresponse().status
        conn.close()
        return status

    with ThreadPoolExecutor(2) as executor:
        slow = executor.submit(ask, SLOW)
        time.sleep(0.5)
        server.send_signal(sig)
        assert slow.result() == 503  # answered (at its 3 s deadline), not dropped
    out, err = server.communicate(timeout=30)
    assert server.returncode == 0 and "stopped" in out
    assert "Traceback" not in err
    assert all(not Path(f"/proc/{pid}").exists() for pid in workers)


def _children(pid: int) -> list[int]:
    deadline = time.time() + 30
    while time.time() < deadline:
        found = [
            int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _parent(p) == pid
        ]
        if found:
            return found
        time.sleep(0.1)
    return []


def _parent(proc: Path) -> int:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def test_a_busy_port_is_one_line_and_exit_2(build_dir: Path) -> None:
    from click.testing import CliRunner

    from kg.cli import main

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--build", str(build_dir), "--port", str(port)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"kg serve: cannot listen on 127.0.0.1:{port}: Address already in use — choose "
        "another --port, or stop the program that uses it\n"
    )


def test_a_repeated_get_is_answered_from_the_kept_answers(server: Server) -> None:
    kept = server.endpoint.answers
    path = "/sparql?" + urlencode({"query": CITIES + " # kept"})
    first = request(server, "GET", path)
    assert first[0] == 200 and len(kept.kept) >= 1
    runs = server.endpoint.pool.runs
    second = request(server, "GET", path)
    assert second[0] == 200 and second[2] == first[2]
    assert server.endpoint.pool.runs == runs  # no worker ran it again
    # an Accept header is part of what is kept: XML is its own answer
    xml = request(server, "GET", path, headers={"Accept": "application/sparql-results+xml"})
    assert xml[0] == 200 and xml[2].startswith(b"<?xml")


# --- Linked Data: the graph's IRIs answer, by content negotiation ----------------------------

GBR = "https://w3id.org/gba-kg/id/"


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [("text/turtle", "turtle"), ("application/n-triples", "nt"),
     ("application/ld+json;q=0.9, text/html;q=0.1", "json-ld")],
)  # fmt: skip
def test_an_entity_iri_answers_its_description_in_the_format_asked(
    server: Server, accept: str, fmt: str
) -> None:
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import RDFS

    status, headers, body = request(server, "GET", "/id/gz-sz-hk-xrl", headers={"Accept": accept})
    assert status == 200 and headers["vary"] == "Accept"
    graph = Graph().parse(data=body, format=fmt)
    link = URIRef(GBR + "gz-sz-hk-xrl")
    assert (link, RDFS.label, Literal("广深港高铁", lang="zh")) in graph
    assert (
        link,
        URIRef("https://w3id.org/gba-kg/ontology#connects"),
        URIRef(GBR + "shenzhen"),
    ) in graph
    # the evidence comes with it: the quote, verbatim, and where it is in the source
    exact = {str(o) for o in graph.objects(None, URIRef("http://www.w3.org/ns/oa#exact"))}
    assert "广深港高铁、穗莞深城际建成通车" in exact


def test_an_entity_iri_gives_a_browser_its_page_and_refuses_what_it_cannot_give(
    server: Server,
) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    status, headers, page = request(server, "GET", "/id/shenzhen", headers={"Accept": browser})
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "深圳".encode() in page and b'href="/network.html#id=shenzhen"' in page
    status, headers, page = request(server, "GET", "/network.html")
    assert status == 200 and b"Content-Security-Policy" in page
    assert b'<meta name="kg-pages" content="/id/{id}">' in page
    status, headers, body = request(server, "GET", "/id/shenzhen", headers={"Accept": "image/png"})
    assert status == 406 and b"text/turtle" in body and headers["vary"] == "Accept"
    status, _, body = request(
        server, "GET", "/id/no-such-entity", headers={"Accept": "text/turtle"}
    )
    assert status == 404 and b"no entity 'no-such-entity'" in body
    status, _, _ = request(server, "GET", "/id/%3Cscript%3E", headers={"Accept": "text/turtle"})
    assert status == 404


def test_the_ontology_iri_answers_the_ontology(server: Server) -> None:
    from rdflib import Graph, URIRef
    from rdflib.namespace import OWL, RDF

    status, _, body = request(server, "GET", "/ontology", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=body, format="turtle")
    city = URIRef("https://w3id.org/gba-kg/ontology#City")
    assert status == 200 and (city, RDF.type, OWL.Class) in graph
