"""`kg push` against a real Oxigraph server that the test starts itself."""

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


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An Oxigraph server on a free port; yields its base URL."""
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
        yield base
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build")
    kg.build(ROOT / "data", out, formats=["nt"])
    return out


def _remote_rows(base: str, query: str) -> list[dict[str, str]]:
    url = base + "/query?" + urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        bindings = json.loads(response.read())["results"]["bindings"]
    return [{k: v["value"] for k, v in b.items()} for b in bindings]


def _count(base: str) -> int:
    rows = _remote_rows(
        base, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{DEFAULT_GRAPH}> {{ ?s ?p ?o }} }}"
    )
    return int(rows[0]["n"])


def test_push_replaces_the_graph_and_pushing_twice_doubles_nothing(
    store: str, build_dir: Path
) -> None:
    first = push_graph(build_dir, store + "/store")
    assert first.is_complete and first.local_triples > 3000
    assert _count(store) == first.local_triples
    second = push_graph(build_dir, store + "/store")
    assert second.remote_triples == first.local_triples == _count(store)


def test_the_store_answers_a_saved_question_as_the_local_build_does(
    store: str, build_dir: Path
) -> None:
    push_graph(build_dir, store + "/store")
    question = (ROOT / "queries" / "transport-links.rq").read_text(encoding="utf-8")
    local = kg.query("transport-links", build_dir=build_dir)
    local_rows = [
        {v: t.value for v, t in zip(local.variables, row, strict=True) if t is not None}
        for row in local.rows
    ]
    assert _unordered(_remote_rows(store, question)) == _unordered(local_rows)


def _unordered(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """GROUP_CONCAT's order is up to each engine: compare its parts as sorted lists."""
    return [{k: "、".join(sorted(v.split("、"))) for k, v in row.items()} for row in rows]


def test_kg_push_says_what_it_pushed_and_what_the_store_holds(store: str, build_dir: Path) -> None:
    result = CliRunner().invoke(main, ["push", store + "/store", "--build", str(build_dir)])
    assert result.exit_code == 0, result.stderr
    n = _count(store)
    assert result.stdout == (
        f"pushed {n} triples to graph <{DEFAULT_GRAPH}> at {store}/store\n"
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
