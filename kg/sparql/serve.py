"""`kg serve`: a read-only, bounded SPARQL 1.1 Protocol endpoint over the built graph.

The HTTP server is uvicorn (with the httptools parser) running the Starlette application of
`kg.sparql.app`; queries run in the supervised worker processes of `kg.sparql.workers`. This
module binds the socket, adds the two bounds uvicorn lacks (a deadline and a size cap for a
request's headers: a slow or endless client cannot pin a connection), and runs the server in
the foreground (`kg serve`) or in a thread (tests, notebooks).

What each layer guarantees is in `docs/endpoint.md`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import threading
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from kg.errors import UsageError
from kg.sparql.app import Endpoint, create_app
from kg.sparql.workers import Limits

__all__ = ["Limits", "Server", "serve", "start_server"]

BACKLOG = 1024  # pending connections the kernel queues (capped by net.core.somaxconn)
MAX_CONNECTIONS = 1000  # open connections; more are answered 503 by uvicorn


def _plain(status: str, message: str) -> bytes:
    body = (message + "\n").encode("utf-8")
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


def _protocol(limits: Limits) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol with a deadline and a size cap on each request's headers
    (uvicorn's own keep-alive timer stops at a request's first byte)."""

    class Guarded(HttpToolsProtocol):
        _timer: asyncio.TimerHandle | None = None
        _header_bytes = _header_size = 0
        _in_headers = _oversize = False

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()  # a connection that never sends a request is closed too

        def _arm(self) -> None:
            self._disarm()
            self._header_bytes = self._header_size = 0
            self._in_headers = True
            self._timer = self.loop.call_later(limits.header_timeout_s, self._late)

        def _disarm(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

        def _late(self) -> None:
            self._timer = None
            if self.transport.is_closing():
                return
            if self._header_bytes:  # a request begun and not finished: answered
                self._answer_and_close(
                    "408 Request Timeout",
                    f"request headers not received within {limits.header_timeout_s:g} s",
                )
            else:  # a connection that never sent a request: closed
                self.transport.close()

        def _answer_and_close(self, status: str, message: str) -> None:
            """Answer the request now (uvicorn has not started a cycle for it) and close."""
            self._disarm()
            self.transport.write(_plain(status, message))
            self.transport.close()

        def _too_big(self) -> None:
            too_big = "431 Request Header Fields Too Large"
            self._answer_and_close(too_big, f"request headers over {limits.max_header_bytes} bytes")

        def data_received(self, data: bytes) -> None:
            if self._in_headers:
                self._header_bytes += len(data)
                if self._header_bytes > limits.max_header_bytes + limits.max_query_bytes:
                    # the headers (and at most a body's worth with them) passed the cap
                    self._too_big()
                    return
            super().data_received(data)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if not self._in_headers:
                self._arm()

        def on_header(self, name: bytes, value: bytes) -> None:
            super().on_header(name, value)
            self._header_size += len(name) + len(value) + 4

        def on_headers_complete(self) -> None:
            self._disarm()
            self._in_headers = False
            if self._header_size > limits.max_header_bytes:
                self._oversize = True  # the rest of this request is ignored
                self._too_big()
                return
            super().on_headers_complete()

        def on_body(self, body: bytes) -> None:
            if not self._oversize:
                super().on_body(body)

        def on_message_complete(self) -> None:
            if not self._oversize:
                super().on_message_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return Guarded


class _Uvicorn(uvicorn.Server):
    """uvicorn's server, but SIGINT and SIGTERM only ask it to stop (no re-raise after the
    graceful shutdown, so `kg serve` can stop its workers and exit 0 without a traceback)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket, or a one-line UsageError (exit 2) when the address is taken."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise UsageError(
            f"cannot listen on {host}: {exc.strerror} — give --host an address"
        ) from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror} — choose another --port, "
            "or stop the program that uses it"
        ) from None
    return sock


class Server:
    """The endpoint bound to its socket: `run()` serves in the foreground until SIGINT or
    SIGTERM; `start()` / `stop()` serve from a thread (`with start_server(...) as s`)."""

    def __init__(
        self, build_dir: Path, host: str, port: int, limits: Limits, queries_dir: Path | None
    ) -> None:
        self.endpoint = Endpoint(build_dir, limits, queries_dir)
        self.limits = limits
        self.sock = _listen(host, port)
        config = uvicorn.Config(
            create_app(self.endpoint),
            http=_protocol(limits),
            loop="asyncio",
            lifespan="off",
            log_config=None,
            access_log=False,
            backlog=BACKLOG,
            limit_concurrency=MAX_CONNECTIONS,
            timeout_keep_alive=limits.keep_alive_s,  # type: ignore[arg-type]
            timeout_graceful_shutdown=int(limits.timeout_s + limits.queue_wait_s) + 1,
            server_header=False,
            date_header=False,
        )
        logging.getLogger("uvicorn.error").setLevel(logging.ERROR)
        self.server = _Uvicorn(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.sock.getsockname()[:2]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}/sparql"

    async def serve(self, ready: Callable[[str], Any] | None = None) -> None:
        pool = self.endpoint.pool
        try:
            await pool.start()
            if ready is not None:
                ready(self.url)
            await self.server.serve(sockets=[self.sock])
        finally:
            pool.close()
            self.sock.close()

    def run(self, ready: Callable[[str], Any] | None = None) -> None:
        """Serve until SIGINT or SIGTERM; in-flight queries are answered before it returns."""
        asyncio.run(self.serve(ready))

    def start(self) -> Server:
        """Serve from a thread; returns once the endpoint answers."""
        started = threading.Event()
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self.serve(lambda _: None)), daemon=True
        )
        self._thread.start()
        while not self.server.started and self._thread.is_alive():
            started.wait(0.02)
        if not self.server.started:
            raise UsageError("the endpoint did not start")
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(60)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_server(
    build_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    limits: Limits | None = None,
    queries_dir: Path | None = None,
) -> Server:
    """A server bound to host:port (port 0: any free one), not yet serving."""
    return Server(build_dir, host, port, limits or Limits(), queries_dir)


def serve(
    build_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    limits: Limits | None = None,
    queries_dir: Path | None = None,
    ready: Callable[[str], Any] | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM. `ready(url)` is called once the workers are up."""
    start_server(build_dir, host, port, limits, queries_dir).run(ready)
