"""Time each pipeline stage on a data folder, as multiples of the bare YAML parse.

Run: `make bench` or `python bench/run.py [DATA_DIR] [--repeat N]`. Every figure is measured in
this process, against PyYAML's CSafeLoader reading the same files (the floor any YAML tool
pays), because absolute times drift on shared machines. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from kg.build import build_graph
from kg.export import WRITERS
from kg.load import find_data_files, load_facts
from kg.ontology import read_schema
from kg.quotes import read_sources
from kg.shapes import check_shapes, read_shapes
from kg.validate import check_facts


def _time(func: Callable[[], object], repeat: int) -> tuple[float, object]:
    times = []
    result: object = None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", nargs="?", default="data", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    files = find_data_files(args.data_dir)
    size = sum(p.stat().st_size for p in files)

    def bare_parse() -> object:
        return [yaml.load(p.read_bytes(), Loader=yaml.CSafeLoader) for p in files]

    floor, _ = _time(bare_parse, args.repeat)
    schema = read_schema()
    shapes = read_shapes()
    rows: list[tuple[str, float]] = []
    t, facts = _time(lambda: load_facts(args.data_dir), args.repeat)
    rows.append(("load (compose with line marks, checks)", t))
    sources = read_sources(args.data_dir / "sources")
    t, checked = _time(lambda: check_facts(facts, schema, sources), args.repeat)  # type: ignore[arg-type]
    rows.append(("validate (ontology, references, quotes)", t))
    t, built = _time(lambda: build_graph(checked, schema), args.repeat)  # type: ignore[arg-type]
    rows.append(("build graph (rdflib)", t))
    t, _ = _time(lambda: check_shapes(built, shapes), args.repeat)  # type: ignore[arg-type]
    rows.append(("SHACL shapes (pySHACL, no inference)", t))
    for name, writer in sorted(WRITERS.items()):
        t, _ = _time(lambda w=writer: w.write(built.graph, schema), args.repeat)  # type: ignore[attr-defined]
        rows.append((f"write {writer.filename}", t))
    import kg

    with tempfile.TemporaryDirectory() as out:
        t, _ = _time(lambda: kg.build(args.data_dir, out), args.repeat)
    rows.append(("whole `kg build` (all checks, all outputs)", t))

    triples = len(built.graph)  # type: ignore[attr-defined]
    print(
        f"data: {args.data_dir} ({len(files)} files, {size / 1024:.1f} KiB, "
        f"{len(facts.entities)} entities, {triples} triples)"
    )  # type: ignore[attr-defined]
    print(f"Python {sys.version.split()[0]}, median of {args.repeat} runs, one process")
    print()
    print("| stage | seconds | × bare CSafeLoader parse |")
    print("|---|---:|---:|")
    print(f"| bare CSafeLoader parse (the unit) | {floor:.4f} | 1.00× |")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.4f} | {seconds / floor:.2f}× |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print()
    print(f"peak RSS of this process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
