"""`kg serve`: a read-only, bounded SPARQL 1.1 Protocol endpoint over the built graph.

Queries run in worker processes (each holds the graph in a pyoxigraph store); a query that
passes its deadline has its worker killed and replaced, because a Python thread cannot be
stopped. Updates, Graph Store writes, `SERVICE` and `FROM`/`FROM NAMED` are refused with 4xx
before any engine sees them; rows and bytes are capped, and a cut answer says so in the
`X-Kg-Truncated` header. Saved questions are served at `/queries/NAME` with their parameters
bound as RDF terms, as `kg query` does.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import queue
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape

from kg.errors import QueryError
from kg.pipeline.questions import Question, parse_question
from kg.sparql.query import load_store, run_question, saved_questions
from kg.sparql.results import GRAPH_FORMATS, RESULT_FORMATS, Answer
from kg.sparql.text import MAX_DEPTH, refusal, shape_of


@dataclass(frozen=True)
class Limits:
    """Every bound of the endpoint; the CLI options set them."""

    timeout_s: float = 10.0  # a query's wall-clock deadline; its worker is killed after it
    max_rows: int = 10_000  # rows (or triples) per answer; more are cut and flagged
    max_bytes: int = 16 * 1024 * 1024  # bytes per answer body; more are cut and flagged
    max_query_bytes: int = 64 * 1024  # size of the query text (and of a request body)
    max_depth: int = MAX_DEPTH  # nesting of brackets and path operators in the query
    workers: int = 2  # worker processes: this many queries run at once
    queue_wait_s: float = 5.0  # how long a request waits for a free worker before a 503


# --- worker processes ---------------------------------------------------------------------------


def _worker_main(conn: Connection, build_dir: str) -> None:
    """Load the graph once, then answer (question, values, format, limits) requests."""
    store = load_store(build_dir)
    conn.send(("ready",))
    while True:
        try:
            question, values, fmt, limits = conn.recv()
        except EOFError:
            return
        try:
            answer = run_question(store, question, values, max_rows=limits.max_rows)
            conn.send(("ok", *_encode(answer, fmt, limits)))
        except QueryError as exc:
            conn.send(("error", str(exc)))


def _encode(answer: Answer, fmt: str, limits: Limits) -> tuple[str, bytes, str]:
    """Media type, body and truncation flag ('' when complete) of an answer."""
    formats = GRAPH_FORMATS if answer.kind == "graph" else RESULT_FORMATS
    media_type, write = formats[fmt]
    truncated = "rows" if answer.truncated else ""
    body = write(answer)
    while len(body) > limits.max_bytes and (answer.rows or answer.triples):
        # halve the answer until it fits: a cut answer is still a well-formed document
        answer.rows = answer.rows[: len(answer.rows) // 2]
        answer.triples = answer.triples[: len(answer.triples) // 2]
        body = write(answer)
        truncated = "bytes"
    return media_type, body, truncated


class _Worker:
    def __init__(self, ctx: Any, build_dir: Path) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, str(build_dir)), daemon=True)
        self.process.start()
        child.close()
        ready = self.conn.recv()  # wait until the store is loaded
        assert ready == ("ready",)

    def stop(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


class WorkerPool:
    """Worker processes that each hold the graph; a stuck one is killed and replaced."""

    def __init__(self, build_dir: Path, limits: Limits) -> None:
        load_store(build_dir)  # fail early, in this process, when there is no graph
        self.build_dir = build_dir
        self.limits = limits
        self.ctx = mp.get_context("spawn")  # no fork of a threaded server
        self.idle: queue.Queue[_Worker] = queue.Queue()
        for _ in range(limits.workers):
            self.idle.put(_Worker(self.ctx, build_dir))

    def run(self, question: Question, values: dict[str, str], fmt: str) -> tuple[Any, ...]:
        """Run one question; ('ok', media, body, truncated), ('error', msg), ('timeout',)
        or ('busy',)."""
        try:
            worker = self.idle.get(timeout=self.limits.queue_wait_s)
        except queue.Empty:
            return ("busy",)
        worker.conn.send((question, values, fmt, self.limits))
        if worker.conn.poll(self.limits.timeout_s):
            reply: tuple[Any, ...] = worker.conn.recv()
            self.idle.put(worker)
            return reply
        worker.stop()
        threading.Thread(target=self._replace, daemon=True).start()
        return ("timeout",)

    def _replace(self) -> None:
        self.idle.put(_Worker(self.ctx, self.build_dir))

    def close(self) -> None:
        while not self.idle.empty():
            self.idle.get_nowait().stop()


# --- HTTP ---------------------------------------------------------------------------------------

_ACCEPT = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "text/turtle": "turtle",
    "application/n-triples": "nt",
}
_GRAPH_DEFAULT = "turtle"
_READ_ONLY = "this endpoint is read-only: no updates"


class RefusedError(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _choose_format(accept: str, explicit: str | None) -> str:
    if explicit:
        if explicit not in RESULT_FORMATS and explicit not in GRAPH_FORMATS:
            raise RefusedError(HTTPStatus.BAD_REQUEST, f"unknown format '{explicit}'")
        return explicit
    ranked = []
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranked.append((-q, media.strip().lower()))
    for _, media in sorted(ranked):
        if media in _ACCEPT:
            return _ACCEPT[media]
    return "json"


class Endpoint:
    """The request logic, separate from the HTTP plumbing so it can be read in one place."""

    def __init__(self, build_dir: Path, limits: Limits, queries_dir: Path | None = None) -> None:
        self.limits = limits
        self.saved = saved_questions(queries_dir)
        self.pool = WorkerPool(build_dir, limits)

    def check_query(self, text: str) -> None:
        """Refuse what the endpoint does not run, before any engine sees it."""
        if len(text.encode("utf-8")) > self.limits.max_query_bytes:
            raise RefusedError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"query longer than {self.limits.max_query_bytes} bytes",
            )
        refused = refusal(text, self.limits.max_depth)
        if refused is not None:
            kind, why = refused
            if kind == "update":
                raise RefusedError(HTTPStatus.FORBIDDEN, _READ_ONLY)
            raise RefusedError(HTTPStatus.BAD_REQUEST, why)

    def answer(self, question: Question, values: dict[str, str], fmt: str) -> tuple[Any, ...]:
        self.check_query(question.text)
        reply = self.pool.run(question, values, fmt)
        if reply[0] == "timeout":
            raise RefusedError(
                HTTPStatus.SERVICE_UNAVAILABLE,
                f"query stopped at the {self.limits.timeout_s:g} s time limit",
            )
        if reply[0] == "busy":
            raise RefusedError(HTTPStatus.SERVICE_UNAVAILABLE, "all workers are busy; retry later")
        if reply[0] == "error":
            raise RefusedError(HTTPStatus.BAD_REQUEST, reply[1])
        return reply


def _handler(endpoint: Endpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "gba-kg"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            pass  # quiet by default; errors are answered to the client

        # -- plumbing ----------------------------------------------------------------------

        def _send(
            self,
            status: HTTPStatus,
            body: bytes,
            media_type: str,
            headers: Iterable[tuple[str, str]] = (),
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", media_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Expose-Headers", "X-Kg-Truncated")
            self.send_header("X-Content-Type-Options", "nosniff")
            for key, value in headers:
                self.send_header(key, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _refuse(self, refusal: RefusedError) -> None:
            headers = [("Allow", "GET, POST, OPTIONS")] if refusal.status == 405 else []
            body = (refusal.message + "\n").encode("utf-8")
            self._send(refusal.status, body, "text/plain; charset=utf-8", headers)

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            if length > endpoint.limits.max_query_bytes:
                self.close_connection = True  # the unread body must not be parsed as a request
                raise RefusedError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large")
            return self.rfile.read(length) if length else b""

        def _params(self, raw: str) -> dict[str, list[str]]:
            try:
                return parse_qs(raw, keep_blank_values=True, strict_parsing=False, errors="strict")
            except UnicodeDecodeError:
                raise RefusedError(HTTPStatus.BAD_REQUEST, "parameters are not UTF-8") from None

        # -- methods -------------------------------------------------------------------------

        def do_OPTIONS(self) -> None:
            self._send(
                HTTPStatus.NO_CONTENT,
                b"",
                "text/plain",
                [
                    ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
                    ("Access-Control-Allow-Headers", "Content-Type, Accept"),
                    ("Allow", "GET, POST, OPTIONS"),
                ],
            )

        def do_GET(self) -> None:
            self._dispatch(post=False)

        def do_HEAD(self) -> None:
            self._dispatch(post=False)

        def do_POST(self) -> None:
            self._dispatch(post=True)

        def _not_allowed(self) -> None:
            self._body()
            self._refuse(
                RefusedError(
                    HTTPStatus.METHOD_NOT_ALLOWED, "read-only endpoint: GET or POST a query"
                )
            )

        do_PUT = do_DELETE = do_PATCH = _not_allowed

        def _dispatch(self, post: bool) -> None:
            try:
                url = urlsplit(self.path)
                if url.path in ("/", "/index.html") and not post:
                    self._send(HTTPStatus.OK, _page(endpoint), "text/html; charset=utf-8")
                elif url.path == "/sparql":
                    self._sparql(url.query, post)
                elif url.path == "/queries" and not post:
                    self._list()
                elif url.path.startswith("/queries/") and not post:
                    self._saved(url.path.removeprefix("/queries/"), url.query)
                elif url.path in ("/sparql", "/queries") or url.path.startswith("/queries/"):
                    raise RefusedError(HTTPStatus.METHOD_NOT_ALLOWED, "use GET")
                else:
                    raise RefusedError(
                        HTTPStatus.NOT_FOUND, "no such page: try /sparql or /queries"
                    )
            except RefusedError as refusal:
                self._refuse(refusal)

        def _sparql(self, raw_query: str, post: bool) -> None:
            params = self._params(raw_query)
            text: str | None = None
            if post:
                media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                body = self._body()
                if media == "application/x-www-form-urlencoded":
                    form = self._params(body.decode("ascii", "replace"))
                    for key, values in form.items():
                        params.setdefault(key, []).extend(values)
                elif media == "application/sparql-query":
                    try:
                        text = body.decode("utf-8")
                    except UnicodeDecodeError:
                        raise RefusedError(HTTPStatus.BAD_REQUEST, "query is not UTF-8") from None
                elif media == "application/sparql-update":
                    raise RefusedError(
                        HTTPStatus.FORBIDDEN, "this endpoint is read-only: no updates"
                    )
                elif not media:
                    raise RefusedError(HTTPStatus.BAD_REQUEST, "a POST needs a Content-Type")
                else:
                    raise RefusedError(
                        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                        "POST application/sparql-query or an urlencoded form with query=",
                    )
            if "update" in params:
                raise RefusedError(HTTPStatus.FORBIDDEN, _READ_ONLY)
            if "default-graph-uri" in params or "named-graph-uri" in params:
                raise RefusedError(
                    HTTPStatus.BAD_REQUEST,
                    "default-graph-uri / named-graph-uri are not allowed: the dataset is fixed",
                )
            queries = params.get("query", [])
            if text is not None:
                queries = [text, *queries]
            if len(queries) != 1:
                raise RefusedError(
                    HTTPStatus.BAD_REQUEST,
                    "give exactly one query" if queries else "no query given (query=…)",
                )
            fmt = _choose_format(self.headers.get("Accept", ""), _one(params, "format"))
            self._run(parse_question(queries[0], "query"), {}, fmt)

        def _list(self) -> None:
            listing = [
                {
                    "name": name,
                    "titles": q.titles,
                    "description": q.description,
                    "params": [asdict(p) for p in q.params],
                    "url": f"/queries/{name}",
                }
                for name, q in sorted(endpoint.saved.items())
            ]
            body = json.dumps(listing, ensure_ascii=False, indent=1).encode("utf-8")
            self._send(HTTPStatus.OK, body, "application/json")

        def _saved(self, name: str, raw_query: str) -> None:
            question = endpoint.saved.get(name)
            if question is None:
                raise RefusedError(HTTPStatus.NOT_FOUND, f"no saved question '{name}'")
            params = self._params(raw_query)
            fmt = _choose_format(self.headers.get("Accept", ""), _one(params, "format"))
            values = {k: v[-1] for k, v in params.items() if k != "format"}
            self._run(question, values, fmt)

        def _run(self, question: Question, values: dict[str, str], fmt: str) -> None:
            if fmt in GRAPH_FORMATS and not _is_graph_query(question.text):
                fmt = "json"
            elif fmt in RESULT_FORMATS and _is_graph_query(question.text):
                fmt = _GRAPH_DEFAULT
            _, media, body, truncated = endpoint.answer(question, values, fmt)
            headers = [("X-Kg-Truncated", truncated)] if truncated else []
            self._send(HTTPStatus.OK, body, media, headers)

    return Handler


def _one(params: dict[str, list[str]], key: str) -> str | None:
    values = params.get(key)
    return values[-1] if values else None


def _is_graph_query(text: str) -> bool:
    words = shape_of(text).keywords
    return bool(words & {"CONSTRUCT", "DESCRIBE"}) and not words & {"SELECT", "ASK"}


_EXAMPLE = (
    "SELECT ?city ?label WHERE {\n"
    "  ?city a <https://w3id.org/gba-kg/ontology#City> ;\n"
    "        <http://www.w3.org/2000/01/rdf-schema#label> ?label .\n"
    "} LIMIT 20"
)


def _page(endpoint: Endpoint) -> bytes:
    """A small page: a query box and the saved questions, rendered with autoescaping."""
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(default=True),
    )
    return (
        env.get_template("endpoint.html")
        .render(
            example=_EXAMPLE,
            formats=list(RESULT_FORMATS),
            saved=sorted(endpoint.saved.items()),
            limits=sorted(asdict(endpoint.limits).items()),
        )
        .encode("utf-8")
    )


class Server(ThreadingHTTPServer):
    """The HTTP server with its endpoint; `close()` stops the workers too."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], endpoint: Endpoint) -> None:
        super().__init__(address, _handler(endpoint))
        self.endpoint = endpoint

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/sparql"

    def close(self) -> None:
        self.server_close()
        self.endpoint.pool.close()


def start_server(
    build_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    limits: Limits | None = None,
    queries_dir: Path | None = None,
) -> Server:
    """A listening server (not yet serving): call `serve_forever()`, then `close()`."""
    return Server((host, port), Endpoint(build_dir, limits or Limits(), queries_dir))


def serve(
    build_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    limits: Limits | None = None,
    queries_dir: Path | None = None,
    ready: Any = None,
) -> None:
    """Serve until interrupted. `ready(url)` is called once the socket listens."""
    server = start_server(build_dir, host, port, limits, queries_dir)
    if ready is not None:
        ready(server.url)
    try:
        server.serve_forever()
    finally:
        server.close()
