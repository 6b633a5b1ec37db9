"""Time each stage of the pipeline, as multiples of the bare YAML parse of the same files.

Run `make bench`, or `python bench/run.py [DATA_DIR] [--copies 1 10 100] [--repeat N]`.
`--copies N` builds a larger data set from DATA_DIR: N copies of every data file, with every
entity id and named-quote id suffixed per copy (references follow), the source documents
kept once, and every quote still verbatim in the source. Every figure is measured in this
one process against PyYAML's CSafeLoader reading the same files (the floor any YAML tool
pays), because absolute times drift on shared machines. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import gc
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import yaml
from rdflib import Literal, URIRef

import kg
from kg.build import build_graph
from kg.export import WRITERS, Graphs
from kg.load import SOURCES_DIR, find_data_files, load_facts
from kg.namespaces import ID
from kg.ontology import read_schema
from kg.query import run_question, saved_questions
from kg.quotes import read_sources
from kg.rules import graph_store
from kg.shapes import check_shapes, read_shapes
from kg.validate import check_facts

T = TypeVar("T")


def timed(func: Callable[[], T], repeat: int) -> tuple[float, T]:
    """Median wall time of `repeat` calls, and the last result."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def make_copies(data_dir: Path, copies: int, target: Path) -> None:
    """Write `copies` renamed copies of `data_dir`'s facts into `target` (see module doc)."""
    shutil.copytree(data_dir / SOURCES_DIR, target / SOURCES_DIR)
    facts = load_facts(data_dir)
    source_docs = {e.id.text for e in facts.entities if e.type.text == "SourceDocument"}
    names = ({e.id.text for e in facts.entities} | {q.id for q in facts.quotes}) - source_docs
    for path in find_data_files(data_dir):
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.CBaseLoader)
        for k in range(copies):
            suffix = f"-c{k}" if k else ""
            copy = _rename(root, names, suffix, source_docs if k else set())
            out = target / f"{path.stem}-c{k}.yaml"
            out.write_text(yaml.serialize(copy, allow_unicode=True), encoding="utf-8")


def _rename(node: yaml.Node, names: set[str], suffix: str, drop: set[str]) -> yaml.Node:
    if isinstance(node, yaml.ScalarNode):
        value = node.value + suffix if suffix and node.value in names else node.value
        return yaml.ScalarNode(node.tag, value, style=node.style)
    if isinstance(node, yaml.SequenceNode):
        items = [
            _rename(item, names, suffix, drop)
            for item in node.value
            if not _is_entity_in(item, drop)
        ]
        return yaml.SequenceNode(node.tag, items, flow_style=node.flow_style)
    assert isinstance(node, yaml.MappingNode)
    pairs = [
        (_rename(k, names, suffix, drop), _rename(v, names, suffix, drop)) for k, v in node.value
    ]
    return yaml.MappingNode(node.tag, pairs, flow_style=node.flow_style)


def _is_entity_in(node: yaml.Node, ids: set[str]) -> bool:
    if not isinstance(node, yaml.MappingNode):
        return False
    return any(k.value == "id" and getattr(v, "value", None) in ids for k, v in node.value)


def measure(data_dir: Path, repeat: int) -> None:
    """Print one table of stage timings for `data_dir`."""
    files = find_data_files(data_dir)
    size = sum(p.stat().st_size for p in files)

    def bare_parse() -> list[object]:
        return [yaml.load(p.read_bytes(), Loader=yaml.CSafeLoader) for p in files]

    floor, _ = timed(bare_parse, repeat)
    schema = read_schema()
    shapes = read_shapes()
    sources = read_sources(data_dir / SOURCES_DIR)
    rows: list[tuple[str, float]] = []
    t, facts = timed(lambda: load_facts(data_dir), repeat)
    rows.append(("load: compose with line marks, YAML checks", t))
    t, checked = timed(lambda: check_facts(facts, schema, sources), repeat)
    rows.append(("validate: ontology, references, quotes", t))
    t, built = timed(lambda: build_graph(checked, schema), repeat)
    rows.append(("build the rdflib graph", t))
    t, _ = timed(lambda: check_shapes(built, shapes), repeat)
    rows.append(("SHACL shapes (pySHACL, no inference)", t))
    t, graphs = timed(lambda: Graphs(built.graph, schema), 1)
    t, _ = timed(lambda: Graphs(built.graph, schema).triples, repeat)
    rows.append(("sort triples for the RDF writers", t))
    t, _ = timed(lambda: Graphs(built.graph, schema).network, repeat)
    rows.append(("entity network for GraphML and HTML", t))
    graphs.triples, graphs.network  # noqa: B018 - made once, outside the writer timings
    for writer in sorted(WRITERS.values(), key=lambda w: w.filename):
        t, _ = timed(lambda w=writer: w.write(graphs), repeat)  # type: ignore[misc]
        rows.append((f"write {writer.filename}", t))
    with tempfile.TemporaryDirectory() as out:
        t, _ = timed(lambda: kg.build(data_dir, out), repeat)
    rows.append(("**whole `kg build`** (all checks, all outputs)", t))

    print(
        f"\n{len(files)} files, {size / 1024:.0f} KiB, {len(facts.entities)} entities, "
        f"{built.statements} statements, {len(built.graph)} triples; median of {repeat} runs\n"
    )
    print("| stage | seconds | × bare CSafeLoader parse |")
    print("|---|---:|---:|")
    print(f"| bare `yaml.load(CSafeLoader)` of the same files (the unit) | {floor:.3f} | 1.00× |")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.3f} | {seconds / floor:.2f}× |")


EXAMPLE_PARAMS = {
    "about": {"entity": "nansha-science-city"},
    "co-built": {"city": "guangzhou", "partner": "shenzhen"},
    "evidence": {
        "subject": "baiyun-airport",
        "property": "https://w3id.org/gba-kg/ontology#linkedWith",
        "object": "shenzhen-baoan-airport",
    },
    "facts-from-passage": {"passage": "深中通道"},
    "facts-from-source": {"source": "duite-2020-11-zhang-shuofu-interview"},
    "links-of-place": {"place": "shenzhen"},
}


def measure_questions(data_dir: Path, repeat: int) -> None:
    """Each saved question on pyoxigraph (the engine) and on rdflib's evaluator."""
    result = kg.check(data_dir)
    store = graph_store(result.built)
    graph = result.graph
    print("\n| saved question | rows | pyoxigraph ms | rdflib ms | rdflib / pyoxigraph |")
    print("|---|---:|---:|---:|---:|")
    for name, question in sorted(saved_questions().items()):
        values = EXAMPLE_PARAMS.get(name, {})
        t_ox, answer = timed(lambda q=question, v=values: run_question(store, q, v), repeat)  # type: ignore[misc]
        bindings = {p.name: _rdflib_term(p.kind, values[p.name]) for p in question.params}
        try:
            t_rdflib, _ = timed(
                lambda q=question, b=bindings: list(graph.query(q.text, initBindings=b)),  # type: ignore[misc]
                repeat,
            )
            rdflib_cell, ratio = f"{t_rdflib * 1000:.1f}", f"{t_rdflib / t_ox:.0f}×"
        except Exception as exc:  # noqa: BLE001 - the figure to report is that it fails
            rdflib_cell, ratio = f"fails: {type(exc).__name__}", "—"
        print(f"| {name} | {len(answer.rows)} | {t_ox * 1000:.2f} | {rdflib_cell} | {ratio} |")


def _rdflib_term(kind: str, value: str) -> URIRef | Literal:
    if kind == "id":
        return URIRef(str(ID[value]))
    return URIRef(value) if kind == "iri" else Literal(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", nargs="?", default="data", type=Path)
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"gba-kg benchmark, Python {sys.version.split()[0]}, one process")
    for copies in args.copies:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp)
            make_copies(args.data_dir, copies, data)
            print(f"\n### {copies} cop{'y' if copies == 1 else 'ies'} of {args.data_dir}/")
            measure(data, args.repeat)
            if copies == min(args.copies):  # rdflib's evaluator takes minutes on larger sizes
                measure_questions(data, args.repeat)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
