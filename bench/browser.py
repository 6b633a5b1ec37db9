"""The network explorer's benchmark: how long the page takes to write, and to become usable in
headless Chromium, on `bench/generate.py`'s synthetic data.

Run `python bench/browser.py [--sizes 1000 10000] [--repeat 3] [--draw-limit N]`; it needs
Debian's chromium and playwright (`make browser`). For each size, generated data is checked
(`kg.check`) and then, in this one process, side by side:

- writing: the entity network (`network_graph`), graph.ttl and network.html, each the median
  of `--repeat` runs (graph.ttl and network.html in turns, so that a busy spell of a shared
  machine slows both alike), the network and the page also as multiples of graph.ttl's time;
- the browser: the page opened from disk `--repeat` times, each in a fresh context of one
  headless chromium (the flags of tests/test_browser.py; every request that is not file: or
  data: is blocked and counted), timed in the page from the start of navigation:
  - script: the page's script has run (DOMContentLoaded);
  - frame: the second animation frame after it has begun, so the network's first drawing
    (vis-network draws in the first) is on screen;
  - search: typing a query right after that until its list of matches is painted;
  - interactive: frame + search;
  - redraw: one more drawing of the whole network (what each pan or zoom costs);
  - neighbourhood: showing the best-connected entity's neighbourhood alone (laid out afresh
    and fitted) until it is painted, and the same at depth 2, with the number of nodes drawn
    (on a page above the draw limit, which draws no network until an entity is picked, this
    is what picking an entity costs);
  - the floor, in the same browser and run: a page that only parses the same JSON data and
    paints one frame, the least any page carrying that data can cost; interactive is also
    given as a multiple of it.

`--data DIR` adds a row for a real data folder (e.g. `--data data`, the project's 259
entities) before the generated sizes; `--sizes` with no size leaves only that row.
`--draw-limit N` renders the pages with another limit than `kg.explorer.layout.DRAW_LIMIT`, e.g.
`--sizes 1000 2000 3000 5000 --draw-limit 100000` to measure whole-network drawings.
Absolute times vary from machine to machine; compare ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).parent))

T = TypeVar("T")

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [  # as in tests/test_browser.py
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Recorded in every page before its own scripts run (the CSP does not apply to it).
MARKS = """
window.__bench = {};
document.addEventListener("DOMContentLoaded", function () {
  window.__bench.script = performance.now();
  requestAnimationFrame(function () {
    requestAnimationFrame(function () { window.__bench.frame = performance.now(); });
  });
});
"""

PAINTED = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"

SEARCH = """async (query) => {
  const box = document.getElementById("search");
  const start = performance.now();
  box.value = query;
  box.dispatchEvent(new Event("input"));
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return [performance.now() - start, document.querySelectorAll("#results li").length];
}"""

REDRAW = """() => {
  const start = performance.now();
  kgExplorer.network.redraw();
  return performance.now() - start;
}"""

PICK = """async ([id, depth]) => {
  const start = performance.now();
  if (depth === 1) { kgExplorer.showNeighbourhood(id); }
  else {
    const select = document.getElementById("depth");
    select.value = String(depth);
    select.dispatchEvent(new Event("change"));
  }
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return [performance.now() - start, kgExplorer.network.body.data.nodes.length];
}"""

FLOOR = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'">
</head><body>
<script type="application/json" id="kg-data">{data}</script>
<script>window.kgFloor = JSON.parse(document.getElementById("kg-data").textContent);</script>
</body></html>
"""


def clock(func: Callable[[], T]) -> tuple[float, T]:
    """Wall time of one call, and its result."""
    gc.collect()
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def page_data(html: str) -> str:
    start = html.index('<script type="application/json" id="kg-data">')
    return html[html.index(">", start) + 1 : html.index("</script>", start)]


def write_side(data_dir: Path, out: Path, repeat: int, draw_limit: int | None) -> dict[str, Any]:
    """Check the data; time the network, graph.ttl and network.html; write the pages."""
    import kg
    from kg.explorer.layout import DRAW_LIMIT
    from kg.explorer.network import network_graph
    from kg.explorer.page import render_network
    from kg.outputs.export import Graphs, write_turtle

    limit = DRAW_LIMIT if draw_limit is None else draw_limit
    result = kg.check(data_dir)
    texts = result.texts
    graphs = Graphs(result.graph, result.schema, result.built.positions, texts)
    graphs.triples  # noqa: B018 - sorted once, outside the timings, as the build does
    times: dict[str, list[float]] = {"network": [], "ttl": [], "html": []}
    for _ in range(max(1, repeat)):
        took, net = clock(
            lambda: network_graph(result.graph, result.schema, result.built.positions, texts)
        )
        times["network"].append(took)
    for _ in range(max(1, repeat)):  # in turns, so that a busy spell slows both alike
        took, ttl = clock(lambda: write_turtle(graphs))
        times["ttl"].append(took)
        took, html = clock(lambda: render_network(net, result.schema, draw_limit=limit).encode())
        times["html"].append(took)
    net_s, ttl_s, html_s = (statistics.median(times[k]) for k in ("network", "ttl", "html"))
    page = out / "network.html"
    page.write_bytes(html)
    floor = out / "floor.html"
    floor.write_text(FLOOR.format(data=page_data(html.decode("utf-8"))), encoding="utf-8")
    degree = dict(net.degree())
    hub = max(sorted(degree), key=lambda n: degree[n])  # the best-connected, first by id
    return {
        "nodes": net.number_of_nodes(),
        "edges": net.number_of_edges(),
        "ttl_s": ttl_s,
        "ttl_mb": len(ttl) / 2**20,
        "network_s": net_s,
        "html_s": html_s,
        "html_mb": len(html) / 2**20,
        "limited": net.number_of_nodes() > limit,
        "limit": limit,
        "page": page,
        "floor": floor,
        "hub": hub,
    }


class Blocker:
    """Lets file: and data: requests through, aborts and counts the rest."""

    def __init__(self) -> None:
        self.blocked: list[str] = []
        self.errors: list[str] = []

    def route(self, route: Any) -> None:
        if route.request.url.startswith(("file://", "data:")):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()


def open_page(browser: Any, path: Path, blocker: Blocker) -> Any:
    # the page's CSP forbids eval, which playwright's waiting on an expression needs here
    context = browser.new_context(viewport={"width": 1400, "height": 900}, bypass_csp=True)
    context.route("**/*", blocker.route)
    context.add_init_script(MARKS)
    page = context.new_page()
    page.set_default_timeout(300_000)
    page.on("pageerror", lambda e: blocker.errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and blocker.errors.append(m.text))
    page.goto(path.as_uri())
    page.wait_for_function("window.__bench.frame !== undefined", polling=50)
    return context, page


def browser_side(browser: Any, made: dict[str, Any], repeat: int) -> dict[str, Any]:
    """Median in-page times (seconds) of opening the page, and of the floor page."""
    blocker = Blocker()
    runs: dict[str, list[float]] = {}
    counts: dict[str, int] = {}

    def note(name: str, ms: float) -> None:
        runs.setdefault(name, []).append(ms / 1000)

    for _ in range(max(1, repeat)):
        context, page = open_page(browser, made["floor"], blocker)
        note("floor", page.evaluate("window.__bench.frame"))
        context.close()
        context, page = open_page(browser, made["page"], blocker)
        page.wait_for_function("window.kgExplorer && window.kgExplorer.ready")
        marks = page.evaluate("window.__bench")
        note("script", marks["script"])
        note("frame", marks["frame"])
        search_ms, counts["matches"] = page.evaluate(SEARCH, made["hub"])
        note("search", search_ms)
        note("interactive", marks["frame"] + search_ms)
        page.evaluate("document.getElementById('results').hidden = true")
        if not made["limited"]:
            note("redraw", page.evaluate(REDRAW))
            counts["drawn"] = page.evaluate("kgExplorer.network.body.data.nodes.length")
            counts["labels"] = page.evaluate(
                "kgExplorer.labelBoxes ? kgExplorer.labelBoxes().length : 0"
            )
        for depth in (1, 2):
            ms, counts[f"drawn{depth}"] = page.evaluate(PICK, [made["hub"], depth])
            note(f"pick{depth}", ms)
        if made["limited"]:
            note("redraw", page.evaluate(REDRAW))
            counts["drawn"] = page.evaluate("kgExplorer.network.body.data.nodes.length")
            counts["labels"] = page.evaluate(
                "kgExplorer.labelBoxes ? kgExplorer.labelBoxes().length : 0"
            )
        context.close()
    found: dict[str, Any] = {k: statistics.median(v) for k, v in runs.items()}
    found.update(counts)
    found["blocked"] = len(blocker.blocked)
    found["errors"] = blocker.errors
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--data", type=Path, default=None, help="also a real data folder")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--draw-limit", type=int, default=None)
    args = parser.parse_args()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sys.exit("playwright is missing: run `make browser`")
    if not CHROMIUM.is_file():
        sys.exit(f"{CHROMIUM} is missing: run `make browser`")
    from generate import generate

    rows: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
    with tempfile.TemporaryDirectory(prefix="kg-bench-browser-") as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        if args.data is not None:
            out = Path(tmp) / "out-data"
            out.mkdir()
            print(f"{args.data}: checking and writing …", file=sys.stderr, flush=True)
            made = write_side(args.data, out, args.repeat, args.draw_limit)
            print(f"{args.data}: in chromium …", file=sys.stderr, flush=True)
            rows.append((made["nodes"], made, browser_side(browser, made, args.repeat)))
        for size in args.sizes:
            data_dir, out = Path(tmp) / f"data-{size}", Path(tmp) / f"out-{size}"
            out.mkdir()
            generate(data_dir, size)
            print(f"{size} entities: checking and writing …", file=sys.stderr, flush=True)
            made = write_side(data_dir, out, args.repeat, args.draw_limit)
            print(f"{size} entities: in chromium …", file=sys.stderr, flush=True)
            rows.append((size, made, browser_side(browser, made, args.repeat)))
        browser.close()
    report(rows, args.repeat)


def report(rows: list[tuple[int, dict[str, Any], dict[str, Any]]], repeat: int) -> None:
    print(f"### Writing (seconds, median of {repeat}; × = multiple of writing graph.ttl)\n")
    print("| entities | relations | graph.ttl | network | network.html | page | drawn |")
    print("|---:|---:|---:|---:|---:|---:|---|")
    for size, m, _ in rows:
        ttl = m["ttl_s"]
        drawn = f"neighbourhoods (over {m['limit']:,})" if m["limited"] else "whole network"
        print(
            f"| {size:,} | {m['edges']:,} | {ttl:.2f} s ({m['ttl_mb']:.1f} MB) "
            f"| {m['network_s']:.2f} s ({m['network_s'] / ttl:.1f}×) "
            f"| {m['html_s']:.2f} s ({m['html_s'] / ttl:.1f}×) | {m['html_mb']:.1f} MB | {drawn} |"
        )
    print(
        f"\n### In headless Chromium (seconds from navigation, median of {repeat}; "
        "floor = a page that only parses the same data)\n"
    )
    print(
        "| entities | floor | script | frame | search | interactive | ÷ floor | redraw "
        "| neighbourhood: depth 1 | depth 2 |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, _, b in rows:
        picks = [f"{b[f'pick{d}']:.3f} s ({b[f'drawn{d}']} nodes)" for d in (1, 2)]
        print(
            f"| {size:,} | {b['floor']:.2f} | {b['script']:.2f} | {b['frame']:.2f} "
            f"| {b['search']:.3f} | {b['interactive']:.2f} | {b['interactive'] / b['floor']:.1f}× "
            f"| {b['redraw']:.3f} ({b['drawn']} nodes, {b['labels']} names) "
            f"| {picks[0]} | {picks[1]} |"
        )
    problems = [(s, b["blocked"], b["errors"]) for s, _, b in rows if b["blocked"] or b["errors"]]
    for size, blocked, errors in problems:
        print(f"\n{size:,}: {blocked} request(s) left the page and were blocked; errors: {errors}")


if __name__ == "__main__":
    main()
