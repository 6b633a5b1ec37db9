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
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from xml.etree import ElementTree

import pyoxigraph as ox
from rdflib import Graph, URIRef

from kg.facts import SourcePos
from kg.namespaces import PREFIXES
from kg.pipeline.build import Built
from kg.pipeline.ontology import Schema
from kg.runtime.forked import in_two

if TYPE_CHECKING:  # networkx and the explorer are imported where a network is made
    import networkx as nx

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

    `source` is a `Built` (from `kg.build`) or any rdflib graph. `positions` (node IRI →
    YAML `file:line`, as in `Built.positions`) and `texts` (source id → source text) are
    optional: the network view shows them when given.
    """

    def __init__(
        self,
        source: Built | Graph,
        schema: Schema,
        positions: Mapping[URIRef, SourcePos] | None = None,
        texts: Mapping[str, str] | None = None,
        network: nx.MultiDiGraph | None = None,
    ) -> None:
        self.built = source if isinstance(source, Built) else Built.of_graph(source)
        self.schema = schema
        self._positions = positions
        self.texts: dict[str, str] = dict(texts or {})
        if network is not None:  # `network_graph` of this graph, positions and texts
            self.__dict__["network"] = network

    @cached_property
    def positions(self) -> dict[URIRef, SourcePos]:
        """Node IRI → YAML `file:line` (read when first used: only the network needs it)."""
        given = self._positions
        return dict(self.built.positions if given is None else given)

    @property
    def graph(self) -> Graph:
        """The graph as an `rdflib.Graph` (made on first use)."""
        return self.built.graph

    @property
    def triples(self) -> Iterator[ox.Triple]:
        """The triples as pyoxigraph terms, sorted (see `kg.build`), parsed anew each time."""
        return self.built.triples

    @cached_property
    def network(self) -> nx.MultiDiGraph:
        """Entities and the relations between them."""
        from kg.explorer.network import network_graph

        graph = cast(Graph, self.built.view)  # the read API network_graph uses
        return network_graph(graph, self.schema, self.positions, self.texts)


@dataclass(frozen=True)
class Writer:
    """How one output format is produced: `make` gives its bytes, whole or in chunks (a
    large file is then written as it is made, never held whole in memory)."""

    filename: str
    media_type: str
    make: Callable[[Graphs], bytes | Iterable[bytes]]

    def write(self, graphs: Graphs) -> bytes:
        """The whole file."""
        data = self.make(graphs)
        return data if isinstance(data, bytes) else b"".join(data)


def _as_bytes(data: bytes | None) -> bytes:
    assert data is not None  # serialize() returns bytes when given no output file
    return data


def write_turtle(graphs: Graphs) -> bytes:
    """Turtle with the project's prefixes, a blank line between subjects."""
    data = ox.serialize(graphs.triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    # pyoxigraph escapes line breaks in literals, so a line starting at column 0 that is not
    # a prefix is a new subject: a blank line goes before it, after any non-blank line
    return _SUBJECT_LINE.sub(b"\n\n", _as_bytes(data))


_SUBJECT_LINE = re.compile(rb"(?<=[^\n])\n(?=[^\t@\n])")


def write_ntriples(graphs: Graphs) -> Iterator[bytes]:
    """N-Triples, one sorted triple per line: the builder's document, which is what
    pyoxigraph's N-Triples writer gives for the same triples (tested)."""
    return graphs.built.chunks()


def write_jsonld(graphs: Graphs) -> Iterator[bytes]:
    """Expanded JSON-LD (no remote context to fetch), one node object per subject, indented,
    in chunks of one subject each.

    Written straight from the sorted triples (what pyoxigraph's JSON-LD writer gives,
    indented as `json.dumps(..., indent=1, ensure_ascii=False)` would, which costs several
    times more: its indenting encoder is pure Python)."""
    quote = _json_string
    out: list[str] = ["[\n"]
    subject = predicate = None
    for t in graphs.triples:
        if t.subject != subject:
            if subject is not None:
                out.append("\n   }\n  ]\n },\n")
                yield "".join(out).encode("utf-8")
                out.clear()
            subject, predicate = t.subject, None
            out.append(f' {{\n  "@id": {quote(_iri(subject))}')
        if t.predicate != predicate:
            out.append(",\n  " if predicate is None else "\n   }\n  ],\n  ")
            predicate = t.predicate
            out.append(f"{quote(predicate.value)}: [\n   {{\n    ")
        else:
            out.append("\n   },\n   {\n    ")
        o = t.object
        if isinstance(o, ox.Literal):
            if o.language:
                out.append(f'"@language": {quote(o.language)},\n    ')
            elif o.datatype.value != _XSD_STRING:
                out.append(f'"@type": {quote(o.datatype.value)},\n    ')
            out.append(f'"@value": {quote(o.value)}')
        else:
            out.append(f'"@id": {quote(_iri(o))}')
    if subject is None:
        yield b"[]\n"
        return
    out.append("\n   }\n  ]\n }\n]\n")
    yield "".join(out).encode("utf-8")


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _iri(term: ox.NamedNode | ox.BlankNode | ox.Triple) -> str:
    if isinstance(term, ox.NamedNode):
        return term.value
    raise TypeError(f"blank nodes and quoted triples are not written: {term!r}")


_json_string: Callable[[str], str] = (
    json.encoder.c_encode_basestring or json.encoder.py_encode_basestring  # type: ignore[attr-defined]
)


_GRAPHML_NODE = ("label_zh", "label_en", "type", "type_zh", "kind", "iri")
_GRAPHML_EDGE = ("label_en", "label_zh")


def write_graphml(graphs: Graphs) -> Iterator[bytes]:
    """GraphML of entities and the relations between them, for Gephi, yEd or networkx.

    Written directly, as networkx's `write_graphml(..., prettyprint=True)` writes it (the
    same bytes: keys `d0`… in the order first used, listed last first; ElementTree's
    escaping), at a fraction of the cost of building and indenting an element tree. A
    network it cannot write that way (a value that is not text, no nodes) goes through
    networkx itself. In chunks of a few thousand elements."""
    network = graphs.network
    nodes = [(str(node), graphml_node_data(attrs)) for node, attrs in network.nodes(data=True)]
    edges = [
        (str(u), str(v), f"{u}--{key}--{v}", graphml_edge_data(attrs))
        for u, v, key, attrs in network.edges(keys=True, data=True)
    ]
    values = [x for _, data in nodes for _, x in data] + [x for *_, data in edges for _, x in data]
    if not nodes or not all(type(x) is str for x in values):
        yield _graphml_by_networkx(nodes, edges)
        return
    keys = graphml_keys(
        [attrs for _, attrs in network.nodes(data=True)],
        [attrs for *_, attrs in network.edges(keys=True, data=True)],
    )
    out = [graphml_head(keys)]
    for i, (node, data) in enumerate(nodes):
        graphml_element(out, "node", graphml_node_head(node), data, keys)
        if i % 4096 == 4095:
            yield "".join(out).encode("utf-8")
            out.clear()
    for i, (u, v, key, data) in enumerate(edges):
        graphml_element(out, "edge", graphml_edge_head(u, v, key), data, keys)
        if i % 4096 == 4095:
            yield "".join(out).encode("utf-8")
            out.clear()
    out.append(GRAPHML_TAIL)
    yield "".join(out).encode("utf-8")


# GraphML's parts, as `write_graphml` writes them (`incremental.patch` patches the file with them)
GRAPHML_TAIL = "  </graph>\n</graphml>\n"
# the escaping networkx's GraphML gets from ElementTree
_attr, _text = ElementTree._escape_attrib, ElementTree._escape_cdata  # type: ignore[attr-defined]


def graphml_node_data(attrs: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The data a network node's GraphML element holds."""
    return [(k, v) for k, v in attrs.items() if k in _GRAPHML_NODE]


def graphml_edge_data(attrs: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The data a network edge's GraphML element holds."""
    quotes = [("quotes", "\n".join(attrs["quotes"]))]
    return quotes + [(k, x) for k, x in attrs.items() if k in _GRAPHML_EDGE]


def graphml_keys(
    nodes: Sequence[Mapping[str, Any]], edges: Sequence[Mapping[str, Any]]
) -> dict[tuple[str, str], str]:
    """The GraphML key (`d0`…) of each (scope, data name) of a network's `nodes` and
    `edges` (their attributes), in the order first used."""
    keys: dict[tuple[str, str], str] = {}
    for scope, items, names in (("node", nodes, _GRAPHML_NODE), ("edge", edges, _GRAPHML_EDGE)):
        first = items[0].keys() if items else None
        # as a rule every item has the same attributes: the first one's are all there are
        alike = first is not None and all(attrs.keys() == first for attrs in items)
        for attrs in items[:1] if alike else items:
            for name in ("quotes", *attrs) if scope == "edge" else attrs:
                if name in names or (scope == "edge" and name == "quotes"):
                    keys.setdefault((scope, name), f"d{len(keys)}")
    return keys


def graphml_head(keys: Mapping[tuple[str, str], str]) -> str:
    """The text of a GraphML file up to its first element."""
    out = [
        "<?xml version='1.0' encoding='utf-8'?>\n"
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
    ]
    for (scope, name), key in reversed(list(keys.items())):
        out.append(
            f'  <key id="{key}" for="{scope}" attr.name="{_attr(name)}" attr.type="string" />\n'
        )
    out.append('  <graph edgedefault="directed">\n')
    return "".join(out)


def graphml_node_head(node: str) -> str:
    """The attributes of a node's GraphML element."""
    return f'id="{_attr(node)}"'


def graphml_edge_head(u: str, v: str, key: str) -> str:
    """The attributes of an edge's GraphML element (`key`: its id)."""
    return f'source="{_attr(u)}" target="{_attr(v)}" id="{_attr(key)}"'


def graphml_element(
    out: list[str],
    tag: str,
    head: str,
    data: list[tuple[str, str]],
    keys: Mapping[tuple[str, str], str],
) -> None:
    """Add to `out` the text of one node or edge element (`tag`) of a GraphML file."""
    if not data:
        out.append(f"    <{tag} {head} />\n")
        return
    out.append(f"    <{tag} {head}>\n")
    for name, value in data:
        key = keys[(tag, name)]
        if value:
            out.append(f'      <data key="{key}">{_text(value)}</data>\n')
        else:
            out.append(f'      <data key="{key}" />\n')
    out.append(f"    </{tag}>\n")


def _graphml_by_networkx(
    nodes: list[tuple[str, list[tuple[str, Any]]]],
    edges: list[tuple[str, str, str, list[tuple[str, Any]]]],
) -> bytes:
    import networkx as nx

    flat = nx.MultiDiGraph()
    for node, data in nodes:
        flat.add_node(node, **dict(data))
    for u, v, key, data in edges:
        flat.add_edge(u, v, key=key, **dict(data))
    buffer = io.BytesIO()
    nx.write_graphml(flat, buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue()


def write_html(graphs: Graphs) -> Iterator[bytes]:
    """The interactive network view (vis-network, inlined; opens offline), in chunks."""
    from kg.explorer.page import render_network_parts

    for part in render_network_parts(graphs.network, graphs.schema):
        yield part.encode("utf-8")


WRITERS: dict[str, Writer] = {
    "turtle": Writer("graph.ttl", "text/turtle", write_turtle),
    "nt": Writer("graph.nt", "application/n-triples", write_ntriples),
    "json-ld": Writer("graph.jsonld", "application/ld+json", write_jsonld),
    "graphml": Writer("graph.graphml", "application/graphml+xml", write_graphml),
    "html": Writer("network.html", "text/html", write_html),
}
"""Every output format, by the name `--format` takes."""


Patch = Callable[[Graphs], Iterable[bytes] | None]
"""A function that makes a format of a graph another way (from the last build's file: see
`kg.incremental.patch`), or gives None: the format is then written as usual."""

NETWORK_FORMATS = ("graphml", "html")
"""The formats made from the entity network (which `kg build` writes in a second process)."""


def write_formats(
    built: Built | None,
    schema: Schema,
    texts: Mapping[str, str],
    names: Iterable[str],
    folder: Path,
    network: Callable[[], nx.MultiDiGraph] | None = None,
    patches: Mapping[str, Patch] | None = None,
) -> dict[str, Output]:
    """Write each named format of `built` into `folder` (format name → file written, with
    its size and digest);
    `network` makes the entity network, if not `Graphs.network` (with no `built`, only
    the formats made from the network can be written).

    A forked helper runs this: its files go to disk as they are made, so neither it nor
    the parent ever holds them whole (the explorer is 270 MB at 100k entities)."""
    graphs = Graphs(
        built or Built(b""), schema, texts=texts, network=network() if network else None
    )
    names = list(names)
    cut = 0
    if len(names) > 1 and set(names) <= set(NETWORK_FORMATS):  # one writer in a second helper
        graphs.network  # noqa: B018 - made once, before the fork: both writers read it
        cut = 1
    return dict(in_two(_write_each, names, cut, graphs, folder, patches))


def _write_each(
    names: list[str],
    graphs: Graphs,
    folder: Path,
    patches: Mapping[str, Patch] | None = None,
) -> list[tuple[str, Output]]:
    """Each named format written into `folder`, patched where `patches` can (see
    `export_graph`)."""
    out = []
    for name in names:
        patch = patches[name](graphs) if patches and name in patches else None
        data = WRITERS[name].make(graphs) if patch is None else patch
        out.append((name, _write_file(folder, WRITERS[name].filename, data)))
    return out


def _write_file(folder: Path, filename: str, data: bytes | Iterable[bytes]) -> Output:
    """`data` written into `folder/filename` as it comes, with its size and digest (the
    digest is of the bytes in memory: the file is not read back)."""
    digest, size = hashlib.sha256(), 0
    with open(folder / filename, "wb") as f:
        for chunk in _chunks(data):
            f.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    return Output(filename, folder / filename, size, digest.hexdigest())


def _take(made: Output, folder: Path) -> Output:
    """The file `made` moved into `folder` (copied where it is on another file system)."""
    target = folder / made.name
    try:
        os.replace(made.path, target)
    except OSError:
        shutil.copyfile(made.path, target)
    return replace(made, path=target)


def _chunks(data: bytes | Iterable[bytes]) -> Iterable[bytes]:
    return (data,) if isinstance(data, bytes) else data


def export_graph(
    graph: Built | Graph,
    schema: Schema,
    out_dir: str | Path,
    formats: Iterable[str] | None = None,
    *,
    positions: Mapping[URIRef, SourcePos] | None = None,
    texts: Mapping[str, str] | None = None,
    written: Callable[[], Mapping[str, Output] | None] | None = None,
    patches: Mapping[str, Patch] | None = None,
) -> list[Output]:
    """Write the chosen formats (all by default) and `manifest.json` into `out_dir`.

    Either every file is replaced or, if anything fails, none is: files are written in a
    temporary folder inside `out_dir` and moved into place only once all are written.
    `positions` and `texts` (see `Graphs`) add `file:line` and whole sentences to the
    network view. `written` waits for `write_formats` of the same inputs (run by a helper
    while the other formats are written here) and gives its files, or None if it failed:
    those formats are then written here. The helper's files are moved, not copied, where
    they are on the file system of `out_dir`. `patches` may make a format another way (see
    `kg.incremental.patch`), or give None: it is then written as usual.
    """
    out = Path(out_dir)
    names = sorted(WRITERS) if formats is None else list(formats)
    for name in names:
        if name not in WRITERS:
            raise ValueError(f"unknown format '{name}' (known: {', '.join(sorted(WRITERS))})")
    graphs = Graphs(graph, schema, positions, texts)
    pending = [n for n in names if n in NETWORK_FORMATS] if written is not None else []
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".kg-", dir=out))
    files: dict[str, Output] = {}

    def keep(staged: Output) -> None:  # listed under the name it will have in `out`
        files[staged.name] = replace(staged, path=out / staged.name)

    try:
        todo = [n for n in names if n not in pending]
        # written whole, the formats after the first are written by a forked helper
        cut = 1 if len(todo) > 1 and not patches else 0
        for _, staged in in_two(_write_each, todo, cut, graphs, staging, patches):
            keep(staged)
        if written is not None and pending:
            ahead = written() or {}
            for n in pending:
                if n in ahead:
                    keep(_take(ahead[n], staging))
                else:
                    keep(_write_each([n], graphs, staging, patches)[0][1])
        listed = [files[WRITERS[n].filename] for n in names]
        manifest = {
            "files": [
                {"name": o.name, "bytes": o.size, "sha256": o.sha256}
                for o in sorted(listed, key=lambda o: o.name)
            ]
        }
        keep(_write_file(staging, MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode()))
        for o in listed:
            os.replace(staging / o.name, o.path)
        os.replace(staging / MANIFEST, out / MANIFEST)  # manifest last
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if created:
            shutil.rmtree(out, ignore_errors=True)  # a first build that failed leaves nothing
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return [*listed, files[MANIFEST]]


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
