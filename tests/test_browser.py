"""The network explorer in a real browser (Debian's chromium, driven by playwright), opened
from disk with every request that is not file: or data: blocked.

`make browser` installs both. Without them these tests are skipped with the reason shown.
Screenshots are saved in the test's temporary folder (`pytest --basetemp=DIR` keeps them).
The names on the canvas are drawn by the page itself; `kgExplorer.labelBoxes()` gives the box
of each name it drew last, as the drawing code placed it, in pixels of the canvas.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import kg
from kg.outputs.export import Graphs
from tests.conftest import MINI, ROOT
from tests.test_html_escaping import HOSTILE, LINK, QUOTE, write_hostile

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    pytest.skip(
        "BROWSER TESTS SKIPPED: the playwright package is missing — run `make browser`",
        allow_module_level=True,
    )
if not CHROMIUM.is_file():  # pragma: no cover - depends on the machine
    pytest.skip(
        f"BROWSER TESTS SKIPPED: {CHROMIUM} is missing — run `make browser` "
        "(apt-get install chromium)",
        allow_module_level=True,
    )


class Session:
    """A page with its console errors, requests and dialogs recorded."""

    def __init__(self, page: Page, origin: str = "") -> None:
        self.page = page
        self.origin = origin  # a server's pages: that origin only; else file: and data:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("dialog", self._dialog)
        page.route("**/*", self._route)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(("file://", "data:") if not self.origin else (self.origin + "/",)):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def open(self, path: Path) -> None:
        self.page.goto(path.as_uri())
        self.page.wait_for_function("window.kgExplorer && window.kgExplorer.ready")

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def panel_text(self) -> str:
        return str(self.page.inner_text("#panel"))

    def click_canvas_at(self, point: dict[str, float]) -> None:
        box = self.page.locator("#network").bounding_box()
        assert box is not None
        self.page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The mini data set with a hostile entity, built; its network; a focused view."""
    root = tmp_path_factory.mktemp("browser")
    data = root / "data"
    shutil.copytree(MINI, data)
    write_hostile(data)
    result = kg.build(data, root / "build", formats=["html"])
    kg.view(result, root / "build" / "shenzhen.html", focus="shenzhen", depth=1)
    net = Graphs(result.graph, result.schema).network
    page = root / "build" / "network.html"
    return {"root": root, "page": page, "net": net, "total": net.number_of_nodes()}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        try:
            chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        except Exception as exc:  # pragma: no cover - depends on the machine
            pytest.skip(f"BROWSER TESTS SKIPPED: chromium does not start: {exc}")
        yield chromium
        chromium.close()


@pytest.fixture
def session(browser: Browser, site: dict[str, Any]) -> Iterator[Session]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    s = Session(page)
    yield s
    context.close()
    assert s.errors == [], "console errors"
    assert s.blocked == [], "requests that left the page"
    assert s.dialogs == [], "dialogs fired"
    assert all(u.startswith(("file://", "data:")) for u in s.requests), s.requests


def test_the_page_opens_offline_with_every_node_and_edge_and_its_layout(
    session: Session, site: dict[str, Any]
) -> None:
    session.open(site["page"])
    counts = session.js("kgExplorer.counts()")
    net = site["net"]
    assert counts == {
        "nodes": net.number_of_nodes(),
        "edges": net.number_of_edges(),
        "totalNodes": net.number_of_nodes(),
        "totalEdges": net.number_of_edges(),
    }
    drawn = session.js(
        "[kgExplorer.network.body.data.nodes.length, kgExplorer.network.body.data.edges.length]"
    )
    assert drawn == [net.number_of_nodes(), net.number_of_edges()]
    # physics is off: nodes stay where the page's precomputed layout put them
    placed = session.js(
        "(() => { const p = kgExplorer.network.getPositions();"
        " return kgExplorer.data.vis.nodes.every(n => p[n.id].x === n.x && p[n.id].y === n.y)"
        " })()"
    )
    assert placed is True
    assert session.page.inner_text("#counts").startswith(f"{net.number_of_nodes()} 实体")
    session.page.screenshot(path=str(site["root"] / "network.png"))


def test_search_finds_a_node_by_its_zh_label_and_shows_its_facts(
    session: Session, site: dict[str, Any]
) -> None:
    session.open(site["page"])
    session.page.fill("#search", "深中通道")
    assert "shenzhen-zhongshan-link" in session.page.inner_text("#results")
    session.page.press("#search", "Enter")
    assert session.js("kgExplorer.network.getSelectedNodes()") == ["shenzhen-zhongshan-link"]
    assert session.page.inner_text("#panel h2") == "深中通道"
    text = session.panel_text()
    assert "加快建设深中通道和南中高速" in text  # the entity's evidence
    assert "entities.yaml:" in text  # where the curated fact is
    session.page.fill("#search", "zhongshan link")
    assert "深中通道" in session.page.inner_text("#results")


def test_clicking_an_edge_shows_its_quote_in_its_sentence_with_source_and_line(
    session: Session, site: dict[str, Any]
) -> None:
    session.open(site["page"])
    edge = "baiyun-airport--linked-with--shenzhen-baoan-airport"
    session.js(
        "kgExplorer.network.fit({nodes: ['baiyun-airport', 'shenzhen-baoan-airport'],"
        " animation: false})"
    )
    point = session.js(
        "(() => { const p = kgExplorer.network.getPositions(['baiyun-airport',"
        " 'shenzhen-baoan-airport']); const a = p['baiyun-airport'],"
        " b = p['shenzhen-baoan-airport'];"
        " return kgExplorer.network.canvasToDOM({x: (a.x + b.x) / 2, y: (a.y + b.y) / 2}) })()"
    )
    assert session.js("(p) => kgExplorer.network.getEdgeAt(p)", point) == edge
    session.click_canvas_at(point)
    assert session.page.is_visible("#panel")
    text = session.panel_text()
    assert "促进白云国际空港与深圳宝安国际机场协同发展" in text
    assert "加快推进白云国际机场三期扩建工程" in text  # the sentence around the quote
    assert "读特" in text and "2020-11-23" in text  # the source's publisher and date
    assert "entities.yaml:16" in text
    mark = session.page.inner_text("#panel mark")
    assert mark == "促进白云国际空港与深圳宝安国际机场协同发展"
    session.page.screenshot(path=str(site["root"] / "edge-panel.png"))


def test_the_language_switch_changes_every_label(session: Session, site: dict[str, Any]) -> None:
    session.open(site["page"])
    session.js("kgExplorer.select('node', 'guangzhou')")
    session.js("kgExplorer.network.focus('guangzhou', {scale: 1.5, animation: false})")
    # the selection's name and its relations' names are drawn on the canvas
    session.js("kgExplorer.network.redraw()")
    drawn = {b["text"] for b in session.js("kgExplorer.labelBoxes()")}
    assert {"广州", "位于"} <= drawn
    session.page.click("#lang button[data-lang=en]")
    drawn = {b["text"] for b in session.js("kgExplorer.labelBoxes()")}
    assert {"Guangzhou", "located in"} <= drawn and "广州" not in drawn
    assert session.page.inner_text("#panel h2") == "Guangzhou"
    assert "Classes" in session.page.inner_text("#legend")
    assert "entities" in session.page.inner_text("#counts")
    assert session.page.get_attribute("#search", "placeholder") == "Search: zh, en or id"
    session.page.screenshot(path=str(site["root"] / "english.png"))
    session.page.click("#lang button[data-lang=zh]")
    assert "广州" in {b["text"] for b in session.js("kgExplorer.labelBoxes()")}


def test_filters_by_class_and_area_and_the_neighbourhood_of_a_node(
    session: Session, site: dict[str, Any]
) -> None:
    session.open(site["page"])
    total = session.js("kgExplorer.counts()")
    session.page.uncheck("#kinds input[value=Place]")
    places = sum(1 for _, k in site["net"].nodes(data="kind") if k == "Place")
    assert session.js("kgExplorer.counts().nodes") == total["nodes"] - places
    assert session.js("kgExplorer.network.body.data.nodes.get('guangzhou')") is None  # not drawn
    assert session.page.inner_text("#kinds [data-kind=Place]") == f"0 / {places}"
    session.page.click("#reset")
    session.js("kgExplorer.select('node', 'shenzhen')")
    session.page.click("#neighbourhood")
    shown = session.js("kgExplorer.counts()")
    assert shown["nodes"] == 4  # shenzhen, its airport, the link, and the hostile city
    session.page.select_option("#depth", "2")
    assert session.js("kgExplorer.counts().nodes") > 4
    session.page.click("#reset")
    assert session.js("kgExplorer.counts()") == total


def test_hostile_labels_and_quotes_show_as_text_and_run_nothing(
    session: Session, site: dict[str, Any]
) -> None:
    session.open(site["page"])
    session.page.fill("#search", "hostile")
    assert HOSTILE in session.page.inner_text("#results")
    session.page.press("#search", "Enter")
    assert session.page.inner_text("#panel h2") == HOSTILE + LINK
    session.page.click("#lang button[data-lang=en]")
    assert session.page.inner_text("#panel h2") == HOSTILE
    session.js("kgExplorer.select('edge', 'hostile--linked-with--shenzhen')")
    assert QUOTE in session.panel_text()
    # hover: the tooltip is text too
    session.js("kgExplorer.network.focus('hostile', {scale: 1.5, animation: false})")
    point = session.js(
        "kgExplorer.network.canvasToDOM(kgExplorer.network.getPositions(['hostile']).hostile)"
    )
    box = session.page.locator("#network").bounding_box()
    assert box is not None
    session.page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
    session.page.wait_for_selector("#tip:not([hidden])")
    assert session.page.inner_text("#tip").startswith(HOSTILE)
    assert session.js("document.querySelectorAll('img, a, #panel script, #tip *').length") == 0
    session.page.screenshot(path=str(site["root"] / "hostile.png"))


def test_a_focused_view_opens_on_its_entity(session: Session, site: dict[str, Any]) -> None:
    session.open(site["page"].parent / "shenzhen.html")
    assert session.js("kgExplorer.network.getSelectedNodes()") == ["shenzhen"]
    assert session.page.inner_text("#panel h2") == "深圳"
    assert session.js("kgExplorer.counts().nodes") == 4


def big_network(n: int) -> Any:
    """A made-up network of `n` entities of every kind and about 1.7 n relations."""
    import random

    import networkx as nx

    from kg.namespaces import KG
    from kg.pipeline.ontology import read_schema

    rng = random.Random(3)
    schema = read_schema()
    kinds = sorted(str(c).rsplit("#", 1)[-1] for c in schema.graph.subjects(KG.viewColor, None))
    net = nx.MultiDiGraph()
    for i in range(n):
        kind = kinds[i % len(kinds)]
        net.add_node(f"e{i}", label_zh=f"实体{i}", label_en=f"Entity {i}", kind=kind)
        net.nodes[f"e{i}"].update(type=kind, type_zh=kind, file_line=["x.yaml:1"])
    for _ in range(int(n * 1.7)):
        u, v = f"e{rng.randrange(n)}", f"e{min(n - 1, int(abs(rng.gauss(0, n / 8))))}"
        if u != v:
            net.add_edge(u, v, key="linked-with", label_zh="联动", label_en="linked with")
    return net


def test_a_few_thousand_nodes_open_and_stay_usable(
    session: Session, site: dict[str, Any], tmp_path: Path
) -> None:
    from kg.explorer.page import render_network
    from kg.pipeline.ontology import read_schema

    net = big_network(2000)
    page = tmp_path / "big.html"
    page.write_text(render_network(net, read_schema()), encoding="utf-8")
    session.open(page)  # how fast is measured by the benchmark, not asserted here
    assert session.js("kgExplorer.counts().totalEdges") == net.number_of_edges()
    shown = session.js(
        """() => {
        document.querySelector('#kinds input[value=Place]').click();
        const filtered = kgExplorer.counts().nodes;
        kgExplorer.showAll();
        kgExplorer.network.redraw();
        return [filtered, kgExplorer.counts().nodes];
        }"""
    )
    assert shown[0] < net.number_of_nodes() and shown[1] == net.number_of_nodes()
    session.page.fill("#search", "实体1999")
    session.page.press("#search", "Enter")
    assert session.js("kgExplorer.network.getSelectedNodes()") == ["e1999"]
    session.page.screenshot(path=str(site["root"] / "big.png"))


def test_the_search_list_follows_the_arrow_keys(session: Session, site: dict[str, Any]) -> None:
    session.open(site["page"])
    session.page.fill("#search", "深圳")
    first = session.page.inner_text("#results li.active span:first-child")
    session.page.press("#search", "ArrowDown")
    second = session.page.inner_text("#results li.active span:first-child")
    assert second != first
    session.page.press("#search", "Enter")
    assert session.page.inner_text("#panel h2") == second


def drawn(session: Session) -> list[int]:
    """The nodes and edges the network holds: [nodes, edges]."""
    return list(
        session.js(
            "[Object.keys(kgExplorer.network.body.nodes).length,"
            " Object.keys(kgExplorer.network.body.edges).length]"
        )
    )


def test_above_the_draw_limit_only_the_neighbourhood_picked_is_drawn(
    session: Session, site: dict[str, Any], tmp_path: Path
) -> None:
    from kg.explorer.network import focus_network
    from kg.explorer.page import render_network
    from kg.pipeline.ontology import read_schema

    net = big_network(600)  # over a limit of 50: e123's 2-step neighbourhood fits, e0's not
    page = tmp_path / "limited.html"
    page.write_text(render_network(net, read_schema(), draw_limit=50), encoding="utf-8")
    session.open(page)
    hubs = set(session.js("kgExplorer.data.hubs"))  # not gone through, as by kg view
    sizes = {
        n: [focus_network(net, n, d, not_through=hubs) for d in (1, 2)]
        for n in ("e0", "e123", "e599")
    }
    assert sizes["e123"][1].number_of_nodes() <= 50 < sizes["e0"][1].number_of_nodes()
    # it says why nothing is drawn, in the page's language, and how to get a focused page
    assert drawn(session) == [0, 0]
    notice = session.page.inner_text("#limit")
    assert "本图有 600 个实体" in notice and "50" in notice and "不绘制全图" in notice
    assert "kg view --focus ID --depth N" in notice and "This graph" not in notice
    assert session.js("kgExplorer.data.nodes.length") == 600  # the data is all there
    assert session.js("kgExplorer.counts()") == {
        "nodes": 0,
        "edges": 0,
        "totalNodes": 600,
        "totalEdges": net.number_of_edges(),
    }
    session.page.screenshot(path=str(site["root"] / "limited.png"))
    # search finds an entity; picking it draws its neighbourhood, around it
    session.page.fill("#search", "实体123")
    assert "e123" in session.page.inner_text("#results")
    session.page.press("#search", "Enter")
    one, two = sizes["e123"]
    assert drawn(session) == [one.number_of_nodes(), one.number_of_edges()]
    assert set(session.js("kgExplorer.network.body.data.nodes.getIds()")) == set(one)
    assert session.js("kgExplorer.network.getSelectedNodes()") == ["e123"]
    assert session.js("kgExplorer.network.getPositions(['e123']).e123") == {"x": 0, "y": 0}
    assert session.page.inner_text("#panel h2") == "实体123"
    session.page.select_option("#depth", "2")
    assert drawn(session) == [two.number_of_nodes(), two.number_of_edges()]
    session.page.screenshot(path=str(site["root"] / "limited-depth-2.png"))
    # a neighbourhood over the limit at depth 2 is drawn at depth 1
    session.js("kgExplorer.pick('e0')")
    one = sizes["e0"][0]
    assert drawn(session) == [one.number_of_nodes(), one.number_of_edges()]
    assert session.page.input_value("#depth") == "1"
    # selecting an entity that is not drawn draws around it
    session.js("kgExplorer.select('node', 'e599')")
    one = sizes["e599"][0]
    assert drawn(session) == [one.number_of_nodes(), one.number_of_edges()]
    assert session.page.inner_text("#panel h2") == "实体599"
    session.page.click("#lang button[data-lang=en]")
    notice = session.page.inner_text("#limit")
    assert "This graph has 600 entities" in notice and "本图" not in notice
    assert "kg view --focus ID --depth N" in notice
    assert "Entity 599" in {b["text"] for b in session.js("kgExplorer.labelBoxes()")}


# --- the explorer of the project's own data, at the size the issue was opened at -------------


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """data/ built into a page, and its network."""
    root = tmp_path_factory.mktemp("story")
    result = kg.build(ROOT / "data", root / "build", formats=["html"])
    net = Graphs(result.graph, result.schema).network
    page = root / "build" / "network.html"
    return {"root": root, "page": page, "net": net, "total": net.number_of_nodes()}


@pytest.fixture
def wide(browser: Browser) -> Iterator[Session]:
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(10_000)
    s = Session(page)
    yield s
    context.close()
    assert s.errors == [], "console errors"
    assert s.blocked == [], "requests that left the page"
    assert all(u.startswith(("file://", "data:")) for u in s.requests), s.requests


def labels(session: Session) -> list[dict[str, Any]]:
    """The names drawn on the canvas, after one more drawing; none two on top of each other,
    and each inside the canvas."""
    session.js("kgExplorer.network.redraw()")
    boxes: list[dict[str, Any]] = session.js("kgExplorer.labelBoxes()")
    size = session.page.locator("#network").bounding_box()
    assert size is not None
    for i, a in enumerate(boxes):
        assert 0 <= a["x"] and a["x"] + a["w"] <= size["width"], a
        assert 0 <= a["y"] and a["y"] + a["h"] <= size["height"], a
        for b in boxes[i + 1 :]:
            apart = (
                a["x"] + a["w"] <= b["x"]
                or b["x"] + b["w"] <= a["x"]
                or a["y"] + a["h"] <= b["y"]
                or b["y"] + b["h"] <= a["y"]
            )
            assert apart, (a, b)
    return boxes


def names(boxes: list[dict[str, Any]]) -> set[str]:
    return {b["id"] for b in boxes if not b["edge"]}


def in_view(session: Session) -> bool:
    """Is every drawn node inside the canvas?"""
    return bool(
        session.js(
            """() => { const n = kgExplorer.network, box = document.getElementById('network');
            const p = n.getPositions(n.body.data.nodes.getIds());
            return Object.values(p).every(q => { const d = n.canvasToDOM(q);
              return d.x >= 0 && d.y >= 0
                && d.x <= box.clientWidth && d.y <= box.clientHeight; }); }"""
        )
    )


def centred(session: Session) -> bool:
    """Are the drawn nodes in the middle of the canvas (as fitting them puts them)?"""
    return bool(
        session.js(
            """() => { const n = kgExplorer.network, box = document.getElementById('network');
            const p = n.getPositions(n.body.data.nodes.getIds());
            const d = Object.values(p).map(q => n.canvasToDOM(q));
            const xs = d.map(q => q.x), ys = d.map(q => q.y);
            const cx = (Math.min(...xs) + Math.max(...xs)) / 2;
            const cy = (Math.min(...ys) + Math.max(...ys)) / 2;
            return Math.abs(cx - box.clientWidth / 2) < 20
              && Math.abs(cy - box.clientHeight / 2) < 20; }"""
        )
    )


def test_the_first_view_names_the_hubs_and_every_group_and_no_names_overlap(
    wide: Session, story: dict[str, Any]
) -> None:
    wide.open(story["page"])
    data = wide.js("kgExplorer.data")
    hubs, groups = data["hubs"], data["groups"]
    assert hubs == ["guangzhou", "shenzhen"]
    kinds = {n: k for n, k in story["net"].nodes(data="kind")}
    assert [kinds[g] for g in groups] == sorted(
        (kinds[g] for g in groups),
        key=["CooperationArea", "Request", "Priority", "ResultArea"].index,
    )
    # every item of the interview's lists: the five areas, the asks, the ten priorities and
    # the seven results (the data may hold more asks than the three named in one answer)
    grouping = {"CooperationArea", "Request", "Priority", "ResultArea"}
    assert sorted(groups) == sorted(n for n, k in kinds.items() if k in grouping)
    assert [kinds[g] for g in groups].count("Priority") == 10
    assert [kinds[g] for g in groups].count("CooperationArea") == 5
    requests = [g for g in groups if kinds[g] == "Request"]
    first = labels(wide)
    # the story at a glance: the two cities and every group are named, and little else
    assert set(hubs) | set(groups) <= names(first)
    assert len(first) < 40
    assert in_view(wide)
    # each group is a disc one can see: its members spread around it, not on one spot
    spread = wide.js(
        """() => { const n = kgExplorer.network, d = kgExplorer.data, out = {};
        const at = id => n.canvasToDOM(n.getPositions([id])[id]);
        d.groups.forEach(g => {
          const c = at(g), members = d.nodes.filter(m => m.group === g && m.id !== g);
          if (members.length >= 8) {
            out[g] = Math.max(...members.map(m => { const p = at(m.id);
              return Math.hypot(p.x - c.x, p.y - c.y); })); } });
        return out; }"""
    )
    assert len(spread) >= 8 and min(spread.values()) > 15, spread
    wide.page.screenshot(path=str(story["root"] / "first-view.png"))
    wide.page.click("#lang button[data-lang=en]")  # English names are longer: all there still
    assert set(hubs) | set(groups) <= names(labels(wide))
    # and in words, above the legend
    assert wide.page.inner_text("#story") == (
        "In the middle: Guangzhou, Shenzhen. Around them, grouped: ★area of co-operation ×5, "
        f"▼request ×{len(requests)}, ◆priority ×10, ■area of results ×7."
    )
    wide.page.click("#lang button[data-lang=zh]")
    # zoomed in, more names, still apart
    wide.js(
        "kgExplorer.network.moveTo({position: kgExplorer.network.getPositions(['guangzhou'])"
        ".guangzhou, scale: 1.2, animation: false})"
    )
    zoomed = labels(wide)
    assert len(names(zoomed) - set(hubs) - set(groups)) > 5
    # a selection names its neighbours and its relations, in either language
    wide.js("kgExplorer.network.fit({animation: false})")
    wide.js("kgExplorer.select('node', 'shenzhen')")
    chosen = labels(wide)
    assert "shenzhen" in names(chosen)
    assert any(b["edge"] for b in chosen)
    # what is not next to the selection is drawn faint
    faint = wide.js(
        "kgExplorer.network.body.data.nodes.get().filter(n => n.opacity < 1).map(n => n.id)"
    )
    net = story["net"]
    near = {"shenzhen"} | set(net.successors("shenzhen")) | set(net.predecessors("shenzhen"))
    assert set(faint) == set(net) - near
    wide.page.click("#lang button[data-lang=en]")
    english = labels(wide)
    assert "Shenzhen" in {b["text"] for b in english}
    # filtered: still apart
    wide.page.select_option("#area", "coop-transport-hub")
    labels(wide)


def test_a_link_opens_the_entity_in_its_language_and_the_history_walks_back(
    wide: Session, story: dict[str, Any]
) -> None:
    wide.page.goto(story["page"].as_uri() + "#id=shenzhen&lang=en")
    wide.page.wait_for_function("window.kgExplorer && window.kgExplorer.ready")
    assert wide.page.is_visible("#panel")
    assert wide.page.inner_text("#panel h2") == "Shenzhen"
    assert wide.js("kgExplorer.network.getSelectedNodes()") == ["shenzhen"]
    assert wide.js("document.documentElement.lang") == "en"
    assert wide.page.get_attribute("#search", "placeholder") == "Search: zh, en or id"
    # selecting, searching and switching language write the address
    wide.js("kgExplorer.select('node', 'guangzhou')")
    assert wide.js("location.hash") == "#id=guangzhou&lang=en"
    wide.page.fill("#search", "深中通道")
    wide.page.press("#search", "Enter")
    assert wide.js("location.hash") == "#id=shenzhen-zhongshan-link&lang=en"
    wide.page.click("#lang button[data-lang=zh]")
    assert wide.js("location.hash") == "#id=shenzhen-zhongshan-link"
    assert wide.page.inner_text("#panel h2") == "深中通道"
    # the browser's back and forward buttons walk the views
    wide.page.go_back()
    assert wide.page.inner_text("#panel h2") == "Shenzhen–Zhongshan Link"
    wide.page.go_back()
    assert wide.page.inner_text("#panel h2") == "Guangzhou"
    assert wide.js("kgExplorer.network.getSelectedNodes()") == ["guangzhou"]
    wide.page.go_back()
    assert wide.page.inner_text("#panel h2") == "Shenzhen"
    wide.page.go_forward()
    assert wide.page.inner_text("#panel h2") == "Guangzhou"
    # so does the page's own back button
    wide.page.click("#back")
    wide.page.wait_for_function("document.querySelector('#panel h2').textContent === 'Shenzhen'")
    # Esc closes the panel; the canvas takes the room back, and the address drops the entity
    width = wide.page.locator("#network").bounding_box()
    wide.page.keyboard.press("Escape")
    assert wide.page.is_hidden("#panel")
    wider = wide.page.locator("#network").bounding_box()
    assert width is not None and wider is not None and wider["width"] > width["width"] + 300
    assert wide.js("location.hash") == "#lang=en"
    assert wide.js("kgExplorer.network.getSelectedNodes()") == []


def test_the_neighbourhood_is_laid_out_afresh_and_fitted_and_back_restores_the_overview(
    wide: Session, story: dict[str, Any]
) -> None:
    wide.open(story["page"])
    home = wide.js("kgExplorer.network.getPositions()")
    wide.js("kgExplorer.select('node', 'shenzhen')")
    wide.page.click("#neighbourhood")
    net = story["net"]
    near = {"shenzhen"} | set(net.successors("shenzhen")) | set(net.predecessors("shenzhen"))
    assert set(wide.js("kgExplorer.network.body.data.nodes.getIds()")) == near
    assert wide.js("kgExplorer.network.getPositions(['shenzhen']).shenzhen") == {"x": 0, "y": 0}
    # on rings around it: every neighbour at the same distance, far from where it was
    where = wide.js("kgExplorer.network.getPositions()")
    radii = {
        round((p["x"] ** 2 + p["y"] ** 2) ** 0.5 / 5) for n, p in where.items() if n != "shenzhen"
    }
    assert len(radii) <= 2  # rounding
    assert in_view(wide)
    assert "focus=shenzhen" in wide.js("location.hash")
    requests = [n for n, k in net.nodes(data="kind") if k == "Request"]
    near_requests = sum(1 for n in requests if n in near)
    assert (
        wide.page.inner_text("#kinds [data-kind=Request]") == f"{near_requests} / {len(requests)}"
    )
    boxes = labels(wide)
    assert len(names(boxes)) > len(near) / 2
    wide.page.screenshot(path=str(story["root"] / "neighbourhood.png"))
    wide.page.select_option("#depth", "2")
    two = len(wide.js("kgExplorer.network.body.data.nodes.getIds()"))
    assert two > len(near) and in_view(wide)
    labels(wide)
    wide.page.click("#back")
    wide.page.wait_for_function(f"kgExplorer.network.body.data.nodes.length === {len(near)}")
    wide.page.click("#back")
    wide.page.wait_for_function(f"kgExplorer.network.body.data.nodes.length === {story['total']}")
    assert wide.js("kgExplorer.network.getPositions()") == home


def test_filters_refit_and_count_what_is_in_view_by_class(
    wide: Session, story: dict[str, Any]
) -> None:
    wide.open(story["page"])
    wide.page.select_option("#area", "coop-transport-hub")
    shown = wide.js("kgExplorer.counts()")["nodes"]
    assert 1 < shown < story["total"]
    assert in_view(wide)
    # the legend's counts: in view / total, adding up to what the header says
    counts = wide.js("Array.from(document.querySelectorAll('#kinds .count'), e => e.textContent)")
    in_view_counts = [int(c.split(" / ")[0]) for c in counts]
    totals = [int(c.split(" / ")[1]) for c in counts]
    assert sum(in_view_counts) == shown and sum(totals) == story["total"]
    # the text filter narrows further; the view fits what is left
    assert centred(wide)
    wide.page.fill("#filter", "铁")
    left = wide.js("kgExplorer.counts()")["nodes"]
    assert 0 < left < shown
    assert centred(wide)
    assert "q=%E9%93%81" in wide.js("location.hash")
    assert in_view(wide)
    labels(wide)


def test_the_timeline_picks_a_year_and_shows_what_it_holds(
    wide: Session, story: dict[str, Any]
) -> None:
    wide.open(story["page"])
    years = wide.js(
        "Array.from(document.querySelectorAll('#timeline button'), b => b.dataset.year)"
    )
    assert "2020" in years and "2018" in years
    wide.page.click("#timeline button[data-year='2018']")
    assert "year=2018" in wide.js("location.hash")
    data = {n["id"]: n for n in wide.js("kgExplorer.data.nodes")}
    drawn_ids = set(wide.js("kgExplorer.network.body.data.nodes.getIds()"))
    held = {n for n, d in data.items() if 2018 in d["years"]}
    assert held and held <= drawn_ids  # each entity that holds the year, and its neighbours
    assert len(drawn_ids) < story["total"]
    widths = wide.js(
        "Object.fromEntries(kgExplorer.network.body.data.nodes.get()"
        ".map(n => [n.id, n.borderWidth || 1]))"
    )
    assert {n for n, w in widths.items() if w > 1} == held
    assert held <= names(labels(wide))
    wide.page.screenshot(path=str(story["root"] / "timeline.png"))
    wide.page.click("#timeline button[data-year='2018']")  # again: the year is let go
    assert wide.js("kgExplorer.counts().nodes") == story["total"]


def test_the_tooltip_goes_when_the_pointer_leaves_and_on_a_language_switch(
    wide: Session, story: dict[str, Any]
) -> None:
    wide.open(story["page"])
    point = wide.js(
        "kgExplorer.network.canvasToDOM(kgExplorer.network.getPositions(['guangzhou']).guangzhou)"
    )
    box = wide.page.locator("#network").bounding_box()
    assert box is not None
    wide.page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
    wide.page.wait_for_selector("#tip:not([hidden])")
    assert wide.page.inner_text("#tip").startswith("广州")
    wide.page.mouse.move(5, 300)  # onto the legend
    assert wide.page.is_hidden("#tip")
    wide.page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
    wide.page.wait_for_selector("#tip:not([hidden])")
    wide.js("kgExplorer.setLang('en')")
    assert wide.page.is_hidden("#tip")


def test_referenced_by_rows_never_start_a_line_with_an_arrow(
    wide: Session, story: dict[str, Any]
) -> None:
    wide.page.set_viewport_size({"width": 1100, "height": 900})  # a narrow panel
    wide.page.goto(story["page"].as_uri() + "#id=shenzhen&lang=en")
    wide.page.wait_for_function("window.kgExplorer && window.kgExplorer.ready")
    starts = wide.js(
        """Array.from(document.querySelectorAll('#panel .ref .arrow'), a => {
          const row = a.closest('.ref').getBoundingClientRect();
          const r = a.getClientRects()[0];
          return r.left - row.left; })"""
    )
    referring = {u for u, _ in story["net"].in_edges("shenzhen")}
    assert len(starts) >= len(referring) > 20  # every row that refers to Shenzhen is there
    assert min(starts) > 10  # the arrow follows its relation on the same line
    wide.page.screenshot(path=str(story["root"] / "referenced-by.png"))


def test_above_the_draw_limit_a_link_to_an_entity_draws_its_neighbourhood(
    session: Session, tmp_path: Path
) -> None:
    from kg.explorer.network import focus_network
    from kg.explorer.page import render_network
    from kg.pipeline.ontology import read_schema

    net = big_network(600)
    page = tmp_path / "limited.html"
    page.write_text(render_network(net, read_schema(), draw_limit=50), encoding="utf-8")
    session.page.goto(page.as_uri() + "#id=e123&lang=en")
    session.page.wait_for_function("window.kgExplorer && window.kgExplorer.ready")
    one = focus_network(net, "e123", 1)
    assert drawn(session) == [one.number_of_nodes(), one.number_of_edges()]
    assert session.page.inner_text("#panel h2") == "Entity 123"
    assert "Entity 123" in {b["text"] for b in labels(session)}
