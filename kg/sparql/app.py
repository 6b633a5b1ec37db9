"""The endpoint's requests and answers: a Starlette application over the worker pool.

Routes: `/` (a query page), `/query` (the query editor, YASGUI), `/static/...` (its files),
`/sparql` (the SPARQL 1.1 Protocol, GET and POST), `/queries` (the saved questions as JSON)
and `/queries/NAME?PARAM=VALUE`. Everything the endpoint does
not run is refused with a 4xx and a one-line reason before any worker sees it; every answer
carries a status and a message, and a 500 is only ever our bug (logged with its traceback
here, never sent to the client).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections import OrderedDict
from dataclasses import asdict
from pathlib import Path
from urllib.parse import parse_qs

import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from kg.errors import GbaKgError, KgError
from kg.namespaces import ID
from kg.pipeline.ontology import Schema, default_ontology_dir, read_schema
from kg.pipeline.questions import Question, parse_question
from kg.publish import describe, render
from kg.publish.model import EntityPage, Redirect, page_of
from kg.publish.site import explorer_with_pages, index_data, members_of, names_index, search_script
from kg.sparql.editor import (
    CACHE_CONTROL,
    CSP,
    StaticFile,
    accepts_gzip,
    read_static,
    render_editor,
)
from kg.sparql.query import saved_questions
from kg.sparql.results import GRAPH_FORMATS, RESULT_FORMATS, Answer
from kg.sparql.text import refusal, shape_of
from kg.sparql.workers import Limits, Pool, Reply

log = logging.getLogger("kg.serve")

_ACCEPT = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "jsonld",
}
_READ_ONLY = "this endpoint is read-only: no updates"
_ALLOW = "GET, HEAD, POST, OPTIONS"
_COMMON_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "X-Kg-Truncated, Retry-After",
    "X-Content-Type-Options": "nosniff",
}


class RefusedError(Exception):
    """A request the endpoint answers with a 4xx or 503 and a one-line reason."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def text_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        message + "\n",
        status,
        {**_COMMON_HEADERS, **(headers or {})},
        media_type="text/plain; charset=utf-8",
    )


class Endpoint:
    """The request logic: what to refuse, how to read a request, what to answer."""

    def __init__(self, build_dir: Path, limits: Limits, queries_dir: Path | None = None) -> None:
        self.limits = limits
        self.saved = saved_questions(queries_dir)
        self.pool = Pool(build_dir, limits)
        self.static = read_static()
        self.assets = read_static(render.STATIC)
        self.answers = Answers(limits.cache_bytes)
        page = build_dir / "network.html"
        self.explorer = (
            explorer_with_pages(page.read_bytes(), served=True) if page.is_file() else None
        )
        self.build_dir = build_dir
        self.schema: Schema = read_schema()
        self.dumps = {name for name, _ in render.DUMPS if (build_dir / name).is_file()}
        self.links = render.Links(True, 0, tuple(sorted(self.dumps)), True, page.is_file())
        self.editor = render_editor(self.saved, self.links)
        self._ontology = ox.parse(
            path=str(default_ontology_dir() / "gba.ttl"), format=ox.RdfFormat.TURTLE
        )
        self._ontology_triples = [q.triple for q in self._ontology]

    def ontology_as(self, fmt: str) -> tuple[str, bytes]:
        """The ontology (ontology/gba.ttl) in one of the graph formats."""
        media_type, write = GRAPH_FORMATS[fmt]
        return media_type, write(Answer("graph", triples=self._ontology_triples))

    def check_query(self, text: str) -> None:
        """Refuse what the endpoint does not run, before any engine sees it."""
        if len(text.encode("utf-8")) > self.limits.max_query_bytes:
            raise RefusedError(413, f"query longer than {self.limits.max_query_bytes} bytes")
        refused = refusal(text, self.limits.max_depth)
        if refused is not None:
            kind, why = refused
            raise RefusedError(403, _READ_ONLY) if kind == "update" else RefusedError(400, why)

    async def answer(
        self, request: Request, question: Question, values: dict[str, str]
    ) -> Response:
        fmt = _choose_format(request.headers.get("accept", ""), _one(values, "format"))
        values = {k: v for k, v in values.items() if k != "format"}
        graph = _is_graph_query(question.text)
        if graph and fmt in RESULT_FORMATS:
            fmt = "turtle"
        elif not graph and fmt in GRAPH_FORMATS:
            fmt = "json"
        client = request.client.host if request.client else ""
        reply = await self.pool.submit(question, values, fmt, client)
        response = self.respond(reply, question)
        if reply.kind in ("ok", "error") and request.method in ("GET", "HEAD"):
            self.answers.put(get_key(request.scope), response)
        return response

    def respond(self, reply: Reply, question: Question) -> Response:
        limits = self.limits
        if reply.kind == "ok":
            headers = dict(_COMMON_HEADERS)
            if reply.truncated:
                headers["X-Kg-Truncated"] = reply.truncated
            return Response(reply.body, 200, headers, media_type=reply.media_type)
        if reply.kind == "error":  # one line: the engine's syntax errors come in several
            return text_response(400, " ".join(reply.detail.split()))
        if reply.kind == "timeout":
            return text_response(
                503,
                f"query stopped at the {limits.timeout_s:g} s time limit — make it more "
                "selective (fewer patterns, a LIMIT), or run it with `kg query --timeout`",
            )
        if reply.kind == "busy":
            retry = str(max(1, math.ceil(limits.short_s * 2)))
            return text_response(
                503, f"the endpoint is busy ({reply.detail}); retry later", {"Retry-After": retry}
            )
        if reply.kind == "crash":
            return text_response(
                500, f"the query engine stopped on this query ({reply.detail}); it was logged"
            )
        log.error("internal error on %r:\n%s", question.text[:2000], reply.detail)
        return text_response(500, "internal error; it was logged on the server")

    async def construct(self, request: Request, name: str, text: str) -> list[ox.Triple]:
        """What a page shows, asked of the worker pool like any query: a CONSTRUCT's
        triples, or the refusal a failed or cut answer is (a page is never shown half)."""
        client = request.client.host if request.client else ""
        question = Question(name, text)
        reply = await self.pool.submit(question, {}, "nt", client)
        if reply.kind != "ok":
            response = self.respond(reply, question)
            raise RefusedError(response.status_code, bytes(response.body).decode().strip())
        if reply.truncated:
            raise RefusedError(
                503,
                f"this page needs more than the endpoint's answer limit ({reply.truncated}); "
                "`kg serve --max-rows` raises it, `kg site` writes every page",
            )
        return list(ox.parse(reply.body, format=ox.RdfFormat.N_TRIPLES))

    async def body(self, request: Request) -> bytes:
        """The request body, refused over the size cap before it is read (by its declared
        length) or as soon as it passes the cap (chunked), and within the body timeout."""
        cap = self.limits.max_query_bytes
        close = {"Connection": "close"}  # an unread body must not be parsed as a request
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > cap):
            raise RefusedError(413, f"request body over {cap} bytes", close)
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.limits.body_timeout_s):
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > cap:
                        raise RefusedError(413, f"request body over {cap} bytes", close)
                    chunks.append(chunk)
        except TimeoutError:
            raise RefusedError(
                408, f"request body not received within {self.limits.body_timeout_s:g} s", close
            ) from None
        return b"".join(chunks)


Key = tuple[str, bytes, bytes]


def get_key(scope: Scope) -> Key:
    """What a GET's answer depends on: the path, the query string and the Accept header."""
    accept = next((v for k, v in scope["headers"] if k == b"accept"), b"")
    return (scope["path"], scope["query_string"], accept)


class Answers:
    """Responses to repeated GETs, least recently used first out, within `limit` bytes.

    The graph does not change while the server runs and answers are deterministic, so a
    kept response is the one the engine would give again. Only complete runs are kept (an
    answer, or the query's own error), never a timeout, a refusal for load or a crash."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.kept: OrderedDict[Key, tuple[Response, int]] = OrderedDict()

    def get(self, key: Key) -> Response | None:
        found = self.kept.get(key)
        if found is None:
            return None
        self.kept.move_to_end(key)
        return found[0]

    def put(self, key: Key, response: Response) -> None:
        cost = len(response.body) + len(key[1]) + 512
        if cost > self.limit // 8 or key in self.kept:
            return
        self.kept[key] = (response, cost)
        self.size += cost
        while self.size > self.limit:
            _, (_, old) = self.kept.popitem(last=False)
            self.size -= old


# --- routes -------------------------------------------------------------------------------------


def _params(raw: bytes | str) -> dict[str, list[str]]:
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    try:
        return parse_qs(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise RefusedError(400, "parameters are not UTF-8") from None


async def sparql(request: Request) -> Response:
    endpoint: Endpoint = request.app.state.endpoint
    params = _params(request.scope["query_string"])
    text: str | None = None
    if request.method == "POST":
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media == "application/sparql-update":
            raise RefusedError(403, _READ_ONLY)
        if not media:
            raise RefusedError(400, "a POST needs a Content-Type")
        if media not in ("application/x-www-form-urlencoded", "application/sparql-query"):
            raise RefusedError(
                415, "POST application/sparql-query, or an urlencoded form with query="
            )
        body = await endpoint.body(request)
        if media == "application/sparql-query":
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise RefusedError(400, "query is not UTF-8") from None
        else:
            for key, values in _params(body).items():
                params.setdefault(key, []).extend(values)
    if "update" in params:
        raise RefusedError(403, _READ_ONLY)
    if "default-graph-uri" in params or "named-graph-uri" in params:
        raise RefusedError(
            400, "default-graph-uri / named-graph-uri are not allowed: the dataset is fixed"
        )
    queries = params.get("query", [])
    if text is not None:
        queries = [text, *queries]
    if len(queries) != 1:
        raise RefusedError(400, "give exactly one query" if queries else "no query given (query=…)")
    endpoint.check_query(queries[0])
    try:
        question = parse_question(queries[0], "query")
    except GbaKgError as exc:
        raise RefusedError(400, exc.report() if isinstance(exc, KgError) else str(exc)) from None
    return await endpoint.answer(request, question, {"format": _one(params, "format") or ""})


async def saved_list(request: Request) -> Response:
    endpoint: Endpoint = request.app.state.endpoint
    listing = [
        {
            "name": name,
            "titles": q.titles,
            "description": q.description,
            "params": [asdict(p) for p in q.params],
            "url": f"/queries/{name}",
            "text": q.text,
        }
        for name, q in sorted(endpoint.saved.items())
    ]
    body = json.dumps(listing, ensure_ascii=False, indent=1).encode("utf-8")
    return Response(body, 200, _COMMON_HEADERS, media_type="application/json")


async def saved_run(request: Request) -> Response:
    endpoint: Endpoint = request.app.state.endpoint
    name = request.path_params["name"]
    question = endpoint.saved.get(name)
    if question is None:
        raise RefusedError(404, f"no saved question '{name}' (the list is at /queries)")
    endpoint.check_query(question.text)
    values = {k: v[-1] for k, v in _params(request.scope["query_string"]).items()}
    return await endpoint.answer(request, question, values)


# --- Linked Data: an entity's IRI and the ontology's, by content negotiation -----------------

_RDF_OFFERS = [("text/turtle", "turtle"), ("application/n-triples", "nt"),
               ("application/ld+json", "jsonld")]  # fmt: skip


def negotiate(accept: str, offers: list[tuple[str, str]]) -> str | None:
    """The offer the client prefers by its `Accept` header (q-values, `type/*` and `*/*`
    honoured; ties go to the earlier offer), or None when it accepts none of them.

    >>> negotiate("text/html;q=0.9, text/turtle", [("text/html", "h"), ("text/turtle", "t")])
    't'
    >>> negotiate("image/png", [("text/turtle", "t")]) is None
    True
    """
    ranges: list[tuple[str, float]] = []
    for part in (accept or "*/*").split(","):
        media, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    q = min(1.0, max(0.0, float(value)))
                except ValueError:
                    q = 0.0
        if media.strip():
            ranges.append((media.strip().lower(), q))

    def quality(media: str) -> float:
        kind = media.split("/")[0] + "/*"
        for wanted in (media, kind, "*/*"):  # the most specific range decides
            found = [q for m, q in ranges if m == wanted]
            if found:
                return max(found)
        return 0.0

    ranked = [(quality(media), -i, name) for i, (media, name) in enumerate(offers)]
    q, _, best = max(ranked, default=(0.0, 0, ""))
    return best if q > 0 else None


_HTML = {"Content-Security-Policy": render.SERVED_CSP, "Referrer-Policy": "no-referrer"}


def html_response(body: bytes, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body, 200, {**_COMMON_HEADERS, **_HTML, **(headers or {})}, "text/html; charset=utf-8"
    )


def _ident(raw: str) -> str:
    if not describe.IRI_ID.fullmatch(raw):
        raise RefusedError(404, f"no entity '{raw}': ids are lower-case words joined by '-'")
    return raw


async def entity(request: Request) -> Response:
    """`/id/ID`: the entity's page for a browser, its description for a program (by
    `Accept`); a statement, passage or selector's page is the one that shows it (303)."""
    endpoint: Endpoint = request.app.state.endpoint
    ident = _ident(request.path_params["ident"])
    vary = {"Vary": "Accept"}
    offers = [("text/html", "html"), *_RDF_OFFERS]
    chosen = negotiate(request.headers.get("accept", ""), offers)
    if chosen is None:
        known = ", ".join(media for media, _ in offers)
        raise RefusedError(406, f"no acceptable format: this IRI is served as {known}", vary)
    if chosen == "html":
        response = await entity_page(request, endpoint, ident, vary)
    else:
        response = await description(request, endpoint, ident, chosen, vary)
    endpoint.answers.put(get_key(request.scope), response)
    return response


async def entity_as(request: Request) -> Response:
    """`/id/ID.ttl`, `.jsonld`, `.nt`: the description in that format, as `kg site` writes."""
    endpoint: Endpoint = request.app.state.endpoint
    ident = _ident(request.path_params["ident"])
    formats = {suffix: fmt for fmt, suffix in describe.SUFFIXES.items()}
    fmt = formats.get(request.path_params["suffix"])
    if fmt is None:
        raise RefusedError(404, f"no such format: one of {', '.join(sorted(formats))}")
    response = await description(request, endpoint, ident, fmt, {})
    endpoint.answers.put(get_key(request.scope), response)
    return response


async def description(
    request: Request, endpoint: Endpoint, ident: str, fmt: str, vary: dict[str, str]
) -> Response:
    iri = f"{ID}{ident}"
    triples = await endpoint.construct(
        request, f"id/{ident}", describe.query_for(describe.DESCRIPTION, iri)
    )
    if not triples:
        raise RefusedError(404, f"no entity '{ident}' in the graph", vary)
    headers = {**_COMMON_HEADERS, **vary}
    return Response(describe.serialize(triples, fmt), 200, headers, describe.MEDIA_TYPES[fmt])


async def entity_page(
    request: Request, endpoint: Endpoint, ident: str, vary: dict[str, str]
) -> Response:
    iri = f"{ID}{ident}"
    triples = await endpoint.construct(
        request, f"page/{ident}", describe.query_for(describe.PAGE, iri)
    )
    page = page_of(iri, triples, endpoint.schema)
    if page is None:
        raise RefusedError(404, f"no entity '{ident}' in the graph", vary)
    if isinstance(page, Redirect):
        where = endpoint.links.entity(page.id, page.anchor)
        return Response(b"", 303, {**_COMMON_HEADERS, **vary, "Location": where})
    assert isinstance(page, EntityPage)
    return html_response(render.entity_page(page, endpoint.links), vary)


async def class_page(request: Request) -> Response:
    endpoint: Endpoint = request.app.state.endpoint
    name = request.path_params["name"]
    doc = render.class_docs(endpoint.schema).get(name)
    if doc is None:
        raise RefusedError(404, f"no class '{name}' in the ontology (they are listed at /)")
    triples = await endpoint.construct(
        request, f"class/{name}", describe.query_for(describe.MEMBERS, doc.thing.iri)
    )
    body = render.class_page(doc, members_of(triples, endpoint.schema), endpoint.links)
    response = html_response(body)
    endpoint.answers.put(get_key(request.scope), response)
    return response


async def index(request: Request) -> Response:
    endpoint: Endpoint = request.app.state.endpoint
    counts = await endpoint.construct(request, "index", describe.query_for(describe.COUNTS))
    names = await endpoint.construct(request, "names", describe.query_for(describe.NAMES))
    client = request.client.host if request.client else ""
    count = Question("triples", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    reply = await endpoint.pool.submit(count, {}, "json", client)
    if reply.kind != "ok":
        response = endpoint.respond(reply, count)
        raise RefusedError(response.status_code, bytes(response.body).decode().strip())
    triples = int(json.loads(reply.body)["results"]["bindings"][0]["n"]["value"])
    data = index_data(counts, names, endpoint.schema, endpoint.saved, triples)
    response = html_response(render.index_page(data, endpoint.links))
    endpoint.answers.put(get_key(request.scope), response)
    return response


async def search_index(request: Request) -> Response:
    endpoint: Endpoint = request.app.state.endpoint
    names = await endpoint.construct(request, "names", describe.query_for(describe.NAMES))
    body = search_script(names_index(names, endpoint.schema))
    response = Response(body, 200, _COMMON_HEADERS, media_type="text/javascript; charset=utf-8")
    endpoint.answers.put(get_key(request.scope), response)
    return response


async def dump(request: Request) -> Response:
    endpoint: Endpoint = request.app.state.endpoint
    name = request.path_params["name"]
    if name not in endpoint.dumps:
        raise RefusedError(
            404, f"no dump '{name}': `kg build` writes {', '.join(sorted(endpoint.dumps))}"
        )
    return FileResponse(
        endpoint.build_dir / name, headers=_COMMON_HEADERS, media_type=render.DUMP_TYPES[name]
    )


async def ontology(request: Request) -> Response:
    endpoint: Endpoint = request.app.state.endpoint
    offers = [("text/html", "html"), *_RDF_OFFERS]
    chosen = negotiate(request.headers.get("accept", ""), offers)
    vary = {"Vary": "Accept"}
    if chosen is None:
        known = ", ".join(media for media, _ in offers)
        raise RefusedError(406, f"no acceptable format: the ontology is served as {known}", vary)
    if chosen == "html":
        return html_response(render.ontology_page(endpoint.schema, endpoint.links), vary)
    media_type, body = endpoint.ontology_as(chosen)
    return Response(body, 200, {**_COMMON_HEADERS, **vary}, media_type=media_type)


async def explorer(request: Request) -> Response:
    endpoint: Endpoint = request.app.state.endpoint
    if endpoint.explorer is None:
        raise RefusedError(404, "no network.html in the build folder: `kg build` writes it")
    return Response(endpoint.explorer, 200, _COMMON_HEADERS, media_type="text/html; charset=utf-8")


async def editor(request: Request) -> Response:
    endpoint: Endpoint = request.app.state.endpoint
    headers = {**_COMMON_HEADERS, "Content-Security-Policy": CSP, "Cache-Control": "no-cache"}
    return Response(endpoint.editor, 200, headers, media_type="text/html; charset=utf-8")


async def static(request: Request) -> Response:
    """A file of kg/sparql/static/ (the editor's) by its path; anything else is a 404."""
    endpoint: Endpoint = request.app.state.endpoint
    return _file(request, endpoint.static.get(request.path_params["path"]), "/static/")


async def asset(request: Request) -> Response:
    """A file of kg/publish/static/ (every page's CSS, scripts, icon); anything else, 404."""
    endpoint: Endpoint = request.app.state.endpoint
    return _file(request, endpoint.assets.get(request.path_params["path"]), "/assets/")


def _file(request: Request, found: StaticFile | None, where: str) -> Response:
    if found is None:
        raise RefusedError(404, f"no such file under {where}")
    headers = {
        **_COMMON_HEADERS,
        "ETag": found.etag,
        "Cache-Control": CACHE_CONTROL,
        "Vary": "Accept-Encoding",
    }
    if found.etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(b"", 304, headers)
    body = found.body
    if found.gzipped is not None and accepts_gzip(request.headers.get("accept-encoding", "")):
        body = found.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, 200, headers, media_type=found.media_type)


_PREFLIGHT = Response(
    b"",
    204,
    {
        **_COMMON_HEADERS,
        "Access-Control-Allow-Methods": _ALLOW,
        "Access-Control-Allow-Headers": "Content-Type, Accept",
        "Allow": _ALLOW,
    },
)


def create_app(endpoint: Endpoint) -> ASGIApp:
    """The ASGI application of `endpoint`."""
    read = ["GET", "HEAD"]
    app = Starlette(
        routes=[
            Route("/", index, methods=read),
            Route("/index.html", index, methods=read),
            Route("/query", editor, methods=read),
            Route("/static/{path:path}", static, methods=read),
            Route("/sparql", sparql, methods=[*read, "POST"]),
            Route("/queries", saved_list, methods=read),
            Route("/queries/{name}", saved_run, methods=read),
            Route("/id/{ident}.{suffix}", entity_as, methods=read),
            Route("/id/{ident}", entity, methods=read),
            Route("/class/{name}", class_page, methods=read),
            Route("/ontology", ontology, methods=read),
            Route("/assets/{path:path}", asset, methods=read),
            Route("/search-index.js", search_index, methods=read),
            Route("/dumps/{name}", dump, methods=read),
            Route("/network.html", explorer, methods=read),
        ],
        exception_handlers={
            RefusedError: _refused,
            404: _not_found,
            405: _not_allowed,
            500: _bug,
        },
    )
    app.state.endpoint = endpoint
    return _Front(app, endpoint.answers)


class _Front:
    """Before routing: CORS preflight (`OPTIONS` on any path), and a GET whose answer is
    kept in `Answers`, sent without touching the worker pool or the router."""

    def __init__(self, app: Starlette, answers: Answers) -> None:
        self.app = app
        self.state = app.state
        self.answers = answers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            method = scope["method"]
            if method == "OPTIONS":
                await _PREFLIGHT(scope, receive, send)
                return
            if method in ("GET", "HEAD"):
                kept = self.answers.get(get_key(scope))
                if kept is not None:
                    await kept(scope, receive, send)
                    return
        await self.app(scope, receive, send)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RefusedError)
    return text_response(exc.status, exc.message, exc.headers)


async def _not_found(request: Request, exc: Exception) -> Response:
    return text_response(404, "no such page: try /sparql, /query, /queries or /")


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return text_response(405, "read-only endpoint: GET or POST a query", {"Allow": _ALLOW})


async def _bug(request: Request, exc: Exception) -> Response:
    log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return text_response(500, "internal error; it was logged on the server")


# --- helpers ------------------------------------------------------------------------------------


def _one(params: dict[str, list[str]] | dict[str, str], key: str) -> str | None:
    value = params.get(key)
    if isinstance(value, list):
        return value[-1] if value else None
    return value or None


def _choose_format(accept: str, explicit: str | None) -> str:
    if explicit:
        if explicit not in RESULT_FORMATS and explicit not in GRAPH_FORMATS:
            known = ", ".join([*RESULT_FORMATS, *GRAPH_FORMATS])
            raise RefusedError(400, f"unknown format '{explicit}' (one of {known})")
        return explicit
    # the media types in alphabetical order: of two the client likes alike, the first
    return negotiate(accept, sorted(_ACCEPT.items())) or "json"


def _is_graph_query(text: str) -> bool:
    words = shape_of(text).keywords
    return bool(words & {"CONSTRUCT", "DESCRIBE"}) and not words & {"SELECT", "ASK"}
