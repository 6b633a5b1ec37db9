"""The static site in a real browser (Debian's chromium, through playwright), opened from
disk with every request that is not file: aborted: it searches, switches language, follows
links to the explorer and back, and never fetches anything outside itself."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import kg
from tests.conftest import MINI
from tests.test_browser import ARGS, CHROMIUM, Session
from tests.test_html_escaping import HOSTILE, write_hostile

pytest.importorskip("playwright", reason="BROWSER TESTS SKIPPED: run `make browser`")
from playwright.sync_api import Browser, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    data = root / "data"
    shutil.copytree(MINI, data)
    write_hostile(data)
    kg.site(root / "site", data, root / "build")
    return root / "site"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():  # pragma: no cover - depends on the machine
        pytest.skip(f"BROWSER TESTS SKIPPED: {CHROMIUM} is missing — run `make browser`")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def session(browser: Browser) -> Iterator[Session]:
    context = browser.new_context(viewport={"width": 1300, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    s = Session(page)
    yield s
    context.close()
    assert s.errors == [], "console errors (a CSP violation is one)"
    assert s.blocked == [], "requests that left the site"
    assert s.dialogs == [], "dialogs fired"


def test_an_entity_page_from_disk_shows_its_facts_and_quotes(session: Session, site: Path) -> None:
    page = session.page
    page.goto((site / "id" / "shenzhen" / "index.html").as_uri() + "?lang=zh")
    assert page.inner_text("h1").strip() == "深圳"
    assert page.locator("mark").count() >= 1
    assert page.locator("svg.picture circle").count() >= 2
    page.click("#kg-lang")
    assert page.inner_text("h1").strip() == "Shenzhen"
    assert page.evaluate("localStorage.getItem('gba-kg-lang')") in ("en", None)  # file: may refuse


def test_search_finds_an_entity_and_opens_its_page(session: Session, site: Path) -> None:
    page = session.page
    page.goto((site / "index.html").as_uri() + "?lang=en")
    page.fill("#kg-search", "guangzhou")
    first = page.locator("#kg-found a").first
    assert "Guangzhou" in first.inner_text()
    first.click()
    page.wait_for_url("**/id/guangzhou/index.html")
    assert page.inner_text("h1").strip() == "Guangzhou"


def test_a_hostile_label_is_text_in_the_page_and_in_search(session: Session, site: Path) -> None:
    page = session.page
    page.goto((site / "id" / "hostile" / "index.html").as_uri() + "?lang=en")
    assert page.inner_text("h1").strip() == HOSTILE
    page.fill("#kg-search", "alert")
    assert HOSTILE in page.inner_text("#kg-found")
    assert page.locator("img").count() == 0


def test_the_explorer_and_the_page_link_to_each_other(session: Session, site: Path) -> None:
    page = session.page
    page.goto((site / "id" / "shenzhen" / "index.html").as_uri() + "?lang=en")
    page.click("a.to-explorer")
    page.wait_for_function("window.kgExplorer && window.kgExplorer.ready")
    assert "id=shenzhen" in page.url
    page.click("a.to-page")
    page.wait_for_url("**/id/shenzhen/index.html?lang=en")
    assert page.inner_text("h1").strip() == "Shenzhen"


def test_class_index_and_ontology_pages_open(session: Session, site: Path) -> None:
    page = session.page
    for path in ("index.html", "class/City/index.html", "ontology/index.html"):
        page.goto((site / path).as_uri())
        assert page.locator("h1").count() == 1
    assert page.locator("section.term#City").count() == 1


def test_served_pages_keep_to_their_csp_and_their_origin(browser: Browser, site: Path) -> None:
    """The same pages from `kg serve`: under the endpoint's Content-Security-Policy header,
    with every request to another origin aborted, nothing is refused or fails."""
    from kg.sparql.serve import start_server

    with start_server(site.parent / "build", port=0) as server:
        origin = server.url.removesuffix("/sparql")
        context = browser.new_context(viewport={"width": 1300, "height": 900})
        session = Session(context.new_page(), origin)
        page = session.page
        page.goto(origin + "/id/shenzhen?lang=en")
        assert page.inner_text("h1").strip() == "Shenzhen"
        page.fill("#kg-search", "guang")
        page.locator("#kg-found a").first.click()
        page.wait_for_url(origin + "/id/guangzhou")
        for path in ("/", "/class/City", "/ontology"):
            page.goto(origin + path)
            assert page.locator("h1").count() == 1
        page.goto(origin + "/id/baiyun-airport--located-in--guangzhou")
        assert page.url.endswith("/id/baiyun-airport#baiyun-airport--located-in--guangzhou")
        assert page.locator("li.fact:target").count() == 1
        context.close()
    assert session.errors == [] and session.blocked == [] and session.dialogs == []
