"""What `kg watch` runs on: which files changed since the last look, and a local web server
that shows a build folder's pages and reloads them in the browser after each rebuild.

The files are polled (their size and modification time, twice a second): no dependency, and
it works the same on every system and inside containers, where change notifications are
often missing. The server listens on 127.0.0.1 only. It hands out the files of one folder,
nothing above it, and adds to each HTML page a small script that asks `/.kg-watch` which
build it is showing and reloads the page when a newer one is there. The pages forbid every
connection in their Content-Security-Policy (they work offline); the served copy allows
only this one, to its own origin.
"""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

Snapshot = dict[str, tuple[int, int]]
"""Each file watched → (modification time in ns, size)."""

VERSION_PATH = "/.kg-watch"
"""Where a served page asks which build is the newest."""

RELOAD_SCRIPT = """<script>
(function () {
  var seen = null;
  function ask() {
    fetch("/.kg-watch", {cache: "no-store"}).then(function (r) { return r.json(); })
    .then(function (v) {
      if (seen === null) { seen = v.build; } else if (v.build !== seen) { location.reload(); }
    }).catch(function () {}).then(function () { setTimeout(ask, 700); });
  }
  ask();
})();
</script>
"""
"""Polls `VERSION_PATH` and reloads the page when the build number changes."""

_CSP = re.compile(r'(<meta http-equiv="Content-Security-Policy" content=")([^"]*)(")', re.I)
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".jsonld": "application/ld+json",
    ".ttl": "text/turtle; charset=utf-8",
    ".nt": "application/n-triples",
    ".graphml": "application/xml",
    ".png": "image/png",
}


def snapshot(roots: Iterable[Path], patterns: Iterable[str]) -> Snapshot:
    """The files under `roots` matching any of `patterns` (globs, `**` allowed), each with
    its modification time and size; a file that vanishes while looked at is left out."""
    found: Snapshot = {}
    for root in roots:
        for pattern in patterns:
            for path in root.glob(pattern):
                try:
                    stat = path.stat()
                except OSError:
                    continue
                if path.is_file():
                    found[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return dict(sorted(found.items()))


def changed(before: Snapshot, after: Snapshot) -> list[str]:
    """The files added, removed or modified from `before` to `after`, sorted."""
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def with_reload(page: str) -> str:
    """`page` as the watch server serves it: allowed to ask its own origin for the build
    number, and with the script that does so before `</body>`.

    >>> page = '<meta http-equiv="Content-Security-Policy" content="default-src \\'none\\'">'
    >>> "connect-src 'self'" in with_reload(page + "</body>")
    True
    """
    page = _CSP.sub(lambda m: f"{m[1]}{m[2]}; connect-src 'self'{m[3]}", page, count=1)
    at = page.rfind("</body>")
    return page + RELOAD_SCRIPT if at < 0 else page[:at] + RELOAD_SCRIPT + page[at:]


@dataclass
class ReloadServer:
    """Serves the files of `folder` at http://127.0.0.1:PORT/, HTML pages with live reload;
    `bump()` after each build makes open pages reload."""

    folder: Path
    port: int = 0
    build: int = 0
    _server: ThreadingHTTPServer | None = field(default=None, repr=False)

    def start(self) -> str:
        """Start serving in a thread; the base URL. Raises OSError if the port is taken."""
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner._answer(self)

            def log_message(self, format: str, *args: object) -> None:
                pass  # the terminal is for the build's problems

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.port}/"

    def bump(self) -> None:
        self.build += 1

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _answer(self, request: BaseHTTPRequestHandler) -> None:
        path = unquote(urlsplit(request.path).path)
        if path == VERSION_PATH:
            self._send(
                request,
                HTTPStatus.OK,
                "application/json",
                json.dumps({"build": self.build}).encode(),
            )
            return
        root = self.folder.resolve()
        target = (root / path.lstrip("/")).resolve()
        if path.endswith("/"):
            target = target / "index.html"
        if not target.is_relative_to(root) or ".kg-" in target.relative_to(root).as_posix():
            self._send(request, HTTPStatus.NOT_FOUND, "text/plain", b"not found\n")
            return
        if not target.is_file():
            if path == "/":
                self._send(request, HTTPStatus.OK, "text/html; charset=utf-8", self._index(root))
                return
            self._send(request, HTTPStatus.NOT_FOUND, "text/plain", b"not found\n")
            return
        kind = _TYPES.get(target.suffix, "application/octet-stream")
        data = target.read_bytes()
        if target.suffix == ".html":
            data = with_reload(data.decode("utf-8")).encode("utf-8")
        self._send(request, HTTPStatus.OK, kind, data)

    def _index(self, root: Path) -> bytes:
        names = sorted(p.name for p in root.glob("*.html"))
        items = "".join(f'<li><a href="{html.escape(n)}">{html.escape(n)}</a></li>' for n in names)
        page = f"<!doctype html><meta charset=utf-8><title>kg watch</title><ul>{items}</ul></body>"
        return with_reload(page).encode("utf-8")

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: HTTPStatus, kind: str, data: bytes) -> None:
        request.send_response(status)
        request.send_header("Content-Type", kind)
        request.send_header("Content-Length", str(len(data)))
        request.send_header("Cache-Control", "no-store")
        request.end_headers()
        request.wfile.write(data)
