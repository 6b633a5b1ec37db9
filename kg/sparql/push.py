"""`kg push`: load the built graph into an external SPARQL store with the SPARQL 1.1 Graph Store
HTTP Protocol, then read the graph back and compare its size with the local build.

The named graph is replaced by one PUT request, so the store never holds half of the old
graph and half of the new one; pushing twice leaves the same triples. A user and password
answer the store's challenge, Basic or Digest (Virtuoso's Graph Store endpoint asks for
Digest, which never sends the password itself); a token is sent as a Bearer header.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import pyoxigraph as ox

from kg.errors import PushError
from kg.outputs.built import find_graph_file

DEFAULT_GRAPH = "https://w3id.org/gba-kg/graph"
NTRIPLES = "application/n-triples"


@dataclass(frozen=True)
class Auth:
    """HTTP credentials: a user and password (for the store's Basic or Digest challenge) or
    a Bearer token."""

    user: str | None = None
    password: str | None = None
    token: str | None = None

    def headers(self) -> dict[str, str]:
        """Headers sent with every request: the token only (a password waits for a
        challenge, so that it is never sent to a store that asks for Digest)."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def answer(self, challenge: str, request: urllib.request.Request) -> str | None:
        """The Authorization header answering the store's `WWW-Authenticate` challenge
        for `request`, or None for a scheme other than Basic and Digest."""
        scheme, _, params = challenge.partition(" ")
        user, password = self.user or "", self.password or ""
        if scheme.lower() == "basic":
            raw = f"{user}:{password}".encode()
            return "Basic " + base64.b64encode(raw).decode("ascii")
        if scheme.lower() != "digest":
            return None
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, request.full_url, user, password)
        fields = urllib.request.parse_keqv_list(urllib.request.parse_http_list(params))
        digest = urllib.request.HTTPDigestAuthHandler(passwords).get_authorization(request, fields)
        return None if digest is None else f"Digest {digest}"


@dataclass(frozen=True)
class PushReport:
    """What was pushed where, and what the store holds afterwards."""

    url: str
    graph: str | None  # None: the default graph
    local_triples: int
    remote_triples: int

    @property
    def is_complete(self) -> bool:
        return self.local_triples == self.remote_triples


def _graph_url(store_url: str, graph: str | None) -> str:
    parts = urlsplit(store_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PushError(f"'{store_url}' is not an http(s) URL of a Graph Store endpoint")
    extra = urlencode({"graph": graph}) if graph else "default"
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _local_ntriples(build_dir: Path) -> tuple[bytes, int]:
    path, fmt = find_graph_file(build_dir)
    triples = list(ox.parse(path=str(path), format=fmt))
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    assert data is not None
    return bytes(data), len(set(triples))


def _challenge(url: str, timeout: float) -> str | None:
    """How the store asks for credentials at `url` (its `WWW-Authenticate` header), learnt
    from a HEAD request without a body; None if it asks for none."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            return None
    except urllib.error.HTTPError as exc:
        found = exc.headers.get("WWW-Authenticate") if exc.code == 401 else None
        exc.close()
        return found
    except (urllib.error.URLError, OSError):
        return None  # the request itself reports it


def _request(url: str, method: str, auth: Auth, timeout: float, body: bytes | None = None) -> bytes:
    headers = {"Accept": NTRIPLES if body is None else "*/*", **auth.headers()}
    if body is not None:
        headers["Content-Type"] = NTRIPLES
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    if auth.user is not None and not auth.token:
        # answered before the graph is sent: a store may close the connection on a request
        # that carries 1 MB and no credentials (Virtuoso does)
        challenge = _challenge(url, timeout)
        answer = None if challenge is None else auth.answer(challenge, request)
        if answer is not None:
            request.add_unredirected_header("Authorization", answer)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            data: bytes = response.read()
            return data
    except urllib.error.HTTPError as exc:
        detail = exc.read(300).decode("utf-8", "replace").strip()
        exc.close()
        hint = " (check --user/--password or --token)" if exc.code in (401, 403) else ""
        raise PushError(
            f"the store refused {method} {url}: HTTP {exc.code} {exc.reason}{hint}"
            + (f": {detail}" if detail else "")
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        hint = ""
        if isinstance(reason, ConnectionError) and body is not None and auth.user:
            # Virtuoso answers a wrong Digest password by closing the connection mid-upload
            hint = " (the store closed the connection during the upload: check --user/--password)"
        raise PushError(f"cannot reach {url}: {reason}{hint}") from None


def push_graph(
    build_dir: str | Path,
    store_url: str,
    graph: str | None = DEFAULT_GRAPH,
    auth: Auth | None = None,
    timeout: float = 60.0,
) -> PushReport:
    """Replace `graph` (None: the default graph) in the store at `store_url` with the build.

    >>> push_graph("build", "http://localhost:7878/store")  # doctest: +SKIP
    PushReport(url='http://localhost:7878/store', graph='https://w3id.org/gba-kg/graph', ...)
    """
    auth = auth or Auth()
    body, local = _local_ntriples(Path(build_dir))
    url = _graph_url(store_url, graph)
    _request(url, "PUT", auth, timeout, body)
    back = _request(url, "GET", auth, timeout)
    try:
        remote = len(set(ox.parse(back, format=ox.RdfFormat.N_TRIPLES)))
    except SyntaxError as exc:
        raise PushError(f"the store answered GET {url} with no N-Triples: {exc}") from None
    return PushReport(store_url, graph, local, remote)
