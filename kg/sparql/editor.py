"""The query editor of `kg serve` (`GET /query`) and the files it loads (`GET /static/...`).

The editor is YASGUI's YASQE and YASR (`@zazuko/yasgui`, vendored in `static/yasgui/` with
its licence and checksums; `scripts/update-yasgui` updates it), wired by our own
`static/editor.js`: prefixes predeclared, results as tables with labels and entity links, the
saved questions with a form per parameter, errors as one line. The page runs no inline script
and loads nothing from elsewhere, under a strict Content-Security-Policy.

The static files are read once, when the server starts, into a table by their path under
`static/`: a request names an entry of that table or gets a 404, so no path (`..`, encoded or
not, absolute) can reach any other file.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from kg.namespaces import ID, PREFIXES
from kg.pipeline.questions import Question
from kg.publish.render import Links, environment

STATIC_DIR = Path(__file__).parent / "static"
_TEMPLATES = Path(__file__).parent / "templates"

MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    "": "text/plain; charset=utf-8",  # LICENSE
}
"""What is served from `static/`, by file suffix; a file of any other kind is not served."""

INLINE_STYLES = (
    " .grip-resizable{table-layout:fixed;} .grip-resizable > tbody > tr > td, .grip-resizable"
    " > tbody > tr > th{overflow:hidden} .grip-padding > tbody > tr > td, .grip-padding > tbody"
    " > tr > th{padding-left:0!important; padding-right:0!important;} .grip-container{"
    " height:0px; position:relative;} .grip-handle{margin-left:-5px; position:absolute;"
    " z-index:5; } .grip-handle .grip-resizable{position:absolute;background-color:red;"
    "filter:alpha(opacity=1);opacity:0;width:10px;height:100%;cursor: col-resize;top:0px}"
    " .grip-lastgrip{position:absolute; width:1px; } .grip-drag{ border-left:1px dotted"
    " black;\t} .grip-flex{width:auto!important;} .grip-handle.grip-disabledgrip"
    " .grip-resizable{cursor:default; display:none;}",
    "*{cursor:col-resize!important}",
)
"""The `<style>` elements YASR's table adds (its column resizer, and the cursor while a column
is dragged): fixed texts, allowed by their hashes, not by `'unsafe-inline'`."""

INLINE_STYLE_ATTRIBUTES = ("text-decoration:underline",)
"""The one `style=""` attribute YASQE writes (a syntax error's tooltip)."""


def _hashes(texts: tuple[str, ...]) -> str:
    return " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(t.encode()).digest()).decode() + "'"
        for t in texts
    )


CSP = (
    "default-src 'none'; script-src 'self'; "
    f"style-src 'self' {_hashes(INLINE_STYLES)}; "
    f"style-src-attr 'unsafe-hashes' {_hashes(INLINE_STYLE_ATTRIBUTES)}; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
"""The editor page's Content-Security-Policy: its own scripts, styles and requests only; no
inline script, no `eval` (YASGUI needs none: its one `eval` is a JSON polyfill that never runs
where `JSON.parse` exists), no frame, nothing from another origin. Inline styles only by hash;
`data:` images for the blank GIF CodeMirror shows while text is dragged in the editor."""

CACHE_CONTROL = "no-cache"
"""Static files are kept by the browser and checked again on each use (a 304 by `ETag`):
their names carry no version, and an updated YASGUI must reach the next page load."""


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str


def read_static(folder: Path = STATIC_DIR) -> dict[str, StaticFile]:
    """Every servable file under `folder`, by its path relative to it (`yasgui/yasgui.min.js`)."""
    files: dict[str, StaticFile] = {}
    for path in sorted(folder.rglob("*")):
        hidden = any(part.startswith(".") for part in path.relative_to(folder).parts)
        if hidden or not path.is_file() or path.suffix not in MEDIA_TYPES:
            continue
        body = path.read_bytes()
        packed = gzip.compress(body, compresslevel=6, mtime=0)
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        files[path.relative_to(folder).as_posix()] = StaticFile(
            body, packed if len(packed) < len(body) * 0.9 else None, MEDIA_TYPES[path.suffix], etag
        )
    return files


def accepts_gzip(accept_encoding: str) -> bool:
    """True when `Accept-Encoding` allows gzip (a `q=0` refuses it).

    >>> accepts_gzip("gzip, deflate, br"), accepts_gzip("br"), accepts_gzip("gzip;q=0")
    (True, False, False)
    >>> accepts_gzip("br, *;q=0.5"), accepts_gzip("gzip; q=0.8"), accepts_gzip("*, gzip;q=0")
    (True, True, False)
    """
    weights: dict[str, float] = {}
    for part in accept_encoding.lower().split(","):
        coding, *params = (p.strip() for p in part.split(";"))
        q = next((p[2:].strip() for p in params if p.startswith("q=")), "1")
        try:
            weights[coding] = float(q)
        except ValueError:
            weights[coding] = 0.0
    return weights.get("gzip", weights.get("*", 0.0)) > 0  # gzip named decides over *


EXAMPLE = (
    "SELECT ?city ?label WHERE {\n  ?city a gba:City ;\n        rdfs:label ?label .\n"
    '  FILTER(LANG(?label) = "zh")\n} ORDER BY ?city'
)
"""The editor's first query: no PREFIX lines, the endpoint declares them."""


def render_editor(saved: dict[str, Question], links: Links) -> bytes:
    """The editor page: the saved questions with a form per declared parameter; the
    configuration editor.js reads (prefixes, the entity namespace, the example) as a JSON data
    block, never as a script."""
    env = environment(_TEMPLATES)
    config = {"prefixes": PREFIXES, "entityBase": str(ID), "example": EXAMPLE}
    return (
        env.get_template("query.html")
        .render(
            # a JSON data block: `</` and `<!--` cannot end it or open a comment in it
            config=json.dumps(config, ensure_ascii=False, sort_keys=True)
            .replace("<", "\\u003c")
            .replace(">", "\\u003e")
            .replace("&", "\\u0026"),
            saved=sorted(saved.items()),
            version=_yasgui_version(),
            links=links,
            csp=None,
        )
        .encode("utf-8")
    )


def _yasgui_version() -> str:
    record = json.loads((STATIC_DIR / "yasgui" / "VERSION.json").read_text(encoding="utf-8"))
    return f"{record['package']} {record['version']}"
