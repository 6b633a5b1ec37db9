"""`kg push` against two real stores that the tests start themselves: an Oxigraph server
(from the PyPI package `oxigraph`) and Virtuoso (Debian's `virtuoso-opensource-7-bin`, the
engine behind DBpedia's endpoint), whose Graph Store endpoint asks for Digest authentication."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner

import kg
from kg.cli import main
from kg.errors import PushError
from kg.sparql.push import DEFAULT_GRAPH, Auth, push_graph
from tests.conftest import ROOT


def _oxigraph() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(found).is_file():
        pytest.skip(
            "SKIPPED LOUDLY: the `oxigraph` server is not installed — `make setup` installs it "
            "from PyPI (dev dependency `oxigraph`); push tests need a real store"
        )
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Store:
    """A running store: its Graph Store endpoint, its SPARQL query endpoint, and the
    `kg push` options that log in to it."""

    gsp: str
    query: str
    login: tuple[str, ...] = ()
    list_mark: str = "\u3001"  # what GROUP_CONCAT's separator 、 comes back as

    @property
    def auth(self) -> Auth:
        return Auth(*self.login[1::2]) if self.login else Auth()


def _wait_for(url: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"the store stopped (exit {process.returncode})")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the store did not answer {url} within {seconds:.0f} s")


def _virtuoso() -> str:
    found = shutil.which("virtuoso-t")
    if found is None:
        pytest.skip(
            "SKIPPED LOUDLY: Virtuoso is not installed — `make stores` installs Debian's "
            "virtuoso-opensource-7-bin; the Digest push tests need a real Virtuoso"
        )
    return found


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A Virtuoso with a new database in a temporary folder, from tests/stores/virtuoso.ini."""
    binary = _virtuoso()
    folder = tmp_path_factory.mktemp("virtuoso")
    http_port, sql_port = _free_port(), _free_port()
    template = (ROOT / "tests" / "stores" / "virtuoso.ini").read_text(encoding="utf-8")
    ini = folder / "virtuoso.ini"
    ini.write_text(
        template.format(dir=folder, sql_port=sql_port, http_port=http_port), encoding="utf-8"
    )
    process = subprocess.Popen(
        [binary, "+foreground", "+configfile", str(ini)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{http_port}"
    try:
        _wait_for(base + "/sparql?query=ASK%7B%7D", process, 180)  # a new database: ~20 s
        # Virtuoso 7.2 writes a GROUP_CONCAT separator beyond Latin-1 as '?' (CONCAT keeps it)
        login = ("--user", "dba", "--password", "dba")
        yield Store(base + "/sparql-graph-crud-auth", base + "/sparql", login, list_mark="?")
    finally:
        process.terminate()
        process.wait(60)


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def store(request: pytest.FixtureRequest) -> Store:
    found: Store = request.getfixturevalue(request.param)
    return found


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """An Oxigraph server on a free port."""
    port = _free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    process = subprocess.Popen(
        [_oxigraph(), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
         "--union-default-graph"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        yield Store(base + "/store", base + "/query")
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build")
    kg.build(ROOT / "data", out, formats=["nt"])
    return out


def _remote_rows(store: Store, query: str) -> list[dict[str, str]]:
    # POSTed as SPARQL 1.1 Protocol allows, with its charset: Virtuoso reads the characters
    # of a query in the URL as Latin-1 (the separator 、 of GROUP_CONCAT came back as ?)
    request = urllib.request.Request(
        store.query,
        data=urlencode({"query": query}).encode("ascii"),
        headers={
            "Accept": "application/sparql-results+json",
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        bindings = json.loads(response.read())["results"]["bindings"]
    return [{k: v["value"] for k, v in b.items()} for b in bindings]


def _count(store: Store) -> int:
    rows = _remote_rows(
        store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{DEFAULT_GRAPH}> {{ ?s ?p ?o }} }}"
    )
    return int(rows[0]["n"])


def test_push_replaces_the_graph_and_pushing_twice_doubles_nothing(
    store: Store, build_dir: Path
) -> None:
    first = push_graph(build_dir, store.gsp, auth=store.auth)
    assert first.is_complete and first.local_triples > 3000
    assert _count(store) == first.local_triples
    second = push_graph(build_dir, store.gsp, auth=store.auth)
    assert second.remote_triples == first.local_triples == _count(store)


def test_the_store_answers_a_saved_question_as_the_local_build_does(
    store: Store, build_dir: Path
) -> None:
    push_graph(build_dir, store.gsp, auth=store.auth)
    question = (ROOT / "queries" / "transport-links.rq").read_text(encoding="utf-8")
    local = kg.query("transport-links", build_dir=build_dir)
    local_rows = [
        {v: t.value for v, t in zip(local.variables, row, strict=True) if t is not None}
        for row in local.rows
    ]
    remote = _unordered(_remote_rows(store, question), store.list_mark)
    assert remote == _unordered(local_rows, "\u3001")


def _unordered(rows: list[dict[str, str]], mark: str) -> list[dict[str, str]]:
    """GROUP_CONCAT's order is up to each engine: compare its parts (split at `mark`, the
    separator as the store wrote it) as sorted lists."""
    return [{k: "\u3001".join(sorted(v.split(mark))) for k, v in row.items()} for row in rows]


def test_kg_push_says_what_it_pushed_and_what_the_store_holds(
    store: Store, build_dir: Path
) -> None:
    args = ["push", store.gsp, "--build", str(build_dir), *store.login]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.stderr
    n = _count(store)
    assert result.stdout == (
        f"pushed {n} triples to graph <{DEFAULT_GRAPH}> at {store.gsp}\n"
        f"the store holds {n} triples there: same as the build\n"
    )


def test_a_store_that_is_not_there(build_dir: Path) -> None:
    port = _free_port()
    result = CliRunner().invoke(main, ["push", f"http://127.0.0.1:{port}/store", "--build",
                                       str(build_dir)])  # fmt: skip
    assert result.exit_code == 3
    assert "cannot reach" in result.stderr and "Connection refused" in result.stderr


class _Refusing(BaseHTTPRequestHandler):
    def do_PUT(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        seen.append(self.headers.get("Authorization", ""))
        self.send_response(401)
        self.send_header("Content-Length", "13")
        self.end_headers()
        self.wfile.write(b"login needed\n")

    def log_message(self, *args: object) -> None:
        pass


seen: list[str] = []


def test_a_store_that_refuses_says_why_and_sends_the_credentials(build_dir: Path) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Refusing)
    threading.Thread(target=server.handle_request, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/store"
    with pytest.raises(PushError) as info:
        push_graph(build_dir, url, auth=Auth(token="s3cret"))
    server.server_close()
    assert "HTTP 401" in str(info.value) and "check --user/--password or --token" in str(info.value)
    assert "login needed" in str(info.value)
    assert seen == ["Bearer s3cret"]


def test_not_an_http_url(build_dir: Path) -> None:
    with pytest.raises(PushError, match="not an http"):
        push_graph(build_dir, "file:///etc/passwd")


def test_a_wrong_password_is_refused_by_virtuoso(virtuoso: Store, build_dir: Path) -> None:
    args = ["push", virtuoso.gsp, "--build", str(build_dir), "--user", "dba", "--password", "x"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 3
    # Virtuoso refuses with 401, or closes the connection while the graph is being sent
    assert "check --user/--password" in result.stderr, result.stderr


class _BasicStore(BaseHTTPRequestHandler):
    """A store that asks for Basic credentials and holds one graph in memory."""

    graph = b""

    def _allowed(self) -> bool:
        if self.headers.get("Authorization") == "Basic " + _b64("kg:pw"):
            return True
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="store"')
        self.send_header("Content-Length", "0")
        self.end_headers()
        return False

    def do_HEAD(self) -> None:  # noqa: N802
        self._allowed()

    def do_PUT(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self._allowed():
            type(self).graph = body
            self.send_response(204)
            self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        if self._allowed():
            self.send_response(200)
            self.send_header("Content-Length", str(len(self.graph)))
            self.end_headers()
            self.wfile.write(self.graph)

    def log_message(self, *args: object) -> None:
        pass


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode("ascii")


def test_a_basic_challenge_is_answered_with_the_user(build_dir: Path) -> None:
    server = HTTPServer(("127.0.0.1", 0), _BasicStore)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/store"
    try:
        report = push_graph(build_dir, url, auth=Auth("kg", "pw"))
        assert report.is_complete and report.remote_triples > 3000
        with pytest.raises(PushError, match="HTTP 401"):
            push_graph(build_dir, url, auth=Auth("kg", "wrong"))
    finally:
        server.shutdown()
        server.server_close()
