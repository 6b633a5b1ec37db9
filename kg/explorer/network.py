"""The graph as a network: entities as nodes, relations between them as edges (networkx).

Everything the explorer's page (`kg.explorer.page`) shows is computed here: each node's and
edge's facts, each fact's evidence (the verbatim quote, its surrounding sentence, its
source's title, publisher and date) and the `file:line` of the curated YAML it came from.
Its positions come from `kg.explorer.layout`.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
from rdflib import DCTERMS, RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.term import Node

from kg.facts import SourcePos
from kg.namespaces import GBA, KG, OA, PROV
from kg.pipeline.graph_facts import reified_statements
from kg.pipeline.ontology import ClassInfo, Schema
from kg.runtime import collector

_OTHER_COLOR = "#999999"


def view_kind(schema: Schema, info: ClassInfo | None) -> str:
    """The nearest ancestor class with a view colour in the ontology (`kg:viewColor`)."""
    if info is None:
        return "Entity"
    styled = [a for a in info.ancestors if schema.graph.value(a, KG.viewColor) is not None]
    if not styled:
        return "Entity"
    nearest = max(styled, key=lambda a: (len(schema.classes[a].ancestors), str(a)))
    return _local(nearest)


def view_style(schema: Schema, kind: str) -> dict[str, str]:
    """Colour and shape of a kind, from the ontology's kg:viewColor and kg:viewShape."""
    cls = GBA._NS[kind]
    color = schema.graph.value(cls, KG.viewColor)
    shape = schema.graph.value(cls, KG.viewShape)
    return {"color": str(color or _OTHER_COLOR), "shape": str(shape or "dot")}


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
_DATED = frozenset({XSD.date, XSD.dateTime, XSD.gYear, XSD.gYearMonth})
"""The datatypes of a literal that puts a statement in a year (the explorer's timeline)."""


def year_of(value: Node) -> int | None:
    """The year of a date, date-time, year or year-month literal; None for anything else.

    >>> year_of(Literal("2020-11-23", datatype=XSD.date))
    2020
    >>> year_of(Literal("2020")) is None
    True
    """
    if isinstance(value, Literal) and value.datatype in _DATED:
        text = str(value).lstrip("-")
        if len(text) >= 4 and text[:4].isdigit():
            return int(text[:4])
    return None


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
                "kind": view_kind(schema, info),
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
        years = {y} if (y := year_of(obj)) is not None else set()
        for q, value in sorted(graph.predicate_objects(st), key=lambda pv: str(pv)):
            qprop = schema.by_iri.get(q) if isinstance(q, URIRef) else None
            if qprop is not None and qprop.is_qualifier:
                if (y := year_of(value)) is not None:
                    years.add(y)
                qualifiers.append(
                    {"key": qprop.key, **names_in(qprop.labels, qprop.key), "value": str(value)}
                )
        pos = positions.get(st) if isinstance(st, URIRef) else None
        out[str(st)] = {
            "subject": _local(subject),
            "key": prop.key,
            **names_in(prop.labels, prop.key),
            "object": _value(graph, obj, every_entity),
            "qualifiers": qualifiers,
            "evidence": [_local(e) for e in evidence],
            "file_line": str(pos) if pos else "",
            "years": sorted(years),
            "quotes": sorted(
                str(x)
                for e in evidence
                for sel in graph.objects(e, _HAS_SELECTOR)
                if (x := graph.value(sel, _EXACT)) is not None
            ),
        }
    return out, cited


def names_in(labels: Mapping[str, str], fallback: str) -> dict[str, str]:
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


def focus_network(
    net: nx.MultiDiGraph, focus: str, depth: int = 1, not_through: Container[str] = ()
) -> nx.MultiDiGraph:
    """The part of `net` within `depth` relations of node `focus`, either direction, never
    going on through an entity of `not_through` other than `focus` (the hubs: through
    Guangzhou, two steps from anything reach most of the graph). Such an entity is shown
    when it is near; what it links to is not added because of it."""
    if focus not in net:
        raise KeyError(focus)
    undirected = net.to_undirected(as_view=True)
    reach = {focus}
    frontier = [focus]
    for _ in range(depth):
        found = []
        for node in frontier:
            if node != focus and node in not_through:
                continue
            for other in undirected.neighbors(node):
                if other not in reach:
                    reach.add(other)
                    found.append(other)
        frontier = found
    sub: nx.MultiDiGraph = net.subgraph(sorted(reach)).copy()
    sub.graph.update(net.graph)
    return sub
