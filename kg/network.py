"""The graph as a network: entities as nodes, relations between them as edges (networkx), and
the HTML view of that network (pyvis's model of nodes, edges and vis-network options,
rendered with our own template that inlines vis-network from the pyvis wheel, so the page
makes no request when opened).

Data reaches the page only as JSON inside a script element (with `<`, `>` and `&` escaped),
and the page's script shows it with `textContent`: a label is text, never markup.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import networkx as nx
import pyvis
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pyvis.network import Network
from rdflib import RDF, RDFS, Graph, Literal, URIRef

from kg.namespaces import GBA, OA, PROV
from kg.ontology import Schema

_VIS = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2"
_TEMPLATES = Path(__file__).parent / "templates"

# one colour per top-level kind of entity; subclasses share their ancestor's colour
_PALETTE = {
    "Person": "#e15759",
    "Post": "#ff9da7",
    "Organization": "#f28e2b",
    "Place": "#4e79a7",
    "Infrastructure": "#59a14f",
    "Project": "#8cd17d",
    "IndustryCluster": "#b07aa1",
    "Initiative": "#d4a6c8",
    "CooperationArea": "#edc948",
    "Event": "#9c755f",
    "Document": "#bab0ac",
    "Metric": "#76b7b2",
}


def _local(term: URIRef) -> str:
    return str(term).rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _label(graph: Graph, node: URIRef, lang: str) -> str:
    for value in graph.objects(node, RDFS.label):
        if isinstance(value, Literal) and value.language == lang:
            return str(value)
    return _local(node)


def network_graph(graph: Graph, schema: Schema) -> nx.MultiDiGraph:
    """Entities and the object-property statements between them, with labels and quotes."""
    net = nx.MultiDiGraph()
    entities = sorted(u for u in graph.subjects(RDF.type, GBA.Entity) if isinstance(u, URIRef))
    for node in entities:
        cls = _most_specific(schema, set(graph.objects(node, RDF.type)))
        info = schema.classes.get(cls)
        kind = next((a for a in _PALETTE if info and GBA._NS[a] in info.ancestors), "Entity")
        net.add_node(
            _local(node),
            label_zh=_label(graph, node, "zh"),
            label_en=_label(graph, node, "en"),
            type=info.yaml_type or _local(cls) if info else _local(cls),
            type_zh=schema.label(cls, "zh"),
            kind=kind,
            iri=str(node),
        )
    quotes = _statement_quotes(graph)
    for s, p, o in sorted(graph):
        prop = schema.by_iri.get(p) if isinstance(p, URIRef) else None
        if prop is None or not prop.is_object_property:
            continue
        if not (isinstance(s, URIRef) and isinstance(o, URIRef)):
            continue
        if not (_local(s) in net and _local(o) in net):
            continue
        if prop.is_symmetric and str(s) > str(o):
            continue  # drawn once; the builder wrote both directions
        net.add_edge(
            _local(s),
            _local(o),
            key=prop.key,
            label_en=prop.labels.get("en", prop.key),
            label_zh=prop.labels.get("zh", prop.key),
            quotes=quotes.get((s, p, o), []),
        )
    return net


def _most_specific(schema: Schema, types: set[object]) -> URIRef:
    candidates = [t for t in types if isinstance(t, URIRef) and t in schema.classes]
    return max(candidates, key=lambda c: (len(schema.classes[c].ancestors), str(c)))


def _statement_quotes(graph: Graph) -> dict[tuple[object, object, object], list[str]]:
    out: dict[tuple[object, object, object], list[str]] = defaultdict(list)
    for st in graph.subjects(RDF.type, RDF.Statement):
        key = (
            graph.value(st, RDF.subject),
            graph.value(st, RDF.predicate),
            graph.value(st, RDF.object),
        )
        for evidence in graph.objects(st, PROV.wasDerivedFrom):
            for selector in graph.objects(evidence, OA.hasSelector):
                exact = graph.value(selector, OA.exact)
                if exact is not None:
                    out[key].append(str(exact))
    return {k: sorted(v) for k, v in out.items()}


def render_network(net: nx.MultiDiGraph, schema: Schema, title: str = "gba-kg network") -> str:
    """The HTML page for `net`: one file, vis-network inlined, no external request."""
    degree = dict(net.degree())
    view = Network(directed=True, cdn_resources="in_line")
    view.nodes = [
        {
            "id": node,
            "label": attrs["label_zh"],
            "label_zh": attrs["label_zh"],
            "label_en": attrs["label_en"],
            "title": f"{attrs['label_zh']} · {attrs['label_en']}\n{attrs['type']} ({node})",
            "color": _PALETTE.get(attrs["kind"], "#999999"),
            "group": attrs["kind"],
            "type": attrs["type"],
            "value": 1 + degree.get(node, 0),
        }
        for node, attrs in sorted(net.nodes(data=True))
    ]
    view.node_ids = [n["id"] for n in view.nodes]
    view.edges = [
        {
            "from": u,
            "to": v,
            "label": attrs["label_zh"],
            "label_zh": attrs["label_zh"],
            "label_en": attrs["label_en"],
            "title": "\n".join([attrs["label_en"], *(f"“{q}”" for q in attrs["quotes"])]),
            "arrows": "to",
        }
        for u, v, key, attrs in sorted(net.edges(keys=True, data=True))
    ]
    view.set_options(json.dumps(_OPTIONS))
    legend = sorted({(n["group"], n["color"]) for n in view.nodes})
    env = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape())
    template = env.get_template("network.html")
    return template.render(
        title=title,
        data=_script_json({"nodes": view.nodes, "edges": view.edges}),
        options=_script_json(view.options if isinstance(view.options, dict) else _OPTIONS),
        legend=legend,
        vis_js=(_VIS / "vis-network.min.js").read_text(encoding="utf-8"),
        vis_css=(_VIS / "vis-network.css").read_text(encoding="utf-8"),
        node_count=len(view.nodes),
        edge_count=len(view.edges),
    )


def _script_json(value: object) -> str:
    """JSON that is safe inside <script>: no '<', '>' or '&' can close the element."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_OPTIONS = {
    "layout": {"randomSeed": 7, "improvedLayout": True},
    "physics": {
        "solver": "forceAtlas2Based",
        "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 120},
        "stabilization": {"iterations": 300},
    },
    "nodes": {"shape": "dot", "scaling": {"min": 8, "max": 36}, "font": {"size": 14}},
    "edges": {"font": {"size": 10, "align": "middle"}, "smooth": {"type": "continuous"}},
    "interaction": {"hover": True, "navigationButtons": False, "tooltipDelay": 150},
}
