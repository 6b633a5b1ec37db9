"""Step 5: write the outputs -- Turtle, N-Triples, JSON-LD, GraphML, the HTML network view and a
manifest -- atomically and byte-for-byte deterministically.

Writers are a name → `Writer` registry, so the CLI's `--format` choices and `--help` list
only formats that exist. Triples are sorted once and serialised by pyoxigraph (fast, and
it keeps literals as written); every file is first written into a temporary folder inside
the output folder, then moved into place with `os.replace`, the manifest last.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox
from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.term import Identifier

from kg.facts import SourcePos
from kg.namespaces import PREFIXES
from kg.network import network_graph, render_network
from kg.ontology import Schema

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Output:
    """A file written by `export`."""

    name: str
    path: Path
    size: int
    sha256: str


class Graphs:
    """The graph in the shapes writers need, each made once however many writers use it.

    `positions` (node IRI → YAML `file:line`, from `Built.positions`) and `texts` (source id
    → source text) are optional: the network view shows them when given.
    """

    def __init__(
        self,
        graph: Graph,
        schema: Schema,
        positions: Mapping[URIRef, SourcePos] | None = None,
        texts: Mapping[str, str] | None = None,
        triples: list[ox.Triple] | None = None,
        layout: dict[str, Any] | None = None,
        network: nx.MultiDiGraph | None = None,
    ) -> None:
        self.graph = graph
        self.schema = schema
        self.positions: dict[URIRef, SourcePos] = dict(positions or {})
        self.texts: dict[str, str] = dict(texts or {})
        if triples is not None:  # already sorted by the caller, from this very graph
            self.__dict__["triples"] = triples
        self.layout = layout  # `network_layout(self.network)`, when computed already
        if network is not None:  # `network_graph` of this graph, positions and texts
            self.__dict__["network"] = network

    @cached_property
    def triples(self) -> list[ox.Triple]:
        """The triples as pyoxigraph terms, sorted (see `sorted_triples`)."""
        return sorted_triples(self.graph)

    @cached_property
    def network(self) -> nx.MultiDiGraph:
        """Entities and the relations between them."""
        return network_graph(self.graph, self.schema, self.positions, self.texts)


@dataclass(frozen=True)
class Writer:
    """How one output format is produced."""

    filename: str
    media_type: str
    write: Callable[[Graphs], bytes]


_FIRST_PREDICATES = {RDF.type: "0", RDFS.label: "1", SKOS.altLabel: "2"}


def _sort_key(triple: tuple[Identifier, Identifier, Identifier]) -> tuple[str, ...]:
    """Subject, then type, labels and the rest by predicate, then object."""
    s, p, o = triple
    pred = _FIRST_PREDICATES.get(p, "3") + str(p)  # type: ignore[call-overload]
    if isinstance(o, Literal):
        return (str(s), pred, "1", str(o), o.language or "", str(o.datatype or ""))
    return (str(s), pred, "0", str(o), "", "")


def _to_ox(term: Identifier) -> ox.NamedNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"blank nodes are not written: {term!r}")  # the builder makes none


def sorted_triples(graph: Graph) -> list[ox.Triple]:
    """The graph's triples as pyoxigraph terms, in subject, predicate, object order."""
    return [
        ox.Triple(_to_ox(s), _to_ox(p), _to_ox(o))  # type: ignore[arg-type]
        for s, p, o in sorted(graph, key=_sort_key)  # type: ignore[arg-type]
    ]


def _as_bytes(data: bytes | None) -> bytes:
    assert data is not None  # serialize() returns bytes when given no output file
    return data


def write_turtle(graphs: Graphs) -> bytes:
    """Turtle with the project's prefixes, a blank line between subjects."""
    data = ox.serialize(graphs.triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    lines = _as_bytes(data).decode("utf-8").split("\n")
    out: list[str] = []
    for line in lines:
        # pyoxigraph escapes line breaks in literals, so a line starting at column 0 that
        # is not a prefix is a new subject
        if line and not line.startswith(("\t", "@prefix")) and out and out[-1]:
            out.append("")
        out.append(line)
    return "\n".join(out).encode("utf-8")


def write_ntriples(graphs: Graphs) -> bytes:
    """N-Triples, one sorted triple per line."""
    return _as_bytes(ox.serialize(graphs.triples, format=ox.RdfFormat.N_TRIPLES))


def write_jsonld(graphs: Graphs) -> bytes:
    """Expanded JSON-LD (no remote context to fetch), one node object per subject, indented."""
    data = ox.serialize(graphs.triples, format=ox.RdfFormat.JSON_LD)
    nodes = json.loads(_as_bytes(data))
    return (json.dumps(nodes, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


_GRAPHML_NODE = ("label_zh", "label_en", "type", "type_zh", "kind", "iri")
_GRAPHML_EDGE = ("label_en", "label_zh")


def write_graphml(graphs: Graphs) -> bytes:
    """GraphML of entities and the relations between them, for Gephi, yEd or networkx."""
    network = graphs.network
    flat = nx.MultiDiGraph()
    for node, attrs in network.nodes(data=True):
        flat.add_node(node, **{k: v for k, v in attrs.items() if k in _GRAPHML_NODE})
    for u, v, key, attrs in network.edges(keys=True, data=True):
        values = {k: v for k, v in attrs.items() if k in _GRAPHML_EDGE}
        flat.add_edge(u, v, key=f"{u}--{key}--{v}", quotes="\n".join(attrs["quotes"]), **values)
    buffer = io.BytesIO()
    nx.write_graphml(flat, buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue()


def write_html(graphs: Graphs) -> bytes:
    """The interactive network view (vis-network, inlined; opens offline)."""
    return render_network(graphs.network, graphs.schema, where=graphs.layout).encode("utf-8")


WRITERS: dict[str, Writer] = {
    "turtle": Writer("graph.ttl", "text/turtle", write_turtle),
    "nt": Writer("graph.nt", "application/n-triples", write_ntriples),
    "json-ld": Writer("graph.jsonld", "application/ld+json", write_jsonld),
    "graphml": Writer("graph.graphml", "application/graphml+xml", write_graphml),
    "html": Writer("network.html", "text/html", write_html),
}
"""Every output format, by the name `--format` takes."""


def export_graph(
    graph: Graph,
    schema: Schema,
    out_dir: str | Path,
    formats: Iterable[str] | None = None,
    *,
    positions: Mapping[URIRef, SourcePos] | None = None,
    texts: Mapping[str, str] | None = None,
    triples: list[ox.Triple] | None = None,
    layout: dict[str, Any] | None = None,
    network: nx.MultiDiGraph | None = None,
) -> list[Output]:
    """Write the chosen formats (all by default) and `manifest.json` into `out_dir`.

    Either every file is replaced or, if anything fails, none is: files are written in a
    temporary folder inside `out_dir` and moved into place only once all are written.
    `positions` and `texts` (see `Graphs`) add `file:line` and whole sentences to the
    network view. `triples`, when given, must be `sorted_triples(graph)`, and `layout` and
    `network` the network's `network_layout` and `network_graph`, made from the same inputs.
    """
    out = Path(out_dir)
    names = sorted(WRITERS) if formats is None else list(formats)
    for name in names:
        if name not in WRITERS:
            raise ValueError(f"unknown format '{name}' (known: {', '.join(sorted(WRITERS))})")
    graphs = Graphs(graph, schema, positions, texts, triples, layout, network)
    contents = {WRITERS[n].filename: WRITERS[n].write(graphs) for n in names}
    manifest = {
        "files": [
            {"name": f, "bytes": len(b), "sha256": hashlib.sha256(b).hexdigest()}
            for f, b in sorted(contents.items())
        ]
    }
    contents[MANIFEST] = (json.dumps(manifest, indent=2) + "\n").encode("utf-8")
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".kg-", dir=out))
    try:
        for filename, data in contents.items():
            (staging / filename).write_bytes(data)
        for filename in sorted(contents, key=lambda f: f == MANIFEST):  # manifest last
            os.replace(staging / filename, out / filename)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [Output(f, out / f, len(b), hashlib.sha256(b).hexdigest()) for f, b in contents.items()]


def write_file(path: str | Path, data: bytes) -> Output:
    """Write one file atomically: a temporary file in its folder, then `os.replace`."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".kg-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the view is meant to be shared
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Output(target.name, target, len(data), hashlib.sha256(data).hexdigest())
