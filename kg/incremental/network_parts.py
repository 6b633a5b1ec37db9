"""The explorer's network of a build from the part each unit keeps (`NetworkPart`): the parts
of the units made again are made from their triples (or the joined graph), written beside
the units under the unit's key, and joined with the kept ones."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, cast

import networkx as nx
import pyoxigraph as ox
from rdflib import Graph, URIRef

from kg.explorer.network import NetworkPart, join_network, network_part
from kg.facts import SourcePos
from kg.incremental.records import NETWORK, Unit, encoded, load
from kg.namespaces import GBA, ID
from kg.outputs.export import write_file
from kg.pipeline.build import Built, part_blocks, subject_order
from kg.pipeline.graph_view import GraphView
from kg.pipeline.ontology import Schema

if TYPE_CHECKING:
    from kg.incremental.units import Gathered


def network(
    gathered: Gathered,
    schema: Schema,
    texts: Mapping[str, str],
    spool: Path,
    graph: Built | None,
) -> nx.MultiDiGraph:
    keys = {unit.path: gathered.key(unit) for unit in gathered.units}
    parts: dict[str, NetworkPart] = {}
    missing: list[tuple[str, Unit]] = []
    for unit in gathered.units:
        name = keys[unit.path]
        folder = gathered.folder
        kept = None if folder is None else load(folder / (name + NETWORK), name, NetworkPart)
        if kept is not None:
            parts[name] = kept
        else:
            missing.append((name, unit))
    if missing:
        prefix = str(ID)
        every = {URIRef(prefix + eid) for unit in gathered.units for eid in _shown(unit, schema)}
        view = _units_view([u for _, u in missing], schema) if graph is None else _view(graph)
        positions = {  # their entities' and statements' (a passage's are not shown)
            URIRef(node): SourcePos(path, line)
            for _, u in missing
            for _, nodes, _ in u.part.places
            for node, path, line in nodes
        }
        entities = sorted(URIRef(prefix + eid) for _, u in missing for eid in _shown(u, schema))
        whole = network_part(cast(Graph, view), schema, positions, texts, entities, every)
        del view, positions  # before the network is joined: at 100k entities, 1.5 GB
        if graph is not None:
            graph.release_store()
        for (name, _), part in zip(missing, _split(whole, [u for _, u in missing]), strict=True):
            parts[name] = part
            write_file(spool / (name + NETWORK), encoded(name, part))
        del whole
    return join_network((parts[keys[u.path]] for u in gathered.units), schema)


def _shown(unit: Unit, schema: Schema) -> list[str]:
    """The ids of `unit`'s entities that the explorer shows: instances of `gba:Entity`, as
    the whole-graph network takes them (a passage left out, `gba:Omission`, is not one)."""
    shown = []
    for eid, word in unit.types.items():
        info = schema.types.get(word)
        if info is not None and GBA.Entity in info.ancestors:
            shown.append(eid)
    return shown


def _units_view(units: list[Unit], schema: Schema) -> GraphView:
    """A view of the parts of the graph that `units` made."""
    blocks = part_blocks((u.part for u in units), schema)
    document = b"".join(blocks[s] for s in subject_order(blocks))
    del blocks
    return GraphView(
        lambda: _store(document),
        lambda: ox.parse(document, format=ox.RdfFormat.N_TRIPLES, lenient=True),
    )


def _view(graph: Built) -> GraphView:
    """A view of `graph` (as `Built.view`, but freed once no longer used)."""
    return GraphView(lambda: graph.store, lambda: graph.triples)


def _store(document: bytes) -> ox.Store:
    store = ox.Store()
    store.bulk_load(document, format=ox.RdfFormat.N_TRIPLES)
    return store


def _split(whole: NetworkPart, units: list[Unit]) -> list[NetworkPart]:
    """`whole` cut into the part of each of `units` (whose entities it describes)."""
    prefix = str(ID)
    owner: dict[str, int] = {}
    for i, unit in enumerate(units):
        for eid in unit.types:
            owner[prefix + eid] = i
    parts = [NetworkPart({}, {}, {}, {}) for _ in units]
    for iri, attrs in whole.nodes.items():
        parts[owner[iri]].nodes[iri] = attrs
    for iri, source in whole.sources.items():
        parts[owner[iri]].sources[iri] = source
    for iri, st in whole.statements.items():
        parts[owner[prefix + st["subject"]]].statements[iri] = st
    passages = {iri.rsplit("/", 1)[-1]: iri for iri in whole.evidence}
    for part in parts:
        cited = {e for attrs in part.nodes.values() for e in attrs["evidence"]}
        cited.update(e for st in part.statements.values() for e in st["evidence"])
        for local in sorted(cited):
            iri = passages[local]
            part.evidence[iri] = whole.evidence[iri]
    return parts
