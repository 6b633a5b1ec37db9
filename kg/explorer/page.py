"""The HTML explorer of a network (`kg.explorer.network`): vis-network's nodes, edges and
options, rendered with our own template that inlines vis-network from the pyvis wheel, so
the page makes no request when opened.

Data reaches the page only as JSON inside a `<script type="application/json">` element (with
`<`, `>` and `&` escaped), and the page's script shows it with `textContent` and
`createElement`: a label or a quote is text, never markup.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import math
from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, Template, select_autoescape
from rdflib import URIRef

from kg.explorer.layout import DRAW_LIMIT, overview
from kg.explorer.network import names_in, view_kind, view_style
from kg.namespaces import GBA, KG
from kg.pipeline.ontology import Schema
from kg.runtime import collector

if TYPE_CHECKING:
    import networkx as nx


@functools.cache
def _vis() -> Path:
    """The folder of vis-network in the pyvis wheel, found without importing pyvis (whose
    `__init__` imports IPython: a third of a second that no command needs)."""
    spec = importlib.util.find_spec("pyvis")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("pyvis is not installed: it ships the explorer's vis-network")
    return Path(spec.origin).parent / "templates" / "lib" / "vis-9.1.2"


_TEMPLATES = Path(__file__).parent / "templates"


def render_network(
    net: nx.MultiDiGraph,
    schema: Schema,
    title: str = "gba-kg network",
    focus: str | None = None,
    where: dict[str, Any] | None = None,
    draw_limit: int = DRAW_LIMIT,
) -> str:
    """The HTML explorer for `net`: one file, vis-network inlined, no external request.

    With `focus`, the page opens with that node selected and its facts shown. `where` is
    `network_layout(net)` when it was computed already.

    A network of more than `draw_limit` nodes is not drawn whole (see `DRAW_LIMIT`): its
    page says so, carries the same data, search and side panel, and draws the neighbourhood
    of the entity picked, laid out in the browser; no layout is computed here.
    """
    return "".join(render_network_parts(net, schema, title, focus, where, draw_limit))


def render_network_parts(
    net: nx.MultiDiGraph,
    schema: Schema,
    title: str = "gba-kg network",
    focus: str | None = None,
    where: dict[str, Any] | None = None,
    draw_limit: int = DRAW_LIMIT,
) -> Iterator[str]:
    """`render_network`'s page in parts, to be written as they come: the page's data (most
    of it) is made member by member, never held whole."""
    with collector.paused():
        yield from _render(net, schema, title, focus, where, draw_limit)


def _render(
    net: nx.MultiDiGraph,
    schema: Schema,
    title: str,
    focus: str | None,
    where: dict[str, Any] | None,
    draw_limit: int,
) -> Iterator[str]:
    nodes = sorted(net.nodes(data=True))
    pairs = sorted(iter(net.edges(keys=True, data=True)))  # iter: no count of the edges first
    degree: dict[str, int] = defaultdict(int)  # networkx's degree: in and out, loops twice
    for u, v, _, _ in pairs:
        degree[u] += 1
        degree[v] += 1
    limited = len(nodes) > draw_limit
    kinds: dict[str, int] = defaultdict(int)
    for _, attrs in nodes:
        kinds[attrs["kind"]] += 1
    styles = {kind: view_style(schema, kind) for kind in kinds}
    area = schema.view_area  # the areas the page filters by: its range's entities
    area_kinds = (
        {view_kind(schema, schema.classes.get(c)) for c in area.range_classes} if area else set()
    )
    vis_nodes: list[dict[str, Any]] = []
    vis_edges: list[dict[str, Any]] = []
    kind_of = {node: attrs["kind"] for node, attrs in nodes}
    story = overview(  # above the draw limit, the groups only: no positions
        [node for node, _ in nodes],
        [(u, v) for u, v, _, _ in pairs],
        kind_of,
        group_rank(schema),
        arrange=not limited,
    )
    if not limited and (where is None or where.keys() != net.nodes.keys()):
        where = story.positions
    role = {
        **{n: 3 for n in story.parts},
        **{n: 1 for n in story.hubs},
        **{n: 2 for n in story.groups},
    }
    if not limited and where is not None:
        vis_nodes, vis_edges = _drawing(nodes, pairs, degree, role, styles, where)
    options = _options(len(vis_nodes))
    years: dict[str, set[int]] = defaultdict(set)
    for st in net.graph.get("statements", {}).values():
        years[st["subject"]].update(st.get("years", ()))
    data: dict[str, Any] = {
        "nodes": [
            {
                "id": node,
                "zh": attrs["label_zh"],
                "en": attrs["label_en"],
                "alt": attrs.get("alt", {}),
                "kind": attrs["kind"],
                "type": attrs["type"],
                "type_zh": attrs["type_zh"],
                "type_en": attrs.get("type_en", attrs["type"]),
                "degree": degree.get(node, 0),
                "file_line": attrs.get("file_line", []),
                "evidence": attrs.get("evidence", []),
                "facts": attrs.get("facts", []),
                "areas": attrs.get("areas", []),
                "group": story.group_of.get(node, ""),
                "role": role.get(node, 0),  # 1 a hub, 2 a group, 3 a connected part's seed
                "years": sorted(years.get(node, ())),
            }
            for node, attrs in nodes
        ],
        "edges": [
            {
                "id": f"{u}--{key}--{v}",
                "from": u,
                "to": v,
                "key": key,
                "zh": attrs["label_zh"],
                "en": attrs["label_en"],
                "statements": attrs.get("statements", []),
            }
            for u, v, key, attrs in pairs
        ],
        "statements": net.graph.get("statements", {}),
        "evidence": net.graph.get("evidence", {}),
        "sources": net.graph.get("sources", {}),
        "kinds": [
            {
                "kind": kind,
                "count": count,
                **styles[kind],
                **names_in(_class_labels(schema, kind), kind),
            }
            for kind, count in sorted(kinds.items())
        ],
        "areas": [
            {"id": node, "zh": attrs["label_zh"], "en": attrs["label_en"]}
            for node, attrs in nodes
            if attrs["kind"] in area_kinds
        ],
        "focus": focus,
        "hubs": story.hubs,
        "groups": story.groups,
        "vis": {"nodes": vis_nodes, "edges": vis_edges, "options": options},
    }
    if limited:  # the page builds the drawn items from "nodes" and "edges" itself
        data["vis"] = {"options": options}
        data["limit"] = draw_limit
    # the data is put in after rendering: the template engine would copy it twice more
    page = _template().render(
        title=title,
        data=_DATA_MARK,
        vis_js=(_vis() / "vis-network.min.js").read_text(encoding="utf-8"),
        vis_css=(_vis() / "vis-network.css").read_text(encoding="utf-8"),
        node_count=len(nodes),
        edge_count=len(pairs),
        limit=draw_limit if limited else None,
    )
    before, after = page.split(_DATA_MARK)
    yield before
    yield from _script_json_parts(data)
    yield after


_DATA_MARK = "\x00kg-data\x00"


def group_rank(schema: Schema) -> dict[str, int]:
    """The view kinds of the ontology's grouping classes (`kg:viewGroup N`), with their N."""
    rank: dict[str, int] = {}
    for cls, value in sorted(schema.graph.subject_objects(KG.viewGroup)):
        info = schema.classes.get(cls) if isinstance(cls, URIRef) else None
        if info is not None:
            text = str(value)
            rank.setdefault(view_kind(schema, info), int(text) if text.isdigit() else 0)
    return rank


def _drawing(
    nodes: list[tuple[str, dict[str, Any]]],
    pairs: list[tuple[str, str, str, dict[str, Any]]],
    degree: Mapping[str, int],
    role: Mapping[str, int],
    styles: Mapping[str, dict[str, str]],
    where: Mapping[str, Any],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """vis-network's nodes, at their precomputed positions, and edges of the whole network
    (with no labels: the page draws those itself, never two on top of each other)."""
    vis_nodes = [
        {
            "id": node,
            "x": where[node][0],
            "y": where[node][1],
            "size": node_size(degree.get(node, 0), role.get(node, 0)),
            **styles[attrs["kind"]],
        }
        for node, attrs in nodes
    ]
    parallel: dict[tuple[str, str], int] = defaultdict(int)
    vis_edges = []
    for u, v, key, _ in pairs:
        rank = parallel[(min(u, v), max(u, v))]
        parallel[(min(u, v), max(u, v))] += 1
        item: dict[str, Any] = {"id": f"{u}--{key}--{v}", "from": u, "to": v, "arrows": "to"}
        if rank:  # a second relation between the same two nodes bends away from the first
            item["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.2 * rank}
        vis_edges.append(item)
    return vis_nodes, vis_edges


def node_size(degree: int, role: int = 0) -> int:
    """A node's radius in the drawing: it grows with the square root of its relations, and
    the hubs and grouping entities the first view is about are larger still."""
    return round(6 + 4 * math.sqrt(degree)) + (12 if role else 0)


@functools.cache
def _template() -> Template:
    env = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape())
    return env.get_template("network.html")


def _class_labels(schema: Schema, kind: str) -> dict[str, str]:
    info = schema.classes.get(GBA._NS[kind])
    return info.labels if info else {}


def _script_json(value: object) -> str:
    """JSON that is safe inside <script>: no '<', '>' or '&' can close the element."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        if char in text:  # on tens of megabytes, finding none is cheaper than replacing none
            text = text.replace(char, escaped)
    return text


def _script_json_parts(value: dict[str, Any], batch: int = 2048) -> Iterator[str]:
    """`_script_json(value)` in parts: the members of `value`'s lists and objects are
    encoded `batch` at a time, in `value`'s key order (the same text: JSON sorts keys, and
    a batch's text is its items' texts between commas)."""
    yield "{"
    for i, key in enumerate(sorted(value)):
        member = value[key]
        head = ("," if i else "") + _script_json(key) + ":"
        if isinstance(member, list) and member:
            yield head + "["
            for j in range(0, len(member), batch):
                yield ("," if j else "") + _script_json(member[j : j + batch])[1:-1]
            yield "]"
        elif isinstance(member, dict) and member:
            keys = sorted(member)
            yield head + "{"
            for j in range(0, len(keys), batch):
                part = {k: member[k] for k in keys[j : j + batch]}
                yield ("," if j else "") + _script_json(part)[1:-1]
            yield "}"
        else:
            yield head + _script_json(member)
    yield "}"


def _options(count: int) -> dict[str, Any]:
    """vis-network options: positions are precomputed, so physics starts off."""
    big = count > 1000
    return {
        "layout": {"randomSeed": 7, "improvedLayout": False},
        "physics": {
            "enabled": False,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 120},
            "stabilization": {"enabled": False},
        },
        "nodes": {
            "borderWidth": 1,
            "color": {"border": "#444444"},
        },
        "edges": {
            "color": {"color": "#c4c4c4", "highlight": "#222222", "hover": "#666666"},
            "arrows": {"to": {"scaleFactor": 0.5}},
            "smooth": False,
            "width": 0.8,
            "selectionWidth": 2,
        },
        "interaction": {
            "hover": True,
            "tooltipDelay": 3600000,  # the page draws its own tooltip, as text
            "hideEdgesOnDrag": big,
            "hideEdgesOnZoom": big,
            "navigationButtons": False,
            "keyboard": False,
            "multiselect": False,
        },
    }
