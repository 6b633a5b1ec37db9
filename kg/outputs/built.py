"""Reading back what `kg build` wrote: the graph file of a build folder."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg.errors import QueryError

GRAPH_FILES = (("graph.nt", ox.RdfFormat.N_TRIPLES), ("graph.ttl", ox.RdfFormat.TURTLE))


def find_graph_file(build_dir: str | Path = "build") -> tuple[Path, ox.RdfFormat]:
    """The graph file `kg build` wrote into `build_dir`, and its format."""
    folder = Path(build_dir)
    for name, fmt in GRAPH_FILES:
        if (folder / name).is_file():
            return folder / name, fmt
    raise QueryError(f"no built graph in {folder}/ (graph.nt or graph.ttl) — run `kg build` first")


def load_store(build_dir: str | Path = "build") -> ox.Store:
    """An in-memory store holding the graph `kg build` wrote into `build_dir`."""
    path, fmt = find_graph_file(build_dir)
    store = ox.Store()
    store.bulk_load(path=str(path), format=fmt)
    return store
