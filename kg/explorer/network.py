"""The graph as a network: entities as nodes, relations between them as edges (networkx), and
the HTML explorer of that network (vis-network's nodes, edges and options, rendered with our
own template that inlines vis-network from the pyvis wheel, so the page makes no request when
opened).

Everything the page shows is computed here: each node's and edge's facts, each fact's
evidence (the verbatim quote, its surrounding sentence, its source's title, publisher and
date) and the `file:line` of the curated YAML it came from; node sizes (networkx degree);
and a seeded layout, so the same graph always opens in the same arrangement. A network of
more than `DRAW_LIMIT` entities is not drawn whole: its page draws the neighbourhood of the
entity picked, laid out in the browser the same way every time.

Data reaches the page only as JSON inside a `<script type="application/json">` element (with
`<`, `>` and `&` escaped), and the page's script shows it with `textContent` and
`createElement`: a label or a quote is text, never markup.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import random
from collections import defaultdict
from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import pyvis
from jinja2 import Environment, FileSystemLoader, Template, select_autoescape
from rdflib import DCTERMS, RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.term import Node

from kg.facts import SourcePos
from kg.namespaces import GBA, KG, OA, PROV
from kg.pipeline.graph_facts import reified_statements
from kg.pipeline.ontology import ClassInfo, Schema
from kg.runtime import collector

_VIS = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2"
_TEMPLATES = Path(__file__).parent / "templates"

_OTHER_COLOR = "#999999"

DRAW_LIMIT = 3000
"""The most entities the explorer draws as one network. In headless Chromium
(`bench/browser.py`), whole drawings of 2,000, 3,000, 5,000 and 10,000 entities became
usable after about 1.9, 2.5, 3.9 and 6.2 s, and took 0.08, 0.12, 0.19 and 0.35 s to redraw
on each pan or zoom. A bigger network's page says so, carries the same data, search and
panel, and draws only the neighbourhood of the entity picked; no whole-network layout is
computed for it."""


def _kind(schema: Schema, info: ClassInfo | None) -> str:
    """The nearest ancestor class with a view colour in the ontology (`kg:viewColor`)."""
    if info is None:
        return "Entity"
    styled = [a for a in info.ancestors if schema.graph.value(a, KG.viewColor) is not None]
    if not styled:
        return "Entity"
    nearest = max(styled, key=lambda a: (len(schema.classes[a].ancestors), str(a)))
    return _local(nearest)


def _style(schema: Schema, kind: str) -> dict[str, str]:
    """Colour and shape of a kind, from the ontology's kg:viewColor and kg:viewShape."""
    cls = GBA._NS[kind]
    color = schema.graph.value(cls, KG.viewColor)
    shape = schema.graph.value(cls, KG.viewShape)
    return {"color": str(color or _OTHER_COLOR), "shape": str(shape or "dot")}


_AHEAD = ((1, -1), (1, 0), (1, 1), (0, 1))  # half of a grid cell's neighbours

SENTENCE_ENDS = "。!?;!?;\n"
"""Where a surrounding sentence stops (full-width and ASCII end marks, and line breaks)."""
SENTENCE_MAX = 160
"""At most this many characters of a surrounding sentence on each side of a quote."""


# the terms read per node, made once: rdflib makes a new IRI (checking it) on each
# namespace lookup, which was a fifth of the network's time at 10,000 entities
_TYPE, _LABEL, _ALT_LABEL, _DERIVED = RDF.type, RDFS.label, SKOS.altLabel, PROV.wasDerivedFrom
_HAS_SOURCE, _HAS_SELECTOR, _EXACT = OA.hasSource, OA.hasSelector, OA.exact
_START, _END = OA.start, OA.end
_SOURCE_DOCUMENT = GBA.SourceDocument
_QUOTE_FIELDS = tuple((field, OA[field]) for field in ("exact", "prefix", "suffix"))


def _local(term: Node) -> str:
    return _local_name(str(term))


def _local_name(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _label(graph: Graph, node: Node, lang: str) -> str:
    for value in graph.objects(node, _LABEL):
        if isinstance(value, Literal) and value.language == lang:
            return str(value)
    return _local(node)


def _alt_labels(graph: Graph, node: Node, lang: str) -> list[str]:
    return sorted(
        str(v)
        for v in graph.objects(node, _ALT_LABEL)
        if isinstance(v, Literal) and v.language == lang
    )


def network_graph(
    graph: Graph,
    schema: Schema,
    positions: Mapping[URIRef, SourcePos] | None = None,
    texts: Mapping[str, str] | None = None,
) -> nx.MultiDiGraph:
    """Entities and the object-property statements between them, with their facts.

    Nodes carry labels, type and kind, alternative labels, the `file:line` of the entity
    (`pos`, from `positions`), its own evidence and its statements (`facts`, ids into
    `net.graph["statements"]`), and its areas of co-operation. Edges carry the property's
    labels, the quotes that support them and their statement ids. `net.graph` holds
    `statements`, `evidence` (quote, surrounding sentence from `texts` — source id → text —
    or the quote's own prefix and suffix) and `sources` (title, publisher, date).
    """
    with collector.paused():
        return _network_graph(graph, schema, positions or {}, texts or {})


def _network_graph(
    graph: Graph,
    schema: Schema,
    positions: Mapping[URIRef, SourcePos],
    texts: Mapping[str, str],
) -> nx.MultiDiGraph:
    entities = sorted(u for u in graph.subjects(RDF.type, GBA.Entity) if isinstance(u, URIRef))
    part = network_part(graph, schema, positions, texts, entities, set(entities))
    return join_network([part], schema)


@dataclass
class NetworkPart:
    """What the network says of some entities (`network_part`), to be joined with what it
    says of the others (`join_network`): each entity's node, each statement about one of
    them, each passage they cite, and each of them that is a source document."""

    nodes: dict[str, dict[str, Any]]  # entity IRI → attributes (`facts`, `areas`: empty)
    statements: dict[str, dict[str, Any]]  # statement IRI → page data, with its quotes
    evidence: dict[str, dict[str, Any]]  # passage IRI → page data
    sources: dict[str, dict[str, Any]]  # source document IRI → title, publisher, date


def network_part(
    graph: Graph,
    schema: Schema,
    positions: Mapping[URIRef, SourcePos],
    texts: Mapping[str, str],
    entities: list[URIRef],
    every_entity: Container[Node],
) -> NetworkPart:
    """The part of the network about `entities` (sorted), which `graph` describes in full;
    `every_entity` tells which IRIs are entities in the whole graph."""
    with collector.paused():
        nodes: dict[str, dict[str, Any]] = {}
        cited: set[Node] = set()
        sources: dict[str, dict[str, Any]] = {}
        for node in entities:
            types = set(graph.objects(node, _TYPE))
            cls = _most_specific(schema, types)
            info = schema.classes.get(cls)
            pos = positions.get(node)
            evidence = list(graph.objects(node, _DERIVED))
            cited.update(evidence)
            nodes[str(node)] = {
                "label_zh": _label(graph, node, "zh"),
                "label_en": _label(graph, node, "en"),
                "type": info.yaml_type or _local(cls) if info else _local(cls),
                "type_zh": schema.label(cls, "zh"),
                "kind": _kind(schema, info),
                "iri": str(node),
                "type_en": schema.label(cls, "en"),
                "alt": {lang: _alt_labels(graph, node, lang) for lang in ("zh", "en")},
                "file_line": [str(pos)] if pos else [],
                "evidence": sorted(_local(e) for e in evidence),
                "facts": [],
                "areas": [],
            }
            if _SOURCE_DOCUMENT in types:
                sources[str(node)] = _source(graph, schema, node)
        statements, more = _statements(graph, schema, set(entities), every_entity, positions)
        cited.update(more)
        return NetworkPart(nodes, statements, _evidence(graph, cited, texts), sources)


def join_network(parts: Iterable[NetworkPart], schema: Schema) -> nx.MultiDiGraph:
    """The network of all `parts` (of distinct entities), as `network_graph` makes it."""
    nodes: dict[str, dict[str, Any]] = {}
    statements: dict[str, dict[str, Any]] = {}
    evidence: dict[str, dict[str, Any]] = {}
    documents: dict[str, dict[str, Any]] = {}
    for part in parts:
        nodes.update(part.nodes)
        statements.update(part.statements)
        evidence.update(part.evidence)
        documents.update(part.sources)
    net = nx.MultiDiGraph()
    for iri in sorted(nodes):
        attrs = nodes[iri]
        net.add_node(_local_name(iri), **{**attrs, "facts": [], "areas": []})
    area_prop = schema.view_area
    edges: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    by_id = {_local_name(iri): statements[iri] for iri in sorted(statements)}
    for st_id, st in sorted(by_id.items()):
        subject = st["subject"]
        net.nodes[subject]["facts"].append(st_id)
        target = st["object"].get("node")
        if area_prop is not None and st["key"] == area_prop.key and target:
            net.nodes[subject]["areas"].append(target)
        if not target:
            continue
        prop = schema.properties[st["key"]]
        u, v = subject, target
        if prop.is_symmetric and str(u) > str(v):
            u, v = v, u  # drawn once, in id order; the builder wrote both directions
        sort_key = (u, str(prop.iri), v, prop.key)
        edge = edges.setdefault(
            sort_key,
            {
                "label_en": prop.labels.get("en", prop.key),
                "label_zh": prop.labels.get("zh", prop.key),
                "quotes": [],
                "statements": [],
            },
        )
        edge["statements"].append(st_id)
        edge["quotes"].extend(st["quotes"])
    for (u, _, v, key), attrs in sorted(edges.items()):
        attrs["quotes"] = sorted(attrs["quotes"])
        net.add_edge(u, v, key=key, **attrs)
    for _, attrs in net.nodes(data=True):
        attrs["areas"] = sorted(set(attrs["areas"]))
    net.graph["statements"] = {
        k: {f: v for f, v in st.items() if f != "quotes"} for k, st in by_id.items()
    }
    net.graph["evidence"] = {
        _local_name(iri): {k: v for k, v in evidence[iri].items() if k != "source_iri"}
        for iri in sorted(evidence)
    }
    cited_sources = sorted({e["source_iri"] for e in evidence.values() if e["source_iri"]})
    net.graph["sources"] = {
        _local_name(iri): _source_entry(documents.get(iri), iri, nodes, schema)
        for iri in cited_sources
    }
    return net


def _most_specific(schema: Schema, types: set[Node]) -> URIRef:
    candidates = [t for t in types if isinstance(t, URIRef) and t in schema.classes]
    return max(candidates, key=lambda c: (len(schema.classes[c].ancestors), str(c)))


def _statements(
    graph: Graph,
    schema: Schema,
    entities: set[URIRef],
    every_entity: Container[Node],
    positions: Mapping[URIRef, SourcePos],
) -> tuple[dict[str, dict[str, Any]], set[Node]]:
    """Every reified statement about one of `entities`, as page data (by statement IRI);
    and the evidence they cite."""
    out: dict[str, dict[str, Any]] = {}
    cited: set[Node] = set()
    for st, subject, prop, obj in reified_statements(graph, schema, entities):
        evidence = sorted(graph.objects(st, _DERIVED), key=str)
        cited.update(evidence)
        qualifiers = []
        for q, value in sorted(graph.predicate_objects(st), key=lambda pv: str(pv)):
            qprop = schema.by_iri.get(q) if isinstance(q, URIRef) else None
            if qprop is not None and qprop.is_qualifier:
                qualifiers.append(
                    {"key": qprop.key, **_names(qprop.labels, qprop.key), "value": str(value)}
                )
        pos = positions.get(st) if isinstance(st, URIRef) else None
        out[str(st)] = {
            "subject": _local(subject),
            "key": prop.key,
            **_names(prop.labels, prop.key),
            "object": _value(graph, obj, every_entity),
            "qualifiers": qualifiers,
            "evidence": [_local(e) for e in evidence],
            "file_line": str(pos) if pos else "",
            "quotes": sorted(
                str(x)
                for e in evidence
                for sel in graph.objects(e, _HAS_SELECTOR)
                if (x := graph.value(sel, _EXACT)) is not None
            ),
        }
    return out, cited


def _names(labels: Mapping[str, str], fallback: str) -> dict[str, str]:
    return {"zh": labels.get("zh", fallback), "en": labels.get("en", fallback)}


def _value(graph: Graph, obj: Node, entities: Container[Node]) -> dict[str, str]:
    """A statement's object: an entity's id, a term's labels, or a literal's text."""
    if obj in entities:
        return {"node": _local(obj)}
    if isinstance(obj, URIRef):
        return {"zh": _label(graph, obj, "zh"), "en": _label(graph, obj, "en")}
    return {"zh": str(obj), "en": str(obj)}


def _evidence(
    graph: Graph, nodes: Iterable[Node], texts: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """Each passage's page data, by IRI (with its source's IRI, `source_iri`)."""
    out: dict[str, dict[str, Any]] = {}
    for node in sorted(nodes, key=str):
        source = graph.value(node, _HAS_SOURCE)
        quote: dict[str, str] = {}
        start = end = -1
        for sel in graph.objects(node, _HAS_SELECTOR):
            for field, term in _QUOTE_FIELDS:
                value = graph.value(sel, term)
                if value is not None:
                    quote[field] = str(value)
            if isinstance(value := graph.value(sel, _START), Literal):
                start = int(value)
            if isinstance(value := graph.value(sel, _END), Literal):
                end = int(value)
        text = texts.get(_local(source)) if source is not None else None
        if text is not None and 0 <= start <= end <= len(text):
            before, after = surrounding_sentence(text, start, end)
        else:
            before, after = sentence_from_context(quote.get("prefix", ""), quote.get("suffix", ""))
        out[str(node)] = {
            "exact": quote.get("exact", ""),
            "before": before,
            "after": after,
            "source": _local(source) if source is not None else "",
            "start": start,
            "end": end,
            "source_iri": str(source) if source is not None else "",
        }
    return out


def surrounding_sentence(text: str, start: int, end: int) -> tuple[str, str]:
    """The text before and after `text[start:end]` up to the ends of its sentence.

    A sentence ends at 。!?;, their ASCII forms or a line break; at most `SENTENCE_MAX`
    characters are kept on each side ("…" marks a cut).

    >>> surrounding_sentence("一是甲。乙丙丁,戊己;庚", 6, 7)
    ('乙丙', ',戊己;')
    """
    lo = start
    while lo > 0 and text[lo - 1] not in SENTENCE_ENDS and start - lo < SENTENCE_MAX:
        lo -= 1
    hi = end
    if not (end > start and text[end - 1] in SENTENCE_ENDS):
        while hi < len(text) and hi - end < SENTENCE_MAX:
            hi += 1
            if text[hi - 1] in SENTENCE_ENDS:
                break
    before = text[lo:start]
    after = text[end:hi]
    if lo > 0 and text[lo - 1] not in SENTENCE_ENDS:
        before = "…" + before
    if hi < len(text) and text[hi - 1] not in SENTENCE_ENDS:
        after += "…"
    return before.lstrip(), after.rstrip()


def sentence_from_context(prefix: str, suffix: str) -> tuple[str, str]:
    """Like `surrounding_sentence`, from a quote's TextQuoteSelector prefix and suffix only.

    >>> sentence_from_context("甲。乙丙", "丁;戊")
    ('乙丙', '丁;')
    """
    cut = max(prefix.rfind(ch) for ch in SENTENCE_ENDS)
    before = prefix[cut + 1 :] if cut >= 0 else "…" + prefix if prefix else ""
    ends = [i for i in (suffix.find(ch) for ch in SENTENCE_ENDS) if i >= 0]
    after = suffix[: min(ends) + 1] if ends else suffix + "…" if suffix else ""
    return before.lstrip(), after.rstrip()


def _source(graph: Graph, schema: Schema, node: Node) -> dict[str, Any]:
    """A source document's title, publisher (its IRI or text) and date."""
    publisher = schema.property_for(DCTERMS.publisher)
    date = schema.property_for(DCTERMS.date)
    pub = graph.value(node, publisher.iri) if publisher else None
    when = graph.value(node, date.iri) if date else None
    return {
        "title_zh": _label(graph, node, "zh"),
        "title_en": _label(graph, node, "en"),
        "publisher": None if pub is None else (isinstance(pub, URIRef), str(pub)),
        "date": "" if when is None else str(when),
    }


def _source_entry(
    found: dict[str, Any] | None,
    iri: str,
    nodes: Mapping[str, Mapping[str, Any]],
    schema: Schema,
) -> dict[str, str]:
    """The explorer's entry of source `iri`: its title, publisher's name and date."""
    if found is None:  # not described in the graph
        found = {"title_zh": _local_name(iri), "title_en": _local_name(iri), "publisher": None}
        found["date"] = ""
    entry = {"title_zh": found["title_zh"], "title_en": found["title_en"]}
    pub = found["publisher"]
    for lang in ("zh", "en"):
        if pub is None:
            name = ""
        elif not pub[0]:  # a text
            name = pub[1]
        elif pub[1] in nodes:  # an entity
            name = nodes[pub[1]][f"label_{lang}"]
        else:  # a term of the ontology's vocabulary, or nothing known
            name = _label(schema.graph, URIRef(pub[1]), lang)
        entry[f"publisher_{lang}"] = name
    entry["date"] = found["date"]
    return entry


def focus_network(net: nx.MultiDiGraph, focus: str, depth: int = 1) -> nx.MultiDiGraph:
    """The part of `net` within `depth` relations of node `focus`, either direction."""
    if focus not in net:
        raise KeyError(focus)
    reach = nx.single_source_shortest_path_length(net.to_undirected(as_view=True), focus, depth)
    sub: nx.MultiDiGraph = net.subgraph(sorted(reach)).copy()
    sub.graph.update(net.graph)
    return sub


def network_layout(net: nx.MultiDiGraph, draw_limit: int = DRAW_LIMIT) -> dict[str, Any]:
    """The explorer's positions of `net`'s nodes, as `render_network` places them; none for
    a network of more than `draw_limit` nodes, which the page does not draw whole."""
    if net.number_of_nodes() > draw_limit:
        return {}
    return layout(sorted(net.nodes), [(u, v) for u, v in net.edges()])


def layout(nodes: list[str], edges: Iterable[tuple[str, str]], seed: int = 7) -> dict[str, Any]:
    """Seeded Fruchterman–Reingold positions, in pixels, the same on every machine.

    Repulsion only acts within a grid cell's neighbours (the grid variant of the algorithm),
    so a step costs about linear time; plain Python floats keep it byte-for-byte repeatable.
    """
    n = len(nodes)
    if n == 0:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    pairs = sorted({(min(index[u], index[v]), max(index[u], index[v])) for u, v in edges})
    pairs = [(i, j) for i, j in pairs if i != j]
    rng = random.Random(seed)
    xs = [rng.random() for _ in range(n)]
    ys = [rng.random() for _ in range(n)]
    k = math.sqrt(1.0 / n)
    k2, cell = k * k, 2 * k
    reach2 = cell * cell
    iterations = max(40, min(300, 30000 // n))
    heat = 0.1
    cooling = heat / (iterations + 1)
    for _ in range(iterations):
        fx = [0.0] * n
        fy = [0.0] * n
        grid: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i in range(n):
            grid[(int(xs[i] // cell), int(ys[i] // cell))].append(i)
        for (cx, cy), members in grid.items():
            # each pair once: this cell's later members, and the cells ahead of it
            ahead = [j for ox, oy in _AHEAD for j in grid.get((cx + ox, cy + oy), ())]
            for a, i in enumerate(members):
                xi, yi = xs[i], ys[i]
                sx = sy = 0.0
                for j in itertools.chain(members[a + 1 :], ahead):
                    dx, dy = xi - xs[j], yi - ys[j]
                    d2 = dx * dx + dy * dy
                    if d2 >= reach2:
                        continue
                    if d2 < 1e-12:  # two nodes on one spot: part them along a fixed direction
                        dx, dy, d2 = 1e-6, 0.0, 1e-12
                    f = k2 / d2
                    sx += dx * f
                    sy += dy * f
                    fx[j] -= dx * f
                    fy[j] -= dy * f
                fx[i] += sx
                fy[i] += sy
        for i, j in pairs:
            dx, dy = xs[i] - xs[j], ys[i] - ys[j]
            f = math.sqrt(dx * dx + dy * dy) / k
            fx[i] -= dx * f
            fy[i] -= dy * f
            fx[j] += dx * f
            fy[j] += dy * f
        for i in range(n):
            dx = fx[i] - (xs[i] - 0.5) * 0.3  # a little gravity keeps components together
            dy = fy[i] - (ys[i] - 0.5) * 0.3
            d = math.sqrt(dx * dx + dy * dy)
            if d > 0:
                step = min(d, heat) / d
                xs[i] += dx * step
                ys[i] += dy * step
        heat -= cooling
    scale = 200 / k
    return {
        node: (round((xs[i] - 0.5) * scale), round((ys[i] - 0.5) * scale))
        for node, i in index.items()
    }


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
    styles = {kind: _style(schema, kind) for kind in kinds}
    area = schema.view_area  # the areas the page filters by: its range's entities
    area_kinds = (
        {_kind(schema, schema.classes.get(c)) for c in area.range_classes} if area else set()
    )
    vis_nodes: list[dict[str, Any]] = []
    vis_edges: list[dict[str, Any]] = []
    if not limited:
        if where is None or where.keys() != net.nodes.keys():
            where = layout(sorted(net.nodes), [(u, v) for u, v in net.edges()])
        vis_nodes, vis_edges = _drawing(nodes, pairs, degree, styles, where)
    options = _options(len(vis_nodes))
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
                **_names(_class_labels(schema, kind), kind),
            }
            for kind, count in sorted(kinds.items())
        ],
        "areas": [
            {"id": node, "zh": attrs["label_zh"], "en": attrs["label_en"]}
            for node, attrs in nodes
            if attrs["kind"] in area_kinds
        ],
        "focus": focus,
        "vis": {"nodes": vis_nodes, "edges": vis_edges, "options": options},
    }
    if limited:  # the page builds the drawn items from "nodes" and "edges" itself
        data["vis"] = {"options": options}
        data["limit"] = draw_limit
    # the data is put in after rendering: the template engine would copy it twice more
    page = _template().render(
        title=title,
        data=_DATA_MARK,
        vis_js=(_VIS / "vis-network.min.js").read_text(encoding="utf-8"),
        vis_css=(_VIS / "vis-network.css").read_text(encoding="utf-8"),
        node_count=len(nodes),
        edge_count=len(pairs),
        limit=draw_limit if limited else None,
    )
    before, after = page.split(_DATA_MARK)
    yield before
    yield from _script_json_parts(data)
    yield after


_DATA_MARK = "\x00kg-data\x00"


def _drawing(
    nodes: list[tuple[str, dict[str, Any]]],
    pairs: list[tuple[str, str, str, dict[str, Any]]],
    degree: Mapping[str, int],
    styles: Mapping[str, dict[str, str]],
    where: Mapping[str, Any],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """vis-network's nodes, at their precomputed positions, and edges of the whole network."""
    vis_nodes = [
        {
            "id": node,
            "label": attrs["label_zh"],
            "x": where[node][0],
            "y": where[node][1],
            "value": degree.get(node, 0),
            **styles[attrs["kind"]],
        }
        for node, attrs in nodes
    ]
    parallel: dict[tuple[str, str], int] = defaultdict(int)
    vis_edges = []
    for u, v, key, attrs in pairs:
        rank = parallel[(min(u, v), max(u, v))]
        parallel[(min(u, v), max(u, v))] += 1
        item: dict[str, Any] = {
            "id": f"{u}--{key}--{v}",
            "from": u,
            "to": v,
            "label": attrs["label_zh"],
            "arrows": "to",
        }
        if rank:  # a second relation between the same two nodes bends away from the first
            item["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.2 * rank}
        vis_edges.append(item)
    return vis_nodes, vis_edges


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
            # labels grow with the node a little, and are not drawn when too small to read
            "scaling": {
                "min": 8,
                "max": 40,
                "label": {"enabled": True, "min": 12, "max": 30, "drawThreshold": 5},
            },
            "font": {"size": 14, "strokeWidth": 3, "strokeColor": "#ffffff"},
            "borderWidth": 1,
        },
        "edges": {
            "font": {"size": 10, "align": "middle", "color": "#555555"},
            "scaling": {"label": {"enabled": True, "min": 10, "max": 10, "drawThreshold": 6}},
            "color": {"color": "#b8b8b8", "highlight": "#333333", "hover": "#666666"},
            "smooth": False,
            "width": 1,
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
