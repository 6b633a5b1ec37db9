"""The query editor of `kg serve` (`/query`, YASGUI vendored under kg/sparql/static/): its files
and their checksums, the static route, and the page in a real browser (Debian's chromium,
driven by playwright) against a real server, with every request outside the server's origin
aborted."""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

import kg
from kg.namespaces import ID, PREFIXES
from kg.sparql.editor import INLINE_STYLE_ATTRIBUTES, INLINE_STYLES, STATIC_DIR
from kg.sparql.serve import Limits, Server, start_server
from tests.conftest import MINI, ROOT
from tests.test_html_escaping import HOSTILE, write_hostile

YASGUI = STATIC_DIR / "yasgui"
CITIES_EN = (
    "SELECT ?city ?label WHERE { ?city a gba:City ; rdfs:label ?label . "
    'FILTER(LANG(?label) = "en") } ORDER BY ?city'
)


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build")
    kg.build(ROOT / "data", out, formats=["nt", "html"])
    return out


@pytest.fixture(scope="module")
def server(build_dir: Path) -> Iterator[Server]:
    with start_server(build_dir, port=0, limits=Limits(timeout_s=5)) as running:
        yield running


def request(
    server: Server, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    """A request with its path sent exactly as written (no normalising of `..`)."""
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request(method, path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


# --- the vendored files -----------------------------------------------------------------------


def test_the_committed_yasgui_files_match_their_checksums() -> None:
    record = json.loads((YASGUI / "VERSION.json").read_text(encoding="utf-8"))
    assert record["package"] == "@zazuko/yasgui" and record["licence"] == "MIT"
    assert record["integrity"].startswith("sha512-") and record["version"].count(".") == 2
    on_disk = {p.name for p in YASGUI.iterdir()} - {"VERSION.json"}
    assert on_disk == set(record["sha256"]) == {"LICENSE", "yasgui.min.js", "yasgui.min.css"}
    for name, digest in record["sha256"].items():
        assert hashlib.sha256((YASGUI / name).read_bytes()).hexdigest() == digest, name
    assert "MIT License" in (YASGUI / "LICENSE").read_text(encoding="utf-8")
    # the one change made to the upstream build: its bundled prefix table is empty
    assert "prefixes_default={}," in (YASGUI / "yasgui.min.js").read_text(encoding="utf-8")
    assert set(record["changed"]) == {"yasgui.min.js", "upstream_sha256"}


def test_the_inline_styles_allowed_by_hash_are_the_ones_yasgui_writes() -> None:
    # an update of YASGUI that changes them fails here, not silently in the browser
    bundle = (YASGUI / "yasgui.min.js").read_text(encoding="utf-8")
    resizer = INLINE_STYLES[0].replace("\t", "\\t")
    assert resizer.replace("\\t", "\t") in bundle or resizer in bundle
    assert "`*{cursor:`+n.opt.dragCursor+`!important}`" in bundle
    assert "dragCursor:`col-resize`" in bundle
    assert all(f"style='{s}'" in bundle for s in INLINE_STYLE_ATTRIBUTES)


FAKE_NPM = """#!/usr/bin/env python3
import json, os, shutil, sys
args = sys.argv[1:]
if args[0] == "view":
    print(json.dumps({"dist.integrity": os.environ["FAKE_INTEGRITY"], "version": "9.9.9"}))
elif args[0] == "pack":
    shutil.copy(os.environ["FAKE_TARBALL"], args[args.index("--pack-destination") + 1])
    print(json.dumps([{"filename": os.path.basename(os.environ["FAKE_TARBALL"])}]))
"""


BUNDLE = (
    b"var c={},foaf=`http://xmlns.com/foaf/0.1/`,void$1=`http://rdfs.org/ns/void#`,"
    b"prefixes_default={foaf,void:`http://rdfs.org/ns/void#`},t=1;"
)
"""A stand-in build with a prefix table shaped like YASQE's (a keyword key written out)."""


def _tarball(path: Path, files: dict[str, bytes]) -> bytes:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path.read_bytes()


def test_update_yasgui_copies_a_release_only_when_it_matches_the_registrys_integrity(
    tmp_path: Path,
) -> None:
    # the script in a copy of the tree, with an `npm` that answers like the registry
    tree = tmp_path / "tree"
    (tree / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "update-yasgui", tree / "scripts" / "update-yasgui")
    target = tree / "kg" / "sparql" / "static" / "yasgui"
    target.mkdir(parents=True)
    (target / "LICENSE").write_text("The MIT License (MIT)\n", encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "npm").write_text(FAKE_NPM, encoding="utf-8")
    (bin_dir / "npm").chmod(0o755)
    files = {
        "package.json": b'{"name": "@zazuko/yasgui", "license": "MIT"}',
        "build/yasgui.min.js": BUNDLE,
        "build/yasgui.min.css": b".yasgui{}",
    }
    data = _tarball(tmp_path / "zazuko-yasgui-9.9.9.tgz", files)
    good = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "FAKE_TARBALL": str(tmp_path / "zazuko-yasgui-9.9.9.tgz"),
    }

    def run(*args: str, integrity: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(tree / "scripts" / "update-yasgui"), *args],
            env={**env, "FAKE_INTEGRITY": integrity},
            capture_output=True,
            text=True,
        )

    plain = _tarball(tmp_path / "plain.tgz", {**files, "build/yasgui.min.js": b"var Y = 1;"})
    plain_integrity = "sha512-" + base64.b64encode(hashlib.sha512(plain).digest()).decode()
    done = subprocess.run(
        [sys.executable, str(tree / "scripts" / "update-yasgui"), "9.9.9"],
        env={**env, "FAKE_TARBALL": str(tmp_path / "plain.tgz"), "FAKE_INTEGRITY": plain_integrity},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and "0 bundled prefix tables, not 1" in done.stderr
    assert sorted(p.name for p in target.iterdir()) == ["LICENSE"]  # nothing copied
    tampered = good[:-6] + ("AAAA==" if not good.endswith("AAAA==") else "BBBB==")
    done = run("9.9.9", integrity=tampered)
    assert done.returncode == 1 and "is not the registry's" in done.stderr
    assert sorted(p.name for p in target.iterdir()) == ["LICENSE"]  # nothing copied
    done = run("9.9.9", integrity=good)
    assert done.returncode == 0, done.stderr
    # copied, with YASQE's bundled prefix table emptied and the upstream file's digest kept
    assert (target / "yasgui.min.js").read_bytes() == b"var c={},prefixes_default={},t=1;"
    record = json.loads((target / "VERSION.json").read_text(encoding="utf-8"))
    assert record["changed"]["upstream_sha256"] == hashlib.sha256(BUNDLE).hexdigest()
    assert (record["version"], record["integrity"], record["licence"]) == ("9.9.9", good, "MIT")
    assert record["sha256"]["yasgui.min.css"] == hashlib.sha256(b".yasgui{}").hexdigest()
    assert run("--check", integrity=good).returncode == 0
    (target / "yasgui.min.js").write_bytes(b"var Yasgui = 2;")
    done = run("--check", integrity=good)
    assert done.returncode == 1 and "yasgui.min.js does not match" in done.stderr
    assert run(integrity=good).returncode == 1  # no version given


# --- the static route -------------------------------------------------------------------------


def test_static_files_have_their_media_type_etag_and_cache_headers(server: Server) -> None:
    js = (YASGUI / "yasgui.min.js").read_bytes()
    status, headers, body = request(server, "/static/yasgui/yasgui.min.js")
    assert status == 200 and body == js
    assert headers["content-type"] == "text/javascript; charset=utf-8"
    assert headers["cache-control"] == "no-cache" and headers["etag"].startswith('"')
    assert headers["x-content-type-options"] == "nosniff"
    status, again, body = request(
        server, "/static/yasgui/yasgui.min.js", {"If-None-Match": headers["etag"]}
    )
    assert status == 304 and body == b"" and again["etag"] == headers["etag"]
    status, packed, body = request(
        server, "/static/yasgui/yasgui.min.js", {"Accept-Encoding": "gzip"}
    )
    assert status == 200 and packed["content-encoding"] == "gzip" and gzip.decompress(body) == js
    assert len(body) < len(js) / 2
    for path, media in [
        ("/static/yasgui/yasgui.min.css", "text/css; charset=utf-8"),
        ("/static/editor.js", "text/javascript; charset=utf-8"),
        ("/static/editor.css", "text/css; charset=utf-8"),
        ("/static/yasgui/LICENSE", "text/plain; charset=utf-8"),
        ("/static/yasgui/VERSION.json", "application/json"),
        ("/assets/favicon.svg", "image/svg+xml"),
        ("/assets/lang.js", "text/javascript; charset=utf-8"),
    ]:
        status, headers, _ = request(server, path)
        assert (status, headers["content-type"]) == (200, media), path


@pytest.mark.parametrize(
    "path",
    [
        "/static/../app.py",
        "/static/../../pyproject.toml",
        "/static/yasgui/../../app.py",
        "/static/%2e%2e/app.py",
        "/static/%2E%2E/%2E%2E/pyproject.toml",
        "/static/..%2fapp.py",
        "/static/yasgui/..%2f..%2fapp.py",
        "/static/%2e%2e%2f%2e%2e%2fpyproject.toml",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/..\\app.py",
        "/static/yasgui/./yasgui.min.js",
        "/static/",
        "/static/yasgui",
        "/static/nothing.js",
        "/static/YASGUI/yasgui.min.js",
        "/static/yasgui/yasgui.min.js.map",
        "/static/../templates/query.html",
    ],
)
def test_static_answers_404_for_anything_but_its_own_files(server: Server, path: str) -> None:
    status, headers, body = request(server, path)
    assert status == 404, path
    assert headers["content-type"].startswith("text/plain") and body.count(b"\n") == 1
    for secret in (b"import", b"root:", b"[project]", b"<html"):
        assert secret not in body


def test_the_editor_page_has_a_strict_csp_and_no_inline_script(server: Server) -> None:
    status, headers, body = request(server, "/query")
    page = body.decode("utf-8")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    parts = [part.split() for part in headers["content-security-policy"].split(";")]
    csp = {words[0]: words[1:] for words in parts}
    assert csp["default-src"] == ["'none'"] and csp["script-src"] == ["'self'"]
    assert csp["connect-src"] == ["'self'"] and csp["frame-ancestors"] == ["'none'"]
    assert not any("unsafe-inline" in s or "unsafe-eval" in s for v in csp.values() for s in v)
    assert csp["style-src"][0] == "'self'" and len(csp["style-src"]) == 1 + len(INLINE_STYLES)
    scripts = [line for line in page.splitlines() if "<script" in line]
    assert all(
        ' src="/static/' in s
        or ' src="/assets/' in s
        or ' src="/search-index.js"' in s
        or 'type="application/json"' in s
        for s in scripts
    )
    # everything the page loads or links to is on this server
    assert re.findall(r'(?:src|href|action)="([^"]*)"', page)
    assert all(u.startswith("/") for u in re.findall(r'(?:src|href|action)="([^"]*)"', page))
    # / is the index, which links here
    status, _, index = request(server, "/")
    assert status == 200 and b'href="/query"' in index


def test_the_listing_carries_each_question_text(server: Server) -> None:
    status, _, body = request(server, "/queries")
    listing = {q["name"]: q for q in json.loads(body)}
    text = (ROOT / "queries" / "links-of-place.rq").read_text(encoding="utf-8")
    assert status == 200 and listing["links-of-place"]["text"] == text


# --- the page in a browser --------------------------------------------------------------------

try:  # the chromium fixture of the explorer's browser tests
    from tests.test_browser import browser  # noqa: F401
except (ImportError, pytest.skip.Exception) as why:  # pragma: no cover - depends on the machine
    _why = str(why)

    @pytest.fixture(scope="module")
    def browser() -> Any:
        pytest.skip(f"BROWSER TESTS SKIPPED: {_why}")


class Editor:
    """The editor page of one server, with its console errors, CSP violations, requests and
    dialogs recorded; every request outside the server's origin is aborted."""

    def __init__(self, page: Any, origin: str) -> None:
        self.page = page
        self.origin = origin
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.dialogs: list[str] = []
        self.refusals: set[int] = set()  # statuses a test expects (Chromium logs each one)
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        page.on("dialog", self._dialog)
        page.add_init_script(
            "window.__csp = [];"
            "document.addEventListener('securitypolicyviolation', e =>"
            " window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        page.route("**/*", self._route)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url == self.origin or url.startswith(self.origin + "/"):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def open(self, lang: str = "en") -> None:
        self.page.goto(f"{self.origin}/query?lang={lang}")
        self.page.wait_for_function("window.kgEditor && window.kgEditor.ready")

    def run(self, query: str) -> None:
        self.page.evaluate("q => window.kgEditor.yasqe.setValue(q)", query)
        self.page.click(".yasqe_queryButton")

    def table(self) -> list[list[dict[str, str | None]]]:
        """The result table: per row, per column, the cell's text and its link."""
        self.page.wait_for_selector(".yasr table.dataTable tbody tr td:nth-child(2) > div")
        rows: list[list[dict[str, str | None]]] = self.page.evaluate(
            """() => Array.from(document.querySelectorAll('.yasr table.dataTable tbody tr'))
                 .map(tr => Array.from(tr.querySelectorAll('td')).slice(1).map(td => {
                   const a = td.querySelector('a');
                   return {text: td.innerText.trim(), link: a && a.getAttribute('href'),
                           label: a && a.textContent};
                 }))"""
        )
        return rows

    def error_line(self) -> str:
        return str(self.page.inner_text(".yasr .kg-error"))

    def csp_violations(self) -> list[str]:
        return list(self.page.evaluate("window.__csp"))


@pytest.fixture
def editor(browser: Any, server: Server) -> Iterator[Editor]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    session = Editor(page, server.url.rsplit("/sparql", 1)[0])
    yield session
    violations = session.csp_violations() if not page.is_closed() else []
    context.close()
    expected = {f"responded with a status of {s} " for s in session.refusals}
    errors = [e for e in session.errors if not any(x in e for x in expected)]
    assert errors == [], "console errors"
    assert violations == [], "CSP violations"
    assert session.blocked == [], "requests outside the server"
    assert session.failed == [], "failed requests"
    assert session.dialogs == [], "dialogs fired"


def labels_of(build_dir: Path, iris: list[str], lang: str) -> dict[str, str]:
    values = " ".join(f"<{i}>" for i in iris)
    answer = kg.query(
        f"SELECT ?s ?l WHERE {{ VALUES ?s {{ {values} }} ?s rdfs:label ?l "
        f'FILTER(LANG(?l) = "{lang}") }}',
        build_dir=build_dir,
    )
    return {row[0].value: row[1].value for row in answer.rows if row[0] and row[1]}


def test_the_editor_loads_offline_and_runs_a_saved_question_typed_into_its_form(
    editor: Editor, build_dir: Path
) -> None:
    editor.open("en")
    editor.page.click("#q-links-of-place summary")
    form = editor.page.locator('form[data-name="links-of-place"]')
    assert form.locator("label.kg-param").inner_text().startswith("place (id)")
    form.locator('input[name="place"]').fill("zhongshan")
    form.locator('button[type="submit"]').click()
    rows = editor.table()
    expected = kg.query("links-of-place", {"place": "zhongshan"}, build_dir=build_dir)
    assert expected.variables == ["place", "link", "link_zh", "also_connects"]
    assert len(rows) == len(expected.rows) >= 2
    links = [str(row[1].value) for row in expected.rows if row[1] is not None]
    names = labels_of(build_dir, links, "en")
    for shown, want in zip(rows, expected.rows, strict=True):
        assert shown[0]["link"] == "/id/zhongshan"
        assert shown[1]["link"] == "/id/" + want[1].value.removeprefix(str(ID))
        assert shown[1]["label"] == names[want[1].value]  # the entity's label, in English
        assert shown[2]["text"].startswith(want[2].value)  # a literal, as text
    assert "Shenzhen\u2013Zhongshan Link" in {r[1]["label"] for r in rows}
    caption = editor.page.inner_text("#kg-shown")
    assert caption == "Saved question links-of-place \u00b7 place=zhongshan"


def test_the_index_opens_a_saved_questions_form_in_the_editor(editor: Editor) -> None:
    editor.page.goto(f"{editor.origin}/?lang=en")
    editor.page.click('a[href="/query#q-links-of-place"]')
    editor.page.wait_for_url("**/query#q-links-of-place")
    editor.page.wait_for_selector("#q-links-of-place[open]")
    form = editor.page.locator('form[data-name="links-of-place"]')
    assert form.locator('input[name="place"]').is_visible()
    assert not editor.page.locator('form[data-name="about"]').is_visible()


def test_a_graph_answer_shows_as_a_table_with_labels_and_ask_as_its_answer(
    editor: Editor,
) -> None:
    editor.open("en")
    editor.run("DESCRIBE gbr:shenzhen")
    editor.page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.yasr a.kg-entity'))"
        ".some(a => a.textContent === 'Guangzhou')"
    )
    rows = editor.table()
    assert {row[0]["label"] for row in rows} == {"Shenzhen"}
    assert {"rdfs:label", "gba:linkedWith", "prov:wasDerivedFrom"} <= {r[1]["text"] for r in rows}
    evidence = [r[2] for r in rows if r[1]["text"] == "prov:wasDerivedFrom"]
    assert evidence and all(e["text"].startswith("gbr:") and e["link"] is None for e in evidence)
    editor.run("ASK { gbr:shenzhen a gba:City }")
    editor.page.wait_for_selector(".yasr .booleanResult")
    assert editor.page.inner_text(".yasr .booleanResult").strip().lower() == "true"


def test_a_query_typed_without_prefix_lines_runs_and_shows_a_table(
    editor: Editor, build_dir: Path
) -> None:
    editor.open("zh")
    editor.page.evaluate("() => window.kgEditor.yasqe.setValue('')")
    editor.page.click(".yasqe .CodeMirror-code")
    editor.page.keyboard.type(
        "SELECT ?airport WHERE { ?airport a gba:Airport ; gba:linkedWith gbr:baiyun-airport }"
    )
    text = editor.page.evaluate("() => window.kgEditor.yasqe.getValue()")
    assert text.startswith("SELECT") and "PREFIX" not in text  # typing gba: added no PREFIX
    assert editor.page.locator(".yasqe .parseErrorIcon").count() == 0  # no "not defined"
    editor.page.click(".yasqe_queryButton")
    rows = editor.table()
    airport = f"{ID}shenzhen-baoan-airport"
    assert [row[0]["link"] for row in rows] == ["/id/shenzhen-baoan-airport"]
    assert rows[0][0]["label"] == labels_of(build_dir, [airport], "zh")[airport]  # zh page


def test_prefix_completion_offers_the_endpoints_prefixes(editor: Editor) -> None:
    editor.open("en")
    editor.page.evaluate("() => window.kgEditor.yasqe.setValue('')")
    editor.page.click(".yasqe .CodeMirror-code")
    editor.page.keyboard.type("PREFIX gb")
    editor.page.keyboard.press("Control+Space")
    editor.page.wait_for_selector(".CodeMirror-hints li")
    hints = editor.page.locator(".CodeMirror-hints li").all_inner_texts()
    assert hints[:2] == [f"gba: <{PREFIXES['gba']}>", f"gbr: <{PREFIXES['gbr']}>"]
    editor.page.keyboard.press("Escape")


def test_properties_and_classes_of_the_graph_complete(editor: Editor) -> None:
    editor.open("en")
    editor.page.evaluate("() => window.kgEditor.yasqe.setValue('')")
    editor.page.click(".yasqe .CodeMirror-code")
    editor.page.keyboard.type("SELECT * WHERE { ?thing gba:coBu")
    editor.page.keyboard.press("Control+Space")
    editor.page.wait_for_selector(".CodeMirror-hints li")
    assert editor.page.locator(".CodeMirror-hints li").all_inner_texts() == ["gba:coBuiltBy"]
    editor.page.keyboard.press("Enter")
    editor.page.keyboard.type(" ?city . ?city a gba:Cit")
    editor.page.keyboard.press("Control+Space")
    editor.page.wait_for_selector(".CodeMirror-hints li")
    assert "gba:City" in editor.page.locator(".CodeMirror-hints li").all_inner_texts()
    editor.page.keyboard.press("Enter")
    text = editor.page.evaluate("() => window.kgEditor.yasqe.getValue()")
    assert text == "SELECT * WHERE { ?thing gba:coBuiltBy ?city . ?city a gba:City"


@pytest.mark.parametrize(
    "query",
    ["SELECT * WHERE { ?s ?p ?o", "SELECT ?x WHERE { ?x foo:bar ?y }", "CLEAR ALL"],
)
def test_a_bad_query_shows_the_endpoints_one_line(
    editor: Editor, server: Server, query: str
) -> None:
    status, _, body = request(server, "/sparql?" + urlencode({"query": query}))
    line = body.decode("utf-8").strip()
    assert status in (400, 403) and "\n" not in line
    assert "\\u{" not in line  # the parser's Unicode ranges are named, not listed
    editor.refusals.add(status)
    editor.open("en")
    editor.run(query)
    editor.page.wait_for_selector(".yasr .kg-error")
    assert editor.error_line() == line
    assert editor.page.locator(".yasr pre").count() == 0  # no raw body, no stack


def test_a_bad_parameter_shows_the_endpoints_one_line(editor: Editor, server: Server) -> None:
    status, _, body = request(server, "/queries/links-of-place?place=" + quote("Not An Id"))
    assert status == 400 and body.count(b"\n") == 1
    editor.refusals.add(status)
    editor.open("en")
    editor.page.click("#q-links-of-place summary")
    editor.page.fill('form[data-name="links-of-place"] input[name="place"]', "Not An Id")
    editor.page.click('form[data-name="links-of-place"] button[type="submit"]')
    editor.page.wait_for_selector(".yasr .kg-error")
    assert editor.error_line() == body.decode("utf-8").strip()


def test_the_table_filter_finds_an_entity_by_its_label(editor: Editor) -> None:
    editor.open("en")
    editor.run(CITIES_EN)
    assert len(editor.table()) > 5
    editor.page.locator(".yasr .tableFilter").press_sequentially("Shenz")
    editor.page.wait_for_function(
        "() => document.querySelectorAll('.yasr table.dataTable tbody tr').length === 1"
    )
    assert [row[0]["label"] for row in editor.table()] == ["Shenzhen"]


def test_a_syntax_error_is_marked_in_the_editor_with_its_tooltip_under_the_csp(
    editor: Editor,
) -> None:
    editor.open("en")
    editor.page.evaluate("() => window.kgEditor.yasqe.setValue('SELECT * WHERE { ?s ?p ?o . ) }')")
    editor.page.hover(".yasqe .parseErrorIcon")
    tooltip = editor.page.locator(".yasqe .yasqe_tooltip")
    tooltip.wait_for()
    assert tooltip.inner_text().startswith("This line is invalid. Expected:")
    underline = tooltip.locator("strong").first.evaluate(
        "e => getComputedStyle(e).textDecorationLine"
    )
    assert underline == "underline"  # its style attribute is allowed by its hash


def test_the_last_query_is_kept_across_a_reload(editor: Editor) -> None:
    editor.open("en")
    editor.run(CITIES_EN)
    editor.table()
    editor.page.reload()
    editor.page.wait_for_function("window.kgEditor && window.kgEditor.ready")
    assert editor.page.evaluate("() => window.kgEditor.yasqe.getValue()") == CITIES_EN
    editor.page.evaluate("() => window.kgEditor.yasqe.setValue('ASK {}')")  # not run
    editor.page.reload()
    editor.page.wait_for_function("window.kgEditor && window.kgEditor.ready")
    assert editor.page.evaluate("() => window.kgEditor.yasqe.getValue()") == "ASK {}"


def test_a_query_in_the_address_opens_in_the_editor(editor: Editor) -> None:
    query = "ASK { gbr:shenzhen a gba:City }"
    editor.page.goto(f"{editor.origin}/query?lang=en&query={quote(query)}")
    editor.page.wait_for_function("window.kgEditor && window.kgEditor.ready")
    assert editor.page.evaluate("() => window.kgEditor.yasqe.getValue()") == query


def test_a_saved_questions_text_opens_in_the_editor(editor: Editor) -> None:
    editor.open("en")
    editor.page.click("#q-co-built summary")
    editor.page.click('form[data-name="co-built"] button.kg-open')
    editor.page.wait_for_function(
        "() => window.kgEditor.yasqe.getValue().includes('gba:coBuiltBy')"
    )
    text = editor.page.evaluate("() => window.kgEditor.yasqe.getValue()")
    assert text == (ROOT / "queries" / "co-built.rq").read_text(encoding="utf-8")


def test_the_language_switch_relabels_the_table_and_is_remembered(
    editor: Editor, build_dir: Path
) -> None:
    editor.open("zh")
    editor.run(CITIES_EN)
    assert "深圳" in {row[0]["label"] for row in editor.table()}
    count = len(kg.query(CITIES_EN, build_dir=build_dir).rows)
    assert editor.page.inner_text(".yasr_response_chip").startswith(f"共 {count} 行")
    assert editor.page.is_visible("h1 [lang=zh-Hans]")
    assert not editor.page.is_visible("h1 [lang=en]")
    editor.page.click("#kg-lang")
    editor.page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.yasr a.kg-entity'))"
        ".some(a => a.textContent === 'Shenzhen')"
    )
    assert editor.page.evaluate("() => localStorage.getItem('gba-kg-lang')") == "en"
    assert editor.page.inner_text(".yasr_response_chip").startswith(f"{count} results")
    assert editor.page.url.endswith("/query?lang=en")
    editor.page.goto(editor.origin + "/query")  # no ?lang=: the stored choice
    editor.page.wait_for_function("window.kgEditor && window.kgEditor.ready")
    assert editor.page.evaluate("() => document.documentElement.dataset.lang") == "en"
    assert editor.page.is_visible("h1 [lang=en]")


def test_sparqlwrapper_gets_right_answers_while_a_browser_loads_the_editor(
    editor: Editor, server: Server, build_dir: Path
) -> None:
    expected = sorted(
        str(row[0].value) for row in kg.query(CITIES_EN, build_dir=build_dir).rows if row[0]
    )
    answers: list[list[str]] = []
    failures: list[BaseException] = []

    def ask() -> None:
        try:
            for _ in range(15):
                client = SPARQLWrapper(server.url)
                client.setQuery(CITIES_EN)
                client.setReturnFormat(JSON)
                rows = client.query().convert()["results"]["bindings"]
                answers.append(sorted(r["city"]["value"] for r in rows))
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for thread in threads:
        thread.start()
    editor.open("en")
    editor.run(CITIES_EN)
    shown = [row[0]["link"] for row in editor.table()]
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert len(answers) == 45 and all(a == expected for a in answers)
    assert sorted(f"{ID}{link.removeprefix('/id/')}" for link in shown if link) == expected


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(MINI, root / "data")
    write_hostile(root / "data")
    kg.build(root / "data", root / "build", formats=["nt"])
    with start_server(root / "build", port=0, limits=Limits(timeout_s=5)) as running:
        yield running


def test_hostile_labels_show_as_text_and_run_nothing(
    browser: Any,  # noqa: F811
    hostile_server: Server,
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    session = Editor(page, hostile_server.url.rsplit("/sparql", 1)[0])
    try:
        session.open("en")
        session.run("SELECT ?city ?label WHERE { ?city a gba:City ; rdfs:label ?label }")
        rows = session.table()
        hostile = [row for row in rows if row[0]["link"] == "/id/hostile"]
        assert hostile and {row[0]["label"] for row in hostile} == {HOSTILE}
        assert HOSTILE in {row[1]["text"].removesuffix("@en").strip() for row in hostile}
        assert page.locator(".yasr img, .yasr script, .yasr a[href^=javascript]").count() == 0
        page.wait_for_timeout(300)
        assert session.csp_violations() == []
    finally:
        context.close()
    assert session.dialogs == [] and session.errors == [] and session.blocked == []
